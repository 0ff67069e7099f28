//! `logtriage merge`: shard reports into one, as if one pass had read every shard in order.
//!
//! Each report is turned back into [`Aggregators`] (its plain keys hold exact counts, levels,
//! pattern hits and timeline buckets; its `state` holds messages, latency sketches and the
//! traces that may continue next door, see [`crate::aggregate::state`]), the states are
//! merged with the pipeline's own merge, and the report is built again with
//! [`Report::build`]. Merging is therefore exact wherever one pass is, and the result can be
//! merged again.

use crate::aggregate::latency::Latency;
use crate::aggregate::state::{self, PatternIndex, StateError, STATE_VERSION};
use crate::aggregate::timeline::BucketCount;
use crate::aggregate::{Aggregators, Example, PatternStats, Position};
use crate::matching::Catalog;
use crate::record::time::parse_rfc3339;
use crate::source::chunk::ResolvedLines;

use super::{FilterSummary, Report, ReportOptions, Settings, SCHEMA};

/// How to merge.
#[derive(Clone, Debug, Default)]
pub struct MergeOptions {
    /// Entries listed (messages, templates, slow events); the smallest of the inputs' when
    /// `None`.
    pub top: Option<usize>,
    /// Timeline bucket width; chosen from the merged time range when `None`.
    pub bucket_secs: Option<i64>,
}

/// Why reports cannot be merged: names the report.
#[derive(Debug, thiserror::Error)]
#[error("{name}: {reason}")]
pub struct MergeError {
    /// The report (as given on the command line).
    pub name: String,
    /// What is wrong.
    pub reason: String,
}

fn err(name: &str, reason: impl Into<String>) -> MergeError {
    MergeError {
        name: name.to_string(),
        reason: reason.into(),
    }
}

fn time(s: &Option<String>) -> Option<i64> {
    s.as_deref().and_then(|s| parse_rfc3339(s.as_bytes()))
}

/// Merges `reports` (name, report) in the order given. They must carry merge state
/// (`analyze --format json --mergeable`) and have been analysed with the same analyses.
pub fn merge(
    reports: Vec<(String, Report)>,
    catalog: &Catalog,
    opts: &MergeOptions,
) -> Result<Report, MergeError> {
    merge_each(reports.into_iter().map(Ok), catalog, opts)
}

/// [`merge`] over reports that are read one at a time (each is folded in and dropped before
/// the next is read, so memory holds one report and the merged state, not every report); an
/// `Err` item (a report that could not be read) ends the merge with it.
pub fn merge_each(
    reports: impl IntoIterator<Item = Result<(String, Report), MergeError>>,
    catalog: &Catalog,
    opts: &MergeOptions,
) -> Result<Report, MergeError> {
    // What the first report was analysed with; every other must agree.
    let mut first: Option<Analysed> = None;
    // The smallest of each report's `--top` (reports without settings: what they list, at
    // least the default).
    let mut top_of_reports: Option<usize> = None;
    // The first report's settings while every report agrees with them (shards of different
    // services may have been read with different field overrides: then the merged report
    // cannot say which).
    let mut settings: Option<Settings> = None;
    let ids = PatternIndex::new(catalog);
    let mut merged: Option<Aggregators> = None;
    let mut sources = Vec::new();
    let mut oversize = 0;
    let mut partial = false;
    let mut excluded = 0;
    let mut trace_shards = Vec::new();
    let mut idle_us = None;
    for (k, item) in reports.into_iter().enumerate() {
        let (name, mut report) = item?;
        let this = Analysed::of(&report);
        let first = first.get_or_insert_with(|| {
            settings = report.settings.clone();
            this.clone()
        });
        let report_top = match &report.settings {
            Some(s) => s.top,
            None => report.messages.len().max(report.templates.len()).max(20),
        };
        top_of_reports = Some(top_of_reports.map_or(report_top, |t| t.min(report_top)));
        let agrees = |s0: &Settings| {
            report.settings.as_ref().is_some_and(|s| {
                s.fields == s0.fields
                    && s.latency_field == s0.latency_field
                    && s.latency_by == s0.latency_by
                    && s.trace_idle_secs == s0.trace_idle_secs
                    && s.text_messages == s0.text_messages
                    && s.text_headers == s0.text_headers
                    && s.syslog_year == s0.syslog_year
            })
        };
        if settings.as_ref().is_some_and(|s0| !agrees(s0)) {
            settings = None;
        }
        let fail = |reason: String| err(&name, reason);
        if report.schema != SCHEMA {
            return Err(fail(format!("schema `{}` is not {SCHEMA}", report.schema)));
        }
        let Some(mut st) = report.state.take() else {
            return Err(fail(
                "has no merge state: write shard reports with `logtriage analyze --format json --mergeable`"
                    .into(),
            ));
        };
        if st.version != STATE_VERSION {
            return Err(fail(format!(
                "merge state version {} is not {STATE_VERSION}",
                st.version
            )));
        }
        if (this.latency, this.traces) != (first.latency, first.traces) {
            return Err(fail(
                "was analysed with different analyses (--latency / --traces) than the first report"
                    .into(),
            ));
        }
        if this.filter != first.filter {
            return Err(fail("was analysed with a different --filter".into()));
        }
        if this.window != first.window {
            return Err(fail("was analysed with a different --since/--until".into()));
        }
        let (has_latency, has_traces) = (this.latency, this.traces);
        let offset = sources.len() as u32;
        let mut agg = restore_report(&report, catalog, &ids, offset).map_err(|e| fail(e.0))?;
        state::restore_into(&mut agg, &mut st, offset).map_err(|e| fail(e.0))?;
        if has_latency {
            let threshold = agg.latency.slow_threshold_ms;
            if let Some(m) = &merged {
                if m.latency.slow_threshold_ms != threshold {
                    return Err(fail("was analysed with a different --slow".into()));
                }
            }
        }
        if has_traces {
            let t = st
                .traces
                .take()
                .ok_or_else(|| fail("has traces but no trace state".into()))?;
            match idle_us {
                None => idle_us = Some(t.idle_us),
                Some(i) if i != t.idle_us => {
                    return Err(fail("was analysed with a different --trace-idle".into()))
                }
                _ => {}
            }
            trace_shards.push(state::restore_traces(t, &ids, k as u64).map_err(|e| fail(e.0))?);
        }
        oversize += report.input.oversize;
        partial |= report.partial;
        excluded += report.input.filter.as_ref().map_or(0, |f| f.excluded);
        sources.extend(report.input.sources);
        match &mut merged {
            None => merged = Some(agg),
            Some(m) => m.merge(agg),
        }
    }
    let (Some(agg), Some(first)) = (merged, first) else {
        return Err(err("merge", "no reports given"));
    };
    let Analysed {
        latency: has_latency,
        filter: filter_pattern,
        window,
        ..
    } = first;
    let top = opts.top.or(top_of_reports).unwrap_or(20);
    let traces =
        (!trace_shards.is_empty()).then(|| state::join_traces(trace_shards, idle_us.unwrap_or(0)));
    let finished = traces.as_ref().map(|t| t.finished());
    let ropts = ReportOptions {
        top,
        bucket_secs: opts.bucket_secs,
    };
    let mut report = Report::build(
        &agg,
        &ResolvedLines::default(),
        finished.as_ref(),
        has_latency,
        catalog,
        sources,
        oversize,
        partial,
        &ropts,
    );
    report.input.filter = filter_pattern.map(|pattern| FilterSummary { pattern, excluded });
    let c = agg.counts.window;
    report.input.window = window.map(|(since, until)| crate::report::WindowSummary {
        since,
        until,
        before: c.before,
        after: c.after,
        untimed: c.untimed,
    });
    report.settings = settings.map(|s| Settings { top, ..s });
    let counter = agg.messages.into_counter();
    let st = state::capture(
        &counter,
        has_latency.then_some(&agg.latency),
        traces.as_ref().map(|t| (t, idle_us.unwrap_or(0))),
        &ResolvedLines::default(),
        catalog,
    );
    report.state = Some(Box::new(st));
    Ok(report)
}

/// What a report was analysed with, which reports merged together must share.
#[derive(Clone)]
struct Analysed {
    latency: bool,
    traces: bool,
    /// `--filter`.
    filter: Option<String>,
    /// `--since`, `--until`.
    window: Option<(Option<String>, Option<String>)>,
}

impl Analysed {
    fn of(r: &Report) -> Analysed {
        Analysed {
            latency: r.latency.is_some(),
            traces: r.traces.is_some(),
            filter: r.input.filter.as_ref().map(|f| f.pattern.clone()),
            window: r
                .input
                .window
                .as_ref()
                .map(|w| (w.since.clone(), w.until.clone())),
        }
    }
}

/// The aggregators a report's plain keys describe (messages and latency come from its state).
fn restore_report(
    r: &Report,
    catalog: &Catalog,
    ids: &PatternIndex,
    source_offset: u32,
) -> Result<Aggregators, StateError> {
    let mut agg = Aggregators::new(
        catalog.len(),
        crate::aggregate::messages::DEFAULT_CAP,
        Some(r.timeline.bucket_seconds.max(1)),
        Latency::new(20, None),
    );
    let i = &r.input;
    let c = &mut agg.counts;
    let format = |k: &str| i.formats.get(k).copied().unwrap_or(0);
    c.events = i.events;
    c.malformed = i.malformed;
    c.invalid_utf8 = i.invalid_utf8;
    c.blank = i.blank;
    c.text = i.non_json;
    c.json = format("json");
    c.cloudwatch = format("cloudwatch");
    c.cri = format("cri");
    c.logfmt = format("logfmt");
    c.events_without_level = i.events_without_level;
    c.events_without_time = i.events_without_time;
    c.filtered_out = i.filter.as_ref().map_or(0, |f| f.excluded);
    if let Some(w) = &i.window {
        c.window = w.counts();
    }
    for l in crate::record::Level::ALL {
        agg.levels[l as usize] = r.levels.get(l.name()).copied().unwrap_or(0);
        agg.text_levels[l as usize] = r.text_levels.get(l.name()).copied().unwrap_or(0);
    }
    for hit in &r.patterns {
        let idx = ids.get(&hit.id)? as usize;
        let example = hit.example.as_ref().map(|e| {
            let source = i
                .sources
                .iter()
                .position(|s| s.name == e.source)
                .unwrap_or(0) as u32;
            Example {
                pos: Position {
                    source: source + source_offset,
                    chunk: 0,
                    line: e.line,
                },
                text: e.text.clone(),
            }
        });
        agg.patterns[idx] = PatternStats {
            count: hit.count,
            first_us: time(&hit.first_seen),
            last_us: time(&hit.last_seen),
            example,
        };
    }
    for b in &r.timeline.buckets {
        let start = parse_rfc3339(b.start.as_bytes())
            .ok_or_else(|| StateError(format!("timeline bucket `{}` is not a time", b.start)))?;
        agg.timeline.add_bucket(
            start.div_euclid(crate::record::time::MICROS_PER_SEC),
            BucketCount {
                events: b.events,
                errors: b.errors,
            },
        );
    }
    if let Some(t) = &i.time_range {
        agg.first_us = parse_rfc3339(t.first.as_bytes());
        agg.last_us = parse_rfc3339(t.last.as_bytes());
    }
    Ok(agg)
}
