//! `logtriage check` and `diff`: noise passes, real regressions fail naming the rule, every
//! output format is well formed.

mod common;

use std::path::{Path, PathBuf};

use common::{bin, corpus, json, path_str, run};
use logtriage::synth::SynthFormat;
use serde_json::Value;

const LINES: u64 = 60_000;

fn baseline(dir: &Path, seed: u64) -> PathBuf {
    let (log, _) = corpus(
        dir,
        &format!("base{seed}.log"),
        SynthFormat::Json,
        LINES,
        seed,
    );
    let out = dir.join(format!("base{seed}.json"));
    let r = run(&[
        "analyze",
        "-f",
        "json",
        "--latency",
        "-o",
        path_str(&out),
        path_str(&log),
    ]);
    assert_eq!(r.status.code(), Some(0));
    out
}

fn check(base: &Path, input: &Path) -> (i32, Value) {
    let out = run(&["check", "-b", path_str(base), "-f", "json", path_str(input)]);
    let code = out.status.code().unwrap();
    assert!(
        code == 0 || code == 1,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (code, json(&out))
}

fn failed_rules(v: &Value) -> Vec<String> {
    v["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["status"] == "fail")
        .map(|o| o["rule"].as_str().unwrap().to_string())
        .collect()
}

/// Rewrites the lines of `src` into `dst` with `f` (line index, line) → replacement lines.
fn rewrite(src: &Path, dst: &Path, mut f: impl FnMut(usize, &str) -> Vec<String>) {
    let text = std::fs::read_to_string(src).unwrap();
    let mut out = String::with_capacity(text.len() + 4096);
    for (i, line) in text.lines().enumerate() {
        for l in f(i, line) {
            out.push_str(&l);
            out.push('\n');
        }
    }
    std::fs::write(dst, out).unwrap();
}

#[test]
fn same_load_with_other_seeds_passes() {
    let dir = tempfile::tempdir().unwrap();
    let base = baseline(dir.path(), 1);
    for seed in [2, 3, 4, 5] {
        let (log, _) = corpus(dir.path(), "run.log", SynthFormat::Json, LINES, seed);
        let (code, v) = check(&base, &log);
        assert_eq!(code, 0, "seed {seed} failed: {:#}", v["outcomes"]);
        assert_eq!(v["passed"], true);
        let latency = v["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["rule"] == "latency")
            .unwrap();
        assert_eq!(latency["status"], "pass", "latency was compared");
    }
}

#[test]
fn injected_regressions_fail_and_name_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    let base = baseline(dir.path(), 1);
    let (run_log, _) = corpus(dir.path(), "run.log", SynthFormat::Json, LINES, 2);
    let (code, _) = check(&base, &run_log);
    assert_eq!(code, 0, "the clean run passes");

    // An error burst: 30 % of the info lines in a twentieth of the run become errors.
    let burst = dir.path().join("burst.log");
    let n = LINES as usize;
    let mut k = 0u32;
    rewrite(&run_log, &burst, |i, l| {
        let mut l = l.to_string();
        if (n / 3..n / 3 + n / 20).contains(&i) {
            k += 1;
            if k % 10 < 3 {
                l = l.replacen("\"level\":\"info\"", "\"level\":\"error\"", 1);
            }
        }
        vec![l]
    });
    let (code, v) = check(&base, &burst);
    assert_eq!(code, 1);
    assert!(
        failed_rules(&v).contains(&"error_rate".to_string()),
        "{:?}",
        failed_rules(&v)
    );

    // Every duration of the busiest timed message × 1.5.
    let re = regex::Regex::new(r#""duration_ms":\s*([0-9.]+)"#).unwrap();
    let msg_re = regex::Regex::new(r#""msg":"([^"]*)""#).unwrap();
    let text = std::fs::read_to_string(&run_log).unwrap();
    let mut counts = std::collections::HashMap::<String, usize>::new();
    for l in text.lines().filter(|l| re.is_match(l)) {
        if let Some(m) = msg_re.captures(l) {
            *counts.entry(m[1].to_string()).or_default() += 1;
        }
    }
    let (busiest, _) = counts
        .into_iter()
        .max_by_key(|(m, c)| (*c, m.clone()))
        .unwrap();
    let slower = dir.path().join("slower.log");
    rewrite(&run_log, &slower, |_, l| {
        let hit = msg_re.captures(l).is_some_and(|m| m[1] == busiest);
        if !hit {
            return vec![l.to_string()];
        }
        vec![re
            .replace(l, |c: &regex::Captures| {
                format!("\"duration_ms\":{:.3}", c[1].parse::<f64>().unwrap() * 1.5)
            })
            .into_owned()]
    });
    let (code, v) = check(&base, &slower);
    assert_eq!(code, 1, "{busiest}");
    assert_eq!(failed_rules(&v), ["latency"]);
    let metric = v["outcomes"][1]["findings"][0]["metric"].as_str().unwrap();
    assert!(metric.starts_with("latency"), "{metric}");

    // A new error message in 0.1 % of the lines.
    let new = dir.path().join("new.log");
    rewrite(&run_log, &new, |i, l| {
        let mut v = vec![l.to_string()];
        if i % 1000 == 7 {
            v.push(format!(
                r#"{{"level":"error","ts":"2026-02-06T10:30:00Z","msg":"ledger write failed: deadlock on shard {}"}}"#,
                i % 13
            ));
        }
        v
    });
    let (code, v) = check(&base, &new);
    assert_eq!(code, 1);
    assert_eq!(failed_rules(&v), ["new_templates"]);
    let f = &v["outcomes"][4]["findings"][0];
    assert!(
        f["metric"]
            .as_str()
            .unwrap()
            .contains("ledger write failed"),
        "{f}"
    );
    assert!(f["evidence"][0].as_str().unwrap().contains("deadlock"));
}

#[test]
fn outputs_formats_config_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let base = baseline(dir.path(), 1);
    let (log, _) = corpus(dir.path(), "run.log", SynthFormat::Json, LINES, 2);
    let bad = dir.path().join("bad.log");
    rewrite(&log, &bad, |i, l| {
        let mut v = vec![l.to_string()];
        if i % 500 == 1 {
            v.push(r#"{"level":"error","msg":"ledger <b>write</b> failed | \u001b[31m"}"#.into());
        }
        v
    });
    // A report as input works like logs.
    let cur = dir.path().join("cur.json");
    run(&[
        "analyze",
        "-f",
        "json",
        "--latency",
        "-o",
        path_str(&cur),
        path_str(&bad),
    ]);
    let (code, from_report) = check(&base, &cur);
    let (code2, from_logs) = check(&base, &bad);
    assert_eq!((code, code2), (1, 1));
    assert_eq!(from_report["outcomes"], from_logs["outcomes"]);

    let md = run(&[
        "check",
        "-b",
        path_str(&base),
        "-f",
        "markdown",
        path_str(&bad),
    ]);
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(md.contains("| new_templates | FAIL |"), "{md}");
    assert!(
        md.contains(r"ledger &lt;b&gt;write&lt;/b&gt; failed \|"),
        "escaped in tables: {md}"
    );
    assert!(!md.contains('\u{1b}'), "no raw escapes from the log");
    let outside_code: String = md.split("```").step_by(2).collect();
    assert!(
        !outside_code.contains("<b>"),
        "HTML only inside code blocks: {md}"
    );

    let junit = run(&[
        "check",
        "-b",
        path_str(&base),
        "-f",
        "junit",
        path_str(&bad),
    ]);
    let junit = String::from_utf8(junit.stdout).unwrap();
    assert_eq!(junit.matches("<testcase ").count(), 6);
    assert_eq!(junit.matches("<failure ").count(), 1);
    assert!(junit.contains(r#"failures="1""#));
    assert!(!junit.contains("<b>") && !junit.contains('\u{1b}'));

    let text = run(&[
        "check",
        "-b",
        path_str(&base),
        "--color",
        "never",
        path_str(&bad),
    ]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.starts_with("REGRESSION"), "{text}");
    assert!(!text.contains('\u{1b}'), "no raw escapes from the log");

    // GitHub annotations: on stdout for text, on stderr when stdout is JSON.
    let out = bin()
        .args(["check", "-b", path_str(&base), path_str(&bad)])
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("::error title=logtriage new_templates::")
    );
    let out = bin()
        .args(["check", "-b", path_str(&base), "-f", "json", path_str(&bad)])
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("::error "));
    json(&out);

    // Rules from logtriage.toml (here: templates only count at error level or worse, which
    // these are, and a strict alpha that still catches them); unknown keys are errors.
    let cfg = dir.path().join("rules.toml");
    std::fs::write(
        &cfg,
        "[check]\nnew_template_level = \"error\"\nalpha = 1e-9\n",
    )
    .unwrap();
    let out = run(&[
        "check",
        "-b",
        path_str(&base),
        "--config",
        path_str(&cfg),
        "-f",
        "json",
        path_str(&bad),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["rules"]["alpha"], 1e-9);
    std::fs::write(&cfg, "[check]\nalpah = 0.1\n").unwrap();
    let out = run(&[
        "check",
        "-b",
        path_str(&base),
        "--config",
        path_str(&cfg),
        path_str(&bad),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("rules.toml") && err.contains("alpah"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");

    // Errors: a baseline that is not a report, a missing input.
    let out = run(&["check", "-b", path_str(&log), path_str(&log)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a logtriage JSON report"));
    let out = run(&["check", "-b", path_str(&base), "/nonexistent/x.log"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/x.log"));
}

#[test]
fn diff_shows_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let base = baseline(dir.path(), 1);
    let (log, _) = corpus(dir.path(), "run.log", SynthFormat::Json, LINES, 2);
    let bad = dir.path().join("bad.log");
    rewrite(&log, &bad, |i, l| {
        let mut v = vec![l.to_string()];
        if i % 200 == 3 {
            v.push(r#"{"level":"error","msg":"ledger write failed: deadlock"}"#.into());
        }
        v
    });
    let out = run(&["diff", "-f", "json", path_str(&base), path_str(&bad)]);
    assert_eq!(out.status.code(), Some(0));
    let d = json(&out);
    assert_eq!(d["schema"], "logtriage.diff/v1");
    let t = &d["templates"][0];
    assert_eq!(t["status"], "new", "{t}");
    assert!(t["key"].as_str().unwrap().contains("ledger write failed"));
    assert_eq!(t["a"], 0);
    assert_eq!(t["b"], 300);
    let err = d["totals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["metric"] == "error_rate")
        .unwrap();
    assert!(err["b"].as_f64() > err["a"].as_f64());
    let text = run(&["diff", "--color", "never", path_str(&base), path_str(&bad)]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("Unknown templates") && text.contains("new"),
        "{text}"
    );
}

/// A report is a report however it comes: on stdin or gzipped, it is read (the same report
/// passes against itself), not analysed as log lines; two reports at once are refused.
#[test]
fn a_report_on_stdin_or_gzipped_is_read_as_a_report() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let base = baseline(dir.path(), 21);
    let gz = dir.path().join("base.json.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    enc.write_all(&std::fs::read(&base).unwrap()).unwrap();
    enc.finish().unwrap();
    let (code, v) = check(&base, &gz);
    assert_eq!((code, failed_rules(&v)), (0, Vec::<String>::new()));
    let out = common::run_stdin(
        &["check", "-b", path_str(&base), "-f", "json", "-"],
        &std::fs::read(&base).unwrap(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(failed_rules(&json(&out)).is_empty());
    let out = run(&[
        "check",
        "-b",
        path_str(&base),
        path_str(&base),
        path_str(&gz),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("give one report"));
}
