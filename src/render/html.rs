//! The HTML report: one self-contained file (inline CSS, one inline script, inline SVG) that
//! can be opened offline or attached to an incident.
//!
//! Log content is untrusted. Every text from the report goes through [`esc`], and the page's
//! Content-Security-Policy allows no remote loads at all and only the one script whose SHA-256
//! hash it names, so even a failure of escaping could not run injected script.

use std::fmt::Write as _;
use std::io::{self, Write};

use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::{shown_message, thousands};
use crate::report::{LatencyStats, PatternHit, Report, SlowEntry, TraceSummary};

/// Most bars drawn in the timeline; adjacent buckets are summed past it.
const MAX_BARS: usize = 400;

const STYLE: &str = r#"
:root{--bg:#fff;--fg:#1d2026;--mute:#5d6472;--line:#d9dde5;--card:#f6f7f9;--crit:#8b0000;--err:#c62828;--warn:#b26a00;--info:#1565c0;--bar:#9aa5b8}
@media (prefers-color-scheme:dark){:root{--bg:#14161a;--fg:#e4e7ec;--mute:#9aa3b2;--line:#2c313a;--card:#1c1f25;--crit:#ff6b6b;--err:#ef5350;--warn:#ffb74d;--info:#64b5f6;--bar:#5c6779}}
*{box-sizing:border-box}body{margin:0 auto;max-width:1200px;padding:24px;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
.mute{color:var(--mute)}.cards{display:flex;flex-wrap:wrap;gap:10px;margin:14px 0}.card{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:8px 12px;min-width:120px}
.card b{display:block;font-size:18px}table{border-collapse:collapse;width:100%;margin:6px 0}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{cursor:pointer;user-select:none;white-space:nowrap;font-weight:600}th.sorted-asc::after{content:" ▲"}th.sorted-desc::after{content:" ▼"}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px;word-break:break-all;white-space:pre-wrap}
.sev{font-weight:700;text-transform:uppercase;font-size:11px}.critical{color:var(--crit)}.error{color:var(--err)}.warn{color:var(--warn)}.info{color:var(--info)}
details summary{cursor:pointer}details>div{margin:6px 0 6px 14px}svg{max-width:100%;height:auto}svg .ev{fill:var(--bar)}svg .er{fill:var(--err)}svg .sp{fill:var(--crit)}svg text{fill:var(--mute);font-size:11px}
.t{white-space:nowrap}.partial{background:#fff3cd;color:#664d03;padding:6px 10px;border-radius:4px}
@media print{th{cursor:auto}details{display:block}details>div{display:block}body{max-width:none;padding:0}.noprint{display:none}}
"#;

const SCRIPT: &str = r#"
document.querySelectorAll("table.sortable").forEach(function(t){
  var hs=t.querySelectorAll("th");
  hs.forEach(function(h,i){h.addEventListener("click",function(){
    var asc=!h.classList.contains("sorted-asc");
    hs.forEach(function(x){x.classList.remove("sorted-asc","sorted-desc")});
    h.classList.add(asc?"sorted-asc":"sorted-desc");
    var body=t.tBodies[0];var rows=Array.prototype.slice.call(body.rows);
    rows.sort(function(a,b){
      var x=a.cells[i],y=b.cells[i];
      var u=x.getAttribute("data-v"),v=y.getAttribute("data-v");
      var r=(u!==null&&v!==null)?(parseFloat(u)-parseFloat(v)):x.textContent.localeCompare(y.textContent);
      return asc?r:-r});
    rows.forEach(function(r){body.appendChild(r)})})})});
"#;

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters (other than tab and newline) are shown, not passed on.
            c if (c.is_control() && c != '\t' && c != '\n') || is_bidi(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

fn is_bidi(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

fn ms(v: Option<f64>) -> String {
    match v {
        None => "–".into(),
        Some(v) if v >= 1000.0 => format!("{:.2} s", v / 1000.0),
        Some(v) => format!("{v:.1} ms"),
    }
}

/// Writes the report as one HTML document.
pub fn write(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(SCRIPT.as_bytes()));
    let mut h = String::with_capacity(64 << 10);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; \
script-src 'sha256-{hash}'; img-src data:; base-uri 'none'; form-action 'none'\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>logtriage report</title><style>{STYLE}</style></head><body>"
    );
    header(r, &mut h);
    timeline(r, &mut h);
    patterns(&r.patterns, &mut h);
    templates(r, &mut h);
    messages(r, &mut h);
    latency(r, &mut h);
    traces(r, &mut h);
    let _ = writeln!(
        h,
        "<p class=\"mute\">{} {} · schema {}</p><script>{SCRIPT}</script></body></html>",
        esc(&r.tool.name),
        esc(&r.tool.version),
        esc(&r.schema)
    );
    out.write_all(h.as_bytes())
}

fn header(r: &Report, h: &mut String) {
    let i = &r.input;
    let worst = r
        .patterns
        .iter()
        .map(|p| p.severity.as_str())
        .find(|s| *s != "info")
        .unwrap_or("none");
    let errors = r.error_events();
    let rate = if i.events > 0 {
        format!("{:.2}%", 100.0 * errors as f64 / i.events as f64)
    } else {
        "–".into()
    };
    let range = i
        .time_range
        .as_ref()
        .map(|t| format!("{} → {}", esc(&t.first), esc(&t.last)))
        .unwrap_or_else(|| "no timestamps".into());
    let sources: Vec<String> = i.sources.iter().map(|s| esc(&s.name)).collect();
    let _ = write!(
        h,
        "<h1>logtriage report</h1><div class=\"mute\">{} · {range}</div>",
        sources.join(", ")
    );
    if r.partial {
        h.push_str("<p class=\"partial\">Partial report: some input could not be read or the run was interrupted.</p>");
    }
    let _ = write!(
        h,
        "<div class=\"cards\"><div class=\"card\"><b>{}</b>lines</div><div class=\"card\"><b>{}</b>events</div>\
<div class=\"card\"><b>{}</b>errors</div><div class=\"card\"><b>{rate}</b>of events are errors</div>\
<div class=\"card\"><b class=\"{}\">{}</b>worst severity</div><div class=\"card\"><b>{}</b>malformed</div></div>",
        thousands(i.lines),
        thousands(i.events),
        thousands(errors),
        esc(worst),
        esc(worst),
        thousands(i.malformed)
    );
    if let Some(f) = &i.filter {
        let _ = write!(
            h,
            "<p class=\"mute\">Only lines matching the filter <code>{}</code> (left out {}).</p>",
            esc(&f.pattern),
            thousands(f.excluded)
        );
    }
    if let Some(w) = &i.window {
        let end = |t: &Option<String>| t.as_deref().map_or("…".to_string(), esc);
        let _ = write!(
            h,
            "<p class=\"mute\">Only lines timed from {} to {} (left out: {} before, {} after, {} without a time).</p>",
            end(&w.since),
            end(&w.until),
            thousands(w.before),
            thousands(w.after),
            thousands(w.untimed)
        );
    }
    h.push_str("<table><thead><tr>");
    for l in ["trace", "debug", "info", "warn", "error", "fatal"] {
        let _ = write!(h, "<th class=\"n\">{l}</th>");
    }
    h.push_str("</tr></thead><tbody><tr>");
    for l in ["trace", "debug", "info", "warn", "error", "fatal"] {
        let _ = write!(
            h,
            "<td class=\"n\">{}</td>",
            thousands(r.levels.get(l).copied().unwrap_or(0))
        );
    }
    h.push_str("</tr></tbody></table>");
}

fn timeline(r: &Report, h: &mut String) {
    let b = &r.timeline.buckets;
    if b.is_empty() {
        return;
    }
    // Sum adjacent buckets so at most MAX_BARS bars are drawn.
    let per = b.len().div_ceil(MAX_BARS);
    let bars: Vec<(&str, u64, u64)> = b
        .chunks(per)
        .map(|c| {
            (
                c[0].start.as_str(),
                c.iter().map(|x| x.events).sum(),
                c.iter().map(|x| x.errors).sum(),
            )
        })
        .collect();
    let max = bars.iter().map(|b| b.1).max().unwrap_or(1).max(1);
    // A spike: errors above the mean plus three standard deviations (and above zero).
    let n = bars.len() as f64;
    let mean = bars.iter().map(|b| b.2 as f64).sum::<f64>() / n;
    let sd = (bars
        .iter()
        .map(|b| (b.2 as f64 - mean).powi(2))
        .sum::<f64>()
        / n)
        .sqrt();
    let (w, ht) = (1000.0, 170.0);
    let bw = w / bars.len() as f64;
    let _ = write!(
        h,
        "<h2>Events and errors over time</h2><div class=\"mute\">bucket {} s × {per}; grey events, red errors, ▲ error spike (above mean + 3σ)</div>\
<svg viewBox=\"0 0 {w} {}\" role=\"img\" aria-label=\"events and errors per bucket\">",
        r.timeline.bucket_seconds,
        ht + 20.0
    );
    for (i, (start, ev, er)) in bars.iter().enumerate() {
        let x = i as f64 * bw;
        let eh = ht * *ev as f64 / max as f64;
        let rh = ht * *er as f64 / max as f64;
        let _ = write!(
            h,
            "<g><title>{} · {} events · {} errors</title><rect class=\"ev\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{eh:.1}\"/>\
<rect class=\"er\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{rh:.1}\"/>",
            esc(start),
            thousands(*ev),
            thousands(*er),
            ht - eh,
            (bw - 0.5).max(0.5),
            ht - rh,
            (bw - 0.5).max(0.5)
        );
        if *er >= 3 && (*er as f64) > mean + 3.0 * sd {
            let _ = write!(
                h,
                "<path class=\"sp\" d=\"M{:.1} {:.1} l5 9 h-10 z\"/>",
                x + bw / 2.0,
                (ht - rh - 12.0).max(0.0)
            );
        }
        h.push_str("</g>");
    }
    let first = bars.first().map(|b| b.0).unwrap_or("");
    let last = bars.last().map(|b| b.0).unwrap_or("");
    let _ = write!(
        h,
        "<text x=\"0\" y=\"{}\">{}</text><text x=\"{w}\" y=\"{}\" text-anchor=\"end\">{}</text></svg>",
        ht + 15.0,
        esc(first),
        ht + 15.0,
        esc(last)
    );
}

fn patterns(ps: &[PatternHit], h: &mut String) {
    h.push_str("<h2>Known patterns</h2>");
    if ps.is_empty() {
        h.push_str("<p class=\"mute\">No catalog pattern matched.</p>");
        return;
    }
    h.push_str("<table class=\"sortable\"><thead><tr><th>severity</th><th class=\"n\">count</th><th>pattern</th><th>first seen</th><th>last seen</th></tr></thead><tbody>");
    for p in ps {
        let sev_rank = match p.severity.as_str() {
            "critical" => 3,
            "error" => 2,
            "warn" => 1,
            _ => 0,
        };
        let causes: Vec<String> = p
            .causes
            .iter()
            .map(|c| format!("<li>{}</li>", esc(c)))
            .collect();
        let example = p
            .example
            .as_ref()
            .map(|e| {
                format!(
                    "<div><b>example</b> <span class=\"mute\">{}:{}</span><br><code>{}</code></div>",
                    esc(&e.source),
                    e.line,
                    esc(&e.text)
                )
            })
            .unwrap_or_default();
        let guide = match (&p.guide, &p.section) {
            (Some(g), Some(s)) => format!("<div class=\"mute\">{} › {}</div>", esc(g), esc(s)),
            (Some(g), None) => format!("<div class=\"mute\">{}</div>", esc(g)),
            _ => String::new(),
        };
        let _ = write!(
            h,
            "<tr><td data-v=\"{sev_rank}\"><span class=\"sev {}\">{}</span></td><td class=\"n\" data-v=\"{}\">{}</td>\
<td><details><summary>{} <span class=\"mute mono\">{}</span></summary><div><b>meaning</b> {}</div>\
<div><b>do</b> {}</div>{}{}{}</details></td><td class=\"mono t\">{}</td><td class=\"mono t\">{}</td></tr>",
            esc(&p.severity),
            esc(&p.severity),
            p.count,
            thousands(p.count),
            esc(&p.title),
            esc(&p.id),
            esc(&p.meaning),
            esc(&p.action),
            if causes.is_empty() {
                String::new()
            } else {
                format!("<div><b>causes</b><ul>{}</ul></div>", causes.join(""))
            },
            example,
            guide,
            esc(p.first_seen.as_deref().unwrap_or("–")),
            esc(p.last_seen.as_deref().unwrap_or("–"))
        );
    }
    h.push_str("</tbody></table>");
}

fn templates(r: &Report, h: &mut String) {
    if r.templates.is_empty() {
        return;
    }
    h.push_str("<h2>Unknown messages, as templates</h2><div class=\"mute\">No catalog pattern matched these; errors and warnings first.");
    if r.templates.iter().any(|t| !t.exact) {
        h.push_str(" Counts marked ≈ are estimated: the log had more distinct messages than the tables keep.");
    }
    h.push_str("</div>\
<table class=\"sortable\"><thead><tr><th class=\"n\">count</th><th>levels</th><th>template</th><th>example</th></tr></thead><tbody>");
    for t in &r.templates {
        let levels: Vec<String> = t
            .levels
            .iter()
            .map(|(l, n)| {
                format!(
                    "<span class=\"{}\">{} {}</span>",
                    esc(l),
                    esc(l),
                    thousands(*n)
                )
            })
            .collect();
        let _ = write!(
            h,
            "<tr><td class=\"n\" data-v=\"{}\">{}{}</td><td>{}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td></tr>",
            t.count,
            if t.exact { "" } else { "≈" },
            thousands(t.count),
            levels.join(" "),
            esc(shown_message(&t.template)),
            esc(&t.example)
        );
    }
    h.push_str("</tbody></table>");
}

fn messages(r: &Report, h: &mut String) {
    if r.messages.is_empty() {
        return;
    }
    h.push_str("<h2>Top messages</h2><table class=\"sortable\"><thead><tr><th class=\"n\">count</th><th>message</th></tr></thead><tbody>");
    for m in &r.messages {
        let _ = write!(
            h,
            "<tr><td class=\"n\" data-v=\"{}\">{}{}</td><td class=\"mono\">{}</td></tr>",
            m.count,
            if m.exact { "" } else { "≥" },
            thousands(m.count),
            esc(shown_message(&m.message))
        );
    }
    h.push_str("</tbody></table>");
}

fn stats_row(label: &str, s: &LatencyStats, h: &mut String) {
    let _ = write!(
        h,
        "<tr><td>{}</td><td class=\"n\" data-v=\"{}\">{}</td>",
        label,
        s.count,
        thousands(s.count)
    );
    for v in [s.mean, s.p50, s.p90, s.p95, s.p99, s.p999, s.max] {
        let _ = write!(
            h,
            "<td class=\"n\" data-v=\"{}\">{}</td>",
            v.unwrap_or(0.0),
            ms(v)
        );
    }
    h.push_str("</tr>");
}

fn slow_table(rows: &[SlowEntry], h: &mut String) {
    h.push_str("<table class=\"sortable\"><thead><tr><th class=\"n\">duration</th><th>time</th><th>request</th><th>message</th><th>where</th></tr></thead><tbody>");
    for e in rows {
        let _ = write!(
            h,
            "<tr><td class=\"n\" data-v=\"{}\">{}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td><td class=\"mono mute\">{}:{}</td></tr>",
            e.duration_ms,
            ms(Some(e.duration_ms)),
            esc(e.ts.as_deref().unwrap_or("–")),
            esc(e.request_id.as_deref().unwrap_or("–")),
            esc(e.message.as_deref().unwrap_or("")),
            esc(&e.source),
            e.line
        );
    }
    h.push_str("</tbody></table>");
}

fn latency(r: &Report, h: &mut String) {
    let Some(l) = &r.latency else {
        return;
    };
    h.push_str("<h2>Latency</h2>");
    let o = &l.overall;
    // Percentile profile: one bar per percentile on a log scale.
    let points = o.profile();
    let top = o.max.unwrap_or(1.0).max(1.0);
    let scale = |v: f64| (1.0 + v.max(0.0)).ln() / (1.0 + top).ln();
    let _ = write!(
        h,
        "<svg viewBox=\"0 0 1000 {}\" role=\"img\" aria-label=\"latency percentiles\">",
        points.len() * 24 + 6
    );
    for (i, (name, v)) in points.iter().enumerate() {
        let y = i * 24 + 4;
        let wdt = 820.0 * scale(v.unwrap_or(0.0));
        let _ = write!(
            h,
            "<text x=\"0\" y=\"{}\">{name}</text><rect class=\"{}\" x=\"50\" y=\"{y}\" width=\"{wdt:.1}\" height=\"16\"/><text x=\"{:.1}\" y=\"{}\">{}</text>",
            y + 12,
            if *name == "p50" || *name == "p90" { "ev" } else { "er" },
            56.0 + wdt,
            y + 12,
            ms(*v)
        );
    }
    h.push_str("</svg><div class=\"mute\">percentiles on a log scale (DDSketch, 0.5% relative error)</div>");
    histogram(&l.histogram, h);
    h.push_str("<table class=\"sortable\"><thead><tr><th>group</th><th class=\"n\">count</th><th class=\"n\">mean</th><th class=\"n\">p50</th><th class=\"n\">p90</th><th class=\"n\">p95</th><th class=\"n\">p99</th><th class=\"n\">p99.9</th><th class=\"n\">max</th></tr></thead><tbody>");
    stats_row("<b>all</b>", o, h);
    for g in &l.groups {
        let label = format!(
            "{} {}{}",
            esc(&g.by),
            esc(&g.key),
            if g.out_of_line {
                " <span class=\"warn\">(tail out of line)</span>"
            } else {
                ""
            }
        );
        stats_row(&label, &g.stats, h);
    }
    h.push_str("</tbody></table>");
    if !l.slowest.is_empty() {
        h.push_str("<h2>Slowest events</h2>");
        slow_table(&l.slowest, h);
    }
}

/// The duration histogram: one bar per log-spaced bucket (four per decade).
fn histogram(b: &[crate::report::HistogramBucket], h: &mut String) {
    if b.is_empty() {
        return;
    }
    let max = b.iter().map(|x| x.count).max().unwrap_or(1).max(1);
    let (w, ht) = (1000.0, 120.0);
    let bw = w / b.len() as f64;
    let _ = write!(
        h,
        "<div class=\"mute\">histogram of durations (events per bucket, four buckets per decade)</div>\
<svg viewBox=\"0 0 {w} {}\" role=\"img\" aria-label=\"latency histogram\">",
        ht + 20.0
    );
    for (i, x) in b.iter().enumerate() {
        let bh = ht * x.count as f64 / max as f64;
        let label = x.le_ms.map_or("and above".to_string(), |v| {
            format!("below {}", ms(Some(v)))
        });
        let _ = write!(
            h,
            "<g><title>{} events {label}</title><rect class=\"ev\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\"/></g>",
            thousands(x.count),
            i as f64 * bw,
            ht - bh,
            (bw - 1.0).max(0.5)
        );
    }
    let lo = b
        .first()
        .and_then(|x| x.le_ms)
        .map_or(String::new(), |v| format!("&lt; {}", ms(Some(v))));
    let hi = b
        .last()
        .and_then(|x| x.le_ms)
        .map_or("open".to_string(), |v| format!("&lt; {}", ms(Some(v))));
    let _ = write!(
        h,
        "<text x=\"0\" y=\"{}\">{lo}</text><text x=\"{w}\" y=\"{}\" text-anchor=\"end\">{hi}</text></svg>",
        ht + 15.0,
        ht + 15.0
    );
}

fn trace_details(t: &TraceSummary, paths: &str, h: &mut String) {
    let _ = write!(
        h,
        "<details><summary class=\"mono\">{} <span class=\"mute\">{} events, {} errors, {}</span></summary><div>",
        esc(&t.request_id),
        t.events,
        t.errors,
        ms(t.span_ms)
    );
    let _ = write!(
        h,
        "<div>{} → {}</div><div>services: {}</div>",
        esc(t.first.as_deref().unwrap_or("–")),
        esc(t.last.as_deref().unwrap_or("–")),
        esc(&t.services.join(", "))
    );
    if let Some(s) = &t.slowest_event {
        let _ = write!(
            h,
            "<div>slowest: <code>{}</code> {}</div>",
            esc(&s.message),
            ms(Some(s.duration_ms))
        );
    }
    if let Some(e) = &t.first_error {
        let _ = write!(
            h,
            "<div class=\"error\">first error: {} <code>{}</code> in {} {}</div>",
            esc(e.ts.as_deref().unwrap_or("")),
            esc(e.message.as_deref().unwrap_or("")),
            esc(e.service.as_deref().unwrap_or("?")),
            esc(e.caller.as_deref().unwrap_or(""))
        );
    }
    if !t.patterns.is_empty() {
        let _ = write!(
            h,
            "<div>patterns: <span class=\"mono\">{}</span></div>",
            esc(&t.patterns.join(", "))
        );
    }
    let _ = write!(
        h,
        "<div class=\"mute\">every event of this request, in order: <code>logtriage trace -- {} {}</code></div>",
        esc(&shell_word(&t.request_id)),
        esc(paths)
    );
    h.push_str("</div></details>");
}

/// The inputs of the report as shell words, for a command line to copy (after `--`): `FILE`
/// for standard input, which cannot be read again, and for CloudWatch log groups (`trace`
/// reads them with `--log-group`, which cannot follow `--`); past four files, `FILE…`.
fn source_words(r: &Report) -> String {
    const MAX_WORDS: usize = 4;
    let mut words: Vec<String> = r
        .input
        .sources
        .iter()
        .map(|s| {
            if s.name == "-" || s.name.starts_with("cloudwatch:") {
                "FILE".to_string()
            } else {
                shell_word(&s.name)
            }
        })
        .collect();
    words.dedup();
    if words.is_empty() || words.len() > MAX_WORDS {
        return "FILE…".into();
    }
    words.join(" ")
}

/// `s` as one POSIX shell word: as is when it is plain, else single-quoted.
fn shell_word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@%+,".contains(&b));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

fn traces(r: &Report, h: &mut String) {
    let Some(t) = &r.traces else {
        return;
    };
    let paths = source_words(r);
    let _ = write!(
        h,
        "<h2>Request traces</h2><div class=\"cards\"><div class=\"card\"><b>{}</b>traces</div><div class=\"card\"><b>{}</b>with errors</div><div class=\"card\"><b>{}</b>evicted early</div><div class=\"card\"><b>{}</b>span p99</div></div>",
        thousands(t.count),
        thousands(t.with_errors),
        thousands(t.evicted),
        ms(t.span_ms.p99)
    );
    if !t.error_groups.is_empty() {
        h.push_str("<h2>Failing requests by first error</h2><table class=\"sortable\"><thead><tr><th class=\"n\">traces</th><th>first error</th><th>example</th></tr></thead><tbody>");
        for g in &t.error_groups {
            let _ = write!(
                h,
                "<tr><td class=\"n\" data-v=\"{}\">{}</td><td class=\"mono\">{}</td><td>",
                g.count,
                thousands(g.count),
                esc(&g.key)
            );
            trace_details(&g.example, &paths, h);
            h.push_str("</td></tr>");
        }
        h.push_str("</tbody></table>");
    }
    if !t.slowest.is_empty() {
        h.push_str("<h2>Longest requests</h2>");
        for s in &t.slowest {
            trace_details(s, &paths, h);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_neutralises_markup_and_controls() {
        assert_eq!(
            esc("</script><script>alert(1)</script>"),
            "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(
            esc("<img src=x onerror=alert(1)>"),
            "&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(esc("a\"b'c&"), "a&quot;b&#39;c&amp;");
        assert_eq!(esc("x\u{1b}[31my\u{202e}"), "x\\u{1b}[31my\\u{202e}");
    }

    #[test]
    fn trace_commands_name_the_inputs_as_shell_words() {
        assert_eq!(shell_word("logs/app.log"), "logs/app.log");
        assert_eq!(shell_word("my logs/a b.log"), "'my logs/a b.log'");
        assert_eq!(shell_word("it's;rm -rf"), "'it'\\''s;rm -rf'");
        assert_eq!(shell_word(""), "''");
        let mut r =
            crate::analyze_str("{\"level\":\"error\",\"msg\":\"boom\",\"request_id\":\"req-1\"}\n");
        assert_eq!(
            source_words(&r),
            "FILE",
            "standard input cannot be read again"
        );
        r.input.sources[0].name = "/var/log/app one.log".into();
        assert_eq!(source_words(&r), "'/var/log/app one.log'");
        r.input.sources = (0..5).map(|_| r.input.sources[0].clone()).collect();
        for (i, s) in r.input.sources.iter_mut().enumerate() {
            s.name = format!("a{i}.log");
        }
        assert_eq!(
            source_words(&r),
            "FILE…",
            "a long list is not repeated in every trace"
        );
    }

    #[test]
    fn report_is_one_document_with_a_strict_policy() {
        let r = crate::analyze_str(concat!(
            r#"{"level":"error","ts":"2026-02-06T10:30:45Z","msg":"</script><script>alert(1)</script>"}"#,
            "\n",
            r#"{"level":"error","ts":"2026-02-06T10:30:46Z","msg":"database connection failed","error":"<img src=x onerror=alert(1)>"}"#,
            "\n"
        ));
        let mut out = Vec::new();
        write(&r, &mut out).unwrap();
        let html = String::from_utf8(out).unwrap();
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("default-src 'none'"));
        assert_eq!(html.matches("<script>").count(), 1, "only our own script");
        assert!(!html.contains("<img"));
        assert!(html.contains("&lt;/script&gt;&lt;script&gt;alert(1)"));
    }

    #[test]
    fn a_filter_and_a_window_are_stated_escaped() {
        let mut r = crate::analyze_str("{\"level\":\"info\",\"msg\":\"m\"}\n");
        r.input.filter = Some(crate::report::FilterSummary {
            pattern: "\"<b>\"".into(),
            excluded: 1234,
        });
        r.input.window = Some(crate::report::WindowSummary {
            since: Some("2026-02-06T14:00:00.000Z".into()),
            until: None,
            before: 5,
            after: 0,
            untimed: 7,
        });
        let mut out = Vec::new();
        write(&r, &mut out).unwrap();
        let html = String::from_utf8(out).unwrap();
        assert!(html.contains("filter <code>&quot;&lt;b&gt;&quot;</code> (left out 1,234)"));
        assert!(html.contains(
            "from 2026-02-06T14:00:00.000Z to … (left out: 5 before, 0 after, 7 without a time)"
        ));
    }
}
