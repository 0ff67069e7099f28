//! A real mergeable shard report (latency, traces, merge state) with a stretch of it overwritten
//! by the fuzzer's bytes, given to `merge`: parsing either fails or gives a report, and merging
//! it (sketches, messages, edge traces) either fails with an error naming the report or gives a
//! report. Never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use logtriage::report::merge::{merge, MergeOptions};
use logtriage::source::{Input, SharedReader};
use logtriage::{Catalog, Config};
use std::sync::OnceLock;

const SAMPLE: &str = r#"{"level":"info","ts":"2026-02-06T10:00:00Z","msg":"request received","request_id":"r1","service":"api","duration_ms":12.5}
{"level":"error","ts":"2026-02-06T10:00:01Z","msg":"database connection failed","request_id":"r1","service":"api","duration_ms":900}
{"level":"warn","ts":"2026-02-06T10:00:02Z","msg":"slow query on table t: 2870 ms","request_id":"r2","caller":"db/q.go:1","duration_ms":2870}
{"level":"error","ts":"2026-02-06T10:09:00Z","msg":"job job-1 failed after 3 attempts","request_id":"r3"}
plain text line OOMKilled
"#;

fn catalog() -> &'static Catalog {
    static C: OnceLock<Catalog> = OnceLock::new();
    C.get_or_init(Catalog::builtin)
}

fn base() -> &'static [u8] {
    static B: OnceLock<Vec<u8>> = OnceLock::new();
    B.get_or_init(|| {
        // A table of 16 messages and a hundred distinct ones: the state carries pruned counts
        // and a sample of dropped messages too.
        let config = Config {
            threads: 1,
            latency: true,
            traces: true,
            mergeable: true,
            trace_idle_secs: 60,
            message_cap: 16,
            ..Config::default()
        };
        let mut text = SAMPLE.to_string();
        for i in 0..100 {
            text.push_str(&format!(
                "{{\"level\":\"info\",\"ts\":\"2026-02-06T10:01:{:02}Z\",\"msg\":\"tool t-{i} completed in session s-{}\"}}\n",
                i % 60,
                i * 7919
            ));
        }
        let input = Input::Stream(SharedReader::new(
            "sample",
            Box::new(std::io::Cursor::new(text.into_bytes())),
        ));
        let a = logtriage::analyze(&[input], catalog(), &config, None).expect("sample analyses");
        serde_json::to_vec(&a.report).expect("report serialises")
    })
}

fuzz_target!(|data: &[u8]| {
    let base = base();
    let (at, patch) = match data {
        [a, b, rest @ ..] => (u16::from_le_bytes([*a, *b]) as usize % base.len(), rest),
        _ => return,
    };
    let mut doc = base[..at].to_vec();
    doc.extend_from_slice(patch);
    doc.extend_from_slice(&base[(at + patch.len()).min(base.len())..]);
    let Some(Ok(report)) = logtriage::compare::parse_report(&doc) else {
        return;
    };
    let shards = vec![("r.json".into(), report.clone()), ("s.json".into(), report)];
    match merge(shards, catalog(), &MergeOptions::default()) {
        Ok(r) => {
            serde_json::to_vec(&r).expect("a merged report serialises");
        }
        Err(e) => {
            let e = e.to_string();
            assert!(e.starts_with("r.json") || e.starts_with("s.json"), "{e}");
        }
    }
});
