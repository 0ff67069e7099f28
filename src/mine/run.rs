//! `logtriage mine`: reading inputs and feeding their messages to a [`Miner`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::{Folded, Miner, MinerConfig, Template};
use crate::record::fields::FieldSpec;
use crate::record::time::{Follow, Window, WindowCounts};
use crate::record::{Fields, Format, Parsed, Parser, Record, Slot};
use crate::source::chunk::{Chunk, Chunker};
use crate::source::{self, Input};

/// Which text of a line is mined.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum MineText {
    /// The message field of structured events; the whole line for plain-text lines.
    #[default]
    Message,
    /// The whole line, whatever its format.
    Line,
    /// This field (dotted path) of structured events; lines without it are skipped.
    Field(String),
}

/// Options of a mining run.
#[derive(Clone, Debug)]
pub struct MineOptions {
    /// What is mined.
    pub text: MineText,
    /// Miner settings.
    pub miner: MinerConfig,
    /// Keep the cluster of every line, for `--assignments`.
    pub assignments: bool,
    /// Longest line kept.
    pub max_line_bytes: usize,
    /// Cap on the decompressed size of one gzip input.
    pub max_decompressed_bytes: u64,
    /// Set from outside (SIGINT) to stop early.
    pub cancel: Option<Arc<AtomicBool>>,
    /// Read regular files through a memory map (see [`crate::source::mapped`]).
    pub mmap: bool,
    /// Mine only lines whose timestamp is in this window (`--since`, `--until`); lines without
    /// one are left out too.
    pub window: Option<crate::record::time::Window>,
}

impl Default for MineOptions {
    fn default() -> MineOptions {
        MineOptions {
            text: MineText::default(),
            miner: MinerConfig::default(),
            assignments: false,
            max_line_bytes: 16 << 20,
            max_decompressed_bytes: 64 << 30,
            cancel: None,
            mmap: true,
            window: None,
        }
    }
}

/// What a mining run found.
#[derive(Debug, Default)]
pub struct Mined {
    /// Templates, most frequent first.
    pub templates: Vec<Template>,
    /// Lines read.
    pub lines: u64,
    /// Messages mined (lines with text to mine).
    pub messages: u64,
    /// With `assignments`: per input line, the index in `templates` of its template
    /// (`u32::MAX` for a line with nothing to mine, [`super::FOLDED`] for a message whose
    /// template was folded).
    pub assignments: Vec<u32>,
    /// Inputs that could not be read: name and error.
    pub failures: Vec<(String, String)>,
    /// Stopped early by the cancel flag.
    pub cancelled: bool,
    /// Rare templates folded past the template cap, not in `templates`.
    pub folded: Folded,
    /// Lines the window left out (not counted in `messages`).
    pub window: crate::record::time::WindowCounts,
}

/// Mines `inputs` in input order.
pub fn mine(inputs: &[Input], opts: &MineOptions) -> Mined {
    mine_with_progress(inputs, opts, None)
}

/// [`mine`], calling `progress` with the number of bytes read so far after each chunk.
pub fn mine_with_progress(
    inputs: &[Input],
    opts: &MineOptions,
    progress: Option<&dyn Fn(u64)>,
) -> Mined {
    let mut spec = FieldSpec::with_defaults();
    if let MineText::Field(f) = &opts.text {
        spec.override_slot(Slot::Message, f);
    }
    let parser = Parser::new(spec);
    let slots = parser.spec().slot_count();
    let mut times = crate::record::time::TimeCache::default();
    let mut miner = Miner::new(MinerConfig {
        // Assignments read every line's key at the end.
        stable_keys: opts.miner.stable_keys || opts.assignments,
        ..opts.miner.clone()
    });
    let mut out = Mined::default();
    let mut per_line: Vec<Option<super::LineKey>> = Vec::new();
    let chunker = Chunker {
        chunk_size: 1 << 20,
        max_line_bytes: opts.max_line_bytes.max(1),
        eager: false,
    };
    let cancelled = || {
        opts.cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed))
    };
    // Chunk buffers go back to the pool as soon as a chunk is mined: memory stays at a few
    // chunks whatever the input size.
    let buf_pool: std::cell::RefCell<Vec<Vec<u8>>> = Default::default();
    let mut done = 0u64;
    for (idx, input) in inputs.iter().enumerate() {
        if cancelled() {
            out.cancelled = true;
            break;
        }
        let mut opened = match source::open_mapped(
            input,
            opts.max_decompressed_bytes,
            opts.mmap,
            opts.cancel.as_ref(),
        ) {
            Ok(o) => o,
            Err(e) => {
                out.failures.push((input.name(), e.to_string()));
                continue;
            }
        };
        let get_buf = || buf_pool.borrow_mut().pop().unwrap_or_default();
        // Chunks come in order here, so the window's decisions run on over the whole source.
        let mut follow = Follow::default();
        let emit = |chunk: Chunk| {
            done += chunk.len as u64;
            if let Some(p) = progress {
                p(done);
            }
            let mut fields = Fields::new(slots);
            // One vectorised UTF-8 check per chunk; lines are checked one by one only in a
            // chunk with invalid bytes somewhere.
            let utf8 = simdutf8::basic::from_utf8(chunk.bytes()).is_ok();
            let mut prev = match chunk.skipped_before {
                0 => crate::record::text::line_above(chunk.context()),
                _ => &[],
            };
            for line in chunk.bytes().split_inclusive(|&b| b == b'\n') {
                let line = line.strip_suffix(b"\n").unwrap_or(line);
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                out.lines += 1;
                if line.len() > opts.max_line_bytes {
                    // Over the cap but short enough to reach a chunk: skipped all the same.
                    if opts.assignments {
                        per_line.push(None);
                    }
                    prev = line;
                    continue;
                }
                let window = opts
                    .window
                    .as_ref()
                    .map(|w| (w, &mut out.window, &mut follow));
                let key = mine_line(
                    utf8,
                    &parser,
                    &mut fields,
                    &mut times,
                    &mut miner,
                    &opts.text,
                    window,
                    line,
                    prev,
                );
                prev = crate::record::text::above_next(prev, line);
                if key.is_some() {
                    out.messages += 1;
                }
                if opts.assignments {
                    per_line.push(key);
                }
            }
            if let Some(buf) = chunk.into_buffer() {
                buf_pool.borrow_mut().push(buf);
            }
            !cancelled()
        };
        let (_, res) = chunker.run_opened(idx as u32, &mut opened, get_buf, emit);
        if let Err(e) = res {
            out.failures.push((input.name(), e.to_string()));
        }
    }
    out.cancelled |= cancelled();
    let (templates, index) = miner.templates();
    out.templates = templates;
    out.folded = miner.folded();
    if opts.assignments {
        out.assignments = per_line
            .into_iter()
            .map(|key| key.map_or(u32::MAX, |k| index.get(k)))
            .collect();
    }
    out
}

/// Mines one line; `None` if it has nothing to mine or the window left it out.
#[allow(clippy::too_many_arguments)]
fn mine_line<'a>(
    known_utf8: bool,
    parser: &Parser,
    fields: &mut Fields<'a>,
    times: &mut crate::record::time::TimeCache,
    miner: &mut Miner,
    text: &MineText,
    window: Option<(&Window, &mut WindowCounts, &mut Follow)>,
    line: &'a [u8],
    prev: &'a [u8],
) -> Option<super::LineKey> {
    if line.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let whole = || String::from_utf8_lossy(line);
    let parsed = if known_utf8 {
        parser.parse_valid_utf8(line, fields)
    } else {
        parser.parse(line, fields)
    };
    let format = match parsed {
        Parsed::Record(f) => f,
        Parsed::Malformed => Format::Text,
    };
    if parsed == Parsed::Record(Format::Text) && !matches!(text, MineText::Line) {
        // .NET's console logger: a header line alone, its message on the next line, which
        // takes the header's time and level.
        if crate::record::text::read_below(prev, line, fields) {
            return None;
        }
    }
    let rec = Record {
        line,
        format,
        fields,
    };
    let time = rec.time_us_cached(times);
    if let Some((w, counts, follow)) = window {
        // A line without a time goes with the event before it (a stack trace with its event).
        if !follow.admit(w, counts, time, || None) {
            return None;
        }
    }
    let level = rec.level();
    let msg = match text {
        MineText::Line => whole(),
        MineText::Message | MineText::Field(_) => match rec.text(Slot::Message) {
            Some(m) => m,
            None if matches!(text, MineText::Message) => whole(),
            None => return None,
        },
    };
    Some(miner.add(&msg, level, time))
}
