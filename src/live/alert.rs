//! Turning tapped lines into alerts a person can follow during an incident.
//!
//! - **Catalog hits** at `--min-severity` or worse alert at once. **Folding:** after a pattern
//!   alerted, its further hits arriving within the fold window (10 s) are counted, not
//!   printed; when the window ends a single `×N more from <time>` line reports them (the event
//!   times of the first and last of them) and a new window starts, so a storm prints one line
//!   per pattern per 10 s. The window is in arrival time, to pace live output: a file replayed
//!   at once folds all its repeats, whatever their event times, and the line says when they
//!   happened.
//! - **Error-rate spikes.** Error lines are counted in 10-second buckets of event time. The
//!   baseline is an exponentially weighted mean m and variance v of the previous buckets
//!   (weight 0.1, so roughly the last 10; empty buckets count as 0). The current bucket alerts
//!   once when its count reaches max(10, 3·m, m + 4·√v) after at least 6 buckets (one minute)
//!   of history, counted from the first timed line of any level (a quiet start is history).
//!   Lines without a timestamp count at the latest event time seen.
//! - **Bursts of unknown errors.** Error events that no pattern matched are grouped by their
//!   masked message (numbers, ids, addresses → `<*>`, the miner's masking). A group never
//!   seen before that reaches 5 events within 60 s of event time alerts once. At most 1,000 groups are
//!   remembered (the least recently seen is forgotten).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::pipeline::{Live, TapEvent};
use crate::record::time::{format_rfc3339, MICROS_PER_SEC};

/// Fold window.
pub const FOLD: Duration = Duration::from_secs(10);
/// Spike bucket width, seconds.
pub const SPIKE_BUCKET_SECS: i64 = 10;
const SPIKE_WEIGHT: f64 = 0.1;
const SPIKE_MIN_ERRORS: u64 = 10;
const SPIKE_FACTOR: f64 = 3.0;
const SPIKE_SIGMAS: f64 = 4.0;
const SPIKE_HISTORY: u32 = 6;
const UNKNOWN_BURST: usize = 5;
const UNKNOWN_WINDOW: Duration = Duration::from_secs(60);
const UNKNOWN_GROUPS: usize = 1000;

/// What an alert is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// A catalog pattern hit.
    Pattern,
    /// Folded repeats of a pattern.
    Repeat,
    /// Errors per interval far above the recent baseline.
    ErrorSpike,
    /// A new unknown error message, repeated.
    UnknownErrors,
}

/// One alert (`--format json` writes it with `"type": "alert"`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Alert {
    /// Kind.
    pub kind: AlertKind,
    /// Event time, RFC 3339.
    pub ts: Option<String>,
    /// `critical`, `error`, `warn` or `info`.
    pub severity: String,
    /// Pattern title, or what the alert says.
    pub title: String,
    /// Catalog pattern id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Service or logger.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Request id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Error text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Message (or line).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// What to do (the catalog's action).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Input the line came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Line number in it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// Events the alert stands for (folded repeats, errors in the bucket, burst size).
    pub count: u64,
    /// Over how many seconds `count` was seen (for repeats, spikes and bursts; for repeats in
    /// arrival time, the fold window).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window_secs: Option<u64>,
    /// For repeats: the event time of the first folded repeat (`ts` is the last one's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_ts: Option<String>,
}

#[derive(Debug)]
struct Fold {
    until: Instant,
    repeats: u64,
    /// Event time of the first repeat folded in this window.
    first_ts: Option<String>,
    last: Option<Alert>,
}

#[derive(Debug, Default)]
struct Spike {
    bucket: Option<i64>,
    count: u64,
    alerted: bool,
    mean: f64,
    var: f64,
    history: u32,
    latest_secs: Option<i64>,
}

impl Spike {
    fn close(&mut self, count: u64) {
        let x = count as f64;
        if self.history == 0 {
            self.mean = x;
            self.var = 0.0;
        } else {
            let d = x - self.mean;
            self.mean += SPIKE_WEIGHT * d;
            self.var = (1.0 - SPIKE_WEIGHT) * (self.var + SPIKE_WEIGHT * d * d);
        }
        self.history = self.history.saturating_add(1);
    }

    /// Starts the history at `secs` (the first timed line, of any level): a log whose first
    /// errors come minutes in has that much quiet history behind them.
    fn start(&mut self, secs: i64) {
        if self.bucket.is_none() {
            self.bucket = Some(secs.div_euclid(SPIKE_BUCKET_SECS));
            self.latest_secs = Some(secs);
        }
    }

    /// Counts an error at `secs`; returns the bucket's count and threshold when it crosses.
    fn observe(&mut self, secs: Option<i64>) -> Option<(i64, u64, f64)> {
        let secs = match secs.or(self.latest_secs) {
            Some(s) => s,
            None => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64),
        };
        self.latest_secs = Some(self.latest_secs.map_or(secs, |l| l.max(secs)));
        let b = secs.div_euclid(SPIKE_BUCKET_SECS);
        match self.bucket {
            None => self.bucket = Some(b),
            Some(cur) if b > cur => {
                self.close(self.count);
                // Quiet buckets in between count as zero (at most a few minutes' worth).
                for _ in 0..(b - cur - 1).min(60) {
                    self.close(0);
                }
                self.bucket = Some(b);
                self.count = 0;
                self.alerted = false;
            }
            _ => {}
        }
        self.count += 1;
        let threshold = (SPIKE_MIN_ERRORS as f64)
            .max(SPIKE_FACTOR * self.mean)
            .max(self.mean + SPIKE_SIGMAS * self.var.sqrt());
        if self.history >= SPIKE_HISTORY && !self.alerted && self.count as f64 >= threshold {
            self.alerted = true;
            return Some((self.bucket.unwrap_or(b), self.count, self.mean));
        }
        None
    }
}

#[derive(Debug)]
struct UnknownGroup {
    /// When its recent events happened (µs): event time, see [`Alerter::unknown_error`].
    seen: Vec<i64>,
    alerted: bool,
    last: Instant,
}

/// See the module docs.
#[derive(Debug, Default)]
pub struct Alerter {
    folds: HashMap<u16, Fold>,
    spike: Spike,
    unknown: HashMap<String, UnknownGroup>,
    masked: String,
}

impl Alerter {
    /// A fresh alerter.
    pub fn new() -> Alerter {
        Alerter::default()
    }

    /// Alerts for the lines `live` tapped since the last call, at `now`.
    pub fn on_events(&mut self, live: &mut Live<'_>, now: Instant) -> Vec<Alert> {
        let events = live.take_events();
        let mut out = Vec::new();
        for e in events {
            match e {
                TapEvent::Hit {
                    pattern,
                    time_us,
                    pos,
                    service,
                    request_id,
                    error,
                    message,
                } => {
                    let p = &live.catalog().patterns()[pattern as usize];
                    let alert = Alert {
                        kind: AlertKind::Pattern,
                        ts: time_us.map(format_rfc3339),
                        severity: p.severity.name().to_string(),
                        title: p.title.clone(),
                        pattern: Some(p.id.clone()),
                        service,
                        request_id,
                        error,
                        message,
                        action: Some(p.action.clone()),
                        source: live.source_name(pos.source).map(str::to_string),
                        line: Some(pos.line),
                        count: 1,
                        window_secs: None,
                        first_ts: None,
                    };
                    match self.folds.get_mut(&pattern) {
                        Some(f) if now < f.until => {
                            f.repeats += 1;
                            if f.repeats == 1 {
                                f.first_ts = alert.ts.clone();
                            }
                            f.last = Some(alert);
                        }
                        _ => {
                            self.folds.insert(
                                pattern,
                                Fold {
                                    until: now + FOLD,
                                    repeats: 0,
                                    first_ts: None,
                                    last: None,
                                },
                            );
                            out.push(alert);
                        }
                    }
                }
                TapEvent::Error { time_us } => {
                    if let Some((bucket, count, mean)) = self
                        .spike
                        .observe(time_us.map(|t| t.div_euclid(MICROS_PER_SEC)))
                    {
                        out.push(Alert {
                            kind: AlertKind::ErrorSpike,
                            ts: Some(format_rfc3339(bucket * SPIKE_BUCKET_SECS * MICROS_PER_SEC)),
                            severity: "error".into(),
                            title: format!(
                                "error spike: {count} errors in {SPIKE_BUCKET_SECS}s (recent average {mean:.1})"
                            ),
                            pattern: None,
                            service: None,
                            request_id: None,
                            error: None,
                            message: None,
                            action: Some(
                                "See which patterns and messages the errors are (the next summary, or logtriage analyze --bucket 10s)".into(),
                            ),
                            source: None,
                            line: None,
                            count,
                            window_secs: Some(SPIKE_BUCKET_SECS as u64),
                            first_ts: None,
                        });
                    }
                }
                TapEvent::Start { time_us } => {
                    self.spike.start(time_us.div_euclid(MICROS_PER_SEC));
                }
                TapEvent::UnknownError { time_us, message } => {
                    let mut masked = std::mem::take(&mut self.masked);
                    crate::mine::mask::mask_into(&message, &mut masked);
                    if let Some(a) = self.unknown_error(&masked, message, time_us, now) {
                        out.push(a);
                    }
                    self.masked = masked;
                }
            }
        }
        out
    }

    fn unknown_error(
        &mut self,
        masked: &str,
        message: String,
        time_us: Option<i64>,
        now: Instant,
    ) -> Option<Alert> {
        if !self.unknown.contains_key(masked) {
            if self.unknown.len() >= UNKNOWN_GROUPS {
                let oldest = self
                    .unknown
                    .iter()
                    .min_by_key(|(_, g)| g.last)
                    .map(|(k, _)| k.clone())?;
                self.unknown.remove(&oldest);
            }
            self.unknown.insert(
                masked.to_string(),
                UnknownGroup {
                    seen: Vec::new(),
                    alerted: false,
                    last: now,
                },
            );
        }
        // The window is in event time, as for spikes (a replayed log's errors hours apart are
        // no burst); an event without a time counts at the latest time seen, and before any
        // at the wall clock.
        let at = time_us.or(self.spike.latest_secs.map(|s| s * MICROS_PER_SEC));
        let at = at.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_micros() as i64)
        });
        let window = UNKNOWN_WINDOW.as_micros() as i64;
        let g = self.unknown.get_mut(masked)?;
        g.last = now;
        if g.alerted {
            return None;
        }
        g.seen.retain(|&t| at.abs_diff(t) <= window as u64);
        g.seen.push(at);
        if g.seen.len() < UNKNOWN_BURST {
            return None;
        }
        g.alerted = true;
        let count = g.seen.len() as u64;
        g.seen = Vec::new();
        Some(Alert {
            kind: AlertKind::UnknownErrors,
            ts: time_us.map(format_rfc3339),
            severity: "error".into(),
            title: format!("new unknown error, {count}× in {}s", UNKNOWN_WINDOW.as_secs()),
            pattern: None,
            service: None,
            request_id: None,
            error: None,
            message: Some(message),
            action: Some(format!(
                "No catalog pattern knows it: template `{masked}` (logtriage patterns suggest writes a stub)"
            )),
            source: None,
            line: None,
            count,
            window_secs: Some(UNKNOWN_WINDOW.as_secs()),
            first_ts: None,
        })
    }

    /// Folded repeats whose window ended by `now` (call a few times a second).
    pub fn tick(&mut self, now: Instant) -> Vec<Alert> {
        let mut out = Vec::new();
        let mut done = Vec::new();
        for (p, f) in self.folds.iter_mut() {
            if now < f.until {
                continue;
            }
            if f.repeats == 0 {
                done.push(*p);
                continue;
            }
            if let Some(mut a) = f.last.take() {
                a.kind = AlertKind::Repeat;
                a.count = f.repeats;
                a.window_secs = Some(FOLD.as_secs());
                a.first_ts = f.first_ts.take();
                out.push(a);
            }
            f.repeats = 0;
            f.until = now + FOLD;
        }
        for p in done {
            self.folds.remove(&p);
        }
        out.sort_by(|a, b| a.pattern.cmp(&b.pattern));
        out
    }

    /// Every folded repeat still pending (at the end of a run).
    pub fn flush(&mut self) -> Vec<Alert> {
        let far = Instant::now() + FOLD * 1000;
        self.tick(far)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spikes_need_history_and_a_real_jump() {
        let mut s = Spike::default();
        // Ten minutes of 2 errors per 10 s: no alert.
        for b in 0..60 {
            for _ in 0..2 {
                assert!(s.observe(Some(b * 10)).is_none());
            }
        }
        // 9 errors: under the floor of 10.
        for _ in 0..9 {
            assert!(s.observe(Some(600)).is_none());
        }
        // The 10th crosses it, once.
        assert!(s.observe(Some(601)).is_some());
        assert!(s.observe(Some(602)).is_none());
        // No history: nothing alerts, however many.
        let mut fresh = Spike::default();
        assert!((0..100).all(|_| fresh.observe(Some(5)).is_none()));
        // Three quiet minutes (lines, but no errors) are history: 30 errors then alert at the
        // floor of 10. Thirty quiet seconds are not enough.
        let mut quiet = Spike::default();
        quiet.start(1_000);
        let first = (0..30).position(|_| quiet.observe(Some(1_180)).is_some());
        assert_eq!(first, Some(9));
        let mut short = Spike::default();
        short.start(1_000);
        assert!((0..30).all(|_| short.observe(Some(1_030)).is_none()));
    }
}
