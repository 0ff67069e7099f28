//! Bytes of one line → a [`Record`] that borrows them.
//!
//! The format is detected per line: a JSON object, a CloudWatch export line
//! (`<RFC3339> <json>`), a container runtime's or Heroku's line (`<RFC3339> app[web.1]:
//! <json>`, the router's `key=value` pairs), a logfmt record, or plain text. Parsers only
//! locate the fields a [`FieldSpec`] asks for and keep them raw ([`Raw`]); decoding
//! (unescaping, number and time parsing, level normalisation) happens on demand. This module
//! knows nothing about patterns or aggregation; the next stage is [`crate::matching`].

use std::borrow::Cow;

pub mod fields;
pub mod json;
pub mod logfmt;
pub mod text;
pub mod time;

pub use fields::{FieldSpec, Slot};

/// How a line was understood.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// One JSON object.
    Json,
    /// `<RFC3339 timestamp> <JSON object>`, as CloudWatch Logs exports write.
    CloudWatch,
    /// A JSON object or logfmt pairs in a container runtime's line (Kubernetes' CRI format:
    /// `<RFC3339 timestamp> stdout F <event>`), as the kubelet keeps them on a node.
    Cri,
    /// `key=value` pairs.
    Logfmt,
    /// Anything else that is valid text.
    Text,
}

impl Format {
    /// Lower-case name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::CloudWatch => "cloudwatch",
            Format::Cri => "cri",
            Format::Logfmt => "logfmt",
            Format::Text => "text",
        }
    }

    /// Returns true if and only if records of this format are structured events.
    pub fn is_structured(self) -> bool {
        !matches!(self, Format::Text)
    }
}

/// The names of the syslog severities, 0 to 7 (RFC 5424, section 6.2.1).
pub const SYSLOG_SEVERITY: [&[u8]; 8] = [
    b"emerg", b"alert", b"crit", b"err", b"warning", b"notice", b"info", b"debug",
];

/// Normalised severity levels, in increasing order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Finest detail.
    Trace,
    /// Debugging detail.
    Debug,
    /// Normal operation.
    Info,
    /// Something unexpected but handled.
    Warn,
    /// A failed operation.
    Error,
    /// The process or service cannot go on.
    Fatal,
}

impl Level {
    /// All levels, in order.
    pub const ALL: [Level; 6] = [
        Level::Trace,
        Level::Debug,
        Level::Info,
        Level::Warn,
        Level::Error,
        Level::Fatal,
    ];

    /// Lower-case name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
            Level::Fatal => "fatal",
        }
    }

    /// Returns true if and only if the level counts as an error (`error` or `fatal`).
    pub fn is_error(self) -> bool {
        self >= Level::Error
    }

    /// Parses a level word in any case: the usual names and their common spellings
    /// (`warning`, `err`, `critical`, `panic`, `dpanic`, `emerg`, `notice`, ...).
    pub fn from_word(w: &[u8]) -> Option<Level> {
        // The common spellings first, without copying.
        match w {
            b"info" => return Some(Level::Info),
            b"debug" => return Some(Level::Debug),
            b"warn" => return Some(Level::Warn),
            b"error" => return Some(Level::Error),
            _ => {}
        }
        if w.is_empty() || w.len() > 11 {
            return None;
        }
        let mut buf = [0u8; 11];
        let lower = &mut buf[..w.len()];
        lower.copy_from_slice(w);
        lower.make_ascii_lowercase();
        Some(match &*lower {
            b"trace" | b"trc" | b"verbose" | b"finest" | b"finer" => Level::Trace,
            b"debug" | b"dbg" | b"fine" => Level::Debug,
            b"info" | b"inf" | b"information" | b"informational" | b"notice" => Level::Info,
            b"warn" | b"warning" | b"wrn" => Level::Warn,
            b"error" | b"err" | b"eror" | b"severe" => Level::Error,
            b"fatal" | b"ftl" | b"critical" | b"crit" | b"panic" | b"dpanic" | b"alert"
            | b"emerg" | b"emergency" => Level::Fatal,
            _ => return None,
        })
    }

    /// The level words that only a level field holds (in a line of text they are words like any
    /// other): winston's `http` (between info and verbose) and `silly` (its finest), and Go
    /// slog's levels between its named ones, written as an offset (`ERROR+2`, `WARN-1`,
    /// `DEBUG-4`), which take the named level's.
    pub fn from_field(w: &[u8]) -> Option<Level> {
        match w {
            b"http" => return Some(Level::Info),
            b"silly" => return Some(Level::Trace),
            _ => {}
        }
        let sign = w.iter().position(|&b| b == b'+' || b == b'-')?;
        let offset = &w[sign + 1..];
        if offset.is_empty() || !offset.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Level::from_word(&w[..sign])
    }

    /// The level of a syslog severity, 0 (emerg) to 7 (debug): the level of its name in
    /// [`SYSLOG_SEVERITY`].
    pub fn from_syslog_severity(severity: u8) -> Option<Level> {
        Level::from_word(SYSLOG_SEVERITY.get(usize::from(severity))?)
    }

    /// A numeric level: a syslog severity 0–7 (GELF, the journal; see
    /// [`Level::from_syslog_severity`]) or bunyan's and pino's 10 (trace) … 60 (fatal).
    pub fn from_number(n: f64) -> Option<Level> {
        if n.fract() != 0.0 {
            return None;
        }
        Some(match n as i64 {
            s @ 0..=7 => return Level::from_syslog_severity(s as u8),
            10 => Level::Trace,
            20 => Level::Debug,
            30 => Level::Info,
            40 => Level::Warn,
            50 => Level::Error,
            60 => Level::Fatal,
            _ => return None,
        })
    }
}

/// A field value as it appears in the line, not yet decoded.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Raw<'a> {
    /// String content without the quotes; `escaped` if it holds escape sequences to decode.
    Str {
        /// The bytes between the quotes.
        bytes: &'a [u8],
        /// True if and only if `bytes` contains escapes.
        escaped: bool,
    },
    /// A number token, validated.
    Num(&'a [u8]),
    /// `true` / `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// A whole object or array, as raw JSON text.
    Composite(&'a [u8]),
}

impl<'a> Raw<'a> {
    /// The value as text: strings decoded, other values as written.
    pub fn to_text(&self) -> Cow<'a, str> {
        match *self {
            Raw::Str {
                bytes,
                escaped: false,
            } => text_of(bytes),
            Raw::Str {
                bytes,
                escaped: true,
            } => Cow::Owned(unescape(bytes)),
            Raw::Num(b) | Raw::Composite(b) => text_of(b),
            Raw::Bool(true) => Cow::Borrowed("true"),
            Raw::Bool(false) => Cow::Borrowed("false"),
            Raw::Null => Cow::Borrowed("null"),
        }
    }

    /// The value as bytes: strings decoded, other values as written. Cheaper than
    /// [`Raw::to_text`] on the hot path (no UTF-8 re-validation).
    pub fn to_bytes(&self) -> Cow<'a, [u8]> {
        match *self {
            Raw::Str {
                bytes,
                escaped: false,
            } => Cow::Borrowed(bytes),
            Raw::Str {
                bytes,
                escaped: true,
            } => Cow::Owned(unescape(bytes).into_bytes()),
            Raw::Num(b) | Raw::Composite(b) => Cow::Borrowed(b),
            Raw::Bool(true) => Cow::Borrowed(b"true"),
            Raw::Bool(false) => Cow::Borrowed(b"false"),
            Raw::Null => Cow::Borrowed(b"null"),
        }
    }

    /// The value as a number: numbers, and strings that hold one. Non-finite values are `None`.
    pub fn to_f64(&self) -> Option<f64> {
        let b = match *self {
            Raw::Num(b) => b,
            Raw::Str {
                bytes,
                escaped: false,
            } => bytes.trim_ascii(),
            _ => return None,
        };
        parse_f64(b)
    }
}

/// Parses a JSON-style number. Plain decimals with at most 15 significant digits take an exact
/// fast path (an integer mantissa divided by an exact power of ten is correctly rounded:
/// Clinger's fast path); anything else goes to the standard parser. Non-finite is `None`.
pub fn parse_f64(b: &[u8]) -> Option<f64> {
    const POW10: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let (neg, digits) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        _ => (false, b),
    };
    let mut mantissa: u64 = 0;
    let mut n_digits = 0;
    let mut frac_digits = 0;
    let mut seen_dot = false;
    let mut fast = !digits.is_empty() && digits.len() <= 17;
    if fast {
        for &c in digits {
            match c {
                b'0'..=b'9' => {
                    mantissa = mantissa * 10 + (c - b'0') as u64;
                    n_digits += 1;
                    frac_digits += seen_dot as usize;
                }
                b'.' if !seen_dot => seen_dot = true,
                _ => {
                    fast = false;
                    break;
                }
            }
        }
    }
    if fast && n_digits > 0 && n_digits <= 15 && digits.last() != Some(&b'.') {
        let v = mantissa as f64 / POW10[frac_digits];
        return Some(if neg { -v } else { v });
    }
    // A byte no number has (a status such as `COMPLETED` tested against `>= 500`): not a
    // number, without the standard parser (which would also only accept `inf`/`nan` words
    // here, refused below as not finite).
    if !b
        .iter()
        .all(|c| matches!(c, b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return None;
    }
    let v: f64 = std::str::from_utf8(b).ok()?.parse().ok()?;
    v.is_finite().then_some(v)
}

/// Borrows valid UTF-8 (the parser validated the line, so this is the path taken); the
/// strict check is much cheaper than a lossy decode on short ASCII strings.
#[inline]
pub(crate) fn text_of(b: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}

/// Decodes JSON string escapes. Invalid or lone surrogate `\u` escapes become U+FFFD.
pub fn unescape(b: &[u8]) -> String {
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let Some(rel) = memchr::memchr(b'\\', &b[i..]) else {
            out.extend_from_slice(&b[i..]);
            break;
        };
        out.extend_from_slice(&b[i..i + rel]);
        i += rel + 1;
        let Some(&c) = b.get(i) else { break };
        i += 1;
        let simple = match c {
            b'"' => Some(b'"'),
            b'\\' => Some(b'\\'),
            b'/' => Some(b'/'),
            b'b' => Some(8),
            b'f' => Some(12),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            _ => None,
        };
        if let Some(s) = simple {
            out.push(s);
            continue;
        }
        if c != b'u' {
            out.push(c);
            continue;
        }
        let hex4 = |j: usize| -> Option<u32> {
            let h = b.get(j..j + 4)?;
            u32::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()
        };
        let Some(u) = hex4(i) else {
            out.extend_from_slice("\u{FFFD}".as_bytes());
            continue;
        };
        i += 4;
        let ch = if (0xD800..0xDC00).contains(&u) {
            // High surrogate: needs a following low surrogate.
            if b.get(i..i + 2) == Some(b"\\u") {
                match hex4(i + 2) {
                    Some(lo) if (0xDC00..0xE000).contains(&lo) => {
                        i += 6;
                        char::from_u32(0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00))
                    }
                    _ => None,
                }
            } else {
                None
            }
        } else {
            char::from_u32(u)
        };
        let mut buf = [0u8; 4];
        out.extend_from_slice(ch.unwrap_or('\u{FFFD}').encode_utf8(&mut buf).as_bytes());
    }
    // Input was valid UTF-8 and escapes decode to valid UTF-8.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Extracted raw values, one per slot of the [`FieldSpec`]. Reused line after line.
#[derive(Debug)]
pub struct Fields<'a> {
    vals: Vec<Option<(Raw<'a>, u16)>>,
    /// Bit `i` set if slot `i` (< 64) holds a value: a one-instruction test for matchers.
    present: u64,
    /// The whole text line a structured event's message held, when the message became one part
    /// of it ([`text::Header::whole_line`]: a load balancer's request): catalog patterns read
    /// it as they read a text line.
    line_source: Option<Raw<'a>>,
}

impl<'a> Fields<'a> {
    /// Room for `slots` values.
    pub fn new(slots: usize) -> Fields<'a> {
        Fields {
            vals: vec![None; slots],
            present: 0,
            line_source: None,
        }
    }

    /// Forgets all values.
    #[inline]
    pub fn clear(&mut self) {
        if self.vals.len() > 64 {
            self.vals.iter_mut().for_each(|v| *v = None);
        } else {
            // Only the slots that were set: a line sets a handful of ~30 slots.
            let mut bits = self.present;
            while bits != 0 {
                let i = bits.trailing_zeros() as usize;
                self.vals[i] = None;
                bits &= bits - 1;
            }
        }
        self.present = 0;
        self.line_source = None;
    }

    /// The whole text line a structured event's message held, when its header took only a
    /// part of it as the message (see [`text::Header::whole_line`]).
    #[inline]
    pub fn line_source(&self) -> Option<&Raw<'a>> {
        self.line_source.as_ref()
    }

    /// Bit set of the slots below 64 that hold a value.
    #[inline]
    pub fn present(&self) -> u64 {
        self.present
    }

    /// Empties a slot.
    pub fn unset(&mut self, slot: usize) {
        if let Some(v) = self.vals.get_mut(slot) {
            *v = None;
            if slot < 64 {
                self.present &= !(1 << slot);
            }
        }
    }

    /// Stores a value unless the slot holds one from a higher-priority alias
    /// (a repeated key replaces the earlier value: last one wins).
    #[inline]
    pub fn set(&mut self, slot: u16, prio: u16, raw: Raw<'a>) {
        if let Some(v) = self.vals.get_mut(slot as usize) {
            match v {
                Some((_, p)) if *p < prio => {}
                _ => *v = Some((raw, prio)),
            }
            if slot < 64 {
                self.present |= 1 << slot;
            }
        }
    }

    /// The raw value of a slot and the priority of the alias it came from (the alias's index
    /// plus one for default aliases, 0 for an override).
    #[inline]
    pub fn get_with_prio(&self, slot: usize) -> Option<(&Raw<'a>, u16)> {
        self.vals.get(slot)?.as_ref().map(|(r, p)| (r, *p))
    }

    /// The raw value of a slot. A reference, not a copy: the hot paths read a value where it
    /// lies (a copied `Raw` was stored and reloaded in differently sized pieces, which stalled
    /// store-to-load forwarding on every field condition).
    #[inline]
    pub fn get(&self, slot: usize) -> Option<&Raw<'a>> {
        self.vals.get(slot)?.as_ref().map(|(r, _)| r)
    }
}

/// Gives an event without a level its HTTP status's, as an access log's line has it: 5xx
/// error, 4xx warn, 1xx–3xx info (the first of `slots`, the [`STATUS_FIELDS`], that holds a
/// three-digit status; a number or a string).
#[inline]
fn level_of_status<'a>(out: &mut Fields<'a>, slots: &[u16]) {
    if out.get(Slot::Level as usize).is_some()
        // Serilog's compact JSON (CLEF) leaves `@l` out for Information: it has a level.
        || out
            .get_with_prio(Slot::Time as usize)
            .is_some_and(|(_, prio)| prio == fields::CLEF_TIME_PRIO)
    {
        return;
    }
    let Some(status) = slots.iter().find_map(|&s| match *out.get(s as usize)? {
        Raw::Num(b) | Raw::Str { bytes: b, .. } => Some(b),
        _ => None,
    }) else {
        return;
    };
    let level: &'static [u8] = match status {
        [c, d, e] if d.is_ascii_digit() && e.is_ascii_digit() => match c {
            b'5' => b"ERROR",
            b'4' => b"WARN",
            b'1'..=b'3' => b"INFO",
            _ => return,
        },
        _ => return,
    };
    out.set(
        Slot::Level as u16,
        fields::STATUS_LEVEL_PRIO,
        Raw::Str {
            bytes: level,
            escaped: false,
        },
    );
}

/// An event without a level whose message is a plain-text log line, as Docker's json-file
/// driver (`{"log":"2026-02-06 10:00:00 ERROR [main] a.b.Db: refused\n","stream":…}`) and
/// CloudWatch events of text loggers give them: the line's header ([`text::header`]) gives
/// the level, the logger (when there is no service field), the request id and the duration
/// (when there is none; with `header_ids`, `header_durations`) and the message, its final
/// newline dropped.
#[inline]
fn adopt_message_header<'a>(out: &mut Fields<'a>, header_ids: bool, header_durations: bool) {
    if out.get(Slot::Level as usize).is_some() {
        return;
    }
    let Some(&Raw::Str { bytes, escaped }) = out.get(Slot::Message as usize) else {
        return;
    };
    let h = text::header(bytes);
    let Some(level) = h.level else {
        return;
    };
    // The header's parts end at spaces, brackets and colons, never inside an escape; the
    // message may still hold escapes, and ends with the line's `\n` as written.
    let set = |out: &mut Fields<'a>, slot: Slot, bytes: &'a [u8]| {
        out.set(slot as u16, 0, Raw::Str { bytes, escaped })
    };
    set(out, Slot::Level, level);
    if h.whole_line {
        out.line_source = Some(Raw::Str { bytes, escaped });
    }
    if let Some(service) = h.service {
        if out.get(Slot::Service as usize).is_none() {
            set(out, Slot::Service, service);
        }
    }
    if let Some(id) = h.request_id.filter(|_| header_ids) {
        if out.get(Slot::RequestId as usize).is_none() {
            set(out, Slot::RequestId, id);
        }
    }
    // Celery's `succeeded in 0.25s`, with its unit; a bare number is in ms, as the alias
    // priority 0 (that of `--latency-field`, which turns header durations off) reads it.
    if let Some(duration) = h.duration.filter(|_| header_durations) {
        if out.get(Slot::Duration as usize).is_none() {
            let prio = if h.duration_in_seconds {
                text::SECONDS
            } else {
                0
            };
            out.set(
                Slot::Duration as u16,
                prio,
                Raw::Str {
                    bytes: duration,
                    escaped,
                },
            );
        }
    }
    if let Some(mut message) = h.message {
        if escaped {
            while let Some(m) = message
                .strip_suffix(b"\\n")
                .or_else(|| message.strip_suffix(b"\\r"))
            {
                // A newline only if the backslash before the `n` is not itself escaped: an
                // even run of backslashes before it (the bytes `\\n` are a backslash and a
                // letter n).
                let run = m.iter().rev().take_while(|&&b| b == b'\\').count();
                if run % 2 == 1 {
                    break;
                }
                message = m.trim_ascii_end();
            }
        }
        if !message.is_empty() {
            set(out, Slot::Message, message);
        }
    }
}

/// One parsed line.
#[derive(Debug)]
pub struct Record<'a, 'f> {
    /// The line, without its line terminator.
    pub line: &'a [u8],
    /// How the line was understood.
    pub format: Format,
    /// Extracted fields.
    pub fields: &'f Fields<'a>,
}

impl<'a, 'f> Record<'a, 'f> {
    /// Raw value of a well-known slot.
    #[inline]
    pub fn raw(&self, slot: Slot) -> Option<&'f Raw<'a>> {
        self.fields.get(slot as usize)
    }

    /// Decoded text of a well-known slot.
    pub fn text(&self, slot: Slot) -> Option<Cow<'a, str>> {
        self.raw(slot).map(|r| r.to_text())
    }

    /// Decoded bytes of a well-known slot (no UTF-8 re-validation).
    pub fn bytes(&self, slot: Slot) -> Option<Cow<'a, [u8]>> {
        self.raw(slot).map(|r| r.to_bytes())
    }

    /// Normalised level, if the record has a recognisable one. Serilog's compact JSON (CLEF,
    /// its time in `@t`) leaves `@l` out for Information: such an event is `info`. The
    /// journal's `PRIORITY` is a syslog severity.
    pub fn level(&self) -> Option<Level> {
        let Some((raw, prio)) = self.fields.get_with_prio(Slot::Level as usize) else {
            let clef = self
                .fields
                .get_with_prio(Slot::Time as usize)
                .is_some_and(|(_, prio)| prio == fields::CLEF_TIME_PRIO);
            return clef.then_some(Level::Info);
        };
        if prio == fields::SYSLOG_SEVERITY_PRIO {
            return match raw {
                Raw::Str { bytes: [d], .. } | Raw::Num([d]) => {
                    Level::from_syslog_severity(d.wrapping_sub(b'0'))
                }
                _ => None,
            };
        }
        match raw {
            Raw::Str { bytes, .. } => {
                let word = bytes.trim_ascii();
                Level::from_word(word).or_else(|| Level::from_field(word))
            }
            r @ Raw::Num(_) => Level::from_number(r.to_f64()?),
            _ => None,
        }
    }

    /// Event time in microseconds since the epoch, UTC.
    pub fn time_us(&self) -> Option<i64> {
        match self.raw(Slot::Time)? {
            Raw::Str { bytes, .. } => time::parse_text(bytes),
            r @ Raw::Num(_) => time::from_epoch_number(r.to_f64()?),
            _ => None,
        }
    }

    /// [`Record::time_us`] with a per-thread cache of the last minute seen.
    #[inline]
    pub fn time_us_cached(&self, cache: &mut time::TimeCache) -> Option<i64> {
        match self.raw(Slot::Time)? {
            Raw::Str { bytes, .. } => cache.parse_text(bytes),
            r @ Raw::Num(_) => time::from_epoch_number(r.to_f64()?),
            _ => None,
        }
    }
}

/// What [`Parser::parse`] made of a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parsed {
    /// A record of this format; fields are filled.
    Record(Format),
    /// The line looks structured (JSON) but does not parse, or is not valid UTF-8. Still offered
    /// to text matching by the caller.
    Malformed,
}

/// What a line says without its wrapper, a part at its end: the JSON object of a CloudWatch
/// export line (`<time> {…}`), the application's line in a container runtime's line
/// (`<time> stdout F <line>`), otherwise the whole line. CloudWatch filter patterns match it.
pub fn event_part(line: &[u8]) -> &[u8] {
    if line.first().is_some_and(u8::is_ascii_digit) {
        if let Some((_, used)) = time::parse_rfc3339_prefix(line) {
            let rest = &line[used..];
            if rest.first() == Some(&b' ') {
                let payload = rest.trim_ascii_start();
                if let Some(inner) = text::cri_stream(payload) {
                    return inner;
                }
                if payload.first() == Some(&b'{') {
                    return payload;
                }
            }
        }
    }
    line
}

/// The JSON object of a line that wraps one: a CloudWatch export's `<time> {…}` or a container
/// runtime's `<time> stdout F {…}` (not the logfmt pairs such a line may hold instead).
pub fn wrapped_json(line: &[u8]) -> Option<&[u8]> {
    let part = event_part(line);
    (part.len() < line.len() && part.starts_with(b"{")).then_some(part)
}

/// Detects the format of a line and fills [`Fields`].
#[derive(Clone, Debug)]
pub struct Parser {
    spec: FieldSpec,
    /// A JSON event without a level takes one from its message's header (see
    /// [`Parser::without_message_headers`]).
    message_headers: bool,
    /// A text header's request id fills the slot, unless `--request-id-field` names the one
    /// field to read.
    header_ids: bool,
    /// A JSON event's message header's duration fills the slot, unless `--latency-field`
    /// names the one field to read.
    header_durations: bool,
    /// The slots of [`STATUS_FIELDS`]: an event without a level takes its HTTP status's
    /// ([`level_of_status`]), unless `--level-field` names the one field to read.
    status_slots: Box<[u16]>,
}

/// The fields an HTTP status is read from for an event without a level: nginx's and Envoy's
/// JSON access logs, OpenTelemetry's and ECS's names, Traefik's.
pub const STATUS_FIELDS: [&str; 8] = [
    "status",
    "status_code",
    "statusCode",
    "http.status",
    "http.status_code",
    "http.response.status_code",
    "response_code",
    "DownstreamStatus",
];

impl Parser {
    /// A parser extracting the fields of `spec`.
    pub fn new(mut spec: FieldSpec) -> Parser {
        let status_slots = match spec.is_overridden(Slot::Level) {
            true => Box::default(),
            false => STATUS_FIELDS.iter().map(|f| spec.extra_slot(f)).collect(),
        };
        Parser {
            header_ids: !spec.is_overridden(Slot::RequestId),
            header_durations: !spec.is_overridden(Slot::Duration),
            spec,
            message_headers: true,
            status_slots,
        }
    }

    /// What a JSON or logfmt event without a level field takes from elsewhere: its message's
    /// header's level (and logger, request id, duration, message), else its HTTP status's level.
    #[inline]
    fn adopt_levels<'a>(&self, out: &mut Fields<'a>) {
        if self.message_headers && out.get(Slot::Level as usize).is_none() {
            adopt_message_header(out, self.header_ids, self.header_durations);
            level_of_status(out, &self.status_slots);
        }
    }

    /// The parser as it was before a JSON event without a level field took the level, logger
    /// and message from its message's header (Docker's json-file lines): to read logs alike
    /// with a report written then.
    pub fn without_message_headers(mut self) -> Parser {
        self.message_headers = false;
        self
    }

    /// The field spec in use.
    pub fn spec(&self) -> &FieldSpec {
        &self.spec
    }

    /// The newest timestamp among the lines of `text` (split at `\n`, a trailing `\r` taken
    /// off), as [`Record::time_us`] reads them; lines that do not parse are passed over.
    pub fn newest_time(&self, text: &[u8]) -> Option<i64> {
        let mut fields = Fields::new(self.spec.slot_count());
        let mut newest = None;
        for line in text.split(|&b| b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if let Parsed::Record(format) = self.parse(line, &mut fields) {
                let rec = Record {
                    line,
                    format,
                    fields: &fields,
                };
                newest = newest.max(rec.time_us());
            }
        }
        newest
    }

    /// The timestamp of the last line of `text` that has one (lines split at `\n`, a trailing
    /// `\r` taken off; lines that do not parse are passed over): the event that the untimed
    /// lines right after `text` belong to (see [`time::Follow`]).
    pub fn last_time(&self, text: &[u8]) -> Option<i64> {
        let mut fields = Fields::new(self.spec.slot_count());
        text.rsplit(|&b| b == b'\n').find_map(|line| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            match self.parse(line, &mut fields) {
                Parsed::Record(format) => Record {
                    line,
                    format,
                    fields: &fields,
                }
                .time_us(),
                Parsed::Malformed => None,
            }
        })
    }

    /// Parses one line (without its terminator) into `out`, which is cleared first.
    pub fn parse<'a>(&self, line: &'a [u8], out: &mut Fields<'a>) -> Parsed {
        if simdutf8::basic::from_utf8(line).is_err() {
            out.clear();
            return Parsed::Malformed;
        }
        self.parse_valid_utf8(line, out)
    }

    /// [`Parser::parse`] for a line the caller has already checked to be valid UTF-8 (the
    /// pipeline validates whole chunks at once, which is much cheaper than line by line).
    /// Passing invalid UTF-8 is not unsafe, but such a line is then not reported malformed.
    pub fn parse_valid_utf8<'a>(&self, line: &'a [u8], out: &mut Fields<'a>) -> Parsed {
        let parsed = self.parse_fields(line, out);
        drop_void_request_id(out);
        parsed
    }

    /// [`Parser::parse_valid_utf8`] but for the request ids that name no request.
    #[inline]
    fn parse_fields<'a>(&self, line: &'a [u8], out: &mut Fields<'a>) -> Parsed {
        out.clear();
        let header_ids = self.header_ids;
        let start = line
            .iter()
            .position(|b| !matches!(b, b' ' | b'\t'))
            .unwrap_or(line.len());
        let body = &line[start..];
        match body.first() {
            Some(b'{') => {
                if json::scan_line(body, &self.spec, out) {
                    self.adopt_levels(out);
                    return Parsed::Record(Format::Json);
                }
                out.clear();
                return Parsed::Malformed;
            }
            Some(b'0'..=b'9') => {
                // CloudWatch export: `<RFC3339> <json>`; a container runtime's line:
                // `<RFC3339> stdout F <json or logfmt>`. The leading time is the event's when
                // the event has none.
                if let Some((_, used)) = time::parse_rfc3339_prefix(body) {
                    let rest = &body[used..];
                    if rest.first() == Some(&b' ') {
                        let payload = rest.trim_ascii_start();
                        if let Some(src) =
                            text::heroku_source(payload).filter(|_| self.message_headers)
                        {
                            match self.heroku_line(src, out) {
                                Some(Parsed::Record(format)) => {
                                    set_outer_time(out, &body[..used]);
                                    return Parsed::Record(format);
                                }
                                Some(Parsed::Malformed) => return Parsed::Malformed,
                                // The application's text line: read below.
                                None => {}
                            }
                        }
                        let (payload, format) = match text::cri_stream(payload) {
                            Some(inner) => (inner, Format::Cri),
                            None => (payload, Format::CloudWatch),
                        };
                        let parsed = match payload.first() {
                            Some(b'{') => {
                                if !json::scan_line(payload, &self.spec, out) {
                                    out.clear();
                                    return Parsed::Malformed;
                                }
                                self.adopt_levels(out);
                                true
                            }
                            // Only in a runtime's line: a CloudWatch export of a logfmt logger
                            // is read as text, as it always was.
                            Some(_) if format == Format::Cri => {
                                if logfmt::parse(payload, &self.spec, out) {
                                    if self.message_headers {
                                        level_of_status(out, &self.status_slots);
                                    }
                                    true
                                } else {
                                    out.clear();
                                    false
                                }
                            }
                            _ => false,
                        };
                        if parsed {
                            set_outer_time(out, &body[..used]);
                            return Parsed::Record(format);
                        }
                    }
                }
            }
            _ => {}
        }
        if logfmt::parse(body, &self.spec, out) {
            if self.message_headers {
                level_of_status(out, &self.status_slots);
            }
            return Parsed::Record(Format::Logfmt);
        }
        out.clear();
        text::parse(body, out, header_ids);
        Parsed::Record(Format::Text)
    }
}

/// True for a request id that names no request: empty, `-`, `null`, `undefined`, or zeros
/// (OpenTelemetry's invalid trace id `000…0`, the nil UUID). Loggers write these for the events
/// outside a request; taken as ids, they would gather unrelated events into one trace.
pub fn is_void_id(id: &[u8]) -> bool {
    matches!(id, b"null" | b"undefined" | b"None") || id.iter().all(|&b| b == b'0' || b == b'-')
}

/// Empties the request id slot when it names no request ([`is_void_id`]; JSON's `null`).
#[inline]
fn drop_void_request_id(out: &mut Fields<'_>) {
    let void = match out.get(Slot::RequestId as usize) {
        None => return,
        Some(Raw::Null) => true,
        Some(Raw::Str { bytes, .. } | Raw::Num(bytes)) => is_void_id(bytes),
        Some(_) => false,
    };
    if void {
        out.unset(Slot::RequestId as usize);
    }
}

/// The time before an event (a CloudWatch export's, a container runtime's, Heroku's) is the
/// event's when it has none of its own.
fn set_outer_time<'a>(out: &mut Fields<'a>, time: &'a [u8]) {
    if out.get(Slot::Time as usize).is_none() {
        out.set(
            Slot::Time as u16,
            u16::MAX,
            Raw::Str {
                bytes: time,
                escaped: false,
            },
        );
    }
}

impl Parser {
    /// A line of Heroku's log after its time: an application's JSON event, or the router's
    /// `key=value` pairs, the dyno the service when the event names none. `None` (`out`
    /// clear) for a text line, or a JSON-looking one that does not parse.
    fn heroku_line<'a>(&self, src: text::HerokuSource<'a>, out: &mut Fields<'a>) -> Option<Parsed> {
        let str_raw = |bytes| Raw::Str {
            bytes,
            escaped: false,
        };
        let format = match src.body.first() {
            // An application's text may start with a brace too (a Ruby hash): it is read as
            // text then.
            Some(b'{') => {
                if !json::scan_line(src.body, &self.spec, out) {
                    out.clear();
                    return None;
                }
                self.adopt_levels(out);
                Format::Json
            }
            _ if src.router => {
                if !logfmt::parse(src.body, &self.spec, out) {
                    out.clear();
                    return None;
                }
                let services = !self.spec.is_overridden(Slot::Service);
                heroku_router(src.body, out, self.header_durations, services);
                Format::Logfmt
            }
            _ => return None,
        };
        if out.get(Slot::Service as usize).is_none() && !self.spec.is_overridden(Slot::Service) {
            out.set(Slot::Service as u16, u16::MAX, str_raw(src.dyno));
        }
        Some(Parsed::Record(format))
    }
}

/// Heroku's router line (`at=info method=GET path="/" host=… request_id=… fwd="…" dyno=web.1
/// connect=1ms service=18ms status=200 bytes=…`), read as logfmt, set right: `at` is the level,
/// `service` the time the dyno took to answer (the request's duration: not a service's name),
/// the dyno that answered the service, and an error's `desc` (`Request timeout`) its message.
/// `durations`, `services`: whether the duration and service slots take what the router says
/// (not when `--latency-field`, `--service-field` name the one field to read).
fn heroku_router<'a>(body: &'a [u8], out: &mut Fields<'a>, durations: bool, services: bool) {
    let set = |out: &mut Fields<'a>, slot: Slot, bytes: &'a [u8]| {
        out.set(
            slot as u16,
            0,
            Raw::Str {
                bytes,
                escaped: false,
            },
        )
    };
    if let Some(at) = text::kv_value(body, &[b"at"]) {
        if out.get(Slot::Level as usize).is_none() && Level::from_word(at).is_some() {
            set(out, Slot::Level, at);
        }
    }
    // The router's pairs name no service: `service` is a time.
    if services {
        out.unset(Slot::Service as usize);
    }
    if let Some(service) = text::kv_value(body, &[b"service"]) {
        if durations && out.get(Slot::Duration as usize).is_none() {
            set(out, Slot::Duration, service);
        }
    }
    if let Some(dyno) = text::kv_value(body, &[b"dyno"]).filter(|_| services) {
        if out.get(Slot::Service as usize).is_none() {
            set(out, Slot::Service, dyno);
        }
    }
    if let Some(desc) = text::kv_value(body, &[b"desc"]) {
        if out.get(Slot::Message as usize).is_none() {
            set(out, Slot::Message, desc);
        }
    }
}

/// The time of the last timed line before a line of a chunk: the event that a line without a
/// time belongs to, which a window places it by (see [`time::Follow`], the same rule for a
/// caller that sees every line in order). The lines asked about only move forward, so each
/// line is read at most once, however many lines the caller passed over.
pub struct PrecedingTime<'c> {
    /// The chunk's lines.
    data: &'c [u8],
    /// Lines before the chunk.
    context: &'c [u8],
    /// The lines before this offset are accounted for in `time`.
    at: usize,
    /// The last time found; `None` before anything was looked at.
    time: Option<Option<i64>>,
    /// The time of the last timed line the caller analysed in this chunk ([`Self::note`]).
    noted: Option<i64>,
}

impl<'c> PrecedingTime<'c> {
    /// Before anything in `data` (a chunk's lines) was looked at; `context` holds the lines
    /// before the chunk ([`Chunk::context`](crate::source::chunk::Chunk::context)).
    pub fn new(data: &'c [u8], context: &'c [u8]) -> Self {
        PrecedingTime {
            data,
            context,
            at: 0,
            time: None,
            noted: None,
        }
    }

    /// Records the time of a timed line as it is analysed, so that [`Self::of_untimed`] need
    /// not look back for the lines after it.
    #[inline]
    pub fn note(&mut self, time: i64) {
        self.noted = Some(time);
    }

    /// The time of the event an untimed `line` goes with: the last timed line's, noted as the
    /// chunk was analysed, or looked up before the chunk ([`Self::place`]) for its first lines.
    pub fn of_untimed(&mut self, parser: &Parser, line: &[u8]) -> Option<i64> {
        match self.noted {
            Some(t) => Some(t),
            None => self.place(parser, line, None),
        }
    }

    /// Where `line`, a part of `data`, starts in it.
    fn offset(&self, line: &[u8]) -> Option<usize> {
        (line.as_ptr() as usize)
            .checked_sub(self.data.as_ptr() as usize)
            .filter(|&o| o <= self.data.len())
    }

    /// The time a window places `line` (a part of `data`, after the lines asked about before)
    /// by: its own `time`, or if it has none the time of the last timed line before it.
    pub fn place(&mut self, parser: &Parser, line: &[u8], time: Option<i64>) -> Option<i64> {
        if let Some(t) = time {
            if let Some(start) = self.offset(line) {
                self.at = start + line.len();
                self.time = Some(Some(t));
            }
            return Some(t);
        }
        let start = self.offset(line).unwrap_or(self.at);
        let from = self.at.min(start);
        let t = match parser.last_time(&self.data[from..start]) {
            Some(t) => Some(t),
            None => *self
                .time
                .get_or_insert_with(|| parser.last_time(self.context)),
        };
        self.at = start;
        self.time = Some(t);
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> (Parsed, Option<Level>, Option<String>, Option<i64>) {
        let p = Parser::new(FieldSpec::with_defaults());
        let mut f = Fields::new(p.spec().slot_count());
        let r = p.parse(line.as_bytes(), &mut f);
        let rec = Record {
            line: line.as_bytes(),
            format: Format::Text,
            fields: &f,
        };
        (
            r,
            rec.level(),
            rec.text(Slot::Message).map(|c| c.into_owned()),
            rec.time_us(),
        )
    }

    #[test]
    fn heroku_lines_are_read_behind_their_source() {
        let p = Parser::new(FieldSpec::with_defaults());
        let mut f = Fields::new(p.spec().slot_count());
        let mut read = |line: &'static str| {
            let parsed = p.parse(line.as_bytes(), &mut f);
            let get = |slot: Slot| {
                f.get(slot as usize)
                    .map(|r| String::from_utf8_lossy(&r.to_bytes()).into_owned())
            };
            (
                parsed,
                [
                    get(Slot::Level),
                    get(Slot::Service),
                    get(Slot::Duration),
                    get(Slot::Message),
                    get(Slot::RequestId),
                ],
                f.get(Slot::Time as usize).is_some(),
            )
        };
        let s = |v: &str| Some(v.to_string());
        let router = "2026-02-06T10:00:02.123456+00:00 heroku[router]: at=error code=H12 desc=\"Request timeout\" method=GET path=\"/slow\" request_id=r1 dyno=web.1 connect=0ms service=30000ms status=503";
        assert_eq!(
            read(router),
            (
                Parsed::Record(Format::Logfmt),
                [
                    s("error"),
                    s("web.1"),
                    s("30000ms"),
                    s("Request timeout"),
                    s("r1")
                ],
                true
            )
        );
        // Without a dyno (H10), the router is the service; `service=` is never a name.
        let (parsed, fields, _) = read("2026-02-06T10:00:07Z heroku[router]: at=error code=H10 desc=\"App crashed\" dyno= connect= service= status=503");
        assert_eq!(parsed, Parsed::Record(Format::Logfmt));
        assert_eq!(fields[0], s("error"));
        assert_eq!(fields[1], s("router"));
        assert_eq!(fields[2], None);
        let (parsed, fields, time) =
            read("2026-02-06T10:00:03Z app[web.1]: {\"level\":\"warn\",\"msg\":\"slow\"}");
        assert_eq!(parsed, Parsed::Record(Format::Json));
        assert_eq!(fields, [s("warn"), s("web.1"), None, s("slow"), None]);
        assert!(time, "the outer time, the event having none");
        assert_eq!(
            read("2026-02-06T10:00:03Z app[web.1]: {:a=>1}").0,
            Parsed::Record(Format::Text)
        );
        // Text: the application's header is read behind the source.
        let (parsed, fields, _) = read(
            "2026-02-06T10:00:04Z app[worker.1]: 2026-02-06 10:00:04 ERROR [main] a.b.Db: refused",
        );
        assert_eq!(parsed, Parsed::Record(Format::Text));
        assert_eq!(fields[0], s("ERROR"));
        assert_eq!(fields[1], s("a.b.Db"));
        assert_eq!(fields[3], s("refused"));
        let (_, fields, _) =
            read("2026-02-06T10:00:05Z heroku[web.1]: Error R14 (Memory quota exceeded)");
        assert_eq!(fields[..2], [s("ERROR"), s("web.1")]);
        assert_eq!(fields[3], s("Error R14 (Memory quota exceeded)"));
        // Not Heroku's: another word before the bracket, no dyno, no colon.
        for line in [
            "2026-02-06T10:00:05Z apps[web.1]: at=info service=18ms dyno=web.1",
            "2026-02-06T10:00:05Z app[]: at=info service=18ms",
            "2026-02-06T10:00:05Z heroku[router] at=info service=18ms",
            "2026-02-06T10:00:05Z app[1234]: at=info service=18ms",
        ] {
            let (parsed, fields, _) = read(line);
            assert_eq!(parsed, Parsed::Record(Format::Text), "{line}");
            assert_eq!(fields[2], None, "{line}");
        }
    }

    #[test]
    fn the_newest_time_is_the_latest_of_any_format_not_the_last_line() {
        let p = Parser::new(FieldSpec::with_defaults());
        let text = concat!(
            "{\"ts\":\"2026-02-06T10:00:05Z\",\"msg\":\"a\"}\r\n",
            "2026-02-06 10:00:07,000 ERROR late but plain text\n",
            "{\"ts\":\"2026-02-06T10:00:06Z\",\"msg\":\"out of order\"}\n",
            "{\"ts\":\"not a time\"\n",
            "    at a.stack.Frame(Frame.java:1)\n",
        );
        let want = time::parse_rfc3339(b"2026-02-06T10:00:07Z").unwrap();
        assert_eq!(p.newest_time(text.as_bytes()), Some(want));
        assert_eq!(p.newest_time(b"no time here\n\n"), None);
        assert_eq!(p.newest_time(b""), None);
        // The last timed line, not the newest: the out-of-order event, past the broken event
        // and the stack frame after it.
        let want = time::parse_rfc3339(b"2026-02-06T10:00:06Z").unwrap();
        assert_eq!(p.last_time(text.as_bytes()), Some(want));
        assert_eq!(p.last_time(b"no time here\n\n"), None);
        assert_eq!(p.last_time(b""), None);
    }

    #[test]
    fn a_json_events_text_line_gives_its_level_logger_and_message() {
        let docker = r#"{"log":"2026-02-06 10:00:00,100 ERROR [main] com.shop.Db: refused \"db\"\n","stream":"stderr","time":"2026-02-06T10:00:00.123456789Z"}"#;
        let (parsed, level, message, time) = parse(docker);
        assert_eq!(parsed, Parsed::Record(Format::Json));
        assert_eq!(level, Some(Level::Error));
        assert_eq!(message.as_deref(), Some(r#"refused "db""#));
        assert!(time.is_some());
        let p = Parser::new(FieldSpec::with_defaults());
        let mut f = Fields::new(p.spec().slot_count());
        p.parse(docker.as_bytes(), &mut f);
        assert_eq!(
            f.get(Slot::Service as usize)
                .map(|r| r.to_text().into_owned()),
            Some("com.shop.Db".into())
        );
        // A Celery task's line: its id and its run time, unless the flags name other fields.
        let celery = r#"{"log":"[2026-02-06 10:00:04,500: INFO/ForkPoolWorker-2] Task tasks.ping[6f1b2c3d-1111-2222-3333-444455556666] succeeded in 0.25s: None\n","stream":"stderr"}"#;
        let slot = |spec: FieldSpec, slot: Slot| {
            let p = Parser::new(spec);
            let mut f = Fields::new(p.spec().slot_count());
            p.parse(celery.as_bytes(), &mut f);
            f.get(slot as usize).map(|r| r.to_text().into_owned())
        };
        let d = FieldSpec::with_defaults;
        assert_eq!(slot(d(), Slot::Duration), Some("0.25s".into()));
        assert_eq!(
            slot(d(), Slot::RequestId),
            Some("6f1b2c3d-1111-2222-3333-444455556666".into())
        );
        let mut spec = d();
        spec.override_slot(Slot::Duration, "took");
        assert_eq!(slot(spec, Slot::Duration), None);
        let mut spec = d();
        spec.override_slot(Slot::RequestId, "rid");
        assert_eq!(slot(spec, Slot::RequestId), None);
        // A level field wins and the message stays whole; a message without a header level
        // stays whole; an escaped backslash before an `n` is not a newline.
        for (line, want) in [
            (
                r#"{"level":"info","msg":"WARN: disk at 91%"}"#,
                "WARN: disk at 91%",
            ),
            (r#"{"log":"listening on :8080\n"}"#, "listening on :8080\n"),
            (r#"{"msg":"ERROR path C:\\n"}"#, r"path C:\n"),
        ] {
            assert_eq!(parse(line).2.as_deref(), Some(want), "{line}");
        }
    }

    #[test]
    fn detects_each_format() {
        assert_eq!(
            parse(r#"{"level":"info","msg":"hi"}"#).0,
            Parsed::Record(Format::Json)
        );
        let cw = parse(r#"2026-02-06T10:00:00.000Z {"level":"warn","msg":"hi"}"#);
        assert_eq!(cw.0, Parsed::Record(Format::CloudWatch));
        assert_eq!(cw.1, Some(Level::Warn));
        assert!(
            cw.3.is_some(),
            "export timestamp is used when the payload has none"
        );
        let lf = parse(r#"ts=2026-02-06T10:00:00Z level=error msg="db down" request_id=r1"#);
        assert_eq!(lf.0, Parsed::Record(Format::Logfmt));
        assert_eq!(lf.2.as_deref(), Some("db down"));
        let tx = parse("2026-02-06 10:01:28.020 [warn] worker 64 exited");
        assert_eq!(tx.0, Parsed::Record(Format::Text));
        assert_eq!(tx.1, Some(Level::Warn));
        assert!(tx.3.is_some());
    }

    #[test]
    fn reads_the_event_in_a_container_runtimes_line() {
        // JSON: its own time wins over the runtime's.
        let line = r#"2026-02-06T10:00:00.123456789Z stderr F {"level":"error","ts":"2026-02-06T09:59:59.5Z","msg":"boom"}"#;
        let (parsed, level, message, time) = parse(line);
        assert_eq!(parsed, Parsed::Record(Format::Cri));
        assert_eq!(
            (level, message.as_deref()),
            (Some(Level::Error), Some("boom"))
        );
        assert_eq!(time, parse("2026-02-06T09:59:59.5Z x").3);
        assert_eq!(
            wrapped_json(line.as_bytes()),
            Some(&br#"{"level":"error","ts":"2026-02-06T09:59:59.5Z","msg":"boom"}"#[..])
        );
        // Without one, the runtime's time is the event's.
        let (parsed, _, _, time) = parse(r#"2026-02-06T10:00:00.123456789Z stdout F {"msg":"hi"}"#);
        assert_eq!(parsed, Parsed::Record(Format::Cri));
        assert_eq!(time, parse("2026-02-06T10:00:00.123456Z x").3);
        // logfmt pairs are an event too.
        let line = "2026-02-06T10:00:00Z stdout F level=warn msg=\"slow {x}\" duration_ms=900";
        let (parsed, level, message, time) = parse(line);
        assert_eq!(parsed, Parsed::Record(Format::Cri));
        assert_eq!(
            (level, message.as_deref()),
            (Some(Level::Warn), Some("slow {x}"))
        );
        assert!(time.is_some());
        assert_eq!(wrapped_json(line.as_bytes()), None);
        // An application's text line stays text, read after the runtime's prefix.
        let (parsed, level, message, _) = parse(
            "2026-02-06T10:00:00Z stdout F 2026-02-06 10:00:00,100 ERROR [main] a.B: refused",
        );
        assert_eq!(parsed, Parsed::Record(Format::Text));
        assert_eq!(
            (level, message.as_deref()),
            (Some(Level::Error), Some("refused"))
        );
        // A JSON line cut in parts (`P`, a line longer than the runtime's buffer) or broken
        // is malformed, as a bare one is.
        assert_eq!(
            parse(r#"2026-02-06T10:00:00Z stdout P {"level":"info","msg":"par"#).0,
            Parsed::Malformed
        );
        // Not a runtime's stream and tag: an export line's text.
        assert_eq!(
            parse("2026-02-06T10:00:00Z stdin F a=1 b=2").0,
            Parsed::Record(Format::Text)
        );
    }

    #[test]
    fn malformed_lines() {
        assert_eq!(parse(r#"{"level":"info","msg":"tru"#).0, Parsed::Malformed);
        assert_eq!(
            parse(r#"2026-02-06T10:00:00Z {"level":"#).0,
            Parsed::Malformed
        );
        let p = Parser::new(FieldSpec::with_defaults());
        let mut f = Fields::new(p.spec().slot_count());
        assert_eq!(
            p.parse(b"{\"msg\":\"\xff\xfe\"}", &mut f),
            Parsed::Malformed
        );
    }

    #[test]
    fn levels_from_numbers_and_words() {
        assert_eq!(parse(r#"{"level":50,"msg":"x"}"#).1, Some(Level::Error));
        assert_eq!(
            parse(r#"{"level":"WARNING","msg":"x"}"#).1,
            Some(Level::Warn)
        );
        assert_eq!(
            parse(r#"{"severity":"CRITICAL","msg":"x"}"#).1,
            Some(Level::Fatal)
        );
        assert_eq!(parse(r#"{"level":"loud","msg":"x"}"#).1, None);
        // GELF: a syslog severity, and its short message.
        let (_, level, message, time) = parse(
            r#"{"version":"1.1","host":"h","short_message":"disk full","timestamp":1770372000.5,"level":3}"#,
        );
        assert_eq!(level, Some(Level::Error));
        assert_eq!(message.as_deref(), Some("disk full"));
        assert_eq!(time, Some(1_770_372_000_500_000));
        assert_eq!(parse(r#"{"level":7,"msg":"x"}"#).1, Some(Level::Debug));
        assert_eq!(parse(r#"{"level":0,"msg":"x"}"#).1, Some(Level::Fatal));
        assert_eq!(parse(r#"{"level":8,"msg":"x"}"#).1, None);
        assert_eq!(parse(r#"{"level":3.5,"msg":"x"}"#).1, None);
        assert_eq!(parse(r#"{"level":-1,"msg":"x"}"#).1, None);
        assert_eq!(parse(r#"{"level":30.0,"msg":"x"}"#).1, Some(Level::Info));
    }

    /// The text of `slot` in `line`, parsed with the default aliases.
    fn field_text(line: &str, slot: Slot) -> Option<String> {
        let p = Parser::new(FieldSpec::with_defaults());
        let mut f = Fields::new(p.spec().slot_count());
        p.parse(line.as_bytes(), &mut f);
        f.get(slot as usize).map(|r| r.to_text().into_owned())
    }

    #[test]
    fn slog_ecs_and_google_cloud_fields_are_read() {
        let get = field_text;
        // Go's slog with AddSource: the source's file, not the object.
        let slog = r#"{"level":"ERROR","msg":"x","source":{"function":"main.f","file":"/app/main.go","line":42}}"#;
        assert_eq!(get(slog, Slot::Caller).as_deref(), Some("/app/main.go"));
        assert_eq!(
            get(r#"{"msg":"x","source":"db.go:12"}"#, Slot::Caller).as_deref(),
            Some("db.go:12")
        );
        // ECS: the logger.
        let ecs = r#"{"log.level":"error","message":"x","log.logger":"com.shop.Db"}"#;
        assert_eq!(get(ecs, Slot::Service).as_deref(), Some("com.shop.Db"));
        // Google Cloud Logging: the request's latency and the trace.
        let gcp = r#"{"severity":"ERROR","message":"x","httpRequest":{"status":500,"latency":"1.250s"},"logging.googleapis.com/trace":"projects/p/traces/abc"}"#;
        assert_eq!(get(gcp, Slot::Duration).as_deref(), Some("1.250s"));
        assert_eq!(
            get(gcp, Slot::RequestId).as_deref(),
            Some("projects/p/traces/abc")
        );
    }

    #[test]
    fn request_ids_that_name_no_request_are_none() {
        let id = |line: &str| field_text(line, Slot::RequestId);
        for void in [
            r#""request_id":"""#,
            r#""request_id":null"#,
            r#""request_id":"-""#,
            r#""trace_id":"00000000000000000000000000000000""#,
            r#""requestId":"00000000-0000-0000-0000-000000000000""#,
            r#""reqId":0"#,
        ] {
            assert_eq!(id(&format!(r#"{{"msg":"x",{void}}}"#)), None, "{void}");
        }
        assert_eq!(id("level=info msg=x request_id=null"), None);
        assert_eq!(
            id(r#"{"msg":"x","trace_id":"00000000000000000000000000000001"}"#).as_deref(),
            Some("00000000000000000000000000000001")
        );
        assert_eq!(id(r#"{"msg":"x","reqId":10}"#).as_deref(), Some("10"));
    }

    #[test]
    fn level_words_of_winston_and_slog_levels_between_names() {
        let level = |line: &str| parse(line).1;
        assert_eq!(
            level(r#"{"level":"http","message":"x"}"#),
            Some(Level::Info)
        );
        assert_eq!(
            level(r#"{"level":"silly","message":"x"}"#),
            Some(Level::Trace)
        );
        assert_eq!(
            level(r#"{"level":"ERROR+2","msg":"x"}"#),
            Some(Level::Error)
        );
        assert_eq!(level(r#"{"level":"WARN-1","msg":"x"}"#), Some(Level::Warn));
        assert_eq!(
            level(r#"{"level":"DEBUG-4","msg":"x"}"#),
            Some(Level::Debug)
        );
        for none in ["ERROR+", "ERROR+x", "+2", "shiny"] {
            assert_eq!(level(&format!(r#"{{"level":"{none}","msg":"x"}}"#)), None);
        }
        // Words of a text line stay words: `http:` is Go's HTTP server, no level.
        assert_eq!(Level::from_word(b"http"), None);
    }

    #[test]
    fn library_specific_keys_are_read() {
        let get = field_text;
        // An error object whole (the catalog reads its code and type too: pino, bunyan); the
        // stack trace alone (logstash-logback-encoder, python-json-logger, winston).
        let pino = r#"{"level":50,"msg":"failed","err":{"type":"Error","message":"socket hang up","code":"ECONNRESET"}}"#;
        assert!(get(pino, Slot::Error).is_some_and(|e| e.contains("ECONNRESET")));
        let logstash = r#"{"@timestamp":"2026-02-06T10:00:00Z","level":"ERROR","message":"failed","stack_trace":"java.net.SocketTimeoutException: Read timed out"}"#;
        assert_eq!(
            get(logstash, Slot::Error).as_deref(),
            Some("java.net.SocketTimeoutException: Read timed out")
        );
        // log4j2's JsonLayout: its `instant` and its thread context's request id.
        let log4j2 = r#"{"instant":{"epochSecond":1770372003,"nanoOfSecond":250000000},"level":"ERROR","loggerName":"com.acme.Api","message":"failed","contextMap":{"requestId":"j-1"}}"#;
        assert_eq!(get(log4j2, Slot::RequestId).as_deref(), Some("j-1"));
        assert_eq!(parse(log4j2).3, Some(1_770_372_003_000_000));
        // Serilog's request logging and its trace id; Powertools' request id.
        let serilog = r#"{"@t":"2026-02-06T10:00:00Z","@mt":"HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0000} ms","Elapsed":2501.337,"@tr":"4bf92f3577b34da6a3ce929d0e0e4736"}"#;
        assert_eq!(get(serilog, Slot::Duration).as_deref(), Some("2501.337"));
        assert_eq!(
            get(serilog, Slot::RequestId).as_deref(),
            Some("4bf92f3577b34da6a3ce929d0e0e4736")
        );
        let powertools = r#"{"level":"INFO","message":"x","function_request_id":"c6af9ac6-7b61-11e6-9a41-93e8deadbeef"}"#;
        assert_eq!(
            get(powertools, Slot::RequestId).as_deref(),
            Some("c6af9ac6-7b61-11e6-9a41-93e8deadbeef")
        );
    }

    #[test]
    fn an_event_without_a_level_takes_its_http_statuss() {
        let level = |line: &str| parse(line).1;
        // nginx's JSON access log (`escape=json`): the status a string, the request line the
        // message, `$time_local` the time.
        let (parsed, lvl, msg, time) = parse(
            r#"{"time_local":"06/Feb/2026:14:00:03 +0000","request":"POST /v1/orders HTTP/1.1","status":"502","request_time":"1.503"}"#,
        );
        assert_eq!(parsed, Parsed::Record(Format::Json));
        assert_eq!(lvl, Some(Level::Error));
        assert_eq!(msg.as_deref(), Some("POST /v1/orders HTTP/1.1"));
        assert_eq!(time, time::parse_rfc3339(b"2026-02-06T14:00:03Z"));
        assert_eq!(level(r#"{"status":404}"#), Some(Level::Warn));
        assert_eq!(level(r#"{"http":{"status_code":201}}"#), Some(Level::Info));
        assert_eq!(level(r#"{"response_code":503}"#), Some(Level::Error));
        assert_eq!(level("method=GET path=/x status=404"), Some(Level::Warn));
        // A level field wins, and so does CLEF's implicit Information; a status that is no HTTP
        // status gives none.
        assert_eq!(level(r#"{"level":"info","status":500}"#), Some(Level::Info));
        assert_eq!(
            level(
                r#"{"@t":"2026-02-06T10:00:00Z","@mt":"HTTP {Path} responded {status}","status":404}"#
            ),
            Some(Level::Info)
        );
        for line in [
            r#"{"status":"COMPLETED"}"#,
            r#"{"status":1}"#,
            r#"{"status":700}"#,
            r#"{"status":5000}"#,
            r#"{"status":{"code":500}}"#,
        ] {
            assert_eq!(level(line), None, "{line}");
        }
        // nginx's `request` is the message as a string only.
        for line in [
            r#"{"level":"info","request":{"id":"a1","headers":{"ua":"x"}}}"#,
            r#"{"level":"info","request":["a","b"]}"#,
            r#"{"level":"error","request":"c0ffee-42","error":"db timeout"}"#,
            r#"{"level":"error","request":"GET"}"#,
        ] {
            assert_eq!(parse(line).2, None, "{line}");
        }
        assert_eq!(
            parse(r#"{"level":"info","msg":"done","request":"GET / HTTP/1.1"}"#)
                .2
                .as_deref(),
            Some("done")
        );
        // `--level-field` names the one field to read.
        let mut spec = FieldSpec::with_defaults();
        spec.override_slot(Slot::Level, "severity_text");
        let p = Parser::new(spec);
        let mut f = Fields::new(p.spec().slot_count());
        p.parse(br#"{"status":500}"#, &mut f);
        assert!(f.get(Slot::Level as usize).is_none());
        // As read for a baseline written before: no level from elsewhere.
        let p = Parser::new(FieldSpec::with_defaults()).without_message_headers();
        let mut f = Fields::new(p.spec().slot_count());
        p.parse(br#"{"status":500}"#, &mut f);
        assert!(f.get(Slot::Level as usize).is_none());
    }

    #[test]
    fn the_journal_json_of_journalctl_is_read() {
        let line = concat!(
            r#"{"__CURSOR":"s=1;i=2","__REALTIME_TIMESTAMP":"1770372000123456","#,
            r#""PRIORITY":"3","SYSLOG_IDENTIFIER":"app","_SYSTEMD_UNIT":"app.service","#,
            r#""MESSAGE":"connection refused","_PID":"42"}"#
        );
        let (parsed, level, message, time) = parse(line);
        assert_eq!(parsed, Parsed::Record(Format::Json));
        assert_eq!(level, Some(Level::Error));
        assert_eq!(message.as_deref(), Some("connection refused"));
        assert_eq!(time, time::parse_rfc3339(b"2026-02-06T10:00:00.123456Z"));
        let p = Parser::new(FieldSpec::with_defaults());
        let mut f = Fields::new(p.spec().slot_count());
        p.parse(line.as_bytes(), &mut f);
        assert_eq!(
            f.get(Slot::Service as usize)
                .map(|r| r.to_text())
                .as_deref(),
            Some("app")
        );
        // Each severity, as text or a number; anything else is no level, not a pino number.
        for (prio, want) in [
            ("0", Some(Level::Fatal)),
            ("2", Some(Level::Fatal)),
            ("4", Some(Level::Warn)),
            ("5", Some(Level::Info)),
            ("6", Some(Level::Info)),
            ("7", Some(Level::Debug)),
            ("8", None),
            ("30", None),
            ("\"30\"", None),
            ("\"err\"", None),
        ] {
            let quoted = if prio.starts_with('"') {
                prio.to_string()
            } else {
                format!("\"{prio}\"")
            };
            for v in [quoted, prio.to_string()] {
                let line = format!(r#"{{"PRIORITY":{v},"MESSAGE":"m"}}"#);
                assert_eq!(parse(&line).1, want, "{line}");
            }
        }
        // A logger's own level field comes first.
        assert_eq!(
            parse(r#"{"PRIORITY":"3","level":"info","msg":"m"}"#).1,
            Some(Level::Info)
        );
    }

    #[test]
    fn numbers_parse_exactly() {
        for s in [
            "0",
            "12.5",
            "-3",
            "30000",
            "0.1",
            "123456789012345",
            "1e3",
            "1.5E-2",
            "007",
        ] {
            assert_eq!(parse_f64(s.as_bytes()), s.parse::<f64>().ok(), "{s}");
        }
        assert_eq!(parse_f64(b"1e400"), None);
        assert_eq!(parse_f64(b"12."), Some(12.0));
        assert_eq!(parse_f64(b"."), None);
        assert_eq!(parse_f64(b""), None);
        assert_eq!(parse_f64(b"abc"), None);
        // Whatever the standard parser makes of a word, the answer is the same: a finite number
        // or nothing (words are refused before the standard parser sees them).
        for s in [
            "COMPLETED",
            "inf",
            "-inf",
            "NaN",
            "infinity",
            "+5",
            "1e",
            "e5",
            "1_000",
            "0x10",
            "12ms",
            "1.2.3",
            "--1",
            "5 ",
            "12345678901234567890",
            "1e-400",
            "+.5e+2",
        ] {
            let std = s.parse::<f64>().ok().filter(|v| v.is_finite());
            assert_eq!(parse_f64(s.as_bytes()), std, "{s}");
        }
    }

    #[test]
    fn unescape_handles_surrogates() {
        assert_eq!(unescape(br"\ud83d\ude00"), "😀");
        assert_eq!(unescape(br"a\ud83db"), "a\u{FFFD}b");
        assert_eq!(unescape(br"\u00e9\n\t\\"), "é\n\t\\");
        assert_eq!(unescape(br"\uZZZZ"), "\u{FFFD}ZZZZ");
    }
}
