//! Any bytes as an input file: gzip detection and decompression (with a small cap, so bombs
//! end in an error), UTF-16 detection and decoding, `aws logs` JSON detection, then the whole
//! pipeline. Never a panic. The same bytes after Docker's json-file start (`{"log":"`) go
//! through the Docker unwrapping too, and after a CRI part's start through the joining of
//! parts: neither makes more lines than it was given.
#![no_main]

use std::io::Read;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use logtriage::source::{open, Input, SharedReader};
use logtriage::{BytesAnalyzer, Catalog, Config};

fn analyzer() -> &'static BytesAnalyzer<'static> {
    static C: OnceLock<Catalog> = OnceLock::new();
    static A: OnceLock<BytesAnalyzer<'static>> = OnceLock::new();
    let catalog = C.get_or_init(Catalog::builtin);
    A.get_or_init(|| {
        let config = Config {
            threads: 1,
            ..Config::default()
        };
        BytesAnalyzer::new(catalog, &config)
    })
}

fuzz_target!(|data: &[u8]| {
    let input = Input::Stream(SharedReader::new(
        "fuzz",
        Box::new(std::io::Cursor::new(data.to_vec())),
    ));
    let Ok(opened) = open(&input, 1 << 20) else {
        return;
    };
    let decoded = opened.encoding.is_some();
    let mut out = Vec::new();
    let read = opened.reader.take(2 << 20).read_to_end(&mut out);
    if decoded && read.is_ok() && out.len() < 2 << 20 {
        assert!(std::str::from_utf8(&out).is_ok(), "decoded UTF-16 is UTF-8");
    }
    let r = analyzer().analyze(&out);
    let newlines = out.iter().filter(|&&b| b == b'\n').count() as u64;
    assert!(r.input.lines <= newlines + 1);

    let docker = [&b"{\"log\":\""[..], data].concat();
    let cri = [&b"2026-02-06T10:00:00Z stdout P "[..], data].concat();
    type Wrap = fn(Box<dyn Read + Send>) -> std::io::Result<Box<dyn Read + Send>>;
    let wraps: [(Vec<u8>, Wrap); 2] = [
        (docker, logtriage::source::docker::unwrap_docker),
        (cri, logtriage::source::cri::join_parts),
    ];
    for (text, wrap) in wraps {
        let lines_in = text
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .count();
        let mut out = Vec::new();
        let read =
            wrap(Box::new(std::io::Cursor::new(text))).and_then(|mut r| r.read_to_end(&mut out));
        if read.is_ok() {
            let lines_out = out.split(|&b| b == b'\n').filter(|l| !l.is_empty()).count();
            assert!(lines_out <= lines_in, "{lines_out} lines from {lines_in}");
            analyzer().analyze(&out);
        }
    }
});
