//! Drives the stages: sources → chunks → parse → match → aggregate → report.
//!
//! The calling thread reads every source in order and cuts it into chunks
//! ([`crate::source::chunk`]); chunk *n* goes through a bounded channel to worker *n* mod
//! `threads` of a rayon pool, and each worker folds its chunks into its own [`Aggregators`]
//! with no locks. When the sources are exhausted the per-worker states are merged in worker
//! order, so a run's report does not depend on thread timing. With request traces on, each
//! chunk's trace fragment goes to one more thread that merges them in chunk order. Buffers
//! return to a pool, so memory is bounded by `threads × 2 + 2` chunks whatever the input size.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crossbeam_channel as chan;

use std::borrow::Cow;

use crate::aggregate::latency::{
    duration_of, request_line, route_into_bytes, Dimension, DurationUnits, Latency, SlowEvent,
    TextDurations, Unit,
};
use crate::aggregate::messages::MessageRef;
use crate::aggregate::requests::{FirstError, Fragment, Merger};
use crate::aggregate::{cut_bytes, cut_str, Aggregators, MessageTally, Position};
use crate::error::Error;
use crate::matching::{Catalog, LiteralFilter, Matcher};
use crate::record::fields::DEFAULT_ALIASES;
use crate::record::time::TimeCache;
use crate::record::Raw;
use crate::record::{FieldSpec, Fields, Format, Parsed, Parser, PrecedingTime, Record, Slot};
use crate::report::{Report, ReportOptions, Settings, SourceSummary};
use crate::source::chunk::{Chunk, Chunker};
use crate::source::{self, Input};

/// Validated settings for an analysis. Build with [`Config::default`] and adjust fields.
#[derive(Clone, Debug)]
pub struct Config {
    /// Worker threads (at least 1).
    pub threads: usize,
    /// Target chunk size in bytes.
    pub chunk_size: usize,
    /// Longest line analysed; longer lines are counted as oversize and skipped.
    pub max_line_bytes: usize,
    /// Cap on the decompressed size of one gzip input.
    pub max_decompressed_bytes: u64,
    /// Distinct messages counted exactly per worker before pruning.
    pub message_cap: usize,
    /// Messages listed in the report.
    pub top: usize,
    /// Timeline bucket width; chosen from the time range when `None`.
    pub bucket_secs: Option<i64>,
    /// Field overrides: a well-known slot read from this path instead of its aliases.
    pub field_overrides: Vec<(Slot, String)>,
    /// Set to stop early (e.g. on SIGINT); the report is then marked partial.
    pub cancel: Option<Arc<AtomicBool>>,
    /// Read durations from this field (dotted path) instead of the aliases, in this unit
    /// (default: from the name's suffix, else milliseconds).
    pub latency_field: Option<(String, Option<Unit>)>,
    /// Extra latency grouping fields (`--latency-by`).
    pub latency_by: Vec<String>,
    /// List events slower than this (ms).
    pub slow_ms: Option<f64>,
    /// Compute latency percentiles and outliers (`--latency`).
    pub latency: bool,
    /// Group events into request traces (`--traces`).
    pub traces: bool,
    /// A trace is finished after this much event time without an event of it.
    pub trace_idle_secs: i64,
    /// Open traces kept at most; past it the oldest are finished early.
    pub max_open_traces: usize,
    /// Analyse only the lines that match this CloudWatch filter pattern (`--filter`).
    pub filter: Option<Arc<crate::filter::FilterPattern>>,
    /// Analyse only the lines with a timestamp in this window (`--since`, `--until` on files
    /// and standard input). Lines without a timestamp are then left out too, and counted;
    /// malformed lines are counted as such whatever their time, which cannot be read.
    pub window: Option<crate::record::time::Window>,
    /// Put the merge state into the report (`--mergeable`), for `logtriage merge`.
    pub mergeable: bool,
    /// Count the messages of plain-text lines that have a timestamp or a level word (off only
    /// to compare with reports written before they were counted).
    pub text_messages: bool,
    /// A plain-text line's message is what follows its whole header
    /// ([`crate::record::text::header`]), and a JSON event without a level takes one from its
    /// message's header; off only to compare with reports written before, whose messages
    /// followed the time and level only.
    pub text_headers: bool,
    /// Read regular files through a memory map (see [`crate::source::mapped`]); off
    /// (`--no-mmap`) to read them into buffers.
    pub mmap: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            chunk_size: 2 << 20,
            max_line_bytes: 16 << 20,
            max_decompressed_bytes: 64 << 30,
            message_cap: crate::aggregate::messages::DEFAULT_CAP,
            top: 20,
            bucket_secs: None,
            field_overrides: Vec::new(),
            cancel: None,
            latency_field: None,
            latency_by: Vec::new(),
            slow_ms: None,
            latency: false,
            traces: false,
            trace_idle_secs: 300,
            max_open_traces: crate::aggregate::requests::DEFAULT_MAX_OPEN,
            filter: None,
            window: None,
            mergeable: false,
            text_messages: true,
            text_headers: true,
            mmap: true,
        }
    }
}

/// The outcome of [`analyze`]: the report, and the inputs that could not be read.
#[derive(Debug)]
pub struct Analysis {
    /// The report (marked partial if some input failed or the run was cancelled).
    pub report: Report,
    /// Inputs that could not be read or were cut short, with the reason.
    pub failures: Vec<(String, String)>,
}

/// Everything a worker needs, shared read-only.
struct Shared {
    parser: Parser,
    matcher: Matcher,
    max_line_bytes: usize,
    patterns: usize,
    message_cap: usize,
    bucket_secs: Option<i64>,
    top: usize,
    slow_ms: Option<f64>,
    /// Unit of a duration by the priority of the alias it came from (see
    /// [`Fields::get_with_prio`]): index 0 is the override, then the default aliases.
    duration_units: DurationUnits,
    /// Slots of the HTTP method, path and route (nested or flat).
    route_slots: [Vec<u16>; 3],
    /// `--latency-by` fields: name and slot.
    latency_by: Vec<(Box<str>, u16)>,
    /// Catalog ids, for the pattern dimension.
    pattern_ids: Vec<Box<str>>,
    /// Catalog severities, to name a failing trace by its worst pattern.
    pattern_severity: Vec<crate::matching::Severity>,
    trace_idle_us: i64,
    max_open_traces: usize,
    latency: bool,
    filter: Option<Arc<crate::filter::FilterPattern>>,
    window: Option<crate::record::time::Window>,
    traces: bool,
    mergeable: bool,
    text_messages: bool,
    text_headers: bool,
    /// Keys whose `key=value` gives a plain-text line's request id (the request-id field's
    /// names).
    text_id_keys: Vec<Box<[u8]>>,
    /// Where a plain-text line's duration is.
    text_durations: TextDurations,
}

impl Shared {
    fn new(catalog: &Catalog, config: &Config) -> Shared {
        let mut spec = FieldSpec::with_defaults();
        for (slot, path) in &config.field_overrides {
            spec.override_slot(*slot, path);
        }
        let duration_units =
            DurationUnits::new(config.latency_field.as_ref().map(|(path, unit)| {
                spec.override_slot(Slot::Duration, path);
                unit.unwrap_or_else(|| Unit::of_field(path))
            }));
        let id_override = config
            .field_overrides
            .iter()
            .rfind(|(slot, _)| *slot == Slot::RequestId);
        let text_id_keys = match id_override {
            Some((_, path)) => vec![path.as_bytes().into()],
            None => DEFAULT_ALIASES[Slot::RequestId as usize]
                .1
                .iter()
                .map(|a| a.as_bytes().into())
                .collect(),
        };
        let mut slots =
            |paths: &[&str]| -> Vec<u16> { paths.iter().map(|p| spec.extra_slot(p)).collect() };
        let route_slots = [
            // OpenTelemetry and ECS; pino-http's and Bunyan's `req`; Google Cloud's
            // `httpRequest`; Caddy's `request`.
            slots(&[
                "http.method",
                "method",
                "http.request.method",
                "req.method",
                "httpRequest.requestMethod",
                "request.method",
                // nginx's `$request_method`, Traefik's, API Gateway's `$context.httpMethod`.
                "request_method",
                "RequestMethod",
                "httpMethod",
            ]),
            slots(&[
                "http.path",
                "path",
                "url.path",
                "http.url",
                "url",
                "req.url",
                "httpRequest.requestUrl",
                "request.uri",
                // nginx's `$request_uri` and `$uri`, Traefik's.
                "request_uri",
                "uri",
                "RequestPath",
            ]),
            // API Gateway's `$context.resourcePath` (REST APIs: `/items/{id}`) and
            // `$context.routeKey` (HTTP APIs: `GET /items/{id}`, its method in it).
            slots(&["http.route", "route", "resourcePath", "routeKey"]),
        ];
        let latency_by = config
            .latency_by
            .iter()
            .map(|f| (Box::<str>::from(f.as_str()), spec.extra_slot(f)))
            .collect();
        let matcher = Matcher::new(catalog, &mut spec);
        let parser = match config.text_headers {
            true => Parser::new(spec),
            false => Parser::new(spec).without_message_headers(),
        };
        Shared {
            parser,
            matcher,
            max_line_bytes: config.max_line_bytes,
            patterns: catalog.len(),
            message_cap: config.message_cap,
            bucket_secs: config.bucket_secs,
            top: config.top,
            slow_ms: config.slow_ms,
            duration_units,
            route_slots,
            latency_by,
            pattern_ids: catalog
                .patterns()
                .iter()
                .map(|p| p.id.as_str().into())
                .collect(),
            pattern_severity: catalog.patterns().iter().map(|p| p.severity).collect(),
            trace_idle_us: config.trace_idle_secs.max(1) * 1_000_000,
            max_open_traces: config.max_open_traces,
            latency: config.latency,
            filter: config.filter.clone().filter(|f| !f.matches_all()),
            window: config.window,
            traces: config.traces,
            mergeable: config.mergeable,
            text_messages: config.text_messages,
            text_id_keys,
            text_durations: TextDurations::new(config.latency_field.as_ref()),
            text_headers: config.text_headers,
        }
    }

    fn new_merger(&self) -> Merger {
        let m = Merger::new(self.trace_idle_us, self.max_open_traces);
        if self.mergeable {
            m.hold_edges()
        } else {
            m
        }
    }

    fn new_state(&self) -> Aggregators {
        Aggregators::new(
            self.patterns,
            self.message_cap,
            self.bucket_secs,
            Latency::new(self.top.max(20), self.slow_ms),
        )
    }

    /// A plain-text line's request id: its `request_id=…` pair, else the id its header carries
    /// (Spring's trace id, Celery's task id, Lambda's request id: see
    /// [`crate::record::text::Header::request_id`]; the parser leaves it out when
    /// `--request-id-field` names the one field to read).
    fn text_request_id<'l>(&self, rec: &Record<'l, '_>) -> Option<&'l [u8]> {
        crate::record::text::kv_value(rec.line, &self.text_id_keys)
            .filter(|id| !crate::record::is_void_id(id))
            .or_else(|| match rec.fields.get(Slot::RequestId as usize) {
                Some(&Raw::Str { bytes, .. }) => Some(bytes),
                _ => None,
            })
    }

    /// Duration of an event in ms: `None` without a duration field, `Some(Err)` when the
    /// field does not hold a duration.
    #[inline]
    fn duration_ms(&self, rec: &Record<'_, '_>) -> Option<Result<f64, ()>> {
        let (raw, prio) = rec.fields.get_with_prio(Slot::Duration as usize)?;
        if let Raw::Null = raw {
            // `"duration_ms": null`: no duration, as when the field is absent.
            return None;
        }
        if self.duration_units.skips(prio, rec) {
            return None;
        }
        Some(duration_of(raw, self.duration_units.of(prio, rec)).ok_or(()))
    }
}

/// Analyses `inputs` with `catalog`. `progress` is called with the number of bytes read so far.
///
/// Unreadable inputs do not stop the analysis: they are listed in [`Analysis::failures`] and in
/// the report's sources, and the report is marked partial.
pub fn analyze(
    inputs: &[Input],
    catalog: &Catalog,
    config: &Config,
    progress: Option<&(dyn Fn(u64) + Sync)>,
) -> Result<Analysis, Error> {
    let threads = config.threads.max(1);
    let shared = Shared::new(catalog, config);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("logtriage-worker-{i}"))
        .build()
        .map_err(|e| Error::Config(format!("cannot start worker threads: {e}")))?;

    // Chunk `n` goes to worker `n % threads`, and the workers' states merge in worker order:
    // each bounded table (messages, latency groups) then sees the same lines in the same order
    // on every run, so the same input and flags always give the same report. Taking chunks
    // from one shared queue balanced load a little better, but made the estimated template
    // counts differ from run to run.
    let (work_txs, work_rxs): (Vec<_>, Vec<_>) =
        (0..threads).map(|_| chan::bounded::<Chunk>(2)).unzip();
    let (buf_tx, buf_rx) = chan::unbounded::<Vec<u8>>();
    let mut sources = Vec::with_capacity(inputs.len());
    let mut failures = Vec::new();
    let mut oversize = 0u64;
    let mut cancelled = false;
    let states: std::sync::Mutex<Vec<(usize, Aggregators)>> = std::sync::Mutex::new(Vec::new());
    let mut global_seq = 0u64;

    let recycle_limit = config.chunk_size.saturating_mul(4).max(1 << 20);
    // Request traces are merged in chunk order on a thread of their own (see FragmentSink).
    let (fragment_tx, fragment_rx) = chan::bounded::<Fragment>(2 * threads);
    let (spare_tx, spare_rx) = chan::bounded::<Fragment>(2 * threads);
    let merger = std::thread::scope(|threads_scope| {
        let merging = shared.traces.then(|| {
            let shared = &shared;
            std::thread::Builder::new()
                .name("logtriage-merger".into())
                .spawn_scoped(threads_scope, move || {
                    let mut merger = shared.new_merger();
                    for f in fragment_rx {
                        merger.push(f);
                        if let Some(spare) = merger.recycled() {
                            let _ = spare_tx.try_send(spare);
                        }
                    }
                    merger
                })
        });
        let merging = match merging.transpose() {
            Ok(m) => m,
            Err(e) => return Err(Error::Config(format!("cannot start the trace merger: {e}"))),
        };
        pool.in_place_scope(|scope| {
            for (w, rx) in work_rxs.into_iter().enumerate() {
                let buf_tx = buf_tx.clone();
                let shared = &shared;
                let states = &states;
                let sink = FragmentSink::Thread {
                    fragments: fragment_tx.clone(),
                    spares: spare_rx.clone(),
                };
                scope.spawn(move |_| {
                    let mut worker = Worker::new(shared, sink);
                    for chunk in rx.iter() {
                        worker.process(&chunk);
                        // Recycle the buffer unless a very long line made it grow: memory stays
                        // bounded by the number of buffers in flight times the chunk size.
                        if let Some(buf) = chunk.into_buffer() {
                            if buf.len() <= recycle_limit {
                                let _ = buf_tx.send(buf);
                            }
                        }
                    }
                    states
                        .lock()
                        .expect("no poisoned lock")
                        .push((w, worker.into_state()));
                });
            }

            let chunker = Chunker {
                chunk_size: config.chunk_size.max(1),
                max_line_bytes: config.max_line_bytes,
                eager: false,
            };
            let chunk_size = config.chunk_size;
            let mut total_read = 0u64;
            for (idx, input) in inputs.iter().enumerate() {
                let name = input.name();
                let mut summary = SourceSummary {
                    name: name.clone(),
                    bytes: 0,
                    lines: 0,
                    gzip: false,
                    encoding: None,
                    error: None,
                };
                match source::open_mapped(
                    input,
                    config.max_decompressed_bytes,
                    config.mmap,
                    config.cancel.as_ref(),
                ) {
                    Err(e) => {
                        summary.error = Some(e.to_string());
                        failures.push((name, e.to_string()));
                    }
                    Ok(mut opened) => {
                        summary.gzip = opened.gzip;
                        summary.encoding = opened.encoding.map(String::from);
                        let get_buf = || {
                            buf_rx
                                .try_recv()
                                .unwrap_or_else(|_| Vec::with_capacity(chunk_size))
                        };
                        let mut done = total_read;
                        let global_seq = &mut global_seq;
                        let emit = |mut chunk: Chunk| {
                            chunk.global_seq = *global_seq;
                            *global_seq += 1;
                            done += chunk.len as u64;
                            if let Some(p) = progress {
                                p(done);
                            }
                            // Lines read before an interrupt are still analysed (the report says
                            // what was read); reading stops there.
                            let worker = &work_txs[(chunk.global_seq % threads as u64) as usize];
                            worker.send(chunk).is_ok()
                                && !config
                                    .cancel
                                    .as_ref()
                                    .is_some_and(|c| c.load(Ordering::Relaxed))
                        };
                        let (stats, res) =
                            chunker.run_opened(idx as u32, &mut opened, get_buf, emit);
                        summary.bytes = stats.bytes;
                        // Lines in chunks are counted by the workers; added after the merge.
                        summary.lines = stats.skipped_at_end;
                        oversize += stats.oversize;
                        total_read += stats.bytes;
                        if let Err(e) = res {
                            summary.error = Some(e.to_string());
                            failures.push((name, e.to_string()));
                        }
                    }
                }
                sources.push(summary);
                if config
                    .cancel
                    .as_ref()
                    .is_some_and(|c| c.load(Ordering::Relaxed))
                {
                    cancelled = true;
                    break;
                }
            }
            drop(work_txs);
        });
        drop(fragment_tx);
        Ok(match merging {
            Some(m) => m.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
            None => shared.new_merger(),
        })
    })?;

    let mut states = states.into_inner().expect("no poisoned lock");
    states.sort_unstable_by_key(|&(w, _)| w);
    let mut states = states.into_iter().map(|(_, s)| s);
    let mut agg = states.next().unwrap_or_else(|| shared.new_state());
    for s in states {
        agg.merge(s);
    }
    let lines = std::mem::take(&mut agg.lines).finish();
    let (traces, trace_shard) = match (shared.traces, shared.mergeable) {
        (false, _) => (None, None),
        (true, false) => (Some(merger.finish()), None),
        (true, true) => {
            let shard = merger.finish_shard();
            (Some(shard.finished()), Some(shard))
        }
    };
    for (i, s) in sources.iter_mut().enumerate() {
        s.lines += lines.lines_in(i as u32);
    }
    let opts = ReportOptions {
        top: config.top,
        bucket_secs: config.bucket_secs,
    };
    let partial = cancelled || !failures.is_empty();
    // On the run's pool: the report's parallel steps use `--threads` threads, not all cores.
    let mut report = pool.install(|| {
        Report::build(
            &agg,
            &lines,
            traces.as_ref(),
            shared.latency,
            catalog,
            sources,
            oversize + agg.counts.oversize,
            partial,
            &opts,
        )
    });
    describe_run(config, &agg, &mut report);
    if shared.mergeable {
        let messages = std::mem::replace(&mut agg.messages, MessageTally::new(16)).into_counter();
        let state = crate::aggregate::state::capture(
            &messages,
            shared.latency.then_some(&agg.latency),
            trace_shard.as_ref().map(|t| (t, shared.trace_idle_us)),
            &lines,
            catalog,
        );
        report.state = Some(Box::new(state));
    }
    // Freeing the tables of a big run takes a while (10-20 ms for 1 GB); the report does not
    // wait for it. Dropping the pool lets its threads finish this job first.
    pool.spawn(move || drop((agg, traces, lines, trace_shard)));
    Ok(Analysis { report, failures })
}

/// Records in the report how the run was analysed: `--filter` and the [`Settings`].
fn describe_run(config: &Config, agg: &Aggregators, report: &mut Report) {
    report.input.filter = config
        .filter
        .as_ref()
        .map(|f| crate::report::FilterSummary {
            pattern: f.source().to_string(),
            excluded: agg.counts.filtered_out,
        });
    report.input.window = config
        .window
        .map(|w| crate::report::WindowSummary::new(w, agg.counts.window));
    report.settings = Some(config.settings());
}

impl Config {
    /// The options of this run a report records (see [`Settings`]).
    pub fn settings(&self) -> Settings {
        Settings {
            top: self.top,
            fields: self
                .field_overrides
                .iter()
                .map(|(slot, path)| (slot.name().to_string(), path.clone()))
                .collect(),
            latency_field: self.latency_field.as_ref().map(|(name, unit)| match unit {
                Some(u) => format!("{name}:{}", u.name()),
                None => name.clone(),
            }),
            latency_by: self.latency_by.clone(),
            trace_idle_secs: self.traces.then_some(self.trace_idle_secs),
            text_messages: self.text_messages,
            text_headers: self.text_headers,
            syslog_year: crate::record::time::assumed_syslog_year(),
        }
    }

    /// Takes the analyses and options of the run `report` describes (latency, traces, filter,
    /// `--slow`, `--top`, field overrides, latency fields, trace idle window), so that logs
    /// analysed with this config compare like with like against it.
    pub fn follow(&mut self, report: &Report) -> Result<(), String> {
        self.latency = report.latency.is_some();
        self.traces = report.traces.is_some();
        self.top = report.messages.len().max(report.templates.len()).max(20);
        if let Some(f) = &report.input.filter {
            let pattern = crate::filter::FilterPattern::parse(&f.pattern).map_err(|e| {
                format!(
                    "the baseline's --filter {:?}: column {}: {}",
                    e.excerpt(&f.pattern),
                    e.column,
                    e.message
                )
            })?;
            self.filter = Some(Arc::new(pattern));
        }
        if let Some(s) = report.latency.as_ref().and_then(|l| l.slow.as_ref()) {
            self.slow_ms = Some(s.threshold_ms);
        }
        let Some(s) = &report.settings else {
            // Written before reports recorded settings, and before plain-text lines had
            // messages: read the other logs as it was read.
            self.text_messages = false;
            self.text_headers = false;
            return Ok(());
        };
        self.text_messages = s.text_messages;
        self.text_headers = s.text_headers;
        self.top = s.top.max(1);
        for (name, path) in &s.fields {
            let slot = Slot::from_name(name)
                .ok_or_else(|| format!("the baseline's settings name an unknown field {name:?}"))?;
            self.field_overrides.retain(|(s, _)| *s != slot);
            self.field_overrides.push((slot, path.clone()));
        }
        if let Some(spec) = &s.latency_field {
            self.latency_field = Some(crate::aggregate::latency::parse_field_spec(spec)?);
        }
        self.latency_by = s.latency_by.clone();
        if let Some(idle) = s.trace_idle_secs.filter(|&i| i > 0) {
            self.trace_idle_secs = idle;
        }
        Ok(())
    }
}

/// Where a worker hands each chunk's trace fragment, and where its next, emptied one comes
/// from.
enum FragmentSink<'s> {
    /// Merged at once under a lock: one worker (`watch`, [`BytesAnalyzer`]).
    Locked(&'s std::sync::Mutex<Merger>),
    /// Sent to the merging thread, which hands emptied fragments back. With the merge done
    /// by whichever worker pushed the chunk the merge was waiting for, the worker that fell
    /// behind merged the other's chunks too and fell further behind, and as chunks go to the
    /// workers in a fixed rotation, the other then waited for it.
    Thread {
        fragments: chan::Sender<Fragment>,
        spares: chan::Receiver<Fragment>,
    },
}

impl FragmentSink<'_> {
    /// Hands `f` over; returns an emptied fragment to reuse, if one is ready.
    fn push(&self, f: Fragment) -> Option<Fragment> {
        match self {
            FragmentSink::Locked(m) => {
                let mut m = m.lock().expect("no poisoned lock");
                m.push(f);
                m.recycled()
            }
            FragmentSink::Thread { fragments, spares } => {
                // The merging thread outlives the workers; if it panicked, the run's join
                // reports that.
                let _ = fragments.send(f);
                spares.try_recv().ok()
            }
        }
    }
}

/// One worker's state and scratch space.
struct Worker<'s> {
    shared: &'s Shared,
    merger: FragmentSink<'s>,
    /// Request ids of the chunk being processed.
    fragment: Fragment,
    /// Global sequence and line of the current line, for first-error order.
    line_order: (u64, u64),
    /// A recycled fragment for the next chunk (see [`Merger::recycled`]).
    next_fragment: Option<Fragment>,
    /// Request ids in the previous chunk, to size the next fragment.
    last_fragment_len: usize,
    agg: Aggregators,
    msg_hits: Vec<u16>,
    /// Skips the literal automaton for messages that cannot hold a literal.
    literal_filter: LiteralFilter,
    /// The HTTP route of the event being timed, reused.
    route_buf: Vec<u8>,
    scratch: Vec<u16>,
    hits: Vec<u16>,
    time_cache: TimeCache,
    /// What `watch` sees of each line (None for batch analysis).
    tap: Option<Tap>,
}

impl<'s> Worker<'s> {
    fn new(shared: &'s Shared, merger: FragmentSink<'s>) -> Worker<'s> {
        Worker {
            shared,
            merger,
            fragment: Fragment::new(0, 0, shared.trace_idle_us),
            next_fragment: None,
            line_order: (0, 0),
            last_fragment_len: 0,
            agg: shared.new_state(),
            msg_hits: Vec::new(),
            literal_filter: shared.matcher.literal_filter(),
            route_buf: Vec::new(),
            scratch: Vec::new(),
            hits: Vec::new(),
            time_cache: TimeCache::default(),
            tap: None,
        }
    }

    /// The worker's aggregators, ready to merge and read (latency bins settled).
    fn into_state(mut self) -> Aggregators {
        self.agg.latency.settle();
        self.agg
    }

    fn process(&mut self, chunk: &Chunk) {
        let n = self.process_lines(
            chunk.source,
            chunk.seq,
            chunk.global_seq,
            chunk.bytes(),
            chunk.context(),
            chunk.skipped_before == 0,
            0,
        );
        self.agg
            .lines
            .add(chunk.source, chunk.seq, n, chunk.skipped_before);
    }

    /// Analyses whole lines; the first is line `first_line + 1` of chunk `seq`, and `before`
    /// holds lines before them (see [`Chunk::context`]), its last line the one right before
    /// them when `adjacent` (no line too long to read came between). Returns the number of
    /// lines.
    #[allow(clippy::too_many_arguments)]
    fn process_lines<'c>(
        &mut self,
        source: u32,
        seq: u64,
        global_seq: u64,
        data: &'c [u8],
        before: &'c [u8],
        adjacent: bool,
        first_line: u64,
    ) -> u64 {
        let shared = self.shared;
        // Where a window finds the event of a line without a time.
        let mut preceding = PrecedingTime::new(data, before);
        let mut fields = Fields::new(shared.parser.spec().slot_count());
        let mut line_no = first_line;
        // One vectorised UTF-8 check for the whole chunk; lines are checked one by one only in
        // a chunk that has invalid bytes somewhere.
        let chunk_is_utf8 = simdutf8::basic::from_utf8(data).is_ok();
        if shared.traces {
            self.fragment = match self.next_fragment.take() {
                Some(mut f) => {
                    f.renumber(global_seq);
                    f
                }
                None => Fragment::new(
                    global_seq,
                    self.last_fragment_len.max(64) * 5 / 4,
                    shared.trace_idle_us,
                ),
            };
        }
        // Two lines are in flight: the next line is parsed, and its message's table slot asked
        // for, before the current one is analysed, so the slot arrives while a whole line's
        // work is done (asked for only just before its use, it stalled the lookup).
        let mut ahead = Fields::new(shared.parser.spec().slot_count());
        let mut current: Option<Ahead<'_>> = None;
        let mut start = 0;
        // The line before the next one: a header whose message is on the next line (.NET's
        // console logger) gives that line its level, logger and time.
        let mut prev = match adjacent {
            true => crate::record::text::line_above(before),
            false => &[],
        };
        loop {
            let next = if start < data.len() {
                let end = memchr::memchr(b'\n', &data[start..]).map_or(data.len(), |i| start + i);
                let mut line = &data[start..end];
                start = end + 1;
                line_no += 1;
                if line.last() == Some(&b'\r') {
                    line = &line[..line.len() - 1];
                }
                let parsed = self.parse(line, prev, chunk_is_utf8, line_no, &mut ahead);
                prev = crate::record::text::above_next(prev, line);
                Some(parsed)
            } else {
                None
            };
            if let Some(cur) = current.take() {
                self.line_order = (global_seq, cur.line_no);
                let pos = Position {
                    source,
                    chunk: seq,
                    line: cur.line_no,
                };
                self.line(cur, chunk_is_utf8, pos, &mut fields, &mut preceding);
            }
            match next {
                Some(n) => {
                    std::mem::swap(&mut fields, &mut ahead);
                    current = Some(n);
                }
                None => break,
            }
        }
        // Every chunk's fragment goes to the merger, empty or not: it merges in chunk order.
        if shared.traces {
            let fragment = std::mem::replace(
                &mut self.fragment,
                Fragment::new(0, 0, shared.trace_idle_us),
            );
            self.last_fragment_len = fragment.len();
            self.next_fragment = self.merger.push(fragment);
        }
        line_no - first_line
    }

    /// The first half of a line's analysis, done a line ahead (see `process_lines`): counts
    /// it, parses it into `fields` and asks for its message's table slot.
    #[inline]
    fn parse<'a>(
        &mut self,
        line: &'a [u8],
        prev: &'a [u8],
        known_utf8: bool,
        line_no: u64,
        fields: &mut Fields<'a>,
    ) -> Ahead<'a> {
        let shared = self.shared;
        let agg = &mut self.agg;
        let mut ahead = Ahead {
            line,
            line_no,
            parsed: None,
            message: None,
            header_only: false,
        };
        agg.counts.lines += 1;
        if line.len() > shared.max_line_bytes {
            agg.counts.oversize += 1;
            return ahead;
        }
        if line.iter().all(|b| matches!(b, b' ' | b'\t')) {
            agg.counts.blank += 1;
            return ahead;
        }
        if let Some(f) = &shared.filter {
            if !f.is_match_quick(line) {
                agg.counts.filtered_out += 1;
                return ahead;
            }
        }
        let parsed = if known_utf8 {
            shared.parser.parse_valid_utf8(line, fields)
        } else {
            shared.parser.parse(line, fields)
        };
        ahead.parsed = Some(parsed);
        if parsed == Parsed::Record(Format::Text) && shared.text_headers {
            // .NET's console logger: the message line takes its header's time, level and
            // logger; the header line alone is no event (it is counted, not analysed).
            ahead.header_only = crate::record::text::read_below(prev, line, fields);
        }
        match parsed {
            Parsed::Record(format) if format.is_structured() => {
                let rec = Record {
                    line,
                    format,
                    fields,
                };
                ahead.message = rec.bytes(Slot::Message).map(|m| {
                    let hash = agg.messages.prefetch(&m);
                    (m, hash)
                });
            }
            Parsed::Record(_) => {}
            Parsed::Malformed => {
                agg.counts.malformed += 1;
                if !known_utf8 && simdutf8::basic::from_utf8(line).is_err() {
                    agg.counts.invalid_utf8 += 1;
                }
                fields.clear();
            }
        }
        ahead
    }

    /// The rest of a line's analysis: `fields` holds what [`Worker::parse`] found.
    #[inline]
    fn line<'a>(
        &mut self,
        ahead: Ahead<'a>,
        known_utf8: bool,
        pos: Position,
        fields: &mut Fields<'a>,
        preceding: &mut PrecedingTime<'_>,
    ) {
        let Ahead {
            line,
            parsed,
            message,
            header_only,
            ..
        } = ahead;
        let Some(parsed) = parsed else {
            return;
        };
        let shared = self.shared;
        let agg = &mut self.agg;
        self.hits.clear();
        let format = match parsed {
            Parsed::Record(format) => format,
            Parsed::Malformed => Format::Text,
        };
        let rec = Record {
            line,
            format,
            fields,
        };
        let time = rec.time_us_cached(&mut self.time_cache);
        if let Some(t) = time {
            preceding.note(t);
        }
        // The time of the event an untimed line goes with, once looked up.
        let mut placed = None;
        if let Some(w) = &shared.window {
            // A malformed line is not analysed: it was counted as such, and its time cannot be
            // read. A line without a time goes with the event before it, found among all lines
            // (a line `--filter` passed over may be that event).
            if parsed == Parsed::Malformed {
                return;
            }
            placed = Some(preceding.place(&shared.parser, line, time));
            if !agg.counts.window.admit(w, placed.flatten()) {
                return;
            }
        }
        if header_only {
            agg.counts.text += 1;
            return;
        }
        let level = rec.level();
        agg.observe_time(time, level);
        if format.is_structured() {
            agg.observe_event(format, level, time.is_some());
            self.msg_hits.clear();
            let message = message.map(|(msg, hash)| {
                let r = observe_message(
                    agg,
                    &shared.matcher,
                    &mut self.literal_filter,
                    &msg,
                    hash,
                    level,
                    &mut self.msg_hits,
                );
                (r, msg)
            });
            shared.matcher.event_hits(
                &rec,
                level,
                &self.msg_hits,
                &mut self.scratch,
                &mut self.hits,
            );
            if let Some((r, _)) = message.as_ref().filter(|_| self.msg_hits.is_empty()) {
                if !self.hits.is_empty() {
                    agg.messages.mark_known(*r);
                }
            }
            let duration = if !shared.latency && !shared.traces {
                None
            } else {
                observe_duration(
                    shared,
                    agg,
                    shared.duration_ms(&rec),
                    &rec,
                    None,
                    message.as_ref().map(|(r, msg)| (*r, &msg[..])),
                    &self.hits,
                    time,
                    pos,
                    &mut self.route_buf,
                    known_utf8,
                )
            };
            if !shared.traces {
                // Request traces are off.
            } else if let Some(id) = rec.bytes(Slot::RequestId) {
                observe_request(
                    shared,
                    &mut self.fragment,
                    &id,
                    &rec,
                    level,
                    time,
                    duration,
                    &self.hits,
                    self.line_order,
                    known_utf8,
                );
            }
        } else {
            let mut text_message = None;
            if parsed == Parsed::Record(Format::Text) {
                agg.counts.text += 1;
                // A plain-text line's message (after its header: time, level, logger) is
                // counted and mined like an event's: plain-text logs get top messages and
                // templates too. Only lines with a timestamp or a level word: not stack frames
                // and banners.
                let message = match shared.text_messages && (level.is_some() || time.is_some()) {
                    false => None,
                    true if shared.text_headers => rec.bytes(Slot::Message),
                    true => crate::record::text::message_before_headers(line).map(Cow::Borrowed),
                };
                if let Some(msg) = message {
                    self.msg_hits.clear();
                    let hash = agg.messages.prefetch(&msg);
                    let r = observe_message(
                        agg,
                        &shared.matcher,
                        &mut self.literal_filter,
                        &msg,
                        hash,
                        level,
                        &mut self.msg_hits,
                    );
                    text_message = Some((r, msg));
                }
            }
            if let Some(l) = level {
                agg.text_levels[l as usize] += 1;
            }
            shared
                .matcher
                .line_hits(&rec, level, line, &mut self.scratch, &mut self.hits);
            // An access log line's 5xx is matched on the whole line, its message the request.
            if let Some((r, _)) = text_message.as_ref().filter(|_| self.msg_hits.is_empty()) {
                if !self.hits.is_empty() {
                    agg.messages.mark_known(*r);
                }
            }
            if (shared.latency || shared.traces) && parsed == Parsed::Record(Format::Text) {
                // A plain-text line has a duration and joins a trace by its `duration_ms=…` and
                // `request_id=…` pairs.
                let parsed = shared.text_durations.of_record(&rec);
                // The id is for the trace, and for a timed line's slow event.
                let id = match shared.traces || matches!(parsed, Some(Ok(_))) {
                    true => shared.text_request_id(&rec),
                    false => None,
                };
                let duration = observe_duration(
                    shared,
                    agg,
                    parsed,
                    &rec,
                    id,
                    text_message.as_ref().map(|(r, msg)| (*r, &msg[..])),
                    &self.hits,
                    time,
                    pos,
                    &mut self.route_buf,
                    known_utf8,
                );
                if let Some(id) = id.filter(|_| shared.traces) {
                    observe_request(
                        shared,
                        &mut self.fragment,
                        id,
                        &rec,
                        level,
                        time,
                        duration,
                        &self.hits,
                        self.line_order,
                        known_utf8,
                    );
                }
            }
        }
        if !self.hits.is_empty() {
            // A hit on a line of a stack trace or traceback (`Caused by: …`) happened at its
            // event's time, the last timed line's.
            let time = match time {
                None if format == Format::Text => {
                    placed.unwrap_or_else(|| preceding.of_untimed(&shared.parser, line))
                }
                t => t,
            };
            agg.observe_hits(&self.hits, time, pos, line);
        }
        if let Some(tap) = &mut self.tap {
            tap.observe(shared, &rec, level, time, &self.hits, pos);
        }
    }
}

/// A line parsed a step ahead of its analysis.
struct Ahead<'a> {
    line: &'a [u8],
    line_no: u64,
    /// None if the line was only counted (too long, blank or filtered out).
    parsed: Option<Parsed>,
    /// An event's message and its hash, its table slot asked for.
    message: Option<(Cow<'a, [u8]>, u64)>,
    /// A header whose message is on the next line (.NET's console logger): a text line in its
    /// time, no event.
    header_only: bool,
}

/// What `watch` needs of each line, collected while it is analysed: see [`Live`].
#[derive(Debug)]
pub struct Tap {
    min_severity: crate::matching::Severity,
    events: Vec<TapEvent>,
    /// A timed line has been seen (and [`TapEvent::Start`] sent).
    started: bool,
}

/// One line worth a live alert, or an error line for the spike detector.
#[derive(Clone, Debug, PartialEq)]
pub enum TapEvent {
    /// A line that hit a catalog pattern at the minimum severity or worse.
    Hit {
        /// The most severe pattern it hit (catalog index).
        pattern: u16,
        /// Event time (µs).
        time_us: Option<i64>,
        /// Where.
        pos: Position,
        /// Service or logger.
        service: Option<String>,
        /// Request id.
        request_id: Option<String>,
        /// Error text.
        error: Option<String>,
        /// Message (of plain text: after the header, or the line if that is all header; cut
        /// to 512 bytes).
        message: Option<String>,
    },
    /// An event or plain-text line at level error or fatal that no pattern matched.
    UnknownError {
        /// Event time (µs).
        time_us: Option<i64>,
        /// Its message (cut to 512 bytes).
        message: String,
    },
    /// Any line at level error or fatal.
    Error {
        /// Event time (µs).
        time_us: Option<i64>,
    },
    /// The first line with a time, whatever its level: where the error-rate history starts.
    Start {
        /// Event time (µs).
        time_us: i64,
    },
}

impl Tap {
    fn observe(
        &mut self,
        shared: &Shared,
        rec: &Record<'_, '_>,
        level: Option<crate::record::Level>,
        time_us: Option<i64>,
        hits: &[u16],
        pos: Position,
    ) {
        if !self.started {
            if let Some(t) = time_us {
                self.started = true;
                self.events.push(TapEvent::Start { time_us: t });
            }
        }
        let is_error = level.is_some_and(crate::record::Level::is_error);
        if is_error {
            self.events.push(TapEvent::Error { time_us });
        }
        let worst = hits
            .iter()
            .copied()
            .max_by_key(|&p| (shared.pattern_severity[p as usize], std::cmp::Reverse(p)));
        let text = |slot| rec.text(slot).map(|t| cut_str(&t, 512).to_string());
        match worst {
            Some(p) if shared.pattern_severity[p as usize] >= self.min_severity => {
                // A plain-text line's message follows its header; a line that is all header
                // is its own message.
                let message = match text(Slot::Message) {
                    None if !rec.format.is_structured() => {
                        Some(cut_str(&String::from_utf8_lossy(rec.line), 512).to_string())
                    }
                    m => m,
                };
                self.events.push(TapEvent::Hit {
                    pattern: p,
                    time_us,
                    pos,
                    service: text(Slot::Service),
                    request_id: match rec.format.is_structured() {
                        true => text(Slot::RequestId),
                        // As `--traces` reads it: a pair, else the header's.
                        false => shared
                            .text_request_id(rec)
                            .map(|id| cut_str(&crate::record::text_of(id), 512).to_string()),
                    },
                    error: text(Slot::Error),
                    message,
                });
            }
            None if is_error => {
                if let Some(m) = text(Slot::Message) {
                    self.events.push(TapEvent::UnknownError {
                        time_us,
                        message: m,
                    });
                }
            }
            _ => {}
        }
    }
}

/// Incremental analysis for `watch`: whole lines go in as they arrive, alerts come out after
/// each batch, and a report of everything so far can be built at any time. The counts are the
/// ones `analyze` gives for the same lines (same worker code).
pub struct Live<'s> {
    worker: Worker<'s>,
    catalog: &'s Catalog,
    config: &'s Config,
    sources: Vec<SourceSummary>,
    lines: Vec<u64>,
    /// Each input's last line fed (or the header above its scopes), with its line end, when it
    /// is short: the header of a message that the next feed starts with (.NET's console
    /// logger).
    last_lines: Vec<Vec<u8>>,
    global_seq: u64,
    oversize: u64,
}

/// The longest last line [`Live`] keeps for the next feed of its input.
const LIVE_CONTEXT_BYTES: usize = 4096;

/// Runs `f` with a [`Live`] analyser for `catalog` and `config` that reports catalog hits at
/// `min_severity` or worse. Request traces are not kept in live mode.
pub fn live<R>(
    catalog: &Catalog,
    config: &Config,
    min_severity: crate::matching::Severity,
    f: impl FnOnce(&mut Live<'_>) -> R,
) -> R {
    let mut config = config.clone();
    config.traces = false;
    let shared = Shared::new(catalog, &config);
    let merger = std::sync::Mutex::new(shared.new_merger());
    let mut worker = Worker::new(&shared, FragmentSink::Locked(&merger));
    worker.tap = Some(Tap {
        min_severity,
        events: Vec::new(),
        started: false,
    });
    let mut live = Live {
        worker,
        catalog,
        config: &config,
        sources: Vec::new(),
        lines: Vec::new(),
        last_lines: Vec::new(),
        global_seq: 0,
        oversize: 0,
    };
    f(&mut live)
}

impl Live<'_> {
    /// Adds an input; returns its index.
    pub fn add_source(&mut self, name: &str) -> u32 {
        self.sources.push(SourceSummary {
            name: name.to_string(),
            bytes: 0,
            lines: 0,
            gzip: false,
            encoding: None,
            error: None,
        });
        self.lines.push(0);
        self.last_lines.push(Vec::new());
        (self.sources.len() - 1) as u32
    }

    /// Records an error reading input `source` (the report is then partial).
    pub fn source_error(&mut self, source: u32, error: String) {
        if let Some(s) = self.sources.get_mut(source as usize) {
            s.error = Some(error);
        }
    }

    /// Analyses whole lines of input `source` (each ending in `\n`, except possibly the last
    /// line of an input that ended). `oversize` lines longer than the cap were dropped before
    /// these by the reader.
    pub fn feed(&mut self, source: u32, data: &[u8], oversize: Dropped) {
        let s = source as usize;
        self.lines[s] += oversize.lines;
        self.oversize += oversize.lines;
        self.sources[s].bytes += data.len() as u64 + oversize.bytes;
        if data.is_empty() {
            return;
        }
        let n = self.worker.process_lines(
            source,
            0,
            self.global_seq,
            data,
            &self.last_lines[s],
            oversize.lines == 0,
            self.lines[s],
        );
        // The next feed's context: the line the next one is read below, when short.
        let last = &mut self.last_lines[s];
        last.clear();
        if data.ends_with(b"\n") {
            let line = crate::record::text::line_above(data);
            if line.len() < LIVE_CONTEXT_BYTES {
                last.extend_from_slice(line);
                last.push(b'\n');
            }
        }
        // Reports are read between feeds.
        self.worker.agg.latency.settle();
        self.global_seq += 1;
        self.lines[s] += n;
    }

    /// The alert-worthy lines since the last call, in input order.
    pub fn take_events(&mut self) -> Vec<TapEvent> {
        self.worker
            .tap
            .as_mut()
            .map(|t| std::mem::take(&mut t.events))
            .unwrap_or_default()
    }

    /// The catalog.
    pub fn catalog(&self) -> &Catalog {
        self.catalog
    }

    /// The name of input `source`.
    pub fn source_name(&self, source: u32) -> Option<&str> {
        self.sources.get(source as usize).map(|s| s.name.as_str())
    }

    /// Lines analysed so far, over all inputs.
    pub fn lines(&self) -> u64 {
        self.lines.iter().sum()
    }

    /// A report of everything analysed so far (`partial` marks an interrupted run).
    pub fn report(&self, partial: bool) -> Report {
        let agg = &self.worker.agg;
        let mut index = crate::source::chunk::LineIndex::default();
        let mut sources = self.sources.clone();
        for (i, s) in sources.iter_mut().enumerate() {
            index.add(i as u32, 0, self.lines[i], 0);
            s.lines = self.lines[i];
        }
        let opts = ReportOptions {
            top: self.config.top,
            bucket_secs: self.config.bucket_secs,
        };
        let partial = partial || sources.iter().any(|s| s.error.is_some());
        let mut report = Report::build(
            agg,
            &index.finish(),
            None,
            self.worker.shared.latency,
            self.catalog,
            sources,
            self.oversize + agg.counts.oversize,
            partial,
            &opts,
        );
        describe_run(self.config, agg, &mut report);
        report
    }
}

/// Adds one event to its request's state in the chunk's fragment.
#[allow(clippy::too_many_arguments)]
fn observe_request(
    shared: &Shared,
    fragment: &mut Fragment,
    id: &[u8],
    rec: &Record<'_, '_>,
    level: Option<crate::record::Level>,
    time: Option<i64>,
    duration: Option<f64>,
    hits: &[u16],
    order: (u64, u64),
    known_utf8: bool,
) {
    // Made only for a long id: nothing is written per event for the usual ones.
    let key;
    let id = match id.len() > MAX_ID_BYTES {
        true => {
            key = long_id_key(id);
            &key[..]
        }
        false => id,
    };
    let mut event = fragment.event(id, time);
    if event.wants_service() {
        if let Some(svc) = rec.bytes(Slot::Service) {
            // Cut: at most 4096 names are kept, 256 bytes each.
            event.service(cut_bytes(&svc, 256));
        }
    }
    if let Some(ms) = duration {
        if event.is_slowest(ms) {
            if known_utf8 {
                // The line is UTF-8, so the decoded bytes are its text: no second check.
                let msg = rec.bytes(Slot::Message).unwrap_or_default();
                event.slowest(ms, cut_bytes(&msg, 256));
            } else {
                let msg = rec.text(Slot::Message).unwrap_or_default();
                event.slowest(ms, cut_str(&msg, 256).as_bytes());
            }
        }
    }
    for &p in hits {
        event.pattern(p);
    }
    if level.is_some_and(crate::record::Level::is_error) {
        event.error(time, order, || first_error(shared, rec, time, order, hits));
    }
}

/// Describes a request's error event (its first so far). Out of line: rare, and large.
#[cold]
#[inline(never)]
fn first_error(
    shared: &Shared,
    rec: &Record<'_, '_>,
    time: Option<i64>,
    order: (u64, u64),
    hits: &[u16],
) -> FirstError {
    FirstError {
        time_us: time,
        order,
        pattern: hits
            .iter()
            .copied()
            .max_by_key(|&p| (shared.pattern_severity[p as usize], std::cmp::Reverse(p))),
        // Cut, like the slowest event's message: an open trace's memory stays bounded.
        message: rec.text(Slot::Message).map(|m| cut_str(&m, 256).into()),
        service: rec.text(Slot::Service).map(|m| cut_str(&m, 256).into()),
        caller: rec.text(Slot::Caller).map(|m| cut_str(&m, 256).into()),
    }
}

/// Counts a message (an event's, or a plain-text line's) and appends its catalog text hits to
/// `hits`: memoised per distinct message, computed through `filter` the first time. Returns
/// the message's place in the table, for its memo.
fn observe_message(
    agg: &mut Aggregators,
    matcher: &Matcher,
    filter: &mut LiteralFilter,
    msg: &[u8],
    hash: u64,
    level: Option<crate::record::Level>,
    hits: &mut Vec<u16>,
) -> MessageRef {
    agg.messages.observe_hashed(msg, hash, level, hits, |m| {
        let mut v = Vec::new();
        matcher.message_hits(m, filter, &mut v);
        v
    })
}

/// Records what an event's or a plain-text line's duration field held (`parsed`: see
/// [`Shared::duration_ms`]): a value that is no duration counts as unparsable; a duration goes
/// to the latency report (with `--latency`), in the group of its `message`, and is returned for
/// the event's trace.
#[allow(clippy::too_many_arguments)]
#[inline]
fn observe_duration(
    shared: &Shared,
    agg: &mut Aggregators,
    parsed: Option<Result<f64, ()>>,
    rec: &Record<'_, '_>,
    text_id: Option<&[u8]>,
    message: Option<(MessageRef, &[u8])>,
    hits: &[u16],
    time: Option<i64>,
    pos: Position,
    route_buf: &mut Vec<u8>,
    known_utf8: bool,
) -> Option<f64> {
    let Ok(ms) = parsed? else {
        agg.latency.unparsable += 1;
        return None;
    };
    if shared.latency {
        let group = message.and_then(|(r, msg)| {
            let memo = agg.messages.memo_mut(r)?;
            Some(agg.latency.message_group(memo, msg))
        });
        observe_latency(
            shared, agg, rec, text_id, hits, ms, group, time, pos, route_buf, known_utf8,
        );
    }
    Some(ms)
}

/// Records one duration with its group keys: service, caller, HTTP route, each catalog
/// pattern hit and the `--latency-by` fields (the logged bytes, no decoding), and its message
/// group. `text_id` is a plain-text line's request id (from its `request_id=…` pair), which
/// its record has no slot for.
#[allow(clippy::too_many_arguments)]
fn observe_latency(
    shared: &Shared,
    agg: &mut Aggregators,
    rec: &Record<'_, '_>,
    text_id: Option<&[u8]>,
    hits: &[u16],
    ms: f64,
    message: Option<u32>,
    time: Option<i64>,
    pos: Position,
    route_buf: &mut Vec<u8>,
    known_utf8: bool,
) {
    let bytes_of = |slot: u16| rec.fields.get(slot as usize).map(|r| r.to_bytes());
    let first = |slots: &[u16]| slots.iter().find_map(|&s| bytes_of(s));
    let service = rec.bytes(Slot::Service);
    let caller = rec.bytes(Slot::Caller);
    // API Gateway's `routeKey` of a request that matched no route is `-`.
    let route_field = shared.route_slots[2]
        .iter()
        .find_map(|&s| bytes_of(s).filter(|r| &r[..] != b"-"));
    let route: Option<Cow<'_, [u8]>> = match route_field {
        Some(r) => Some(match first(&shared.route_slots[0]) {
            // A route that names its method already (API Gateway's `GET /items/{id}`, `ANY
            // /{proxy+}`) keeps its own.
            Some(m) if !crate::record::text::starts_with_method(&r) => {
                Cow::Owned([&m[..], b" ", &r[..]].concat())
            }
            _ => r,
        }),
        None => first(&shared.route_slots[1])
            .map(|p| (first(&shared.route_slots[0]), p))
            .or_else(|| {
                // No method or path field: a request line that starts the message (an access
                // log's, a load balancer's).
                match *rec.raw(Slot::Message)? {
                    Raw::Str {
                        bytes,
                        escaped: false,
                    } => {
                        let (method, path) = request_line(bytes)?;
                        Some((Some(Cow::Borrowed(method)), Cow::Borrowed(path)))
                    }
                    // A request line inside a JSON string (a proxy's line in Docker's log
                    // file), decoded first.
                    Raw::Str { bytes, .. } if crate::record::text::starts_with_method(bytes) => {
                        let text = rec.text(Slot::Message)?;
                        let (method, path) = request_line(text.as_bytes())?;
                        Some((Some(Cow::Owned(method.to_vec())), Cow::Owned(path.to_vec())))
                    }
                    _ => None,
                }
            })
            .map(|(method, p)| {
                if known_utf8 {
                    route_into_bytes(method.as_deref(), &p, route_buf);
                } else {
                    // Shown as text: bytes that are not UTF-8 replaced first.
                    let method = method.as_deref().map(crate::record::text_of);
                    let method = method.as_deref().map(str::as_bytes);
                    route_into_bytes(method, crate::record::text_of(&p).as_bytes(), route_buf);
                }
                Cow::Borrowed(&route_buf[..])
            }),
    };
    let by: Vec<Vec<u8>> = shared
        .latency_by
        .iter()
        .filter_map(|(name, slot)| {
            bytes_of(*slot).map(|v| [name.as_bytes(), b"=", &v[..]].concat())
        })
        .collect();
    // A fixed array, not a Vec: this runs for every timed event.
    let mut keys: [(Dimension, &[u8]); 12] = [(Dimension::Service, &[]); 12];
    let mut n = 0;
    macro_rules! push {
        ($k:expr) => {
            if n < keys.len() {
                keys[n] = $k;
                n += 1;
            }
        };
    }
    if let Some(s) = &service {
        push!((Dimension::Service, &s[..]));
    }
    if let Some(c) = &caller {
        push!((Dimension::Caller, &c[..]));
    }
    if let Some(r) = &route {
        push!((Dimension::Route, &r[..]));
    }
    for &p in hits {
        push!((
            Dimension::Pattern,
            shared.pattern_ids[p as usize].as_bytes()
        ));
    }
    for k in &by {
        push!((Dimension::Field, &k[..]));
    }
    agg.latency.observe(ms, &keys[..n], message, || SlowEvent {
        duration_ms: ms,
        pos,
        time_us: time,
        request_id: match text_id {
            Some(id) => Some(crate::record::text_of(id).into()),
            None if rec.format.is_structured() => rec.text(Slot::RequestId).map(|t| t.into()),
            None => None,
        },
        message: rec.text(Slot::Message).map(|m| cut_str(&m, 512).into()),
    });
}

/// Longest request id a trace keeps as it is. A longer one (no id format is; it is a field
/// holding something else) is kept as [`long_id_key`]: an open trace's memory stays bounded
/// whatever the ids.
const MAX_ID_BYTES: usize = 128;
/// Bytes of a long id's start in its key.
const LONG_ID_START: usize = 96;

/// The key of an id longer than [`MAX_ID_BYTES`]: its first 96 bytes (whole characters), `…`,
/// and the 64-bit FNV-1a hash of the whole id in hex. Two long ids with the same start are
/// still two traces (unless their hashes collide: for a million such ids, a chance of about
/// 3·10⁻⁸).
fn long_id_key(id: &[u8]) -> Vec<u8> {
    let hash = id.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let mut key = cut_bytes(id, LONG_ID_START).to_vec();
    key.extend_from_slice(format!("…{hash:016x}").as_bytes());
    key
}

/// Lines a reader dropped for being longer than the cap, and their bytes (newlines included).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Dropped {
    /// Lines dropped.
    pub lines: u64,
    /// Their bytes.
    pub bytes: u64,
}

/// Analyses an in-memory string with the built-in catalog and default settings on one thread.
/// Handy for tests and examples.
pub fn analyze_str(text: &str) -> Report {
    let catalog = Catalog::builtin();
    let config = Config {
        threads: 1,
        ..Config::default()
    };
    analyze_bytes(text.as_bytes(), &catalog, &config)
}

/// Analyses in-memory bytes as one source named `-`, on the calling thread (the report's
/// template mining may use rayon's global pool).
///
/// Compiles the catalog on every call; to analyse many small inputs with one catalog, build a
/// [`BytesAnalyzer`] once.
pub fn analyze_bytes(bytes: &[u8], catalog: &Catalog, config: &Config) -> Report {
    BytesAnalyzer::new(catalog, config).analyze(bytes)
}

/// A compiled catalog and settings, ready to analyse in-memory inputs one after another.
pub struct BytesAnalyzer<'c> {
    shared: Shared,
    catalog: &'c Catalog,
    config: Config,
    /// The literal filter, kept from one input to the next: it learns once, not per input.
    literal_filter: std::sync::Mutex<Option<LiteralFilter>>,
}

impl<'c> BytesAnalyzer<'c> {
    /// Compiles `catalog` for `config`.
    pub fn new(catalog: &'c Catalog, config: &Config) -> BytesAnalyzer<'c> {
        BytesAnalyzer {
            shared: Shared::new(catalog, config),
            catalog,
            config: config.clone(),
            literal_filter: std::sync::Mutex::new(None),
        }
    }

    /// Analyses `bytes` as one source named `-`.
    pub fn analyze(&self, bytes: &[u8]) -> Report {
        let config = &self.config;
        let merger = std::sync::Mutex::new(self.shared.new_merger());
        let mut worker = Worker::new(&self.shared, FragmentSink::Locked(&merger));
        let kept = self.literal_filter.lock().ok().and_then(|mut f| f.take());
        if let Some(f) = kept {
            worker.literal_filter = f;
        }
        let chunker = Chunker {
            chunk_size: config.chunk_size.max(1),
            max_line_bytes: config.max_line_bytes,
            eager: false,
        };
        let mut reader = bytes;
        let (stats, _) = chunker.run(0, &mut reader, Vec::new, |mut c| {
            c.global_seq = c.seq;
            worker.process(&c);
            true
        });
        if let Ok(mut f) = self.literal_filter.lock() {
            *f = Some(std::mem::replace(
                &mut worker.literal_filter,
                LiteralFilter::off(),
            ));
        }
        let mut agg = worker.into_state();
        let lines = std::mem::take(&mut agg.lines).finish();
        let traces = self
            .shared
            .traces
            .then(|| merger.into_inner().expect("no poisoned lock").finish());
        let sources = vec![SourceSummary {
            name: "-".into(),
            bytes: stats.bytes,
            lines: lines.lines_in(0) + stats.skipped_at_end,
            gzip: false,
            encoding: None,
            error: None,
        }];
        let opts = ReportOptions {
            top: config.top,
            bucket_secs: config.bucket_secs,
        };
        let oversize = stats.oversize + agg.counts.oversize;
        let mut report = Report::build(
            &agg,
            &lines,
            traces.as_ref(),
            self.shared.latency,
            self.catalog,
            sources,
            oversize,
            false,
            &opts,
        );
        describe_run(config, &agg, &mut report);
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_that_name_their_method() {
        for r in ["GET /items/{id}", "ANY /{proxy+}", "DELETE /x"] {
            assert!(crate::record::text::starts_with_method(r.as_bytes()), "{r}");
        }
        for r in ["/items/{id}", "$default", "-", "GET", "get /x", "OK"] {
            assert!(
                !crate::record::text::starts_with_method(r.as_bytes()),
                "{r}"
            );
        }
    }

    #[test]
    fn a_long_ids_key_is_whole_characters_and_tells_ids_apart() {
        // 'é' is two bytes: the 96th byte is the middle of one.
        let id = format!("x{}{}", "é".repeat(100), "tail");
        let k = String::from_utf8(long_id_key(id.as_bytes())).unwrap();
        assert!(k.starts_with(&format!("x{}", "é".repeat(47))), "{k}");
        assert!(k.contains("é…"), "{k}");
        assert_eq!(k.len(), 95 + 3 + 16);
        let other = format!("x{}{}", "é".repeat(100), "tall");
        assert_ne!(long_id_key(other.as_bytes()), k.as_bytes());
        assert_eq!(long_id_key(id.as_bytes()), k.as_bytes());
    }
}
