//! Any bytes as one log line: format detection, the JSON scanner, logfmt, text, field
//! decoding (levels, times, numbers, unescaping) and catalog matching must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use logtriage::matching::{Catalog, LineMatcher};
use logtriage::record::{FieldSpec, Fields, Format, Parsed, Parser, Record, Slot};
use std::sync::OnceLock;

fn matcher() -> &'static LineMatcher {
    static M: OnceLock<LineMatcher> = OnceLock::new();
    M.get_or_init(|| LineMatcher::new(&Catalog::builtin()))
}

fuzz_target!(|data: &[u8]| {
    let parser = Parser::new(FieldSpec::with_defaults());
    let mut fields = Fields::new(parser.spec().slot_count());
    let parsed = parser.parse(data, &mut fields);
    let format = match parsed {
        Parsed::Record(f) => f,
        Parsed::Malformed => Format::Text,
    };
    let rec = Record {
        line: data,
        format,
        fields: &fields,
    };
    let _ = rec.level();
    let _ = rec.time_us();
    for slot in [Slot::Message, Slot::Error, Slot::RequestId, Slot::Duration] {
        if let Some(raw) = rec.raw(slot) {
            let _ = raw.to_text();
            let _ = raw.to_f64();
        }
    }
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = matcher().hits(s);
    }
    let _ = logtriage::record::time::parse_text(data);
    let _ = logtriage::record::unescape(data);
    // A text line's header parts are pieces of the line (its level may be a word the header
    // implies: klog's `E`, a syslog priority, an access log's status, Lambda's platform
    // failures), and its time's bytes
    // read as its time (a text record's time is read again from them).
    let h = logtriage::record::text::header(data);
    let range = data.as_ptr_range();
    for part in [h.service, h.message, h.caller, h.request_id, h.duration]
        .into_iter()
        .flatten()
    {
        let p = part.as_ptr_range();
        assert!(range.start <= p.start && p.end <= range.end);
    }
    if let Some(level) = h.level {
        let p = level.as_ptr_range();
        assert!(
            (range.start <= p.start && p.end <= range.end)
                || logtriage::record::Level::from_word(level).is_some()
        );
    }
    if let Some(t) = h.time {
        assert_eq!(
            logtriage::record::time::parse_text(&data[t.start..t.end]),
            Some(t.time_us)
        );
    }
    let _ = logtriage::record::text::message_before_headers(data);
    // Two lines: a header and the message below it (.NET's console logger). What the message
    // line takes is pieces of the two lines.
    if let Some(nl) = data.iter().position(|&b| b == b'\n') {
        let (prev, line) = (&data[..nl], &data[nl + 1..]);
        let mut below = Fields::new(parser.spec().slot_count());
        if logtriage::record::text::continued_message(prev, line, &mut below) {
            for slot in [
                Slot::Time,
                Slot::Level,
                Slot::Service,
                Slot::Message,
                Slot::Duration,
            ] {
                if let Some(logtriage::record::Raw::Str { bytes, .. }) = below.get(slot as usize) {
                    let p = bytes.as_ptr_range();
                    let level_word =
                        slot == Slot::Level && logtriage::record::Level::from_word(bytes).is_some();
                    assert!(level_word || (range.start <= p.start && p.end <= range.end));
                }
            }
        }
    }
});
