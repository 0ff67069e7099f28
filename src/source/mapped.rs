//! Regular files read through a memory map.
//!
//! Reading a file into buffers copies every byte once from the page cache (the kernel's
//! `read`); a memory map hands the workers the page cache itself (2–3 % less CPU for
//! `analyze`, and no buffers: 16 MiB less peak memory on two workers). [`Chunker::run_mapped`](super::chunk::Chunker::run_mapped) cuts a mapping
//! into line-aligned ranges, and each range gives its pages back to the kernel
//! (`MADV_DONTNEED`) when its chunk is dropped, so the resident set stays at the chunks in
//! flight, as with buffers.
//!
//! A file cut shorter while it is mapped turns the next read of a vanished page into `SIGBUS`.
//! A guard catches that signal for addresses inside a live mapping and ends the run with a
//! one-line error and exit code 2, the code of an unreadable input, instead of a crash; a
//! `SIGBUS` anywhere else keeps its default action. Reading without a map (`--no-mmap`) reads a
//! file as it is at each read instead.
//!
//! Only a non-empty regular file that is neither gzip nor a CloudWatch events document is
//! mapped; everything else, and any file the system will not map, is read as a stream.

use std::fs::File;
use std::io;
use std::path::Path;
use std::sync::Arc;

use memmap2::{Advice, Mmap, UncheckedAdvice};

/// Bytes released around a range by [`Mapping::release`]: as much as one fault may map beside
/// the page it needs (a large page-cache folio is mapped whole: up to 2 MiB on x86-64; the
/// kernel's fault-around adds 64 KiB by default).
pub const RELEASE_MARGIN: usize = 2 << 20;

/// A mapped file, known to the `SIGBUS` guard while it lives.
pub struct Mapping {
    map: Mmap,
    #[cfg(unix)]
    guard_slot: usize,
}

impl std::fmt::Debug for Mapping {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Mapping({} bytes)", self.map.len())
    }
}

impl Mapping {
    /// The file's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.map
    }

    /// Drops this process' page-table entries for `start..end` and [`RELEASE_MARGIN`] on each
    /// side (the pages stay in the page cache): done with a range, the resident set shrinks
    /// back. Reading a page maps its neighbours too (a whole large folio, and the kernel's
    /// fault-around), some of them in ranges released before; the margin takes those back, so
    /// a page does not stay mapped once the ranges around it are done (without it, 3 % of a
    /// 1 GB file read by `mine` stayed resident, 18 % of the test's 64 MiB). Reading a released
    /// range again is still valid (the pages are mapped again from the file).
    pub fn release(&self, start: usize, end: usize) {
        let start = start.saturating_sub(RELEASE_MARGIN);
        let end = end.saturating_add(RELEASE_MARGIN).min(self.map.len());
        if start >= end {
            return;
        }
        // SAFETY: the mapping is shared, read-only and never written, so `MADV_DONTNEED` does
        // not change what it reads: a later access maps the same file page again. Borrows of
        // the range (other chunks sharing an edge page) stay valid.
        unsafe {
            let _ = self
                .map
                .unchecked_advise_range(UncheckedAdvice::DontNeed, start, end - start);
        }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        #[cfg(unix)]
        guard::unregister(self.guard_slot);
    }
}

/// Maps `path` if it is a non-empty regular file that is neither gzip (`1f 8b`) nor a
/// CloudWatch events document, and the system maps it; `Ok(None)` means "read it as a stream".
pub fn try_map(path: &Path) -> io::Result<Option<Arc<Mapping>>> {
    let file = File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() || meta.len() == 0 || usize::try_from(meta.len()).is_err() {
        return Ok(None);
    }
    Ok(map_file(&file))
}

#[cfg(unix)]
fn map_file(file: &File) -> Option<Arc<Mapping>> {
    // SAFETY: the map is read-only. A file changed in place while mapped gives whatever bytes
    // it holds at each read (as `read` would); a file cut short raises SIGBUS, which the guard
    // turns into a clean exit (module docs).
    let map = unsafe { Mmap::map(file) }.ok()?;
    let head = &map[..map.len().min(super::export::SNIFF)];
    if head.starts_with(&[0x1f, 0x8b])
        || super::export::looks_like_events(head)
        || super::docker::looks_like_docker(head)
        || super::cri::looks_like_cri(head)
    {
        return None;
    }
    let guard_slot = guard::register(map.as_ptr() as usize, map.len())?;
    let _ = map.advise(Advice::Sequential);
    Some(Arc::new(Mapping { map, guard_slot }))
}

#[cfg(not(unix))]
fn map_file(_file: &File) -> Option<Arc<Mapping>> {
    None
}

#[cfg(unix)]
mod guard {
    //! The `SIGBUS` guard: a fixed table of live mappings the handler can read without locks
    //! or allocation (async-signal-safe).

    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Once;

    const SLOTS: usize = 32;
    #[allow(clippy::declare_interior_mutable_const)]
    const FREE: AtomicUsize = AtomicUsize::new(0);
    static BASES: [AtomicUsize; SLOTS] = [FREE; SLOTS];
    static LENS: [AtomicUsize; SLOTS] = [FREE; SLOTS];
    static INSTALL: Once = Once::new();

    const MESSAGE: &[u8] = b"logtriage: error: an input file was cut short while it was read \
        (memory-mapped); run again, or pass --no-mmap to read files without a map\n";

    /// Records a mapping; `None` if the table is full or the handler could not be installed
    /// (the caller then reads the file as a stream).
    pub fn register(base: usize, len: usize) -> Option<usize> {
        INSTALL.call_once(install);
        if !INSTALLED.load(Ordering::Acquire) {
            return None;
        }
        for (i, b) in BASES.iter().enumerate() {
            if b.compare_exchange(0, base, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
            {
                LENS[i].store(len, Ordering::Release);
                return Some(i);
            }
        }
        None
    }

    /// Forgets a mapping (before it is unmapped).
    pub fn unregister(slot: usize) {
        LENS[slot].store(0, Ordering::Release);
        BASES[slot].store(0, Ordering::Release);
    }

    static INSTALLED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

    fn install() {
        // SAFETY: a zeroed sigaction is a valid value to fill in; the handler only reads
        // atomics and calls write(2), _exit(2) and signal(2), all async-signal-safe.
        let ok = unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_sigbus as *const () as usize;
            sa.sa_flags = libc::SA_SIGINFO;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(libc::SIGBUS, &sa, std::ptr::null_mut()) == 0
        };
        INSTALLED.store(ok, Ordering::Release);
    }

    extern "C" fn on_sigbus(
        _sig: libc::c_int,
        info: *mut libc::siginfo_t,
        _ctx: *mut libc::c_void,
    ) {
        // SAFETY: the kernel passes a valid siginfo to an SA_SIGINFO handler.
        let addr = unsafe { (*info).si_addr() } as usize;
        let ours = (0..SLOTS).any(|i| {
            let base = BASES[i].load(Ordering::Acquire);
            let len = LENS[i].load(Ordering::Acquire);
            base != 0 && addr >= base && addr - base < len
        });
        // SAFETY: async-signal-safe calls only.
        unsafe {
            if ours {
                libc::write(2, MESSAGE.as_ptr().cast(), MESSAGE.len());
                libc::_exit(2);
            }
            // Not a mapped input: the default action (core dump) when the access is retried.
            libc::signal(libc::SIGBUS, libc::SIG_DFL);
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn maps_plain_files_only() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("a.log");
        std::fs::write(&plain, "one\ntwo\n").unwrap();
        let m = try_map(&plain).unwrap().expect("a plain file is mapped");
        assert_eq!(m.bytes(), b"one\ntwo\n");
        let empty = dir.path().join("empty.log");
        std::fs::write(&empty, "").unwrap();
        assert!(try_map(&empty).unwrap().is_none());
        let gz = dir.path().join("x.gz");
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(b"one\n").unwrap();
        std::fs::write(&gz, e.finish().unwrap()).unwrap();
        assert!(
            try_map(&gz).unwrap().is_none(),
            "gzip is decompressed as a stream"
        );
        let export = dir.path().join("events.json");
        std::fs::write(&export, "{\"events\": []}\n").unwrap();
        assert!(
            try_map(&export).unwrap().is_none(),
            "an events document is unwrapped"
        );
        assert!(try_map(dir.path()).is_err() || try_map(dir.path()).unwrap().is_none());
        assert!(try_map(&dir.path().join("missing")).is_err());
    }

    #[test]
    fn released_ranges_read_the_same_bytes_again() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.log");
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&p, &data).unwrap();
        let m = try_map(&p).unwrap().unwrap();
        assert_eq!(m.bytes(), &data[..]);
        m.release(5, 150_000);
        m.release(0, usize::MAX);
        m.release(10, 3);
        assert_eq!(m.bytes(), &data[..]);
    }

    /// Resident kilobytes of the mapping of `path` in this process (Linux).
    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    fn resident_kib(path: &Path) -> u64 {
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let name = path.to_str().unwrap();
        let mut lines = smaps.lines().skip_while(|l| !l.ends_with(name));
        lines
            .find_map(|l| l.strip_prefix("Rss:"))
            .map(|v| v.trim().trim_end_matches("kB").trim().parse().unwrap())
            .expect("the mapping is listed")
    }

    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    #[test]
    fn chunks_give_their_pages_back() {
        use crate::source::chunk::Chunker;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.log");
        let line = b"{\"level\":\"info\",\"msg\":\"a line of a file read through its map\"}\n";
        let data: Vec<u8> = line.iter().copied().cycle().take(64 << 20).collect();
        std::fs::write(&p, &data).unwrap();
        // Clean pages in the page cache, as a log written earlier has (the kernel maps freshly
        // written ones differently): written back, dropped, read again.
        {
            use std::os::fd::AsRawFd;
            let f = File::open(&p).unwrap();
            f.sync_all().unwrap();
            // SAFETY: a valid descriptor; advice only.
            unsafe { libc::posix_fadvise(f.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
            assert_eq!(std::fs::read(&p).unwrap().len(), data.len());
        }
        let m = try_map(&p).unwrap().unwrap();
        let chunker = Chunker {
            chunk_size: 1 << 20,
            max_line_bytes: 1 << 20,
            eager: false,
        };
        let mut most = 0;
        let mut alive = 0;
        let mut sum = 0u64;
        let stats = chunker.run_mapped(0, &m, |chunk| {
            // Every byte read, as a worker does, then the chunk dropped.
            sum += chunk.bytes().iter().map(|&b| u64::from(b)).sum::<u64>();
            alive = alive.max(resident_kib(&p));
            drop(chunk);
            most = most.max(resident_kib(&p));
            true
        });
        assert!(stats.chunks >= 64, "{} chunks", stats.chunks);
        assert_eq!(sum, data.iter().map(|&b| u64::from(b)).sum::<u64>());
        let left = resident_kib(&p);
        // Between chunks and at the end, next to nothing of the 64 MiB read stays resident
        // (without the margin: 11.6 MiB at the end; with 256 KiB: 6 MiB).
        assert!(alive > 0, "the measure sees the chunk being read");
        assert!(
            most < 2 << 10,
            "{most} KiB resident between chunks ({alive} KiB with one)"
        );
        assert!(left < 2 << 10, "{left} KiB resident after reading");
    }

    /// Runs in a child process (see below): maps a file, cuts it short and reads past the cut.
    #[test]
    #[ignore = "run by cut_short_file_exits_cleanly in a child process"]
    fn sigbus_child() {
        let Some(path) = std::env::var_os("LOGTRIAGE_SIGBUS_CHILD") else {
            return;
        };
        let m = try_map(Path::new(&path)).unwrap().unwrap();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(0)
            .unwrap();
        let sum: u64 = m.bytes().iter().map(|&b| u64::from(b)).sum();
        panic!("read {sum} without a fault");
    }

    #[test]
    fn cut_short_file_exits_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.log");
        std::fs::write(&p, vec![b'x'; 1 << 20]).unwrap();
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "source::mapped::tests::sigbus_child",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("LOGTRIAGE_SIGBUS_CHILD", &p)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
        assert!(
            stderr.contains("input file was cut short while it was read"),
            "stderr: {stderr}"
        );
    }
}
