//! Bad input, case by case, each with its documented behaviour (docs/RELIABILITY.md):
//! skip-and-count (exit 0), report-and-continue (exit 2 after the report), or a clear error
//! (exit 2). Every input is generated here; every case also checks that the good lines around
//! the bad ones are all counted.

mod common;

use std::io::Write;

use common::{json, path_str, run, run_stdin, sorted_messages};

const GOOD: &str =
    "{\"level\":\"error\",\"ts\":\"2026-02-06T10:00:00Z\",\"msg\":\"database connection failed\"}\n";

/// `bad` between good lines, analysed from stdin: exit 0 and every good line counted.
fn around(bad: &[u8]) -> serde_json::Value {
    let mut input = GOOD.as_bytes().to_vec();
    input.extend_from_slice(bad);
    if !bad.ends_with(b"\n") {
        input.push(b'\n');
    }
    input.extend_from_slice(GOOD.as_bytes());
    let out = run_stdin(&["analyze", "-f", "json"], &input);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = json(&out);
    assert_eq!(
        r["levels"]["error"],
        2,
        "both good lines counted around {:?}",
        String::from_utf8_lossy(&bad[..bad.len().min(80)])
    );
    r
}

#[test]
fn lone_surrogates_and_escaped_controls_stay_valid_json_and_clean_text() {
    let r = around(
        b"{\"level\":\"warn\",\"msg\":\"half \\ud800 pair \\udfff and \\u001b[2J\\u202e\"}\n",
    );
    assert_eq!(r["levels"]["warn"], 1, "the event is counted");
    let msg = r["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["message"].as_str().unwrap().starts_with("half"))
        .unwrap();
    assert!(
        msg["message"].as_str().unwrap().contains('\u{fffd}'),
        "lone surrogates become U+FFFD: {msg}"
    );
    let text = run_stdin(
        &["analyze", "--color", "never"],
        b"{\"level\":\"warn\",\"msg\":\"x \\u001b[2J \\u202e \\ud800\"}\n",
    );
    let t = String::from_utf8(text.stdout).unwrap();
    assert!(!t.contains('\u{1b}') && !t.contains('\u{202e}'), "{t}");
}

#[test]
fn numbers_out_of_range_and_duplicate_keys() {
    let r = around(b"{\"level\":\"info\",\"msg\":\"n\",\"duration_ms\":1e400,\"count\":123456789012345678901234567890}\n{\"level\":\"info\",\"msg\":\"neg\",\"duration_ms\":-5}\n");
    assert_eq!(r["input"]["events"], 4);
    assert_eq!(r["levels"]["info"], 2);
    // Duplicate keys: the last one counts (as in JSON.parse, Python's json and serde_json).
    let out = run_stdin(
        &["analyze", "-f", "json"],
        b"{\"level\":\"info\",\"level\":\"warn\",\"msg\":\"dup\"}\n",
    );
    assert_eq!(json(&out)["levels"]["warn"], 1);
    let out = run_stdin(&["analyze", "-f", "json", "--latency"], b"{\"msg\":\"a\",\"duration_ms\":1e400}\n{\"msg\":\"b\",\"duration_ms\":12}\n{\"msg\":\"c\",\"duration_ms\":-1}\n");
    assert_eq!(out.status.code(), Some(0));
    let r = json(&out);
    assert_eq!(
        r["latency"]["overall"]["count"], 1,
        "infinite and negative durations are not durations"
    );
    assert_eq!(r["latency"]["unparsable"], 2);
}

#[test]
fn odd_missing_and_out_of_order_timestamps() {
    let lines = [
        "{\"level\":\"info\",\"ts\":\"2026-02-06T10:05:00Z\",\"msg\":\"a\"}",
        "{\"level\":\"info\",\"ts\":\"2026-02-06T10:00:00Z\",\"msg\":\"earlier, later in the file\"}",
        "{\"level\":\"info\",\"ts\":\"yesterday-ish\",\"msg\":\"odd\"}",
        "{\"level\":\"info\",\"ts\":99999999999999999999,\"msg\":\"huge epoch\"}",
        "{\"level\":\"info\",\"ts\":\"0000-00-00T00:00:00Z\",\"msg\":\"zero date\"}",
        "{\"level\":\"info\",\"msg\":\"none\"}",
    ];
    let r = around(format!("{}\n", lines.join("\n")).as_bytes());
    assert_eq!(r["input"]["events"], 8);
    assert_eq!(r["input"]["events_without_time"], 4);
    assert_eq!(
        r["input"]["time_range"]["first"],
        "2026-02-06T10:00:00.000Z"
    );
    assert_eq!(r["input"]["time_range"]["last"], "2026-02-06T10:05:00.000Z");
    let buckets: u64 = r["timeline"]["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["events"].as_u64().unwrap())
        .sum();
    assert_eq!(buckets, 4, "every timed line is in the timeline once");
}

#[test]
fn empty_input_and_empty_files() {
    let out = run_stdin(&["analyze", "-f", "json"], b"");
    assert_eq!(out.status.code(), Some(0));
    let r = json(&out);
    assert_eq!(r["input"]["lines"], 0);
    assert_eq!(r["input"]["time_range"], serde_json::Value::Null);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("empty.log"), "").unwrap();
    std::fs::write(dir.path().join("good.log"), GOOD).unwrap();
    let out = run(&["analyze", "-f", "json", path_str(dir.path())]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json(&out)["levels"]["error"], 1);
}

#[test]
fn a_100_mib_line_is_skipped_and_counted_never_cut() {
    let mut input = GOOD.as_bytes().to_vec();
    input.extend(std::iter::repeat_n(b'x', 100 << 20));
    input.push(b'\n');
    input.extend_from_slice(GOOD.as_bytes());
    let out = run_stdin(&["analyze", "-f", "json"], &input);
    assert_eq!(out.status.code(), Some(0));
    let r = json(&out);
    assert_eq!(r["input"]["oversize"], 1);
    assert_eq!(r["input"]["lines"], 3);
    assert_eq!(r["levels"]["error"], 2);
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[test]
fn truncated_gzip_reports_what_it_read_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let body = GOOD.repeat(20_000);
    let mut bytes = gz(body.as_bytes());
    bytes.truncate(bytes.len() / 2);
    std::fs::write(dir.path().join("a-cut.log.gz"), bytes).unwrap();
    std::fs::write(dir.path().join("b.log"), GOOD).unwrap();
    let out = run(&["analyze", "-f", "json", path_str(dir.path())]);
    assert_eq!(out.status.code(), Some(2), "report and continue");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("a-cut.log.gz"), "{err}");
    let r = json(&out);
    assert_eq!(r["partial"], true);
    let errors = r["levels"]["error"].as_u64().unwrap();
    assert!(
        errors > 1 && errors < 20_001,
        "what was read of the cut file, plus the good file: {errors}"
    );
    assert!(r["input"]["sources"][0]["error"].is_string());
}

#[test]
fn a_cut_aws_logs_document_reports_the_events_before_the_cut() {
    // A download of `aws logs filter-log-events` output that broke off mid-event.
    let dir = tempfile::tempdir().unwrap();
    let event = |i: usize| {
        let msg = GOOD.trim_end().replace('"', "\\\"");
        format!(
            "    {{\"timestamp\": {}, \"message\": \"{msg}\"}}",
            1770372000000u64 + i as u64
        )
    };
    let events: Vec<String> = (0..500).map(event).collect();
    let doc = format!("{{\n  \"events\": [\n{}\n  ]\n}}\n", events.join(",\n"));
    let cut = &doc[..doc.find(&events[300]).unwrap() + 30];
    std::fs::write(dir.path().join("a-cut.json"), cut).unwrap();
    std::fs::write(dir.path().join("b.log"), GOOD).unwrap();
    let out = run(&["analyze", "-f", "json", path_str(dir.path())]);
    assert_eq!(out.status.code(), Some(2), "report and continue");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("a-cut.json") && err.contains("the 300 events before"),
        "{err}"
    );
    let r = json(&out);
    assert_eq!(r["partial"], true);
    assert_eq!(
        r["levels"]["error"], 301,
        "the 300 whole events and the good file"
    );
    assert!(r["input"]["sources"][0]["error"].is_string());
}

#[test]
fn a_gzip_bomb_stops_at_the_cap_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = gz(&vec![b'\n'; 64 << 20]);
    assert!(bomb.len() < 1 << 20);
    let p = dir.path().join("bomb.gz");
    std::fs::write(&p, bomb).unwrap();
    let out = run(&[
        "analyze",
        "-f",
        "json",
        "--max-decompressed-bytes",
        "1000000",
        path_str(&p),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bomb.gz") && err.contains("--max-decompressed-bytes"),
        "{err}"
    );
    let r = json(&out);
    assert_eq!(r["partial"], true);
    // The lines up to the cap are analysed (they used to be dropped with the read that
    // crossed it).
    assert_eq!(r["input"]["bytes"], 1_000_000);
    assert_eq!(r["input"]["blank"], 1_000_000);
}

#[test]
fn missing_and_unreadable_files_among_good_ones() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.log");
    std::fs::write(&good, GOOD).unwrap();
    let locked = dir.path().join("locked.log");
    std::fs::write(&locked, GOOD).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // Root reads anything: then only the missing file is bad.
    let root = std::fs::read(&locked).is_ok();
    let out = run(&[
        "analyze",
        "-f",
        "json",
        path_str(&good),
        "/nonexistent/x.log",
        path_str(&locked),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/x.log"), "{err}");
    if !root {
        assert!(err.contains("locked.log"), "{err}");
    }
    let r = json(&out);
    assert_eq!(r["partial"], true);
    assert_eq!(r["levels"]["error"], if root { 2 } else { 1 });
}

#[test]
fn a_full_disk_on_stdout_is_an_error() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return;
    };
    let out = common::bin()
        .args(["analyze", "-f", "json"])
        .stdin(std::process::Stdio::from(
            std::fs::File::open("/dev/null").unwrap(),
        ))
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("No space left"), "{err}");
    assert_eq!(err.lines().count(), 1);
}

#[test]
fn invalid_and_giant_regexes_in_a_user_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[[pattern]]\nid = \"my.bad\"\ntitle = \"t\"\nseverity = \"error\"\nmeaning = \"m\"\naction = \"a\"\n[pattern.match]\nregex = \"(unclosed\"\n").unwrap();
    let out = run_stdin(&["analyze", "--patterns", path_str(&bad)], GOOD.as_bytes());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml") && err.contains("my.bad"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let giant = dir.path().join("giant.toml");
    std::fs::write(&giant, "[[pattern]]\nid = \"my.giant\"\ntitle = \"t\"\nseverity = \"error\"\nmeaning = \"m\"\naction = \"a\"\n[pattern.match]\nregex = \"(a{1000}){1000}\"\n").unwrap();
    let out = run_stdin(
        &["analyze", "--patterns", path_str(&giant)],
        GOOD.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("giant.toml") && err.contains("my.giant"),
        "{err}"
    );
}

#[test]
fn a_stray_timestamp_with_a_fine_bucket_does_not_explode_the_timeline() {
    // Found by fuzzing `merge`: --bucket 1s over 56 years once meant 1.8 billion buckets.
    let input = b"{\"level\":\"info\",\"ts\":\"1970-01-01T00:00:01Z\",\"msg\":\"stray\"}\n{\"level\":\"info\",\"ts\":\"2026-02-06T10:00:00Z\",\"msg\":\"now\"}\n";
    let out = run_stdin(&["analyze", "-f", "json", "--bucket", "1s"], input);
    assert_eq!(out.status.code(), Some(0));
    let r = json(&out);
    let n = r["timeline"]["buckets"].as_array().unwrap().len();
    assert!(n <= 100_000, "{n} buckets");
    assert!(r["timeline"]["bucket_seconds"].as_i64().unwrap() > 1);
}

#[test]
fn messages_that_differ_inside_a_multi_byte_character_are_mined() {
    // `é` and `è` share their first byte: generalising the two messages once cut a string
    // inside a character and panicked, in `analyze` (unknown templates) and in `mine` (found
    // by the fuzz target `mine_lines`).
    let lines = "{\"level\":\"info\",\"msg\":\"user José logged in\"}\n\
                 {\"level\":\"info\",\"msg\":\"user Josè logged in\"}\n";
    let r = around(lines.as_bytes());
    let templates = r["templates"].as_array().unwrap();
    assert!(
        templates
            .iter()
            .any(|t| t["template"] == "user <*> logged in" && t["count"] == 2),
        "{templates:?}"
    );
    let out = run_stdin(&["mine", "-f", "json"], lines.as_bytes());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json(&out)["templates"][0]["template"], "user <*> logged in");
}

/// An empty or blank message is a row of its own, shown as `(empty message)` to a person and
/// kept as it is in the JSON report.
#[test]
fn empty_messages_are_shown_as_such() {
    let input = b"{\"level\":\"error\",\"msg\":\"\"}\n{\"level\":\"error\",\"msg\":\"  \"}\n{\"level\":\"info\",\"msg\":\"x\"}\n";
    let text = run_stdin(&["analyze", "--color", "never"], input);
    let text = String::from_utf8(text.stdout).unwrap();
    let top: Vec<&str> = text
        .split("Top messages\n")
        .nth(1)
        .unwrap()
        .lines()
        .take_while(|l| !l.is_empty())
        .collect();
    assert_eq!(top.len(), 3, "{text}");
    assert_eq!(
        top.iter()
            .filter(|l| l.ends_with("(empty message)"))
            .count(),
        2,
        "{text}"
    );
    let markdown = run_stdin(&["analyze", "-f", "markdown"], input);
    assert!(String::from_utf8(markdown.stdout)
        .unwrap()
        .contains("| (empty message) |"));
    let r = json(&run_stdin(&["analyze", "-f", "json"], input));
    assert_eq!(sorted_messages(&r), ["", "  ", "x"]);
}

/// `null` is no duration (not an unparsable one); `-0` is zero, not a negative maximum;
/// Java's, .NET's and Python's duration texts are read.
#[test]
fn null_negative_zero_and_other_languages_durations() {
    let input = b"{\"msg\":\"a\",\"duration_ms\":null}\n{\"msg\":\"b\",\"duration_ms\":-0}\n";
    let out = run_stdin(&["analyze", "-f", "json", "--latency"], input);
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    let l = &json(&out)["latency"];
    assert_eq!(l["overall"]["count"], 1);
    assert_eq!(l["unparsable"], 0);
    assert!(!text.contains("-0.0"), "{text}");
    let input = b"{\"msg\":\"java\",\"elapsed\":\"PT0.25S\"}\n{\"msg\":\"dotnet\",\"elapsed\":\"00:00:01.5000000\"}\n{\"msg\":\"python\",\"elapsed\":\"0:00:00.125000\"}\n";
    let l = &json(&run_stdin(&["analyze", "-f", "json", "--latency"], input))["latency"];
    assert_eq!(l["overall"]["count"], 3);
    assert_eq!(l["overall"]["max"], 1500.0);
    assert_eq!(l["slowest"][2]["duration_ms"], 125.0);
}

/// A duration past the sketches' range (or NaN-like text) is counted as unparsable instead of
/// wrecking the percentiles, the mean or the merge state.
#[test]
fn absurd_durations_are_unparsable_not_poison() {
    let mut input = String::new();
    for d in ["1", "2", "3", "4", "5", "1e308", "1e19", "-3", "\"NaN\""] {
        input += &format!("{{\"msg\":\"m\",\"duration_ms\":{d}}}\n");
    }
    let out = run_stdin(
        &["analyze", "-f", "json", "--latency", "--mergeable"],
        input.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0));
    let r = json(&out);
    let l = &r["latency"];
    assert_eq!(l["overall"]["count"], 5);
    assert_eq!(l["unparsable"], 4);
    assert_eq!(l["overall"]["max"], 5.0);
    assert!((l["overall"]["mean"].as_f64().unwrap() - 3.0).abs() < 1e-9);
    assert!((l["overall"]["p50"].as_f64().unwrap() - 3.0).abs() < 0.03);
    // The report's own merge state merges.
    let dir = tempfile::tempdir().unwrap();
    let shard = dir.path().join("r.json");
    std::fs::write(&shard, &out.stdout).unwrap();
    let merged = run(&["merge", "-f", "json", path_str(&shard), path_str(&shard)]);
    assert_eq!(
        merged.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    assert_eq!(json(&merged)["latency"]["overall"]["count"], 10);
}

/// Messages on stderr quote file names, which can hold escape sequences: they are escaped.
#[test]
fn file_names_on_stderr_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("/nonexistent", dir.path().join("bad\x1b[31mlink")).unwrap();
    let out = run(&["analyze", path_str(dir.path())]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        !out.stderr.contains(&0x1b),
        "{:?}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad\\x1b[31mlink"));
}

/// A symbolic link back up a directory tree is followed once, not forty times.
#[test]
fn a_directory_link_loop_reads_each_file_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("d");
    std::fs::create_dir_all(d.join("sub")).unwrap();
    std::fs::write(d.join("a.log"), "{\"level\":\"error\",\"msg\":\"x\"}\n").unwrap();
    std::os::unix::fs::symlink("..", d.join("sub").join("loop")).unwrap();
    let out = run(&["analyze", "-f", "json", path_str(&d)]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = json(&out);
    assert_eq!(r["levels"]["error"], 1);
    assert_eq!(r["input"]["sources"].as_array().unwrap().len(), 1);
}

/// A FIFO in a walked directory is not read (it may never end, and `analyze` would wait on it):
/// it is named on stderr, and the run goes on with the files, exit 0.
#[test]
fn a_fifo_in_a_directory_is_named_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.log"),
        "{\"level\":\"error\",\"msg\":\"x\"}\n",
    )
    .unwrap();
    let fifo = dir.path().join("pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    let out = run(&["analyze", "-f", "json", path_str(dir.path())]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("{}: not a regular file", fifo.display())),
        "{err}"
    );
    let r = json(&out);
    assert_eq!(r["levels"]["error"], 1);
    assert_eq!(r["input"]["sources"].as_array().unwrap().len(), 1);
}

/// An unreadable catalog is one clear line that names it and says why once.
#[test]
fn a_missing_catalog_is_named_once() {
    let out = run(&["analyze", "--patterns", "/nonexistent/cat.toml", "-"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert_eq!(err.matches("No such file").count(), 1, "{err}");
    assert!(err.contains("/nonexistent/cat.toml"), "{err}");
}
