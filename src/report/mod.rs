//! The report: plain data, the contract between analysis and every renderer.
//!
//! `--format json` serialises [`Report`] as is; its schema is versioned by [`SCHEMA`] and
//! documented in `docs/SCHEMA.md`. Keys are only ever added within a version; renaming or
//! removing one bumps the version. The report is also what `check` and `merge` read back, so it
//! derives `Deserialize`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

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
    /// Structured events per level (`trace` … `fatal`; every level present, zero if unseen).
    pub levels: BTreeMap<String, u64>,
    /// Levels recognised in plain-text lines (same keys).
    pub text_levels: BTreeMap<String, u64>,
    /// Catalog patterns that matched, by severity (worst first) then count.
    pub patterns: Vec<PatternHit>,
    /// Most frequent messages of structured events, by count then text.
    pub messages: Vec<MessageEntry>,
    /// Events and errors over time.
    pub timeline: TimelineReport,
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
    /// Events per format: `json`, `cloudwatch`, `logfmt`.
    pub formats: BTreeMap<String, u64>,
    /// Structured events with no recognisable level.
    pub events_without_level: u64,
    /// Structured events with no parsable timestamp.
    pub events_without_time: u64,
    /// Earliest and latest timestamp seen (RFC 3339, UTC).
    pub time_range: Option<TimeRange>,
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
    pub fn build(
        agg: &Aggregators,
        lines: &ResolvedLines,
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
        let messages = agg
            .messages
            .top(opts.top)
            .into_iter()
            .map(|m| MessageEntry {
                message: m.text,
                count: m.count,
                exact: m.exact,
            })
            .collect();
        let res = agg.timeline.resolution_secs();
        let width = match opts.bucket_secs {
            Some(w) => w.max(res),
            None => {
                let range = match (agg.first_us, agg.last_us) {
                    (Some(f), Some(l)) => (l - f) / MICROS_PER_SEC,
                    _ => 0,
                };
                timeline::auto_width(range, res)
            }
        };
        let buckets = agg
            .timeline
            .buckets(width)
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
                    ("logfmt", c.logfmt),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
                events_without_level: c.events_without_level,
                events_without_time: c.events_without_time,
                time_range: match (agg.first_us, agg.last_us) {
                    (Some(f), Some(l)) => Some(TimeRange {
                        first: format_rfc3339(f),
                        last: format_rfc3339(l),
                    }),
                    _ => None,
                },
            },
            levels: level_map(&agg.levels),
            text_levels: level_map(&agg.text_levels),
            patterns,
            messages,
            timeline: TimelineReport {
                bucket_seconds: width,
                buckets,
            },
        }
    }

    /// Error events (levels error and fatal).
    pub fn error_events(&self) -> u64 {
        self.levels.get("error").copied().unwrap_or(0)
            + self.levels.get("fatal").copied().unwrap_or(0)
    }
}
