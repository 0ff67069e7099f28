//! Any bytes as a file read through its memory map, cut into chunks of any size with any line
//! cap: the workers must get exactly the lines of the file (a leading byte order mark, the line
//! ends and a final `\r` off), each numbered right, every line over the cap counted, nothing
//! lost or doubled; each chunk's context is whole lines ending where it starts. The first two
//! bytes choose the chunk size and the cap.
#![no_main]

use libfuzzer_sys::fuzz_target;
use logtriage::source::chunk::{Chunker, CONTEXT_BYTES};
use logtriage::source::{open_mapped, Input};

fuzz_target!(|data: &[u8]| {
    let [a, b, body @ ..] = data else { return };
    let chunk_size = 1 + *a as usize;
    let max_line = 1 + (*b as usize % 64);
    let path = std::env::temp_dir().join(format!("logtriage-fuzz-{}.log", std::process::id()));
    std::fs::write(&path, body).unwrap();
    let opened = open_mapped(&Input::File(path.clone()), u64::MAX, true, None);
    let Some(mut opened) = opened.ok().filter(|o| o.mapped.is_some()) else {
        // Empty, gzip or an `aws logs` document: read as a stream, fuzzed elsewhere.
        let _ = std::fs::remove_file(&path);
        return;
    };
    let chunker = Chunker {
        chunk_size,
        max_line_bytes: max_line,
        eager: false,
    };
    let mut kept: Vec<(u64, Vec<u8>)> = Vec::new();
    let mut line_no = 0u64;
    let mut over = 0u64;
    let (stats, res) = chunker.run_opened(0, &mut opened, Vec::new, |chunk| {
        // The lines before the chunk end where it starts: whole lines, within the bound.
        let context = chunk.context();
        if !context.is_empty() {
            assert!(context.ends_with(b"\n") && context.len() <= CONTEXT_BYTES);
            assert_eq!(
                context.as_ptr_range().end,
                chunk.bytes().as_ptr(),
                "context right before the chunk"
            );
        }
        line_no += chunk.skipped_before;
        for line in chunk.bytes().split_inclusive(|&c| c == b'\n') {
            line_no += 1;
            let line = line.strip_suffix(b"\n").unwrap_or(line);
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.len() > max_line {
                over += 1;
            } else {
                kept.push((line_no, line.to_vec()));
            }
        }
        true
    });
    res.unwrap();
    line_no += stats.skipped_at_end;
    over += stats.oversize;
    drop(opened);
    let _ = std::fs::remove_file(&path);

    // The same lines, straight from the bytes.
    let text = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let mut want = Vec::new();
    let mut want_over = 0u64;
    let mut n = 0u64;
    if !text.is_empty() {
        let text = text.strip_suffix(b"\n").unwrap_or(text);
        for line in text.split(|&c| c == b'\n') {
            n += 1;
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.len() > max_line {
                want_over += 1;
            } else {
                want.push((n, line.to_vec()));
            }
        }
    }
    assert_eq!(kept, want);
    assert_eq!((line_no, over), (n, want_over));
    assert_eq!(stats.bytes, body.len() as u64);
});
