//! The merge state a JSON report carries (`analyze --format json --mergeable`).
//!
//! A report's plain keys are complete for counts, levels, patterns and the timeline, but a
//! top-20 message list, four percentiles or twenty slow traces cannot be added up. The state
//! holds what can: the most frequent messages with their error bounds, the latency sketches
//! and slowest events of every group, and the finished-trace statistics plus the *edge*
//! traces that may continue in a neighbouring shard (see [`requests::join_shards`]).
//! `logtriage merge` rebuilds [`Aggregators`] from each report and its state and merges them
//! with the same code the pipeline merges worker states with, so merging the reports of N
//! shards gives what one pass over all of them gives (see `docs/SCHEMA.md` for the limits).
//!
//! Everything here is plain serde data keyed by names, never by catalog indices, so a state
//! survives a catalog that gained patterns.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sketches_ddsketch::DDSketch;

use super::latency::{self, Dimension, GroupLatency, Latency, SlowEvent, SlowestK};
use super::messages::{DroppedForm, DroppedForms, Exported, MessageCounter};
use super::requests::{self, ErrorKey, Finished, FirstError, TraceShard, TraceState, TraceStats};
use super::{Aggregators, Position};
use crate::matching::Catalog;
use crate::source::chunk::ResolvedLines;

/// Version of the state layout; `merge` refuses another.
pub const STATE_VERSION: u32 = 1;

/// Unknown messages kept per report: as many as the template stage mines from.
pub const EXPORTED_UNKNOWN: usize = crate::report::MAX_MINED_MESSAGES;

/// Messages of any kind (known or not) kept per report, at least.
pub const EXPORTED_ANY: usize = 20_000;

/// See the module docs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// [`STATE_VERSION`].
    pub version: u32,
    /// Distinct-message counts.
    pub messages: MessagesState,
    /// Latency internals, with `--latency`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<LatencyState>,
    /// Trace internals, with `--traces`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traces: Option<TracesState>,
}

/// The most frequent messages of a report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MessagesState {
    /// Most a message left out may have been seen.
    pub floor: u64,
    /// Distinct messages dropped or left out.
    pub pruned: u64,
    /// The messages.
    pub entries: Vec<MessageState>,
    /// A sample (one in [`DROPPED_SAMPLE`](super::messages::DROPPED_SAMPLE), by hash) of the
    /// unknown messages dropped or left out, by masked form: what the templates of a merged
    /// report estimate the rest from. Absent in a state without any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dropped: Vec<DroppedFormState>,
    /// Forms let go from `dropped` to bound its size.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub dropped_lost: u64,
}

/// One masked form of the dropped messages' sample.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DroppedFormState {
    /// The masked form (`<*>` for variables).
    pub form: String,
    /// The sampled message of the form with the smallest hash.
    pub example: String,
    /// Its hash.
    pub example_hash: u64,
    /// Occurrences of the sampled messages.
    pub count: u64,
    /// Occurrences per level, `trace` … `fatal`.
    pub levels: [u64; 6],
}

/// One message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MessageState {
    /// Text (cut to 2 KiB).
    pub text: String,
    /// Count (a lower bound when `err` > 0).
    pub count: u64,
    /// Occurrences that may have been missed.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub err: u64,
    /// Hit a catalog pattern.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub known: bool,
    /// Of an unknown message's events, those that hit a catalog pattern by more than its text
    /// (a whole access log line, an error field): all of them over all shards make it known.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub explained: u64,
    /// Occurrences per level, `trace` … `fatal`.
    pub levels: [u32; 6],
    /// For a cut message: `[hash, length]` of the whole message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cut: Option<(u64, u32)>,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

/// An event kept as evidence; `source` indexes the report's `input.sources`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventState {
    /// Duration, ms.
    pub duration_ms: f64,
    /// Source index.
    pub source: u32,
    /// Line number.
    pub line: u64,
    /// Event time, µs.
    #[serde(default)]
    pub ts_us: Option<i64>,
    /// Request id.
    #[serde(default)]
    pub request_id: Option<String>,
    /// Message.
    #[serde(default)]
    pub message: Option<String>,
}

/// One latency group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupState {
    /// Dimension name (`service`, `caller` …; empty for overall).
    pub by: String,
    /// Group value.
    pub key: String,
    /// Events.
    pub count: u64,
    /// Sum of durations in ns (a decimal string: it can pass 2^63).
    pub sum_ns: String,
    /// Exact maximum.
    pub max: Option<f64>,
    /// The DDSketch (the crate's own serde form).
    pub sketch: Option<Value>,
    /// Slowest events kept, and how many the group keeps.
    pub slowest: Vec<EventState>,
    /// Slowest events the group keeps.
    pub keep: usize,
}

/// Latency internals.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LatencyState {
    /// All events with a duration.
    pub overall: GroupState,
    /// Every group.
    pub groups: Vec<GroupState>,
    /// `--slow` threshold.
    pub slow_threshold_ms: Option<f64>,
    /// Events above it (listed ones).
    pub slow: Vec<EventState>,
    /// Events above it (all).
    pub slow_count: u64,
    /// Durations that did not parse.
    pub unparsable: u64,
    /// Histogram counts.
    pub histogram: Vec<u64>,
}

/// A first error.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FirstErrorState {
    /// Time, µs.
    pub time_us: Option<i64>,
    /// Input order within the shard.
    pub order: (u64, u64),
    /// Catalog pattern id.
    pub pattern: Option<String>,
    /// Message.
    pub message: Option<String>,
    /// Service.
    pub service: Option<String>,
    /// Caller.
    pub caller: Option<String>,
}

/// A trace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TraceRec {
    /// Request id.
    pub id: String,
    /// First event time, µs.
    pub first_us: Option<i64>,
    /// Last event time, µs.
    pub last_us: Option<i64>,
    /// Events.
    pub events: u64,
    /// Error events.
    pub errors: u64,
    /// Services.
    pub services: Vec<String>,
    /// Slowest event: duration and message.
    pub slowest: Option<(f64, String)>,
    /// First error.
    pub first_error: Option<FirstErrorState>,
    /// Catalog pattern ids hit.
    pub patterns: Vec<String>,
}

/// A failing-trace group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorGroupState {
    /// `pattern`, `message` or `other`.
    pub kind: String,
    /// Pattern id or message.
    pub key: Option<String>,
    /// Traces.
    pub count: u64,
    /// Earliest trace of the group.
    pub example: TraceRec,
}

/// Trace internals.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TracesState {
    /// `--trace-idle` in µs.
    pub idle_us: i64,
    /// Event-time range seen by the trace stage.
    pub first_us: Option<i64>,
    /// See `first_us`.
    pub last_us: Option<i64>,
    /// Finished traces (edges not included).
    pub count: u64,
    /// Of those, with errors.
    pub with_errors: u64,
    /// Finished early.
    pub evicted: u64,
    /// `[events, traces]` pairs.
    pub events_hist: Vec<(u64, u64)>,
    /// Span sketch.
    pub span: Option<Value>,
    /// Slowest finished traces.
    pub slowest: Vec<TraceRec>,
    /// Failing-trace groups.
    pub error_groups: Vec<ErrorGroupState>,
    /// Traces that may continue next door.
    pub edges: Vec<TraceRec>,
}

/// A state that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StateError(pub String);

fn bad(msg: impl Into<String>) -> StateError {
    StateError(msg.into())
}

// ---------------------------------------------------------------------------------------
// Capture

/// Captures the state of a finished analysis. `messages` is the folded message table.
pub fn capture(
    messages: &MessageCounter,
    latency: Option<&Latency>,
    traces: Option<(&TraceShard, i64)>,
    lines: &ResolvedLines,
    catalog: &Catalog,
) -> State {
    let (entries, floor, pruned, dropped) = messages.export(EXPORTED_UNKNOWN, EXPORTED_ANY);
    let dropped_lost = dropped.lost();
    let mut dropped: Vec<DroppedFormState> = dropped
        .iter()
        .map(|(form, f)| DroppedFormState {
            form: form.to_owned(),
            example: f.example.clone(),
            example_hash: f.example_hash,
            count: f.count,
            levels: f.levels,
        })
        .collect();
    dropped.sort_unstable_by(|a, b| a.form.cmp(&b.form));
    let entries = entries
        .into_iter()
        .map(|e| {
            let cut = (e.len as usize > e.text.len()).then_some((e.hash, e.len));
            MessageState {
                text: String::from_utf8_lossy(&e.text).into_owned(),
                count: e.count,
                err: e.err,
                known: e.known,
                explained: e.explained,
                levels: e.levels,
                cut,
            }
        })
        .collect();
    State {
        version: STATE_VERSION,
        messages: MessagesState {
            floor,
            pruned,
            entries,
            dropped,
            dropped_lost,
        },
        latency: latency.map(|l| capture_latency(l, lines)),
        traces: traces.map(|(t, idle)| capture_traces(t, idle, catalog)),
    }
}

fn event_state(e: &SlowEvent, lines: &ResolvedLines) -> EventState {
    EventState {
        duration_ms: e.duration_ms,
        source: e.pos.source,
        line: lines.line_number(e.pos.source, e.pos.chunk, e.pos.line),
        ts_us: e.time_us,
        request_id: e.request_id.as_deref().map(str::to_string),
        message: e.message.as_deref().map(str::to_string),
    }
}

fn group_state(by: &str, key: &[u8], g: &GroupLatency, lines: &ResolvedLines) -> GroupState {
    GroupState {
        by: by.to_string(),
        key: String::from_utf8_lossy(key).into_owned(),
        count: g.count,
        sum_ns: g.sum_ns.to_string(),
        max: (g.count > 0).then_some(g.max),
        sketch: (g.count > 0).then(|| serde_json::to_value(&g.sketch).unwrap_or(Value::Null)),
        slowest: g
            .slowest
            .sorted()
            .iter()
            .map(|e| event_state(e, lines))
            .collect(),
        keep: g.slowest.k(),
    }
}

fn capture_latency(l: &Latency, lines: &ResolvedLines) -> LatencyState {
    let mut groups: Vec<GroupState> = l
        .all_groups()
        .map(|(dim, key, g)| group_state(dim.name(), key, g, lines))
        .collect();
    groups.sort_by(|a, b| (&a.by, &a.key).cmp(&(&b.by, &b.key)));
    LatencyState {
        overall: group_state("", b"", &l.overall, lines),
        groups,
        slow_threshold_ms: l.slow_threshold_ms,
        slow: l.slow.iter().map(|e| event_state(e, lines)).collect(),
        slow_count: l.slow_count,
        unparsable: l.unparsable,
        histogram: l.histogram.to_vec(),
    }
}

fn trace_rec(f: &Finished, catalog: &Catalog) -> TraceRec {
    let id_of = |p: u16| {
        catalog
            .patterns()
            .get(p as usize)
            .map(|p| p.id.clone())
            .unwrap_or_default()
    };
    let s = &f.state;
    TraceRec {
        id: f.id.to_string(),
        first_us: s.first_us,
        last_us: s.last_us,
        events: s.events,
        errors: s.errors,
        services: s.services.iter().map(|x| x.to_string()).collect(),
        slowest: s.slowest.clone(),
        first_error: s.first_error.as_ref().map(|e| FirstErrorState {
            time_us: e.time_us,
            order: e.order,
            pattern: e.pattern.map(id_of),
            message: e.message.as_deref().map(str::to_string),
            service: e.service.as_deref().map(str::to_string),
            caller: e.caller.as_deref().map(str::to_string),
        }),
        patterns: s.patterns.iter().map(|&p| id_of(p)).collect(),
    }
}

fn capture_traces(t: &TraceShard, idle_us: i64, catalog: &Catalog) -> TracesState {
    let s = &t.stats;
    let mut groups: Vec<_> = s.error_groups.iter().collect();
    groups.sort_by(|a, b| a.0.cmp(b.0));
    TracesState {
        idle_us,
        first_us: t.first_us,
        last_us: t.last_us,
        count: s.count,
        with_errors: s.with_errors,
        evicted: s.evicted,
        events_hist: s.events_histogram().into_iter().collect(),
        span: (s.span.count() > 0).then(|| serde_json::to_value(&s.span).unwrap_or(Value::Null)),
        slowest: s.slowest.iter().map(|f| trace_rec(f, catalog)).collect(),
        error_groups: groups
            .into_iter()
            .map(|(k, (n, ex))| {
                let (kind, key) = match k {
                    ErrorKey::Pattern(p) => (
                        "pattern",
                        catalog.patterns().get(*p as usize).map(|p| p.id.clone()),
                    ),
                    ErrorKey::Message(m) => ("message", Some(m.to_string())),
                    ErrorKey::Other => ("other", None),
                };
                ErrorGroupState {
                    kind: kind.to_string(),
                    key,
                    count: *n,
                    example: trace_rec(ex, catalog),
                }
            })
            .collect(),
        edges: t.edges.iter().map(|f| trace_rec(f, catalog)).collect(),
    }
}

// ---------------------------------------------------------------------------------------
// Restore

/// Pattern ids of the merging catalog, for turning names back into indices.
pub struct PatternIndex<'c> {
    ids: std::collections::HashMap<&'c str, u16>,
}

impl<'c> PatternIndex<'c> {
    /// Indexes `catalog`.
    pub fn new(catalog: &'c Catalog) -> PatternIndex<'c> {
        PatternIndex {
            ids: catalog
                .patterns()
                .iter()
                .enumerate()
                .map(|(i, p)| (p.id.as_str(), i as u16))
                .collect(),
        }
    }

    /// The index of pattern `id`.
    pub fn get(&self, id: &str) -> Result<u16, StateError> {
        self.ids.get(id).copied().ok_or_else(|| {
            bad(format!(
                "pattern `{id}` is not in the catalog; merge with the same --patterns the shards were analysed with"
            ))
        })
    }
}

/// Restores the message table of a state.
pub fn restore_messages(m: MessagesState, cap: usize) -> MessageCounter {
    let entries = m
        .entries
        .into_iter()
        .map(|e| {
            let (hash, len) = e.cut.unwrap_or((0, e.text.len() as u32));
            Exported {
                hash,
                text: e.text.into_bytes(),
                len,
                count: e.count,
                err: e.err,
                known: e.known,
                explained: e.explained,
                levels: e.levels,
            }
        })
        .collect();
    let dropped = DroppedForms::from_parts(
        m.dropped
            .into_iter()
            .map(|d| {
                let form = DroppedForm {
                    example: d.example,
                    example_hash: d.example_hash,
                    count: d.count,
                    levels: d.levels,
                };
                (d.form, form)
            })
            .collect(),
        m.dropped_lost,
    );
    MessageCounter::import(cap, entries, m.floor, m.pruned, dropped)
}

/// A sketch from its serde form, checked so that a damaged state cannot make the sketch
/// index out of bounds later. The configuration is always ours (only the bins are read).
fn restore_sketch(v: Option<Value>, empty: DDSketch) -> Result<DDSketch, StateError> {
    let Some(mut v) = v else {
        return Ok(empty);
    };
    let canonical = serde_json::to_value(&empty).map_err(|e| bad(e.to_string()))?;
    let obj = v
        .as_object_mut()
        .ok_or_else(|| bad("a latency sketch is not an object"))?;
    obj.insert("config".into(), canonical["config"].clone());
    obj.insert("negative_store".into(), canonical["negative_store"].clone());
    let store = obj
        .get("store")
        .and_then(Value::as_object)
        .ok_or_else(|| bad("a sketch has no store"))?;
    let bins: Vec<u64> = store
        .get("bins")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(|x| x.as_u64()).collect::<Option<Vec<u64>>>())
        .ok_or_else(|| bad("a sketch's bins are not counts"))?
        .ok_or_else(|| bad("a sketch's bins are not counts"))?;
    let int = |k: &str| store.get(k).and_then(Value::as_i64);
    let (count, min_key, max_key, offset) = (
        store.get("count").and_then(Value::as_u64),
        int("min_key"),
        int("max_key"),
        int("offset"),
    );
    let (Some(count), Some(min_key), Some(max_key), Some(offset)) =
        (count, min_key, max_key, offset)
    else {
        return Err(bad("a sketch's store is incomplete"));
    };
    let limit = canonical["store"]["bin_limit"].as_u64().unwrap_or(0);
    let total: u64 = bins.iter().fold(0u64, |a, b| a.saturating_add(*b));
    let consistent = total == count
        && (bins.len() as u64) <= limit.max(1) * 2
        && store.get("bin_limit").and_then(Value::as_u64) == Some(limit)
        && (count == 0
            || (offset <= min_key && min_key <= max_key && max_key < offset + bins.len() as i64));
    if !consistent {
        return Err(bad("a sketch's bins do not add up"));
    }
    for k in ["min", "max", "sum"] {
        if !obj.get(k).is_some_and(Value::is_number) {
            return Err(bad("a sketch has no min, max or sum"));
        }
    }
    serde_json::from_value(v).map_err(|e| bad(format!("a sketch does not parse: {e}")))
}

fn restore_event(e: EventState, source_offset: u32) -> SlowEvent {
    SlowEvent {
        duration_ms: e.duration_ms,
        pos: Position {
            source: e.source.saturating_add(source_offset),
            chunk: 0,
            line: e.line,
        },
        time_us: e.ts_us,
        request_id: e.request_id.map(Into::into),
        message: e.message.map(Into::into),
    }
}

fn restore_group(g: GroupState, source_offset: u32) -> Result<GroupLatency, StateError> {
    let mut out = GroupLatency::new(g.keep.min(100_000));
    out.sketch = restore_sketch(g.sketch, out.sketch.clone())?;
    if out.sketch.count() as u64 != g.count {
        return Err(bad("a latency group's count does not match its sketch"));
    }
    out.count = g.count;
    out.sum_ns = g
        .sum_ns
        .parse()
        .map_err(|_| bad("a latency group's sum is not an integer"))?;
    out.max = g.max.unwrap_or(f64::NEG_INFINITY);
    let mut k = SlowestK::new(out.slowest.k());
    for e in g.slowest {
        k.offer(restore_event(e, source_offset));
    }
    out.slowest = k;
    Ok(out)
}

fn dimension(name: &str) -> Option<Dimension> {
    [
        Dimension::Service,
        Dimension::Caller,
        Dimension::Route,
        Dimension::Pattern,
        Dimension::Message,
        Dimension::Field,
    ]
    .into_iter()
    .find(|d| d.name() == name)
}

/// Restores latency internals; event sources are shifted by `source_offset`.
pub fn restore_latency(l: LatencyState, source_offset: u32) -> Result<Latency, StateError> {
    let overall = restore_group(l.overall, source_offset)?;
    let mut groups = Vec::with_capacity(l.groups.len());
    for g in l.groups {
        let dim =
            dimension(&g.by).ok_or_else(|| bad(format!("unknown latency dimension `{}`", g.by)))?;
        let key: Box<[u8]> = g.key.as_bytes().into();
        groups.push(((dim, key), restore_group(g, source_offset)?));
    }
    let mut histogram = [0u64; latency::HIST_BUCKETS];
    if l.histogram.len() != histogram.len() {
        return Err(bad("the latency histogram has the wrong number of buckets"));
    }
    histogram.copy_from_slice(&l.histogram);
    Ok(Latency::from_parts(
        overall,
        groups,
        l.slow_threshold_ms,
        l.slow
            .into_iter()
            .map(|e| restore_event(e, source_offset))
            .collect(),
        l.slow_count,
        l.unparsable,
        histogram,
    ))
}

fn restore_trace(
    r: TraceRec,
    ids: &PatternIndex,
    order_offset: u64,
    names: &mut std::collections::HashMap<String, Arc<str>>,
) -> Result<Finished, StateError> {
    let mut patterns = Vec::with_capacity(r.patterns.len());
    for p in &r.patterns {
        patterns.push(ids.get(p)?);
    }
    patterns.sort_unstable();
    patterns.dedup();
    let first_error = match r.first_error {
        Some(e) => Some(Box::new(FirstError {
            time_us: e.time_us,
            order: (e.order.0.saturating_add(order_offset), e.order.1),
            pattern: e.pattern.as_deref().map(|p| ids.get(p)).transpose()?,
            message: e.message.map(Into::into),
            service: e.service.map(Into::into),
            caller: e.caller.map(Into::into),
        })),
        None => None,
    };
    let services = r
        .services
        .into_iter()
        .map(|s| {
            names
                .entry(s)
                .or_insert_with_key(|k| Arc::from(k.as_str()))
                .clone()
        })
        .collect();
    Ok(Finished {
        id: r.id.into(),
        state: TraceState {
            first_us: r.first_us,
            last_us: r.last_us,
            events: r.events,
            errors: r.errors,
            services,
            slowest: r.slowest,
            first_error,
            patterns,
        },
    })
}

/// Restores trace internals. `shard` numbers the input so that first errors with equal times
/// keep input order across shards.
pub fn restore_traces(
    t: TracesState,
    ids: &PatternIndex,
    shard: u64,
) -> Result<TraceShard, StateError> {
    let order_offset = shard << 40;
    let mut names = std::collections::HashMap::new();
    let mut stats = TraceStats::default();
    stats.span = restore_sketch(t.span, stats.span.clone())?;
    stats.count = t.count;
    stats.with_errors = t.with_errors;
    stats.evicted = t.evicted;
    for (k, v) in t.events_hist {
        stats.add_events_count(k, v);
    }
    for r in t.slowest {
        stats
            .slowest
            .push(restore_trace(r, ids, order_offset, &mut names)?);
    }
    stats.trim_slowest();
    for g in t.error_groups {
        let key = match (g.kind.as_str(), g.key) {
            ("pattern", Some(id)) => ErrorKey::Pattern(ids.get(&id)?),
            ("message", Some(m)) => ErrorKey::Message(m.into()),
            ("other", _) => ErrorKey::Other,
            (k, _) => return Err(bad(format!("unknown error-group kind `{k}`"))),
        };
        let example = restore_trace(g.example, ids, order_offset, &mut names)?;
        stats.error_groups.insert(key, (g.count, example));
    }
    let mut edges = Vec::with_capacity(t.edges.len());
    for r in t.edges {
        edges.push(restore_trace(r, ids, order_offset, &mut names)?);
    }
    Ok(TraceShard {
        stats,
        edges,
        first_us: t.first_us,
        last_us: t.last_us,
    })
}

/// Joins restored trace shards; see [`requests::join_shards`].
pub fn join_traces(shards: Vec<TraceShard>, idle_us: i64) -> TraceShard {
    requests::join_shards(shards, idle_us)
}

/// Rebuilds the part of [`Aggregators`] a state holds: messages and latency.
pub fn restore_into(
    agg: &mut Aggregators,
    state: &mut State,
    source_offset: u32,
) -> Result<(), StateError> {
    let messages = std::mem::replace(
        &mut state.messages,
        MessagesState {
            floor: 0,
            pruned: 0,
            entries: Vec::new(),
            dropped: Vec::new(),
            dropped_lost: 0,
        },
    );
    agg.messages =
        super::MessageTally::from_counter(restore_messages(messages, super::messages::DEFAULT_CAP));
    if let Some(l) = state.latency.take() {
        agg.latency = restore_latency(l, source_offset)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sketches_round_trip_and_damaged_ones_are_refused() {
        let mut g = GroupLatency::new(3);
        g.sketch.add(1.5);
        g.sketch.add(250.0);
        let v = serde_json::to_value(&g.sketch).unwrap();
        let text = serde_json::to_string(&v).unwrap();
        let back = restore_sketch(
            Some(serde_json::from_str(&text).unwrap()),
            GroupLatency::new(1).sketch,
        )
        .unwrap();
        assert_eq!(back.count(), 2);
        assert_eq!(back.quantile(1.0).unwrap(), g.sketch.quantile(1.0).unwrap());
        let mut damaged = v.clone();
        damaged["store"]["count"] = 99.into();
        assert!(restore_sketch(Some(damaged), GroupLatency::new(1).sketch).is_err());
        let mut damaged = v;
        damaged["store"]["offset"] = 1_000_000.into();
        assert!(restore_sketch(Some(damaged), GroupLatency::new(1).sketch).is_err());
    }
}
