//! Container logs as the kubelet keeps them on a node (Kubernetes' CRI format,
//! `/var/log/containers/*.log`): `<RFC 3339 time> <stdout|stderr> <F|P> <line>`. A container
//! runtime cuts a line longer than its buffer (16 KiB by default) into parts tagged `P`
//! ("partial"), the last one tagged `F`; a JSON event so cut is no JSON in any one line. Such an
//! input is recognised by its first line, and each run of parts is joined into the one line it
//! was, with the first part's time, tagged `F`: parts of stdout and of stderr are joined apart
//! (they may interleave). Lines are counted after the joins, so a joined line is one line.
//!
//! Blocks without a `P` tag (nearly all of them) pass through as they are, after one substring
//! search: such a file is read into buffers, not mapped, at little cost.

use std::io::{self, Read};

use crate::record::text::cri_stream;
use crate::record::time::parse_rfc3339_prefix;

/// Longest line taken apart, and longest run of parts joined; longer passes through as it is.
const MAX_LINE: usize = 16 << 20;
/// Bytes read at a time.
const BLOCK: usize = 256 << 10;

/// What a CRI line's prefix says.
struct Prefix {
    /// Where the tag (`F` or `P`) is.
    tag: usize,
    /// Where the application's text starts.
    text: usize,
    /// 0 for stdout, 1 for stderr.
    stream: usize,
    /// Tagged `P`: a part of a longer line.
    partial: bool,
}

/// The prefix of a CRI line (without its `\n`), if it is one: the record parser's reading of
/// the stream and tag ([`cri_stream`]), placed.
fn prefix(line: &[u8]) -> Option<Prefix> {
    let (_, used) = parse_rfc3339_prefix(line)?;
    let rest = line[used..].strip_prefix(b" ")?;
    let text = cri_stream(rest)?;
    // `stdout ` and `stderr ` are seven bytes; the tag follows.
    let tag = line.len() - rest.len() + 7;
    Some(Prefix {
        tag,
        text: line.len() - text.len(),
        stream: usize::from(rest.starts_with(b"stderr")),
        partial: line[tag] == b'P',
    })
}

/// Whether an input whose first bytes are `head` is a CRI log: its first line is one.
pub fn looks_like_cri(head: &[u8]) -> bool {
    let first = &head[..memchr::memchr(b'\n', head).unwrap_or(head.len())];
    first.first().is_some_and(u8::is_ascii_digit) && prefix(first).is_some()
}

/// `r`, with a CRI log's parts joined (see the module docs); any other input untouched.
pub fn join_parts(mut r: Box<dyn Read + Send>) -> io::Result<Box<dyn Read + Send>> {
    // The first line, or enough of it to tell: a live pipe's first line must not wait for more.
    let mut head = Vec::new();
    while head.len() < 96 && !head.contains(&b'\n') {
        let mut buf = [0u8; 96];
        match r.read(&mut buf[..96 - head.len()]) {
            Ok(0) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
        if !head.first().is_some_and(u8::is_ascii_digit) {
            break;
        }
    }
    let cri = looks_like_cri(&head);
    let whole = io::Cursor::new(head).chain(r);
    if !cri {
        return Ok(Box::new(whole));
    }
    Ok(Box::new(Joiner {
        inner: whole,
        buf: Vec::new(),
        out: Vec::new(),
        at: 0,
        parts: Parts::default(),
        eof: false,
    }))
}

/// A line being joined: the first part's prefix (tagged `F`) and the text so far.
struct Pending {
    line: Vec<u8>,
}

/// The reader of [`join_parts`].
struct Joiner<R> {
    inner: R,
    /// Read, not yet passed on (a line's start at most, between refills).
    buf: Vec<u8>,
    out: Vec<u8>,
    at: usize,
    parts: Parts,
    eof: bool,
}

impl<R: Read> Joiner<R> {
    /// Fills `out`; false at the end.
    fn refill(&mut self) -> io::Result<bool> {
        self.out.clear();
        self.at = 0;
        while self.out.is_empty() {
            if self.eof {
                return Ok(false);
            }
            let start = self.buf.len();
            self.buf.resize(start + BLOCK, 0);
            let n = loop {
                match self.inner.read(&mut self.buf[start..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        self.buf.truncate(start);
                        return Err(e);
                    }
                }
            };
            self.buf.truncate(start + n);
            if n == 0 {
                self.eof = true;
                let rest = std::mem::take(&mut self.buf);
                self.parts.lines(&rest, &mut self.out);
                self.parts.finish(&mut self.out);
                continue;
            }
            match memchr::memrchr(b'\n', &self.buf[start..]) {
                Some(i) => {
                    // The whole lines are passed on where they lie; the start of the next line
                    // (short) moves to the front.
                    let end = start + i + 1;
                    self.parts.lines(&self.buf[..end], &mut self.out);
                    self.buf.drain(..end);
                }
                None if self.buf.len() >= MAX_LINE => {
                    // A line too long to take apart: as it is.
                    self.parts.finish(&mut self.out);
                    self.out.append(&mut self.buf);
                }
                None => {}
            }
        }
        Ok(true)
    }
}

/// CRI lines joined a batch of whole lines at a time (see the module docs): the state of the
/// lines being joined from their parts.
#[derive(Default)]
pub(crate) struct Parts {
    /// Per stream (stdout, stderr): their parts may interleave.
    pending: [Option<Pending>; 2],
}

impl Parts {
    /// Passes on whole lines (the last may lack its `\n` at the end of the input).
    pub(crate) fn lines(&mut self, text: &[u8], out: &mut Vec<u8>) {
        if self.pending.iter().all(Option::is_none) && memchr::memmem::find(text, b" P").is_none() {
            out.extend_from_slice(text);
            if !text.is_empty() && text.last() != Some(&b'\n') {
                out.push(b'\n');
            }
            return;
        }
        for line in text.split_inclusive(|&b| b == b'\n') {
            let body = line.strip_suffix(b"\n").unwrap_or(line);
            match prefix(body) {
                Some(p) if p.partial => {
                    let joined = self.pending[p.stream].get_or_insert_with(|| {
                        // The joined line is whole: tagged `F`.
                        let mut line = body[..p.text].to_vec();
                        line[p.tag] = b'F';
                        Pending { line }
                    });
                    joined.line.extend_from_slice(&body[p.text..]);
                    if joined.line.len() >= MAX_LINE {
                        self.flush(p.stream, out);
                    }
                }
                Some(p) if self.pending[p.stream].is_some() => {
                    if let Some(joined) = &mut self.pending[p.stream] {
                        joined.line.extend_from_slice(&body[p.text..]);
                    }
                    self.flush(p.stream, out);
                }
                _ => {
                    out.extend_from_slice(body);
                    out.push(b'\n');
                }
            }
        }
    }

    /// Writes the lines being joined (all there is of them), stdout's first: the input ended
    /// or broke off.
    pub(crate) fn finish(&mut self, out: &mut Vec<u8>) {
        self.flush(0, out);
        self.flush(1, out);
    }

    /// Writes the line being joined on `stream` (whole, or all there is of it).
    fn flush(&mut self, stream: usize, out: &mut Vec<u8>) {
        if let Some(p) = self.pending[stream].take() {
            out.extend_from_slice(&p.line);
            out.push(b'\n');
        }
    }
}

impl<R: Read> Read for Joiner<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.at >= self.out.len() && !self.refill()? {
            return Ok(0);
        }
        let n = buf.len().min(self.out.len() - self.at);
        buf[..n].copy_from_slice(&self.out[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn join(input: &[u8]) -> String {
        let mut out = Vec::new();
        join_parts(Box::new(io::Cursor::new(input.to_vec())))
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn parts_are_joined_per_stream() {
        let log = concat!(
            "2026-02-06T10:00:00.1Z stdout F {\"a\":0}\n",
            "2026-02-06T10:00:01.1Z stdout P {\"a\":\n",
            "2026-02-06T10:00:01.2Z stderr F {\"err\":1}\n",
            "2026-02-06T10:00:01.3Z stderr P {\"b\"\n",
            "2026-02-06T10:00:01.4Z stdout P  1,\n",
            "2026-02-06T10:00:01.5Z stdout F \"c\":2}\n",
            "2026-02-06T10:00:01.6Z stderr F :3}\n",
            "2026-02-06T10:00:02.1Z stdout P cut at the end",
        );
        assert_eq!(
            join(log.as_bytes()),
            concat!(
                "2026-02-06T10:00:00.1Z stdout F {\"a\":0}\n",
                "2026-02-06T10:00:01.2Z stderr F {\"err\":1}\n",
                "2026-02-06T10:00:01.1Z stdout F {\"a\": 1,\"c\":2}\n",
                "2026-02-06T10:00:01.3Z stderr F {\"b\":3}\n",
                "2026-02-06T10:00:02.1Z stdout F cut at the end\n",
            )
        );
    }

    #[test]
    fn other_inputs_pass_untouched() {
        for input in [
            &b""[..],
            b"2026",
            b"{\"level\":\"info\"}\n",
            b"2026-02-06T10:00:00Z {\"a\":1}\nplain P text\n",
            b"2026-02-06 10:00:00 ERROR boom\n",
        ] {
            assert_eq!(join(input).as_bytes(), input);
        }
        // A CRI log without parts passes as it is, a final newline added.
        assert_eq!(
            join(
                b"2026-02-06T10:00:00Z stdout F a P b\nnot cri P\n2026-02-06T10:00:01Z stderr F x"
            ),
            "2026-02-06T10:00:00Z stdout F a P b\nnot cri P\n2026-02-06T10:00:01Z stderr F x\n"
        );
    }

    #[test]
    fn a_long_run_of_parts_across_blocks_is_one_line() {
        let mut log = Vec::new();
        let mut want = b"2026-02-06T10:00:00Z stdout F ".to_vec();
        for i in 0..100 {
            let part = format!("{{part {i} {}}}", "x".repeat(16 << 10));
            log.extend_from_slice(b"2026-02-06T10:00:00Z stdout P ");
            log.extend_from_slice(part.as_bytes());
            log.push(b'\n');
            want.extend_from_slice(part.as_bytes());
        }
        log.extend_from_slice(b"2026-02-06T10:00:00Z stdout F end\n");
        want.extend_from_slice(b"end\n");
        assert_eq!(join(&log).as_bytes(), &want[..]);
    }
}
