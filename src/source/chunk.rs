//! Cutting a byte stream, or a memory-mapped file, into line-aligned chunks.
//!
//! A chunk holds whole lines only (the partial last line is carried into the next chunk), so
//! workers can process chunks independently and in any order. Buffers come from a caller-given
//! pool and go back to it after use, so memory is bounded by the number of buffers in flight;
//! a mapped file's chunks are ranges of the map whose pages are released when they are dropped.
//! A line longer than `max_line_bytes` is never held whole: once the carried partial line
//! passes the cap (by more than a byte, which may be the line's `\r`), its bytes are dropped
//! up to the next newline and the line is counted as oversize. Lines that fit in memory but
//! exceed the cap are counted by the worker instead.
//!
//! The chunker does not count lines (that would be a second pass over every byte on the one
//! reading thread): chunks carry a sequence number, workers count the lines of each chunk, and
//! line numbers are resolved after the fact ([`LineIndex`]).

use std::io::{self, Read};
use std::sync::Arc;

use super::mapped::Mapping;

/// A run of whole lines from one source.
#[derive(Debug, Default)]
pub struct Chunk {
    /// Index of the source in input order.
    pub source: u32,
    /// Position of the chunk in its source (0, 1, 2, ...).
    pub seq: u64,
    /// Position of the chunk over all sources, set by whoever reads several sources in a row
    /// (0 from the chunker).
    pub global_seq: u64,
    /// Oversize lines dropped by the reader between the previous chunk and this one.
    pub skipped_before: u64,
    /// Where the lines are: their first `len` bytes are whole lines, each ending in `\n`
    /// except possibly the last line of a source.
    pub data: ChunkData,
    /// Valid bytes in `data`.
    pub len: usize,
    /// For a chunk read into a buffer: the whole lines just before it in its source, up to
    /// [`CONTEXT_BYTES`] (see [`Chunk::context`]). Empty for a mapped chunk, which finds them
    /// in the map.
    pub before: Vec<u8>,
}

/// How much of the lines before a chunk [`Chunk::context`] holds at most: enough for the
/// timed line a stack trace or traceback that runs into the chunk started with.
pub const CONTEXT_BYTES: usize = 64 << 10;

/// The context of the chunk after one of `lines` whose own context was `before`: lines from
/// both when the chunk is short (small reads from a pipe).
fn context_after(before: &[u8], lines: &[u8]) -> Vec<u8> {
    match CONTEXT_BYTES.checked_sub(lines.len()) {
        Some(room) if room > 0 => [last_lines(before, room), lines].concat(),
        _ => last_lines(lines, CONTEXT_BYTES).to_vec(),
    }
}

/// The whole lines at the end of `data` (which ends at a line end), at most `max` bytes of
/// them; none if its last line alone is longer.
fn last_lines(data: &[u8], max: usize) -> &[u8] {
    if data.len() <= max {
        return data;
    }
    let from = data.len() - max;
    // `from - 1` is a line end when the cut falls exactly after one.
    match memchr::memchr(b'\n', &data[from - 1..]) {
        Some(i) => &data[from + i..],
        None => &[],
    }
}

impl Chunk {
    /// The lines of the chunk.
    pub fn bytes(&self) -> &[u8] {
        match &self.data {
            ChunkData::Buffer(b) => &b[..self.len],
            ChunkData::Mapped(m) => &m.map.bytes()[m.start..m.start + self.len],
        }
    }

    /// Whole lines just before the chunk in its source, at most [`CONTEXT_BYTES`] (fewer if a
    /// line there is longer; none before a source's first chunk): where a time window looks
    /// for the event that the chunk's first, untimed lines belong to (a stack trace cut by
    /// the chunk's start).
    pub fn context(&self) -> &[u8] {
        match &self.data {
            ChunkData::Buffer(_) => &self.before,
            ChunkData::Mapped(m) => match &m.map.bytes()[..m.start] {
                // (Not a byte order mark the first chunk starts after.)
                before if before.ends_with(b"\n") => last_lines(before, CONTEXT_BYTES),
                _ => &[],
            },
        }
    }

    /// The chunk's buffer, for reuse (none for a mapped chunk).
    pub fn into_buffer(self) -> Option<Vec<u8>> {
        match self.data {
            ChunkData::Buffer(b) => Some(b),
            ChunkData::Mapped(_) => None,
        }
    }
}

/// The bytes behind a [`Chunk`].
#[derive(Debug)]
pub enum ChunkData {
    /// A buffer the chunker read into; past the chunk's `len` it is stale (kept initialised
    /// for reuse).
    Buffer(Vec<u8>),
    /// A range of a memory-mapped file, whose pages are released when the chunk is dropped.
    Mapped(MappedRange),
}

impl Default for ChunkData {
    fn default() -> Self {
        ChunkData::Buffer(Vec::new())
    }
}

/// A chunk's range of a [`Mapping`].
#[derive(Debug)]
pub struct MappedRange {
    map: Arc<Mapping>,
    start: usize,
    end: usize,
}

impl Drop for MappedRange {
    fn drop(&mut self) {
        self.map.release(self.start, self.end);
    }
}

/// What the chunker saw of one source.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChunkStats {
    /// Chunks emitted.
    pub chunks: u64,
    /// Bytes read (decompressed).
    pub bytes: u64,
    /// Lines dropped while reading because they passed the cap.
    pub oversize: u64,
    /// Of those, lines dropped after the last chunk.
    pub skipped_at_end: u64,
}

/// Lines per chunk, gathered from the workers, to turn (source, chunk, line in chunk) into
/// line numbers.
#[derive(Clone, Debug, Default)]
pub struct LineIndex {
    /// `(source, seq)` → (lines in the chunk, oversize lines dropped before it).
    chunks: Vec<((u32, u64), (u64, u64))>,
    sorted: bool,
}

impl LineIndex {
    /// Records one chunk.
    pub fn add(&mut self, source: u32, seq: u64, lines: u64, skipped_before: u64) {
        self.chunks.push(((source, seq), (lines, skipped_before)));
        self.sorted = false;
    }

    /// Adds another index.
    pub fn merge(&mut self, other: LineIndex) {
        self.chunks.extend(other.chunks);
        self.sorted = false;
    }

    /// Sorts the index and turns per-chunk counts into the number of lines before each chunk.
    pub fn finish(mut self) -> ResolvedLines {
        self.chunks.sort_unstable_by_key(|c| c.0);
        let mut first = Vec::with_capacity(self.chunks.len());
        let mut per_source: std::collections::BTreeMap<u32, u64> = Default::default();
        let mut cur_source = None;
        let mut before = 0u64;
        for ((source, seq), (lines, skipped)) in self.chunks {
            if cur_source != Some(source) {
                if let Some(s) = cur_source {
                    per_source.insert(s, before);
                }
                cur_source = Some(source);
                before = 0;
            }
            before += skipped;
            first.push(((source, seq), before));
            before += lines;
        }
        if let Some(s) = cur_source {
            per_source.insert(s, before);
        }
        ResolvedLines { first, per_source }
    }
}

/// Line numbers resolved from a [`LineIndex`].
#[derive(Clone, Debug, Default)]
pub struct ResolvedLines {
    first: Vec<((u32, u64), u64)>,
    per_source: std::collections::BTreeMap<u32, u64>,
}

impl ResolvedLines {
    /// 1-based line number of line `line` (1-based) of chunk `seq` of `source`.
    pub fn line_number(&self, source: u32, seq: u64, line: u64) -> u64 {
        match self.first.binary_search_by_key(&(source, seq), |c| c.0) {
            Ok(i) => self.first[i].1 + line,
            Err(_) => line,
        }
    }

    /// Lines in chunks of `source` (without oversize lines dropped after its last chunk).
    pub fn lines_in(&self, source: u32) -> u64 {
        self.per_source.get(&source).copied().unwrap_or(0)
    }
}

/// Reads a source and emits chunks. See the module docs.
#[derive(Clone, Copy, Debug)]
pub struct Chunker {
    /// Target chunk size in bytes.
    pub chunk_size: usize,
    /// Longest line kept.
    pub max_line_bytes: usize,
    /// Emit the whole lines read so far whenever a read returns less than it asked for (a
    /// pipe with nothing more to give yet), instead of waiting for a full chunk: `tail -f |
    /// logtriage filter` shows lines as they come. No effect on regular files.
    pub eager: bool,
}

impl Chunker {
    /// Reads `reader` to the end. `get_buf` supplies an empty buffer; `emit` receives each chunk
    /// and returns false to stop early (cancellation or a closed consumer). On a read error the
    /// lines read so far have been emitted and the error is returned with the stats so far.
    pub fn run(
        &self,
        source: u32,
        reader: &mut dyn Read,
        mut get_buf: impl FnMut() -> Vec<u8>,
        mut emit: impl FnMut(Chunk) -> bool,
    ) -> (ChunkStats, io::Result<()>) {
        let mut stats = ChunkStats::default();
        // Buffers stay fully initialised (`len()` is their size, `filled` the valid part), so a
        // recycled buffer is never zeroed again.
        let mut buf = get_buf();
        let mut filled = 0usize;
        let mut skipping = false;
        let mut skipped = 0u64;
        let mut bom_pending = true;
        // The context of the next chunk: the last lines of the one before it.
        let mut before = Vec::new();
        // Reads are never tiny, whatever the chunk size (tests use very small chunks).
        let min_read = (self.chunk_size / 4).clamp(4096, 64 << 10);
        loop {
            if buf.len() - filled < min_read {
                let grow = self.chunk_size.max(min_read);
                buf.resize(filled + grow.max(buf.len() - filled), 0);
            }
            let asked = buf.len() - filled;
            let n = loop {
                match reader.read(&mut buf[filled..]) {
                    Ok(n) => break Ok(n),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => break Err(e),
                }
            };
            let n = match n {
                Ok(n) => n,
                Err(e) => {
                    self.finish(
                        source, buf, before, filled, &mut stats, skipping, skipped, &mut emit,
                    );
                    return (stats, Err(e));
                }
            };
            let mut old = filled;
            filled += n;
            stats.bytes += n as u64;
            let eof = n == 0;
            if bom_pending && (filled >= 3 || eof) {
                // A UTF-8 byte order mark (Windows editors write one) is not part of line 1.
                bom_pending = false;
                if buf[..filled].starts_with(b"\xEF\xBB\xBF") {
                    buf.copy_within(3..filled, 0);
                    filled -= 3;
                    old = old.saturating_sub(3);
                }
            }
            if skipping {
                match memchr::memchr(b'\n', &buf[old..filled]) {
                    Some(i) => {
                        let start = old + i + 1;
                        buf.copy_within(start..filled, 0);
                        filled -= start;
                        skipping = false;
                        skipped += 1;
                        stats.oversize += 1;
                    }
                    None => {
                        filled = 0;
                        if eof {
                            stats.oversize += 1;
                            stats.skipped_at_end = skipped + 1;
                            return (stats, Ok(()));
                        }
                        continue;
                    }
                }
            }
            if eof {
                self.finish(
                    source, buf, before, filled, &mut stats, false, skipped, &mut emit,
                );
                return (stats, Ok(()));
            }
            if filled < self.chunk_size && !(self.eager && n < asked) {
                continue;
            }
            match memchr::memrchr(b'\n', &buf[..filled]) {
                Some(i) => {
                    let tail = filled - (i + 1);
                    let mut next = get_buf();
                    if next.len() < tail + min_read {
                        next.resize((tail + min_read).max(self.chunk_size), 0);
                    }
                    next[..tail].copy_from_slice(&buf[i + 1..filled]);
                    let after = context_after(&before, &buf[..i + 1]);
                    let chunk = Chunk {
                        source,
                        seq: stats.chunks,
                        global_seq: 0,
                        skipped_before: std::mem::take(&mut skipped),
                        data: ChunkData::Buffer(buf),
                        len: i + 1,
                        before: std::mem::replace(&mut before, after),
                    };
                    stats.chunks += 1;
                    if !emit(chunk) {
                        return (stats, Ok(()));
                    }
                    buf = next;
                    filled = tail;
                }
                // One byte over the cap may still be a line within it and its `\r`.
                None if filled > self.max_line_bytes.saturating_add(1) => {
                    filled = 0;
                    skipping = true;
                }
                None => {}
            }
        }
    }

    /// Reads an opened input to the end: its memory map when it has one ([`Chunker::run_mapped`]),
    /// else its reader ([`Chunker::run`]).
    pub fn run_opened(
        &self,
        source: u32,
        opened: &mut super::Opened,
        get_buf: impl FnMut() -> Vec<u8>,
        emit: impl FnMut(Chunk) -> bool,
    ) -> (ChunkStats, io::Result<()>) {
        match &opened.mapped {
            Some(map) => (self.run_mapped(source, map, emit), Ok(())),
            None => self.run(source, &mut opened.reader, get_buf, emit),
        }
    }

    /// [`Chunker::run`] over a memory-mapped file: the same lines for the workers, statistics
    /// and oversize accounting, without copying (chunk edges may fall elsewhere). A chunk is
    /// the lines that start in the next `chunk_size` bytes (a line longer than that alone, if
    /// it is within `max_line_bytes`); a longer line is dropped here and counted, its pages
    /// released as it is passed over.
    pub fn run_mapped(
        &self,
        source: u32,
        map: &Arc<Mapping>,
        mut emit: impl FnMut(Chunk) -> bool,
    ) -> ChunkStats {
        let data = map.bytes();
        let n = data.len();
        let mut stats = ChunkStats {
            bytes: n as u64,
            ..ChunkStats::default()
        };
        let mut start = if data.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        let mut skipped = 0u64;
        let chunk_size = self.chunk_size.max(1);
        while start < n {
            let target = start.saturating_add(chunk_size);
            let end = if target >= n {
                n
            } else if let Some(i) = memchr::memrchr(b'\n', &data[start..target]) {
                start + i + 1
            } else {
                // The line at `start` passes the chunk size: whole if within the cap (with
                // room for a `\r`, which is not part of the line; the worker counts a line one
                // byte over without one), else dropped.
                let limit = start
                    .saturating_add(self.max_line_bytes)
                    .saturating_add(2)
                    .min(n);
                // (With a cap below the chunk size, the search above covered the cap.)
                let found = (limit > target)
                    .then(|| memchr::memchr(b'\n', &data[target..limit]))
                    .flatten();
                match found {
                    Some(i) => target + i + 1,
                    None if limit == n => n,
                    None => {
                        stats.oversize += 1;
                        match skip_line(map, limit) {
                            Some(next) => {
                                map.release(start, next);
                                skipped += 1;
                                start = next;
                                continue;
                            }
                            None => {
                                map.release(start, n);
                                stats.skipped_at_end = skipped + 1;
                                return stats;
                            }
                        }
                    }
                }
            };
            let chunk = Chunk {
                source,
                seq: stats.chunks,
                global_seq: 0,
                skipped_before: std::mem::take(&mut skipped),
                data: ChunkData::Mapped(MappedRange {
                    map: Arc::clone(map),
                    start,
                    end,
                }),
                len: end - start,
                before: Vec::new(),
            };
            stats.chunks += 1;
            if !emit(chunk) {
                return stats;
            }
            start = end;
        }
        stats.skipped_at_end = skipped;
        stats
    }

    #[allow(clippy::too_many_arguments)]
    fn finish(
        &self,
        source: u32,
        buf: Vec<u8>,
        before: Vec<u8>,
        filled: usize,
        stats: &mut ChunkStats,
        skipping: bool,
        skipped: u64,
        emit: &mut impl FnMut(Chunk) -> bool,
    ) {
        if skipping {
            stats.oversize += 1;
            stats.skipped_at_end = skipped + 1;
            return;
        }
        if filled == 0 {
            stats.skipped_at_end = skipped;
            return;
        }
        let chunk = Chunk {
            source,
            seq: stats.chunks,
            global_seq: 0,
            skipped_before: skipped,
            data: ChunkData::Buffer(buf),
            len: filled,
            before,
        };
        stats.chunks += 1;
        emit(chunk);
    }
}

/// The offset after the next newline at or after `from`, if any; pages are released as they
/// are searched, so a long run without newlines does not stay resident.
fn skip_line(map: &Mapping, from: usize) -> Option<usize> {
    const WINDOW: usize = 16 << 20;
    let data = map.bytes();
    let mut at = from;
    while at < data.len() {
        let to = at.saturating_add(WINDOW).min(data.len());
        if let Some(i) = memchr::memchr(b'\n', &data[at..to]) {
            return Some(at + i + 1);
        }
        map.release(at, to);
        at = to;
    }
    None
}

/// Counts the lines of a chunk's data (a final line without newline counts).
pub fn count_lines(data: &[u8]) -> u64 {
    let n = memchr::memchr_iter(b'\n', data).count() as u64;
    n + u64::from(!data.is_empty() && data.last() != Some(&b'\n'))
}

/// Calls `f` with each maximal run of whole lines of `data` no longer than `max_line_bytes`
/// (without their line ending), skipping the longer ones; returns how many it skipped.
///
/// The chunker drops only the lines that do not fit in a chunk; a line over the cap that does
/// fit reaches the worker, which must skip it the same way (see `Config::max_line_bytes`).
pub fn runs_within<'d>(data: &'d [u8], max_line_bytes: usize, mut f: impl FnMut(&'d [u8])) -> u64 {
    if data.len() <= max_line_bytes {
        if !data.is_empty() {
            f(data);
        }
        return 0;
    }
    let (mut run, mut pos, mut skipped) = (0, 0, 0);
    while pos < data.len() {
        let end = memchr::memchr(b'\n', &data[pos..]).map_or(data.len(), |i| pos + i);
        let line = &data[pos..end];
        let len = line.len() - usize::from(line.last() == Some(&b'\r'));
        let next = (end + 1).min(data.len());
        if len > max_line_bytes {
            if run < pos {
                f(&data[run..pos]);
            }
            skipped += 1;
            run = next;
        }
        pos = next;
    }
    if run < data.len() {
        f(&data[run..]);
    }
    skipped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_within_skips_only_the_long_lines() {
        let runs = |data: &[u8], max| {
            let mut v: Vec<String> = Vec::new();
            let n = runs_within(data, max, |r| v.push(String::from_utf8_lossy(r).into()));
            (v, n)
        };
        assert_eq!(
            runs(b"a\nbbbb\ncc\n", 100),
            (vec!["a\nbbbb\ncc\n".into()], 0)
        );
        assert_eq!(
            runs(b"a\nbbbb\ncc\n", 3),
            (vec!["a\n".into(), "cc\n".into()], 1)
        );
        assert_eq!(runs(b"bbbb\r\nbbb\r\nx", 3), (vec!["bbb\r\nx".into()], 1));
        assert_eq!(runs(b"bbbb\nbbbb", 3), (vec![], 2));
        assert_eq!(runs(b"", 0), (vec![], 0));
        assert_eq!(runs(b"\n\nxx\n", 1), (vec!["\n\n".into()], 1));
    }

    /// Runs the chunker (on a stream, or on a memory-mapped file with `mapped`) and resolves
    /// line numbers as the pipeline does.
    fn chunks_of(
        input: &[u8],
        chunk_size: usize,
        max_line: usize,
        mapped: bool,
    ) -> (Vec<(u64, Vec<u8>)>, ChunkStats, u64) {
        let c = Chunker {
            chunk_size,
            max_line_bytes: max_line,
            eager: false,
        };
        let mut raw = Vec::new();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.log");
        std::fs::write(&path, input).unwrap();
        let mut opened =
            super::super::open_mapped(&super::super::Input::File(path), u64::MAX, mapped, None)
                .unwrap();
        if cfg!(unix) {
            assert_eq!(opened.mapped.is_some(), mapped && !input.is_empty());
        }
        let (stats, res) = c.run_opened(0, &mut opened, Vec::new, |ch| {
            raw.push(ch);
            true
        });
        res.unwrap();
        let mut index = LineIndex::default();
        for ch in &raw {
            index.add(0, ch.seq, count_lines(ch.bytes()), ch.skipped_before);
        }
        let lines = index.finish();
        let out = raw
            .into_iter()
            .map(|ch| (lines.line_number(0, ch.seq, 1) - 1, ch.bytes().to_vec()))
            .collect();
        let total = lines.lines_in(0) + stats.skipped_at_end;
        (out, stats, total)
    }

    /// Each chunk knows the whole lines before it, as many as fit in [`CONTEXT_BYTES`], read
    /// from a map or in buffers, over small and large chunks.
    #[test]
    fn a_chunk_knows_the_lines_before_it() {
        let mut input = Vec::new();
        for i in 0..6_000 {
            input.extend_from_slice(format!("line {i} {}\n", "x".repeat(i * 7 % 90)).as_bytes());
            if i == 3_000 {
                // Longer than the context: the chunks right after it have none before it.
                input.extend_from_slice(&vec![b'y'; CONTEXT_BYTES + 10]);
                input.push(b'\n');
            }
        }
        for chunk_size in [1, 700, 5_000, 100_000] {
            for mapped in [false, true] {
                let c = Chunker {
                    chunk_size,
                    max_line_bytes: 1 << 20,
                    eager: false,
                };
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("in.log");
                std::fs::write(&path, &input).unwrap();
                let input_file = super::super::Input::File(path);
                let mut opened =
                    super::super::open_mapped(&input_file, u64::MAX, mapped, None).unwrap();
                let mut start = 0;
                let mut seen = 0;
                let (_, res) = c.run_opened(0, &mut opened, Vec::new, |ch| {
                    let ctx = ch.context();
                    let at = format!("chunk size {chunk_size}, mapped {mapped}, at {start}");
                    assert!(input[..start].ends_with(ctx), "{at}");
                    assert!(ctx.len() <= CONTEXT_BYTES, "{at}");
                    let from = start - ctx.len();
                    if from > 0 {
                        assert_eq!(input[from - 1], b'\n', "{at}: whole lines");
                        // The line before the context would not have fitted.
                        let line = memchr::memrchr(b'\n', &input[..from - 1]).map_or(0, |i| i + 1);
                        assert!(start - line > CONTEXT_BYTES, "{at}");
                    }
                    seen += usize::from(!ctx.is_empty());
                    start += ch.bytes().len();
                    true
                });
                res.unwrap();
                assert_eq!(start, input.len());
                assert!(seen > 0);
            }
        }
    }

    /// [`chunks_of`] read both ways: the checks below hold for both.
    fn each_way(
        input: &[u8],
        chunk_size: usize,
        max_line: usize,
        mut check: impl FnMut(Vec<(u64, Vec<u8>)>, ChunkStats, u64),
    ) {
        for mapped in [false, true] {
            let (out, stats, total) = chunks_of(input, chunk_size, max_line, mapped);
            check(out, stats, total);
        }
    }

    /// What the workers make of chunks: each line within the cap with its number, the lines
    /// over it (dropped by the reader or by the worker), and all lines.
    fn worker_view(
        out: &[(u64, Vec<u8>)],
        stats: ChunkStats,
        total: u64,
        max_line: usize,
    ) -> (Vec<(u64, Vec<u8>)>, u64, u64) {
        let mut kept = Vec::new();
        let mut over = stats.oversize;
        for (first, data) in out {
            let mut n = *first;
            for line in data.split_inclusive(|&b| b == b'\n') {
                n += 1;
                let line = line.strip_suffix(b"\n").unwrap_or(line);
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                if line.len() > max_line {
                    over += 1;
                } else {
                    kept.push((n, line.to_vec()));
                }
            }
        }
        (kept, over, total)
    }

    #[test]
    fn mapped_files_give_the_workers_the_same_lines() {
        // Lines of every length around the chunk size and the cap, some with CRLF (a line of
        // exactly the cap plus `\r` is within it), with and without a final newline or a byte
        // order mark.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |m: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % m
        };
        for case in 0..300 {
            let max_line = 20 + next(60) as usize;
            let mut input = Vec::new();
            if case % 7 == 0 {
                input.extend_from_slice(b"\xEF\xBB\xBF");
            }
            for _ in 0..next(40) {
                let len = match next(10) {
                    0 => max_line + next(300) as usize,
                    1 => max_line.saturating_sub(2) + next(4) as usize,
                    _ => next(max_line as u64) as usize,
                };
                input.extend((0..len).map(|i| b'a' + (i % 26) as u8));
                if next(4) == 0 {
                    input.push(b'\r');
                }
                input.push(b'\n');
            }
            if next(2) == 0 {
                input.extend_from_slice(b"tail");
            }
            let chunk_size = 1 + next(120) as usize;
            let (o, s, t) = chunks_of(&input, chunk_size, max_line, false);
            let streamed = worker_view(&o, s, t, max_line);
            let (o, s, t) = chunks_of(&input, chunk_size, max_line, true);
            let mapped = worker_view(&o, s, t, max_line);
            assert_eq!(mapped, streamed, "case {case}, chunk size {chunk_size}");
            assert_eq!(s.bytes, input.len() as u64);
        }
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_first_line() {
        each_way(
            b"\xEF\xBB\xBF{\"a\":1}\nx\n",
            4,
            100,
            |out, stats, total| {
                let all: Vec<u8> = out.into_iter().flat_map(|(_, b)| b).collect();
                assert_eq!(all, b"{\"a\":1}\nx\n");
                assert_eq!(
                    (stats.bytes, total),
                    (13, 2),
                    "the mark counts as bytes read"
                );
            },
        );
        // Only at the very start of a source.
        each_way(b"a\n\xEF\xBB\xBFb\n", 1 << 10, 100, |out, _, _| {
            assert_eq!(out[0].1, b"a\n\xEF\xBB\xBFb\n");
        });
        each_way(b"\xEF\xBB", 1 << 10, 100, |out, _, _| {
            assert_eq!(out[0].1, b"\xEF\xBB");
        });
        // A file of only the mark has no line.
        each_way(b"\xEF\xBB\xBF", 1 << 10, 100, |out, stats, total| {
            assert!(out.is_empty());
            assert_eq!((stats.bytes, total), (3, 0));
        });
    }

    #[test]
    fn chunks_hold_whole_lines_and_number_them() {
        let input = b"aa\nbbbb\nc\nddddd\ne";
        for (size, mapped) in (1..20).flat_map(|s| [(s, false), (s, true)]) {
            let (out, stats, total) = chunks_of(input, size, 1 << 20, mapped);
            let joined: Vec<u8> = out.iter().flat_map(|(_, d)| d.clone()).collect();
            assert_eq!(joined, input, "chunk size {size}");
            for (first, d) in &out[..out.len() - 1] {
                assert_eq!(d.last(), Some(&b'\n'));
                let before: usize = input[..]
                    .split(|&b| b == b'\n')
                    .take(*first as usize)
                    .map(|l| l.len() + 1)
                    .sum();
                assert!(input[before..].starts_with(d), "line numbers are right");
            }
            assert_eq!(total, 5);
            assert_eq!(stats.bytes, input.len() as u64);
        }
    }

    #[test]
    fn oversize_lines_are_dropped_while_reading() {
        // Longer than any single read, so the reader has to drop it.
        let mut input = b"ok\n".to_vec();
        input.extend(vec![b'x'; 200_000]);
        input.extend(b"\nafter\n");
        each_way(&input, 64, 1000, |out, stats, total| {
            let joined: Vec<u8> = out.iter().flat_map(|(_, d)| d.clone()).collect();
            assert!(joined == b"ok\nafter\n", "kept {} bytes", joined.len());
            assert_eq!(stats.oversize, 1);
            assert_eq!(total, 3);
            let last = out.last().unwrap();
            assert_eq!(last.0, 2, "the line after the oversize one is line 3");
        });
    }

    /// Gives one byte per read, like a slow pipe.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match (self.0.split_first(), buf.is_empty()) {
                (Some((&b, rest)), false) => {
                    buf[0] = b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn a_line_of_the_cap_and_its_cr_is_kept_whatever_the_reads() {
        // A read may end between the `\r` and the `\n`: the line is still within the cap.
        let c = Chunker {
            chunk_size: 1,
            max_line_bytes: 4,
            eager: false,
        };
        let mut lines = Vec::new();
        let (stats, res) = c.run(0, &mut Trickle(b"abcd\r\nabcde\r\nok\n"), Vec::new, |ch| {
            lines.extend(
                ch.bytes()
                    .split_inclusive(|&b| b == b'\n')
                    .map(<[u8]>::to_vec),
            );
            true
        });
        res.unwrap();
        // `abcde\r` passes the cap by two bytes: dropped while reading.
        assert_eq!(lines, [b"abcd\r\n".to_vec(), b"ok\n".to_vec()]);
        assert_eq!(stats.oversize, 1);
    }

    #[test]
    fn oversize_last_line_without_newline() {
        let mut input = b"ok\n".to_vec();
        input.extend(vec![b'x'; 200_000]);
        each_way(&input, 64, 1000, |out, stats, total| {
            assert_eq!(out.len(), 1);
            assert_eq!((total, stats.oversize), (2, 1));
        });
    }

    #[test]
    fn empty_input_has_no_lines() {
        each_way(b"", 16, 100, |out, stats, total| {
            assert!(out.is_empty());
            assert_eq!(stats, ChunkStats::default());
            assert_eq!(total, 0);
        });
    }
}
