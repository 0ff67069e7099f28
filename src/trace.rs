//! One request's timeline: every event of a request id, in time order (`logtriage trace ID`).
//!
//! Finding a request in a large file is a search problem first: each chunk is scanned for the
//! id's bytes with a `memmem` finder (SIMD, close to `grep -F` speed), and only lines that contain
//! the id are parsed. A structured event belongs to the request when its request-id field
//! (aliases as in `analyze`, or `--request-id-field`) equals the id exactly; a plain-text line
//! belongs when it contains the id as a whole word (`req-1` is not in `req-12`). Chunks are
//! searched in parallel and the events sorted by time (then input order) at the end.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Mutex;

use serde::Serialize;

use crate::aggregate::latency::{duration_of, DurationUnits, TextDurations};
use crate::error::Error;
use crate::pipeline::Config;
use crate::record::time::{format_rfc3339, Window, WindowCounts};
use crate::record::{FieldSpec, Fields, Format, Parsed, Parser, PrecedingTime, Record, Slot};
use crate::source::chunk::{count_lines, Chunk, Chunker};
use crate::source::{self, Input};

/// One event of the request.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TraceEvent {
    /// Source name.
    pub source: String,
    /// 1-based line number within the source.
    pub line: u64,
    /// Event time (RFC 3339), if any.
    pub ts: Option<String>,
    /// Milliseconds since the first timed event of the request.
    pub offset_ms: Option<f64>,
    /// Normalised level.
    pub level: Option<String>,
    /// Service or logger.
    pub service: Option<String>,
    /// Source location.
    pub caller: Option<String>,
    /// Message (the whole line for plain text).
    pub message: Option<String>,
    /// Duration in ms, when the event carries one.
    pub duration_ms: Option<f64>,
    /// Error text.
    pub error: Option<String>,
    /// The line as read (cut to 4 KiB).
    pub raw: String,
    #[serde(skip)]
    time_us: Option<i64>,
    #[serde(skip)]
    order: (u32, u64, u64),
}

/// Schema identifier of `trace --format json`.
pub const TRACE_SCHEMA: &str = "logtriage.trace/v1";

/// A request's timeline.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Timeline {
    /// Always [`TRACE_SCHEMA`].
    pub schema: &'static str,
    /// The request id searched for.
    pub request_id: String,
    /// Events in time order (untimed events keep their input position, after timed ones).
    pub events: Vec<TraceEvent>,
    /// Time between first and last timed event, ms.
    pub span_ms: Option<f64>,
    /// Events at level error or fatal.
    pub errors: u64,
    /// Distinct services, in order of appearance.
    pub services: Vec<String>,
    /// Inputs that could not be read, with the reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<(String, String)>,
    /// The search was interrupted ([`Config::cancel`]): the events are those of the input read
    /// before it.
    pub partial: bool,
    /// Events of the request found beyond `max_events` and not listed: the latest ones. The
    /// span, errors and services describe the listed events.
    pub omitted: u64,
    /// With `--since`/`--until` ([`Config::window`]): the window and the request's events it
    /// left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<crate::report::WindowSummary>,
}

/// Where a searched chunk's lines are in its source (for line numbers).
struct ChunkLines {
    source: u32,
    seq: u64,
    skipped_before: u64,
    lines_in_chunk: u64,
}

/// What the workers found: every chunk's line counts, and the earliest `max_events` events.
struct Found {
    chunks: Vec<ChunkLines>,
    events: Vec<TraceEvent>,
    /// Events found beyond `max_events` and dropped (the latest).
    omitted: u64,
    /// Events the window left out.
    window: crate::record::time::WindowCounts,
}

impl Found {
    /// Adds a chunk's events, keeping the earliest `max` once twice as many are held (so the
    /// cost is a selection per `max` events, not a sort per chunk).
    fn add(&mut self, lines: ChunkLines, mut events: Vec<TraceEvent>, max: usize) {
        self.chunks.push(lines);
        self.events.append(&mut events);
        if self.events.len() > max.saturating_mul(2).max(1) {
            self.keep_earliest(max);
        }
    }

    fn keep_earliest(&mut self, max: usize) {
        if self.events.len() <= max {
            return;
        }
        if max > 0 {
            self.events.select_nth_unstable_by(max - 1, timeline_order);
        }
        self.omitted += (self.events.len() - max) as u64;
        self.events.truncate(max);
    }
}

/// Default of [`find_request`]'s `max_events` (`trace --max-events`).
pub const DEFAULT_MAX_EVENTS: usize = 50_000;

/// Timeline order: timed events by time, then untimed ones; input order breaks ties.
fn timeline_order(a: &TraceEvent, b: &TraceEvent) -> std::cmp::Ordering {
    (a.time_us.is_none(), a.time_us, a.order).cmp(&(b.time_us.is_none(), b.time_us, b.order))
}

/// Searches `inputs` for the events of request `id`: the earliest `max_events` of them in the
/// timeline (memory stays bounded whatever the input; [`Timeline::omitted`] counts the rest).
pub fn find_request(
    inputs: &[Input],
    id: &str,
    config: &Config,
    max_events: usize,
) -> Result<Timeline, Error> {
    if id.trim().is_empty() {
        return Err(Error::Config("the request id is empty".into()));
    }
    let mut spec = FieldSpec::with_defaults();
    for (slot, path) in &config.field_overrides {
        spec.override_slot(*slot, path);
    }
    let units = DurationUnits::new(None);
    let text_durations = TextDurations::new(None);
    let parser = Parser::new(spec);
    let finder = memchr::memmem::Finder::new(id.as_bytes());
    let threads = config.threads.max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Config(format!("cannot start worker threads: {e}")))?;
    let found = Mutex::new(Found {
        chunks: Vec::new(),
        events: Vec::new(),
        omitted: 0,
        window: Default::default(),
    });
    let mut failures = Vec::new();
    let mut names = Vec::new();
    let cancelled = || {
        config
            .cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed))
    };
    let chunker = Chunker {
        chunk_size: config.chunk_size.max(1),
        max_line_bytes: config.max_line_bytes,
        eager: false,
    };
    // Bounded hand-off, as in `analyze`: memory stays at a few chunks in flight.
    let (tx, rx) = crossbeam_channel::bounded::<Chunk>(threads * 2);
    pool.in_place_scope(|scope| {
        for _ in 0..threads {
            let rx = rx.clone();
            let (parser, finder, found, units) = (&parser, &finder, &found, &units);
            let text_durations = &text_durations;
            let max_line = config.max_line_bytes;
            scope.spawn(move |_| {
                for chunk in rx.iter() {
                    let mut left_out = crate::record::time::WindowCounts::default();
                    let window = config.window.as_ref().map(|w| (w, &mut left_out));
                    let (lines, events) = search_chunk(
                        &chunk,
                        id,
                        finder,
                        parser,
                        units,
                        text_durations,
                        max_line,
                        window,
                    );
                    let mut found = found.lock().expect("no poisoned lock");
                    found.window.add(left_out);
                    found.add(lines, events, max_events);
                }
            });
        }
        drop(rx);
        for (idx, input) in inputs.iter().enumerate() {
            names.push(input.name());
            if cancelled() {
                continue;
            }
            let mut opened = match source::open_mapped(
                input,
                config.max_decompressed_bytes,
                config.mmap,
                config.cancel.as_ref(),
            ) {
                Ok(o) => o,
                Err(e) => {
                    failures.push((input.name(), e.to_string()));
                    continue;
                }
            };
            let (_, res) = chunker.run_opened(idx as u32, &mut opened, Vec::new, |chunk| {
                // A chunk read before the interrupt is searched; reading stops after it.
                tx.send(chunk).is_ok() && !cancelled()
            });
            if let Err(e) = res {
                failures.push((input.name(), e.to_string()));
            }
        }
        drop(tx);
    });
    let mut found = found.into_inner().expect("no poisoned lock");
    found.keep_earliest(max_events);
    // Line numbers: lines before each chunk of its source.
    found.chunks.sort_by_key(|c| (c.source, c.seq));
    let mut before = HashMap::with_capacity(found.chunks.len());
    let mut cur = (u32::MAX, 0u64);
    for c in &found.chunks {
        if cur.0 != c.source {
            cur = (c.source, 0);
        }
        let b = cur.1 + c.skipped_before;
        before.insert((c.source, c.seq), b);
        cur.1 = b + c.lines_in_chunk;
    }
    for e in &mut found.events {
        let (source, seq, _) = e.order;
        e.line += before.get(&(source, seq)).copied().unwrap_or(0);
        e.source = names[source as usize].clone();
    }
    let mut timeline = timeline(id, found.events, failures);
    timeline.partial = cancelled();
    timeline.omitted = found.omitted;
    timeline.window = config
        .window
        .map(|w| crate::report::WindowSummary::new(w, found.window));
    Ok(timeline)
}

#[allow(clippy::too_many_arguments)]
fn search_chunk(
    chunk: &Chunk,
    id: &str,
    finder: &memchr::memmem::Finder<'_>,
    parser: &Parser,
    units: &DurationUnits,
    text_durations: &TextDurations,
    max_line_bytes: usize,
    mut window: Option<(&Window, &mut WindowCounts)>,
) -> (ChunkLines, Vec<TraceEvent>) {
    let data = chunk.bytes();
    let mut preceding = PrecedingTime::new(data, chunk.context());
    let mut events = Vec::new();
    let mut fields = Fields::new(parser.spec().slot_count());
    let mut last_line_start = usize::MAX;
    // Lines before `counted` (a line start), counted once: each match counts only from the last.
    let (mut counted, mut lines_before) = (0usize, 0u64);
    for at in finder.find_iter(data) {
        let start = memchr::memrchr(b'\n', &data[..at]).map_or(0, |i| i + 1);
        if start == last_line_start {
            continue;
        }
        last_line_start = start;
        let end = memchr::memchr(b'\n', &data[at..]).map_or(data.len(), |i| at + i);
        let mut line = &data[start..end];
        if line.last() == Some(&b'\r') {
            line = &line[..line.len() - 1];
        }
        if line.len() > max_line_bytes {
            // Skipped, as every command skips a line over the cap.
            continue;
        }
        let format = match parser.parse(line, &mut fields) {
            Parsed::Record(f) => f,
            Parsed::Malformed => {
                fields.clear();
                Format::Text
            }
        };
        let rec = Record {
            line,
            format,
            fields: &fields,
        };
        // A plain-text line holds the id as a word, or its header carries it (Spring Boot 3.2's
        // `[<trace>-<span>]`, where the id is no word of its own).
        let belongs = if format.is_structured() {
            rec.text(Slot::RequestId).as_deref() == Some(id)
        } else {
            holds_as_word(line, id.as_bytes(), finder)
                || rec.text(Slot::RequestId).as_deref() == Some(id)
        };
        if !belongs {
            continue;
        }
        lines_before += count_lines(&data[counted..start]);
        counted = start;
        let line_no = lines_before + 1;
        let time_us = rec.time_us();
        if let Some((w, left_out)) = window.as_mut() {
            // A line without a time goes with the event before it (see `time::Follow`).
            if !left_out.admit(w, preceding.place(parser, line, time_us)) {
                continue;
            }
        }
        let duration_ms = if format.is_structured() {
            rec.fields
                .get_with_prio(Slot::Duration as usize)
                .filter(|&(_, prio)| !units.skips(prio, &rec))
                .and_then(|(raw, prio)| duration_of(raw, units.of(prio, &rec)))
        } else {
            // A plain-text line's `duration_ms=…` (or its header's), as `analyze` reads it.
            text_durations.of_record(&rec).and_then(Result::ok)
        };
        let text = |slot| rec.text(slot).map(|t| t.into_owned());
        let raw = String::from_utf8_lossy(&line[..line.len().min(4096)]).into_owned();
        events.push(TraceEvent {
            source: String::new(),
            line: line_no,
            ts: time_us.map(format_rfc3339),
            offset_ms: None,
            level: rec.level().map(|l| l.name().to_string()),
            service: text(Slot::Service),
            caller: text(Slot::Caller),
            // A plain-text line's message is what follows its header (time, level, logger),
            // which the other columns show; a line that is all header shows whole.
            message: match text(Slot::Message) {
                None if !format.is_structured() => Some(raw.clone()),
                m => m,
            },
            duration_ms,
            error: text(Slot::Error),
            raw,
            time_us,
            order: (chunk.source, chunk.seq, line_no),
        });
    }
    let lines = ChunkLines {
        source: chunk.source,
        seq: chunk.seq,
        skipped_before: chunk.skipped_before,
        lines_in_chunk: count_lines(data),
    };
    (lines, events)
}

/// Whether `id` occurs in `line` as a whole word: not inside a longer id, so that `req-1` is
/// not found in `req-12` or `xreq-1` (an edge of the id that is itself punctuation needs no
/// boundary).
fn holds_as_word(line: &[u8], id: &[u8], finder: &memchr::memmem::Finder<'_>) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    let (Some(&first), Some(&last)) = (id.first(), id.last()) else {
        return false;
    };
    finder.find_iter(line).any(|at| {
        let before = at.checked_sub(1).map(|i| line[i]);
        let after = line.get(at + id.len()).copied();
        let joined_before = word(first) && before.is_some_and(word);
        let joined_after = word(last) && after.is_some_and(word);
        !joined_before && !joined_after
    })
}

fn timeline(id: &str, mut events: Vec<TraceEvent>, failures: Vec<(String, String)>) -> Timeline {
    events.sort_by(timeline_order);
    let first = events.iter().find_map(|e| e.time_us);
    let last = events.iter().filter_map(|e| e.time_us).max();
    for e in &mut events {
        e.offset_ms = match (e.time_us, first) {
            (Some(t), Some(f)) => Some((t - f) as f64 / 1000.0),
            _ => None,
        };
    }
    let mut services: Vec<String> = Vec::new();
    for e in &events {
        if let Some(s) = &e.service {
            if !services.contains(s) {
                services.push(s.clone());
            }
        }
    }
    let errors = events
        .iter()
        .filter(|e| matches!(e.level.as_deref(), Some("error" | "fatal")))
        .count() as u64;
    Timeline {
        schema: TRACE_SCHEMA,
        request_id: id.to_string(),
        span_ms: first.zip(last).map(|(f, l)| (l - f) as f64 / 1000.0),
        events,
        errors,
        services,
        failures,
        partial: false,
        omitted: 0,
        window: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_only_the_request_in_time_order() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.log");
        std::fs::write(
            &p,
            concat!(
                "{\"ts\":\"2026-02-06T10:00:02Z\",\"level\":\"error\",\"msg\":\"b\",\"request_id\":\"req-1\",\"duration_ms\":12.5,\"error\":\"boom\"}\n",
                "{\"ts\":\"2026-02-06T10:00:01Z\",\"level\":\"info\",\"msg\":\"a\",\"request_id\":\"req-1\",\"logger\":\"api\"}\n",
                "{\"ts\":\"2026-02-06T10:00:01Z\",\"level\":\"info\",\"msg\":\"other mentions req-1\",\"request_id\":\"req-10\"}\n",
                "2026-02-06 10:00:03 WARN plain text about req-1\n",
                "2026-02-06 10:00:04 WARN plain text about req-10 and xreq-1 and req-1_b\n",
            ),
        )
        .unwrap();
        for chunk in [1, 64, 1 << 20] {
            let config = Config {
                chunk_size: chunk,
                ..Config::default()
            };
            let t = find_request(
                &[Input::File(p.clone())],
                "req-1",
                &config,
                DEFAULT_MAX_EVENTS,
            )
            .unwrap();
            let msgs: Vec<&str> = t
                .events
                .iter()
                .map(|e| e.message.as_deref().unwrap())
                .collect();
            assert_eq!(msgs[..2], ["a", "b"]);
            assert_eq!(
                t.events.len(),
                3,
                "req-10 (and xreq-1, req-1_b) is another request"
            );
            assert_eq!(t.events[0].line, 2);
            assert_eq!(t.events[1].duration_ms, Some(12.5));
            assert_eq!(t.events[1].offset_ms, Some(1000.0));
            assert_eq!(t.events[2].line, 4);
            assert_eq!(t.errors, 1);
            assert_eq!(t.span_ms, Some(2000.0));
            assert_eq!(t.services, ["api"]);
        }
    }

    #[test]
    fn an_id_is_found_in_text_only_as_a_whole_word() {
        let f = |id: &'static str| memchr::memmem::Finder::new(id.as_bytes()).into_owned();
        let holds =
            |line: &str, id: &'static str| holds_as_word(line.as_bytes(), id.as_bytes(), &f(id));
        assert!(holds("handling req-1 failed", "req-1"));
        assert!(holds("(req-1)", "req-1"));
        assert!(holds("request_id=req-1, done", "req-1"));
        assert!(holds("req-1", "req-1"));
        assert!(
            holds("req-12 then req-1.", "req-1"),
            "a later occurrence counts"
        );
        assert!(!holds("handling req-12 failed", "req-1"));
        assert!(!holds("xreq-1", "req-1"));
        assert!(!holds("req-1_retry", "req-1"));
        assert!(!holds("", "req-1"));
        // An id's punctuation edge needs no boundary on that side.
        assert!(holds("id=[abc]x", "[abc]"));
        assert!(
            holds("café req-1é", "req-1"),
            "a non-ASCII letter is not an id byte"
        );
    }

    /// In a window, a line of the request without a time goes with the event before it, also
    /// when it starts a chunk (the event is then found before the chunk), mapped or read.
    #[test]
    fn a_window_keeps_an_untimed_line_with_the_event_before_it() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.log");
        std::fs::write(
            &p,
            concat!(
                "2026-02-06 09:59:00 ERROR req-1 failed\n",
                "  caused by: req-1 pool exhausted\n",
                "2026-02-06 10:01:00 ERROR req-1 failed again\n",
                "{\"level\":\"info\",\"msg\":\"unrelated, no time\"}\n",
                "  caused by: req-1 timeout\n",
            ),
        )
        .unwrap();
        for (chunk, mmap) in [(1, true), (1, false), (64, true), (1 << 20, true)] {
            let config = Config {
                chunk_size: chunk,
                mmap,
                window: Some(crate::record::time::Window {
                    since_us: crate::record::time::parse_rfc3339(b"2026-02-06T10:00:00Z"),
                    until_us: None,
                }),
                ..Config::default()
            };
            let t = find_request(&[Input::File(p.clone())], "req-1", &config, 100).unwrap();
            let lines: Vec<u64> = t.events.iter().map(|e| e.line).collect();
            assert_eq!(lines, [3, 5], "chunk {chunk}, mapped {mmap}");
            let w = t.window.unwrap();
            assert_eq!((w.before, w.after, w.untimed), (2, 0, 0));
        }
    }
}
