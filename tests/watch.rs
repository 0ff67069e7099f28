//! `logtriage watch`: stdin to EOF, followed files through rotation and truncation, container
//! logs on either, SIGINT, closed pipes. Waits are bounded polls on what watch has written,
//! never fixed sleeps.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{bin, corpus, json, path_str, run};
use logtriage::synth::SynthFormat;
use serde_json::Value;

/// A running `watch -f json` whose output lines arrive on a channel.
struct Watch {
    child: Child,
    rx: mpsc::Receiver<Value>,
    last_summary: Option<Value>,
    alerts: Vec<Value>,
}

impl Watch {
    fn start(args: &[&str], stdin: Stdio) -> Watch {
        let mut child = bin()
            .arg("watch")
            .args(["-f", "json"])
            .args(args)
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                let v: Value = serde_json::from_str(&line).expect("NDJSON");
                if tx.send(v).is_err() {
                    break;
                }
            }
        });
        Watch {
            child,
            rx,
            last_summary: None,
            alerts: Vec::new(),
        }
    }

    /// Reads output until `done(summary)` holds for a summary, or fails after 20 s.
    fn wait_summary(&mut self, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(s) = &self.last_summary {
                if done(s) {
                    return s.clone();
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "timed out waiting for {what}; last summary: {:?}",
                self.last_summary.as_ref().map(|s| &s["report"]["input"])
            );
            match self.rx.recv_timeout(left) {
                Ok(v) if v["type"] == "summary" => self.last_summary = Some(v),
                Ok(v) => self.alerts.push(v),
                Err(_) => panic!("watch ended while waiting for {what}"),
            }
        }
    }

    fn interrupt(&mut self) -> (i32, Value) {
        common::sigint(&self.child);
        let fin = self.wait_summary("the final summary", |s| s["final"] == true);
        let code = self.child.wait().unwrap().code().unwrap();
        (code, fin)
    }
}

fn lines_of(s: &Value) -> u64 {
    s["report"]["input"]["lines"].as_u64().unwrap()
}

fn append(path: &Path, from: usize, to: usize) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    let mut text = String::new();
    for i in from..to {
        text.push_str(&format!(
            "{{\"level\":\"info\",\"ts\":\"2026-02-06T10:00:00Z\",\"msg\":\"event {i}\"}}\n"
        ));
    }
    f.write_all(text.as_bytes()).unwrap();
}

#[test]
fn stdin_final_summary_equals_analyze() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = corpus(dir.path(), "c.log", SynthFormat::Mixed, 30_000, 4);
    let file = std::fs::File::open(&path).unwrap();
    let mut w = Watch::start(&[], Stdio::from(file));
    let fin = w.wait_summary("the final summary", |s| s["final"] == true);
    assert_eq!(w.child.wait().unwrap().code(), Some(0));
    let a = json(&run(&["analyze", "-f", "json", path_str(&path)]));
    let r = &fin["report"];
    for key in ["levels", "text_levels", "messages", "templates", "timeline"] {
        assert_eq!(r[key], a[key], "{key}");
    }
    for key in [
        "lines",
        "bytes",
        "events",
        "malformed",
        "non_json",
        "blank",
        "oversize",
    ] {
        assert_eq!(r["input"][key], a["input"][key], "input.{key}");
    }
    assert_eq!(
        r["patterns"].as_array().unwrap().len(),
        a["patterns"].as_array().unwrap().len()
    );
    for (x, y) in r["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .zip(a["patterns"].as_array().unwrap())
    {
        assert_eq!(
            (&x["id"], &x["count"], &x["example"]["line"]),
            (&y["id"], &y["count"], &y["example"]["line"])
        );
    }
    assert_eq!(r["partial"], false);
    // Alerts name the pattern, its severity and action; repeats are folded.
    assert!(!w.alerts.is_empty());
    for a in &w.alerts {
        assert_eq!(a["type"], "alert");
        assert!(["pattern", "repeat", "error_spike", "unknown_errors"]
            .contains(&a["kind"].as_str().unwrap()));
        if a["kind"] == "pattern" {
            assert!(
                a["pattern"].is_string() && a["action"].is_string() && a["severity"].is_string()
            );
        }
    }
    let mut firsts = std::collections::HashSet::new();
    for a in w.alerts.iter().filter(|a| a["kind"] == "pattern") {
        assert!(
            firsts.insert(a["pattern"].as_str().unwrap().to_string()),
            "each pattern alerts once per fold window: {a}"
        );
    }
}

/// An oversize line is skipped, but its bytes were read: the summary counts them as
/// `analyze` does, whether the line arrives whole or across reads.
#[test]
fn oversize_lines_count_their_bytes_as_in_analyze() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("o.log");
    let good = "{\"level\":\"error\",\"msg\":\"kept\"}\n";
    let text = format!(
        "{good}{{\"msg\":\"{}\"}}\n{good}{}\n{good}",
        "x".repeat(5_000),
        "y".repeat(3_000_000)
    );
    std::fs::write(&path, &text).unwrap();
    let file = std::fs::File::open(&path).unwrap();
    let mut w = Watch::start(&["--max-line-bytes", "1000"], Stdio::from(file));
    let fin = w.wait_summary("the final summary", |s| s["final"] == true);
    assert_eq!(w.child.wait().unwrap().code(), Some(0));
    let a = json(&run(&[
        "analyze",
        "-f",
        "json",
        "--max-line-bytes",
        "1000",
        path_str(&path),
    ]));
    for key in ["lines", "bytes", "events", "oversize"] {
        assert_eq!(fin["report"]["input"][key], a["input"][key], "input.{key}");
    }
    assert_eq!(a["input"]["bytes"], text.len());
    assert_eq!(a["input"]["oversize"], 2);
}

#[test]
fn followed_file_survives_rotation_copytruncate_and_truncation() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    std::fs::write(&log, "{\"level\":\"info\",\"msg\":\"before start\"}\n").unwrap();
    let mut w = Watch::start(
        &["--every", "50ms", "--top", "1000", path_str(&log)],
        Stdio::null(),
    );
    w.wait_summary("watch to start", |_| true);

    append(&log, 0, 100);
    w.wait_summary("appends", |s| lines_of(s) == 100);

    // Rename rotation: lines written just before the rename, then a new file.
    append(&log, 100, 150);
    std::fs::rename(&log, dir.path().join("app.log.1")).unwrap();
    append(&log, 150, 200);
    w.wait_summary("rotation", |s| lines_of(s) == 200);

    // copytruncate: copy, truncate, and the writer goes on (past the old offset).
    std::fs::copy(&log, dir.path().join("app.log.2")).unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&log)
        .unwrap()
        .set_len(0)
        .unwrap();
    append(&log, 200, 260);
    w.wait_summary("copytruncate", |s| lines_of(s) == 260);

    // Plain truncation to fewer bytes.
    std::fs::write(&log, "").unwrap();
    append(&log, 260, 280);
    w.wait_summary("truncation", |s| lines_of(s) == 280);

    // A file deleted and created again.
    std::fs::remove_file(&log).unwrap();
    append(&log, 280, 300);
    w.wait_summary("re-creation", |s| lines_of(s) == 300);

    let (code, fin) = w.interrupt();
    assert_eq!(code, 130);
    let r = &fin["report"];
    assert_eq!(r["partial"], true);
    assert_eq!(lines_of(&fin), 300, "no line lost, none twice");
    let mut seen: Vec<u64> = r["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            assert_eq!(m["count"], 1, "{m}");
            m["message"]
                .as_str()
                .unwrap()
                .strip_prefix("event ")
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    seen.sort_unstable();
    assert_eq!(
        seen,
        (0..300).collect::<Vec<u64>>(),
        "every line exactly once"
    );
}

#[test]
fn several_files_and_one_that_appears_later() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.log");
    let b = dir.path().join("b.log");
    std::fs::write(&a, "").unwrap();
    let mut w = Watch::start(
        &["--every", "50ms", path_str(&a), path_str(&b)],
        Stdio::null(),
    );
    w.wait_summary("watch to start", |_| true);
    append(&a, 0, 10);
    append(&b, 10, 25);
    let s = w.wait_summary("both files", |s| lines_of(s) == 25);
    let sources = s["report"]["input"]["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 2);
    assert_eq!(sources[1]["lines"], 15);
    let (code, _) = w.interrupt();
    assert_eq!(code, 130);
}

#[test]
fn alerts_come_while_the_pipe_stays_open_and_sigint_prints_the_summary() {
    let mut w = Watch::start(
        &["--min-severity", "error", "--every", "50ms"],
        Stdio::piped(),
    );
    let mut stdin = w.child.stdin.take().unwrap();
    stdin
        .write_all(b"{\"level\":\"error\",\"ts\":\"2026-02-06T10:00:00Z\",\"msg\":\"OOMKilled\",\"request_id\":\"r-1\"}\n{\"level\":\"info\",\"msg\":\"fine\"}\n")
        .unwrap();
    stdin.flush().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let alert = loop {
        let v =
            w.rx.recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .expect("an alert while input is still open");
        if v["type"] == "alert" {
            break v;
        }
    };
    assert_eq!(alert["kind"], "pattern");
    assert_eq!(alert["severity"], "critical");
    assert_eq!(alert["request_id"], "r-1");
    // The input may reach watch in more than one read: SIGINT once both lines are in.
    w.wait_summary("both lines", |s| lines_of(s) == 2);
    let (code, fin) = w.interrupt();
    assert_eq!(code, 130);
    assert_eq!(fin["report"]["partial"], true);
    assert_eq!(lines_of(&fin), 2);
    drop(stdin);
}

#[test]
fn text_alerts_are_one_clean_line_and_a_closed_pipe_is_quiet() {
    let input = b"{\"level\":\"error\",\"ts\":\"2026-02-06T10:00:00Z\",\"msg\":\"OOMKilled \\u001b[31m\\u202e\",\"service\":\"api\"}\n";
    let out = common::run_stdin(&["watch", "--color", "never"], input);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let first = text.lines().next().unwrap();
    assert!(first.starts_with("10:00:00.000 CRIT "), "{first}");
    assert!(first.contains("svc=api"), "{first}");
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{202e}'),
        "log content escaped: {text}"
    );
    // Escaped once, not twice by a debug format on top.
    assert!(
        first.contains(r#"msg="OOMKilled \x1b[31m\u{202e}""#),
        "{first}"
    );

    // A reader that goes away: quiet, exit 0.
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = corpus(dir.path(), "c.log", SynthFormat::Json, 20_000, 2);
    common::assert_quiet_on_closed_pipe_reading(
        &["watch", "-f", "json"],
        Stdio::from(std::fs::File::open(&path).unwrap()),
    );

    let out = run(&["watch", "-"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);
}

/// Three quiet minutes (info lines, no errors) are a minute's history and more: a burst of 30
/// errors after them is a spike. Thirty quiet seconds are not.
#[test]
fn an_error_spike_after_a_quiet_start_alerts() {
    let log = |quiet_secs: u32| {
        let mut s = String::new();
        for i in 0..quiet_secs {
            s += &format!(
                "{{\"level\":\"info\",\"ts\":\"2026-02-06T14:{:02}:{:02}Z\",\"msg\":\"ok\"}}\n",
                i / 60,
                i % 60
            );
        }
        for i in 0..30 {
            let t = quiet_secs + i / 10;
            s += &format!(
                "{{\"level\":\"error\",\"ts\":\"2026-02-06T14:{:02}:{:02}Z\",\"msg\":\"boom\"}}\n",
                t / 60,
                t % 60
            );
        }
        s
    };
    assert_eq!(alerts_of_kind(&log(180), "error_spike"), 1);
    assert_eq!(alerts_of_kind(&log(30), "error_spike"), 0);
}

/// A burst of a new unknown error is five within a minute of event time: a replayed log whose
/// errors are an hour apart has none, however fast it is read.
#[test]
fn unknown_error_bursts_are_counted_in_event_time() {
    let log = |step_secs: u32| {
        (0..6)
            .map(|i| {
                let t = i * step_secs;
                format!(
                    "{{\"level\":\"error\",\"ts\":\"2026-02-06T{:02}:{:02}:{:02}Z\",\"msg\":\"disk {i} gone\"}}\n",
                    10 + t / 3600,
                    t / 60 % 60,
                    t % 60
                )
            })
            .collect::<String>()
    };
    assert_eq!(alerts_of_kind(&log(3600), "unknown_errors"), 0);
    assert_eq!(alerts_of_kind(&log(5), "unknown_errors"), 1);
}

/// Plain-text error lines alert like events: by their message, the header taken off (here a
/// different thread and time on each line), and a pattern's alert quotes the message.
#[test]
fn plain_text_errors_alert_by_their_message() {
    let mut log = String::new();
    for i in 0..6 {
        log += &format!(
            "2026-02-06 10:00:0{i},250 ERROR [worker-{i}] com.shop.Ledger: ledger {i} out of balance\n"
        );
    }
    log += "2026-02-06 10:00:07,000 ERROR [main] com.shop.Db: connection refused to db:5432\n";
    let out = common::run_stdin(&["watch", "-f", "json"], log.as_bytes());
    assert_eq!(out.status.code(), Some(0));
    let alerts: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|v: &serde_json::Value| v["type"] == "alert")
        .collect();
    let kinds: Vec<&str> = alerts.iter().map(|a| a["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["unknown_errors", "pattern"], "{alerts:?}");
    assert_eq!(
        alerts[1]["message"], "connection refused to db:5432",
        "{alerts:?}"
    );
    assert_eq!(alerts[1]["service"], "com.shop.Db", "{alerts:?}");
}

/// The alerts of `kind` that `watch -f json` gives for `text` on stdin.
fn alerts_of_kind(text: &str, kind: &str) -> usize {
    let out = common::run_stdin(&["watch", "-f", "json"], text.as_bytes());
    assert_eq!(out.status.code(), Some(0));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["kind"] == kind)
        .count()
}

/// A replayed file folds a pattern's repeats into one line, which says when they happened
/// (event time), not "in the last 10s" of arrival.
#[test]
fn repeats_say_when_they_happened() {
    let text: String = (0..5)
        .map(|i| {
            format!(
                "{{\"level\":\"fatal\",\"ts\":\"2026-02-06T10:{:02}:00Z\",\"msg\":\"OOMKilled\"}}\n",
                i * 10
            )
        })
        .collect();
    let out = common::run_stdin(&["watch", "-f", "json"], text.as_bytes());
    let alerts: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["type"] == "alert")
        .collect();
    let repeat = alerts
        .iter()
        .find(|a| a["kind"] == "repeat")
        .expect("a repeat");
    assert_eq!(repeat["count"], 4);
    assert_eq!(repeat["first_ts"], "2026-02-06T10:10:00.000Z");
    assert_eq!(repeat["ts"], "2026-02-06T10:40:00.000Z");
    let out = common::run_stdin(&["watch", "--color", "never"], text.as_bytes());
    let human = String::from_utf8_lossy(&out.stdout);
    let line = human
        .lines()
        .find(|l| l.contains('×'))
        .expect("a repeat line");
    assert!(
        line.starts_with("10:40:00.000 CRIT  ×4 more from 10:10:00.000"),
        "{line}"
    );
}

/// Appends `text` to `path` as it is.
fn append_bytes(path: &Path, text: &[u8]) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    f.write_all(text).unwrap();
}

#[test]
fn container_logs_are_unwrapped_on_stdin_and_in_followed_files() {
    let dir = tempfile::tempdir().unwrap();
    let (plain, _) = corpus(dir.path(), "j.log", SynthFormat::Json, 5_000, 11);
    let (docker, _) = corpus(dir.path(), "d.log", SynthFormat::Docker, 5_000, 11);
    let (cri, _) = corpus(dir.path(), "k.log", SynthFormat::Cri, 5_000, 11);
    let expect = json(&run(&["analyze", "-f", "json", path_str(&plain)]));
    let same = |r: &Value, want: &Value, what: &str| {
        for key in ["levels", "messages", "templates", "timeline"] {
            assert_eq!(r[key], want[key], "{what}: {key}");
        }
        for key in ["lines", "events", "malformed"] {
            assert_eq!(r["input"][key], want["input"][key], "{what}: input.{key}");
        }
    };
    // Standard input: `tail -f …-json.log | logtriage watch` reads the events; gzip on
    // standard input is read as `analyze` reads it.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&std::fs::read(&docker).unwrap()).unwrap();
    let gz_path = dir.path().join("d.log.gz");
    std::fs::write(&gz_path, gz.finish().unwrap()).unwrap();
    for path in [&docker, &cri, &gz_path] {
        let mut w = Watch::start(&[], Stdio::from(std::fs::File::open(path).unwrap()));
        let fin = w.wait_summary("the final summary", |s| s["final"] == true);
        assert_eq!(w.child.wait().unwrap().code(), Some(0));
        same(
            &fin["report"],
            &expect,
            &format!("stdin {}", path.display()),
        );
        assert_eq!(fin["report"]["input"]["formats"]["cri"], 5_000);
    }
    // Followed files, an event cut in two parts arriving in two writes.
    let docker_split: [&[u8]; 2] = [
        br#"{"log":"{\"level\":\"error\",\"ts\":\"2026-02-06T23:00:00Z\",\"msg\":\"split ","stream":"stdout","time":"2026-02-06T23:00:00Z"}
"#,
        br#"{"log":"event\",\"request_id\":\"r-split\"}\n","stream":"stdout","time":"2026-02-06T23:00:00Z"}
"#,
    ];
    let cri_split: [&[u8]; 2] = [
        b"2026-02-06T23:00:00Z stdout P {\"level\":\"error\",\"ts\":\"2026-02-06T23:00:00Z\",\"msg\":\"split \n",
        b"2026-02-06T23:00:00Z stdout F event\",\"request_id\":\"r-split\"}\n",
    ];
    for (path, split) in [(&docker, docker_split), (&cri, cri_split)] {
        let all = [std::fs::read(path).unwrap(), split.concat()].concat();
        let whole = dir.path().join("whole.log");
        std::fs::write(&whole, &all).unwrap();
        let want = json(&run(&[
            "analyze",
            "-f",
            "json",
            "--top",
            "5000",
            path_str(&whole),
        ]));
        assert_eq!(want["input"]["lines"], 5_001, "the parts are one line");
        let followed = dir.path().join("followed.log");
        std::fs::write(&followed, "").unwrap();
        let mut w = Watch::start(
            &["--every", "50ms", "--top", "5000", path_str(&followed)],
            Stdio::null(),
        );
        w.wait_summary("watch to start", |_| true);
        append_bytes(&followed, &std::fs::read(path).unwrap());
        append_bytes(&followed, split[0]);
        w.wait_summary("the corpus", |s| lines_of(s) == 5_000);
        append_bytes(&followed, split[1]);
        w.wait_summary("the second part", |s| lines_of(s) == 5_001);
        let (code, fin) = w.interrupt();
        assert_eq!(code, 130);
        same(
            &fin["report"],
            &want,
            &format!("followed {}", path.display()),
        );
        let messages = fin["report"]["messages"].as_array().unwrap();
        assert!(
            messages.iter().any(|m| m["message"] == "split event"),
            "{}",
            path.display()
        );
        std::fs::remove_file(&followed).unwrap();
    }
}
