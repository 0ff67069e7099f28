//! The last bytes of an input's text, for `--last`: the window that ends at the log's newest
//! timestamp needs that timestamp before the pass that applies the window.
//!
//! A plain file is read from its end (a seek, whatever its size). Text that only exists once
//! decoded (gzip, UTF-16, a CloudWatch events document) is decoded in full and its last bytes
//! kept: such an input is read twice.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

use super::{export, utf16, Input};

/// At most the last `max` bytes of `input`'s text (decompressed and decoded as
/// [`super::open`] would), starting at a line's start unless the text is shorter than `max`.
/// Standard input and streams cannot be read twice: they fail with
/// [`io::ErrorKind::Unsupported`].
pub fn tail(input: &Input, max: usize, max_decompressed: u64) -> io::Result<Vec<u8>> {
    let Input::File(path) = input else {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "standard input cannot be read to its end before it is analysed",
        ));
    };
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    let mut head = Vec::with_capacity(export::SNIFF);
    (&mut file)
        .take(export::SNIFF as u64)
        .read_to_end(&mut head)?;
    let plain = !head.starts_with(&[0x1f, 0x8b])
        && utf16::detect(&head[..head.len().min(4)]).is_none()
        && !export::looks_like_events(&head);
    if plain && file.metadata()?.is_file() {
        let start = len.saturating_sub(max as u64);
        file.seek(SeekFrom::Start(start))?;
        let mut buf = Vec::with_capacity((len - start) as usize);
        file.take(max as u64).read_to_end(&mut buf)?;
        return Ok(from_line_start(buf, start > 0));
    }
    let mut reader = super::open(input, max_decompressed)?.reader;
    let mut kept: Vec<u8> = Vec::new();
    let mut dropped = false;
    let mut buf = vec![0u8; 256 << 10];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        kept.extend_from_slice(&buf[..n]);
        if kept.len() > 2 * max {
            kept.drain(..kept.len() - max);
            dropped = true;
        }
    }
    if kept.len() > max {
        kept.drain(..kept.len() - max);
        dropped = true;
    }
    Ok(from_line_start(kept, dropped))
}

/// `buf` from its first whole line when its start may cut one.
fn from_line_start(mut buf: Vec<u8>, cut: bool) -> Vec<u8> {
    if cut {
        let first = memchr::memchr(b'\n', &buf).map_or(buf.len(), |i| i + 1);
        buf.drain(..first);
    }
    buf
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file_with(bytes: &[u8]) -> (tempfile::TempDir, Input) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.log");
        std::fs::write(&p, bytes).unwrap();
        (dir, Input::File(p))
    }

    #[test]
    fn a_plain_file_gives_its_last_whole_lines() {
        let (_d, input) = file_with(b"first line\nsecond line\nthird\n");
        assert_eq!(
            tail(&input, 100, 1 << 20).unwrap(),
            b"first line\nsecond line\nthird\n"
        );
        // Eleven bytes end inside "second line\n": the cut line is dropped.
        assert_eq!(tail(&input, 11, 1 << 20).unwrap(), b"third\n");
        assert_eq!(tail(&input, 0, 1 << 20).unwrap(), b"");
    }

    #[test]
    fn gzip_and_utf16_are_decoded_first() {
        let text = b"one\ntwo\nthree\n";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(text).unwrap();
        let (_d, input) = file_with(&gz.finish().unwrap());
        assert_eq!(tail(&input, 9, 1 << 20).unwrap(), b"three\n");
        assert_eq!(tail(&input, 100, 1 << 20).unwrap(), text);

        let mut utf16 = vec![0xFF, 0xFE];
        for b in text {
            utf16.extend_from_slice(&[*b, 0]);
        }
        let (_d, input) = file_with(&utf16);
        assert_eq!(tail(&input, 9, 1 << 20).unwrap(), b"three\n");
    }

    #[test]
    fn a_long_decoded_input_keeps_only_its_end() {
        let text: Vec<u8> = (0..50_000)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&text).unwrap();
        let (_d, input) = file_with(&gz.finish().unwrap());
        let t = tail(&input, 1000, 1 << 30).unwrap();
        assert!(t.len() <= 1000 && t.len() > 980, "{}", t.len());
        assert!(text.ends_with(&t) && t.starts_with(b"line "));
    }

    #[test]
    fn standard_input_is_refused() {
        let e = tail(&Input::Stdin, 10, 10).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::Unsupported);
    }
}
