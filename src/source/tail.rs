//! The last bytes of an input's text, for `--last`: the window that ends at the log's newest
//! timestamp needs that timestamp before the pass that applies the window.
//!
//! A plain file is read from its end (a seek, whatever its size). Text that only exists once
//! decoded (gzip, UTF-16, a CloudWatch events document) is decoded in full and its last bytes
//! kept: such an input is read twice.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

use super::{docker, export, utf16, Input};

/// The end of an input's text.
#[derive(Debug, PartialEq, Eq)]
pub struct Tail {
    /// Whole lines.
    pub text: Vec<u8>,
    /// Whether they are the whole text (there is nothing before them).
    pub whole: bool,
}

/// The whole lines among the last `max` bytes of `input`'s text (decompressed and decoded as
/// [`super::open`] would). Standard input, streams, pipes and devices cannot be read twice:
/// they fail with [`io::ErrorKind::Unsupported`].
pub fn tail(input: &Input, max: usize, max_decompressed: u64) -> io::Result<Tail> {
    let Input::File(path) = input else {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "standard input cannot be read to its end before it is analysed",
        ));
    };
    let mut file = File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        // A pipe (`<(zcat app.log.gz)`) or a device: reading it here would leave nothing for
        // the pass.
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!(
                "{} is not a regular file and cannot be read twice",
                path.display()
            ),
        ));
    }
    let len = meta.len();
    let mut head = Vec::with_capacity(export::SNIFF);
    (&mut file)
        .take(export::SNIFF as u64)
        .read_to_end(&mut head)?;
    let plain = !head.starts_with(&[0x1f, 0x8b])
        && utf16::detect(&head[..head.len().min(4)]).is_none()
        && !export::looks_like_events(&head)
        && !docker::looks_like_docker(&head);
    if plain {
        // One byte more than `max`: when it is the end of a line, the line after it is whole.
        let start = len.saturating_sub(max as u64 + 1);
        file.seek(SeekFrom::Start(start))?;
        let mut buf = Vec::with_capacity((len - start) as usize);
        file.take(max as u64 + 1).read_to_end(&mut buf)?;
        return Ok(from_line_start(buf, len > max as u64));
    }
    let mut reader = super::open(input, max_decompressed)?.reader;
    // The last `max + 1` bytes, as above.
    let keep = max + 1;
    let mut kept: Vec<u8> = Vec::new();
    let mut total = 0u64;
    let mut buf = vec![0u8; 256 << 10];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        total += n as u64;
        kept.extend_from_slice(&buf[..n]);
        if kept.len() > 2 * keep {
            kept.drain(..kept.len() - keep);
        }
    }
    if kept.len() > keep {
        kept.drain(..kept.len() - keep);
    }
    Ok(from_line_start(kept, total > max as u64))
}

/// `buf` after its first line end when `cut`: its first byte is the one before the last `max`,
/// so what follows its first line end is whole lines within them.
fn from_line_start(mut buf: Vec<u8>, cut: bool) -> Tail {
    if cut {
        let first = memchr::memchr(b'\n', &buf).map_or(buf.len(), |i| i + 1);
        buf.drain(..first);
    }
    Tail {
        text: buf,
        whole: !cut,
    }
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
            tail(&input, 100, 1 << 20).unwrap().text,
            b"first line\nsecond line\nthird\n"
        );
        // The last eleven bytes start inside "second line\n": the cut line is dropped.
        assert_eq!(tail(&input, 11, 1 << 20).unwrap().text, b"third\n");
        // The last eighteen are that line and the next, whole: the byte before is a line end.
        assert_eq!(
            tail(&input, 18, 1 << 20).unwrap().text,
            b"second line\nthird\n"
        );
        assert_eq!(tail(&input, 0, 1 << 20).unwrap().text, b"");
        assert!(!tail(&input, 28, 1 << 20).unwrap().whole);
        assert!(tail(&input, 29, 1 << 20).unwrap().whole);
        // One byte short of the whole file: the first line is not whole within it.
        assert_eq!(
            tail(&input, 28, 1 << 20).unwrap().text,
            b"second line\nthird\n"
        );
        assert_eq!(
            tail(&input, 29, 1 << 20).unwrap().text,
            b"first line\nsecond line\nthird\n"
        );
    }

    #[test]
    fn gzip_and_utf16_are_decoded_first() {
        let text = b"one\ntwo\nthree\n";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(text).unwrap();
        let (_d, input) = file_with(&gz.finish().unwrap());
        assert_eq!(tail(&input, 9, 1 << 20).unwrap().text, b"three\n");
        assert_eq!(tail(&input, 10, 1 << 20).unwrap().text, b"two\nthree\n");
        assert_eq!(
            tail(&input, 100, 1 << 20).unwrap(),
            Tail {
                text: text.to_vec(),
                whole: true
            }
        );
        assert!(!tail(&input, 10, 1 << 20).unwrap().whole);

        let mut utf16 = vec![0xFF, 0xFE];
        for b in text {
            utf16.extend_from_slice(&[*b, 0]);
        }
        let (_d, input) = file_with(&utf16);
        assert_eq!(tail(&input, 9, 1 << 20).unwrap().text, b"three\n");
    }

    #[test]
    fn a_long_decoded_input_keeps_only_its_end() {
        let text: Vec<u8> = (0..50_000)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&text).unwrap();
        let (_d, input) = file_with(&gz.finish().unwrap());
        let t = tail(&input, 1000, 1 << 30).unwrap().text;
        assert!(t.len() <= 1000 && t.len() > 980, "{}", t.len());
        assert!(text.ends_with(&t) && t.starts_with(b"line "));
    }

    #[test]
    fn what_cannot_be_read_twice_is_refused() {
        let e = tail(&Input::Stdin, 10, 10).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::Unsupported);
        #[cfg(unix)]
        {
            let e = tail(&Input::File("/dev/null".into()), 10, 10).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::Unsupported);
        }
    }
}
