//! Mergeable aggregation: what the pipeline learns from each line.
//!
//! Every worker thread owns one [`Aggregators`] and folds its chunks into it; at the end the
//! per-thread states are merged pairwise. Merging is associative and commutative, so the result
//! does not depend on how lines were split into chunks or threads (the one bounded exception,
//! message counts past the distinct-message cap, is documented in [`messages`] and flagged in
//! the report). `finish` turns the merged state into plain [`crate::report`] data.

pub mod latency;
pub mod messages;
pub mod requests;
pub mod state;
pub mod timeline;

use crate::record::{Format, Level};
use crate::source::chunk::LineIndex;

pub use messages::{MessageCounter, MessageTally};
pub use timeline::Timeline;

/// Longest example line kept per pattern, in bytes.
pub const EXAMPLE_MAX_BYTES: usize = 1024;

/// Where a line is: source, chunk and 1-based line within the chunk. Orders lines as the input
/// does; [`crate::source::chunk::ResolvedLines`] turns it into a line number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// Index of the source in input order.
    pub source: u32,
    /// Chunk of that source.
    pub chunk: u64,
    /// 1-based line within the chunk.
    pub line: u64,
}

/// An example line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Example {
    /// Where it was.
    pub pos: Position,
    /// The line, lossily decoded and cut to [`EXAMPLE_MAX_BYTES`].
    pub text: String,
}

impl Example {
    /// Captures a line.
    pub fn new(pos: Position, line: &[u8]) -> Example {
        let cut = &line[..line.len().min(EXAMPLE_MAX_BYTES)];
        let mut text = String::from_utf8_lossy(cut).into_owned();
        if line.len() > EXAMPLE_MAX_BYTES {
            // Do not end on a partial character turned into U+FFFD by the cut.
            while text.ends_with('\u{FFFD}') {
                text.pop();
            }
            text.push('…');
        }
        Example { pos, text }
    }
}

/// UTF-8 held as bytes cut to at most `max` bytes, ending on a character boundary.
pub(crate) fn cut_bytes(s: &[u8], max: usize) -> &[u8] {
    if s.len() <= max {
        return s;
    }
    let mut n = max;
    // A continuation byte (10xxxxxx) is not a boundary.
    while n > 0 && s[n] & 0xC0 == 0x80 {
        n -= 1;
    }
    &s[..n]
}

/// `s` cut to at most `max` bytes, ending on a character boundary.
pub(crate) fn cut_str(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut n = max;
    while !s.is_char_boundary(n) {
        n -= 1;
    }
    &s[..n]
}

fn keep_first(a: &mut Option<Example>, b: Option<Example>) {
    match (a.as_ref(), b) {
        (_, None) => {}
        (None, Some(b)) => *a = Some(b),
        (Some(x), Some(b)) => {
            if b.pos < x.pos {
                *a = Some(b)
            }
        }
    }
}

/// Counts of one catalog pattern.
#[derive(Clone, Debug, Default)]
pub struct PatternStats {
    /// Lines that hit the pattern.
    pub count: u64,
    /// Earliest event time seen (µs).
    pub first_us: Option<i64>,
    /// Latest event time seen (µs).
    pub last_us: Option<i64>,
    /// The first line (in input order) that hit it.
    pub example: Option<Example>,
}

impl PatternStats {
    fn merge(&mut self, o: PatternStats) {
        self.count += o.count;
        self.first_us = min_opt(self.first_us, o.first_us);
        self.last_us = max_opt(self.last_us, o.last_us);
        keep_first(&mut self.example, o.example);
    }
}

/// Asks for the cache lines holding `v`, at most two (a hint: no effect on what is computed).
#[inline]
pub(crate) fn prefetch<T>(v: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let p: *const i8 = (v as *const T).cast();
        // SAFETY: a prefetch is a hint and never faults; `p` points at a live value and
        // `wrapping_add` computes the second line's address without dereferencing it.
        unsafe {
            _mm_prefetch::<_MM_HINT_T0>(p);
            if std::mem::size_of::<T>() > 64 {
                _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(64));
            }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = v;
}

/// The smaller of two optional values (a missing one does not count).
pub(crate) fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// The larger of two optional values (a missing one does not count).
pub(crate) fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// Line counts by kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineCounts {
    /// Lines handed to the parser (oversize lines are counted by the reader instead).
    pub lines: u64,
    /// Structured events (JSON, CloudWatch export, logfmt).
    pub events: u64,
    /// Lines that looked structured but did not parse, or were not valid UTF-8.
    pub malformed: u64,
    /// Of the malformed lines, those that were not valid UTF-8.
    pub invalid_utf8: u64,
    /// Empty lines.
    pub blank: u64,
    /// Plain text lines.
    pub text: u64,
    /// Events by format: json, cloudwatch, cri, logfmt.
    pub json: u64,
    /// CloudWatch export events.
    pub cloudwatch: u64,
    /// Events in a container runtime's (CRI) lines.
    pub cri: u64,
    /// logfmt events.
    pub logfmt: u64,
    /// Structured events without a recognisable level.
    pub events_without_level: u64,
    /// Structured events without a parsable timestamp.
    pub events_without_time: u64,
    /// Lines longer than the cap that reached a worker (counted, not analysed).
    pub oversize: u64,
    /// Non-blank lines left out because they did not match `--filter`.
    pub filtered_out: u64,
    /// Lines left out by `--since`/`--until`.
    pub window: crate::record::time::WindowCounts,
}

/// The per-thread analysis state. See the module docs.
#[derive(Debug)]
pub struct Aggregators {
    /// Line counts.
    pub counts: LineCounts,
    /// Levels of structured events, indexed by `Level as usize`.
    pub levels: [u64; 6],
    /// Levels found in plain text lines.
    pub text_levels: [u64; 6],
    /// Per catalog pattern, indexed like the catalog.
    pub patterns: Vec<PatternStats>,
    /// Distinct messages of structured events.
    pub messages: MessageTally,
    /// Events and errors over time.
    pub timeline: Timeline,
    /// Earliest timestamp (µs).
    pub first_us: Option<i64>,
    /// Latest timestamp (µs).
    pub last_us: Option<i64>,
    /// Lines per chunk, for line numbers.
    pub lines: LineIndex,
    /// Durations.
    pub latency: latency::Latency,
}

impl Aggregators {
    /// Empty state for a catalog of `patterns` patterns.
    pub fn new(
        patterns: usize,
        message_cap: usize,
        bucket_secs: Option<i64>,
        latency: latency::Latency,
    ) -> Aggregators {
        Aggregators {
            counts: LineCounts::default(),
            levels: [0; 6],
            text_levels: [0; 6],
            patterns: vec![PatternStats::default(); patterns],
            messages: MessageTally::new(message_cap),
            timeline: Timeline::new(bucket_secs),
            first_us: None,
            last_us: None,
            lines: LineIndex::default(),
            latency,
        }
    }

    /// Records the time and level of a line (event or text).
    #[inline]
    pub fn observe_time(&mut self, time_us: Option<i64>, level: Option<Level>) {
        if let Some(t) = time_us {
            self.first_us = Some(self.first_us.map_or(t, |f| f.min(t)));
            self.last_us = Some(self.last_us.map_or(t, |l| l.max(t)));
            self.timeline.observe(t, level.is_some_and(Level::is_error));
        }
    }

    /// Counts a structured event of `format`.
    #[inline]
    pub fn observe_event(&mut self, format: Format, level: Option<Level>, has_time: bool) {
        let c = &mut self.counts;
        c.events += 1;
        match format {
            Format::Json => c.json += 1,
            Format::CloudWatch => c.cloudwatch += 1,
            Format::Cri => c.cri += 1,
            Format::Logfmt => c.logfmt += 1,
            Format::Text => {}
        }
        match level {
            Some(l) => self.levels[l as usize] += 1,
            None => c.events_without_level += 1,
        }
        if !has_time {
            c.events_without_time += 1;
        }
    }

    /// Records pattern hits of one line.
    #[inline]
    pub fn observe_hits(&mut self, hits: &[u16], time_us: Option<i64>, pos: Position, line: &[u8]) {
        for &p in hits {
            let s = &mut self.patterns[p as usize];
            s.count += 1;
            if let Some(t) = time_us {
                s.first_us = Some(s.first_us.map_or(t, |f| f.min(t)));
                s.last_us = Some(s.last_us.map_or(t, |l| l.max(t)));
            }
            if s.example.as_ref().is_none_or(|e| pos < e.pos) {
                s.example = Some(Example::new(pos, line));
            }
        }
    }

    /// Adds another state into this one.
    pub fn merge(&mut self, o: Aggregators) {
        let c = &mut self.counts;
        let d = o.counts;
        c.lines += d.lines;
        c.events += d.events;
        c.malformed += d.malformed;
        c.invalid_utf8 += d.invalid_utf8;
        c.blank += d.blank;
        c.text += d.text;
        c.json += d.json;
        c.cloudwatch += d.cloudwatch;
        c.cri += d.cri;
        c.logfmt += d.logfmt;
        c.events_without_level += d.events_without_level;
        c.events_without_time += d.events_without_time;
        c.oversize += d.oversize;
        c.filtered_out += d.filtered_out;
        c.window.add(d.window);
        for i in 0..6 {
            self.levels[i] += o.levels[i];
            self.text_levels[i] += o.text_levels[i];
        }
        for (a, b) in self.patterns.iter_mut().zip(o.patterns) {
            a.merge(b);
        }
        self.messages.merge(o.messages);
        self.timeline.merge(o.timeline);
        self.first_us = min_opt(self.first_us, o.first_us);
        self.last_us = max_opt(self.last_us, o.last_us);
        self.lines.merge(o.lines);
        self.latency.merge(o.latency);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_keeps_earliest_position_and_is_cut() {
        let mut a = Aggregators::new(1, 100, None, latency::Latency::new(1, None));
        let mut b = Aggregators::new(1, 100, None, latency::Latency::new(1, None));
        let pos = |line| Position {
            source: 0,
            chunk: 0,
            line,
        };
        a.observe_hits(&[0], None, pos(9), b"late");
        b.observe_hits(&[0], None, pos(3), b"early");
        a.merge(b);
        assert_eq!(a.patterns[0].count, 2);
        assert_eq!(a.patterns[0].example.as_ref().unwrap().text, "early");
        let long = "é".repeat(EXAMPLE_MAX_BYTES);
        let e = Example::new(
            Position {
                source: 0,
                chunk: 0,
                line: 1,
            },
            long.as_bytes(),
        );
        assert!(e.text.len() <= EXAMPLE_MAX_BYTES + 3);
        assert!(e.text.ends_with('…'));
        assert!(!e.text.contains('\u{FFFD}'));
    }
}
