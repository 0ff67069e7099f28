//! `logtriage-gen`: writes a deterministic synthetic log corpus (see `logtriage::synth`) and,
//! optionally, its exact ground truth as JSON. Used by `benches/run.sh` and for demos.
//!
//! ```text
//! logtriage-gen --lines 100000 --format mixed --seed 7 --out app.log --truth app.truth.json
//! logtriage-gen --mb 1000 --out c1g.log
//! ```

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use logtriage::synth::{generate, SynthConfig, SynthFormat};

const USAGE: &str = "usage: logtriage-gen [--seed N] [--lines N | --mb M] \
[--format json|mixed|cloudwatch|logfmt|cri|docker] [--out FILE|-] [--truth FILE]";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("logtriage-gen: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> io::Result<()> {
    let mut cfg = SynthConfig::default();
    let mut out_path = "-".to_string();
    let mut truth_path = None;
    let mut args = std::env::args().skip(1);
    let bad = |m: String| io::Error::new(io::ErrorKind::InvalidInput, format!("{m}\n{USAGE}"));
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or_else(|| bad(format!("{a} needs a value")));
        match a.as_str() {
            "--seed" => cfg.seed = val()?.parse().map_err(|_| bad("bad --seed".into()))?,
            "--lines" => {
                cfg.lines = Some(val()?.parse().map_err(|_| bad("bad --lines".into()))?);
                cfg.bytes = None;
            }
            "--mb" => {
                let mb: f64 = val()?.parse().map_err(|_| bad("bad --mb".into()))?;
                cfg.bytes = Some((mb * 1e6) as u64);
                cfg.lines = None;
            }
            "--format" => {
                let v = val()?;
                cfg.format =
                    SynthFormat::parse(&v).ok_or_else(|| bad(format!("unknown format {v}")))?;
            }
            "--out" => out_path = val()?,
            "--truth" => truth_path = Some(val()?),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(bad(format!("unknown argument {other}"))),
        }
    }
    let truth = if out_path == "-" {
        let stdout = io::stdout();
        let mut w = BufWriter::with_capacity(1 << 20, stdout.lock());
        let t = generate(&cfg, &mut w)?;
        w.flush()?;
        t
    } else {
        let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(&out_path)?);
        let t = generate(&cfg, &mut w)?;
        w.flush()?;
        t
    };
    if let Some(p) = truth_path {
        let mut w = BufWriter::new(std::fs::File::create(p)?);
        serde_json::to_writer_pretty(&mut w, &truth)?;
        w.flush()?;
    }
    Ok(())
}
