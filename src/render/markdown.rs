//! The analyze report as GitHub-flavoured Markdown: for an incident ticket, a pull-request
//! comment or a chat message, where the text report's alignment is lost.
//!
//! Log content is untrusted: in prose and tables it is escaped ([`md`]) so that it cannot add
//! links, images, HTML or table cells; quoted lines go in code blocks whose fence is longer
//! than any run of backticks in them ([`code_block`]), where nothing is interpreted.

use std::io::{self, Write};

use super::{
    bytes, count, fit as cut, sanitize, shown_message, terminal::group_same_evidence, thousands,
};
use crate::report::{LatencyStats, PatternHit, Report, SlowEntry, TraceSummary};

/// Markdown-escaped text for prose and table cells: control characters made visible
/// ([`sanitize`]), HTML and table syntax neutralised, emphasis and link characters escaped, a
/// backtick turned into an apostrophe (a code span cannot be closed from inside).
pub fn md(s: &str) -> String {
    let s = sanitize(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '`' => out.push('\''),
            '\\' | '*' | '_' | '[' | ']' | '#' | '~' | '!' | '$' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// `text` as a fenced code block whose fence no run of backticks in it can close.
pub fn code_block(text: &str) -> String {
    let text = sanitize(text);
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat((longest + 1).max(3));
    format!("{fence}\n{text}\n{fence}\n")
}

/// `n` and `word`, plural unless `n` is 1: `1 line`, `1,024 lines`.
fn ms(v: Option<f64>) -> String {
    match v {
        None => "–".into(),
        Some(v) if v >= 1000.0 => format!("{:.2} s", v / 1000.0),
        Some(v) if v >= 100.0 => format!("{v:.0} ms"),
        Some(v) if v >= 1.0 => format!("{v:.1} ms"),
        Some(v) => format!("{v:.3} ms"),
    }
}

fn severity_mark(severity: &str) -> &'static str {
    match severity {
        "critical" => "🟥",
        "error" => "🟧",
        "warn" => "🟨",
        _ => "⬜",
    }
}

/// Writes the report as Markdown.
pub fn write(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let i = &r.input;
    writeln!(out, "## logtriage report\n")?;
    let range = i
        .time_range
        .as_ref()
        .map(|t| format!("{} → {}", md(&t.first), md(&t.last)))
        .unwrap_or_else(|| "no timestamps".into());
    let sources: Vec<String> = i
        .sources
        .iter()
        .map(|s| match s.name.as_str() {
            "-" => "standard input".into(),
            name => md(name),
        })
        .collect();
    writeln!(
        out,
        "**Input:** {} · {} · {} ({}) · {} · {} malformed · {} plain-text\n",
        sources.join(", "),
        range,
        count(i.lines, "line"),
        bytes(i.bytes),
        count(i.events, "event"),
        thousands(i.malformed),
        thousands(i.non_json),
    )?;
    if r.partial {
        writeln!(
            out,
            "> **Partial:** some input was not read; counts cover what was.\n"
        )?;
    }
    for s in i.sources.iter().filter(|s| s.error.is_some()) {
        writeln!(
            out,
            "> **Unreadable** {}: {}\n",
            md(&s.name),
            md(s.error.as_deref().unwrap_or(""))
        )?;
    }
    if let Some(f) = &i.filter {
        writeln!(
            out,
            "Filter {}: {} lines left out.\n",
            md(&f.pattern),
            thousands(f.excluded)
        )?;
    }
    if let Some(w) = &i.window {
        let end = |t: &Option<String>| t.as_deref().map_or("…".into(), md);
        writeln!(
            out,
            "Window {} → {}: left out {} before, {} after, {} without a time.\n",
            end(&w.since),
            end(&w.until),
            thousands(w.before),
            thousands(w.after),
            thousands(w.untimed)
        )?;
    }

    let levels: Vec<String> = ["trace", "debug", "info", "warn", "error", "fatal"]
        .iter()
        .filter_map(|l| Some((l, *r.levels.get(*l)?)))
        .filter(|(_, n)| *n > 0)
        .map(|(l, n)| match *l {
            "error" | "fatal" => format!("**{l} {}**", thousands(n)),
            _ => format!("{l} {}", thousands(n)),
        })
        .collect();
    if !levels.is_empty() {
        let rate = match i.events {
            0 => String::new(),
            n => format!(
                " — errors {:.2}% of events",
                r.error_events() as f64 * 100.0 / n as f64
            ),
        };
        writeln!(out, "**Levels:** {}{rate}\n", levels.join(" · "))?;
    }

    write_patterns(r, out)?;

    if !r.messages.is_empty() {
        writeln!(out, "### Top messages\n")?;
        writeln!(out, "| count | message |\n|--:|---|")?;
        for m in &r.messages {
            let lower = if m.exact { "" } else { "≥" };
            writeln!(
                out,
                "| {lower}{} | {} |",
                thousands(m.count),
                md(&cut(shown_message(&m.message), 200))
            )?;
        }
        writeln!(out)?;
    }

    if !r.templates.is_empty() {
        writeln!(
            out,
            "### Unknown messages, as templates\n\nNo catalog pattern matched these; errors and warnings first.\n"
        )?;
        writeln!(out, "| count | level | template |\n|--:|---|---|")?;
        for t in &r.templates {
            let approx = if t.exact { "" } else { "≈" };
            let level = crate::report::worst_level(&t.levels).unwrap_or("");
            writeln!(
                out,
                "| {approx}{} | {level} | {} |",
                thousands(t.count),
                md(&cut(shown_message(&t.template), 200))
            )?;
        }
        writeln!(out)?;
    }

    write_timeline(r, out)?;
    write_latency(r, out)?;
    write_traces(r, out)?;
    writeln!(
        out,
        "<sub>Written by logtriage {}.</sub>",
        md(&r.tool.version)
    )
}

/// Problems described in full before the rest fold into a `<details>` block.
const SHOWN_IN_FULL: usize = 5;

fn write_patterns(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    if r.patterns.is_empty() {
        return writeln!(out, "### Known patterns\n\nNo catalog pattern matched.\n");
    }
    let (problems, infos): (Vec<&PatternHit>, Vec<&PatternHit>) =
        r.patterns.iter().partition(|p| p.severity != "info");
    writeln!(
        out,
        "### Known patterns\n\n{} matched: {}, {} informational; worst first.\n",
        r.patterns.len(),
        count(problems.len() as u64, "problem"),
        infos.len()
    )?;
    let groups = group_same_evidence(&problems);
    if !groups.is_empty() {
        writeln!(
            out,
            "| severity | count | pattern | seen |\n|---|--:|---|---|"
        )?;
        for g in &groups {
            let p = g[0];
            let seen = match (&p.first_seen, &p.last_seen) {
                (Some(f), Some(l)) if f != l => format!("{} → {}", md(f), md(l)),
                (Some(f), _) => md(f),
                _ => String::new(),
            };
            writeln!(
                out,
                "| {} {} | {} | {} | {} |",
                severity_mark(&p.severity),
                md(&p.severity),
                thousands(p.count),
                md(&p.title),
                seen
            )?;
        }
        writeln!(out)?;
        for (n, g) in groups.iter().enumerate() {
            if n == SHOWN_IN_FULL {
                // The rest fold away (GitHub and most renderers honour <details>).
                writeln!(
                    out,
                    "<details><summary>{} more: what they mean and what to do</summary>\n",
                    groups.len() - SHOWN_IN_FULL
                )?;
            }
            let p = g[0];
            writeln!(
                out,
                "#### {} {} ({})\n",
                severity_mark(&p.severity),
                md(&p.title),
                thousands(p.count)
            )?;
            if !p.meaning.is_empty() {
                writeln!(out, "- **Means:** {}", md(&p.meaning))?;
            }
            if !p.causes.is_empty() {
                let causes: Vec<String> = p.causes.iter().map(|c| md(c)).collect();
                writeln!(out, "- **Causes:** {}", causes.join("; "))?;
            }
            if !p.action.is_empty() {
                writeln!(out, "- **Do:** {}", md(&p.action))?;
            }
            let ids: Vec<String> = g.iter().map(|p| md(&p.id)).collect();
            writeln!(out, "- **Pattern:** {}", ids.join(", "))?;
            if let Some(e) = &p.example {
                writeln!(out, "- **First line** ({}:{}):\n", md(&e.source), e.line)?;
                write!(out, "{}", code_block(&cut(&e.text, 400)))?;
            }
            writeln!(out)?;
        }
        if groups.len() > SHOWN_IN_FULL {
            writeln!(out, "</details>\n")?;
        }
    }
    if !infos.is_empty() {
        let list: Vec<String> = infos
            .iter()
            .map(|p| format!("{} ×{}", md(&p.title), thousands(p.count)))
            .collect();
        writeln!(out, "Informational: {}.\n", list.join(" · "))?;
    }
    Ok(())
}

/// The buckets with errors, most first (at most 20), back in time order.
fn write_timeline(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut worst: Vec<_> = r.timeline.buckets.iter().filter(|b| b.errors > 0).collect();
    if worst.is_empty() {
        return Ok(());
    }
    let with_errors = worst.len();
    worst.sort_by(|a, b| b.errors.cmp(&a.errors).then_with(|| a.start.cmp(&b.start)));
    worst.truncate(20);
    worst.sort_by(|a, b| a.start.cmp(&b.start));
    let width = super::terminal::human_secs(r.timeline.bucket_seconds);
    writeln!(out, "### Errors over time\n")?;
    let shown = if with_errors > worst.len() {
        format!(" (the {} with the most errors)", worst.len())
    } else {
        String::new()
    };
    writeln!(
        out,
        "{} of {} of {width} had errors{shown}.\n",
        thousands(with_errors as u64),
        count(r.timeline.buckets.len() as u64, "bucket")
    )?;
    writeln!(out, "| from | events | errors |\n|---|--:|--:|")?;
    for b in worst {
        writeln!(
            out,
            "| {} | {} | {} |",
            md(&b.start),
            thousands(b.events),
            thousands(b.errors)
        )?;
    }
    writeln!(out)
}

fn stats_row(s: &LatencyStats) -> String {
    let p: Vec<String> = s.profile().iter().map(|(_, v)| ms(*v)).collect();
    format!(
        "| {} | {} | {} |",
        thousands(s.count),
        ms(s.mean),
        p.join(" | ")
    )
}

const STATS_HEAD: &str =
    "| events | mean | p50 | p90 | p95 | p99 | p99.9 | max |\n|--:|--:|--:|--:|--:|--:|--:|--:|";

fn slow_row(e: &SlowEntry) -> String {
    format!(
        "| {} | {} | {} | {} |",
        ms(Some(e.duration_ms)),
        e.ts.as_deref().map(md).unwrap_or_default(),
        e.request_id.as_deref().map(md).unwrap_or_default(),
        md(&cut(e.message.as_deref().unwrap_or(""), 120))
    )
}

fn write_latency(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let Some(l) = &r.latency else {
        return Ok(());
    };
    writeln!(out, "### Latency\n")?;
    if l.overall.count == 0 {
        return writeln!(out, "No event carries a duration.\n");
    }
    writeln!(out, "{STATS_HEAD}\n{}\n", stats_row(&l.overall))?;
    let out_of_line: Vec<_> = l.groups.iter().filter(|g| g.out_of_line).collect();
    if !out_of_line.is_empty() {
        writeln!(
            out,
            "Out of line (p99 at least 3 × the overall p99):\n\n| by | group | events | p50 | p99 | max |\n|---|---|--:|--:|--:|--:|"
        )?;
        for g in out_of_line {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                md(&g.by),
                md(&cut(&g.key, 120)),
                thousands(g.stats.count),
                ms(g.stats.p50),
                ms(g.stats.p99),
                ms(g.stats.max)
            )?;
        }
        writeln!(out)?;
    }
    if !l.slowest.is_empty() {
        writeln!(
            out,
            "Slowest events:\n\n| duration | time | request | message |\n|--:|---|---|---|"
        )?;
        for e in l.slowest.iter().take(10) {
            writeln!(out, "{}", slow_row(e))?;
        }
        writeln!(out)?;
    }
    if let Some(s) = &l.slow {
        writeln!(
            out,
            "{} slower than {}.\n",
            count(s.count, "event"),
            ms(Some(s.threshold_ms))
        )?;
    }
    Ok(())
}

fn trace_row(t: &TraceSummary) -> String {
    let first_error = t.first_error.as_ref().map_or(String::new(), |e| {
        let what = e.pattern.as_deref().or(e.message.as_deref()).unwrap_or("");
        let at = e.service.as_deref().or(e.caller.as_deref());
        match at {
            Some(at) => format!("{} (in {})", md(&cut(what, 100)), md(at)),
            None => md(&cut(what, 100)),
        }
    });
    format!(
        "| {} | {} | {} | {} | {} |",
        md(&t.request_id),
        ms(t.span_ms),
        thousands(t.events),
        md(&t.services.join(", ")),
        first_error
    )
}

fn write_traces(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let Some(t) = &r.traces else {
        return Ok(());
    };
    writeln!(out, "### Request traces\n")?;
    let share = match t.count {
        0 => String::new(),
        n => format!(" ({:.2}%)", t.with_errors as f64 * 100.0 / n as f64),
    };
    writeln!(
        out,
        "{}, {} with errors{share}; events per trace p50 {} · p99 {} · max {}; span p50 {} · p99 {}{}.\n",
        count(t.count, "trace"),
        thousands(t.with_errors),
        t.events_per_trace.p50.map_or("–".into(), thousands),
        t.events_per_trace.p99.map_or("–".into(), thousands),
        t.events_per_trace.max.map_or("–".into(), thousands),
        ms(t.span_ms.p50),
        ms(t.span_ms.p99),
        match t.evicted {
            0 => String::new(),
            n => format!("; {} finished early (too many open)", thousands(n)),
        }
    )?;
    const HEAD: &str =
        "| request | span | events | services | first error |\n|---|--:|--:|---|---|";
    if !t.error_groups.is_empty() {
        writeln!(
            out,
            "Failing requests by first error:\n\n| requests | first error | example |\n|--:|---|---|"
        )?;
        for g in &t.error_groups {
            let key = md(&cut(&g.key, 120));
            writeln!(
                out,
                "| {} | {key} | {} |",
                thousands(g.count),
                md(&g.example.request_id)
            )?;
        }
        writeln!(out)?;
    }
    if !t.slowest.is_empty() {
        writeln!(out, "Longest requests:\n\n{HEAD}")?;
        for s in t.slowest.iter().take(10) {
            writeln!(out, "{}", trace_row(s))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_text_cannot_make_markup() {
        let hostile = "a | b <img src=x> [link](http://x) **bold** `code` \x1b[31m_x_ ![i](y) #h";
        let s = md(hostile);
        for bad in ["<img", "**", "`", "\x1b", " | "] {
            assert!(!s.contains(bad), "{bad:?} in {s}");
        }
        // Brackets, `!` and `#` only escaped.
        for c in ['[', ']', '!', '#'] {
            let unescaped = s.replace(&format!("\\{c}"), "");
            assert!(!unescaped.contains(c), "{c:?} in {s}");
        }
        assert!(s.contains("\\|") && s.contains("&lt;img") && s.contains("\\x1b"));
    }

    #[test]
    fn a_code_block_outlasts_the_backticks_it_quotes() {
        assert_eq!(code_block("plain"), "```\nplain\n```\n");
        let b = code_block("x ```` y\n```");
        assert!(b.starts_with("`````\n") && b.ends_with("\n`````\n"), "{b}");
        assert_eq!(code_block("bell\x07"), "```\nbell\\x07\n```\n");
    }

    #[test]
    fn durations_read_in_their_unit() {
        assert_eq!(ms(Some(0.25)), "0.250 ms");
        assert_eq!(ms(Some(12.34)), "12.3 ms");
        assert_eq!(ms(Some(512.0)), "512 ms");
        assert_eq!(ms(Some(1500.0)), "1.50 s");
        assert_eq!(ms(None), "–");
    }
}
