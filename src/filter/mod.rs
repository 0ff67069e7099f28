//! CloudWatch Logs filter patterns, evaluated locally.
//!
//! [`FilterPattern::parse`] reads the four kinds of pattern AWS documents ("Filter pattern
//! syntax for metric filters, subscription filters, filter log events, and Live Tail"): terms
//! (`ERROR -DEBUG`, `?WARN ?ERROR`, `"exact phrase"`), a regular expression (`%...%`), JSON
//! conditions (`{ $.level = "error" && $.latency > 500 }`) and space-delimited fields
//! (`[ip, user, ..., status = 5*, bytes]`). [`FilterPattern::select_lines`] runs a pattern
//! over a buffer of lines: a literal the pattern requires is searched in the whole buffer first
//! (memchr's memmem or an Aho-Corasick automaton), and only the lines that contain it are
//! parsed and evaluated. [`run()`] drives the `filter` command over files and stdin.
//!
//! The rules, and the choices made where AWS's pages are silent, are in `docs/FILTER.md`.

mod eval;
pub mod parse;
pub mod run;

use aho_corasick::AhoCorasick;
use memchr::memmem;

pub use parse::{parse, PatternError};
pub use run::{run, FilterOptions, FilterOutcome, OutputMode};

use crate::record::json::{JsonPaths, Step};
use crate::record::Raw;
use parse::{Ast, Expr, JsonTest, Op, Value};

/// A compiled filter pattern.
#[derive(Debug)]
pub struct FilterPattern {
    source: String,
    kind: Kind,
    prefilter: Option<Prefilter>,
}

#[derive(Debug)]
enum Kind {
    All,
    Terms {
        include: Vec<memmem::Finder<'static>>,
        optional: Vec<memmem::Finder<'static>>,
        exclude: Vec<memmem::Finder<'static>>,
    },
    Regex(parse::Regex),
    Json {
        expr: Expr<SlotCond>,
        paths: JsonPaths,
    },
    Space(parse::Space),
}

/// A JSON condition with its selector's output slot.
#[derive(Debug)]
struct SlotCond {
    slot: u16,
    wildcard: bool,
    test: JsonTest,
}

/// Per-thread scratch space for evaluating a pattern.
#[derive(Debug, Default)]
pub struct Scratch<'a> {
    values: Vec<(u16, Raw<'a>)>,
    tokens: Vec<(usize, usize)>,
}

impl FilterPattern {
    /// Parses and compiles `pattern`.
    pub fn parse(pattern: &str) -> Result<FilterPattern, PatternError> {
        let ast = parse::parse(pattern)?;
        let mut prefilter = None;
        let kind = match ast {
            Ast::All => Kind::All,
            Ast::Terms(t) => {
                let req = if !t.include.is_empty() {
                    t.include
                        .iter()
                        .max_by_key(|l| l.len())
                        .map(|l| vec![l.clone()])
                } else if !t.optional.is_empty() {
                    Some(t.optional.clone())
                } else {
                    None
                };
                prefilter = req.and_then(|r| Prefilter::new(r, false));
                let finders = |v: &[Vec<u8>]| {
                    v.iter()
                        .map(|l| memmem::Finder::new(l).into_owned())
                        .collect::<Vec<_>>()
                };
                Kind::Terms {
                    include: finders(&t.include),
                    optional: finders(&t.optional),
                    exclude: finders(&t.exclude),
                }
            }
            Ast::Regex(re) => Kind::Regex(re),
            Ast::Json(expr) => {
                prefilter = json_required(&expr).and_then(|r| Prefilter::new(r, true));
                let mut paths = JsonPaths::new();
                let expr = compile_json(expr, &mut paths).ok_or_else(|| PatternError {
                    column: 1,
                    message: format!(
                        "more than {} distinct selectors in one pattern",
                        JsonPaths::capacity()
                    ),
                })?;
                Kind::Json { expr, paths }
            }
            Ast::Space(space) => {
                prefilter = space_required(&space).and_then(|r| Prefilter::new(r, false));
                Kind::Space(space)
            }
        };
        Ok(FilterPattern {
            source: pattern.to_string(),
            kind,
            prefilter,
        })
    }

    /// The pattern as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// True if the pattern matches every event.
    pub fn matches_all(&self) -> bool {
        matches!(self.kind, Kind::All)
    }

    /// Does the event on `line` (without its line terminator) match? A CloudWatch export line
    /// (`<RFC3339 timestamp> {json}`) is matched on its JSON part, as CloudWatch matches the
    /// event's message, and a container runtime's line (`<RFC3339 timestamp> stdout F <line>`)
    /// on the application's line, the message a log shipper sends; any other line is matched
    /// whole.
    pub fn matches_line<'a>(&self, line: &'a [u8], scratch: &mut Scratch<'a>) -> bool {
        let event = crate::record::event_part(line);
        match &self.kind {
            Kind::All => true,
            Kind::Terms {
                include,
                optional,
                exclude,
            } => {
                include.iter().all(|f| f.find(event).is_some())
                    && (!include.is_empty()
                        || optional.is_empty()
                        || optional.iter().any(|f| f.find(event).is_some()))
                    && !exclude.iter().any(|f| f.find(event).is_some())
            }
            Kind::Regex(re) => re.compiled.is_match(event),
            Kind::Json { expr, paths } => {
                // CloudWatch events are UTF-8: a line that is not is not a JSON event.
                simdutf8::basic::from_utf8(event).is_ok()
                    && crate::record::json::select(event, paths, &mut scratch.values)
                    && eval::json(expr, &scratch.values)
            }
            Kind::Space(space) => eval::space(space, event, &mut scratch.tokens),
        }
    }

    /// [`FilterPattern::matches_line`] with its own scratch space (convenient, slower in loops).
    pub fn is_match(&self, line: &[u8]) -> bool {
        self.matches_line(line, &mut Scratch::default())
    }

    /// [`FilterPattern::is_match`] that first looks for the literal the pattern requires, so
    /// most non-matching lines cost one substring search.
    pub fn is_match_quick(&self, line: &[u8]) -> bool {
        if let Some(pf) = &self.prefilter {
            if pf.find(line).is_none() {
                return false;
            }
        }
        self.is_match(line)
    }

    /// Calls `emit(lines, n)` for the selected lines of `data` (whole lines, each ending in
    /// `\n` except possibly the last): the matching lines, or with `invert` the others. Runs of
    /// consecutive selected lines may come as one slice holding `n` lines. Lines are split on
    /// `\n`; a `\r` before it is not part of the event.
    pub fn select_lines<'d>(
        &self,
        data: &'d [u8],
        invert: bool,
        mut emit: impl FnMut(&'d [u8], u64),
    ) {
        let mut scratch = Scratch::default();
        let Some(pf) = &self.prefilter else {
            return self.select_each(data, invert, &mut emit);
        };
        let mut pos = 0;
        while pos < data.len() {
            let Some(hit) = pf.find(&data[pos..]) else {
                if invert {
                    emit(
                        &data[pos..],
                        crate::source::chunk::count_lines(&data[pos..]),
                    );
                }
                return;
            };
            let hit = pos + hit;
            let start = memchr::memrchr(b'\n', &data[pos..hit]).map_or(pos, |i| pos + i + 1);
            let end = memchr::memchr(b'\n', &data[hit..]).map_or(data.len(), |i| hit + i + 1);
            if invert && start > pos {
                emit(
                    &data[pos..start],
                    crate::source::chunk::count_lines(&data[pos..start]),
                );
            }
            let line = trim_eol(&data[start..end]);
            if self.matches_line(line, &mut scratch) != invert {
                emit(&data[start..end], 1);
            }
            pos = end;
        }
    }

    fn select_each<'d>(&self, data: &'d [u8], invert: bool, emit: &mut impl FnMut(&'d [u8], u64)) {
        if matches!(self.kind, Kind::All) {
            if !invert && !data.is_empty() {
                emit(data, crate::source::chunk::count_lines(data));
            }
            return;
        }
        let mut scratch = Scratch::default();
        // A run of selected lines is emitted as one slice.
        let mut run_start = 0;
        let mut run_lines = 0u64;
        let mut pos = 0;
        while pos < data.len() {
            let end = memchr::memchr(b'\n', &data[pos..]).map_or(data.len(), |i| pos + i + 1);
            let line = trim_eol(&data[pos..end]);
            let selected = self.matches_line(line, &mut scratch) != invert;
            if selected {
                if run_lines == 0 {
                    run_start = pos;
                }
                run_lines += 1;
            } else if run_lines > 0 {
                emit(&data[run_start..pos], run_lines);
                run_lines = 0;
            }
            pos = end;
        }
        if run_lines > 0 {
            emit(&data[run_start..], run_lines);
        }
    }
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn compile_json(expr: Expr<parse::JsonCond>, paths: &mut JsonPaths) -> Option<Expr<SlotCond>> {
    Some(match expr {
        Expr::Cond(c) => Expr::Cond(SlotCond {
            slot: paths.add(&c.path)?,
            wildcard: c.wildcard,
            test: c.test,
        }),
        Expr::And(v) => Expr::And(
            v.into_iter()
                .map(|e| compile_json(e, paths))
                .collect::<Option<_>>()?,
        ),
        Expr::Or(v) => Expr::Or(
            v.into_iter()
                .map(|e| compile_json(e, paths))
                .collect::<Option<_>>()?,
        ),
    })
}

/// Literals one of which every matching line contains, or `None` if there is no such set.
type Required = Vec<Vec<u8>>;

fn better(a: Required, b: Required) -> Required {
    let key = |r: &Required| {
        (
            r.iter().map(Vec::len).min().unwrap_or(0),
            std::cmp::Reverse(r.len()),
        )
    };
    if key(&b) > key(&a) {
        b
    } else {
        a
    }
}

fn combine<C>(expr: &Expr<C>, leaf: &impl Fn(&C) -> Option<Required>) -> Option<Required> {
    match expr {
        Expr::Cond(c) => leaf(c).filter(|r| !r.is_empty() && r.iter().all(|l| !l.is_empty())),
        Expr::And(v) => v.iter().filter_map(|e| combine(e, leaf)).reduce(better),
        Expr::Or(v) => {
            let mut all = Vec::new();
            for e in v {
                all.extend(combine(e, leaf)?);
            }
            Some(all)
        }
    }
}

fn json_required(expr: &Expr<parse::JsonCond>) -> Option<Required> {
    combine(expr, &|c: &parse::JsonCond| {
        let key = c.path.iter().rev().find_map(|s| match s {
            Step::Key(k) => Some(k.to_vec()),
            _ => None,
        });
        let value = match &c.test {
            JsonTest::NotExists => return None,
            JsonTest::Compare(Op::Eq, Value::Text(g)) => Some(g.literal.clone()),
            _ => None,
        };
        match (key, value) {
            (Some(k), Some(v)) => Some(better(vec![k], vec![v])),
            (k, v) => k.or(v).map(|l| vec![l]),
        }
    })
}

fn space_required(space: &parse::Space) -> Option<Required> {
    let leaf = |c: &(Op, Value)| match c {
        (Op::Eq, Value::Text(g)) => Some(vec![g.literal.clone()]),
        _ => None,
    };
    space
        .fields
        .iter()
        .filter_map(|f| match f {
            parse::SpaceField::Token {
                cond: Some(cond), ..
            } => combine(cond, &leaf),
            _ => None,
        })
        .reduce(better)
}

/// A search for the literals a pattern requires, over a whole buffer.
#[derive(Debug)]
enum Prefilter {
    One(Box<memmem::Finder<'static>>),
    Many(AhoCorasick),
}

impl Prefilter {
    /// `json`: the literals are searched in JSON text, where any character may be written as
    /// an escape; lines with escapes that could hide a literal are candidates too.
    fn new(mut lits: Required, json: bool) -> Option<Prefilter> {
        if lits.is_empty() || lits.iter().any(Vec::is_empty) {
            return None;
        }
        if json {
            let has = |c: u8| lits.iter().any(|l| l.contains(&c));
            let mut extra = vec![b"\\u".to_vec()];
            if has(b'/') {
                extra.push(b"\\/".to_vec());
            }
            if has(b'"') {
                extra.push(b"\\\"".to_vec());
            }
            if has(b'\\') {
                extra.push(b"\\\\".to_vec());
            }
            if lits.iter().any(|l| l.iter().any(|c| c.is_ascii_control())) {
                extra.push(b"\\".to_vec());
            }
            lits.extend(extra);
        }
        lits.sort();
        lits.dedup();
        if lits.len() == 1 {
            return Some(Prefilter::One(Box::new(
                memmem::Finder::new(&lits[0]).into_owned(),
            )));
        }
        AhoCorasick::builder()
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(&lits)
            .ok()
            .map(Prefilter::Many)
    }

    fn find(&self, hay: &[u8]) -> Option<usize> {
        match self {
            Prefilter::One(f) => f.find(hay),
            Prefilter::Many(ac) => ac.find(hay).map(|m| m.start()),
        }
    }
}

#[cfg(test)]
mod tests;
