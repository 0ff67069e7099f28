//! Every example in AWS's filter pattern documentation, evaluated by logtriage's filter.
//!
//! The cases are in `tests/data/filter_doc_cases.json`, one per (pattern, event) pair, each
//! naming the documentation section it comes from (see `docs/filter-syntax-notes.md` for the
//! sources). Cases marked `disputed` are ones where AWS's pages contradict each other; they are
//! checked against the reading logtriage follows, recorded in the case as `logtriage`.

use logtriage::filter::FilterPattern;
use serde_json::Value;

fn cases() -> Vec<Value> {
    let text = include_str!("data/filter_doc_cases.json");
    serde_json::from_str(text).expect("the case file is valid JSON")
}

#[test]
fn every_documented_example_behaves_as_documented() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in cases() {
        let disputed = case.get("disputed").and_then(Value::as_bool) == Some(true);
        let section = case["section"].as_str().unwrap();
        let pattern = case["pattern"].as_str().unwrap();
        if case.get("invalid").and_then(Value::as_bool) == Some(true) {
            checked += 1;
            if let Ok(p) = FilterPattern::parse(pattern) {
                failures.push(format!(
                    "[{section}] {pattern:?} should be rejected, parsed as {p:?}"
                ));
            }
            continue;
        }
        let event = case["event"].as_str().unwrap();
        // Where AWS's pages contradict each other, the case records the reading logtriage
        // follows (the current page) in `logtriage`.
        let want = if disputed {
            case["logtriage"].as_bool().unwrap()
        } else {
            case["matches"].as_bool().unwrap()
        };
        checked += 1;
        match FilterPattern::parse(pattern) {
            Err(e) => failures.push(format!("[{section}] {pattern:?}: rejected: {e}")),
            Ok(p) => {
                let got = p.is_match(event.as_bytes());
                if got != want {
                    failures.push(format!(
                        "[{section}] {pattern:?} on {event:?}: got {got}, want {want}"
                    ));
                }
            }
        }
    }
    eprintln!("{checked} documented cases checked");
    assert!(checked > 250, "only {checked} cases checked");
    assert!(
        failures.is_empty(),
        "{} of {checked} documented cases fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
