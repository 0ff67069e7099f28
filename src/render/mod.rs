//! Reports → text for people, JSON for programs.
//!
//! Renderers read only [`crate::report`] types. Log content is untrusted: everything quoted from
//! a log goes through [`sanitize`] before it reaches a terminal.

pub mod html;
pub mod json;
pub mod markdown;
pub mod terminal;

use std::borrow::Cow;

/// Output formats of `analyze`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// Aligned text for a terminal or a pager.
    Text,
    /// The JSON report (`docs/SCHEMA.md`).
    Json,
}

/// A message or template as a report shows it: `(empty message)` for one with no text but
/// whitespace, which would otherwise be a blank row. The JSON report keeps it as it is.
pub fn shown_message(m: &str) -> &str {
    if m.trim().is_empty() {
        "(empty message)"
    } else {
        m
    }
}

/// Replaces control characters, escape sequences and bidirectional-override characters with
/// visible escapes (`\x1b`, `\u{202e}`), so log content cannot move the cursor, recolour the
/// terminal or reorder what is shown. Tabs become a space.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c == '\t' {
            out.push(' ');
        } else if needs_escape(c) {
            let v = c as u32;
            if v < 0x100 {
                out.push_str(&format!("\\x{v:02x}"));
            } else {
                out.push_str(&format!("\\u{{{v:04x}}}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200e}' | '\u{200f}' | '\u{061c}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{2028}' | '\u{2029}'
        )
}

/// `s` in the SGR colour `code` when `color` is on.
pub fn paint(color: bool, code: &str, s: &str) -> String {
    if color {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

/// The characters of `s` a terminal shows: its colour sequences (`ESC [ … m`, as [`paint`]
/// writes them) take no room. Log content never holds an escape of its own: [`sanitize`]
/// writes it as text.
pub fn visible_width(s: &str) -> usize {
    let mut n = 0;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            // A CSI sequence ends with a byte in `@`..=`~`.
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            continue;
        }
        n += 1;
    }
    n
}

/// Log content for a terminal: sanitised (see [`sanitize`]) and cut to `max` characters,
/// ending with `…` when cut.
pub fn fit_sanitized(s: &str, max: usize) -> String {
    fit(&sanitize(s), max)
}

/// `s` cut to at most `max` characters, ending with `…` when cut.
pub fn fit(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `n` and a word, plural unless `n` is 1: `1 problem`, `1,024 problems`.
pub fn count(n: u64, word: &str) -> String {
    format!("{} {}", thousands(n), plural(n, word))
}

/// A word, plural unless `n` is 1: `error`, `errors`.
pub fn plural(n: u64, word: &str) -> String {
    match n {
        1 => word.to_string(),
        _ => format!("{word}s"),
    }
}

/// Groups digits by thousands: `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Human-readable byte size (`4.7 MB`, decimal units).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1000.0 && u < UNITS.len() - 1 {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_escapes_terminal_controls() {
        assert_eq!(sanitize("plain é 李"), "plain é 李");
        assert_eq!(sanitize("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m");
        assert_eq!(sanitize("a\rb\nc\u{7f}"), "a\\x0db\\x0ac\\x7f");
        assert_eq!(sanitize("abc\u{202e}def"), "abc\\u{202e}def");
        assert_eq!(sanitize("\u{9b}2J"), "\\x9b2J");
        assert_eq!(sanitize("a\tb"), "a b");
    }

    #[test]
    fn colour_sequences_take_no_room() {
        assert_eq!(visible_width(&paint(true, "1;31", "CRIT ")), 5);
        assert_eq!(visible_width("a\x1b[2m→ b\x1b[0m"), 4);
        assert_eq!(
            visible_width(&sanitize("\x1b[31mred")),
            "\\x1b[31mred".len()
        );
    }

    #[test]
    fn number_formatting() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(4_711_535), "4.7 MB");
        assert_eq!(count(0, "error"), "0 errors");
        assert_eq!(count(1, "error"), "1 error");
        assert_eq!(count(1234, "event"), "1,234 events");
        assert_eq!(plural(1, "event"), "event");
        assert_eq!(plural(2, "event"), "events");
    }
}
