//! Live mode (`logtriage watch`): stdin or followed files → the analysis → alerts and summaries.
//!
//! Reader threads ([`follow`]) hand whole lines to the analysing thread through a bounded
//! channel (so a fast producer is slowed down instead of filling memory). Standard input is
//! opened as any input is ([`crate::source::open`]: gzip, UTF-16, container logs); a followed
//! file's container log lines are unwrapped a batch at a time
//! ([`crate::source::container`]). The analysing thread
//! feeds them to a [`Live`](crate::pipeline::Live) analyser — the same worker code as `analyze`, so a summary's counts
//! are what `analyze` reports for the same lines — turns what it tapped into alerts
//! ([`alert`]) and writes them at once. It wakes at least every 25 ms to fold repeats, write
//! periodic summaries and notice Ctrl-C, even while a reader is blocked on a silent pipe.
//!
//! All state is bounded: the analysis keeps capped tables (messages, latency groups), the
//! alerter at most 1,000 unknown-error groups and one fold per pattern, and the channel at
//! most a few batches of lines.

pub mod alert;
pub mod follow;

use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel as chan;

use crate::matching::{Catalog, Severity};
use crate::pipeline::{live, Config, Dropped};
use crate::report::Report;
use crate::source::container::ContainerLines;
pub use alert::{Alert, AlertKind, Alerter};
use follow::{Follower, LineCutter};

/// How often followed files are polled and the loop wakes up.
pub const POLL: Duration = Duration::from_millis(25);

/// What to watch.
#[derive(Clone, Debug)]
pub struct WatchOptions {
    /// Files to follow; empty reads standard input.
    pub paths: Vec<PathBuf>,
    /// Read followed files from their start instead of their end.
    pub from_start: bool,
    /// Catalog hits at this severity or worse alert.
    pub min_severity: Severity,
    /// Write a summary this often.
    pub every: Option<Duration>,
    /// Set to stop (Ctrl-C): a final summary marked partial is written.
    pub cancel: Arc<AtomicBool>,
    /// Read this stream (e.g. CloudWatch Logs with --follow) instead of stdin or files.
    pub stream: Option<crate::source::SharedReader>,
}

/// What `watch` writes.
#[derive(Debug)]
pub enum Output {
    /// An alert.
    Alert(Box<Alert>),
    /// A summary of everything so far (`last`: the final one).
    Summary {
        /// In the analyze JSON schema.
        report: Box<Report>,
        /// The final summary.
        last: bool,
    },
}

/// How the watch ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// Every input ended (stdin reached EOF).
    Done,
    /// Interrupted (the cancel flag).
    Interrupted,
}

enum Msg {
    Data {
        source: u32,
        lines: Vec<u8>,
        oversize: Dropped,
    },
    Ended {
        source: u32,
        error: Option<String>,
    },
}

fn read_stream(tx: chan::Sender<Msg>, mut input: Box<dyn Read + Send>, max_line_bytes: usize) {
    let mut cutter = LineCutter::new(max_line_bytes);
    let mut buf = vec![0u8; 1 << 20];
    let error = loop {
        match input.read(&mut buf) {
            Ok(0) => break None,
            Ok(n) => {
                let mut lines = Vec::with_capacity(n + 256);
                cutter.push(&buf[..n], &mut lines);
                let oversize = std::mem::take(&mut cutter.oversize);
                if (!lines.is_empty() || oversize.bytes > 0)
                    && tx
                        .send(Msg::Data {
                            source: 0,
                            lines,
                            oversize,
                        })
                        .is_err()
                {
                    return;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => break Some(e.to_string()),
        }
    };
    let mut last = Vec::new();
    cutter.finish(&mut last);
    if !last.is_empty() {
        let _ = tx.send(Msg::Data {
            source: 0,
            lines: last,
            oversize: Dropped::default(),
        });
    }
    let _ = tx.send(Msg::Ended { source: 0, error });
}

fn follow_files(
    tx: chan::Sender<Msg>,
    mut followers: Vec<Follower>,
    stop: Arc<AtomicBool>,
    finish_flag: Arc<AtomicBool>,
) {
    let mut reported: Vec<Option<String>> = vec![None; followers.len()];
    // Container logs are unwrapped as they are when read whole (see `source::open`).
    let mut unwrap: Vec<ContainerLines> = followers.iter().map(|_| Default::default()).collect();
    while !stop.load(Ordering::Relaxed) {
        let mut busy = false;
        for (i, f) in followers.iter_mut().enumerate() {
            let mut lines = Vec::new();
            match f.poll(&mut lines) {
                Ok(n) => {
                    busy |= n > 0;
                    reported[i] = None;
                }
                Err(e) => {
                    let e = e.to_string();
                    if reported[i].as_ref() != Some(&e) {
                        reported[i] = Some(e.clone());
                        let _ = tx.send(Msg::Ended {
                            source: i as u32,
                            error: Some(e),
                        });
                    }
                }
            }
            let lines = unwrap[i].apply(lines);
            let oversize = f.take_oversize();
            if (!lines.is_empty() || oversize.bytes > 0)
                && tx
                    .send(Msg::Data {
                        source: i as u32,
                        lines,
                        oversize,
                    })
                    .is_err()
            {
                return;
            }
        }
        if !busy {
            std::thread::sleep(POLL);
        }
    }
    // At the end, a last line without its newline still counts (as in `analyze`).
    if finish_flag.load(Ordering::Relaxed) {
        for (i, f) in followers.iter_mut().enumerate() {
            let mut lines = Vec::new();
            let _ = f.poll(&mut lines);
            f.finish(&mut lines);
            let mut lines = unwrap[i].apply(lines);
            unwrap[i].finish(&mut lines);
            if !lines.is_empty() {
                let _ = tx.send(Msg::Data {
                    source: i as u32,
                    lines,
                    oversize: Dropped::default(),
                });
            }
        }
    }
}

/// Watches the inputs until they end or `opts.cancel` is set, writing through `emit`. An
/// error from `emit` (a closed pipe) stops the watch and is returned.
pub fn watch(
    catalog: &Catalog,
    config: &Config,
    opts: &WatchOptions,
    emit: &mut dyn FnMut(Output) -> io::Result<()>,
) -> io::Result<End> {
    let (tx, rx) = chan::bounded::<Msg>(16);
    let stop = Arc::new(AtomicBool::new(false));
    let finish_flag = Arc::new(AtomicBool::new(false));
    let names: Vec<String> = match (&opts.stream, opts.paths.is_empty()) {
        (Some(s), _) => vec![crate::source::Input::Stream(s.clone()).name()],
        (None, true) => vec!["-".into()],
        (None, false) => opts.paths.iter().map(|p| p.display().to_string()).collect(),
    };
    let mut follower_thread = None;
    let reads_stream = opts.stream.is_some() || opts.paths.is_empty();
    if reads_stream {
        let input = match &opts.stream {
            Some(s) => crate::source::Input::Stream(s.clone()),
            None => crate::source::Input::Stdin,
        };
        let tx = tx.clone();
        let max = config.max_line_bytes;
        // Detached: a read() blocked on a silent pipe must not keep us from exiting. Opened
        // there too, as `analyze` opens an input (gzip, UTF-16, `aws logs` output, container
        // logs): deciding what the input is reads its first bytes.
        std::thread::spawn(move || match crate::source::open(&input, u64::MAX) {
            Ok(opened) => read_stream(tx, opened.reader, max),
            Err(e) => {
                let _ = tx.send(Msg::Ended {
                    source: 0,
                    error: Some(e.to_string()),
                });
            }
        });
    } else {
        let followers = opts
            .paths
            .iter()
            .map(|p| Follower::new(p.clone(), opts.from_start, config.max_line_bytes))
            .collect();
        let (tx, stop, fin) = (tx.clone(), stop.clone(), finish_flag.clone());
        follower_thread = Some(std::thread::spawn(move || {
            follow_files(tx, followers, stop, fin)
        }));
    }
    drop(tx);
    let result = live(catalog, config, opts.min_severity, |live| {
        for n in &names {
            live.add_source(n);
        }
        let mut alerter = Alerter::new();
        let mut open = names.len();
        let start = Instant::now();
        let mut next_summary = opts.every.map(|e| start + e);
        let mut end = End::Done;
        loop {
            if opts.cancel.load(Ordering::SeqCst) {
                end = End::Interrupted;
                break;
            }
            match rx.recv_timeout(POLL) {
                Ok(Msg::Data {
                    source,
                    lines,
                    oversize,
                }) => {
                    live.feed(source, &lines, oversize);
                    for a in alerter.on_events(live, Instant::now()) {
                        emit(Output::Alert(Box::new(a)))?;
                    }
                }
                Ok(Msg::Ended { source, error }) => {
                    if let Some(e) = error {
                        live.source_error(source, e);
                    }
                    if reads_stream {
                        open -= 1;
                        if open == 0 {
                            break;
                        }
                    }
                }
                Err(chan::RecvTimeoutError::Timeout) => {}
                Err(chan::RecvTimeoutError::Disconnected) => break,
            }
            let now = Instant::now();
            for a in alerter.tick(now) {
                emit(Output::Alert(Box::new(a)))?;
            }
            if let (Some(at), Some(every)) = (next_summary, opts.every) {
                if now >= at {
                    emit(Output::Summary {
                        report: Box::new(live.report(false)),
                        last: false,
                    })?;
                    next_summary = Some(now + every);
                }
            }
        }
        let mut feed = |msg: Msg| {
            if let Msg::Data {
                source,
                lines,
                oversize,
            } = msg
            {
                live.feed(source, &lines, oversize);
            }
        };
        if let Some(t) = follower_thread.take() {
            // Followed files: read what is left (and a last line without its newline).
            finish_flag.store(true, Ordering::SeqCst);
            stop.store(true, Ordering::SeqCst);
            rx.iter().for_each(&mut feed);
            let _ = t.join();
        } else if end == End::Interrupted {
            // Standard input or a stream: what was already read counts, so take the messages
            // queued now (not those that arrive while we do).
            rx.try_iter().take(rx.len()).for_each(&mut feed);
        }
        for a in alerter.on_events(live, Instant::now()) {
            emit(Output::Alert(Box::new(a)))?;
        }
        for a in alerter.flush() {
            emit(Output::Alert(Box::new(a)))?;
        }
        emit(Output::Summary {
            report: Box::new(live.report(end == End::Interrupted)),
            last: true,
        })?;
        Ok(end)
    });
    stop.store(true, Ordering::SeqCst);
    result
}
