//! Any text as a filter pattern, then the pattern on a few events and on the input itself:
//! parsing, the regex translation, the prefilter and evaluation must never panic, and the
//! prefiltered chunk scan must select exactly the lines a line-by-line evaluation selects.
#![no_main]

use libfuzzer_sys::fuzz_target;
use logtriage::filter::FilterPattern;

const EVENTS: &[&str] = &[
    r#"{"level":"error","msg":"db \u0065rror","latency":512.5,"a":[1,{"b":"x"}],"n":null,"t":true}"#,
    r#"127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534"#,
    "2026-02-06T10:00:00Z {\"level\":\"warn\",\"msg\":\"slow\"}",
    "[ERROR 500] INTERNAL SERVER ERROR",
    "",
];

fuzz_target!(|data: &[u8]| {
    // The first line is the pattern, the rest is a buffer of events.
    let (pat, rest) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    let Ok(pat) = std::str::from_utf8(pat) else {
        return;
    };
    let Ok(p) = FilterPattern::parse(pat) else {
        return;
    };
    for e in EVENTS {
        let _ = p.is_match(e.as_bytes());
    }
    let mut buf = Vec::new();
    for e in EVENTS {
        buf.extend_from_slice(e.as_bytes());
        buf.push(b'\n');
    }
    buf.extend_from_slice(rest);
    for invert in [false, true] {
        let mut fast = Vec::new();
        p.select_lines(&buf, invert, |lines, _| fast.extend_from_slice(lines));
        let mut slow = Vec::new();
        for line in buf.split_inclusive(|&b| b == b'\n') {
            let l = line.strip_suffix(b"\n").unwrap_or(line);
            let l = l.strip_suffix(b"\r").unwrap_or(l);
            if p.is_match(l) != invert {
                slow.extend_from_slice(line);
            }
        }
        assert_eq!(fast, slow, "prefiltered scan differs for {pat:?}");
    }
});
