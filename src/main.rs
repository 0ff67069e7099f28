//! The `logtriage` binary: a thin shell over the library. It parses arguments, builds a
//! [`logtriage::Config`], calls the library, renders, and maps the outcome to an exit code.

/// `eprintln!` with the `logtriage: ` prefix and control characters escaped: messages quote
/// file names and report contents, which are untrusted (a name with an escape sequence must not
/// recolour the terminal). Defined before `mod cli` so that the CLI modules can use it.
macro_rules! say {
    ($($arg:tt)*) => {
        eprintln!("logtriage: {}", logtriage::render::sanitize(&format!($($arg)*)))
    };
}

mod cli;

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use clap::Parser as _;

use logtriage::aggregate::latency::parse_field_spec;
use logtriage::matching::{check_examples, Catalog, Severity};
use logtriage::render::{self, terminal::Style};
use logtriage::source;

use cli::args::{
    AnalyzeArgs, CatalogArgs, Cli, ColorArg, Command, FilterArgs, FormatArg, MineArgs,
    PatternsCommand, ReportFormatArg, SeverityArg, TraceArgs,
};
use cli::exit;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    if let Some(fields) = cli.command.field_args() {
        fields.apply_globally();
    }
    let result = match cli.command {
        Command::Analyze(a) => run_analyze(*a),
        Command::Patterns(p) => run_patterns(p),
        Command::Trace(t) => run_trace(t),
        Command::Filter(f) => run_filter(f),
        Command::Mine(m) => run_mine(m),
        Command::Merge(m) => cli::compare::run_merge(m),
        Command::Check(c) => cli::compare::run_check(*c),
        Command::Diff(d) => cli::compare::run_diff(*d),
        Command::Watch(w) => cli::watch::run_watch(*w),
        Command::Cloudwatch(c) => cli::cloudwatch::run(c),
        Command::Completions { shell } => {
            // Into a buffer, then written: clap_complete panics on a write error (a closed
            // pipe, a full disk).
            let mut command = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, "logtriage", &mut script);
            io::stdout()
                .lock()
                .write_all(&script)
                .and_then(|()| io::stdout().flush())
                .map(|()| exit::OK)
                .map_err(anyhow::Error::from)
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::from(exit::OK);
            }
            if let Some(i) = e.downcast_ref::<exit::Interrupted>() {
                say!("interrupted: {i}");
                return ExitCode::from(exit::INTERRUPTED);
            }
            say!("error: {e:#}");
            ExitCode::from(exit::ERROR)
        }
    }
}

/// Help and version go to stdout as clap formats them; a usage error becomes one line on
/// stderr (clap's first line, which names the problem) and exit code 2.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return ExitCode::from(
            if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                exit::ERROR
            } else {
                exit::OK
            },
        );
    }
    let rendered = e.render().to_string();
    let mut lines = rendered.lines().filter(|l| !l.trim().is_empty());
    let mut first = lines
        .next()
        .unwrap_or("invalid arguments")
        .trim_start_matches("error: ")
        .to_string();
    let rest: Vec<&str> = lines.collect();
    // "the following required arguments were not provided:" lists them on indented lines.
    if first.ends_with(':') {
        let named: Vec<&str> = rest
            .iter()
            .take_while(|l| l.starts_with(' '))
            .map(|l| l.trim())
            .collect();
        first = format!("{} {}", first, named.join(", "));
    }
    // What would have been right: the values a flag takes, or the flag clap thinks was meant.
    let hint = rest.iter().map(|l| l.trim()).find_map(|l| {
        l.strip_prefix("[possible values: ")
            .and_then(|v| v.strip_suffix(']'))
            .map(|v| format!("; possible values: {v}"))
            .or_else(|| {
                l.strip_prefix("tip: a similar argument exists: ")
                    .or_else(|| l.strip_prefix("tip: a similar value exists: "))
                    .or_else(|| l.strip_prefix("tip: some similar arguments exist: "))
                    .or_else(|| l.strip_prefix("tip: some similar values exist: "))
                    .or_else(|| l.strip_prefix("tip: a similar subcommand exists: "))
                    .map(|v| format!("; did you mean {v}?"))
            })
            // Any other tip of clap's (`'analyze --color' exists`, `use '-- …'`).
            .or_else(|| l.strip_prefix("tip: ").map(|v| format!("; {v}")))
    });
    // The help that lists the flags: the (sub)command's, as clap's usage line names it
    // (`Usage: logtriage patterns list [OPTIONS]`).
    let command: Vec<&str> = rest
        .iter()
        .find_map(|l| l.trim().strip_prefix("Usage: "))
        .map(|u| {
            u.split(' ')
                .take_while(|w| !w.is_empty() && !w.starts_with(['[', '<', '-']))
                .collect()
        })
        .unwrap_or_default();
    let help = match command.len() {
        // No usage line (a bad value): the subcommands named on the command line.
        0 => {
            let mut path = vec!["logtriage".to_string()];
            let mut cmd = <Cli as clap::CommandFactory>::command();
            for arg in std::env::args_os().skip(1) {
                let arg = arg.to_string_lossy();
                let Some(sub) = cmd.find_subcommand(arg.as_ref()).cloned() else {
                    break;
                };
                path.push(arg.into_owned());
                cmd = sub;
            }
            format!("{} --help", path.join(" "))
        }
        _ => format!("{} --help", command.join(" ")),
    };
    say!("error: {first}{} (see '{help}')", hint.unwrap_or_default());
    ExitCode::from(exit::ERROR)
}

/// A closed pipe on our output (`| head`) is how a reader says "enough": not an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

fn load_catalog(args: &CatalogArgs) -> anyhow::Result<Catalog> {
    let mut catalog = if args.no_builtin {
        Catalog::default()
    } else {
        Catalog::builtin()
    };
    for p in &args.patterns {
        catalog.extend(Catalog::load_path(p)?)?;
    }
    Ok(catalog)
}

fn color_enabled(choice: ColorArg, is_tty: bool) -> bool {
    match choice {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => is_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

/// Width to fit text into: `COLUMNS` if set, else the terminal's width when stdout is one,
/// else 100.
fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .or_else(|| terminal_size::terminal_size().map(|(w, _)| w.0 as usize))
        .filter(|&w: &usize| w >= 40)
        .unwrap_or(100)
}

fn severity_of(s: SeverityArg) -> Severity {
    match s {
        SeverityArg::Info => Severity::Info,
        SeverityArg::Warn => Severity::Warn,
        SeverityArg::Error => Severity::Error,
        SeverityArg::Critical => Severity::Critical,
    }
}

fn run_analyze(a: AnalyzeArgs) -> anyhow::Result<u8> {
    let catalog = load_catalog(&a.catalog)?;
    if a.threads == Some(0) {
        anyhow::bail!("--threads must be at least 1");
    }
    if a.top == 0 {
        anyhow::bail!("--top must be at least 1");
    }
    let field_overrides = a.fields.overrides();
    let mut config = logtriage::Config {
        chunk_size: a.chunk_size.max(1),
        max_line_bytes: a.max_line_bytes,
        max_decompressed_bytes: a.max_decompressed_bytes,
        message_cap: a.max_distinct_messages,
        top: a.top,
        bucket_secs: a.bucket,
        field_overrides,
        mmap: !a.no_mmap,
        ..Default::default()
    };
    if let Some(t) = a.threads {
        config.threads = t;
    }
    config.latency =
        a.latency || a.slow.is_some() || a.latency_field.is_some() || !a.latency_by.is_empty();
    config.traces = a.traces;
    config.trace_idle_secs = a.trace_idle;
    config.max_open_traces = usize::try_from(a.max_open_traces).unwrap_or(usize::MAX);
    config.latency_by = a.latency_by.clone();
    if let Some(spec) = &a.latency_field {
        config.latency_field = Some(parse_field_spec(spec).map_err(anyhow::Error::msg)?);
    }
    config.slow_ms = a.slow;
    // First Ctrl-C: stop reading and print what was read, marked partial (exit 130).
    // A second one: exit at once.
    let cancel = Arc::new(AtomicBool::new(false));
    {
        let cancel = cancel.clone();
        let _ = ctrlc::set_handler(move || {
            if cancel.swap(true, Ordering::SeqCst) {
                std::process::exit(exit::INTERRUPTED.into());
            }
        });
    }
    config.cancel = Some(cancel.clone());
    if a.mergeable && a.format != ReportFormatArg::Json {
        anyhow::bail!("--mergeable adds merge state to the JSON report: use it with --format json");
    }
    config.mergeable = a.mergeable;
    if let Some(p) = &a.filter {
        config.filter = Some(Arc::new(parse_filter(p, "--filter")?));
    }

    let cli::cloudwatch::Inputs {
        inputs,
        missing,
        counters,
        window,
    } = cli::cloudwatch::inputs(&a.paths, &a.cloudwatch, &config.field_overrides)?;
    config.window = window;
    for (name, e) in &missing {
        say!("{name}: {e}");
    }

    // Progress only for a person watching stderr, and never alongside machine output.
    let show_progress =
        !a.no_progress && io::stderr().is_terminal() && a.format != ReportFormatArg::Json;
    let bar = show_progress.then(|| progress_bar(&inputs));
    let _ticker = bar
        .as_ref()
        .and_then(|b| cli::cloudwatch::progress(b, &counters));
    let analysis = with_progress(bar, |progress| {
        logtriage::analyze(&inputs, &catalog, &config, progress)
    })?;
    let mut report = analysis.report;
    for (name, e) in &analysis.failures {
        say!("{name}: {e}");
    }
    for (name, e) in &missing {
        report.input.sources.push(logtriage::report::SourceSummary {
            name: name.clone(),
            bytes: 0,
            lines: 0,
            gzip: false,
            encoding: None,
            error: Some(e.to_string()),
        });
        report.partial = true;
    }

    let written = write_output(a.output.as_ref(), |out, is_tty| match a.format {
        ReportFormatArg::Json => render::json::write(&report, out),
        ReportFormatArg::Html => render::html::write(&report, out),
        ReportFormatArg::Markdown => render::markdown::write(&report, out),
        ReportFormatArg::Text => render::terminal::write(
            &report,
            Style {
                color: color_enabled(a.color, is_tty),
                width: terminal_width(),
            },
            out,
        ),
    });
    // A reader that closed the pipe (`| head`) has seen enough, but the exit code is still the
    // run's: a `--fail-on` gate must not pass because its report was too big for the pipe.
    match written {
        Err(e) if !is_broken_pipe(&e) => return Err(e),
        _ => {}
    }

    if cancel.load(Ordering::SeqCst) {
        return Ok(exit::INTERRUPTED);
    }
    if !missing.is_empty() || !analysis.failures.is_empty() {
        return Ok(exit::ERROR);
    }
    if let Some(min) = a.fail_on {
        let min = severity_of(min);
        let hits: Vec<&str> = report
            .patterns
            .iter()
            .filter(|p| Severity::parse(&p.severity).is_some_and(|s| s >= min))
            .map(|p| p.id.as_str())
            .collect();
        if !hits.is_empty() {
            say!(
                "--fail-on {}: {} at {} or worse ({})",
                min.name(),
                render::count(hits.len() as u64, "catalog pattern"),
                min.name(),
                cli::first_of(&hits)
            );
            return Ok(exit::FINDING);
        }
    }
    Ok(exit::OK)
}

/// Parses a filter pattern; an error names the column and shows where it is.
fn parse_filter(pattern: &str, what: &str) -> anyhow::Result<logtriage::filter::FilterPattern> {
    logtriage::filter::FilterPattern::parse(pattern).map_err(|e| {
        anyhow::anyhow!(
            "{what} {:?}: column {}: {}",
            e.excerpt(pattern),
            e.column,
            e.message
        )
    })
}

/// A SIGINT flag: the first Ctrl-C sets it, a second one exits at once. Call it once per run:
/// the process has one handler.
fn interrupt_flag() -> Arc<AtomicBool> {
    let cancel = Arc::new(AtomicBool::new(false));
    let c = cancel.clone();
    let _ = ctrlc::set_handler(move || {
        if c.swap(true, Ordering::SeqCst) {
            std::process::exit(exit::INTERRUPTED.into());
        }
    });
    cancel
}

fn run_filter(f: FilterArgs) -> anyhow::Result<u8> {
    use logtriage::filter::{FilterOptions, OutputMode};
    if f.threads == Some(0) {
        anyhow::bail!("--threads must be at least 1");
    }
    let mut args = f.args.into_iter();
    let pattern = match (
        f.pattern,
        &f.cloudwatch.filter_pattern,
        f.cloudwatch.log_groups.is_empty(),
    ) {
        (Some(p), _, _) => p,
        // Reading log groups with --filter-pattern and no other pattern: that one, locally too.
        (None, Some(p), false) if args.len() == 0 => p.clone(),
        (None, _, _) => args.next().ok_or_else(|| {
            anyhow::anyhow!("a filter pattern is required (see 'logtriage filter --help')")
        })?,
    };
    let paths: Vec<PathBuf> = args.map(PathBuf::from).collect();
    let pattern = parse_filter(&pattern, "pattern")?;
    let cancel = interrupt_flag();
    let mut opts = FilterOptions {
        invert: f.invert_match,
        mode: if f.count {
            OutputMode::Count
        } else if f.format == FormatArg::Json {
            OutputMode::Json
        } else {
            OutputMode::Lines
        },
        chunk_size: f.chunk_size.max(1),
        max_line_bytes: f.max_line_bytes,
        max_decompressed_bytes: f.max_decompressed_bytes,
        cancel: Some(cancel.clone()),
        mmap: !f.no_mmap,
        ..Default::default()
    };
    if let Some(n) = f.threads {
        opts.threads = n;
    }
    let cli::cloudwatch::Inputs {
        inputs,
        missing,
        counters,
        window,
    } = cli::cloudwatch::inputs(&paths, &f.cloudwatch, &[])?;
    opts.window = window;
    for (name, e) in &missing {
        say!("{name}: {e}");
    }
    // Standard input may be a live pipe (`tail -f app.log | logtriage filter ERROR`): lines are
    // passed on as they arrive. (A redirected file still reads in whole chunks.)
    opts.streaming = inputs.iter().any(|i| matches!(i, source::Input::Stdin));
    opts.with_source = f.with_filename || (inputs.len() > 1 && !f.no_filename);
    let spinner = cli::cloudwatch::fetch_spinner(&counters, true);
    let mut out = io::BufWriter::with_capacity(256 << 10, io::stdout());
    let outcome = logtriage::filter::run(&inputs, &pattern, &opts, &mut out)?;
    drop(spinner);
    if outcome.closed {
        return Ok(exit::OK);
    }
    for (name, e) in &outcome.failures {
        say!("{name}: {e}");
    }
    if outcome.oversize > 0 {
        say!(
            "{} line(s) longer than --max-line-bytes were skipped",
            outcome.oversize
        );
    }
    if f.count {
        // One bare total (what a script gating on it wants), or with -H `name:count` per
        // input, as `grep -c` prints.
        let mut stdout = io::stdout().lock();
        if f.with_filename {
            for (input, n) in inputs.iter().zip(&outcome.selected_per_input) {
                if let Some(n) = n {
                    let name = input.name();
                    writeln!(stdout, "{name}:{n}")?;
                }
            }
        } else {
            writeln!(stdout, "{}", outcome.selected)?;
        }
        stdout.flush()?;
    }
    if outcome.selected == 0 && outcome.window.total() > 0 {
        // Otherwise "nothing matched" hides that something did, outside the window.
        let w = outcome.window;
        say!(
            "{} matching line(s) outside --since/--until left out ({} before, {} after, {} without a time)",
            w.total(),
            w.before,
            w.after,
            w.untimed
        );
    }
    if cancel.load(Ordering::SeqCst) {
        return Ok(exit::INTERRUPTED);
    }
    if !missing.is_empty() || !outcome.failures.is_empty() {
        return Ok(exit::ERROR);
    }
    Ok(if outcome.selected > 0 {
        exit::OK
    } else {
        exit::FINDING
    })
}

fn run_mine(a: MineArgs) -> anyhow::Result<u8> {
    use logtriage::mine::run::{mine_with_progress, MineOptions, MineText};
    if a.max_clusters == 0 {
        anyhow::bail!("--max-clusters must be at least 1");
    }
    let mut opts = MineOptions {
        text: match (&a.field, a.text) {
            (Some(f), _) => MineText::Field(f.clone()),
            (None, true) => MineText::Line,
            (None, false) => MineText::Message,
        },
        assignments: a.assignments.is_some(),
        max_line_bytes: a.max_line_bytes,
        max_decompressed_bytes: 64 << 30,
        cancel: Some(interrupt_flag()),
        mmap: !a.no_mmap,
        ..Default::default()
    };
    opts.miner.max_clusters = a.max_clusters;
    opts.miner.max_templates = a.max_templates;
    if let Some(s) = a.similarity {
        if !(0.0..=1.0).contains(&s) {
            anyhow::bail!("--similarity must be between 0 and 1");
        }
        opts.miner.similarity = s;
    }
    let cli::cloudwatch::Inputs {
        inputs,
        missing,
        counters,
        window,
    } = cli::cloudwatch::inputs(&a.paths, &a.cloudwatch, &[])?;
    opts.window = window;
    for (name, e) in &missing {
        say!("{name}: {e}");
    }
    // Progress for a person watching stderr, never alongside machine output (as `analyze`).
    let show_progress = !a.no_progress && io::stderr().is_terminal() && a.format != FormatArg::Json;
    let bar = show_progress.then(|| progress_bar(&inputs));
    let _ticker = bar
        .as_ref()
        .and_then(|b| cli::cloudwatch::progress(b, &counters));
    let spinner = match bar {
        None => cli::cloudwatch::fetch_spinner(&counters, false),
        Some(_) => None,
    };
    let mined = with_progress(bar, |progress| {
        mine_with_progress(&inputs, &opts, progress.map(|p| p as &dyn Fn(u64)))
    });
    drop(spinner);
    for (name, e) in &mined.failures {
        say!("{name}: {e}");
    }
    if opts.window.is_some() && a.format == FormatArg::Text {
        let w = mined.window;
        say!(
            "--since/--until left out {} line(s): {} before, {} after, {} without a time",
            w.total(),
            w.before,
            w.after,
            w.untimed
        );
    }
    if let Some(path) = &a.assignments {
        write_output(Some(path), |out, _| {
            writeln!(out, "line,template_id,template")?;
            for (i, &t) in mined.assignments.iter().enumerate() {
                match mined.templates.get(t as usize) {
                    Some(t) => writeln!(out, "{},{},{}", i + 1, t.id, csv_field(&t.template))?,
                    None if t == logtriage::mine::FOLDED => writeln!(out, "{},folded,", i + 1)?,
                    None => writeln!(out, "{},,", i + 1)?,
                }
            }
            Ok(())
        })?;
    }
    write_output(a.output.as_ref(), |out, is_tty| match a.format {
        FormatArg::Json => {
            // Serialised straight from the templates: a JSON value tree of a large template
            // list would double the peak memory.
            #[derive(serde::Serialize)]
            struct Doc<'a> {
                schema: &'static str,
                lines: u64,
                messages: u64,
                partial: bool,
                folded: logtriage::mine::Folded,
                #[serde(skip_serializing_if = "Option::is_none")]
                window: Option<logtriage::report::WindowSummary>,
                templates: &'a [logtriage::mine::Template],
            }
            let doc = Doc {
                schema: "logtriage.mine/v1",
                lines: mined.lines,
                messages: mined.messages,
                partial: mined.cancelled || !mined.failures.is_empty() || !missing.is_empty(),
                folded: mined.folded,
                window: opts
                    .window
                    .map(|w| logtriage::report::WindowSummary::new(w, mined.window)),
                templates: &mined.templates,
            };
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)
        }
        FormatArg::Text => render::terminal::write_templates(
            &mined.templates,
            mined.messages,
            mined.folded,
            a.top,
            Style {
                color: color_enabled(a.color, is_tty),
                width: terminal_width(),
            },
            out,
        ),
    })?;
    if mined.cancelled {
        return Ok(exit::INTERRUPTED);
    }
    if !missing.is_empty() || !mined.failures.is_empty() {
        return Ok(exit::ERROR);
    }
    Ok(exit::OK)
}

/// A CSV field, quoted when it holds a comma, quote or line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn run_trace(t: TraceArgs) -> anyhow::Result<u8> {
    if t.threads == Some(0) {
        anyhow::bail!("--threads must be at least 1");
    }
    let mut config = logtriage::Config {
        max_line_bytes: t.max_line_bytes,
        mmap: !t.no_mmap,
        ..Default::default()
    };
    if let Some(n) = t.threads {
        config.threads = n;
    }
    config.field_overrides = t.fields.overrides();
    // First Ctrl-C: stop searching and print the events found so far (exit 130).
    config.cancel = Some(interrupt_flag());
    let cli::cloudwatch::Inputs {
        inputs,
        missing,
        counters,
        window,
    } = cli::cloudwatch::inputs(&t.paths, &t.cloudwatch, &config.field_overrides)?;
    config.window = window;
    for (name, e) in &missing {
        say!("{name}: {e}");
    }
    let spinner = cli::cloudwatch::fetch_spinner(&counters, false);
    let timeline = logtriage::trace::find_request(&inputs, &t.id, &config, t.max_events)?;
    drop(spinner);
    for (name, e) in &timeline.failures {
        say!("{name}: {e}");
    }
    write_output(t.output.as_ref(), |out, is_tty| match t.format {
        FormatArg::Json => {
            serde_json::to_writer_pretty(&mut *out, &timeline)?;
            writeln!(out)
        }
        FormatArg::Text => render::terminal::write_trace(
            &timeline,
            Style {
                color: color_enabled(t.color, is_tty),
                width: terminal_width(),
            },
            out,
        ),
    })?;
    if timeline.partial {
        say!("interrupted: the timeline holds the events of the input read before it");
        return Ok(exit::INTERRUPTED);
    }
    if !missing.is_empty() || !timeline.failures.is_empty() {
        return Ok(exit::ERROR);
    }
    Ok(if timeline.events.is_empty() {
        exit::FINDING
    } else {
        exit::OK
    })
}

/// Runs `f` with the callback that moves `bar` to the bytes read so far (none without a bar),
/// then clears the bar.
fn with_progress<T>(
    bar: Option<indicatif::ProgressBar>,
    f: impl FnOnce(Option<&(dyn Fn(u64) + Sync)>) -> T,
) -> T {
    let update = bar.clone().map(|b| move |n: u64| b.set_position(n));
    let out = f(update.as_ref().map(|u| u as &(dyn Fn(u64) + Sync)));
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    out
}

fn progress_bar(inputs: &[source::Input]) -> indicatif::ProgressBar {
    let sizes: Option<u64> = inputs
        .iter()
        .map(|i| match i {
            source::Input::File(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            source::Input::Stdin | source::Input::Stream(_) => None,
        })
        .sum();
    let bar = match sizes {
        Some(total) => {
            let b = indicatif::ProgressBar::new(total);
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
                )
                .expect("valid template"),
            );
            b
        }
        None => {
            let b = indicatif::ProgressBar::new_spinner();
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} {bytes} {binary_bytes_per_sec} {msg}",
                )
                .expect("valid template"),
            );
            b
        }
    };
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr_with_hz(10));
    bar
}

/// Runs `f` on the chosen output (a file or stdout), flushing at the end.
fn write_output(
    path: Option<&PathBuf>,
    f: impl FnOnce(&mut dyn Write, bool) -> io::Result<()>,
) -> anyhow::Result<()> {
    match path {
        Some(p) => {
            let file = std::fs::File::create(p)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", p.display()))?;
            let mut w = io::BufWriter::new(file);
            f(&mut w, false).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", p.display()))?;
            w.flush()
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", p.display()))?;
        }
        None => {
            let stdout = io::stdout();
            let is_tty = stdout.is_terminal();
            let mut w = io::BufWriter::new(stdout.lock());
            f(&mut w, is_tty)?;
            w.flush()?;
        }
    }
    Ok(())
}

fn run_patterns(cmd: PatternsCommand) -> anyhow::Result<u8> {
    match cmd {
        PatternsCommand::List { format, catalog } => {
            let catalog = load_catalog(&catalog)?;
            write_output(None, |out, _| match format {
                FormatArg::Json => {
                    let v: Vec<serde_json::Value> =
                        catalog.patterns().iter().map(pattern_json).collect();
                    serde_json::to_writer_pretty(&mut *out, &v)?;
                    writeln!(out)
                }
                FormatArg::Text => {
                    let idw = catalog
                        .patterns()
                        .iter()
                        .map(|p| p.id.len())
                        .max()
                        .unwrap_or(2);
                    writeln!(out, "{:<idw$}  {:<8}  TITLE", "ID", "SEVERITY")?;
                    for p in catalog.patterns() {
                        writeln!(out, "{:<idw$}  {:<8}  {}", p.id, p.severity.name(), p.title)?;
                    }
                    writeln!(out, "\n{} patterns", catalog.len())
                }
            })?;
            Ok(exit::OK)
        }
        PatternsCommand::Show { id, catalog } => {
            let catalog = load_catalog(&catalog)?;
            let Some(p) = catalog.get(&id) else {
                anyhow::bail!("no pattern with id {id:?} (see `logtriage patterns list`)");
            };
            write_output(None, |out, _| {
                writeln!(out, "{}  [{}]", p.title, p.severity)?;
                writeln!(out, "id       {}", p.id)?;
                if let Some(g) = &p.guide {
                    let sec = p
                        .section
                        .as_deref()
                        .map(|s| format!(" › {s}"))
                        .unwrap_or_default();
                    writeln!(out, "guide    {g}{sec}")?;
                }
                writeln!(out, "meaning  {}", p.meaning)?;
                for c in &p.causes {
                    writeln!(out, "cause    {c}")?;
                }
                writeln!(out, "action   {}", p.action)?;
                let s = &p.spec;
                if !s.message.is_empty() {
                    writeln!(out, "match    message is one of {:?}", s.message)?;
                }
                if !s.contains.is_empty() {
                    writeln!(out, "match    text contains any of {:?}", s.contains)?;
                }
                if let Some(r) = &s.regex {
                    writeln!(out, "match    regex {r}")?;
                }
                for f in &s.fields {
                    writeln!(out, "match    field {f}")?;
                }
                if !s.level.is_empty() {
                    let l: Vec<&str> = s.level.iter().map(|l| l.name()).collect();
                    writeln!(out, "match    level in {}", l.join(", "))?;
                }
                for e in &p.examples_match {
                    writeln!(out, "example  {}", render::sanitize(e))?;
                }
                Ok(())
            })?;
            Ok(exit::OK)
        }
        PatternsCommand::Suggest {
            paths,
            top,
            output,
            catalog,
        } => {
            if top == 0 {
                anyhow::bail!("--top must be at least 1");
            }
            let catalog = load_catalog(&catalog)?;
            let config = logtriage::Config {
                top,
                cancel: Some(interrupt_flag()),
                ..Default::default()
            };
            let source::Expanded {
                inputs, missing, ..
            } = cli::expand(&paths);
            for (name, e) in &missing {
                say!("{name}: {e}");
            }
            let analysis = logtriage::analyze(&inputs, &catalog, &config, None)?;
            for (name, e) in &analysis.failures {
                say!("{name}: {e}");
            }
            let (text, skipped) = logtriage::matching::suggest::stubs(&analysis.report.templates);
            for (t, why) in &skipped {
                say!(
                    "skipped template {:?}: {why}",
                    render::fit_sanitized(t, 100)
                );
            }
            write_output(output.as_ref(), |out, _| out.write_all(text.as_bytes()))?;
            if !missing.is_empty() || !analysis.failures.is_empty() {
                return Ok(exit::ERROR);
            }
            Ok(exit::OK)
        }
        PatternsCommand::Check { paths } => {
            let mut catalog = Catalog::default();
            let mut files = 0;
            for p in &paths {
                let c = Catalog::load_path(p)?;
                files += 1;
                catalog.extend(c)?;
            }
            let failures = check_examples(&catalog);
            for f in &failures {
                say!("{f}");
            }
            for p in catalog.patterns() {
                if p.spec.regex.is_some() && p.spec.contains.is_empty() && p.spec.message.is_empty()
                {
                    say!(
                        "warning: {}:{}: pattern \"{}\": regex without a `contains` literal runs on every line (slow)",
                        p.file, p.line, p.id
                    );
                }
                if p.examples_match.is_empty() {
                    say!(
                        "warning: {}:{}: pattern \"{}\": no examples.match",
                        p.file,
                        p.line,
                        p.id
                    );
                }
            }
            let builtin = Catalog::builtin();
            let shared: Vec<&str> = catalog
                .patterns()
                .iter()
                .filter(|p| builtin.get(&p.id).is_some())
                .map(|p| p.id.as_str())
                .collect();
            if let Some(first) = shared.first() {
                say!(
                    "warning: {} pattern id{} also built in (\"{first}\"{}): `analyze --patterns` takes {} only with `--no-builtin`",
                    shared.len(),
                    if shared.len() == 1 { " is" } else { "s are" },
                    if shared.len() > 1 { ", …" } else { "" },
                    if shared.len() == 1 { "it" } else { "them" },
                );
            }
            if !failures.is_empty() {
                anyhow::bail!("{} example(s) failed", failures.len());
            }
            println!(
                "ok: {} patterns in {} path{}",
                catalog.len(),
                files,
                if files == 1 { "" } else { "s" }
            );
            Ok(exit::OK)
        }
    }
}

fn pattern_json(p: &logtriage::matching::Pattern) -> serde_json::Value {
    serde_json::json!({
        "id": p.id,
        "title": p.title,
        "severity": p.severity.name(),
        "meaning": p.meaning,
        "causes": p.causes,
        "action": p.action,
        "guide": p.guide,
        "source": p.source,
        "section": p.section,
        "match": {
            "message": p.spec.message,
            "contains": p.spec.contains,
            "regex": p.spec.regex,
            "fields": p.spec.fields.iter().map(|f| f.to_string()).collect::<Vec<_>>(),
            "level": p.spec.level.iter().map(|l| l.name()).collect::<Vec<_>>(),
        },
        "examples": { "match": p.examples_match, "no_match": p.examples_no_match },
    })
}
