//! Evaluating JSON and space-delimited conditions on one event.

use super::parse::{Expr, JsonTest, Op, Space, SpaceField, Value};
use super::SlotCond;
use crate::record::Raw;

/// Evaluates a JSON condition tree over the values selected from the event.
pub(super) fn json(expr: &Expr<SlotCond>, values: &[(u16, Raw<'_>)]) -> bool {
    match expr {
        Expr::Cond(c) => json_cond(c, values),
        Expr::And(v) => v.iter().all(|e| json(e, values)),
        Expr::Or(v) => v.iter().any(|e| json(e, values)),
    }
}

fn json_cond(c: &SlotCond, values: &[(u16, Raw<'_>)]) -> bool {
    let mut found = values.iter().filter(|(s, _)| *s == c.slot).map(|(_, v)| v);
    if let JsonTest::NotExists = c.test {
        return found.next().is_none();
    }
    if c.wildcard {
        // `[*]` and `.*`: the condition holds if any selected value satisfies it.
        found.any(|v| json_test(&c.test, v))
    } else {
        // A duplicate key: the last occurrence wins, as in the rest of logtriage.
        found.next_back().is_some_and(|v| json_test(&c.test, v))
    }
}

fn json_test(test: &JsonTest, v: &Raw<'_>) -> bool {
    match test {
        JsonTest::IsNull => matches!(v, Raw::Null),
        JsonTest::IsBool(b) => *v == Raw::Bool(*b),
        JsonTest::NotExists => false,
        JsonTest::Compare(op, value) => match value {
            // Strings and regexes compare with strings and with numbers as written; arrays,
            // objects, booleans and null never match (AWS: selectors point to value nodes).
            Value::Text(_) | Value::Regex(_) => match v {
                Raw::Str { .. } | Raw::Num(_) => compare_text(*op, value, &v.to_bytes()),
                _ => false,
            },
            // Numbers compare with JSON numbers only.
            Value::Number(n) => match v {
                Raw::Num(t) => crate::record::parse_f64(t).is_some_and(|x| compare_num(*op, x, *n)),
                _ => false,
            },
        },
    }
}

fn compare_text(op: Op, value: &Value, text: &[u8]) -> bool {
    let m = match value {
        Value::Text(g) => g.matches(text),
        Value::Regex(r) => r.compiled.is_match(text),
        Value::Number(_) => return false,
    };
    match op {
        Op::Eq => m,
        Op::Ne => !m,
        _ => false,
    }
}

fn compare_num(op: Op, x: f64, n: f64) -> bool {
    match op {
        Op::Eq => x == n,
        Op::Ne => x != n,
        Op::Lt => x < n,
        Op::Le => x <= n,
        Op::Gt => x > n,
        Op::Ge => x >= n,
    }
}

/// Splits a space-delimited event into tokens (byte ranges): fields are separated by runs of
/// spaces or tabs; a field that starts with `"` runs to the next `"`, one that starts with `[`
/// to the matching `]`, and the quotes or brackets are not part of the value. An unclosed quote
/// or bracket runs to the end of the event.
pub(super) fn tokenize(event: &[u8], out: &mut Vec<(usize, usize)>) {
    out.clear();
    let mut i = 0;
    let n = event.len();
    while i < n {
        while i < n && matches!(event[i], b' ' | b'\t') {
            i += 1;
        }
        if i >= n {
            break;
        }
        match event[i] {
            b'"' => {
                let start = i + 1;
                let end = memchr::memchr(b'"', &event[start..]).map_or(n, |e| start + e);
                out.push((start, end));
                i = end + 1;
            }
            b'[' => {
                let start = i + 1;
                let mut depth = 1;
                let mut j = start;
                while j < n {
                    match event[j] {
                        b'[' => depth += 1,
                        b']' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                out.push((start, j));
                i = j + 1;
            }
            _ => {
                let start = i;
                while i < n && !matches!(event[i], b' ' | b'\t') {
                    i += 1;
                }
                out.push((start, i));
            }
        }
    }
}

/// Evaluates a space-delimited pattern on an event.
///
/// Without `...`, an event with more tokens than the pattern has fields gives the rest of the
/// line to the last field, as AWS's "blank indicator" rule implies (`[w1=ERROR, w2]` matches
/// any event whose first word is ERROR, `[w1=ERROR]` only the one-word event `ERROR`); with
/// fewer tokens it does not match. With `...`, the ellipsis takes any number of tokens and
/// the other fields one token each.
pub(super) fn space(p: &Space, event: &[u8], tokens: &mut Vec<(usize, usize)>) -> bool {
    if p.fields.is_empty() {
        return true;
    }
    tokenize(event, tokens);
    let toks: Vec<&[u8]> = tokens.iter().map(|&(s, e)| &event[s..e]).collect();
    let has_ellipsis = p.fields.iter().any(|f| matches!(f, SpaceField::Ellipsis));
    if !has_ellipsis && toks.len() > p.fields.len() {
        let last = p.fields.len() - 1;
        // The rest of the line from the last field's token on, as written.
        let (start, _) = tokens[last];
        // Step back over the token's opening quote or bracket, if it had one.
        let raw_start = match start.checked_sub(1).map(|i| event[i]) {
            Some(b'"' | b'[') if start < 2 || matches!(event[start - 2], b' ' | b'\t') => start - 1,
            _ => start,
        };
        let rest = event[raw_start..].trim_ascii_end();
        return p.fields[..last]
            .iter()
            .zip(&toks)
            .all(|(f, t)| field_ok(f, t))
            && field_ok(&p.fields[last], rest);
    }
    glob_fields(&p.fields, &toks)
}

fn field_ok(f: &SpaceField, tok: &[u8]) -> bool {
    match f {
        SpaceField::Ellipsis => true,
        SpaceField::Token { cond, .. } => cond.as_ref().is_none_or(|c| space_cond(c, tok)),
    }
}

/// Matches fields against tokens, `...` standing for any number of tokens (the classic
/// wildcard algorithm with one backtrack point: linear for one `...`, O(fields × tokens) worst
/// case for several).
fn glob_fields(fields: &[SpaceField], toks: &[&[u8]]) -> bool {
    let (mut f, mut t) = (0usize, 0usize);
    let mut back: Option<(usize, usize)> = None;
    while t < toks.len() {
        if f < fields.len() {
            match &fields[f] {
                SpaceField::Ellipsis => {
                    back = Some((f, t));
                    f += 1;
                    continue;
                }
                SpaceField::Token { cond, .. } => {
                    if cond.as_ref().is_none_or(|c| space_cond(c, toks[t])) {
                        f += 1;
                        t += 1;
                        continue;
                    }
                }
            }
        }
        match back {
            Some((bf, bt)) => {
                f = bf + 1;
                t = bt + 1;
                back = Some((bf, bt + 1));
            }
            None => return false,
        }
    }
    fields[f..]
        .iter()
        .all(|x| matches!(x, SpaceField::Ellipsis))
}

fn space_cond(expr: &Expr<(Op, Value)>, tok: &[u8]) -> bool {
    match expr {
        Expr::Cond((op, value)) => match value {
            Value::Number(n) => number_of(tok).is_some_and(|x| compare_num(*op, x, *n)),
            _ => compare_text(*op, value, tok),
        },
        Expr::And(v) => v.iter().all(|e| space_cond(e, tok)),
        Expr::Or(v) => v.iter().any(|e| space_cond(e, tok)),
    }
}

fn number_of(tok: &[u8]) -> Option<f64> {
    super::parse::parse_number(tok)
}
