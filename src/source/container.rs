//! Container log files read a batch of whole lines at a time, as `watch` follows a file: the
//! unwrapping of Docker's json-file lines ([`docker`]) and the joining of a container runtime's
//! parts ([`cri`]) that readers of whole inputs get from [`super::open`].
//!
//! The kind of log is decided by the first line seen (a followed file may be read from its
//! end, so from any line): every line of a Docker log starts like one, and every line of a CRI
//! log is one.

use super::{cri, docker};

/// What a followed input turned out to be.
enum Kind {
    /// No line seen yet.
    Undecided,
    /// Neither kind: lines pass untouched.
    Other,
    Docker(docker::Unwrapper),
    Cri(cri::Parts),
}

/// The unwrapping of one followed input's lines. See the module docs.
pub struct ContainerLines {
    kind: Kind,
}

impl Default for ContainerLines {
    fn default() -> Self {
        ContainerLines {
            kind: Kind::Undecided,
        }
    }
}

impl ContainerLines {
    /// The lines of `lines` (whole lines, each ending in `\n`) as the analysis reads them: a
    /// Docker log's JSON events unwrapped, a container runtime's parts joined (a part whose
    /// line has not ended yet is kept for a later batch), any other input as it is.
    pub fn apply(&mut self, lines: Vec<u8>) -> Vec<u8> {
        if lines.is_empty() {
            return lines;
        }
        if let Kind::Undecided = self.kind {
            let first = &lines[..memchr::memchr(b'\n', &lines).unwrap_or(lines.len())];
            self.kind = if docker::looks_like_docker(first) {
                Kind::Docker(docker::Unwrapper::default())
            } else if cri::looks_like_cri(first) {
                Kind::Cri(cri::Parts::default())
            } else {
                Kind::Other
            };
        }
        match &mut self.kind {
            Kind::Undecided | Kind::Other => lines,
            Kind::Docker(d) => {
                let mut out = Vec::with_capacity(lines.len());
                for line in lines.split_inclusive(|&b| b == b'\n') {
                    d.line(line, &mut out);
                }
                out
            }
            Kind::Cri(c) => {
                let mut out = Vec::with_capacity(lines.len());
                c.lines(&lines, &mut out);
                out
            }
        }
    }

    /// The input ended: lines still being joined are written as far as they go.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        match &mut self.kind {
            Kind::Docker(d) => d.finish(out),
            Kind::Cri(c) => c.finish(out),
            Kind::Undecided | Kind::Other => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// What a reader of the whole input gives.
    fn whole(input: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        super::super::docker::unwrap_docker(
            super::super::cri::join_parts(Box::new(std::io::Cursor::new(input.to_vec()))).unwrap(),
        )
        .unwrap()
        .read_to_end(&mut out)
        .unwrap();
        out
    }

    /// `input` fed in batches of `per` whole lines.
    fn batched(input: &[u8], per: usize) -> Vec<u8> {
        let mut c = ContainerLines::default();
        let mut out = Vec::new();
        let lines: Vec<&[u8]> = input.split_inclusive(|&b| b == b'\n').collect();
        for batch in lines.chunks(per) {
            out.extend(c.apply(batch.concat()));
        }
        c.finish(&mut out);
        out
    }

    #[test]
    fn batches_of_lines_give_what_a_whole_read_gives() {
        let docker = concat!(
            r#"{"log":"{\"level\":\"error\",\"msg\":\"boom\"}\n","stream":"stderr","time":"2026-02-06T10:00:00Z"}"#,
            "\n",
            r#"{"log":"{\"level\":\"info\",\"msg\":\"par","stream":"stdout","time":"2026-02-06T10:00:01Z"}"#,
            "\n",
            r#"{"log":"listening on :8080\n","stream":"stderr","time":"2026-02-06T10:00:01Z"}"#,
            "\n",
            r#"{"log":"t two\"}\n","stream":"stdout","time":"2026-02-06T10:00:02Z"}"#,
            "\n",
            r#"{"log":"{\"cut\":","stream":"stdout","time":"2026-02-06T10:00:03Z"}"#,
            "\n",
        );
        let cri = concat!(
            "2026-02-06T10:00:00.1Z stdout F {\"a\":0}\n",
            "2026-02-06T10:00:01.1Z stdout P {\"a\":\n",
            "2026-02-06T10:00:01.2Z stderr F {\"err\":1}\n",
            "2026-02-06T10:00:01.5Z stdout F \"c\":2}\n",
            "2026-02-06T10:00:02.1Z stdout P cut at the end\n",
        );
        let other = "{\"level\":\"info\",\"msg\":\"x P y\"}\nplain text\n";
        for input in [docker, cri, other] {
            let want = whole(input.as_bytes());
            for per in 1..=3 {
                assert_eq!(
                    String::from_utf8(batched(input.as_bytes(), per)).unwrap(),
                    String::from_utf8(want.clone()).unwrap(),
                    "{per} lines a batch"
                );
            }
        }
        // The joined parts really were joined.
        assert!(String::from_utf8(batched(docker.as_bytes(), 1))
            .unwrap()
            .contains("stdout F {\"level\":\"info\",\"msg\":\"part two\"}\n"));
        assert!(String::from_utf8(batched(cri.as_bytes(), 1))
            .unwrap()
            .contains("stdout F {\"a\":\"c\":2}\n"));
    }

    #[test]
    fn random_mixes_of_parts_give_what_a_whole_read_gives() {
        // Whole lines and parts of both streams, in both kinds, with foreign lines between.
        let docker = [
            r#"{"log":"{\"a\":1}\n","stream":"stdout","time":"2026-02-06T10:00:00Z"}"#,
            r#"{"log":"{\"b\":","stream":"stdout","time":"2026-02-06T10:00:01Z"}"#,
            r#"{"log":"2}\n","stream":"stdout","time":"2026-02-06T10:00:01Z"}"#,
            r#"{"log":"{\"e\":","stream":"stderr","time":"2026-02-06T10:00:02Z"}"#,
            r#"{"log":"3}\n","stream":"stderr"}"#,
            r#"{"log":"text line\n","stream":"stderr","time":"2026-02-06T10:00:03Z"}"#,
            "garbage",
            "",
        ];
        let cri = [
            "2026-02-06T10:00:00Z stdout F {\"a\":1}",
            "2026-02-06T10:00:01Z stdout P {\"b\":",
            "2026-02-06T10:00:01Z stdout F 2}",
            "2026-02-06T10:00:02Z stderr P {\"e\":",
            "2026-02-06T10:00:02Z stderr F 3}",
            "garbage P text",
            "",
        ];
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for round in 0..400 {
            let pieces: &[&str] = if round % 2 == 0 { &docker } else { &cri };
            let mut input = String::new();
            // The first line decides the kind: one of its own.
            input.push_str(pieces[0]);
            input.push('\n');
            for _ in 0..next(12) {
                input.push_str(pieces[next(pieces.len())]);
                input.push('\n');
            }
            let want = whole(input.as_bytes());
            let per = 1 + next(4);
            assert_eq!(
                String::from_utf8(batched(input.as_bytes(), per)).unwrap(),
                String::from_utf8(want).unwrap(),
                "{input:?}, {per} lines a batch"
            );
        }
    }

    #[test]
    fn the_first_line_decides() {
        let mut c = ContainerLines::default();
        assert!(c.apply(Vec::new()).is_empty(), "no line: still undecided");
        let text = b"plain\n".to_vec();
        assert_eq!(c.apply(text.clone()), text);
        // Decided: a Docker line later is not unwrapped.
        let docker = br#"{"log":"{\"a\":1}\n","stream":"stdout","time":"2026-02-06T10:00:00Z"}
"#
        .to_vec();
        assert_eq!(c.apply(docker.clone()), docker);
    }
}
