//! Plain text lines: a leading timestamp (RFC 3339 or syslog's `Jun 14 15:16:01`) and a level
//! word, when present.
//!
//! Levels come from upper-case words (`ERROR`, `WARN`, `FATAL`, `INFO:`) or bracketed words in
//! any case (`[warn]`, `<error>`), looked for near the start of the line only, where loggers put
//! them, so that `no ERROR found` deep in a message does not make a line an error.

use super::fields::Slot;
use super::{time, Fields, Raw};

/// How far into a line a level word is looked for.
const LEVEL_WINDOW: usize = 96;

/// Fills the time and level slots of a text line, when it has them.
pub fn parse<'a>(line: &'a [u8], out: &mut Fields<'a>) {
    let mut rest = line;
    if let Some((_, used)) = leading_time(line) {
        out.set(
            Slot::Time as u16,
            0,
            Raw::Str {
                bytes: &line[..used],
                escaped: false,
            },
        );
        rest = &line[used..];
    }
    if let Some(word) = level_word(rest) {
        out.set(
            Slot::Level as u16,
            0,
            Raw::Str {
                bytes: word,
                escaped: false,
            },
        );
    }
}

/// A timestamp the line starts with: RFC 3339 or a syslog time (`Jun 14 15:16:01`).
fn leading_time(line: &[u8]) -> Option<(i64, usize)> {
    time::parse_rfc3339_prefix(line).or_else(|| time::parse_syslog_prefix(line))
}

/// The message of a text line: what follows a leading timestamp and a leading level word
/// (`ERROR`, `[warn]`, `INFO:`), trimmed; `None` when nothing is left. A level word further in
/// (`npm WARN deprecated`) stays part of the message.
pub fn message(line: &[u8]) -> Option<&[u8]> {
    let mut rest = line;
    if let Some((_, used)) = leading_time(line) {
        rest = &line[used..];
    } else if let Some(inner) = line.strip_prefix(b"[") {
        // `[2026-02-06T10:00:00Z] …`
        if let Some((_, used)) = time::parse_rfc3339_prefix(inner) {
            if inner.get(used) == Some(&b']') {
                rest = &inner[used + 1..];
            }
        }
    }
    rest = rest.trim_ascii_start();
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
        assert_eq!(m("2026-02-06T10:02:26Z ERROR"), None);
        assert_eq!(m("   "), None);
    }

    #[test]
    fn ignores_lowercase_prose_and_partial_words() {
        assert_eq!(level("an error occurred while reading"), None);
        assert_eq!(level("ERRORS_TOTAL=5"), None);
        assert_eq!(level("Listening on :9090"), None);
    }
}
