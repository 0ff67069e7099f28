//! Plain text lines: the header a logger writes before the message, taken apart.
//!
//! - **Time**, leading the line bare or in brackets: RFC 3339 and its variants, Go's
//!   `2026/02/06 10:00:00`, syslog's `Jun 14 15:16:01`, C's `ctime` (Apache's error log), log4j's
//!   two-digit-year dates (Spark, old Hadoop); or an access log's bracketed Common Log Format time
//!   after the client's address (`10.0.0.1 - - [06/Feb/2026:10:00:00 +0000] "GET / HTTP/1.1" 200
//!   512`), whose level is its status's (5xx error, 4xx warn, others info) and whose message is
//!   the request and status (`"GET / HTTP/1.1" 200`); Traefik's, which ends with `42
//!   "router@docker" "http://…" 12ms`, gives its duration and router (the service) too.
//! - **Level**: an upper-case word (`ERROR`, `WARN`, `INFO:`) or a bracketed word in any case
//!   (`[warn]`, `<error>`). In the header it is taken off the message; otherwise the first one
//!   near the start of the line counts and stays in the message, so that `no ERROR found` deep
//!   in a message does not make a line an error.
//! - Around the level, what log4j, logback, Python and syslog put there, taken off the message:
//!   a pid or thread before it (`148 INFO`, `[7] [INFO]`, `[main] INFO`), a bracketed thread
//!   after it when a logger or ` - ` follows (`INFO [main] org.example.App: …`), the **logger**
//!   (a dotted Java-style name before `: ` or ` - `, or Python's `WARNING:root:`), and syslog's
//!   `host program[pid]: ` (the program is the logger); Python's cookbook format (`<time> -
//!   app.db - ERROR - …`, the logger before the level) and Spring Boot's (`<time>  INFO 4242 ---
//!   [main] c.e.App   : …`, a pid and `---` after the level, a padded logger).
//! - A container runtime's prefix (Kubernetes' CRI format, `<time> stdout F `) or a second
//!   leading time: the application's line follows and is read as above.
//! - Rust's env_logger: `[2026-02-06T10:00:00Z ERROR my_app::db] msg`, the module path the
//!   logger; Celery's `[2026-02-06 10:00:00,123: ERROR/MainProcess] msg`, a task's name the
//!   logger, its id the request id, the worker's `succeeded in 0.25s` the duration.
//! - Ruby's Logger (Rails): `E, [2026-02-06T10:00:00.123456 #1234] ERROR -- progname: msg`, the
//!   progname the logger, Rails' `[<uuid>]` request id tag the request id, `Completed … in 12ms`
//!   the duration; PHP's Monolog: `[2026-02-06 10:00:01] channel.ERROR: msg`, the channel the
//!   logger; Redis: `1:M 06 Feb 2026 10:00:03.123 # msg`, the mark after the time the level.
//! - .NET's console logger: `info: Category[EventId]`, the label the level, the category the
//!   logger; the message is on the next line ([`continued_message`]) or, with `SingleLine`,
//!   after the header.
//! - Heroku's source after the time (`app[web.1]: `, `heroku[router]: `): the dyno the service;
//!   the platform's `Error R14 (…)` an error. (Its JSON and router lines are events: see
//!   [`Parser`](super::Parser).)
//! - Spring's trace context, header too: Sleuth's and Micrometer's `[app,trace,span]` after the
//!   level (before the pid and `---`), Spring Boot 3.2's `[trace-span]` before the logger; the
//!   trace id is the request id.
//! - AWS Lambda, bare or after `aws logs tail`'s time and log stream: the runtimes'
//!   `<time>\t<request id>\tLEVEL\t` (Node.js; .NET's lower-case labels) and Python's
//!   `[LEVEL]\t<time>\t<request id>\t`; the platform's `START`/`END`/`REPORT RequestId: <id>`
//!   (the whole line the message, `REPORT`'s `Duration:` the duration); its timeout (`<id> Task
//!   timed out after 3.00 seconds`) and `RequestId: <id> Error: …` (the runtime's exit) are
//!   errors.
//! - nginx's error log: the worker's `pid#tid:` and the connection's `*number` after the level;
//!   Sidekiq's `key=value` context words before the level (kept in the line, where a request id
//!   and a duration are looked up; a job's `class` is the service, its `jid` the request id and
//!   its `elapsed` seconds).
//! - An Application Load Balancer's access log entry (`https 2026-02-06T10:00:00.123456Z
//!   app/…`): the load balancer's status the level, the request the message,
//!   the target's processing time (seconds) the duration, the target group the service, the
//!   trace id's `Root=` the request id.
//! - HAProxy's HTTP log (`client:port [accept_date] frontend backend/server TR/Tw/Tc/Tr/Ta status
//!   …  "request"`), through syslog, alone or after a container runtime's time: the accept date
//!   the time, the status's level the level, the request the message, the total time `Ta` (ms)
//!   the duration, the backend the service; its TCP log's time, backend and a level from its
//!   termination state.
//! - Envoy's and Istio's access logs after their bracketed start time (`"GET /path HTTP/1.1"
//!   200 - … 0 4312 48 46 "xff" "agent" "x-request-id" "authority" …`): the status's level, the
//!   request the message, the duration, the `x-request-id` the request id, the authority the
//!   service.
//! - PostgreSQL's server log after its time (`%m [%p] `, Debian's `[pid] user@db `, Amazon RDS's
//!   `:client:user@db:[pid]:`): the severity before `:  ` the level (`LOG` info), the database
//!   the service, a `LOG`'s `duration: 12.3 ms` the statement's duration; `DETAIL:`, `HINT:`,
//!   `STATEMENT:` … lines keep their label and have no level.
//! - Kubernetes' components (klog, Go's glog): `E0206 10:00:01.000000   12345 server.go:42] msg`,
//!   the first letter the level.
//! - A syslog priority (`<11>`): an RFC 5424 line is read whole (time, app name as the service,
//!   the message after the structured data; the priority's severity is the level); before an
//!   RFC 3164 line it gives the level when the line has no level word.
//! - IBM Blue Gene/L's RAS log (Loghub's BGL), whose header is particular to it: epoch seconds,
//!   dates, nodes, type, component (the service) and level.
//! - **Message**: the rest, trimmed.
//!
//! On Loghub's eight development logs the message is the labelled `Content` for every line of
//! Apache, BGL, HDFS, Hadoop, OpenSSH and Zookeeper, and all but a few of Linux and Spark (see
//! `scripts/eval_loghub.py --raw`).

use super::fields::Slot;
use super::{time, Fields, Raw};

/// How far into a line a level word is looked for.
const LEVEL_WINDOW: usize = 96;

/// How far into a line the bracketed time of an access log is looked for.
const CLF_WINDOW: usize = 320;

/// Where a text line's timestamp is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineTime {
    /// The time, µs since the epoch.
    pub time_us: i64,
    /// Its bytes in the line (without brackets).
    pub start: usize,
    /// End of its bytes.
    pub end: usize,
    /// Where the message starts: after a leading time and its brackets; 0 for an access log's
    /// time, which is not a prefix.
    pub skip: usize,
}

/// What the header of a plain-text line says (see the module docs): each part when present.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Header<'a> {
    /// The timestamp.
    pub time: Option<LineTime>,
    /// The level word, as written (`WARN`, `notice`), or the level the header implies: an
    /// access log status's, klog's letter's, a .NET Lambda label's, Lambda's platform failures'
    /// (`ERROR`).
    pub level: Option<&'a [u8]>,
    /// The logger (`executor.Executor`) or syslog program (`sshd`).
    pub service: Option<&'a [u8]>,
    /// The source file and line (`server.go:42`) of klog's header, or after the level (zap's
    /// console encoder).
    pub caller: Option<&'a [u8]>,
    /// What the line says once the header is taken off, trimmed; `None` when nothing is left.
    pub message: Option<&'a [u8]>,
    /// A request or trace id the header carries: Spring's trace id (Sleuth's and Micrometer's
    /// `[app,trace,span]`, Spring Boot 3.2's `[trace-span]`), Celery's task id, Sidekiq's job
    /// id, AWS Lambda's request id.
    pub request_id: Option<&'a [u8]>,
    /// The duration the line reports: with its unit as written (`0.25s`: Celery's `Task …
    /// succeeded in 0.25s`), or a bare number of milliseconds (Lambda's `REPORT … Duration:
    /// 512.34 ms`), or a bare number of seconds with [`Header::duration_in_seconds`].
    pub duration: Option<&'a [u8]>,
    /// The duration is a bare number of seconds (an Application Load Balancer's
    /// `target_processing_time`): its slot is set with the priority [`SECONDS`].
    pub duration_in_seconds: bool,
    /// The message is one part of the line (a load balancer's or proxy's request: ALB's,
    /// HAProxy's, Envoy's), not all that the catalog's patterns read: inside a structured
    /// event's message they read the whole line, as they do a text line.
    pub whole_line: bool,
    /// The message is on the next line: .NET's console logger writes `info: Category[0]` alone
    /// and its message below, indented by six spaces. The header's parts belong to that line's
    /// event ([`continued_message`]); this line is no event of its own.
    pub message_below: bool,
}

/// The priority a header's duration slot is set with when the duration is a bare number of
/// seconds ([`Header::duration_in_seconds`]); a bare number at any other priority a header set
/// is in milliseconds.
pub const SECONDS: u16 = u16::MAX;

/// Fills the time, level, service, caller, message, duration and (with `ids`) request id slots
/// of a text line, when its header has them.
pub fn parse<'a>(line: &'a [u8], out: &mut Fields<'a>, ids: bool) {
    let h = header(line);
    if h.message_below {
        // Only the time: the line's place in time (a window, `--last`) is the event's.
        let time = Header {
            time: h.time,
            ..Header::default()
        };
        fill(line, &time, out, false);
        return;
    }
    fill(line, &h, out, ids);
}

/// Sets the slots of the parts `h` (the header of `line`) has.
fn fill<'a>(line: &'a [u8], h: &Header<'a>, out: &mut Fields<'a>, ids: bool) {
    let mut set = |slot: Slot, bytes: &'a [u8]| {
        out.set(
            slot as u16,
            0,
            Raw::Str {
                bytes,
                escaped: false,
            },
        );
    };
    if let Some(t) = h.time {
        set(Slot::Time, &line[t.start..t.end]);
    }
    if let Some(level) = h.level {
        set(Slot::Level, level);
    }
    if let Some(service) = h.service {
        set(Slot::Service, service);
    }
    if let Some(caller) = h.caller {
        set(Slot::Caller, caller);
    }
    if let Some(message) = h.message {
        set(Slot::Message, message);
    }
    if let Some(id) = h.request_id.filter(|_| ids) {
        set(Slot::RequestId, id);
    }
    if let Some(duration) = h.duration {
        let prio = if h.duration_in_seconds { SECONDS } else { 0 };
        let raw = Raw::Str {
            bytes: duration,
            escaped: false,
        };
        out.set(Slot::Duration as u16, prio, raw);
    }
}

/// Reads `line` as the message line of .NET's console logger, the header line before it
/// being `prev` (`info: Microsoft.Hosting.Lifetime[14]` alone, then `      Now listening on: …`,
/// each after the same outer time when a container runtime wrote them): the event takes its
/// time, level and logger (the category) from `prev`, its message from `line`. False, `out`
/// untouched, when the two lines are not that.
pub fn continued_message<'a>(prev: &'a [u8], line: &'a [u8], out: &mut Fields<'a>) -> bool {
    // Most lines are settled here: the header line ends with its event id's `]`.
    if prev.last() != Some(&b']') {
        return false;
    }
    let Some((outer, body)) = indented_body(line) else {
        return false;
    };
    // Scopes (`IncludeScopes`: `=> RequestPath:/ RequestId:…`) are no message; the pipeline
    // keeps the header as the line before the message (see [`is_dotnet_scope`]).
    if body.starts_with(b"=> ") {
        return false;
    }
    let h = header(prev.trim_ascii_start());
    if !h.message_below {
        return false;
    }
    let message = body.trim_ascii();
    out.clear();
    let (time_line, time) = match h.time {
        Some(t) => (prev.trim_ascii_start(), Some(t)),
        None => (line, outer),
    };
    if let Some(t) = time {
        fill(
            time_line,
            &Header {
                time: Some(t),
                ..Header::default()
            },
            out,
            false,
        );
    }
    fill(
        line,
        &Header {
            time: None,
            message: Some(message),
            duration: h.service.and_then(|c| aspnet_request_duration(c, message)),
            ..h
        },
        out,
        false,
    );
    true
}

/// Reads a text line of .NET's console logger in the light of the line above it (`prev`, see
/// [`above_next`]): a message line takes its header's parts ([`continued_message`]). Returns
/// whether `line` is a header alone, no event of its own (`out` then holds only its time).
pub fn read_below<'a>(prev: &'a [u8], line: &'a [u8], out: &mut Fields<'a>) -> bool {
    !continued_message(prev, line, out)
        && out.get(Slot::Message as usize).is_none()
        && out.get(Slot::Level as usize).is_none()
        && header(line.trim_ascii_start()).message_below
}

/// The line above the one after `line`, `prev` being the line above `line`: `line`, unless it
/// holds .NET's scopes below a header, which stays the line above.
pub fn above_next<'a>(prev: &'a [u8], line: &'a [u8]) -> &'a [u8] {
    match is_dotnet_scope(prev, line) {
        true => prev,
        false => line,
    }
}

/// What a line written below a header says, six spaces in, and the time a wrapper put before
/// it: bare, or after an outer time (a CloudWatch export's `<time> `, a container runtime's
/// `<time> stdout F `, Heroku's `<time> app[web.1]: `). `None` unless six spaces, then a
/// non-space, start it (a stack frame below the message is indented further).
fn indented_body(line: &[u8]) -> Option<(Option<LineTime>, &[u8])> {
    let (outer, body) = match line.first()? {
        b' ' => (None, line),
        b'0'..=b'9' => {
            let t = line_time(line).filter(|t| t.skip > 0)?;
            let rest = line[t.skip..].strip_prefix(b" ")?;
            let body = match cri_stream(rest) {
                Some(body) => body,
                None => heroku_source(rest).map_or(rest, |src| src.body),
            };
            (Some(t), body)
        }
        _ => return None,
    };
    match body.get(..7)? {
        [b' ', b' ', b' ', b' ', b' ', b' ', c] if !c.is_ascii_whitespace() => {
            Some((outer, &body[6..]))
        }
        _ => None,
    }
}

/// Whether `line` holds the scopes .NET's console logger writes between a header and its
/// message with `IncludeScopes` (`      => ConnectionId:… => RequestPath:/orders …`), below
/// `prev`, a header line. The message line after it belongs to that header.
pub fn is_dotnet_scope(prev: &[u8], line: &[u8]) -> bool {
    prev.last() == Some(&b']')
        && indented_body(line).is_some_and(|(_, body)| body.starts_with(b"=> "))
}

/// The line that a line right after `lines` (whole lines, each ending in `\n`: a chunk's
/// context) is read below ([`continued_message`]): the last one, or the header before .NET's
/// scopes when the last holds them.
pub fn line_above(lines: &[u8]) -> &[u8] {
    let (rest, last) = split_last_line(lines);
    if last.first() == Some(&b' ') || last.first().is_some_and(u8::is_ascii_digit) {
        let (_, before) = split_last_line(rest);
        if is_dotnet_scope(before, last) {
            return before;
        }
    }
    last
}

/// `lines` (ending in `\n`, or empty) as the lines before its last and its last line, without
/// its line end.
fn split_last_line(lines: &[u8]) -> (&[u8], &[u8]) {
    let mut c = lines.strip_suffix(b"\n").unwrap_or(lines);
    c = c.strip_suffix(b"\r").unwrap_or(c);
    match memchr::memrchr(b'\n', c) {
        Some(i) => (&lines[..i + 1], &c[i + 1..]),
        None => (&[], c),
    }
}

/// The run time of a request ASP.NET Core's hosting logger reports as finished, with its unit:
/// `Request finished HTTP/1.1 GET http://host/ - 200 - text/plain 12.3456ms` (.NET 5 on), or
/// `Request finished in 12.3456ms 200 text/plain` (before).
fn aspnet_request_duration<'a>(category: &[u8], message: &'a [u8]) -> Option<&'a [u8]> {
    if category != b"Microsoft.AspNetCore.Hosting.Diagnostics" {
        return None;
    }
    let rest = message.strip_prefix(b"Request finished ")?;
    let word = match rest.strip_prefix(b"in ") {
        Some(after) => after.split(|&b| b == b' ').next()?,
        None => rest.rsplit(|&b| b == b' ').next()?,
    };
    let number = word.strip_suffix(b"ms")?;
    (!number.is_empty() && float_len(number) == number.len()).then_some(word)
}

/// The value of the first `key=value` pair in `text` whose key is one of `keys` (a word that
/// starts the text or follows a space, `[`, `(` or `,`): `request_id=req-1`,
/// `req_id="req 1"`. The value ends at whitespace or `,;)]`, a quoted one at its closing quote;
/// an empty value does not count.
pub fn kv_value<'a, K: AsRef<[u8]>>(text: &'a [u8], keys: &[K]) -> Option<&'a [u8]> {
    kv_pair(text, keys).map(|(_, value)| value)
}

/// [`kv_value`] with the index in `keys` of the key it was found by.
pub fn kv_pair<'a, K: AsRef<[u8]>>(text: &'a [u8], keys: &[K]) -> Option<(usize, &'a [u8])> {
    let longest = keys.iter().map(|k| k.as_ref().len()).max()?;
    for eq in memchr::memchr_iter(b'=', text) {
        // Back from the `=` no further than the longest key: a line of a million `=` stays
        // linear.
        let from = eq.saturating_sub(longest + 1);
        let key_start = match text[from..eq]
            .iter()
            .rposition(|&b| matches!(b, b' ' | b'\t' | b'[' | b'(' | b','))
        {
            Some(i) => from + i + 1,
            None if from == 0 => 0,
            // A word longer than any key.
            None => continue,
        };
        let key = &text[key_start..eq];
        let Some(index) = keys
            .iter()
            .position(|k| k.as_ref() == key)
            .filter(|_| !key.is_empty())
        else {
            continue;
        };
        let rest = &text[eq + 1..];
        let value = match rest.first() {
            Some(&q @ (b'"' | b'\'')) => match memchr::memchr(q, &rest[1..]) {
                Some(end) => &rest[1..1 + end],
                None => continue,
            },
            _ => {
                let end = rest
                    .iter()
                    .position(|&b| {
                        b.is_ascii_whitespace() || matches!(b, b',' | b';' | b')' | b']')
                    })
                    .unwrap_or(rest.len());
                &rest[..end]
            }
        };
        if !value.is_empty() {
            return Some((index, value));
        }
    }
    None
}

/// Most header parts (separators, pid, level, thread, logger) taken off the front of a line.
const MAX_HEADER_PARTS: usize = 8;

/// Takes a plain-text line apart (see the module docs).
pub fn header(line: &[u8]) -> Header<'_> {
    if let Some((pri_level, at)) = syslog_pri(line) {
        let rest = &line[at..];
        let mut h = match rfc5424_header(rest) {
            // RFC 5424's priority is the level, as its senders set it, unless the message says
            // one (HAProxy's status).
            Some(h) => Header {
                level: h.level.or(Some(pri_level)),
                ..h
            },
            // RFC 3164's is often the sender's default (`user.notice`): a level word in the
            // line says more.
            None => {
                let h = header_body(rest);
                Header {
                    level: h.level.or(Some(pri_level)),
                    ..h
                }
            }
        };
        if let Some(t) = h.time.as_mut() {
            t.start += at;
            t.end += at;
            if t.skip > 0 {
                t.skip += at;
            }
        }
        return h;
    }
    bare_header(line, true)
}

/// [`header`] of a line without a syslog priority; `heroku` as for [`header_body_at`].
fn bare_header(line: &[u8], heroku: bool) -> Header<'_> {
    logger_header(line)
        .or_else(|| lambda_python_header(line))
        .unwrap_or_else(|| header_body_at(line, heroku))
}

/// The header of a logger whose format is its own from the first byte: klog's, env_logger's,
/// Celery's, Ruby's, Monolog's, Redis's, .NET's console logger's, an Application Load
/// Balancer's. Each is tried only where the
/// line's first byte lets it start, so a line that is none of them costs one branch.
fn logger_header(line: &[u8]) -> Option<Header<'_>> {
    match line.first()? {
        b'I' | b'W' | b'E' | b'F' => klog_header(line).or_else(|| ruby_logger_header(line)),
        b'D' | b'A' => ruby_logger_header(line),
        b'[' => env_logger_header(line)
            .or_else(|| celery_header(line))
            .or_else(|| monolog_header(line)),
        b'0'..=b'9' => redis_header(line),
        b'w' => dotnet_console_header(line).or_else(|| alb_header(line)),
        b't' | b'd' | b'i' | b'f' | b'c' => dotnet_console_header(line),
        b'h' | b'g' => alb_header(line),
        _ => None,
    }
}

/// The level of one of .NET's four-letter labels (`Microsoft.Extensions.Logging`'s console
/// logger, the Lambda runtime), as a level word.
fn dotnet_level(label: &[u8]) -> Option<&'static [u8]> {
    Some(match label {
        b"info" => b"INFO",
        b"warn" => b"WARN",
        b"fail" => b"ERROR",
        b"crit" => b"FATAL",
        b"dbug" => b"DEBUG",
        b"trce" => b"TRACE",
        _ => return None,
    })
}

/// .NET's console logger (the simple formatter of `Microsoft.Extensions.Logging.Console`, the
/// default of ASP.NET Core): `info: Category[EventId]`, the category the logger. The message is
/// on the next line ([`Header::message_below`]), or after the header with `SingleLine`.
fn dotnet_console_header(line: &[u8]) -> Option<Header<'_>> {
    let level = dotnet_level(line.get(..4)?)?;
    let rest = line.get(4..)?.strip_prefix(b": ")?;
    let open = rest.iter().position(|&b| b == b'[' || b == b' ')?;
    if open == 0 || rest[open] != b'[' {
        return None;
    }
    let after = &rest[open + 1..];
    let digits = after.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || after.get(digits) != Some(&b']') {
        return None;
    }
    let h = Header {
        level: Some(level),
        service: Some(&rest[..open]),
        ..Header::default()
    };
    match &after[digits + 1..] {
        [] => Some(Header {
            message_below: true,
            ..h
        }),
        [b' ', message @ ..] => {
            let message = message.trim_ascii();
            Some(Header {
                message: (!message.is_empty()).then_some(message),
                duration: aspnet_request_duration(&rest[..open], message),
                ..h
            })
        }
        _ => None,
    }
}

/// [`header`] of a line without a syslog priority or a klog header.
fn header_body(line: &[u8]) -> Header<'_> {
    header_body_at(line, true)
}

/// [`header_body`]; `heroku`: whether a Heroku source may follow the time (not inside one:
/// the application's line is read once, never as a source again).
fn header_body_at(line: &[u8], heroku: bool) -> Header<'_> {
    if let Some(h) = ras_header(line) {
        return h;
    }
    let time = line_time(line);
    if let Some(t) = time.filter(|t| t.skip == 0) {
        // HAProxy's HTTP log alone (`log stdout format raw`): a client and its port, then the
        // bracketed time.
        if let Some(h) = haproxy_at(line, 0, 0) {
            return h;
        }
        if let Some(h) = access_header(line, t) {
            return h;
        }
        // No request after the time (`ERROR [06/Feb/2026:10:00:00.123] payment failed`): the
        // line is read as any other, its time kept.
    }
    let s = &line[time.map_or(0, |t| t.skip)..];
    let mut h = Header {
        time,
        ..Header::default()
    };
    // The application's own time after an outer one (a container runtime's, a CloudWatch
    // export's), in `line`'s terms.
    let mut inner_time = None;
    let mut i = if time.is_none() {
        // A time of day without a date (logback's default `HH:mm:ss.SSS`) is header, not message;
        // without a date it is no timestamp.
        let end = time_of_day_end(s).unwrap_or(0);
        // .NET's console logger with a `TimestampFormat` of `HH:mm:ss `.
        if let Some(inner) = (end > 0)
            .then(|| dotnet_console_header(&s[skip_spaces(s, end)..]))
            .flatten()
        {
            return inner;
        }
        end
    } else {
        // A line a container runtime wrote (Kubernetes' CRI format: `<time> stdout F <line>`),
        // or a time put before the application's own (a CloudWatch export of a text logger):
        // the application's line follows, and its own time is header too.
        let mut i = skip_spaces(s, 0);
        if let Some(rest) = cri_stream(&s[i..]) {
            i = s.len() - rest.len();
        }
        // `aws logs tail`'s Lambda log stream after the time (`2026/02/06/[$LATEST]9f1c…`).
        if let Some(end) = lambda_stream_end(s, i) {
            i = skip_spaces(s, end);
        }
        // Heroku's source and dyno (`app[web.1]: `): the application's line follows, read as
        // a bare line, the dyno its service unless it names its logger. The outer time is
        // kept.
        if let Some(src) = heroku_source(&s[i..]).filter(|_| heroku) {
            let inner = bare_header(src.body, false);
            // The platform's errors: `Error R14 (Memory quota exceeded)`.
            let error = src.platform && src.body.starts_with(b"Error ");
            return Header {
                time,
                level: inner.level.or(error.then_some(b"ERROR")),
                service: inner.service.or(Some(src.dyno)),
                ..inner
            };
        }
        // A header that says more than its time, after the outer time: klog's (Kubernetes'
        // components in their containers' log files), env_logger's, Celery's, Ruby's, Monolog's,
        // Redis's. The outer time is the one kept: klog's has no year.
        if let Some(inner) = logger_header(&s[i..]) {
            return Header { time, ..inner };
        }
        let inner = line_time(&s[i..]);
        // An access log's line in a container's log file (ingress-nginx's, Traefik's): read as
        // one alone, the runtime's time kept (it has the fraction the access log's lacks).
        if let Some(h) = inner
            .filter(|t| t.skip == 0)
            .and_then(|t| access_header(&s[i..], t))
            .filter(|h| h.message.is_some())
        {
            return Header { time, ..h };
        }
        if let Some(inner) = inner.filter(|t| t.skip > 0) {
            let base = time.map_or(0, |t| t.skip) + i;
            inner_time = Some(LineTime {
                start: base + inner.start,
                end: base + inner.end,
                ..inner
            });
            i = skip_spaces(s, i + inner.skip);
        }
        i
    };
    // AWS Lambda: the platform's `START`/`END`/`REPORT RequestId: <id>` lines (the message is
    // the whole line; `REPORT`'s `Duration:` the invocation's), a runtime's `<time>\t<request
    // id>\tLEVEL\t` (Node.js; .NET's labels) and Python's `[LEVEL]\t<time>\t<request id>\t`
    // after an outer time.
    if let Some(p) = lambda_platform(s, i) {
        let m = s[i..].trim_ascii();
        h.request_id = Some(p.request_id);
        h.duration = p.duration;
        h.level = p.level;
        h.message = (!m.is_empty()).then_some(m);
        return h;
    }
    if let Some(t) = time {
        // uvicorn's access line after a wrapper's time (its `INFO:     ` is PostgreSQL's too).
        if let Some((level, request)) = level_at(s, i)
            .filter(|(_, end)| s[..*end].ends_with(b":"))
            .and_then(|(_, end)| uvicorn_access(s[end..].trim_ascii()))
        {
            h.level = level;
            h.message = Some(request);
            h.whole_line = true;
            return h;
        }
        if let Some(pg) = postgres_at(s, i) {
            return with_postgres(h, s, pg);
        }
        if let Some(hp) = haproxy_at(s, i, t.skip) {
            return hp;
        }
        // Envoy's start time, not the time its line was written, when both are there.
        if let Some(envoy) = envoy_at(s, i) {
            return Header {
                time: inner_time.or(time),
                ..envoy
            };
        }
        if let Some(py) = lambda_python_at(s, i) {
            h.level = Some(py.level);
            h.request_id = py.request_id;
            let m = s[py.message..].trim_ascii();
            h.message = (!m.is_empty()).then_some(m);
            return h;
        }
        if let Some(rt) = lambda_runtime_at(s, i) {
            h.level = Some(rt.level);
            h.request_id = rt.request_id;
            let m = s[rt.message..].trim_ascii();
            h.message = (!m.is_empty()).then_some(m);
            return h;
        }
    }
    // Where the level word (and its bracket and colon) ended.
    let mut level_end = None;
    // Apache 2.4's error log: `[ctime] [module:level] [pid N:tid N] …`, the module the service.
    if let Some((module, level, end)) = time.and_then(|_| apache_module_level(s, i)) {
        h.level = Some(level);
        h.service = (!module.is_empty()).then_some(module);
        i = end;
    } else if let Some((subsystem, level, end)) = time.and_then(|_| mysql_at(s, i)) {
        h.level = Some(level);
        h.service = Some(subsystem);
        i = end;
    }
    for part in 0..MAX_HEADER_PARTS {
        i = skip_separators(s, i);
        if h.level.is_none() {
            if let Some((word, end)) = level_at(s, i) {
                h.level = Some(word);
                i = end;
                level_end = Some(end);
                // Python's `WARNING:root:message`: the logger follows the colon.
                if s[..end].ends_with(b":") {
                    if let Some(n) = s[end..]
                        .iter()
                        .take_while(|&&b| b != b' ')
                        .position(|&b| b == b':')
                    {
                        // Not a URL's scheme: `ERROR:http://host/ failed` has no logger.
                        if n > 0 && !s[end + n + 1..].starts_with(b"//") {
                            h.service = Some(&s[end..end + n]);
                            i = end + n + 1;
                            break;
                        }
                    }
                }
                continue;
            }
        }
        let tok_end = memchr::memchr(b' ', &s[i..]).map_or(s.len(), |n| i + n);
        let tok = &s[i..tok_end];
        let bracket = (s.get(i) == Some(&b'['))
            .then(|| bracket_end(s, i))
            .flatten();
        if h.level.is_none() {
            // Context as `key=value` words before the level (Sidekiq's `pid=1 tid=… class=…
            // jid=… INFO: …`): header when a level follows them; they stay in the line for
            // the fields a request id or duration is looked up in.
            if let Some(end) = time
                .and_then(|_| kv_context_end(s, i))
                .filter(|&e| level_at(s, e).is_some())
            {
                // Sidekiq's job: its `jid` the request id, its class the service (only beside a
                // `jid`: `user=bob class=gold INFO: …` names no service).
                let mut class = None;
                for word in s[i..end].split(|&b| b == b' ') {
                    if let Some(jid) = word.strip_prefix(b"jid=") {
                        h.request_id = Some(jid);
                    } else if let Some(c) = word.strip_prefix(b"class=") {
                        class = Some(c);
                    }
                }
                if h.request_id.is_some() {
                    h.service = class;
                }
                i = end;
                continue;
            }
            // A pid or thread before the level: `148 INFO`, `[7] [INFO]`, `[main] INFO`.
            let end = match bracket {
                Some(e) => Some(e),
                None if !tok.is_empty() && tok.iter().all(u8::is_ascii_digit) => Some(tok_end),
                None => None,
            };
            if let Some(end) = end.filter(|&e| level_at(s, skip_separators(s, e)).is_some()) {
                i = end;
                continue;
            }
            // Python's logging cookbook format, `%(asctime)s - %(name)s - %(levelname)s -
            // %(message)s`: the logger, then ` - ` and the level.
            if h.service.is_none()
                && s[tok_end..].starts_with(b" - ")
                && is_logger_name(tok)
                && level_at(s, skip_separators(s, tok_end)).is_some()
            {
                h.service = Some(tok);
                i = tok_end;
                continue;
            }
            // Syslog: `host program[pid]: message` after the time, or `program[pid]: …`.
            if part == 0 && time.is_some() {
                // A program without its pid (`host kernel: …`) after a syslog time: BSD's
                // (`Feb  6 10:00:00`), or RFC 3339 with a numeric offset (rsyslog's high-precision
                // files, `journalctl -o short-iso`) before a lower-case host name.
                let bare_ok = line[0].is_ascii_alphabetic()
                    || (time.is_some_and(|t| rfc3339_with_offset(&line[t.start..t.end]))
                        && cri_stream(&s[skip_spaces(s, 0)..]).is_none()
                        && host_name_at(s, i));
                if let Some((service, end)) = syslog_program(s, i, bare_ok) {
                    h.service = Some(service);
                    i = end;
                    // PostgreSQL logging to syslog (`postgres[4242]: [3-1] LOG:  …`).
                    if let Some(pg) = postgres_at(s, skip_spaces(s, end)) {
                        return with_postgres(h, s, pg);
                    }
                    // HAProxy's (`haproxy[1234]: 10.0.1.2:51234 [06/Feb/2026:10:00:00.123] …`).
                    if let Some(hp) = haproxy_at(s, skip_spaces(s, end), time.map_or(0, |t| t.skip))
                    {
                        return hp;
                    }
                }
            }
            break;
        }
        // nginx's error log: the worker's `pid#tid:` and the connection's `*number` right after
        // a bracketed level (`[error] 1234#5678: *99 …`).
        if level_end.is_some_and(|e| s[e - 1] == b']' && skip_separators(s, e) == i) {
            if let Some(end) = nginx_worker_end(s, i) {
                i = end;
                continue;
            }
        }
        // After the level: a source file and line (zap's console encoder,
        // `ERROR\tapp/main.go:42\tmessage`).
        if h.caller.is_none() {
            if let Some(end) = source_location_at(s, i) {
                h.caller = Some(&s[i..end]);
                i = end;
                continue;
            }
        }
        // Spring Boot's pid and `---` (`INFO 4242 --- [main] c.e.App : …`).
        if !tok.is_empty()
            && tok.iter().all(u8::is_ascii_digit)
            && s[tok_end..].starts_with(b" --- ")
        {
            i = tok_end + 5;
            continue;
        }
        // Spring's trace context after the level (Sleuth's and Micrometer's `[app,trace,span]`,
        // then Spring Boot's pid and `---`): header, its trace id the request's.
        if let Some((id, end)) = bracket.and_then(|end| {
            let id = sleuth_context(&s[i + 1..end - 1])?;
            spring_pid_at(s, skip_spaces(s, end)).then_some((id, end))
        }) {
            h.request_id = h.request_id.or(id);
            i = end;
            continue;
        }
        // A thread in brackets before a logger or ` - ` (log4j's `[%t]`), or a few brackets
        // (Spring Boot 3.2's `[app] [thread] [trace-span]`), then the logger
        // (`org.example.Foo:`, logback's `org.example.Foo - `, Spring Boot's padded `c.e.App
        // : `).
        if let Some(mut end) = bracket {
            let mut id = trace_span_context(&s[i + 1..end - 1]);
            for _ in 0..3 {
                let next = skip_spaces(s, end);
                match (s.get(next) == Some(&b'['))
                    .then(|| bracket_end(s, next))
                    .flatten()
                {
                    Some(e) => {
                        id = id.or_else(|| trace_span_context(&s[next + 1..e - 1]));
                        end = e;
                    }
                    None => break,
                }
            }
            let next = skip_spaces(s, end);
            if s[next..].starts_with(b"- ") || logger_at(s, next).is_some() {
                h.request_id = h.request_id.or(id);
                i = end;
                continue;
            }
            break;
        }
        if h.service.is_none() {
            if let Some((logger, end)) = logger_at(s, i) {
                h.service = Some(logger);
                i = end;
            }
        }
        break;
    }
    let m = s[i.min(s.len())..].trim_ascii();
    // uvicorn's access log (`INFO:     10.0.0.1:52346 - "POST /items HTTP/1.1" 500 Internal
    // Server Error`): the status's level and the request and status as the message, as an
    // access log line has them.
    if let Some((level, request)) = uvicorn_access(m) {
        h.level = level.or(h.level);
        h.message = Some(request);
        h.whole_line = true;
        return h;
    }
    if h.level.is_none() {
        // A level word further in (`npm WARN deprecated`) counts, and stays in the message; so
        // does one that starts the message before a colon (`error: …`, `fatal: …`).
        h.level = level_word(s).or_else(|| leading_level(m));
    }
    h.message = (!m.is_empty()).then_some(m);
    h
}

/// uvicorn's access line after its level: `client:port - "request" status reason`. The
/// status's level and the request with its status.
fn uvicorn_access(m: &[u8]) -> Option<(Option<&'static [u8]>, &[u8])> {
    let dash = memchr::memmem::find(&m[..m.len().min(64)], b" - \"")?;
    let client = &m[..dash];
    let (host, port) = client.split_at(memchr::memrchr(b':', client)?);
    if host.is_empty()
        || port.len() < 2
        || !port[1..].iter().all(u8::is_ascii_digit)
        || host.contains(&b' ')
    {
        return None;
    }
    // A status, not any quoted words (`db:5432 - "connection refused" retrying`).
    access_request_after(&m[dash + 3..]).filter(|(level, _)| level.is_some())
}

/// Whether `b` is a trace id (16 or 32 hex digits) or, with `span`, a span id (16).
fn is_trace_hex(b: &[u8], span: bool) -> bool {
    let len_ok = match span {
        true => b.len() == 16,
        false => b.len() == 16 || b.len() == 32,
    };
    len_ok && b.iter().all(u8::is_ascii_hexdigit)
}

/// A bracket's inner bytes as Sleuth's and Micrometer's trace context, `app,trace,span` (and
/// Sleuth's `,export` flag): `Some(trace id)`, `None` inside when the ids are empty (outside
/// a trace); `None` for any other bracket.
fn sleuth_context(inner: &[u8]) -> Option<Option<&[u8]>> {
    let mut parts = inner.split(|&b| b == b',');
    let (_app, trace, span) = (parts.next()?, parts.next()?, parts.next()?);
    let export = parts.next();
    let ok = parts.next().is_none()
        && (trace.is_empty() || is_trace_hex(trace, false))
        && (span.is_empty() || is_trace_hex(span, true))
        && export.is_none_or(|e| matches!(e, b"" | b"true" | b"false"));
    ok.then_some((!trace.is_empty()).then_some(trace))
}

/// A bracket's inner bytes as Spring Boot 3.2's trace context, `trace-span`: the trace id.
fn trace_span_context(inner: &[u8]) -> Option<&[u8]> {
    let dash = memchr::memchr(b'-', inner)?;
    let (trace, span) = (&inner[..dash], &inner[dash + 1..]);
    (is_trace_hex(trace, false) && is_trace_hex(span, true)).then_some(trace)
}

/// Whether Spring Boot's pid and `---` are at `s[i..]` (`4242 --- `).
fn spring_pid_at(s: &[u8], i: usize) -> bool {
    let digits = s[i..].iter().take_while(|b| b.is_ascii_digit()).count();
    digits > 0 && s[i + digits..].starts_with(b" --- ")
}

/// Where a run of `key=value` words at `s[i..]` ends (at the next word), if there is one: at
/// most [`MAX_HEADER_PARTS`] words of a short key (letters, digits, `_`) and a value without
/// spaces or quotes.
fn kv_context_end(s: &[u8], mut i: usize) -> Option<usize> {
    let start = i;
    for _ in 0..MAX_HEADER_PARTS {
        let tok_end = memchr::memchr(b' ', &s[i..]).map_or(s.len(), |n| i + n);
        let tok = &s[i..tok_end];
        let Some(eq) = memchr::memchr(b'=', tok) else {
            break;
        };
        let (key, value) = (&tok[..eq], &tok[eq + 1..]);
        let key_ok = (1..=32).contains(&key.len())
            && key[0].is_ascii_alphabetic()
            && key.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_');
        if !key_ok || value.is_empty() || value.iter().any(|&b| matches!(b, b'"' | b'\'' | b'=')) {
            break;
        }
        i = skip_spaces(s, tok_end);
    }
    (i > start).then_some(i)
}

/// nginx's error log after the level: the worker's `pid#tid: ` and, when there is one, the
/// connection's `*number `. Returns where the message starts.
fn nginx_worker_end(s: &[u8], i: usize) -> Option<usize> {
    let digits = |from: usize| s[from..].iter().take_while(|b| b.is_ascii_digit()).count();
    let pid = digits(i);
    if pid == 0 || s.get(i + pid) != Some(&b'#') {
        return None;
    }
    let tid = digits(i + pid + 1);
    let end = i + pid + 1 + tid;
    if tid == 0 || s.get(end..end + 2) != Some(b": ") {
        return None;
    }
    let at = end + 2;
    let conn = match s.get(at) {
        Some(b'*') => digits(at + 1),
        _ => 0,
    };
    if conn > 0 && s.get(at + 1 + conn) == Some(&b' ') {
        Some(at + 1 + conn + 1)
    } else {
        Some(at)
    }
}

/// A level word in lower case or capitalised that starts a message before a colon, as sshd,
/// git, compilers and Node write them: `error: …`, `fatal: …`, `Warning: …`, `Error:`.
fn leading_level(m: &[u8]) -> Option<&[u8]> {
    let len = m
        .iter()
        .take(12)
        .take_while(|b| b.is_ascii_alphabetic())
        .count();
    let word = &m[..len];
    let after = m.get(len + 1).copied();
    if len < 3
        || m.get(len) != Some(&b':')
        || after.is_some_and(|b| b != b' ')
        || !word[1..].iter().all(u8::is_ascii_lowercase)
    {
        return None;
    }
    super::Level::from_word(word).map(|_| word)
}

/// A syslog priority, `<PRI>` (0–191) at the start of a line: its severity's level word and
/// where the rest starts.
fn syslog_pri(line: &[u8]) -> Option<(&'static [u8], usize)> {
    if line.first() != Some(&b'<') {
        return None;
    }
    let close = line.iter().take(5).position(|&b| b == b'>')?;
    let digits = &line[1..close];
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let pri: usize = std::str::from_utf8(digits).ok()?.parse().ok()?;
    (pri <= 191).then(|| (super::SYSLOG_SEVERITY[pri % 8], close + 1))
}

/// An RFC 5424 syslog line after its priority: `1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID
/// STRUCTURED-DATA [MSG]`, `-` for a part left out. The app name is the service; the message
/// is what follows the structured data (its byte order mark taken off).
fn rfc5424_header(s: &[u8]) -> Option<Header<'_>> {
    if !s.starts_with(b"1 ") {
        return None;
    }
    let mut parts = [(0, 0); 5];
    let mut i = 2;
    for part in &mut parts {
        let end = i + memchr::memchr(b' ', s.get(i..)?)?;
        if end == i {
            return None;
        }
        *part = (i, end);
        i = end + 1;
    }
    let [stamp, _, app, _, _] = parts;
    // Structured data: `-`, or elements `[id name="value" …]` whose quoted values may hold
    // `\"`, `\\` and `\]`.
    let sd_end = match s.get(i)? {
        b'-' => i + 1,
        b'[' => {
            let mut j = i;
            while s.get(j) == Some(&b'[') {
                let mut quoted = false;
                j += 1;
                loop {
                    match *s.get(j)? {
                        b'\\' if quoted => j += 1,
                        b'"' => quoted = !quoted,
                        b']' if !quoted => break,
                        _ => {}
                    }
                    j += 1;
                }
                j += 1;
            }
            j
        }
        _ => return None,
    };
    if !matches!(s.get(sd_end), None | Some(b' ')) {
        return None;
    }
    let time = (&s[stamp.0..stamp.1] != b"-")
        .then(|| time::parse_rfc3339(&s[stamp.0..stamp.1]))
        .flatten()
        .map(|time_us| LineTime {
            time_us,
            start: stamp.0,
            end: stamp.1,
            skip: sd_end,
        });
    let m = s.get(sd_end + 1..).unwrap_or_default();
    let m = m.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(m);
    // HAProxy's own RFC 5424 output (`log … format rfc5424`).
    if let Some(hp) = haproxy_at(s, s.len() - m.len(), 0) {
        return Some(hp);
    }
    let m = m.trim_ascii();
    let app = &s[app.0..app.1];
    Some(Header {
        time,
        level: None,
        service: (app != b"-").then_some(app),
        caller: None,
        message: (!m.is_empty()).then_some(m),
        ..Header::default()
    })
}

/// A klog/glog line (Kubernetes' components, Go's `glog`): `I0206 10:00:00.123456   12345
/// server.go:42] message`, its first letter the level (Info, Warning, Error, Fatal), then month
/// and day, the time, a thread id and the source file and line.
fn klog_header(line: &[u8]) -> Option<Header<'_>> {
    let level: &'static [u8] = match line.first()? {
        b'I' => b"INFO",
        b'W' => b"WARN",
        b'E' => b"ERROR",
        b'F' => b"FATAL",
        _ => return None,
    };
    let (time_us, used) = time::parse_klog_prefix(&line[1..])?;
    let end = 1 + used;
    let i = skip_spaces(line, end);
    let thread = line[i..].iter().take_while(|b| b.is_ascii_digit()).count();
    if i == end || thread == 0 || line.get(i + thread) != Some(&b' ') {
        return None;
    }
    let source = i + thread + 1;
    let close = source + memchr::memchr(b']', &line[source..line.len().min(source + 256)])?;
    let file = &line[source..close];
    if !file.contains(&b':') || file.contains(&b' ') {
        return None;
    }
    let message = line[close + 1..].trim_ascii();
    Some(Header {
        time: Some(LineTime {
            time_us,
            start: 1,
            end,
            skip: end,
        }),
        level: Some(level),
        service: None,
        caller: Some(file),
        message: (!message.is_empty()).then_some(message),
        ..Header::default()
    })
}

/// A line of IBM Blue Gene/L's RAS log (Loghub's BGL): `<alert> <epoch seconds> <YYYY.MM.DD>
/// <node> <YYYY-MM-DD-HH.MM.SS.ffffff> <node> <type> <component> <LEVEL> <message>`, the alert
/// tag `-` for none. The time is the epoch seconds (the other two are the machine's local
/// time), the component is the service.
fn ras_header(line: &[u8]) -> Option<Header<'_>> {
    // Cheap rejection first: a short first token, then ten digits and a dotted date.
    let first = memchr::memchr(b' ', &line[..line.len().min(17)])?;
    let epoch = line.get(first + 1..first + 11)?;
    let date = line.get(first + 12..first + 22)?;
    let digits = |b: &[u8]| b.iter().all(u8::is_ascii_digit);
    if first == 0
        || !digits(epoch)
        || line.get(first + 11) != Some(&b' ')
        || !shape(date, b"dddd.dd.dd")
        || line.get(first + 22) != Some(&b' ')
    {
        return None;
    }
    // Node, time, node, type, component, level; single spaces between.
    let mut parts = [&line[..0]; 6];
    let mut i = first + 23;
    for part in &mut parts {
        let end = memchr::memchr(b' ', line.get(i..)?).map(|n| i + n)?;
        *part = &line[i..end];
        if part.is_empty() {
            return None;
        }
        i = end + 1;
    }
    let [_, stamp, _, _, component, level] = parts;
    if !shape(stamp, b"dddd-dd-dd-dd.dd.dd.dddddd") || super::Level::from_word(level).is_none() {
        return None;
    }
    let start = first + 1;
    let message = line[i..].trim_ascii();
    Some(Header {
        time: time::parse_text(epoch).map(|time_us| LineTime {
            time_us,
            start,
            end: start + 10,
            skip: start + 10,
        }),
        level: Some(level),
        service: Some(component),
        caller: None,
        message: (!message.is_empty()).then_some(message),
        ..Header::default()
    })
}

/// Whether `s` has the shape of `pattern`: `d` a digit, any other byte itself.
fn shape(s: &[u8], pattern: &[u8]) -> bool {
    s.len() == pattern.len()
        && s.iter().zip(pattern).all(|(&b, &p)| match p {
            b'd' => b.is_ascii_digit(),
            _ => b == p,
        })
}

/// Where a line of Heroku's log (`heroku logs`, a log drain) came from: `app[web.1]: ` (the
/// application's dyno, or an add-on), `heroku[router]: ` (the platform).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HerokuSource<'a> {
    /// The platform (`heroku[…]`), not the application.
    pub platform: bool,
    /// The platform's router, whose lines are its `key=value` pairs.
    pub router: bool,
    /// The dyno or process (`web.1`, `router`, `heroku-postgres`).
    pub dyno: &'a [u8],
    /// What the source wrote.
    pub body: &'a [u8],
}

/// The source before a line of Heroku's log, after its time (see [`HerokuSource`]).
pub(crate) fn heroku_source(s: &[u8]) -> Option<HerokuSource<'_>> {
    let (heroku, rest) = match s.first()? {
        b'a' => (false, s.strip_prefix(b"app[")?),
        b'h' => (true, s.strip_prefix(b"heroku[")?),
        _ => return None,
    };
    let len = rest
        .iter()
        .take(64)
        .take_while(|&&b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        .count();
    let body = rest.get(len..)?.strip_prefix(b"]: ")?;
    // A dyno's name has a letter (`web.1`, `router`); a number is a pid (`app[1234]: `,
    // syslog's program `app`).
    let named = rest[..len].iter().any(u8::is_ascii_alphabetic);
    named.then_some(HerokuSource {
        platform: heroku,
        router: heroku && &rest[..len] == b"router",
        dyno: &rest[..len],
        body,
    })
}

/// What follows the stream and tag of a CRI log line (`stdout F ` or `stderr P `).
pub(crate) fn cri_stream(s: &[u8]) -> Option<&[u8]> {
    let rest = s
        .strip_prefix(b"stdout ")
        .or_else(|| s.strip_prefix(b"stderr "))?;
    match rest {
        [b'F' | b'P', b' ', tail @ ..] => Some(tail),
        [b'F' | b'P'] => Some(&[]),
        _ => None,
    }
}

/// End of a leading `HH:MM:SS` with an optional `.fff` or `,fff` fraction, followed by a space.
fn time_of_day_end(s: &[u8]) -> Option<usize> {
    let h = s.get(..8)?;
    let two = |a: u8, b: u8| a.is_ascii_digit() && b.is_ascii_digit();
    if !(two(h[0], h[1]) && h[2] == b':' && two(h[3], h[4]) && h[5] == b':' && two(h[6], h[7])) {
        return None;
    }
    let mut end = 8;
    if matches!(s.get(end), Some(b'.' | b',')) {
        end += 1 + s[end + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
    }
    (s.get(end) == Some(&b' ')).then_some(end)
}

/// Spaces and lone `-` or `|` separators from `i` on: where the next part starts.
fn skip_separators(s: &[u8], mut i: usize) -> usize {
    loop {
        i = skip_spaces(s, i);
        match s.get(i..i + 2) {
            Some([b'-' | b'|', b' ']) => i += 2,
            _ => return i,
        }
    }
}

fn skip_spaces(s: &[u8], mut i: usize) -> usize {
    while matches!(s.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    i
}

/// A level word at `s[i..]`: upper-case and bare (`WARN`, `INFO:`) or in brackets in any case
/// (`[warn]`, `<error>`, `(notice)`). Returns the word and where the part ends (after the
/// closing bracket and a colon).
fn level_at(s: &[u8], i: usize) -> Option<(&[u8], usize)> {
    let (open, close) = match s.get(i)? {
        b'[' => (1, Some(b']')),
        b'<' => (1, Some(b'>')),
        b'(' => (1, Some(b')')),
        _ => (0, None),
    };
    let start = i + open;
    let len = s[start..]
        .iter()
        .take_while(|b| b.is_ascii_alphabetic())
        .count();
    let word = &s[start..start + len];
    let mut end = start + len;
    match close {
        Some(c) if s.get(end) == Some(&c) => end += 1,
        Some(_) => return None,
        None if !word.iter().all(u8::is_ascii_uppercase) => return None,
        None => {}
    }
    if s.get(end)
        .is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return None;
    }
    super::Level::from_word(word)?;
    if s.get(end) == Some(&b':') {
        end += 1;
    }
    Some((word, end))
}

/// Apache 2.4's error log after its time: `[module:level]` (`[proxy:error]`, `[core:trace3]`),
/// then the process' `[pid 8]` or `[pid 8:tid 140]`, which is header too. The module, the
/// level word (`trace1`…`trace8` as `trace`) and where the header ends.
fn apache_module_level(s: &[u8], i: usize) -> Option<(&[u8], &[u8], usize)> {
    let inner = s.get(i..)?.strip_prefix(b"[")?;
    let close = memchr::memchr(b']', &inner[..inner.len().min(48)])?;
    let (module, level) = inner[..close].split_at(memchr::memchr(b':', &inner[..close])?);
    let level = &level[1..];
    // An empty module (`[:error]`) is a module that names none (mod_php 5).
    if !module
        .iter()
        .all(|&b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return None;
    }
    let level = match level {
        [b't', b'r', b'a', b'c', b'e', b'1'..=b'8'] => &level[..5],
        _ => level,
    };
    if level.is_empty() || !level.iter().all(u8::is_ascii_lowercase) {
        return None;
    }
    super::Level::from_word(level)?;
    let mut end = i + 1 + close + 1;
    let next = skip_spaces(s, end);
    if s[next..].starts_with(b"[pid ") {
        if let Some(e) = memchr::memchr(b']', &s[next..]).filter(|&e| e < 40) {
            end = next + e + 1;
        }
    }
    Some((module, level, end))
}

/// MySQL 8's error log after its time: the thread, `[Note]` (or `[System]`, `[Warning]`,
/// `[ERROR]`), the error code `[MY-010914]` and the subsystem `[Server]`. The subsystem, the
/// level word (`Note` and `System` as `info`) and where the message starts.
fn mysql_at(s: &[u8], i: usize) -> Option<(&[u8], &'static [u8], usize)> {
    let digits = s[i..].iter().take_while(|b| b.is_ascii_digit()).count();
    let mut at = if digits > 0 && s.get(i + digits) == Some(&b' ') {
        i + digits + 1
    } else {
        i
    };
    let rest = &s[at..];
    let (level, len): (&'static [u8], usize) = if rest.starts_with(b"[Note] ") {
        (b"info", 7)
    } else if rest.starts_with(b"[System] ") {
        (b"info", 9)
    } else if rest.starts_with(b"[Warning] ") {
        (b"warn", 10)
    } else if rest.starts_with(b"[ERROR] ") || rest.starts_with(b"[Error] ") {
        (b"error", 8)
    } else {
        return None;
    };
    at += len;
    let code = s[at..].strip_prefix(b"[MY-")?;
    let close = memchr::memchr(b']', &code[..code.len().min(12)])?;
    if close == 0 || !code[..close].iter().all(u8::is_ascii_digit) {
        return None;
    }
    at += 4 + close + 1;
    let sub = s.get(at..)?.strip_prefix(b" [")?;
    let close = memchr::memchr(b']', &sub[..sub.len().min(32)])?;
    let subsystem = &sub[..close];
    if subsystem.is_empty() || !subsystem.iter().all(u8::is_ascii_alphanumeric) {
        return None;
    }
    Some((subsystem, level, skip_spaces(s, at + 2 + close + 1)))
}

/// End (after the `]`) of a bracketed part starting at `s[i] == b'['`, nested brackets
/// included (`[QuorumPeer[myid=1]/0:0:0:0:2181]`), if it closes within 256 bytes.
fn bracket_end(s: &[u8], i: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (n, &b) in s[i..].iter().take(256).enumerate() {
        match b {
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + n + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// A logger name at `s[i..]`: a dotted or `$`-joined Java-style name followed by `: ` (log4j's
/// `%c: %m`) or ` - ` (logback's `%logger - %msg`). Returns the name and where the message
/// starts.
fn logger_at(s: &[u8], i: usize) -> Option<(&[u8], usize)> {
    let len = s[i..]
        .iter()
        .take(256)
        .take_while(|&&b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'$' | b'_' | b'-'))
        .count();
    let name = &s[i..i + len];
    if len < 3 || !name.iter().any(|&b| b == b'.' || b == b'$') || !name[0].is_ascii_alphabetic() {
        return None;
    }
    let rest = &s[i + len..];
    // Spring Boot pads the logger to 40 columns before ` : `.
    let pad = rest.iter().take_while(|&&b| b == b' ').count();
    if rest.starts_with(b": ") || rest == b":" {
        Some((name, i + len + 1))
    } else if rest.starts_with(b" - ") {
        Some((name, i + len + 3))
    } else if pad > 0 && (rest[pad..].starts_with(b": ") || &rest[pad..] == b":") {
        Some((name, i + len + pad + 1))
    } else {
        None
    }
}

/// A source file and line at `s[i..]` followed by a space or a tab: a path of a source file
/// by its extension (`app/main.go:42`, `Db.java:118`, `views.py:7`), so that a host and port
/// (`db.example.com:5432`) is none. Returns its end.
fn source_location_at(s: &[u8], i: usize) -> Option<usize> {
    const EXTENSIONS: [&[u8]; 20] = [
        b"go", b"py", b"java", b"kt", b"scala", b"rs", b"js", b"mjs", b"cjs", b"ts", b"rb", b"c",
        b"h", b"cc", b"cpp", b"cs", b"php", b"swift", b"ex", b"exs",
    ];
    let len = s[i..]
        .iter()
        .take(256)
        .take_while(|&&b| b != b' ' && b != b'\t')
        .count();
    if !matches!(s.get(i + len), Some(b' ' | b'\t')) {
        return None;
    }
    let tok = &s[i..i + len];
    let colon = tok.iter().rposition(|&b| b == b':')?;
    let (file, line) = (&tok[..colon], &tok[colon + 1..]);
    let dot = file.iter().rposition(|&b| b == b'.')?;
    let ok = !line.is_empty()
        && line.len() <= 7
        && line.iter().all(u8::is_ascii_digit)
        && dot > 0
        && EXTENSIONS.contains(&&file[dot + 1..])
        && file
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'_' | b'-'));
    ok.then_some(i + len)
}

/// Whether `tok` can be a Python logger's name (`root`, `app.db`, `__main__`, `uvicorn.error`).
fn is_logger_name(tok: &[u8]) -> bool {
    tok.first()
        .is_some_and(|&b| b.is_ascii_alphabetic() || b == b'_')
        && tok.len() <= 128
        && tok
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b':' | b'$'))
}

/// Rust's env_logger: `[2026-02-06T10:00:00Z ERROR my_app::db] message`, the level padded to
/// five columns and the module path (the service) optional.
fn env_logger_header(line: &[u8]) -> Option<Header<'_>> {
    let inner = line.strip_prefix(b"[")?;
    let (time_us, used) = time::parse_rfc3339_prefix(inner)?;
    if inner.get(used) != Some(&b' ') {
        return None;
    }
    let (level, end) = level_at(line, used + 2)?;
    let at = skip_spaces(line, end);
    let target = line[at..]
        .iter()
        .take(256)
        .take_while(|&&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b'.' | b'-'))
        .count();
    if line.get(at + target) != Some(&b']') || line[end - 1] == b':' {
        return None;
    }
    let message = line[at + target + 1..].trim_ascii();
    Some(Header {
        time: Some(LineTime {
            time_us,
            start: 1,
            end: 1 + used,
            skip: at + target + 1,
        }),
        level: Some(level),
        service: (target > 0).then(|| &line[at..at + target]),
        caller: None,
        message: (!message.is_empty()).then_some(message),
        ..Header::default()
    })
}

/// Ruby's `Logger`, as Rails writes its production log: `E, [2026-02-06T10:00:00.123456 #1234]
/// ERROR -- progname: message`, the progname (often empty) the service. Rails' tagged logging
/// puts its tags first in the message; its default tag, the request id, is a UUID: a leading
/// `[<uuid>]` is the request id and comes off the message. Rails' `Completed 500 Internal
/// Server Error in 1203ms (…)` gives the request's duration.
fn ruby_logger_header(line: &[u8]) -> Option<Header<'_>> {
    if !matches!(line.first()?, b'D' | b'I' | b'W' | b'E' | b'F' | b'A')
        || line.get(1..4)? != b", ["
    {
        return None;
    }
    let (time_us, used) = time::parse_rfc3339_prefix(&line[4..])?;
    let time_end = 4 + used;
    let pid = line[time_end..].strip_prefix(b" #")?;
    let digits = pid
        .iter()
        .take(20)
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 0 || pid.get(digits) != Some(&b']') {
        return None;
    }
    let (level, end) = level_at(line, skip_spaces(line, time_end + 2 + digits + 1))?;
    let prog_start = end + line.get(end..)?.strip_prefix(b" -- ").map(|_| 4)?;
    // The progname ends at `: ` (it may hold colons: `ActiveRecord::Base: …`), or at a last
    // colon when no message follows.
    let window = &line[prog_start..line.len().min(prog_start + 256)];
    let prog_len = memchr::memmem::find(window, b": ").or_else(|| {
        (line.last() == Some(&b':') && window.len() == line.len() - prog_start)
            .then(|| window.len() - 1)
    })?;
    let progname = &line[prog_start..prog_start + prog_len];
    if progname.contains(&b' ') {
        return None;
    }
    let mut message = line[prog_start + prog_len + 1..].trim_ascii();
    let mut request_id = None;
    if message.first() == Some(&b'[') {
        if let Some(close) = bracket_end(message, 0).filter(|&c| is_uuid(&message[1..c - 1])) {
            request_id = Some(&message[1..close - 1]);
            message = message[close..].trim_ascii_start();
        }
    }
    Some(Header {
        time: Some(LineTime {
            time_us,
            start: 4,
            end: time_end,
            skip: prog_start + prog_len + 1,
        }),
        level: Some(level),
        service: (!progname.is_empty()).then_some(progname),
        caller: None,
        message: (!message.is_empty()).then_some(message),
        request_id,
        duration: rails_completed_in(message),
        duration_in_seconds: false,
        message_below: false,
        whole_line: false,
    })
}

/// Rails' summary of a request, `Completed 200 OK in 12ms (Views: …)`, after the tags that are
/// left (`[tag] Completed …`): its `12ms`.
fn rails_completed_in(mut message: &[u8]) -> Option<&[u8]> {
    for _ in 0..4 {
        match message.first() {
            Some(b'[') => message = message[bracket_end(message, 0)?..].trim_ascii_start(),
            _ => break,
        }
    }
    let rest = message.strip_prefix(b"Completed ")?;
    let window = &rest[..rest.len().min(96)];
    let at = memchr::memmem::find(window, b" in ")? + 4;
    let n = decimal_len(&rest[at..]);
    (n > 0 && rest[at + n..].starts_with(b"ms")).then(|| &rest[at..at + n + 2])
}

/// Redis's log: `1:M 06 Feb 2026 10:00:03.123 # message`, the pid and role (`M` master, `S`
/// replica, `C` a child writing the RDB or AOF, `X` sentinel), then the time and a mark for the
/// level: `.` debug, `-` verbose, `*` notice, `#` warning.
fn redis_header(line: &[u8]) -> Option<Header<'_>> {
    let pid = line
        .iter()
        .take(12)
        .take_while(|b| b.is_ascii_digit())
        .count();
    if pid == 0
        || line.get(pid) != Some(&b':')
        || !matches!(line.get(pid + 1), Some(b'M' | b'S' | b'C' | b'X'))
        || line.get(pid + 2) != Some(&b' ')
    {
        return None;
    }
    let start = pid + 3;
    let (time_us, used) = time::parse_redis_prefix(&line[start..])?;
    let end = start + used;
    let level: &'static [u8] = match line.get(end..end + 3)? {
        b" . " | b" - " => b"DEBUG",
        b" * " => b"INFO",
        b" # " => b"WARN",
        _ => return None,
    };
    let message = line[end + 3..].trim_ascii();
    Some(Header {
        time: Some(LineTime {
            time_us,
            start,
            end,
            skip: end + 3,
        }),
        level: Some(level),
        message: (!message.is_empty()).then_some(message),
        ..Header::default()
    })
}

/// PHP's Monolog (Laravel's, Symfony's log): `[2026-02-06 10:00:01] production.ERROR: message
/// {context} [extra]`, the channel the service.
fn monolog_header(line: &[u8]) -> Option<Header<'_>> {
    let inner = line.strip_prefix(b"[")?;
    let (time_us, used) = time::parse_prefix(inner)?;
    if inner.get(used..used + 2) != Some(b"] ") {
        return None;
    }
    let at = used + 3;
    let channel = line[at..]
        .iter()
        .take(128)
        .take_while(|&&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
        .count();
    if channel == 0 || line.get(at + channel) != Some(&b'.') {
        return None;
    }
    let (level, end) = level_at(line, at + channel + 1)?;
    if line[end - 1] != b':' {
        return None;
    }
    let message = line[end..].trim_ascii();
    Some(Header {
        time: Some(LineTime {
            time_us,
            start: 1,
            end: 1 + used,
            skip: end,
        }),
        level: Some(level),
        service: Some(&line[at..at + channel]),
        caller: None,
        message: (!message.is_empty()).then_some(message),
        ..Header::default()
    })
}

/// What a Lambda runtime writes after the time (see [`lambda_runtime_at`]).
struct LambdaRuntime<'a> {
    request_id: Option<&'a [u8]>,
    level: &'a [u8],
    /// Where the message starts.
    message: usize,
}

/// A Lambda runtime's line after its time, at `s[i..]`: `<request id>\t<LEVEL>\t<message>`
/// (Node.js writes `undefined` for the id outside an invocation; .NET its own lower-case labels,
/// `info`, `warn`, `fail`, `crit`, `dbug`, `trce`), or the platform's timeout, `<request id>
/// Task timed out after 3.00 seconds`, written where the runtime's level goes: an error, as
/// Lambda counts it.
fn lambda_runtime_at(s: &[u8], i: usize) -> Option<LambdaRuntime<'_>> {
    let rest = &s[i..];
    let (request_id, after) = if rest.starts_with(b"undefined\t") {
        (None, i + 9)
    } else {
        let id = rest.get(..36).filter(|id| is_uuid(id))?;
        (Some(id), i + 36)
    };
    match s.get(after) {
        Some(b'\t') => {
            let start = after + 1;
            let len = s[start..]
                .iter()
                .take(6)
                .take_while(|b| b.is_ascii_alphabetic())
                .count();
            if s.get(start + len) != Some(&b'\t') {
                return None;
            }
            let word = &s[start..start + len];
            let level: &[u8] = match dotnet_level(word) {
                Some(level) => level,
                None if word.iter().all(u8::is_ascii_uppercase)
                    && super::Level::from_word(word).is_some() =>
                {
                    word
                }
                None => return None,
            };
            Some(LambdaRuntime {
                request_id,
                level,
                message: start + len + 1,
            })
        }
        Some(b' ')
            if request_id.is_some() && s[after + 1..].starts_with(b"Task timed out after ") =>
        {
            Some(LambdaRuntime {
                request_id,
                level: b"ERROR",
                message: after + 1,
            })
        }
        _ => None,
    }
}

/// Length of the decimal number (digits and dots, at most 24 bytes) that starts `b`.
fn decimal_len(b: &[u8]) -> usize {
    b.iter()
        .take(24)
        .take_while(|b| b.is_ascii_digit() || **b == b'.')
        .count()
}

/// [`decimal_len`] with an exponent after the number, as Python writes a small float
/// (`6.1e-05`).
fn float_len(b: &[u8]) -> usize {
    let n = decimal_len(b);
    if n == 0 || !matches!(b.get(n), Some(b'e' | b'E')) {
        return n;
    }
    let sign = usize::from(matches!(b.get(n + 1), Some(b'-' | b'+')));
    let digits = b[(n + 1 + sign).min(b.len())..]
        .iter()
        .take(4)
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 0 {
        n
    } else {
        n + 1 + sign + digits
    }
}

/// Whether `b` is a UUID in its 8-4-4-4-12 hex form.
pub(crate) fn is_uuid(b: &[u8]) -> bool {
    b.len() == 36
        && b.iter().enumerate().all(|(n, &c)| match n {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// The fields of an Application Load Balancer's access log entry that [`alb_header`] reads,
/// by their place: the type, time and load balancer lead the line.
const ALB_FIELDS: usize = 18;

/// An Application Load Balancer's access log entry (the files it writes to S3), its fields
/// separated by single spaces, some in double quotes: `type time elb client:port target:port
/// request_processing_time target_processing_time response_processing_time elb_status_code
/// target_status_code received_bytes sent_bytes "request" "user_agent" ssl_cipher ssl_protocol
/// target_group_arn "trace_id" …`. The level is the load balancer's status's (5xx error, 4xx
/// warn, others info), the message the request (`GET https://api.example.com:443/v1/orders
/// HTTP/1.1`), the duration the target's processing time in seconds (none when it is `-1`: the
/// load balancer got no answer), the service the target group's name, the request id the
/// trace id's `Root=` (the `X-Amzn-Trace-Id` the application behind it receives).
fn alb_header(line: &[u8]) -> Option<Header<'_>> {
    let kind_end = memchr::memchr(b' ', line.get(..6).unwrap_or(line))?;
    if !matches!(
        &line[..kind_end],
        b"http" | b"https" | b"h2" | b"grpcs" | b"ws" | b"wss"
    ) {
        return None;
    }
    let mut fields = [(0usize, 0usize); ALB_FIELDS];
    let mut n = 0;
    let mut i = 0;
    while n < ALB_FIELDS && i < line.len() {
        let (start, end, next) = if line[i] == b'"' {
            let close = quoted_end(line, i + 1)?;
            (i + 1, close, close + 1)
        } else {
            let end = memchr::memchr(b' ', &line[i..]).map_or(line.len(), |k| i + k);
            if end == i {
                // Two spaces: the fields would be miscounted.
                return None;
            }
            (i, end, end)
        };
        fields[n] = (start, end);
        n += 1;
        match line.get(next) {
            Some(b' ') => i = next + 1,
            None => break,
            // Only a space or the line's end after a field.
            Some(_) => return None,
        }
    }
    // Up to the request: a line cut before it is not an entry.
    if n < 13 {
        return None;
    }
    let field = |k: usize| (k < n).then(|| &line[fields[k].0..fields[k].1]);
    let (time_start, time_end) = fields[1];
    let time_us = time::parse_rfc3339(&line[time_start..time_end])?;
    if !field(2)?.starts_with(b"app/") {
        return None;
    }
    let status = field(8)?;
    let level: &[u8] = match status {
        [b'5', _, _] => b"ERROR",
        [b'4', _, _] => b"WARN",
        _ => b"INFO",
    };
    let duration = field(6).filter(|d| d.first().is_some_and(u8::is_ascii_digit));
    let service = field(16).and_then(|arn| {
        let at = memchr::memmem::find(arn, b":targetgroup/")? + 13;
        let len = memchr::memchr(b'/', &arn[at..]).unwrap_or(arn.len() - at);
        (len > 0).then(|| &arn[at..at + len])
    });
    let request_id = field(17).and_then(|trace| {
        let at = memchr::memmem::find(trace, b"Root=")? + 5;
        let len = memchr::memchr(b';', &trace[at..]).unwrap_or(trace.len() - at);
        (len > 0).then(|| &trace[at..at + len])
    });
    let request = field(12)?.trim_ascii();
    Some(Header {
        time: Some(LineTime {
            time_us,
            start: time_start,
            end: time_end,
            skip: 0,
        }),
        level: Some(level),
        service,
        message: (!request.is_empty()).then_some(request),
        request_id,
        duration,
        duration_in_seconds: duration.is_some(),
        whole_line: true,
        ..Header::default()
    })
}

/// Where the double-quoted field whose text starts at `s[i]` ends (its closing quote); a
/// backslash escapes the byte after it.
fn quoted_end(s: &[u8], mut i: usize) -> Option<usize> {
    loop {
        i += memchr::memchr2(b'"', b'\\', s.get(i..)?)?;
        if s[i] == b'"' {
            return Some(i);
        }
        i += 2;
    }
}

/// HAProxy's HTTP log (`option httplog`, and `log-format`s that keep its first fields) at
/// `s[i..]`, `s` being `line[base..]`: `client:port [accept_date] frontend backend/server
/// TR/Tw/Tc/Tr/Ta status bytes cookie cookie state … "request"`, after syslog's `haproxy[pid]:
/// `, after a time a container runtime wrote, or alone (`log stdout format raw`). The accept
/// date (with milliseconds and the year, which syslog's time lacks) is the time, the status's
/// level the level (5xx error, 4xx warn, others info; a request that got no status, `-1`, is a
/// warning unless its termination state is `--`), the request the message, the total active
/// time `Ta` (ms; `+` before it with `option logasap`) the duration and the backend the service.
/// The TCP log (`option tcplog`: three timers, no status or request) gives its time, backend
/// and a level from its termination state (info when it is `--`, else warn), no duration (a
/// session's length is no latency), and the rest of the line as the message.
fn haproxy_at(s: &[u8], i: usize, base: usize) -> Option<Header<'_>> {
    let body = &s[i..];
    // The client's `address:port` (`unix:1` through a socket).
    let client_end = memchr::memchr(b' ', body.get(..64).unwrap_or(body))?;
    let port = memchr::memrchr(b':', &body[..client_end])? + 1;
    if port == 1 || port == client_end || !body[port..client_end].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let date = client_end + 2;
    if body.get(client_end + 1) != Some(&b'[') {
        return None;
    }
    let (time_us, used) = time::parse_clf_prefix(&body[date..])?;
    let date_end = date + used;
    let rest = body[date_end..].strip_prefix(b"] ")?;
    // The words after the date, one space apart: `at` is where the next one starts.
    let mut at = 0;
    let mut word = || next_word(rest, &mut at);
    word()?; // The frontend.
    let backend = word()?;
    let backend = &backend[..memchr::memchr(b'/', backend)?];
    // Five timers, each a number or `-1` (a step not reached); `+` before the last with
    // `option logasap`.
    let mut count = 0;
    let mut total = None;
    for t in word()?.split(|&b| b == b'/') {
        let (sign, digits) = match t.first() {
            Some(&c @ (b'-' | b'+')) => (Some(c), &t[1..]),
            _ => (None, t),
        };
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        count += 1;
        total = match sign {
            Some(b'-') => None,
            _ => Some(digits),
        };
    }
    let start = base + i + date;
    let time = Some(LineTime {
        time_us,
        start,
        end: start + used,
        skip: 0,
    });
    if count == 3 {
        // The TCP log: bytes, then the termination state (`--` when the session ended
        // normally). The message is the log without the client and the time, so that its
        // templates are the proxies' and their servers'.
        let mut word = || next_word(rest, &mut at);
        let state = word().and_then(|_| word())?;
        // The termination state's two letters, then the connection counts `ac/fc/bc/sc/rc`.
        let counts = word()?;
        if state.len() != 2
            || !state.iter().all(|&b| b == b'-' || b.is_ascii_alphabetic())
            || counts.split(|&b| b == b'/').count() != 5
            || !counts.iter().all(|&b| b == b'/' || b.is_ascii_digit())
        {
            return None;
        }
        let normal = state == b"--";
        let m = rest.trim_ascii();
        return Some(Header {
            time,
            level: Some(if normal { b"INFO" } else { b"WARN" }),
            service: Some(backend).filter(|b| !b.is_empty()),
            message: (!m.is_empty()).then_some(m),
            whole_line: true,
            ..Header::default()
        });
    }
    if count != 5 {
        return None;
    }
    let status = word()?;
    let after_status = at;
    let mut word = || next_word(rest, &mut at);
    // Bytes, the request's and the response's captured cookie, then the termination state.
    let state = (0..4).map(|_| word()).last().flatten();
    let level: &'static [u8] = match (status_level(status), status) {
        (Some(level), _) => level,
        (None, b"-1") if state.is_some_and(|st| st.starts_with(b"--")) => b"INFO",
        (None, b"-1") => b"WARN",
        _ => return None,
    };
    // The request, the first quoted field after the status: HAProxy writes a quote inside a
    // request or a captured header as `#22`. A line cut short (syslog's 1024 bytes) has no
    // closing quote: the request is the rest. Inside a JSON string (Docker's log file) the
    // quotes are `\"`.
    let tail = rest.get(after_status..).unwrap_or_default();
    let request = memchr::memchr(b'"', tail)
        .map(|n| &tail[n + 1..])
        .map(|r| {
            let r = &r[..memchr::memchr(b'"', r).unwrap_or(r.len())];
            r.strip_suffix(b"\\").unwrap_or(r).trim_ascii()
        })
        .filter(|r| !r.is_empty());
    Some(Header {
        time,
        level: Some(level),
        service: Some(backend).filter(|b| !b.is_empty()),
        message: request,
        duration: total,
        whole_line: true,
        ..Header::default()
    })
}

/// Envoy's default access log, and Istio's (its sidecars' `accessLogFile`), at `s[i..]` after
/// the bracketed start time: `"GET /path HTTP/1.1" status flags [Istio: details termination
/// "failure"] received sent duration upstream_time "x-forwarded-for" "user-agent"
/// "x-request-id" "authority" "upstream_host" …`. The status's level is the level (5xx error,
/// 4xx warn; `0`, no response, a warning unless the response flags are `-`), the request the
/// message, the duration (ms) the duration, the `x-request-id` the request id (the one id every
/// sidecar of a call logs) and the authority (`orders:8080`) the service. A TCP proxy's entry
/// (`"- - -"`) is not read this way.
fn envoy_at(s: &[u8], i: usize) -> Option<Header<'_>> {
    let rest = s.get(i..)?.strip_prefix(b"\"")?;
    let close = quoted_end(rest, 0)?;
    let request = &rest[..close];
    if !starts_with_method(request) {
        return None;
    }
    let mut at = close + 2;
    if rest.get(close + 1) != Some(&b' ') {
        return None;
    }
    let status = next_word(rest, &mut at)?;
    // The response flags: `-`, or short codes in capitals (`UF,URX`).
    let flags = next_word(rest, &mut at)?;
    if flags != b"-" && !flags.iter().all(|&b| b.is_ascii_uppercase() || b == b',') {
        return None;
    }
    // The words and quoted fields that follow, as many as the authority's place may need:
    // (start, end, quoted). A line cut short inside a quoted field ends it.
    let mut tokens = [(0usize, 0usize, false); 11];
    let mut n = 0;
    while n < tokens.len() && at < rest.len() {
        if rest[at] == b'"' {
            let end = quoted_end(rest, at + 1).unwrap_or(rest.len());
            tokens[n] = (at + 1, end, true);
            at = end + 2;
        } else {
            let start = at;
            next_word(rest, &mut at)?;
            tokens[n] = (start, at - 1, false);
        }
        n += 1;
    }
    let tokens = &tokens[..n];
    let text = |t: &(usize, usize, bool)| &rest[t.0..t.1.min(rest.len())];
    let number = |t: &(usize, usize, bool)| !t.2 && text(t).iter().all(u8::is_ascii_digit);
    // Bytes received and sent, the duration and the upstream's time (`-` without one), then the
    // quoted fields: Istio puts three more words before them than Envoy.
    let k = (0..=3).find(|&k| {
        tokens.len() > k + 4
            && tokens[k..k + 3].iter().all(|t| number(t) && t.1 > t.0)
            && (number(&tokens[k + 3]) || (!tokens[k + 3].2 && text(&tokens[k + 3]) == b"-"))
            && tokens[k + 4].2
    })?;
    let quoted = |j: usize| {
        tokens
            .get(k + 4 + j)
            .filter(|t| t.2)
            .map(text)
            .filter(|v| !v.is_empty() && *v != b"-")
    };
    let level: &'static [u8] = match (status_level(status), status) {
        (Some(level), _) => level,
        (None, b"0") if flags == b"-" => b"INFO",
        (None, b"0") => b"WARN",
        _ => return None,
    };
    Some(Header {
        level: Some(level),
        message: Some(request),
        duration: Some(text(&tokens[k + 2])),
        request_id: quoted(2),
        service: quoted(3),
        whole_line: true,
        ..Header::default()
    })
}

/// The level of a proxy's HTTP status of three digits: 5xx error, 4xx warn, 1xx–3xx info;
/// `None` for anything else (HAProxy's `-1`, Envoy's `0`: no response).
fn status_level(status: &[u8]) -> Option<&'static [u8]> {
    if status.len() != 3 || !status.iter().all(u8::is_ascii_digit) {
        return None;
    }
    match status[0] {
        b'5' => Some(b"ERROR"),
        b'4' => Some(b"WARN"),
        b'1'..=b'3' => Some(b"INFO"),
        _ => None,
    }
}

/// The word of `s` that starts at `*at`, up to the next space or the end; `*at` moves past the
/// space. `None` at the end, or for an empty word (two spaces).
fn next_word<'a>(s: &'a [u8], at: &mut usize) -> Option<&'a [u8]> {
    let start = *at;
    let len = memchr::memchr(b' ', s.get(start..)?).unwrap_or(s.len() - start);
    *at = start + len + 1;
    (len > 0).then(|| &s[start..start + len])
}

/// How far after the time PostgreSQL's severity is looked for: `log_line_prefix` may put the
/// pid, the user and database, the client and more there.
const POSTGRES_WINDOW: usize = 160;

/// A PostgreSQL server log line's header after its time (see [`postgres_at`]).
struct Postgres<'a> {
    /// The severity as a level word; `None` for the lines that go with the one before
    /// (`DETAIL`, `HINT`, `CONTEXT`, `STATEMENT`, `QUERY`, `LOCATION`).
    level: Option<&'static [u8]>,
    /// The database (`user@db`, `db=name`), when the prefix names one.
    database: Option<&'a [u8]>,
    /// Where the message starts: after `LEVEL:  `; at the label of a line that goes with the
    /// one before (`DETAIL:  Key (id)=(42) already exists.`), which says what the line is.
    message: usize,
    /// The number of `duration: 12.345 ms` at the start of a `LOG` message: the statement's
    /// time in ms (`log_min_duration_statement`, `log_duration`, `auto_explain`).
    duration: Option<&'a [u8]>,
}

/// PostgreSQL's server log at `s[i..]`, right after the time that `log_line_prefix`'s `%m` or
/// `%t` wrote (or after syslog's `postgres[pid]: `): the rest of the prefix (see
/// [`is_postgres_prefix`]), then the severity, a colon and the two spaces PostgreSQL always
/// writes after it (`LOG:  `, `ERROR:  `).
fn postgres_at(s: &[u8], i: usize) -> Option<Postgres<'_>> {
    let window = &s[i..s.len().min(i + POSTGRES_WINDOW)];
    let colon = memchr::memmem::find(window, b":  ")?;
    let word_start = window[..colon]
        .iter()
        .rposition(|b| !b.is_ascii_uppercase() && !b.is_ascii_digit())
        .map_or(0, |p| p + 1);
    let prefix = &window[..word_start];
    if !is_postgres_prefix(prefix) {
        return None;
    }
    let level: Option<&'static [u8]> = match &window[word_start..colon] {
        b"LOG" | b"INFO" | b"NOTICE" => Some(b"INFO"),
        b"WARNING" => Some(b"WARN"),
        b"ERROR" => Some(b"ERROR"),
        b"FATAL" | b"PANIC" => Some(b"FATAL"),
        b"DEBUG" | b"DEBUG1" | b"DEBUG2" | b"DEBUG3" | b"DEBUG4" | b"DEBUG5" => Some(b"DEBUG"),
        b"DETAIL" | b"HINT" | b"CONTEXT" | b"STATEMENT" | b"QUERY" | b"LOCATION" => None,
        _ => return None,
    };
    let message = match level {
        Some(_) => i + colon + 1,
        None => i + word_start,
    };
    let duration = (window[word_start..colon] == *b"LOG")
        .then(|| {
            let num = s[message..]
                .trim_ascii_start()
                .strip_prefix(b"duration: ")?;
            let n = decimal_len(num);
            (n > 0 && num[n..].starts_with(b" ms")).then(|| &num[..n])
        })
        .flatten();
    Some(Postgres {
        level,
        database: postgres_database(prefix),
        message,
        duration,
    })
}

/// Whether `b` starts with an HTTP method's word (three to seven capitals) and a space: a
/// request line (`GET /x HTTP/1.1`), or a route that names its method (API Gateway's `ANY
/// /{proxy+}`).
pub fn starts_with_method(b: &[u8]) -> bool {
    let n = b.iter().take_while(|c| c.is_ascii_uppercase()).count();
    (3..=7).contains(&n) && b.get(n) == Some(&b' ')
}

/// Whether `prefix`, what `log_line_prefix` wrote between the time and the severity, is one of
/// PostgreSQL's, after a zone name the time did not take (`IST`, whose offset is not known):
/// nothing; Amazon RDS's `:client(port):user@db:[pid]:` (no spaces, a bracketed pid and a colon
/// at its end); a bracketed pid first (`[4242]`, `[4242]:`), then any words (the client
/// `10.0.0.1(5432)`, an application's name with spaces and dashes, an error code, a session
/// id, an empty `%a`) but a level word in any case or brackets, or a word that ends in a colon;
/// or, without a pid, words that are each a line number (`[3-1]`), a `user@db` or a
/// `key=value,…` list (pgBadger's `user=app,db=shop`). Another logger's line with PostgreSQL's
/// error in its message (`[7] ERROR app.Db - insert failed: ERROR:  duplicate key …`) has a
/// level word or a `word:` before it.
fn is_postgres_prefix(prefix: &[u8]) -> bool {
    // A zone's abbreviation of unknown offset: the time is read as UTC.
    let zone = prefix
        .iter()
        .take(6)
        .take_while(|b| b.is_ascii_uppercase())
        .count();
    let prefix = match prefix.get(zone) {
        Some(b' ') if (2..=5).contains(&zone) => &prefix[zone + 1..],
        Some(b':') if (2..=5).contains(&zone) => &prefix[zone..],
        _ => prefix,
    };
    let is_pid = |b: &[u8]| {
        let mut parts = b.splitn(2, |&c| c == b'-');
        parts.all(|p| !p.is_empty() && p.iter().all(u8::is_ascii_digit))
    };
    if prefix.is_empty() {
        return true;
    }
    if prefix[0] == b':' {
        let Some(head) = prefix.strip_suffix(b"]:") else {
            return false;
        };
        return !prefix.contains(&b' ')
            && memchr::memrchr(b'[', head).is_some_and(|open| is_pid(&head[open + 1..]));
    }
    let Some(words) = prefix.strip_suffix(b" ") else {
        return false;
    };
    let bracketed_pid = |w: &[u8]| {
        let w = w.strip_suffix(b":").unwrap_or(w);
        w.strip_prefix(b"[")
            .and_then(|w| w.strip_suffix(b"]"))
            .is_some_and(is_pid)
    };
    let mut words = words.split(|&b| b == b' ');
    if words.clone().next().is_some_and(bracketed_pid) {
        // Another logger's words: a level word (`ERROR`, `warn`, `[WARNING]`), a `word:` (not a
        // `[pid]:`).
        let foreign = |w: &[u8]| {
            let open = w
                .iter()
                .take_while(|b| matches!(b, b'[' | b'<' | b'('))
                .count();
            let close = w[open..]
                .iter()
                .rev()
                .take_while(|b| matches!(b, b']' | b'>' | b')' | b':'))
                .count();
            let bare = &w[open..w.len() - close];
            (w.ends_with(b":") && !bracketed_pid(w)) || super::Level::from_word(bare).is_some()
        };
        return words.skip(1).all(|w| !foreign(w));
    }
    words.all(|w| bracketed_pid(w) || w.iter().any(|&b| b == b'@' || b == b'='))
}

/// `h` with what PostgreSQL's header `pg` (in `s`) says: its level, message and duration, the
/// database as the service (else the syslog program `h` has).
fn with_postgres<'a>(h: Header<'a>, s: &'a [u8], pg: Postgres<'a>) -> Header<'a> {
    let m = s[pg.message..].trim_ascii();
    Header {
        level: pg.level,
        service: pg.database.or(h.service),
        duration: pg.duration,
        message: (!m.is_empty()).then_some(m),
        ..h
    }
}

/// The database a PostgreSQL `log_line_prefix` names: `%u@%d` (`app@orders`) or `db=%d`.
fn postgres_database(prefix: &[u8]) -> Option<&[u8]> {
    let is_end = |b: &u8| matches!(b, b' ' | b':' | b',' | b'[' | b']');
    let start = match memchr::memmem::find(prefix, b"db=") {
        Some(at) => at + 3,
        None => memchr::memchr(b'@', prefix)? + 1,
    };
    let len = prefix[start..].iter().take_while(|b| !is_end(b)).count();
    (len > 0).then(|| &prefix[start..start + len])
}

/// An AWS Lambda platform line (see [`lambda_platform`]).
struct LambdaPlatform<'a> {
    request_id: &'a [u8],
    /// `REPORT`'s `Duration:` in ms (its number).
    duration: Option<&'a [u8]>,
    /// `ERROR` for the runtime's exit (`RequestId: <id> Error: Runtime exited with error: …`).
    level: Option<&'static [u8]>,
}

/// AWS Lambda's platform lines at `s[i..]`: `START RequestId: <id> Version: $LATEST`, `END
/// RequestId: <id>`, `REPORT RequestId: <id>\tDuration: 12.34 ms\tBilled Duration: …`, and the
/// runtime's failure, `RequestId: <id> Error: Runtime exited with error: signal: killed`.
fn lambda_platform(s: &[u8], i: usize) -> Option<LambdaPlatform<'_>> {
    let rest = &s[i..];
    let (after, kind) = [
        (&b"REPORT RequestId: "[..], 'r'),
        (b"START RequestId: ", 's'),
        (b"END RequestId: ", 's'),
        (b"RequestId: ", 'e'),
    ]
    .into_iter()
    .find_map(|(prefix, kind)| Some((rest.strip_prefix(prefix)?, kind)))?;
    let id_len = 36;
    if !after.get(..id_len).is_some_and(is_uuid) {
        return None;
    }
    let next = &after[skip_spaces(after, id_len)..];
    let duration = match kind {
        'r' => next.strip_prefix(b"Duration: ").and_then(|num| {
            let n = decimal_len(num);
            (n > 0 && num[n..].starts_with(b" ms")).then(|| &num[..n])
        }),
        'e' if !next.starts_with(b"Error: ") => return None,
        _ => None,
    };
    Some(LambdaPlatform {
        request_id: &after[..id_len],
        duration,
        level: (kind == 'e').then_some(&b"ERROR"[..]),
    })
}

/// `aws logs tail`'s log stream of a Lambda function at `s[i..]` (`2026/02/06/[$LATEST]<hex>`,
/// `2026/02/06/[12]<hex>`), followed by a space: where it ends.
fn lambda_stream_end(s: &[u8], i: usize) -> Option<usize> {
    let rest = s.get(i..)?;
    if !shape(rest.get(..12)?, b"dddd/dd/dd/[") {
        return None;
    }
    let close = 12 + memchr::memchr(b']', &rest[12..rest.len().min(12 + 64)])?;
    let hex = rest[close + 1..]
        .iter()
        .take(64)
        .take_while(|b| b.is_ascii_hexdigit())
        .count();
    (hex > 0 && rest.get(close + 1 + hex) == Some(&b' ')).then_some(i + close + 1 + hex)
}

/// Python's Lambda runtime line at `s[i..]`: `[LEVEL]\t<time>\t<request id>\t<message>` (the
/// id empty outside an invocation).
struct LambdaPython<'a> {
    level: &'a [u8],
    /// The time, µs since the epoch, and its bytes.
    time_us: i64,
    time: (usize, usize),
    request_id: Option<&'a [u8]>,
    /// Where the message starts.
    message: usize,
}

fn lambda_python_at(s: &[u8], i: usize) -> Option<LambdaPython<'_>> {
    if s.get(i) != Some(&b'[') {
        return None;
    }
    let (level, end) = level_at(s, i)?;
    if s.get(end) != Some(&b'\t') {
        return None;
    }
    let (time_us, used) = time::parse_rfc3339_prefix(&s[end + 1..])?;
    let time = (end + 1, end + 1 + used);
    if s.get(time.1) != Some(&b'\t') {
        return None;
    }
    let id_start = time.1 + 1;
    let id_end = id_start + memchr::memchr(b'\t', &s[id_start..s.len().min(id_start + 129)])?;
    let id = &s[id_start..id_end];
    if !id.is_empty() && !is_uuid(id) {
        return None;
    }
    Some(LambdaPython {
        level,
        time_us,
        time,
        request_id: (!id.is_empty()).then_some(id),
        message: id_end + 1,
    })
}

/// [`lambda_python_at`] at the start of a line: its time is the line's.
fn lambda_python_header(line: &[u8]) -> Option<Header<'_>> {
    let py = lambda_python_at(line, 0)?;
    let message = line[py.message..].trim_ascii();
    Some(Header {
        time: Some(LineTime {
            time_us: py.time_us,
            start: py.time.0,
            end: py.time.1,
            skip: py.message,
        }),
        level: Some(py.level),
        service: None,
        caller: None,
        message: (!message.is_empty()).then_some(message),
        request_id: py.request_id,
        duration: None,
        duration_in_seconds: false,
        message_below: false,
        whole_line: false,
    })
}

/// Celery's worker log: `[2026-02-06 10:00:00,123: ERROR/MainProcess] message`, or
/// `[…: INFO/ForkPoolWorker-1] tasks.add[<task id>]: message` for a task, whose name is the
/// service and whose id is the request id, as in the worker's `Task tasks.add[<task id>]
/// received` (and `succeeded in 0.25s: …`, the duration).
fn celery_header(line: &[u8]) -> Option<Header<'_>> {
    let inner = line.strip_prefix(b"[")?;
    let (time_us, used) = time::parse_prefix(inner)?;
    if inner.get(used..used + 2) != Some(b": ") {
        return None;
    }
    let (level, end) = level_at(line, 1 + used + 2)?;
    if line.get(end) != Some(&b'/') {
        return None;
    }
    let window = &line[end..line.len().min(end + 128)];
    let close = end + memchr::memchr(b']', window)?;
    let mut rest = skip_spaces(line, close + 1);
    let mut service = None;
    let mut request_id = None;
    let mut duration = None;
    if let Some((name, id, end)) = celery_task(line, rest) {
        if line.get(end..end + 2) == Some(b": ") || line.get(end..) == Some(b":") {
            // A task's own logger: `name[id]: message`, the name the service.
            service = Some(name);
            request_id = Some(id);
            rest = end + 1;
        }
    } else if let Some((name, id, end)) = line[rest..]
        .starts_with(b"Task ")
        .then(|| celery_task(line, rest + 5))
        .flatten()
    {
        // The worker's own word on a task: `Task name[id] received`, `… succeeded in 0.25s:
        // result`, `… raised unexpected: …`, `… retry: …`. The task's name is the service
        // here too; the message stays whole.
        service = Some(name);
        request_id = Some(id);
        if let Some(after) = line[end..].strip_prefix(b" succeeded in ") {
            let n = float_len(after);
            if n > 0 && after.get(n) == Some(&b's') {
                duration = Some(&after[..n + 1]);
            }
        }
    }
    let message = line[rest..].trim_ascii();
    Some(Header {
        time: Some(LineTime {
            time_us,
            start: 1,
            end: 1 + used,
            skip: rest,
        }),
        level: Some(level),
        service,
        caller: None,
        message: (!message.is_empty()).then_some(message),
        request_id,
        duration,
        duration_in_seconds: false,
        message_below: false,
        whole_line: false,
    })
}

/// A Celery task's `name[id]` at `line[i..]` (a dotted Python name, its id in brackets): the
/// name, the id and where the closing bracket ends.
fn celery_task(line: &[u8], i: usize) -> Option<(&[u8], &[u8], usize)> {
    let name = line[i..]
        .iter()
        .take(256)
        .take_while(|&&b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_'))
        .count();
    if name == 0 || line.get(i + name) != Some(&b'[') {
        return None;
    }
    let end = bracket_end(line, i + name)?;
    let id = &line[i + name + 1..end - 1];
    let id_ok = !id.is_empty()
        && !id
            .iter()
            .any(|&b| b.is_ascii_whitespace() || matches!(b, b'[' | b']'));
    id_ok.then(|| (&line[i..i + name], id, end))
}

/// A time as rsyslog's high-precision file format and `journalctl -o short-iso` write it:
/// RFC 3339 (`T`) ending with a numeric offset (`+00:00`, `+0000`), not `Z`.
fn rfc3339_with_offset(t: &[u8]) -> bool {
    let n = t.len();
    t.get(10) == Some(&b'T')
        && n >= 5
        && (t[..n - 4].ends_with(b"+")
            || t[..n - 4].ends_with(b"-")
            || t[..n - 5].ends_with(b"+")
            || t[..n - 5].ends_with(b"-"))
        && t[n - 2..].iter().all(u8::is_ascii_digit)
}

/// A host name at `s[i..]` followed by a space: lower-case letters, digits, `-` and `.`,
/// starting with a letter or digit (not a sentence's capitalised first word).
fn host_name_at(s: &[u8], i: usize) -> bool {
    let Some(end) = memchr::memchr(b' ', &s[i..]) else {
        return false;
    };
    let host = &s[i..i + end];
    !host.is_empty()
        && host[0].is_ascii_alphanumeric()
        && host
            .iter()
            .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
}

/// Syslog's `host program[pid]: ` (or `program[pid]: ` without the host) at `s[i..]`; with
/// `bare_ok` (after a syslog time) also `host program: `. Returns the program and where the
/// message starts.
fn syslog_program(s: &[u8], i: usize, bare_ok: bool) -> Option<(&[u8], usize)> {
    let program = |at: usize| -> Option<(&[u8], usize)> {
        let tok_end = memchr::memchr(b' ', &s[at..]).map_or(s.len(), |n| at + n);
        let tok = s[at..tok_end].strip_suffix(b":")?;
        if tok.is_empty() || tok.len() > 96 {
            return None;
        }
        let (name, pid) = match tok.strip_suffix(b"]") {
            Some(t) => {
                let open = memchr::memrchr(b'[', t)?;
                (&t[..open], Some(&t[open + 1..]))
            }
            None => (tok, None),
        };
        if pid.is_some_and(|p| p.is_empty() || !p.iter().all(u8::is_ascii_digit)) {
            return None;
        }
        let name_ok = !name.is_empty()
            && name[0].is_ascii_alphabetic()
            && name.iter().all(|&b| {
                b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'/' | b'(' | b')')
            });
        (name_ok && (pid.is_some() || bare_ok)).then_some((name, tok_end))
    };
    if let Some(found) = program(i) {
        return Some(found);
    }
    let host_end = memchr::memchr(b' ', &s[i..]).map(|n| i + n)?;
    let host = &s[i..host_end];
    if host.is_empty() || host.contains(&b':') || host.contains(&b'[') {
        return None;
    }
    program(host_end + 1)
}

/// An access log line whose Common Log Format time `t` follows the client (see [`line_time`]):
/// the status's level whatever words the request holds, the request and its status as the
/// message, without the client and the time, and Traefik's duration and router when the line
/// ends with them. A request without a status after it gives no level and no message; `None`
/// when no request follows the time.
fn access_header(line: &[u8], t: LineTime) -> Option<Header<'_>> {
    // The client, the ident and the user before the time (`10.0.0.1 - - [`), or the virtual
    // host before them (Apache's `vhost_combined`): not a logger's words before a bracketed
    // time (`ERROR [06/Feb/2026:10:00:00 +0000] "payment" failed`).
    let before = line[..t.start.saturating_sub(2)].trim_ascii_end();
    // Counted without collecting them: this runs on every access log line.
    let (mut count, mut ident, mut last) = (0, &before[..0], &before[..0]);
    for word in before.split(|&b| b == b' ').take(5) {
        count += 1;
        ident = last;
        last = word;
    }
    if !matches!(count, 3 | 4) || ident != b"-" || before.first().is_none_or(|&b| b == b' ') {
        return None;
    }
    let rest = &line[t.end..];
    if let Some((level, message)) = access_request(rest) {
        let traefik = traefik_tail(line);
        let seconds = traefik
            .is_none()
            .then(|| nginx_request_time(rest))
            .flatten();
        return Some(Header {
            time: Some(t),
            level,
            message: Some(message),
            service: traefik.and_then(|(router, _)| router),
            duration: traefik.map(|(_, ms)| ms).or(seconds),
            duration_in_seconds: seconds.is_some(),
            // Inside a JSON string the catalog reads the line whole (the size after the
            // status, the client).
            whole_line: true,
            ..Header::default()
        });
    }
    (rest.starts_with(b"] \"") || rest.starts_with(b"] \\\"")).then_some(Header {
        time: Some(t),
        ..Header::default()
    })
}

/// An access log's request and status after its time: `] "GET / HTTP/1.1" 503 12 …` gives the
/// status's level (5xx error, 4xx warn, others info, as lnav reads them) and the message
/// `"GET / HTTP/1.1" 503`.
fn access_request(rest: &[u8]) -> Option<(Option<&'static [u8]>, &[u8])> {
    access_request_after(rest.strip_prefix(b"] ")?)
}

/// [`access_request`] from the request's opening quote.
fn access_request_after(request: &[u8]) -> Option<(Option<&'static [u8]>, &[u8])> {
    // Inside a JSON string (Docker's log file) the request's quotes are `\"`. Servers escape a
    // quote inside the request (`\x22` or `\"`); a quote followed by a space ends it.
    let (quote, close): (&[u8], &[u8]) = match request {
        [b'"', ..] => (b"\"", b"\" "),
        [b'\\', b'"', ..] => (b"\\\"", b"\\\" "),
        _ => return None,
    };
    // Apache writes a quote inside the request as `\"` (inside a JSON string, `\\\"`): a
    // quote with a backslash before it does not end the request.
    let mut end = quote.len();
    loop {
        end += memchr::memmem::find(&request[end..], close)?;
        if request[end - 1] != b'\\' {
            break;
        }
        end += close.len();
    }
    let after = &request[end + close.len()..];
    let code_len = after
        .iter()
        .take_while(|b| !b.is_ascii_whitespace())
        .count();
    let message = &request[..end + close.len() + code_len];
    let code = &after[..code_len];
    let level = match code {
        [b'5', _, _] if code.iter().all(u8::is_ascii_digit) => Some(&b"error"[..]),
        [b'4', _, _] if code.iter().all(u8::is_ascii_digit) => Some(&b"warn"[..]),
        [b'1'..=b'3', _, _] if code.iter().all(u8::is_ascii_digit) => Some(&b"info"[..]),
        _ => None,
    };
    Some((level, message))
}

/// The end of Traefik's access log line (its Common Log Format with more fields: `… "agent" 42
/// "router@docker" "http://10.0.0.5:80" 12ms`): the router's name and the request's duration in
/// ms (its number); no router when it is `-` (Traefik answered itself: no router matched).
/// `None` unless the line ends with all four: a count, two quoted fields and a duration in `ms`.
fn traefik_tail(line: &[u8]) -> Option<(Option<&[u8]>, &[u8])> {
    let line = line.trim_ascii_end();
    let sp = memchr::memrchr(b' ', line)?;
    let ms = line[sp + 1..].strip_suffix(b"ms")?;
    if ms.is_empty() || !ms.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // Two quoted fields before it, then the count of requests.
    let mut end = sp;
    let mut quoted = [&line[..0]; 2];
    for q in quoted.iter_mut().rev() {
        let field = line[..end].strip_suffix(b"\"")?;
        let open = memchr::memrchr(b'"', field)?;
        *q = &field[open + 1..];
        end = open.checked_sub(1).filter(|&e| line[e] == b' ')?;
    }
    // The count follows the user agent's closing quote: in the combined format with a
    // duration added (`… 200 5120 "referer" "agent" 37ms`) the number there is the size, after
    // the status.
    let count_start = memchr::memrchr(b' ', &line[..end])? + 1;
    let count = &line[count_start..end];
    if count.is_empty()
        || !count.iter().all(u8::is_ascii_digit)
        || count_start < 2
        || line[count_start - 2] != b'"'
    {
        return None;
    }
    let router = Some(quoted[0]).filter(|r| !r.is_empty() && *r != b"-");
    Some((router, ms))
}

/// nginx's `$request_time` written as `rt=0.123` (the format of nginx's guide to application
/// performance monitoring: `… "$http_user_agent" rt=$request_time uct="…" uht="…" urt="…"`),
/// in seconds; quoted or not.
fn nginx_request_time(tail: &[u8]) -> Option<&[u8]> {
    let at = memchr::memmem::rfind(tail, b" rt=")? + 4;
    let value = &tail[at..];
    // Quoted, or quoted inside a JSON string (Docker's log file).
    let value = (value
        .strip_prefix(b"\"")
        .or_else(|| value.strip_prefix(b"\\\"")))
    .unwrap_or(value);
    let len = value
        .iter()
        .position(|&b| !(b.is_ascii_digit() || b == b'.'))
        .unwrap_or(value.len());
    let ends = matches!(value.get(len), None | Some(b' ' | b'"' | b'\\'));
    (len > 0 && value[0].is_ascii_digit() && ends).then_some(&value[..len])
}

/// The timestamp of a text line (see the module docs).
pub fn line_time(line: &[u8]) -> Option<LineTime> {
    if let Some((time_us, used)) = time::parse_prefix(line) {
        return Some(LineTime {
            time_us,
            start: 0,
            end: used,
            skip: used,
        });
    }
    if let Some(inner) = line.strip_prefix(b"[") {
        // `[2026-02-06 10:00:00,123] …`, `[Jun 14 15:16:01] …`
        if let Some((time_us, used)) = time::parse_prefix(inner) {
            if inner.get(used) == Some(&b']') {
                return Some(LineTime {
                    time_us,
                    start: 1,
                    end: 1 + used,
                    skip: used + 2,
                });
            }
        }
        return None;
    }
    // `host ident user [06/Feb/2026:10:00:00 +0000] "request" …`: the first ` [` of the line,
    // when a Common Log Format time and `]` follow.
    let window = &line[..line.len().min(CLF_WINDOW)];
    let open = memchr::memmem::find(window, b" [")? + 2;
    let (time_us, used) = time::parse_clf_prefix(&line[open..])?;
    (line.get(open + used) == Some(&b']')).then_some(LineTime {
        time_us,
        start: open,
        end: open + used,
        skip: 0,
    })
}

/// The message of a text line: [`Header::message`].
pub fn message(line: &[u8]) -> Option<&[u8]> {
    header(line).message
}

/// The message as logtriage took it before it read whole headers, to compare with a report
/// written then (`settings.text_headers` false): what follows a leading time of the forms it
/// knew (RFC 3339, slash-dated, Common Log Format, syslog; bare or in brackets) and a level word
/// at the very start; an access log line whole.
pub fn message_before_headers(line: &[u8]) -> Option<&[u8]> {
    let known = |s: &[u8]| {
        time::parse_rfc3339_prefix(s)
            .or_else(|| time::parse_slash_date_prefix(s))
            .or_else(|| time::parse_clf_prefix(s))
            .or_else(|| time::parse_syslog_prefix(s))
    };
    let skip = match known(line) {
        Some((_, used)) => used,
        None => line
            .strip_prefix(b"[")
            .and_then(|inner| known(inner).filter(|&(_, used)| inner.get(used) == Some(&b']')))
            .map_or(0, |(_, used)| used + 2),
    };
    let mut rest = line[skip..].trim_ascii_start();
    if let Some(word) = level_word(rest) {
        // Only a level at the very start (after an opening bracket) was a prefix.
        let offset = word.as_ptr() as usize - rest.as_ptr() as usize;
        if offset <= 1 {
            let mut after = &rest[offset + word.len()..];
            if let [b']' | b'>' | b')', tail @ ..] = after {
                after = tail;
            }
            if let [b':', tail @ ..] = after {
                after = tail;
            }
            rest = after;
        }
    }
    let m = rest.trim_ascii();
    (!m.is_empty()).then_some(m)
}

fn level_word(s: &[u8]) -> Option<&[u8]> {
    let window = &s[..s.len().min(LEVEL_WINDOW)];
    let mut i = 0;
    while i < window.len() {
        let c = window[i];
        if c.is_ascii_alphabetic() {
            let start = i;
            while i < window.len() && window[i].is_ascii_alphabetic() {
                i += 1;
            }
            let word = &window[start..i];
            let before = start.checked_sub(1).map(|j| window[j]);
            let after = window.get(i).copied();
            let bracketed = matches!(
                (before, after),
                (Some(b'['), Some(b']')) | (Some(b'<'), Some(b'>')) | (Some(b'('), Some(b')'))
            );
            let word_boundary = before.is_none_or(|b| !b.is_ascii_alphanumeric() && b != b'_')
                && after.is_none_or(|b| !b.is_ascii_alphanumeric() && b != b'_');
            let upper = word.iter().all(u8::is_ascii_uppercase);
            if word_boundary && (bracketed || upper) && super::Level::from_word(word).is_some() {
                return Some(word);
            }
        } else {
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(s: &str) -> Option<String> {
        level_word(s.as_bytes()).map(|w| String::from_utf8_lossy(w).into_owned())
    }

    #[test]
    fn key_value_pairs_are_found_by_their_key() {
        let keys: Vec<Box<[u8]>> = ["request_id", "req_id"]
            .iter()
            .map(|k| k.as_bytes().into())
            .collect();
        let v = |s: &str| {
            kv_value(s.as_bytes(), &keys).map(|v| String::from_utf8_lossy(v).into_owned())
        };
        assert_eq!(
            v("INFO done request_id=req-1 took 3ms").as_deref(),
            Some("req-1")
        );
        assert_eq!(v("request_id=req-1").as_deref(), Some("req-1"));
        assert_eq!(v("[req_id=abc] start").as_deref(), Some("abc"));
        assert_eq!(v("(request_id=abc, user=u)").as_deref(), Some("abc"));
        assert_eq!(v("x=1,req_id=abc;").as_deref(), Some("abc"));
        assert_eq!(v("req_id=\"a b\" next").as_deref(), Some("a b"));
        assert_eq!(
            v("req_id= request_id=r2").as_deref(),
            Some("r2"),
            "an empty value is skipped"
        );
        assert_eq!(
            v("my_request_id=r1 x_req_id=r2"),
            None,
            "a key must be whole"
        );
        assert_eq!(v("request_id: r1"), None);
        assert_eq!(v("req_id=\"unclosed"), None);
        assert_eq!(v("req_id='unclosed request_id=r2").as_deref(), Some("r2"));
        assert_eq!(v("=== banner ==="), None);
        assert_eq!(v("a_very_long_word_ending_in_request_id=r1"), None);
        // A long line of `=` is read in linear time.
        let equals = format!("{} request_id=last", "=".repeat(1 << 20));
        assert_eq!(v(&equals).as_deref(), Some("last"));
        assert_eq!(v(""), None);
        // kv_pair says which key it found the first pair by.
        assert_eq!(
            kv_pair(b"a req_id=r2 request_id=r1", &keys),
            Some((1, &b"r2"[..]))
        );
    }

    #[test]
    fn finds_level_words() {
        assert_eq!(
            level("2026-02-06 10:02:26 DEBUG pool stats").as_deref(),
            Some("DEBUG")
        );
        assert_eq!(
            level("INFO:     10.0.0.1 - GET /health").as_deref(),
            Some("INFO")
        );
        assert_eq!(level("[warn] worker exited").as_deref(), Some("warn"));
        assert_eq!(level("npm WARN deprecated glob").as_deref(), Some("WARN"));
        assert_eq!(level("E: FATAL failure").as_deref(), Some("FATAL"));
    }

    #[test]
    fn the_message_is_what_follows_time_and_level() {
        let m = |s: &str| message(s.as_bytes()).map(|w| String::from_utf8_lossy(w).into_owned());
        assert_eq!(
            m("2026-02-06 10:02:26 DEBUG pool stats").as_deref(),
            Some("pool stats")
        );
        assert_eq!(
            m("2026-02-06T10:02:26.120Z [warn] worker exited ").as_deref(),
            Some("worker exited")
        );
        assert_eq!(m("INFO:     GET /health").as_deref(), Some("GET /health"));
        assert_eq!(
            m("npm WARN deprecated glob").as_deref(),
            Some("npm WARN deprecated glob")
        );
        assert_eq!(m("exit status 2").as_deref(), Some("exit status 2"));
        assert_eq!(
            m("[2026-02-06T10:02:26Z] [ERROR] card refused").as_deref(),
            Some("card refused")
        );
        assert_eq!(
            m("Jun  4 15:16:01 combo sshd[19939]: session opened").as_deref(),
            Some("session opened")
        );
        assert_eq!(
            m("[2026-02-06 10:02:26,120] ERROR card refused").as_deref(),
            Some("card refused")
        );
        assert_eq!(
            m("2026/02/06 10:02:26 dial tcp: connection refused").as_deref(),
            Some("dial tcp: connection refused")
        );
        assert_eq!(m("2026-02-06T10:02:26Z ERROR"), None);
        assert_eq!(m("   "), None);
    }

    #[test]
    fn times_lead_the_line_bare_or_bracketed_or_follow_an_access_logs_client() {
        let t0 = time::parse_rfc3339(b"2026-02-06T10:00:00Z").unwrap();
        let at = |s: &str| {
            line_time(s.as_bytes()).map(|t| (t.time_us - t0, s[t.start..t.end].to_string(), t.skip))
        };
        assert_eq!(
            at("2026/02/06 10:00:00 listening on :8080"),
            Some((0, "2026/02/06 10:00:00".into(), 19))
        );
        assert_eq!(
            at("[2026-02-06 10:00:01,500] WARN slow"),
            Some((1_500_000, "2026-02-06 10:00:01,500".into(), 25))
        );
        assert_eq!(
            at("[2026-02-06 12:00:02 +0200] [7] [INFO] Booting worker"),
            Some((2_000_000, "2026-02-06 12:00:02 +0200".into(), 27))
        );
        let clf = r#"10.0.0.1 - frank [06/Feb/2026:10:00:03 +0000] "GET /ERROR HTTP/1.1" 500 12"#;
        assert_eq!(
            at(clf),
            Some((3_000_000, "06/Feb/2026:10:00:03 +0000".into(), 0))
        );
        for none in [
            "[INFO] 2026-02-06 10:00:00 starting",
            "[2026-02-06 10:00:00 no closing bracket",
            "a [list] of [06/Feb/2026:10:00:03 +0000 things",
            "stack frame at main.go:12",
            "",
            "[",
        ] {
            assert_eq!(at(none), None, "{none:?}");
        }
    }

    #[test]
    fn access_log_lines_say_their_request_and_take_the_level_of_their_status() {
        let clf = r#"10.0.0.1 - - [06/Feb/2026:10:00:03 +0000] "GET /ERROR HTTP/1.1" 200 12"#;
        assert_eq!(
            message(clf.as_bytes()),
            Some(&br#""GET /ERROR HTTP/1.1" 200"#[..])
        );
        let combined =
            r#"::1 - - [06/Feb/2026:10:00:03 +0000] "POST /a HTTP/2.0" 503 0 "-" "curl/8""#;
        assert_eq!(
            message(combined.as_bytes()),
            Some(&br#""POST /a HTTP/2.0" 503"#[..])
        );
        let level = |line: &str| {
            let mut fields = Fields::new(super::super::fields::WELL_KNOWN);
            parse(line.as_bytes(), &mut fields, true);
            assert!(fields.get(Slot::Time as usize).is_some(), "{line}");
            fields
                .get(Slot::Level as usize)
                .map(|r| String::from_utf8_lossy(&r.to_bytes()).into_owned())
        };
        assert_eq!(level(clf).as_deref(), Some("info"));
        let with = |status: &str| {
            format!(r#"10.0.0.1 - - [06/Feb/2026:10:00:03 +0000] "GET /x HTTP/1.1" {status}"#)
        };
        assert_eq!(
            level(&with("503 0 \"-\" \"curl/8\"")).as_deref(),
            Some("error")
        );
        assert_eq!(level(&with("404 0")).as_deref(), Some("warn"));
        assert_eq!(level(&with("301")).as_deref(), Some("info"));
        assert_eq!(level(&with("5000 0")), None);
        assert_eq!(level(&with("-")), None);
        let quoted = r#"::1 - - [06/Feb/2026:10:00:03 +0000] "GET /a\"b HTTP/1.1" 502 0"#;
        assert_eq!(level(quoted).as_deref(), Some("error"));
    }

    /// Time, level, logger and message of `line`, as text.
    fn parts(line: &str) -> (bool, Option<String>, Option<String>, Option<String>) {
        let h = header(line.as_bytes());
        let s = |b: Option<&[u8]>| b.map(|b| String::from_utf8_lossy(b).into_owned());
        (h.time.is_some(), s(h.level), s(h.service), s(h.message))
    }

    fn want(
        time: bool,
        level: Option<&str>,
        service: Option<&str>,
        message: &str,
    ) -> (bool, Option<String>, Option<String>, Option<String>) {
        let s = |v: Option<&str>| v.map(String::from);
        (time, s(level), s(service), Some(message.to_string()))
    }

    #[test]
    fn blue_gene_ras_lines_give_epoch_time_component_and_level() {
        let line = "- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 \
                    R02-M1-N0-C:J12-U11 RAS KERNEL INFO instruction cache parity error corrected";
        let h = header(line.as_bytes());
        let t = h.time.unwrap();
        assert_eq!(t.time_us, 1_117_838_570_000_000);
        assert_eq!(&line[t.start..t.end], "1117838570");
        assert_eq!(h.level, Some(&b"INFO"[..]));
        assert_eq!(h.service, Some(&b"KERNEL"[..]));
        assert_eq!(
            h.message,
            Some(&b"instruction cache parity error corrected"[..])
        );
        // An alert tag instead of `-`, a NULL type, a message with its own header-like words.
        let line = "APPREAD 1117869872 2005.06.04 R04-M1-N4-I:J18-U11 2005-06-04-00.24.32.432192 \
                    R04-M1-N4-I:J18-U11 NULL APP FATAL ciod: failed to read message prefix";
        assert_eq!(
            parts(line),
            want(
                true,
                Some("FATAL"),
                Some("APP"),
                "ciod: failed to read message prefix"
            )
        );
        // Near misses are read as any text line.
        for line in [
            "- 111783857 2005.06.03 R02 2005-06-03-15.42.50.675872 R02 RAS KERNEL INFO x",
            "- 1117838570 2005-06-03 R02 2005-06-03-15.42.50.675872 R02 RAS KERNEL INFO x",
            "- 1117838570 2005.06.03 R02 2005-06-03 15.42.50.675872 R02 RAS KERNEL INFO x",
            "- 1117838570 2005.06.03 R02 2005-06-03-15.42.50.675872 R02 RAS KERNEL LOUD x",
            "- 1117838570 2005.06.03 R02 2005-06-03-15.42.50.675872 R02 RAS KERNEL INFO",
            "- 1117838570 2005.06.03  2005-06-03-15.42.50.675872 R02 RAS KERNEL INFO x",
        ] {
            assert_ne!(
                header(line.as_bytes()).service,
                Some(&b"KERNEL"[..]),
                "{line}"
            );
        }
    }

    /// Kubernetes' components (klog), and syslog lines with a priority: RFC 5424 whole, RFC
    /// 3164 with its level word preferred to the priority's.
    #[test]
    fn klog_and_syslog_priority_headers() {
        let cases = [
            (
                "I0206 10:00:00.123456   12345 server.go:42] Starting server on :8080",
                want(true, Some("INFO"), None, "Starting server on :8080"),
            ),
            (
                "E0206 10:00:01.000000       1 controller.go:114] sync \"kube-system/dns\" failed",
                want(true, Some("ERROR"), None, "sync \"kube-system/dns\" failed"),
            ),
            (
                "<11>1 2026-02-06T10:00:08.000Z host app 123 ID47 - an RFC 5424 error",
                want(true, Some("err"), Some("app"), "an RFC 5424 error"),
            ),
            (
                "<165>1 2026-02-06T10:00:08Z host evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Ap]p\\\"x\"][b c=\"d\"] \u{feff}An application event",
                want(true, Some("notice"), Some("evntslog"), "An application event"),
            ),
            (
                "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick",
                want(true, Some("crit"), Some("su"), "'su root' failed for lonvick"),
            ),
            (
                "<13>Feb  6 10:00:07 host app[42]: ERROR disk full",
                // As without the priority: a level word after syslog's header stays.
                want(true, Some("ERROR"), Some("app"), "ERROR disk full"),
            ),
        ];
        for (line, expected) in cases {
            assert_eq!(parts(line), expected, "{line}");
        }
        // The time is where the header says, in the line.
        let line = "<11>1 2026-02-06T10:00:08.000Z host app - - - x";
        let t = header(line.as_bytes()).time.unwrap();
        assert_eq!(&line[t.start..t.end], "2026-02-06T10:00:08.000Z");
        // Inside a container's log file (CRI) or after a CloudWatch export's time: the header
        // after the outer time, which is the time kept (klog's has no year).
        let cri = "2026-02-06T10:00:01.000000001Z stderr F ";
        for (inner, level, message) in [
            (
                "E0206 10:00:01.000000       1 reflector.go:42] \"Failed to list\" err=\"refused\"",
                "ERROR",
                "\"Failed to list\" err=\"refused\"",
            ),
            (
                "[2026-02-06T10:00:00Z WARN my_app::db] pool low",
                "WARN",
                "pool low",
            ),
            (
                "[2026-02-06 10:00:04,300: ERROR/MainProcess] consumer: lost",
                "ERROR",
                "consumer: lost",
            ),
        ] {
            for outer in [cri, "2026-02-06T10:00:01.000Z "] {
                let line = format!("{outer}{inner}");
                let h = header(line.as_bytes());
                let t = h.time.unwrap();
                assert_eq!(&line[t.start..t.end], outer.split(' ').next().unwrap());
                assert_eq!(h.level, Some(level.as_bytes()), "{line}");
                assert_eq!(h.message, Some(message.as_bytes()), "{line}");
            }
        }
        let line = format!("{cri}I0206 10:00:01.000000       1 server.go:50] up");
        assert_eq!(header(line.as_bytes()).caller, Some(&b"server.go:50"[..]));
        let line = "W0206 10:00:02.000000   1 cache.go:10] miss";
        let t = header(line.as_bytes()).time.unwrap();
        assert_eq!(&line[t.start..t.end], "0206 10:00:02.000000");
        assert_eq!(
            time::parse_text(&line.as_bytes()[t.start..t.end]),
            Some(t.time_us)
        );
        // Look-alikes stay text.
        for line in [
            "I0206 is not a header",
            "E0206 10:00:01.000000 no thread here",
            "<999>1 2026-02-06T10:00:08Z h a - - - too high a priority",
            "<abc> tag",
        ] {
            let h = header(line.as_bytes());
            assert!(h.time.is_none(), "{line}: {h:?}");
            assert_eq!(
                h.message.map(|m| m == line.as_bytes()),
                Some(true),
                "{line}: {h:?}"
            );
        }
    }

    #[test]
    fn the_caller_of_klog_and_zap_console_lines() {
        let caller = |line: &str| {
            header(line.as_bytes())
                .caller
                .map(|c| String::from_utf8_lossy(c).into_owned())
        };
        assert_eq!(
            caller("E0206 10:00:01.000000   12345 controller.go:114] sync failed").as_deref(),
            Some("controller.go:114")
        );
        assert_eq!(
            caller("2026-02-06T10:00:03.000Z\tWARN\tinternal/db/pool.go:88\tslow").as_deref(),
            Some("internal/db/pool.go:88")
        );
        for line in [
            "2026-02-06T10:00:03.000Z ERROR db.example.com:5432 unreachable",
            "2026-02-06T10:00:03.000Z ERROR main.go:42",
            "2026-02-06T10:00:03.000Z ERROR main.go: x",
            "2026-02-06T10:00:03.000Z ERROR .go:42 x",
            "2026-02-06T10:00:03.000Z INFO see main.go:42 x",
        ] {
            assert_eq!(caller(line), None, "{line}");
        }
    }

    #[test]
    fn headers_of_common_loggers_come_off_the_message() {
        let cases = [
            // Apache error log (ctime in brackets); a bracketed client after the level stays.
            (
                "[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok /etc/httpd/w.properties",
                want(true, Some("notice"), None, "workerEnv.init() ok /etc/httpd/w.properties"),
            ),
            (
                "[Sun Dec 04 20:47:17 2005] [error] [client 1.2.3.4] Directory index forbidden",
                want(true, Some("error"), None, "[client 1.2.3.4] Directory index forbidden"),
            ),
            // rsyslog's high-precision time and `journalctl -o short-iso`: a program without
            // its pid; not a sentence after a time with `Z`, nor a capitalised first word.
            (
                "2026-02-06T10:00:00.123456+00:00 web1 kernel: Out of memory: Killed process 4242 (java)",
                want(true, None, Some("kernel"), "Out of memory: Killed process 4242 (java)"),
            ),
            (
                "2026-02-06T10:00:00+0000 web1 sudo: alice : TTY=pts/0 ; COMMAND=/bin/ls",
                want(true, None, Some("sudo"), "alice : TTY=pts/0 ; COMMAND=/bin/ls"),
            ),
            (
                "2026-02-06T10:00:00.123Z web1 kernel: Out of memory",
                want(true, None, None, "web1 kernel: Out of memory"),
            ),
            (
                "2026-02-06T10:00:00.123+00:00 Connection refused: retrying",
                want(true, None, None, "Connection refused: retrying"),
            ),
            // CRI-O's runtime writes an offset too: the application's line is no syslog.
            (
                "2026-02-06T10:00:00.123456789+00:00 stderr F dial tcp: lookup db on 10.0.0.10:53: no such host",
                want(true, None, None, "dial tcp: lookup db on 10.0.0.10:53: no such host"),
            ),
            // uvicorn's access log: the status's level, the request and status the message.
            (
                r#"INFO:     10.0.0.1:52346 - "POST /api/items HTTP/1.1" 500 Internal Server Error"#,
                want(false, Some("error"), None, r#""POST /api/items HTTP/1.1" 500"#),
            ),
            (
                r#"INFO:     127.0.0.1:40000 - "GET /health HTTP/1.1" 200 OK"#,
                want(false, Some("info"), None, r#""GET /health HTTP/1.1" 200"#),
            ),
            // ... in a container's log file; without a status it is any line.
            (
                r#"2026-02-06T10:00:00.123456789Z stdout F INFO:     10.0.0.1:52346 - "GET /items HTTP/1.1" 500 Internal Server Error"#,
                want(true, Some("error"), None, r#""GET /items HTTP/1.1" 500"#),
            ),
            (
                r#"2026-02-06 10:00:00 ERROR db:5432 - "connection refused" retrying in 5s"#,
                want(true, Some("ERROR"), None, r#"db:5432 - "connection refused" retrying in 5s"#),
            ),
            // MySQL 8's error log: the thread, the level, the error code, the subsystem.
            (
                "2026-02-06T10:00:03.456789Z 8 [Note] [MY-010914] [Server] Aborted connection 8 to db: 'shop' user: 'app' host: '10.0.0.7' (Got an error reading communication packets).",
                want(true, Some("info"), Some("Server"), "Aborted connection 8 to db: 'shop' user: 'app' host: '10.0.0.7' (Got an error reading communication packets)."),
            ),
            (
                "2026-02-06T10:00:04.000001Z 0 [ERROR] [MY-012592] [InnoDB] Operating system error number 2 in a file operation.",
                want(true, Some("error"), Some("InnoDB"), "Operating system error number 2 in a file operation."),
            ),
            (
                "2026-02-06T10:00:00.000000Z 0 [System] [MY-010116] [Server] /usr/sbin/mysqld (mysqld 8.0.36) starting as process 1",
                want(true, Some("info"), Some("Server"), "/usr/sbin/mysqld (mysqld 8.0.36) starting as process 1"),
            ),
            // Apache 2.4's: `[module:level]`, the module the service, the process header.
            (
                "[Fri Feb 06 10:00:01.334455 2026] [proxy:error] [pid 8:tid 1400] (111)Connection refused: AH00957: http: attempt to connect to 10.0.0.5:8080 (backend) failed",
                want(true, Some("error"), Some("proxy"), "(111)Connection refused: AH00957: http: attempt to connect to 10.0.0.5:8080 (backend) failed"),
            ),
            (
                "[Fri Feb 06 10:00:02.000001 2026] [core:trace3] [pid 8] request.c(311): [client 10.0.0.9:5123] request authorized",
                want(true, Some("trace"), Some("core"), "request.c(311): [client 10.0.0.9:5123] request authorized"),
            ),
            (
                "[Fri Feb 06 10:00:03.5 2026] [mpm_event:notice] [pid 1:tid 1] AH00489: Apache/2.4.58 (Unix) configured -- resuming normal operations",
                want(true, Some("notice"), Some("mpm_event"), "AH00489: Apache/2.4.58 (Unix) configured -- resuming normal operations"),
            ),
            // A module that names none (mod_php 5).
            (
                "[Fri Feb 06 10:00:04.000001 2026] [:error] [pid 1234] [client 10.0.0.9:5123] PHP Fatal error:  Uncaught Error",
                want(true, Some("error"), None, "[client 10.0.0.9:5123] PHP Fatal error:  Uncaught Error"),
            ),
            // Old Hadoop (HDFS): compact date, thread id, level, logger.
            (
                "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 terminating",
                want(true, Some("INFO"), Some("dfs.DataNode$PacketResponder"), "PacketResponder 1 terminating"),
            ),
            // log4j with the thread after the level (Hadoop).
            (
                "2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.app.MRAppMaster: Created MRAppMaster",
                want(true, Some("INFO"), Some("org.apache.hadoop.app.MRAppMaster"), "Created MRAppMaster"),
            ),
            // Spark's default layout.
            (
                "17/06/09 20:10:40 INFO executor.CoarseGrainedExecutorBackend: Registered signal handlers",
                want(true, Some("INFO"), Some("executor.CoarseGrainedExecutorBackend"), "Registered signal handlers"),
            ),
            // ZooKeeper: separators and a thread with brackets inside.
            (
                "2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:2181:FastLeaderElection@774] - Notification time out: 3200",
                want(true, Some("INFO"), None, "Notification time out: 3200"),
            ),
            // logback's default: thread before the level, logger before ` - `; no date.
            (
                "10:00:00.123 [http-nio-8080-exec-1] WARN  c.e.shop.CartService - cart 42 expired",
                want(false, Some("WARN"), Some("c.e.shop.CartService"), "cart 42 expired"),
            ),
            // Python's logging.basicConfig.
            (
                "WARNING:urllib3.connectionpool:Retrying (Retry(total=2)) after connection broken",
                want(false, Some("WARNING"), Some("urllib3.connectionpool"), "Retrying (Retry(total=2)) after connection broken"),
            ),
            // Python's format without a logger, the message a URL: `http` is no logger.
            (
                "ERROR:http://api.example.com/v1 failed: 503",
                want(false, Some("ERROR"), None, "http://api.example.com/v1 failed: 503"),
            ),
            // gunicorn: pid in brackets before the level.
            (
                "[2026-02-06 12:00:02 +0200] [7] [INFO] Booting worker with pid: 7",
                want(true, Some("INFO"), None, "Booting worker with pid: 7"),
            ),
            // Syslog: host and program[pid]; a program without a pid after a syslog time.
            (
                "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; uid=0",
                want(true, None, Some("sshd(pam_unix)"), "authentication failure; uid=0"),
            ),
            (
                "Jun 15 04:06:18 combo logrotate: ALERT exited abnormally with [1]",
                want(true, Some("ALERT"), Some("logrotate"), "ALERT exited abnormally with [1]"),
            ),
            (
                "2026-02-06T10:00:00+00:00 web-1 nginx[812]: worker process exited",
                want(true, None, Some("nginx"), "worker process exited"),
            ),
            // A level word that starts the message before a colon is the level, and stays.
            (
                "Jun 14 15:16:01 combo sshd[19939]: error: Received disconnect from 1.2.3.4: 11: Bye",
                want(true, Some("error"), Some("sshd"), "error: Received disconnect from 1.2.3.4: 11: Bye"),
            ),
            (
                "fatal: not a git repository (or any of the parent directories): .git",
                want(false, Some("fatal"), None, "fatal: not a git repository (or any of the parent directories): .git"),
            ),
            (
                "Warning: Permanently added 'host' to the list of known hosts.",
                want(false, Some("Warning"), None, "Warning: Permanently added 'host' to the list of known hosts."),
            ),
            // Not a level: a word like one, a colon without a space, mixed case.
            (
                "errors: 3 of 10",
                (false, None, None, Some("errors: 3 of 10".to_string())),
            ),
            (
                "error:http://x failed",
                (false, None, None, Some("error:http://x failed".to_string())),
            ),
            (
                "eRRor: x",
                (false, None, None, Some("eRRor: x".to_string())),
            ),
            // Kubernetes' CRI format around an application's log4j line, and a CloudWatch
            // export of a plain-text line: the outer time leads, the inner one is header.
            (
                "2026-02-06T10:00:01.123456789Z stderr F 2026-02-06 10:00:01,100 WARN [main] com.shop.Api: slow request",
                want(true, Some("WARN"), Some("com.shop.Api"), "slow request"),
            ),
            (
                "2026-02-06T10:00:02.000000000Z stdout P partial line begins",
                want(true, None, None, "partial line begins"),
            ),
            (
                "2026-02-06T10:00:03.000Z [2026-02-06 10:00:03,000] ERROR kafka.server: broker fenced",
                want(true, Some("ERROR"), Some("kafka.server"), "broker fenced"),
            ),
            // Python's logging cookbook format: the logger, then the level, between ` - `.
            (
                "2026-02-06 10:00:00,123 - app.db - ERROR - pool exhausted - retrying",
                want(true, Some("ERROR"), Some("app.db"), "pool exhausted - retrying"),
            ),
            (
                "2026-02-06 10:00:00,123 - __main__ - INFO - started",
                want(true, Some("INFO"), Some("__main__"), "started"),
            ),
            // A word before ` - ` without a level after it is message.
            (
                "2026-02-06 10:00:00,123 - shutdown - done",
                want(true, None, None, "shutdown - done"),
            ),
            // Spring Boot 2 and 3 (pid, `---`, padded thread and logger), and 3.2 with the
            // application's name.
            (
                "2019-03-05 10:57:51.112  INFO 45469 --- [           main] org.apache.catalina.core.StandardEngine  : Starting Servlet Engine",
                want(true, Some("INFO"), Some("org.apache.catalina.core.StandardEngine"), "Starting Servlet Engine"),
            ),
            (
                "2026-02-06T10:00:08.123+01:00 ERROR 1234 --- [shop] [nio-8080-exec-1] c.e.shop.OrderController : order 42 failed",
                want(true, Some("ERROR"), Some("c.e.shop.OrderController"), "order 42 failed"),
            ),
            // PostgreSQL's default prefix: the time with its zone's name, the pid.
            (
                "2026-02-06 10:00:00.123 UTC [1234] ERROR:  relation \"users\" does not exist",
                want(true, Some("ERROR"), None, "relation \"users\" does not exist"),
            ),
            // zap's console encoder: tabs, the caller after the level.
            (
                "2026-02-06T10:00:03.000Z\tERROR\tapp/main.go:42\tpayment failed\t{\"request_id\": \"r1\"}",
                want(true, Some("ERROR"), None, "payment failed\t{\"request_id\": \"r1\"}"),
            ),
            // A host and port after the level is message.
            (
                "2026-02-06T10:00:03.000Z ERROR db.example.com:5432 unreachable",
                want(true, Some("ERROR"), None, "db.example.com:5432 unreachable"),
            ),
            // Rust's env_logger, with and without a module path.
            (
                "[2026-02-06T10:00:02Z ERROR shop::db] pool timed out",
                want(true, Some("ERROR"), Some("shop::db"), "pool timed out"),
            ),
            (
                "[2026-02-06T10:00:02.123Z INFO ] ready",
                want(true, Some("INFO"), None, "ready"),
            ),
            // Not env_logger: a level in brackets with a colon, or no closing bracket.
            (
                "[2026-02-06T10:00:02Z ERROR: shop] x",
                want(false, Some("ERROR"), None, "[2026-02-06T10:00:02Z ERROR: shop] x"),
            ),
            // nginx's error log: the worker and the connection number come off.
            (
                "2026/02/06 10:00:01 [error] 1234#5678: *99 open() \"/srv/x\" failed (2: No such file or directory), client: 10.0.0.1",
                want(true, Some("error"), None, "open() \"/srv/x\" failed (2: No such file or directory), client: 10.0.0.1"),
            ),
            (
                "2026/02/06 10:00:02 [notice] 1#1: signal process started",
                want(true, Some("notice"), None, "signal process started"),
            ),
            // Celery's worker log, and a task's line with its name as the service.
            (
                "[2026-02-06 10:00:03,123: ERROR/MainProcess] consumer: Cannot connect to redis://r:6379//",
                want(true, Some("ERROR"), None, "consumer: Cannot connect to redis://r:6379//"),
            ),
            (
                "[2026-02-06 10:00:04,500: INFO/ForkPoolWorker-2] tasks.email.send[6f1b2c3d-1111-2222-3333-444455556666]: Task succeeded in 0.25s",
                want(true, Some("INFO"), Some("tasks.email.send"), "Task succeeded in 0.25s"),
            ),
            // Sidekiq: context as key=value words before the level, the job's class the service.
            (
                "2026-02-06T10:00:05.000Z pid=7 tid=2xk class=HardJob jid=b4a1 elapsed=0.512 INFO: done",
                want(true, Some("INFO"), Some("HardJob"), "done"),
            ),
        ];
        for (line, expected) in cases {
            assert_eq!(parts(line), expected, "{line}");
        }
        // Sidekiq's context stays in the line for the request id and duration.
        let line = b"2026-02-06T10:00:05.000Z pid=7 jid=b4a1 INFO: done";
        assert_eq!(kv_value(line, &[b"jid"]), Some(&b"b4a1"[..]));
        // key=value words without a level after them are the message; a lone `#` or a `*`
        // without the worker's pid is no nginx header.
        for (line, message) in [
            (
                "2026-02-06T10:00:06Z user=bob action=login",
                "user=bob action=login",
            ),
            (
                "2026/02/06 10:00:07 [warn] 12#: half a worker",
                "12#: half a worker",
            ),
            ("2026/02/06 10:00:08 [warn] *3 no worker", "*3 no worker"),
            // Only right after a bracketed level, and once.
            ("2026-02-06 10:00:09 ERROR 3#4: not nginx", "3#4: not nginx"),
            ("2026/02/06 10:00:10 [warn] 1#2: 3#4: once", "3#4: once"),
            // Without a time, key=value words before a level are the message's.
            (
                "retries=3 ERROR rate exceeded",
                "retries=3 ERROR rate exceeded",
            ),
        ] {
            assert_eq!(parts(line).3.as_deref(), Some(message), "{line}");
        }
    }

    #[test]
    fn request_ids_and_durations_in_headers() {
        let ids = |line: &str| {
            let h = header(line.as_bytes());
            let s = |b: Option<&[u8]>| b.map(|b| String::from_utf8_lossy(b).into_owned());
            (s(h.request_id), s(h.service), s(h.message), s(h.duration))
        };
        let some = |s: &str| Some(s.to_string());
        // Spring Boot 2 with Sleuth, 3.0/3.1 with Micrometer in the level pattern: the trace
        // id, not the app's name; the rest of Spring's header as without it.
        assert_eq!(
            ids("2024-01-10 10:15:30.123  INFO [shop-api,5f2b3c4d5e6f7a8b,1a2b3c4d5e6f7a8b,true] 4242 --- [nio-8080-exec-1] c.e.OrderController      : order placed"),
            (some("5f2b3c4d5e6f7a8b"), some("c.e.OrderController"), some("order placed"), None)
        );
        assert_eq!(
            ids("2024-01-10T10:15:30.123Z ERROR [shop,65a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5,1a2b3c4d5e6f7a8b] 4242 --- [main] c.e.Db : pool exhausted"),
            (some("65a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5"), some("c.e.Db"), some("pool exhausted"), None)
        );
        // Outside a trace the ids are empty: header all the same.
        assert_eq!(
            ids("2024-01-10 10:15:30.123  INFO [shop,,] 4242 --- [main] c.e.App : started"),
            (None, some("c.e.App"), some("started"), None)
        );
        // Spring Boot 3.2: `[trace-span]` among the brackets before the logger.
        assert_eq!(
            ids("2024-01-10T10:15:30.123Z  WARN 4242 --- [shop] [nio-8080-exec-1] [65a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5-1a2b3c4d5e6f7a8b] c.e.Api : slow"),
            (some("65a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5"), some("c.e.Api"), some("slow"), None)
        );
        // Brackets that are not a trace context give no id.
        for line in [
            "2024-01-10T10:15:30.123Z  INFO 4242 --- [shop] [main] c.e.App : up",
            "2024-01-10T10:15:30.123Z INFO [main] c.e.App: up",
            "2024-01-10T10:15:30.123Z INFO [a,b,c] up",
            "2024-01-10T10:15:30.123Z INFO [not-hex] c.e.App: up",
            // Empty ids without Spring's pid after them: a bracket of the message.
            "2024-01-10T10:15:30.123Z INFO [x,,] up",
        ] {
            assert_eq!(ids(line).0, None, "{line}");
        }
        // Celery: the task id; the worker's `succeeded in` its duration.
        let task = "6f1b2c3d-1111-2222-3333-444455556666";
        assert_eq!(
            ids(&format!("[2026-02-06 10:00:04,100: INFO/MainProcess] Task tasks.email.send[{task}] received")),
            (some(task), some("tasks.email.send"), Some(format!("Task tasks.email.send[{task}] received")), None)
        );
        assert_eq!(
            ids(&format!("[2026-02-06 10:00:04,500: INFO/ForkPoolWorker-2] Task tasks.email.send[{task}] succeeded in 0.2514s: None")).3,
            some("0.2514s")
        );
        // Python writes a fast task's time with an exponent.
        assert_eq!(
            ids(&format!("[2026-02-06 10:00:04,500: INFO/ForkPoolWorker-2] Task tasks.ping[{task}] succeeded in 6.1e-05s: 'pong'")).3,
            some("6.1e-05s")
        );
        assert_eq!(
            ids(&format!("[2026-02-06 10:00:04,300: WARNING/ForkPoolWorker-2] tasks.email.send[{task}]: retrying smtp")),
            (some(task), some("tasks.email.send"), some("retrying smtp"), None)
        );
        assert_eq!(
            ids("[2026-02-06 10:00:04,300: INFO/MainProcess] Task list[] is empty").0,
            None
        );
        // Ruby's Logger, as Rails writes it: the progname the service; Rails' request id tag
        // (a UUID) the request id, off the message; `Completed … in 900ms` the duration.
        let rid = "0b8f2c1e-7d3a-4e5b-9c6d-1f2a3b4c5d6e";
        assert_eq!(
            ids(&format!("I, [2026-02-06T10:00:04.900001 #1234]  INFO -- : [{rid}] Completed 200 OK in 900ms (Views: 12.3ms | ActiveRecord: 880.1ms)")),
            (some(rid), None, some("Completed 200 OK in 900ms (Views: 12.3ms | ActiveRecord: 880.1ms)"), some("900ms"))
        );
        assert_eq!(
            ids("E, [2026-02-06T10:00:04.900001 #1234] ERROR -- : [req-7] [shop] Completed 500 Internal Server Error in 1203.5ms"),
            (None, None, some("[req-7] [shop] Completed 500 Internal Server Error in 1203.5ms"), some("1203.5ms"))
        );
        assert_eq!(
            ids("W, [2026-02-06T10:00:05.000001 #99]  WARN -- sidekiq: Completed in 5s"),
            (None, some("sidekiq"), some("Completed in 5s"), None)
        );
        assert_eq!(
            ids("I, [2026-02-06T10:00:00.000001 #1]  INFO -- ActiveRecord::Base: connected"),
            (None, some("ActiveRecord::Base"), some("connected"), None)
        );
        assert_eq!(
            ids("I, [2026-02-06T10:00:00.000001 #1]  INFO -- :"),
            (None, None, None, None)
        );
        let ruby = "F, [2026-02-06T10:00:05.000001 #99] FATAL -- : boom";
        let h = header(ruby.as_bytes());
        assert_eq!(h.level, Some(&b"FATAL"[..]));
        let t = h.time.unwrap();
        assert_eq!(&ruby[t.start..t.end], "2026-02-06T10:00:05.000001");
        // Monolog (Laravel, Symfony): the channel the service.
        let php = "[2026-02-06 10:00:01] production.ERROR: SQLSTATE[HY000] [2002] Connection refused {\"exception\":\"x\"} []";
        assert_eq!(
            ids(php),
            (
                None,
                some("production"),
                some("SQLSTATE[HY000] [2002] Connection refused {\"exception\":\"x\"} []"),
                None
            )
        );
        assert_eq!(header(php.as_bytes()).level, Some(&b"ERROR"[..]));
        let php = "[2026-02-06T10:00:01.123456+00:00] app.WARNING: disk low [] []";
        assert_eq!(header(php.as_bytes()).level, Some(&b"WARNING"[..]));
        assert!(header(php.as_bytes()).time.is_some());
        // Redis: the mark after the time is the level.
        for (line, level, message) in [
            (
                "1:M 06 Feb 2026 10:00:03.123 # WARNING overcommit_memory is set to 0!",
                "WARN",
                "WARNING overcommit_memory is set to 0!",
            ),
            (
                "7:S 06 Feb 2026 10:00:03.223 * Ready to accept connections tcp",
                "INFO",
                "Ready to accept connections tcp",
            ),
            (
                "42:C 06 Feb 2026 10:00:04.000 - Fork CoW 1 MB",
                "DEBUG",
                "Fork CoW 1 MB",
            ),
        ] {
            let h = header(line.as_bytes());
            assert_eq!(h.level, Some(level.as_bytes()), "{line}");
            assert_eq!(h.message, Some(message.as_bytes()), "{line}");
            let t = h.time.unwrap();
            assert_eq!(
                time::parse_redis_prefix(&line.as_bytes()[t.start..t.end]).map(|x| x.0),
                Some(t.time_us)
            );
        }
        let line = b"1:M 06 Feb 2026 10:00:03.123 * up";
        let t = header(line).time.unwrap();
        assert_eq!(
            t.time_us,
            time::parse_rfc3339(b"2026-02-06T10:00:03.123Z").unwrap()
        );
        // The time slot's text reads back as the same time.
        assert_eq!(time::parse_text(&line[t.start..t.end]), Some(t.time_us));
        for line in [
            "1:Q 06 Feb 2026 10:00:03.123 # x",
            "1:M 06 Feb 2026 10:00:03.123 x",
        ] {
            assert_eq!(header(line.as_bytes()).level, None, "{line}");
        }
        // Another log's time in Redis's date form is none of Redis's: a zone it would lose,
        // log4j's comma before the fraction.
        for line in [
            "06 Feb 2026 10:00:03 +0100 ERROR x",
            "06 Feb 2026 10:00:03,459 ERROR [main] a.B: x",
        ] {
            assert!(header(line.as_bytes()).time.is_none(), "{line}");
        }
        // Not Ruby's or Monolog's: no pid, no channel, no colon after the level.
        for line in [
            "I, [2026-02-06T10:00:04.000001]  INFO -- : x",
            "[2026-02-06 10:00:01] ERROR: x",
            "[2026-02-06 10:00:01] app.ERROR x",
        ] {
            assert_eq!(ids(line).1, None, "{line}");
        }
        // A class without a job is no service.
        assert_eq!(
            ids("2026-02-06T10:00:00Z user=bob class=gold INFO: upgraded"),
            (None, None, some("upgraded"), None)
        );
        // Sidekiq: the job's id and class in its context.
        assert_eq!(
            ids("2026-02-06T10:00:05.000Z pid=7 tid=2xk class=HardJob jid=b4a1c2 elapsed=0.512 INFO: done"),
            (some("b4a1c2"), some("HardJob"), some("done"), None)
        );
        assert_eq!(
            ids("2026-02-06T10:00:05.000Z pid=7 tid=2xk INFO: Booted Rails 7.1"),
            (None, None, some("Booted Rails 7.1"), None)
        );
        // AWS Lambda: the runtimes' lines (Node.js's `<time>\t<id>\tLEVEL\t`, Python's
        // `[LEVEL]\t<time>\t<id>\t`), bare or after `aws logs tail`'s time and stream, and the
        // platform's lines, REPORT's duration in ms.
        let id = "8f5a1b2c-0d3e-4f5a-9b6c-7d8e9f0a1b2c";
        let tail = "2026-02-06T10:00:00.100000+00:00 2026/02/06/[$LATEST]9f1c2d3e4f5a";
        let level = |line: &str| header(line.as_bytes()).level.map(|l| l.to_vec());
        for prefix in ["", &format!("{tail} ")] {
            let node = format!("{prefix}2026-02-06T10:00:00.123Z\t{id}\tWARN\tslow db");
            assert_eq!(
                ids(&node),
                (some(id), None, some("slow db"), None),
                "{node}"
            );
            assert_eq!(level(&node), Some(b"WARN".to_vec()));
            let py = format!("{prefix}[ERROR]\t2026-02-06T10:00:01.123Z\t{id}\tKeyError: 'x'");
            assert_eq!(
                ids(&py),
                (some(id), None, some("KeyError: 'x'"), None),
                "{py}"
            );
            assert_eq!(level(&py), Some(b"ERROR".to_vec()));
            assert!(header(py.as_bytes()).time.is_some(), "{py}");
            let report = format!("{prefix}REPORT RequestId: {id}\tDuration: 512.34 ms\tBilled Duration: 513 ms\tMemory Size: 128 MB");
            assert_eq!(ids(&report).0, some(id), "{report}");
            assert_eq!(ids(&report).3, some("512.34"), "{report}");
            let start = format!("{prefix}START RequestId: {id} Version: $LATEST");
            assert_eq!(
                ids(&start),
                (
                    some(id),
                    None,
                    Some(format!("START RequestId: {id} Version: $LATEST")),
                    None
                ),
            );
            assert_eq!(level(&start), None);
            // The platform's failures are errors.
            let timeout =
                format!("{prefix}2026-02-06T10:00:04.000Z {id} Task timed out after 3.00 seconds");
            assert_eq!(ids(&timeout).2, some("Task timed out after 3.00 seconds"));
            assert_eq!(level(&timeout), Some(b"ERROR".to_vec()));
            let exited =
                format!("{prefix}RequestId: {id} Error: Runtime exited with error: signal: killed");
            assert_eq!(ids(&exited).0, some(id));
            assert_eq!(level(&exited), Some(b"ERROR".to_vec()));
        }
        // .NET's labels; Node.js's `undefined` outside an invocation.
        let dotnet = format!("2026-02-06T10:00:00.123Z\t{id}\tfail\tcharge failed");
        assert_eq!(ids(&dotnet).2, some("charge failed"));
        assert_eq!(level(&dotnet), Some(b"ERROR".to_vec()));
        let init = "2026-02-06T10:00:00.123Z\tundefined\tINFO\tloading config";
        assert_eq!(ids(init), (None, None, some("loading config"), None));
        assert_eq!(level(init), Some(b"INFO".to_vec()));
        // A UUID elsewhere, or not followed by a runtime's level or the timeout, is no request
        // id, and stays in the message; so does a Python-like line whose third field is no UUID.
        for line in [
            format!("2026-02-06T10:00:00Z INFO {id}\tuploaded"),
            format!("2026-02-06T10:00:00Z {id}-x uploaded"),
            format!("2026-02-06T10:00:00Z {id} uploaded"),
            format!("2026-02-06T10:00:00Z {id}\tuploaded\tfile"),
            format!("RequestId: {id} finished"),
            "START RequestId: job-7 Version: 2".to_string(),
            "[INFO]\t2026-02-06T10:00:00.123Z\tworker\tstarted".to_string(),
        ] {
            assert_eq!(ids(&line).0, None, "{line}");
        }
        assert_eq!(
            ids(&format!("2026-02-06T10:00:00Z {id} uploaded")).2,
            Some(format!("{id} uploaded"))
        );
    }

    #[test]
    fn messages_before_headers_kept_all_but_a_known_time_and_a_leading_level() {
        let m = |s: &str| {
            message_before_headers(s.as_bytes()).map(|w| String::from_utf8_lossy(w).into_owned())
        };
        let same = [
            "17/06/09 20:10:40 INFO executor.Executor: Finished task 1.0",
            r#"10.0.0.1 - - [06/Feb/2026:10:00:03 +0000] "GET / HTTP/1.1" 200 12"#,
        ];
        for line in same {
            assert_eq!(m(line).as_deref(), Some(line));
        }
        assert_eq!(
            m("Jun  4 15:16:01 combo sshd[19939]: session opened").as_deref(),
            Some("combo sshd[19939]: session opened")
        );
        assert_eq!(
            m("[2026-02-06 10:02:26,120] ERROR kafka.server: fenced").as_deref(),
            Some("kafka.server: fenced")
        );
        assert_eq!(m("2026-02-06T10:02:26Z ERROR"), None);
    }

    #[test]
    fn access_log_look_alikes_and_escaped_quotes() {
        let level = |l: &str| header(l.as_bytes()).level.map(|b| b.to_ascii_lowercase());
        let some = |s: &str| Some(s.as_bytes().to_vec());
        let cri = |l: &str| format!("2026-02-06T10:00:00.250000000Z stdout F {l}");
        // A logger's line with a bracketed access-log time in it is no access log line, alone
        // or in a container's log file: its own level counts.
        for l in [
            r#"ERROR [06/Feb/2026:10:00:00 +0000] "payment" failed for order 42"#,
            r#"WARN app [06/Feb/2026:10:00:00 +0000] "cache" miss ratio high"#,
        ] {
            assert_eq!(
                level(l),
                level(&l.replace(" [06/Feb/2026:10:00:00 +0000]", "")),
                "{l}"
            );
            assert_ne!(level(l), None, "{l}");
            assert_eq!(level(&cri(l)), level(l), "{l}");
        }
        let py = r#"2026-02-06 10:00:00,123 - myapp - ERROR - failed [06/Feb/2026:10:00:00 +0000] "q" 1"#;
        assert_eq!(level(py), some("error"));
        // Apache's escaped quote inside the request: its words are no status.
        let apache =
            r#"10.0.0.1 - - [06/Feb/2026:10:00:00 +0000] "GET /x\" 500 HTTP/1.1" 400 226 "-" "x""#;
        assert_eq!(level(apache), some("warn"));
        assert_eq!(
            header(apache.as_bytes()).message,
            Some(&br#""GET /x\" 500 HTTP/1.1" 400"#[..])
        );
        // Apache's `vhost_combined` (the virtual host first).
        let vhost = r#"www.example.com:443 10.0.0.1 - - [06/Feb/2026:10:00:00 +0000] "GET / HTTP/1.1" 503 12 "-" "x""#;
        assert_eq!(level(vhost), some("error"));
        // In a container's log file a request without its status is read as any line.
        let cut = r#"10.0.0.1 - - [06/Feb/2026:10:00:00 +0000] "GET /api/ERROR HTTP/1.1""#;
        assert!(header(cri(cut).as_bytes()).message.is_some());
    }

    #[test]
    fn traefik_access_logs() {
        let line = r#"10.0.0.1 - - [06/Feb/2026:10:00:00 +0000] "GET /api/v1/items HTTP/1.1" 502 11 "-" "curl/8.5.0" 42 "api@docker" "http://10.0.1.5:8080" 12ms"#;
        let h = header(line.as_bytes());
        assert_eq!(h.level, Some(&b"error"[..]));
        assert_eq!(h.message, Some(&br#""GET /api/v1/items HTTP/1.1" 502"#[..]));
        assert_eq!(h.service, Some(&b"api@docker"[..]));
        assert_eq!(h.duration, Some(&b"12"[..]));
        // Without Traefik's four last fields, or with another unit: no duration.
        for l in [
            line.replace(" 12ms", " 12"),
            line.replace(" 12ms", " 1.2ms"),
            line.replace(" 42 \"api", " x \"api"),
            line.replace(r#" "http://10.0.1.5:8080""#, ""),
            r#"10.0.0.1 - - [06/Feb/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 11 "-" "12ms""#
                .to_string(),
            // The combined format with a duration added: the referer is no router.
            r#"127.0.0.1 - - [06/Feb/2026:10:00:00 +0000] "GET /cart HTTP/1.1" 200 5120 "https://shop.example.com/p/42" "Mozilla/5.0" 37ms"#
                .to_string(),
        ] {
            assert_eq!(header(l.as_bytes()).duration, None, "{l}");
        }
        // In a container's log file: Kubernetes' (the runtime's time kept) and Docker's (its
        // quotes escaped inside the JSON string).
        let cri = format!("2026-02-06T10:00:00.250000000Z stdout F {line}");
        let h = header(cri.as_bytes());
        assert_eq!(
            (h.level, h.service, h.duration),
            (
                Some(&b"error"[..]),
                Some(&b"api@docker"[..]),
                Some(&b"12"[..])
            )
        );
        assert_eq!(
            h.time.map(|t| &cri[t.start..t.end]),
            Some("2026-02-06T10:00:00.250000000Z")
        );
        let escaped = line.replace('"', "\\\"");
        let h = header(escaped.as_bytes());
        assert_eq!(h.level, Some(&b"error"[..]));
        assert_eq!(
            h.message,
            Some(&br#"\"GET /api/v1/items HTTP/1.1\" 502"#[..])
        );
        // Traefik's router `-` (no router matched): no service, the duration still.
        let none = line.replace("\"api@docker\"", "\"-\"");
        assert_eq!(header(none.as_bytes()).service, None);
        assert_eq!(header(none.as_bytes()).duration, Some(&b"12"[..]));
    }

    #[test]
    fn nginx_request_time_in_seconds() {
        let line = r#"203.0.113.7 - - [06/Feb/2026:10:00:00 +0000] "GET /api/orders/42 HTTP/1.1" 504 0 "-" "curl/8.4" rt=60.002 uct="0.001" uht="-" urt="60.001""#;
        let h = header(line.as_bytes());
        assert_eq!(h.level, Some(&b"error"[..]));
        assert_eq!(
            (h.duration, h.duration_in_seconds),
            (Some(&b"60.002"[..]), true)
        );
        // Quoted, last on the line, and inside Docker's JSON string.
        let quoted = line.replace("rt=60.002", "rt=\"60.002\"");
        assert_eq!(header(quoted.as_bytes()).duration, Some(&b"60.002"[..]));
        let last = line.split(" uct=").next().unwrap();
        assert_eq!(header(last.as_bytes()).duration, Some(&b"60.002"[..]));
        for l in [line, &quoted] {
            let escaped = l.replace('"', "\\\"");
            assert_eq!(header(escaped.as_bytes()).duration, Some(&b"60.002"[..]));
        }
        // Not a number, or a longer key ending in `rt`: no duration.
        for l in [
            line.replace("rt=60.002", "rt=-"),
            line.replace("rt=60.002", "rt=fast"),
            line.replace("rt=60.002", "rt=60s"),
            line.replace(" rt=60.002", " sort=60.002"),
        ] {
            assert_eq!(header(l.as_bytes()).duration, None, "{l}");
        }
    }

    #[test]
    fn envoy_and_istio_access_logs() {
        let read = |l: &str| {
            let h = header(l.as_bytes());
            let s = |b: Option<&[u8]>| b.map(|b| String::from_utf8_lossy(b).into_owned());
            (
                h.time.map(|t| t.time_us),
                s(h.level),
                s(h.service),
                s(h.message),
                s(h.request_id),
                s(h.duration),
            )
        };
        let some = |s: &str| Some(s.to_string());
        let id = "6b1d9f1e-2c3a-4f5b-8a7c-1d2e3f4a5b6c";
        // Envoy's default format, Istio's (three more fields before the bytes), and Istio's in a
        // container's log file.
        let envoy = format!(
            "[2026-02-06T10:00:00.123Z] \"GET /api/v1/items?x=1 HTTP/1.1\" 200 - 0 1234 45 44 \
             \"10.0.0.1\" \"curl/8.5.0\" \"{id}\" \"items:8080\" \"10.0.1.2:8080\""
        );
        let istio = format!(
            "[2026-02-06T10:00:00.123Z] \"GET /api/v1/items?x=1 HTTP/1.1\" 200 - via_upstream - \
             \"-\" 0 1234 45 44 \"10.0.0.1\" \"Mozilla/5.0 (X11; Linux)\" \"{id}\" \"items:8080\" \
             \"10.0.1.2:8080\" outbound|8080||items.default.svc.cluster.local 10.0.0.5:41234 \
             10.96.0.10:8080 10.0.0.1:55555 - default"
        );
        let ok = (
            time::parse_rfc3339(b"2026-02-06T10:00:00.123Z"),
            some("INFO"),
            some("items:8080"),
            some("GET /api/v1/items?x=1 HTTP/1.1"),
            some(id),
            some("45"),
        );
        assert_eq!(read(&envoy), ok);
        assert_eq!(read(&istio), ok);
        // The request's start time, not the time the runtime wrote the line.
        let cri = format!("2026-02-06T10:00:00.200000000Z stdout F {istio}");
        assert_eq!(read(&cri), ok);
        let t = header(cri.as_bytes()).time.unwrap();
        assert_eq!(&cri[t.start..t.end], "2026-02-06T10:00:00.123Z");
        // The status's level; no response (`0`) is a warning when the flags say why.
        let status = |code: &str, flags: &str| {
            read(&envoy.replace(" 200 - 0 ", &format!(" {code} {flags} 0 "))).1
        };
        assert_eq!(status("503", "UF,URX"), some("ERROR"));
        assert_eq!(status("429", "RL"), some("WARN"));
        assert_eq!(status("0", "DC"), some("WARN"));
        assert_eq!(status("0", "-"), some("INFO"));
        // No request id or authority: none. No upstream time: still the duration.
        let bare = envoy
            .replace(&format!("\"{id}\""), "\"-\"")
            .replace("\"items:8080\"", "\"-\"")
            .replace(" 45 44 ", " 45 - ");
        assert_eq!(
            (read(&bare).2, read(&bare).4, read(&bare).5),
            (None, None, some("45"))
        );
        // A line cut inside a quoted field keeps what it has.
        let cut = &istio[..istio.find("Linux)").unwrap()];
        assert_eq!(read(cut).1, some("INFO"));
        assert_eq!(read(cut).5, some("45"));
        // A format without the upstream's time: its quoted `"-"` is no upstream time (the
        // request id stays in its place).
        let no_upstream = "[2026-02-06T10:00:00.123Z] \"GET /x HTTP/1.1\" 200 - 0 12 4 \"-\" \
                           \"curl\" \"rid-14\" \"svc\" \"-\"";
        assert_ne!(read(no_upstream).4, some("svc"));
        // Not Envoy's: a TCP proxy's entry, a status that is a word, no numbers before the
        // quoted fields, a bracketed time before another logger's quoted message, a word where
        // the response flags are (an nginx format with numbers after the status).
        for l in [
            "[2026-02-06T10:00:00.123Z] \"GET / HTTP/1.1\" 200 512 1 2 3 4 \"-\" \"curl\" \"id\""
                .to_string(),
            envoy.replace("GET /api/v1/items?x=1 HTTP/1.1", "- - -"),
            envoy.replace(" 200 - ", " OK - "),
            envoy.replace(" 0 1234 45 44 ", " a b c d "),
            "[2026-02-06T10:00:00.123Z] \"GET / HTTP/1.1\" took 3 ms".to_string(),
        ] {
            let rest = &l[l.find(']').unwrap() + 2..];
            assert_eq!(envoy_at(rest.as_bytes(), 0), None, "{l}");
        }
    }

    #[test]
    fn haproxy_http_and_tcp_logs() {
        let read = |l: &str| {
            let h = header(l.as_bytes());
            let s = |b: Option<&[u8]>| b.map(|b| String::from_utf8_lossy(b).into_owned());
            let time = h.time.map(|t| (t.time_us, l[t.start..t.end].to_string()));
            (time, s(h.level), s(h.service), s(h.message), s(h.duration))
        };
        let some = |s: &str| Some(s.to_string());
        let at = |t: &str| {
            let (us, _) = time::parse_clf_prefix(t.as_bytes()).unwrap();
            Some((us, t.to_string()))
        };
        let body = "203.0.113.7:51234 [06/Feb/2026:10:00:00.123] http-in~ api/srv1 \
                    0/0/1/45/46 200 1234 - - ---- 1/1/0/0/0 0/0 \"GET /v1/orders HTTP/1.1\"";
        let ok = (
            at("06/Feb/2026:10:00:00.123"),
            some("INFO"),
            some("api"),
            some("GET /v1/orders HTTP/1.1"),
            some("46"),
        );
        // Through syslog (the accept date, with its year and milliseconds, is the time), alone
        // (`log stdout format raw`), and after a container runtime's time.
        assert_eq!(
            read(&format!("Feb  6 10:00:01 lb1 haproxy[1234]: {body}")),
            ok
        );
        assert_eq!(read(&format!("Feb  6 10:00:01 haproxy[7]: {body}")), ok);
        assert_eq!(read(body), ok);
        assert_eq!(
            read(&format!("2026-02-06T10:00:01.000000000Z stdout F {body}")),
            ok
        );
        let line = |server: &str, timers: &str, status: &str, state: &str| {
            format!(
                "Feb  6 10:00:01 lb1 haproxy[1234]: 10.0.0.9:4000 [06/Feb/2026:10:00:00.123] \
                 http-in api/{server} {timers} {status} 217 - - {state} 3/3/0/0/0 0/0 \
                 {{host.example|abc-1}} \"POST /v1/a#22b HTTP/1.1\""
            )
        };
        let h = read(&line("<NOSRV>", "0/-1/-1/-1/0", "503", "SC--"));
        assert_eq!(
            (h.1.as_deref(), h.3.as_deref(), h.4.as_deref()),
            (Some("ERROR"), Some("POST /v1/a#22b HTTP/1.1"), Some("0"))
        );
        assert_eq!(
            read(&line("s1", "0/0/0/5/5", "404", "----")).1,
            some("WARN")
        );
        // `option logasap`'s `+` before the total; a step not reached is no duration of its
        // own, nor a total of `-1`.
        assert_eq!(
            read(&line("s1", "0/0/0/-1/+5001", "200", "----")).4,
            some("5001")
        );
        assert_eq!(read(&line("s1", "0/0/0/1/-1", "200", "----")).4, None);
        // A request that got no status: a warning, unless it ended normally.
        assert_eq!(
            read(&line("s1", "0/0/0/-1/9", "-1", "CD--")).1,
            some("WARN")
        );
        assert_eq!(
            read(&line("s1", "0/0/0/-1/9", "-1", "----")).1,
            some("INFO")
        );
        // The TCP log: its time, backend and a level from its termination state, the line
        // without the client and the time its message, no duration.
        let tcp = |state: &str| {
            read(&format!(
                "Feb  6 10:00:01 lb1 haproxy[1234]: 10.0.0.9:4000 [06/Feb/2026:10:00:00.123] \
                 pg-in pg/db1 0/0/5007 212 {state} 0/0/0/0/3 0/0"
            ))
        };
        assert_eq!(
            tcp("--"),
            (
                at("06/Feb/2026:10:00:00.123"),
                some("INFO"),
                some("pg"),
                some("pg-in pg/db1 0/0/5007 212 -- 0/0/0/0/3 0/0"),
                None
            )
        );
        assert_eq!(tcp("sD").1, some("WARN"));
        // Not HAProxy's: no port after the client, four timers, a word for a status, an access
        // log's line (read as before).
        for l in [
            line("s1", "0/0/0/5/5", "200", "----").replace(":4000 [", " ["),
            line("s1", "0/0/5/5", "200", "----"),
            line("s1", "0/0/0/5/5", "OK", "----"),
        ] {
            assert_eq!(haproxy_at(l.as_bytes(), 0, 0), None, "{l}");
            assert_ne!(read(&l).2, some("api"), "{l}");
        }
        // A line cut short (syslog's 1024 bytes) keeps the request it has; HAProxy's own
        // RFC 5424 output; a TCP log line whose counts do not follow its state is not one.
        let cut = line("s1", "0/0/0/5/5", "200", "----");
        assert_eq!(
            read(&cut[..cut.len() - 10]).3.as_deref(),
            Some("POST /v1/a#22b")
        );
        let rfc5424 = format!("<134>1 2026-02-06T10:00:01.000Z lb1 haproxy 1234 - - {body}");
        assert_eq!(read(&rfc5424), ok);
        assert_eq!(
            read(&rfc5424.replace(" 200 1234 ", " 502 1234 ")).1,
            some("ERROR")
        );
        let not_tcp = "Feb  6 10:00:01 lb1 myproxy[12]: 10.0.0.1:5000 [06/Feb/2026:10:00:00.100] \
                       in pool/a 1/2/3 512 -- ERROR boom";
        assert_eq!(read(not_tcp).1, some("ERROR"));
        // A bracketed access-log time with no request after it: the line is read as any other.
        // With a request and no status after it, the request's words give no level.
        assert_eq!(
            read("ERROR [06/Feb/2026:10:00:00.123] payment failed").1,
            some("ERROR")
        );
        for l in [
            "10.0.0.1 - - [06/Feb/2026:10:00:00 +0000] \"GET /api/ERROR HTTP/1.1\"",
            "10.0.0.1 - - [06/Feb/2026:10:00:00 +0000] \"GET /l?level=FATAL HTTP/1.1\"\t200\t12",
        ] {
            assert_eq!(read(l).1, None, "{l}");
        }
        let clf = r#"10.0.0.1 - - [06/Feb/2026:10:00:00 +0000] "GET / HTTP/1.1" 503 12 "-" "x""#;
        assert_eq!(read(clf).3.as_deref(), Some(r#""GET / HTTP/1.1" 503"#));
    }

    #[test]
    fn application_load_balancer_entries() {
        let tg =
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/73e2d6bc24d8a067";
        let line = |kind: &str, times: &str, status: &str, agent: &str| {
            format!(
                "{kind} 2026-02-06T14:00:09.000412Z app/api-prod/50dc6c495c0c9188 203.0.113.12:40193 \
                 10.0.2.31:8080 {times} {status} 655 277 \"POST https://api.example.com:443/v1/orders HTTP/1.1\" \
                 \"{agent}\" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 {tg} \
                 \"Self=1-65c23a09-aaaa;Root=1-65c23a09-5e6f708192a3b4c5d6e7f809\" \"api.example.com\" \"-\" 0"
            )
        };
        let alb = |l: &str| {
            let h = header(l.as_bytes());
            let s = |b: Option<&[u8]>| b.map(|b| String::from_utf8_lossy(b).into_owned());
            (
                h.time.map(|t| t.time_us),
                s(h.level),
                s(h.service),
                s(h.message),
                s(h.request_id),
                s(h.duration),
                h.duration_in_seconds,
            )
        };
        let some = |s: &str| Some(s.to_string());
        assert_eq!(
            alb(&line("https", "0.001 0.212 0.000", "500 500", "curl/8.5.0")),
            (
                time::parse_rfc3339(b"2026-02-06T14:00:09.000412Z"),
                some("ERROR"),
                some("api"),
                some("POST https://api.example.com:443/v1/orders HTTP/1.1"),
                some("1-65c23a09-5e6f708192a3b4c5d6e7f809"),
                some("0.212"),
                true
            )
        );
        // The load balancer got no answer: no duration. A quote escaped in the user agent.
        let failed = alb(&line("h2", "-1 -1 -1", "502 -", r#"a \"quoted\" agent"#));
        assert_eq!(
            (failed.1.as_deref(), failed.5, failed.6),
            (Some("ERROR"), None, false)
        );
        assert_eq!(
            alb(&line("wss", "0 0.002 0", "101 101", "x")).1,
            some("INFO")
        );
        assert_eq!(
            alb(&line("http", "0 0.002 0", "460 -", "x")).1,
            some("WARN")
        );
        // Not an entry: another first word, no `app/`, a line cut before the request, two
        // spaces between fields, an unclosed quote.
        for l in [
            line("ftp", "0 0.002 0", "200 200", "x"),
            line("https", "0 0.002 0", "200 200", "x").replace("app/", "net/"),
            line("https", "0 0.002 0", "200 200", "x")[..150].to_string(),
            line("https", "0 0.002  0", "200 200", "x"),
            line("https", "0 0.002 0", "200 200", "x\\"),
        ] {
            assert_eq!(alb_header(l.as_bytes()), None, "{l}");
        }
        // Its duration is in seconds: the slot says so by its priority.
        let l = line("https", "0.001 0.212 0.000", "200 200", "x");
        let mut f = Fields::new(crate::record::fields::FieldSpec::with_defaults().slot_count());
        parse(l.as_bytes(), &mut f, true);
        assert_eq!(
            f.get_with_prio(Slot::Duration as usize).map(|(_, p)| p),
            Some(SECONDS)
        );
    }

    #[test]
    fn postgresql_prefixes_severities_and_statement_durations() {
        let pg = |line: &str| {
            let h = header(line.as_bytes());
            let s = |b: Option<&[u8]>| b.map(|b| String::from_utf8_lossy(b).into_owned());
            let t = h.time.map(|t| t.time_us);
            (t, s(h.level), s(h.service), s(h.message), s(h.duration))
        };
        let some = |s: &str| Some(s.to_string());
        let at = |s: &str| time::parse_rfc3339(s.as_bytes());
        // The default `%m [%p] `: the statement's time is the duration, in ms.
        assert_eq!(
            pg("2026-12-07 10:00:00.123 UTC [4242] LOG:  duration: 1234.567 ms  statement: SELECT 1"),
            (
                at("2026-12-07T10:00:00.123Z"),
                some("INFO"),
                None,
                some("duration: 1234.567 ms  statement: SELECT 1"),
                some("1234.567")
            )
        );
        // Amazon RDS's `%t:%r:%u@%d:[%p]:`: the database is the service.
        assert_eq!(
            pg("2026-12-07 10:00:01 UTC:10.0.1.5(53422):app@orders:[4243]:ERROR:  deadlock detected"),
            (
                at("2026-12-07T10:00:01Z"),
                some("ERROR"),
                some("orders"),
                some("deadlock detected"),
                None
            )
        );
        assert_eq!(
            pg("2026-12-07 10:00:01 UTC::@:[4243]:LOG:  checkpoint starting: time").1,
            some("INFO")
        );
        // Debian's `%m [%p] %q%u@%d `, and no pid at all (`%t `).
        assert_eq!(
            pg("2026-12-07 10:00:02.000 UTC [77] app@orders FATAL:  sorry, too many clients already"),
            (
                at("2026-12-07T10:00:02Z"),
                some("FATAL"),
                some("orders"),
                some("sorry, too many clients already"),
                None
            )
        );
        assert_eq!(
            pg("2026-12-07 10:00:02 UTC WARNING:  there is no transaction in progress").1,
            some("WARN")
        );
        assert_eq!(
            pg("2026-12-07 10:00:02 UTC [77]: [3-1] user=app,db=shop,app=psql LOG:  duration: 0.045 ms").2,
            some("shop")
        );
        // The lines that go with the one before keep their label and have no level.
        assert_eq!(
            pg("2026-12-07 10:00:01.124 UTC [4243] DETAIL:  Key (id)=(42) already exists."),
            (
                at("2026-12-07T10:00:01.124Z"),
                None,
                None,
                some("DETAIL:  Key (id)=(42) already exists."),
                None
            )
        );
        // Not PostgreSQL's: no pid before the severity, or a word that is no severity; and a
        // `duration:` outside a `LOG` line is no statement's time.
        assert_eq!(
            pg("2026-12-07 10:00:00 UTC [main] c.e.App ERROR:  odd spacing").3,
            some("[main] c.e.App ERROR:  odd spacing")
        );
        assert_eq!(pg("2026-12-07 10:00:00 UTC [1] NOTE:  x").1, None);
        assert_eq!(
            pg("2026-12-07 10:00:00 UTC [1] ERROR:  duration: 5 ms too long").4,
            None
        );
        assert_eq!(
            pg("2026-12-07 10:00:00 UTC [1] [unknown]@[unknown] LOG:  connection received").1,
            some("INFO")
        );
        assert_eq!(
            pg("2026-12-07 10:00:00 UTC app@orders LOG:  duration: 5.5 ms").4,
            some("5.5")
        );
        // Any words after the pid but a level word or a `word:`: the client, an application's
        // name with spaces, an error code.
        for line in [
            "2026-02-06 10:00:00 UTC [4242]: [3-1] user=app,db=shop,app=PostgreSQL JDBC Driver,client=10.0.0.1 LOG:  duration: 12.5 ms  statement: SELECT 1",
            "2026-02-06 10:00:00 UTC [4243] app@shop 10.0.0.1(5432) 23505 65b1c2d3.1092 LOG:  duration: 12.5 ms",
        ] {
            assert_eq!(pg(line).4, some("12.5"), "{line}");
        }
        // A zone whose offset is not known (the time read as UTC), an empty `%a` (two spaces),
        // pgAdmin's application name.
        for line in [
            "2026-07-06 10:00:00.123 BST [4242] LOG:  duration: 12.5 ms  statement: SELECT 1",
            "2026-02-06 10:00:00 UTC [4242] app@shop  LOG:  duration: 12.5 ms",
            "2026-02-06 10:00:00 UTC [4242] app@shop pgAdmin 4 - DB:shop LOG:  duration: 12.5 ms",
        ] {
            assert_eq!(
                (pg(line).1, pg(line).4),
                (some("INFO"), some("12.5")),
                "{line}"
            );
        }
        // A level word in any case or brackets after the pid is another logger's.
        for line in [
            "2026-02-06 10:00:02 [1234] warn query failed ERROR:  canceling statement",
            "2026-02-06 10:00:02 [1234] [WARNING] query failed ERROR:  canceling statement",
        ] {
            assert!(
                pg(line).3.is_some_and(|m| m.contains("query failed")),
                "{line}"
            );
        }
        // Logging to syslog: the program is the service when no database is named.
        assert_eq!(
            pg("Feb  6 10:00:02 db postgres[4242]: [3-1] LOG:  duration: 12.5 ms  statement: SELECT 1"),
            (
                pg("Feb  6 10:00:02 x").0,
                some("INFO"),
                some("postgres"),
                some("duration: 12.5 ms  statement: SELECT 1"),
                some("12.5")
            )
        );
        // Another logger's line that quotes PostgreSQL's error keeps its own level and message.
        for (line, level) in [
            ("2026-02-06 10:00:01,123 [12] ERROR app.db - query failed: LOG:  whatever", "ERROR"),
            ("2026-02-06 10:00:02.000 [7] ERROR app.repo - insert failed: DETAIL:  Key (id)=(42) already exists.", "ERROR"),
            ("2026-02-06T10:00:03.000Z ERROR [worker-1] [42] job failed: NOTICE:  relation exists, skipping", "ERROR"),
            ("Feb  6 10:00:00 web myapp[1234]: WARN query failed: ERROR:  relation \"x\" does not exist", "WARN"),
            ("2026-02-06 10:00:00 UTC:[main]:ERROR:  x", "ERROR"),
        ] {
            let h = pg(line);
            assert_eq!(h.1.as_deref(), Some(level), "{line}");
            // The quoted severity stays in the message.
            let quoted = line[..line.find(":  ").unwrap()]
                .rsplit([' ', ':'])
                .next()
                .unwrap();
            assert!(
                h.3.as_deref().is_some_and(|m| m.contains(&format!("{quoted}:  "))),
                "{line}: {h:?}"
            );
        }
    }

    #[test]
    fn ordinary_words_stay_in_the_message() {
        // Without a level or a syslog time, `word: ` and `word word:` are the message's.
        for line in [
            "2026-02-06 10:00:00 server started: port 80",
            "2026-02-06 10:00:00 dial tcp: connection refused",
            "ERROR: Failed: disk full",
            "2026-02-06 10:00:00 ERROR http: TLS handshake error",
        ] {
            let (_, _, service, message) = parts(line);
            assert_eq!(service, None, "{line}");
            assert!(message.unwrap().contains(':'), "{line}");
        }
        assert_eq!(
            parts("2026-02-06 10:00:00 ERROR [retry 2] giving up")
                .3
                .as_deref(),
            Some("[retry 2] giving up")
        );
        assert_eq!(
            parts("[unclosed INFO x").3.as_deref(),
            Some("[unclosed INFO x")
        );
        for odd in [
            "",
            "[",
            "]",
            "[[[[",
            "- - - -",
            "INFO",
            "INFO:",
            "WARNING::",
            "a [b] c",
        ] {
            let _ = parts(odd);
        }
    }

    #[test]
    fn dotnet_console_messages_take_the_header_line_before_them() {
        let text =
            |r: Option<&Raw<'_>>| r.map(|r| String::from_utf8_lossy(&r.to_bytes()).into_owned());
        // (time, level, logger, message, duration) of `line` read after `prev`; None if it
        // is not a .NET message line.
        let joined = |prev: &str, line: &str| {
            let mut fields = Fields::new(super::super::fields::WELL_KNOWN);
            if !continued_message(prev.as_bytes(), line.as_bytes(), &mut fields) {
                return None;
            }
            let get = |slot: Slot| text(fields.get(slot as usize));
            Some((
                get(Slot::Time),
                get(Slot::Level),
                get(Slot::Service),
                get(Slot::Message),
                get(Slot::Duration),
            ))
        };
        let s = |v: &str| Some(v.to_string());
        let header_line = "info: Microsoft.Hosting.Lifetime[14]";
        assert_eq!(
            joined(header_line, "      Now listening on: http://localhost:5000"),
            Some((
                None,
                s("INFO"),
                s("Microsoft.Hosting.Lifetime"),
                s("Now listening on: http://localhost:5000"),
                None
            ))
        );
        // `TimestampFormat` puts the time before the label, on the header line only.
        assert_eq!(
            joined(
                "2026-02-06 10:00:01 fail: Microsoft.AspNetCore.Server.Kestrel[13]",
                "      Connection id \"0HMVD\": An unhandled exception was thrown."
            ),
            Some((
                s("2026-02-06 10:00:01"),
                s("ERROR"),
                s("Microsoft.AspNetCore.Server.Kestrel"),
                s("Connection id \"0HMVD\": An unhandled exception was thrown."),
                None
            ))
        );
        // A container runtime writes its time and stream before each line.
        let finished = joined(
            "2026-02-06T10:00:02.1Z stdout F info: Microsoft.AspNetCore.Hosting.Diagnostics[2]",
            "2026-02-06T10:00:02.2Z stdout F       Request finished HTTP/1.1 GET http://h/ - 500 0 - 35.1234ms",
        )
        .unwrap();
        assert_eq!(finished.0.as_deref(), Some("2026-02-06T10:00:02.1Z"));
        assert_eq!(finished.4.as_deref(), Some("35.1234ms"));
        // A CloudWatch export's time, Heroku's source: the same.
        for (prev, line) in [
            (
                "2026-02-06T10:00:03Z fail: App.Jobs[4]",
                "2026-02-06T10:00:03Z       Job failed",
            ),
            (
                "2026-02-06T10:00:03Z app[web.1]: fail: App.Jobs[4]",
                "2026-02-06T10:00:03Z app[web.1]:       Job failed",
            ),
        ] {
            let j = joined(prev, line).unwrap_or_else(|| panic!("{line}"));
            assert_eq!(j.0.as_deref(), Some("2026-02-06T10:00:03Z"), "{line}");
            assert_eq!(j.1.as_deref(), Some("ERROR"), "{line}");
            assert_eq!(j.3.as_deref(), Some("Job failed"), "{line}");
        }
        // Scopes (`IncludeScopes`) are not the message; the pipeline keeps the header as the
        // line before the message.
        let scope = "      => SpanId:1a2b, TraceId:3c4d => ConnectionId:0HMVD => RequestPath:/orders RequestId:0HMVD:00000001";
        assert_eq!(joined(header_line, scope), None);
        assert!(is_dotnet_scope(header_line.as_bytes(), scope.as_bytes()));
        assert!(!is_dotnet_scope(
            header_line.as_bytes(),
            "      Now listening".as_bytes()
        ));
        assert!(!is_dotnet_scope("text".as_bytes(), scope.as_bytes()));
        // A chunk that starts below scopes finds the header in its context.
        let context = format!("x\n{header_line}\n{scope}\n");
        assert_eq!(line_above(context.as_bytes()), header_line.as_bytes());
        assert_eq!(
            line_above(format!("{header_line}\r\n").as_bytes()),
            header_line.as_bytes()
        );
        assert_eq!(
            line_above(format!("{scope}\n").as_bytes()),
            scope.as_bytes()
        );
        assert_eq!(line_above(b""), b"");
        assert_eq!(
            joined(
                "dbug: Microsoft.AspNetCore.Hosting.Diagnostics[2]",
                "      Request finished in 12.5ms 200 text/plain"
            )
            .and_then(|j| j.4),
            s("12.5ms")
        );
        // Not a message line: below a line that is not a header alone, indented otherwise, a
        // blank, another logger's request.
        for (prev, line) in [
            ("info: App[0] all on one line", "      indented"),
            ("Now listening", "      indented"),
            (
                header_line,
                "         at Program.Main() in /src/Program.cs:line 9",
            ),
            (header_line, "     five spaces"),
            (header_line, "      "),
            (header_line, "not indented"),
            ("info: App[x]", "      indented"),
            ("info: App []", "      indented"),
            ("", "      indented"),
            ("]", ""),
        ] {
            assert_eq!(joined(prev, line), None, "{prev:?} then {line:?}");
        }
        assert_eq!(
            joined("info: App[1]", "      Request finished in 12.5ms 200").and_then(|j| j.4),
            None,
            "only ASP.NET Core's hosting logger reports requests"
        );
        // The header line alone is no event, but its time places it; with `SingleLine` it is
        // one.
        let h = header(header_line.as_bytes());
        assert!(h.message_below && h.message.is_none());
        let mut fields = Fields::new(super::super::fields::WELL_KNOWN);
        let timed = "2026-02-06 10:00:01 fail: App.Jobs[4]";
        parse(timed.as_bytes(), &mut fields, true);
        assert!(fields.get(Slot::Level as usize).is_none());
        assert!(fields.get(Slot::Message as usize).is_none());
        assert_eq!(
            text(fields.get(Slot::Time as usize)).as_deref(),
            Some("2026-02-06 10:00:01")
        );
        // A `TimestampFormat` of a time of day (no date, so no timestamp).
        let h = header(b"10:00:01 warn: App.Jobs[4]");
        assert!(h.message_below);
        assert_eq!(h.level, Some(&b"WARN"[..]));
        assert_eq!(h.service, Some(&b"App.Jobs"[..]));
        assert_eq!(
            parts("crit: Billing.Worker[7] Payment queue is down"),
            want(
                false,
                Some("FATAL"),
                Some("Billing.Worker"),
                "Payment queue is down"
            )
        );
        assert_eq!(
            header(
                b"info: Microsoft.AspNetCore.Hosting.Diagnostics[2] Request finished in 3ms 200"
            )
            .duration,
            Some(&b"3ms"[..])
        );
        // Prose that starts like a label is not a header.
        for line in [
            "info: see the docs",
            "warn: x[",
            "fail:App[1]",
            "information: App[1]",
        ] {
            let h = header(line.as_bytes());
            assert!(!h.message_below && h.service.is_none(), "{line}");
        }
    }

    #[test]
    fn ignores_lowercase_prose_and_partial_words() {
        assert_eq!(level("an error occurred while reading"), None);
        assert_eq!(level("ERRORS_TOTAL=5"), None);
        assert_eq!(level("Listening on :9090"), None);
    }
}
