//! A deterministic generator of realistic log corpora with exact ground truth.
//!
//! Used by the test suite (which must not depend on anything outside the repository) and by
//! `benches/run.sh` through the `logtriage-gen` binary. It writes zap-style JSON, Python
//! `json.dumps`-style JSON, CloudWatch export lines, logfmt and JSON in Kubernetes' CRI lines and Docker's json-file lines, and in `mixed` mode adds plain
//! text, Go panic traces, truncated JSON, invalid UTF-8, blank lines and very long lines. Every
//! count the analyzer reports for these shapes is tallied while generating ([`Truth`]).
//!
//! Same [`SynthConfig`] ⇒ byte-identical output.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::record::time::format_rfc3339;

/// Output shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SynthFormat {
    /// One JSON object per line.
    Json,
    /// JSON plus about 2% of other lines (text, panics, truncated, invalid UTF-8, blank, long).
    Mixed,
    /// `<RFC3339> <json>`.
    CloudWatch,
    /// `key=value` pairs.
    Logfmt,
    /// JSON in a container runtime's lines, as the kubelet keeps them (Kubernetes' CRI format):
    /// `<RFC3339 with nanoseconds> stdout F <json>`, errors on `stderr`.
    Cri,
    /// JSON in Docker's `json-file` lines: `{"log":"<json>\n","stream":"stdout","time":…}`.
    Docker,
}

impl SynthFormat {
    /// Parses `json|mixed|cloudwatch|logfmt|cri|docker`.
    pub fn parse(s: &str) -> Option<SynthFormat> {
        Some(match s {
            "json" => SynthFormat::Json,
            "mixed" => SynthFormat::Mixed,
            "cloudwatch" | "cloudwatch-export" => SynthFormat::CloudWatch,
            "logfmt" => SynthFormat::Logfmt,
            "cri" => SynthFormat::Cri,
            "docker" => SynthFormat::Docker,
            _ => return None,
        })
    }
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct SynthConfig {
    /// RNG seed.
    pub seed: u64,
    /// Stop after this many lines …
    pub lines: Option<u64>,
    /// … or after about this many bytes.
    pub bytes: Option<u64>,
    /// Output shape.
    pub format: SynthFormat,
    /// Simulated start, µs since the epoch.
    pub start_us: i64,
    /// Simulated window, seconds.
    pub window_secs: i64,
}

impl Default for SynthConfig {
    fn default() -> Self {
        SynthConfig {
            seed: 1,
            lines: Some(10_000),
            bytes: None,
            format: SynthFormat::Json,
            start_us: 1_770_372_000_000_000, // 2026-02-06T10:00:00Z
            window_secs: 3600,
        }
    }
}

/// Exact counts of what was written, in the analyzer's terms.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Truth {
    /// Physical lines.
    pub lines: u64,
    /// Bytes.
    pub bytes: u64,
    /// Structured events (JSON, CloudWatch payloads, logfmt records).
    pub events: u64,
    /// Truncated JSON and invalid UTF-8 lines.
    pub malformed: u64,
    /// Of those, invalid UTF-8.
    pub invalid_utf8: u64,
    /// Plain text lines (including panic traces).
    pub non_json: u64,
    /// Empty lines.
    pub blank: u64,
    /// Events per level.
    pub levels: BTreeMap<String, u64>,
    /// Count of every distinct message: of events, and of plain-text lines with a time or a
    /// level word (the text after them).
    pub messages: BTreeMap<String, u64>,
    /// Error events (error, fatal) per UTC minute, keyed `YYYY-MM-DDTHH:MM`.
    pub errors_per_minute: BTreeMap<String, u64>,
    /// Events that carry the literal `exit code 137`.
    pub exit_137: u64,
    /// Events whose message is exactly `database connection failed`.
    pub db_conn_failed: u64,
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// A rendered message and its extra fields.
type Rendered = (String, Vec<(&'static str, Val)>);

/// A message template: level, weight, and how to render the message and extra fields.
struct Tpl {
    level: &'static str,
    weight: u32,
    render: fn(&mut Rng) -> Rendered,
}

enum Val {
    S(String),
    I(i64),
    F(f64),
    Http(&'static str, String, i64),
}

/// The first line of the Go panic traces in mixed corpora.
const GO_PANIC: &str = "panic: runtime error: invalid memory address or nil pointer dereference";
const NAMES: &[&str] = &["alice", "Zoë", "Jürgen", "李雷", "O'Brien", "Søren"];
const TABLES: &[&str] = &["jobs", "dispatches", "api_keys", "tenants"];
const PROVIDERS: &[&str] = &["bedrock", "openai", "ollama"];
const SERVICES: &[&str] = &[
    "control-plane",
    "agent",
    "orchestrator",
    "worker",
    "scheduler",
];

fn templates() -> Vec<Tpl> {
    vec![
        Tpl {
            level: "info",
            weight: 300,
            render: |_| ("request received".into(), vec![]),
        },
        Tpl {
            level: "info",
            weight: 290,
            render: |r| {
                let status = *r.pick(&[200i64, 200, 201, 204, 404]);
                (
                    "request completed".into(),
                    vec![
                        ("http", Val::Http("GET", "/v1/fleet".into(), status)),
                        ("duration_ms", Val::F(5.0 + r.unit() * 80.0)),
                    ],
                )
            },
        },
        Tpl {
            level: "debug",
            weight: 200,
            render: |r| (format!("cache miss for key {:016x}", r.next()), vec![]),
        },
        Tpl {
            level: "debug",
            weight: 150,
            render: |r| {
                (
                    "query executed".into(),
                    vec![
                        ("table", Val::S(r.pick(TABLES).to_string())),
                        ("duration_ms", Val::I(r.below(40) as i64)),
                    ],
                )
            },
        },
        Tpl {
            level: "info",
            weight: 120,
            render: |_| ("health check passed".into(), vec![]),
        },
        Tpl {
            level: "info",
            weight: 60,
            render: |r| {
                (
                    format!(
                        "user '{}' logged in from 10.0.{}.{}",
                        r.pick(NAMES),
                        r.below(256),
                        r.below(256)
                    ),
                    vec![],
                )
            },
        },
        Tpl {
            level: "info",
            weight: 40,
            render: |r| {
                (
                    format!(
                        "invalid value for config key \"timeout_ms\": \"{}\", using default",
                        r.pick(&["abc", "-1", ""])
                    ),
                    vec![],
                )
            },
        },
        Tpl {
            level: "warn",
            weight: 20,
            render: |r| {
                (
                    "llm provider timeout".into(),
                    vec![
                        ("provider", Val::S(r.pick(PROVIDERS).to_string())),
                        ("duration_ms", Val::F(30000.0 + r.unit() * 100.0)),
                    ],
                )
            },
        },
        Tpl {
            level: "warn",
            weight: 15,
            render: |_| ("context deadline exceeded".into(), vec![]),
        },
        Tpl {
            level: "warn",
            weight: 10,
            render: |r| {
                (
                    format!(
                        "slow query on table {}: {} ms",
                        r.pick(TABLES),
                        1000 + r.below(8000)
                    ),
                    vec![],
                )
            },
        },
        Tpl {
            level: "error",
            weight: 8,
            render: |r| {
                let err = format!(
                    "dial tcp 10.1.{}.{}:5432: connect: connection refused",
                    r.below(256),
                    r.below(256)
                );
                (
                    "database connection failed".into(),
                    vec![("error", Val::S(err))],
                )
            },
        },
        Tpl {
            level: "error",
            weight: 6,
            render: |r| {
                (
                    "request failed".into(),
                    vec![
                        (
                            "http",
                            Val::Http("POST", "/v1/dispatch".into(), *r.pick(&[500i64, 502, 503])),
                        ),
                        ("error", Val::S("upstream returned 503".into())),
                    ],
                )
            },
        },
        Tpl {
            level: "error",
            weight: 4,
            render: |r| {
                (format!("task {:032x} stopped: essential container exited with exit code 137 (OOMKilled)", r.next() as u128 * 3), vec![])
            },
        },
        Tpl {
            level: "error",
            weight: 3,
            render: |_| {
                (
                    "policy evaluation failed".into(),
                    vec![("error", Val::S("context deadline exceeded".into()))],
                )
            },
        },
        Tpl {
            level: "fatal",
            weight: 1,
            render: |_| ("OOMKilled".into(), vec![("memory_limit_mb", Val::I(2048))]),
        },
        Tpl {
            level: "error",
            weight: 2,
            render: |_| {
                (
                    "Invalid API key".into(),
                    vec![("http", Val::Http("GET", "/v1/fleet".into(), 401))],
                )
            },
        },
    ]
}

fn json_str(s: &str, ascii: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if ascii && !c.is_ascii() => {
                let mut buf = [0u16; 2];
                for u in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn lf_str(s: &str) -> String {
    if s.is_empty() || s.contains([' ', '=', '"', '\\']) {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        s.to_string()
    }
}

/// Writes a corpus to `out` and returns its truth.
pub fn generate(cfg: &SynthConfig, out: &mut dyn Write) -> io::Result<Truth> {
    let mut r = Rng(cfg.seed ^ 0x05EE_D0F1_067A_1A6E);
    let tpls = templates();
    let total_w: u32 = tpls.iter().map(|t| t.weight).sum();
    let mut truth = Truth::default();
    for l in ["trace", "debug", "info", "warn", "error", "fatal"] {
        truth.levels.insert(l.into(), 0);
    }
    let target_lines = cfg.lines.unwrap_or(u64::MAX);
    let target_bytes = cfg.bytes.unwrap_or(u64::MAX);
    let est_lines = cfg.lines.unwrap_or_else(|| (target_bytes / 200).max(1)) as f64;
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 16);
    let mut n: u64 = 0;
    while truth.lines < target_lines && truth.bytes < target_bytes {
        buf.clear();
        let progress = (n as f64 / est_lines).min(0.999_999);
        n += 1;
        let ts_us = cfg.start_us + (progress * cfg.window_secs as f64 * 1e6) as i64 / 1000 * 1000;
        let ts = format_rfc3339(ts_us);
        // Noise in mixed mode.
        if cfg.format == SynthFormat::Mixed {
            let u = r.below(1000);
            if u < 6 {
                // The line, and its message when it has a time or a level word: what follows
                // them.
                let (line, msg) = match u {
                    0 => {
                        let msg =
                            format!("starting agent version 2.{}.{}", r.below(9), r.below(30));
                        (
                            format!("{} INFO  {msg}", &ts[..19].replace('T', " ")),
                            Some(msg),
                        )
                    }
                    1 => ("Listening on :8080".to_string(), None),
                    2 => {
                        let l = format!(
                            "npm WARN deprecated glob@{}.0.0: this version is no longer supported",
                            r.below(9)
                        );
                        (l.clone(), Some(l))
                    }
                    3 => {
                        let msg =
                            format!("worker {} exited with status 1, restarting", r.below(64));
                        (
                            format!("{} [warn] {msg}", &ts[..19].replace('T', " ")),
                            Some(msg),
                        )
                    }
                    _ => (
                        format!(
                            "Downloading model weights: {}% ({} MB)",
                            r.below(100),
                            r.below(900)
                        ),
                        None,
                    ),
                };
                if let Some(msg) = msg {
                    *truth.messages.entry(msg).or_default() += 1;
                }
                truth.non_json += 1;
                emit(&mut truth, &mut buf, line.as_bytes(), out)?;
                continue;
            }
            if u < 7 {
                // A Go panic trace: several plain-text lines. The first starts with a level word
                // and a colon (`panic:`), so it is a message.
                *truth.messages.entry(GO_PANIC.to_string()).or_default() += 1;
                for line in [
                    GO_PANIC.to_string(),
                    format!(
                        "[signal SIGSEGV: segmentation violation code=0x1 addr=0x{:x}]",
                        r.below(256)
                    ),
                    format!("goroutine {} [running]:", r.below(5000)),
                    "main.handler(0xc000123456)".to_string(),
                    "\t/app/main.go:42 +0x1d".to_string(),
                    "exit status 2".to_string(),
                ] {
                    truth.non_json += 1;
                    emit(&mut truth, &mut buf, line.as_bytes(), out)?;
                    buf.clear();
                }
                continue;
            }
            if u < 9 {
                truth.blank += 1;
                emit(&mut truth, &mut buf, b"", out)?;
                continue;
            }
        }
        let t = {
            let mut pick = r.below(total_w as u64) as u32;
            let mut chosen = &tpls[0];
            for t in &tpls {
                if pick < t.weight {
                    chosen = t;
                    break;
                }
                pick -= t.weight;
            }
            chosen
        };
        let (msg, fields) = (t.render)(&mut r);
        let svc = *r.pick(SERVICES);
        let python = svc == "scheduler";
        let rid = (r.below(10) > 0).then(|| format!("req-{:012x}", r.next() & 0xffff_ffff_ffff));
        let line = match cfg.format {
            SynthFormat::Logfmt => {
                let mut s = format!(
                    "ts={ts} level={} logger={svc} msg={}",
                    t.level,
                    lf_str(&msg)
                );
                if let Some(id) = &rid {
                    s.push_str(&format!(" request_id={id}"));
                }
                for (k, v) in &fields {
                    match v {
                        Val::S(x) => s.push_str(&format!(" {k}={}", lf_str(x))),
                        Val::I(x) => s.push_str(&format!(" {k}={x}")),
                        Val::F(x) => s.push_str(&format!(" {k}={x:.3}")),
                        Val::Http(m, p, st) => {
                            s.push_str(&format!(" {k}.method={m} {k}.path={p} {k}.status={st}"))
                        }
                    }
                }
                s
            }
            _ => {
                let (sep, colon) = if python { (", ", ": ") } else { (",", ":") };
                let mut s = format!(
                    "{{\"level\"{colon}\"{}\"{sep}\"ts\"{colon}\"{ts}\"{sep}\"logger\"{colon}\"{svc}\"{sep}\"msg\"{colon}{}",
                    t.level,
                    json_str(&msg, python)
                );
                if let Some(id) = &rid {
                    s.push_str(&format!("{sep}\"request_id\"{colon}\"{id}\""));
                }
                for (k, v) in &fields {
                    let val = match v {
                        Val::S(x) => json_str(x, python),
                        Val::I(x) => x.to_string(),
                        Val::F(x) => format!("{x:.3}"),
                        Val::Http(m, p, st) => {
                            format!("{{\"method\":\"{m}\",\"path\":\"{p}\",\"status\":{st}}}")
                        }
                    };
                    s.push_str(&format!("{sep}\"{k}\"{colon}{val}"));
                }
                s.push('}');
                if cfg.format == SynthFormat::CloudWatch {
                    s = format!("{ts} {s}");
                }
                if matches!(cfg.format, SynthFormat::Cri | SynthFormat::Docker) {
                    // The runtime's time: when it read the line, a little after the event's.
                    let read = ts_us + 150;
                    let secs = crate::record::time::format_rfc3339_secs(read.div_euclid(1_000_000));
                    let read = format!(
                        "{}.{:06}123Z",
                        secs.trim_end_matches('Z'),
                        read.rem_euclid(1_000_000)
                    );
                    let stream = match t.level {
                        "error" | "fatal" => "stderr",
                        _ => "stdout",
                    };
                    s = match cfg.format {
                        SynthFormat::Docker => format!(
                            "{{\"log\":{},\"stream\":\"{stream}\",\"time\":\"{read}\"}}",
                            serde_json::to_string(&format!("{s}\n")).expect("a string")
                        ),
                        _ => format!("{read} {stream} F {s}"),
                    };
                }
                s
            }
        };
        if cfg.format == SynthFormat::Mixed {
            let u = r.below(1000);
            if u < 3 {
                // Truncated JSON: the event is lost.
                let cut = 1 + r.below(line.len() as u64 - 2) as usize;
                let mut cut = cut;
                while !line.is_char_boundary(cut) {
                    cut -= 1;
                }
                truth.malformed += 1;
                emit(&mut truth, &mut buf, &line.as_bytes()[..cut], out)?;
                continue;
            }
            if u < 5 {
                let mut b = line.into_bytes();
                let at = b
                    .windows(7)
                    .position(|w| w == b"\"msg\":\"")
                    .map_or(b.len() / 2, |i| i + 7);
                b.splice(at..at, [0xffu8, 0xfe]);
                truth.malformed += 1;
                truth.invalid_utf8 += 1;
                emit(&mut truth, &mut buf, &b, out)?;
                continue;
            }
            if u < 6 {
                // A long but valid line (64-200 KiB body field).
                let body: String =
                    std::iter::repeat_n("0123456789abcdef", 4096 + r.below(8192) as usize)
                        .collect();
                let long = format!("{{\"level\":\"debug\",\"ts\":\"{ts}\",\"msg\":\"dumping oversized response body\",\"body\":\"{body}\"}}");
                count_event(&mut truth, "debug", "dumping oversized response body", &ts);
                emit(&mut truth, &mut buf, long.as_bytes(), out)?;
                continue;
            }
        }
        count_event(&mut truth, t.level, &msg, &ts);
        if msg.contains("exit code 137") {
            truth.exit_137 += 1;
        }
        if msg == "database connection failed" {
            truth.db_conn_failed += 1;
        }
        emit(&mut truth, &mut buf, line.as_bytes(), out)?;
    }
    Ok(truth)
}

fn count_event(truth: &mut Truth, level: &str, msg: &str, ts: &str) {
    truth.events += 1;
    *truth.levels.entry(level.to_string()).or_default() += 1;
    *truth.messages.entry(msg.to_string()).or_default() += 1;
    if level == "error" || level == "fatal" {
        *truth
            .errors_per_minute
            .entry(ts[..16].to_string())
            .or_default() += 1;
    }
}

fn emit(truth: &mut Truth, buf: &mut Vec<u8>, line: &[u8], out: &mut dyn Write) -> io::Result<()> {
    buf.clear();
    buf.extend_from_slice(line);
    buf.push(b'\n');
    out.write_all(buf)?;
    truth.lines += 1;
    truth.bytes += buf.len() as u64;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_sized() {
        let cfg = SynthConfig {
            lines: Some(2000),
            format: SynthFormat::Mixed,
            ..Default::default()
        };
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let ta = generate(&cfg, &mut a).unwrap();
        let tb = generate(&cfg, &mut b).unwrap();
        assert_eq!(a, b);
        assert_eq!(ta, tb);
        assert_eq!(ta.lines, 2000);
        assert_eq!(ta.bytes, a.len() as u64);
        assert_eq!(a.iter().filter(|&&c| c == b'\n').count(), 2000);
        assert_eq!(ta.events + ta.malformed + ta.non_json + ta.blank, 2000);
    }
}
