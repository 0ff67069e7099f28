//! The HTML report in a real headless browser (Debian's chromium): no console errors, no
//! network requests from the page, injected markup shown as text and never run, and a
//! screenshot saved for people to look at.
//!
//! `.ci/run` installs chromium and sets `LOGTRIAGE_REQUIRE_BROWSER=1`, which makes a missing
//! browser a failure; elsewhere the test says it was skipped.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use logtriage::synth::SynthFormat;

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("LOGTRIAGE_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// Chromium's own background traffic (updates, time, accounts), which is not the page's.
const BROWSER_HOSTS: [&str; 4] = ["google.com", "googleapis.com", "gvt1.com", "gstatic.com"];

fn headless(browser: &Path, extra: &[&str], url: &str) -> (String, String) {
    let out = Command::new(browser)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .args(extra)
        .arg(url)
        .output()
        .expect("chromium runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn html_report_renders_safely_in_a_real_browser() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("LOGTRIAGE_REQUIRE_BROWSER").is_none(),
            "chromium is required (LOGTRIAGE_REQUIRE_BROWSER is set) but not installed"
        );
        eprintln!("SKIPPED: chromium not installed (apt-get install chromium)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (log, _) = corpus(dir.path(), "app.log", SynthFormat::Json, 20_000, 5);
    let mut text = std::fs::read_to_string(&log).unwrap();
    text.push_str(concat!(
        r#"{"level":"error","ts":"2026-02-06T10:59:59Z","msg":"</script><script>document.title='pwned1'</script>","request_id":"req-x1","duration_ms":1}"#, "\n",
        r#"{"level":"error","ts":"2026-02-06T10:59:59Z","msg":"database connection failed","error":"<img src=x onerror=\"document.title='pwned2'\">","request_id":"req-x2"}"#, "\n",
        r#"{"level":"warn","ts":"2026-02-06T10:59:59Z","msg":"<b onmouseover=alert(3)>\u202e bidi","request_id":"req-x3"}"#, "\n",
    ));
    std::fs::write(&log, &text).unwrap();
    let html = dir.path().join("report.html");
    let out = run(&[
        "analyze",
        "--latency",
        "--traces",
        "-f",
        "html",
        "-o",
        path_str(&html),
        path_str(&log),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("Content-Security-Policy"));
    assert!(!page.contains("<img"), "markup from the log is escaped");
    assert_eq!(
        page.matches("<script").count(),
        1,
        "only the report's own script"
    );

    let url = format!("file://{}", html.display());
    let netlog = dir.path().join("net.json");
    let (dom, log_err) = headless(
        &browser,
        &["--dump-dom", &format!("--log-net-log={}", netlog.display())],
        &url,
    );
    assert!(
        dom.contains("<title>logtriage report</title>"),
        "injected scripts did not run"
    );
    assert!(
        !dom.contains("<img") && !dom.contains("<b onmouseover"),
        "no injected element exists in the page"
    );
    assert!(
        dom.contains("&lt;/script&gt;&lt;script&gt;document.title="),
        "shown as text"
    );
    assert!(
        dom.contains("Known patterns") && dom.contains("Latency") && dom.contains("Request traces")
    );
    let console: Vec<&str> = log_err.lines().filter(|l| l.contains("CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:?}");
    let net = std::fs::read_to_string(&netlog).unwrap_or_default();
    let page_requests: Vec<&str> = net
        .split("\"url\":\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter(|u| !u.starts_with("file:") && !u.starts_with("data:"))
        .filter(|u| !BROWSER_HOSTS.iter().any(|h| u.contains(h)))
        .collect();
    assert!(
        page_requests.is_empty(),
        "the page made requests: {page_requests:?}"
    );

    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-report.png");
    let _ = std::fs::remove_file(&shot);
    headless(
        &browser,
        &[
            "--window-size=1280,2400",
            &format!("--screenshot={}", shot.display()),
        ],
        &url,
    );
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "a real screenshot"
    );
}
