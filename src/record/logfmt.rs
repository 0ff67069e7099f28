//! logfmt: `key=value key2="quoted value" ...`.
//!
//! A line is logfmt only if *all* of it is `key=value` pairs (at least two), so plain text that
//! happens to contain `idle=14` stays text. Nested keys are written flattened (`http.status=503`)
//! and match dotted paths of the [`FieldSpec`] directly.

use super::fields::FieldSpec;
use super::{Fields, Raw};

/// Parses `line` as logfmt into `out`; returns `false` (leaving `out` dirty) if it is not logfmt.
pub fn parse<'a>(line: &'a [u8], spec: &FieldSpec, out: &mut Fields<'a>) -> bool {
    let mut i = 0;
    let mut pairs = 0;
    let n = line.len();
    loop {
        while i < n && line[i] == b' ' {
            i += 1;
        }
        if i == n {
            break;
        }
        let key_start = i;
        while i < n && !matches!(line[i], b'=' | b' ' | b'"' | b'\t') {
            i += 1;
        }
        if i == key_start || i == n || line[i] != b'=' {
            return false;
        }
        let key = &line[key_start..i];
        i += 1;
        let raw = if i < n && line[i] == b'"' {
            let start = i + 1;
            let mut j = start;
            let mut escaped = false;
            loop {
                match memchr::memchr2(b'"', b'\\', &line[j..]) {
                    None => return false,
                    Some(rel) => {
                        j += rel;
                        if line[j] == b'\\' {
                            escaped = true;
                            j += 2;
                            if j > n {
                                return false;
                            }
                        } else {
                            break;
                        }
                    }
                }
            }
            i = j + 1;
            if i < n && line[i] != b' ' {
                return false;
            }
            Raw::Str {
                bytes: &line[start..j],
                escaped,
            }
        } else {
            let start = i;
            while i < n && line[i] != b' ' {
                if line[i] == b'"' || line[i] == b'\t' {
                    return false;
                }
                i += 1;
            }
            let v = &line[start..i];
            if !v.is_empty() && looks_numeric(v) {
                Raw::Num(v)
            } else {
                Raw::Str {
                    bytes: v,
                    escaped: false,
                }
            }
        };
        pairs += 1;
        if let Some(action) = spec.lookup(key) {
            if let Some((slot, prio)) = action.slot {
                out.set(slot, prio, raw);
            }
            if let Some(slot) = action.also {
                out.set(slot, 0, raw);
            }
        }
    }
    pairs >= 2
}

fn looks_numeric(v: &[u8]) -> bool {
    let v = v.strip_prefix(b"-").unwrap_or(v);
    !v.is_empty()
        && v[0].is_ascii_digit()
        && v.iter()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::super::fields::Slot;
    use super::*;

    fn run(line: &str) -> Option<(Option<String>, Option<String>)> {
        let spec = FieldSpec::with_defaults();
        let mut f = Fields::new(spec.slot_count());
        parse(line.as_bytes(), &spec, &mut f).then(|| {
            (
                f.get(Slot::Message as usize)
                    .map(|r| r.to_text().into_owned()),
                f.get(Slot::Duration as usize)
                    .map(|r| r.to_text().into_owned()),
            )
        })
    }

    #[test]
    fn parses_pairs_quotes_and_escapes() {
        let (m, d) =
            run(r#"ts=2026-02-06T10:00:00Z level=info msg="say \"hi\"" duration_ms=12.5"#).unwrap();
        assert_eq!(m.as_deref(), Some("say \"hi\""));
        assert_eq!(d.as_deref(), Some("12.5"));
        assert!(run("a= b=").is_some(), "empty values are allowed");
    }

    #[test]
    fn plain_text_is_not_logfmt() {
        for s in [
            "2026-02-06 10:02:26.160 DEBUG pool stats: idle=14 busy=8",
            "Listening on :9090",
            "only=one",
            r#"msg="unterminated level=info"#,
            "a=1 b=\"x\"y",
        ] {
            assert!(run(s).is_none(), "{s}");
        }
    }
}
