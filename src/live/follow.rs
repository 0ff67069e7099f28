//! Live inputs: standard input read until EOF, and files followed by name like `tail -F`.
//!
//! A [`Follower`] polls its path (every 25 ms when idle) with plain reads, never a memory map
//! (a followed file may shrink under us). Between polls it notices:
//!
//! - **appends**: read from the saved offset to EOF;
//! - **rename rotation** (`app.log` → `app.log.1`, new `app.log`): the path's inode changes.
//!   The old file is read to its end first (lines written just before the rename are not
//!   lost), then the new file from its start;
//! - **truncation and copytruncate**: the file is shorter than the offset, or its first bytes
//!   are no longer the ones seen when it was opened (a file truncated and written again past the
//!   old offset between two polls); reading restarts at 0. What had not been read yet is taken
//!   from the copy `copytruncate` left next to the file (same name prefix, same first bytes), so
//!   copytruncate loses nothing when the copy is there, uncompressed;
//! - **a file that appears later** (or reappears after deletion): read from its start.
//!
//! What can still be lost: lines written between the copy and the truncation (copytruncate's
//! own race), the unread tail of a truncated file with no copy next to it (or one compressed at
//! once), and a file rotated twice within one poll interval (the middle file is never opened).
//!
//! Readers hand out whole lines only; a line longer than `max_line_bytes` is dropped and
//! counted (as `analyze` does).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::PathBuf;

use crate::pipeline::Dropped;

/// Bytes read per call.
const READ_SIZE: usize = 1 << 20;
/// Bytes kept from the start of a followed file to recognise it after a truncation.
const FINGERPRINT: usize = 128;

/// Whole lines cut from a byte stream, with a bounded partial line.
#[derive(Debug, Default)]
pub struct LineCutter {
    partial: Vec<u8>,
    /// Dropping the rest of an oversize line.
    skipping: bool,
    max_line_bytes: usize,
    /// Oversize lines dropped since the last take.
    pub oversize: Dropped,
}

impl LineCutter {
    /// A cutter dropping lines longer than `max_line_bytes`.
    pub fn new(max_line_bytes: usize) -> LineCutter {
        LineCutter {
            max_line_bytes: max_line_bytes.max(1),
            ..Default::default()
        }
    }

    /// Appends `data` and moves the whole lines into `out`.
    pub fn push(&mut self, mut data: &[u8], out: &mut Vec<u8>) {
        while !data.is_empty() {
            match memchr::memchr(b'\n', data) {
                Some(i) => {
                    let (line, rest) = data.split_at(i + 1);
                    data = rest;
                    if self.skipping {
                        self.skipping = false;
                        self.oversize.bytes += line.len() as u64;
                        continue;
                    }
                    if self.partial.len() + line.len() > self.max_line_bytes + 2 {
                        self.oversize.bytes += (self.partial.len() + line.len()) as u64;
                        self.oversize.lines += 1;
                        self.partial.clear();
                        continue;
                    }
                    if self.partial.is_empty() {
                        out.extend_from_slice(line);
                    } else {
                        out.append(&mut self.partial);
                        out.extend_from_slice(line);
                    }
                }
                None => {
                    if self.skipping {
                        self.oversize.bytes += data.len() as u64;
                    } else if self.partial.len() + data.len() > self.max_line_bytes + 2 {
                        self.oversize.bytes += (self.partial.len() + data.len()) as u64;
                        self.oversize.lines += 1;
                        self.partial.clear();
                        self.skipping = true;
                    } else {
                        self.partial.extend_from_slice(data);
                    }
                    data = &[];
                }
            }
        }
    }

    /// The input ended: a last line without a newline becomes a line.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        self.skipping = false;
        if !self.partial.is_empty() {
            out.append(&mut self.partial);
        }
    }

    /// Forgets a partial line (its file was truncated).
    pub fn reset(&mut self) {
        self.partial.clear();
        self.skipping = false;
    }
}

/// Identity of a file: device and inode where the platform has them.
fn identity(m: &std::fs::Metadata) -> (u64, u64) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        (m.dev(), m.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = m;
        (0, 0)
    }
}

/// A file followed by name. See the module docs.
#[derive(Debug)]
pub struct Follower {
    path: PathBuf,
    file: Option<File>,
    id: (u64, u64),
    offset: u64,
    fingerprint: Vec<u8>,
    cutter: LineCutter,
    buf: Vec<u8>,
    /// Start at the end of a file that exists at start-up.
    at_end: bool,
    /// The last open error, reported once.
    pub last_error: Option<String>,
}

impl Follower {
    /// Follows `path`; a file that exists now is read from its end unless `from_start`.
    pub fn new(path: PathBuf, from_start: bool, max_line_bytes: usize) -> Follower {
        Follower {
            path,
            file: None,
            id: (0, 0),
            offset: 0,
            fingerprint: Vec::new(),
            cutter: LineCutter::new(max_line_bytes),
            buf: vec![0; READ_SIZE],
            at_end: !from_start,
            last_error: None,
        }
    }

    /// The followed path.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    fn open(&mut self) -> io::Result<bool> {
        let mut f = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e),
        };
        let m = f.metadata()?;
        if m.is_dir() {
            return Err(io::Error::other("is a directory"));
        }
        self.id = identity(&m);
        self.offset = if std::mem::take(&mut self.at_end) {
            m.len()
        } else {
            0
        };
        f.seek(SeekFrom::Start(self.offset))?;
        self.fingerprint = read_head(&mut f, FINGERPRINT)?;
        f.seek(SeekFrom::Start(self.offset))?;
        self.file = Some(f);
        self.cutter.reset();
        Ok(true)
    }

    /// Reads the open file to its end into `out` (whole lines).
    fn drain(&mut self, out: &mut Vec<u8>) -> io::Result<usize> {
        let Some(f) = self.file.as_mut() else {
            return Ok(0);
        };
        let mut total = 0;
        loop {
            let n = match f.read(&mut self.buf) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if n == 0 {
                break;
            }
            total += n;
            self.offset += n as u64;
            self.cutter.push(&self.buf[..n], out);
            if out.len() >= READ_SIZE {
                break;
            }
        }
        if self.fingerprint.len() < FINGERPRINT && self.offset > self.fingerprint.len() as u64 {
            // The file was empty or short when opened: remember more of its start now.
            self.fingerprint = read_head(f, FINGERPRINT)?;
            f.seek(SeekFrom::Start(self.offset))?;
        }
        Ok(total)
    }

    /// One poll: reads what is new into `out` (whole lines) and handles rotation and
    /// truncation. Returns the bytes read (0 when idle).
    pub fn poll(&mut self, out: &mut Vec<u8>) -> io::Result<usize> {
        if self.file.is_none() && !self.open()? {
            // Not there (yet): a file that appears later is read from its start.
            self.at_end = false;
            return Ok(0);
        }
        // Truncated (shorter than our offset), or truncated and written again past it (its
        // first bytes changed): start again at 0.
        let f = self.file.as_mut().expect("open");
        let len = f.metadata()?.len();
        let rewritten = len < self.offset
            || (!self.fingerprint.is_empty() && {
                let head = read_head(f, self.fingerprint.len())?;
                head != self.fingerprint
            });
        if rewritten {
            // copytruncate: what we had not read yet is gone from this file but is in the copy.
            self.read_rest_from_copy(out);
            self.offset = 0;
            self.fingerprint.clear();
            self.cutter.reset();
        }
        let offset = self.offset;
        self.file
            .as_mut()
            .expect("open")
            .seek(SeekFrom::Start(offset))?;
        let n = self.drain(out)?;
        if n > 0 || out.len() >= READ_SIZE {
            return Ok(n);
        }
        // Idle: has the path moved on to another file?
        match std::fs::metadata(&self.path) {
            Ok(m) if identity(&m) != self.id => {
                // Rotated: the old file was read to its end just above.
                self.cutter.finish(out);
                self.file = None;
                self.at_end = false;
                if self.open()? {
                    return Ok(self.drain(out)? + 1);
                }
                Ok(1)
            }
            // Unchanged; or deleted or moved away with nothing new: keep the old file until
            // the name comes back.
            _ => Ok(0),
        }
    }

    /// After a truncation: finds the copy `copytruncate` made (a file next to ours whose name
    /// starts with ours, at least as long as our offset, starting with the bytes ours started
    /// with; the most recently modified if several) and reads it from our offset to its end,
    /// so the lines written between our last read and the truncation are not lost. A copy that
    /// was compressed at once, or written elsewhere, is not found: those lines are lost, as
    /// with any tailer.
    fn read_rest_from_copy(&mut self, out: &mut Vec<u8>) {
        if self.fingerprint.is_empty() {
            return;
        }
        let (Some(dir), Some(name)) = (self.path.parent(), self.path.file_name()) else {
            return;
        };
        let dir = if dir.as_os_str().is_empty() {
            std::path::Path::new(".")
        } else {
            dir
        };
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let name = name.to_string_lossy().into_owned();
        let mut best: Option<(std::time::SystemTime, PathBuf)> = None;
        for e in entries.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            if n == name || !n.starts_with(&name) {
                continue;
            }
            let Ok(m) = e.metadata() else { continue };
            if !m.is_file() || m.len() < self.offset {
                continue;
            }
            let Ok(mut f) = File::open(e.path()) else {
                continue;
            };
            if read_head(&mut f, self.fingerprint.len()).ok().as_deref()
                != Some(&self.fingerprint[..])
            {
                continue;
            }
            let t = m.modified().unwrap_or(std::time::UNIX_EPOCH);
            if best.as_ref().is_none_or(|(bt, _)| t > *bt) {
                best = Some((t, e.path()));
            }
        }
        let Some((_, copy)) = best else { return };
        let Ok(mut f) = File::open(copy) else { return };
        if f.seek(SeekFrom::Start(self.offset)).is_err() {
            return;
        }
        let mut rest = Vec::new();
        if f.read_to_end(&mut rest).is_ok() {
            self.cutter.push(&rest, out);
            // The copy ended where the file ended: a last line without its newline is whole.
            self.cutter.finish(out);
        }
    }

    /// Oversize lines dropped since the last call.
    pub fn take_oversize(&mut self) -> Dropped {
        std::mem::take(&mut self.cutter.oversize)
    }

    /// The last line, if it has no newline yet (at exit).
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        self.cutter.finish(out);
    }
}

/// Reads up to `n` bytes from the start of `f` (moves the cursor).
fn read_head(f: &mut File, n: usize) -> io::Result<Vec<u8>> {
    f.seek(SeekFrom::Start(0))?;
    let mut v = vec![0; n];
    let mut got = 0;
    while got < n {
        match f.read(&mut v[got..]) {
            Ok(0) => break,
            Ok(k) => got += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    v.truncate(got);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn cutter_keeps_whole_lines_and_drops_oversize_ones() {
        let mut c = LineCutter::new(8);
        let mut out = Vec::new();
        c.push(b"ab\ncd", &mut out);
        assert_eq!(out, b"ab\n");
        c.push(b"e\n0123456789012345", &mut out);
        assert_eq!(out, b"ab\ncde\n");
        c.push(b"6789\nok\n", &mut out);
        assert_eq!(out, b"ab\ncde\nok\n");
        assert_eq!(
            c.oversize,
            Dropped {
                lines: 1,
                bytes: 21
            }
        );
        c.push(b"tail", &mut out);
        c.finish(&mut out);
        assert_eq!(out, b"ab\ncde\nok\ntail");
    }

    fn append(path: &std::path::Path, text: &str) {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap();
        f.write_all(text.as_bytes()).unwrap();
    }

    fn poll_all(f: &mut Follower) -> String {
        let mut out = Vec::new();
        for _ in 0..4 {
            f.poll(&mut out).unwrap();
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn follows_appends_rotation_and_truncation() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("app.log");
        append(&p, "old\n");
        let mut f = Follower::new(p.clone(), false, 1 << 20);
        assert_eq!(poll_all(&mut f), "", "starts at the end");
        append(&p, "a1\na2");
        assert_eq!(poll_all(&mut f), "a1\n");
        append(&p, "\n");
        // Rename rotation with a line written just before the rename.
        append(&p, "a3\n");
        std::fs::rename(&p, dir.path().join("app.log.1")).unwrap();
        append(&p, "b1\n");
        assert_eq!(poll_all(&mut f), "a2\na3\nb1\n");
        // copytruncate with lines not read yet: they come from the copy.
        append(&p, "b2 written just before the copy\n");
        std::fs::copy(&p, dir.path().join("app.log.2")).unwrap();
        std::fs::write(&p, "").unwrap();
        append(&p, "b3\n");
        assert_eq!(poll_all(&mut f), "b2 written just before the copy\nb3\n");
        // copytruncate: truncated, then written past the old offset before the next poll.
        std::fs::write(&p, "").unwrap();
        append(&p, "c1 is a much longer line than before\n");
        assert_eq!(poll_all(&mut f), "c1 is a much longer line than before\n");
        // Plain truncation.
        std::fs::write(&p, "d1\n").unwrap();
        assert_eq!(poll_all(&mut f), "d1\n");
        // A file that appears later is read from its start.
        let q = dir.path().join("later.log");
        let mut g = Follower::new(q.clone(), false, 1 << 20);
        assert_eq!(poll_all(&mut g), "");
        append(&q, "x1\nx2\n");
        assert_eq!(poll_all(&mut g), "x1\nx2\n");
    }
}
