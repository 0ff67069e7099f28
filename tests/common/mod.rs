//! Shared helpers for the integration tests: run the binary, generate corpora.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use logtriage::synth::{generate, SynthConfig, SynthFormat, Truth};

pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_logtriage"));
    c.env_remove("NO_COLOR").env("COLUMNS", "120");
    c
}

pub fn run(args: &[&str]) -> Output {
    bin()
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("binary runs")
}

/// Starts the binary with stdin, stdout and stderr piped.
pub fn spawn_piped(args: &[&str]) -> std::process::Child {
    bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs")
}

/// Sends SIGINT (Ctrl-C) to a running child.
pub fn sigint(child: &std::process::Child) {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits (up to 20 s) until a running child has read at least `n` bytes, by its
/// `/proc/PID/io`: a loaded machine may start it late. Other reads count too, so callers still
/// leave it a moment after this.
pub fn wait_read(child: &std::process::Child, n: usize) {
    let path = format!("/proc/{}/io", child.id());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::time::Instant::now() < deadline {
        let read = std::fs::read_to_string(&path).ok().and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("rchar: "))
                .and_then(|v| v.trim().parse::<usize>().ok())
        });
        if read.is_some_and(|r| r >= n) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

pub fn run_stdin(args: &[&str], input: &[u8]) -> Output {
    use std::io::Write;
    let mut child = spawn_piped(args);
    let mut stdin = child.stdin.take().unwrap();
    let data = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&data);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

pub fn corpus(
    dir: &Path,
    name: &str,
    format: SynthFormat,
    lines: u64,
    seed: u64,
) -> (PathBuf, Truth) {
    let path = dir.join(name);
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let truth = generate(
        &SynthConfig {
            seed,
            lines: Some(lines),
            format,
            ..Default::default()
        },
        &mut f,
    )
    .unwrap();
    use std::io::Write;
    f.flush().unwrap();
    (path, truth)
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs the binary, reads a few bytes of its output and closes the pipe: it must end quietly
/// with exit 0.
pub fn assert_quiet_on_closed_pipe(args: &[&str]) {
    assert_quiet_on_closed_pipe_reading(args, Stdio::inherit());
}

/// [`assert_quiet_on_closed_pipe`] with `stdin` as the binary's standard input.
pub fn assert_quiet_on_closed_pipe_reading(args: &[&str], stdin: Stdio) {
    let out = output_on_closed_pipe(args, stdin);
    assert_eq!(out.status.code(), Some(0), "{args:?}");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs the binary and closes its standard output after its first eight bytes.
pub fn output_on_closed_pipe(args: &[&str], stdin: Stdio) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 8];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

/// The templates [`variable_templates`] writes, in the order of its counts.
pub const VARIABLE_TEMPLATES: [&str; 3] = [
    "tool t-<*> completed in session <*>",
    "cache warmed",
    "job j-<*> failed after <*> attempts",
];

/// Writes `n` events of one variable template (every message distinct), a constant message
/// on every fourth and an error template (a few hundred distinct messages) on every tenth.
/// Returns the file and the true count of each template.
pub fn variable_templates(dir: &Path, n: u64) -> (PathBuf, [u64; 3]) {
    use std::io::Write;
    let path = dir.join("variable.log");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let mut seed = 0x5851_f42d_4c95_7f2du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut truth = [0u64; 3];
    for i in 0..n {
        let ts = format!(
            "2026-02-06T10:{:02}:{:02}.{:03}Z",
            (i / 1000) % 60,
            (i / 17) % 60,
            i % 1000
        );
        let line =
            |level: &str, msg: &str| format!(r#"{{"level":"{level}","ts":"{ts}","msg":"{msg}"}}"#);
        let msg = format!("tool t-{} completed in session {:016x}", i % 97, next());
        writeln!(f, "{}", line("info", &msg)).unwrap();
        truth[0] += 1;
        if i % 4 == 0 {
            writeln!(f, "{}", line("info", "cache warmed")).unwrap();
            truth[1] += 1;
        }
        if i % 10 == 0 {
            let msg = format!(
                "job j-{} failed after {} attempts",
                next() % 300,
                2 + next() % 3
            );
            writeln!(f, "{}", line("error", &msg)).unwrap();
            truth[2] += 1;
        }
    }
    f.flush().unwrap();
    (path, truth)
}

/// Template counts of a report: (count, exact) by template text.
pub fn template_counts(r: &serde_json::Value) -> std::collections::BTreeMap<String, (u64, bool)> {
    r["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["template"].as_str().unwrap().to_string(),
                (t["count"].as_u64().unwrap(), t["exact"].as_bool().unwrap()),
            )
        })
        .collect()
}

/// A report's top messages, sorted.
/// The `(key, count)` of a report's latency groups of one dimension (`service`, `route`), in
/// the report's order.
pub fn group_counts<'a>(latency: &'a serde_json::Value, by: &str) -> Vec<(&'a str, u64)> {
    latency["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["by"] == by)
        .map(|g| (g["key"].as_str().unwrap(), g["count"].as_u64().unwrap()))
        .collect()
}

pub fn sorted_messages(r: &serde_json::Value) -> Vec<&str> {
    let mut messages: Vec<&str> = r["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["message"].as_str().unwrap())
        .collect();
    messages.sort_unstable();
    messages
}
