//! The report: plain data, the contract between analysis and every renderer.
//!
//! `--format json` serialises [`Report`] as is; its schema is versioned by [`SCHEMA`] and
//! documented in `docs/SCHEMA.md`. Keys are only ever added within a version; renaming or
//! removing one bumps the version. The report is also what `check` and `merge` read back, so it
//! derives `Deserialize`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub mod merge;

use crate::aggregate::latency::{
    Dimension, GroupLatency, SlowEvent, MIN_GROUP_COUNT, OUT_OF_LINE_RATIO,
};
use crate::aggregate::requests::{ErrorKey, Finished, TraceStats};
use crate::aggregate::{timeline, Aggregators};
use crate::matching::Catalog;
use crate::record::time::{format_rfc3339, format_rfc3339_secs, MICROS_PER_SEC};
use crate::record::Level;
use crate::source::chunk::ResolvedLines;

/// Schema identifier of the JSON report.
pub const SCHEMA: &str = "logtriage.report/v1";

/// A whole analysis report.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Report {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// Tool name and version that wrote the report.
    pub tool: Tool,
    /// True if the run was interrupted or some input could not be read: counts cover only
    /// what was read.
    pub partial: bool,
    /// What was read.
    pub input: InputSummary,
    /// How it was analysed, so that `check`, `diff` and `merge` treat other logs alike (absent
    /// from reports written before this key was added).
    #[serde(default)]
    pub settings: Option<Settings>,
    /// Structured events per level (`trace` … `fatal`; every level present, zero if unseen).
    pub levels: BTreeMap<String, u64>,
    /// Levels recognised in plain-text lines (same keys).
    pub text_levels: BTreeMap<String, u64>,
    /// Catalog patterns that matched, by severity (worst first) then count.
    pub patterns: Vec<PatternHit>,
    /// Most frequent messages of structured events, by count then text.
    pub messages: Vec<MessageEntry>,
    /// Templates mined from the messages no catalog pattern matched: those with error or
    /// fatal events first, then warnings, then the rest; by count within each (`--top` long).
    #[serde(default)]
    pub templates: Vec<TemplateEntry>,
    /// Events and errors over time.
    pub timeline: TimelineReport,
    /// Durations: percentiles overall and per group, the slowest events, outliers.
    /// Present with `--latency`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub latency: Option<LatencyReport>,
    /// Events grouped by request id. Present with `--traces`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub traces: Option<TracesReport>,
    /// What `logtriage merge` needs besides the keys above (`--mergeable`); its layout is
    /// [`crate::aggregate::state::State`], versioned on its own.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub state: Option<Box<crate::aggregate::state::State>>,
}

/// A distribution summary.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Distribution {
    /// Median.
    pub p50: Option<f64>,
    /// 90th percentile.
    pub p90: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
    /// Largest value.
    pub max: Option<f64>,
}

/// A distribution of exact counts: [`Distribution`] with integers. Reads the floats (`6.0`) that
/// reports before it wrote.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CountDistribution {
    /// Median.
    #[serde(default, deserialize_with = "count_from_number")]
    pub p50: Option<u64>,
    /// 90th percentile.
    #[serde(default, deserialize_with = "count_from_number")]
    pub p90: Option<u64>,
    /// 99th percentile.
    #[serde(default, deserialize_with = "count_from_number")]
    pub p99: Option<u64>,
    /// Largest value.
    #[serde(default, deserialize_with = "count_from_number")]
    pub max: Option<u64>,
}

fn count_from_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let v = Option::<f64>::deserialize(d)?;
    match v {
        Some(x) if x >= 0.0 && x.fract() == 0.0 && x < 1.8e19 => Ok(Some(x as u64)),
        Some(x) => Err(serde::de::Error::custom(format!("{x} is not a count"))),
        None => Ok(None),
    }
}

/// The first error of a trace.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FirstErrorReport {
    /// When.
    pub ts: Option<String>,
    /// The most severe catalog pattern it hit.
    pub pattern: Option<String>,
    /// Its message.
    pub message: Option<String>,
    /// Where: service.
    pub service: Option<String>,
    /// Where: source location.
    pub caller: Option<String>,
}

/// One request trace.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TraceSummary {
    /// The request id.
    pub request_id: String,
    /// First event time.
    pub first: Option<String>,
    /// Last event time.
    pub last: Option<String>,
    /// Time between them, ms.
    pub span_ms: Option<f64>,
    /// Events.
    pub events: u64,
    /// Error events.
    pub errors: u64,
    /// Services, in order of appearance.
    pub services: Vec<String>,
    /// The slowest event: message and duration.
    pub slowest_event: Option<SlowestEvent>,
    /// The first error, if any.
    pub first_error: Option<FirstErrorReport>,
    /// Catalog patterns hit.
    pub patterns: Vec<String>,
}

/// The slowest event of a trace.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SlowestEvent {
    /// Its message.
    pub message: String,
    /// Its duration, ms.
    pub duration_ms: f64,
}

/// Failing traces that share their first error.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ErrorGroup {
    /// The first error's catalog pattern id, or its message, or `(other)`.
    pub key: String,
    /// True when `key` is a pattern id.
    pub is_pattern: bool,
    /// Traces in the group.
    pub count: u64,
    /// One of them.
    pub example: TraceSummary,
}

/// The traces section.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TracesReport {
    /// Distinct requests (a request idle for longer than `--trace-idle` counts again).
    pub count: u64,
    /// Requests with at least one error event.
    pub with_errors: u64,
    /// Traces finished early because too many were open.
    pub evicted: u64,
    /// Events per trace (exact counts).
    pub events_per_trace: CountDistribution,
    /// Span per trace, ms (0.5 % sketch).
    pub span_ms: Distribution,
    /// The longest traces, longest first.
    pub slowest: Vec<TraceSummary>,
    /// Failing traces grouped by their first error, largest group first.
    pub error_groups: Vec<ErrorGroup>,
}

/// Latency percentiles of a set of events (ms). Percentiles come from a DDSketch with 0.5 %
/// relative accuracy; `count`, `mean` and `max` are exact. All `null` when `count` is 0.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct LatencyStats {
    /// Events with a duration.
    pub count: u64,
    /// Mean duration.
    pub mean: Option<f64>,
    /// Median.
    pub p50: Option<f64>,
    /// 90th percentile.
    pub p90: Option<f64>,
    /// 95th percentile.
    pub p95: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
    /// 99.9th percentile.
    pub p999: Option<f64>,
    /// Largest duration.
    pub max: Option<f64>,
}

impl LatencyStats {
    /// The percentiles and the maximum, labelled as reports show them (`p50` … `p99.9`, `max`).
    pub fn profile(&self) -> [(&'static str, Option<f64>); 6] {
        [
            ("p50", self.p50),
            ("p90", self.p90),
            ("p95", self.p95),
            ("p99", self.p99),
            ("p99.9", self.p999),
            ("max", self.max),
        ]
    }
}

/// One event quoted for its duration.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SlowEntry {
    /// Request id, if the event has one.
    pub request_id: Option<String>,
    /// Message, if any (cut to 512 bytes).
    pub message: Option<String>,
    /// Duration in ms.
    pub duration_ms: f64,
    /// Event time (RFC 3339), if any.
    pub ts: Option<String>,
    /// Source name.
    pub source: String,
    /// 1-based line number.
    pub line: u64,
}

/// Latency of one group of events.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct GroupReport {
    /// Dimension: `service`, `caller`, `route`, `pattern` or `field`.
    pub by: String,
    /// The group's value (`(other)` collects values past the per-dimension cap).
    pub key: String,
    /// Percentiles.
    #[serde(flatten)]
    pub stats: LatencyStats,
    /// True when the group's p99 is at least 3 × the overall p99 (and it has ≥ 20 events).
    pub out_of_line: bool,
    /// Events above both the group's p99 and Tukey's far-out fence `Q3 + 3·IQR`.
    pub outliers: Vec<SlowEntry>,
}

/// Events slower than `--slow`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SlowList {
    /// The threshold (ms).
    pub threshold_ms: f64,
    /// Events above it (all of them).
    pub count: u64,
    /// The first of them in input order (at most 1,000).
    pub events: Vec<SlowEntry>,
}

/// The latency section.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct LatencyReport {
    /// All events with a duration.
    pub overall: LatencyStats,
    /// The slowest events, slowest first (`--top` long, at least 20).
    pub slowest: Vec<SlowEntry>,
    /// Per dimension, the `--top` groups with the highest p99 (groups out of line always).
    pub groups: Vec<GroupReport>,
    /// `--slow` results, when asked for.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub slow: Option<SlowList>,
    /// Events whose duration field held no duration.
    pub unparsable: u64,
    /// Event counts per log-spaced duration bucket (four per decade), from the first to the
    /// last non-empty one: `le_ms` is the bucket's upper bound (`null` for the last, open one).
    #[serde(default)]
    pub histogram: Vec<HistogramBucket>,
}

/// One bucket of the latency histogram.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct HistogramBucket {
    /// Upper bound in ms (exclusive); `None` for the open last bucket.
    pub le_ms: Option<f64>,
    /// Events in the bucket.
    pub count: u64,
}

/// Writer of the report.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Tool {
    /// `logtriage`.
    pub name: String,
    /// Crate version.
    pub version: String,
}

/// One input source.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SourceSummary {
    /// Path, or `-` for standard input.
    pub name: String,
    /// Bytes of log text read (after decompression).
    pub bytes: u64,
    /// Physical lines read.
    pub lines: u64,
    /// True if the source was gzip-compressed.
    pub gzip: bool,
    /// The source's text encoding when it was not UTF-8 (`utf-16le`, `utf-16be`): it was
    /// decoded, and `bytes` counts the UTF-8 text.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub encoding: Option<String>,
    /// Why the source could not be (fully) read, if it could not.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
}

/// Totals over all sources.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct InputSummary {
    /// Each source, in input order.
    pub sources: Vec<SourceSummary>,
    /// Physical lines (a final line without a newline counts).
    pub lines: u64,
    /// Bytes of log text.
    pub bytes: u64,
    /// Lines that parsed as structured records (JSON, CloudWatch export, logfmt).
    pub events: u64,
    /// Lines that look structured but do not parse, or are not valid UTF-8.
    pub malformed: u64,
    /// Of the malformed lines, those with invalid UTF-8.
    pub invalid_utf8: u64,
    /// Non-empty lines that are not structured and not malformed (plain text).
    pub non_json: u64,
    /// Empty lines.
    pub blank: u64,
    /// Lines longer than `--max-line-bytes`, counted and skipped.
    pub oversize: u64,
    /// Events per format: `json`, `cloudwatch`, `cri`, `logfmt`.
    pub formats: BTreeMap<String, u64>,
    /// Structured events with no recognisable level.
    pub events_without_level: u64,
    /// Structured events with no parsable timestamp.
    pub events_without_time: u64,
    /// Earliest and latest timestamp seen (RFC 3339, UTC).
    pub time_range: Option<TimeRange>,
    /// The `--filter` pattern and how many non-blank lines it left out (absent without one).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub filter: Option<FilterSummary>,
    /// The `--since`/`--until` window of an analysis of files or standard input, and the lines
    /// it left out (absent without one).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub window: Option<WindowSummary>,
}

/// The options of a run that shape its numbers, beyond `input.filter` and `latency.slow`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Settings {
    /// `--top`: entries listed per section.
    pub top: usize,
    /// Field overrides (`--time-field` …): slot name (`time`, `level`, `message`, `request_id`,
    /// `error`, `service`) to the dotted path read instead of the aliases.
    pub fields: BTreeMap<String, String>,
    /// `--latency-field`, as `NAME` or `NAME:UNIT`.
    pub latency_field: Option<String>,
    /// `--latency-by` fields.
    pub latency_by: Vec<String>,
    /// `--trace-idle` in seconds, with `--traces`.
    pub trace_idle_secs: Option<i64>,
    /// Plain-text lines with a timestamp or level word count as messages (and templates);
    /// reports written before they did read `false`.
    pub text_messages: bool,
    /// A plain-text line's message is what follows its whole header (pid, thread, logger,
    /// syslog host and program too, not only the time and level), and a JSON event without a
    /// level takes the level, logger and message of its message's header; reports written
    /// before read `false`.
    pub text_headers: bool,
    /// `--syslog-year`: the year taken for syslog times, which have none (`null`: guessed from
    /// the clock, this year or the last).
    pub syslog_year: Option<i64>,
}

/// What `--filter` did.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FilterSummary {
    /// The pattern as given.
    pub pattern: String,
    /// Non-blank lines that did not match and were not analysed.
    pub excluded: u64,
}

/// What `--since`/`--until` did.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct WindowSummary {
    /// First instant analysed (RFC 3339, UTC), or `null`.
    pub since: Option<String>,
    /// First instant after the window (RFC 3339, UTC), or `null`.
    pub until: Option<String>,
    /// Lines left out because their time is before `since`.
    pub before: u64,
    /// Lines left out because their time is at or after `until`.
    pub after: u64,
    /// Lines left out for want of a timestamp: without one, and with no timed line before
    /// them (a line without a time goes with the timed line before it, counted with it).
    pub untimed: u64,
}

impl WindowSummary {
    /// The summary of `window` with its counts.
    pub fn new(
        window: crate::record::time::Window,
        counts: crate::record::time::WindowCounts,
    ) -> WindowSummary {
        let f = crate::record::time::format_rfc3339;
        WindowSummary {
            since: window.since_us.map(f),
            until: window.until_us.map(f),
            before: counts.before,
            after: counts.after,
            untimed: counts.untimed,
        }
    }

    /// The counts.
    pub fn counts(&self) -> crate::record::time::WindowCounts {
        crate::record::time::WindowCounts {
            before: self.before,
            after: self.after,
            untimed: self.untimed,
        }
    }
}

/// A closed time interval.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TimeRange {
    /// First timestamp.
    pub first: String,
    /// Last timestamp.
    pub last: String,
}

/// A catalog pattern and how often it matched.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PatternHit {
    /// Pattern id.
    pub id: String,
    /// Title.
    pub title: String,
    /// `info`, `warn`, `error` or `critical`.
    pub severity: String,
    /// Lines that matched.
    pub count: u64,
    /// Earliest match (RFC 3339), if the lines had timestamps.
    pub first_seen: Option<String>,
    /// Latest match.
    pub last_seen: Option<String>,
    /// The first matching line in input order.
    pub example: Option<ExampleLine>,
    /// What it means.
    pub meaning: String,
    /// Likely causes.
    pub causes: Vec<String>,
    /// What to do.
    pub action: String,
    /// Guide the pattern comes from.
    pub guide: Option<String>,
    /// Section of that guide.
    pub section: Option<String>,
}

/// A line quoted as evidence.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ExampleLine {
    /// Source name.
    pub source: String,
    /// 1-based line number in that source.
    pub line: u64,
    /// The line (cut to 1 KiB).
    pub text: String,
}

/// A message and its count.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct MessageEntry {
    /// The message text.
    pub message: String,
    /// Times seen.
    pub count: u64,
    /// False if the count is a lower bound (the distinct-message cap was reached).
    pub exact: bool,
}

/// The worst of the warning-or-worse levels in a level map (`fatal`, `error`, `warn`), if any.
pub fn worst_level(levels: &BTreeMap<String, u64>) -> Option<&'static str> {
    ["fatal", "error", "warn"]
        .into_iter()
        .find(|l| levels.contains_key(*l))
}

/// A template of unknown messages.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TemplateEntry {
    /// Stable id derived from the template text.
    pub id: String,
    /// The template, `<*>` for variables.
    pub template: String,
    /// Messages it covers.
    pub count: u64,
    /// Messages per level (only levels seen).
    pub levels: BTreeMap<String, u64>,
    /// One message it covers.
    pub example: String,
    /// False when the distinct-message table was pruned (more distinct messages than its cap):
    /// `count` is then a lower bound, and may differ between runs and thread counts.
    #[serde(default = "yes")]
    pub exact: bool,
}

fn yes() -> bool {
    true
}

/// Distinct unknown messages mined one by one: the most frequent ones. This bounds the
/// report-time cost (a 1 GB log can hold a million distinct messages); the others are
/// estimated from a sample (see `unknown_templates`).
pub const MAX_MINED_MESSAGES: usize = 20_000;

/// Mines the messages no catalog pattern matched; the `top` most important templates.
///
/// The per-worker message shards are combined first and the messages mined in one fixed order
/// (errors, then warnings, then count descending; ties by the message's hash, then its text),
/// so the templates are the same for any thread count and chunk size.
///
/// Counts are exact when every unknown message is still in the tables and there are at most
/// [`MAX_MINED_MESSAGES`] of them. Otherwise the first [`MAX_MINED_MESSAGES`] are mined with
/// their counts, and everything else, the messages beyond them and those the tables dropped,
/// through a sample of one message in [`DROPPED_SAMPLE`] (chosen by hash) added with
/// `DROPPED_SAMPLE` times its count: an unbiased estimate, close for the big variable
/// templates (thousands of distinct messages sampled), rough for small ones.
fn unknown_templates(
    messages: &crate::aggregate::messages::MessageTally,
    top: usize,
) -> Vec<TemplateEntry> {
    use crate::aggregate::messages::{sampled, DroppedForms, DROPPED_SAMPLE};
    use crate::mine::{Miner, MinerConfig};
    // Combine the shards by sorting each on the stored hash (in parallel) and merging the
    // sorted runs: much cheaper than hashing every message into one map.
    use rayon::prelude::*;
    type Row<'a> = (u64, &'a [u8], u64, [u32; 6]);
    // A shard's row: (hash, text, count, levels, events the catalog explained all the same).
    type Combined<'a> = (u64, &'a [u8], u64, [u32; 6], u64);
    let mut runs: Vec<Vec<Combined>> = messages
        .shards()
        .par_iter()
        .map(|shard| {
            let mut v: Vec<Combined> = shard.unknown().collect();
            v.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
            v
        })
        .collect();
    let mut merged: Vec<Combined> = runs.pop().unwrap_or_default();
    for run in runs {
        let mut out: Vec<Combined> = Vec::with_capacity(merged.len() + run.len());
        let (mut i, mut j) = (0, 0);
        while i < merged.len() || j < run.len() {
            let take_left = j >= run.len()
                || (i < merged.len() && (merged[i].0, merged[i].1) <= (run[j].0, run[j].1));
            let next = if take_left {
                i += 1;
                merged[i - 1]
            } else {
                j += 1;
                run[j - 1]
            };
            match out.last_mut() {
                Some(last) if last.0 == next.0 && last.1 == next.1 => {
                    last.2 += next.2;
                    for (a, b) in last.3.iter_mut().zip(next.3) {
                        *a = a.saturating_add(b);
                    }
                    last.4 = last.4.saturating_add(next.4);
                }
                _ => out.push(next),
            }
        }
        merged = out;
    }
    // A message all of whose events hit the catalog by more than its text (an access log
    // line's 5xx, an error field) is no unknown one; decided on the combined counts, as a shard
    // may hold only the explained events of a message.
    let mut unknown: Vec<Row> = merged
        .into_iter()
        .filter(|r| r.4 < r.2)
        .map(|(h, t, c, l, _)| (h, t, c, l))
        .collect();
    let mut dropped = DroppedForms::default();
    for shard in messages.shards() {
        dropped.merge(shard.dropped().clone());
    }
    let exact = messages.pruned() == 0 && dropped.is_empty() && unknown.len() <= MAX_MINED_MESSAGES;
    // One row per message to mine: (hash, text, weight, levels). A sampled row stands for
    // `DROPPED_SAMPLE` times its counts (saturating: a merge state can say anything).
    type Weighted<'a> = (u64, &'a [u8], u64, [u64; 6]);
    fn weighted((h, t, c, l): Row<'_>) -> Weighted<'_> {
        (h, t, c, l.map(u64::from))
    }
    fn scaled((h, t, c, l): Weighted<'_>) -> Weighted<'_> {
        let k = DROPPED_SAMPLE;
        (h, t, c.saturating_mul(k), l.map(|x| x.saturating_mul(k)))
    }
    // Error and warning messages first (the section lists their templates first), then the
    // most frequent: a rare error must not lose its place to a common info message.
    let class = |l: &[u64; 6]| {
        if l[Level::Error as usize] > 0 || l[Level::Fatal as usize] > 0 {
            2
        } else if l[Level::Warn as usize] > 0 {
            1
        } else {
            0
        }
    };
    // Ties (most messages of a big log are seen once) are broken by the stored hash, the same
    // in every shard: ordering them by text cost a comparison of two texts for nearly every
    // pair, and picked the alphabetically first messages where the hash picks an even sample.
    let order = |a: &Weighted, b: &Weighted| {
        class(&b.3)
            .cmp(&class(&a.3))
            .then(b.2.cmp(&a.2))
            .then(a.0.cmp(&b.0))
            .then_with(|| a.1.cmp(b.1))
    };
    let mut rows: Vec<Weighted> = Vec::new();
    if unknown.len() > MAX_MINED_MESSAGES {
        unknown.select_nth_unstable_by(MAX_MINED_MESSAGES - 1, |a, b| {
            order(&weighted(*a), &weighted(*b))
        });
        rows.extend(
            unknown
                .drain(MAX_MINED_MESSAGES..)
                .filter(|r| sampled(r.0))
                .map(|r| scaled(weighted(r))),
        );
    }
    rows.extend(unknown.into_iter().map(weighted));
    for (_, f) in dropped.iter() {
        rows.push(scaled((
            f.example_hash,
            f.example.as_bytes(),
            f.count,
            f.levels,
        )));
    }
    rows.par_sort_unstable_by(order);
    // Decoding and masking are per message: done in parallel, in chunks so that the masked
    // forms of all rows are never held at once. Mining itself is sequential (order matters).
    // Its input is bounded (the mined rows), and the rarest rows, errors among them, must
    // keep their templates: nothing is folded here.
    let mut first = Miner::new(MinerConfig {
        max_templates: usize::MAX,
        ..MinerConfig::default()
    });
    for block in rows.chunks(8192) {
        let masked: Vec<(std::borrow::Cow<'_, str>, String)> = block
            .par_iter()
            .map(|&(_, text, _, _)| {
                let text = crate::record::text_of(text);
                let mut m = String::new();
                crate::mine::mask::mask_into(&text, &mut m);
                (text, m)
            })
            .collect();
        for ((text, m), &(_, _, count, lv)) in masked.iter().zip(block) {
            first.add_n_masked(m, text, count, lv, None);
        }
    }
    let (templates, _) = first.templates();
    let rank = |l: &BTreeMap<String, u64>| match worst_level(l) {
        Some("fatal" | "error") => 0,
        Some(_) => 1,
        None => 2,
    };
    let mut v: Vec<TemplateEntry> = templates
        .into_iter()
        .map(|t| TemplateEntry {
            id: t.id,
            levels: t.levels,
            count: t.count,
            example: t.example,
            template: t.template,
            exact,
        })
        .collect();
    v.sort_by(|a, b| {
        rank(&a.levels)
            .cmp(&rank(&b.levels))
            .then(b.count.cmp(&a.count))
            .then_with(|| a.template.cmp(&b.template))
    });
    v.truncate(top);
    v
}

/// Events over time.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TimelineReport {
    /// Width of each bucket.
    pub bucket_seconds: i64,
    /// Buckets in time order, gaps filled with zeros.
    pub buckets: Vec<Bucket>,
}

/// One time bucket.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Bucket {
    /// Bucket start, RFC 3339 UTC.
    pub start: String,
    /// Timestamped lines (events and plain-text lines) in the bucket.
    pub events: u64,
    /// Of those, at level error or fatal.
    pub errors: u64,
}

/// Settings that shape the report (not the analysis).
#[derive(Clone, Debug)]
pub struct ReportOptions {
    /// Messages listed.
    pub top: usize,
    /// Bucket width; chosen from the time range when `None`.
    pub bucket_secs: Option<i64>,
}

impl Report {
    /// Builds the report from merged aggregators.
    #[allow(clippy::too_many_arguments)]
    pub fn build(
        agg: &Aggregators,
        lines: &ResolvedLines,
        traces: Option<&TraceStats>,
        latency: bool,
        catalog: &Catalog,
        sources: Vec<SourceSummary>,
        oversize: u64,
        partial: bool,
        opts: &ReportOptions,
    ) -> Report {
        let c = &agg.counts;
        let level_map = |counts: &[u64; 6]| -> BTreeMap<String, u64> {
            Level::ALL
                .iter()
                .map(|l| (l.name().to_string(), counts[*l as usize]))
                .collect()
        };
        let mut patterns: Vec<PatternHit> = catalog
            .patterns()
            .iter()
            .zip(&agg.patterns)
            .filter(|(_, s)| s.count > 0)
            .map(|(p, s)| PatternHit {
                id: p.id.clone(),
                title: p.title.clone(),
                severity: p.severity.name().to_string(),
                count: s.count,
                first_seen: s.first_us.map(format_rfc3339),
                last_seen: s.last_us.map(format_rfc3339),
                example: s.example.as_ref().map(|e| ExampleLine {
                    source: sources
                        .get(e.pos.source as usize)
                        .map(|s| s.name.clone())
                        .unwrap_or_default(),
                    line: lines.line_number(e.pos.source, e.pos.chunk, e.pos.line),
                    text: e.text.clone(),
                }),
                meaning: p.meaning.clone(),
                causes: p.causes.clone(),
                action: p.action.clone(),
                guide: p.guide.clone(),
                section: p.section.clone(),
            })
            .collect();
        let sev = |h: &PatternHit| {
            crate::matching::Severity::parse(&h.severity).unwrap_or(crate::matching::Severity::Info)
        };
        patterns.sort_by(|a, b| {
            sev(b)
                .cmp(&sev(a))
                .then(b.count.cmp(&a.count))
                .then_with(|| a.id.cmp(&b.id))
        });
        // Mining the templates is the longest step here: the top messages and the latency
        // report are built meanwhile on the other thread.
        let (templates, (messages, latency)) = rayon::join(
            || unknown_templates(&agg.messages, opts.top),
            || {
                let messages: Vec<MessageEntry> = agg
                    .messages
                    .top(opts.top)
                    .into_iter()
                    .map(|m| MessageEntry {
                        message: m.text,
                        count: m.count,
                        exact: m.exact,
                    })
                    .collect();
                let latency = latency.then(|| latency_report(agg, lines, &sources, opts.top));
                (messages, latency)
            },
        );
        let res = agg.timeline.resolution_secs();
        let width = match opts.bucket_secs {
            Some(w) => w.max(res),
            None => {
                let (first, last) = match (agg.first_us, agg.last_us) {
                    (Some(f), Some(l)) => {
                        (f.div_euclid(MICROS_PER_SEC), l.div_euclid(MICROS_PER_SEC))
                    }
                    _ => (0, 0),
                };
                timeline::auto_width(first, last, res)
            }
        };
        let (width, buckets) = agg.timeline.buckets(width);
        let buckets = buckets
            .into_iter()
            .map(|(start, b)| Bucket {
                start: format_rfc3339_secs(start),
                events: b.events,
                errors: b.errors,
            })
            .collect();
        let bytes = sources.iter().map(|s| s.bytes).sum();
        let lines = sources.iter().map(|s| s.lines).sum();
        Report {
            schema: SCHEMA.to_string(),
            tool: Tool {
                name: "logtriage".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            partial,
            input: InputSummary {
                sources,
                lines,
                bytes,
                events: c.events,
                malformed: c.malformed,
                invalid_utf8: c.invalid_utf8,
                non_json: c.text,
                blank: c.blank,
                oversize,
                formats: [
                    ("json", c.json),
                    ("cloudwatch", c.cloudwatch),
                    ("cri", c.cri),
                    ("logfmt", c.logfmt),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
                events_without_level: c.events_without_level,
                events_without_time: c.events_without_time,
                filter: None,
                window: None,
                time_range: match (agg.first_us, agg.last_us) {
                    (Some(f), Some(l)) => Some(TimeRange {
                        first: format_rfc3339(f),
                        last: format_rfc3339(l),
                    }),
                    _ => None,
                },
            },
            settings: None,
            levels: level_map(&agg.levels),
            text_levels: level_map(&agg.text_levels),
            patterns,
            messages,
            templates,
            timeline: TimelineReport {
                bucket_seconds: width,
                buckets,
            },
            latency,
            traces: traces.map(|t| traces_report(t, catalog)),
            state: None,
        }
    }

    /// Error events (levels error and fatal).
    pub fn error_events(&self) -> u64 {
        self.levels.get("error").copied().unwrap_or(0)
            + self.levels.get("fatal").copied().unwrap_or(0)
    }
}

fn stats_of(g: &GroupLatency) -> LatencyStats {
    // The sketch answers within 0.5 %, which near the top can overshoot the exact maximum:
    // a percentile never exceeds the largest value seen.
    let q = |p: f64| {
        if g.count > 0 {
            g.quantile(p).map(|v| v.min(g.max))
        } else {
            None
        }
    };
    LatencyStats {
        count: g.count,
        mean: g.mean(),
        p50: q(0.5),
        p90: q(0.9),
        p95: q(0.95),
        p99: q(0.99),
        p999: q(0.999),
        max: (g.count > 0).then_some(g.max),
    }
}

fn latency_report(
    agg: &Aggregators,
    lines: &ResolvedLines,
    sources: &[SourceSummary],
    top: usize,
) -> LatencyReport {
    let l = &agg.latency;
    let entry = |e: &SlowEvent| SlowEntry {
        request_id: e.request_id.as_deref().map(str::to_string),
        message: e.message.as_deref().map(str::to_string),
        duration_ms: e.duration_ms,
        ts: e.time_us.map(format_rfc3339),
        source: sources
            .get(e.pos.source as usize)
            .map(|s| s.name.clone())
            .unwrap_or_default(),
        line: lines.line_number(e.pos.source, e.pos.chunk, e.pos.line),
    };
    let overall = stats_of(&l.overall);
    let overall_p99 = overall.p99.unwrap_or(f64::INFINITY);
    let mut by_dim: BTreeMap<Dimension, Vec<GroupReport>> = BTreeMap::new();
    for (dim, key, g) in l.all_groups() {
        let stats = stats_of(g);
        let big = g.count >= MIN_GROUP_COUNT;
        let out_of_line = big
            && stats
                .p99
                .is_some_and(|p| p >= OUT_OF_LINE_RATIO * overall_p99);
        let outliers = match (big, g.quantile(0.25), g.quantile(0.75), stats.p99) {
            (true, Some(q1), Some(q3), Some(p99)) => {
                let fence = (q3 + 3.0 * (q3 - q1)).max(p99);
                g.slowest
                    .clone()
                    .into_sorted()
                    .iter()
                    .filter(|e| e.duration_ms > fence)
                    .map(entry)
                    .collect()
            }
            _ => Vec::new(),
        };
        by_dim.entry(dim).or_default().push(GroupReport {
            by: dim.name().to_string(),
            key: String::from_utf8_lossy(key).into_owned(),
            stats,
            out_of_line,
            outliers,
        });
    }
    let mut groups = Vec::new();
    for (_, mut v) in by_dim {
        // Highest p99 first; groups too small for a meaningful p99 (a message seen twice)
        // after the others.
        v.sort_by(|a, b| {
            let big = |g: &GroupReport| g.stats.count >= MIN_GROUP_COUNT;
            big(b)
                .cmp(&big(a))
                .then_with(|| {
                    b.stats
                        .p99
                        .unwrap_or(0.0)
                        .total_cmp(&a.stats.p99.unwrap_or(0.0))
                })
                .then_with(|| a.key.cmp(&b.key))
        });
        let keep: Vec<GroupReport> = v
            .into_iter()
            .enumerate()
            .filter(|(i, g)| *i < top || g.out_of_line)
            .map(|(_, g)| g)
            .collect();
        groups.extend(keep);
    }
    LatencyReport {
        overall,
        slowest: l
            .overall
            .slowest
            .clone()
            .into_sorted()
            .iter()
            .map(entry)
            .collect(),
        groups,
        slow: l.slow_threshold_ms.map(|t| SlowList {
            threshold_ms: t,
            count: l.slow_count,
            events: l.slow.iter().map(entry).collect(),
        }),
        unparsable: l.unparsable,
        histogram: {
            use crate::aggregate::latency::histogram_upper_ms;
            let first = l.histogram.iter().position(|&c| c > 0);
            let last = l.histogram.iter().rposition(|&c| c > 0);
            match (first, last) {
                (Some(f), Some(t)) => (f..=t)
                    .map(|i| HistogramBucket {
                        le_ms: Some(histogram_upper_ms(i)).filter(|v| v.is_finite()),
                        count: l.histogram[i],
                    })
                    .collect(),
                _ => Vec::new(),
            }
        },
    }
}

fn trace_summary(f: &Finished, catalog: &Catalog) -> TraceSummary {
    let s = &f.state;
    let pid = |p: u16| catalog.patterns().get(p as usize).map(|x| x.id.clone());
    TraceSummary {
        request_id: f.id.to_string(),
        first: s.first_us.map(format_rfc3339),
        last: s.last_us.map(format_rfc3339),
        span_ms: s.span_ms(),
        events: s.events,
        errors: s.errors,
        services: s.services.iter().map(|x| x.to_string()).collect(),
        slowest_event: s.slowest.as_ref().map(|(ms, m)| SlowestEvent {
            message: m.to_string(),
            duration_ms: *ms,
        }),
        first_error: s.first_error.as_ref().map(|e| FirstErrorReport {
            ts: e.time_us.map(format_rfc3339),
            pattern: e.pattern.and_then(pid),
            message: e.message.as_deref().map(str::to_string),
            service: e.service.as_deref().map(str::to_string),
            caller: e.caller.as_deref().map(str::to_string),
        }),
        patterns: s.patterns.iter().filter_map(|&p| pid(p)).collect(),
    }
}

fn traces_report(t: &TraceStats, catalog: &Catalog) -> TracesReport {
    // Nearest-rank percentiles from the exact events-per-trace histogram.
    let events_hist = t.events_histogram();
    let total: u64 = events_hist.values().sum();
    let rank = |q: f64| -> Option<u64> {
        if total == 0 {
            return None;
        }
        let want = crate::aggregate::latency::nearest_rank(q, total);
        let mut seen = 0;
        for (&events, &n) in &events_hist {
            seen += n;
            if seen >= want {
                return Some(events);
            }
        }
        None
    };
    let max_span = t.slowest.first().and_then(|f| f.state.span_ms());
    let span_q = |q: f64| {
        crate::aggregate::latency::sketch_quantile(&t.span, q, max_span)
            .map(|v| max_span.map_or(v, |m| v.min(m)))
    };
    let mut groups: Vec<ErrorGroup> = t
        .error_groups
        .iter()
        .map(|(k, (n, f))| {
            let (key, is_pattern) = match k {
                ErrorKey::Pattern(p) => (
                    catalog
                        .patterns()
                        .get(*p as usize)
                        .map(|x| x.id.clone())
                        .unwrap_or_default(),
                    true,
                ),
                ErrorKey::Message(m) => (m.to_string(), false),
                ErrorKey::Other => ("(other)".to_string(), false),
            };
            ErrorGroup {
                key,
                is_pattern,
                count: *n,
                example: trace_summary(f, catalog),
            }
        })
        .collect();
    groups.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    TracesReport {
        count: t.count,
        with_errors: t.with_errors,
        evicted: t.evicted,
        events_per_trace: CountDistribution {
            p50: rank(0.5),
            p90: rank(0.9),
            p99: rank(0.99),
            max: events_hist.keys().next_back().copied(),
        },
        span_ms: Distribution {
            p50: span_q(0.5),
            p90: span_q(0.9),
            p99: span_q(0.99),
            max: max_span,
        },
        slowest: t
            .slowest
            .iter()
            .map(|f| trace_summary(f, catalog))
            .collect(),
        error_groups: groups,
    }
}
