//! `logtriage analyze` end to end: counts against the generator's exact truth, invariance to
//! threads and chunk boundaries, inputs of every kind.

mod common;

use std::collections::BTreeMap;

use common::*;
use logtriage::synth::SynthFormat;
use logtriage::{Catalog, Config};

fn check_against_truth(format: SynthFormat, seed: u64) {
    let dir = tempfile::tempdir().unwrap();
    let (path, truth) = corpus(dir.path(), "c.log", format, 30_000, seed);
    let out = run(&[
        "analyze",
        "--format",
        "json",
        "--bucket",
        "1m",
        path_str(&path),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = json(&out);
    let input = &r["input"];
    assert_eq!(input["lines"], truth.lines);
    assert_eq!(input["bytes"], truth.bytes);
    assert_eq!(input["events"], truth.events);
    assert_eq!(input["malformed"], truth.malformed);
    assert_eq!(input["invalid_utf8"], truth.invalid_utf8);
    assert_eq!(input["non_json"], truth.non_json);
    assert_eq!(input["blank"], truth.blank);
    for (level, n) in &truth.levels {
        assert_eq!(r["levels"][level], *n, "level {level}");
    }
    // Top messages: exact counts, in count order (ties by text).
    let mut want: Vec<(&String, &u64)> = truth.messages.iter().collect();
    want.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let got = message_counts(&r);
    assert_eq!(got.len(), 20.min(want.len()));
    for (g, w) in got.iter().zip(&want) {
        assert_eq!((&g.0, g.1), (w.0, *w.1));
    }
    assert!(r["messages"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["exact"] == true));
    // Errors per minute.
    assert_eq!(r["timeline"]["bucket_seconds"], 60);
    let got: BTreeMap<String, u64> = r["timeline"]["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["errors"].as_u64().unwrap() > 0)
        .map(|b| {
            (
                b["start"].as_str().unwrap()[..16].to_string(),
                b["errors"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, truth.errors_per_minute);
    // Catalog hits agree with the generator on two documented patterns.
    let count = |id: &str| {
        r["patterns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .map_or(0, |p| p["count"].as_u64().unwrap())
    };
    assert_eq!(
        count("axonflow.database-connection-failed"),
        truth.db_conn_failed
    );
    assert_eq!(count("outpost.exit-code-137"), truth.exit_137);
}

/// The JSON report of `analyze --latency --traces` on `path`.
/// The ids of a report's catalog patterns that start with `prefix`, sorted.
fn pattern_ids<'a>(report: &'a serde_json::Value, prefix: &str) -> Vec<&'a str> {
    let mut ids: Vec<&str> = report["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .filter(|id| id.starts_with(prefix))
        .collect();
    ids.sort_unstable();
    ids
}

fn latency_and_traces(path: &str) -> serde_json::Value {
    json(&run(&[
        "analyze",
        "-f",
        "json",
        "--latency",
        "--traces",
        path,
    ]))
}

#[test]
fn json_counts_equal_truth() {
    check_against_truth(SynthFormat::Json, 1);
}

#[test]
fn mixed_counts_equal_truth() {
    check_against_truth(SynthFormat::Mixed, 2);
}

#[test]
fn cloudwatch_export_counts_equal_truth() {
    check_against_truth(SynthFormat::CloudWatch, 3);
}

#[test]
fn logfmt_counts_equal_truth() {
    check_against_truth(SynthFormat::Logfmt, 4);
}

#[test]
fn kubernetes_cri_counts_equal_truth() {
    check_against_truth(SynthFormat::Cri, 5);
}

/// The JSON layouts of .NET (Microsoft.Extensions.Logging's console, Serilog's formatter and its
/// compact CLEF), Java (logstash-logback-encoder, log4j2's JsonLayout), Python
/// (python-json-logger), Go (slog), ECS, Google Cloud Logging, systemd's journal (`journalctl -o
/// json`), GELF, Node's pino-http, Caddy's access log, nginx's JSON access log and API
/// Gateway's in `samples/json-layouts.log`: every event has its time and level, and all but API
/// Gateway's a message (a CLEF event without `@l` is Information; the journal's `PRIORITY` and
/// GELF's `level` are syslog severities; nginx's and API Gateway's lines have no level: their
/// status gives it).
#[test]
fn json_layouts_of_common_loggers_are_read() {
    let r = json(&run(&[
        "analyze",
        "-f",
        "json",
        "--traces",
        "--latency",
        "samples/json-layouts.log",
    ]));
    let input = &r["input"];
    assert_eq!(input["events"], 17);
    assert_eq!(input["events_without_level"], 0);
    assert_eq!(input["events_without_time"], 0);
    assert_eq!(input["time_range"]["first"], "2026-02-06T10:00:00.000Z");
    assert_eq!(input["time_range"]["last"], "2026-02-06T10:00:04.000Z");
    let levels = &r["levels"];
    assert_eq!(
        (
            levels["info"].as_u64(),
            levels["warn"].as_u64(),
            levels["error"].as_u64()
        ),
        (Some(6), Some(4), Some(7))
    );
    // Request ids: Serilog's, top level (CLEF) and under `Properties`; slog's; Google Cloud's
    // trace; pino-http's `req.id`. The durations: Google Cloud's `httpRequest.latency`
    // (0.250 s), ECS's `event.duration` (1,500,000 ns), pino-http's `responseTime` (ms) and
    // Caddy's `duration` (0.25: seconds, as its access log writes it), nginx's
    // `request_time` (0.120 and 0.200: seconds), API Gateway's `responseLatency` (ms) and
    // `requestId`.
    assert_eq!(r["traces"]["count"], 6);
    let overall = &r["latency"]["overall"];
    assert_eq!(overall["count"], 7);
    assert_eq!(overall["max"], 250.0);
    assert_eq!(overall["mean"], 150.0);
    // Routes: Google Cloud's `httpRequest`, pino-http's `req`, Caddy's `request`, nginx's
    // request line (ids masked, queries left out) and API Gateway's resource path.
    let mut routes: Vec<&str> = r["latency"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["by"] == "route")
        .map(|g| g["key"].as_str().unwrap())
        .collect();
    routes.sort_unstable();
    assert_eq!(
        routes,
        [
            "GET /api/cart",
            "GET /api/items/:id",
            "GET /api/orders/:id",
            "GET /items/{id}",
            "POST /api/orders"
        ]
    );
    let slowest = &r["latency"]["slowest"];
    assert!(
        slowest
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["request_id"] == "req-pino-1" && e["duration_ms"] == 48.5),
        "{slowest}"
    );
    assert_eq!(
        sorted_messages(&r),
        [
            "Cart {CartId} saved",
            "GET /api/cart",
            "GET /api/items/77 HTTP/1.1",
            "Now listening on: http://localhost:5000",
            "Order 42 failed",
            "POST /api/orders HTTP/1.1",
            "Payment {Id} declined",
            "cache miss storm",
            "connection refused",
            "disk usage above 90%",
            "handled request",
            "payment gateway timeout",
            "pool exhausted",
            "queue consumer crashed",
            "request completed",
            "retrying order sync",
        ]
    );
}

/// The same events as JSON lines, wrapped in a container runtime's lines (each a little later
/// than its event) and in Docker's json-file lines: every analysis reads them alike, by the
/// events' own times.
#[test]
fn container_lines_read_as_the_json_inside_them() {
    let dir = tempfile::tempdir().unwrap();
    let (plain, _) = corpus(dir.path(), "j.log", SynthFormat::Json, 20_000, 11);
    let (cri, truth) = corpus(dir.path(), "k.log", SynthFormat::Cri, 20_000, 11);
    let (docker, _) = corpus(dir.path(), "d.log", SynthFormat::Docker, 20_000, 11);
    let text = std::fs::read_to_string(&cri).unwrap();
    assert!(text
        .lines()
        .all(|l| l.contains(" stdout F {") || l.contains(" stderr F {")));
    let text = std::fs::read_to_string(&docker).unwrap();
    assert!(text.lines().all(|l| l.starts_with(r#"{"log":"{\""#)));
    let report = |p: &std::path::Path| latency_and_traces(path_str(p));
    // Examples quote their line, and name their file.
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                m.remove("example");
                m.remove("source");
                m.values_mut().for_each(strip);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut a = report(&plain);
    strip(&mut a);
    assert!(a["traces"]["count"].as_u64().unwrap() > 1000);
    for wrapped in [&cri, &docker] {
        let mut b = report(wrapped);
        assert!(b["patterns"][0]["example"]["text"]
            .as_str()
            .unwrap()
            .contains(" F {"));
        strip(&mut b);
        assert_eq!(b["input"]["formats"]["cri"], truth.events);
        assert_eq!(b["input"]["formats"]["json"], 0);
        assert_eq!(b["input"]["lines"], a["input"]["lines"]);
        assert_eq!(b["input"]["events"], a["input"]["events"]);
        assert_eq!(b["input"]["time_range"], a["input"]["time_range"]);
        for key in [
            "levels",
            "messages",
            "templates",
            "patterns",
            "latency",
            "traces",
            "timeline",
        ] {
            assert_eq!(a[key], b[key], "{key}");
        }
    }
}

/// Docker and the container runtimes cut a line longer than 16 KiB into parts (Docker: each
/// `log` but the last without its newline; CRI: tagged `P` but the last); they are joined into
/// the one event they are, gzip or not.
#[test]
fn a_container_event_cut_in_parts_is_one_event() {
    let dir = tempfile::tempdir().unwrap();
    let big = "x".repeat(40_000);
    let event = format!(
        r#"{{"level":"error","ts":"2026-02-06T10:00:01Z","msg":"database connection failed","request_id":"req-long","detail":"{big}","duration_ms":250}}"#
    );
    let entry = |log: &str, t: &str| {
        format!(
            "{{\"log\":{},\"stream\":\"stderr\",\"time\":\"2026-02-06T10:00:{t}.5Z\"}}\n",
            serde_json::to_string(log).unwrap()
        )
    };
    let first = r#"{"level":"info","ts":"2026-02-06T10:00:00Z","msg":"request received","request_id":"req-long"}"#;
    let mut text = entry(&format!("{first}\n"), "00");
    let (a, rest) = event.split_at(16_384);
    let (b, c) = rest.split_at(16_384);
    text += &entry(a, "01");
    text += &entry(b, "01");
    text += &entry(&format!("{c}\n"), "01");
    text += &entry("listening on :8080\n", "02");
    let cri = format!(
        "2026-02-06T10:00:00.5Z stdout F {first}\n\
         2026-02-06T10:00:01.5Z stderr P {a}\n\
         2026-02-06T10:00:01.5Z stdout F listening on :8080\n\
         2026-02-06T10:00:01.5Z stderr P {b}\n\
         2026-02-06T10:00:01.5Z stderr F {c}\n"
    );
    let mut paths = Vec::new();
    for (name, text) in [("c-json.log", &text), ("k.log", &cri)] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, text.as_bytes()).unwrap();
        let gz_path = dir.path().join(format!("{name}.gz"));
        std::fs::write(&gz_path, gz.finish().unwrap()).unwrap();
        paths.extend([path, gz_path]);
    }
    for p in &paths {
        let r = latency_and_traces(path_str(p));
        let input = &r["input"];
        assert_eq!(input["lines"], 3, "{input}");
        assert_eq!(input["formats"]["cri"], 2);
        assert_eq!(input["malformed"], 0);
        assert_eq!(r["levels"]["error"], 1);
        assert_eq!(r["latency"]["overall"]["count"], 1);
        assert_eq!(r["latency"]["overall"]["max"], 250.0);
        assert_eq!(r["traces"]["count"], 1);
        assert_eq!(r["traces"]["with_errors"], 1);
        let ids: Vec<&str> = r["patterns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap())
            .collect();
        assert!(
            ids.contains(&"axonflow.database-connection-failed"),
            "{ids:?}"
        );
    }
}

#[test]
fn report_is_identical_for_any_threads_and_chunk_size() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = corpus(dir.path(), "c.log", SynthFormat::Mixed, 6_000, 9);
    // Messages longer than the counter stores whole (a stack trace in one JSON string), spread
    // over the chunks, so that every worker counts some of each.
    // (The corpus has lines of invalid UTF-8: bytes.)
    let text = std::fs::read(&path).unwrap();
    let trace: String = (0..80)
        .map(|k| format!("\\n\\tat com.shop.Handler{k}.process(Handler.java:{k})"))
        .collect();
    let mut spread = Vec::new();
    for (i, line) in text.split_inclusive(|&b| b == b'\n').enumerate() {
        spread.extend_from_slice(line);
        if i % 97 == 0 {
            let which = ["IllegalStateException", "TimeoutException"][i % 2];
            spread.extend_from_slice(
                format!(r#"{{"level":"error","msg":"java.lang.{which}: pool exhausted{trace}"}}"#)
                    .as_bytes(),
            );
            spread.push(b'\n');
        }
    }
    std::fs::write(&path, spread).unwrap();
    let catalog = Catalog::builtin();
    let inputs = vec![logtriage::source::Input::File(path)];
    let reference = logtriage::analyze(
        &inputs,
        &catalog,
        &Config {
            threads: 1,
            chunk_size: 1 << 20,
            latency: true,
            traces: true,
            mmap: false,
            ..Config::default()
        },
        None,
    )
    .unwrap()
    .report;
    let top = serde_json::to_string(&reference.messages).unwrap();
    assert!(
        top.contains("IllegalStateException: pool exhausted"),
        "{top}"
    );
    // Awkward chunk sizes put boundaries mid-line, mid-CRLF and inside long lines; the file
    // is read into buffers (the reference) or through its memory map.
    for (threads, chunk, mmap) in [
        (1, 1, true),
        (2, 7, false),
        (3, 64, true),
        (4, 1000, false),
        (2, 4093, true),
        (8, 65_536, true),
    ] {
        let r = logtriage::analyze(
            &inputs,
            &catalog,
            &Config {
                threads,
                chunk_size: chunk,
                latency: true,
                traces: true,
                mmap,
                ..Config::default()
            },
            None,
        )
        .unwrap()
        .report;
        // Section by section, so a failure names the part that differs.
        let ctx = format!("threads {threads}, chunk size {chunk}, mmap {mmap}");
        assert_eq!(r.input, reference.input, "input: {ctx}");
        assert_eq!(r.levels, reference.levels, "levels: {ctx}");
        assert_eq!(r.patterns, reference.patterns, "patterns: {ctx}");
        assert_eq!(r.messages, reference.messages, "messages: {ctx}");
        assert_eq!(r.timeline, reference.timeline, "timeline: {ctx}");
        let (l, rl) = (
            r.latency.as_ref().unwrap(),
            reference.latency.as_ref().unwrap(),
        );
        assert_eq!(l.overall, rl.overall, "latency.overall: {ctx}");
        assert_eq!(l.slowest, rl.slowest, "latency.slowest: {ctx}");
        assert_eq!(l.groups, rl.groups, "latency.groups: {ctx}");
        let (t, rt) = (
            r.traces.as_ref().unwrap(),
            reference.traces.as_ref().unwrap(),
        );
        assert_eq!(t.count, rt.count, "traces.count: {ctx}");
        assert_eq!(t.slowest, rt.slowest, "traces.slowest: {ctx}");
        assert_eq!(
            t.error_groups, rt.error_groups,
            "traces.error_groups: {ctx}"
        );
        assert_eq!(r, reference, "{ctx}");
    }
}

/// A request with no event for longer than `--trace-idle` is finished; its next event starts a
/// new trace. Where the chunks fall must not matter.
#[test]
fn traces_split_at_idle_gaps_whatever_the_chunking() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("idle.log");
    // 300 requests over an hour, events 0–40 s apart: with a 20 s window some requests split,
    // some more than once; errors land before and after the gaps.
    let mut lines = Vec::new();
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut events: Vec<(u64, usize, bool)> = Vec::new();
    for r in 0..300usize {
        let mut t = next() % 3_000_000;
        for _ in 0..(2 + next() % 8) {
            events.push((t, r, next() % 11 == 0));
            t += next() % 40_000;
        }
    }
    events.sort();
    let (mut traces, mut failing) = (0u64, 0u64);
    let mut open: std::collections::HashMap<usize, (u64, bool)> = Default::default();
    for &(t, r, err) in &events {
        let ms = t;
        lines.push(format!(
            r#"{{"ts":{},"level":"{}","msg":"step","request_id":"req-{r}"}}"#,
            1_770_000_000_000u64 + ms,
            if err { "error" } else { "info" }
        ));
        match open.get_mut(&r) {
            Some((last, e)) if ms - *last <= 20_000 => {
                *last = ms;
                *e |= err;
            }
            slot => {
                if let Some((_, true)) = slot.as_deref() {
                    failing += 1;
                }
                traces += 1;
                open.insert(r, (ms, err));
            }
        }
    }
    failing += open.values().filter(|(_, e)| *e).count() as u64;
    assert!(traces > 400, "the log splits requests: {traces}");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    for (threads, chunk) in [
        ("1", "64"),
        ("2", "1000"),
        ("2", "65536"),
        ("1", "16777216"),
    ] {
        let out = run(&[
            "analyze",
            "-f",
            "json",
            "--traces",
            "--trace-idle",
            "20s",
            "--threads",
            threads,
            "--chunk-size",
            chunk,
            path_str(&path),
        ]);
        assert_eq!(out.status.code(), Some(0));
        let r = json(&out);
        let ctx = format!("threads {threads}, chunk size {chunk}");
        assert_eq!(r["traces"]["count"], traces, "{ctx}");
        assert_eq!(r["traces"]["with_errors"], failing, "{ctx}");
    }
}

#[test]
fn gzip_and_multi_member_gzip_equal_plain() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let (path, truth) = corpus(dir.path(), "c.log", SynthFormat::Json, 5_000, 5);
    let data = std::fs::read(&path).unwrap();
    let half = data.len() / 2;
    let mut gz = Vec::new();
    for part in [&data[..half], &data[half..]] {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(part).unwrap();
        gz.extend(e.finish().unwrap());
    }
    // No .gz extension: detection is by content.
    let gz_path = dir.path().join("compressed");
    std::fs::write(&gz_path, gz).unwrap();
    let r = json(&run(&["analyze", "-f", "json", path_str(&gz_path)]));
    assert_eq!(r["input"]["lines"], truth.lines);
    assert_eq!(r["input"]["events"], truth.events);
    assert_eq!(r["input"]["sources"][0]["gzip"], true);
}

#[test]
fn stdin_dash_and_no_path_are_the_same() {
    let input = b"{\"level\":\"error\",\"msg\":\"a\"}\r\n{\"level\":\"info\",\"msg\":\"b\"}\r\nno newline at end";
    let a = json(&run_stdin(&["analyze", "-f", "json"], input));
    let b = json(&run_stdin(&["analyze", "-f", "json", "-"], input));
    assert_eq!(a, b);
    assert_eq!(a["input"]["lines"], 3);
    assert_eq!(a["input"]["events"], 2, "CRLF lines parse as JSON");
    assert_eq!(a["input"]["non_json"], 1);
    assert_eq!(a["levels"]["error"], 1);
}

#[test]
fn directories_are_read_recursively() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    corpus(dir.path(), "a.log", SynthFormat::Json, 100, 1);
    corpus(&dir.path().join("sub"), "b.log", SynthFormat::Json, 50, 2);
    let r = json(&run(&["analyze", "-f", "json", path_str(dir.path())]));
    assert_eq!(r["input"]["lines"], 150);
    assert_eq!(r["input"]["sources"].as_array().unwrap().len(), 2);
}

#[test]
fn missing_path_is_reported_and_the_rest_analysed() {
    let dir = tempfile::tempdir().unwrap();
    let (good, truth) = corpus(dir.path(), "good.log", SynthFormat::Json, 200, 1);
    let missing = dir.path().join("missing.log");
    let out = run(&["analyze", "-f", "json", path_str(&missing), path_str(&good)]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("missing.log"), "{stderr}");
    let r = json(&out);
    assert_eq!(r["input"]["events"], truth.events);
    assert_eq!(r["partial"], true);
}

#[test]
fn oversize_lines_are_counted_and_skipped_not_cut() {
    let mut input = b"{\"level\":\"info\",\"msg\":\"before\"}\n".to_vec();
    input.extend(b"{\"level\":\"error\",\"msg\":\"");
    input.extend(vec![b'x'; 100_000]);
    input.extend(b"\"}\n{\"level\":\"info\",\"msg\":\"after\"}\n");
    for chunk in ["4096", "1000000"] {
        let r = json(&run_stdin(
            &[
                "analyze",
                "-f",
                "json",
                "--max-line-bytes",
                "10000",
                "--chunk-size",
                chunk,
            ],
            &input,
        ));
        assert_eq!(r["input"]["lines"], 3);
        assert_eq!(r["input"]["oversize"], 1);
        assert_eq!(r["input"]["events"], 2);
        assert_eq!(
            r["levels"]["error"], 0,
            "the oversize line is not half-read"
        );
    }
}

#[test]
fn malformed_lines_are_counted_and_still_matched_as_text() {
    let input = b"{\"level\":\"error\",\"msg\":\"connector call failed\",\"error\":\"dial tcp 10.0.0.1:443: connect: connection refused\",\"attempt\":\n\
{\"level\":\"info\",\"msg\":\"ok\xff\"}\n\
{\"level\":\"info\",\"msg\":\"fine\"}\n";
    let r = json(&run_stdin(&["analyze", "-f", "json"], input));
    assert_eq!(r["input"]["malformed"], 2);
    assert_eq!(r["input"]["invalid_utf8"], 1);
    assert_eq!(r["input"]["events"], 1);
    let ids: Vec<&str> = r["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.iter().any(|id| id.contains("connection-refused")),
        "truncated line still offered to text matching: {ids:?}"
    );
}

#[test]
fn pattern_hits_carry_the_runbook() {
    let input =
        br#"{"level":"fatal","ts":"2026-02-06T10:00:00Z","msg":"ANTHROPIC_API_KEY not set"}"#;
    let r = json(&run_stdin(&["analyze", "-f", "json"], input));
    let p = &r["patterns"][0];
    assert_eq!(p["id"], "outpost.anthropic-api-key-missing");
    assert_eq!(p["severity"], "critical");
    assert_eq!(p["count"], 1);
    assert!(!p["action"].as_str().unwrap().is_empty());
    assert_eq!(p["example"]["line"], 1);
    assert_eq!(p["first_seen"], "2026-02-06T10:00:00.000Z");
}

#[test]
fn bundled_samples_analyse_as_documented() {
    let dir = env!("CARGO_MANIFEST_DIR").to_string() + "/samples/";
    let r = json(&run(&[
        "analyze",
        "-f",
        "json",
        &(dir.clone() + "app.logfmt"),
    ]));
    assert_eq!(r["input"]["formats"]["logfmt"], r["input"]["lines"]);
    let r = json(&run(&[
        "analyze",
        "-f",
        "json",
        &(dir.clone() + "cloudwatch-export.log"),
    ]));
    assert_eq!(r["input"]["formats"]["cloudwatch"], r["input"]["lines"]);
    let r = json(&run(&[
        "analyze",
        "-f",
        "json",
        "--traces",
        &(dir.clone() + "kubernetes-cri.log"),
    ]));
    assert_eq!(r["input"]["formats"]["cri"], r["input"]["lines"]);
    assert!(r["traces"]["count"].as_u64().unwrap() > 100);
    // The README's incident: the database runs out of connections, then a container is
    // OOM-killed; the report must say so.
    let out = run(&["analyze", "-f", "json", &(dir + "incident.log")]);
    assert_eq!(out.status.code(), Some(0));
    let r = json(&out);
    let ids: Vec<&str> = r["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    for id in [
        "axonflow.too-many-connections",
        "axonflow.oomkilled",
        "outpost.exit-code-137",
        "axonflow.llm-provider-timeout",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    assert_eq!(r["patterns"][0]["severity"], "critical", "worst first");
    assert_eq!(r["input"]["malformed"], 1);
}

/// Latency and traces against values computed here independently with serde_json:
/// nearest-rank percentiles, the slowest events, distinct request ids and failing requests.
#[test]
fn latency_and_traces_match_an_independent_count() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = corpus(dir.path(), "c.log", SynthFormat::Mixed, 40_000, 12);
    let bytes = std::fs::read(&path).unwrap();
    let mut durations: Vec<f64> = Vec::new();
    let mut by_service: std::collections::HashMap<String, Vec<f64>> = Default::default();
    let mut by_message: std::collections::HashMap<String, Vec<f64>> = Default::default();
    let mut ids: std::collections::HashMap<String, u64> = Default::default();
    let mut failing: std::collections::HashSet<String> = Default::default();
    // Byte lines: a line with invalid UTF-8 is not an event (serde_json rejects it too).
    for line in bytes.split(|&b| b == b'\n') {
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(line) else {
            continue;
        };
        if let Some(d) = v["duration_ms"].as_f64() {
            durations.push(d);
            // The generator's services log under `logger`.
            if let Some(s) = v["logger"].as_str() {
                by_service.entry(s.to_string()).or_default().push(d);
            }
            if let Some(m) = v["msg"].as_str() {
                by_message.entry(m.to_string()).or_default().push(d);
            }
        }
        if let Some(id) = v["request_id"].as_str() {
            *ids.entry(id.to_string()).or_default() += 1;
            if matches!(v["level"].as_str(), Some("error" | "fatal")) {
                failing.insert(id.to_string());
            }
        }
    }
    durations.sort_by(f64::total_cmp);
    let nearest_rank =
        |q: f64| durations[((q * durations.len() as f64).ceil() as usize).max(1) - 1];
    let out = run(&[
        "analyze",
        "-f",
        "json",
        "--latency",
        "--traces",
        path_str(&path),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let r = json(&out);
    let l = &r["latency"]["overall"];
    assert_eq!(l["count"], durations.len() as u64);
    for (key, q) in [
        ("p50", 0.5),
        ("p90", 0.9),
        ("p95", 0.95),
        ("p99", 0.99),
        ("p999", 0.999),
    ] {
        let got = l[key].as_f64().unwrap();
        let want = nearest_rank(q);
        assert!((got - want).abs() <= 0.01 * want, "{key}: {got} vs {want}");
    }
    assert_eq!(l["max"].as_f64().unwrap(), *durations.last().unwrap());
    // Per group too, where small groups make a one-rank slip a different value altogether.
    // Messages group by their masked form: a key without `<*>` is a message that masking left
    // alone, so its group holds exactly the events of that message.
    let mut checked = [0, 0];
    for g in r["latency"]["groups"].as_array().unwrap() {
        let key = g["key"].as_str().unwrap();
        let (by, n) = match g["by"].as_str() {
            Some("service") => (&by_service, 0),
            Some("message") if !key.contains("<*>") && key != "(other)" => (&by_message, 1),
            _ => continue,
        };
        let mut d: Vec<f64> = by.get(key).cloned().unwrap_or_default();
        d.sort_by(f64::total_cmp);
        assert_eq!(g["count"], d.len() as u64, "{key}");
        for (name, q) in [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p999", 0.999)] {
            let want = d[((q * d.len() as f64).ceil() as usize).max(1) - 1];
            let got = g[name].as_f64().unwrap();
            assert!(
                (got - want).abs() <= 0.005 * want,
                "{key} {name}: {got} vs {want} (n = {})",
                d.len()
            );
        }
        checked[n] += 1;
    }
    assert!(
        checked[0] >= 3 && checked[1] >= 3,
        "{checked:?} service and message groups"
    );
    let slowest: Vec<f64> = r["latency"]["slowest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["duration_ms"].as_f64().unwrap())
        .collect();
    let want: Vec<f64> = durations.iter().rev().take(20).copied().collect();
    assert_eq!(slowest, want);
    assert_eq!(r["traces"]["count"], ids.len() as u64);
    assert_eq!(r["traces"]["with_errors"], failing.len() as u64);
    // Events per trace are counts: integers in the JSON, the largest one exact.
    let most = ids.values().max().copied();
    assert_eq!(r["traces"]["events_per_trace"]["max"].as_u64(), most);
    assert!(r["traces"]["events_per_trace"]["p50"].is_u64());
    let grouped: u64 = r["traces"]["error_groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["count"].as_u64().unwrap())
        .sum();
    assert_eq!(
        grouped,
        failing.len() as u64,
        "every failing request is in one group"
    );
    // Without the flags the sections are absent.
    let plain = json(&run(&["analyze", "-f", "json", path_str(&path)]));
    assert!(plain.get("latency").is_none() && plain.get("traces").is_none());
}

#[test]
fn template_counts_are_exact_or_estimated_from_a_sample_never_just_what_survived() {
    let dir = tempfile::tempdir().unwrap();
    let names = VARIABLE_TEMPLATES;
    // Small: every message fits the table and the miner; counts are exact.
    let (small, truth) = variable_templates(dir.path(), 6_000);
    let r = json(&run(&[
        "analyze",
        "-f",
        "json",
        "--threads",
        "1",
        path_str(&small),
    ]));
    let got = template_counts(&r);
    for (name, want) in names.iter().zip(truth) {
        assert_eq!(got[*name], (want, true), "{name}");
    }
    // Large: 40,000 distinct messages of one template, with a table of 2,000 (pruned many
    // times) and with the default table (no prune, but more than the miner takes one by one).
    let (large, truth) = variable_templates(dir.path(), 40_000);
    for cap in ["2000", "200000"] {
        let r = json(&run(&[
            "analyze",
            "-f",
            "json",
            "--threads",
            "1",
            "--max-distinct-messages",
            cap,
            path_str(&large),
        ]));
        let got = template_counts(&r);
        assert!(got.values().all(|&(_, exact)| !exact), "cap {cap}: {got:?}");
        // The heavy constant message stays in the table: its count is exact.
        assert_eq!(got["cache warmed"].0, truth[1], "cap {cap}");
        // The variable ones are estimated from a 1-in-16 sample: ~2,400 messages sampled for
        // the big one (a standard deviation of 2 %), ~60 for the small one (~13 %); the
        // bounds are four to five of them. (Counting only what the table held at the end gave
        // 5 % of the big one with the small table.)
        for (name, want, tolerance) in [(names[0], truth[0], 0.10), (names[2], truth[2], 0.5)] {
            let (count, _) = got[name];
            let off = (count as f64 - want as f64).abs() / want as f64;
            assert!(off <= tolerance, "cap {cap}: {name}: {count} vs {want}");
        }
    }
}

#[test]
fn the_same_input_gives_the_same_report_on_every_run() {
    // Many chunks over two workers whose small tables are pruned many times: which lines a
    // table sees, and in what order, decides what it drops, so the workers must get the same
    // chunks on every run (the estimated template counts differed from run to run when they
    // took chunks from one queue).
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = variable_templates(dir.path(), 40_000);
    let args = [
        "analyze",
        "-f",
        "json",
        "--threads",
        "2",
        "--chunk-size",
        "32K",
        "--max-distinct-messages",
        "500",
        path_str(&path),
    ];
    let first = json(&run(&args));
    assert!(template_counts(&first).values().any(|&(_, exact)| !exact));
    for _ in 0..4 {
        let again = json(&run(&args));
        for (section, v) in first.as_object().unwrap() {
            assert_eq!(&again[section], v, "{section}");
        }
    }
}

#[test]
fn syslog_lines_get_times_and_a_timeline() {
    // BSD syslog has no year: the current one is assumed (see record::time), so only the rest
    // of the date is checked.
    let log = "Feb  6 09:59:58 combo sshd[19939]: session opened for user root\n\
               Feb  6 10:00:01 combo sshd[19939]: ERROR session closed for user root\n\
               continuation line without a time\n";
    let r = json(&run_stdin(&["analyze", "-f", "json"], log.as_bytes()));
    let range = &r["input"]["time_range"];
    assert!(
        range["first"]
            .as_str()
            .unwrap()
            .ends_with("-02-06T09:59:58.000Z"),
        "{range}"
    );
    assert!(
        range["last"]
            .as_str()
            .unwrap()
            .ends_with("-02-06T10:00:01.000Z"),
        "{range}"
    );
    let buckets = r["timeline"]["buckets"].as_array().unwrap();
    let events: u64 = buckets.iter().map(|b| b["events"].as_u64().unwrap()).sum();
    let errors: u64 = buckets.iter().map(|b| b["errors"].as_u64().unwrap()).sum();
    assert_eq!((events, errors), (2, 1), "{buckets:?}");

    // An old log: the year is given.
    let r = json(&run_stdin(
        &["analyze", "-f", "json", "--syslog-year", "2019"],
        log.as_bytes(),
    ));
    let range = &r["input"]["time_range"];
    assert_eq!(range["first"], "2019-02-06T09:59:58.000Z", "{range}");
    assert_eq!(range["last"], "2019-02-06T10:00:01.000Z", "{range}");
    // The report says which year it took, to be read again alike.
    assert_eq!(r["settings"]["syslog_year"], 2019, "{}", r["settings"]);
    let guessed = json(&run_stdin(&["analyze", "-f", "json"], log.as_bytes()));
    assert!(guessed["settings"]["syslog_year"].is_null());
}

#[test]
fn bracketed_slash_dated_and_access_log_times_are_read() {
    let log = "[2026-02-06 10:00:00,250] ERROR kafka.server: broker 3 fenced\n\
               2026/02/06 10:00:01 dial tcp 10.0.0.9:5432: connect: connection refused\n\
               [2026-02-06 12:00:02 +0200] [7] [INFO] Booting worker with pid: 7\n\
               10.0.0.1 - - [06/Feb/2026:10:00:03 +0000] \"GET /ERROR HTTP/1.1\" 200 12\n\
               10.0.0.2 - - [06/Feb/2026:05:00:04 -0500] \"GET /health HTTP/1.1\" 503 2\n\
               \tat com.example.Main.run(Main.java:12)\n";
    let r = json(&run_stdin(
        &["analyze", "-f", "json", "--bucket", "1s"],
        log.as_bytes(),
    ));
    let range = &r["input"]["time_range"];
    assert_eq!(range["first"], "2026-02-06T10:00:00.250Z", "{range}");
    assert_eq!(range["last"], "2026-02-06T10:00:04.000Z", "{range}");
    let buckets = r["timeline"]["buckets"].as_array().unwrap();
    let starts: Vec<&str> = buckets
        .iter()
        .filter(|b| b["events"].as_u64().unwrap() > 0)
        .map(|b| b["start"].as_str().unwrap())
        .collect();
    assert_eq!(
        starts,
        [
            "2026-02-06T10:00:00Z",
            "2026-02-06T10:00:01Z",
            "2026-02-06T10:00:02Z",
            "2026-02-06T10:00:03Z",
            "2026-02-06T10:00:04Z"
        ]
    );
    // The kafka line's ERROR and the access log's 503 are errors; its `/ERROR` path is not.
    let errors: u64 = buckets.iter().map(|b| b["errors"].as_u64().unwrap()).sum();
    assert_eq!(errors, 2, "{buckets:?}");
    let last = buckets.iter().rfind(|b| b["events"].as_u64() > Some(0));
    assert_eq!(
        last.unwrap()["errors"],
        1,
        "the 503 is the error at 10:00:04"
    );
}

#[test]
fn plain_text_headers_come_off_the_messages_so_the_same_message_counts_together() {
    // The same four messages from four loggers, twice each at different times, threads and
    // pids: the header (time, pid or thread, level, logger, syslog host and program) differs,
    // the message does not.
    let log = "17/06/09 20:10:40 INFO storage.BlockManager: Found block rdd_2_0 locally\n\
               17/06/09 20:10:41 INFO storage.BlockManager: Found block rdd_2_0 locally\n\
               081109 203615 148 WARN dfs.DataNode$PacketResponder: PacketResponder 1 stalled\n\
               081109 203807 222 WARN dfs.DataNode$PacketResponder: PacketResponder 1 stalled\n\
               [Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6\n\
               [Sun Dec 04 04:51:08 2005] [error] mod_jk child workerEnv in error state 6\n\
               Dec 10 06:55:46 LabSZ sshd[24200]: Received disconnect from 10.0.0.1: 11: Bye Bye\n\
               Dec 10 07:02:11 LabSZ sshd[24388]: Received disconnect from 10.0.0.1: 11: Bye Bye\n";
    let r = json(&run_stdin(
        &["analyze", "-f", "json", "--syslog-year", "2025"],
        log.as_bytes(),
    ));
    let mut got = message_counts(&r);
    got.sort();
    assert_eq!(
        got,
        [
            ("Found block rdd_2_0 locally".to_string(), 2),
            ("PacketResponder 1 stalled".to_string(), 2),
            (
                "Received disconnect from 10.0.0.1: 11: Bye Bye".to_string(),
                2
            ),
            ("mod_jk child workerEnv in error state 6".to_string(), 2),
        ]
    );
    assert_eq!(r["text_levels"]["info"], 2, "{}", r["text_levels"]);
    assert_eq!(r["text_levels"]["warn"], 2, "{}", r["text_levels"]);
    assert_eq!(r["text_levels"]["error"], 2, "{}", r["text_levels"]);
    // Every line has a time: the ctime and two-digit-year forms too.
    let range = &r["input"]["time_range"];
    assert_eq!(range["first"], "2005-12-04T04:47:44.000Z", "{range}");
    assert_eq!(range["last"], "2025-12-10T07:02:11.000Z", "{range}");
}

#[test]
fn container_logs_give_the_applications_level_and_message() {
    // Docker's json-file driver and Kubernetes' CRI format around the same log4j lines.
    let mut log = String::new();
    for i in 0..3 {
        log += &format!(
            "{{\"log\":\"2026-02-06 10:00:0{i},100 ERROR [main] com.shop.Db: connection refused to db:5432\\n\",\"stream\":\"stderr\",\"time\":\"2026-02-06T10:00:0{i}.123456789Z\"}}\n"
        );
        log += &format!(
            "2026-02-06T10:00:0{i}.223456789Z stderr F 2026-02-06 10:00:0{i},200 WARN [main] com.shop.Api: slow request\n"
        );
    }
    let r = json(&run_stdin(&["analyze", "-f", "json"], log.as_bytes()));
    assert_eq!(r["levels"]["error"], 3, "{}", r["levels"]);
    assert_eq!(r["text_levels"]["warn"], 3, "{}", r["text_levels"]);
    let mut got = message_counts(&r);
    got.sort();
    assert_eq!(
        got,
        [
            ("connection refused to db:5432".to_string(), 3),
            ("slow request".to_string(), 3)
        ]
    );
}

/// A report's top messages with their counts, in report order.
fn message_counts(r: &serde_json::Value) -> Vec<(String, u64)> {
    r["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["message"].as_str().unwrap().to_string(),
                m["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// `--since`/`--until` on a file: the lines timed inside the window, and the lines without a
/// time after them (a stack trace, an event without a time), are analysed exactly as a file
/// holding only them would be; the rest are counted by why they were left out. Small chunks
/// put the window's edges and many stack traces across chunk starts.
#[test]
fn a_time_window_analyses_what_a_file_of_its_lines_would() {
    let dir = tempfile::tempdir().unwrap();
    // A banner before the first event has no event to go with.
    let mut all = String::from("service starting, no time on this line\n");
    let mut inside = String::new();
    let (mut before, mut after, untimed) = (0, 0, 1);
    let messages = [
        ("info", "request completed"),
        ("warn", "context deadline exceeded"),
        ("error", "pq: sorry, too many clients already"),
        ("debug", "cache refreshed"),
    ];
    for i in 0..3000u64 {
        // 09:00:00 plus 3.6 s a line: line 1000 is 10:00:00, line 2000 is 11:00:00.
        let ms = i * 3600;
        let (h, m, s, frac) = (
            9 + ms / 3_600_000,
            ms / 60_000 % 60,
            ms / 1000 % 60,
            ms % 1000,
        );
        let (level, msg) = messages[(i % 7 % 4) as usize];
        let line = format!(
            r#"{{"level":"{level}","ts":"2026-02-06T{h:02}:{m:02}:{s:02}.{frac:03}Z","msg":"{msg}","request_id":"req-{}","duration_ms":{}}}"#,
            i / 4,
            (i * 37) % 1000
        );
        let mut event = format!("{line}\n");
        if i % 100 == 50 || i % 100 == 99 {
            event.push_str("java.sql.SQLException: Connection refused\n");
            event.push_str("    at com.example.Db.connect(Db.java:42)\n");
            event.push_str("{\"level\":\"error\",\"msg\":\"no time here\"}\n");
        }
        all.push_str(&event);
        let lines = event.lines().count();
        match i {
            ..1000 => before += lines,
            1000..2000 => inside.push_str(&event),
            _ => after += lines,
        }
    }
    all.push_str("{\"level\":\"error\",\"ts\":\"2026-02-06T10:30:00Z\",\"msg\":\"cut\n");
    let (all_path, inside_path) = (dir.path().join("all.log"), dir.path().join("inside.log"));
    std::fs::write(&all_path, &all).unwrap();
    std::fs::write(&inside_path, &inside).unwrap();

    let analyses = ["--latency", "--traces", "--chunk-size", "4KiB"];
    let mut args = vec!["analyze", "-f", "json", path_str(&all_path)];
    args.extend([
        "--since",
        "2026-02-06T10:00",
        "--until",
        "2026-02-06T11:00:00Z",
    ]);
    args.extend(analyses);
    let out = run(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let windowed = json(&out);
    let mut args = vec!["analyze", "-f", "json", path_str(&inside_path)];
    args.extend(analyses);
    let reference = json(&run(&args));

    let w = &windowed["input"]["window"];
    assert_eq!(w["since"], "2026-02-06T10:00:00.000Z");
    assert_eq!(w["until"], "2026-02-06T11:00:00.000Z");
    assert_eq!(w["before"], before);
    assert_eq!(w["after"], after);
    assert_eq!(w["untimed"], untimed);
    assert_eq!(
        windowed["input"]["malformed"], 1,
        "counted whatever its time"
    );
    assert_eq!(windowed["input"]["events"], 1000 + 20);
    // Read in buffers (stdin), the chunks find the lines before them just as well.
    let mut args = vec!["analyze", "-f", "json", "-"];
    args.extend(&analyses);
    args.extend(["--since", "2026-02-06T10:00", "--until", "2026-02-06T11:00"]);
    let piped = json(&run_stdin(&args, all.as_bytes()));
    for key in ["levels", "messages", "timeline"] {
        assert_eq!(piped[key], windowed[key], "stdin: {key}");
    }
    assert_eq!(piped["input"]["window"], windowed["input"]["window"]);
    for key in ["non_json", "events_without_time", "formats"] {
        assert_eq!(windowed["input"][key], reference["input"][key], "{key}");
    }
    for key in ["levels", "messages", "timeline"] {
        assert_eq!(windowed[key], reference[key], "{key}");
    }
    assert_eq!(
        windowed["input"]["time_range"],
        reference["input"]["time_range"]
    );
    let ids = |r: &serde_json::Value| -> Vec<(String, u64)> {
        let hits = r["patterns"].as_array().unwrap().iter();
        hits.map(|p| {
            (
                p["id"].as_str().unwrap().into(),
                p["count"].as_u64().unwrap(),
            )
        })
        .collect()
    };
    assert!(!ids(&reference).is_empty());
    assert_eq!(ids(&windowed), ids(&reference));
    assert_eq!(ids(&piped), ids(&reference));
    assert_eq!(
        windowed["latency"]["overall"],
        reference["latency"]["overall"]
    );
    assert_eq!(
        windowed["latency"]["slowest"][0]["duration_ms"],
        reference["latency"]["slowest"][0]["duration_ms"]
    );
    for key in ["count", "with_errors", "events_per_trace", "span_ms"] {
        assert_eq!(
            windowed["traces"][key], reference["traces"][key],
            "traces.{key}"
        );
    }

    // The text report says what the window left out; read in buffers (stdin), not mapped.
    let out = run_stdin(
        &[
            "analyze",
            "-",
            "--chunk-size",
            "4KiB",
            "--since",
            "2026-02-06T10:00",
        ],
        all.as_bytes(),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!(
            "before {},{:03}   after 0   without a time {untimed}",
            before / 1000,
            before % 1000
        )),
        "{text}"
    );
}

#[test]
fn time_window_mistakes_are_one_line_usage_errors() {
    let sample = "samples/incident.log";
    for (args, says) in [
        (
            vec!["--since", "2026-02-06T15:00", "--until", "2026-02-06T14:00"],
            "later than",
        ),
        (vec!["--since", "14:05"], "is not a time"),
        (vec!["--until", "5y"], "unknown unit"),
    ] {
        let mut a = vec!["analyze", sample];
        a.extend(args);
        let out = run(&a);
        assert_eq!(out.status.code(), Some(2), "{a:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(says) && err.trim().lines().count() == 1,
            "{err}"
        );
    }
    // `watch` reads live input, which a window over past times does not fit: it says so
    // rather than ignore it.
    let out = run_stdin(&["watch", "--since", "1h"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`watch` takes them with --log-group"));
}

/// `--last` counts back from the newest timestamp at the end of the files (gzip decoded first),
/// or from `--until`; standard input has no known end, and says so.
#[test]
fn last_counts_back_from_the_newest_time_of_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let line = |minute: u32| {
        format!("{{\"level\":\"error\",\"ts\":\"2026-02-06T10:{minute:02}:00Z\",\"msg\":\"m {minute}\"}}\n")
    };
    // 10:00 … 10:09, with 10:08 logged after 10:09 and a line without a time last.
    let mut plain: String = [0, 1, 2, 3, 4, 5, 6, 7, 9, 8]
        .into_iter()
        .map(line)
        .collect();
    plain.push_str("    at the end of a stack trace\n");
    let plain_path = dir.path().join("a.log");
    std::fs::write(&plain_path, &plain).unwrap();
    let events = |args: &[&str]| {
        let mut a = vec!["analyze", "-f", "json"];
        a.extend(args);
        let out = run(&a);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let r = json(&out);
        (r["input"]["events"].clone(), r["input"]["window"].clone())
    };
    let p = path_str(&plain_path);
    let (n, w) = events(&[p, "--last", "5m"]);
    assert_eq!(w["since"], "2026-02-06T10:04:00.000Z");
    assert!(w["until"].is_null(), "{w}");
    assert_eq!(n, 6, "10:04 to 10:09");
    let (n, w) = events(&[p, "--last", "5m", "--until", "2026-02-06T10:03"]);
    assert_eq!(w["since"], "2026-02-06T09:58:00.000Z");
    assert_eq!(n, 3, "10:00, 10:01, 10:02");

    // A gzip file whose end is later moves the end for both files.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, line(30).as_bytes()).unwrap();
    let gz_path = dir.path().join("b.log.gz");
    std::fs::write(&gz_path, gz.finish().unwrap()).unwrap();
    let (n, w) = events(&[p, path_str(&gz_path), "--last", "25m"]);
    assert_eq!(w["since"], "2026-02-06T10:05:00.000Z");
    assert_eq!(n, 6, "10:05 to 10:09, and 10:30");

    let out = run_stdin(&["analyze", "--last", "5m"], plain.as_bytes());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--last needs files") && err.trim().lines().count() == 1,
        "{err}"
    );
    let untimed = dir.path().join("untimed.log");
    std::fs::write(&untimed, "no time\nstill none\n").unwrap();
    let out = run(&["analyze", path_str(&untimed), "--last", "5m"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has a timestamp"));

    // A log that ends in more than a MiB without a time (a long dump after a crash): the
    // newest time is found further back, plain or gzip.
    let mut dumped = plain.clone();
    for i in 0..40_000 {
        dumped.push_str(&format!("    frame {i} of a very long dump\n"));
    }
    assert!(dumped.len() > 1 << 20);
    let dumped_path = dir.path().join("dumped.log");
    std::fs::write(&dumped_path, &dumped).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, dumped.as_bytes()).unwrap();
    let dumped_gz = dir.path().join("dumped.log.gz");
    std::fs::write(&dumped_gz, gz.finish().unwrap()).unwrap();
    for p in [&dumped_path, &dumped_gz] {
        let (n, w) = events(&[path_str(p), "--last", "5m"]);
        assert_eq!(w["since"], "2026-02-06T10:04:00.000Z");
        assert_eq!(n, 6, "10:04 to 10:09");
    }
}

/// A Python traceback has no time of its own: in a window it stays with the error line before
/// it, so the catalog still names the exception on its last line (it was once left out).
#[test]
fn a_window_keeps_a_traceback_with_its_event() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("agent.log");
    let failure = |minute: u32| {
        format!(
            "2026-02-06 10:{minute:02}:00,000 ERROR agent invocation failed\n\
             Traceback (most recent call last):\n  File \"/app/main.py\", line 12, in <module>\n\
             botocore.exceptions.ClientError: An error occurred (AccessDeniedException) when \
             calling the InvokeAgentRuntime operation: not authorized\n"
        )
    };
    let log = [
        "2026-02-06 09:59:00,000 INFO app started\n".to_string(),
        failure(0),
        failure(5),
        "2026-02-06 10:06:00,000 INFO ok\n".to_string(),
    ]
    .concat();
    std::fs::write(&path, log).unwrap();
    let r = json(&run(&[
        "analyze",
        "-f",
        "json",
        path_str(&path),
        "--since",
        "2026-02-06 10:04",
    ]));
    let count = |id: &str| {
        r["patterns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .map(|p| p["count"].as_u64().unwrap())
    };
    assert_eq!(count("generic.access-denied-exception"), Some(1), "{r}");
    assert_eq!(count("generic.python-traceback"), Some(1), "{r}");
    let w = &r["input"]["window"];
    assert_eq!((&w["before"], &w["untimed"]), (&5.into(), &0.into()), "{w}");
}

/// `filter`, `mine` and `trace` take the same window as `analyze`, over each line's own time.
#[test]
fn filter_mine_and_trace_keep_to_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.log");
    let mut log = String::new();
    for minute in 0..10 {
        log.push_str(&format!(
            "{{\"level\":\"error\",\"ts\":\"2026-02-06T10:{minute:02}:00Z\",\"msg\":\"disk {minute} full\",\"request_id\":\"req-7\"}}\n"
        ));
        log.push_str("    continuation without a time, req-7 error\n");
    }
    std::fs::write(&path, log).unwrap();
    let p = path_str(&path);
    let window = ["--since", "2026-02-06T10:03", "--until", "2026-02-06 10:06"];

    // Minutes 3, 4 and 5, each with the line without a time after it; also when every line
    // is a chunk of its own (the line after an event looks back past its chunk's start), read
    // from a map or in buffers.
    for extra in [
        &[][..],
        &["--chunk-size", "1"],
        &["--chunk-size", "1", "--no-mmap"],
    ] {
        let mut args = vec!["filter", "error", p];
        args.extend(window);
        args.extend(extra);
        let out = run(&args);
        let selected = String::from_utf8_lossy(&out.stdout);
        let minutes: Vec<&str> = selected
            .lines()
            .map(|l| match l.find("T10:") {
                Some(i) => &l[i + 4..i + 6],
                None => "+",
            })
            .collect();
        assert_eq!(
            minutes,
            ["03", "+", "04", "+", "05", "+"],
            "{extra:?}: {selected}"
        );
    }
    let out = run(&["filter", "error", p, "--since", "2027-01-01"]);
    assert_eq!(out.status.code(), Some(1), "nothing selected");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("20 matching line(s) outside --since/--until"),
        "{err}"
    );

    let mut args = vec!["mine", "-f", "json", p];
    args.extend(window);
    let mined = json(&run(&args));
    // Each event and the line without a time after it.
    assert_eq!(mined["messages"], 6);
    assert_eq!(mined["window"]["before"], 6);
    assert_eq!(mined["window"]["after"], 8);
    assert_eq!(mined["window"]["untimed"], 0);
    let templates: Vec<(&str, u64)> = mined["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["template"].as_str().unwrap(),
                t["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(templates.contains(&("disk <*> full", 3)), "{templates:?}");
    assert_eq!(templates.len(), 2, "{templates:?}");

    let mut args = vec!["trace", "-f", "json", "req-7", p];
    args.extend(window);
    let t = json(&run(&args));
    let minutes: Vec<Option<&str>> = t["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["ts"].as_str())
        .collect();
    // The lines without a time (they name the request) go with their events, listed last.
    assert_eq!(
        minutes,
        [
            Some("2026-02-06T10:03:00.000Z"),
            Some("2026-02-06T10:04:00.000Z"),
            Some("2026-02-06T10:05:00.000Z"),
            None,
            None,
            None
        ]
    );
    assert_eq!(t["window"]["before"], 6);
    assert_eq!(t["window"]["after"], 8);
    let out = run(&["trace", "req-7", p, "--since", "2027-01-01"]);
    assert_eq!(out.status.code(), Some(1), "no event in the window");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("20 event(s) of the request outside --since/--until"),
        "{text}"
    );
    assert!(!text.contains("no event carries"), "{text}");
}

/// A UTF-16 log (what PowerShell's `>` writes) is decoded: the same report as its UTF-8 text,
/// from a file, through gzip or from stdin, with or without a byte order mark.
#[test]
fn utf16_logs_are_decoded_not_malformed() {
    let dir = tempfile::tempdir().unwrap();
    let text = "{\"level\":\"error\",\"ts\":\"2026-02-06T10:00:00Z\",\"msg\":\"pq: sorry, too many clients already — café\"}\r\n\
                {\"level\":\"info\",\"ts\":\"2026-02-06T10:00:01Z\",\"msg\":\"request completed 😀\",\"request_id\":\"req-1\"}\r\n\
                2026-02-06 10:00:02 WARN plain text line\r\n";
    let utf8 = dir.path().join("utf8.log");
    std::fs::write(&utf8, text).unwrap();
    let reference = json(&run(&["analyze", "-f", "json", path_str(&utf8)]));
    let le_bom: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let le_path = dir.path().join("le.log");
    std::fs::write(&le_path, &le_bom).unwrap();
    let gz_path = dir.path().join("le.log.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &le_bom).unwrap();
    std::fs::write(&gz_path, gz.finish().unwrap()).unwrap();

    let from_file = json(&run(&["analyze", "-f", "json", path_str(&le_path)]));
    let from_gzip = json(&run(&["analyze", "-f", "json", path_str(&gz_path)]));
    let from_stdin = json(&run_stdin(&["analyze", "-f", "json", "-"], &be));
    for (what, r, encoding) in [
        ("file", &from_file, "utf-16le"),
        ("gzip", &from_gzip, "utf-16le"),
        ("stdin", &from_stdin, "utf-16be"),
    ] {
        assert_eq!(r["input"]["malformed"], 0, "{what}");
        assert_eq!(r["input"]["invalid_utf8"], 0, "{what}");
        assert_eq!(r["input"]["sources"][0]["encoding"], encoding, "{what}");
        for key in ["levels", "text_levels", "messages", "timeline"] {
            assert_eq!(r[key], reference[key], "{what}: {key}");
        }
        assert_eq!(r["input"]["events"], reference["input"]["events"], "{what}");
    }
    assert!(reference["input"]["sources"][0].get("encoding").is_none());
    let text_report = run(&["analyze", path_str(&le_path)]);
    let shown = String::from_utf8_lossy(&text_report.stdout);
    assert!(
        shown.contains("decoded from UTF-16:") && shown.contains("(utf-16le)"),
        "{shown}"
    );

    // Every command reads it: filter prints the lines as UTF-8.
    let out = run(&["filter", "café", path_str(&le_path)]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        text.lines().next().unwrap().to_string() + "\r\n"
    );
}

#[test]
fn a_named_request_id_field_groups_the_traces() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("corr.log");
    std::fs::write(
        &log,
        concat!(
            r#"{"level":"info","ts":"2026-02-06T10:00:00Z","msg":"start","corr":"c-1","request_id":"a"}"#,
            "\n",
            r#"{"level":"error","ts":"2026-02-06T10:00:01Z","msg":"failed","corr":"c-1","request_id":"b"}"#,
            "\n",
            r#"{"level":"info","ts":"2026-02-06T10:00:02Z","msg":"done","corr":"c-1","request_id":"c"}"#,
            "\n",
        ),
    )
    .unwrap();
    let traces = |flags: &[&str]| {
        let mut args = vec!["analyze", "-f", "json", "--traces"];
        args.extend(flags);
        args.push(path_str(&log));
        json(&run(&args))["traces"].clone()
    };
    let by_alias = traces(&[]);
    assert_eq!(by_alias["count"], 3, "request_id, one event each");
    for flag in ["--request-id-field", "--trace-field"] {
        let t = traces(&[flag, "corr"]);
        assert_eq!(t["count"], 1, "{flag}");
        assert_eq!(t["with_errors"], 1, "{flag}");
        assert_eq!(t["slowest"][0]["request_id"], "c-1", "{flag}");
        assert_eq!(t["slowest"][0]["events"], 3, "{flag}");
        assert_eq!(t["slowest"][0]["span_ms"], 2000.0, "{flag}");
    }
    // `trace` reads the same field.
    let out = run(&[
        "trace",
        "-f",
        "json",
        "c-1",
        "--trace-field",
        "corr",
        path_str(&log),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json(&out)["events"].as_array().unwrap().len(), 3);
    let out = run(&["trace", "c-1", path_str(&log)]);
    assert_eq!(out.status.code(), Some(1), "c-1 is no request_id");
}

/// A plain-text line joins a trace by a `request_id=…` pair, with JSON events of the same
/// request, and its level and header count as an event's.
#[test]
fn plain_text_lines_join_traces_by_a_request_id_pair() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("text.log");
    std::fs::write(
        &log,
        concat!(
            "2026-02-06 10:00:00,000 INFO [main] com.shop.Api: received request_id=req-1 path=/pay\n",
            r#"{"level":"info","ts":"2026-02-06T10:00:00.500Z","msg":"charging","request_id":"req-1"}"#,
            "\n",
            "2026-02-06 10:00:02,000 ERROR [main] com.shop.Db: timeout (request_id=req-1, try=2)\n",
            "2026-02-06 10:00:03,000 INFO [main] com.shop.Api: received req_id=\"req-2\"\n",
            "2026-02-06 10:00:04,000 INFO [main] com.shop.Api: no id here, only my_request_id=x\n",
        ),
    )
    .unwrap();
    let t = json(&run(&["analyze", "-f", "json", "--traces", path_str(&log)]))["traces"].clone();
    assert_eq!(t["count"], 2, "{t}");
    assert_eq!(t["with_errors"], 1, "{t}");
    let slowest = &t["slowest"][0];
    assert_eq!(slowest["request_id"], "req-1");
    assert_eq!(slowest["events"], 3);
    assert_eq!(slowest["span_ms"], 2000.0);
    let group = &t["error_groups"][0];
    assert_eq!(group["count"], 1, "{group}");
    // `--request-id-field` names the key in text too.
    let t = json(&run(&[
        "analyze",
        "-f",
        "json",
        "--traces",
        "--request-id-field",
        "my_request_id",
        path_str(&log),
    ]))["traces"]
        .clone();
    assert_eq!(t["count"], 1, "{t}");
}

/// A plain-text line's `duration_ms=…` (or `took=1.5s`, any duration field's name) is its
/// duration: in the latency report with its service and message groups and its request id, and
/// in its trace; `--latency-field` names the key in text too.
#[test]
fn plain_text_lines_have_a_duration_by_a_key_value_pair() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("text.log");
    std::fs::write(
        &log,
        concat!(
            "2026-02-06 10:00:00,000 INFO [main] com.shop.Api: GET /pay done duration_ms=120 request_id=req-1\n",
            "2026-02-06 10:00:01,000 INFO [main] com.shop.Api: GET /pay done duration_ms=80 request_id=req-2\n",
            "2026/02/06 10:00:02 [error] 1#1: *5 upstream answered took=1.5s\n",
            "2026-02-06 10:00:03,000 WARN [main] com.shop.Db: slow query elapsed_ms=12x\n",
            "2026-02-06 10:00:03,500 WARN [main] com.shop.Db: latency=high, words are no duration\n",
            "2026-02-06 10:00:04,000 INFO [main] com.shop.Api: no duration here, my_duration_ms=9\n",
        ),
    )
    .unwrap();
    let r = latency_and_traces(path_str(&log));
    let l = &r["latency"];
    assert_eq!(l["overall"]["count"], 3, "{l}");
    assert_eq!(l["overall"]["max"], 1500.0, "{l}");
    assert_eq!(l["unparsable"], 1, "{l}");
    let slowest: Vec<(&str, f64)> = l["slowest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["request_id"].as_str().unwrap_or("-"),
                e["duration_ms"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(slowest, [("-", 1500.0), ("req-1", 120.0), ("req-2", 80.0)]);
    let api = l["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["by"] == "service" && g["key"] == "com.shop.Api")
        .unwrap_or_else(|| panic!("no service group in {l}"));
    assert_eq!(api["count"], 2);
    assert_eq!(api["max"], 120.0);
    let trace = &r["traces"]["slowest"][0];
    assert_eq!(trace["request_id"], "req-1", "{trace}");
    assert_eq!(trace["slowest_event"]["duration_ms"], 120.0, "{trace}");
    // `trace` reads it too.
    let t = json(&run(&["trace", "-f", "json", "req-1", path_str(&log)]));
    assert_eq!(t["events"][0]["duration_ms"], 120.0, "{t}");
    // Named with a unit, the field is read in it; other duration keys are not read.
    let l = json(&run(&[
        "analyze",
        "-f",
        "json",
        "--latency",
        "--latency-field",
        "duration_ms:s",
        path_str(&log),
    ]))["latency"]
        .clone();
    assert_eq!(l["overall"]["count"], 2, "{l}");
    assert_eq!(l["overall"]["max"], 120_000.0, "{l}");
    assert_eq!(l["unparsable"], 0, "{l}");
}

#[test]
fn spring_trace_ids_and_celery_task_ids_in_text_headers_make_traces() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("text.log");
    let t1 = "65a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5";
    let t2 = "77a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5";
    let task = "8e5b1a2c-3d4e-4f5a-9b6c-7d8e9f0a1b2c";
    std::fs::write(
        &log,
        format!(
            "2026-02-06 10:00:00.000  INFO [shop,{t1},1a2b3c4d5e6f7a8b] 4242 --- [nio-1] c.e.Api : order placed\n\
             2026-02-06 10:00:00.400 ERROR [shop,{t1},2b3c4d5e6f7a8b9c] 4242 --- [nio-1] c.e.Db  : pool exhausted\n\
             2026-02-06 10:00:01.000  INFO [shop,,] 4242 --- [main] c.e.App : housekeeping\n\
             2026-02-06T10:00:01.500Z  WARN 4242 --- [shop] [nio-2] [{t2}-1a2b3c4d5e6f7a8b] c.e.Api : slow\n\
             2026-02-06T10:00:01.700Z  INFO 4242 --- [shop] [nio-2] [{t2}-2b3c4d5e6f7a8b9c] c.e.Api : answered\n\
             [2026-02-06 10:00:02,000: INFO/MainProcess] Task tasks.email.send[{task}] received\n\
             [2026-02-06 10:00:02,100: WARNING/ForkPoolWorker-1] tasks.email.send[{task}]: smtp slow\n\
             [2026-02-06 10:00:02,350: INFO/ForkPoolWorker-1] Task tasks.email.send[{task}] succeeded in 0.25s: None\n"
        ),
    )
    .unwrap();
    let r = latency_and_traces(path_str(&log));
    let traces = &r["traces"];
    assert_eq!(traces["count"], 3, "{traces}");
    assert_eq!(traces["with_errors"], 1, "{traces}");
    let by_id = |id: &str| {
        traces["slowest"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["request_id"] == id)
            .unwrap_or_else(|| panic!("no trace {id} in {traces}"))
            .clone()
    };
    let spring = by_id(t1);
    assert_eq!(spring["events"], 2, "{spring}");
    assert_eq!(spring["span_ms"], 400.0, "{spring}");
    assert_eq!(
        spring["first_error"]["message"], "pool exhausted",
        "{spring}"
    );
    assert_eq!(spring["first_error"]["service"], "c.e.Db", "{spring}");
    // Spring Boot 3.2's `[trace-span]`: its trace, and `trace` finds it though the id is no
    // word of its own there.
    assert_eq!(by_id(t2)["events"], 2);
    let t = json(&run(&["trace", "-f", "json", t2, path_str(&log)]));
    assert_eq!(t["events"].as_array().unwrap().len(), 2, "{t}");
    let celery = by_id(task);
    assert_eq!(celery["events"], 3, "{celery}");
    assert_eq!(celery["services"], serde_json::json!(["tasks.email.send"]));
    assert_eq!(celery["slowest_event"]["duration_ms"], 250.0, "{celery}");
    let l = &r["latency"];
    assert_eq!(l["overall"]["count"], 1, "{l}");
    assert_eq!(l["slowest"][0]["request_id"], task, "{l}");
    // The messages are Spring's, without its trace context.
    let messages = sorted_messages(&r);
    assert!(messages.contains(&"pool exhausted"), "{messages:?}");
    assert!(messages.contains(&"housekeeping"), "{messages:?}");
    // `trace` finds the task's lines by its id.
    let t = json(&run(&["trace", "-f", "json", task, path_str(&log)]));
    assert_eq!(t["events"].as_array().unwrap().len(), 3, "{t}");
    assert_eq!(t["events"][2]["duration_ms"], 250.0, "{t}");
    // With `--request-id-field`, only that field is read.
    let r = json(&run(&[
        "analyze",
        "-f",
        "json",
        "--traces",
        "--request-id-field",
        "jid",
        path_str(&log),
    ]));
    assert_eq!(r["traces"]["count"], 0, "{}", r["traces"]);
}

/// A Celery worker's lines as Docker's json-file driver keeps them: the task's id and run time
/// come from the text inside each event, as they do from the bare lines.
#[test]
fn celery_lines_wrapped_by_docker_give_the_task_id_and_its_run_time() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("container-json.log");
    let task = "8e5b1a2c-3d4e-4f5a-9b6c-7d8e9f0a1b2c";
    let line = |time: &str, text: &str| {
        format!("{{\"log\":\"{text}\\n\",\"stream\":\"stderr\",\"time\":\"2026-02-06T{time}Z\"}}\n")
    };
    let mut text = String::new();
    text += &line(
        "10:00:02.000",
        &format!("[2026-02-06 10:00:02,000: INFO/MainProcess] Task tasks.ping[{task}] received"),
    );
    text += &line(
        "10:00:02.100",
        &format!("[2026-02-06 10:00:02,100: INFO/ForkPoolWorker-1] Task tasks.ping[{task}] succeeded in 6.1e-05s: 'pong'"),
    );
    std::fs::write(&log, text).unwrap();
    let r = latency_and_traces(path_str(&log));
    assert_eq!(r["input"]["formats"]["json"], 2, "{}", r["input"]);
    assert_eq!(r["traces"]["count"], 1, "{}", r["traces"]);
    assert_eq!(r["traces"]["slowest"][0]["request_id"], task);
    let l = &r["latency"];
    assert_eq!(l["overall"]["count"], 1, "{l}");
    assert_eq!(l["slowest"][0]["duration_ms"], 0.061, "{l}");
    assert_eq!(l["slowest"][0]["request_id"], task, "{l}");
}

/// A Rails production log (Ruby's Logger, the request id tag) and a Laravel one (Monolog): their
/// headers give the time, level and logger; Rails' request id makes traces and its `Completed …
/// in 900ms` the latency; the messages are the application's, without the headers.
#[test]
fn rails_and_laravel_logs_give_levels_traces_and_request_durations() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("production.log");
    let (a, b) = (
        "0b8f2c1e-7d3a-4e5b-9c6d-1f2a3b4c5d6e",
        "1c9a3d2f-8e4b-4f6c-ad7e-2a3b4c5d6e7f",
    );
    std::fs::write(
        &log,
        format!(
            "I, [2026-02-06T10:00:04.000001 #1234]  INFO -- : [{a}] Started GET \"/orders\" for 10.0.0.1 at 2026-02-06 10:00:04 +0000\n\
             I, [2026-02-06T10:00:04.900001 #1234]  INFO -- : [{a}] Completed 200 OK in 900ms (Views: 12.3ms | ActiveRecord: 880.1ms)\n\
             I, [2026-02-06T10:00:05.000001 #1234]  INFO -- : [{b}] Started POST \"/pay\" for 10.0.0.2 at 2026-02-06 10:00:05 +0000\n\
             E, [2026-02-06T10:00:10.000001 #1234] ERROR -- : [{b}] ActiveRecord::ConnectionTimeoutError (could not obtain a connection from the pool within 5.000 seconds)\n\
             I, [2026-02-06T10:00:10.000101 #1234]  INFO -- : [{b}] Completed 500 Internal Server Error in 5000ms (ActiveRecord: 0.0ms)\n\
             [2026-02-06 10:00:11] production.ERROR: SQLSTATE[HY000] [2002] Connection refused {{\"exception\":\"x\"}} []\n\
             [2026-02-06 10:00:12] production.INFO: queue drained [] []\n"
        ),
    )
    .unwrap();
    let r = latency_and_traces(path_str(&log));
    let levels = &r["text_levels"];
    assert_eq!(levels["error"], 2, "{levels}");
    assert_eq!(levels["info"], 5, "{levels}");
    let traces = &r["traces"];
    assert_eq!(traces["count"], 2, "{traces}");
    assert_eq!(traces["with_errors"], 1, "{traces}");
    let l = &r["latency"];
    assert_eq!(l["overall"]["count"], 2, "{l}");
    assert_eq!(l["slowest"][0]["request_id"], b, "{l}");
    assert_eq!(l["slowest"][0]["duration_ms"], 5000.0, "{l}");
    assert_eq!(l["slowest"][1]["duration_ms"], 900.0, "{l}");
    let messages = sorted_messages(&r);
    assert!(messages.contains(&"queue drained [] []"), "{messages:?}");
    assert!(
        messages.contains(&"Started POST \"/pay\" for 10.0.0.2 at 2026-02-06 10:00:05 +0000"),
        "{messages:?}"
    );
    let range = &r["input"]["time_range"];
    assert_eq!(range["first"], "2026-02-06T10:00:04.000Z", "{range}");
    assert_eq!(range["last"], "2026-02-06T10:00:12.000Z", "{range}");
}

/// Sidekiq's job context, in its text log and in its JSON one: the job's `jid` is the request
/// id, its class the service, and `elapsed` is in seconds.
#[test]
fn sidekiq_jobs_are_traces_with_their_elapsed_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("sidekiq.log");
    std::fs::write(
        &text,
        "2026-02-06T10:00:05.000Z pid=7 tid=2xk class=HardJob jid=b4a1c2d3 INFO: start\n\
         2026-02-06T10:00:05.400Z pid=7 tid=2xk class=HardJob jid=b4a1c2d3 WARN: retrying the API call\n\
         2026-02-06T10:00:05.512Z pid=7 tid=2xk class=HardJob jid=b4a1c2d3 elapsed=0.512 INFO: done\n\
         2026-02-06T10:00:06.000Z pid=7 tid=3yz class=MailJob jid=e5f6a7b8 INFO: start\n\
         2026-02-06T10:00:06.020Z pid=7 tid=3yz class=MailJob jid=e5f6a7b8 elapsed=0.02 ERROR: fail\n\
         2026-02-06T10:00:07.000Z pid=7 tid=1ab INFO: Running in ruby 3.3.0\n",
    )
    .unwrap();
    let json_log = dir.path().join("sidekiq.json");
    std::fs::write(
        &json_log,
        r#"{"ts":"2026-02-06T10:00:05.000Z","pid":7,"tid":"2xk","lvl":"INFO","msg":"start","ctx":{"class":"HardJob","jid":"b4a1c2d3"}}
{"ts":"2026-02-06T10:00:05.400Z","pid":7,"tid":"2xk","lvl":"WARN","msg":"retrying the API call","ctx":{"class":"HardJob","jid":"b4a1c2d3"}}
{"ts":"2026-02-06T10:00:05.512Z","pid":7,"tid":"2xk","lvl":"INFO","msg":"done","ctx":{"class":"HardJob","jid":"b4a1c2d3","elapsed":0.512}}
{"ts":"2026-02-06T10:00:06.000Z","pid":7,"tid":"3yz","lvl":"INFO","msg":"start","ctx":{"class":"MailJob","jid":"e5f6a7b8"}}
{"ts":"2026-02-06T10:00:06.020Z","pid":7,"tid":"3yz","lvl":"ERROR","msg":"fail","ctx":{"class":"MailJob","jid":"e5f6a7b8","elapsed":0.02}}
{"ts":"2026-02-06T10:00:07.000Z","pid":7,"tid":"1ab","lvl":"INFO","msg":"Running in ruby 3.3.0"}
"#,
    )
    .unwrap();
    for log in [&text, &json_log] {
        let r = latency_and_traces(path_str(log));
        let traces = &r["traces"];
        assert_eq!(traces["count"], 2, "{log:?}: {traces}");
        assert_eq!(traces["with_errors"], 1, "{log:?}: {traces}");
        let hard = traces["slowest"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["request_id"] == "b4a1c2d3")
            .unwrap_or_else(|| panic!("{log:?}: no job b4a1c2d3 in {traces}"));
        assert_eq!(hard["events"], 3, "{log:?}: {hard}");
        assert_eq!(hard["services"], serde_json::json!(["HardJob"]), "{log:?}");
        let l = &r["latency"];
        assert_eq!(l["overall"]["count"], 2, "{log:?}: {l}");
        assert_eq!(l["overall"]["max"], 512.0, "{log:?}: {l}");
        assert_eq!(l["slowest"][0]["request_id"], "b4a1c2d3", "{log:?}: {l}");
        assert_eq!(l["slowest"][1]["duration_ms"], 20.0, "{log:?}: {l}");
        let mut services: Vec<&str> = l["groups"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["by"] == "service")
            .map(|g| g["key"].as_str().unwrap())
            .collect();
        services.sort_unstable();
        assert_eq!(services, ["HardJob", "MailJob"], "{log:?}: {l}");
        // `trace` finds the job's lines by its id.
        let t = json(&run(&["trace", "-f", "json", "b4a1c2d3", path_str(log)]));
        assert_eq!(t["events"].as_array().unwrap().len(), 3, "{log:?}: {t}");
        assert_eq!(t["events"][2]["duration_ms"], 512.0, "{log:?}: {t}");
    }
}

/// `samples/lambda.log`, `aws logs tail` of a Node.js and a Python function: each invocation is
/// a trace by its request id, REPORT's duration is its latency, and the platform's timeout and
/// runtime exit are errors with their catalog patterns.
#[test]
fn aws_lambda_invocations_are_traces_with_their_reported_durations() {
    let r = latency_and_traces("samples/lambda.log");
    let traces = &r["traces"];
    assert_eq!(traces["count"], 4, "{traces}");
    // The KeyError, the timeout and the runtime's exit.
    assert_eq!(traces["with_errors"], 3, "{traces}");
    let slowest = &traces["slowest"][0];
    assert_eq!(
        slowest["request_id"],
        "7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"
    );
    assert_eq!(slowest["events"], 6, "{slowest}");
    assert_eq!(
        slowest["first_error"]["message"],
        "Task timed out after 3.00 seconds"
    );
    let l = &r["latency"];
    assert_eq!(l["overall"]["count"], 4, "{l}");
    assert_eq!(l["overall"]["max"], 3000.0, "{l}");
    let durations: Vec<f64> = l["slowest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["duration_ms"].as_f64().unwrap())
        .collect();
    assert_eq!(durations, [3000.0, 949.87, 294.61, 130.4]);
    let levels = &r["text_levels"];
    assert_eq!(
        (
            levels["info"].as_u64(),
            levels["warn"].as_u64(),
            levels["error"].as_u64()
        ),
        (Some(5), Some(1), Some(3))
    );
    let ids: Vec<&str> = r["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    for id in ["generic.lambda-timeout", "generic.lambda-runtime-exited"] {
        assert!(ids.contains(&id), "{id} not in {ids:?}");
    }
    // The runtimes' headers come off the messages.
    let messages = sorted_messages(&r);
    assert!(messages.contains(&"fetching order 1042"), "{messages:?}");
    assert!(messages.contains(&"KeyError: 'bucket'"), "{messages:?}");
    // `trace` lists an invocation; REPORT's long line is cut before its duration, not after.
    let t = run(&[
        "trace",
        "7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6",
        "samples/lambda.log",
    ]);
    let t = String::from_utf8_lossy(&t.stdout).into_owned();
    assert!(t.contains("6 events"), "{t}");
    let report = t.lines().find(|l| l.contains("REPORT")).unwrap();
    assert!(report.contains('…') && report.ends_with("3.000 s"), "{t}");

    // Lambda's JSON log format: the platform's events nest the request id and the duration.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("lambda.json");
    let id = "6d68ca91-49c9-448d-89b8-7ca3e6dc66aa";
    std::fs::write(
        &log,
        format!(
            "{{\"time\":\"2026-02-06T10:00:00.000Z\",\"type\":\"platform.start\",\"record\":{{\"requestId\":\"{id}\",\"version\":\"$LATEST\"}}}}\n\
             {{\"timestamp\":\"2026-02-06T10:00:00.100Z\",\"level\":\"ERROR\",\"requestId\":\"{id}\",\"message\":\"charge failed\"}}\n\
             {{\"time\":\"2026-02-06T10:00:00.500Z\",\"type\":\"platform.report\",\"record\":{{\"requestId\":\"{id}\",\"metrics\":{{\"durationMs\":420.5,\"billedDurationMs\":421,\"memorySizeMB\":128,\"maxMemoryUsedMB\":70}},\"status\":\"success\"}}}}\n"
        ),
    )
    .unwrap();
    let r = latency_and_traces(path_str(&log));
    assert_eq!(r["traces"]["count"], 1, "{}", r["traces"]);
    assert_eq!(r["traces"]["slowest"][0]["events"], 3);
    assert_eq!(r["traces"]["slowest"][0]["span_ms"], 500.0);
    assert_eq!(r["latency"]["slowest"][0]["duration_ms"], 420.5);
    assert_eq!(r["latency"]["slowest"][0]["request_id"], id);
}

#[test]
fn open_traces_past_the_cap_are_evicted_oldest_first() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("ids.log");
    let mut text = String::new();
    for i in 0..300 {
        text.push_str(&format!(
            "{{\"level\":\"info\",\"ts\":\"2026-02-06T10:00:{:02}.{:03}Z\",\"msg\":\"hit\",\"request_id\":\"r{i}\"}}\n",
            i / 1000,
            i % 1000
        ));
    }
    // The first request again, a second later: still open without a cap, evicted with one.
    text.push_str(
        "{\"level\":\"error\",\"ts\":\"2026-02-06T10:00:01Z\",\"msg\":\"late\",\"request_id\":\"r0\"}\n",
    );
    std::fs::write(&log, text).unwrap();
    let traces = |flags: &[&str]| {
        let mut args = vec!["analyze", "-f", "json", "--traces", "--chunk-size", "2KiB"];
        args.extend(flags);
        args.push(path_str(&log));
        json(&run(&args))["traces"].clone()
    };
    let all = traces(&[]);
    assert_eq!((&all["count"], &all["evicted"]), (&300.into(), &0.into()));
    let capped = traces(&["--max-open-traces", "100"]);
    assert_eq!(capped["count"], 301, "r0 evicted, then a new trace");
    assert!(capped["evicted"].as_u64().unwrap() >= 200, "{capped}");
    assert_eq!(capped["with_errors"], 1);
    // Every thread count evicts the same traces.
    for threads in ["1", "3"] {
        assert_eq!(traces(&["--max-open-traces", "100", "-j", threads]), capped);
    }
    let out = run(&[
        "analyze",
        "--traces",
        "--max-open-traces",
        "0",
        path_str(&log),
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_long_request_id_is_kept_as_its_start_and_a_hash() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("long.log");
    let a = format!("{}-1", "a".repeat(250));
    let b = format!("{}-2", "a".repeat(250));
    let line = |t: u32, level: &str, id: &str| {
        format!("{{\"level\":\"{level}\",\"ts\":\"2026-02-06T10:00:0{t}Z\",\"msg\":\"m\",\"request_id\":\"{id}\"}}\n")
    };
    let text = [
        line(0, "info", &a),
        line(1, "info", &b),
        line(2, "error", &a),
        line(3, "info", "short"),
    ]
    .concat();
    std::fs::write(&log, text).unwrap();
    let r = json(&run(&["analyze", "-f", "json", "--traces", path_str(&log)]));
    let t = &r["traces"];
    assert_eq!((&t["count"], &t["with_errors"]), (&3.into(), &1.into()));
    let ids: Vec<&str> = t["slowest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["request_id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"short"), "{ids:?}");
    let long: Vec<&&str> = ids.iter().filter(|i| i.len() > 5).collect();
    assert_eq!(long.len(), 2, "{ids:?}");
    assert_ne!(long[0], long[1]);
    for id in long {
        assert!(id.len() <= 115 && id.starts_with(&"a".repeat(96)), "{id}");
        assert!(id.contains('…'));
    }
    // `trace` takes the whole id.
    let out = run(&["trace", "-f", "json", &a, path_str(&log)]);
    assert_eq!(json(&out)["events"].as_array().unwrap().len(), 2);
}

#[test]
fn a_traces_long_names_are_cut() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("names.log");
    let long = "é".repeat(1000);
    std::fs::write(
        &log,
        format!(
            "{{\"level\":\"error\",\"ts\":\"2026-02-06T10:00:00Z\",\"logger\":\"{long}\",\"caller\":\"{long}\",\"msg\":\"{long}\",\"request_id\":\"r1\"}}\n"
        ),
    )
    .unwrap();
    let r = json(&run(&["analyze", "-f", "json", "--traces", path_str(&log)]));
    let t = &r["traces"]["slowest"][0];
    let first = &t["first_error"];
    for text in [
        &t["services"][0],
        &first["service"],
        &first["caller"],
        &first["message"],
    ] {
        let text = text.as_str().unwrap();
        assert!(text.len() <= 256 && text.len() >= 250, "{}", text.len());
        assert!(long.starts_with(text));
    }
}

/// ASP.NET Core's console log: each entry is a header line (`info: Category[EventId]`) and its
/// message on the next line. The message is the event, with the header's level, logger and
/// time, wherever the chunks' edges fall; `mine` and `watch` read it the same way.
#[test]
fn dotnet_console_entries_are_one_event_each_across_chunk_edges() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    let mut text = String::new();
    for i in 0..50 {
        text.push_str(&format!(
            "2026-02-06 10:00:{:02} info: Microsoft.AspNetCore.Hosting.Diagnostics[2]\n",
            i % 60
        ));
        if i % 2 == 0 {
            // `IncludeScopes`: the scopes come between the header and the message.
            text.push_str(&format!(
                "      => SpanId:1a2b, TraceId:3c4d => ConnectionId:0HMVD => RequestPath:/orders/{i}\n"
            ));
        }
        text.push_str(&format!(
            "      Request finished HTTP/1.1 GET http://localhost:5000/orders/{i} - 200 - application/json {}.5ms\n",
            10 + i
        ));
        if i % 10 == 9 {
            text.push_str(
                "2026-02-06 10:00:59 fail: Microsoft.AspNetCore.Server.Kestrel[13]\n      \
                 Connection id \"0HMVD\": An unhandled exception was thrown by the application.\n      \
                 System.InvalidOperationException: Sequence contains no elements\n         \
                 at Program.<Main>$(String[] args) in /src/Program.cs:line 9\n",
            );
        }
    }
    std::fs::write(&log, &text).unwrap();
    for chunk in ["1", "100", "2MiB"] {
        let r = json(&run(&[
            "analyze",
            "-f",
            "json",
            "--latency",
            "--chunk-size",
            chunk,
            path_str(&log),
        ]));
        let levels = &r["text_levels"];
        assert_eq!(levels["info"], 50, "chunk {chunk}: {levels}");
        assert_eq!(levels["error"], 5, "chunk {chunk}: {levels}");
        let l = &r["latency"];
        assert_eq!(l["overall"]["count"], 50, "chunk {chunk}: {l}");
        assert_eq!(l["overall"]["max"], 59.5, "chunk {chunk}: {l}");
        let messages = sorted_messages(&r);
        assert!(
            messages.contains(
                &"Connection id \"0HMVD\": An unhandled exception was thrown by the application."
            ),
            "{messages:?}"
        );
        assert!(
            !messages.iter().any(|m| m.contains("Diagnostics[2]")),
            "a header line alone is no message: {messages:?}"
        );
        let range = &r["input"]["time_range"];
        assert_eq!(range["last"], "2026-02-06T10:00:59.000Z", "{range}");
    }
    let mined = json(&run(&["mine", "-f", "json", path_str(&log)]));
    let templates = mined["templates"].as_array().unwrap();
    assert!(
        !templates
            .iter()
            .any(|t| t["template"].as_str().unwrap().contains("Diagnostics[")),
        "{templates:?}"
    );
    // The header lines' times place the entries: `--last` and `filter --since` see them.
    let last = json(&run(&[
        "analyze",
        "-f",
        "json",
        "--last",
        "5s",
        path_str(&log),
    ]));
    assert_eq!(last["text_levels"]["error"], 5, "{}", last["text_levels"]);
    assert_eq!(last["text_levels"]["info"], 0, "{}", last["text_levels"]);
    // Only the lines in the window are counted: the five failures' header, message, exception
    // and stack frame.
    let since = json(&run(&[
        "analyze",
        "-f",
        "json",
        "--since",
        "2026-02-06T10:00:59Z",
        path_str(&log),
    ]));
    assert_eq!(since["input"]["non_json"], 20, "{}", since["input"]);
    let since = run(&[
        "filter",
        "-c",
        "--since",
        "2026-02-06T10:00:59Z",
        "Kestrel",
        path_str(&log),
    ]);
    assert_eq!(String::from_utf8_lossy(&since.stdout).trim(), "5");
    let watched = run_stdin(&["watch", "--format", "json"], text.as_bytes());
    let last = String::from_utf8_lossy(&watched.stdout);
    let summary: serde_json::Value = serde_json::from_str(last.lines().last().unwrap()).unwrap();
    assert_eq!(summary["report"]["text_levels"]["error"], 5, "{summary}");
}

/// `samples/alb-access.log`, an Application Load Balancer's access log as it lands in S3: each
/// request is an event whose level is the load balancer's status, whose latency is the
/// target's processing time (seconds, none when the target never answered) and whose request id
/// is the trace id's `Root=`; the load balancer's own 502/503/504 and the targets' 5xx hit
/// their catalog patterns. `trace` finds one request, and a gzip file (as S3 holds it) reads
/// the same.
#[test]
fn alb_access_log_entries_are_timed_requests_with_trace_ids() {
    let r = latency_and_traces("samples/alb-access.log");
    let levels = &r["text_levels"];
    let count = |name: &str| levels[name].as_u64().unwrap();
    assert_eq!(
        (count("info"), count("warn"), count("error")),
        (4, 2, 4),
        "{levels}"
    );
    let l = &r["latency"];
    assert_eq!(l["overall"]["count"], 7, "{l}");
    let durations: Vec<f64> = l["slowest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["duration_ms"].as_f64().unwrap())
        .collect();
    assert_eq!(durations, [2874.0, 212.0, 118.0, 42.0, 31.0, 9.0, 2.0]);
    assert_eq!(
        l["slowest"][0]["request_id"], "1-65c23a02-1f2e3d4c5b6a79880a1b2c3d",
        "{l}"
    );
    assert_eq!(
        l["slowest"][0]["message"],
        "POST https://api.example.com:443/v1/policies/evaluate HTTP/1.1",
        "{l}"
    );
    let services = group_counts(l, "service");
    assert_eq!(services, [("outpost-api", 6), ("outpost-stream", 1)], "{l}");
    // The request line gives the route, ids masked.
    let routes = group_counts(l, "route");
    assert_eq!(
        routes,
        [
            ("POST /v1/policies/evaluate", 1),
            ("POST /v1/agents/register", 1),
            ("GET /fleet", 1),
            ("GET /health", 1),
            ("GET /v1/reports/weekly", 1),
            ("GET /v1/agents/unknown", 1),
            ("GET /v1/stream", 1),
        ],
        "{l}"
    );
    let traces = &r["traces"];
    assert_eq!(traces["count"], 10, "{traces}");
    assert_eq!(traces["with_errors"], 4, "{traces}");
    let ids = pattern_ids(&r, "");
    assert_eq!(
        ids,
        [
            "generic.alb-502",
            "generic.alb-503",
            "generic.alb-504",
            "generic.alb-target-5xx"
        ]
    );

    let t = run(&[
        "trace",
        "1-65c23a0b-708192a3b4c5d6e7f8091a2b",
        "samples/alb-access.log",
    ]);
    assert!(t.status.success());
    let t = String::from_utf8_lossy(&t.stdout).into_owned();
    assert!(t.contains("1 event") && t.contains("1 error"), "{t}");

    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("alb.log.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut enc, &std::fs::read("samples/alb-access.log").unwrap()).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    let g = latency_and_traces(path_str(&gz));
    assert_eq!(g["latency"]["overall"], l["overall"]);
    assert_eq!(g["latency"]["groups"], l["groups"]);
    assert_eq!(g["traces"]["count"], 10);
    assert_eq!(g["traces"]["with_errors"], 4);
}

/// `samples/haproxy.log`, HAProxy's log as rsyslog writes it: each HTTP log line is an event
/// whose time is the accept date (with its year and milliseconds, not syslog's time), whose
/// level is its status's, whose latency is the total active time `Ta` and whose service is the
/// backend; the TCP log's lines take a level from their termination state and have no
/// latency; HAProxy's own 502/503/504, its servers' 5xx and its health checks hit their
/// catalog patterns.
#[test]
fn haproxy_log_lines_are_timed_requests_by_backend() {
    let r = latency_and_traces("samples/haproxy.log");
    let levels = &r["text_levels"];
    let count = |name: &str| levels[name].as_u64().unwrap();
    assert_eq!(
        (count("info"), count("warn"), count("error")),
        (5, 2, 4),
        "{levels}"
    );
    let l = &r["latency"];
    assert_eq!(l["overall"]["count"], 9, "{l}");
    let durations: Vec<f64> = l["slowest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["duration_ms"].as_f64().unwrap())
        .collect();
    assert_eq!(
        durations,
        [30001.0, 30000.0, 2874.0, 212.0, 118.0, 42.0, 31.0, 9.0, 0.0]
    );
    let slowest = &l["slowest"][0];
    assert_eq!(
        slowest["message"], "POST /v1/reports/weekly HTTP/1.1",
        "{l}"
    );
    // The accept date, not the syslog time 30 s later when the request ended.
    assert_eq!(slowest["ts"], "2026-02-06T14:00:10.700Z", "{l}");
    assert_eq!(
        group_counts(l, "service"),
        [("api", 8), ("stream", 1)],
        "{l}"
    );
    let ids = pattern_ids(&r, "generic.haproxy");
    assert_eq!(
        ids,
        [
            "generic.haproxy-backend-down",
            "generic.haproxy-no-server",
            "generic.haproxy-server-5xx",
            "generic.haproxy-server-aborted",
            "generic.haproxy-server-down",
            "generic.haproxy-server-timeout",
        ]
    );
    let down = r["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "generic.haproxy-server-down")
        .unwrap();
    assert_eq!(down["count"], 2, "{down}");
}

/// `samples/istio-envoy.log`, Istio's sidecars' access log (and one line of Envoy's default
/// format): each entry is an event whose level is its status's, whose latency is Envoy's
/// duration, whose service is the authority and whose request id is the `x-request-id` every
/// sidecar of one call logs, so a call through two services is one trace; the response flags
/// (UH, UF, UT, UO, NR) hit their catalog patterns. Inside Docker's JSON log file the same
/// HAProxy line keeps its level, route and catalog pattern.
#[test]
fn envoy_access_log_entries_are_traced_by_their_request_id() {
    let r = latency_and_traces("samples/istio-envoy.log");
    let levels = &r["text_levels"];
    let count = |name: &str| levels[name].as_u64().unwrap();
    assert_eq!(
        (count("info"), count("warn"), count("error")),
        (3, 1, 5),
        "{levels}"
    );
    let l = &r["latency"];
    assert_eq!(l["overall"]["count"], 9, "{l}");
    assert_eq!(l["overall"]["max"], 15012.0, "{l}");
    assert_eq!(
        l["slowest"][0]["request_id"], "9b8e7d6c-5a4b-4c3d-8e2f-1a0b9c8d7e6f",
        "{l}"
    );
    assert_eq!(
        &group_counts(l, "service")[..2],
        [("shop.example.com", 6), ("payments:8080", 1)],
        "{l}"
    );
    let traces = &r["traces"];
    assert_eq!(traces["count"], 7, "{traces}");
    assert_eq!(traces["with_errors"], 4, "{traces}");
    let two = traces["slowest"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["request_id"] == "9b8e7d6c-5a4b-4c3d-8e2f-1a0b9c8d7e6f")
        .unwrap();
    assert_eq!(two["events"], 2, "{two}");
    let ids = pattern_ids(&r, "generic.envoy");
    assert_eq!(
        ids,
        [
            "generic.envoy-circuit-breaker",
            "generic.envoy-no-healthy-upstream",
            "generic.envoy-no-route",
            "generic.envoy-upstream-connect-failure",
            "generic.envoy-upstream-timeout",
        ]
    );

    let dir = tempfile::tempdir().unwrap();
    let docker = dir.path().join("haproxy-json.log");
    std::fs::write(
        &docker,
        concat!(
            r#"{"log":"203.0.113.9:40000 [06/Feb/2026:10:00:02.500] http-in~ api/srv1 "#,
            r#"0/0/1/5/6 500 217 - - ---- 3/3/0/0/0 0/0 \"POST /v1/orders HTTP/1.1\"\n","#,
            r#""stream":"stdout","time":"2026-02-06T10:00:02.600Z"}"#,
            "\n"
        ),
    )
    .unwrap();
    let d = latency_and_traces(path_str(&docker));
    assert_eq!(d["levels"]["error"], 1, "{d}");
    assert_eq!(d["patterns"][0]["id"], "generic.haproxy-server-5xx", "{d}");
    assert_eq!(
        group_counts(&d["latency"], "route"),
        [("POST /v1/orders", 1)],
        "{d}"
    );
}

/// `samples/traefik-access.log`, Traefik's access log (the Common Log Format with a request
/// count, the router, the server and the duration after it): each request keeps its status's
/// level and takes its duration (ms) and, when one matched, its router as the service.
#[test]
fn traefik_access_log_lines_take_their_duration_and_router() {
    let r = latency_and_traces("samples/traefik-access.log");
    let levels = &r["text_levels"];
    assert_eq!(
        (&levels["info"], &levels["warn"], &levels["error"]),
        (&2.into(), &1.into(), &2.into()),
        "{levels}"
    );
    let l = &r["latency"];
    assert_eq!(l["overall"]["count"], 5, "{l}");
    assert_eq!(l["overall"]["max"], 30001.0, "{l}");
    assert_eq!(
        group_counts(l, "service"),
        [("payments@docker", 1), ("api@docker", 3)],
        "{l}"
    );
    assert_eq!(
        group_counts(l, "route")[0],
        ("POST /api/v1/payments/:id", 1),
        "{l}"
    );
}

/// `samples/postgres-rds.log`, an Amazon RDS PostgreSQL log (the guide's `filter-log-events
/// --filter-pattern "duration:"` on `/aws/rds/instance/…/postgresql`): each `duration: … ms` is
/// a statement's latency, grouped by database; the severities are levels (`LOG` info), the
/// lines that go with an error (`DETAIL`, `STATEMENT` …) have none, and PostgreSQL's refusals
/// hit their catalog patterns.
#[test]
fn postgresql_statement_durations_are_latencies_and_its_severities_levels() {
    let r = latency_and_traces("samples/postgres-rds.log");
    let input = &r["input"];
    assert_eq!(input["lines"], 24, "{input}");
    assert_eq!(input["non_json"], 24, "{input}");
    let levels = &r["text_levels"];
    let count = |name: &str| levels[name].as_u64().unwrap();
    assert_eq!(
        (count("info"), count("warn"), count("error"), count("fatal")),
        (10, 1, 2, 3),
        "{levels}"
    );
    let l = &r["latency"];
    assert_eq!(l["overall"]["count"], 7, "{l}");
    assert_eq!(l["overall"]["max"], 5120.003, "{l}");
    let durations: Vec<f64> = l["slowest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["duration_ms"].as_f64().unwrap())
        .collect();
    // The statement's time, not the `duration=42` of its SQL.
    assert_eq!(
        durations,
        [5120.003, 2315.774, 1874.12, 250.0, 12.417, 8.902, 0.412]
    );
    assert_eq!(
        l["slowest"][0]["message"],
        "duration: 5120.003 ms  execute <unnamed>: SELECT region, sum(total) FROM sales GROUP BY region",
        "{l}"
    );
    let services = group_counts(l, "service");
    assert_eq!(services, [("analytics", 1), ("axonflow", 6)], "{l}");
    let ids: Vec<&str> = r["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "axonflow.too-many-connections-anywhere",
            "generic.postgres-deadlock",
            "generic.postgres-statement-timeout"
        ]
    );
    let messages = sorted_messages(&r);
    // The header is off every message; the lines that go with an error keep their label.
    assert!(messages.contains(&"deadlock detected"), "{messages:?}");
    assert!(
        messages.contains(&"STATEMENT:  UPDATE policies SET version = version + 1 WHERE id = 17"),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .all(|m| !m.contains("[91") && !m.contains("UTC")),
        "{messages:?}"
    );
}

/// Heroku's log: the router's pairs are an event whose `service=` is the request's duration
/// (not a service's name) and whose `at` is its level; an application's JSON and text lines
/// are read behind their `app[web.1]: ` source; the platform's errors are caught.
#[test]
fn heroku_router_times_are_request_durations_and_app_lines_are_events() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("heroku.log");
    let (a, b) = (
        "8601b555-6a54-4d6c-9d17-55b0e0b0c1a2",
        "9601b555-6a54-4d6c-9d17-55b0e0b0c1a2",
    );
    std::fs::write(
        &log,
        format!(
            "2026-02-06T10:00:00.100000+00:00 app[web.1]: I, [2026-02-06T10:00:00.100001 #4]  INFO -- : [{a}] Started GET \"/orders\" for 203.0.113.7\n\
             2026-02-06T10:00:00.120000+00:00 heroku[router]: at=info method=GET path=\"/orders\" host=shop.herokuapp.com request_id={a} fwd=\"203.0.113.7\" dyno=web.1 connect=1ms service=18ms status=200 bytes=1548 protocol=https\n\
             2026-02-06T10:00:01.000000+00:00 app[web.2]: {{\"level\":\"error\",\"msg\":\"report query stuck\",\"request_id\":\"{b}\"}}\n\
             2026-02-06T10:00:30.000000+00:00 heroku[router]: at=error code=H12 desc=\"Request timeout\" method=GET path=\"/reports\" host=shop.herokuapp.com request_id={b} fwd=\"203.0.113.7\" dyno=web.2 connect=0ms service=30000ms status=503 bytes=0 protocol=https\n\
             2026-02-06T10:00:31.000000+00:00 heroku[web.2]: Error R14 (Memory quota exceeded)\n\
             2026-02-06T10:00:32.000000+00:00 heroku[web.2]: Process running mem=612M(119.5%)\n"
        ),
    )
    .unwrap();
    let r = latency_and_traces(path_str(&log));
    let input = &r["input"];
    assert_eq!(input["formats"]["json"], 1, "{input}");
    assert_eq!(input["formats"]["logfmt"], 2, "{input}");
    assert_eq!(r["levels"]["error"], 2, "{}", r["levels"]);
    assert_eq!(r["levels"]["info"], 1, "{}", r["levels"]);
    assert_eq!(r["text_levels"]["error"], 1, "{}", r["text_levels"]);
    let l = &r["latency"];
    assert_eq!(l["overall"]["count"], 2, "{l}");
    assert_eq!(l["slowest"][0]["duration_ms"], 30000.0, "{l}");
    assert_eq!(l["slowest"][0]["request_id"], b, "{l}");
    assert_eq!(l["slowest"][0]["message"], "Request timeout", "{l}");
    let services: Vec<&str> = l["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["by"] == "service")
        .map(|g| g["key"].as_str().unwrap())
        .collect();
    assert_eq!(services, ["web.2", "web.1"], "{l}");
    let traces = &r["traces"];
    assert_eq!(traces["count"], 2, "{traces}");
    assert_eq!(traces["with_errors"], 1, "{traces}");
    let slowest = &traces["slowest"][0];
    assert_eq!(slowest["request_id"], b, "{slowest}");
    assert_eq!(
        slowest["services"],
        serde_json::json!(["web.2"]),
        "{slowest}"
    );
    let ids: Vec<&str> = r["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"generic.heroku-request-timeout"), "{ids:?}");
    assert!(ids.contains(&"generic.heroku-memory-quota"), "{ids:?}");
    assert!(!ids.contains(&"generic.heroku-app-crashed"), "{ids:?}");
    let messages = sorted_messages(&r);
    assert!(
        messages.contains(&"Started GET \"/orders\" for 203.0.113.7"),
        "{messages:?}"
    );
}

/// A pattern hit on a line of a stack trace (`Caused by: …`, which has no time of its own)
/// happened at its event's time: the pattern's first and last times count it, wherever the
/// chunks fall.
#[test]
fn a_hit_in_a_stack_trace_has_its_events_time() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("java.log");
    let mut text = String::new();
    for (i, minute) in [5, 7, 9].iter().enumerate() {
        text.push_str(&format!(
            "2026-02-06 10:0{minute}:00.000 ERROR [main] com.shop.Api - Failed to load order {i}\n\
             java.lang.RuntimeException: load failed\n\
             \tat com.shop.Api.load(Api.java:10)\n\
             Caused by: java.net.SocketTimeoutException: Read timed out\n\
             \tat java.net.SocketInputStream.read(SocketInputStream.java:1)\n"
        ));
    }
    std::fs::write(&log, text).unwrap();
    for chunk in ["1M", "64", "100"] {
        let out = run(&[
            "analyze",
            "-f",
            "json",
            "-j",
            "2",
            "--chunk-size",
            chunk,
            path_str(&log),
        ]);
        let r = json(&out);
        let p = r["patterns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == "generic.timeout")
            .unwrap_or_else(|| panic!("{r}"));
        assert_eq!(p["count"], 3, "{chunk}");
        assert_eq!(p["first_seen"], "2026-02-06T10:05:00.000Z", "{chunk}");
        assert_eq!(p["last_seen"], "2026-02-06T10:09:00.000Z", "{chunk}");
    }
}

/// A message whose events all hit the catalog by more than its text (here an error field) is
/// no unknown one; one whose events do only in part is, with all its events, whichever worker
/// or shard counted which of them.
#[test]
fn a_message_explained_in_part_is_unknown_for_any_threads_and_shards() {
    let dir = tempfile::tempdir().unwrap();
    let line = |error: bool| match error {
        true => {
            r#"{"level":"error","msg":"upstream call failed","error":"dial tcp 10.0.0.5:5432: connection refused"}"#
        }
        false => r#"{"level":"error","msg":"upstream call failed"}"#,
    };
    let (a, b) = (dir.path().join("a.log"), dir.path().join("b.log"));
    let lines = |error: bool| format!("{}\n", line(error)).repeat(2000);
    std::fs::write(&a, lines(true)).unwrap();
    std::fs::write(&b, lines(false)).unwrap();
    let count_of = |r: &serde_json::Value| {
        r["templates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["template"] == "upstream call failed")
            .map(|t| (t["count"].as_u64().unwrap(), t["exact"].as_bool().unwrap()))
    };
    for threads in ["1", "2"] {
        let out = run(&[
            "analyze",
            "-f",
            "json",
            "-j",
            threads,
            path_str(&a),
            path_str(&b),
        ]);
        assert_eq!(count_of(&json(&out)), Some((4000, true)), "-j {threads}");
        // All explained: no unknown message.
        let out = run(&[
            "analyze",
            "-f",
            "json",
            "-j",
            threads,
            path_str(&a),
            path_str(&a),
        ]);
        assert_eq!(count_of(&json(&out)), None, "-j {threads}");
    }
    // Shard reports merged.
    let (sa, sb) = (dir.path().join("a.json"), dir.path().join("b.json"));
    for (log, out) in [(&a, &sa), (&b, &sb)] {
        let r = run(&[
            "analyze",
            "-f",
            "json",
            "--mergeable",
            "-o",
            path_str(out),
            path_str(log),
        ]);
        assert_eq!(r.status.code(), Some(0));
    }
    let out = run(&["merge", "-f", "json", path_str(&sa), path_str(&sb)]);
    assert_eq!(count_of(&json(&out)), Some((4000, true)));
}
