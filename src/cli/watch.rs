//! `watch`: live alerts and summaries on a terminal or as NDJSON.

use std::io::{self, IsTerminal, Write};
use std::time::Duration;

use logtriage::live::{self, Alert, AlertKind, End, Output, WatchOptions};
use logtriage::render::{self, sanitize, terminal::Style};

use super::args::{FormatArg, WatchArgs};
use super::exit;
use crate::{color_enabled, interrupt_flag, load_catalog, severity_of, terminal_width};

use logtriage::render::{fit_sanitized as short, paint};

/// One alert, one line: time, severity, title, key fields, the action hint.
fn alert_line(a: &Alert, color: bool, width: usize) -> String {
    let time =
        a.ts.as_deref()
            .and_then(|t| t.get(11..23))
            .unwrap_or("--:--:--.---");
    let sev = match a.severity.as_str() {
        "critical" => ("CRIT ", "1;31"),
        "error" => ("ERROR", "31"),
        "warn" => ("WARN ", "33"),
        _ => ("INFO ", "36"),
    };
    let mut text = String::new();
    match a.kind {
        AlertKind::Repeat => {
            // The line's time is the last repeat's; say when the first one was.
            let first = a.first_ts.as_deref().and_then(|t| t.get(11..23));
            match first {
                Some(f) if a.count > 1 => text.push_str(&format!("×{} more from {f}  ", a.count)),
                _ => text.push_str(&format!("×{} more  ", a.count)),
            }
        }
        AlertKind::ErrorSpike | AlertKind::UnknownErrors | AlertKind::Pattern => {}
    }
    text.push_str(&sanitize(&a.title));
    let mut fields = Vec::new();
    if let Some(s) = &a.service {
        fields.push(format!("svc={}", short(s, 24)));
    }
    if let Some(r) = &a.request_id {
        fields.push(format!("req={}", short(r, 40)));
    }
    // Quoted as written, already escaped for the terminal (`{:?}` would escape the escapes).
    let quoted = |s: &str| format!("\"{}\"", short(s, 60).replace('"', "\\\""));
    if let Some(e) = &a.error {
        fields.push(format!("err={}", quoted(e)));
    } else if let (Some(m), AlertKind::UnknownErrors | AlertKind::Pattern) = (&a.message, a.kind) {
        fields.push(format!("msg={}", quoted(m)));
    }
    let head = format!("{time} {} {text}", paint(color, sev.1, sev.0));
    let mut line = if fields.is_empty() {
        head
    } else {
        format!("{head}  {}", fields.join(" "))
    };
    if let Some(act) = &a.action {
        // The severity's colour takes no room on the screen.
        let used = render::visible_width(&line);
        let room = width.saturating_sub(used + 4);
        if room >= 12 {
            line.push_str(&paint(color, "2", &format!("  → {}", short(act, room))));
        }
    }
    line
}

fn summary_line(r: &logtriage::Report, color: bool) -> String {
    let lines = r.input.lines;
    let errors = r.error_events();
    let share = if r.input.events > 0 {
        errors as f64 * 100.0 / r.input.events as f64
    } else {
        0.0
    };
    let top: Vec<String> = r
        .patterns
        .iter()
        .take(3)
        .map(|p| format!("{} ×{}", short(&p.title, 40), p.count))
        .collect();
    let mut s = format!(
        "── summary: {} · {} · {} ({share:.2}%)",
        render::count(lines, "line"),
        render::count(r.input.events, "event"),
        render::count(errors, "error")
    );
    if !top.is_empty() {
        s.push_str(&format!(" · {}", top.join(", ")));
    }
    paint(color, "2", &s)
}

pub fn run_watch(a: WatchArgs) -> anyhow::Result<u8> {
    let catalog = load_catalog(&a.catalog)?;
    if a.top == 0 {
        anyhow::bail!("--top must be at least 1");
    }
    for p in &a.paths {
        if p.as_os_str() == "-" {
            anyhow::bail!("watch reads standard input when no path is given; do not pass '-'");
        }
        if p.is_dir() {
            anyhow::bail!("{}: is a directory (watch follows files)", p.display());
        }
    }
    let config = logtriage::Config {
        threads: 1,
        top: a.top,
        latency: a.latency,
        max_line_bytes: a.max_line_bytes,
        message_cap: a.max_distinct_messages,
        field_overrides: a.fields.overrides(),
        ..Default::default()
    };
    let cancel = interrupt_flag();
    let stream = if a.cloudwatch.log_groups.is_empty() {
        super::cloudwatch::no_window(&a.cloudwatch, "watch")?;
        super::cloudwatch::no_cloudwatch_flags(&a.cloudwatch)?;
        if a.paths.is_empty() && std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            say!("reading standard input (give a path, or end the input with Ctrl-D)");
        }
        None
    } else {
        match super::cloudwatch::inputs(&a.paths, &a.cloudwatch, &[])?
            .inputs
            .pop()
        {
            Some(logtriage::source::Input::Stream(s)) => Some(s),
            _ => None,
        }
    };
    let opts = WatchOptions {
        stream,
        paths: a.paths.clone(),
        from_start: a.from_start,
        min_severity: severity_of(a.min_severity),
        every: a.every.map(Duration::from_millis),
        cancel: cancel.clone(),
    };
    let stdout = io::stdout();
    let color = color_enabled(a.color, stdout.is_terminal());
    let width = terminal_width();
    let mut out = stdout.lock();
    let json = a.format == FormatArg::Json;
    let mut failed_inputs = false;
    let mut emit = |o: Output| -> io::Result<()> {
        match o {
            Output::Alert(alert) => {
                if json {
                    let mut v = serde_json::to_value(&alert).map_err(io::Error::other)?;
                    v["type"] = "alert".into();
                    serde_json::to_writer(&mut out, &v)?;
                    writeln!(out)?;
                } else {
                    writeln!(out, "{}", alert_line(&alert, color, width))?;
                }
            }
            Output::Summary { report, last } => {
                if last {
                    failed_inputs = report.input.sources.iter().any(|s| s.error.is_some());
                }
                if json {
                    let v = serde_json::json!({"type": "summary", "final": last, "report": report});
                    serde_json::to_writer(&mut out, &v)?;
                    writeln!(out)?;
                } else if last {
                    writeln!(out)?;
                    render::terminal::write(&report, Style { color, width }, &mut out)?;
                } else {
                    writeln!(out, "{}", summary_line(&report, color))?;
                }
            }
        }
        out.flush()
    };
    let end = match live::watch(&catalog, &config, &opts, &mut emit) {
        Ok(end) => end,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(exit::OK),
        Err(e) => return Err(e.into()),
    };
    Ok(match end {
        End::Interrupted => exit::INTERRUPTED,
        End::Done if failed_inputs => exit::ERROR,
        End::Done => exit::OK,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_takes_no_room_from_the_action() {
        let a = Alert {
            kind: AlertKind::Pattern,
            ts: Some("2026-02-06T10:00:00.123Z".into()),
            severity: "critical".into(),
            title: "Too many connections".into(),
            pattern: Some("p".into()),
            service: Some("agent".into()),
            request_id: None,
            error: None,
            message: Some("pq: sorry, too many clients already".into()),
            action: Some("Lower the per-service pool size or raise max_connections".into()),
            source: None,
            line: None,
            count: 1,
            window_secs: None,
            first_ts: None,
        };
        // The same text on the screen with and without colour, the action cut to the width.
        for width in [80, 120, 140, 200] {
            let plain = alert_line(&a, false, width);
            let coloured = alert_line(&a, true, width);
            assert_eq!(render::visible_width(&coloured), plain.chars().count());
            if width >= 120 {
                assert!(plain.contains('→'), "{plain}");
                assert!(plain.chars().count() <= width, "{plain}");
            }
        }
    }
}
