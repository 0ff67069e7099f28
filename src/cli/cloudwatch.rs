//! `--log-group` and friends: CloudWatch Logs as the input of a subcommand, and
//! `cloudwatch groups`.

use std::io;
use std::path::PathBuf;

use logtriage::record::time::{parse_time_arg, Window};
use logtriage::record::{FieldSpec, Parser, Slot};
use logtriage::source::{self, Input};

use super::args::{CloudWatchArgs, CloudwatchCommand, WindowArgs};

/// The inputs of a subcommand: the CloudWatch query when `--log-group` is given, else the
/// paths (expanded), with the paths that could not be read.
pub struct Inputs {
    /// What to read.
    pub inputs: Vec<Input>,
    /// Paths that could not be read.
    pub missing: Vec<(String, io::Error)>,
    /// Event and page counts of a CloudWatch input, for the progress display.
    pub counters: Option<Counters>,
    /// `--since`/`--until` for files and standard input, which the command applies to each
    /// line's own timestamp (for log groups the service applies them, and this is `None`).
    pub window: Option<Window>,
}

#[cfg(feature = "cloudwatch")]
type Counters = std::sync::Arc<logtriage::source::cloudwatch::Counters>;
#[cfg(not(feature = "cloudwatch"))]
type Counters = ();

fn uses_cloudwatch_flags(cw: &CloudWatchArgs) -> Option<&'static str> {
    [
        (!cw.log_stream_names.is_empty(), "--log-stream-names"),
        (
            cw.log_stream_name_prefix.is_some(),
            "--log-stream-name-prefix",
        ),
        (cw.filter_pattern.is_some(), "--filter-pattern"),
        (cw.follow, "--follow"),
        (cw.region.is_some(), "--region"),
        (cw.profile.is_some(), "--profile"),
        (cw.endpoint_url.is_some(), "--endpoint-url"),
    ]
    .into_iter()
    .find(|(on, _)| *on)
    .map(|(_, name)| name)
}

/// Fails when a flag that needs `--log-group` is given without one.
pub fn no_cloudwatch_flags(cw: &CloudWatchArgs) -> anyhow::Result<()> {
    match uses_cloudwatch_flags(cw) {
        Some(flag) if cw.log_groups.is_empty() => anyhow::bail!("{flag} needs --log-group"),
        _ => Ok(()),
    }
}

/// Resolves the inputs of a subcommand.
/// `fields` are the command's field overrides, to read times as it will (for `--last`).
pub fn inputs(
    paths: &[PathBuf],
    cw: &CloudWatchArgs,
    fields: &[(Slot, String)],
) -> anyhow::Result<Inputs> {
    if cw.log_groups.is_empty() {
        no_cloudwatch_flags(cw)?;
        let source::Expanded {
            inputs, missing, ..
        } = super::expand(paths);
        let window = window(&cw.window, |_| newest_time(&inputs, fields))?;
        if paths.is_empty() && std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            // Otherwise a bare `logtriage analyze` at a prompt waits in silence.
            say!("reading standard input (give a path, or end the input with Ctrl-D)");
        }
        return Ok(Inputs {
            inputs,
            missing,
            counters: None,
            window,
        });
    }
    if !paths.is_empty() {
        anyhow::bail!("give either paths or --log-group, not both");
    }
    open(cw)
}

/// The window `--since`/`--until`/`--last` give, if any. `newest` gives the time `--last`
/// counts back from when `--until` does not give it (it is passed the time now).
pub fn window(
    w: &WindowArgs,
    newest: impl FnOnce(i64) -> anyhow::Result<i64>,
) -> anyhow::Result<Option<Window>> {
    if !w.is_set() {
        return Ok(None);
    }
    let now_us = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64);
    let time = |flag: &str, v: &Option<String>| -> anyhow::Result<Option<i64>> {
        v.as_deref()
            .map(|s| parse_time_arg(s, now_us).map_err(|e| anyhow::anyhow!("{flag} {e}")))
            .transpose()
    };
    let until_us = time("--until", &w.until)?;
    let since_us = match w.last {
        Some(ms) => {
            let end = match until_us {
                Some(u) => u,
                None => newest(now_us)?,
            };
            Some(end.saturating_sub((ms as i64).saturating_mul(1000)))
        }
        None => time("--since", &w.since)?,
    };
    let w = Window { since_us, until_us };
    if let (Some(s), Some(u)) = (w.since_us, w.until_us) {
        if u <= s {
            anyhow::bail!("--until must be later than --since");
        }
    }
    Ok(Some(w))
}

/// How far back from a file's end `--last` looks for its newest timestamp: the last MiB, then
/// further back while none of those lines has one (a long stack trace or dump at the end).
const TAIL_STEPS: [usize; 3] = [1 << 20, 8 << 20, 64 << 20];

/// The newest timestamp near the end of the inputs, which `--last` counts back from: the latest
/// among the last MiB of each file's lines (read as the command will read them), or among more
/// of them, up to the last 64 MiB, when none of those has a time. An input that cannot be
/// opened is passed over here (the pass reports it).
pub fn newest_time(inputs: &[Input], fields: &[(Slot, String)]) -> anyhow::Result<i64> {
    let mut spec = FieldSpec::with_defaults();
    for (slot, path) in fields {
        spec.override_slot(*slot, path);
    }
    let parser = Parser::new(spec);
    let mut newest = None;
    for input in inputs {
        for max in TAIL_STEPS {
            let tail = match source::tail::tail(input, max, 64 << 30) {
                Ok(tail) => tail,
                Err(e) if e.kind() == io::ErrorKind::Unsupported => match input {
                    Input::File(_) => {
                        anyhow::bail!("--last needs regular files: {e} (use --since)")
                    }
                    _ => anyhow::bail!(
                        "--last needs files: the newest time of standard input is not known before it is read (use --since)"
                    ),
                },
                Err(_) => break,
            };
            let found = parser.newest_time(&tail.text);
            newest = newest.max(found);
            if found.is_some() || tail.whole {
                break;
            }
        }
    }
    newest.ok_or_else(|| {
        anyhow::anyhow!(
            "--last: no line in the last 64 MiB of the input has a timestamp to count back from"
        )
    })
}

/// Fails when a window was given to a command that cannot apply it to files.
pub fn no_window(cw: &CloudWatchArgs, command: &str) -> anyhow::Result<()> {
    if cw.log_groups.is_empty() && cw.window.is_set() {
        anyhow::bail!(
            "--since/--until/--last select lines of files and stdin in analyze, filter, mine, trace, check and diff; `{command}` takes them with --log-group"
        );
    }
    Ok(())
}

#[cfg(not(feature = "cloudwatch"))]
fn open(_: &CloudWatchArgs) -> anyhow::Result<Inputs> {
    anyhow::bail!(
        "this logtriage was built without CloudWatch support (cargo feature `cloudwatch`)"
    )
}

#[cfg(feature = "cloudwatch")]
fn query(cw: &CloudWatchArgs) -> anyhow::Result<logtriage::source::cloudwatch::Query> {
    use logtriage::source::cloudwatch::Query;
    // The same window as for files, which the service applies (in milliseconds).
    // With a log group, `--last` counts back from now.
    let w = window(&cw.window, Ok)?.unwrap_or_default();
    let ms = |us: Option<i64>| us.map(|t| t.div_euclid(1000));
    Ok(Query {
        groups: cw.log_groups.clone(),
        streams: cw.log_stream_names.clone(),
        stream_prefix: cw.log_stream_name_prefix.clone(),
        start_ms: ms(w.since_us),
        end_ms: ms(w.until_us),
        filter_pattern: cw.filter_pattern.clone(),
        follow: cw.follow,
        poll: std::time::Duration::from_millis(cw.poll_interval.max(10)),
        region: cw.region.clone(),
        profile: cw.profile.clone(),
        endpoint_url: cw.endpoint_url.clone(),
        timeout: std::time::Duration::from_millis(cw.aws_timeout),
    })
}

#[cfg(feature = "cloudwatch")]
fn open(cw: &CloudWatchArgs) -> anyhow::Result<Inputs> {
    let q = query(cw)?;
    let (reader, counters) =
        logtriage::source::cloudwatch::open(q).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(Inputs {
        inputs: vec![Input::Stream(reader)],
        missing: Vec::new(),
        counters: Some(counters),
        window: None,
    })
}

/// Shows the events and pages fetched on a progress bar until the returned guard is dropped.
pub fn progress(bar: &indicatif::ProgressBar, counters: &Option<Counters>) -> Option<Ticker> {
    #[cfg(feature = "cloudwatch")]
    {
        use std::sync::atomic::Ordering;
        let c = counters.clone()?;
        let bar = bar.clone();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let s = stop.clone();
        std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                bar.set_message(format!(
                    "{} events, {} pages{}",
                    c.events.load(Ordering::Relaxed),
                    c.pages.load(Ordering::Relaxed),
                    match c.retries.load(Ordering::Relaxed) {
                        0 => String::new(),
                        r => format!(", {r} retries"),
                    }
                ));
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
        });
        Some(Ticker { stop })
    }
    #[cfg(not(feature = "cloudwatch"))]
    {
        let _ = (bar, counters);
        None
    }
}

/// For the subcommands that show no byte progress (`filter`, `mine`, `trace`): a spinner on
/// stderr with the events and pages fetched, while CloudWatch is read and stderr is a
/// terminal (and, with `quiet_stdout`, stdout is not: output lines would tear it). Cleared
/// when dropped.
pub fn fetch_spinner(counters: &Option<Counters>, quiet_stdout: bool) -> Option<Spinner> {
    use std::io::IsTerminal;
    if counters.is_none()
        || !std::io::stderr().is_terminal()
        || (quiet_stdout && std::io::stdout().is_terminal())
    {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg}").expect("valid template"),
    );
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr_with_hz(10));
    bar.enable_steady_tick(std::time::Duration::from_millis(100));
    let ticker = progress(&bar, counters)?;
    Some(Spinner {
        bar,
        _ticker: ticker,
    })
}

/// See [`fetch_spinner`].
pub struct Spinner {
    bar: indicatif::ProgressBar,
    _ticker: Ticker,
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// Stops the progress updates when dropped.
pub struct Ticker {
    #[cfg(feature = "cloudwatch")]
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Drop for Ticker {
    fn drop(&mut self) {
        #[cfg(feature = "cloudwatch")]
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

pub fn run(cmd: CloudwatchCommand) -> anyhow::Result<u8> {
    let CloudwatchCommand::Groups {
        prefix,
        format,
        region,
        profile,
        endpoint_url,
        aws_timeout,
    } = cmd;
    #[cfg(not(feature = "cloudwatch"))]
    {
        let _ = (prefix, format, region, profile, endpoint_url, aws_timeout);
        anyhow::bail!(
            "this logtriage was built without CloudWatch support (cargo feature `cloudwatch`)"
        )
    }
    #[cfg(feature = "cloudwatch")]
    {
        let q = logtriage::source::cloudwatch::Query {
            region,
            profile,
            endpoint_url,
            timeout: std::time::Duration::from_millis(aws_timeout),
            ..Default::default()
        };
        let groups = logtriage::source::cloudwatch::list_groups(&q, prefix.as_deref())
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        use super::args::FormatArg;
        crate::write_output(None, |out, _| match format {
            FormatArg::Json => {
                serde_json::to_writer_pretty(&mut *out, &groups)?;
                writeln!(out)
            }
            FormatArg::Text => {
                let w = groups
                    .iter()
                    .map(|g| g.name.chars().count())
                    .max()
                    .unwrap_or(4)
                    .max(4);
                writeln!(out, "{:<w$}  {:>12}  retention", "name", "stored")?;
                for g in &groups {
                    writeln!(
                        out,
                        "{:<w$}  {:>12}  {}",
                        logtriage::render::sanitize(&g.name),
                        g.stored_bytes
                            .map_or("-".into(), |b| logtriage::render::bytes(b.max(0) as u64)),
                        g.retention_days
                            .map_or("never expires".into(), |d| format!("{d} days"))
                    )?;
                }
                Ok(())
            }
        })?;
        Ok(super::exit::OK)
    }
}
