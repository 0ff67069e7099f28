//! `logtriage merge`: shard reports merge into what one pass over all shards reports.

mod common;

use common::{
    corpus, json, path_str, run, template_counts, variable_templates, VARIABLE_TEMPLATES,
};
use logtriage::synth::SynthFormat;
use serde_json::Value;

/// Cuts `text` into `n` pieces at line boundaries.
fn split_lines(text: &[u8], n: usize) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut start = 0;
    for k in 1..=n {
        let mut end = text.len() * k / n;
        while end < text.len() && end > start && text[end - 1] != b'\n' {
            end += 1;
        }
        out.push(text[start..end.max(start)].to_vec());
        start = end.max(start);
    }
    out
}

/// The report without what legitimately differs: the sources (four files instead of one),
/// example positions (line numbers are per source) and the merge state.
fn comparable(mut v: Value) -> Value {
    let o = v.as_object_mut().unwrap();
    o.remove("state");
    let input = o.get_mut("input").unwrap().as_object_mut().unwrap();
    input.remove("sources");
    for p in o["patterns"].as_array_mut().unwrap() {
        p.as_object_mut().unwrap().remove("example");
    }
    if let Some(l) = o.get_mut("latency").and_then(Value::as_object_mut) {
        let strip = |events: &mut Value| {
            for e in events.as_array_mut().into_iter().flatten() {
                let e = e.as_object_mut().unwrap();
                e.remove("source");
                e.remove("line");
            }
        };
        strip(l.get_mut("slowest").unwrap());
        for g in l.get_mut("groups").unwrap().as_array_mut().unwrap() {
            strip(g.get_mut("outliers").unwrap());
        }
        if let Some(s) = l.get_mut("slow").and_then(|s| s.get_mut("events")) {
            strip(s);
        }
    }
    v
}

fn analyze_shards(
    dir: &std::path::Path,
    whole: &std::path::Path,
    n: usize,
    extra: &[&str],
) -> Vec<String> {
    let text = std::fs::read(whole).unwrap();
    let mut reports = Vec::new();
    for (i, piece) in split_lines(&text, n).into_iter().enumerate() {
        let p = dir.join(format!("shard{i}.log"));
        std::fs::write(&p, piece).unwrap();
        let r = dir.join(format!("shard{i}.json"));
        let mut args = vec![
            "analyze",
            "-f",
            "json",
            "--mergeable",
            "-o",
            path_str(&r),
            path_str(&p),
        ];
        args.extend_from_slice(extra);
        let out = run(&args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        reports.push(r.to_str().unwrap().to_string());
    }
    reports
}

#[test]
fn four_shards_merge_into_one_pass_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let (whole, _) = corpus(dir.path(), "all.log", SynthFormat::Mixed, 60_000, 5);
    let extra = ["--latency", "--traces", "--slow", "2s"];
    let reports = analyze_shards(dir.path(), &whole, 4, &extra);
    let mut args = vec!["merge"];
    args.extend(reports.iter().map(String::as_str));
    let merged = run(&args);
    assert_eq!(
        merged.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    let merged = json(&merged);
    let mut one = vec!["analyze", "-f", "json", path_str(&whole)];
    one.extend_from_slice(&extra);
    let one = json(&run(&one));
    assert_eq!(merged["input"]["sources"].as_array().unwrap().len(), 4);
    assert!(
        merged["state"].is_object(),
        "a merged report can be merged again"
    );
    // Spot checks that say what differs if the whole comparison fails.
    assert_eq!(merged["input"]["lines"], one["input"]["lines"]);
    assert_eq!(merged["traces"]["count"], one["traces"]["count"]);
    assert_eq!(merged["latency"]["overall"], one["latency"]["overall"]);
    assert_eq!(comparable(merged), comparable(one));
}

#[test]
fn template_estimates_survive_the_merge_of_pruned_shards() {
    let dir = tempfile::tempdir().unwrap();
    let (whole, truth) = variable_templates(dir.path(), 40_000);
    // Each shard prunes its table many times and leaves most messages out of its state.
    let reports = analyze_shards(
        dir.path(),
        &whole,
        4,
        &["--threads", "1", "--max-distinct-messages", "2000"],
    );
    let mut args = vec!["merge"];
    args.extend(reports.iter().map(String::as_str));
    let merged = run(&args);
    assert_eq!(merged.status.code(), Some(0));
    let got = template_counts(&json(&merged));
    assert_eq!(got[VARIABLE_TEMPLATES[1]], (truth[1], false));
    let (count, exact) = got[VARIABLE_TEMPLATES[0]];
    assert!(!exact);
    // The states carry the sample of what the shards dropped (without it the merged count was
    // what the four tables held at the end, about 14 % of the truth).
    let off = (count as f64 - truth[0] as f64).abs() / truth[0] as f64;
    assert!(off <= 0.10, "{count} vs {}", truth[0]);
}

#[test]
fn merging_is_associative_and_order_keeps_counts() {
    let dir = tempfile::tempdir().unwrap();
    let (whole, _) = corpus(dir.path(), "all.log", SynthFormat::Json, 20_000, 9);
    let r = analyze_shards(dir.path(), &whole, 3, &["--latency", "--traces"]);
    let ab = dir.path().join("ab.json");
    let out = run(&["merge", "-o", path_str(&ab), &r[0], &r[1]]);
    assert_eq!(out.status.code(), Some(0));
    let nested = json(&run(&["merge", path_str(&ab), &r[2]]));
    let flat = json(&run(&["merge", &r[0], &r[1], &r[2]]));
    assert_eq!(comparable(nested), comparable(flat.clone()));
    // Reversed order: counts and percentiles are the same.
    let rev = json(&run(&["merge", &r[2], &r[1], &r[0]]));
    assert_eq!(rev["levels"], flat["levels"]);
    assert_eq!(rev["latency"]["overall"], flat["latency"]["overall"]);
    assert_eq!(rev["traces"]["count"], flat["traces"]["count"]);
}

#[test]
fn merge_refuses_reports_it_cannot_merge() {
    let dir = tempfile::tempdir().unwrap();
    let (whole, _) = corpus(dir.path(), "all.log", SynthFormat::Json, 2_000, 1);
    let plain = dir.path().join("plain.json");
    run(&[
        "analyze",
        "-f",
        "json",
        "-o",
        path_str(&plain),
        path_str(&whole),
    ]);
    let out = run(&["merge", path_str(&plain)]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("plain.json") && err.contains("--mergeable"),
        "{err}"
    );

    let lat = analyze_shards(dir.path(), &whole, 1, &["--latency"]);
    let nolat = dir.path().join("nolat.json");
    run(&[
        "analyze",
        "-f",
        "json",
        "--mergeable",
        "-o",
        path_str(&nolat),
        path_str(&whole),
    ]);
    let out = run(&["merge", &lat[0], path_str(&nolat)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("different analyses"));

    let log = run(&["merge", path_str(&whole)]);
    assert_eq!(log.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&log.stderr).contains("not a logtriage JSON report"));

    // A damaged sketch is an error, never a panic.
    let mut v: Value = serde_json::from_slice(&std::fs::read(&lat[0]).unwrap()).unwrap();
    v["state"]["latency"]["overall"]["sketch"]["store"]["offset"] = 99_999.into();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, serde_json::to_vec(&v).unwrap()).unwrap();
    let out = run(&["merge", path_str(&bad)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.json"));

    let out = run(&["analyze", "--mergeable", path_str(&whole)]);
    assert_eq!(out.status.code(), Some(2), "--mergeable needs JSON output");
}

/// The merged report lists as many entries as the shards were asked for (`--top`), even when
/// one shard had fewer distinct messages than that (it used to fall back to 20).
#[test]
fn merge_keeps_the_shards_top() {
    let dir = tempfile::tempdir().unwrap();
    let small: String = (0..60)
        .map(|i| {
            format!(
                "{{\"level\":\"info\",\"ts\":\"2026-02-06T09:00:{:02}Z\",\"msg\":\"ping {}\"}}\n",
                i % 60,
                i % 3
            )
        })
        .collect();
    let (big, _) = corpus(dir.path(), "big.log", SynthFormat::Json, 8_000, 12);
    let whole = dir.path().join("whole.log");
    let mut text = small.into_bytes();
    let small_len = text.len();
    text.extend(std::fs::read(&big).unwrap());
    std::fs::write(&whole, &text).unwrap();
    let mut reports = Vec::new();
    for (i, piece) in [&text[..small_len], &text[small_len..]].iter().enumerate() {
        let (p, r) = (
            dir.path().join(format!("s{i}.log")),
            dir.path().join(format!("s{i}.json")),
        );
        std::fs::write(&p, piece).unwrap();
        let out = run(&[
            "analyze",
            "-f",
            "json",
            "--mergeable",
            "--top",
            "25",
            "-o",
            path_str(&r),
            path_str(&p),
        ]);
        assert_eq!(out.status.code(), Some(0));
        reports.push(r);
    }
    let merged = json(&run(&[
        "merge",
        path_str(&reports[0]),
        path_str(&reports[1]),
    ]));
    let one = json(&run(&[
        "analyze",
        "-f",
        "json",
        "--top",
        "25",
        path_str(&whole),
    ]));
    assert_eq!(merged["messages"].as_array().unwrap().len(), 25);
    assert_eq!(merged["settings"]["top"], 25);
    assert_eq!(comparable(merged), comparable(one));
}

/// Shards analysed with the same `--since`/`--until` merge into the windowed one pass; a
/// shard with another window is refused.
#[test]
fn windowed_shards_merge_into_the_windowed_pass() {
    let dir = tempfile::tempdir().unwrap();
    let (whole, _) = corpus(dir.path(), "all.log", SynthFormat::Mixed, 20_000, 8);
    let range =
        json(&run(&["analyze", "-f", "json", path_str(&whole)]))["input"]["time_range"].clone();
    let at = |k: &str| {
        logtriage::record::time::parse_rfc3339(range[k].as_str().unwrap().as_bytes()).unwrap()
    };
    let (first, last) = (at("first"), at("last"));
    let t = |us: i64| logtriage::record::time::format_rfc3339(us);
    let (since, until) = (
        t(first + (last - first) / 3),
        t(first + (last - first) * 2 / 3),
    );
    let window = [
        "--latency",
        "--traces",
        "--since",
        &since,
        "--until",
        &until,
    ];
    let reports = analyze_shards(dir.path(), &whole, 3, &window);
    let mut args = vec!["merge"];
    args.extend(reports.iter().map(String::as_str));
    let merged = json(&run(&args));
    let mut one = vec!["analyze", "-f", "json", path_str(&whole)];
    one.extend_from_slice(&window);
    let one = json(&run(&one));
    let w = &one["input"]["window"];
    assert!(
        w["before"].as_u64().unwrap() > 0 && w["after"].as_u64().unwrap() > 0,
        "{w}"
    );
    assert_eq!(merged["input"]["window"], *w);
    assert_eq!(comparable(merged), comparable(one));

    let elsewhere = dir.path().join("other");
    std::fs::create_dir(&elsewhere).unwrap();
    let other = analyze_shards(
        &elsewhere,
        &whole,
        1,
        &["--latency", "--traces", "--since", &since],
    );
    let out = run(&["merge", &reports[0], &other[0]]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--since/--until"));
}
