//! Where bytes come from: files (plain or gzip), directories, standard input.
//!
//! This module knows log formats only as containers of lines. It turns the user's paths into an
//! ordered list of [`Input`]s, opens each one (detecting gzip by its magic bytes, reading every
//! member of a multi-member file; decoding UTF-16 text, see [`utf16`]; turning `aws logs` JSON
//! documents and Docker's json-file lines into log lines and joining the parts of a container
//! runtime's long lines, see [`export`], [`docker`] and [`cri`]), and hands the bytes to
//! [`chunk::Chunker`], which cuts them into line-aligned chunks for the parallel stages.

pub mod chunk;
#[cfg(feature = "cloudwatch")]
pub mod cloudwatch;
pub mod container;
pub mod cri;
pub mod docker;
pub mod export;
pub mod mapped;
pub mod tail;
pub mod utf16;

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use flate2::read::MultiGzDecoder;

/// One thing to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// Standard input.
    Stdin,
    /// A file.
    File(PathBuf),
    /// Any other byte stream, read once (e.g. CloudWatch Logs events as lines).
    Stream(SharedReader),
}

impl Input {
    /// Display name: the path, `-`, or the stream's name.
    pub fn name(&self) -> String {
        match self {
            Input::Stdin => "-".to_string(),
            Input::File(p) => p.display().to_string(),
            Input::Stream(s) => s.name.clone(),
        }
    }
}

/// A named reader that can be opened once (the first [`open`] takes it).
#[derive(Clone)]
pub struct SharedReader {
    name: String,
    reader: std::sync::Arc<std::sync::Mutex<Option<Box<dyn Read + Send>>>>,
}

impl SharedReader {
    /// Wraps `reader` under `name`.
    pub fn new(name: impl Into<String>, reader: Box<dyn Read + Send>) -> SharedReader {
        SharedReader {
            name: name.into(),
            reader: std::sync::Arc::new(std::sync::Mutex::new(Some(reader))),
        }
    }

    fn take(&self) -> io::Result<Box<dyn Read + Send>> {
        self.reader
            .lock()
            .map_err(|_| io::Error::other("stream lock poisoned"))?
            .take()
            .ok_or_else(|| io::Error::other(format!("{}: stream already read", self.name)))
    }
}

impl std::fmt::Debug for SharedReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SharedReader({})", self.name)
    }
}

impl PartialEq for SharedReader {
    fn eq(&self, other: &SharedReader) -> bool {
        std::sync::Arc::ptr_eq(&self.reader, &other.reader)
    }
}

impl Eq for SharedReader {}

/// What [`expand`] made of the user's arguments.
#[derive(Debug, Default)]
pub struct Expanded {
    /// The inputs to read, in order.
    pub inputs: Vec<Input>,
    /// Paths that cannot be read, with their error.
    pub missing: Vec<(String, io::Error)>,
    /// Entries of a walked directory that are not regular files (FIFOs, sockets, devices): not
    /// read, since a FIFO may never end, but named so that the caller can say so.
    pub skipped: Vec<String>,
    /// Directories given as arguments that hold no file to read (hidden entries are passed
    /// over): likely a wrong path, named so that the caller can say so.
    pub empty_dirs: Vec<String>,
}

/// Expands user arguments: `-` is stdin, directories are walked recursively (entries sorted
/// by name, hidden entries skipped; symbolic links followed, each directory read once, so a
/// link back up the tree is no loop), files are taken as given (a FIFO named on the command
/// line too). No argument means stdin. Paths that cannot be read are returned separately with
/// their error, so the caller can report them and go on with the rest.
pub fn expand(args: &[PathBuf]) -> Expanded {
    let mut out = Expanded::default();
    let mut seen = std::collections::HashSet::new();
    if args.is_empty() {
        out.inputs.push(Input::Stdin);
    }
    for a in args {
        if a.as_os_str() == "-" {
            out.inputs.push(Input::Stdin);
            continue;
        }
        match std::fs::metadata(a) {
            Ok(m) if m.is_dir() => {
                if !walk(a, &mut out, &mut seen) {
                    out.empty_dirs.push(a.display().to_string());
                }
            }
            Ok(_) => out.inputs.push(Input::File(a.clone())),
            Err(e) => out.missing.push((a.display().to_string(), e)),
        }
    }
    out
}

/// Walks `dir` into `out`; returns whether it holds anything (a file, an entry that cannot be
/// read, one that is skipped, or a directory read before, which did or may), so that an
/// argument that holds nothing can be named.
fn walk(dir: &Path, out: &mut Expanded, seen: &mut std::collections::HashSet<PathBuf>) -> bool {
    // The real path names a directory however it is reached.
    if let Ok(real) = std::fs::canonicalize(dir) {
        if !seen.insert(real) {
            return true;
        }
    }
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => {
            out.missing.push((dir.display().to_string(), e));
            return true;
        }
    };
    let mut entries: Vec<PathBuf> = rd
        .filter_map(|e| e.ok())
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.path())
        .collect();
    entries.sort();
    let mut holds = false;
    for p in entries {
        holds |= match std::fs::metadata(&p) {
            Ok(m) if m.is_dir() => walk(&p, out, seen),
            Ok(m) if m.is_file() => {
                out.inputs.push(Input::File(p));
                true
            }
            Ok(_) => {
                out.skipped.push(p.display().to_string());
                true
            }
            Err(e) => {
                out.missing.push((p.display().to_string(), e));
                true
            }
        };
    }
    holds
}

/// An opened input.
pub struct Opened {
    /// Decompressed bytes.
    pub reader: Box<dyn Read + Send>,
    /// True if the input is gzip.
    pub gzip: bool,
    /// The input's text encoding when it is not UTF-8 (`utf-16le`, `utf-16be`): it is decoded.
    pub encoding: Option<&'static str>,
    /// Size on disk, when known (for progress).
    pub size: Option<u64>,
    /// The file's memory map, when it is read through one ([`open_mapped`]); `reader` is then
    /// empty.
    pub mapped: Option<std::sync::Arc<mapped::Mapping>>,
}

/// [`open`], except that a regular file that can be is memory-mapped when `mmap` is true
/// (see [`mapped`]); read it with [`chunk::Chunker::run_opened`]. Standard input ends early,
/// as if at its end, once `cancel` is set (see [`StdinUntil`]).
pub fn open_mapped(
    input: &Input,
    max_decompressed: u64,
    mmap: bool,
    cancel: Option<&Arc<AtomicBool>>,
) -> io::Result<Opened> {
    if let (true, Input::File(p)) = (mmap, input) {
        if let Some(map) = mapped::try_map(p)? {
            let head = &map.bytes()[..map.bytes().len().min(4)];
            // UTF-16 is decoded as it is read, so not read in place.
            if utf16::detect(head).is_none() {
                return Ok(Opened {
                    reader: Box::new(io::empty()),
                    gzip: false,
                    encoding: None,
                    size: Some(map.bytes().len() as u64),
                    mapped: Some(map),
                });
            }
        }
    }
    open_until(input, max_decompressed, cancel)
}

/// Opens an input, detecting gzip by its magic bytes (`1f 8b`), whatever the file name.
/// `max_decompressed` caps the decompressed size of a gzip input (a guard against gzip bombs);
/// past it the read fails with a clear error.
pub fn open(input: &Input, max_decompressed: u64) -> io::Result<Opened> {
    open_until(input, max_decompressed, None)
}

/// [`open`], with standard input ending once `cancel` is set.
pub fn open_until(
    input: &Input,
    max_decompressed: u64,
    cancel: Option<&Arc<AtomicBool>>,
) -> io::Result<Opened> {
    let (raw, size): (Box<dyn Read + Send>, Option<u64>) = match input {
        Input::Stdin => match cancel {
            Some(c) => (Box::new(StdinUntil { cancel: c.clone() }), None),
            None => (Box::new(io::stdin()), None),
        },
        Input::File(p) => {
            let f = File::open(p)?;
            let size = f.metadata().ok().map(|m| m.len());
            (Box::new(f), size)
        }
        Input::Stream(s) => (s.take()?, None),
    };
    let (magic, raw) = peek(raw, 2)?;
    let (text, gzip): (Box<dyn Read + Send>, bool) = if magic == [0x1f, 0x8b] {
        let whole = io::Cursor::new(magic).chain(raw);
        let dec = MultiGzDecoder::new(io::BufReader::with_capacity(256 << 10, whole));
        let capped = Capped {
            inner: dec,
            left: max_decompressed,
        };
        (Box::new(capped), true)
    } else {
        (Box::new(io::Cursor::new(magic).chain(raw)), false)
    };
    // Two bytes decide, as for gzip, unless they may start UTF-16 without a mark (one NUL)
    // or UTF-32 (`FF FE 00 00`): a live pipe's first line must not wait for more.
    let (mut head, mut text) = peek(text, 2)?;
    if head.len() == 2 && ((head[0] == 0) != (head[1] == 0) || head == [0xFF, 0xFE]) {
        let (more, rest) = peek(text, 2)?;
        head.extend(more);
        text = rest;
    }
    let (text, encoding): (Box<dyn Read + Send>, _) = match utf16::detect(&head) {
        Some((order, mark)) => {
            let rest = io::Cursor::new(head[mark..].to_vec()).chain(text);
            (
                Box::new(utf16::Utf16Reader::new(rest, order)),
                Some(order.name()),
            )
        }
        None => (Box::new(io::Cursor::new(head).chain(text)), None),
    };
    Ok(Opened {
        reader: docker::unwrap_docker(cri::join_parts(export::unwrap_events_json(text)?)?)?,
        gzip,
        encoding,
        size,
        mapped: None,
    })
}

/// The first `n` bytes of `r` (fewer at its end), and `r` after them.
fn peek<R: Read>(mut r: R, n: usize) -> io::Result<(Vec<u8>, R)> {
    let mut head = vec![0u8; n];
    let mut got = 0;
    while got < n {
        match r.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(k) => got += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    head.truncate(got);
    Ok((head, r))
}

/// Standard input that ends, as if at its end, once `cancel` is set, even while no data comes:
/// an interrupted run then reports what was read instead of waiting on an idle pipe until its
/// writer sends more or closes it. On Unix it waits for data with `poll` (a tenth of a second
/// at a time, checking the flag in between) and reads the descriptor unbuffered, so nothing
/// read waits in a buffer `poll` cannot see; elsewhere it is plain standard input.
pub struct StdinUntil {
    /// Set to end the input.
    pub cancel: Arc<AtomicBool>,
}

impl Read for StdinUntil {
    #[cfg(unix)]
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        use std::os::fd::FromRawFd;
        loop {
            if self.cancel.load(Ordering::Relaxed) {
                return Ok(0);
            }
            let mut fd = libc::pollfd {
                fd: 0,
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: `fd` is one valid pollfd, and poll writes only its `revents`.
            let ready = unsafe { libc::poll(&mut fd, 1, 100) };
            // Data, end of input or an error on the descriptor: `read` says which. A failed
            // poll other than a signal is left to `read` too.
            if ready > 0
                || (ready < 0 && io::Error::last_os_error().kind() != io::ErrorKind::Interrupted)
            {
                break;
            }
        }
        // SAFETY: descriptor 0 stays open for the life of the process; `ManuallyDrop` keeps
        // this `File` from closing it.
        let stdin = std::mem::ManuallyDrop::new(unsafe { File::from_raw_fd(0) });
        (&*stdin).read(buf)
    }

    #[cfg(not(unix))]
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.cancel.load(Ordering::Relaxed) {
            return Ok(0);
        }
        io::stdin().read(buf)
    }
}

/// Gives the first `left` bytes, then fails if there is more: everything up to the cap is
/// read (and analysed), not just what preceded the read that crossed it.
struct Capped<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "gzip input decompresses past --max-decompressed-bytes (possible gzip bomb)",
                )),
            };
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn multi_member_gzip_is_read_to_the_end() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.log");
        let mut bytes = gz(b"one\ntwo\n");
        bytes.extend(gz(b"three\n"));
        std::fs::write(&p, bytes).unwrap();
        let mut o = open(&Input::File(p), u64::MAX).unwrap();
        assert!(o.gzip);
        let mut s = String::new();
        o.reader.read_to_string(&mut s).unwrap();
        assert_eq!(s, "one\ntwo\nthree\n");
    }

    #[test]
    fn gzip_bomb_is_capped() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bomb");
        std::fs::write(&p, gz(&vec![b'a'; 1 << 20])).unwrap();
        let mut o = open(&Input::File(p), 1000).unwrap();
        let mut v = Vec::new();
        let e = o.reader.read_to_end(&mut v).unwrap_err();
        assert!(e.to_string().contains("gzip bomb"));
        assert_eq!(v.len(), 1000, "everything up to the cap is read");
        // Exactly at the cap is not past it.
        let p = dir.path().join("exact");
        std::fs::write(&p, gz(&[b'a'; 1000])).unwrap();
        let mut o = open(&Input::File(p), 1000).unwrap();
        let mut v = Vec::new();
        o.reader.read_to_end(&mut v).unwrap();
        assert_eq!(v.len(), 1000);
    }

    #[test]
    fn directories_expand_sorted_and_missing_paths_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("b.log"), "x").unwrap();
        std::fs::write(dir.path().join("sub/a.log"), "x").unwrap();
        std::fs::write(dir.path().join(".hidden"), "x").unwrap();
        let fifo = dir.path().join("sub/pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        let out = expand(&[dir.path().to_path_buf(), dir.path().join("nope")]);
        let names: Vec<String> = out.inputs.iter().map(Input::name).collect();
        assert_eq!(names.len(), 2);
        assert!(names[0].ends_with("b.log") && names[1].ends_with("a.log"));
        assert_eq!(out.missing.len(), 1);
        // A FIFO in a directory is named, not read (it may never end); named itself, it is read.
        assert_eq!(out.skipped, [fifo.display().to_string()]);
        let named = expand(std::slice::from_ref(&fifo));
        assert_eq!(named.inputs.len(), 1);
        assert!(named.skipped.is_empty());
        assert!(out.empty_dirs.is_empty());
        // A directory with nothing to read in it (but hidden files) is named; one given twice
        // is read once and is not empty the second time.
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        std::fs::write(empty.join(".keep"), "").unwrap();
        let out = expand(&[
            empty.clone(),
            dir.path().join("sub"),
            dir.path().join("sub"),
        ]);
        assert_eq!(out.empty_dirs, [empty.display().to_string()]);
        assert_eq!(out.inputs.len(), 1);
        // A directory whose files were read through an argument before it is not empty.
        let outer = dir.path().join("outer");
        std::fs::create_dir_all(outer.join("inner")).unwrap();
        std::fs::write(outer.join("inner/c.log"), "x").unwrap();
        let out = expand(&[outer.join("inner"), outer.clone()]);
        assert!(out.empty_dirs.is_empty(), "{:?}", out.empty_dirs);
        assert_eq!(out.inputs.len(), 1);
    }
}
