//! `logtriage mine` and the unknown-template section of `analyze`, driven through the binary.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use logtriage::synth::SynthFormat;

/// Lines from known templates with random variables: (line, template index).
fn labelled(n: usize, seed: u64) -> Vec<(String, usize)> {
    let mut x = seed;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let users = [
        "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan",
    ];
    let mut out = Vec::new();
    for _ in 0..n {
        let t = (rnd() % 8) as usize;
        let r = rnd();
        let ip = format!("10.{}.{}.{}", r % 256, (r >> 8) % 256, (r >> 16) % 256);
        let user = users[(r >> 24) as usize % users.len()];
        let line = match t {
            0 => format!("Accepted password for {user} from {ip} port {}", r % 65536),
            1 => format!("Connection closed by {ip} [preauth]"),
            2 => format!(
                "job_{}_{:04} finished in {} ms",
                r % 100_000,
                r % 10_000,
                r % 5000
            ),
            3 => format!(
                "cache hit ratio {}.{}% over {} keys",
                r % 100,
                r % 10,
                r % 90_000
            ),
            4 => format!("session opened for user {user} by (uid={})", r % 1000),
            5 => format!("GET /api/v1/items/{} returned {}", r % 100_000, 200 + r % 3),
            6 => "cupsd startup succeeded".to_string(),
            _ => "cupsd shutdown succeeded".to_string(),
        };
        out.push((line, t));
    }
    out
}

fn read_assignments(path: &std::path::Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("line,template_id,template"));
    lines
        .enumerate()
        .map(|(i, l)| {
            let mut parts = l.splitn(3, ',');
            assert_eq!(
                parts.next().unwrap(),
                (i + 1).to_string(),
                "rows in input order"
            );
            let id = parts.next().unwrap().to_string();
            let t = parts.next().unwrap_or("").trim_matches('"').to_string();
            (id, t)
        })
        .collect()
}

#[test]
fn groups_labelled_lines_exactly_and_assignments_hold_final_templates() {
    let dir = tempfile::tempdir().unwrap();
    let data = labelled(3000, 42);
    let input = dir.path().join("in.log");
    let text: String = data.iter().map(|(l, _)| format!("{l}\n")).collect();
    std::fs::write(&input, &text).unwrap();
    let csv = dir.path().join("a.csv");
    let out = run(&[
        "mine",
        "--text",
        "--assignments",
        path_str(&csv),
        "-f",
        "json",
        path_str(&input),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = read_assignments(&csv);
    assert_eq!(rows.len(), data.len(), "one row per input line");
    // Grouping accuracy: every predicted group equals a truth group.
    let mut truth: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    let mut pred: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
    for (i, ((_, t), (id, _))) in data.iter().zip(&rows).enumerate() {
        truth.entry(*t).or_default().insert(i);
        pred.entry(id.as_str()).or_default().insert(i);
    }
    let correct = (0..data.len())
        .filter(|&i| truth[&data[i].1] == pred[rows[i].0.as_str()])
        .count();
    assert_eq!(
        correct,
        data.len(),
        "groups: {:?}",
        pred.keys().collect::<Vec<_>>()
    );
    // The final template of the cluster on every row, and the expected texts.
    let templates: BTreeSet<&str> = rows.iter().map(|(_, t)| t.as_str()).collect();
    for want in [
        "Accepted password for <*> from <*> port <*>",
        "Connection closed by <*> [preauth]",
        "<*> finished in <*> ms",
        "session opened for user <*> by (uid=<*>)",
        "cupsd startup succeeded",
        "cupsd shutdown succeeded",
    ] {
        assert!(templates.contains(want), "{want:?} not in {templates:?}");
    }
    let j = json(&out);
    assert_eq!(j["schema"], "logtriage.mine/v1");
    assert_eq!(j["messages"], 3000);
    let sum: u64 = j["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["count"].as_u64().unwrap())
        .sum();
    assert_eq!(sum, 3000);
}

#[test]
fn deterministic_and_bounded_when_input_repeats() {
    let dir = tempfile::tempdir().unwrap();
    let once: String = labelled(2000, 7)
        .iter()
        .map(|(l, _)| format!("{l}\n"))
        .collect();
    let one = dir.path().join("one.log");
    let many = dir.path().join("many.log");
    std::fs::write(&one, &once).unwrap();
    std::fs::write(&many, once.repeat(50)).unwrap();
    let a = json(&run(&["mine", "--text", "-f", "json", path_str(&one)]));
    let b = json(&run(&["mine", "--text", "-f", "json", path_str(&one)]));
    assert_eq!(a, b, "same input, same output");
    let m = json(&run(&["mine", "--text", "-f", "json", path_str(&many)]));
    let ids = |v: &serde_json::Value| -> Vec<String> {
        v["templates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["template"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(
        ids(&m).len() <= ids(&a).len(),
        "{} > {}",
        ids(&m).len(),
        ids(&a).len()
    );
    for t in m["templates"].as_array().unwrap() {
        assert_eq!(t["count"].as_u64().unwrap() % 50, 0, "{t}");
    }
}

/// Input with no repeated shape (every line its own template) would grow the report without
/// bound: past `--max-templates` the rarest retired templates are folded into one count, in the
/// JSON, the text report and the assignments alike, and every message is still accounted for.
#[test]
fn rare_templates_are_folded_past_the_template_cap() {
    let dir = tempfile::tempdir().unwrap();
    // A frequent line first (retired early, but kept over the rare ones), then 3000 lines each
    // a distinct shape (a distinct first word).
    let mut text = "zzzz lorem lorem lorem\n".repeat(40);
    for i in 0..3000u32 {
        let word: String = format!("{i:04}")
            .bytes()
            .map(|b| char::from(b'a' + (b - b'0')))
            .collect();
        let n = 3 + i % 5;
        text += &format!("{word}{}\n", " lorem".repeat(n as usize));
    }
    let log = dir.path().join("shapes.log");
    std::fs::write(&log, &text).unwrap();
    let csv = dir.path().join("a.csv");
    let caps = ["--max-clusters", "50", "--max-templates", "100"];
    let args = [&["mine", "--text", "-f", "json"][..], &caps].concat();
    let m = json(&run(&[&args[..], &[path_str(&log)]].concat()));
    let templates = m["templates"].as_array().unwrap();
    assert!(templates.len() <= 100, "{} templates", templates.len());
    let reported: u64 = templates.iter().map(|t| t["count"].as_u64().unwrap()).sum();
    let folded = m["folded"]["messages"].as_u64().unwrap();
    assert!(
        m["folded"]["clusters"].as_u64().unwrap() >= 2900,
        "{}",
        m["folded"]
    );
    assert_eq!(reported + folded, 3040, "every message reported or folded");
    let first = templates
        .iter()
        .find(|t| t["template"] == "zzzz lorem lorem lorem");
    assert_eq!(first.expect("the frequent one is kept")["count"], 40);
    // The same counts with per-line assignments (whose keys are kept stable).
    let with = [
        &args[..],
        &["--assignments", path_str(&csv), path_str(&log)],
    ]
    .concat();
    let m2 = json(&run(&with));
    assert_eq!(m2["folded"], m["folded"]);
    let rows = read_assignments(&csv);
    assert_eq!(rows.len(), 3040);
    let folded_rows = rows.iter().filter(|(id, _)| id == "folded").count() as u64;
    assert_eq!(folded_rows, folded);
    let text_out = run(&[&["mine", "--text"][..], &caps, &[path_str(&log)]].concat());
    let text_out = String::from_utf8_lossy(&text_out.stdout);
    let clusters = m["folded"]["clusters"].as_u64().unwrap();
    let (c, f) = (clusters / 1000, clusters % 1000);
    let line = format!("{c},{f:03} rarely seen template clusters (");
    assert!(text_out.contains(&line), "{line} in {text_out}");
}

#[test]
fn message_field_and_other_fields() {
    let input = concat!(
        r#"{"level":"error","msg":"upstream 10.0.0.1 timed out after 30s","svc":"a"}"#,
        "\n",
        r#"{"level":"error","msg":"upstream 10.0.0.2 timed out after 31s","svc":"b"}"#,
        "\n",
        r#"{"level":"info","msg":"ok","svc":"c"}"#,
        "\n",
        "\n",
    );
    let out = run_stdin(&["mine", "-f", "json"], input.as_bytes());
    let j = json(&out);
    assert_eq!(j["lines"], 4);
    assert_eq!(j["messages"], 3);
    let t = &j["templates"][0];
    assert_eq!(t["template"], "upstream <*> timed out after <*>");
    assert_eq!(t["count"], 2);
    assert_eq!(t["levels"]["error"], 2);
    let out = run_stdin(&["mine", "-f", "json", "--field", "svc"], input.as_bytes());
    assert_eq!(json(&out)["messages"], 3);
    let out = run_stdin(&["mine"], input.as_bytes());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("upstream <*> timed out after <*>"), "{text}");
}

#[test]
fn analyze_reports_unknown_templates_errors_first() {
    let dir = tempfile::tempdir().unwrap();
    let (a, _) = corpus(dir.path(), "a.log", SynthFormat::Json, 20_000, 9);
    let out = run(&["analyze", "-f", "json", path_str(&a)]);
    let r = json(&out);
    let t = r["templates"].as_array().unwrap();
    assert!(!t.is_empty());
    for e in t {
        for k in ["id", "template", "count", "levels", "example"] {
            assert!(e.get(k).is_some(), "{k} missing in {e}");
        }
        assert_eq!(
            e["exact"], true,
            "20,000 lines never fill the message table"
        );
    }
    let rank = |e: &serde_json::Value| {
        let l = &e["levels"];
        if l.get("error").is_some() || l.get("fatal").is_some() {
            0
        } else if l.get("warn").is_some() {
            1
        } else {
            2
        }
    };
    let ranks: Vec<i32> = t.iter().map(rank).collect();
    assert!(
        ranks.windows(2).all(|w| w[0] <= w[1]),
        "errors, then warnings, then the rest: {ranks:?}"
    );
    // Known messages are not in the unknown section.
    let known: BTreeSet<&str> = r["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert!(!known.is_empty());
    assert!(t
        .iter()
        .all(|e| e["template"] != "database connection failed"));
}

#[test]
fn patterns_suggest_writes_stubs_that_pass_check() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    let mut text = String::new();
    for i in 0..50 {
        text.push_str(&format!(
            "{{\"level\":\"error\",\"msg\":\"widget {i} exploded in bay {}\"}}\n",
            i % 7
        ));
        text.push_str(&format!(
            "{{\"level\":\"info\",\"msg\":\"sprocket {i} polished\"}}\n"
        ));
    }
    std::fs::write(&log, text).unwrap();
    let stubs = dir.path().join("suggested.toml");
    let out = run(&[
        "patterns",
        "suggest",
        "-o",
        path_str(&stubs),
        path_str(&log),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let toml = std::fs::read_to_string(&stubs).unwrap();
    // Spaces match any run of whitespace.
    assert!(
        toml.contains(r"widget\s+.*?\s+exploded\s+in\s+bay\s+.*?$"),
        "{toml}"
    );
    assert!(toml.contains("severity = \"error\""), "{toml}");
    let check = run(&["patterns", "check", path_str(&stubs)]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    // With the stubs added, those messages are no longer unknown.
    let r = json(&run(&[
        "analyze",
        "-f",
        "json",
        "--patterns",
        path_str(&stubs),
        path_str(&log),
    ]));
    assert!(
        r["templates"].as_array().unwrap().is_empty(),
        "{}",
        r["templates"]
    );
    assert_eq!(r["patterns"].as_array().unwrap().len(), 2);
}
