//! Plain text lines: a timestamp and a level word, when present. The timestamp leads the line,
//! bare or in brackets (RFC 3339 and its variants, Go's `2026/02/06 10:00:00`, syslog's
//! `Jun 14 15:16:01`), or is an access log's bracketed Common Log Format time after the
//! client's address (`10.0.0.1 - - [06/Feb/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 512`),
//! whose level is its status's: 5xx error, 4xx warn, others info.
//!
//! Levels come from upper-case words (`ERROR`, `WARN`, `FATAL`, `INFO:`) or bracketed words in
//! any case (`[warn]`, `<error>`), looked for near the start of the line only, where loggers put
//! them, so that `no ERROR found` deep in a message does not make a line an error.

use super::fields::Slot;
use super::{time, Fields, Raw};

/// How far into a line a level word is looked for.
const LEVEL_WINDOW: usize = 96;

/// How far into a line the bracketed time of an access log is looked for.
const CLF_WINDOW: usize = 320;

/// Where a text line's timestamp is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineTime {
    /// The time, µs since the epoch.
    pub time_us: i64,
    /// Its bytes in the line (without brackets).
    pub start: usize,
    /// End of its bytes.
    pub end: usize,
    /// Where the message starts: after a leading time and its brackets; 0 for an access log's
    /// time, which is not a prefix.
    pub skip: usize,
}

/// Fills the time and level slots of a text line, when it has them.
pub fn parse<'a>(line: &'a [u8], out: &mut Fields<'a>) {
    let set = |out: &mut Fields<'a>, slot: Slot, bytes: &'a [u8]| {
        out.set(
            slot as u16,
            0,
            Raw::Str {
                bytes,
                escaped: false,
            },
        );
    };
    let mut rest = line;
    if let Some(t) = line_time(line) {
        set(out, Slot::Time, &line[t.start..t.end]);
        if t.skip == 0 {
            // An access log line: the level is the status's, whatever words the request holds.
            if let Some(word) = status_level(&line[t.end..]) {
                set(out, Slot::Level, word);
            }
            return;
        }
        rest = &line[t.skip..];
    }
    if let Some(word) = level_word(rest) {
        set(out, Slot::Level, word);
    }
}

/// The timestamp of a text line (see the module docs).
pub fn line_time(line: &[u8]) -> Option<LineTime> {
    if let Some((time_us, used)) = time::parse_prefix(line) {
        return Some(LineTime {
            time_us,
            start: 0,
            end: used,
            skip: used,
        });
    }
    if let Some(inner) = line.strip_prefix(b"[") {
        // `[2026-02-06 10:00:00,123] …`, `[Jun 14 15:16:01] …`
        if let Some((time_us, used)) = time::parse_prefix(inner) {
            if inner.get(used) == Some(&b']') {
                return Some(LineTime {
                    time_us,
                    start: 1,
                    end: 1 + used,
                    skip: used + 2,
                });
            }
        }
        return None;
    }
    // `host ident user [06/Feb/2026:10:00:00 +0000] "request" …`: the first ` [` of the line,
    // when a Common Log Format time and `]` follow.
    let window = &line[..line.len().min(CLF_WINDOW)];
    let open = memchr::memmem::find(window, b" [")? + 2;
    let (time_us, used) = time::parse_clf_prefix(&line[open..])?;
    (line.get(open + used) == Some(&b']')).then_some(LineTime {
        time_us,
        start: open,
        end: open + used,
        skip: 0,
    })
}

/// The level an access log line's status implies, as lnav reads it: 5xx error, 4xx warn,
/// others info. `rest` follows the time: `] "GET / HTTP/1.1" 503 12 …`.
fn status_level(rest: &[u8]) -> Option<&'static [u8]> {
    let request = rest.strip_prefix(b"] \"")?;
    // Servers escape a quote inside the request (`\x22` or `\"`); a `"` followed by a space
    // ends it.
    let end = memchr::memmem::find(request, b"\" ")?;
    let after = &request[end + 2..];
    let code = after.get(..3)?;
    if !code.iter().all(u8::is_ascii_digit) || !matches!(after.get(3), None | Some(b' ')) {
        return None;
    }
    match code[0] {
        b'5' => Some(b"error"),
        b'4' => Some(b"warn"),
        b'1'..=b'3' => Some(b"info"),
        _ => None,
    }
}

/// The message of a text line: what follows a leading timestamp and a leading level word
/// (`ERROR`, `[warn]`, `INFO:`), trimmed; `None` when nothing is left. A level word further in
/// (`npm WARN deprecated`) stays part of the message.
pub fn message(line: &[u8]) -> Option<&[u8]> {
    let skip = line_time(line).map_or(0, |t| t.skip);
    let mut rest = line[skip..].trim_ascii_start();
    if let Some(word) = level_word(rest) {
        // Only a level at the very start (after an opening bracket) is a prefix.
        let offset = word.as_ptr() as usize - rest.as_ptr() as usize;
        if offset <= 1 {
            let mut after = &rest[offset + word.len()..];
            if let [b']' | b'>' | b')', tail @ ..] = after {
                after = tail;
            }
            if let [b':', tail @ ..] = after {
                after = tail;
            }
            rest = after;
        }
    }
    let m = rest.trim_ascii();
    (!m.is_empty()).then_some(m)
}

fn level_word(s: &[u8]) -> Option<&[u8]> {
    let window = &s[..s.len().min(LEVEL_WINDOW)];
    let mut i = 0;
    while i < window.len() {
        let c = window[i];
        if c.is_ascii_alphabetic() {
            let start = i;
            while i < window.len() && window[i].is_ascii_alphabetic() {
                i += 1;
            }
            let word = &window[start..i];
            let before = start.checked_sub(1).map(|j| window[j]);
            let after = window.get(i).copied();
            let bracketed = matches!(
                (before, after),
                (Some(b'['), Some(b']')) | (Some(b'<'), Some(b'>')) | (Some(b'('), Some(b')'))
            );
            let word_boundary = before.is_none_or(|b| !b.is_ascii_alphanumeric() && b != b'_')
                && after.is_none_or(|b| !b.is_ascii_alphanumeric() && b != b'_');
            let upper = word.iter().all(u8::is_ascii_uppercase);
            if word_boundary && (bracketed || upper) && super::Level::from_word(word).is_some() {
                return Some(word);
            }
        } else {
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(s: &str) -> Option<String> {
        level_word(s.as_bytes()).map(|w| String::from_utf8_lossy(w).into_owned())
    }

    #[test]
    fn finds_level_words() {
        assert_eq!(
            level("2026-02-06 10:02:26 DEBUG pool stats").as_deref(),
            Some("DEBUG")
        );
        assert_eq!(
            level("INFO:     10.0.0.1 - GET /health").as_deref(),
            Some("INFO")
        );
        assert_eq!(level("[warn] worker exited").as_deref(), Some("warn"));
        assert_eq!(level("npm WARN deprecated glob").as_deref(), Some("WARN"));
        assert_eq!(level("E: FATAL failure").as_deref(), Some("FATAL"));
    }

    #[test]
    fn the_message_is_what_follows_time_and_level() {
        let m = |s: &str| message(s.as_bytes()).map(|w| String::from_utf8_lossy(w).into_owned());
        assert_eq!(
            m("2026-02-06 10:02:26 DEBUG pool stats").as_deref(),
            Some("pool stats")
        );
        assert_eq!(
            m("2026-02-06T10:02:26.120Z [warn] worker exited ").as_deref(),
            Some("worker exited")
        );
        assert_eq!(m("INFO:     GET /health").as_deref(), Some("GET /health"));
        assert_eq!(
            m("npm WARN deprecated glob").as_deref(),
            Some("npm WARN deprecated glob")
        );
        assert_eq!(m("exit status 2").as_deref(), Some("exit status 2"));
        assert_eq!(
            m("[2026-02-06T10:02:26Z] [ERROR] card refused").as_deref(),
            Some("card refused")
        );
        assert_eq!(
            m("Jun  4 15:16:01 combo sshd[19939]: session opened").as_deref(),
            Some("combo sshd[19939]: session opened")
        );
        assert_eq!(
            m("[2026-02-06 10:02:26,120] ERROR card refused").as_deref(),
            Some("card refused")
        );
        assert_eq!(
            m("2026/02/06 10:02:26 dial tcp: connection refused").as_deref(),
            Some("dial tcp: connection refused")
        );
        assert_eq!(m("2026-02-06T10:02:26Z ERROR"), None);
        assert_eq!(m("   "), None);
    }

    #[test]
    fn times_lead_the_line_bare_or_bracketed_or_follow_an_access_logs_client() {
        let t0 = time::parse_rfc3339(b"2026-02-06T10:00:00Z").unwrap();
        let at = |s: &str| {
            line_time(s.as_bytes()).map(|t| (t.time_us - t0, s[t.start..t.end].to_string(), t.skip))
        };
        assert_eq!(
            at("2026/02/06 10:00:00 listening on :8080"),
            Some((0, "2026/02/06 10:00:00".into(), 19))
        );
        assert_eq!(
            at("[2026-02-06 10:00:01,500] WARN slow"),
            Some((1_500_000, "2026-02-06 10:00:01,500".into(), 25))
        );
        assert_eq!(
            at("[2026-02-06 12:00:02 +0200] [7] [INFO] Booting worker"),
            Some((2_000_000, "2026-02-06 12:00:02 +0200".into(), 27))
        );
        let clf = r#"10.0.0.1 - frank [06/Feb/2026:10:00:03 +0000] "GET /ERROR HTTP/1.1" 500 12"#;
        assert_eq!(
            at(clf),
            Some((3_000_000, "06/Feb/2026:10:00:03 +0000".into(), 0))
        );
        for none in [
            "[INFO] 2026-02-06 10:00:00 starting",
            "[2026-02-06 10:00:00 no closing bracket",
            "a [list] of [06/Feb/2026:10:00:03 +0000 things",
            "stack frame at main.go:12",
            "",
            "[",
        ] {
            assert_eq!(at(none), None, "{none:?}");
        }
    }

    #[test]
    fn access_log_lines_keep_their_whole_text_and_take_the_level_of_their_status() {
        let clf = r#"10.0.0.1 - - [06/Feb/2026:10:00:03 +0000] "GET /ERROR HTTP/1.1" 200 12"#;
        assert_eq!(message(clf.as_bytes()), Some(clf.as_bytes()));
        let level = |line: &str| {
            let mut fields = Fields::new(super::super::fields::WELL_KNOWN);
            parse(line.as_bytes(), &mut fields);
            assert!(fields.get(Slot::Time as usize).is_some(), "{line}");
            fields
                .get(Slot::Level as usize)
                .map(|r| String::from_utf8_lossy(&r.to_bytes()).into_owned())
        };
        assert_eq!(level(clf).as_deref(), Some("info"));
        let with = |status: &str| {
            format!(r#"10.0.0.1 - - [06/Feb/2026:10:00:03 +0000] "GET /x HTTP/1.1" {status}"#)
        };
        assert_eq!(
            level(&with("503 0 \"-\" \"curl/8\"")).as_deref(),
            Some("error")
        );
        assert_eq!(level(&with("404 0")).as_deref(), Some("warn"));
        assert_eq!(level(&with("301")).as_deref(), Some("info"));
        assert_eq!(level(&with("5000 0")), None);
        assert_eq!(level(&with("-")), None);
        let quoted = r#"::1 - - [06/Feb/2026:10:00:03 +0000] "GET /a\"b HTTP/1.1" 502 0"#;
        assert_eq!(level(quoted).as_deref(), Some("error"));
    }

    #[test]
    fn ignores_lowercase_prose_and_partial_words() {
        assert_eq!(level("an error occurred while reading"), None);
        assert_eq!(level("ERRORS_TOTAL=5"), None);
        assert_eq!(level("Listening on :9090"), None);
    }
}
