//! `logtriage filter` and `analyze --filter`, driven through the binary.

mod common;

use std::io::Write;

use common::*;
use logtriage::filter::FilterPattern;
use logtriage::synth::SynthFormat;

/// Lines of `text` the library says match, in order, each with its newline.
fn expected(pattern: &str, text: &str, invert: bool) -> String {
    let p = FilterPattern::parse(pattern).unwrap();
    text.lines()
        .filter(|l| p.is_match(l.as_bytes()) != invert)
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn prints_matching_lines_in_input_order_for_any_threads_and_chunk_size() {
    let dir = tempfile::tempdir().unwrap();
    let (a, _) = corpus(dir.path(), "a.log", SynthFormat::Mixed, 6_000, 3);
    let (b, _) = corpus(dir.path(), "b.log", SynthFormat::Json, 4_000, 4);
    let text_b = std::fs::read_to_string(&b).unwrap();
    for pattern in [
        r#"{ $.level = "error" || $.level = "fatal" }"#,
        "?timeout ?refused",
        "[w1, ...]",
        "-request",
    ] {
        // Lines of invalid UTF-8 in the mixed corpus compare as bytes: expected() sees them
        // lossily, so compare against the library on the raw bytes instead.
        let raw = std::fs::read(&a).unwrap();
        let p = FilterPattern::parse(pattern).unwrap();
        // Several files: each line starts with its file's name, as with grep (and
        // `--no-filename` leaves the lines as they are).
        let (mut want, mut plain) = (Vec::new(), Vec::new());
        for line in raw.split_inclusive(|&c| c == b'\n') {
            let l = line.strip_suffix(b"\n").unwrap_or(line);
            let l = l.strip_suffix(b"\r").unwrap_or(l);
            if p.is_match(l) {
                want.extend_from_slice(format!("{}:", path_str(&a)).as_bytes());
                for v in [&mut want, &mut plain] {
                    v.extend_from_slice(l);
                    v.push(b'\n');
                }
            }
        }
        for l in expected(pattern, &text_b, false).lines() {
            want.extend_from_slice(format!("{}:{l}\n", path_str(&b)).as_bytes());
            plain.extend_from_slice(format!("{l}\n").as_bytes());
        }
        assert!(!want.is_empty(), "{pattern} selects something");
        for (threads, chunk) in [("1", "1048576"), ("4", "97"), ("2", "4096")] {
            let args = |names: &'static str| {
                let mut v = vec![
                    "filter",
                    "-e",
                    pattern,
                    "-j",
                    threads,
                    "--chunk-size",
                    chunk,
                    path_str(&a),
                    path_str(&b),
                ];
                if !names.is_empty() {
                    v.push(names);
                }
                v
            };
            let out = run(&args(""));
            assert_eq!(out.status.code(), Some(0), "{pattern}");
            assert!(
                out.stdout == want,
                "{pattern} threads={threads} chunk={chunk}"
            );
            let out = run(&args("--no-filename"));
            assert!(out.stdout == plain, "{pattern} --no-filename");
        }
    }
}

#[test]
fn count_invert_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let (a, _) = corpus(dir.path(), "a.log", SynthFormat::Json, 3_000, 5);
    let (b, _) = corpus(dir.path(), "b.log", SynthFormat::Json, 2_000, 6);
    let all = format!(
        "{}{}",
        std::fs::read_to_string(&a).unwrap(),
        std::fs::read_to_string(&b).unwrap()
    );
    let p = r#"{ $.level = "warn" }"#;
    let want = expected(p, &all, false).lines().count();
    let out = run(&["filter", "-c", p, path_str(&a), path_str(&b)]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{want}\n"),
        "one bare total"
    );
    // With -H, one count per input, as `grep -c` (an unreadable one gets none, and exit 2).
    let missing = dir.path().join("missing.log");
    let out = run(&[
        "filter",
        "-c",
        "-H",
        p,
        path_str(&a),
        path_str(&missing),
        path_str(&b),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let want_a = expected(p, &std::fs::read_to_string(&a).unwrap(), false)
        .lines()
        .count();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "{}:{want_a}\n{}:{}\n",
            path_str(&a),
            path_str(&b),
            want - want_a
        )
    );
    let out = run(&["filter", "-c", "-v", p, path_str(&a), path_str(&b)]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        (all.lines().count() - want).to_string()
    );
    let out = run(&["filter", "no-such-text-anywhere", path_str(&a)]);
    assert_eq!(out.status.code(), Some(1), "nothing matched");
    assert!(out.stdout.is_empty());
    let out = run(&["filter", "-c", "no-such-text-anywhere", path_str(&a)]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "0\n");
}

#[test]
fn invalid_pattern_is_a_one_line_error_naming_the_column() {
    let out = run_stdin(&["filter", "{ $.level = }"], b"x\n");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("column 13"), "{err}");
    let out = run_stdin(&["analyze", "--filter", "%(a)%"], b"x\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("column 2"));
}

#[test]
fn patterns_starting_with_a_minus() {
    let input = b"DEBUG a\nINFO b\nERROR c\n";
    for args in [
        &["filter", "-e", "-DEBUG"][..],
        &["filter", "--", "-DEBUG"][..],
    ] {
        let out = run_stdin(args, input);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "INFO b\nERROR c\n");
    }
    // With -e, every positional argument is a path.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("x.log");
    std::fs::write(&f, input).unwrap();
    let out = run(&["filter", "-e", "-DEBUG", "-c", path_str(&f)]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "2\n");
}

#[test]
fn lines_are_printed_unchanged_even_crlf_and_without_final_newline() {
    let out = run_stdin(&["filter", "ERROR"], b"ERROR a\r\nINFO b\r\nERROR c");
    assert_eq!(out.stdout, b"ERROR a\r\nERROR c\n");
}

#[test]
fn json_output_is_one_object_per_line() {
    let input = concat!(
        r#"{"level":"error","ts":"2026-02-06T10:00:00Z","msg":"db down","request_id":"r1"}"#,
        "\n2026-02-06T10:00:01Z {\"level\":\"error\",\"msg\":\"export\"}\n",
        "ERROR plain text\n",
        "level=error msg=\"logfmt line\"\n",
        // Raw control bytes inside strings (the scanner tolerates them), escaped on output.
        "{\"level\":\"error\",\"msg\":\"tab\there\\\\\",\"x\":\"\u{1}\"}\n",
    );
    let out = run_stdin(&["filter", "-f", "json", "?error ?ERROR"], input.as_bytes());
    assert_eq!(out.status.code(), Some(0));
    let objs: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objs.len(), 5);
    assert_eq!(objs[0]["format"], "json");
    assert_eq!(objs[0]["event"]["request_id"], "r1");
    assert_eq!(objs[0]["message"], "db down");
    assert_eq!(objs[0]["level"], "error");
    assert_eq!(objs[0]["source"], "-", "standard input");
    assert_eq!(objs[1]["format"], "cloudwatch");
    assert_eq!(objs[1]["event"]["msg"], "export");
    assert_eq!(objs[2]["format"], "text");
    assert!(objs[2]["event"].is_null());
    assert_eq!(objs[2]["line"], "ERROR plain text");
    assert_eq!(objs[3]["format"], "logfmt");
    assert_eq!(objs[3]["message"], "logfmt line");
    assert_eq!(objs[4]["event"]["msg"], "tab\there\\");
    assert_eq!(objs[4]["event"]["x"], "\u{1}");
}

#[test]
fn gzip_missing_files_and_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("a.log.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    enc.write_all(b"ERROR one\nINFO two\n").unwrap();
    enc.finish().unwrap();
    let missing = dir.path().join("missing.log");
    let out = run(&["filter", "ERROR", path_str(&gz), path_str(&missing)]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unreadable input is an error, as in grep"
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "ERROR one\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.log"));
    let out = run_stdin(&["filter", "INFO", "-"], b"ERROR one\nINFO two\n");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "INFO two\n");
}

#[test]
fn closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let (a, _) = corpus(dir.path(), "a.log", SynthFormat::Json, 50_000, 7);
    assert_quiet_on_closed_pipe(&["filter", "[]", path_str(&a)]);
}

#[test]
fn analyze_filter_analyses_only_matching_events() {
    let dir = tempfile::tempdir().unwrap();
    let (a, _) = corpus(dir.path(), "a.log", SynthFormat::Json, 5_000, 8);
    let text = std::fs::read_to_string(&a).unwrap();
    let p = r#"{ $.level = "error" || $.level = "fatal" }"#;
    let selected = expected(p, &text, false).lines().count() as u64;
    let out = run(&["analyze", "-f", "json", "--filter", p, path_str(&a)]);
    assert_eq!(out.status.code(), Some(0));
    let r = json(&out);
    assert_eq!(r["input"]["lines"], 5_000);
    assert_eq!(r["input"]["events"], selected);
    assert_eq!(r["input"]["filter"]["pattern"], p);
    let blank = r["input"]["blank"].as_u64().unwrap();
    assert_eq!(r["input"]["filter"]["excluded"], 5_000 - selected - blank);
    assert_eq!(r["levels"]["info"], 0);
    assert_eq!(
        r["levels"]["error"].as_u64().unwrap() + r["levels"]["fatal"].as_u64().unwrap(),
        selected
    );
    let out = run(&["analyze", path_str(&a)]);
    let r2 = String::from_utf8_lossy(&out.stdout);
    assert!(!r2.contains("filter "), "no filter line without --filter");
}

/// `tail -f app.log | logtriage filter ERROR`: a selected line is printed while the pipe stays
/// open, not when a chunk fills or the input ends.
#[test]
fn lines_from_a_live_pipe_come_out_as_they_arrive() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let mut child = common::bin()
        .args(["filter", "ERROR"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let _ = tx.send(line.unwrap());
        }
    });
    for i in 0..3 {
        writeln!(stdin, "INFO quiet {i}\nERROR loud {i}").unwrap();
        stdin.flush().unwrap();
        let got = rx.recv_timeout(std::time::Duration::from_secs(10));
        assert_eq!(got.as_deref(), Ok(format!("ERROR loud {i}").as_str()));
    }
    drop(stdin);
    assert_eq!(child.wait().unwrap().code(), Some(0));
}
