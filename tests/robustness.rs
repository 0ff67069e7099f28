//! Bad input never crashes the analysis and never loses the lines around it. These are
//! deterministic pseudo-random inputs (the cargo-fuzz targets in `fuzz/` explore further).

mod common;

use common::*;
use logtriage::{BytesAnalyzer, Catalog, Config};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const FRAGMENTS: &[&[u8]] = &[
    b"{\"level\":\"error\",\"msg\":\"database connection failed\"}",
    b"{\"level\":",
    b"\"msg\":\"",
    b"\\u00e9\\ud83d",
    b"\\",
    b"\xff\xfe",
    b"\xe2\x82",
    b"\r",
    b"\n",
    b"\r\n",
    b"\0",
    b"[[[[[[[[",
    b"]]]]}}}}",
    b"2026-02-06T10:00:00Z ",
    b"ts=2026-02-06T10:00:00Z level=warn msg=\"x\" ",
    b"ERROR exit code 137 ",
    b"1e400",
    b"99999999999999999999999",
    b" ",
];

fn random_input(rng: &mut Rng, len: usize) -> Vec<u8> {
    let mut v = Vec::new();
    while v.len() < len {
        if rng.below(3) == 0 {
            v.push(rng.next() as u8);
        } else {
            v.extend_from_slice(FRAGMENTS[rng.below(FRAGMENTS.len() as u64) as usize]);
        }
    }
    v
}

fn expected_lines(data: &[u8]) -> u64 {
    data.iter().filter(|&&b| b == b'\n').count() as u64
        + u64::from(!data.is_empty() && data.last() != Some(&b'\n'))
}

#[test]
fn random_bytes_are_all_accounted_for() {
    let catalog = Catalog::builtin();
    let analyzers: Vec<BytesAnalyzer> = [1usize, 7, 64, 4096]
        .iter()
        .map(|&chunk| {
            let config = Config {
                threads: 1,
                chunk_size: chunk,
                max_line_bytes: 200,
                ..Config::default()
            };
            BytesAnalyzer::new(&catalog, &config)
        })
        .collect();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for round in 0..2000 {
        let len = 1 + rng.below(3000) as usize;
        let data = random_input(&mut rng, len);
        let r = analyzers[round % 4].analyze(&data);
        let i = &r.input;
        assert_eq!(i.lines, expected_lines(&data), "round {round}");
        assert_eq!(
            i.events + i.malformed + i.non_json + i.blank + i.oversize,
            i.lines,
            "round {round}: every line is counted once"
        );
        serde_json::to_string(&r).expect("report serialises");
    }
}

#[test]
fn good_lines_around_bad_ones_are_all_counted() {
    let good = b"{\"level\":\"error\",\"ts\":\"2026-02-06T10:00:00Z\",\"msg\":\"database connection failed\"}\n";
    let bad: &[&[u8]] = &[
        b"{\"level\":\"error\",\"msg\":\"trunc\n",
        b"\xff\xfe\xfd garbage\n",
        b"\0\0\0\0\n",
        b"{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n",
        b"{\"level\":\"info\",\"msg\":\"dup\",\"msg\":\"dup2\",\"n\":1e400}\n",
        b"\n",
    ];
    let mut input = Vec::new();
    for b in bad {
        input.extend_from_slice(good);
        input.extend_from_slice(b);
    }
    input.extend_from_slice(good);
    let deep = format!("{{\"a\":{}1{}}}\n", "[".repeat(10_000), "]".repeat(10_000));
    input.extend_from_slice(deep.as_bytes());
    input.extend_from_slice(good);
    let out = run_stdin(&["analyze", "-f", "json"], &input);
    assert_eq!(out.status.code(), Some(0));
    let r = json(&out);
    assert_eq!(
        r["levels"]["error"],
        bad.len() as u64 + 2,
        "every good error line is counted"
    );
    let db = r["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "axonflow.database-connection-failed")
        .unwrap();
    assert_eq!(db["count"], bad.len() as u64 + 2);
    assert_eq!(
        r["input"]["malformed"], 4,
        "truncated, invalid UTF-8, unclosed and too deep"
    );
    assert_eq!(r["input"]["blank"], 1);
}

#[test]
fn utf16_and_binary_files_do_not_stop_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let utf16: Vec<u8> = "{\"level\":\"error\",\"msg\":\"x\"}\n"
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    let mut with_bom = vec![0xff, 0xfe];
    with_bom.extend(utf16);
    std::fs::write(dir.path().join("a-utf16.log"), with_bom).unwrap();
    let binary: Vec<u8> = (0..100_000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    std::fs::write(dir.path().join("b.bin"), binary).unwrap();
    std::fs::write(
        dir.path().join("c.log"),
        b"{\"level\":\"warn\",\"msg\":\"ok\"}\n",
    )
    .unwrap();
    let out = run(&["analyze", "-f", "json", path_str(dir.path())]);
    assert_eq!(out.status.code(), Some(0));
    let r = json(&out);
    assert_eq!(r["levels"]["warn"], 1, "the good file is still analysed");
}

/// A `BytesAnalyzer` keeps its literal filter from one input to the next (it has learnt after
/// the first): the reports are still exactly those of a fresh analyzer.
#[test]
fn a_reused_analyzer_reports_what_a_fresh_one_does() {
    let catalog = Catalog::builtin();
    let config = Config {
        threads: 1,
        ..Config::default()
    };
    let line = |i: usize, msg: &str| {
        format!("{{\"level\":\"error\",\"ts\":\"2026-02-06T10:00:00Z\",\"msg\":\"{msg} #{i}\"}}\n")
    };
    // Enough distinct messages for the filter to finish learning on the first input.
    let first: String = (0..3000).map(|i| line(i, "request served")).collect();
    let second: String = (0..400)
        .map(|i| match i % 4 {
            0 => line(i, "database connection failed"),
            1 => line(i, "task stopped: exit code 137"),
            2 => line(i, "Connection Refused by upstream"),
            _ => line(i, "request served"),
        })
        .collect();
    let reused = BytesAnalyzer::new(&catalog, &config);
    for input in [&first, &second, &first, &second] {
        let got = reused.analyze(input.as_bytes());
        let want = BytesAnalyzer::new(&catalog, &config).analyze(input.as_bytes());
        assert_eq!(
            serde_json::to_value(&got).unwrap(),
            serde_json::to_value(&want).unwrap()
        );
    }
    let r = reused.analyze(second.as_bytes());
    assert!(r.patterns.len() >= 2, "{:?}", r.patterns);
}
