//! Command-line arguments (clap derive). The library never sees these types: `main` turns them
//! into a [`logtriage::Config`].

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use logtriage::aggregate::latency::{parse_duration_text, Unit};
use logtriage::record::Slot;

/// Structured log triage: recognise documented failure patterns, count what happened, and say
/// what to do about it.
#[derive(Debug, Parser)]
#[command(name = "logtriage", version, about, long_about = None)]
#[command(
    after_help = "Exit codes: 0 done; 1 a finding a caller gates on (--fail-on); \
2 usage, configuration or unreadable input; 130 interrupted."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyse logs: levels, catalog patterns with their fixes, top messages, errors over time.
    Analyze(Box<AnalyzeArgs>),
    /// Inspect and validate pattern catalogs.
    #[command(subcommand)]
    Patterns(PatternsCommand),
    /// One request's timeline: every event of a request id, in time order (exit 1 if none).
    Trace(TraceArgs),
    /// Print the lines that match a CloudWatch Logs filter pattern, like grep (exit 1 if none).
    #[command(
        after_help = "Patterns: terms (ERROR -DEBUG, ?WARN ?ERROR, \"exact phrase\"), %regex%, \
JSON ({ $.level = \"error\" && $.latency_ms > 500 }), space-delimited ([ip, user, ..., status = 5*, bytes]). \
A pattern that starts with '-' goes after '--' or in -e.\n\
Exit codes: 0 something matched; 1 nothing matched; 2 error (invalid pattern, unreadable input); 130 interrupted."
    )]
    Filter(FilterArgs),
    /// Mine message templates: cluster messages into templates with `<*>` for variables.
    Mine(MineArgs),
    /// Merge shard reports (`analyze --format json --mergeable`) into one, as if one run had
    /// read every shard in the order given.
    Merge(MergeArgs),
    /// Gate CI on a baseline: compare logs or a report with a baseline report; exit 1 on a
    /// regression.
    #[command(
        after_help = "Rules (each can be set in logtriage.toml [check] or by flag): error rate, latency percentiles overall and per group, new patterns, patterns whose rate rose, new unknown warn/error templates, malformed share. See docs/CHECK.md for the statistics.\n\
Exit codes: 0 no regression; 1 a regression; 2 error (unreadable input, bad config); 130 interrupted (no verdict)."
    )]
    Check(Box<CheckArgs>),
    /// What changed between two runs (logs or reports): patterns, templates, levels, latency.
    Diff(Box<DiffArgs>),
    /// CloudWatch Logs: list log groups.
    #[command(subcommand)]
    Cloudwatch(CloudwatchCommand),
    /// Live triage: read stdin (`tail -f app.log | logtriage watch`) or follow files like
    /// `tail -F`; alert on catalog patterns, error spikes and new unknown errors.
    #[command(
        after_help = "Exit codes: 0 standard input ended; 2 error (unreadable input); 130 interrupted \
(Ctrl-C prints the final summary first). A closed output pipe ends quietly."
    )]
    Watch(Box<WatchArgs>),
    /// Print a shell completion script (subcommands, flags and their values) to stdout.
    #[command(after_help = "Install it where your shell looks, e.g.:\n  \
bash: logtriage completions bash > ~/.local/share/bash-completion/completions/logtriage\n  \
zsh:  logtriage completions zsh > ~/.zfunc/_logtriage   (with fpath+=(~/.zfunc) before compinit)\n  \
fish: logtriage completions fish > ~/.config/fish/completions/logtriage.fish")]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

impl Command {
    /// The field flags of a command that reads logs, if it has them.
    pub fn field_args(&self) -> Option<&FieldArgs> {
        match self {
            Command::Analyze(a) => Some(&a.fields),
            Command::Trace(t) => Some(&t.fields),
            Command::Check(c) => Some(&c.input.fields),
            Command::Diff(d) => Some(&d.input.fields),
            Command::Watch(w) => Some(&w.fields),
            _ => None,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum CloudwatchCommand {
    /// List log groups with their stored bytes and retention.
    Groups {
        /// Only groups whose name starts with this.
        #[arg(long, value_name = "PREFIX")]
        prefix: Option<String>,
        /// Output format.
        #[arg(long, short = 'f', value_enum, default_value_t = FormatArg::Text)]
        format: FormatArg,
        /// AWS region.
        #[arg(long, value_name = "REGION")]
        region: Option<String>,
        /// AWS profile.
        #[arg(long, value_name = "NAME")]
        profile: Option<String>,
        /// Endpoint URL.
        #[arg(long, value_name = "URL")]
        endpoint_url: Option<String>,
        /// Longest one AWS request may take, retries included.
        #[arg(long, value_name = "DURATION", default_value = "45s", value_parser = parse_duration_ms, allow_hyphen_values = true, hide_short_help = true)]
        aws_timeout: u64,
    },
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Files to follow by name (rotation and truncation are handled); none reads standard
    /// input until it ends.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Read followed files from their start (default: only what is written from now on).
    #[arg(long)]
    pub from_start: bool,
    /// Alert on catalog patterns of this severity or worse.
    #[arg(long, value_enum, default_value_t = SeverityArg::Warn, value_name = "SEVERITY")]
    pub min_severity: SeverityArg,
    /// Write a summary this often (`30s`, `5m`, `500ms`); the final one is always written.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration_ms, allow_hyphen_values = true)]
    pub every: Option<u64>,
    /// Output: aligned text, or NDJSON (one object per alert or summary).
    #[arg(long, short = 'f', value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// When to colour text output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// Messages and templates listed in summaries.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub top: usize,
    /// Add latency to the summaries (as analyze --latency).
    #[arg(long)]
    pub latency: bool,
    /// Lines longer than this are counted as oversize and skipped.
    #[arg(long, default_value = "16MiB", value_name = "BYTES", value_parser = line_bytes_arg)]
    pub max_line_bytes: usize,
    /// Distinct messages counted exactly before the least frequent are dropped (memory bound;
    /// 16 to 67,108,863, a value outside is raised or lowered to the nearest).
    #[arg(
        long,
        default_value_t = 50_000,
        value_name = "N",
        hide_short_help = true
    )]
    pub max_distinct_messages: usize,
    #[command(flatten)]
    pub fields: FieldArgs,
    #[command(flatten)]
    pub catalog: CatalogArgs,
    #[command(flatten)]
    pub cloudwatch: CloudWatchArgs,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Shard reports, in input order (`-` reads one from standard input).
    #[arg(required = true, value_name = "REPORT")]
    pub reports: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = ReportFormatArg::Json)]
    pub format: ReportFormatArg,
    /// Write the merged report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Entries listed (default: as many as the shard reports list).
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
    /// Timeline bucket width (default: chosen from the merged time range).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration_secs, allow_hyphen_values = true)]
    pub bucket: Option<i64>,
    /// When to colour text output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    #[command(flatten)]
    pub catalog: CatalogArgs,
}

/// How `check` and `diff` analyse an input that is logs rather than a report.
#[derive(Debug, Args)]
pub struct InputArgs {
    #[command(flatten)]
    pub catalog: CatalogArgs,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N", value_parser = threads_arg())]
    pub threads: Option<usize>,
    /// Read durations from this field, optionally with its unit (`took:s`).
    #[arg(long, value_name = "NAME[:UNIT]")]
    pub latency_field: Option<String>,
    /// Read log files into buffers instead of through a memory map (as `analyze --no-mmap`).
    #[arg(long)]
    pub no_mmap: bool,
    /// Never show a progress bar (shown on stderr while logs are analysed, when it is a
    /// terminal).
    #[arg(long)]
    pub no_progress: bool,
    #[command(flatten)]
    pub fields: FieldArgs,
    /// Analyse only this part of the logs (not of a report).
    #[command(flatten)]
    pub window: WindowArgs,
}

/// Which field each well-known slot is read from, when not one of the usual aliases.
#[derive(Debug, Args, Default)]
pub struct FieldArgs {
    /// Read the event time from this field (dotted path) instead of the usual aliases.
    #[arg(long, value_name = "PATH")]
    pub time_field: Option<String>,
    /// Read the level from this field.
    #[arg(long, value_name = "PATH")]
    pub level_field: Option<String>,
    /// Read the message from this field.
    #[arg(long, value_name = "PATH")]
    pub message_field: Option<String>,
    /// Read the request id (what groups a trace) from this field.
    #[arg(long, visible_alias = "trace-field", value_name = "PATH")]
    pub request_id_field: Option<String>,
    /// Read the error text from this field.
    #[arg(long, value_name = "PATH")]
    pub error_field: Option<String>,
    /// Read the service name from this field.
    #[arg(long, value_name = "PATH")]
    pub service_field: Option<String>,
    /// Year of syslog times (`Jun 14 15:16:01` has none); default: this year, or last year for
    /// a date more than a day ahead.
    #[arg(long, value_name = "YEAR", value_parser = clap::value_parser!(u16).range(1..=9999))]
    pub syslog_year: Option<u16>,
}

impl FieldArgs {
    /// The overrides given, as (slot, path).
    pub fn overrides(&self) -> Vec<(Slot, String)> {
        [
            (Slot::Time, &self.time_field),
            (Slot::Level, &self.level_field),
            (Slot::Message, &self.message_field),
            (Slot::RequestId, &self.request_id_field),
            (Slot::Error, &self.error_field),
            (Slot::Service, &self.service_field),
        ]
        .into_iter()
        .filter_map(|(slot, path)| path.clone().map(|p| (slot, p)))
        .collect()
    }

    /// Makes the settings that hold for the whole process: the year of syslog times.
    pub fn apply_globally(&self) {
        if let Some(year) = self.syslog_year {
            logtriage::record::time::assume_syslog_year(i64::from(year));
        }
    }

    /// Sets the overrides given in `overrides`, replacing any for the same slots.
    pub fn apply(&self, overrides: &mut Vec<(Slot, String)>) {
        for (slot, path) in self.overrides() {
            overrides.retain(|(s, _)| *s != slot);
            overrides.push((slot, path));
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormatArg {
    /// Aligned text for people.
    Text,
    /// GitHub-flavoured Markdown (a step summary or PR comment).
    Markdown,
    /// JUnit XML, one test case per rule.
    Junit,
    /// JSON (schema logtriage.check/v1).
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormatArg {
    /// Aligned text for people.
    Text,
    /// GitHub-flavoured Markdown.
    Markdown,
    /// JSON (schema logtriage.diff/v1).
    Json,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The baseline report (`analyze --format json`).
    #[arg(long, short = 'b', value_name = "REPORT")]
    pub baseline: PathBuf,
    /// Logs (files, directories, `-`), or one report.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = CheckFormatArg::Text)]
    pub format: CheckFormatArg,
    /// Write the result to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Rules file (default: ./logtriage.toml if it exists; its [check] table).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Significance level of the statistical tests (one-sided).
    #[arg(long, value_name = "P")]
    pub alpha: Option<f64>,
    /// Error rate: smallest absolute increase that can fail (a share: 0.001 = 0.1 points).
    #[arg(long, value_name = "SHARE")]
    pub max_error_rate_increase: Option<f64>,
    /// Error rate: smallest relative increase that can fail (0.25 = +25%).
    #[arg(long, value_name = "RATIO")]
    pub max_error_rate_ratio: Option<f64>,
    /// Latency: smallest relative percentile increase that can fail (0.2 = +20%).
    #[arg(long, value_name = "RATIO")]
    pub max_latency_increase: Option<f64>,
    /// Latency: events a group needs in both runs to be compared.
    #[arg(long, value_name = "N")]
    pub min_samples: Option<u64>,
    /// New patterns at this severity or worse fail (when their count is significant).
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub new_pattern_severity: Option<SeverityArg>,
    /// Patterns whose rate rose by more than this factor fail (when significant).
    #[arg(long, value_name = "FACTOR")]
    pub max_pattern_rate_ratio: Option<f64>,
    /// Malformed share: smallest absolute increase that can fail.
    #[arg(long, value_name = "SHARE")]
    pub max_malformed_increase: Option<f64>,
    /// When to colour text output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier run: logs or a report.
    #[arg(value_name = "A")]
    pub a: PathBuf,
    /// The later run: logs or a report.
    #[arg(value_name = "B")]
    pub b: PathBuf,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = DiffFormatArg::Text)]
    pub format: DiffFormatArg,
    /// Write the comparison to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Rows listed per section.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub top: usize,
    /// When to colour text output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, Args)]
pub struct MineArgs {
    /// Log files or directories; `-` or nothing reads standard input.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Mine whole lines, headers included, instead of the message (of a plain-text line: what
    /// follows its time, level and logger).
    #[arg(long, conflicts_with = "field")]
    pub text: bool,
    /// Mine this field (dotted path) of structured events instead of the message.
    #[arg(long, value_name = "NAME")]
    pub field: Option<String>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// Write the templates to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Templates listed in the text output (JSON lists all).
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub top: usize,
    /// Write `line,template_id,template` for every input line to FILE (CSV, input order).
    #[arg(long, value_name = "FILE")]
    pub assignments: Option<PathBuf>,
    /// When to colour text output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// Live clusters kept at most; past it the least recently used is retired.
    #[arg(long, default_value_t = 50_000, value_name = "N")]
    pub max_clusters: usize,
    /// Clusters kept for the report, live and retired; past it the rarest retired ones are
    /// folded into one count (this bounds memory on input with no repeated shape).
    #[arg(long, default_value_t = 100_000, value_name = "N")]
    pub max_templates: usize,
    /// Lines longer than this are skipped.
    #[arg(long, default_value = "16MiB", value_name = "BYTES", value_parser = line_bytes_arg)]
    pub max_line_bytes: usize,
    /// Read files into buffers instead of through a memory map (the map saves a copy of every
    /// byte; without it, a file cut short while it is read is read up to the cut).
    #[arg(long)]
    pub no_mmap: bool,
    /// Never show a progress bar (shown on stderr when it is a terminal and the format is
    /// text).
    #[arg(long)]
    pub no_progress: bool,
    /// Similarity needed to join a cluster (tuning and experiments; the default is the one
    /// generic setting).
    #[arg(long, value_name = "0..1", hide_short_help = true)]
    pub similarity: Option<f64>,
    #[command(flatten)]
    pub cloudwatch: CloudWatchArgs,
}

#[derive(Debug, Args)]
pub struct FilterArgs {
    /// The pattern (unless -e gives it), then log files or directories; `-` or no path reads
    /// standard input.
    #[arg(value_name = "PATTERN] [PATH")]
    pub args: Vec<String>,
    /// The pattern, for one that starts with `-` (like grep -e).
    #[arg(
        short = 'e',
        long = "regexp",
        value_name = "PATTERN",
        allow_hyphen_values = true
    )]
    pub pattern: Option<String>,
    /// Print only the number of selected lines: one total, or with -H one `name:count` line
    /// per input.
    #[arg(short = 'c', long)]
    pub count: bool,
    /// Select the lines that do not match.
    #[arg(short = 'v', long)]
    pub invert_match: bool,
    /// Start each line with its file's name and a colon (the default when several files are
    /// read, as with grep).
    #[arg(short = 'H', long, conflicts_with = "no_filename")]
    pub with_filename: bool,
    /// Never start lines with their file's name.
    #[arg(long)]
    pub no_filename: bool,
    /// Output: the lines unchanged (`text`), or one JSON object per selected line (`json`).
    #[arg(long, short = 'f', value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N", value_parser = threads_arg())]
    pub threads: Option<usize>,
    /// Lines longer than this are skipped (and counted on stderr).
    #[arg(long, default_value = "16MiB", value_name = "BYTES", value_parser = line_bytes_arg)]
    pub max_line_bytes: usize,
    /// Largest decompressed size accepted from one gzip input.
    #[arg(long, default_value = "64GiB", value_name = "BYTES", value_parser = parse_bytes)]
    pub max_decompressed_bytes: u64,
    /// Read files into buffers instead of through a memory map (the map saves a copy of every
    /// byte; without it, a file cut short while it is read is read up to the cut).
    #[arg(long)]
    pub no_mmap: bool,
    /// Bytes per parallel work unit (tuning and tests).
    #[arg(long, default_value = "1MiB", value_name = "BYTES", hide_short_help = true,
          value_parser = chunk_size_arg)]
    pub chunk_size: usize,
    #[command(flatten)]
    pub cloudwatch: CloudWatchArgs,
}

#[derive(Debug, Args)]
pub struct TraceArgs {
    /// The request id (matched exactly against the request-id field of structured events;
    /// plain-text lines match when they contain it).
    pub id: String,
    /// Log files or directories; `-` or nothing reads standard input.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format (`json`: one object with the events).
    #[arg(long, short = 'f', value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// Write the timeline to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// List at most N events, the earliest; the rest are counted (`omitted`). Memory stays
    /// bounded when an id matches far more lines than a request has.
    #[arg(long, default_value_t = logtriage::trace::DEFAULT_MAX_EVENTS, value_name = "N",
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub max_events: usize,
    /// When to colour text output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    #[command(flatten)]
    pub fields: FieldArgs,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N", value_parser = threads_arg())]
    pub threads: Option<usize>,
    /// Lines longer than this are skipped by the reader.
    #[arg(long, default_value = "16MiB", value_name = "BYTES", value_parser = line_bytes_arg)]
    pub max_line_bytes: usize,
    /// Read files into buffers instead of through a memory map (the map saves a copy of every
    /// byte; without it, a file cut short while it is read is read up to the cut).
    #[arg(long)]
    pub no_mmap: bool,
    #[command(flatten)]
    pub cloudwatch: CloudWatchArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormatArg {
    /// Aligned text for people.
    Text,
    /// The versioned JSON report.
    Json,
    /// One self-contained HTML page (inline CSS, script and SVG; no network).
    Html,
    /// GitHub-flavoured Markdown, for a ticket, a pull-request comment or a chat message.
    #[value(alias = "md")]
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Aligned text for people.
    Text,
    /// The versioned JSON report.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// Colour when the output is a terminal and NO_COLOR is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeverityArg {
    Info,
    Warn,
    Error,
    Critical,
}

/// CloudWatch Logs as the input (instead of paths).
#[derive(Debug, Args, Default, Clone)]
#[command(next_help_heading = "CloudWatch Logs")]
pub struct CloudWatchArgs {
    /// Read this log group (repeatable) instead of files.
    #[arg(long = "log-group", value_name = "NAME", value_parser = log_group_arg)]
    pub log_groups: Vec<String>,
    /// Only these log streams (comma-separated).
    #[arg(
        long,
        value_name = "A,B",
        value_delimiter = ',',
        conflicts_with = "log_stream_name_prefix"
    )]
    pub log_stream_names: Vec<String>,
    /// Only log streams whose name starts with this.
    #[arg(long, value_name = "PREFIX")]
    pub log_stream_name_prefix: Option<String>,
    #[command(flatten)]
    pub window: WindowArgs,
    /// A CloudWatch filter pattern, sent to the server and applied again locally.
    #[arg(long, value_name = "PATTERN", allow_hyphen_values = true)]
    pub filter_pattern: Option<String>,
    /// Keep polling for new events (stop with Ctrl-C).
    #[arg(long)]
    pub follow: bool,
    /// Time between polls with --follow.
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_duration_ms, allow_hyphen_values = true, hide_short_help = true)]
    pub poll_interval: u64,
    /// AWS region (default: AWS_REGION, then the profile's).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// AWS profile (default: AWS_PROFILE, then `default`).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Endpoint URL (a VPC endpoint, an emulator).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Longest one AWS request may take, retries included.
    #[arg(long, value_name = "DURATION", default_value = "45s", value_parser = parse_duration_ms, allow_hyphen_values = true, hide_short_help = true)]
    pub aws_timeout: u64,
}

/// `--since`, `--until`, `--last`: which part of the logs a run reads.
#[derive(Clone, Debug, Args, Default)]
pub struct WindowArgs {
    /// From this time: relative (`10m`, `2h`, `7d` ago) or absolute (`2026-02-06T14:00:00Z`,
    /// `2026-02-06 14:00`, `2026-02-06`; UTC unless a zone is given). With files or stdin, the
    /// lines whose own timestamp is in the window are kept (a line without one goes with the
    /// line before it) and the rest counted; with --log-group (on the commands that take it)
    /// the service selects events by their time (default: all, or 10m with --follow).
    #[arg(long, value_name = "TIME", help_heading = "Time window")]
    pub since: Option<String>,
    /// Until this time (exclusive): relative or absolute, as --since.
    #[arg(long, value_name = "TIME", help_heading = "Time window")]
    pub until: Option<String>,
    /// The final DURATION of the log (`15m`, `2h`): the lines from DURATION before its newest
    /// timestamp (read from the end of each file, up to 64 MiB back; gzip is decompressed
    /// twice), or before --until, onwards. With --log-group the end is now. Not for standard
    /// input.
    #[arg(
        long,
        value_name = "DURATION",
        value_parser = parse_duration_ms,
        conflicts_with = "since",
        help_heading = "Time window"
    )]
    pub last: Option<u64>,
}

impl WindowArgs {
    /// Whether any of the three was given.
    pub fn is_set(&self) -> bool {
        self.since.is_some() || self.until.is_some() || self.last.is_some()
    }
}

#[derive(Debug, Args)]
pub struct CatalogArgs {
    /// Add a user catalog: a TOML file or a directory of them (repeatable).
    #[arg(long = "patterns", value_name = "PATH")]
    pub patterns: Vec<PathBuf>,
    /// Do not load the built-in catalog.
    #[arg(long)]
    pub no_builtin: bool,
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Log files or directories (recursive); `-` or nothing reads standard input. gzip is
    /// detected by content.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Output format (`html`: one self-contained page, best with --output).
    #[arg(long, short = 'f', value_enum, default_value_t = ReportFormatArg::Text)]
    pub format: ReportFormatArg,

    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// When to colour text output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,

    /// Messages listed in the report.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub top: usize,

    /// Timeline bucket width (`30s`, `1m`, `1h`, `1d`); default: chosen from the time range.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration_secs, allow_hyphen_values = true)]
    pub bucket: Option<i64>,

    /// Add latency percentiles (overall and per service, caller, route, pattern, message), the
    /// slowest events and outliers. Opt-in for now: it costs about a third more time.
    #[arg(long)]
    pub latency: bool,

    /// Read durations from this field, optionally with its unit (`took:s`, `elapsed:us`);
    /// default: the usual aliases, unit from the name's suffix, else ms.
    #[arg(long, value_name = "NAME[:UNIT]")]
    pub latency_field: Option<String>,

    /// Also group latency by this field (repeatable).
    #[arg(long, value_name = "FIELD")]
    pub latency_by: Vec<String>,

    /// List every event slower than this (`500ms`, `1.5s`; a bare number is milliseconds;
    /// implies --latency).
    #[arg(long, value_name = "DURATION", value_parser = parse_threshold_ms)]
    pub slow: Option<f64>,

    /// Group events into request traces by request id. Opt-in for now, like --latency.
    #[arg(long)]
    pub traces: bool,

    /// A trace ends after this much event time without an event of it (default 5m).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration_secs, allow_hyphen_values = true, default_value = "5m")]
    pub trace_idle: i64,

    /// Most request traces open at once: past it, the oldest half are finished early and
    /// counted as evicted (memory: about 250 bytes an open trace).
    #[arg(
        long,
        value_name = "N",
        default_value_t = logtriage::aggregate::requests::DEFAULT_MAX_OPEN as u64,
        value_parser = clap::value_parser!(u64).range(1..),
        hide_short_help = true
    )]
    pub max_open_traces: u64,

    /// Analyse only the lines that match this CloudWatch Logs filter pattern (see
    /// `logtriage filter --help`).
    #[arg(long, value_name = "PATTERN", allow_hyphen_values = true)]
    pub filter: Option<String>,

    /// Exit with 1 if a pattern of this severity or worse matched.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<SeverityArg>,

    /// Add the merge state to a JSON report, so `logtriage merge` can combine shard reports
    /// exactly (larger output: the top messages, latency sketches, boundary traces).
    #[arg(long)]
    pub mergeable: bool,

    #[command(flatten)]
    pub catalog: CatalogArgs,

    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N", value_parser = threads_arg())]
    pub threads: Option<usize>,

    /// Lines longer than this are counted as oversize and skipped.
    #[arg(long, default_value = "16MiB", value_name = "BYTES", value_parser = line_bytes_arg)]
    pub max_line_bytes: usize,

    /// Largest decompressed size accepted from one gzip input.
    #[arg(long, default_value = "64GiB", value_name = "BYTES", value_parser = parse_bytes)]
    pub max_decompressed_bytes: u64,
    /// Read files into buffers instead of through a memory map (the map saves a copy of every
    /// byte; without it, a file cut short while it is read is read up to the cut).
    #[arg(long)]
    pub no_mmap: bool,

    /// Bytes per parallel work unit (tuning and tests).
    #[arg(long, default_value = "2MiB", value_name = "BYTES", hide_short_help = true,
          value_parser = chunk_size_arg)]
    pub chunk_size: usize,

    /// Distinct messages counted exactly per worker before the least frequent are dropped
    /// (16 to 67,108,863; a value outside is raised or lowered to the nearest).
    #[arg(
        long,
        default_value_t = 200_000,
        value_name = "N",
        hide_short_help = true
    )]
    pub max_distinct_messages: usize,

    #[command(flatten)]
    pub fields: FieldArgs,

    /// Never show a progress bar.
    #[arg(long)]
    pub no_progress: bool,

    #[command(flatten)]
    pub cloudwatch: CloudWatchArgs,
}

#[derive(Debug, Subcommand)]
pub enum PatternsCommand {
    /// List the patterns of the catalog.
    List {
        /// Output format (`json`: an array, one object per pattern).
        #[arg(long, short = 'f', value_enum, default_value_t = FormatArg::Text)]
        format: FormatArg,
        #[command(flatten)]
        catalog: CatalogArgs,
    },
    /// Show one pattern: what it means, causes, action, how it matches, examples.
    Show {
        /// Pattern id.
        id: String,
        #[command(flatten)]
        catalog: CatalogArgs,
    },
    /// Validate catalog files: schema, regexes, field conditions, and every example.
    Check {
        /// Catalog files or directories.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Write catalog stubs (TOML) for the most important templates no pattern matches.
    Suggest {
        /// Log files or directories; `-` or nothing reads standard input.
        #[arg(value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Stubs written at most.
        #[arg(long, default_value_t = 10, value_name = "N")]
        top: usize,
        /// Write the stubs to FILE instead of standard output.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
        #[command(flatten)]
        catalog: CatalogArgs,
    },
}

/// `--threads`: 1 to 1024 (more threads than that only cost memory and start-up time).
fn threads_arg() -> clap::builder::RangedU64ValueParser<usize> {
    clap::builder::RangedU64ValueParser::new().range(1..=1024)
}

/// `--chunk-size`: 1 byte (tests) to 1 GiB; several chunks are in flight at once.
fn chunk_size_arg(s: &str) -> Result<usize, String> {
    match parse_bytes(s)? {
        0 => Err(format!("{s:?} is not a chunk size (at least 1 byte)")),
        n if n > 1 << 30 => Err(format!("chunk size {s:?} is over 1GiB")),
        n => Ok(n as usize),
    }
}

/// `--max-line-bytes`: at least one byte.
fn line_bytes_arg(s: &str) -> Result<usize, String> {
    match parse_bytes(s)? {
        0 => Err(format!("{s:?} is not a line length (at least 1 byte)")),
        n => Ok(usize::try_from(n).unwrap_or(usize::MAX)),
    }
}

/// A log group name as CloudWatch Logs allows it: 1 to 512 of `A-Z a-z 0-9 _ - / . #`. Checked
/// here, so that a typo (an empty name, a stray space) is one clear line before any request.
pub fn log_group_arg(s: &str) -> Result<String, String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_-/.#".contains(c);
    if s.is_empty() {
        return Err("empty log group name".into());
    }
    if s.len() > 512 {
        return Err(format!(
            "a log group name is at most 512 characters ({} given)",
            s.len()
        ));
    }
    match s.chars().find(|&c| !allowed(c)) {
        Some(c) => Err(format!(
            "{c:?} cannot be in a log group name (A-Z a-z 0-9 _ - / . # only)"
        )),
        None => Ok(s.to_string()),
    }
}

/// Parses a byte count: `4096`, `64K`/`64KiB` (×1024), `64KB` (×1000), and the same with `M`,
/// `G`, `T`; case-insensitive, an optional space before the unit. Bare `K`, `M`, `G`, `T` are
/// binary, as in `dd`, `ripgrep` and `sort -S`.
pub fn parse_bytes(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = (&t[..split], t[split..].trim_start());
    let examples = "examples: 65536, 64KiB, 16MiB, 2GB";
    if num.is_empty() {
        return Err(format!("invalid size {s:?} ({examples})"));
    }
    let mult: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "t" | "tib" => 1 << 40,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        u if u.starts_with(['.', ',']) => {
            return Err(format!(
                "invalid size {s:?}: whole numbers only ({examples})"
            ))
        }
        _ => return Err(format!("invalid size unit in {s:?} ({examples})")),
    };
    num.parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| format!("size too large: {s:?}"))
}

/// Longest duration accepted: 100 years, in seconds (a longer one is a typo, and µs
/// arithmetic on it would overflow).
pub const MAX_DURATION_SECS: i64 = 100 * 366 * 86_400;

/// The one duration grammar of every flag: `500ms`, `30s`, `1.5s`, `5m`, `2min`, `1m30s`,
/// `2h45m`, `1d`, `350us`; a bare number is in `bare` units. Returns milliseconds: positive,
/// at most 100 years.
pub fn parse_duration(s: &str, bare: Unit) -> Result<f64, String> {
    let t = s.trim();
    let examples = "examples: 500ms, 30s, 1m30s, 2h, 1d";
    if t.starts_with('-') {
        return Err(format!("duration must be positive: {s:?}"));
    }
    let ms = match t.strip_suffix('d') {
        Some(days) if !days.is_empty() && days.bytes().all(|b| b.is_ascii_digit() || b == b'.') => {
            days.parse::<f64>().ok().map(|d| d * 86_400_000.0)
        }
        _ => parse_duration_text(t, bare),
    }
    .ok_or_else(|| format!("invalid duration {s:?} ({examples})"))?;
    if ms.is_nan() || ms <= 0.0 {
        return Err(format!("duration must be positive: {s:?}"));
    }
    if ms > MAX_DURATION_SECS as f64 * 1000.0 {
        return Err(format!("duration too long: {s:?} (at most 100 years)"));
    }
    Ok(ms)
}

/// A duration in whole milliseconds (a bare number is seconds): `--every`, `--poll-interval`,
/// `--aws-timeout`.
pub fn parse_duration_ms(s: &str) -> Result<u64, String> {
    let ms = parse_duration(s, Unit::S)?;
    if ms < 1.0 {
        return Err(format!("duration too short: {s:?} (at least 1ms)"));
    }
    Ok(ms.round() as u64)
}

/// A duration in whole seconds (a bare number is seconds): `--bucket`, `--trace-idle`.
pub fn parse_duration_secs(s: &str) -> Result<i64, String> {
    let ms = parse_duration(s, Unit::S)?;
    let secs = (ms / 1000.0).round();
    // `4.1m` is 246 s, whatever the binary fraction makes of 4.1 × 60,000.
    if (ms - secs * 1000.0).abs() > 1e-6 * ms.max(1.0) || secs < 1.0 {
        return Err(format!(
            "{s:?} is not a whole number of seconds (examples: 30s, 1m30s, 1h)"
        ));
    }
    Ok(secs as i64)
}

/// `--slow`: a latency threshold in milliseconds (a bare number is milliseconds, like the
/// `duration_ms` fields it is compared with).
pub fn parse_threshold_ms(s: &str) -> Result<f64, String> {
    parse_duration(s, Unit::Ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_sizes() {
        assert_eq!(parse_bytes("4096"), Ok(4096));
        assert_eq!(parse_bytes("64K"), Ok(64 << 10));
        assert_eq!(parse_bytes("64kib"), Ok(64 << 10));
        assert_eq!(parse_bytes("16MiB"), Ok(16 << 20));
        assert_eq!(parse_bytes("16 MiB"), Ok(16 << 20));
        assert_eq!(parse_bytes("2GB"), Ok(2_000_000_000));
        assert_eq!(parse_bytes("64GiB"), Ok(64 << 30));
        assert_eq!(parse_bytes("7b"), Ok(7));
        for bad in [
            "",
            "MiB",
            "1.5MiB",
            "-1",
            "12 furlongs",
            "99999999999999999999",
        ] {
            assert!(parse_bytes(bad).is_err(), "{bad:?}");
        }
        assert!(parse_bytes("20000000T").is_err(), "overflow is refused");
        assert_eq!(chunk_size_arg("1GiB"), Ok(1 << 30));
        assert!(chunk_size_arg("0").is_err());
        assert!(chunk_size_arg("2GiB").is_err());
        assert!(line_bytes_arg("0").is_err());
    }

    #[test]
    fn log_group_names() {
        for good in ["/aws/ecs/agent", "app_1.prod#blue", &"a".repeat(512)] {
            assert_eq!(log_group_arg(good).as_deref(), Ok(good));
        }
        for bad in [
            "",
            " /app",
            "/app ",
            "/app\n",
            "/äpp",
            "arn:aws:logs:x",
            &"a".repeat(513),
        ] {
            assert!(log_group_arg(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration_secs("90"), Ok(90));
        assert_eq!(parse_duration_secs("1m"), Ok(60));
        assert_eq!(parse_duration_secs("2h"), Ok(7200));
        assert!(parse_duration_secs("0s").is_err());
        assert!(parse_duration_secs("5y").is_err());
        assert!(parse_duration_secs("m").is_err());
        assert_eq!(parse_duration_ms("250ms"), Ok(250));
        assert_eq!(parse_duration_ms("2s"), Ok(2000));
        assert!(parse_duration_ms("0ms").is_err());
        assert!(parse_duration_secs("288230376151711744s").is_err());
        assert!(parse_duration_secs("18014398509481984d").is_err());
        assert!(parse_duration_secs("9223372036854775807s").is_err());
        assert_eq!(parse_duration_secs("36500d"), Ok(36_500 * 86_400));
        assert!(parse_duration_secs("1.5s")
            .unwrap_err()
            .contains("whole number of seconds"));
        assert!(parse_duration_secs("500ms").is_err());
        assert!(parse_duration_secs("-5m").unwrap_err().contains("positive"));
        assert!(parse_duration_ms("-500ms")
            .unwrap_err()
            .contains("positive"));
        // One grammar for every flag: compound, fractional, `min`, days.
        assert_eq!(parse_duration_secs("1m30s"), Ok(90));
        assert_eq!(parse_duration_secs("1.5m"), Ok(90));
        assert_eq!(parse_duration_secs("2min"), Ok(120));
        assert_eq!(parse_duration_secs("1d"), Ok(86_400));
        assert_eq!(parse_duration_secs("4.1m"), Ok(246));
        assert_eq!(parse_duration_secs("1.1h"), Ok(3960));
        assert_eq!(parse_duration_ms("1.5s"), Ok(1500));
        assert_eq!(parse_duration_ms("1m30s"), Ok(90_000));
        assert_eq!(parse_duration_ms("90"), Ok(90_000), "bare: seconds");
        assert!(parse_duration_ms("10us").is_err(), "under a millisecond");
        assert_eq!(parse_threshold_ms("10"), Ok(10.0), "bare: milliseconds");
        assert_eq!(parse_threshold_ms("1.5s"), Ok(1500.0));
        assert_eq!(parse_threshold_ms("350us"), Ok(0.35));
        assert_eq!(parse_threshold_ms("1d"), Ok(86_400_000.0));
        for bad in ["", "d", "1y", "1.5.5s", "s10", "NaN", "inf", "1e400"] {
            assert!(parse_threshold_ms(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn cli_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
