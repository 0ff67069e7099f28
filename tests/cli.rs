//! The command-line contract: exit codes, output modes, catalog commands, pipes.

mod common;

use common::*;
use logtriage::synth::SynthFormat;

#[test]
fn bad_usage_is_a_one_line_error_with_exit_2() {
    let out = run(&["analyze", "--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("--no-such-flag"), "{stderr}");
    let out = run(&["analyze", "--bucket", "5y", "-"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("duration"));
    let out = run(&["analyze", "--threads", "0", "-"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    // Values that overflowed or exhausted memory are refused up front, in one line.
    for (args, needle) in [
        (
            &["analyze", "--bucket", "288230376151711744s", "-"][..],
            "too long",
        ),
        (
            &["analyze", "--trace-idle", "18014398509481984d", "-"],
            "too long",
        ),
        (
            &["analyze", "--chunk-size", "18446744073709551615", "-"],
            "chunk-size",
        ),
        (&["filter", "--chunk-size", "0", "x", "-"], "chunk-size"),
        (&["analyze", "-j", "5000", "-"], "threads"),
        (
            &["analyze", "--bucket", "1.5s", "-"],
            "whole number of seconds",
        ),
        (
            &["analyze", "--max-line-bytes", "1.5M", "-"],
            "whole numbers",
        ),
        (&["analyze", "--trace-idle", "-5m", "-"], "positive"),
        (&["analyze", "--syslog-year", "0", "-"], "syslog-year"),
        (&["watch", "--syslog-year", "2026x"], "syslog-year"),
        // A missing argument is named.
        (&["trace"], "<ID>"),
        (&["check", "x.log"], "--baseline"),
        // A bad value lists the good ones, a misspelt flag or subcommand names the one meant,
        // and the help named is the subcommand's (which lists its flags).
        (
            &["analyze", "--fail-on", "fatal", "-"],
            "possible values: info, warn, error, critical (see 'logtriage analyze --help')",
        ),
        (
            &["analyze", "--fial-on", "error", "-"],
            "did you mean '--fail-on'?",
        ),
        (&["anlyze", "x.log"], "did you mean 'analyze'?"),
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
}

#[test]
fn fail_on_gates_on_severity() {
    let input = br#"{"level":"error","msg":"database connection failed"}"#;
    assert_eq!(
        run_stdin(&["analyze", "--fail-on", "error"], input)
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        run_stdin(&["analyze", "--fail-on", "critical"], input)
            .status
            .code(),
        Some(0)
    );
    assert_eq!(run_stdin(&["analyze"], input).status.code(), Some(0));
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let input = br#"{"level":"error","msg":"database connection failed"}"#;
    let plain = run_stdin(&["analyze"], input);
    assert!(!plain.stdout.contains(&0x1b), "piped output has no escapes");
    let forced = run_stdin(&["analyze", "--color", "always"], input);
    assert!(forced.stdout.contains(&0x1b));
    let never = run_stdin(&["analyze", "--color", "never"], input);
    assert!(!never.stdout.contains(&0x1b));
}

#[test]
fn text_report_shows_meaning_and_action() {
    let input = br#"{"level":"fatal","ts":"2026-02-06T10:00:00Z","msg":"OOMKilled"}"#;
    let out = run_stdin(&["analyze"], input);
    let s = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "Input",
        "Levels",
        "Known patterns",
        "OOMKilled",
        "means",
        "do ",
        "Top messages",
    ] {
        assert!(s.contains(needle), "missing {needle:?} in\n{s}");
    }
}

/// Counts of one read in the singular in the text report: the busiest bucket's one error,
/// the mined templates. The lines are nginx's and Celery's, whose headers come off.
#[test]
fn one_error_reads_in_the_singular_and_text_headers_come_off() {
    let input = b"2026/02/06 10:00:01 [error] 1234#5678: *99 upstream timed out (110: Connection timed out)\n\
        [2026-02-06 10:00:01,500: INFO/ForkPoolWorker-2] tasks.email.send[6f1b2c3d]: Task succeeded in 0.25s\n";
    let out = run_stdin(&["analyze", "--color", "never"], input);
    assert_eq!(out.status.code(), Some(0));
    let s = String::from_utf8(out.stdout).unwrap();
    let busiest = s
        .lines()
        .skip_while(|l| !l.contains("busiest:"))
        .nth(1)
        .unwrap_or_else(|| panic!("no busiest bucket in\n{s}"));
    let words: Vec<&str> = busiest.split_whitespace().collect();
    assert_eq!(words[1..], ["1", "error", "2", "events"], "{s}");
    assert!(
        s.contains("  upstream timed out (110: Connection timed out)"),
        "{s}"
    );
    assert!(s.contains("  Task succeeded in 0.25s"), "{s}");
    let mined = run_stdin(&["mine", "--color", "never"], input);
    let m = String::from_utf8(mined.stdout).unwrap();
    assert!(m.starts_with("2 templates from 2 messages"), "{m}");
    assert!(m.contains("Task succeeded in <*>\n"), "{m}");
    let one = run_stdin(
        &["mine", "--color", "never"],
        &input[..input.iter().position(|&b| b == b'\n').unwrap() + 1],
    );
    let m = String::from_utf8(one.stdout).unwrap();
    assert!(m.starts_with("1 template from 1 message\n"), "{m}");
}

/// The text report shows what `--latency --traces --slow` found, not only the JSON: the
/// groups' percentiles, the events over the threshold, and failing requests with an id that
/// is whole (it is pasted into `trace`).
#[test]
fn text_report_shows_latency_groups_slow_events_and_whole_request_ids() {
    let sample = env!("CARGO_MANIFEST_DIR").to_string() + "/samples/incident.log";
    let out = run(&[
        "analyze",
        "--latency",
        "--traces",
        "--slow",
        "5s",
        "--color",
        "never",
        &sample,
    ]);
    assert_eq!(out.status.code(), Some(0));
    let s = String::from_utf8(out.stdout).unwrap();
    let r = json(&run(&[
        "analyze",
        "-f",
        "json",
        "--latency",
        "--traces",
        "--slow",
        "5s",
        &sample,
    ]));
    assert!(s.contains("slowest groups"), "{s}");
    let group = &r["latency"]["groups"][0];
    assert!(s.contains(group["key"].as_str().unwrap()), "{s}");
    let slow = &r["latency"]["slow"];
    assert!(
        s.contains(&format!("{} events slower than 5.000 s", slow["count"])),
        "{s}"
    );
    let first = slow["events"][0]["request_id"].as_str().unwrap();
    assert!(s.contains(first), "{s}");
    for g in r["traces"]["error_groups"]
        .as_array()
        .unwrap()
        .iter()
        .take(8)
    {
        let id = g["example"]["request_id"].as_str().unwrap();
        assert!(s.contains(&format!(" {id} ")), "{id} cut in\n{s}");
    }
}

#[test]
fn log_content_cannot_inject_terminal_escapes() {
    let input = b"{\"level\":\"error\",\"msg\":\"\\u001b]0;pwned\\u0007 \\u202e database connection failed\"}\n\x1b[2J plain ERROR line\n";
    let out = run_stdin(&["analyze", "--color", "never"], input);
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(
        !s.contains('\x1b') && !s.contains('\u{7}') && !s.contains('\u{202e}'),
        "{s}"
    );
    assert!(s.contains("\\x1b"));
}

#[test]
fn broken_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = corpus(dir.path(), "c.log", SynthFormat::Json, 20_000, 1);
    assert_quiet_on_closed_pipe(&["patterns", "list"]);
    // A long report closed early.
    assert_quiet_on_closed_pipe(&["analyze", "-f", "json", "--top", "5000", path_str(&path)]);
    // ... keeps its `--fail-on` verdict: a gate does not pass because its report was too big
    // for the pipe.
    let args = [
        "analyze",
        "-f",
        "json",
        "--top",
        "5000",
        "--fail-on",
        "info",
        path_str(&path),
    ];
    let out = output_on_closed_pipe(&args, std::process::Stdio::inherit());
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("logtriage: --fail-on info: "),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    // A completion script that cannot be written is an error, not a panic.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = bin()
        .args(["completions", "bash"])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

#[test]
fn patterns_list_json_is_an_array_of_patterns() {
    let out = run(&["patterns", "list", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    let arr = v.as_array().unwrap();
    assert!(arr.len() >= 60, "{} patterns", arr.len());
    for p in arr {
        for key in [
            "id", "title", "severity", "meaning", "action", "match", "examples",
        ] {
            assert!(p.get(key).is_some(), "{key} missing in {p}");
        }
    }
}

#[test]
fn patterns_show_and_unknown_id() {
    let out = run(&["patterns", "show", "axonflow.database-connection-failed"]);
    assert_eq!(out.status.code(), Some(0));
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.contains("action") && s.contains("meaning"), "{s}");
    let out = run(&["patterns", "show", "nope"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn patterns_check_accepts_the_builtin_files_and_names_errors() {
    let dir = env!("CARGO_MANIFEST_DIR").to_string() + "/patterns";
    let out = run(&["patterns", "check", &dir]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[pattern]]\nid = \"my.slow\"\ntitle = \"Slow\"\nseverity = \"warn\"\n\n[pattern.match]\nregex = 'took (\\d+'\n",
    )
    .unwrap();
    let out = run(&["patterns", "check", path_str(&bad)]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml:2") && err.contains("my.slow") && err.contains("regex"),
        "{err}"
    );

    let wrong = tmp.path().join("wrong.toml");
    std::fs::write(
        &wrong,
        "[[pattern]]\nid = \"my.x\"\ntitle = \"X\"\nseverity = \"warn\"\n[pattern.match]\ncontains = [\"boom\"]\n[pattern.examples]\nmatch = ['{\"msg\":\"bang\"}']\n",
    )
    .unwrap();
    let out = run(&["patterns", "check", path_str(&wrong)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("should match"));
}

#[test]
fn patterns_check_warns_of_an_id_analyze_would_refuse_as_a_duplicate() {
    let builtin = json(&run(&["patterns", "list", "-f", "json"]));
    let id = builtin[0]["id"]
        .as_str()
        .expect("a built-in id")
        .to_string();
    let tmp = tempfile::tempdir().unwrap();
    let cat = tmp.path().join("mine.toml");
    std::fs::write(
        &cat,
        format!("[[pattern]]\nid = \"{id}\"\ntitle = \"Mine\"\nseverity = \"warn\"\n[pattern.match]\ncontains = [\"boom\"]\n[pattern.examples]\nmatch = ['{{\"msg\":\"boom\"}}']\n"),
    )
    .unwrap();
    let out = run(&["patterns", "check", path_str(&cat)]);
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("also built in") && err.contains(&id), "{err}");
    // The warning is true: analyze refuses it, and takes it with --no-builtin.
    let input = b"{\"msg\":\"boom\"}\n";
    let out = run_stdin(&["analyze", "--patterns", path_str(&cat)], input);
    assert_eq!(out.status.code(), Some(2));
    let r = json(&run_stdin(
        &[
            "analyze",
            "-f",
            "json",
            "--no-builtin",
            "--patterns",
            path_str(&cat),
        ],
        input,
    ));
    assert_eq!(r["patterns"][0]["id"], id.as_str());
}

#[test]
fn user_catalog_adds_patterns_to_analyze() {
    let tmp = tempfile::tempdir().unwrap();
    let cat = tmp.path().join("mine.toml");
    std::fs::write(
        &cat,
        "[[pattern]]\nid = \"my.widget\"\ntitle = \"Widget jammed\"\nseverity = \"error\"\naction = \"Unjam it\"\n[pattern.match]\ncontains = [\"widget jammed\"]\n",
    )
    .unwrap();
    let input = br#"{"level":"error","msg":"Widget JAMMED again"}"#;
    let r = json(&run_stdin(
        &["analyze", "-f", "json", "--patterns", path_str(&cat)],
        input,
    ));
    assert_eq!(r["patterns"][0]["id"], "my.widget");
    let out = run_stdin(&["analyze", "--patterns", "/nonexistent/x.toml"], input);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn output_file_and_unwritable_output() {
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("r.json");
    let out = run_stdin(
        &["analyze", "-f", "json", "-o", path_str(&dest)],
        b"{\"msg\":\"x\"}\n",
    );
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&dest).unwrap()).unwrap();
    assert_eq!(v["schema"], "logtriage.report/v1");
    let out = run_stdin(&["analyze", "-o", "/nonexistent/dir/r.txt"], b"x\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/dir/r.txt"));
    // Every command that writes one document takes -o: the file holds what stdout would.
    let log = "samples/app.log";
    for args in [
        vec!["trace", "-f", "json", "req-0a3ab437d0a4", log],
        vec!["mine", "-f", "json", log],
        vec!["diff", "-f", "json", log, log],
    ] {
        let to_stdout = run(&args);
        let dest = tmp.path().join(format!("{}.json", args[0]));
        let with_o: Vec<&str> = args
            .iter()
            .copied()
            .chain(["-o", path_str(&dest)])
            .collect();
        let to_file = run(&with_o);
        assert_eq!(to_file.status.code(), to_stdout.status.code(), "{args:?}");
        assert!(to_file.stdout.is_empty(), "{args:?}");
        assert_eq!(std::fs::read(&dest).unwrap(), to_stdout.stdout, "{args:?}");
        assert!(!to_stdout.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn sigint_prints_a_partial_report_and_exits_130() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let (path, truth) = corpus(dir.path(), "c.log", SynthFormat::Json, 60_000, 3);
    let data = std::fs::read(&path).unwrap();
    let mut child = spawn_piped(&["analyze", "-f", "json", "--chunk-size", "65536", "-"]);
    let mut stdin = child.stdin.take().unwrap();
    // Enough for a few chunks, then interrupt while the reader waits for more input.
    let half = data.len() / 2;
    stdin.write_all(&data[..half]).unwrap();
    stdin.flush().unwrap();
    wait_read(&child, half);
    std::thread::sleep(std::time::Duration::from_millis(300));
    sigint(&child);
    // More input wakes the blocked read; the interrupted run stops at the next chunk.
    let _ = stdin.write_all(&data[half..]);
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = json(&out);
    assert_eq!(r["partial"], true);
    let lines = r["input"]["lines"].as_u64().unwrap();
    assert!(
        lines > 0 && lines < truth.lines,
        "read {lines} of {} lines",
        truth.lines
    );
}

/// A progress bar is drawn on stderr when it is a terminal (`analyze`, `check`, `diff`, `mine`), never
/// with `--no-progress`, never when stderr is a pipe. The terminal is a pseudo-terminal made by
/// util-linux's `script`.
#[test]
fn progress_bar_on_a_terminal_only() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("base.json");
    let out = run(&[
        "analyze",
        "-f",
        "json",
        "-o",
        path_str(&baseline),
        "samples/app.log",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let exe = env!("CARGO_BIN_EXE_logtriage");
    let baseline = path_str(&baseline);
    for args in [
        vec!["analyze", "samples/app.log"],
        vec!["check", "-b", baseline, "samples/app.log"],
        vec!["diff", "samples/app.log", "samples/app.log"],
        vec!["mine", "samples/app.log"],
    ] {
        let on_terminal = |extra: &[&str]| {
            let cmd: Vec<String> = std::iter::once(exe)
                .chain(args.iter().copied())
                .chain(extra.iter().copied())
                .map(|a| format!("'{a}'"))
                .collect();
            let out = std::process::Command::new("script")
                .args(["-qec", &cmd.join(" "), "/dev/null"])
                .env("COLUMNS", "120")
                .stdin(std::process::Stdio::null())
                .output()
                .expect("util-linux `script` runs (a pseudo-terminal for the test)");
            assert_eq!(out.status.code(), Some(0), "{args:?} {extra:?}");
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        // The bar's rate column (bytes per second), drawn at its first update.
        let bar = |s: &str| s.contains("B/s");
        assert!(
            bar(&on_terminal(&[])),
            "{args:?}: no progress bar on a terminal"
        );
        assert!(
            !bar(&on_terminal(&["--no-progress"])),
            "{args:?} --no-progress"
        );
        let piped = run(&args);
        assert_eq!(piped.status.code(), Some(0), "{args:?}");
        assert!(
            piped.stderr.is_empty(),
            "{args:?}: stderr is not a terminal"
        );
    }
}

/// An interrupt ends a run that waits on an idle pipe at once, the writer still holding it
/// open: what was read is reported (analyze, filter, mine, trace), exit 130; `check` and `diff`
/// give no verdict on part of their input and say so, exit 130. Reading standard input used to
/// wait until the writer sent more or closed the pipe.
#[test]
fn sigint_ends_a_read_on_an_idle_pipe() {
    use std::io::Write;
    use std::time::{Duration, Instant};
    let data = b"{\"level\":\"error\",\"msg\":\"disk full\",\"request_id\":\"r-1\"}\n{\"msg\":\"ok\",\"request_id\":\"r-2\"}\n";
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("a.log");
    std::fs::write(&logs, data).unwrap();
    let baseline = dir.path().join("base.json");
    let out = bin()
        .args(["analyze", "-f", "json", "-o"])
        .arg(&baseline)
        .arg(&logs)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let (logs, baseline) = (logs.to_str().unwrap(), baseline.to_str().unwrap());
    for args in [
        &["analyze", "-f", "json"][..],
        &["filter", "-c", "disk"][..],
        &["mine", "-f", "json"][..],
        &["trace", "r-1", "-f", "json"][..],
        &["check", "-b", baseline, "-"][..],
        &["diff", logs, "-"][..],
    ] {
        let mut child = spawn_piped(args);
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(data).unwrap();
        stdin.flush().unwrap();
        wait_read(&child, data.len());
        std::thread::sleep(Duration::from_millis(300));
        sigint(&child);
        let start = Instant::now();
        let code = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status.code();
            }
            if start.elapsed() > Duration::from_secs(10) {
                let _ = child.kill();
                panic!("{args:?} still waits on the pipe 10 s after the interrupt");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        assert_eq!(code, Some(130), "{args:?}");
        let out = child.wait_with_output().unwrap();
        drop(stdin);
        let stderr = String::from_utf8_lossy(&out.stderr);
        match args[0] {
            "analyze" => {
                let r = json(&out);
                assert_eq!(r["partial"], true);
                assert_eq!(r["input"]["lines"], 2);
                assert_eq!(r["levels"]["error"], 1);
            }
            "filter" => assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1"),
            "mine" => {
                let r = json(&out);
                assert_eq!(r["partial"], true, "{r}");
                assert_eq!(r["lines"], 2, "{r}");
                assert_eq!(r["templates"].as_array().unwrap().len(), 2, "{r}");
            }
            "trace" => {
                let r = json(&out);
                assert_eq!(r["partial"], true, "{r}");
                let events = r["events"].as_array().unwrap();
                assert_eq!(events.len(), 1, "{r}");
                assert_eq!(events[0]["message"], "disk full", "{r}");
                assert!(stderr.starts_with("logtriage: interrupted: "), "{stderr}");
            }
            _ => {
                assert!(out.stdout.is_empty(), "{args:?}: no verdict");
                assert_eq!(
                    stderr.trim(),
                    "logtriage: interrupted: no verdict on part of the input",
                    "{args:?}"
                );
            }
        }
    }
}

/// An interrupt while the reader waits for more input keeps what was read: every line of a
/// short input is in the report (or counted by `filter`), not dropped with its chunk.
#[test]
fn sigint_keeps_every_line_read_before_it() {
    use std::io::Write;
    let data = std::fs::read("samples/app.log").unwrap();
    let lines = data.iter().filter(|&&b| b == b'\n').count() as u64;
    let interrupted = |args: &[&str]| {
        let mut child = spawn_piped(args);
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(&data).unwrap();
        stdin.flush().unwrap();
        wait_read(&child, data.len());
        std::thread::sleep(std::time::Duration::from_millis(300));
        sigint(&child);
        std::thread::sleep(std::time::Duration::from_millis(200));
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(130), "{args:?}");
        out
    };
    let r = json(&interrupted(&["analyze", "-f", "json"]));
    assert_eq!(r["partial"], true);
    assert_eq!(r["input"]["lines"], lines);
    assert_eq!(r["input"]["bytes"], data.len() as u64);
    let out = interrupted(&["filter", "-c", "request_id"]);
    let want = data
        .split(|&b| b == b'\n')
        .filter(|l| l.windows(10).any(|w| w == b"request_id"))
        .count();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        want.to_string()
    );
}

/// A line over `--max-line-bytes` is skipped by every command, also when it is short enough to
/// sit whole in a chunk (the reader drops only the longer ones).
#[test]
fn every_command_skips_lines_over_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.log");
    let long = format!("{} req-x long\n", "y".repeat(5000));
    std::fs::write(&path, format!("{long}short req-x line\n{long}")).unwrap();
    let p = path_str(&path);
    let cap = ["--max-line-bytes", "1000"];
    let out = run(&[&["filter", "-c", "req-x"][..], &cap, &[p]].concat());
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1");
    let out = run(&[&["filter", "-c", "-v", "nothing-like-this"][..], &cap, &[p]].concat());
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1");
    let out = run(&[&["trace", "-f", "json", "req-x"][..], &cap, &[p]].concat());
    assert_eq!(json(&out)["events"].as_array().unwrap().len(), 1);
    let out = run(&[&["mine", "-f", "json", "--text"][..], &cap, &[p]].concat());
    let mined = json(&out);
    let counts: Vec<u64> = mined["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["count"].as_u64().unwrap())
        .collect();
    assert_eq!(counts, [1], "{mined}");
    let out = run(&[&["analyze", "-f", "json"][..], &cap, &[p]].concat());
    assert_eq!(json(&out)["input"]["oversize"], 2);
}

/// `trace` lists the earliest `--max-events` events by time, wherever they are in the input,
/// with their true line numbers, and counts the rest: an id that matches most lines of a big
/// log (a short id in plain text) keeps memory bounded instead of holding every line.
#[test]
fn trace_keeps_the_earliest_events_up_to_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    // Two files, times descending in each, the second file earlier than the first.
    let mut paths = Vec::new();
    for (f, base) in [("late.log", 5_000), ("early.log", 0)] {
        let text: String = (0..3_000)
            .rev()
            .map(|i| {
                let t = base + i;
                format!(
                    "2026-02-06T{:02}:{:02}:{:02}.000Z INFO step {t} of job-7 done\n",
                    10 + t / 3600,
                    t / 60 % 60,
                    t % 60
                )
            })
            .collect();
        let p = dir.path().join(f);
        std::fs::write(&p, text).unwrap();
        paths.push(p);
    }
    let (late, early) = (path_str(&paths[0]), path_str(&paths[1]));
    let out = run(&[
        "trace",
        "-f",
        "json",
        "--max-events",
        "100",
        "job-7",
        late,
        early,
    ]);
    assert_eq!(out.status.code(), Some(0));
    let r = json(&out);
    assert_eq!(r["omitted"], 5_900);
    let events = r["events"].as_array().unwrap();
    assert_eq!(events.len(), 100);
    for (k, e) in events.iter().enumerate() {
        // Step k of the early file is on its line 3000 - k.
        assert_eq!(e["message"], format!("step {k} of job-7 done"), "{e}");
        assert_eq!(e["source"], early);
        assert_eq!(e["line"], 3_000 - k as u64, "{e}");
    }
    let text = run(&["trace", "--max-events", "100", "job-7", late, early]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("and 5,900 later events not listed (--max-events)"),
        "{text}"
    );
    // The header counts every event, and says which it describes.
    let head = text.lines().next().unwrap();
    assert!(
        head.contains("· 6,000 events, the first 100 listed · span of those "),
        "{head}"
    );
    let bad = run(&["trace", "--max-events", "0", "job-7", late]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn trace_lists_one_requests_events_in_time_order() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = corpus(dir.path(), "c.log", SynthFormat::Mixed, 20_000, 5);
    let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
    // The request with the most events, counted independently with serde_json.
    let mut counts: std::collections::HashMap<String, usize> = Default::default();
    for line in text.lines() {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(line) {
            if let Some(id) = v["request_id"].as_str() {
                *counts.entry(id.to_string()).or_default() += 1;
            }
        }
    }
    let (id, n) = counts
        .iter()
        .max_by_key(|(k, v)| (**v, (*k).clone()))
        .unwrap();
    let out = run(&["trace", id, "-f", "json", path_str(&path)]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let t = json(&out);
    assert_eq!(t["schema"], "logtriage.trace/v1");
    let events = t["events"].as_array().unwrap();
    assert_eq!(events.len(), *n);
    let times: Vec<&str> = events.iter().map(|e| e["ts"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "time order");
    for e in events {
        let line = text
            .lines()
            .nth(e["line"].as_u64().unwrap() as usize - 1)
            .unwrap();
        assert!(
            line.contains(id.as_str()),
            "line numbers point at the event"
        );
    }
    let human = run(&["trace", id, "--color", "never", path_str(&path)]);
    let s = String::from_utf8(human.stdout).unwrap();
    assert!(s.starts_with(&format!("request {id}")), "{s}");
    assert_eq!(
        s.lines().count(),
        n + 2,
        "header, start time, one line per event"
    );

    let none = run(&["trace", "req-does-not-exist", path_str(&path)]);
    assert_eq!(none.status.code(), Some(1));
}

#[test]
fn trace_shows_a_plain_text_lines_message_and_logger_apart() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("t.log");
    std::fs::write(
        &log,
        "2026-02-06 10:00:00,100 INFO [main] com.shop.Api: req-42 received\n\
         {\"level\":\"error\",\"ts\":\"2026-02-06T10:00:00.300Z\",\"msg\":\"db timeout\",\"request_id\":\"req-42\"}\n\
         Feb  6 10:00:01 web1 nginx[7]: req-42 upstream timed out\n\
         2026-02-06 10:00:02 [req-42] ERROR\n",
    )
    .unwrap();
    let out = run(&[
        "trace",
        "req-42",
        "-f",
        "json",
        "--syslog-year",
        "2026",
        path_str(&log),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let t = json(&out);
    let got: Vec<(String, String, String)> = t["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or("-").to_string();
            (s("level"), s("service"), s("message"))
        })
        .collect();
    let want = [
        ("info", "com.shop.Api", "req-42 received"),
        ("error", "-", "db timeout"),
        ("-", "nginx", "req-42 upstream timed out"),
        // Nothing after the header: the line is the message.
        ("error", "-", "2026-02-06 10:00:02 [req-42] ERROR"),
    ];
    let want: Vec<(String, String, String)> = want
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(got, want);
    let raw = t["events"][0]["raw"].as_str().unwrap();
    assert!(
        raw.starts_with("2026-02-06 10:00:00,100 INFO [main]"),
        "{raw}"
    );
    // A text line holds the id only as a whole word: `req-4` is another request, and a blank
    // id is a usage error.
    let out = run(&["trace", "req-4", path_str(&log)]);
    assert_eq!(out.status.code(), Some(1), "req-4 is not in req-42's lines");
    let out = run(&["trace", "  ", path_str(&log)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the request id is empty"));
}

#[test]
fn memory_mapped_and_buffered_reads_give_the_same_output() {
    let dir = tempfile::tempdir().unwrap();
    let (path, truth) = corpus(dir.path(), "c.log", SynthFormat::Mixed, 4_000, 21);
    let p = path.to_str().unwrap();
    // Each command as given and with --no-mmap: both succeed, and their outputs are compared.
    let both_ways = |args: &[&str]| {
        let outs = [run(args), run(&[args, &["--no-mmap"]].concat())];
        for out in &outs {
            assert_eq!(
                out.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        outs
    };
    // A small chunk size puts many chunk edges in the file; a small line cap drops a few
    // lines while reading.
    let [a, b] = both_ways(&[
        "analyze",
        "-f",
        "json",
        "--latency",
        "--traces",
        "--chunk-size",
        "3000",
        "--max-line-bytes",
        "400",
        p,
    ]);
    let (mapped, buffered) = (json(&a), json(&b));
    assert_eq!(mapped, buffered);
    assert_eq!(mapped["input"]["lines"].as_u64(), Some(truth.lines));
    assert!(
        mapped["input"]["oversize"].as_u64().unwrap() > 0,
        "the cap dropped lines"
    );

    let id = mapped["traces"]["slowest"][0]["request_id"]
        .as_str()
        .expect("a slowest trace")
        .to_string();
    let [a, b] = both_ways(&["trace", &id, "--format", "json", p]);
    let t = json(&a);
    assert!(!t["events"].as_array().unwrap().is_empty());
    assert_eq!(t, json(&b));

    let [a, b] = both_ways(&["filter", &id, "--chunk-size", "2000", p]);
    assert!(!a.stdout.is_empty());
    assert_eq!(a.stdout, b.stdout);

    let [a, b] = both_ways(&["mine", "-f", "json", p]);
    let m = json(&a);
    assert!(!m["templates"].as_array().unwrap().is_empty());
    assert_eq!(m, json(&b));
}

/// The bash completion script loads in a real bash and completes subcommands, flags and the
/// values of an enum flag.
#[test]
fn bash_completion_completes_subcommands_and_flags() {
    let script = run(&["completions", "bash"]);
    assert_eq!(script.status.code(), Some(0));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("logtriage.bash");
    std::fs::write(&path, &script.stdout).unwrap();
    // What bash's programmable completion would offer for the words typed so far.
    let complete = |words: &[&str]| -> Vec<String> {
        let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
        let program = format!(
            r#"source '{}'
COMP_WORDS=({}); COMP_CWORD={}; COMP_LINE="${{COMP_WORDS[*]}}"; COMP_POINT=${{#COMP_LINE}}
_logtriage logtriage "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#,
            path.display(),
            quoted.join(" "),
            words.len() - 1
        );
        let out = std::process::Command::new("bash")
            .args(["--norc", "-c", &program])
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .map(String::from)
            .collect()
    };
    assert_eq!(complete(&["logtriage", "ana"]), ["analyze"]);
    let flags = complete(&["logtriage", "analyze", "--la"]);
    for f in ["--last", "--latency", "--latency-field", "--latency-by"] {
        assert!(flags.iter().any(|c| c == f), "{f} not in {flags:?}");
    }
    assert!(flags.iter().all(|c| c.starts_with("--la")), "{flags:?}");
    let mut formats = complete(&["logtriage", "analyze", "--format", ""]);
    formats.sort();
    assert_eq!(formats, ["html", "json", "markdown", "text"]);
}

/// The Markdown report, read back by a CommonMark/GFM parser: log content shows as the text it
/// is (no HTML, links or images from it, tables keep their columns), quoted lines sit in code
/// blocks that their backticks cannot close.
#[test]
fn markdown_report_shows_hostile_log_text_as_text() {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    let hostile = "boom | <script>alert(1)</script> [x](http://evil.example) ![i](http://evil.example/i.png) **b** ``` done";
    let log = format!(
        "{}\n{}\n{}\npanic: ```` </details> <img src=x onerror=alert(1)>\n",
        serde_json::json!({"level": "error", "ts": "2026-02-06T10:00:00Z", "msg": hostile,
            "request_id": "req-<b>1</b>|x", "duration_ms": 1200}),
        serde_json::json!({"level": "info", "ts": "2026-02-06T10:00:01Z", "msg": "fine",
            "request_id": "req-2", "duration_ms": 3}),
        serde_json::json!({"level": "error", "ts": "2026-02-06T10:00:02Z",
            "msg": "dial tcp 10.0.0.1:5432: connect: connection refused `x`", "request_id": "req-2"}),
    );
    let out = run_stdin(
        &["analyze", "-f", "markdown", "--latency", "--traces", "-"],
        log.as_bytes(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = String::from_utf8(out.stdout).unwrap();

    // Every row of a table has its header's number of cells (escaped pipes are not cells).
    let cells = |line: &str| line.replace("\\|", "").matches('|').count();
    let mut tables = 0;
    for block in doc.split("\n\n") {
        let rows: Vec<&str> = block.lines().filter(|l| l.starts_with('|')).collect();
        if let Some(head) = rows.first() {
            tables += 1;
            for r in &rows {
                assert_eq!(cells(r), cells(head), "{r}\nin\n{block}");
            }
        }
    }
    assert!(tables >= 5, "{doc}");

    let (mut text, mut code, mut html) = (String::new(), String::new(), Vec::new());
    let mut in_code = false;
    for e in Parser::new_ext(&doc, Options::ENABLE_TABLES) {
        match e {
            Event::Start(Tag::Link { .. } | Tag::Image { .. }) => panic!("a link in\n{doc}"),
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Text(t) if in_code => code.push_str(&t),
            Event::Text(t) => text.push_str(&t),
            Event::Html(h) | Event::InlineHtml(h) => html.push(h.trim().to_string()),
            _ => {}
        }
    }
    for h in &html {
        assert!(
            ["<sub>", "</sub>", "<details>", "</details>"]
                .iter()
                .any(|ours| h.starts_with(ours)),
            "HTML from the log: {h}"
        );
    }
    assert!(
        text.contains(hostile.trim_end_matches(" ``` done").trim_end()),
        "{text}"
    );
    assert!(text.contains("req-<b>1</b>|x"), "{text}");
    assert!(
        code.contains("panic: ```` </details> <img src=x onerror=alert(1)>"),
        "{code}"
    );
    for section in [
        "### Known patterns",
        "### Top messages",
        "### Latency",
        "### Request traces",
    ] {
        assert!(doc.contains(section), "{section}");
    }
}

/// At a terminal, a command left to read standard input says so, and one given files does not
/// (`watch FILE` once claimed to read standard input).
///
/// Standard input is the follower side of a pseudo-terminal opened here, not the controlling
/// terminal of a session: a command run under `script` and `timeout` sat in a background
/// process group, and its read of the terminal stopped it (SIGTTIN) for good where `sh` did not
/// exec `timeout`.
#[cfg(unix)]
#[test]
fn only_a_command_reading_standard_input_at_a_terminal_says_so() {
    use std::io::Read;
    use std::os::fd::{FromRawFd, OwnedFd};
    use std::time::{Duration, Instant};
    const HINT: &str = "reading standard input";
    // Runs the binary with a terminal on standard input and returns its stderr: the command
    // ends by itself (analyze given a file) or is killed after a grace time (a read of the
    // terminal waits for input, and watch follows its file).
    let stderr_at_a_terminal = |args: &[&str]| -> String {
        let (mut leader, mut follower) = (-1, -1);
        // SAFETY: openpty writes two fresh descriptors; null name, termios and winsize.
        let rc = unsafe {
            libc::openpty(
                &mut leader,
                &mut follower,
                std::ptr::null_mut(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
        // SAFETY: both descriptors were just opened and are owned by nothing else.
        let (leader, follower) =
            unsafe { (OwnedFd::from_raw_fd(leader), OwnedFd::from_raw_fd(follower)) };
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_logtriage"))
            .args(args)
            .stdin(follower)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn logtriage");
        let mut pipe = child.stderr.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut seen = Vec::new();
            let _ = pipe.read_to_end(&mut seen);
            String::from_utf8_lossy(&seen).into_owned()
        });
        let started = Instant::now();
        let grace = Duration::from_secs(2);
        while child.try_wait().unwrap().is_none() && started.elapsed() < grace {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        drop(leader);
        reader.join().unwrap()
    };
    assert!(stderr_at_a_terminal(&["watch"]).contains(HINT));
    assert!(stderr_at_a_terminal(&["analyze", "--no-progress"]).contains(HINT));
    for args in [
        &["watch", "samples/incident.log"][..],
        &["analyze", "--no-progress", "samples/incident.log"],
    ] {
        let said = stderr_at_a_terminal(args);
        assert!(!said.contains(HINT), "{args:?}: {said}");
    }
}
