//! Per-stage throughput on generated data: parsing, matching, and the whole pipeline.
//!
//! `cargo bench --bench pipeline`. Whole-binary throughput on a 1 GB corpus is measured by
//! `benches/run.sh` instead.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use logtriage::matching::{Catalog, Matcher};
use logtriage::record::{FieldSpec, Fields, Parser, Slot};
use logtriage::synth::{generate, SynthConfig, SynthFormat};

fn corpus(format: SynthFormat, lines: u64) -> Vec<u8> {
    let mut v = Vec::new();
    generate(
        &SynthConfig {
            lines: Some(lines),
            format,
            seed: 42,
            ..Default::default()
        },
        &mut v,
    )
    .unwrap();
    v
}

fn parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse");
    for (name, format) in [
        ("json", SynthFormat::Json),
        ("logfmt", SynthFormat::Logfmt),
        ("cloudwatch", SynthFormat::CloudWatch),
    ] {
        let data = corpus(format, 20_000);
        let parser = Parser::new(FieldSpec::with_defaults());
        g.throughput(Throughput::Bytes(data.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut fields = Fields::new(parser.spec().slot_count());
                let mut n = 0usize;
                for line in data.split(|&c| c == b'\n') {
                    parser.parse(line, &mut fields);
                    n += fields.get(Slot::Message as usize).is_some() as usize;
                }
                black_box(n)
            })
        });
    }
    g.finish();
}

fn matching(c: &mut Criterion) {
    let catalog = Catalog::builtin();
    let mut spec = FieldSpec::with_defaults();
    let matcher = Matcher::new(&catalog, &mut spec);
    let messages = [
        "request completed",
        "dial tcp 10.1.2.3:5432: connect: connection refused",
        "task 4f1c stopped: essential container exited with exit code 137 (OOMKilled)",
        "user 'Zoë' logged in from 10.0.4.5",
        "invalid value for config key \"timeout_ms\": \"abc\", using default",
    ];
    let bytes: usize = messages.iter().map(|m| m.len()).sum();
    let mut g = c.benchmark_group("match");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("text_hits", |b| {
        let mut out = Vec::new();
        b.iter(|| {
            for m in messages {
                out.clear();
                matcher.text_hits(black_box(m.as_bytes()), true, &mut out);
            }
            black_box(out.len())
        })
    });
    g.finish();
}

fn pipeline(c: &mut Criterion) {
    let catalog = Catalog::builtin();
    let data = corpus(SynthFormat::Mixed, 50_000);
    let config = logtriage::Config {
        threads: 1,
        ..Default::default()
    };
    let mut g = c.benchmark_group("pipeline");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.sample_size(20);
    g.bench_function("analyze_mixed_1thread", |b| {
        b.iter(|| black_box(logtriage::analyze_bytes(&data, &catalog, &config)))
    });
    g.finish();

    // The cost of the latency and trace analyses over the plain pipeline, on JSON events with
    // durations and request ids.
    let data = corpus(SynthFormat::Json, 50_000);
    let mut g = c.benchmark_group("pipeline");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.sample_size(20);
    for (name, latency, traces) in [
        ("analyze_json_1thread", false, false),
        ("analyze_json_1thread_latency", true, false),
        ("analyze_json_1thread_traces", false, true),
        ("analyze_json_1thread_latency_traces", true, true),
    ] {
        let config = logtriage::Config {
            threads: 1,
            latency,
            traces,
            ..Default::default()
        };
        g.bench_function(name, |b| {
            b.iter(|| black_box(logtriage::analyze_bytes(&data, &catalog, &config)))
        });
    }
    g.finish();
}

/// The filter's chunk scan (prefilter + evaluation) on one thread, per kind of pattern.
fn filter(c: &mut Criterion) {
    use logtriage::filter::FilterPattern;
    let data = corpus(SynthFormat::Json, 50_000);
    let mut g = c.benchmark_group("filter");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.sample_size(20);
    for (name, p) in [
        ("term", "timeout"),
        ("terms_and_exclude", "connection -DEBUG"),
        ("json_eq", r#"{ $.level = "error" }"#),
        ("json_numeric", "{ $.duration_ms > 1000 }"),
        ("space_all_lines", "[w1, ...]"),
        ("regex", "%time[a-z]*%"),
    ] {
        let p = FilterPattern::parse(p).unwrap();
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut n = 0u64;
                p.select_lines(&data, false, |_, k| n += k);
                black_box(n)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, parse, matching, pipeline, filter);
criterion_main!(benches, ac_benches);

fn ac_only(c: &mut Criterion) {
    use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
    let catalog = Catalog::builtin();
    let mut lits: Vec<String> = Vec::new();
    for p in catalog.patterns() {
        for l in p.spec.contains.iter().chain(&p.spec.message) {
            let l = l.to_ascii_lowercase();
            if !lits.contains(&l) {
                lits.push(l);
            }
        }
    }
    let messages = [
        "request completed",
        "dial tcp 10.1.2.3:5432: connect: connection refused",
        "task 4f1c stopped: essential container exited with exit code 137 (OOMKilled)",
        "user 'Zoë' logged in from 10.0.4.5",
        "invalid value for config key \"timeout_ms\": \"abc\", using default",
    ];
    let mut g = c.benchmark_group("ac");
    for (name, kind, ci) in [
        ("dfa_ci", AhoCorasickKind::DFA, true),
        ("nfa_ci", AhoCorasickKind::ContiguousNFA, true),
        ("dfa_lower", AhoCorasickKind::DFA, false),
    ] {
        let ac = AhoCorasick::builder()
            .ascii_case_insensitive(ci)
            .match_kind(MatchKind::Standard)
            .kind(Some(kind))
            .build(&lits)
            .unwrap();
        g.bench_function(name, |b| {
            let mut buf = Vec::new();
            b.iter(|| {
                let mut n = 0;
                for m in messages {
                    if ci {
                        n += ac.find_overlapping_iter(black_box(m)).count();
                    } else {
                        buf.clear();
                        buf.extend(m.bytes().map(|c| c.to_ascii_lowercase()));
                        n += ac.find_overlapping_iter(&buf[..]).count();
                    }
                }
                black_box(n)
            })
        });
    }
    g.finish();
}

criterion_group!(ac_benches, ac_only);
