//! The report as aligned text: what happened, what it means, what to do.
//!
//! Colour is decided by the caller ([`Style`]); this module only applies it. Everything quoted
//! from logs is passed through [`super::sanitize`].

use std::io::{self, Write};

use super::{bytes, fit, plural, sanitize, shown_message, thousands};
use crate::report::{PatternHit, Report};

/// ANSI styling, on or off.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    /// Emit colour escapes.
    pub color: bool,
    /// Width to fit lines into.
    pub width: usize,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }

    fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }

    fn severity(&self, sev: &str, s: &str) -> String {
        let code = match sev {
            "critical" => "1;31",
            "error" => "31",
            "warn" => "33",
            _ => "36",
        };
        self.paint(code, s)
    }
}

/// Word-wraps `s` to lines of at most `width` characters (longer words stand alone).
fn wrap(s: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in s.split_whitespace() {
        let wl = word.chars().count();
        if !cur.is_empty() && cur.chars().count() + 1 + wl > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// Groups patterns that matched exactly the same lines (same count, time span and first
/// example): several guides often document one failure, and the reader needs it once.
pub(crate) fn group_same_evidence<'r>(patterns: &[&'r PatternHit]) -> Vec<Vec<&'r PatternHit>> {
    let key = |p: &PatternHit| {
        (
            p.count,
            p.first_seen.clone(),
            p.last_seen.clone(),
            p.example.as_ref().map(|e| (e.source.clone(), e.line)),
        )
    };
    let mut groups: Vec<Vec<&PatternHit>> = Vec::new();
    for &p in patterns {
        match groups.iter_mut().find(|g| key(g[0]) == key(p)) {
            Some(g) => g.push(p),
            None => groups.push(vec![p]),
        }
    }
    groups
}

const SPARK: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A sparkline whose full block stands for `max` (so wrapped rows share one scale).
fn sparkline(values: &[u64], max: u64) -> String {
    values
        .iter()
        .map(|&v| {
            if v == 0 {
                ' '
            } else {
                SPARK[((v * 7).div_ceil(max.max(1))).min(7) as usize]
            }
        })
        .collect()
}

/// Writes the text report.
pub fn write(r: &Report, style: Style, out: &mut dyn Write) -> io::Result<()> {
    let w = style.width.max(60);
    let i = &r.input;
    // Header.
    let range = i
        .time_range
        .as_ref()
        .map(|t| format!("{} → {}", t.first, t.last))
        .unwrap_or_else(|| "no timestamps".into());
    writeln!(
        out,
        "{} {}",
        style.bold("logtriage"),
        style.dim(&format!(
            "{} · {} source{} · {}",
            r.tool.version,
            i.sources.len(),
            if i.sources.len() == 1 { "" } else { "s" },
            range
        ))
    )?;
    if r.partial {
        writeln!(
            out,
            "{}",
            style.paint(
                "1;33",
                "PARTIAL: some input was not read; counts cover what was."
            )
        )?;
    }
    writeln!(out)?;

    // Input.
    writeln!(out, "{}", style.bold("Input"))?;
    let row = |label: &str, v: u64| format!("{label} {}", thousands(v));
    writeln!(
        out,
        "  {}   {}   {}   {}   {}",
        row("lines", i.lines),
        bytes(i.bytes),
        row("events", i.events),
        row("malformed", i.malformed),
        row("non-JSON", i.non_json)
    )?;
    let mut extra = vec![row("blank", i.blank)];
    if i.oversize > 0 {
        extra.push(row("oversize", i.oversize));
    }
    if let Some(f) = &i.filter {
        extra.push(format!(
            "filter {} (left out {})",
            sanitize(&f.pattern),
            thousands(f.excluded)
        ));
    }
    if i.invalid_utf8 > 0 {
        extra.push(row("invalid UTF-8", i.invalid_utf8));
    }
    let formats: Vec<String> = i
        .formats
        .iter()
        .filter(|(_, &v)| v > 0)
        .map(|(k, v)| format!("{k} {}", thousands(*v)))
        .collect();
    if !formats.is_empty() {
        extra.push(format!("formats: {}", formats.join(", ")));
    }
    let decoded: Vec<String> = i
        .sources
        .iter()
        .filter_map(|s| {
            Some(format!(
                "{} ({})",
                sanitize(&s.name),
                s.encoding.as_deref()?
            ))
        })
        .collect();
    if !decoded.is_empty() {
        extra.push(format!("decoded from UTF-16: {}", decoded.join(", ")));
    }
    writeln!(out, "  {}", style.dim(&extra.join("   ")))?;
    if let Some(w) = &i.window {
        let end = |t: &Option<String>| sanitize(t.as_deref().unwrap_or("…")).into_owned();
        writeln!(
            out,
            "  {}",
            style.dim(&format!(
                "window {} → {}   left out: before {}   after {}   without a time {}",
                end(&w.since),
                end(&w.until),
                thousands(w.before),
                thousands(w.after),
                thousands(w.untimed)
            ))
        )?;
    }
    for s in i.sources.iter().filter(|s| s.error.is_some()) {
        writeln!(
            out,
            "  {} {}: {}",
            style.paint("31", "unreadable"),
            sanitize(&s.name),
            sanitize(s.error.as_deref().unwrap_or(""))
        )?;
    }
    writeln!(out)?;

    // Levels.
    writeln!(out, "{}", style.bold("Levels"))?;
    let order = ["trace", "debug", "info", "warn", "error", "fatal"];
    let cells: Vec<String> = order
        .iter()
        .filter_map(|l| r.levels.get(*l).map(|v| (l, *v)))
        .filter(|(_, v)| *v > 0)
        .map(|(l, v)| {
            let sev = match *l {
                "fatal" => "critical",
                "error" => "error",
                "warn" => "warn",
                _ => "",
            };
            let cell = format!("{l} {}", thousands(v));
            if sev.is_empty() {
                cell
            } else {
                style.severity(sev, &cell)
            }
        })
        .collect();
    let errors = r.error_events();
    let rate = if i.events > 0 {
        format!(
            "errors {:.2}% of events",
            errors as f64 * 100.0 / i.events as f64
        )
    } else {
        String::new()
    };
    if cells.is_empty() {
        writeln!(out, "  {}", style.dim("no structured events with a level"))?;
    } else {
        writeln!(out, "  {}   {}", cells.join("   "), style.dim(&rate))?;
    }
    let text_total: u64 = r.text_levels.values().sum();
    if text_total > 0 {
        let t: Vec<String> = order
            .iter()
            .filter_map(|l| r.text_levels.get(*l).map(|v| (l, *v)))
            .filter(|(_, v)| *v > 0)
            .map(|(l, v)| format!("{l} {}", thousands(v)))
            .collect();
        writeln!(
            out,
            "  {}",
            style.dim(&format!("in plain-text lines: {}", t.join("   ")))
        )?;
    }
    writeln!(out)?;

    // Patterns: problems in full (worst first), patterns that fired on exactly the same
    // lines folded into one entry, informational ones in one compact list.
    let (problems, infos): (Vec<&PatternHit>, Vec<&PatternHit>) =
        r.patterns.iter().partition(|p| p.severity != "info");
    if r.patterns.is_empty() {
        writeln!(out, "{}", style.bold("Known patterns"))?;
        writeln!(out, "  {}", style.dim("no catalog pattern matched"))?;
    } else {
        writeln!(
            out,
            "{} {}",
            style.bold("Known patterns"),
            style.dim(&format!(
                "({} matched: {}, {} informational; worst first)",
                r.patterns.len(),
                super::count(problems.len() as u64, "problem"),
                infos.len()
            ))
        )?;
    }
    let groups = group_same_evidence(&problems);
    let cw = problems
        .iter()
        .map(|p| thousands(p.count).len())
        .max()
        .unwrap_or(1)
        .max(5);
    let indent = " ".repeat(cw + 13);
    let body_w = w.saturating_sub(indent.len() + 7).max(30);
    for group in &groups {
        let p = group[0];
        let sev = format!("{:<8}", p.severity);
        let when = match (&p.first_seen, &p.last_seen) {
            (Some(f), Some(l)) if f != l => format!("{} → {}", short_time(f), short_time(l)),
            (Some(f), _) => short_time(f),
            _ => String::new(),
        };
        let title_w = w.saturating_sub(cw + 14 + when.len()).max(20);
        writeln!(
            out,
            "  {} {:>cw$}  {}  {}",
            style.severity(&p.severity, &sev),
            thousands(p.count),
            style.bold(&fit(&sanitize(&p.title), title_w)),
            style.dim(&when),
        )?;
        let mut field = |label: &str, text: &str| -> io::Result<()> {
            for (i, line) in wrap(text, body_w).iter().enumerate() {
                let l = if i == 0 { label } else { "" };
                writeln!(out, "{indent}{} {line}", style.dim(&format!("{l:<6}")))?;
            }
            Ok(())
        };
        if !p.meaning.is_empty() {
            field("means", &p.meaning)?;
        }
        if !p.action.is_empty() {
            field("do", &p.action)?;
        }
        if let Some(e) = &p.example {
            let loc = format!("{}:{}", e.source, e.line);
            // A wrapped line (CloudWatch export, container runtime) shows the event it wraps:
            // the wrapper's time fills the narrow column. The JSON report keeps the line whole.
            let part = &e.text[e.text.len() - crate::record::event_part(e.text.as_bytes()).len()..];
            writeln!(
                out,
                "{indent}{} {}",
                style.dim("e.g.  "),
                style.dim(&fit(&sanitize(&format!("{loc}  {part}")), body_w))
            )?;
        }
        let ids: Vec<&str> = group.iter().map(|p| p.id.as_str()).collect();
        let label = if ids.len() > 1 { "ids   " } else { "id    " };
        for (i, line) in wrap(&ids.join(", "), body_w).iter().enumerate() {
            let l = if i == 0 { label } else { "      " };
            writeln!(out, "{indent}{}", style.dim(&format!("{l} {line}")))?;
        }
    }
    if !infos.is_empty() {
        let list: Vec<String> = infos
            .iter()
            .map(|p| format!("{} ×{}", sanitize(&p.title), thousands(p.count)))
            .collect();
        for (i, line) in wrap(&list.join(" · "), w.saturating_sub(10))
            .iter()
            .enumerate()
        {
            let l = if i == 0 { "info" } else { "" };
            writeln!(
                out,
                "  {} {}",
                style.severity("info", &format!("{l:<8}")),
                style.dim(line)
            )?;
        }
    }
    writeln!(out)?;

    // Messages.
    if !r.messages.is_empty() {
        writeln!(out, "{}", style.bold("Top messages"))?;
        let cw = r
            .messages
            .iter()
            .map(|m| thousands(m.count).len() + usize::from(!m.exact))
            .max()
            .unwrap_or(1);
        for m in &r.messages {
            let count = format!("{}{}", if m.exact { "" } else { "≥" }, thousands(m.count));
            writeln!(
                out,
                "  {:>cw$}  {}",
                count,
                fit(
                    &sanitize(shown_message(&m.message)),
                    w.saturating_sub(cw + 4)
                )
            )?;
        }
        writeln!(out)?;
    }

    // Templates of the messages the catalog does not know.
    if !r.templates.is_empty() {
        writeln!(
            out,
            "{}",
            style.bold(
                "Unknown messages, as templates (no catalog pattern; errors and warnings first)"
            )
        )?;
        if r.templates.iter().any(|t| !t.exact) {
            writeln!(
                out,
                "  {}",
                style.dim(
                    "≈ counts estimated: the log had more distinct messages than the tables keep"
                )
            )?;
        }
        // An estimated count is marked `≈` (one column).
        let cw = r
            .templates
            .iter()
            .map(|t| thousands(t.count).len() + usize::from(!t.exact))
            .max()
            .unwrap_or(1);
        for t in &r.templates {
            let worst = crate::report::worst_level(&t.levels);
            let tag = worst.unwrap_or("");
            let text = fit(
                &sanitize(shown_message(&t.template)),
                w.saturating_sub(cw + 12),
            );
            let text = match worst {
                Some("fatal") => style.severity("critical", &text),
                Some("error") => style.severity("error", &text),
                Some("warn") => style.severity("warn", &text),
                _ => text,
            };
            let count = format!("{}{}", if t.exact { "" } else { "≈" }, thousands(t.count));
            writeln!(out, "  {:>cw$}  {:<5}  {}", count, tag, text)?;
        }
        writeln!(out)?;
    }

    write_latency(r, style, w, out)?;
    write_traces(r, style, w, out)?;

    // Timeline.
    let b = &r.timeline.buckets;
    if !b.is_empty() {
        let width = human_secs(r.timeline.bucket_seconds);
        let errors: Vec<u64> = b.iter().map(|x| x.errors).collect();
        let spark_w = w.saturating_sub(4).max(1);
        // At most four rows of chart: past that, each column sums `per` consecutive buckets
        // (a week at `--bucket 1s` was a thousand rows).
        const MAX_ROWS: usize = 4;
        let per = errors.len().div_ceil(spark_w * MAX_ROWS).max(1);
        let shown = if per > 1 {
            format!(
                "; each column sums {per} buckets ({})",
                human_secs(r.timeline.bucket_seconds.saturating_mul(per as i64))
            )
        } else {
            String::new()
        };
        writeln!(
            out,
            "{} {}",
            style.bold("Errors over time"),
            style.dim(&format!(
                "(per {width}, {}{shown})",
                super::count(b.len() as u64, "bucket")
            ))
        )?;
        let columns: Vec<u64> = errors.chunks(per).map(|c| c.iter().sum()).collect();
        let max = columns.iter().copied().max().unwrap_or(0);
        let row_buckets = spark_w * per;
        // Without any error there is no chart to draw: the line below says so.
        let rows = if max == 0 { 0 } else { columns.len() };
        for (row, chunk) in columns[..rows].chunks(spark_w).enumerate() {
            let start = &b[row * row_buckets].start;
            // Where the row ends: the next row's start, or the last bucket's end.
            let end = match b.get((row + 1) * row_buckets) {
                Some(next) => next.start.clone(),
                None => crate::record::time::parse_rfc3339(b[b.len() - 1].start.as_bytes())
                    .map(|t| {
                        let secs = t.div_euclid(1_000_000) + r.timeline.bucket_seconds;
                        crate::record::time::format_rfc3339_secs(secs)
                    })
                    .unwrap_or_default(),
            };
            if chunk.iter().all(|&v| v == 0) {
                // A blank row reads as a rendering fault; say what it means.
                writeln!(out, "  {}", style.dim("(no errors)"))?;
            } else {
                writeln!(out, "  {}", style.paint("31", &sparkline(chunk, max)))?;
            }
            writeln!(out, "  {}", style.dim(&format!("{start} → {end}")))?;
        }
        let mut peaks: Vec<&crate::report::Bucket> = b.iter().filter(|x| x.errors > 0).collect();
        peaks.sort_by(|a, b| b.errors.cmp(&a.errors).then_with(|| a.start.cmp(&b.start)));
        if peaks.is_empty() {
            writeln!(out, "  {}", style.dim("no errors"))?;
        } else {
            let mean = errors.iter().sum::<u64>() as f64 / errors.len() as f64;
            writeln!(
                out,
                "  {}",
                style.dim(&format!("mean {mean:.1} errors per bucket; busiest:"))
            )?;
            for p in peaks.iter().take(5) {
                writeln!(
                    out,
                    "    {}  {:>7} {:<6}  {:>9} {}",
                    p.start,
                    thousands(p.errors),
                    plural(p.errors, "error"),
                    thousands(p.events),
                    plural(p.events, "event")
                )?;
            }
        }
    }
    Ok(())
}

/// The latency section: percentiles with a bar on a log scale, slowest events, groups whose
/// tail is out of line, and per-group outliers.
fn write_latency(r: &Report, style: Style, w: usize, out: &mut dyn Write) -> io::Result<()> {
    let Some(l) = &r.latency else {
        return Ok(());
    };
    let o = &l.overall;
    if o.count == 0 {
        return Ok(());
    }
    writeln!(
        out,
        "{} {}",
        style.bold("Latency"),
        style.dim(&format!(
            "({} with a duration)",
            super::count(o.count, "event")
        ))
    )?;
    let cells = o.profile();
    let max = o.max.unwrap_or(1.0).max(1e-9);
    // Log-scale bar: each percentile's position between 0.01 ms and the max.
    let bar_w = w.saturating_sub(40).clamp(10, 50);
    let lo = 0.01f64.ln();
    let span = (max.max(0.02).ln() - lo).max(1e-9);
    for (name, v) in cells {
        let Some(v) = v else { continue };
        let filled = (((v.max(0.01).ln() - lo) / span) * bar_w as f64).round() as usize;
        let bar: String = "█".repeat(filled.min(bar_w)) + &"·".repeat(bar_w - filled.min(bar_w));
        writeln!(out, "  {name:>6} {:>12}  {}", human_ms(v), style.dim(&bar))?;
    }
    if let Some(mean) = o.mean {
        writeln!(out, "  {:>6} {:>12}", "mean", human_ms(mean))?;
    }
    let event_line = |out: &mut dyn Write, e: &crate::report::SlowEntry| -> io::Result<()> {
        let what = format!(
            "{}  {}",
            e.request_id.as_deref().unwrap_or("-"),
            e.message.as_deref().unwrap_or("-")
        );
        writeln!(
            out,
            "  {:>12}  {}  {}",
            human_ms(e.duration_ms),
            style.dim(&e.ts.as_deref().map(short_time).unwrap_or_default()),
            fit(&sanitize(&what), w.saturating_sub(32))
        )
    };
    if !l.slowest.is_empty() {
        writeln!(out, "  {}", style.dim("slowest:"))?;
        for e in l.slowest.iter().take(10) {
            event_line(out, e)?;
        }
    }
    write_latency_groups(l, style, w, out)?;
    let out_of_line: Vec<_> = l.groups.iter().filter(|g| g.out_of_line).collect();
    if !out_of_line.is_empty() {
        writeln!(
            out,
            "  {}",
            style.dim("groups with a tail far out of line (p99 ≥ 3 × overall p99):")
        )?;
        for g in out_of_line.iter().take(10) {
            writeln!(
                out,
                "    {:<8} {}  p50 {}  p99 {}  ({} events)",
                sanitize(&g.by),
                style.paint("33", &fit(&sanitize(&g.key), 48)),
                human_ms(g.stats.p50.unwrap_or(0.0)),
                human_ms(g.stats.p99.unwrap_or(0.0)),
                thousands(g.stats.count)
            )?;
        }
    }
    let outliers: usize = l.groups.iter().map(|g| g.outliers.len()).sum();
    if outliers > 0 {
        writeln!(
            out,
            "  {}",
            style.dim(&format!(
                "{outliers} per-group outliers (above p99 and Q3 + 3·IQR of their group) in the JSON report"
            ))
        )?;
    }
    if let Some(s) = &l.slow {
        const SHOWN: usize = 10;
        let more = if s.count as usize > SHOWN.min(s.events.len()) {
            format!(
                "; the first {} here, the first {} in the JSON report",
                SHOWN.min(s.events.len()),
                thousands(s.events.len() as u64)
            )
        } else {
            String::new()
        };
        writeln!(
            out,
            "  {}",
            style.dim(&format!(
                "{} slower than {} (--slow), in input order{more}:",
                super::count(s.count, "event"),
                human_ms(s.threshold_ms).trim(),
            ))
        )?;
        for e in s.events.iter().take(SHOWN) {
            event_line(out, e)?;
        }
    }
    writeln!(out)
}

/// Per dimension (service, caller, route, pattern, message, `--latency-by`), the groups with the
/// highest p99: an aligned table of their percentiles.
fn write_latency_groups(
    l: &crate::report::LatencyReport,
    style: Style,
    w: usize,
    out: &mut dyn Write,
) -> io::Result<()> {
    const PER_DIMENSION: usize = 3;
    let mut rows: Vec<&crate::report::GroupReport> = Vec::new();
    let mut dims: Vec<&str> = Vec::new();
    for g in &l.groups {
        if !dims.contains(&g.by.as_str()) {
            dims.push(&g.by);
        }
    }
    // The report lists each dimension's groups by p99, highest first.
    for dim in dims {
        rows.extend(
            l.groups
                .iter()
                .filter(|g| g.by == dim && g.key != crate::aggregate::latency::OTHER)
                .take(PER_DIMENSION),
        );
    }
    if rows.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "  {}",
        style.dim(&format!(
            "slowest groups (highest p99, {PER_DIMENSION} per dimension; all in the JSON report):"
        ))
    )?;
    let by_w = rows
        .iter()
        .map(|g| sanitize(&g.by).chars().count())
        .max()
        .unwrap_or(0);
    let count_w = rows
        .iter()
        .map(|g| thousands(g.stats.count).len())
        .max()
        .unwrap_or(0)
        .max(6);
    let key_w = w.saturating_sub(by_w + count_w + 4 * 12 + 10).clamp(12, 48);
    let cell = |v: Option<f64>| v.map(human_ms).unwrap_or_else(|| "-".into());
    writeln!(
        out,
        "    {}",
        style.dim(&format!(
            "{:<by_w$}  {:<key_w$}  {:>count_w$}  {:>10}  {:>10}  {:>10}  {:>10}",
            "by", "group", "events", "p50", "p95", "p99", "max"
        ))
    )?;
    for g in rows {
        let key = fit(&sanitize(&g.key), key_w);
        let pad = key_w.saturating_sub(key.chars().count());
        let key = if g.out_of_line {
            style.paint("33", &key)
        } else {
            key
        };
        writeln!(
            out,
            "    {:<by_w$}  {key}{:pad$}  {:>count_w$}  {:>10}  {:>10}  {:>10}  {:>10}",
            sanitize(&g.by),
            "",
            thousands(g.stats.count),
            cell(g.stats.p50),
            cell(g.stats.p95),
            cell(g.stats.p99),
            cell(g.stats.max),
        )?;
    }
    Ok(())
}

/// The traces section: counts, the distributions, the longest traces and failing traces
/// grouped by their first error.
fn write_traces(r: &Report, style: Style, w: usize, out: &mut dyn Write) -> io::Result<()> {
    let Some(t) = &r.traces else {
        return Ok(());
    };
    writeln!(
        out,
        "{} {}",
        style.bold("Request traces"),
        style.dim(&format!(
            "({}, {} with errors{})",
            super::count(t.count, "request"),
            thousands(t.with_errors),
            if t.evicted > 0 {
                format!(", {} finished early (too many open)", thousands(t.evicted))
            } else {
                String::new()
            }
        ))
    )?;
    let d = |x: Option<u64>| x.map(thousands).unwrap_or_else(|| "-".into());
    let e = &t.events_per_trace;
    writeln!(
        out,
        "  events per request  p50 {}  p90 {}  p99 {}  max {}",
        d(e.p50),
        d(e.p90),
        d(e.p99),
        d(e.max)
    )?;
    let s = &t.span_ms;
    let h = |x: Option<f64>| x.map(human_ms).unwrap_or_else(|| "-".into());
    writeln!(
        out,
        "  span                p50 {}  p90 {}  p99 {}  max {}",
        h(s.p50),
        h(s.p90),
        h(s.p99),
        h(s.max)
    )?;
    if !t.slowest.is_empty() {
        writeln!(out, "  {}", style.dim("longest:"))?;
        for x in t.slowest.iter().take(5) {
            let line = format!(
                "{}  {}  {}",
                x.request_id,
                super::count(x.events, "event"),
                x.services.join(", ")
            );
            writeln!(
                out,
                "  {:>12}  {}",
                h(x.span_ms),
                fit(&sanitize(&line), w.saturating_sub(18))
            )?;
        }
    }
    if !t.error_groups.is_empty() {
        writeln!(out, "  {}", style.dim("failing requests by first error:"))?;
        let shown = &t.error_groups[..t.error_groups.len().min(8)];
        let key_w = shown
            .iter()
            .map(|g| sanitize(&g.key).chars().count())
            .max()
            .unwrap_or(0)
            .min(40);
        let id_w = shown
            .iter()
            .map(|g| sanitize(&g.example.request_id).chars().count())
            .max()
            .unwrap_or(0);
        for g in shown {
            let place = g
                .example
                .first_error
                .as_ref()
                .map(|f| {
                    format!(
                        "{}{}",
                        f.service.as_deref().unwrap_or("-"),
                        f.caller
                            .as_deref()
                            .map(|c| format!(" {c}"))
                            .unwrap_or_default()
                    )
                })
                .unwrap_or_default();
            // The example request id is never cut: it is what one pastes into `trace`.
            let id = sanitize(&g.example.request_id);
            let key = fit(&sanitize(&g.key), key_w);
            let pad = key_w.saturating_sub(key.chars().count());
            writeln!(
                out,
                "  {:>7}  {}{:pad$}  {id:<id_w$}  {}",
                thousands(g.count),
                style.paint("31", &key),
                "",
                style.dim(&fit(
                    &sanitize(&format!("at {place}")),
                    w.saturating_sub(15 + key_w + id_w).max(16)
                ))
            )?;
        }
    }
    writeln!(out)
}

/// Writes one request's timeline: a header, then one aligned line per event.
pub fn write_trace(
    t: &crate::trace::Timeline,
    style: Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    let w = style.width.max(60);
    let span = t
        .span_ms
        .map(|s| match t.omitted {
            0 => format!("span {}", human_ms(s)),
            _ => format!("span of those {}", human_ms(s)),
        })
        .unwrap_or_else(|| "no timestamps".into());
    writeln!(
        out,
        "{} {}",
        style.bold(&format!("request {}", sanitize(&t.request_id))),
        style.dim(&format!(
            "· {} · {span} · services: {} · {} error{}",
            // Past --max-events, the span, services and errors are the listed events'.
            match t.omitted {
                0 if t.events.len() == 1 => "1 event".to_string(),
                0 => format!("{} events", crate::render::thousands(t.events.len() as u64)),
                n => format!(
                    "{} events, the first {} listed",
                    crate::render::thousands(t.events.len() as u64 + n),
                    crate::render::thousands(t.events.len() as u64)
                ),
            },
            if t.services.is_empty() {
                "-".to_string()
            } else {
                sanitize(&t.services.join(", ")).into_owned()
            },
            t.errors,
            if t.errors == 1 { "" } else { "s" },
        ))
    )?;
    let outside = t.window.as_ref().map_or(0, |w| w.counts().total());
    if t.events.is_empty() && outside == 0 {
        writeln!(out, "  {}", style.dim("no event carries this request id"))?;
        return Ok(());
    }
    if let Some(first) = t.events.iter().find_map(|e| e.ts.as_deref()) {
        writeln!(out, "  {}", style.dim(&format!("from {first}")))?;
    }
    let col = |v: Option<&String>| {
        v.map(|s| sanitize(s).into_owned())
            .unwrap_or_else(|| "-".into())
    };
    let svc_w = t
        .events
        .iter()
        .map(|e| col(e.service.as_ref()).chars().count())
        .max()
        .unwrap_or(1)
        .min(20);
    let caller_w = t
        .events
        .iter()
        .map(|e| col(e.caller.as_ref()).chars().count())
        .max()
        .unwrap_or(1)
        .min(32);
    for e in &t.events {
        let offset = e
            .offset_ms
            .map(|o| format!("+{:.3}s", o / 1000.0))
            .unwrap_or_else(|| "?".into());
        let level = e.level.clone().unwrap_or_else(|| "-".into());
        let sev = match level.as_str() {
            "fatal" => "critical",
            "error" => "error",
            "warn" => "warn",
            _ => "",
        };
        let level_cell = format!("{level:<5}");
        let level_cell = if sev.is_empty() {
            level_cell
        } else {
            style.severity(sev, &level_cell)
        };
        let used = 12 + 6 + svc_w + caller_w + 6;
        let mut room = w.saturating_sub(used).max(20);
        // A long message is cut before its duration, never the duration off its end.
        let mut tail = col(e.message.as_ref());
        if let Some(d) = e.duration_ms {
            let d = format!("  {}", human_ms(d));
            let d_len = d.chars().count();
            room = room.max(12 + d_len);
            tail = fit(&tail, room - d_len) + &d;
        }
        if let Some(err) = &e.error {
            tail.push_str(&format!("  error: {}", sanitize(err)));
        }
        writeln!(
            out,
            "  {offset:>10}  {level_cell}  {:<svc_w$}  {:<caller_w$}  {}",
            fit(&col(e.service.as_ref()), svc_w),
            fit(&col(e.caller.as_ref()), caller_w),
            fit(&tail, room),
        )?;
    }
    if t.omitted > 0 {
        writeln!(
            out,
            "  {}",
            style.dim(&format!(
                "… and {} later event{} not listed (--max-events)",
                thousands(t.omitted),
                if t.omitted == 1 { "" } else { "s" }
            ))
        )?;
    }
    if let Some(w) = t.window.as_ref().filter(|w| w.counts().total() > 0) {
        writeln!(
            out,
            "  {}",
            style.dim(&format!(
                "{} event(s) of the request outside --since/--until not listed: {} before, {} after, {} without a time",
                thousands(w.counts().total()),
                thousands(w.before),
                thousands(w.after),
                thousands(w.untimed)
            ))
        )?;
    }
    Ok(())
}

/// `12.5 ms`, `1.234 s`, `2 m 3.0 s`.
fn human_ms(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{ms:.1} ms")
    } else if ms < 60_000.0 {
        format!("{:.3} s", ms / 1000.0)
    } else {
        format!(
            "{} m {:.1} s",
            (ms / 60_000.0).floor(),
            (ms % 60_000.0) / 1000.0
        )
    }
}

fn short_time(rfc: &str) -> String {
    // 2026-02-06T10:00:45.123Z → 02-06 10:00:45
    if rfc.len() >= 19 {
        format!("{} {}", &rfc[5..10], &rfc[11..19])
    } else {
        rfc.to_string()
    }
}

pub(crate) fn human_secs(s: i64) -> String {
    match s {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// Writes mined templates: count, share, level mix and the template, most frequent first,
/// at most `top` of them.
pub fn write_templates(
    templates: &[crate::mine::Template],
    messages: u64,
    folded: crate::mine::Folded,
    top: usize,
    style: Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(
        out,
        "{}",
        style.bold(&format!(
            "{} from {}",
            super::count(templates.len() as u64, "template"),
            super::count(messages, "message")
        ))
    )?;
    if templates.is_empty() {
        return Ok(());
    }
    let shown = &templates[..templates.len().min(top)];
    let cw = shown
        .iter()
        .map(|t| thousands(t.count).len())
        .max()
        .unwrap_or(1);
    let body_w = style.width.saturating_sub(cw + 24).max(20);
    for t in shown {
        let share = 100.0 * t.count as f64 / messages.max(1) as f64;
        let worst = crate::report::worst_level(&t.levels);
        let levels: Vec<String> = t
            .levels
            .iter()
            .map(|(l, n)| format!("{l} {}", thousands(*n)))
            .collect();
        let text = fit(&sanitize(shown_message(&t.template)), body_w);
        let text = match worst {
            Some("fatal") => style.severity("critical", &text),
            Some("error") => style.severity("error", &text),
            Some("warn") => style.severity("warn", &text),
            _ => text,
        };
        writeln!(
            out,
            "  {:>cw$}  {:>5.1}%  {}  {}",
            thousands(t.count),
            share,
            style.dim(&t.id[..9.min(t.id.len())]),
            text
        )?;
        if !levels.is_empty() {
            writeln!(
                out,
                "  {:cw$}          {}",
                "",
                style.dim(&fit(&levels.join(", "), body_w + 12))
            )?;
        }
    }
    if templates.len() > shown.len() {
        writeln!(
            out,
            "  … {} more (--top N, or --format json for all)",
            thousands((templates.len() - shown.len()) as u64)
        )?;
    }
    if folded.clusters > 0 {
        writeln!(
            out,
            "  {} {} rarely seen template clusters ({} messages, {:.1}%) folded into one \
             count past --max-templates",
            style.dim("…"),
            thousands(folded.clusters),
            thousands(folded.messages),
            100.0 * folded.messages as f64 / messages.max(1) as f64
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_respects_width() {
        let lines = wrap("one two three four five six", 9);
        assert_eq!(lines, ["one two", "three", "four five", "six"]);
        assert!(wrap("", 10).is_empty());
    }

    #[test]
    fn sparkline_scales_to_max() {
        assert_eq!(sparkline(&[0, 1, 2, 4], 4), " ▃▅█");
        assert_eq!(
            sparkline(&[1, 2], 8),
            "▂▃",
            "a row scaled to the whole series, not to 2"
        );
        assert_eq!(sparkline(&[], 0), "");
    }

    #[test]
    fn error_timeline_rows_name_their_span_and_say_when_empty() {
        let r = crate::pipeline::analyze_str(include_str!("../../samples/incident.log"));
        let mut out = Vec::new();
        let style = Style {
            color: false,
            width: 100,
        };
        write(&r, style, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let timeline = &text[text.find("Errors over time (per 10s").expect("a timeline")..];
        // 96 columns of 10 s a row: the second row, the last 3 m 40 s, has no error.
        let rows: Vec<&str> = timeline.lines().skip(1).take(4).collect();
        assert!(rows[0].contains('█'), "{timeline}");
        assert_eq!(rows[1], "  2026-02-06T14:00:00Z → 2026-02-06T14:16:00Z");
        assert_eq!(rows[2], "  (no errors)");
        assert_eq!(rows[3], "  2026-02-06T14:16:00Z → 2026-02-06T14:19:40Z");
    }

    #[test]
    fn text_report_has_no_escapes_without_color() {
        let r = crate::pipeline::analyze_str(
            "{\"level\":\"error\",\"ts\":\"2026-02-06T10:00:00Z\",\"msg\":\"\\u001b[2Jdatabase connection failed\"}\n",
        );
        let mut out = Vec::new();
        write(
            &r,
            Style {
                color: false,
                width: 100,
            },
            &mut out,
        )
        .unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(!s.contains('\x1b'), "{s}");
        assert!(s.contains("\\x1b[2J"));
    }

    #[test]
    fn an_example_in_a_wrapped_line_shows_the_event() {
        let r = crate::pipeline::analyze_str(
            "2026-02-06T10:00:00.123456789Z stderr F {\"level\":\"error\",\"msg\":\"database connection failed\"}\n",
        );
        let example = &r.patterns[0].example.as_ref().unwrap().text;
        assert!(example.starts_with("2026-02-06T10:00:00.123456789Z stderr F {"));
        let mut out = Vec::new();
        let style = Style {
            color: false,
            width: 100,
        };
        write(&r, style, &mut out).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(s.contains(":1  {\"level\":\"error\""), "{s}");
        assert!(!s.contains("stderr F"), "{s}");
    }
}
