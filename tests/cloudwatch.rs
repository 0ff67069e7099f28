//! CloudWatch Logs as a source, against a real emulator: moto's server on 127.0.0.1, started and
//! stopped by `scripts/moto_server.py`, seeded with PutLogEvents by `scripts/cw_seed.py`, and a
//! fault-injecting proxy (`scripts/fault_proxy.py`) for throttling and dropped connections.
//!
//! When moto is not installed these tests skip with a message; `.ci/run` installs it and sets
//! `LOGTRIAGE_REQUIRE_MOTO=1`, which turns a missing moto into a failure.
#![cfg(feature = "cloudwatch")]

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{bin, corpus, json, path_str, run};
use logtriage::synth::SynthFormat;
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn python() -> PathBuf {
    let venv = root().join(".venv-moto/bin/python");
    if venv.exists() {
        venv
    } else {
        PathBuf::from("python3")
    }
}

/// A moto server for one test, stopped on drop.
struct Moto {
    port: u16,
    pid: String,
}

impl Moto {
    fn start() -> Option<Moto> {
        let has_moto = Command::new(python())
            .args(["-c", "import moto, boto3"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !has_moto {
            if std::env::var("LOGTRIAGE_REQUIRE_MOTO").is_ok_and(|v| v == "1") {
                panic!("moto is required (LOGTRIAGE_REQUIRE_MOTO=1) but not importable");
            }
            eprintln!("SKIPPED: moto is not installed (python -m venv .venv-moto && .venv-moto/bin/pip install 'moto[server]==5.2.5')");
            return None;
        }
        let out = Command::new(python())
            .arg(root().join("scripts/moto_server.py"))
            .arg("start")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let mut it = text.split_whitespace();
        let port = it.next().unwrap().parse().unwrap();
        let pid = it.next().unwrap().to_string();
        Some(Moto { port, pid })
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Seeds `groups` × `streams` with the lines of `log`; returns the file of expected lines.
    fn seed(&self, log: &Path, out: &Path, groups: &str, streams: u32, start_ms: Option<i64>) {
        self.seed_dealt(log, out, groups, streams, start_ms, "blocks")
    }

    /// [`Moto::seed`], the lines dealt to the groups in blocks or round-robin.
    fn seed_dealt(
        &self,
        log: &Path,
        out: &Path,
        groups: &str,
        streams: u32,
        start_ms: Option<i64>,
        deal: &str,
    ) {
        let mut c = Command::new(python());
        c.arg(root().join("scripts/cw_seed.py"))
            .arg(self.url())
            .arg(log)
            .arg(out)
            .args(["--groups", groups, "--streams", &streams.to_string()])
            .args(["--deal", deal]);
        if let Some(s) = start_ms {
            c.args(["--start-ms", &s.to_string()]);
        }
        let o = c.output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = Command::new(python())
            .arg(root().join("scripts/moto_server.py"))
            .args(["stop", &self.pid])
            .status();
    }
}

/// The fault proxy in front of moto, stopped on drop.
struct Proxy {
    child: Child,
    port: u16,
}

impl Proxy {
    fn start(upstream: u16, args: &[&str]) -> Proxy {
        let mut child = Command::new(python())
            .arg(root().join("scripts/fault_proxy.py"))
            .arg(upstream.to_string())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        Proxy {
            child,
            port: line.trim().parse().unwrap(),
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `logtriage` with fake credentials and a region, as moto wants.
fn cw(args: &[&str]) -> std::process::Output {
    bin()
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn without_sources(mut v: Value) -> Value {
    let o = v.as_object_mut().unwrap();
    o["input"].as_object_mut().unwrap().remove("sources");
    for p in o["patterns"].as_array_mut().unwrap() {
        p["example"].as_object_mut().unwrap().remove("source");
    }
    if let Some(l) = o.get_mut("latency") {
        for e in l["slowest"].as_array_mut().unwrap() {
            e.as_object_mut().unwrap().remove("source");
        }
        for g in l["groups"].as_array_mut().unwrap() {
            for e in g["outliers"].as_array_mut().unwrap() {
                e.as_object_mut().unwrap().remove("source");
            }
        }
    }
    v
}

#[test]
fn two_groups_five_streams_come_back_complete_and_analyze_the_same() {
    let Some(moto) = Moto::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (log, _) = corpus(dir.path(), "c.log", SynthFormat::Json, 100_000, 6);
    let expected = dir.path().join("expected.log");
    // Dealt line by line: the two groups interleave in time, and reading them right means
    // merging them by time.
    moto.seed_dealt(
        &log,
        &expected,
        "/app/api,/app/worker",
        5,
        None,
        "round-robin",
    );
    let url = moto.url();
    let extra = ["--latency", "--traces"];
    let mut args = vec![
        "analyze",
        "-f",
        "json",
        "--log-group",
        "/app/api",
        "--log-group",
        "/app/worker",
        "--endpoint-url",
        &url,
    ];
    args.extend_from_slice(&extra);
    let out = cw(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let from_cw = json(&out);
    let mut file_args = vec!["analyze", "-f", "json", path_str(&expected)];
    file_args.extend_from_slice(&extra);
    let from_file = json(&run(&file_args));
    assert_eq!(from_cw["input"]["lines"], 100_000, "every event, once");
    assert_eq!(
        from_cw["input"]["sources"][0]["name"],
        "cloudwatch:/app/api,/app/worker"
    );
    assert_eq!(without_sources(from_cw), without_sources(from_file));
    // Line for line in time order: the groups are merged, not read one after the other.
    let out = cw(&[
        "filter",
        "-e",
        "",
        "--log-group",
        "/app/api",
        "--log-group",
        "/app/worker",
        "--endpoint-url",
        &url,
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stdout == std::fs::read(&expected).unwrap(),
        "the events of both groups, in time order"
    );

    // Throttled every other page and a dropped connection: still complete and the same.
    let proxy = Proxy::start(moto.port, &["--throttle-every", "2", "--drop-every", "5"]);
    let purl = proxy.url();
    let out = cw(&[
        "analyze",
        "-f",
        "json",
        "--log-group",
        "/app/api",
        "--log-group",
        "/app/worker",
        "--endpoint-url",
        &purl,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json(&out)["input"]["lines"], 100_000);
}

#[test]
fn filters_streams_and_exported_files() {
    let Some(moto) = Moto::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (log, _) = corpus(dir.path(), "c.log", SynthFormat::Json, 6_000, 8);
    let expected = dir.path().join("expected.log");
    moto.seed(&log, &expected, "/app/one", 3, None);
    let url = moto.url();
    // The pattern goes to the server (moto ignores JSON patterns) and is applied again here.
    let pattern = r#"{ $.level = "error" }"#;
    let out = cw(&[
        "filter",
        "-c",
        "--log-group",
        "/app/one",
        "--endpoint-url",
        &url,
        "--filter-pattern",
        pattern,
    ]);
    let file = run(&["filter", "-c", pattern, path_str(&expected)]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let n: u64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    assert!(n > 0);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&file.stdout)
    );
    // Stream prefix (ignored by moto, applied here): stream-1 holds every third event.
    let out = cw(&[
        "filter",
        "-c",
        "--log-group",
        "/app/one",
        "--endpoint-url",
        &url,
        "--log-stream-name-prefix",
        "stream-1",
        "-e",
        "",
    ]);
    let n: u64 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0);
    assert_eq!(n, 2_000, "{}", String::from_utf8_lossy(&out.stderr));

    // A file written by `aws logs filter-log-events` reads like the log group.
    let dump = Command::new(python())
        .args(["-c", &format!(
            "import boto3,json; c=boto3.client('logs',endpoint_url='{url}',region_name='us-east-1',aws_access_key_id='t',aws_secret_access_key='t'); r=c.filter_log_events(logGroupName='/app/one',limit=10000,interleaved=True); r.pop('ResponseMetadata',None); print(json.dumps(r, indent=4))"
        )])
        .output()
        .unwrap();
    assert!(
        dump.status.success(),
        "{}",
        String::from_utf8_lossy(&dump.stderr)
    );
    let exported = dir.path().join("events.json");
    std::fs::write(&exported, &dump.stdout).unwrap();
    let a = json(&run(&["analyze", "-f", "json", path_str(&exported)]));
    let b = json(&run(&["analyze", "-f", "json", path_str(&expected)]));
    assert_eq!(a["input"]["lines"], 6_000);
    assert_eq!(without_sources(a), without_sources(b));

    // cloudwatch groups lists it with its stored bytes.
    let out = cw(&["cloudwatch", "groups", "-f", "json", "--endpoint-url", &url]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let groups = json(&out);
    assert_eq!(groups[0]["name"], "/app/one");
}

#[test]
fn errors_are_one_clear_line() {
    let Some(moto) = Moto::start() else { return };
    let url = moto.url();
    let out = cw(&["analyze", "--log-group", "/nope", "--endpoint-url", &url]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nope") && err.contains("not found"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");

    let home = tempfile::tempdir().unwrap();
    // No region anywhere.
    let out = bin()
        .args(["analyze", "--log-group", "/x", "--endpoint-url", &url])
        .env_clear()
        .env("HOME", home.path())
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no AWS region"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // No credentials anywhere, and no instance metadata to wait for: quick and clear.
    let t = Instant::now();
    let out = bin()
        .args([
            "analyze",
            "--log-group",
            "/x",
            "--region",
            "us-east-1",
            "--endpoint-url",
            &url,
        ])
        .env_clear()
        .env("HOME", home.path())
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no AWS credentials"), "{err}");
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "took {:?}",
        t.elapsed()
    );

    // A server that accepts and never answers: a timeout, not a hang.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let surl = format!("http://{}", silent.local_addr().unwrap());
    let t = Instant::now();
    let out = cw(&[
        "analyze",
        "--log-group",
        "/x",
        "--endpoint-url",
        &surl,
        "--aws-timeout",
        "2s",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        t.elapsed() < Duration::from_secs(30),
        "took {:?}",
        t.elapsed()
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no answer"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop(silent);

    // An invalid filter pattern: one line naming the flag and where it went wrong.
    for sub in ["analyze", "filter"] {
        let out = cw(&[
            sub,
            "--log-group",
            "/x",
            "--endpoint-url",
            &url,
            "--filter-pattern",
            "{ $.level = ",
        ]);
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("pattern") && err.contains("column 13"),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }

    // Flags that need --log-group say so (--since and --until do not: `analyze` applies them
    // to files).
    let out = run(&[
        "analyze",
        "--log-stream-name-prefix",
        "web",
        "--since",
        "10m",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--log-stream-name-prefix needs --log-group")
    );
}

/// With `--log-group`, `--last` counts back from now (or `--until`), and the service selects
/// the events.
#[test]
fn last_with_a_log_group_counts_back_from_now() {
    let Some(moto) = Moto::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let line = |i: usize| format!("{{\"level\":\"info\",\"msg\":\"event {i}\"}}\n");
    for (name, lines, ago_ms) in [("old", 0..40, 20 * 60_000), ("new", 40..50, 60_000)] {
        let log = dir.path().join(format!("{name}.log"));
        std::fs::write(&log, lines.map(line).collect::<String>()).unwrap();
        moto.seed(
            &log,
            &dir.path().join(name),
            "/app/last",
            1,
            Some(now - ago_ms),
        );
    }
    let url = moto.url();
    let lines = |window: &[&str]| {
        let mut a = vec!["analyze", "-f", "json", "--log-group", "/app/last"];
        a.extend(window);
        a.extend(["--endpoint-url", &url]);
        let out = cw(&a);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        json(&out)["input"]["lines"].clone()
    };
    assert_eq!(lines(&["--last", "10m"]), 10);
    assert_eq!(lines(&["--last", "30m"]), 50);
    assert_eq!(lines(&["--last", "10m", "--until", "15m"]), 40);
}

#[test]
fn follow_picks_up_new_events_once_across_throttling_and_dropped_connections() {
    let Some(moto) = Moto::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.log");
    let second = dir.path().join("second.log");
    let line = |i: usize| format!("{{\"level\":\"info\",\"msg\":\"event {i}\"}}\n");
    std::fs::write(&first, (0..50).map(line).collect::<String>()).unwrap();
    std::fs::write(&second, (50..80).map(line).collect::<String>()).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    moto.seed(
        &first,
        &dir.path().join("e1"),
        "/app/live",
        2,
        Some(now - 60_000),
    );
    // Throttled every third request, a connection dropped every fourth.
    let proxy = Proxy::start(moto.port, &["--throttle-every", "3", "--drop-every", "4"]);
    let purl = proxy.url();
    let mut child = bin()
        .args([
            "watch",
            "-f",
            "json",
            "--every",
            "100ms",
            "--top",
            "200",
            "--log-group",
            "/app/live",
            "--follow",
            "--since",
            "5m",
            "--poll-interval",
            "200ms",
            "--endpoint-url",
            &purl,
        ])
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<Value>();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for l in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str::<Value>(&l) {
                if v["type"] == "summary" && tx.send(v).is_err() {
                    break;
                }
            }
        }
    });
    let wait = |n: u64| -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let v = rx
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no summary with {n} lines in 30 s"));
            if v["report"]["input"]["lines"] == n {
                return v;
            }
        }
    };
    wait(50);
    moto.seed(
        &second,
        &dir.path().join("e2"),
        "/app/live",
        2,
        Some(now - 30_000),
    );
    let seeded = Instant::now();
    let s = wait(80);
    // Two 200 ms polls and the 100 ms summary interval, plus the retries the faults force: the
    // SDK's backoff (0.2 s doubling with jitter: up to 3 s over its 5 attempts) and its adaptive
    // rate limiting after throttles. Typically 1-5 s here; 10 s leaves room for a loaded machine
    // (a CI run took 5.2 s with every test and its moto server running at once).
    let took = seeded.elapsed();
    eprintln!("follow: new events in a summary {took:?} after they were written");
    assert!(took < Duration::from_secs(10), "{took:?}");
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let _ = child.wait();
    let messages = s["report"]["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 80);
    assert!(messages.iter().all(|m| m["count"] == 1), "no duplicates");
}

#[test]
fn expired_credentials_and_a_repeated_page_token_end_in_a_clear_error() {
    let Some(moto) = Moto::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (log, _) = corpus(dir.path(), "c.log", SynthFormat::Json, 30_000, 9);
    moto.seed(&log, &dir.path().join("expected.log"), "/app/one", 2, None);
    for (faults, cause, some_read) in [
        (&["--expire-after", "1"][..], "ExpiredTokenException", true),
        (&["--repeat-token"][..], "same page token twice", true),
        // Every connection dropped: retried, then given up with the cause named.
        (
            &["--drop-every", "1"][..],
            "connection closed before message completed",
            false,
        ),
    ] {
        let proxy = Proxy::start(moto.port, faults);
        let url = proxy.url();
        let t = Instant::now();
        let out = cw(&[
            "analyze",
            "-f",
            "json",
            "--log-group",
            "/app/one",
            "--endpoint-url",
            &url,
        ]);
        assert!(t.elapsed() < Duration::from_secs(60), "{:?}", t.elapsed());
        let err = String::from_utf8_lossy(&out.stderr);
        // The report of what was read, marked partial, then exit 2 and one line naming the
        // group and the cause.
        assert_eq!(out.status.code(), Some(2), "{faults:?}: {err}");
        assert!(err.contains("/app/one") && err.contains(cause), "{err}");
        let report = json(&out);
        assert_eq!(report["partial"], true, "{faults:?}");
        let lines = report["input"]["lines"].as_u64().unwrap();
        assert!(lines < 30_000, "{faults:?}: {lines} lines");
        assert_eq!(lines > 0, some_read, "{faults:?}: {lines} lines");
    }
}
