//! Records → catalog pattern hits.
//!
//! [`Matcher`] compiles a [`Catalog`]: every literal of every pattern (`contains` and `message`)
//! goes into one ASCII-case-insensitive Aho-Corasick automaton, so a text is scanned once however
//! many patterns there are. A pattern's regex runs only on texts where one of its literals was
//! found (a regex with no literal runs on every text; `patterns check` warns about it). Field
//! and level conditions are evaluated last, on the parsed fields.
//!
//! Matching is split so the caller can cache the expensive part: [`Matcher::text_hits`] depends
//! on a text alone (the aggregator memoises it per distinct message), and
//! [`Matcher::event_hits`] adds the error field and the per-event conditions. For messages,
//! [`Matcher::message_hits`] first asks a per-thread [`LiteralFilter`] whether the message can
//! hold a literal at all: most cannot, and the filter tells so in well under the automaton's
//! time.

pub mod catalog;
pub mod grams;
pub mod suggest;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex::bytes::Regex;

pub use catalog::{Catalog, CmpOp, CondValue, FieldCond, Pattern, Severity};

pub use grams::LiteralFilter;

use crate::record::{FieldSpec, Level, Record, Slot};

#[derive(Clone, Copy, Debug)]
enum LitKind {
    Contains,
    /// Index into the pattern's `message` list.
    Equals(u16),
}

#[derive(Clone, Debug)]
struct CompiledCond {
    slots: Vec<u16>,
    op: CmpOp,
    value: CondValue,
}

/// A compiled catalog. Cheap to share between threads (`&Matcher` is `Sync`).
#[derive(Debug)]
pub struct Matcher {
    ac: Option<AhoCorasick>,
    /// The automaton's literals (lowercase), for [`LiteralFilter`]s.
    literals: Vec<Box<[u8]>>,
    /// For each automaton pattern: the catalog patterns using that literal.
    lit_refs: Vec<Vec<(u16, LitKind)>>,
    messages: Vec<Vec<String>>,
    regexes: Vec<Option<Regex>>,
    /// Patterns with a regex but no literal: their regex runs on every text.
    regex_only: Vec<u16>,
    /// Patterns with no text clause: checked on every structured event, with the slots of
    /// their first field condition as a bit mask (0: cannot be gated, always checked).
    no_text: Vec<(u16, u64)>,
    conds: Vec<Vec<CompiledCond>>,
    levels: Vec<Vec<Level>>,
}

impl Matcher {
    /// Compiles `catalog`, registering the fields its conditions need in `spec`.
    pub fn new(catalog: &Catalog, spec: &mut FieldSpec) -> Matcher {
        let n = catalog.len();
        assert!(n < u16::MAX as usize, "too many patterns");
        let mut lits: Vec<String> = Vec::new();
        let mut lit_index: std::collections::HashMap<String, usize> = Default::default();
        let mut lit_refs: Vec<Vec<(u16, LitKind)>> = Vec::new();
        let mut add_lit = |s: &str, p: u16, kind: LitKind| {
            let key = s.to_ascii_lowercase();
            let idx = *lit_index.entry(key).or_insert_with_key(|key| {
                lits.push(key.clone());
                lit_refs.push(Vec::new());
                lits.len() - 1
            });
            lit_refs[idx].push((p, kind));
        };
        let mut m = Matcher {
            ac: None,
            literals: Vec::new(),
            lit_refs: Vec::new(),
            messages: Vec::with_capacity(n),
            regexes: Vec::with_capacity(n),
            regex_only: Vec::new(),
            no_text: Vec::new(),
            conds: Vec::with_capacity(n),
            levels: Vec::with_capacity(n),
        };
        for (i, p) in catalog.patterns().iter().enumerate() {
            let pi = i as u16;
            let s = &p.spec;
            for c in &s.contains {
                add_lit(c, pi, LitKind::Contains);
            }
            for (j, msg) in s.message.iter().enumerate() {
                add_lit(msg, pi, LitKind::Equals(j as u16));
            }
            // Validated at load time; the size limit keeps a hostile catalog bounded.
            let re = s.regex.as_ref().map(|r| {
                regex::bytes::RegexBuilder::new(r)
                    .size_limit(catalog::REGEX_SIZE_LIMIT)
                    .build()
                    .expect("catalog regexes are validated at load")
            });
            if re.is_some() && s.contains.is_empty() && s.message.is_empty() {
                m.regex_only.push(pi);
            }
            let first_cond_slots: Vec<u16> = s
                .fields
                .first()
                .map(|c| c.paths.iter().map(|p| spec.extra_slot(p)).collect())
                .unwrap_or_default();
            if !s.has_text() {
                let mask =
                    if first_cond_slots.iter().all(|&x| x < 64) && !first_cond_slots.is_empty() {
                        first_cond_slots.iter().fold(0u64, |m, &x| m | 1 << x)
                    } else {
                        0
                    };
                m.no_text.push((pi, mask));
            }
            m.regexes.push(re);
            m.messages.push(s.message.clone());
            m.conds.push(
                s.fields
                    .iter()
                    .map(|c| CompiledCond {
                        slots: c.paths.iter().map(|p| spec.extra_slot(p)).collect(),
                        op: c.op,
                        value: c.value.clone(),
                    })
                    .collect(),
            );
            m.levels.push(s.level.clone());
        }
        if !lits.is_empty() {
            m.ac = Some(
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(&lits)
                    .expect("literal automaton builds"),
            );
        }
        m.literals = lits.into_iter().map(|l| l.into_bytes().into()).collect();
        m.lit_refs = lit_refs;
        m
    }

    /// A filter for [`Matcher::message_hits`], one per thread.
    pub fn literal_filter(&self) -> LiteralFilter {
        if self.ac.is_none() {
            return LiteralFilter::off();
        }
        LiteralFilter::new(self.literals.iter().map(|l| &l[..]))
    }

    /// [`Matcher::text_hits`] of a message, with the literal automaton skipped when `filter`
    /// shows the message holds no literal (the hits are the same).
    pub fn message_hits(&self, text: &[u8], filter: &mut LiteralFilter, out: &mut Vec<u16>) {
        let literals = || self.literals.iter().map(|l| &l[..]);
        if filter.may_match(text, literals) {
            self.text_hits(text, true, out);
        } else {
            let start = out.len();
            self.regex_only_hits(text, start, out);
        }
    }

    /// Patterns whose text clause holds for `text`, sorted and deduplicated, appended to `out`.
    /// `is_message` enables the exact `message` comparisons. Text is bytes: a line that is not
    /// valid UTF-8 is still searched.
    pub fn text_hits(&self, text: &[u8], is_message: bool, out: &mut Vec<u16>) {
        let start = out.len();
        if let Some(ac) = &self.ac {
            for hit in ac.find_overlapping_iter(text) {
                for &(p, kind) in &self.lit_refs[hit.pattern().as_usize()] {
                    let ok = match kind {
                        LitKind::Contains => true,
                        LitKind::Equals(j) => {
                            is_message && self.messages[p as usize][j as usize].as_bytes() == text
                        }
                    };
                    if ok {
                        out.push(p);
                    }
                }
            }
        }
        out[start..].sort_unstable();
        let mut w = start;
        for r in start..out.len() {
            let p = out[r];
            if (w > start && out[w - 1] == p)
                || self.regexes[p as usize]
                    .as_ref()
                    .is_some_and(|re| !re.is_match(text))
            {
                continue;
            }
            out[w] = p;
            w += 1;
        }
        out.truncate(w);
        self.regex_only_hits(text, start, out);
    }

    /// Adds the patterns with a regex and no literal that match `text`; keeps `out[start..]`
    /// sorted.
    fn regex_only_hits(&self, text: &[u8], start: usize, out: &mut Vec<u16>) {
        if !self.regex_only.is_empty() {
            for &p in &self.regex_only {
                if self.regexes[p as usize]
                    .as_ref()
                    .is_some_and(|re| re.is_match(text))
                {
                    out.push(p);
                }
            }
            out[start..].sort_unstable();
        }
    }

    /// Full hits of an event, given the text hits of its message (`msg_hits`, from
    /// [`Matcher::text_hits`]) and its level: adds the error field's text hits and, for
    /// structured events, the patterns without text clauses, and keeps those whose level and
    /// field conditions hold. `scratch` is reused working space. Hits are sorted.
    pub fn event_hits(
        &self,
        rec: &Record<'_, '_>,
        level: Option<Level>,
        msg_hits: &[u16],
        scratch: &mut Vec<u16>,
        out: &mut Vec<u16>,
    ) {
        let start = out.len();
        // The error field's text, and the whole line a message was one part of (a load
        // balancer's line inside a container runtime's JSON), are read as well.
        let err = rec.bytes(Slot::Error);
        let source = rec.fields.line_source().map(|r| r.to_bytes());
        let cands: &[u16] = if err.is_none() && source.is_none() {
            msg_hits
        } else {
            scratch.clear();
            scratch.extend_from_slice(msg_hits);
            for text in err.iter().chain(source.iter()) {
                self.text_hits(text, false, scratch);
            }
            scratch.sort_unstable();
            scratch.dedup();
            scratch
        };
        let mut numbers = Numbers::default();
        for &p in cands {
            if self.accepts(p, rec, level, &mut numbers) {
                out.push(p);
            }
        }
        if rec.format.is_structured() && !self.no_text.is_empty() {
            let before = out.len();
            let present = rec.fields.present();
            for &(p, mask) in &self.no_text {
                // A condition on absent fields is false: skip without looking further.
                if mask != 0 && mask & present == 0 {
                    continue;
                }
                if self.accepts(p, rec, level, &mut numbers) {
                    out.push(p);
                }
            }
            if out.len() > before && before > start {
                out[start..].sort_unstable();
            }
        }
    }

    #[inline]
    fn accepts(
        &self,
        p: u16,
        rec: &Record<'_, '_>,
        level: Option<Level>,
        numbers: &mut Numbers,
    ) -> bool {
        let levels = &self.levels[p as usize];
        if !levels.is_empty() && !level.is_some_and(|l| levels.contains(&l)) {
            return false;
        }
        self.conds[p as usize]
            .iter()
            .all(|c| cond_holds(rec, c, numbers))
    }

    /// Hits of a line that is not a structured event (plain text or malformed): the whole
    /// line is the text.
    pub fn line_hits(
        &self,
        rec: &Record<'_, '_>,
        level: Option<Level>,
        text: &[u8],
        scratch: &mut Vec<u16>,
        out: &mut Vec<u16>,
    ) {
        let mut text_hits = std::mem::take(scratch);
        text_hits.clear();
        self.text_hits(text, false, &mut text_hits);
        let mut numbers = Numbers::default();
        for &p in &text_hits {
            if self.accepts(p, rec, level, &mut numbers) {
                out.push(p);
            }
        }
        *scratch = text_hits;
    }
}

/// The numbers of an event's fields, parsed once for all the conditions on them (several
/// patterns test `status` against 500, 429, 401, 403 …).
#[derive(Default)]
struct Numbers {
    n: usize,
    slots: [usize; 4],
    values: [Option<f64>; 4],
}

impl Numbers {
    #[inline]
    fn of(&mut self, slot: usize, raw: &crate::record::Raw<'_>) -> Option<f64> {
        if let Some(i) = self.slots[..self.n].iter().position(|&s| s == slot) {
            return self.values[i];
        }
        let v = raw.to_f64();
        if self.n < self.slots.len() {
            self.slots[self.n] = slot;
            self.values[self.n] = v;
            self.n += 1;
        }
        v
    }
}

fn cond_holds(rec: &Record<'_, '_>, c: &CompiledCond, numbers: &mut Numbers) -> bool {
    let Some((slot, raw)) = c.slots.iter().find_map(|&s| {
        let s = s as usize;
        rec.fields.get(s).map(|r| (s, r))
    }) else {
        return false;
    };
    match &c.value {
        CondValue::Number(want) => {
            let Some(v) = numbers.of(slot, raw) else {
                return false;
            };
            match c.op {
                CmpOp::Eq => v == *want,
                CmpOp::Ne => v != *want,
                CmpOp::Lt => v < *want,
                CmpOp::Le => v <= *want,
                CmpOp::Gt => v > *want,
                CmpOp::Ge => v >= *want,
            }
        }
        CondValue::Text(want) => {
            let v = raw.to_text();
            match c.op {
                CmpOp::Eq => v == want.as_str(),
                CmpOp::Ne => v != want.as_str(),
                _ => false,
            }
        }
    }
}

/// Matches single lines end to end (parse, then match): for catalog examples, `patterns check`
/// and tests. The analysis pipeline does the same work with memoisation instead.
#[derive(Debug)]
pub struct LineMatcher {
    matcher: Matcher,
    parser: crate::record::Parser,
}

impl LineMatcher {
    /// Compiles `catalog` with the default field aliases.
    pub fn new(catalog: &Catalog) -> LineMatcher {
        let mut spec = FieldSpec::with_defaults();
        let matcher = Matcher::new(catalog, &mut spec);
        LineMatcher {
            matcher,
            parser: crate::record::Parser::new(spec),
        }
    }

    /// Indices of the catalog patterns that `line` hits, ascending.
    pub fn hits(&self, line: &str) -> Vec<u16> {
        use crate::record::{Fields, Format, Parsed};
        let mut fields = Fields::new(self.parser.spec().slot_count());
        let format = match self.parser.parse(line.as_bytes(), &mut fields) {
            Parsed::Record(f) => f,
            Parsed::Malformed => {
                fields.clear();
                Format::Text
            }
        };
        let rec = Record {
            line: line.as_bytes(),
            format,
            fields: &fields,
        };
        let (mut scratch, mut out) = (Vec::new(), Vec::new());
        let level = rec.level();
        if format.is_structured() {
            let mut msg_hits = Vec::new();
            if let Some(msg) = rec.bytes(Slot::Message) {
                self.matcher.text_hits(&msg, true, &mut msg_hits);
            }
            self.matcher
                .event_hits(&rec, level, &msg_hits, &mut scratch, &mut out);
        } else {
            self.matcher
                .line_hits(&rec, level, line.as_bytes(), &mut scratch, &mut out);
        }
        out
    }
}

/// Runs every pattern's examples; returns one message per example that misbehaves.
pub fn check_examples(catalog: &Catalog) -> Vec<String> {
    let lm = LineMatcher::new(catalog);
    let mut failures = Vec::new();
    for (i, p) in catalog.patterns().iter().enumerate() {
        let i = i as u16;
        for ex in &p.examples_match {
            if !lm.hits(ex).contains(&i) {
                failures.push(format!(
                    "{}:{}: pattern \"{}\": example should match but does not: {ex}",
                    p.file, p.line, p.id
                ));
            }
        }
        for ex in &p.examples_no_match {
            if lm.hits(ex).contains(&i) {
                failures.push(format!(
                    "{}:{}: pattern \"{}\": no_match example matches: {ex}",
                    p.file, p.line, p.id
                ));
            }
        }
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs one line through the real parser and matcher; returns the ids hit.
    fn hits_of(catalog: &Catalog, line: &str) -> Vec<String> {
        LineMatcher::new(catalog)
            .hits(line)
            .iter()
            .map(|&p| catalog.patterns()[p as usize].id.clone())
            .collect()
    }

    fn catalog(text: &str) -> Catalog {
        let mut c = Catalog::default();
        c.add_source("t.toml", text).unwrap();
        c
    }

    #[test]
    fn every_builtin_example_behaves() {
        let failures = check_examples(&Catalog::builtin());
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    /// The gram filter only skips work: after it has learnt (from messages that hold no
    /// literal, the worst case for a literal among the test messages), every message has the
    /// hits the automaton alone gives, whatever the case of its letters.
    #[test]
    fn filtered_message_hits_equal_the_automatons() {
        let catalog = Catalog::builtin();
        let mut spec = FieldSpec::with_defaults();
        let m = Matcher::new(&catalog, &mut spec);
        let mut filter = m.literal_filter();
        let filler = |i: u32| format!("request {i} served for tenant t-{} in {}ms", i % 7, i % 90);
        let mut got = Vec::new();
        for i in 0..grams::LEARN_TEXTS {
            got.clear();
            m.message_hits(filler(i).as_bytes(), &mut filter, &mut got);
        }
        let mut texts: Vec<String> = (0..200).map(|i| filler(i + 7919)).collect();
        for (i, lit) in m.literals.iter().enumerate() {
            let lit = String::from_utf8_lossy(lit);
            texts.push(lit.to_string());
            texts.push(format!("op {i} failed: {}", lit.to_ascii_uppercase()));
            let mixed: String = lit
                .chars()
                .enumerate()
                .map(|(j, c)| {
                    if j % 2 == 0 {
                        c.to_ascii_uppercase()
                    } else {
                        c
                    }
                })
                .collect();
            texts.push(format!("{mixed} (attempt {i})"));
        }
        let mut want = Vec::new();
        for t in &texts {
            got.clear();
            want.clear();
            m.message_hits(t.as_bytes(), &mut filter, &mut got);
            m.text_hits(t.as_bytes(), true, &mut want);
            assert_eq!(got, want, "{t}");
        }
        // And it does skip: the filler messages, mostly.
        let literals = || m.literals.iter().map(|l| &l[..]);
        let skipped = texts[..200]
            .iter()
            .filter(|t| !filter.may_match(t.as_bytes(), literals))
            .count();
        assert!(skipped > 150, "{skipped}");
    }

    #[test]
    fn clauses_combine() {
        let c = catalog(
            r#"
[[pattern]]
id = "t.exact"
title = "exact"
severity = "warn"
[pattern.match]
message = ["context deadline exceeded"]

[[pattern]]
id = "t.contains"
title = "contains"
severity = "warn"
[pattern.match]
contains = ["Deadline Exceeded"]

[[pattern]]
id = "t.exit"
title = "exit"
severity = "error"
[pattern.match]
contains = ["exit code"]
regex = 'exit code 13[79]'

[[pattern]]
id = "t.status"
title = "5xx"
severity = "error"
[pattern.match]
fields = ["status|http.status >= 500"]

[[pattern]]
id = "t.leveled"
title = "lvl"
severity = "error"
[pattern.match]
contains = ["boom"]
level = ["error", "fatal"]
"#,
        );
        let h = |l: &str| hits_of(&c, l);
        assert_eq!(
            h(r#"{"msg":"context deadline exceeded"}"#),
            ["t.exact", "t.contains"]
        );
        assert_eq!(
            h(r#"{"msg":"op failed","error":"context deadline exceeded"}"#),
            ["t.contains"]
        );
        assert_eq!(h(r#"{"msg":"exited with exit code 137"}"#), ["t.exit"]);
        assert!(h(r#"{"msg":"exited with exit code 143"}"#).is_empty());
        assert_eq!(h(r#"{"msg":"x","http":{"status":503}}"#), ["t.status"]);
        assert_eq!(h(r#"{"msg":"x","status":"502"}"#), ["t.status"]);
        assert!(h(r#"{"msg":"x","http":{"status":200}}"#).is_empty());
        assert!(h(r#"{"level":"info","msg":"boom"}"#).is_empty());
        assert_eq!(h(r#"{"level":"error","msg":"boom"}"#), ["t.leveled"]);
        assert_eq!(h("2026-02-06 ERROR boom"), ["t.leveled"]);
        assert_eq!(h("plain text: deadline exceeded"), ["t.contains"]);
        // Other fields are not searched.
        assert!(h(r#"{"msg":"ok","detail":"deadline exceeded"}"#).is_empty());
    }
}
