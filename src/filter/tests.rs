use super::*;

fn m(pattern: &str, line: &str) -> bool {
    FilterPattern::parse(pattern)
        .unwrap_or_else(|e| panic!("{pattern}: {e}"))
        .is_match(line.as_bytes())
}

#[test]
fn terms_are_case_sensitive_substrings() {
    assert!(m("ERROR", "Exiting with ERRORCODE: -1"));
    assert!(!m("ERROR", "[error] x"));
    assert!(m("ERROR -WARN", "ERROR message"));
    assert!(!m("ERROR -WARN", "ERROR WARN message"));
}
