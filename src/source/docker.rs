//! Docker's `json-file` logs (`/var/lib/docker/containers/<id>/<id>-json.log`): each line the
//! application wrote is a JSON string in a JSON object,
//! `{"log":"<line>\n","stream":"stdout","time":"<RFC 3339>"}`. A JSON logger's event is then
//! escaped text inside the `log` string, where no field of it can be read. Such an input is
//! recognised by its start (`{"log":"`), and each line whose `log` holds a JSON object is
//! turned into the line a container runtime writes for it (Kubernetes' CRI format,
//! `<time> stdout F <event>`), which the parser reads as an event of format `cri`: its own
//! fields, and Docker's time when it has none. A line Docker cut in parts (a `log` without its
//! final newline, for lines over 16 KiB) is joined first.
//!
//! Every other line passes through as it is: a text logger's line in `log` is read from the
//! JSON line (see the parser's message headers), and a line that does not parse stays what it
//! is. Lines are counted after the joins, so a joined event is one line.

use std::borrow::Cow;
use std::io::{self, BufRead, Read};

use serde::Deserialize;

/// How a Docker `json-file` log starts.
const MARK: &[u8] = b"{\"log\":\"";
/// Longest line taken apart; a longer one passes through as it is (the analysis counts it as
/// oversize or malformed).
const MAX_LINE: usize = 16 << 20;

/// Whether `head` (the first bytes of an input) can still turn out to start a Docker log.
fn undecided(head: &[u8]) -> bool {
    head.len() < MARK.len() && MARK.starts_with(head)
}

/// Whether an input starting with `head` is a Docker `json-file` log.
pub fn looks_like_docker(head: &[u8]) -> bool {
    head.starts_with(MARK)
}

/// `r`, with a Docker `json-file` log's JSON events unwrapped (see the module docs); any other
/// input untouched.
pub fn unwrap_docker(mut r: Box<dyn Read + Send>) -> io::Result<Box<dyn Read + Send>> {
    let mut head = Vec::with_capacity(MARK.len());
    // Only until the start decides it: a live pipe's first line must not wait.
    while undecided(&head) {
        let mut buf = [0u8; 8];
        match r.read(&mut buf[..MARK.len() - head.len()]) {
            Ok(0) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let whole = io::Cursor::new(head.clone()).chain(r);
    if !looks_like_docker(&head) {
        return Ok(Box::new(whole));
    }
    Ok(Box::new(DockerLines::new(io::BufReader::with_capacity(
        256 << 10,
        whole,
    ))))
}

/// One line of a `json-file` log; other keys (`attrs`) are passed over.
#[derive(Deserialize)]
struct Entry<'a> {
    #[serde(borrow)]
    log: Cow<'a, str>,
    #[serde(borrow, default)]
    stream: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    time: Option<Cow<'a, str>>,
}

/// A JSON event Docker cut in parts, being joined.
struct Pending {
    prefix: Vec<u8>,
    event: Vec<u8>,
}

/// The reader of [`unwrap_docker`].
struct DockerLines<R> {
    inner: R,
    line: Vec<u8>,
    out: Vec<u8>,
    at: usize,
    lines: Unwrapper,
    /// Passing the rest of an over-long line through.
    passing: bool,
    done: bool,
}

impl<R: BufRead> DockerLines<R> {
    fn new(inner: R) -> Self {
        DockerLines {
            inner,
            line: Vec::new(),
            out: Vec::new(),
            at: 0,
            lines: Unwrapper::default(),
            passing: false,
            done: false,
        }
    }

    /// Fills `out` with the next lines; false at the end.
    fn refill(&mut self) -> io::Result<bool> {
        self.out.clear();
        self.at = 0;
        while self.out.is_empty() {
            if self.done {
                return Ok(false);
            }
            self.line.clear();
            let n = (&mut self.inner)
                .take(MAX_LINE as u64)
                .read_until(b'\n', &mut self.line)?;
            if n == 0 {
                self.done = true;
                self.lines.finish(&mut self.out);
                continue;
            }
            let whole = self.line.last() == Some(&b'\n');
            if self.passing || !whole && n == MAX_LINE {
                // Part of a line too long to take apart: as it is.
                self.lines.finish(&mut self.out);
                self.passing = !whole;
                self.out.extend_from_slice(&self.line);
                continue;
            }
            self.lines.line(&self.line, &mut self.out);
        }
        Ok(true)
    }
}

/// Docker lines unwrapped one at a time (see the module docs): the state of the events being
/// joined from their parts.
#[derive(Default)]
pub(crate) struct Unwrapper {
    /// Per stream (stdout, stderr): their parts may interleave in the file.
    pending: [Option<Pending>; 2],
}

impl Unwrapper {
    /// Unwraps one line (with its `\n`, if any) into `out`: the event's line, nothing (a part
    /// kept to be joined), or the line as it is.
    pub(crate) fn line(&mut self, line: &[u8], out: &mut Vec<u8>) {
        let text = line.strip_suffix(b"\n").unwrap_or(line);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        let entry = serde_json::from_slice::<Entry<'_>>(text).ok();
        let Some(entry) = entry else {
            // Not a Docker line: as it is.
            self.finish(out);
            out.extend_from_slice(line);
            if line.last() != Some(&b'\n') {
                out.push(b'\n');
            }
            return;
        };
        let log = entry.log.as_bytes();
        // Docker ends each complete line with the newline the application wrote.
        let complete = log.ends_with(b"\n");
        let part = log.strip_suffix(b"\n").unwrap_or(log);
        let part = part.strip_suffix(b"\r").unwrap_or(part);
        let stream = match entry.stream.as_deref() {
            Some("stderr") => 1,
            _ => 0,
        };
        if let Some(p) = &mut self.pending[stream] {
            p.event.extend_from_slice(part);
            if complete || p.event.len() >= MAX_LINE {
                self.flush(stream, out);
            }
            return;
        }
        if !part.trim_ascii_start().starts_with(b"{") {
            // A text logger's line: the JSON line is read as it is.
            out.extend_from_slice(line);
            if line.last() != Some(&b'\n') {
                out.push(b'\n');
            }
            return;
        }
        let mut prefix = Vec::new();
        let time = entry.time.as_deref().unwrap_or_default();
        if crate::record::time::parse_rfc3339_prefix(time.as_bytes())
            .is_some_and(|(_, used)| used == time.len())
        {
            prefix.extend_from_slice(time.as_bytes());
            prefix.extend_from_slice([&b" stdout F "[..], b" stderr F "][stream]);
        }
        self.pending[stream] = Some(Pending {
            prefix,
            event: part.to_vec(),
        });
        if complete {
            self.flush(stream, out);
        }
    }

    /// Writes the events being joined (all there is of them), stdout's first: the input ended
    /// or broke off.
    pub(crate) fn finish(&mut self, out: &mut Vec<u8>) {
        self.flush(0, out);
        self.flush(1, out);
    }

    /// Writes the event of `stream` being joined (whole, or all there is of it) as one line.
    fn flush(&mut self, stream: usize, out: &mut Vec<u8>) {
        if let Some(p) = self.pending[stream].take() {
            out.extend_from_slice(&p.prefix);
            // A line break inside the event would make two lines of it: JSON allows any
            // whitespace between tokens, and a raw one inside a string is malformed anyway.
            out.extend(p.event.iter().map(|&b| match b {
                b'\n' | b'\r' => b' ',
                b => b,
            }));
            out.push(b'\n');
        }
    }
}

impl<R: BufRead> Read for DockerLines<R> {
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

    fn unwrap(input: &[u8]) -> String {
        let mut out = Vec::new();
        unwrap_docker(Box::new(io::Cursor::new(input.to_vec())))
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_json_event_is_unwrapped_and_its_parts_joined() {
        let log = concat!(
            r#"{"log":"{\"level\":\"error\",\"msg\":\"boom \\\"x\\\" \u003c1\u003e\"}\n","stream":"stderr","time":"2026-02-06T10:00:00.123456789Z"}"#,
            "\n",
            r#"{"log":"listening on :8080\n","stream":"stdout","time":"2026-02-06T10:00:01Z"}"#,
            "\n",
            r#"{"log":"{\"level\":\"info\",\"msg\":\"par","stream":"stdout","time":"2026-02-06T10:00:02Z"}"#,
            "\n",
            r#"{"log":"t two\"}\n","stream":"stdout","time":"2026-02-06T10:00:02Z"}"#,
            "\n",
            "not docker at all\n",
            r#"{"log":"{\"no\":\"time\"}\n"}"#,
            "\n",
            r#"{"log":"{\"cut\":"#,
        );
        assert_eq!(
            unwrap(log.as_bytes()),
            concat!(
                r#"2026-02-06T10:00:00.123456789Z stderr F {"level":"error","msg":"boom \"x\" <1>"}"#,
                "\n",
                r#"{"log":"listening on :8080\n","stream":"stdout","time":"2026-02-06T10:00:01Z"}"#,
                "\n",
                r#"2026-02-06T10:00:02Z stdout F {"level":"info","msg":"part two"}"#,
                "\n",
                "not docker at all\n",
                r#"{"no":"time"}"#,
                "\n",
                r#"{"log":"{\"cut\":"#,
                "\n",
            )
        );
    }

    #[test]
    fn parts_of_stdout_and_stderr_lines_interleave() {
        let log = concat!(
            r#"{"log":"{\"a\":","stream":"stdout","time":"2026-02-06T10:00:00Z"}"#,
            "\n",
            r#"{"log":"{\"err\":1}\n","stream":"stderr","time":"2026-02-06T10:00:01Z"}"#,
            "\n",
            r#"{"log":"{\"b\":","stream":"stderr","time":"2026-02-06T10:00:02Z"}"#,
            "\n",
            r#"{"log":"1}\n","stream":"stdout","time":"2026-02-06T10:00:00Z"}"#,
            "\n",
            r#"{"log":"2}","stream":"stderr","time":"2026-02-06T10:00:02Z"}"#,
            "\n",
        );
        assert_eq!(
            unwrap(log.as_bytes()),
            concat!(
                "2026-02-06T10:00:01Z stderr F {\"err\":1}\n",
                "2026-02-06T10:00:00Z stdout F {\"a\":1}\n",
                "2026-02-06T10:00:02Z stderr F {\"b\":2}\n",
            )
        );
    }

    #[test]
    fn other_inputs_pass_untouched() {
        for input in [
            &b""[..],
            b"{",
            b"{\"lo",
            b"{\"level\":\"info\"}\n",
            b"plain\ntext",
        ] {
            assert_eq!(unwrap(input).as_bytes(), input);
        }
    }

    #[test]
    fn an_event_cut_at_the_end_or_before_a_foreign_line_is_kept() {
        let log = concat!(
            r#"{"log":"{\"a\":1,","time":"2026-02-06T10:00:00Z"}"#,
            "\n",
            "garbage\n",
            r#"{"log":"{\"b\":\n2"}"#,
        );
        assert_eq!(
            unwrap(log.as_bytes()),
            "2026-02-06T10:00:00Z stdout F {\"a\":1,\ngarbage\n{\"b\": 2\n"
        );
    }
}
