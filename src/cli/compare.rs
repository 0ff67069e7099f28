//! `merge`, `check` and `diff`: the commands that read reports.

use std::io::{self, BufRead, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use logtriage::compare::{self, check::Rules, render as crender};
use logtriage::render::{self, terminal::Style};
use logtriage::report::merge::{merge_each, MergeError, MergeOptions};
use logtriage::report::Report;
use logtriage::source;

use super::args::{
    CheckArgs, CheckFormatArg, DiffArgs, DiffFormatArg, InputArgs, MergeArgs, ReportFormatArg,
};
use super::exit;
use crate::{
    color_enabled, interrupt_flag, load_catalog, progress_bar, severity_of, terminal_width,
    with_progress, write_output,
};

/// Reads a report file (or `-`), with errors that name it.
fn read_report_file(path: &Path) -> anyhow::Result<Report> {
    load_report(path).map_err(|reason| anyhow::anyhow!("{}: {reason}", path.display()))
}

/// Reads a report file (or `-`); the error says why (without the name).
fn load_report(path: &Path) -> Result<Report, String> {
    let bytes = if path.as_os_str() == "-" {
        let mut v = Vec::new();
        io::stdin().read_to_end(&mut v).map_err(|e| e.to_string())?;
        v
    } else {
        std::fs::read(path).map_err(|e| e.to_string())?
    };
    // A gzip report (`analyze -f json | gzip`), as `check` and `diff` read one among inputs.
    let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut v = Vec::new();
        flate2::read::MultiGzDecoder::new(&bytes[..])
            .take(MAX_REPORT_BYTES + 1)
            .read_to_end(&mut v)
            .map_err(|e| match e.kind() {
                io::ErrorKind::UnexpectedEof => {
                    "a gzipped logtriage JSON report cut short (its gzip stream ends early)"
                        .to_string()
                }
                _ => format!("gzip: {e}"),
            })?;
        if v.len() as u64 > MAX_REPORT_BYTES {
            return Err(format!(
                "larger than {} GiB decompressed: no report is",
                MAX_REPORT_BYTES >> 30
            ));
        }
        v
    } else {
        bytes
    };
    match compare::parse_report(&bytes) {
        Some(r) => r,
        // The schema is there but the JSON does not end: a report cut short (a full disk, an
        // interrupted copy) says so.
        None if memchr::memmem::find(&bytes, REPORT_MARKER).is_some()
            && serde_json::from_slice::<serde::de::IgnoredAny>(&bytes)
                .is_err_and(|e| e.is_eof()) =>
        {
            Err("a logtriage JSON report cut short (its JSON ends early)".into())
        }
        None => Err(
            "not a logtriage JSON report (write one with `logtriage analyze --format json`)".into(),
        ),
    }
}

/// The schema marker every report holds.
const REPORT_MARKER: &[u8] = b"\"logtriage.report/";

/// Longest first line read to look for the schema in a one-line report with sorted keys.
const MAX_FIRST_LINE: u64 = 64 << 20;

/// What the first bytes of an input say about it being a logtriage JSON report.
#[derive(Debug, PartialEq)]
enum Start {
    /// Not JSON, or JSON lines: logs.
    Logs,
    /// A report, or one JSON document that may be one (pretty-printed, its first line a lone
    /// `{`, as `jq -S` writes a report with sorted keys): read it whole.
    Document,
    /// One JSON object on a line longer than `head`: a compact report with sorted keys, or a
    /// long log line. Its whole first line tells.
    LongLine,
}

fn start_of(head: &[u8]) -> Start {
    let Some(start) = head.iter().position(|b| !b.is_ascii_whitespace()) else {
        return Start::Logs;
    };
    if head[start] != b'{' {
        return Start::Logs;
    }
    if memchr::memmem::find(head, REPORT_MARKER).is_some() {
        return Start::Document;
    }
    match memchr::memchr(b'\n', &head[start..]) {
        Some(end) if head[start..start + end].trim_ascii() == b"{" => Start::Document,
        Some(_) => Start::Logs,
        None => Start::LongLine,
    }
}

/// What `check` and `diff` say when interrupted: a comparison of part of the input would be a
/// verdict on logs nobody gave.
const NO_VERDICT: exit::Interrupted = exit::Interrupted("no verdict on part of the input");

/// Largest report read whole (decompressed).
const MAX_REPORT_BYTES: u64 = 4 << 30;

/// An input of `check` or `diff`, sniffed: a report (its bytes), or logs.
enum Sniffed {
    Report(Vec<u8>),
    Logs(source::Input),
}

/// Opens `input` (gzip or not, stdin too) and reads enough of it to tell a report from logs;
/// logs are handed back as a stream that still starts at their first byte.
fn sniff(input: source::Input, cancel: &Arc<AtomicBool>) -> anyhow::Result<Sniffed> {
    let name = input.name();
    let mut opened = source::open_until(&input, MAX_REPORT_BYTES, Some(cancel))
        .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    let mut head = Vec::with_capacity(512);
    (&mut opened.reader)
        .take(512)
        .read_to_end(&mut head)
        .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    let mut start = start_of(&head);
    if start == Start::LongLine {
        // Read the rest of the first line (bounded) and look for the schema in it; what the
        // buffer read past the line is kept, so the input can still be replayed whole.
        let mut rest = io::BufReader::new((&mut opened.reader).take(MAX_FIRST_LINE));
        rest.read_until(b'\n', &mut head)
            .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
        if memchr::memmem::find(&head, REPORT_MARKER).is_some() {
            start = Start::Document;
        }
        head.extend_from_slice(rest.buffer());
    }
    if start == Start::Document {
        opened
            .reader
            .take(MAX_REPORT_BYTES)
            .read_to_end(&mut head)
            .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
        return Ok(Sniffed::Report(head));
    }
    if matches!(input, source::Input::File(_)) && !opened.gzip {
        // A plain file is read again from its start by the analysis.
        return Ok(Sniffed::Logs(input));
    }
    let rest = io::Cursor::new(head).chain(opened.reader);
    Ok(Sniffed::Logs(source::Input::Stream(
        source::SharedReader::new(name, Box::new(rest)),
    )))
}

/// The report of `paths`: read when they are one report, else the logs analysed with the
/// analyses `like` has (latency, traces, filter), so the two sides compare like with like,
/// in the window of `args`. A window with a report is an error unless `window_optional` (in
/// `diff` it applies to the side that is logs). Also says whether `paths` were logs. Once
/// `cancel` is set (Ctrl-C) reading stops and the result is [`NO_VERDICT`].
fn report_of(
    paths: &[PathBuf],
    like: Option<&Report>,
    args: &InputArgs,
    window_optional: bool,
    cancel: &Arc<AtomicBool>,
    machine_output: bool,
) -> anyhow::Result<(String, Report, bool)> {
    let name = paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" ");
    let source::Expanded {
        inputs: expanded,
        missing,
        ..
    } = super::expand(paths);
    if let Some((n, e)) = missing.first() {
        anyhow::bail!("{n}: {e}");
    }
    // A report is read, from a file, a gzip file or stdin; logs are analysed. Several inputs
    // are logs, all of them: a report among them is a mistake, not a log.
    let several = expanded.len() > 1;
    // Where `--last` finds the end of the logs: the inputs as given (a gzip file is a stream
    // once sniffed).
    let as_given: Vec<source::Input> = expanded
        .iter()
        .map(|i| match i {
            source::Input::File(p) => source::Input::File(p.clone()),
            _ => source::Input::Stdin,
        })
        .collect();
    let mut inputs = Vec::with_capacity(expanded.len());
    for input in expanded {
        let input_name = input.name();
        let sniffed = sniff(input, cancel)?;
        if cancel.load(Ordering::SeqCst) {
            return Err(NO_VERDICT.into());
        }
        match sniffed {
            Sniffed::Report(bytes) => match compare::parse_report(&bytes) {
                Some(_) if several => anyhow::bail!(
                    "{input_name} is a logtriage report: give one report, or log files (not both)"
                ),
                Some(Ok(_)) if args.window.is_set() && !window_optional => anyhow::bail!(
                    "{input_name} is a logtriage report: --since/--until/--last select lines of logs, not of a report"
                ),
                Some(Ok(r)) => return Ok((name, r, false)),
                Some(Err(e)) => anyhow::bail!("{name}: {e}"),
                // A log that happens to mention the schema: analyse it.
                None => inputs.push(source::Input::Stream(source::SharedReader::new(
                    input_name,
                    Box::new(io::Cursor::new(bytes)),
                ))),
            },
            Sniffed::Logs(i) => inputs.push(i),
        }
    }
    let catalog = load_catalog(&args.catalog)?;
    let mut config = logtriage::Config {
        mmap: !args.no_mmap,
        cancel: Some(cancel.clone()),
        ..Default::default()
    };
    if let Some(t) = args.threads {
        if t == 0 {
            anyhow::bail!("--threads must be at least 1");
        }
        config.threads = t;
    }
    if let Some(like) = like {
        config.follow(like).map_err(anyhow::Error::msg)?;
    } else {
        config.latency = true;
    }
    if let Some(spec) = &args.latency_field {
        config.latency_field = Some(
            logtriage::aggregate::latency::parse_field_spec(spec).map_err(anyhow::Error::msg)?,
        );
        config.latency = true;
    }
    args.fields.apply(&mut config.field_overrides);
    config.window = super::cloudwatch::window(&args.window, |_| {
        super::cloudwatch::newest_time(&as_given, &config.field_overrides)
    })?;
    // Progress for a person watching stderr, never alongside machine output (as `analyze`).
    let show = !args.no_progress && !machine_output && io::stderr().is_terminal();
    let bar = show.then(|| progress_bar(&inputs));
    let analysis = with_progress(bar, |progress| {
        logtriage::analyze(&inputs, &catalog, &config, progress)
    })?;
    if cancel.load(Ordering::SeqCst) {
        return Err(NO_VERDICT.into());
    }
    if let Some((n, e)) = analysis.failures.first() {
        anyhow::bail!("{n}: {e}");
    }
    Ok((name, analysis.report, true))
}

pub fn run_merge(a: MergeArgs) -> anyhow::Result<u8> {
    let catalog = load_catalog(&a.catalog)?;
    if a.top == Some(0) {
        anyhow::bail!("--top must be at least 1");
    }
    // Read one at a time as the merge takes them: memory holds one report, not all.
    let reports = a.reports.iter().map(|p| {
        let name = p.display().to_string();
        match load_report(p) {
            Ok(r) => Ok((name, r)),
            Err(reason) => Err(MergeError { name, reason }),
        }
    });
    let merged = merge_each(
        reports,
        &catalog,
        &MergeOptions {
            top: a.top,
            bucket_secs: a.bucket,
        },
    )?;
    let mut shown = merged;
    if a.format != ReportFormatArg::Json {
        shown.state = None;
    }
    write_output(a.output.as_ref(), |out, is_tty| match a.format {
        ReportFormatArg::Json => render::json::write(&shown, out),
        ReportFormatArg::Html => render::html::write(&shown, out),
        ReportFormatArg::Markdown => render::markdown::write(&shown, out),
        ReportFormatArg::Text => render::terminal::write(
            &shown,
            Style {
                color: color_enabled(a.color, is_tty),
                width: terminal_width(),
            },
            out,
        ),
    })?;
    Ok(exit::OK)
}

fn rules_of(a: &CheckArgs) -> anyhow::Result<Rules> {
    let (path, required) = match &a.config {
        Some(p) => (p.clone(), true),
        None => (PathBuf::from("logtriage.toml"), false),
    };
    let mut rules = match std::fs::read_to_string(&path) {
        Ok(text) => {
            Rules::from_toml(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
        }
        Err(e) if required || e.kind() != io::ErrorKind::NotFound => {
            anyhow::bail!("{}: {e}", path.display())
        }
        Err(_) => Rules::default(),
    };
    if let Some(v) = a.alpha {
        rules.alpha = v;
    }
    if let Some(v) = a.max_error_rate_increase {
        rules.error_rate_increase = v;
    }
    if let Some(v) = a.max_error_rate_ratio {
        rules.error_rate_ratio = v;
    }
    if let Some(v) = a.max_latency_increase {
        rules.latency_increase = v;
    }
    if let Some(v) = a.min_samples {
        rules.min_samples = v;
    }
    if let Some(v) = a.new_pattern_severity {
        rules.new_pattern_severity = severity_of(v).name().to_string();
    }
    if let Some(v) = a.max_pattern_rate_ratio {
        rules.pattern_rate_ratio = v;
    }
    if let Some(v) = a.max_malformed_increase {
        rules.malformed_increase = v;
    }
    rules
        .validate()
        .map_err(|e| anyhow::anyhow!("check rules: {e}"))?;
    Ok(rules)
}

pub fn run_check(a: CheckArgs) -> anyhow::Result<u8> {
    let rules = rules_of(&a)?;
    let baseline = read_report_file(&a.baseline)?;
    let cancel = interrupt_flag();
    let machine = matches!(a.format, CheckFormatArg::Json | CheckFormatArg::Junit);
    let (name, current, logs) = report_of(
        &a.inputs,
        Some(&baseline),
        &a.input,
        false,
        &cancel,
        machine,
    )?;
    if logs {
        warn_of_catalog_gap(&a.baseline.display().to_string(), &baseline, &a.input)?;
    }
    let result = compare::check::check(
        (&a.baseline.display().to_string(), &baseline),
        (&name, &current),
        &rules,
    );
    let github = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
    // Workflow commands go to stdout, unless stdout carries JSON or XML for a program.
    if github {
        let machine =
            a.output.is_none() && matches!(a.format, CheckFormatArg::Json | CheckFormatArg::Junit);
        if machine {
            crender::github_annotations(&result, &mut io::stderr())?;
        } else {
            let mut o = io::stdout().lock();
            crender::github_annotations(&result, &mut o)?;
            o.flush()?;
        }
    }
    write_output(a.output.as_ref(), |out, is_tty| match a.format {
        CheckFormatArg::Text => crender::check_text(
            &result,
            color_enabled(a.color, is_tty),
            terminal_width(),
            out,
        ),
        CheckFormatArg::Markdown => crender::check_markdown(&result, out),
        CheckFormatArg::Junit => crender::check_junit(&result, out),
        CheckFormatArg::Json => {
            serde_json::to_writer_pretty(&mut *out, &result)?;
            writeln!(out)
        }
    })?;
    Ok(if result.passed {
        exit::OK
    } else {
        exit::FINDING
    })
}

/// Says on stderr when `report` (the side compared with logs) names catalog patterns that the
/// catalog the logs are read with does not hold: the report's run had a user catalog
/// (`--patterns`) this one lacks, so its patterns' lines count as new unknown templates here.
fn warn_of_catalog_gap(name: &str, report: &Report, args: &InputArgs) -> anyhow::Result<()> {
    let catalog = load_catalog(&args.catalog)?;
    let missing: Vec<&str> = report
        .patterns
        .iter()
        .map(|p| p.id.as_str())
        .filter(|id| catalog.get(id).is_none())
        .collect();
    if !missing.is_empty() {
        say!(
            "warning: {name} names {} this run's catalog lacks ({}): read the logs with the \
             catalogs its run had (--patterns, --no-builtin), or those lines read as new \
             templates here",
            render::count(missing.len() as u64, "catalog pattern"),
            super::first_of(&missing)
        );
    }
    Ok(())
}

pub fn run_diff(a: DiffArgs) -> anyhow::Result<u8> {
    if a.top == 0 {
        anyhow::bail!("--top must be at least 1");
    }
    let cancel = interrupt_flag();
    let machine = a.format == DiffFormatArg::Json;
    // A window applies to the sides that are logs; the output shows which were read in one.
    let (na, ra, a_logs) = report_of(
        std::slice::from_ref(&a.a),
        None,
        &a.input,
        true,
        &cancel,
        machine,
    )?;
    let (nb, rb, b_logs) = report_of(
        std::slice::from_ref(&a.b),
        Some(&ra),
        &a.input,
        true,
        &cancel,
        machine,
    )?;
    if b_logs && !a_logs {
        warn_of_catalog_gap(&na, &ra, &a.input)?;
    } else if a_logs && !b_logs {
        warn_of_catalog_gap(&nb, &rb, &a.input)?;
    }
    if a.input.window.is_set() && !a_logs && !b_logs {
        anyhow::bail!(
            "both sides are logtriage reports: --since/--until/--last select lines of logs, not of a report"
        );
    }
    let d = compare::diff::diff((&na, &ra), (&nb, &rb), a.top);
    write_output(a.output.as_ref(), |out, is_tty| match a.format {
        DiffFormatArg::Text => {
            crender::diff_text(&d, color_enabled(a.color, is_tty), terminal_width(), out)
        }
        DiffFormatArg::Markdown => crender::diff_markdown(&d, out),
        DiffFormatArg::Json => {
            serde_json::to_writer_pretty(&mut *out, &d)?;
            writeln!(out)
        }
    })?;
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_are_told_from_logs_by_their_start() {
        assert_eq!(
            start_of(b"{\"schema\":\"logtriage.report/v1\",\"x\":1}"),
            Start::Document
        );
        assert_eq!(start_of(b"  {\n  \"input\": {"), Start::Document);
        assert_eq!(start_of(b"{\r\n  \"input\": {"), Start::Document);
        assert_eq!(
            start_of(b"{\"level\":\"info\"}\n{\"level\":\"warn\"}\n"),
            Start::Logs
        );
        assert_eq!(start_of(b"plain text\n"), Start::Logs);
        assert_eq!(start_of(b""), Start::Logs);
        assert_eq!(start_of(b"{\"input\":{\"blank\":0"), Start::LongLine);
    }
}
