//! Unit tests for parsing, evaluation and the prefiltered scan. The documented examples from
//! AWS's pages are in `tests/filter_docs.rs`.

use super::*;

fn pat(p: &str) -> FilterPattern {
    FilterPattern::parse(p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn m(p: &str, line: &str) -> bool {
    pat(p).is_match(line.as_bytes())
}

fn err(p: &str) -> PatternError {
    match FilterPattern::parse(p) {
        Ok(x) => panic!("{p:?} should be rejected, got {x:?}"),
        Err(e) => e,
    }
}

#[test]
fn terms_are_case_sensitive_substrings() {
    assert!(m("ERROR", "Exiting with ERRORCODE: -1"));
    assert!(!m("ERROR", "[error] x"));
    assert!(m("ERROR -WARN", "ERROR message"));
    assert!(!m("ERROR -WARN", "ERROR WARN message"));
    assert!(m(r#""a \"quoted\" word""#, r#"x a "quoted" word y"#));
    assert!(m(
        "request_id=req-abc123",
        "level=info request_id=req-abc123 msg=x"
    ));
    // A lone minus applies to the next term (AWS's older pages write it so).
    assert!(!m(r#""ERROR" - "Exiting""#, "Exiting with ERROR"));
}

#[test]
fn optional_terms() {
    assert!(m("?ERROR ?WARN", "WARN x"));
    assert!(!m("?ERROR ?WARN", "INFO x"));
    // With a plain term, `?` terms are ignored (AWS).
    assert!(m("?ERROR ?WARN REQUEST", "INFO REQUEST"));
    // `?` with exclusions only: one optional term, no excluded one.
    assert!(m("?ERROR -DEBUG", "ERROR x"));
    assert!(!m("?ERROR -DEBUG", "ERROR DEBUG"));
    assert!(!m("?ERROR -DEBUG", "INFO x"));
}

#[test]
fn match_everything() {
    for p in ["", "   ", "\"\"", "\" \"", "[]"] {
        assert!(m(p, "anything at all"), "{p:?}");
        assert!(m(p, ""), "{p:?}");
    }
}

#[test]
fn json_types_and_missing_fields() {
    let ev = r#"{"s":"200","n":200,"f":1.5e3,"b":false,"z":null,"o":{"k":"v"},"a":[1,2],"e":"caf\u00e9"}"#;
    assert!(m(r#"{ $.s = "200" }"#, ev));
    assert!(!m("{ $.s = 200.0 }", ev), "a string is not a number");
    assert!(m("{ $.n = 200.0 }", ev));
    assert!(
        m("{ $.n = 2* }", ev),
        "text patterns see numbers as written"
    );
    assert!(m("{ $.f >= 1500 }", ev));
    assert!(m("{ $.f < 1.6E3 }", ev));
    assert!(m("{ $.b IS FALSE }", ev));
    assert!(!m("{ $.b IS TRUE }", ev));
    assert!(m("{ $.z IS NULL }", ev));
    assert!(!m("{ $.z NOT EXISTS }", ev), "a null field exists");
    assert!(m("{ $.missing NOT EXISTS }", ev));
    assert!(
        !m("{ $.missing != 1 }", ev),
        "a missing field fails every comparison"
    );
    assert!(!m("{ $.o != 1 }", ev), "objects never compare");
    assert!(m(r#"{ $.o.k = "v" }"#, ev));
    assert!(m("{ $.a[1] = 2 }", ev));
    assert!(m("{ $.a[*] = 1 }", ev));
    assert!(!m("{ $.a[2] NOT EXISTS && $.a[5] = 1 }", ev));
    assert!(
        m(r#"{ $.e = "café" }"#, ev),
        "escapes are decoded before comparing"
    );
    assert!(m("{ $.s = * }", ev));
    assert!(!m("{ $.b = * }", ev), "`*` matches strings and numbers");
    assert!(m("{ $.* = 200 }", ev));
}

#[test]
fn json_wildcards_and_precedence() {
    let ev = r#"{"eventName":"PutEvent","x":1,"y":2}"#;
    assert!(m("{ $.eventName = *Event }", ev));
    assert!(m("{ $.eventName = Put* }", ev));
    assert!(m("{ $.eventName = *tEv* }", ev));
    assert!(!m("{ $.eventName = Pu*ent }", ev), "a middle * is literal");
    assert!(m("{ $.x = 1 || $.x = 5 && $.y = 9 }", ev));
    assert!(!m("{ ($.x = 1 || $.x = 5) && $.y = 9 }", ev));
    assert!(m("{$.x=1&&$.y=2}", ev), "spaces are optional");
    assert!(
        m("{ $.x = 1 && $.y not exists || $.y = 2 }", ev),
        "keywords in any case"
    );
}

#[test]
fn non_json_and_broken_json_never_match_a_json_pattern() {
    assert!(!m("{ $.a NOT EXISTS }", "plain text"));
    assert!(!m("{ $.a NOT EXISTS }", r#"{"b":1"#));
    assert!(!m("{ $.a NOT EXISTS }", r#"{"b":1} trailing"#));
    assert!(m("{ $.a NOT EXISTS }", r#"  {"b":1}  "#));
}

#[test]
fn cloudwatch_export_lines_match_on_their_json() {
    let line = r#"2026-02-06T10:30:45.123Z {"level":"error","msg":"boom"}"#;
    assert!(m(r#"{ $.level = "error" }"#, line));
    assert!(
        !m("2026", line),
        "the export timestamp is not part of the event"
    );
    assert!(m("2026", "2026-02-06T10:30:45Z plain text line"));
}

#[test]
fn container_runtime_lines_match_on_the_applications_line() {
    let line = r#"2026-02-06T10:30:45.123456789Z stderr F {"level":"error","msg":"boom"}"#;
    assert!(m(r#"{ $.level = "error" }"#, line));
    assert!(
        !m("stderr", line),
        "the runtime's prefix is not part of the event"
    );
    let text = "2026-02-06T10:30:45.123456789Z stdout F 10.0.0.1 GET /health 200";
    assert!(m("[ip, method, path, status = 200]", text));
    assert!(!m("stdout", text));
}

#[test]
fn space_delimited() {
    let apache =
        r#"127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534"#;
    assert!(m(
        "[ip, id, user, ts, request = *index.html*, status = 4*, bytes > 1000]",
        apache
    ));
    assert!(m("[..., status = 404, bytes]", apache));
    assert!(m("[ip, ..., status = 404, ...]", apache));
    assert!(!m("[..., status = 500, bytes]", apache));
    assert!(m("[ip = %^127\\.%, ...]", apache));
    assert!(m("[ip, rest]", apache), "the last field takes the rest");
    assert!(m(r#"[ip, rest = "- frank*"]"#, apache));
    assert!(
        !m("[a, b, c, d, e, f, g, h]", apache),
        "more fields than tokens"
    );
    assert!(m("[w1 = ERROR || w1 = WARN, w2]", "WARN disk full"));
    assert!(!m("[w1 != ERROR && w1 != WARN, w2]", "WARN disk full"));
    assert!(!m("[a, b > 5]", "x -"), "a numeric test needs a number");
    assert!(!m("[a, b != 5]", "x -"));
}

#[test]
fn regexes_follow_the_aws_subset() {
    assert!(m("%^[hc]at%", "hat"));
    assert!(m("%a{2, 3}%", "xaax"));
    assert!(m("%a{,2}b%", "b"));
    assert!(m(r"%\d+\s\w%", "12 x"));
    assert!(!m(r"%\s%", "a\u{a0}b"), "\\s is ASCII whitespace");
    assert!(m(r"%\x3a\x3A%", "::"));
    assert!(m(r"%[^0-9]%", "a"));
    assert!(m(r"%\[.\]%", "[x]"));
}

#[test]
fn a_long_pattern_is_shown_around_its_error() {
    let short = "{ $.a = }";
    assert_eq!(err(short).excerpt(short), short);
    let long = format!("{{ $.a = {} && }}", "x".repeat(500));
    let e = err(&long);
    let shown = e.excerpt(&long);
    assert_eq!(shown.chars().count(), 61, "{shown}");
    assert!(
        shown.starts_with('…') && shown.ends_with("x && }"),
        "{shown}"
    );
    let early = format!("{{ $.a = }} {}", "x".repeat(500));
    let shown = err(&early).excerpt(&early);
    assert!(
        shown.starts_with("{ $.a = }") && shown.ends_with('…'),
        "{shown}"
    );
}

#[test]
fn errors_point_at_the_column() {
    let e = err("%(ERROR|WARN)%");
    assert_eq!(e.column, 2, "{e}");
    let e = err("%something!%");
    assert_eq!(e.column, 11, "{e}");
    let e = err("{ $.a = }");
    assert_eq!(e.column, 9, "{e}");
    let e = err(r#"{ $.["x.y"] = 1 }"#);
    assert!(e.message.contains("bracket"), "{e}");
    assert!(err("{ $.a IS NOT NULL }").message.contains("IS NOT"));
    assert!(err("{ $.a EXISTS }").message.contains("EXISTS"));
    assert!(err("{ $.a > abc }").message.contains("numbers"));
    assert!(err("{ $.a[*].* = 1 }").message.contains("one wildcard"));
    assert!(
        err("{ $.a[*] = 1 || $.b[*] = 1 || $.c[*] = 1 || $.d[*] = 1 }")
            .message
            .contains("wildcard")
    );
    assert!(err("{ $.a = %x% || $.b = %y% || $.c = %z% }")
        .message
        .contains("regular"));
    assert!(err("%café%").message.contains("multi-byte"));
    assert!(err(&"A".repeat(1025)).message.contains("1024"));
    assert!(FilterPattern::parse(&"A".repeat(1024)).is_ok());
    assert!(err(r#""unterminated"#).message.contains("unterminated"));
    assert!(err("[a, b").message.contains("ends"));
    assert!(err("[a = 1 && b = 2]").message.contains("only test"));
    assert!(err("%x% ERROR").message.contains("stands alone"));
    assert!(err("{ $.user.email = John.Stiles@example.com }")
        .message
        .contains("quotes"));
}

/// The prefiltered whole-buffer scan selects exactly what line-by-line evaluation selects,
/// also for lines whose literal is hidden behind a JSON escape.
#[test]
fn prefiltered_scan_equals_line_by_line() {
    let lines = [
        r#"{"level":"error","msg":"a"}"#,
        r#"{"level":"err\u006fr","msg":"escaped"}"#,
        r#"{"lev\u0065l":"error"}"#,
        r#"{"level":"info","msg":"error in text"}"#,
        "plain ERROR line",
        "2026-02-06T10:30:45Z {\"level\":\"error\"}",
        "",
        "[ERROR 419] MISSING ARGUMENTS\r",
        r#"{"path":"a\/b","level":"warn"}"#,
        "no newline at the end",
    ];
    let data = lines.join("\n");
    let patterns = [
        r#"{ $.level = "error" }"#,
        r#"{ $.level = "error" || $.level = "warn" }"#,
        r#"{ $.path = "a/b" }"#,
        "ERROR",
        "?ERROR ?escaped",
        "-ERROR",
        "ERROR ARGUMENTS",
        "[w1 = *ERROR*, ...]",
        "%ERR.R%",
        "",
    ];
    for p in patterns {
        let p = pat(p);
        for invert in [false, true] {
            let mut fast = Vec::new();
            let mut n_fast = 0;
            p.select_lines(data.as_bytes(), invert, |l, n| {
                fast.extend_from_slice(l);
                n_fast += n;
            });
            let mut slow = Vec::new();
            let mut n_slow = 0;
            for line in data.as_bytes().split_inclusive(|&b| b == b'\n') {
                if p.is_match(trim_eol(line)) != invert {
                    slow.extend_from_slice(line);
                    n_slow += 1;
                }
            }
            assert_eq!(
                String::from_utf8_lossy(&fast),
                String::from_utf8_lossy(&slow),
                "{} invert={invert}",
                p.source()
            );
            assert_eq!(n_fast, n_slow, "{}", p.source());
        }
    }
    assert_eq!(
        data.lines()
            .filter(|l| pat(r#"{ $.level = "error" }"#).is_match(l.as_bytes()))
            .count(),
        4
    );
}

#[test]
fn review_findings_stay_fixed() {
    // A form feed used to make the term parser loop forever.
    assert!(m("a\u{c}b", "xa\u{c}by"));
    assert!(m("\u{c}", "\u{c}"));
    assert!(err("{ $.x < %a% }").message.contains("numbers"));
    assert!(err("[f < %a%]").message.contains("numbers"));
    assert!(err("? ERROR").message.contains("directly followed"));
    assert!(err("[w1=ERROR || =WARN]").message.contains("field name"));
    assert!(err("%[a&b]%").message.contains("not supported"));
    assert!(m("%[{]%", "{"));
    // The rest of the line after a closing quote does not start with that quote.
    assert!(m(r#"[a, b = "y z"]"#, r#""x"y z"#));
    assert!(m(r#"[a, b = "y z"]"#, r#""x" y z"#));
    // Invalid UTF-8 is never a JSON event.
    assert!(!pat("{ $.a NOT EXISTS }").is_match(b"{\"b\":\"\xff\"}"));
}
