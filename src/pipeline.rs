//! Drives the stages: sources → chunks → parse → match → aggregate → report.
//!
//! The calling thread reads every source in order and cuts it into chunks
//! ([`crate::source::chunk`]); a rayon pool of `threads` workers takes chunks from a bounded
//! channel, and each worker folds its chunks into its own [`Aggregators`] with no locks. When
//! the sources are exhausted the per-worker states are merged. Buffers return to a pool, so
//! memory is bounded by `threads × 2 + 2` chunks whatever the input size.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crossbeam_channel as chan;

use crate::aggregate::{Aggregators, Position};
use crate::error::Error;
use crate::matching::{Catalog, Matcher};
use crate::record::time::TimeCache;
use crate::record::{FieldSpec, Fields, Format, Parsed, Parser, Record, Slot};
use crate::report::{Report, ReportOptions, SourceSummary};
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
}

impl Shared {
    fn new(catalog: &Catalog, config: &Config) -> Shared {
        let mut spec = FieldSpec::with_defaults();
        for (slot, path) in &config.field_overrides {
            spec.override_slot(*slot, path);
        }
        let matcher = Matcher::new(catalog, &mut spec);
        Shared {
            parser: Parser::new(spec),
            matcher,
            max_line_bytes: config.max_line_bytes,
            patterns: catalog.len(),
            message_cap: config.message_cap,
            bucket_secs: config.bucket_secs,
        }
    }

    fn new_state(&self) -> Aggregators {
        Aggregators::new(self.patterns, self.message_cap, self.bucket_secs)
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

    let (work_tx, work_rx) = chan::bounded::<Chunk>(threads * 2);
    let (buf_tx, buf_rx) = chan::unbounded::<Vec<u8>>();
    let mut sources = Vec::with_capacity(inputs.len());
    let mut failures = Vec::new();
    let mut oversize = 0u64;
    let mut cancelled = false;
    let states: std::sync::Mutex<Vec<Aggregators>> = std::sync::Mutex::new(Vec::new());

    let recycle_limit = config.chunk_size.saturating_mul(4).max(1 << 20);
    pool.in_place_scope(|scope| {
        for _ in 0..threads {
            let rx = work_rx.clone();
            let buf_tx = buf_tx.clone();
            let shared = &shared;
            let states = &states;
            scope.spawn(move |_| {
                let mut worker = Worker::new(shared);
                for chunk in rx.iter() {
                    worker.process(&chunk);
                    // Recycle the buffer unless a very long line made it grow: memory stays
                    // bounded by the number of buffers in flight times the chunk size.
                    if chunk.data.len() <= recycle_limit {
                        let _ = buf_tx.send(chunk.data);
                    }
                }
                states.lock().expect("no poisoned lock").push(worker.agg);
            });
        }
        drop(work_rx);

        let chunker = Chunker {
            chunk_size: config.chunk_size.max(1),
            max_line_bytes: config.max_line_bytes,
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
                error: None,
            };
            match source::open(input, config.max_decompressed_bytes) {
                Err(e) => {
                    summary.error = Some(e.to_string());
                    failures.push((name, e.to_string()));
                }
                Ok(mut opened) => {
                    summary.gzip = opened.gzip;
                    let get_buf = || {
                        buf_rx
                            .try_recv()
                            .unwrap_or_else(|_| Vec::with_capacity(chunk_size))
                    };
                    let mut done = total_read;
                    let emit = |chunk: Chunk| {
                        if let Some(c) = &config.cancel {
                            if c.load(Ordering::Relaxed) {
                                return false;
                            }
                        }
                        done += chunk.len as u64;
                        if let Some(p) = progress {
                            p(done);
                        }
                        work_tx.send(chunk).is_ok()
                    };
                    let (stats, res) = chunker.run(idx as u32, &mut opened.reader, get_buf, emit);
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
        drop(work_tx);
    });

    let mut states = states.into_inner().expect("no poisoned lock");
    let mut agg = states.pop().unwrap_or_else(|| shared.new_state());
    for s in states {
        agg.merge(s);
    }
    let lines = std::mem::take(&mut agg.lines).finish();
    for (i, s) in sources.iter_mut().enumerate() {
        s.lines += lines.lines_in(i as u32);
    }
    let opts = ReportOptions {
        top: config.top,
        bucket_secs: config.bucket_secs,
    };
    let partial = cancelled || !failures.is_empty();
    let report = Report::build(
        &agg,
        &lines,
        catalog,
        sources,
        oversize + agg.counts.oversize,
        partial,
        &opts,
    );
    Ok(Analysis { report, failures })
}

/// One worker's state and scratch space.
struct Worker<'s> {
    shared: &'s Shared,
    agg: Aggregators,
    msg_hits: Vec<u16>,
    scratch: Vec<u16>,
    hits: Vec<u16>,
    time_cache: TimeCache,
}

impl<'s> Worker<'s> {
    fn new(shared: &'s Shared) -> Worker<'s> {
        Worker {
            shared,
            agg: shared.new_state(),
            msg_hits: Vec::new(),
            scratch: Vec::new(),
            hits: Vec::new(),
            time_cache: TimeCache::default(),
        }
    }

    fn process(&mut self, chunk: &Chunk) {
        let shared = self.shared;
        let mut fields = Fields::new(shared.parser.spec().slot_count());
        let mut line_no = 0;
        let data = chunk.bytes();
        // One vectorised UTF-8 check for the whole chunk; lines are checked one by one only in
        // a chunk that has invalid bytes somewhere.
        let chunk_is_utf8 = simdutf8::basic::from_utf8(data).is_ok();
        let mut start = 0;
        while start < data.len() {
            let end = memchr::memchr(b'\n', &data[start..]).map_or(data.len(), |i| start + i);
            let mut line = &data[start..end];
            start = end + 1;
            line_no += 1;
            if line.last() == Some(&b'\r') {
                line = &line[..line.len() - 1];
            }
            self.line(
                line,
                chunk_is_utf8,
                Position {
                    source: chunk.source,
                    chunk: chunk.seq,
                    line: line_no,
                },
                &mut fields,
            );
        }
        self.agg
            .lines
            .add(chunk.source, chunk.seq, line_no, chunk.skipped_before);
    }

    #[inline]
    fn line<'a>(
        &mut self,
        line: &'a [u8],
        known_utf8: bool,
        pos: Position,
        fields: &mut Fields<'a>,
    ) {
        let shared = self.shared;
        let agg = &mut self.agg;
        agg.counts.lines += 1;
        if line.len() > shared.max_line_bytes {
            agg.counts.oversize += 1;
            return;
        }
        if line.iter().all(|b| matches!(b, b' ' | b'\t')) {
            agg.counts.blank += 1;
            return;
        }
        self.hits.clear();
        let parsed = if known_utf8 {
            shared.parser.parse_valid_utf8(line, fields)
        } else {
            shared.parser.parse(line, fields)
        };
        let format = match parsed {
            Parsed::Record(format) => format,
            Parsed::Malformed => {
                agg.counts.malformed += 1;
                if !known_utf8 && simdutf8::basic::from_utf8(line).is_err() {
                    agg.counts.invalid_utf8 += 1;
                }
                fields.clear();
                Format::Text
            }
        };
        let rec = Record {
            line,
            format,
            fields,
        };
        let level = rec.level();
        let time = rec.time_us_cached(&mut self.time_cache);
        agg.observe_time(time, level);
        if format.is_structured() {
            agg.observe_event(format, level, time.is_some());
            self.msg_hits.clear();
            if let Some(msg) = rec.bytes(Slot::Message) {
                let matcher = &shared.matcher;
                agg.messages.observe(&msg, &mut self.msg_hits, |m| {
                    let mut v = Vec::new();
                    matcher.text_hits(m, true, &mut v);
                    v
                });
            }
            shared.matcher.event_hits(
                &rec,
                level,
                &self.msg_hits,
                &mut self.scratch,
                &mut self.hits,
            );
        } else {
            if parsed == Parsed::Record(Format::Text) {
                agg.counts.text += 1;
            }
            if let Some(l) = level {
                agg.text_levels[l as usize] += 1;
            }
            shared
                .matcher
                .line_hits(&rec, level, line, &mut self.scratch, &mut self.hits);
        }
        if !self.hits.is_empty() {
            agg.observe_hits(&self.hits, time, pos, line);
        }
    }
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

/// Analyses in-memory bytes as one source named `-`, on the calling thread.
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
}

impl<'c> BytesAnalyzer<'c> {
    /// Compiles `catalog` for `config`.
    pub fn new(catalog: &'c Catalog, config: &Config) -> BytesAnalyzer<'c> {
        BytesAnalyzer {
            shared: Shared::new(catalog, config),
            catalog,
            config: config.clone(),
        }
    }

    /// Analyses `bytes` as one source named `-`.
    pub fn analyze(&self, bytes: &[u8]) -> Report {
        let config = &self.config;
        let mut worker = Worker::new(&self.shared);
        let chunker = Chunker {
            chunk_size: config.chunk_size.max(1),
            max_line_bytes: config.max_line_bytes,
        };
        let mut reader = bytes;
        let (stats, _) = chunker.run(0, &mut reader, Vec::new, |c| {
            worker.process(&c);
            true
        });
        let mut agg = worker.agg;
        let lines = std::mem::take(&mut agg.lines).finish();
        let sources = vec![SourceSummary {
            name: "-".into(),
            bytes: stats.bytes,
            lines: lines.lines_in(0) + stats.skipped_at_end,
            gzip: false,
            error: None,
        }];
        let opts = ReportOptions {
            top: config.top,
            bucket_secs: config.bucket_secs,
        };
        let oversize = stats.oversize + agg.counts.oversize;
        Report::build(&agg, &lines, self.catalog, sources, oversize, false, &opts)
    }
}
