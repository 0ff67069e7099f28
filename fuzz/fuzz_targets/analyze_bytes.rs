//! Any bytes as a whole input (many lines, any framing): the pipeline must never panic, and
//! every line must be accounted for exactly once.
#![no_main]

use libfuzzer_sys::fuzz_target;
use logtriage::render::{self, terminal::Style};
use logtriage::{BytesAnalyzer, Catalog, Config};
use std::sync::OnceLock;

fn analyzer() -> &'static BytesAnalyzer<'static> {
    static C: OnceLock<Catalog> = OnceLock::new();
    static A: OnceLock<BytesAnalyzer<'static>> = OnceLock::new();
    let catalog = C.get_or_init(Catalog::builtin);
    A.get_or_init(|| {
        let config = Config {
            threads: 1,
            chunk_size: 64,
            max_line_bytes: 512,
            latency: true,
            traces: true,
            slow_ms: Some(1.0),
            ..Config::default()
        };
        BytesAnalyzer::new(catalog, &config)
    })
}

/// The same with a time window (the fuzzer's times are mostly around these, from the seeds).
fn windowed() -> &'static BytesAnalyzer<'static> {
    static C: OnceLock<Catalog> = OnceLock::new();
    static A: OnceLock<BytesAnalyzer<'static>> = OnceLock::new();
    let catalog = C.get_or_init(Catalog::builtin);
    A.get_or_init(|| {
        let at = |s: &str| logtriage::record::time::parse_rfc3339(s.as_bytes());
        let config = Config {
            threads: 1,
            chunk_size: 64,
            max_line_bytes: 512,
            window: Some(logtriage::record::time::Window {
                since_us: at("2026-02-06T10:00:00Z"),
                until_us: at("2026-02-06T11:00:00Z"),
            }),
            ..Config::default()
        };
        BytesAnalyzer::new(catalog, &config)
    })
}

fuzz_target!(|data: &[u8]| {
    // In a window, every line is counted once: as read, or as left out (a line without a time
    // with the event before it, or as untimed).
    let w = windowed().analyze(data);
    let left_out = w.input.window.as_ref().expect("a window");
    assert_eq!(
        w.input.events
            + w.input.non_json
            + w.input.malformed
            + w.input.blank
            + w.input.oversize
            + left_out.before
            + left_out.after
            + left_out.untimed,
        w.input.lines
    );

    let r = analyzer().analyze(data);
    let i = &r.input;
    // A byte order mark at the very start is not content (a file of only one has no line).
    let text = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let expected_lines = text.iter().filter(|&&b| b == b'\n').count() as u64
        + u64::from(!text.is_empty() && text.last() != Some(&b'\n'));
    assert_eq!(i.lines, expected_lines);
    assert_eq!(
        i.events + i.malformed + i.non_json + i.blank + i.oversize,
        i.lines
    );
    let t = r.traces.as_ref().expect("traces on");
    assert!(t.with_errors <= t.count);
    // Events and plain-text lines (`duration_ms=…`) have durations.
    let l = r.latency.as_ref().expect("latency on");
    assert!(l.overall.count + l.unparsable <= i.events + i.non_json);
    assert!(serde_json::to_string(&r).is_ok());

    // The text report, at a width taken from the input, carries no control character, escape
    // sequence or bidi control from the log (colour off: every escape would be the log's).
    let width = 20 + data.len() % 180;
    let mut text = Vec::new();
    let style = Style {
        color: false,
        width,
    };
    render::terminal::write(&r, style, &mut text).expect("writes to a Vec");
    let text = String::from_utf8(text).expect("the text report is UTF-8");
    if let Some(c) = text.chars().find(|&c| {
        (c.is_control() && c != '\n')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    }) {
        panic!("raw {c:?} in the text report");
    }
    let mut html = Vec::new();
    render::html::write(&r, &mut html).expect("writes to a Vec");
    let mut md = Vec::new();
    render::markdown::write(&r, &mut md).expect("writes to a Vec");
    let md = String::from_utf8(md).expect("the Markdown report is UTF-8");
    if let Some(c) = md.chars().find(|&c| c.is_control() && c != '\n') {
        panic!("raw {c:?} in the Markdown report");
    }
});
