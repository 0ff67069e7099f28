//! Any bytes as a timestamp: RFC 3339, slash-dated, Common Log Format, syslog, ctime,
//! two-digit-year log4j dates and the other text forms, a text line's time, epoch numbers, the
//! per-minute cache, formatting back, and `--since`/`--until` values.
//! Never a panic; a parsed RFC 3339 time formats and parses again to the same millisecond, and a
//! text line's time bytes parse again to the same time.
#![no_main]

use libfuzzer_sys::fuzz_target;
use logtriage::record::time::{
    format_rfc3339, format_rfc3339_secs, from_epoch_number, parse_clf_prefix, parse_ctime_prefix,
    parse_prefix, parse_rfc3339, parse_rfc3339_prefix, parse_slash_date_prefix,
    parse_syslog_prefix, parse_text, parse_time_arg, parse_two_digit_year_prefix, TimeCache,
    Window, WindowCounts,
};

fuzz_target!(|data: &[u8]| {
    if let Some(t) = parse_rfc3339(data) {
        let s = format_rfc3339(t);
        let back = parse_rfc3339(s.as_bytes()).expect("a formatted time parses");
        assert_eq!(back.div_euclid(1000), t.div_euclid(1000), "{s}");
    }
    let _ = parse_rfc3339_prefix(data);
    for parse in [
        parse_syslog_prefix,
        parse_slash_date_prefix,
        parse_clf_prefix,
        parse_ctime_prefix,
        parse_two_digit_year_prefix,
        parse_prefix,
    ] {
        if let Some((_, used)) = parse(data) {
            assert!(used <= data.len());
        }
    }
    if let Some(t) = logtriage::record::text::line_time(data) {
        assert!(t.start <= t.end && t.end <= data.len() && t.skip <= data.len());
        assert_eq!(parse_text(&data[t.start..t.end]), Some(t.time_us));
    }
    if let Some(t) = parse_text(data) {
        let _ = format_rfc3339(t);
        let _ = format_rfc3339_secs(t.div_euclid(1_000_000));
    }
    let mut cache = TimeCache::default();
    let a = cache.parse_text(data);
    let b = cache.parse_text(data);
    assert_eq!(a, b, "the cache answers like the first parse");
    assert_eq!(
        a,
        parse_text(data),
        "the cache answers like the uncached parser"
    );
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(v) = s.trim().parse::<f64>() {
            let _ = from_epoch_number(v);
        }
        let now = 1_770_372_000_000_000;
        if let Ok(t) = parse_time_arg(s, now) {
            let w = Window {
                since_us: Some(t),
                until_us: None,
            };
            let mut counts = WindowCounts::default();
            assert!(counts.admit(&w, Some(t)), "a window starts at its --since");
            assert!(!counts.admit(&w, Some(t.saturating_sub(1))) || t == i64::MIN);
        }
    }
});
