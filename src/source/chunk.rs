//! Cutting a byte stream into line-aligned chunks with reused buffers.
//!
//! A chunk holds whole lines only (the partial last line is carried into the next chunk), so
//! workers can process chunks independently and in any order. Buffers come from a caller-given
//! pool and go back to it after use, so memory is bounded by the number of buffers in flight.
//! A line longer than `max_line_bytes` is never held whole: once the carried partial line
//! passes the cap, its bytes are dropped up to the next newline and the line is counted as
//! oversize. Lines that fit in memory but exceed the cap are counted by the worker instead.

use std::io::{self, Read};

/// A run of whole lines from one source.
#[derive(Debug, Default)]
pub struct Chunk {
    /// Index of the source in input order.
    pub source: u32,
    /// Number of lines in the source before this chunk (the first line is `first_line + 1`).
    pub first_line: u64,
    /// Whole lines, each ending in `\n` except possibly the last line of a source.
    pub data: Vec<u8>,
}

/// What the chunker saw of one source.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChunkStats {
    /// Physical lines, including oversize ones.
    pub lines: u64,
    /// Bytes read (decompressed).
    pub bytes: u64,
    /// Lines dropped while reading because they passed the cap.
    pub oversize: u64,
}

/// Reads a source and emits chunks. See the module docs.
#[derive(Clone, Copy, Debug)]
pub struct Chunker {
    /// Target chunk size in bytes.
    pub chunk_size: usize,
    /// Longest line kept.
    pub max_line_bytes: usize,
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
        let mut buf = get_buf();
        buf.clear();
        let mut skipping = false;
        let min_read = (self.chunk_size / 4).clamp(1, 64 << 10);
        loop {
            if buf.capacity() - buf.len() < min_read {
                buf.reserve(self.chunk_size.max(min_read));
            }
            let old = buf.len();
            let cap = buf.capacity();
            buf.resize(cap, 0);
            let n = loop {
                match reader.read(&mut buf[old..]) {
                    Ok(n) => break Ok(n),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => break Err(e),
                }
            };
            let n = match n {
                Ok(n) => n,
                Err(e) => {
                    buf.truncate(old);
                    self.finish(source, buf, &mut stats, skipping, &mut emit);
                    return (stats, Err(e));
                }
            };
            buf.truncate(old + n);
            stats.bytes += n as u64;
            let eof = n == 0;
            if skipping {
                match memchr::memchr(b'\n', &buf[old..]) {
                    Some(i) => {
                        buf.drain(..old + i + 1);
                        skipping = false;
                        stats.lines += 1;
                        stats.oversize += 1;
                    }
                    None => {
                        buf.clear();
                        if eof {
                            stats.lines += 1;
                            stats.oversize += 1;
                            return (stats, Ok(()));
                        }
                        continue;
                    }
                }
            }
            if eof {
                self.finish(source, buf, &mut stats, false, &mut emit);
                return (stats, Ok(()));
            }
            if buf.len() < self.chunk_size {
                continue;
            }
            match memchr::memrchr(b'\n', &buf) {
                Some(i) => {
                    let mut next = get_buf();
                    next.clear();
                    next.extend_from_slice(&buf[i + 1..]);
                    buf.truncate(i + 1);
                    let lines = memchr::memchr_iter(b'\n', &buf).count() as u64;
                    let chunk = Chunk {
                        source,
                        first_line: stats.lines,
                        data: buf,
                    };
                    stats.lines += lines;
                    if !emit(chunk) {
                        return (stats, Ok(()));
                    }
                    buf = next;
                }
                None if buf.len() > self.max_line_bytes => {
                    buf.clear();
                    skipping = true;
                }
                None => {}
            }
        }
    }

    fn finish(
        &self,
        source: u32,
        buf: Vec<u8>,
        stats: &mut ChunkStats,
        skipping: bool,
        emit: &mut impl FnMut(Chunk) -> bool,
    ) {
        if skipping {
            stats.lines += 1;
            stats.oversize += 1;
            return;
        }
        if buf.is_empty() {
            return;
        }
        let mut lines = memchr::memchr_iter(b'\n', &buf).count() as u64;
        if buf.last() != Some(&b'\n') {
            lines += 1;
        }
        let chunk = Chunk {
            source,
            first_line: stats.lines,
            data: buf,
        };
        stats.lines += lines;
        emit(chunk);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(
        input: &[u8],
        chunk_size: usize,
        max_line: usize,
    ) -> (Vec<(u64, Vec<u8>)>, ChunkStats) {
        let c = Chunker {
            chunk_size,
            max_line_bytes: max_line,
        };
        let mut out = Vec::new();
        let mut r = input;
        let (stats, res) = c.run(0, &mut r, Vec::new, |ch| {
            out.push((ch.first_line, ch.data));
            true
        });
        res.unwrap();
        (out, stats)
    }

    #[test]
    fn chunks_hold_whole_lines_and_number_them() {
        let input = b"aa\nbbbb\nc\nddddd\ne";
        for size in 1..20 {
            let (out, stats) = chunks(input, size, 1 << 20);
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
            assert_eq!(stats.lines, 5);
            assert_eq!(stats.bytes, input.len() as u64);
        }
    }

    #[test]
    fn oversize_lines_are_dropped_while_reading() {
        let mut input = b"ok\n".to_vec();
        input.extend(vec![b'x'; 5000]);
        input.extend(b"\nafter\n");
        let (out, stats) = chunks(&input, 64, 1000);
        let joined: Vec<u8> = out.iter().flat_map(|(_, d)| d.clone()).collect();
        assert_eq!(joined, b"ok\nafter\n");
        assert_eq!(stats.oversize, 1);
        assert_eq!(stats.lines, 3);
        let last = out.last().unwrap();
        assert_eq!(last.0, 2, "the line after the oversize one is line 3");
    }

    #[test]
    fn oversize_last_line_without_newline() {
        let mut input = b"ok\n".to_vec();
        input.extend(vec![b'x'; 5000]);
        let (out, stats) = chunks(&input, 64, 1000);
        assert_eq!(out.len(), 1);
        assert_eq!((stats.lines, stats.oversize), (2, 1));
    }

    #[test]
    fn empty_input_has_no_lines() {
        let (out, stats) = chunks(b"", 16, 100);
        assert!(out.is_empty());
        assert_eq!(stats, ChunkStats::default());
    }
}
