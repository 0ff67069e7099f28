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
            v.push(
                r#"{"level":"error","msg":"ledger <b>write</b> failed | \u001b[31m\r\nat db"}"#
                    .into(),
            );
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
    // One example per line, its CR and LF shown, not kept raw (XML would not keep the CR).
    assert!(!junit.contains('\r'), "{junit}");
    assert!(junit.contains(r"\x0d\x0aat db"), "{junit}");

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
    // Logs read into buffers instead of through a map give the same comparison.
    let unmapped = run(&[
        "diff",
        "--no-mmap",
        "-f",
        "json",
        path_str(&base),
        path_str(&bad),
    ]);
    assert_eq!(unmapped.status.code(), Some(0));
    assert_eq!(json(&unmapped), d);
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
    // The baseline gzipped too; a baseline cut short says so.
    let (code, v) = check(&gz, &gz);
    assert_eq!((code, failed_rules(&v)), (0, Vec::<String>::new()));
    let cut = dir.path().join("cut.json");
    let bytes = std::fs::read(&base).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let out = run(&["check", "-b", path_str(&cut), path_str(&base)]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cut short"), "{stderr}");
}

/// A baseline whose run had a user catalog, checked without it: its patterns' lines read as
/// new templates, and a warning says why.
#[test]
fn a_baseline_with_patterns_this_run_lacks_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    std::fs::write(
        &log,
        (0..50)
            .map(|i| {
                format!("{{\"level\":\"error\",\"msg\":\"brand new failure mode xyz {i}\"}}\n")
            })
            .collect::<String>(),
    )
    .unwrap();
    let cat = dir.path().join("mine.toml");
    std::fs::write(
        &cat,
        r#"[guide]
id = "my"
title = "My guide"

[[pattern]]
id = "my.brand-new"
title = "Brand new failure"
severity = "error"
section = "X"
meaning = "Something new broke."
causes = ["a bug"]
action = "Roll back."

[pattern.match]
contains = ["brand new failure"]
"#,
    )
    .unwrap();
    let base = dir.path().join("base.json");
    analyze_to(&base, &["--patterns", path_str(&cat)], &log);
    let out = run(&["check", "-b", path_str(&base), path_str(&log)]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("names 1 catalog pattern this run's catalog lacks (my.brand-new)"),
        "{stderr}"
    );
    let out = run(&[
        "check",
        "-b",
        path_str(&base),
        "--patterns",
        path_str(&cat),
        path_str(&log),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_report_with_sorted_keys_is_still_a_report() {
    // `jq -S` (pretty) and `jq -S -c` (one line) put `schema` near the end, far past the
    // first bytes; read as logs, the report would "regress" against itself.
    let dir = tempfile::tempdir().unwrap();
    let base = baseline(dir.path(), 22);
    // serde_json's map is ordered by key: a Value writes its keys sorted.
    let sorted: Value = serde_json::from_slice(&std::fs::read(&base).unwrap()).unwrap();
    let pretty = dir.path().join("sorted.json");
    std::fs::write(&pretty, serde_json::to_vec_pretty(&sorted).unwrap()).unwrap();
    let compact = dir.path().join("sorted-compact.json");
    std::fs::write(&compact, serde_json::to_vec(&sorted).unwrap()).unwrap();
    for report in [&pretty, &compact] {
        let text = std::fs::read(report).unwrap();
        assert!(!String::from_utf8_lossy(&text[..512]).contains("logtriage.report/"));
        let (code, v) = check(&base, report);
        assert_eq!(
            (code, failed_rules(&v)),
            (0, Vec::<String>::new()),
            "{report:?}"
        );
        assert_eq!(
            v["current"]["errors"], v["baseline"]["errors"],
            "{report:?}"
        );
        let (code, v) = check(report, &base);
        assert_eq!(
            (code, failed_rules(&v)),
            (0, Vec::<String>::new()),
            "{report:?}"
        );
    }
}

fn analyze_to(out: &Path, args: &[&str], log: &Path) {
    let mut all = vec!["analyze", "-f", "json", "-o", path_str(out)];
    all.extend_from_slice(args);
    all.push(path_str(log));
    let r = run(&all);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
}

fn status_of<'v>(v: &'v Value, rule: &str) -> &'v Value {
    &v["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["rule"] == rule)
        .unwrap_or_else(|| panic!("no rule {rule} in {v}"))["status"]
}

/// The logs given to `check` and `diff` are read the way the baseline was: its field
/// overrides and its `--top` (a log checked against its own report passes; before, renamed
/// fields were not read at all, and a short list made every extra template "new").
#[test]
fn logs_are_read_with_the_baselines_settings() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _) = corpus(dir.path(), "run.log", SynthFormat::Json, 20_000, 5);
    let renamed = dir.path().join("renamed.log");
    rewrite(&log, &renamed, |_, l| {
        vec![l
            .replacen("\"level\":", "\"sev\":", 1)
            .replacen("\"msg\":", "\"body\":", 1)
            .replacen("\"ts\":", "\"when\":", 1)]
    });
    let base = dir.path().join("renamed.json");
    let fields = [
        "--level-field",
        "sev",
        "--message-field",
        "body",
        "--time-field",
        "when",
        "--top",
        "5",
    ];
    analyze_to(&base, &fields, &renamed);
    let b: Value = serde_json::from_slice(&std::fs::read(&base).unwrap()).unwrap();
    assert_eq!(b["settings"]["fields"]["level"], "sev");
    assert_eq!(b["settings"]["top"], 5);
    let base_errors = b["levels"]["error"].as_u64().unwrap();
    assert!(base_errors > 0);

    let (code, v) = check(&base, &renamed);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["current"]["errors"], v["baseline"]["errors"], "{v}");
    assert_eq!(status_of(&v, "new_templates"), "pass", "{v}");

    // diff: identical data is identical, levels included.
    let out = run(&["diff", "-f", "json", path_str(&base), path_str(&renamed)]);
    assert_eq!(out.status.code(), Some(0));
    let d = json(&out);
    for l in d["levels"].as_array().unwrap() {
        assert_eq!(l["a"], l["b"], "{l}");
    }
    assert!(d["templates"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["status"] != "new"));
}

/// An empty run compares nothing: every rule is skipped and the verdict says so.
#[test]
fn an_empty_run_is_skipped_not_passed() {
    let dir = tempfile::tempdir().unwrap();
    let base = baseline(dir.path(), 31);
    let empty = dir.path().join("empty.log");
    std::fs::write(&empty, "").unwrap();
    let (code, v) = check(&base, &empty);
    assert_eq!(code, 0);
    for o in v["outcomes"].as_array().unwrap() {
        assert_eq!(o["status"], "skip", "{o}");
    }
    let out = run(&["check", "-b", path_str(&base), path_str(&empty)]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("NOTHING CHECKED"), "{text}");

    // A current report without latency: skipped, and the reason names the current run.
    let plain = dir.path().join("plain.json");
    let (log, _) = corpus(dir.path(), "p.log", SynthFormat::Json, 5_000, 32);
    analyze_to(&plain, &[], &log);
    let (_, v) = check(&base, &plain);
    let lat = v["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["rule"] == "latency")
        .unwrap();
    assert_eq!(lat["status"], "skip");
    assert!(
        lat["summary"].as_str().unwrap().contains("current"),
        "{lat}"
    );
}

/// What a cut template list cannot say is not held against the new run, and a template of
/// wildcards only (messages that are bare numbers) does not hide every new template.
#[test]
fn new_templates_rule_keeps_to_what_the_baseline_knows() {
    let dir = tempfile::tempdir().unwrap();
    let line = |i: usize, level: &str, msg: &str| {
        format!(
            r#"{{"level":"{level}","ts":"2026-02-06T10:{:02}:{:02}.{:03}Z","msg":"{msg}"}}"#,
            i / 6000 % 60,
            i / 100 % 60,
            i % 100 * 10
        )
    };
    // 25 error templates (3 events each) fill the baseline's list of 20; a warning template
    // of 200 events is therefore not listed at all. The current run has fewer errors.
    let write = |name: &str, errors: usize| {
        let mut v = Vec::new();
        for k in 0..errors {
            for _ in 0..3 {
                v.push((
                    "error",
                    format!("job{k} handler aborted with status{k} in stage{k}"),
                ));
            }
        }
        v.extend((0..200).map(|_| ("warn", "disk usage high on volume data".to_string())));
        v.extend((0..4000).map(|_| ("info", "heartbeat ok".to_string())));
        // A fixed interleaving (no RNG): spread the rare lines through the filler.
        v.sort_by_key(|(_, m)| m.len() * 7919 % 101);
        let text: String = v
            .iter()
            .enumerate()
            .map(|(i, (l, m))| line(i, l, m) + "\n")
            .collect();
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let base_log = write("c_base.log", 25);
    let better = write("c_better.log", 10);
    let base = dir.path().join("c_base.json");
    analyze_to(&base, &[], &base_log);
    let (code, v) = check(&base, &better);
    assert_eq!(code, 0, "an improvement passes: {v}");

    // Bare numbers mine as `<*>`; a new error template is still new.
    let (mut b, mut c) = (String::new(), String::new());
    for i in 0..20_000 {
        let (level, msg) = if i % 100 == 0 {
            ("debug", format!("{}", 1_000_000 + i * 7919))
        } else {
            ("info", "request completed".to_string())
        };
        b += &(line(i, level, &msg) + "\n");
        let (level, msg) = if i % 100 == 50 {
            (
                "error",
                format!("ledger reconciliation mismatch for account {i}"),
            )
        } else {
            (level, msg)
        };
        c += &(line(i, level, &msg) + "\n");
    }
    let (wb, wc) = (dir.path().join("w_base.log"), dir.path().join("w_cur.log"));
    std::fs::write(&wb, b).unwrap();
    std::fs::write(&wc, c).unwrap();
    let base = dir.path().join("w_base.json");
    analyze_to(&base, &[], &wb);
    let (code, v) = check(&base, &wc);
    assert_eq!(code, 1, "{v}");
    assert_eq!(status_of(&v, "new_templates"), "fail", "{v}");
}

/// A baseline written before reports recorded their settings (and before plain-text lines had
/// messages) is compared with logs read as it was: its log checked against it passes, although
/// the log's plain-text error lines would now mine into templates it does not list.
#[test]
fn an_old_baseline_is_compared_like_with_like() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for i in 0..3000 {
        text += &format!(
            "{{\"level\":\"info\",\"ts\":\"2026-02-06T10:{:02}:{:02}Z\",\"msg\":\"request completed\"}}\n",
            i / 60 % 60,
            i % 60
        );
        if i % 50 == 0 {
            text += &format!(
                "2026-02-06T10:{:02}:{:02}Z ERROR payment gateway refused card {i}\n",
                i / 60 % 60,
                i % 60
            );
        }
    }
    let log = dir.path().join("mixed.log");
    std::fs::write(&log, text).unwrap();
    let base = dir.path().join("new.json");
    analyze_to(&base, &[], &log);
    let mut old: Value = serde_json::from_slice(&std::fs::read(&base).unwrap()).unwrap();
    assert_eq!(old["settings"]["text_messages"], true);
    assert!(old["templates"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["template"].as_str().unwrap().contains("payment gateway")));
    // What the previous version wrote: no settings, no plain-text messages.
    let o = old.as_object_mut().unwrap();
    o.remove("settings");
    for key in ["templates", "messages"] {
        o.get_mut(key)
            .unwrap()
            .as_array_mut()
            .unwrap()
            .retain(|t| !t.to_string().contains("payment gateway"));
    }
    // Written as logtriage writes it, the schema first (serde_json's map sorts the keys).
    let schema = o.remove("schema").unwrap();
    let rest = serde_json::to_string(&old).unwrap();
    let old_path = dir.path().join("old.json");
    std::fs::write(&old_path, format!("{{\"schema\":{schema},{}", &rest[1..])).unwrap();
    let (code, v) = check(&old_path, &log);
    assert_eq!(code, 0, "{v}");
    let (code, v) = check(&base, &log);
    assert_eq!(code, 0, "{v}");
}

/// A baseline written before plain-text headers were taken apart (its messages kept the
/// logger and the unknown time forms, and Docker's json-file lines had no level) is compared
/// with logs read as it was read: its log checked against it passes, although the same log
/// now mines into other templates and has errors it did not have.
#[test]
fn a_baseline_from_before_text_headers_is_compared_like_with_like() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for i in 0..2000 {
        text += &format!(
            "17/06/09 20:{:02}:{:02} INFO executor.Executor: Finished task {i}.0\n",
            i / 60 % 60,
            i % 60
        );
        if i % 40 == 0 {
            text += &format!(
                "17/06/09 20:{:02}:{:02} ERROR storage.BlockManager: Lost block rdd_2_{i}\n",
                i / 60 % 60,
                i % 60
            );
        }
        if i % 20 == 0 {
            // Docker's json-file: no level field, the level inside the line.
            text += &format!(
                "{{\"log\":\"2017-06-09 20:00:00,000 ERROR [main] a.b.Sink: sink {i} down\\n\",\"stream\":\"stderr\",\"time\":\"2017-06-09T20:00:00Z\"}}\n"
            );
        }
    }
    let log = dir.path().join("spark.log");
    std::fs::write(&log, &text).unwrap();
    // The report as logtriage wrote it before: the library, with headers read the old way.
    let old = logtriage::pipeline::analyze_bytes(
        text.as_bytes(),
        &logtriage::Catalog::builtin(),
        &logtriage::Config {
            text_headers: false,
            ..logtriage::Config::default()
        },
    );
    let mut buf = Vec::new();
    logtriage::render::json::write(&old, &mut buf).unwrap();
    let mut old: Value = serde_json::from_slice(&buf).unwrap();
    old["settings"]
        .as_object_mut()
        .unwrap()
        .remove("text_headers");
    let templates = |r: &Value| -> Vec<String> {
        r["templates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["template"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(
        templates(&old)
            .iter()
            .any(|t| t.contains("ERROR storage.BlockManager: Lost block")),
        "{:?}",
        templates(&old)
    );
    let old_path = dir.path().join("old.json");
    std::fs::write(&old_path, serde_json::to_vec(&old).unwrap()).unwrap();
    let new_path = dir.path().join("new.json");
    analyze_to(&new_path, &[], &log);
    let new: Value = serde_json::from_slice(&std::fs::read(&new_path).unwrap()).unwrap();
    assert_eq!(new["settings"]["text_headers"], true);
    assert_eq!(old["levels"]["error"], 0, "{}", old["levels"]);
    assert_eq!(new["levels"]["error"], 100, "{}", new["levels"]);
    assert!(
        templates(&new).contains(&"Lost block <*>".to_string()),
        "{:?}",
        templates(&new)
    );
    for base in [&old_path, &new_path] {
        let (code, v) = check(base, &log);
        assert_eq!(code, 0, "{}: {v}", base.display());
    }
}

/// One hour of JSON events, one a second from 10:00:00; an error in every third second of the
/// minutes in `burst`.
fn hour_of_events(burst: std::ops::Range<u64>) -> String {
    let mut log = String::new();
    for i in 0..3600u64 {
        let (m, s) = (i / 60, i % 60);
        let error = burst.contains(&m) && i % 3 == 0;
        let (level, msg) = match error {
            true => ("error", "pq: sorry, too many clients already"),
            false => ("info", "request completed"),
        };
        log.push_str(&format!(
            "{{\"level\":\"{level}\",\"ts\":\"2026-02-06T10:{m:02}:{s:02}Z\",\"msg\":\"{msg}\",\"request_id\":\"req-{i}\",\"duration_ms\":{}}}\n",
            i * 37 % 100
        ));
    }
    log
}

/// `check` and `diff` read logs in a window (`--since/--until/--last`), as `analyze` does, and
/// say so: a deploy's last ten minutes are checked, not the errors of an hour ago.
#[test]
fn check_and_diff_take_a_time_window() {
    let dir = tempfile::tempdir().unwrap();
    let (base_log, cur_log) = (dir.path().join("base.log"), dir.path().join("cur.log"));
    std::fs::write(&base_log, hour_of_events(0..0)).unwrap();
    // Errors from 10:05 to 10:15, none in the last ten minutes.
    std::fs::write(&cur_log, hour_of_events(5..15)).unwrap();
    let base = dir.path().join("base.json");
    let out = run(&[
        "analyze",
        "-f",
        "json",
        "-o",
        path_str(&base),
        path_str(&base_log),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let check = |extra: &[&str], input: &Path| {
        let mut args = vec!["check", "-f", "json", "-b", path_str(&base)];
        args.extend(extra);
        args.push(path_str(input));
        run(&args)
    };

    assert_eq!(check(&[], &cur_log).status.code(), Some(1), "the burst");
    let out = check(&["--last", "10m"], &cur_log);
    assert_eq!(out.status.code(), Some(0));
    let r = json(&out);
    let w = &r["current"]["window"];
    assert_eq!(w["since"], "2026-02-06T10:49:59.000Z", "{w}");
    assert_eq!(
        (&w["before"], &w["after"]),
        (&2999.into(), &0.into()),
        "{w}"
    );
    assert_eq!(r["current"]["lines"], 601);
    assert!(r["baseline"].get("window").is_none(), "{}", r["baseline"]);
    let out = check(
        &["--since", "2026-02-06 10:05", "--until", "2026-02-06 10:15"],
        &cur_log,
    );
    assert_eq!(out.status.code(), Some(1), "the burst is in this window");
    // A gzip file's end is found too (it is a stream once told from a report).
    let gz = dir.path().join("cur.log.gz");
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut e, &std::fs::read(&cur_log).unwrap()).unwrap();
    std::fs::write(&gz, e.finish().unwrap()).unwrap();
    let out = check(&["--last", "10m"], &gz);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut from_gzip = json(&out)["current"].clone();
    from_gzip["name"] = r["current"]["name"].clone();
    assert_eq!(from_gzip, r["current"]);
    // The text says which window it read.
    let out = run(&[
        "check",
        "-b",
        path_str(&base),
        "--last",
        "10m",
        path_str(&cur_log),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("current window 2026-02-06T10:49:59.000Z → … (left out: before 2,999"),
        "{text}"
    );
    // A report has no lines to select.
    let out = check(&["--last", "10m"], &base);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is a logtriage report"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // diff: both sides in the same window.
    let out = run(&[
        "diff",
        "-f",
        "json",
        path_str(&base_log),
        path_str(&cur_log),
        "--since",
        "2026-02-06 10:50",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let d = json(&out);
    for side in ["a_window", "b_window"] {
        assert_eq!(d[side]["since"], "2026-02-06T10:50:00.000Z", "{side}");
        assert_eq!(d[side]["before"], 3000, "{side}");
    }
    let lines = d["totals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["metric"] == "lines")
        .unwrap();
    assert_eq!(
        (&lines["a"], &lines["b"]),
        (&600.0.into(), &600.0.into()),
        "{lines}"
    );
    // A side that is a report is compared as it is, and shows no window.
    let out = run(&[
        "diff",
        "-f",
        "json",
        path_str(&base),
        path_str(&cur_log),
        "--last",
        "10m",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let d = json(&out);
    assert!(d.get("a_window").is_none(), "{d}");
    assert_eq!(d["b_window"]["before"], 2999);
    let out = run(&["diff", path_str(&base), path_str(&base), "--last", "10m"]);
    assert_eq!(out.status.code(), Some(2), "no logs to select lines of");
}
