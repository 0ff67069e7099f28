//! `logtriage filter`: matching lines out of many inputs, in parallel, printed in input order.
//!
//! The reading thread cuts every input into line-aligned chunks ([`Chunker`]); worker threads
//! scan chunks with the pattern's prefilter and write the selected lines of each chunk into a
//! buffer of their own; a writer thread puts the buffers back in input order. The number of
//! chunks in flight is bounded, so memory stays bounded on unbounded input.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use crossbeam_channel as chan;

use super::{trim_eol, FilterPattern};
use crate::record::{time, Fields, Parsed, Parser, PrecedingTime, Slot};
use crate::source::chunk::{runs_within, Chunk, Chunker};
use crate::source::{self, Input};

/// How `filter` prints what it selects.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OutputMode {
    /// Each selected line, unchanged.
    #[default]
    Lines,
    /// Only the number of selected lines.
    Count,
    /// Each selected line as one JSON object (see [`json_event`]).
    Json,
}

/// Options of a filter run.
#[derive(Clone, Debug)]
pub struct FilterOptions {
    /// Select the lines that do *not* match.
    pub invert: bool,
    /// What to print.
    pub mode: OutputMode,
    /// Worker threads.
    pub threads: usize,
    /// Bytes per chunk.
    pub chunk_size: usize,
    /// Longest line kept; longer lines are skipped and counted.
    pub max_line_bytes: usize,
    /// Cap on the decompressed size of one gzip input.
    pub max_decompressed_bytes: u64,
    /// Set from outside (SIGINT) to stop early.
    pub cancel: Option<Arc<AtomicBool>>,
    /// Input arrives over time (`tail -f … |`): pass lines on as they come, and flush the
    /// output after each batch, instead of filling whole chunks first.
    pub streaming: bool,
    /// Start each printed line with its input's name and a colon, like `grep -H` (the JSON
    /// output always names it).
    pub with_source: bool,
    /// Read regular files through a memory map (see [`crate::source::mapped`]).
    pub mmap: bool,
    /// Select only lines whose timestamp is in this window (`--since`, `--until`); lines
    /// without one are left out too.
    pub window: Option<time::Window>,
}

impl Default for FilterOptions {
    fn default() -> FilterOptions {
        FilterOptions {
            invert: false,
            mode: OutputMode::Lines,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            chunk_size: 1 << 20,
            max_line_bytes: 64 << 20,
            max_decompressed_bytes: 64 << 30,
            cancel: None,
            streaming: false,
            with_source: false,
            mmap: true,
            window: None,
        }
    }
}

/// What a filter run did.
#[derive(Debug, Default)]
pub struct FilterOutcome {
    /// Lines selected (matching, or not matching with `invert`).
    pub selected: u64,
    /// Lines selected per input, in input order; `None` for an input that could not be opened.
    pub selected_per_input: Vec<Option<u64>>,
    /// Lines skipped because they were longer than the cap.
    pub oversize: u64,
    /// Inputs that could not be read (or stopped being readable): name and error.
    pub failures: Vec<(String, String)>,
    /// Stopped early by the cancel flag.
    pub cancelled: bool,
    /// The output was closed (a broken pipe); the run stopped quietly.
    pub closed: bool,
    /// Lines the pattern selected that the window left out.
    pub window: time::WindowCounts,
}

struct Done {
    seq: u64,
    source: u32,
    out: Vec<u8>,
    selected: u64,
    window: time::WindowCounts,
}

/// Runs `pattern` over `inputs` and writes the selection to `out`. An error writing `out`
/// other than a closed pipe is returned; unreadable inputs are listed in the outcome.
pub fn run(
    inputs: &[Input],
    pattern: &FilterPattern,
    opts: &FilterOptions,
    out: &mut (dyn Write + Send),
) -> io::Result<FilterOutcome> {
    let threads = opts.threads.max(1);
    let (work_tx, work_rx) = chan::bounded::<Chunk>(threads * 2);
    let (done_tx, done_rx) = chan::bounded::<Done>(threads * 4);
    let (buf_tx, buf_rx) = chan::unbounded::<Vec<u8>>();
    let stop = AtomicBool::new(false);
    // Lines over the cap that fitted in a chunk (the chunker counts the others).
    let long_lines = AtomicU64::new(0);
    let mut outcome = FilterOutcome::default();
    let mut opened_inputs = vec![false; inputs.len()];
    let parser = Parser::new(crate::record::fields::FieldSpec::with_defaults());
    let mode = opts.mode;
    let names: Vec<String> = inputs.iter().map(Input::name).collect();

    let write_result = std::thread::scope(|scope| {
        for _ in 0..threads {
            let rx = work_rx.clone();
            let done_tx = done_tx.clone();
            let buf_tx = buf_tx.clone();
            let (parser, long_lines, names) = (&parser, &long_lines, &names);
            scope.spawn(move || {
                for chunk in rx.iter() {
                    let mut fields = Fields::new(parser.spec().slot_count());
                    let mut timed = Fields::new(parser.spec().slot_count());
                    let mut times = time::TimeCache::default();
                    let mut buf = Vec::new();
                    let mut selected = 0u64;
                    let mut window = time::WindowCounts::default();
                    let source = names.get(chunk.source as usize).map_or("-", String::as_str);
                    let data = chunk.bytes();
                    let mut preceding = PrecedingTime::new(data, chunk.context());
                    // Lines over the cap are never selected, not even with `-v`.
                    let oversize = runs_within(data, opts.max_line_bytes, |run| {
                        let mut emit = lines_of_the_chunk(|lines, n: u64| {
                            selected += n;
                            match mode {
                                OutputMode::Count => {}
                                OutputMode::Lines if opts.with_source => {
                                    for line in lines.split_inclusive(|&b| b == b'\n') {
                                        buf.extend_from_slice(source.as_bytes());
                                        buf.push(b':');
                                        buf.extend_from_slice(line);
                                        if line.last() != Some(&b'\n') {
                                            buf.push(b'\n');
                                        }
                                    }
                                }
                                OutputMode::Lines => {
                                    buf.extend_from_slice(lines);
                                    if lines.last() != Some(&b'\n') {
                                        buf.push(b'\n');
                                    }
                                }
                                OutputMode::Json => {
                                    for line in lines.split_inclusive(|&b| b == b'\n') {
                                        let line = trim_eol(line);
                                        json_event(parser, &mut fields, line, source, &mut buf);
                                    }
                                }
                            }
                        });
                        pattern.select_lines(run, opts.invert, |lines, n| match &opts.window {
                            None => emit(lines, n),
                            Some(w) => {
                                for line in lines.split_inclusive(|&b| b == b'\n') {
                                    // A line without a time goes with the event before it.
                                    let own =
                                        time_of(parser, &mut timed, &mut times, trim_eol(line));
                                    if window.admit(w, preceding.place(parser, line, own)) {
                                        emit(line, 1);
                                    }
                                }
                            }
                        })
                    });
                    long_lines.fetch_add(oversize, Ordering::Relaxed);
                    let seq = chunk.global_seq;
                    let source = chunk.source;
                    if let Some(buf) = chunk.into_buffer() {
                        let _ = buf_tx.send(buf);
                    }
                    if done_tx
                        .send(Done {
                            seq,
                            source,
                            out: buf,
                            selected,
                            window,
                        })
                        .is_err()
                    {
                        break;
                    }
                }
            });
        }
        drop(work_rx);
        drop(done_tx);

        let stop = &stop;
        let inputs_n = inputs.len();
        let writer = scope.spawn(move || -> io::Result<(Vec<u64>, time::WindowCounts)> {
            let mut pending = BTreeMap::new();
            let mut window = time::WindowCounts::default();
            let mut next = 0u64;
            let mut selected = vec![0u64; inputs_n];
            let mut failed: Option<io::Error> = None;
            for done in done_rx.iter() {
                pending.insert(done.seq, done);
                while let Some(d) = pending.remove(&next) {
                    next += 1;
                    if let Some(n) = selected.get_mut(d.source as usize) {
                        *n += d.selected;
                    }
                    window.add(d.window);
                    if failed.is_none() && !d.out.is_empty() {
                        let written = out.write_all(&d.out).and_then(|()| {
                            if opts.streaming {
                                out.flush()
                            } else {
                                Ok(())
                            }
                        });
                        if let Err(e) = written {
                            failed = Some(e);
                            stop.store(true, Ordering::Relaxed);
                        }
                    }
                }
            }
            if failed.is_none() {
                if let Err(e) = out.flush() {
                    failed = Some(e);
                }
            }
            match failed {
                Some(e) => Err(e),
                None => Ok((selected, window)),
            }
        });

        let chunker = Chunker {
            chunk_size: opts.chunk_size.max(1),
            max_line_bytes: opts.max_line_bytes,
            eager: opts.streaming,
        };
        let mut global_seq = 0u64;
        let cancelled = || {
            stop.load(Ordering::Relaxed)
                || opts
                    .cancel
                    .as_ref()
                    .is_some_and(|c| c.load(Ordering::Relaxed))
        };
        for (idx, input) in inputs.iter().enumerate() {
            if cancelled() {
                break;
            }
            match source::open_mapped(
                input,
                opts.max_decompressed_bytes,
                opts.mmap,
                opts.cancel.as_ref(),
            ) {
                Err(e) => outcome.failures.push((input.name(), e.to_string())),
                Ok(mut opened) => {
                    opened_inputs[idx] = true;
                    let get_buf = || {
                        buf_rx
                            .try_recv()
                            .unwrap_or_else(|_| Vec::with_capacity(opts.chunk_size))
                    };
                    let emit = |mut chunk: Chunk| {
                        if stop.load(Ordering::Relaxed) {
                            return false;
                        }
                        chunk.global_seq = global_seq;
                        global_seq += 1;
                        // Lines read before an interrupt are still searched; reading stops.
                        work_tx.send(chunk).is_ok() && !cancelled()
                    };
                    let (stats, res) = chunker.run_opened(idx as u32, &mut opened, get_buf, emit);
                    outcome.oversize += stats.oversize;
                    if let Err(e) = res {
                        outcome.failures.push((input.name(), e.to_string()));
                    }
                }
            }
        }
        outcome.cancelled = opts
            .cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed));
        drop(work_tx);
        writer.join().expect("writer thread does not panic")
    });
    outcome.oversize += long_lines.into_inner();
    match write_result {
        Ok((selected, window)) => {
            outcome.window = window;
            outcome.selected = selected.iter().sum();
            outcome.selected_per_input = selected
                .into_iter()
                .zip(opened_inputs)
                .map(|(n, opened)| opened.then_some(n))
                .collect();
        }
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => outcome.closed = true,
        Err(e) => return Err(e),
    }
    Ok(outcome)
}

/// Gives a closure over selected lines the one lifetime of its chunk's bytes (its parsed
/// fields borrow them).
fn lines_of_the_chunk<'c, F: FnMut(&'c [u8], u64)>(f: F) -> F {
    f
}

/// The timestamp of a line, if it has one it can read.
fn time_of<'a>(
    parser: &Parser,
    fields: &mut Fields<'a>,
    times: &mut time::TimeCache,
    line: &'a [u8],
) -> Option<i64> {
    let format = match parser.parse(line, fields) {
        Parsed::Record(f) => f,
        Parsed::Malformed => return None,
    };
    crate::record::Record {
        line,
        format,
        fields,
    }
    .time_us_cached(times)
}

/// Copies a JSON value the scanner accepted, escaping the raw control bytes it tolerates inside
/// strings (a tab in a message), so the output is strict JSON. Outside strings only
/// whitespace can occur, which is copied.
fn push_raw_json(v: &[u8], out: &mut Vec<u8>) {
    if !v.iter().any(|&b| b < 0x20) {
        out.extend_from_slice(v);
        return;
    }
    let (mut in_string, mut escaped) = (false, false);
    for &b in v {
        if in_string && b < 0x20 {
            out.extend_from_slice(format!("\\u{b:04x}").as_bytes());
            escaped = false;
            continue;
        }
        out.push(b);
        if escaped {
            escaped = false;
        } else if in_string && b == b'\\' {
            escaped = true;
        } else if b == b'"' {
            in_string = !in_string;
        }
    }
}

/// Writes one selected line as a JSON object and a newline:
/// `{"format", "ts", "level", "message", "event", "line", "source"}` where `event` is the line's
/// JSON object for JSON, CloudWatch-export and CRI lines that hold one (embedded as written, it
/// was validated) and `null` otherwise, `line` is the whole line as a string (lossy UTF-8) and `source` the name of
/// the input it came from.
pub fn json_event<'a>(
    parser: &Parser,
    fields: &mut Fields<'a>,
    line: &'a [u8],
    source: &str,
    out: &mut Vec<u8>,
) {
    let parsed = parser.parse(line, fields);
    let (format, name) = match parsed {
        Parsed::Record(f) => (f, f.name()),
        Parsed::Malformed => (crate::record::Format::Text, "malformed"),
    };
    let record = crate::record::Record {
        line,
        format,
        fields,
    };
    let ts = record.time_us().map(time::format_rfc3339);
    let level = record.level().map(|l| l.name());
    let message = record.text(Slot::Message);
    let event: Option<&[u8]> = match parsed {
        Parsed::Record(crate::record::Format::Json) => Some(line.trim_ascii()),
        Parsed::Record(crate::record::Format::CloudWatch | crate::record::Format::Cri) => {
            crate::record::wrapped_json(line).map(<[u8]>::trim_ascii)
        }
        _ => None,
    };
    out.extend_from_slice(b"{\"format\":");
    push_json_str(out, name);
    out.extend_from_slice(b",\"ts\":");
    push_opt(out, ts.as_deref());
    out.extend_from_slice(b",\"level\":");
    push_opt(out, level);
    out.extend_from_slice(b",\"message\":");
    push_opt(out, message.as_deref());
    out.extend_from_slice(b",\"event\":");
    match event {
        Some(e) => push_raw_json(e, out),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"line\":");
    push_json_str(out, &String::from_utf8_lossy(line));
    out.extend_from_slice(b",\"source\":");
    push_json_str(out, source);
    out.extend_from_slice(b"}\n");
}

fn push_opt(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => push_json_str(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

fn push_json_str(out: &mut Vec<u8>, s: &str) {
    serde_json::to_writer(&mut *out, s).expect("writing to a Vec cannot fail");
}
