//! Check and diff results as text, Markdown, JUnit XML, JSON and GitHub annotations.
//!
//! Everything quoted from logs (messages, templates, examples) is untrusted: sanitised for a
//! terminal, escaped for Markdown tables and XML.

use std::io::{self, Write};

use super::check::{ms, CheckReport, Finding, Status};
use super::diff::{Change, DiffReport, ItemChange};
use crate::render::markdown::md;
use crate::render::sanitize;

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Pass => "PASS",
        Status::Skip => "SKIP",
        Status::Fail => "FAIL",
    }
}

use crate::render::{fit_sanitized as cut, paint};

/// Every rule was skipped (an empty run, reports without the data): the gate passed on
/// nothing, which a person should see at a glance.
fn nothing_checked(r: &CheckReport) -> bool {
    r.outcomes.iter().all(|o| o.status == Status::Skip)
}

/// The check result for people: one line per rule, then each regression with its evidence.
pub fn check_text(
    r: &CheckReport,
    color: bool,
    width: usize,
    out: &mut dyn Write,
) -> io::Result<()> {
    let verdict = if r.passed && nothing_checked(r) {
        paint(color, "1;33", "NOTHING CHECKED")
    } else if r.passed {
        paint(color, "1;32", "PASS")
    } else {
        paint(color, "1;31", "REGRESSION")
    };
    writeln!(
        out,
        "{verdict}  {} against baseline {}",
        sanitize(&r.current.name),
        sanitize(&r.baseline.name)
    )?;
    writeln!(
        out,
        "  baseline {} non-blank lines, {} error lines · current {} non-blank lines, {} error lines",
        crate::render::thousands(r.baseline.lines),
        crate::render::thousands(r.baseline.errors),
        crate::render::thousands(r.current.lines),
        crate::render::thousands(r.current.errors)
    )?;
    for (side, run) in [("baseline", &r.baseline), ("current", &r.current)] {
        if let Some(w) = &run.window {
            writeln!(
                out,
                "  {side} window {}",
                window_text(w, |t| sanitize(t).into_owned())
            )?;
        }
    }
    writeln!(out)?;
    let name_w = r.outcomes.iter().map(|o| o.rule.len()).max().unwrap_or(0);
    for o in &r.outcomes {
        let word = status_word(o.status);
        let word = match o.status {
            Status::Fail => paint(color, "31", word),
            Status::Pass => paint(color, "32", word),
            Status::Skip => paint(color, "2", word),
        };
        writeln!(out, "  {word}  {:<name_w$}  {}", o.rule, o.summary)?;
    }
    let failed: Vec<(&str, &Finding)> = r
        .outcomes
        .iter()
        .flat_map(|o| {
            o.findings
                .iter()
                .filter(|f| f.regressed)
                .map(move |f| (o.rule.as_str(), f))
        })
        .collect();
    if !failed.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", paint(color, "1", "Regressions"))?;
        for (rule, f) in failed {
            writeln!(
                out,
                "  [{rule}] {}",
                cut(&f.metric, width.saturating_sub(12))
            )?;
            writeln!(out, "      {}", cut(&f.reason, width.saturating_sub(6)))?;
            for e in &f.evidence {
                writeln!(
                    out,
                    "      {}",
                    paint(color, "2", &cut(e, width.saturating_sub(6)))
                )?;
            }
        }
    }
    Ok(())
}

/// A finding's value as a person reads it: shares as percentages, counts as integers,
/// durations and other measures to four significant digits.
/// A run's time window and what it left out, in one line. Its ends pass through `escape`: a
/// report read from a file can hold any text there.
fn window_text(w: &crate::report::WindowSummary, escape: impl Fn(&str) -> String) -> String {
    let end = |t: &Option<String>| t.as_deref().map_or("…".into(), &escape);
    format!(
        "{} → {} (left out: before {}, after {}, without a time {})",
        end(&w.since),
        end(&w.until),
        crate::render::thousands(w.before),
        crate::render::thousands(w.after),
        crate::render::thousands(w.untimed)
    )
}

fn finding_value(metric: &str, v: f64) -> String {
    if metric == "error_rate" || metric == "malformed_share" {
        format!("{:.3}%", v * 100.0)
    } else if v.fract() == 0.0 && (0.0..1e15).contains(&v) {
        crate::render::thousands(v as u64)
    } else {
        let digits = (4 - v.abs().log10().floor() as i32 - 1).clamp(0, 6) as usize;
        format!("{v:.digits$}")
    }
}

/// The check result as GitHub-flavoured Markdown.
pub fn check_markdown(r: &CheckReport, out: &mut dyn Write) -> io::Result<()> {
    let head = if r.passed && nothing_checked(r) {
        "⚠️ logtriage check compared nothing"
    } else if r.passed {
        "✅ logtriage check passed"
    } else {
        "❌ logtriage check found a regression"
    };
    writeln!(out, "### {head}\n")?;
    writeln!(
        out,
        "Current `{}` ({} non-blank lines) against baseline `{}` ({} non-blank lines).\n",
        md(&r.current.name),
        r.current.lines,
        md(&r.baseline.name),
        r.baseline.lines
    )?;
    for (side, run) in [("Baseline", &r.baseline), ("Current", &r.current)] {
        if let Some(w) = &run.window {
            writeln!(out, "{side} window: {}.\n", window_text(w, md))?;
        }
    }
    writeln!(out, "| rule | result | summary |\n|---|---|---|")?;
    for o in &r.outcomes {
        writeln!(
            out,
            "| {} | {} | {} |",
            o.rule,
            status_word(o.status),
            md(&o.summary)
        )?;
    }
    let failed: Vec<&Finding> = r
        .outcomes
        .iter()
        .flat_map(|o| o.findings.iter().filter(|f| f.regressed))
        .collect();
    if !failed.is_empty() {
        writeln!(out, "\n#### Regressions\n")?;
        writeln!(
            out,
            "| metric | baseline | current | why |\n|---|---|---|---|"
        )?;
        for f in &failed {
            writeln!(
                out,
                "| {} | {} | {} | {} |",
                md(&cut(&f.metric, 120)),
                f.baseline
                    .map_or("–".into(), |v| finding_value(&f.metric, v)),
                finding_value(&f.metric, f.current),
                md(&f.reason)
            )?;
        }
        writeln!(out, "\n<details><summary>Evidence</summary>\n")?;
        for f in failed {
            if f.evidence.is_empty() {
                continue;
            }
            writeln!(out, "**{}**\n\n```text", md(&cut(&f.metric, 120)))?;
            for e in &f.evidence {
                writeln!(out, "{}", cut(e, 300).replace("```", "'''"))?;
            }
            writeln!(out, "```\n")?;
        }
        writeln!(out, "</details>")?;
    }
    Ok(())
}

fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 allows tab, newline and carriage return among the controls.
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

/// The check result as JUnit XML: one test case per rule.
pub fn check_junit(r: &CheckReport, out: &mut dyn Write) -> io::Result<()> {
    let skipped = r
        .outcomes
        .iter()
        .filter(|o| o.status == Status::Skip)
        .count();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="logtriage check" tests="{}" failures="{}" skipped="{skipped}">"#,
        r.outcomes.len(),
        r.failed_rules
    )?;
    writeln!(
        out,
        r#"  <testsuite name="{}" tests="{}" failures="{}" skipped="{skipped}">"#,
        xml(&format!("{} vs {}", r.current.name, r.baseline.name)),
        r.outcomes.len(),
        r.failed_rules
    )?;
    for o in &r.outcomes {
        write!(
            out,
            r#"    <testcase classname="logtriage.check" name="{}""#,
            xml(&o.rule)
        )?;
        match o.status {
            Status::Pass => writeln!(out, " />")?,
            Status::Skip => {
                writeln!(out, ">")?;
                writeln!(out, r#"      <skipped message="{}" />"#, xml(&o.summary))?;
                writeln!(out, "    </testcase>")?;
            }
            Status::Fail => {
                writeln!(out, ">")?;
                let body: Vec<String> = o
                    .findings
                    .iter()
                    .filter(|f| f.regressed)
                    .map(|f| {
                        // Log text escaped as on a terminal: one example per line (a raw CR
                        // would not even survive an XML parser).
                        let mut s = format!("{}: {}", cut(&f.metric, 200), f.reason);
                        for e in &f.evidence {
                            s.push_str("\n    ");
                            s.push_str(&cut(e, 300));
                        }
                        s
                    })
                    .collect();
                writeln!(
                    out,
                    r#"      <failure message="{}" type="regression">{}</failure>"#,
                    xml(&o.summary),
                    xml(&body.join("\n"))
                )?;
                writeln!(out, "    </testcase>")?;
            }
        }
    }
    writeln!(out, "  </testsuite>\n</testsuites>")
}

/// Escapes a workflow-command message (`%`, CR, LF as GitHub documents).
fn gha(s: &str) -> String {
    sanitize(s)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// `::error::` lines for regressions, for GitHub Actions (written when `GITHUB_ACTIONS=true`).
pub fn github_annotations(r: &CheckReport, out: &mut dyn Write) -> io::Result<()> {
    for o in &r.outcomes {
        for f in o.findings.iter().filter(|f| f.regressed) {
            writeln!(
                out,
                "::error title=logtriage {}::{}",
                gha(&o.rule).replace(',', "%2C").replace(':', "%3A"),
                gha(&format!("{}: {}", cut(&f.metric, 200), f.reason))
            )?;
        }
        if o.status == Status::Skip {
            writeln!(
                out,
                "::warning title=logtriage {}::{}",
                gha(&o.rule).replace(',', "%2C").replace(':', "%3A"),
                gha(&o.summary)
            )?;
        }
    }
    Ok(())
}

fn num(v: Option<f64>, share: bool) -> String {
    match v {
        None => "–".into(),
        Some(v) if share => format!("{:.3}%", v * 100.0),
        Some(v) if v.fract() == 0.0 && v.abs() < 1e15 => crate::render::thousands(v as u64),
        Some(v) => format!("{v:.2}"),
    }
}

fn change_rows(rows: &[Change], share: bool, latency: bool) -> Vec<[String; 4]> {
    rows.iter()
        .map(|c| {
            let f = |v: Option<f64>| {
                if latency && !c.metric.ends_with("count") {
                    v.map_or("–".into(), ms)
                } else {
                    num(v, share && c.metric != "lines" && c.metric != "events")
                }
            };
            let delta = match (c.a, c.b) {
                (Some(a), Some(b)) if a != 0.0 => format!("{:+.1}%", (b / a - 1.0) * 100.0),
                (Some(_), Some(_)) | (None, Some(_)) | (Some(_), None) | (None, None) => {
                    String::new()
                }
            };
            // `lines` are the non-blank lines rates are counted per (the JSON key stays).
            let label = match c.metric.as_str() {
                "lines" => "non-blank lines".to_string(),
                m => sanitize(m).into_owned(),
            };
            [label, f(c.a), f(c.b), delta]
        })
        .collect()
}

fn item_rows(rows: &[ItemChange], max: usize) -> Vec<[String; 5]> {
    rows.iter()
        .map(|i| {
            [
                i.status.clone(),
                format!("{:.2}", i.a_rate),
                format!("{:.2}", i.b_rate),
                format!("{} → {}", i.a, i.b),
                cut(&format!("{}  {}", i.key, i.label), max),
            ]
        })
        .collect()
}

fn table<const N: usize>(
    out: &mut dyn Write,
    head: [&str; N],
    rows: &[[String; N]],
    right: &[bool; N],
) -> io::Result<()> {
    let mut w = [0usize; N];
    for (i, h) in head.iter().enumerate() {
        w[i] = h.chars().count();
    }
    for r in rows {
        for i in 0..N {
            w[i] = w[i].max(r[i].chars().count());
        }
    }
    let line = |cells: &[String; N]| {
        let mut s = String::from(" ");
        for i in 0..N {
            let pad = w[i] - cells[i].chars().count();
            s.push(' ');
            if right[i] {
                s.push_str(&" ".repeat(pad));
                s.push_str(&cells[i]);
            } else {
                s.push_str(&cells[i]);
                if i + 1 < N {
                    s.push_str(&" ".repeat(pad));
                }
            }
        }
        s
    };
    writeln!(out, "{}", line(&head.map(String::from)))?;
    for r in rows {
        writeln!(out, "{}", line(r))?;
    }
    Ok(())
}

/// The diff for people.
pub fn diff_text(d: &DiffReport, color: bool, width: usize, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "{}  A = {}   B = {}",
        paint(color, "1", "diff"),
        sanitize(&d.a),
        sanitize(&d.b)
    )?;
    for (side, w) in [("A", &d.a_window), ("B", &d.b_window)] {
        if let Some(w) = w {
            writeln!(
                out,
                "  {side} window {}",
                window_text(w, |t| sanitize(t).into_owned())
            )?;
        }
    }
    writeln!(out)?;
    let right = [false, true, true, true];
    table(
        out,
        ["", "A", "B", "change"],
        &change_rows(&d.totals, true, false),
        &right,
    )?;
    writeln!(out)?;
    writeln!(out, "{}", paint(color, "1", "Levels (per 10,000 lines)"))?;
    table(
        out,
        ["level", "A", "B", "change"],
        &change_rows(&d.levels, false, false),
        &right,
    )?;
    let right5 = [false, true, true, true, false];
    let max = width.saturating_sub(40).max(30);
    if !d.patterns.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            paint(color, "1", "Catalog patterns (per 10,000 lines)")
        )?;
        table(
            out,
            ["", "A", "B", "count", "pattern"],
            &item_rows(&d.patterns, max),
            &right5,
        )?;
    }
    if !d.templates.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            paint(color, "1", "Unknown templates (per 10,000 lines)")
        )?;
        table(
            out,
            ["", "A", "B", "count", "template"],
            &item_rows(&d.templates, max),
            &right5,
        )?;
    }
    if !d.latency.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", paint(color, "1", "Latency"))?;
        table(
            out,
            ["", "A", "B", "change"],
            &change_rows(&d.latency, false, true),
            &right,
        )?;
    }
    Ok(())
}

/// The diff as Markdown.
pub fn diff_markdown(d: &DiffReport, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "### logtriage diff\n\nA = `{}`, B = `{}`\n",
        md(&d.a),
        md(&d.b)
    )?;
    for (side, w) in [("A", &d.a_window), ("B", &d.b_window)] {
        if let Some(w) = w {
            writeln!(out, "{side} window: {}.\n", window_text(w, md))?;
        }
    }
    let changes = |out: &mut dyn Write, rows: Vec<[String; 4]>| -> io::Result<()> {
        writeln!(out, "| | A | B | change |\n|---|--:|--:|--:|")?;
        for r in rows {
            writeln!(out, "| {} | {} | {} | {} |", md(&r[0]), r[1], r[2], r[3])?;
        }
        Ok(())
    };
    changes(out, change_rows(&d.totals, true, false))?;
    writeln!(out, "\n#### Levels (per 10,000 lines)\n")?;
    changes(out, change_rows(&d.levels, false, false))?;
    for (title, rows) in [
        ("Catalog patterns", &d.patterns),
        ("Unknown templates", &d.templates),
    ] {
        if rows.is_empty() {
            continue;
        }
        writeln!(out, "\n#### {title} (per 10,000 lines)\n")?;
        writeln!(out, "| | A | B | count | |\n|---|--:|--:|--:|---|")?;
        for r in item_rows(rows, 160) {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                r[0],
                r[1],
                r[2],
                r[3],
                md(&r[4])
            )?;
        }
    }
    if !d.latency.is_empty() {
        writeln!(out, "\n#### Latency\n")?;
        changes(out, change_rows(&d.latency, false, true))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_windows_ends_from_a_report_are_escaped() {
        let w = crate::report::WindowSummary {
            since: Some("\u{1b}[2J10:00 | *x*".into()),
            until: None,
            before: 1,
            after: 0,
            untimed: 0,
        };
        let text = window_text(&w, |t| sanitize(t).into_owned());
        assert!(!text.contains('\u{1b}'), "{text}");
        assert!(text.contains("→ …"), "{text}");
        let markdown = window_text(&w, md);
        assert!(
            !markdown.contains(" | ") && !markdown.contains(" *x*"),
            "{markdown}"
        );
    }
}
