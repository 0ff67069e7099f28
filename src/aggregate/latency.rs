//! Latency: durations from well-known fields, percentiles overall and per group, outliers.
//!
//! **Percentiles** come from DDSketch (Masson, Rim and Lee, "DDSketch: a fast and fully-mergeable
//! quantile sketch with relative-error guarantees", VLDB 2019; crate `sketches-ddsketch`) with a
//! relative accuracy of [`SKETCH_ALPHA`] = 0.5 %: every reported percentile is within 0.5 % of a
//! true value of the data at (within one of) the requested rank. Sketches merge exactly, so the
//! result does not depend on threads or chunking. `count`, `mean` and `max` are exact. On the
//! hot path a duration is binned once for all its groups (one logarithm gives its sketch key
//! and its histogram bucket) and each group counts per key; the counts enter the sketches with
//! `add_with_count` when a worker hands its state over, which gives the sketches the same bins
//! as adding every value on its own (see [`GroupLatency::settle`]).
//!
//! **Outliers in a group** follow Tukey's far-out fence on the group's own distribution
//! (Tukey, *Exploratory Data Analysis*, 1977): an event is an outlier when its duration is above
//! both the group's p99 and `Q3 + 3·IQR`. Each group keeps its [`GROUP_SLOWEST`] slowest events,
//! and those beyond the fence are reported. A **group is out of line** when it has at least
//! [`MIN_GROUP_COUNT`] events and its p99 is at least [`OUT_OF_LINE_RATIO`] times the overall p99.

use std::cmp::Ordering;

use hashbrown::HashMap;
use sketches_ddsketch::{Config as SketchConfig, DDSketch};

use super::{cut_bytes, Position};
use crate::record::fields::Slot;
use crate::record::{Format, Raw, Record};

/// Relative accuracy of the percentile sketches.
pub const SKETCH_ALPHA: f64 = 0.005;
/// Most bins per sketch (covers 1 ns … 10⁷ s at 0.5 %).
const SKETCH_MAX_BINS: u32 = 4096;
/// Longest duration taken (ms), about three years: the sketches' bins span 1 ns to ~6·10¹¹ ms,
/// and a longer value would make them merge their lowest bins (and the exact sum overflow).
/// A field holding more is counted as unparsable.
pub const MAX_DURATION_MS: f64 = 1e11;
/// Durations below this (ms) count as zero in the sketch.
const SKETCH_MIN_MS: f64 = 1e-6;
/// Slowest events kept per group.
pub const GROUP_SLOWEST: usize = 5;
/// Groups kept per dimension; later keys fall into one `(other)` group.
pub const MAX_GROUPS: usize = 1000;
/// Longest group key kept (a longer value, such as a 60 KB message, is grouped by its first
/// bytes, cut on a character boundary): groups take bounded memory whatever the lines hold.
pub const MAX_KEY_BYTES: usize = 256;
/// Smallest group whose percentiles are used for outlier rules.
pub const MIN_GROUP_COUNT: u64 = 20;
/// A group whose p99 is this many times the overall p99 is out of line.
pub const OUT_OF_LINE_RATIO: f64 = 3.0;
/// Events listed by `--slow` at most (all are counted).
pub const MAX_SLOW_LISTED: usize = 1000;

/// Units a duration can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Nanoseconds.
    Ns,
    /// Microseconds.
    Us,
    /// Milliseconds.
    Ms,
    /// Seconds.
    S,
}

impl Unit {
    /// Converts `v` of this unit to milliseconds (dividing, so `350 µs` is exactly `0.35`).
    pub fn to_ms(self, v: f64) -> f64 {
        match self {
            Unit::Ns => v / 1e6,
            Unit::Us => v / 1e3,
            Unit::Ms => v,
            Unit::S => v * 1e3,
        }
    }

    /// The unit's short name, as [`Unit::parse`] reads it.
    pub fn name(self) -> &'static str {
        match self {
            Unit::Ns => "ns",
            Unit::Us => "us",
            Unit::Ms => "ms",
            Unit::S => "s",
        }
    }

    /// Parses `ns`, `us`/`µs`, `ms`, `s`.
    pub fn parse(s: &str) -> Option<Unit> {
        Some(match s {
            "ns" => Unit::Ns,
            "us" | "µs" | "μs" => Unit::Us,
            "ms" => Unit::Ms,
            "s" | "sec" | "secs" | "seconds" => Unit::S,
            _ => return None,
        })
    }

    /// The unit a field name implies by its suffix (`duration_ms`, `latencyUs`, `took_s`), or
    /// by a schema (ECS's `event.duration` is in nanoseconds, Sidekiq's `ctx.elapsed` in
    /// seconds); milliseconds when the name says nothing.
    pub fn of_field(name: &str) -> Unit {
        match name {
            "event.duration" => return Unit::Ns,
            // Sidekiq's JSON log: a job's context, its run time in seconds; nginx's
            // `$request_time`.
            "ctx.elapsed" | "request_time" => return Unit::S,
            _ => {}
        }
        let lower = name.to_ascii_lowercase();
        for (suffix, unit) in [
            ("_ns", Unit::Ns),
            ("_us", Unit::Us),
            ("_µs", Unit::Us),
            ("_ms", Unit::Ms),
            ("_s", Unit::S),
            ("_sec", Unit::S),
            ("_secs", Unit::S),
            ("_seconds", Unit::S),
            ("nanos", Unit::Ns),
            ("micros", Unit::Us),
            ("millis", Unit::Ms),
        ] {
            if lower.ends_with(suffix) {
                return unit;
            }
        }
        // camelCase: responseTimeMs, latencyUs, durationNs
        for (suffix, unit) in [("Ms", Unit::Ms), ("Us", Unit::Us), ("Ns", Unit::Ns)] {
            if name.ends_with(suffix) && name.len() > 2 {
                return unit;
            }
        }
        Unit::Ms
    }
}

/// Parses a `--latency-field` value, `NAME` or `NAME:UNIT` (`took:s`).
pub fn parse_field_spec(spec: &str) -> Result<(String, Option<Unit>), String> {
    match spec.rsplit_once(':') {
        Some((name, u)) => match Unit::parse(u) {
            Some(unit) if !name.is_empty() => Ok((name.to_string(), Some(unit))),
            Some(_) => Err(format!("--latency-field {spec:?}: no field name")),
            None => Err(format!(
                "--latency-field {spec:?}: unknown unit {u:?} (use ns, us, ms or s)"
            )),
        },
        None if spec.is_empty() => Err("--latency-field: no field name".to_string()),
        None => Ok((spec.to_string(), None)),
    }
}

/// The unit of an event's duration by the field it came from: its alias priority in the field
/// spec (0 for `--latency-field`'s one path, else 1 + its place among the default aliases).
#[derive(Clone, Debug)]
pub struct DurationUnits {
    units: Vec<Unit>,
    /// The priority of the bare `duration` alias (`None` with `--latency-field`).
    bare: Option<u16>,
    /// The priorities of the aliases whose name says no unit (`duration`, `latency`,
    /// `elapsed`, `took`), one bit each (none with `--latency-field`): Go's loggers write a
    /// `time.Duration` there in a unit of their own (see [`go_unit`]).
    unitless: u64,
    /// [`go_unit`]'s alias priorities: `ts` and `time` (time), `msg` (message).
    go_prios: [Option<u16>; 3],
    /// The priority of AWS Lambda's `record.metrics.durationMs` (see [`DurationUnits::skips`]).
    lambda: Option<u16>,
}

/// The priority of `ts` among the time aliases, `time`'s, and `msg`'s among the message aliases.
fn alias_prio(slot: Slot, name: &str) -> Option<u16> {
    crate::record::fields::DEFAULT_ALIASES[slot as usize]
        .1
        .iter()
        .position(|a| *a == name)
        .map(|i| i as u16 + 1)
}

/// The unit a Go logger writes a `time.Duration` in, known by the event's shape, for a number
/// under a name that says no unit:
/// - zap's production encoder (its time under `ts` as epoch seconds, a number): seconds, as a
///   float (`"latency":1.5202`); Caddy's access log is zap's (a `ts` of text, Rust's slog-json
///   among others, says nothing of the unit);
/// - slog's `JSONHandler` (`time` as text, an upper-case `level`, `msg`): integer nanoseconds
///   (`"duration":1100000000`).
///
/// `None` for any other event, and for logfmt (go-kit's `ts=` writes durations with their
/// unit): its number is in milliseconds.
fn go_unit(rec: &Record<'_, '_>, prios: [Option<u16>; 3]) -> Option<Unit> {
    let [ts, time, msg] = prios;
    let Some(Raw::Num(value)) = rec.raw(Slot::Duration) else {
        return None;
    };
    let json = match rec.format {
        Format::Json | Format::CloudWatch => true,
        // A container runtime's line holds JSON or logfmt: its payload's first byte tells.
        Format::Cri => memchr::memchr(b' ', rec.line)
            .and_then(|sp| crate::record::text::cri_stream(rec.line[sp..].trim_ascii_start()))
            .is_some_and(|payload| payload.first() == Some(&b'{')),
        Format::Logfmt | Format::Text => false,
    };
    if !json {
        return None;
    }
    let (time_raw, time_prio) = rec.fields.get_with_prio(Slot::Time as usize)?;
    if Some(time_prio) == ts {
        return matches!(time_raw, Raw::Num(_)).then_some(Unit::S);
    }
    let slog = Some(time_prio) == time
        && matches!(time_raw, Raw::Str { .. })
        && rec
            .fields
            .get_with_prio(Slot::Message as usize)
            .map(|(_, p)| p)
            == msg
        && matches!(rec.raw(Slot::Level), Some(Raw::Str { bytes, .. })
            if bytes.first().is_some_and(u8::is_ascii_uppercase)
                && !bytes.iter().any(u8::is_ascii_lowercase))
        && value.iter().all(u8::is_ascii_digit);
    slog.then_some(Unit::Ns)
}

impl DurationUnits {
    /// With `--latency-field`, the unit of its field (`field`); else the default aliases'.
    pub fn new(field: Option<Unit>) -> DurationUnits {
        let aliases = crate::record::fields::DEFAULT_ALIASES[Slot::Duration as usize].1;
        let mut units = vec![field.unwrap_or(Unit::Ms)];
        units.extend(aliases.iter().map(|a| Unit::of_field(a)));
        let unitless = match field {
            Some(_) => 0,
            None => aliases
                .iter()
                .enumerate()
                .filter(|(_, a)| matches!(**a, "duration" | "latency" | "elapsed" | "took"))
                .fold(0, |bits, (i, _)| bits | 1 << (i + 1)),
        };
        DurationUnits {
            units,
            bare: match field {
                Some(_) => None,
                None => alias_prio(Slot::Duration, "duration"),
            },
            unitless,
            go_prios: [
                alias_prio(Slot::Time, "ts"),
                alias_prio(Slot::Time, "time"),
                alias_prio(Slot::Message, "msg"),
            ],
            lambda: match field {
                Some(_) => None,
                None => alias_prio(Slot::Duration, "record.metrics.durationMs"),
            },
        }
    }

    /// True for a duration at priority `prio` that is not a duration of its own: AWS Lambda's
    /// JSON log format writes an invocation's `record.metrics.durationMs` twice, in
    /// `platform.runtimeDone` and in `platform.report`; only the report's counts.
    #[inline]
    pub fn skips(&self, prio: u16, rec: &Record<'_, '_>) -> bool {
        Some(prio) == self.lambda
            && memchr::memmem::find(rec.line, b"\"platform.report\"").is_none()
    }

    /// The unit of the duration that `rec` holds at priority `prio`. A name that says no unit
    /// is read in the unit its Go logger writes (zap's seconds, slog's nanoseconds); Caddy's
    /// access log (its logger `http.log.access…`) writes `duration` in seconds.
    #[inline]
    pub fn of(&self, prio: u16, rec: &Record<'_, '_>) -> Unit {
        if prio == crate::record::text::SECONDS {
            return Unit::S;
        }
        if prio < 64 && self.unitless >> prio & 1 == 1 {
            if let Some(unit) = go_unit(rec, self.go_prios) {
                return unit;
            }
        }
        if Some(prio) == self.bare
            && rec
                .bytes(Slot::Service)
                .is_some_and(|s| s.starts_with(b"http.log.access"))
        {
            return Unit::S;
        }
        self.units.get(prio as usize).copied().unwrap_or(Unit::Ms)
    }
}

/// Where a plain-text line's duration is: the duration its header reports (Celery's `succeeded
/// in 0.25s`), unless `--latency-field` names the one field to read; else its first
/// `key=value` pair named as the duration field is (`… done duration_ms=120`, `took=1.5s`),
/// each name with the unit it says.
#[derive(Clone, Debug)]
pub struct TextDurations {
    keys: Vec<Box<[u8]>>,
    units: Vec<Unit>,
    headers: bool,
    /// The key that Sidekiq writes in seconds (`elapsed`) beside a job's `jid`.
    seconds_with_jid: Option<usize>,
}

impl TextDurations {
    /// The names of `--latency-field` (`field`), or the duration field's default names.
    pub fn new(field: Option<&(String, Option<Unit>)>) -> TextDurations {
        match field {
            Some((name, unit)) => TextDurations {
                keys: vec![name.as_bytes().into()],
                units: vec![unit.unwrap_or_else(|| Unit::of_field(name))],
                headers: false,
                seconds_with_jid: None,
            },
            None => {
                let names = crate::record::fields::DEFAULT_ALIASES
                    [crate::record::fields::Slot::Duration as usize]
                    .1;
                TextDurations {
                    keys: names.iter().map(|n| n.as_bytes().into()).collect(),
                    units: names.iter().map(|n| Unit::of_field(n)).collect(),
                    headers: true,
                    seconds_with_jid: names.iter().position(|n| *n == "elapsed"),
                }
            }
        }
    }

    /// The duration of a plain-text line `rec` in ms: the one its header reports (see
    /// [`crate::record::text::Header::duration`]), else a pair's ([`TextDurations::of`]). The
    /// header's comes first: it is where the logger puts it, while a pair may be any text of
    /// the message (`LOG:  duration: 250.0 ms  statement: UPDATE calls SET duration=42`).
    pub fn of_record(&self, rec: &Record<'_, '_>) -> Option<Result<f64, ()>> {
        let header = rec
            .fields
            .get_with_prio(Slot::Duration as usize)
            .filter(|_| self.headers);
        match header {
            Some((raw, prio)) => {
                let unit = match prio {
                    crate::record::text::SECONDS => Unit::S,
                    _ => Unit::Ms,
                };
                Some(duration_of(raw, unit).ok_or(()))
            }
            None => self.of(rec.line),
        }
    }

    /// The duration of `line` in ms: `None` without such a pair, or when its value is a word
    /// (`latency=high`, `duration=null`: prose, not a duration); `Some(Err)` when a value
    /// that starts like a number is no duration (`took=5x`). Sentence punctuation after the
    /// value (`took=1.5s.`) is not part of it.
    pub fn of(&self, line: &[u8]) -> Option<Result<f64, ()>> {
        let (i, value) = crate::record::text::kv_pair(line, &self.keys)?;
        let value = value
            .strip_suffix(b".")
            .or_else(|| value.strip_suffix(b":"))
            .unwrap_or(value);
        let numeric = match value {
            [b'0'..=b'9', ..] => true,
            // ISO 8601 (`PT1.5S`, `P1D`).
            [b'P' | b'p', b'0'..=b'9' | b'T' | b't', ..] => true,
            _ => false,
        };
        if !numeric {
            return None;
        }
        let raw = Raw::Str {
            bytes: value,
            escaped: false,
        };
        let unit = match self.units.get(i) {
            // Sidekiq's job context (`… jid=… elapsed=0.512 INFO: done`) gives seconds.
            Some(_) if Some(i) == self.seconds_with_jid && sidekiq_job(line) => Unit::S,
            Some(&unit) => unit,
            None => Unit::Ms,
        };
        Some(duration_of(&raw, unit).ok_or(()))
    }
}

/// Whether a text line carries a Sidekiq job's context (its `jid=` word).
fn sidekiq_job(line: &[u8]) -> bool {
    memchr::memmem::find(line, b" jid=").is_some()
}

/// The duration a field value holds, in ms (a bare number read in `unit`): `None` when it
/// holds none, or one that is negative or past [`MAX_DURATION_MS`]. `-0` is `0`.
pub fn duration_of(raw: &Raw<'_>, unit: Unit) -> Option<f64> {
    let ms = match raw {
        Raw::Num(_) => raw.to_f64().map(|v| unit.to_ms(v)),
        Raw::Str { .. } => parse_duration_text(&raw.to_text(), unit),
        _ => None,
    }?;
    (0.0..=MAX_DURATION_MS).contains(&ms).then_some(ms + 0.0)
}

/// Parses a duration written as text: a number (in `default` units); numbers with units, Go
/// style included (`12.5ms`, `1.2s`, `350µs`, `1m2.5s`, `2h45m`); ISO 8601 as Java's
/// `Duration` writes it (`PT1.5S`, `PT2H3M`, `P1DT2H`); a clock as .NET's `TimeSpan` and
/// Python's `timedelta` write it (`00:00:01.2345678`, `1.02:03:04`, `0:00:01.5`,
/// `2 days, 1:00:00`). Returns milliseconds; a negative duration is `None`.
pub fn parse_duration_text(s: &str, default: Unit) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(v) = s.parse::<f64>() {
        return (v.is_finite() && v >= 0.0).then(|| default.to_ms(v));
    }
    if let Some(iso) = s.strip_prefix(['P', 'p']) {
        return parse_iso8601(iso);
    }
    if s.contains(':') {
        return parse_clock(s);
    }
    // A number in exponent form before its unit: Python's repr of a small float (Celery's
    // `succeeded in 6.1e-05s`).
    let number = s.trim_end_matches(char::is_alphabetic).trim_end();
    if number.len() < s.len() && number.contains(['e', 'E']) {
        // Else a duration of several parts (`1 sec 500 ms`), read below.
        if let Ok(v) = number.parse::<f64>() {
            let ms = match s[number.len()..].trim_start() {
                "h" => v * 3_600_000.0,
                "m" | "min" => v * 60_000.0,
                u => Unit::parse(u)?.to_ms(v),
            };
            return (ms.is_finite() && ms >= 0.0).then_some(ms);
        }
    }
    let mut total = 0.0;
    let mut rest = s;
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_end == 0 {
            return None;
        }
        let v: f64 = rest[..num_end].parse().ok()?;
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = rest[..unit_end].trim();
        total += match unit {
            "h" => v * 3_600_000.0,
            "m" | "min" => v * 60_000.0,
            u => Unit::parse(u)?.to_ms(v),
        };
        rest = &rest[unit_end..];
    }
    total.is_finite().then_some(total)
}

/// An ISO 8601 duration after its `P`: `[nW][nD][T[nH][nM][nS]]`, each number may have a
/// fraction (`.` or `,`). Years and months have no fixed length, so they are not read.
fn parse_iso8601(s: &str) -> Option<f64> {
    let (date, time) = match s.find(['T', 't']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mut total = 0.0;
    let mut parts = 0;
    let mut read = |text: &str, units: &[(u8, f64)]| -> Option<()> {
        let (mut rest, mut next) = (text, 0);
        while !rest.is_empty() {
            let end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))?;
            let v: f64 = rest[..end].replace(',', ".").parse().ok()?;
            let unit = rest.as_bytes()[end].to_ascii_uppercase();
            // Each unit once, largest first.
            let i = next + units[next..].iter().position(|&(u, _)| u == unit)?;
            total += v * units[i].1;
            parts += 1;
            next = i + 1;
            rest = &rest[end + 1..];
        }
        Some(())
    };
    read(date, &[(b'W', 604_800_000.0), (b'D', 86_400_000.0)])?;
    match time {
        Some("") => return None,
        Some(t) => read(t, &[(b'H', 3_600_000.0), (b'M', 60_000.0), (b'S', 1_000.0)])?,
        None => {}
    }
    (parts > 0 && total.is_finite()).then_some(total)
}

/// A clock-style duration: `[D.]H:MM:SS[.fraction]` (.NET) or `[N day[s], ]H:MM:SS[.fraction]`
/// (Python); minutes and seconds below 60.
fn parse_clock(s: &str) -> Option<f64> {
    let (days, clock) = match s.split_once(", ") {
        Some((d, clock)) => {
            let n = d.strip_suffix(" days").or_else(|| d.strip_suffix(" day"))?;
            (n.parse::<u64>().ok()?, clock)
        }
        None => (0, s),
    };
    let mut it = clock.split(':');
    let (h, m, sec) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() {
        return None;
    }
    let (days, h) = match h.split_once('.') {
        Some((d, h)) if days == 0 => (d.parse::<u64>().ok()?, h),
        Some(_) => return None,
        None => (days, h),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let (whole, fraction) = sec.split_once('.').unwrap_or((sec, "0"));
    let two = |t: &str| digits(t) && t.len() <= 2;
    if !(digits(h) && two(m) && two(whole) && digits(fraction)) {
        return None;
    }
    let (h, m, sec): (f64, f64, f64) = (h.parse().ok()?, m.parse().ok()?, sec.parse().ok()?);
    if m >= 60.0 || sec >= 60.0 {
        return None;
    }
    let ms = ((days as f64 * 24.0 + h) * 60.0 + m) * 60_000.0 + sec * 1_000.0;
    ms.is_finite().then_some(ms)
}

fn sketch_config() -> SketchConfig {
    SketchConfig::new(SKETCH_ALPHA, SKETCH_MAX_BINS, SKETCH_MIN_MS)
}

fn new_sketch() -> DDSketch {
    DDSketch::new(sketch_config())
}

/// The 1-based nearest rank of percentile `q` (0–1) among `n` values: `⌈q·n⌉`, at least 1.
/// Computed on integers (`q` to a millionth), so `0.9 × 10` is rank 9, never 10 by rounding.
pub fn nearest_rank(q: f64, n: u64) -> u64 {
    let millionths = (q.clamp(0.0, 1.0) * 1e6).round() as u128;
    let rank = (millionths * u128::from(n)).div_ceil(1_000_000);
    (rank as u64).clamp(1, n.max(1))
}

/// Percentile `q` of a sketch by the nearest-rank definition: the value at rank `⌈q·n⌉`, within
/// the sketch's relative accuracy; the top rank is `max` when the caller knows the exact
/// maximum (a sketch fed binned counts knows only its bin).
///
/// `DDSketch::quantile` reads the 0-based rank `⌊q·(n−1)⌋`, which is one rank lower for most
/// `q` and `n`: harmless in a dense distribution, but in a sparse tail (the p99.9 of a group of
/// a thousand events) the next lower value can be a fraction of the right one.
pub fn sketch_quantile(sketch: &DDSketch, q: f64, max: Option<f64>) -> Option<f64> {
    let n = sketch.count() as u64;
    if n == 0 {
        return None;
    }
    let rank = nearest_rank(q, n) - 1;
    if rank + 1 >= n {
        return max.or_else(|| sketch.max());
    }
    // The midpoint between two ranks: the sketch's `⌊q'·(n−1)⌋` is `rank` whatever the rounding.
    let q = (rank as f64 + 0.5) / (n - 1) as f64;
    sketch.quantile(q).ok().flatten()
}

/// `ln γ` of the sketches, computed as `SketchConfig::new` does, so [`Latency::bin`] finds the
/// same keys as `DDSketch::add`.
fn gamma_ln() -> f64 {
    sketch_config().gamma.ln()
}

/// An event kept as evidence.
#[derive(Clone, Debug, PartialEq)]
pub struct SlowEvent {
    /// Duration in ms.
    pub duration_ms: f64,
    /// Where it was (orders ties).
    pub pos: Position,
    /// Event time (µs), if any.
    pub time_us: Option<i64>,
    /// Request id, if any.
    pub request_id: Option<Box<str>>,
    /// Message, if any (cut to 512 bytes).
    pub message: Option<Box<str>>,
}

impl SlowEvent {
    /// Slowest first; ties by input position.
    fn cmp_slowest(&self, other: &SlowEvent) -> Ordering {
        other
            .duration_ms
            .total_cmp(&self.duration_ms)
            .then(self.pos.cmp(&other.pos))
    }
}

/// The `k` slowest events seen, mergeable.
#[derive(Clone, Debug, Default)]
pub struct SlowestK {
    k: usize,
    /// Kept sorted slowest first once full.
    items: Vec<SlowEvent>,
    /// Duration an event must beat to enter when full.
    floor: f64,
}

impl SlowestK {
    /// Keeps the `k` slowest.
    pub fn new(k: usize) -> SlowestK {
        SlowestK {
            k,
            items: Vec::new(),
            floor: f64::NEG_INFINITY,
        }
    }

    /// Returns true if and only if an event of `duration_ms` could enter.
    #[inline]
    pub fn wants(&self, duration_ms: f64) -> bool {
        self.k > 0 && (self.items.len() < self.k || duration_ms >= self.floor)
    }

    /// Offers an event (build it only if [`SlowestK::wants`] said yes).
    pub fn offer(&mut self, e: SlowEvent) {
        if !self.wants(e.duration_ms) {
            return;
        }
        self.items.push(e);
        if self.items.len() > self.k * 2 {
            self.compact();
        }
    }

    fn compact(&mut self) {
        self.items.sort_by(SlowEvent::cmp_slowest);
        self.items.truncate(self.k);
        // `k` is 0 only when a merge state says so (the CLI wants `--top` ≥ 1).
        if let Some(last) = self.items.last().filter(|_| self.items.len() == self.k) {
            self.floor = last.duration_ms;
        }
    }

    /// Adds another set.
    pub fn merge(&mut self, other: SlowestK) {
        self.items.extend(other.items);
        self.compact();
    }

    /// How many it keeps.
    pub fn k(&self) -> usize {
        self.k
    }

    /// The kept events, slowest first.
    pub fn sorted(&self) -> Vec<SlowEvent> {
        self.clone().into_sorted()
    }

    /// The kept events, slowest first.
    pub fn into_sorted(mut self) -> Vec<SlowEvent> {
        self.compact();
        self.items
    }
}

/// Lowest sketch key counted in a group's pending bins (about 1 µs); keys outside
/// [`PENDING_KEY_LO`], `PENDING_KEY_LO + PENDING_SLOTS` go to the sketch directly.
const PENDING_KEY_LO: i32 = -700;
/// Pending bins per group: keys up to about 2.4·10⁷ ms (6.7 hours) at 0.5 %.
const PENDING_SLOTS: usize = 2400;
/// Groups (per worker) that bin values before they enter the sketch (9.6 kB each); later
/// groups add to their sketch directly, so memory stays small with thousands of groups.
const MAX_BINNED_GROUPS: usize = 256;

/// Where a duration lands in every sketch (they share one configuration), computed once per
/// event for all its groups: a pending-bin slot, or none when it falls outside the pending
/// range (it is then added to the sketch itself).
#[derive(Clone, Copy, Debug)]
pub struct Binned {
    ms: f64,
    /// Duration in whole nanoseconds (for the exact sum; at most 10¹⁷ by
    /// [`MAX_DURATION_MS`]).
    ns: i64,
    slot: Option<u16>,
}

/// Latency of one group.
#[derive(Clone)]
pub struct GroupLatency {
    /// Percentile sketch. Up to date only after [`GroupLatency::settle`] (which
    /// [`Latency::settle`] and the merges call).
    pub sketch: DDSketch,
    /// Events.
    pub count: u64,
    /// Sum of durations in whole nanoseconds: an integer, so the mean does not depend on the
    /// order in which threads add values up.
    pub sum_ns: i128,
    /// Exact maximum.
    pub max: f64,
    /// Slowest events of the group.
    pub slowest: SlowestK,
    /// Counts per sketch key not yet in `sketch` (allocated on first use). `DDSketch::add`
    /// takes a logarithm per value and per sketch; here a value is binned once per event for
    /// all its groups, and each bin enters the sketch with one `add_with_count` when the chunk
    /// ends. The sketch ends up with the same bins as if every value had been added alone.
    /// 16-bit counts (a full one settles the group): a chunk has far fewer timed events in a
    /// bin, and up to 256 groups' bins take half the cache they did with 32 bits.
    pending: Vec<u16>,
    /// Slots of `pending` that are not zero.
    touched: Vec<u16>,
    /// Whether this group bins values (see [`MAX_BINNED_GROUPS`]); if not, values go
    /// straight into the sketch.
    binned: bool,
}

impl std::fmt::Debug for GroupLatency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupLatency")
            .field("count", &self.count)
            .field("sum_ns", &self.sum_ns)
            .field("max", &self.max)
            .finish_non_exhaustive()
    }
}

impl GroupLatency {
    /// An empty group keeping its `k` slowest events.
    pub fn new(k: usize) -> GroupLatency {
        GroupLatency {
            sketch: new_sketch(),
            count: 0,
            sum_ns: 0,
            max: f64::NEG_INFINITY,
            slowest: SlowestK::new(k),
            pending: Vec::new(),
            touched: Vec::new(),
            binned: true,
        }
    }

    #[inline]
    fn add(&mut self, b: Binned) {
        match b.slot.filter(|_| self.binned) {
            Some(slot) => {
                if self.pending.is_empty() {
                    self.pending = vec![0; PENDING_SLOTS];
                }
                let c = &mut self.pending[slot as usize];
                if *c == 0 {
                    self.touched.push(slot);
                }
                *c += 1;
                if *c == u16::MAX {
                    self.settle();
                }
            }
            None => self.sketch.add(b.ms),
        }
        self.count += 1;
        self.sum_ns += i128::from(b.ns);
        if b.ms > self.max {
            self.max = b.ms;
        }
    }

    /// Moves the pending bins into the sketch.
    pub fn settle(&mut self) {
        if self.touched.is_empty() {
            return;
        }
        let config = sketch_config();
        for slot in self.touched.drain(..) {
            let n = std::mem::take(&mut self.pending[slot as usize]);
            // `value(key)` lies inside bin `key`, so the sketch files it under that key.
            let v = config.value(PENDING_KEY_LO + i32::from(slot));
            self.sketch.add_with_count(v, u64::from(n));
        }
    }

    fn merge(&mut self, mut o: GroupLatency) {
        self.settle();
        o.settle();
        self.sketch
            .merge(&o.sketch)
            .expect("sketches share one configuration");
        self.count += o.count;
        self.sum_ns += o.sum_ns;
        self.max = self.max.max(o.max);
        self.slowest.merge(o.slowest);
    }

    /// Mean duration in ms.
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum_ns as f64 / self.count as f64 / 1e6)
    }

    /// Percentile `q` (0–1) in ms, nearest rank (see [`sketch_quantile`]).
    pub fn quantile(&self, q: f64) -> Option<f64> {
        debug_assert!(self.touched.is_empty(), "quantile of an unsettled group");
        sketch_quantile(&self.sketch, q, (self.count > 0).then_some(self.max))
    }
}

/// Grouping dimensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dimension {
    /// Service or logger.
    Service,
    /// Source location.
    Caller,
    /// HTTP route (`METHOD /path` with ids masked).
    Route,
    /// Catalog pattern hit.
    Pattern,
    /// Message text.
    Message,
    /// A user-chosen field (`--latency-by`).
    Field,
}

impl Dimension {
    /// Name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Dimension::Service => "service",
            Dimension::Caller => "caller",
            Dimension::Route => "route",
            Dimension::Pattern => "pattern",
            Dimension::Message => "message",
            Dimension::Field => "field",
        }
    }
}

/// Key of a group: dimension and value (bytes as logged; shown lossily as text).
pub type GroupKey = (Dimension, Box<[u8]>);

/// All latency state of one worker. See the module docs.
#[derive(Clone, Debug)]
pub struct Latency {
    /// All events with a duration.
    pub overall: GroupLatency,
    /// Per group, but for messages (see [`Latency::all_groups`]).
    pub groups: HashMap<GroupKey, GroupLatency, foldhash::fast::FixedState>,
    /// Per message: the message with its numbers masked ([`message_key_into`]), and its
    /// group. A message's index here is kept in the message table with the message
    /// ([`Latency::message_group`]), so a timed event finds its group without a lookup.
    messages: Vec<(Box<[u8]>, GroupLatency)>,
    /// Index in `messages` of each masked message.
    message_keys: HashMap<Box<[u8]>, u32, foldhash::fast::FixedState>,
    mask_buf: Vec<u8>,
    /// Groups per dimension, to cap them.
    per_dim: HashMap<Dimension, usize, foldhash::fast::FixedState>,
    /// Events above `--slow`.
    pub slow: Vec<SlowEvent>,
    /// Count of events above `--slow` (all, not only the listed ones).
    pub slow_count: u64,
    /// `--slow` threshold (ms).
    pub slow_threshold_ms: Option<f64>,
    /// Events whose duration field did not parse.
    pub unparsable: u64,
    /// Counts per log-spaced duration bucket (see [`histogram_bucket`]).
    pub histogram: [u64; HIST_BUCKETS],
    /// `ln γ` of the sketches (see [`Latency::bin`]).
    gamma_ln: f64,
}

/// Buckets of the latency histogram: four per decade from 0.01 ms to 1,000 s, plus one below
/// and one above.
pub const HIST_BUCKETS: usize = 34;

/// The histogram bucket of a duration: 0 below 0.01 ms, then `4·(log10(ms) + 2)` (four per
/// decade), the last one at and above 1,000,000 ms.
pub fn histogram_bucket(ms: f64) -> usize {
    histogram_bucket_ln(ms, ms.ln())
}

/// [`histogram_bucket`] given `ln(ms)` (computed once per event for the sketches too).
#[inline]
fn histogram_bucket_ln(ms: f64, ln: f64) -> usize {
    if ms.is_nan() || ms < 0.01 {
        return 0;
    }
    let b = floor_i32((ln / std::f64::consts::LN_10 + 2.0) * 4.0) + 1;
    b.clamp(1, HIST_BUCKETS as i32 - 1) as usize
}

/// `x.floor() as i32` without a call: the portable x86-64 target has no rounding instruction
/// (SSE4.1), so `floor` is a libm call on the per-event path. Saturates like `as`.
#[inline]
fn floor_i32(x: f64) -> i32 {
    let t = x as i32;
    t - i32::from(f64::from(t) > x)
}

/// A duration in whole nanoseconds, `(ms · 10⁶).round()` for `0 ≤ ms ≤` [`MAX_DURATION_MS`],
/// without a call (`round`) or the software conversion to `i128`.
#[inline]
fn round_ns(ms: f64) -> i64 {
    let x = ms * 1e6;
    let t = x as i64;
    // `x - t` is exact: the fraction of `x` (0 from 2⁵² on, where every value is whole). Half
    // rounds up, as `round` does for positive values.
    t + i64::from(x - t as f64 >= 0.5)
}

/// Upper bound (exclusive, ms) of histogram bucket `i` (infinite for the last).
pub fn histogram_upper_ms(i: usize) -> f64 {
    if i + 1 >= HIST_BUCKETS {
        f64::INFINITY
    } else {
        10f64.powf(i as f64 / 4.0 - 2.0)
    }
}

/// The event `event` describes, built at most once per observation.
#[cold]
#[inline(never)]
fn built_event(built: &mut Option<SlowEvent>, event: &dyn Fn() -> SlowEvent) -> SlowEvent {
    built.get_or_insert_with(event).clone()
}

/// Offers the event to `k` (which wants it).
#[cold]
#[inline(never)]
fn offer(k: &mut SlowestK, built: &mut Option<SlowEvent>, event: &dyn Fn() -> SlowEvent) {
    k.offer(built_event(built, event));
}

/// A borrowed [`GroupKey`] for lookups without allocating; hashes like the tuple.
#[derive(Hash)]
struct GroupRef<'a>(Dimension, &'a [u8]);

impl hashbrown::Equivalent<GroupKey> for GroupRef<'_> {
    fn equivalent(&self, key: &GroupKey) -> bool {
        self.0 == key.0 && self.1 == &*key.1
    }
}

/// The `(other)` group key value.
pub const OTHER: &str = "(other)";

impl Latency {
    /// Empty state keeping `top` slowest events overall.
    pub fn new(top: usize, slow_threshold_ms: Option<f64>) -> Latency {
        Latency {
            overall: GroupLatency::new(top),
            groups: HashMap::with_hasher(foldhash::fast::FixedState::with_seed(3)),
            messages: Vec::new(),
            message_keys: HashMap::with_hasher(foldhash::fast::FixedState::with_seed(5)),
            mask_buf: Vec::new(),
            per_dim: HashMap::with_hasher(foldhash::fast::FixedState::with_seed(4)),
            slow: Vec::new(),
            slow_count: 0,
            slow_threshold_ms,
            unparsable: 0,
            histogram: [0; HIST_BUCKETS],
            gamma_ln: gamma_ln(),
        }
    }

    /// Rebuilds a state from its parts (a report's merge state): `groups` are taken as they
    /// are, at most [`MAX_GROUPS`] per dimension plus `(other)`.
    pub fn from_parts(
        overall: GroupLatency,
        groups: Vec<(GroupKey, GroupLatency)>,
        slow_threshold_ms: Option<f64>,
        slow: Vec<SlowEvent>,
        slow_count: u64,
        unparsable: u64,
        histogram: [u64; HIST_BUCKETS],
    ) -> Latency {
        let mut l = Latency::new(overall.slowest.k(), slow_threshold_ms);
        l.overall = overall;
        let mut other = Latency::new(0, None);
        for ((dim, key), g) in groups {
            match dim {
                // Kept apart, as `observe` keeps them; `merge` reads them by key.
                Dimension::Message => other.messages.push((key, g)),
                _ => {
                    other.groups.insert((dim, key), g);
                }
            }
        }
        l.merge(other);
        l.slow = slow;
        l.slow.truncate(MAX_SLOW_LISTED);
        l.slow_count = slow_count;
        l.unparsable = unparsable;
        l.histogram = histogram;
        l
    }

    /// Where `ms` goes in the sketches, and its histogram bucket: one logarithm for both.
    #[inline]
    fn bin(&self, ms: f64) -> (Binned, usize) {
        let ln = ms.ln();
        let slot = if ms > SKETCH_MIN_MS {
            // As `SketchConfig::key`: floor(ln(v) / ln γ).
            let key = floor_i32(ln / self.gamma_ln);
            u16::try_from(key - PENDING_KEY_LO)
                .ok()
                .filter(|&s| (s as usize) < PENDING_SLOTS)
        } else {
            None
        };
        (
            Binned {
                ms,
                ns: round_ns(ms),
                slot,
            },
            histogram_bucket_ln(ms, ln),
        )
    }

    /// Records one duration. `event` builds the evidence record, only when it is needed.
    #[inline]
    /// `message` is the event's message group ([`Latency::message_group`]).
    pub fn observe(
        &mut self,
        ms: f64,
        keys: &[(Dimension, &[u8])],
        message: Option<u32>,
        event: impl Fn() -> SlowEvent,
    ) {
        let (b, bucket) = self.bin(ms);
        self.overall.add(b);
        self.histogram[bucket] += 1;
        // Building and keeping an event is rare (a few thousand times a run); it stays out of
        // line, so the code run for every event is small.
        let mut built: Option<SlowEvent> = None;
        if self.overall.slowest.wants(ms) {
            offer(&mut self.overall.slowest, &mut built, &event);
        }
        if let Some(t) = self.slow_threshold_ms {
            if ms > t {
                self.slow_count += 1;
                if self.slow.len() < MAX_SLOW_LISTED {
                    self.slow.push(built_event(&mut built, &event));
                }
            }
        }
        for &(dim, value) in keys {
            let value = cut_bytes(value, MAX_KEY_BYTES);
            let g = match self.groups.get_mut(&GroupRef(dim, value)) {
                Some(g) => g,
                None => self.new_group(dim, value),
            };
            g.add(b);
            if g.slowest.wants(ms) {
                offer(&mut g.slowest, &mut built, &event);
            }
        }
        if let Some((_, g)) = message.and_then(|i| self.messages.get_mut(i as usize)) {
            g.add(b);
            if g.slowest.wants(ms) {
                offer(&mut g.slowest, &mut built, &event);
            }
        }
    }

    /// The message group of `message` (an index for [`Latency::observe`]). `memo` is where
    /// the caller keeps it with the message (0 before the first call): the message is masked
    /// and looked up only the first time.
    #[inline]
    pub fn message_group(&mut self, memo: &mut u32, message: &[u8]) -> u32 {
        match memo.checked_sub(1) {
            Some(i) if (i as usize) < self.messages.len() => i,
            _ => {
                let i = self.message_group_of(message);
                *memo = i + 1;
                i
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn message_group_of(&mut self, message: &[u8]) -> u32 {
        let mut masked = std::mem::take(&mut self.mask_buf);
        message_key_into(cut_bytes(message, MAX_KEY_BYTES), &mut masked);
        let i = self.message_index(&masked);
        self.mask_buf = masked;
        i
    }

    /// The index of the group of masked message `key`, made if new: at most [`MAX_GROUPS`]
    /// of them, later ones share `(other)`.
    fn message_index(&mut self, key: &[u8]) -> u32 {
        if let Some(&i) = self.message_keys.get(key) {
            return i;
        }
        // `(other)` itself is not counted against the cap.
        let other = self.message_keys.contains_key(OTHER.as_bytes());
        let key = match self.messages.len() - usize::from(other) < MAX_GROUPS {
            true => key,
            false => OTHER.as_bytes(),
        };
        if let Some(&i) = self.message_keys.get(key) {
            return i;
        }
        let mut g = GroupLatency::new(GROUP_SLOWEST);
        g.binned = self.groups.len() + self.messages.len() < MAX_BINNED_GROUPS;
        let i = self.messages.len() as u32;
        self.messages.push((key.into(), g));
        self.message_keys.insert(key.into(), i);
        i
    }

    /// Every group: dimension, key and latency.
    pub fn all_groups(&self) -> impl Iterator<Item = (Dimension, &[u8], &GroupLatency)> + '_ {
        let messages = self.messages.iter();
        self.groups
            .iter()
            .map(|((d, k), g)| (*d, &k[..], g))
            .chain(messages.map(|(k, g)| (Dimension::Message, &k[..], g)))
    }

    /// The group of a key seen for the first time (or `(other)` past [`MAX_GROUPS`]).
    #[cold]
    #[inline(never)]
    fn new_group(&mut self, dim: Dimension, value: &[u8]) -> &mut GroupLatency {
        let n = self.per_dim.entry(dim).or_insert(0);
        let key: Box<[u8]> = if *n < MAX_GROUPS {
            *n += 1;
            value.into()
        } else {
            OTHER.as_bytes().into()
        };
        let binned = self.groups.len() < MAX_BINNED_GROUPS;
        self.groups.entry((dim, key)).or_insert_with(|| {
            let mut g = GroupLatency::new(GROUP_SLOWEST);
            g.binned = binned;
            g
        })
    }

    /// Moves every group's pending bins into its sketch; call before reading percentiles
    /// (a worker does when it hands its state over; the merges do before merging).
    pub fn settle(&mut self) {
        self.overall.settle();
        for g in self.groups.values_mut() {
            g.settle();
        }
        for (_, g) in &mut self.messages {
            g.settle();
        }
    }

    /// Adds another state.
    pub fn merge(&mut self, mut o: Latency) {
        self.settle();
        o.settle();
        self.overall.merge(o.overall);
        for (k, g) in o.messages {
            let i = self.message_index(&k);
            self.messages[i as usize].1.merge(g);
        }
        for (k, g) in o.groups {
            match self.groups.get_mut(&k) {
                Some(mine) => mine.merge(g),
                None => {
                    let n = self.per_dim.entry(k.0).or_insert(0);
                    let is_other = &*k.1 == OTHER.as_bytes();
                    if *n < MAX_GROUPS || is_other {
                        *n += usize::from(!is_other);
                        self.groups.insert(k, g);
                    } else {
                        self.groups
                            .entry((k.0, OTHER.as_bytes().into()))
                            .or_insert_with(|| GroupLatency::new(GROUP_SLOWEST))
                            .merge(g);
                    }
                }
            }
        }
        self.slow_count += o.slow_count;
        self.slow.extend(o.slow);
        self.slow.sort_by_key(|e| e.pos);
        self.slow.truncate(MAX_SLOW_LISTED);
        self.unparsable += o.unparsable;
        for (a, b) in self.histogram.iter_mut().zip(o.histogram) {
            *a += b;
        }
    }
}

/// The key of a message's latency group: the message with each word (a run of bytes between
/// whitespace) that holds a digit replaced by `<*>`, brackets and quotes around it and
/// punctuation after it kept: `step 12 done (took 5ms).` → `step <*> done (took <*>).`.
/// Cruder than mining's masking (`mine::mask`), and four times cheaper: it runs for each distinct
/// timed message, a quarter of the timed events in a busy log.
pub fn message_key_into(msg: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let mut i = 0;
    while i < msg.len() {
        if msg[i].is_ascii_whitespace() {
            out.push(msg[i]);
            i += 1;
            continue;
        }
        let start = i;
        let mut digit = false;
        while i < msg.len() && !msg[i].is_ascii_whitespace() {
            digit |= msg[i].is_ascii_digit();
            i += 1;
        }
        let word = &msg[start..i];
        if !digit {
            out.extend_from_slice(word);
            continue;
        }
        // The word holds a digit, so these never meet.
        let lead = word
            .iter()
            .take_while(|c| matches!(c, b'(' | b'[' | b'{' | b'"' | b'\''))
            .count();
        let trail = word
            .iter()
            .rev()
            .take_while(|c| {
                matches!(
                    c,
                    b'.' | b',' | b';' | b':' | b')' | b']' | b'}' | b'"' | b'\''
                )
            })
            .count();
        out.extend_from_slice(&word[..lead]);
        out.extend_from_slice(b"<*>");
        out.extend_from_slice(&word[word.len() - trail..]);
    }
}

/// The method and the path or URL of an HTTP request line that starts `message`: `GET
/// /v1/orders HTTP/1.1` (an Application Load Balancer's request), or with a quote before it
/// (an access log's `"GET /v1/orders HTTP/1.1" 200`). The route of a line that logs no method
/// or path field.
pub fn request_line(message: &[u8]) -> Option<(&[u8], &[u8])> {
    let m = message.strip_prefix(b"\"").unwrap_or(message);
    let sp = memchr::memchr(b' ', m.get(..8).unwrap_or(m))?;
    let method = &m[..sp];
    if !matches!(
        method,
        b"GET" | b"POST" | b"PUT" | b"DELETE" | b"PATCH" | b"HEAD" | b"OPTIONS"
    ) {
        return None;
    }
    let rest = &m[sp + 1..];
    let end = memchr::memchr(b' ', rest)?;
    let path = &rest[..end];
    (!path.is_empty() && rest[end + 1..].starts_with(b"HTTP/")).then_some((method, path))
}

/// Masks the variable parts of a URL path so requests group by route: path segments with a
/// digit, or long hex/ULID/UUID-like tokens, become `:id`; the query string is dropped.
pub fn route_of(method: Option<&str>, path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 8);
    route_into(method, path, &mut out);
    out
}

/// [`route_of`] written into `out` (cleared first).
pub fn route_into(method: Option<&str>, path: &str, out: &mut String) {
    let mut bytes = std::mem::take(out).into_bytes();
    route_into_bytes(method.map(str::as_bytes), path.as_bytes(), &mut bytes);
    // Cut only at ASCII bytes and joined with ASCII: still UTF-8.
    *out = String::from_utf8(bytes).expect("a route of UTF-8 text is UTF-8");
}

/// [`route_into`] on bytes, in one pass: the hot path, which reuses one buffer and has the
/// line's bytes (UTF-8 already checked for the whole chunk).
pub fn route_into_bytes(method: Option<&[u8]>, path: &[u8], out: &mut Vec<u8>) {
    out.clear();
    // A whole URL (`https://shop.example/api/cart`, Google Cloud's `requestUrl`): its path.
    let path = match path.first() {
        Some(b'/') | None => path,
        Some(_) => match path.windows(3).take(16).position(|w| w == b"://") {
            Some(at) => {
                let host = &path[at + 3..];
                memchr::memchr(b'/', host).map_or(&b"/"[..], |slash| &host[slash..])
            }
            None => path,
        },
    };
    let end = path
        .iter()
        .position(|&b| b == b'?' || b == b'#')
        .unwrap_or(path.len());
    let path = &path[..end];
    if let Some(m) = method {
        out.extend_from_slice(m);
        out.push(b' ');
    }
    for (i, seg) in path.split(|&b| b == b'/').enumerate() {
        if i > 0 {
            out.push(b'/');
        }
        let digits = seg.iter().filter(|b| b.is_ascii_digit()).count();
        let variable = (digits > 0 && (digits == seg.len() || seg.len() >= 6))
            || (seg.len() >= 16 && seg.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-'));
        out.extend_from_slice(if variable && !seg.is_empty() {
            b":id"
        } else {
            seg
        });
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn histogram_buckets_are_four_per_decade() {
        assert_eq!(histogram_bucket(0.001), 0);
        assert_eq!(histogram_bucket(0.01), 1);
        assert_eq!(histogram_bucket(1.0), 9);
        assert_eq!(histogram_bucket(1.7), 9);
        assert_eq!(histogram_bucket(1.8), 10);
        assert_eq!(histogram_bucket(1e9), HIST_BUCKETS - 1);
        for ms in [0.02, 0.5, 3.0, 42.0, 999.0, 12_345.0] {
            let b = histogram_bucket(ms);
            assert!(ms < histogram_upper_ms(b), "{ms} in {b}");
            assert!(ms >= histogram_upper_ms(b - 1), "{ms} in {b}");
        }
    }
    use super::*;

    /// The duration in ms of `line`'s event as `analyze` reads it with the default aliases.
    fn duration_ms(line: &str) -> Option<f64> {
        use crate::record::{fields::FieldSpec, Fields, Parsed, Parser};
        let p = Parser::new(FieldSpec::with_defaults());
        let mut f = Fields::new(p.spec().slot_count());
        let Parsed::Record(format) = p.parse(line.as_bytes(), &mut f) else {
            return None;
        };
        let rec = Record {
            line: line.as_bytes(),
            format,
            fields: &f,
        };
        let (raw, prio) = f.get_with_prio(Slot::Duration as usize)?;
        let units = DurationUnits::new(None);
        if units.skips(prio, &rec) {
            return None;
        }
        duration_of(raw, units.of(prio, &rec))
    }

    #[test]
    fn a_lambda_invocation_counts_once() {
        // `platform.runtimeDone` and `platform.report` both carry the invocation's time.
        let done = r#"{"time":"2026-02-06T10:00:01.000Z","type":"platform.runtimeDone","record":{"requestId":"r1","status":"success","metrics":{"durationMs":905.1}}}"#;
        let report = r#"{"time":"2026-02-06T10:00:01.010Z","type":"platform.report","record":{"requestId":"r1","status":"success","metrics":{"durationMs":910.42,"billedDurationMs":911}}}"#;
        assert_eq!(duration_ms(done), None);
        assert_eq!(duration_ms(report), Some(910.42));
    }

    #[test]
    fn go_loggers_durations_are_read_in_their_units() {
        // zap's production encoder: seconds, its time epoch seconds; in a container's file too.
        let zap = r#"{"level":"info","ts":1770372001.1,"caller":"mw/log.go:31","msg":"request","latency":1.5202}"#;
        assert_eq!(duration_ms(zap), Some(1520.2));
        let cri = format!("2026-02-06T10:00:01.1Z stdout F {zap}");
        assert_eq!(duration_ms(&cri), Some(1520.2));
        // A `ts` of text says nothing (Rust's slog-json), nor logfmt with a brace in it.
        let iso = zap.replace("1770372001.1", r#""2026-02-06T10:00:01.100Z""#);
        assert_eq!(duration_ms(&iso), Some(1.5202));
        let logfmt =
            r#"2026-02-06T10:00:01Z stdout F ts=1770372001.1 level=info msg="got {x}" took=35"#;
        assert_eq!(duration_ms(logfmt), Some(35.0));
        // slog's JSONHandler: integer nanoseconds.
        let slog = r#"{"time":"2026-02-06T10:00:03.2Z","level":"INFO","msg":"request","duration":1100000000}"#;
        assert_eq!(duration_ms(slog), Some(1100.0));
        assert_eq!(duration_ms(&slog.replace("INFO", "ERROR+2")), Some(1100.0));
        // Milliseconds everywhere else: a name with its unit, a string with one, a lower-case
        // level (logrus, pino), another message key, a fraction, logfmt (go-kit's `ts=`).
        for (line, ms) in [
            (zap.replace(r#""latency""#, r#""latency_ms""#), 1.5202),
            (zap.replace("1.5202", r#""1.5s""#), 1500.0),
            (slog.replace("INFO", "info"), 1.1e9),
            (slog.replace(r#""msg""#, r#""message""#), 1.1e9),
            (slog.replace("1100000000", "12.5"), 12.5),
            (
                r#"{"time":1770372001000,"level":30,"msg":"x","duration":12}"#.into(),
                12.0,
            ),
            (
                "ts=2026-02-06T10:00:01Z level=info msg=x took=12".into(),
                12.0,
            ),
        ] {
            assert_eq!(duration_ms(&line), Some(ms), "{line}");
        }
    }

    fn pos(line: u64) -> Position {
        Position {
            source: 0,
            chunk: 0,
            line,
        }
    }

    #[test]
    fn slowest_k_of_zero_keeps_nothing_and_merges() {
        let ev = |ms: f64| SlowEvent {
            duration_ms: ms,
            pos: pos(1),
            time_us: None,
            request_id: None,
            message: None,
        };
        let mut a = SlowestK::new(0);
        a.offer(ev(5.0));
        let mut b = SlowestK::new(0);
        b.items.push(ev(7.0)); // as a merge state could hand it over
        a.merge(b);
        assert!(a.sorted().is_empty());
        let mut c = SlowestK::new(2);
        for ms in [1.0, 9.0, 4.0, 8.0, 3.0] {
            c.offer(ev(ms));
        }
        let kept: Vec<f64> = c.sorted().iter().map(|e| e.duration_ms).collect();
        assert_eq!(kept, [9.0, 8.0]);
    }

    #[test]
    fn text_lines_durations_are_key_value_pairs() {
        let d = TextDurations::new(None);
        let of = |line: &str| d.of(line.as_bytes());
        assert_eq!(
            of("GET /pay done duration_ms=120 request_id=r1"),
            Some(Ok(120.0))
        );
        assert_eq!(of("upstream answered took=1.5s."), Some(Ok(1500.0)));
        assert_eq!(of("job done (elapsed=PT2S)"), Some(Ok(2000.0)));
        assert_eq!(of("slow: response_time_ms=250, retried"), Some(Ok(250.0)));
        // A word is prose, not a duration; a number that is not one is unparsable.
        assert_eq!(of("latency=high, duration=null"), None);
        assert_eq!(of("took=5x"), Some(Err(())));
        assert_eq!(of("my_duration_ms=9 no pair"), None);
        // `--latency-field` names the key and its unit.
        let d = TextDurations::new(Some(&("t".to_string(), Some(Unit::S))));
        assert_eq!(d.of(b"x t=2 duration_ms=5"), Some(Ok(2000.0)));
        assert_eq!(d.of(b"x duration_ms=5"), None);
        // Sidekiq's `elapsed` beside a job's `jid` is in seconds; elsewhere, milliseconds.
        let d = TextDurations::new(None);
        assert_eq!(
            d.of(b"2026-02-06T10:00:05Z pid=7 class=J jid=b4a1 elapsed=0.512 INFO: done"),
            Some(Ok(512.0))
        );
        assert_eq!(d.of(b"request done elapsed=0.512"), Some(Ok(0.512)));
    }

    #[test]
    fn duration_texts() {
        assert_eq!(parse_duration_text("12.5ms", Unit::Ms), Some(12.5));
        assert_eq!(parse_duration_text("1.2s", Unit::Ms), Some(1200.0));
        assert_eq!(parse_duration_text("350µs", Unit::Ms), Some(0.35));
        assert_eq!(parse_duration_text("1m2.5s", Unit::Ms), Some(62_500.0));
        assert_eq!(parse_duration_text("2h45m", Unit::Ms), Some(9_900_000.0));
        assert_eq!(parse_duration_text("12.5", Unit::Ms), Some(12.5));
        assert_eq!(parse_duration_text("3", Unit::S), Some(3000.0));
        assert_eq!(parse_duration_text("fast", Unit::Ms), None);
        // Java's Duration (ISO 8601), .NET's TimeSpan, Python's timedelta.
        for (text, ms) in [
            ("PT1.5S", 1_500.0),
            ("PT0.001S", 1.0),
            ("PT2H3M", 7_380_000.0),
            ("P1DT1S", 86_401_000.0),
            ("P2D", 172_800_000.0),
            ("pt1m", 60_000.0),
            ("PT0,5S", 500.0),
            ("00:00:01.2345678", 1_234.567_8),
            ("1.02:03:04", 93_784_000.0),
            ("0:00:01.5", 1_500.0),
            ("2 days, 1:00:00", 176_400_000.0),
            ("1 day, 0:00:00.25", 86_400_250.0),
            // Exponent form (Python's repr of a small float).
            ("6.1e-05s", 0.061),
            ("1E3ms", 1_000.0),
            ("2.5e-3 sec", 2.5),
            ("1e-1h", 360_000.0),
            // Several parts, a unit with an `e` among them.
            ("1 sec 500 ms", 1_500.0),
            ("1sec500ms", 1_500.0),
            ("2 seconds 5 ms", 2_005.0),
        ] {
            let got = parse_duration_text(text, Unit::Ms);
            assert!(
                got.is_some_and(|g| (g - ms).abs() < 1e-6),
                "{text}: {got:?}"
            );
        }
        for bad in [
            "-1e-3s",
            "1e999s",
            "1e-3x",
            "e3s",
            "P",
            "PT",
            "PT-0.5S",
            "P1Y",
            "P1M",
            "PT1S2M",
            "PT1H1H",
            "PT1X",
            "P1D T1H",
            "PTS",
            "12:30",
            "1:60:00",
            "1:00:60",
            "-0:00:01",
            "1:2:3:4",
            "a:bb:cc",
            "-1 day, 23:59:59",
            "1.2.3:00:00",
            "1:00:00.",
            "1 days 1:00:00",
        ] {
            assert_eq!(parse_duration_text(bad, Unit::Ms), None, "{bad}");
        }
        assert_eq!(parse_duration_text("5 parsecs", Unit::Ms), None);
        assert_eq!(parse_duration_text("-1", Unit::Ms), None);
    }

    #[test]
    fn units_from_field_names() {
        assert_eq!(Unit::of_field("duration_ms"), Unit::Ms);
        assert_eq!(Unit::of_field("elapsed_us"), Unit::Us);
        assert_eq!(Unit::of_field("took_ns"), Unit::Ns);
        assert_eq!(Unit::of_field("latency_s"), Unit::S);
        assert_eq!(Unit::of_field("responseTimeMs"), Unit::Ms);
        assert_eq!(Unit::of_field("latencyUs"), Unit::Us);
        assert_eq!(Unit::of_field("duration"), Unit::Ms);
        assert_eq!(Unit::of_field("event.duration"), Unit::Ns);
    }

    #[test]
    fn percentiles_are_within_the_sketch_bound_and_merge_exactly() {
        let values: Vec<f64> = (1..=10_000).map(|i| (i as f64).powf(1.7) / 10.0).collect();
        let mut one = Latency::new(5, None);
        let mut a = Latency::new(5, None);
        let mut b = Latency::new(5, None);
        for (i, &v) in values.iter().enumerate() {
            let ev = || SlowEvent {
                duration_ms: v,
                pos: pos(i as u64),
                time_us: None,
                request_id: None,
                message: None,
            };
            one.observe(v, &[(Dimension::Service, b"api")], None, ev);
            if i % 3 == 0 { &mut a } else { &mut b }.observe(
                v,
                &[(Dimension::Service, b"api")],
                None,
                ev,
            );
        }
        a.merge(b);
        one.settle();
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        for q in [0.5, 0.9, 0.99, 0.999] {
            let truth = sorted[((q * sorted.len() as f64).ceil() as usize) - 1];
            for l in [&one, &a] {
                let got = l.overall.quantile(q).unwrap();
                assert!(
                    ((got - truth) / truth).abs() <= 0.01,
                    "q {q}: {got} vs {truth}"
                );
            }
            assert_eq!(one.overall.quantile(q), a.overall.quantile(q));
        }
        assert_eq!(a.overall.count, 10_000);
        assert_eq!(a.overall.max, *sorted.last().unwrap());
        let slowest: Vec<f64> = a
            .overall
            .slowest
            .clone()
            .into_sorted()
            .iter()
            .map(|e| e.duration_ms)
            .collect();
        assert_eq!(
            slowest,
            sorted.iter().rev().take(5).copied().collect::<Vec<_>>()
        );
    }

    #[test]
    fn percentiles_are_nearest_rank_even_in_a_sparse_tail() {
        assert_eq!(nearest_rank(0.9, 10), 9);
        assert_eq!(nearest_rank(0.95, 10), 10);
        assert_eq!(nearest_rank(0.999, 1000), 999);
        assert_eq!(nearest_rank(0.999, 1397), 1396);
        assert_eq!(nearest_rank(0.5, 0), 1);
        assert_eq!(nearest_rank(0.0, 7), 1);
        // Ten events, 100 … 1000 ms: p95, p99 and p99.9 are rank 10, the maximum, exactly
        // (the sketch's own rank ⌊q·(n−1)⌋ reads rank 9 for them: 900).
        let mut l = Latency::new(1, None);
        for i in 1..=10 {
            l.observe(f64::from(i) * 100.0, &[], None, blank_event);
        }
        l.settle();
        let q = |p| l.overall.quantile(p).unwrap();
        for p in [0.95, 0.99, 0.999] {
            assert_eq!(q(p), 1000.0, "p {p}");
        }
        for (p, want) in [(0.5, 500.0), (0.9, 900.0), (0.1, 100.0)] {
            assert!(
                ((q(p) - want) / want).abs() <= SKETCH_ALPHA,
                "p {p}: {}",
                q(p)
            );
        }
        // A heavy tail of 1,397 events (the shape a caller group had): p99.9 is the second
        // largest value, not the third.
        let mut values: Vec<f64> = (0..1394).map(|i| 10.0 + f64::from(i % 50)).collect();
        values.extend([3_595_211.0, 26_224_027.0, 40_000_000.0]);
        let mut l = Latency::new(1, None);
        for &v in &values {
            l.observe(v, &[], None, blank_event);
        }
        l.settle();
        let got = l.overall.quantile(0.999).unwrap();
        assert!(
            ((got - 26_224_027.0) / 26_224_027.0).abs() <= SKETCH_ALPHA,
            "{got}"
        );
    }

    #[test]
    fn call_free_floor_and_round_agree_with_std() {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let edges = [
            0.0,
            0.5e-6,
            1.5e-6,
            2.5,
            1e-300,
            2f64.powi(52) / 1e6,
            2f64.powi(53) / 1e6,
            MAX_DURATION_MS,
        ];
        for q in [
            0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2400.0, -700.0, -700.5, 1e-9, -1e-9,
        ] {
            assert_eq!(floor_i32(q), q.floor() as i32, "{q:e}");
        }
        for i in 0..200_000 {
            let ms = match i {
                i if i < edges.len() => edges[i],
                _ => {
                    // Durations over the whole range, and near halves of nanoseconds: a
                    // half, or a few units in the last place either side of one.
                    let r = next();
                    if r % 3 == 0 {
                        let half = (r >> 20) as f64 / 2e6;
                        f64::from_bits((half.to_bits() as i64 + (r % 7) as i64 - 3) as u64)
                    } else {
                        f64::from_bits(r) % MAX_DURATION_MS
                    }
                }
            };
            if !(0.0..=MAX_DURATION_MS).contains(&ms) {
                continue;
            }
            assert_eq!(round_ns(ms), (ms * 1e6).round() as i64, "{ms:e}");
            let q = ms.ln() / 0.01;
            if q.is_finite() {
                assert_eq!(floor_i32(q), q.floor() as i32, "{q:e}");
                assert_eq!(floor_i32(-q), (-q).floor() as i32, "{q:e}");
            }
        }
    }

    #[test]
    fn binned_adds_give_the_sketch_the_same_bins_as_adding_each_value() {
        let mut values: Vec<f64> = (0..20_000)
            .map(|i| 1e-7 * 1.0013f64.powi(i) + (i % 7) as f64 * 1e-9)
            .collect();
        values.extend([0.0, 1e-6, 1e-3, 0.01, 1.0, 10.0, 100.0, 2.5e7, 1e12]);
        // More values in one bin than a pending counter holds (it settles when full).
        values.extend(std::iter::repeat_n(42.0, 70_000));
        let mut l = Latency::new(1, None);
        let mut direct = new_sketch();
        let config = sketch_config();
        for &v in &values {
            let (b, bucket) = l.bin(v);
            if let Some(slot) = b.slot {
                assert_eq!(PENDING_KEY_LO + i32::from(slot), config.key(v), "{v}");
            }
            let by_log10 = ((v.log10() + 2.0) * 4.0).floor() as isize + 1;
            let by_log10 = if v < 0.01 {
                0
            } else {
                by_log10.clamp(1, HIST_BUCKETS as isize - 1) as usize
            };
            assert_eq!(bucket, by_log10, "{v}");
            l.observe(v, &[], None, blank_event);
            direct.add(v);
        }
        l.settle();
        assert_eq!(l.overall.count, values.len() as u64);
        for q in [0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999] {
            assert_eq!(
                l.overall.quantile(q),
                sketch_quantile(&direct, q, Some(l.overall.max)),
                "q {q}"
            );
        }
    }

    fn blank_event() -> SlowEvent {
        SlowEvent {
            duration_ms: 0.0,
            pos: pos(0),
            time_us: None,
            request_id: None,
            message: None,
        }
    }

    #[test]
    fn groups_are_capped() {
        let mut l = Latency::new(1, None);
        for i in 0..(MAX_GROUPS + 50) {
            let k = format!("svc{i}");
            l.observe(1.0, &[(Dimension::Service, k.as_bytes())], None, || {
                SlowEvent {
                    duration_ms: 1.0,
                    pos: pos(0),
                    time_us: None,
                    request_id: None,
                    message: None,
                }
            });
        }
        assert_eq!(l.groups.len(), MAX_GROUPS + 1);
        let other: GroupKey = (Dimension::Service, OTHER.as_bytes().into());
        assert_eq!(l.groups[&other].count, 50);
    }

    /// A long value is grouped by its first [`MAX_KEY_BYTES`] bytes, whole characters: a
    /// thousand 60 KB messages or callers no longer keep 60 MB of keys per dimension.
    #[test]
    fn long_values_are_grouped_by_their_start() {
        let mut l = Latency::new(1, None);
        let long = |i: usize| format!("{}é tail {i}", "x".repeat(MAX_KEY_BYTES - 1)).repeat(200);
        for i in 0..2 {
            let v = long(i);
            let m = l.message_group(&mut 0, v.as_bytes());
            l.observe(1.0, &[(Dimension::Caller, v.as_bytes())], Some(m), || {
                SlowEvent {
                    duration_ms: 1.0,
                    ..blank_event()
                }
            });
        }
        let groups: Vec<_> = l.all_groups().collect();
        assert_eq!(groups.len(), 2, "one caller group and one message group");
        for (_, key, g) in groups {
            assert_eq!(g.count, 2);
            assert_eq!(
                key,
                &long(0).as_bytes()[..MAX_KEY_BYTES - 1],
                "cut before the 'é'"
            );
        }
    }

    #[test]
    fn messages_group_by_their_masked_form_through_the_memo() {
        let mut l = Latency::new(1, None);
        let mut memos = [0u32; 3];
        let messages: [&[u8]; 3] = [b"took 5 ms", b"took 70 ms", b"cache warm"];
        for round in 0..2 {
            for (i, m) in messages.iter().enumerate() {
                let g = l.message_group(&mut memos[i], m);
                assert_eq!(memos[i], g + 1, "the memo keeps the group");
                l.observe(10.0 * (round + 1) as f64, &[], Some(g), blank_event);
            }
        }
        l.settle();
        let groups: Vec<(Dimension, &[u8], u64)> =
            l.all_groups().map(|(d, k, g)| (d, k, g.count)).collect();
        assert_eq!(
            groups,
            [
                (Dimension::Message, &b"took <*> ms"[..], 4),
                (Dimension::Message, &b"cache warm"[..], 2)
            ]
        );
        // A stale memo (from another table) is resolved again, not trusted past the end.
        let mut stale = 99;
        assert_eq!(l.message_group(&mut stale, b"cache warm"), 1);
        assert_eq!(stale, 2);
    }

    #[test]
    fn message_keys_mask_words_with_digits() {
        let key = |m: &str| {
            let mut out = Vec::new();
            message_key_into(m.as_bytes(), &mut out);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(key("step 12 done (took 5ms)."), "step <*> done (took <*>).");
        assert_eq!(key("cache warm"), "cache warm");
        assert_eq!(
            key("query (id=42) on '10.0.0.1:5432':"),
            "query (<*>) on '<*>':"
        );
        assert_eq!(key("  two  spaces\t7"), "  two  spaces\t<*>");
        assert_eq!(key("tab\t7\n"), "tab\t<*>\n");
        assert_eq!(key("héllo 3€"), "héllo <*>");
        assert_eq!(key(""), "");
    }

    #[test]
    fn message_groups_merge_by_key_and_are_capped() {
        let mut a = Latency::new(1, None);
        let mut b = Latency::new(1, None);
        for i in 0..(MAX_GROUPS + 10) {
            // Words of letters that are not hex digits, which masking keeps.
            let word: String = [i / 400, i / 20 % 20, i % 20]
                .iter()
                .map(|&d| char::from(b'g' + d as u8))
                .collect();
            let g = b.message_group(&mut 0, format!("job {word} done").as_bytes());
            b.observe(1.0, &[], Some(g), blank_event);
        }
        let g = a.message_group(&mut 0, b"job ggg done");
        a.observe(2.0, &[], Some(g), blank_event);
        a.merge(b);
        let count = |l: &Latency, key: &[u8]| {
            l.all_groups()
                .find(|(d, k, _)| *d == Dimension::Message && *k == key)
                .map(|(_, _, g)| g.count)
        };
        assert_eq!(count(&a, b"job ggg done"), Some(2));
        assert_eq!(a.all_groups().count(), MAX_GROUPS + 1);
        assert_eq!(count(&a, OTHER.as_bytes()), Some(10));
        // Through a report's merge state (groups as plain keys) they land in the same place.
        let parts: Vec<(GroupKey, GroupLatency)> = a
            .all_groups()
            .map(|(d, k, g)| ((d, k.into()), g.clone()))
            .collect();
        let again = Latency::from_parts(
            a.overall.clone(),
            parts,
            None,
            Vec::new(),
            0,
            0,
            a.histogram,
        );
        assert_eq!(again.all_groups().count(), MAX_GROUPS + 1);
        assert_eq!(count(&again, b"job ggg done"), Some(2));
    }

    #[test]
    fn request_lines_give_a_method_and_path() {
        let r = |m: &str| {
            request_line(m.as_bytes()).map(|(a, b)| {
                (
                    String::from_utf8_lossy(a).into_owned(),
                    String::from_utf8_lossy(b).into_owned(),
                )
            })
        };
        let pair = |a: &str, b: &str| Some((a.to_string(), b.to_string()));
        assert_eq!(
            r("GET https://api.example.com:443/v1/orders/42 HTTP/1.1"),
            pair("GET", "https://api.example.com:443/v1/orders/42")
        );
        assert_eq!(
            r("\"POST /v1/orders HTTP/2.0\" 201"),
            pair("POST", "/v1/orders")
        );
        for m in [
            "GET it done HTTP",
            "GET /x",
            "FETCH /x HTTP/1.1",
            "get /x HTTP/1.1",
            "- - -",
            "",
            "GET  HTTP/1.1",
        ] {
            assert_eq!(r(m), None, "{m}");
        }
    }

    #[test]
    fn routes_mask_ids() {
        assert_eq!(
            route_of(Some("GET"), "/v1/dispatch/01JABCDEFGHJKMNPQRSTVWXYZ0"),
            "GET /v1/dispatch/:id"
        );
        assert_eq!(
            route_of(Some("POST"), "/v1/tenants/tenant-0042/keys"),
            "POST /v1/tenants/:id/keys"
        );
        assert_eq!(route_of(None, "/v1/audit?since=1&limit=5"), "/v1/audit");
        assert_eq!(route_of(Some("GET"), "/v1/fleet"), "GET /v1/fleet");
        // A whole URL gives its path.
        assert_eq!(
            route_of(Some("GET"), "https://shop.example:8443/api/cart/42?x=1"),
            "GET /api/cart/:id"
        );
        assert_eq!(route_of(None, "http://shop.example"), "/");
        assert_eq!(route_of(None, "cart/42"), "cart/:id");
    }
}
