//! Timestamp parsing: RFC 3339 and its common variants, Go's `2026/02/06 10:00:00`, the Common
//! Log Format's `06/Feb/2026:10:00:00 +0000`, BSD syslog times, C's `ctime` (Apache's error
//! log), log4j's two-digit-year dates (Spark's `26/02/06 10:00:00`, old Hadoop's
//! `260206 100000`), RFC 1123 dates (`Fri, 06 Feb 2026 10:00:00 GMT`), and epoch numbers.
//!
//! Everything becomes microseconds since the Unix epoch, UTC. Parsing is hand-written because it
//! runs once per line on the hot path; it never allocates and never panics.

/// Microseconds per second.
pub const MICROS_PER_SEC: i64 = 1_000_000;

/// Parses an RFC 3339 timestamp and the variants loggers write in practice:
/// `2026-02-06T10:30:45.123Z`, `2026-02-06 10:30:45,123`, `+02:00` / `+0200` offsets,
/// any number of fraction digits, and no zone at all (taken as UTC).
///
/// Returns `None` for anything else. Trailing bytes after the timestamp are rejected.
pub fn parse_rfc3339(s: &[u8]) -> Option<i64> {
    let (ts, used) = parse_rfc3339_prefix(s)?;
    (used == s.len()).then_some(ts)
}

/// Like [`parse_rfc3339`], but accepts trailing bytes and returns how many were consumed.
pub fn parse_rfc3339_prefix(s: &[u8]) -> Option<(i64, usize)> {
    let base = minute_base(s)?;
    rest_of(s, base)
}

/// Seconds since the epoch of the minute a timestamp starts with (`YYYY-MM-DDTHH:MM`, the
/// first 16 bytes), validated. Requires at least the 19 bytes of `…:SS`.
fn minute_base(s: &[u8]) -> Option<i64> {
    if s.len() < 19 {
        return None;
    }
    let year = digits(&s[0..4])? as i64;
    if s[4] != b'-' || s[7] != b'-' {
        return None;
    }
    let month = digits(&s[5..7])?;
    let day = digits(&s[8..10])?;
    if !matches!(s[10], b'T' | b't' | b' ') {
        return None;
    }
    let hour = digits(&s[11..13])?;
    if s[13] != b':' {
        return None;
    }
    let minute = digits(&s[14..16])?;
    if hour > 23 || minute > 59 {
        return None;
    }
    Some(days_of(year, month, day)? * 86_400 + hour as i64 * 3600 + minute as i64 * 60)
}

/// Parses `:SS[.fraction][zone]` from byte 16 on, given the minute's base.
fn rest_of(s: &[u8], base_secs: i64) -> Option<(i64, usize)> {
    if s[16] != b':' {
        return None;
    }
    let second = digits(&s[17..19])?;
    if second > 60 {
        return None;
    }
    let (micros, mut i) = fraction_with(s, 19, true)?;
    let mut offset_secs: i64 = 0;
    // A zone after a space, as Python's `%z` and gunicorn write it: ` +0200`, four digits.
    let spaced_zone = match &s[i..] {
        [b' ', sign, d @ ..] if !d.get(4).is_some_and(u8::is_ascii_alphanumeric) => {
            hhmm_offset(*sign, d.get(..4).unwrap_or(d))
        }
        _ => None,
    };
    if let Some(off) = spaced_zone {
        offset_secs = off;
        i += 6;
        // Go's `time.Time.String()`: `… +0100 CET`, the zone's name after its offset.
        i += zone_name_len(&s[i..]);
    } else if i < s.len() {
        match s[i] {
            b'Z' | b'z' => i += 1,
            // A zone after a space (PostgreSQL's `%m` and `%t`, Ruby's `Time#to_s`): ` UTC`,
            // another name of a fixed offset, or PostgreSQL's ` +03`.
            b' ' => {
                if let Some((len, off)) = spaced_zone_name(&s[i..]) {
                    offset_secs = off;
                    i += len;
                }
            }
            b'+' | b'-' => {
                let sign = if s[i] == b'-' { -1 } else { 1 };
                let rest = &s[i + 1..];
                let (h, m, used) = if rest.len() >= 5 && rest[2] == b':' {
                    (digits(&rest[0..2])?, digits(&rest[3..5])?, 5)
                } else if rest.len() >= 4 && rest[..4].iter().all(u8::is_ascii_digit) {
                    (digits(&rest[0..2])?, digits(&rest[2..4])?, 4)
                } else if rest.len() >= 2 && rest[..2].iter().all(u8::is_ascii_digit) {
                    (digits(&rest[0..2])?, 0, 2)
                } else {
                    return None;
                };
                if h > 23 || m > 59 {
                    return None;
                }
                offset_secs = sign * (h as i64 * 3600 + m as i64 * 60);
                i += 1 + used;
            }
            _ => {}
        }
    }
    let secs = base_secs + second as i64 - offset_secs;
    Some((secs * MICROS_PER_SEC + micros, i))
}

/// Zone abbreviations after a time whose offset is fixed and known, in hours: RFC 822's North
/// American ones but `CST` (China's as well as Central), and the common European and
/// Asia-Pacific ones but those that mean two zones or a word (`BST`, `IST`, `WEST`). Another
/// abbreviation is no zone: it stays in the line, and the time is read as UTC.
const ZONE_NAMES: [(&[u8], i64); 21] = [
    (b"UTC", 0),
    (b"GMT", 0),
    (b"WET", 0),
    (b"CET", 1),
    (b"CEST", 2),
    (b"EET", 2),
    (b"EEST", 3),
    (b"MSK", 3),
    (b"HKT", 8),
    (b"SGT", 8),
    (b"JST", 9),
    (b"KST", 9),
    (b"AEST", 10),
    (b"AEDT", 11),
    (b"EST", -5),
    (b"EDT", -4),
    (b"CDT", -5),
    (b"MST", -7),
    (b"MDT", -6),
    (b"PST", -8),
    (b"PDT", -7),
];

/// A zone after a space at the start of `s`: a name (` UTC`, ` CET`) not followed by a letter
/// or digit; ` +05:30` at the end or before a space; PostgreSQL's ` +03` for a zone without an
/// abbreviation only at the end or before ` [` or `:`, where its prefix goes on, so that
/// `10:00:00 +12 retries` keeps its number (and RDS's `+03:10.0.3.14(5432):…` its client).
/// Its length with the space, and its offset in seconds.
fn spaced_zone_name(s: &[u8]) -> Option<(usize, i64)> {
    let rest = s.strip_prefix(b" ")?;
    let (len, offset_secs) = match rest {
        [sign @ (b'+' | b'-'), h1, h2, ..] if h1.is_ascii_digit() && h2.is_ascii_digit() => {
            let hours = i64::from((h1 - b'0') * 10 + (h2 - b'0'));
            let minutes = match rest.get(3..6) {
                Some([b':', m1, m2]) if m1.is_ascii_digit() && m2.is_ascii_digit() => {
                    Some(i64::from((m1 - b'0') * 10 + (m2 - b'0')))
                }
                _ => None,
            };
            let (len, minutes) = match minutes {
                Some(m) if matches!(rest.get(6), None | Some(b' ')) => (6, m),
                _ if matches!(rest.get(3..5), None | Some([b' ', b'[']) | Some([b':', _])) => {
                    (3, 0)
                }
                _ => return None,
            };
            if hours > 14 || minutes > 59 {
                return None;
            }
            let secs = hours * 3600 + minutes * 60;
            (len, if *sign == b'-' { -secs } else { secs })
        }
        _ => {
            let n = rest
                .iter()
                .take(5)
                .take_while(|b| b.is_ascii_uppercase())
                .count();
            let (_, hours) = ZONE_NAMES.iter().find(|(z, _)| *z == &rest[..n])?;
            (n, hours * 3600)
        }
    };
    if rest.get(len).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    Some((1 + len, offset_secs))
}

/// Length of ` NAME` at the start of `s`, a zone's abbreviation of two to five capitals that
/// follows its numeric offset (`+0100 CET`), or 0; a level word (`+0000 ERROR`) is none.
fn zone_name_len(s: &[u8]) -> usize {
    let Some(rest) = s.strip_prefix(b" ") else {
        return 0;
    };
    let n = rest.iter().take_while(|b| b.is_ascii_uppercase()).count();
    let word = &rest[..n];
    if !(2..=5).contains(&n)
        || rest.get(n).is_some_and(u8::is_ascii_alphanumeric)
        || super::Level::from_word(word).is_some()
    {
        return 0;
    }
    1 + n
}

/// Remembers the minute of the last timestamp parsed: consecutive log lines nearly always share
/// it, so the date arithmetic runs once per minute instead of once per line.
#[derive(Clone, Debug, Default)]
pub struct TimeCache {
    key: u128,
    base_secs: Option<i64>,
}

impl TimeCache {
    /// [`parse_text`] with the minute cached.
    #[inline]
    pub fn parse_text(&mut self, s: &[u8]) -> Option<i64> {
        if s.len() >= 19 {
            let key = u128::from_le_bytes(s[..16].try_into().expect("16 bytes"));
            let base = match self.base_secs {
                Some(b) if key == self.key => Some(b),
                _ => {
                    let b = minute_base(s);
                    if let Some(b) = b {
                        self.key = key;
                        self.base_secs = Some(b);
                    }
                    b
                }
            };
            if let Some(base) = base {
                if let Some((t, used)) = rest_of(s, base) {
                    if used == s.len() {
                        return Some(t);
                    }
                }
                return None;
            }
        }
        parse_text(s)
    }
}

/// Interprets an epoch number by its magnitude: seconds, milliseconds, microseconds or
/// nanoseconds (the unit that puts it between 1973 and 2286).
pub fn from_epoch_number(v: f64) -> Option<i64> {
    if !v.is_finite() || v <= 0.0 {
        return None;
    }
    let micros = if v < 1e11 {
        v * 1e6
    } else if v < 1e14 {
        v * 1e3
    } else if v < 1e17 {
        v
    } else if v < 1e20 {
        v / 1e3
    } else {
        return None;
    };
    Some(micros.round() as i64)
}

/// Parses a timestamp given as text: any of the forms of [`parse_prefix`], whole, or a plain
/// epoch number.
pub fn parse_text(s: &[u8]) -> Option<i64> {
    if let Some(t) = parse_rfc3339(s) {
        return Some(t);
    }
    if let Some((t, used)) = parse_other_prefix(s) {
        return (used == s.len()).then_some(t);
    }
    if !s.is_empty() && s.iter().all(|b| b.is_ascii_digit() || *b == b'.') {
        let v: f64 = std::str::from_utf8(s).ok()?.parse().ok()?;
        return from_epoch_number(v);
    }
    None
}

/// A timestamp at the start of `s` in any of the text forms (RFC 3339, slash-dated, Common Log
/// Format, syslog, `ctime`, two-digit-year log4j dates, klog's, Redis's); returns it and the
/// bytes consumed.
pub fn parse_prefix(s: &[u8]) -> Option<(i64, usize)> {
    parse_rfc3339_prefix(s).or_else(|| parse_other_prefix(s))
}

/// [`parse_prefix`] without RFC 3339.
fn parse_other_prefix(s: &[u8]) -> Option<(i64, usize)> {
    match s.first()? {
        b'0'..=b'9' => parse_slash_date_prefix(s)
            .or_else(|| parse_clf_prefix(s))
            .or_else(|| parse_two_digit_year_prefix(s))
            .or_else(|| parse_klog_prefix(s))
            .or_else(|| parse_redis_prefix(s)),
        _ => parse_syslog_prefix(s)
            .or_else(|| parse_ctime_prefix(s))
            .or_else(|| parse_rfc1123_prefix(s)),
    }
}

/// Parses an RFC 1123 date at the start of `s`, as HTTP's `Date`, e-mail, JavaScript's
/// `toUTCString()` and Go's `time.RFC1123`/`RFC1123Z` write it: `Fri, 06 Feb 2026 10:00:00 GMT`,
/// the day of one or two digits, an optional fraction, and the zone `±hhmm` or one that RFC 822
/// names (`GMT`, `UT`, `UTC`, `Z`, and the North American `EST` … `PDT`); without one, UTC.
/// Another zone's abbreviation (`CET`) makes it no time: its offset is unknown.
pub fn parse_rfc1123_prefix(s: &[u8]) -> Option<(i64, usize)> {
    const DAYS: [&[u8; 3]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];
    const ZONES: [(&[u8], i64); 12] = [
        (b"GMT", 0),
        (b"UTC", 0),
        (b"UT", 0),
        (b"Z", 0),
        (b"EST", -5),
        (b"EDT", -4),
        (b"CST", -6),
        (b"CDT", -5),
        (b"MST", -7),
        (b"MDT", -6),
        (b"PST", -8),
        (b"PDT", -7),
    ];
    let weekday = s.get(..5)?;
    if &weekday[3..] != b", " || !DAYS.iter().any(|d| weekday[..3] == d[..]) {
        return None;
    }
    let day_len = s[5..]
        .iter()
        .take(3)
        .take_while(|b| b.is_ascii_digit())
        .count();
    if !(1..=2).contains(&day_len) {
        return None;
    }
    let day = digits(&s[5..5 + day_len])?;
    let at = 5 + day_len;
    // ` Feb 2026 10:00:00`: 18 bytes.
    let head = s.get(at..at + 18)?;
    if head[0] != b' ' || head[4] != b' ' || head[9] != b' ' {
        return None;
    }
    let month = month_number(&head[1..4])?;
    let year = i64::from(digits(&head[5..9])?);
    let secs_of_day = clock(&head[10..18])?;
    let (micros, mut used) = fraction(s, at + 18)?;
    let mut offset_secs = 0;
    if let Some([b' ', sign @ (b'+' | b'-'), d @ ..]) = s.get(used..used + 6) {
        offset_secs = hhmm_offset(*sign, d)?;
        used += 6;
    } else if s.get(used) == Some(&b' ') {
        let word = &s[used + 1..];
        let word = &word[..word.iter().take_while(|b| b.is_ascii_alphabetic()).count()];
        if let Some((_, hours)) = ZONES.iter().find(|(z, _)| *z == word) {
            offset_secs = hours * 3600;
            used += 1 + word.len();
        } else if (2..=5).contains(&word.len())
            && word.iter().all(u8::is_ascii_uppercase)
            && super::Level::from_word(word).is_none()
        {
            // Another zone's abbreviation (`CET`, `JST`): its offset is unknown, and UTC would
            // be wrong by hours. A level word (`… GMT ERROR`, `… 10:00:00 INFO`) is no zone.
            return None;
        }
    }
    if s.get(used).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    let secs = days_of(year, month, day)? * 86_400 + secs_of_day - offset_secs;
    Some((secs * MICROS_PER_SEC + micros, used))
}

/// Parses Redis's log time at the start of `s`: `06 Feb 2026 10:00:03.123`, the day of two
/// digits; taken as UTC (Redis writes the server's local time, UTC in its containers). Only as
/// Redis writes it: at the end of `s`, or before one of its level marks (` * `, ` # `, ` - `,
/// ` . `), so that another log's `06 Feb 2026 10:00:03,459` or `… 10:00:03 +0100` (whose zone
/// this would lose) is no time here.
pub fn parse_redis_prefix(s: &[u8]) -> Option<(i64, usize)> {
    let (t, used) = redis_time(s)?;
    match s.get(used..used.saturating_add(3).min(s.len()))? {
        [] | [b' ', b'*' | b'#' | b'-' | b'.', b' '] => Some((t, used)),
        [b' ', b'*' | b'#' | b'-' | b'.'] if used + 2 == s.len() => Some((t, used)),
        _ => None,
    }
}

/// [`parse_redis_prefix`] whatever follows the time.
fn redis_time(s: &[u8]) -> Option<(i64, usize)> {
    // `06 Feb 2026 10:00:03`: 20 bytes.
    let head = s.get(..20)?;
    if head[2] != b' ' || head[6] != b' ' || head[11] != b' ' {
        return None;
    }
    let day = digits(&head[..2])?;
    let month = month_number(&head[3..6])?;
    let year = i64::from(digits(&head[7..11])?);
    let secs_of_day = clock(&head[12..20])?;
    let (micros, used) = fraction(s, 20)?;
    let secs = days_of(year, month, day)? * 86_400 + secs_of_day;
    Some((secs * MICROS_PER_SEC + micros, used))
}

/// Parses C's `ctime` format at the start of `s`, as Apache's error log, Python's `asctime` and
/// `date` write it: `Fri Feb 06 10:00:00 2026`, the day padded with a space or a zero, with an
/// optional fraction (`10:00:00.123456`, Apache 2.4); taken as UTC.
pub fn parse_ctime_prefix(s: &[u8]) -> Option<(i64, usize)> {
    const DAYS: [&[u8; 3]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];
    let weekday = s.get(..4)?;
    if weekday[3] != b' ' || !DAYS.iter().any(|d| weekday[..3] == d[..]) {
        return None;
    }
    let (month, day, secs_of_day, micros, used) = month_day_time(&s[4..])?;
    let year_at = 4 + used + 1;
    if s.get(4 + used) != Some(&b' ') {
        return None;
    }
    let year = i64::from(digits(s.get(year_at..year_at + 4)?)?);
    let end = year_at + 4;
    if s.get(end).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    let secs = days_of(year, month, day)? * 86_400 + secs_of_day;
    Some((secs * MICROS_PER_SEC + micros, end))
}

/// Parses log4j's two-digit-year dates at the start of `s`, years 2000–2099, taken as UTC:
/// `yy/MM/dd HH:mm:ss` (Spark's default layout: `26/02/06 10:00:00`) and `yyMMdd HHmmss` (old
/// Hadoop's: `260206 100000`), each optionally with a `,SSS` or `.SSS` fraction.
pub fn parse_two_digit_year_prefix(s: &[u8]) -> Option<(i64, usize)> {
    let (y, mo, d, h, mi, sec, used) = match s.get(..17) {
        Some(h)
            if h[2] == b'/' && h[5] == b'/' && h[8] == b' ' && h[11] == b':' && h[14] == b':' =>
        {
            (
                &h[0..2],
                &h[3..5],
                &h[6..8],
                &h[9..11],
                &h[12..14],
                &h[15..17],
                17,
            )
        }
        _ => {
            let h = s.get(..13)?;
            if h[6] != b' ' {
                return None;
            }
            (
                &h[0..2],
                &h[2..4],
                &h[4..6],
                &h[7..9],
                &h[9..11],
                &h[11..13],
                13,
            )
        }
    };
    let (year, month, day) = (2000 + i64::from(digits(y)?), digits(mo)?, digits(d)?);
    let (hour, minute, second) = (digits(h)?, digits(mi)?, digits(sec)?);
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let (micros, used) = fraction_with(s, used, true)?;
    if s.get(used).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    let secs = days_of(year, month, day)? * 86_400
        + i64::from(hour) * 3600
        + i64::from(minute) * 60
        + i64::from(second);
    Some((secs * MICROS_PER_SEC + micros, used))
}

/// Parses a slash-dated time at the start of `s`, as Go's `log` package and many others write
/// it: `2026/02/06 10:00:00`, with the fraction and zone of RFC 3339 optional, as there.
pub fn parse_slash_date_prefix(s: &[u8]) -> Option<(i64, usize)> {
    if s.len() < 19 || s[4] != b'/' || s[7] != b'/' {
        return None;
    }
    // The RFC 3339 parser on a copy with dashes (a fraction and a zone are a few bytes).
    let mut buf = [0u8; 48];
    let n = s.len().min(buf.len());
    buf[..n].copy_from_slice(&s[..n]);
    buf[4] = b'-';
    buf[7] = b'-';
    let (t, used) = parse_rfc3339_prefix(&buf[..n])?;
    // A time that fills the copy may go on in `s` (a fraction of 28 digits?): not a time.
    (used < n || n == s.len()).then_some((t, used))
}

/// Parses a Common Log Format time (Apache and nginx access logs, `$time_local`) at the start
/// of `s`: `06/Feb/2026:10:00:00 +0000`, a fraction optional (HAProxy's accept date,
/// `06/Feb/2026:10:00:00.123`), the zone optional (UTC without it).
pub fn parse_clf_prefix(s: &[u8]) -> Option<(i64, usize)> {
    // `dd/Mon/yyyy:HH:MM:SS`: 20 bytes.
    let head = s.get(..20)?;
    if head[2] != b'/' || head[6] != b'/' || head[11] != b':' {
        return None;
    }
    let day = digits(&head[0..2])?;
    let month = month_number(&head[3..6])?;
    let year = i64::from(digits(&head[7..11])?);
    let secs_of_day = clock(&head[12..20])?;
    // A dot without digits after it is no fraction, and ends the time (`10:00:00. ERROR`).
    let (micros, mut used) = fraction(s, 20).unwrap_or((0, 20));
    let mut offset_secs = 0i64;
    // ` +hhmm` or ` -hhmm`.
    if let Some([b' ', sign @ (b'+' | b'-'), d @ ..]) = s.get(used..used + 6) {
        offset_secs = hhmm_offset(*sign, d)?;
        used += 6;
    }
    if s.get(used).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    let secs = days_of(year, month, day)? * 86_400 + secs_of_day - offset_secs;
    Some((secs * MICROS_PER_SEC + micros, used))
}

/// The year syslog times are taken to be in, when set (see [`assume_syslog_year`]).
static SYSLOG_YEAR: std::sync::OnceLock<i64> = std::sync::OnceLock::new();

/// Takes every syslog time (which has no year) read from now on in this process to be in
/// `year`, instead of guessing it from the clock (`--syslog-year`, for an old log). Set it
/// before the first parse; returns false, changing nothing, if it was set already.
pub fn assume_syslog_year(year: i64) -> bool {
    SYSLOG_YEAR.set(year).is_ok()
}

/// The year given to [`assume_syslog_year`], if any.
pub fn assumed_syslog_year() -> Option<i64> {
    SYSLOG_YEAR.get().copied()
}

/// Parses a BSD syslog time (RFC 3164: `Jun 14 15:16:01`, `Jun  4 05:06:07`, optionally with a
/// fraction, `.123`) at the start of `s`, taken as UTC; returns it and the bytes consumed. The
/// format has no year: it is the one given to [`assume_syslog_year`], or else the current year,
/// or the one before for a time more than a day ahead of now (a December log read in January),
/// as rsyslog and lnav assume. "Now" is read once per process, so every line of a run gets the
/// same year.
pub fn parse_syslog_prefix(s: &[u8]) -> Option<(i64, usize)> {
    parse_syslog_prefix_at(s, year_rule())
}

/// The year rule of times written without one: the year given to [`assume_syslog_year`], or
/// the current one (read once per process).
fn year_rule() -> Year {
    static NOW: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    if let Some(&year) = SYSLOG_YEAR.get() {
        return Year::Fixed(year);
    }
    Year::Near(*NOW.get_or_init(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
    }))
}

/// Parses the time of a klog/glog header (Kubernetes' components, Go's `glog`) at the start
/// of `s`: `0206 10:00:00.123456` (month, day, time, an optional fraction), taken as UTC in the
/// year syslog times get (see [`parse_syslog_prefix`]).
pub fn parse_klog_prefix(s: &[u8]) -> Option<(i64, usize)> {
    let head = s.get(..13)?;
    if head[4] != b' ' {
        return None;
    }
    let (month, day) = (digits(&head[0..2])?, digits(&head[2..4])?);
    let secs_of_day = clock(&head[5..13])?;
    let (micros, used) = fraction(s, 13)?;
    if s.get(used).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    let secs = in_year(year_rule(), month, day, secs_of_day)?;
    Some((secs * MICROS_PER_SEC + micros, used))
}

/// How a syslog time gets its year.
#[derive(Clone, Copy, Debug)]
enum Year {
    /// This one.
    Fixed(i64),
    /// The year of this instant (seconds since the epoch), or the one before for a time more
    /// than a day ahead of it.
    Near(i64),
}

/// [`parse_syslog_prefix`] with the year rule given.
fn parse_syslog_prefix_at(s: &[u8], year: Year) -> Option<(i64, usize)> {
    let (month, day, secs_of_day, micros, used) = month_day_time(s)?;
    if s.get(used).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    let secs = in_year(year, month, day, secs_of_day)?;
    Some((secs * MICROS_PER_SEC + micros, used))
}

/// Seconds since the epoch of a month, day and time of day written without a year.
fn in_year(year: Year, month: u32, day: u32, secs_of_day: i64) -> Option<i64> {
    let at = |year: i64| Some(days_of(year, month, day)? * 86_400 + secs_of_day);
    match year {
        Year::Fixed(y) => at(y),
        Year::Near(now_secs) => {
            let (this_year, _, _) = civil_from_days(now_secs.div_euclid(86_400));
            match at(this_year) {
                Some(secs) if secs <= now_secs.saturating_add(86_400) => Some(secs),
                // Later than now (or 29 February of a common year): last year's.
                _ => at(this_year - 1),
            }
        }
    }
}

/// `Mmm dd HH:MM:SS[.fraction]` at the start of `s` (the day padded with a space or a zero):
/// month, day, seconds into the day, microseconds and the bytes consumed.
fn month_day_time(s: &[u8]) -> Option<(u32, u32, i64, i64, usize)> {
    let head = s.get(..15)?;
    let month = month_number(&head[..3])?;
    if head[3] != b' ' || head[6] != b' ' {
        return None;
    }
    // The day is checked against its month where the year is known.
    let day = match head[4] {
        b' ' => digits(&head[5..6])?,
        _ => digits(&head[4..6])?,
    };
    let secs_of_day = clock(&head[7..15])?;
    let (micros, used) = fraction(s, 15)?;
    Some((month, day, secs_of_day, micros, used))
}

/// Seconds into the day of `HH:MM:SS` (8 bytes; a leap second's `60` allowed).
fn clock(b: &[u8]) -> Option<i64> {
    if b.len() != 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let (hour, minute, second) = (digits(&b[0..2])?, digits(&b[3..5])?, digits(&b[6..8])?);
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    Some(i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second))
}

/// An optional fraction of a second at `s[at..]` (`.123`, and `,123` when `comma`): its
/// microseconds (digits past the sixth are read and ignored) and where it ends; `None` for a
/// separator without digits.
fn fraction_with(s: &[u8], at: usize, comma: bool) -> Option<(i64, usize)> {
    match s.get(at) {
        Some(b'.') => {}
        Some(b',') if comma => {}
        _ => return Some((0, at)),
    }
    let n = s[at + 1..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if n == 0 {
        return None;
    }
    let mut micros = 0i64;
    let mut scale = 100_000;
    for &b in &s[at + 1..at + 1 + n.min(6)] {
        micros += i64::from(b - b'0') * scale;
        scale /= 10;
    }
    Some((micros, at + 1 + n))
}

/// [`fraction_with`] a dot only.
fn fraction(s: &[u8], at: usize) -> Option<(i64, usize)> {
    fraction_with(s, at, false)
}

/// A time window (`--since`, `--until`): events from `since_us` (inclusive) to `until_us`
/// (exclusive), in microseconds since the epoch; an open end is `None`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Window {
    /// First instant inside.
    pub since_us: Option<i64>,
    /// First instant after.
    pub until_us: Option<i64>,
}

impl Window {
    /// Where `t` falls: `Less` before the window, `Equal` inside, `Greater` after it.
    #[inline]
    pub fn place(&self, t: i64) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        if self.since_us.is_some_and(|s| t < s) {
            Ordering::Less
        } else if self.until_us.is_some_and(|u| t >= u) {
            Ordering::Greater
        } else {
            Ordering::Equal
        }
    }
}

/// Lines a [`Window`] left out, by why.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WindowCounts {
    /// Timed before the window.
    pub before: u64,
    /// Timed at or after its end.
    pub after: u64,
    /// Without a timestamp.
    pub untimed: u64,
}

impl WindowCounts {
    /// Whether a line timed `time` is inside `window`; counts it if not.
    #[inline]
    pub fn admit(&mut self, window: &Window, time: Option<i64>) -> bool {
        self.count(time.map(|t| window.place(t)))
    }

    /// Whether a line placed at `place` ([`Window::place`]; `None`: nowhere) is inside the
    /// window; counts it if not.
    #[inline]
    fn count(&mut self, place: Option<std::cmp::Ordering>) -> bool {
        use std::cmp::Ordering;
        let counter = match place {
            Some(Ordering::Equal) => return true,
            Some(Ordering::Less) => &mut self.before,
            Some(Ordering::Greater) => &mut self.after,
            None => &mut self.untimed,
        };
        *counter += 1;
        false
    }

    /// Adds another count.
    pub fn add(&mut self, o: WindowCounts) {
        self.before += o.before;
        self.after += o.after;
        self.untimed += o.untimed;
    }

    /// Lines left out.
    pub fn total(&self) -> u64 {
        self.before + self.after + self.untimed
    }
}

/// A window's decisions for the lines of one chunk, taken in input order, where an event may
/// span lines: a line with a time is placed by it; a line without one (a stack frame, a
/// traceback, a wrapped message) goes with the timed line before it, so a stack trace stays
/// with its event, in the window or out of it (and is counted with it). The chunk's untimed
/// lines before its first timed line look back past its start (the caller's `lookback`: the
/// time of the last timed line before the chunk); a line with no timed line before it at all
/// is left out as untimed.
#[derive(Clone, Copy, Debug, Default)]
pub struct Follow {
    /// Where the last timed line fell; `None` before the first one was looked for.
    last: Option<Option<std::cmp::Ordering>>,
}

impl Follow {
    /// Whether a line timed `time` is inside `window`, counted in `counts` if not; see
    /// [`Follow`]. `lookback` is called at most once, for the chunk's first untimed line
    /// before any timed one.
    #[inline]
    pub fn admit(
        &mut self,
        window: &Window,
        counts: &mut WindowCounts,
        time: Option<i64>,
        lookback: impl FnOnce() -> Option<i64>,
    ) -> bool {
        let place = match time {
            Some(t) => {
                let p = window.place(t);
                self.last = Some(Some(p));
                Some(p)
            }
            None => *self
                .last
                .get_or_insert_with(|| lookback().map(|t| window.place(t))),
        };
        counts.count(place)
    }
}

/// Parses a `--since` / `--until` value to microseconds since the epoch: a time relative to
/// `now_us` (`90s`, `10m`, `2h`, `7d`, `1w` ago), or an absolute one: anything
/// [`parse_rfc3339`] reads (`2026-02-06T14:00:00Z`; no zone means UTC), a time to the minute
/// (`2026-02-06T14:00`, `2026-02-06 14:00`) or a date (`2026-02-06`, its midnight UTC).
pub fn parse_time_arg(s: &str, now_us: i64) -> Result<i64, String> {
    let t = s.trim();
    let b = t.as_bytes();
    if let Some(us) = parse_rfc3339(b) {
        return Ok(us);
    }
    // To the minute: `…T14:00` is `…T14:00:00`.
    if b.len() == 16 {
        if let Some(us) = parse_rfc3339(format!("{t}:00").as_bytes()) {
            return Ok(us);
        }
    }
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        if let (Some(y), Some(m), Some(d)) = (digits(&b[0..4]), digits(&b[5..7]), digits(&b[8..10]))
        {
            if let Some(days) = days_of(i64::from(y), m, d) {
                return Ok(days * 86_400 * MICROS_PER_SEC);
            }
        }
    }
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: i64 = num.parse().map_err(|_| {
        format!("{s:?} is not a time (examples: 10m, 2h, 7d, 2026-02-06T14:00:00Z, 2026-02-06)")
    })?;
    let secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ if unit.bytes().all(|b| b.is_ascii_alphabetic()) => {
            return Err(format!(
                "{s:?}: unknown unit (use s, m, h, d or w, or an RFC 3339 time)"
            ))
        }
        _ => {
            return Err(format!(
                "{s:?} is not a time (examples: 10m, 2h, 7d, 2026-02-06T14:00:00Z, 2026-02-06)"
            ))
        }
    };
    Ok(now_us.saturating_sub(n.saturating_mul(secs * MICROS_PER_SEC)))
}

/// Formats microseconds since the epoch as RFC 3339 UTC with millisecond precision.
pub fn format_rfc3339(micros: i64) -> String {
    let millis = micros.rem_euclid(MICROS_PER_SEC) / 1000;
    let date_time = format_rfc3339_secs(micros.div_euclid(MICROS_PER_SEC));
    // "…T10:00:07Z" → "…T10:00:07.005Z"
    format!("{}.{millis:03}Z", &date_time[..date_time.len() - 1])
}

/// Formats whole seconds since the epoch as RFC 3339 UTC (`2026-02-06T10:00:00Z`).
pub fn format_rfc3339_secs(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn digits(s: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &b in s {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (b - b'0') as u32;
    }
    Some(v)
}

/// The offset (seconds east of UTC) of a `+hhmm` / `-hhmm` zone: `sign` and four digits.
fn hhmm_offset(sign: u8, d: &[u8]) -> Option<i64> {
    let sign = match sign {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    if d.len() != 4 {
        return None;
    }
    let (h, m) = (digits(&d[0..2])?, digits(&d[2..4])?);
    (h <= 23 && m <= 59).then(|| sign * (i64::from(h) * 3600 + i64::from(m) * 60))
}

/// The month (1–12) of an English three-letter abbreviation, capitalised (`Feb`).
fn month_number(abbr: &[u8]) -> Option<u32> {
    const MONTHS: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    MONTHS
        .iter()
        .position(|m| abbr == &m[..])
        .map(|i| i as u32 + 1)
}

/// Days since 1970-01-01 of a date, `None` unless it exists (month 1–12, day within the month:
/// no 30 February).
fn days_of(y: i64, m: u32, d: u32) -> Option<i64> {
    let leap = y.rem_euclid(4) == 0 && (y.rem_euclid(100) != 0 || y.rem_euclid(400) == 0);
    let last = match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return None,
    };
    (1..=last).contains(&d).then(|| days_from_civil(y, m, d))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_arguments() {
        let now = 1_770_372_000 * MICROS_PER_SEC; // 2026-02-06T10:00:00Z
        let at = |s: &str| parse_rfc3339(s.as_bytes()).unwrap();
        assert_eq!(parse_time_arg("10m", now), Ok(now - 600 * MICROS_PER_SEC));
        assert_eq!(parse_time_arg("2h", now), Ok(now - 7_200 * MICROS_PER_SEC));
        assert_eq!(
            parse_time_arg("1w", now),
            Ok(now - 604_800 * MICROS_PER_SEC)
        );
        assert_eq!(
            parse_time_arg("2026-02-06T14:00:00.5+01:00", now),
            Ok(at("2026-02-06T13:00:00.5Z"))
        );
        assert_eq!(
            parse_time_arg("2026-02-06T14:05", now),
            Ok(at("2026-02-06T14:05:00Z"))
        );
        assert_eq!(
            parse_time_arg(" 2026-02-06 14:05 ", now),
            Ok(at("2026-02-06T14:05:00Z"))
        );
        assert_eq!(
            parse_time_arg("2026-02-06", now),
            Ok(at("2026-02-06T00:00:00Z"))
        );
        for bad in [
            "soon",
            "5y",
            "",
            "2026-13-01",
            "2026-02-06T25:00",
            "m",
            "-5m",
        ] {
            assert!(parse_time_arg(bad, now).is_err(), "{bad}");
        }
        assert!(parse_time_arg(&"9".repeat(30), now).is_err());
        assert!(
            parse_time_arg("999999999999w", now).is_ok(),
            "saturates, no overflow"
        );
    }

    #[test]
    fn window_places_times() {
        use std::cmp::Ordering::*;
        let w = Window {
            since_us: Some(10),
            until_us: Some(20),
        };
        assert_eq!(
            [9, 10, 19, 20].map(|t| w.place(t)),
            [Less, Equal, Equal, Greater]
        );
        let open = Window::default();
        assert_eq!(open.place(i64::MIN), Equal);
        let mut c = WindowCounts::default();
        let admitted: Vec<bool> = [Some(5), Some(15), None, Some(25), Some(20)]
            .into_iter()
            .map(|t| c.admit(&w, t))
            .collect();
        assert_eq!(admitted, [false, true, false, false, false]);
        assert_eq!((c.before, c.after, c.untimed, c.total()), (1, 2, 1, 4));
    }

    #[test]
    fn untimed_lines_follow_the_timed_line_before_them() {
        let w = Window {
            since_us: Some(10),
            until_us: Some(20),
        };
        let run = |before: Option<i64>, times: &[Option<i64>]| {
            let (mut f, mut c) = (Follow::default(), WindowCounts::default());
            let mut looked = 0;
            let admitted: Vec<bool> = times
                .iter()
                .map(|&t| {
                    f.admit(&w, &mut c, t, || {
                        looked += 1;
                        before
                    })
                })
                .collect();
            (admitted, (c.before, c.after, c.untimed), looked)
        };
        // A stack trace after an event in the window is in; after one before it, out (and
        // counted before); a timed line ends the trace.
        assert_eq!(
            run(None, &[Some(15), None, None, Some(5), None, Some(25), None]),
            (
                vec![true, true, true, false, false, false, false],
                (2, 2, 0),
                0
            )
        );
        // Lines before the chunk's first timed line look back, once.
        assert_eq!(
            run(Some(12), &[None, None, Some(30)]),
            (vec![true, true, false], (0, 1, 0), 1)
        );
        assert_eq!(
            run(Some(3), &[None, Some(12)]),
            (vec![false, true], (1, 0, 0), 1)
        );
        // Nothing timed before them: left out as untimed.
        assert_eq!(
            run(None, &[None, None, Some(12), None]),
            (vec![false, false, true, true], (0, 0, 2), 1)
        );
    }

    const T0: i64 = 1_770_372_000 * MICROS_PER_SEC; // 2026-02-06T10:00:00Z

    #[test]
    fn syslog_times_take_the_year_of_now_or_the_one_before() {
        let now = 1_770_372_000; // 2026-02-06T10:00:00Z
        let at = |s: &str| parse_syslog_prefix_at(s.as_bytes(), Year::Near(now));
        let t = |iso: &str| parse_rfc3339(iso.as_bytes()).unwrap();
        assert_eq!(
            at("Feb  6 09:59:58 host app[1]: x"),
            Some((t("2026-02-06T09:59:58Z"), 15))
        );
        assert_eq!(at("Feb 06 09:59:58"), Some((t("2026-02-06T09:59:58Z"), 15)));
        assert_eq!(
            at("Jan 31 23:00:00.25 x"),
            Some((t("2026-01-31T23:00:00.25Z"), 18))
        );
        // Tomorrow is still this year; later than that is last year's.
        assert_eq!(at("Feb  7 09:00:00").unwrap().0, t("2026-02-07T09:00:00Z"));
        assert_eq!(at("Dec 31 23:59:59").unwrap().0, t("2025-12-31T23:59:59Z"));
        for bad in [
            "Feb 6 09:59:58",
            "Foo  6 09:59:58",
            "feb  6 09:59:58",
            "Feb 32 09:59:58",
            "Feb  6 24:00:00",
            "Feb  6 09:59:58.",
            "Feb  6 09:59:589",
            "Feb  6 09:59",
        ] {
            assert_eq!(at(bad), None, "{bad}");
        }
        assert!(parse_text(b"Feb  6 09:59:58").is_some());
        assert_eq!(parse_text(b"Feb  6 09:59:58 trailing"), None);
        // A year given is taken as is, even for a date ahead of now.
        let fixed = |s: &str, y| parse_syslog_prefix_at(s.as_bytes(), Year::Fixed(y));
        assert_eq!(
            fixed("Dec 31 23:59:59", 2026).unwrap().0,
            t("2026-12-31T23:59:59Z")
        );
        assert_eq!(
            fixed("Feb 29 00:00:00", 2024).unwrap().0,
            t("2024-02-29T00:00:00Z")
        );
    }

    #[test]
    fn slash_dated_times_read_like_rfc3339() {
        let t = |iso: &str| parse_rfc3339(iso.as_bytes()).unwrap();
        assert_eq!(
            parse_slash_date_prefix(b"2026/02/06 10:00:00 server started"),
            Some((T0, 19))
        );
        assert_eq!(
            parse_slash_date_prefix(b"2026/02/06 10:00:00.123456+02:00 x"),
            Some((t("2026-02-06T10:00:00.123456+02:00"), 32))
        );
        assert_eq!(parse_text(b"2026/02/06 10:00:00"), Some(T0));
        assert_eq!(parse_text(b"2026/02/06 10:00:00 x"), None);
        for bad in [
            "2026/02/06",
            "2026-02/06 10:00:00",
            "2026/13/06 10:00:00",
            "2026/02/06 10:00:0x",
        ] {
            assert_eq!(parse_slash_date_prefix(bad.as_bytes()), None, "{bad}");
        }
        // A "fraction" longer than any clock's is not a time; no panic either way.
        let long = format!("2026/02/06 10:00:00.{}", "1".repeat(60));
        assert_eq!(parse_slash_date_prefix(long.as_bytes()), None);
        assert!(parse_slash_date_prefix(&long.as_bytes()[..48]).is_some());
    }

    #[test]
    fn ctime_times_as_apache_error_logs_write_them() {
        let t = |iso: &str| parse_rfc3339(iso.as_bytes()).unwrap();
        assert_eq!(
            parse_ctime_prefix(b"Fri Feb 06 10:00:00 2026] [error] x"),
            Some((T0, 24))
        );
        assert_eq!(
            parse_ctime_prefix(b"Sun Dec  4 04:47:44 2005"),
            Some((t("2005-12-04T04:47:44Z"), 24))
        );
        assert_eq!(
            parse_ctime_prefix(b"Thu Feb 29 23:59:59.123456 2024 x"),
            Some((t("2024-02-29T23:59:59.123456Z"), 31))
        );
        assert_eq!(parse_text(b"Fri Feb 06 10:00:00 2026"), Some(T0));
        assert_eq!(parse_prefix(b"Fri Feb 06 10:00:00 2026 x"), Some((T0, 24)));
        for bad in [
            "Fri Feb 06 10:00:00",
            "Fri Feb 06 10:00:00 26",
            "Fri Feb 06 10:00:00 20261",
            "Fry Feb 06 10:00:00 2026",
            "Fri Feb 06 10:00:00  2026",
            "Fri Feb 06 25:00:00 2026",
            "Fri",
        ] {
            assert_eq!(parse_ctime_prefix(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn two_digit_year_dates_as_spark_and_old_hadoop_write_them() {
        let t = |iso: &str| parse_rfc3339(iso.as_bytes()).unwrap();
        assert_eq!(
            parse_two_digit_year_prefix(b"26/02/06 10:00:00 INFO x"),
            Some((T0, 17))
        );
        assert_eq!(
            parse_two_digit_year_prefix(b"081109 203615 148 INFO dfs.DataNode: x"),
            Some((t("2008-11-09T20:36:15Z"), 13))
        );
        assert_eq!(
            parse_two_digit_year_prefix(b"26/02/06 10:00:00,250 WARN"),
            Some((T0 + 250_000, 21))
        );
        assert_eq!(parse_text(b"260206 100000"), Some(T0));
        assert_eq!(parse_prefix(b"26/02/06 10:00:00"), Some((T0, 17)));
        for bad in [
            "26/13/06 10:00:00",
            "26/02/00 10:00:00",
            "261306 100000",
            "260206 240000",
            "260206 1000001",
            "260206-100000",
            "26/02/06 10:00:00,",
            "123456 rows",
            "2602",
        ] {
            assert_eq!(parse_two_digit_year_prefix(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn common_log_format_times_with_and_without_a_zone() {
        let t = |iso: &str| parse_rfc3339(iso.as_bytes()).unwrap();
        assert_eq!(
            parse_clf_prefix(b"06/Feb/2026:10:00:00 +0000] \"GET / HTTP/1.1\""),
            Some((T0, 26))
        );
        assert_eq!(
            parse_clf_prefix(b"06/Feb/2026:12:30:00 +0230"),
            Some((t("2026-02-06T10:00:00Z"), 26))
        );
        assert_eq!(
            parse_clf_prefix(b"06/Feb/2026:05:00:00 -0500"),
            Some((T0, 26))
        );
        assert_eq!(parse_clf_prefix(b"06/Feb/2026:10:00:00]"), Some((T0, 20)));
        // HAProxy's accept date has milliseconds.
        assert_eq!(
            parse_clf_prefix(b"06/Feb/2026:10:00:00.123] fe be/srv"),
            Some((T0 + 123_000, 24))
        );
        assert_eq!(
            parse_clf_prefix(b"06/Feb/2026:10:00:00.5 +0000]"),
            Some((T0 + 500_000, 28))
        );
        assert_eq!(parse_text(b"06/Feb/2026:10:00:00.123"), Some(T0 + 123_000));
        assert_eq!(parse_clf_prefix(b"06/Feb/2026:10:00:00. x"), Some((T0, 20)));
        assert_eq!(parse_text(b"06/Feb/2026:10:00:00 +0000"), Some(T0));
        assert_eq!(
            parse_prefix(b"06/Feb/2026:10:00:00 +0000 x"),
            Some((T0, 26))
        );
        for bad in [
            "06/feb/2026:10:00:00 +0000",
            "6/Feb/2026:10:00:00 +0000",
            "06/Feb/2026 10:00:00 +0000",
            "32/Feb/2026:10:00:00 +0000",
            "06/Feb/2026:10:60:00 +0000",
            "06/Feb/2026:10:00:00 +2400",
            "06/Feb/2026:10:00:00 +00x0",
            "06/Feb/2026:10:00:00x",
            "06/Feb/2026:10:00:00.123x",
            "06/Feb/2026:10:00",
        ] {
            assert_eq!(parse_clf_prefix(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn rfc3339_variants_agree() {
        let base = T0 + 45 * MICROS_PER_SEC + 123_000;
        for s in [
            "2026-02-06T10:00:45.123Z",
            "2026-02-06 10:00:45.123",
            "2026-02-06T10:00:45,123Z",
            "2026-02-06T12:00:45.123+02:00",
            "2026-02-06T12:00:45.123+0200",
            "2026-02-06T05:00:45.123-05",
            "2026-02-06T10:00:45.123000000Z",
            "2026-02-06 12:00:45,123 +0200",
            "2026-02-06 05:00:45.123 -0500",
            // PostgreSQL's `%m`, Ruby's `Time#to_s`, Go's `Time.String()`.
            "2026-02-06 10:00:45.123 UTC",
            "2026-02-06 10:00:45.123 GMT",
            "2026-02-06 10:00:45.123 +0000 UTC",
            "2026-02-06 11:00:45.123 +0100 CET",
            "2026-02-06 05:00:45.123 -0500 EST",
            // PostgreSQL's `log_timezone` abbreviations and bare offsets.
            "2026-02-06 11:00:45.123 CET",
            "2026-02-06 05:00:45.123 EST",
            "2026-02-06 19:00:45.123 JST",
            "2026-02-06 13:00:45.123 +03",
            "2026-02-06 07:00:45.123 -03",
            "2026-02-06 15:30:45.123 +05:30",
        ] {
            assert_eq!(parse_rfc3339(s.as_bytes()), Some(base), "{s}");
        }
        // A level word after the time or its offset is no zone; nor is a longer word.
        assert_eq!(
            parse_rfc3339_prefix(b"2026-02-06 10:00:45.123 +0000 ERROR x"),
            Some((base, 29))
        );
        assert_eq!(
            parse_rfc3339_prefix(b"2026-02-06 10:00:45.123 UTCX"),
            Some((base, 23))
        );
        // An abbreviation of no known offset, or an offset past 14 hours, is no zone: it stays
        // in the line, the time read as UTC.
        for rest in [
            " IST x",
            " ABC x",
            " CETX",
            " +15 x",
            " +03:75",
            " CST [1] LOG:  x",
            " WEST region failover",
            " +12 retries left",
            " -05 items",
        ] {
            let line = format!("2026-02-06 10:00:45.123{rest}");
            assert_eq!(
                parse_rfc3339_prefix(line.as_bytes()),
                Some((base, 23)),
                "{line}"
            );
        }
        assert_eq!(
            parse_rfc3339_prefix(b"2026-02-06 11:00:45.123 CET [412] LOG:  x"),
            Some((base, 27))
        );
        // RDS's prefix after a bare offset (its client's address is no minutes), and an offset
        // with minutes before a word.
        assert_eq!(
            parse_rfc3339_prefix(b"2026-02-06 13:00:45.123 +03:10.0.3.14(51022):app@shop:[9]:LOG:"),
            Some((base, 27))
        );
        assert_eq!(
            parse_rfc3339_prefix(b"2026-02-06 13:00:45.123 +03:00 INFO started"),
            Some((base, 30))
        );
        assert_eq!(
            parse_rfc3339_prefix(b"2026-02-06 10:00:45.123 +0000 ABCDEF"),
            Some((base, 29))
        );
        // A space and four digits that are not a zone stay out of the time.
        let t = T0 + 45 * MICROS_PER_SEC;
        assert_eq!(
            parse_rfc3339_prefix(b"2026-02-06 10:00:45 +12345 rows"),
            Some((t, 19))
        );
        assert_eq!(
            parse_rfc3339_prefix(b"2026-02-06 10:00:45 +9999"),
            Some((t, 19))
        );
        assert_eq!(
            parse_rfc3339_prefix(b"2026-02-06 10:00:45 -1 retries"),
            Some((t, 19))
        );
    }

    #[test]
    fn rejects_garbage_and_out_of_range() {
        for s in [
            "",
            "2026-02-06",
            "2026-13-06T10:00:00Z",
            "2026-02-06T25:00:00Z",
            "2026-02-06T10:00:00.Z",
            "2026-02-06T10:00:00Zjunk",
            "abcd-02-06T10:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(s.as_bytes()), None, "{s}");
        }
    }

    /// A date that does not exist is no time in any format (it was read as a later day).
    #[test]
    fn days_that_do_not_exist_are_refused() {
        for s in [
            "2026-02-29T10:00:00Z",
            "2026-02-30 10:00:00",
            "1900-02-29T00:00:00Z",
            "2026-04-31T10:00:00Z",
            "2026/02/30 10:00:00",
            "30/Feb/2026:10:00:00 +0000",
            "Mon Feb 30 10:00:00 2026",
            "26/02/30 10:00:00",
            "Feb 30 10:00:00",
        ] {
            assert_eq!(parse_text(s.as_bytes()), None, "{s}");
        }
        // The same formats on days that exist.
        for s in [
            "2024-02-29T10:00:00Z",
            "2000-02-29T00:00:00Z",
            "2026-12-31T23:59:59Z",
            "2026/02/28 10:00:00",
            "28/Feb/2026:10:00:00 +0000",
            "Sat Feb 28 10:00:00 2026",
            "26/02/28 10:00:00",
            "Feb 28 10:00:00",
        ] {
            assert!(parse_text(s.as_bytes()).is_some(), "{s}");
        }
        assert!(parse_time_arg("2026-02-30", T0).is_err());
        assert!(parse_time_arg("2024-02-29", T0).is_ok());
    }

    #[test]
    fn rfc1123_dates_as_http_and_javascript_write_them() {
        for s in [
            "Fri, 06 Feb 2026 10:00:00 GMT",
            "Fri, 6 Feb 2026 10:00:00 GMT",
            "Fri, 06 Feb 2026 10:00:00 UTC",
            "Fri, 06 Feb 2026 10:00:00 +0000",
            "Fri, 06 Feb 2026 11:30:00 +0130",
            "Fri, 06 Feb 2026 02:00:00 PST",
            "Fri, 06 Feb 2026 05:00:00 EST",
            "Fri, 06 Feb 2026 10:00:00",
        ] {
            assert_eq!(parse_text(s.as_bytes()), Some(T0), "{s}");
        }
        assert_eq!(
            parse_text(b"Fri, 06 Feb 2026 10:00:00.250 GMT"),
            Some(T0 + 250_000)
        );
        // In a line: the time, then what follows; a level word is no zone.
        assert_eq!(
            parse_prefix(b"Fri, 06 Feb 2026 10:00:00 GMT ERROR x"),
            Some((T0, 29))
        );
        assert_eq!(
            parse_prefix(b"Fri, 06 Feb 2026 10:00:00 INFO x"),
            Some((T0, 25))
        );
        // A zone whose offset it does not know: no time, rather than one wrong by hours.
        assert_eq!(parse_prefix(b"Fri, 06 Feb 2026 10:00:00 CET x"), None);
        assert_eq!(parse_text(b"Fri, 06 Feb 2026 10:00:00 JST"), None);
        for s in [
            "Fri, 30 Feb 2026 10:00:00 GMT",
            "Fri, 006 Feb 2026 10:00:00 GMT",
            "Fri,06 Feb 2026 10:00:00 GMT",
            "Fri, 06 Foo 2026 10:00:00 GMT",
            "Fri, 06 Feb 2026 25:00:00 GMT",
            "Fri, 06 Feb 2026 10:00:00 +2500",
            "Fri, 06 Feb 2026 10:00:00GMT",
            "Fry, 06 Feb 2026 10:00:00 GMT",
            "Fri, 06 Feb 2026 10:00",
        ] {
            assert_eq!(parse_text(s.as_bytes()), None, "{s}");
        }
    }

    #[test]
    fn epoch_units_by_magnitude() {
        let secs = 1_770_372_000.0;
        assert_eq!(from_epoch_number(secs), Some(T0));
        assert_eq!(from_epoch_number(secs * 1e3), Some(T0));
        assert_eq!(from_epoch_number(secs * 1e6), Some(T0));
        assert_eq!(from_epoch_number(secs * 1e9), Some(T0));
        assert_eq!(from_epoch_number(f64::INFINITY), None);
        assert_eq!(from_epoch_number(-5.0), None);
        assert_eq!(parse_text(b"1770372000000"), Some(T0));
    }

    #[test]
    fn cache_agrees_with_plain_parsing() {
        let mut c = TimeCache::default();
        for s in [
            "2026-02-06T10:00:45.123Z",
            "2026-02-06T10:00:46.5Z",
            "2026-02-06T10:00:46.5+01:00",
            "2026-02-06T10:01:00Z",
            "2026-02-06T10:01:00Zjunk",
            "1770372000000",
            "2026-02-06T10:01",
            "2026-13-06T10:01:00Z",
        ] {
            assert_eq!(c.parse_text(s.as_bytes()), parse_text(s.as_bytes()), "{s}");
        }
    }

    #[test]
    fn format_round_trips() {
        let t = T0 + 7 * MICROS_PER_SEC + 5_000;
        assert_eq!(format_rfc3339(t), "2026-02-06T10:00:07.005Z");
        assert_eq!(parse_rfc3339(format_rfc3339(t).as_bytes()), Some(t));
        assert_eq!(format_rfc3339_secs(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_rfc3339_secs(-1), "1969-12-31T23:59:59Z");
    }
}
