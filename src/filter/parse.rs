//! Parsing filter patterns into an AST, with errors that point at a column.
//!
//! The kind of pattern is decided by its first non-blank character: `{` a JSON pattern, `[` a
//! space-delimited pattern, `%` a regular expression, anything else terms. See
//! `docs/FILTER.md` for the grammar and every choice made where AWS's documentation is silent.

use std::fmt;

use crate::record::json::Step;

/// Longest pattern accepted, in characters (AWS: "Maximum length of 1024").
pub const MAX_PATTERN_CHARS: usize = 1024;
/// Most regular expressions in one JSON or space-delimited pattern (AWS quota: 2).
pub const MAX_REGEX_PER_PATTERN: usize = 2;
/// Most wildcard selectors (`[*]`, `.*`) in one JSON pattern (AWS quota: 3).
pub const MAX_WILDCARDS_PER_PATTERN: usize = 3;

/// An invalid pattern: what is wrong and where (1-based character column).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternError {
    /// 1-based column (in characters) of the offending part.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.column, self.message)
    }
}

impl std::error::Error for PatternError {}

impl PatternError {
    /// The part of `pattern` around the error for a one-line message: the whole pattern when it
    /// is short, else 60 characters around the column with `…` where it was cut.
    pub fn excerpt(&self, pattern: &str) -> String {
        const WIDTH: usize = 60;
        let chars: Vec<char> = pattern.chars().collect();
        if chars.len() <= WIDTH {
            return pattern.to_string();
        }
        let at = self.column.saturating_sub(1).min(chars.len());
        let start = at.saturating_sub(WIDTH / 2).min(chars.len() - WIDTH);
        let end = start + WIDTH;
        format!(
            "{}{}{}",
            if start > 0 { "…" } else { "" },
            chars[start..end].iter().collect::<String>(),
            if end < chars.len() { "…" } else { "" }
        )
    }
}

/// A parsed pattern.
#[derive(Clone, Debug)]
pub enum Ast {
    /// Matches every event.
    All,
    /// Unstructured terms.
    Terms(Terms),
    /// One regular expression searched in the whole event.
    Regex(Regex),
    /// A JSON condition tree.
    Json(Expr<JsonCond>),
    /// A space-delimited pattern.
    Space(Space),
}

/// Unstructured terms. An event matches if it contains every `include`, at least one of
/// `optional` (only when `include` is empty: AWS ignores `?` terms combined with others) and
/// none of `exclude`.
#[derive(Clone, Debug, Default)]
pub struct Terms {
    /// Plain terms: all must occur.
    pub include: Vec<Vec<u8>>,
    /// `?term`s: one must occur (when there are no plain terms).
    pub optional: Vec<Vec<u8>>,
    /// `-term`s: none may occur.
    pub exclude: Vec<Vec<u8>>,
}

/// A validated AWS-dialect regular expression and its compiled form.
#[derive(Clone, Debug)]
pub struct Regex {
    /// The expression as written between the `%` signs.
    pub source: String,
    /// Compiled (translated to the regex crate's syntax).
    pub compiled: regex::bytes::Regex,
}

/// A boolean tree of conditions: `&&` binds tighter than `||` (AWS: "() > && > ||").
#[derive(Clone, Debug)]
pub enum Expr<C> {
    /// One condition.
    Cond(C),
    /// All must hold.
    And(Vec<Expr<C>>),
    /// One must hold.
    Or(Vec<Expr<C>>),
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// The right-hand side of a comparison.
#[derive(Clone, Debug)]
pub enum Value {
    /// A string, with `*` wildcards only at its start and/or end (AWS: "Ev*ent will only match
    /// the actual string Ev*ent").
    Text(Glob),
    /// A number.
    Number(f64),
    /// `%regex%`.
    Regex(Regex),
}

/// A string with optional leading and trailing `*`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Glob {
    /// The literal part.
    pub literal: Vec<u8>,
    /// `*` at the start.
    pub any_prefix: bool,
    /// `*` at the end.
    pub any_suffix: bool,
}

impl Glob {
    /// Does `text` match?
    pub fn matches(&self, text: &[u8]) -> bool {
        let lit = &self.literal[..];
        match (self.any_prefix, self.any_suffix) {
            (false, false) => text == lit,
            (false, true) => text.starts_with(lit),
            (true, false) => text.ends_with(lit),
            (true, true) => lit.is_empty() || memchr::memmem::find(text, lit).is_some(),
        }
    }
}

/// One JSON condition.
#[derive(Clone, Debug)]
pub struct JsonCond {
    /// The selector path.
    pub path: Vec<Step>,
    /// The path holds a wildcard step: the condition holds if any selected value satisfies it.
    pub wildcard: bool,
    /// What is tested.
    pub test: JsonTest,
}

/// What a JSON condition tests.
#[derive(Clone, Debug)]
pub enum JsonTest {
    /// A comparison.
    Compare(Op, Value),
    /// `IS NULL`
    IsNull,
    /// `IS TRUE` / `IS FALSE`
    IsBool(bool),
    /// `NOT EXISTS`
    NotExists,
}

/// A space-delimited pattern: the fields in order.
#[derive(Clone, Debug, Default)]
pub struct Space {
    /// The fields; an empty list (`[]`) matches every event.
    pub fields: Vec<SpaceField>,
}

/// One field of a space-delimited pattern.
#[derive(Clone, Debug)]
pub enum SpaceField {
    /// `...`: any number of tokens.
    Ellipsis,
    /// One token, with an optional condition on it.
    Token {
        /// The field's name (empty for an unnamed field).
        name: String,
        /// Conditions on the token.
        cond: Option<Expr<(Op, Value)>>,
    },
}

/// Parses a filter pattern.
pub fn parse(pattern: &str) -> Result<Ast, PatternError> {
    let chars = pattern.chars().count();
    if chars > MAX_PATTERN_CHARS {
        return Err(PatternError {
            column: MAX_PATTERN_CHARS + 1,
            message: format!(
                "pattern is {chars} characters long; the limit is {MAX_PATTERN_CHARS}"
            ),
        });
    }
    let mut p = Parser {
        s: pattern.as_bytes(),
        text: pattern,
        i: 0,
        regexes: 0,
        wildcards: 0,
    };
    p.ws();
    let ast = match p.peek() {
        None => Ast::All,
        Some(b'{') => p.json()?,
        Some(b'[') => p.space()?,
        Some(b'%') => {
            let re = p.regex()?;
            p.ws();
            if p.peek().is_some() {
                return p.err(
                    "a regular expression pattern stands alone; put terms in another pattern",
                );
            }
            Ast::Regex(re)
        }
        Some(_) => p.terms()?,
    };
    Ok(ast)
}

struct Parser<'s> {
    s: &'s [u8],
    text: &'s str,
    i: usize,
    regexes: usize,
    wildcards: usize,
}

type PResult<T> = Result<T, PatternError>;

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn ws(&mut self) {
        while self.peek().is_some_and(is_ws) {
            self.i += 1;
        }
    }

    fn column_at(&self, i: usize) -> usize {
        let i = i.min(self.text.len());
        // Byte offsets from the parser may fall inside a multi-byte character.
        let mut i = i;
        while !self.text.is_char_boundary(i) {
            i -= 1;
        }
        self.text[..i].chars().count() + 1
    }

    fn err_at<T>(&self, i: usize, message: impl Into<String>) -> PResult<T> {
        Err(PatternError {
            column: self.column_at(i),
            message: message.into(),
        })
    }

    fn err<T>(&self, message: impl Into<String>) -> PResult<T> {
        self.err_at(self.i, message)
    }

    fn eat(&mut self, lit: &[u8]) -> bool {
        if self.s[self.i..].starts_with(lit) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, lit: &str) -> PResult<()> {
        self.ws();
        if self.eat(lit.as_bytes()) {
            Ok(())
        } else {
            match self.peek() {
                None => self.err(format!("expected `{lit}` but the pattern ends")),
                Some(_) => self.err(format!("expected `{lit}`")),
            }
        }
    }

    // ---- terms -------------------------------------------------------------------------

    fn terms(&mut self) -> PResult<Ast> {
        let mut t = Terms::default();
        let mut any = false;
        loop {
            self.ws();
            let Some(c) = self.peek() else { break };
            let start = self.i;
            let kind = match c {
                b'?' => {
                    self.i += 1;
                    if self.peek().is_none_or(is_ws) {
                        return self.err_at(
                            start,
                            "`?` must be directly followed by a term, as in `?ERROR`",
                        );
                    }
                    1
                }
                b'-' => {
                    self.i += 1;
                    // AWS's older pages write `"ERROR" - "Exiting"`: a minus on its own applies
                    // to the next term.
                    self.ws();
                    2
                }
                _ => 0,
            };
            let term = match self.peek() {
                Some(b'"') => self.quoted()?,
                None if kind == 2 => {
                    return self.err_at(start, "`-` must be followed by a term to exclude")
                }
                None => return self.err_at(start, "`?` must be followed by a term"),
                Some(_) => self.bare_term()?,
            };
            any = true;
            // `""` and `" "` match everything (AWS: `" "` "returns all log events").
            if term.iter().all(|b| b.is_ascii_whitespace()) {
                if kind != 0 {
                    return self.err_at(start, "an empty term cannot be optional or excluded");
                }
                continue;
            }
            match kind {
                0 => t.include.push(term),
                1 => t.optional.push(term),
                _ => t.exclude.push(term),
            }
        }
        if !any || (t.include.is_empty() && t.optional.is_empty() && t.exclude.is_empty()) {
            return Ok(Ast::All);
        }
        Ok(Ast::Terms(t))
    }

    /// A `"..."` string; `\"` and `\\` are escapes.
    fn quoted(&mut self) -> PResult<Vec<u8>> {
        let start = self.i;
        self.i += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => return self.err_at(start, "unterminated quoted string"),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') if matches!(self.s.get(self.i + 1), Some(b'"' | b'\\')) => {
                    out.push(self.s[self.i + 1]);
                    self.i += 2;
                }
                Some(c) => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
    }

    fn bare_term(&mut self) -> PResult<Vec<u8>> {
        let start = self.i;
        while let Some(c) = self.peek() {
            if is_ws(c) {
                break;
            }
            if c == b'"' {
                return self.err("a quote inside a term; quote the whole term instead");
            }
            self.i += 1;
        }
        Ok(self.s[start..self.i].to_vec())
    }

    // ---- regex -------------------------------------------------------------------------

    /// `%...%` at `self.i`.
    fn regex(&mut self) -> PResult<Regex> {
        let start = self.i;
        self.i += 1;
        let body_start = self.i;
        let Some(len) = memchr::memchr(b'%', &self.s[self.i..]) else {
            return self.err_at(
                start,
                "unterminated regular expression: expected a closing `%`",
            );
        };
        self.i += len + 1;
        self.regexes += 1;
        let body = &self.text[body_start..body_start + len];
        compile_regex(body).map_err(|(offset, message)| PatternError {
            column: self.column_at(body_start + offset),
            message,
        })
    }

    // ---- JSON --------------------------------------------------------------------------

    fn json(&mut self) -> PResult<Ast> {
        self.i += 1; // '{'
        self.ws();
        if self.peek() == Some(b'}') {
            return self
                .err("empty JSON pattern: expected a condition such as `$.level = \"error\"`");
        }
        let expr = self.json_or()?;
        self.expect("}")?;
        self.ws();
        if self.peek().is_some() {
            return self.err("unexpected text after the closing `}`");
        }
        if self.regexes > MAX_REGEX_PER_PATTERN {
            return self.err_at(0, format!("more than {MAX_REGEX_PER_PATTERN} regular expressions in one pattern (AWS quota)"));
        }
        if self.wildcards > MAX_WILDCARDS_PER_PATTERN {
            return self.err_at(0, format!("more than {MAX_WILDCARDS_PER_PATTERN} wildcard selectors in one pattern (AWS quota)"));
        }
        Ok(Ast::Json(expr))
    }

    /// One or more items separated by `sep`, as `Expr::Or` / `Expr::And` (`wrap`); a single
    /// item stands alone. `item` gets `true` for the first item.
    fn joined<C>(
        &mut self,
        sep: &[u8],
        wrap: fn(Vec<Expr<C>>) -> Expr<C>,
        mut item: impl FnMut(&mut Self, bool) -> PResult<Expr<C>>,
    ) -> PResult<Expr<C>> {
        let mut items = vec![item(self, true)?];
        loop {
            self.ws();
            if !self.eat(sep) {
                break;
            }
            items.push(item(self, false)?);
        }
        Ok(if items.len() == 1 {
            items.pop().expect("one item")
        } else {
            wrap(items)
        })
    }

    fn json_or(&mut self) -> PResult<Expr<JsonCond>> {
        self.joined(b"||", Expr::Or, |p, _| p.json_and())
    }

    fn json_and(&mut self) -> PResult<Expr<JsonCond>> {
        self.joined(b"&&", Expr::And, |p, _| p.json_unary())
    }

    fn json_unary(&mut self) -> PResult<Expr<JsonCond>> {
        self.ws();
        match self.peek() {
            Some(b'(') => {
                self.i += 1;
                let e = self.json_or()?;
                self.expect(")")?;
                Ok(e)
            }
            Some(b'$') => self.json_cond().map(Expr::Cond),
            None => self.err("the pattern ends where a condition was expected"),
            Some(_) => self.err("expected a selector starting with `$.` or a `(`"),
        }
    }

    fn json_cond(&mut self) -> PResult<JsonCond> {
        let sel_start = self.i;
        let path = self.selector()?;
        let wild = path
            .iter()
            .filter(|s| matches!(s, Step::AnyKey | Step::AnyIndex))
            .count();
        if wild > 1 {
            return self.err_at(
                sel_start,
                "only one wildcard (`[*]` or `.*`) per selector (AWS quota)",
            );
        }
        self.wildcards += wild;
        self.ws();
        let op_start = self.i;
        let test = if let Some(op) = self.op() {
            self.ws();
            let value = self.value(b"}&|)")?;
            if !matches!(value, Value::Number(_)) && !matches!(op, Op::Eq | Op::Ne) {
                return self.err_at(
                    op_start,
                    "`<`, `<=`, `>` and `>=` compare numbers; the value is not a number",
                );
            }
            JsonTest::Compare(op, value)
        } else if self.keyword("IS") {
            self.ws();
            if self.keyword("NULL") {
                JsonTest::IsNull
            } else if self.keyword("TRUE") {
                JsonTest::IsBool(true)
            } else if self.keyword("FALSE") {
                JsonTest::IsBool(false)
            } else if self.keyword("NOT") {
                return self.err_at(
                    op_start,
                    "`IS NOT` is not supported (AWS); use `!=` or `NOT EXISTS`",
                );
            } else {
                return self.err("expected NULL, TRUE or FALSE after IS");
            }
        } else if self.keyword("NOT") {
            self.ws();
            if !self.keyword("EXISTS") {
                return self.err("expected EXISTS after NOT");
            }
            JsonTest::NotExists
        } else if self.keyword("EXISTS") {
            return self.err_at(
                op_start,
                "`EXISTS` is not supported (AWS); use `NOT EXISTS` or `= *`",
            );
        } else {
            return self.err("expected an operator (=, !=, <, <=, >, >=, IS, NOT EXISTS)");
        };
        Ok(JsonCond {
            path,
            wildcard: wild > 0,
            test,
        })
    }

    /// Case-insensitive keyword followed by a non-word character.
    fn keyword(&mut self, kw: &str) -> bool {
        let end = self.i + kw.len();
        let Some(word) = self.s.get(self.i..end) else {
            return false;
        };
        if !word.eq_ignore_ascii_case(kw.as_bytes()) {
            return false;
        }
        if self
            .s
            .get(end)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
        {
            return false;
        }
        self.i = end;
        true
    }

    fn op(&mut self) -> Option<Op> {
        for (lit, op) in [
            (&b"!="[..], Op::Ne),
            (b"<=", Op::Le),
            (b">=", Op::Ge),
            (b"=", Op::Eq),
            (b"<", Op::Lt),
            (b">", Op::Gt),
        ] {
            if self.eat(lit) {
                return Some(op);
            }
        }
        None
    }

    /// `$` followed by `.name`, `.*`, `[n]`, `[*]`, `['name']` or `.['name']` steps.
    fn selector(&mut self) -> PResult<Vec<Step>> {
        self.i += 1; // '$'
        let mut path = Vec::new();
        loop {
            match self.peek() {
                Some(b'.') => {
                    self.i += 1;
                    match self.peek() {
                        Some(b'*') => {
                            self.i += 1;
                            path.push(Step::AnyKey);
                        }
                        Some(b'[') => path.push(self.bracket()?),
                        _ => {
                            let start = self.i;
                            while self.peek().is_some_and(is_name_char) {
                                self.i += 1;
                            }
                            if self.i == start {
                                return self.err("expected a property name after `.`");
                            }
                            path.push(Step::Key(self.s[start..self.i].into()));
                        }
                    }
                }
                Some(b'[') => path.push(self.bracket()?),
                _ => break,
            }
        }
        if path.is_empty() {
            return self.err("a selector needs at least one property, e.g. `$.level`");
        }
        Ok(path)
    }

    fn bracket(&mut self) -> PResult<Step> {
        let start = self.i;
        self.i += 1; // '['
        let step = match self.peek() {
            Some(b'*') => {
                self.i += 1;
                Step::AnyIndex
            }
            Some(b'\'') => {
                self.i += 1;
                let Some(len) = memchr::memchr(b'\'', &self.s[self.i..]) else {
                    return self.err_at(start, "unterminated `['...']`");
                };
                let name = &self.s[self.i..self.i + len];
                self.i += len + 1;
                Step::Key(name.into())
            }
            Some(b'"') => {
                return self.err(
                    "double quotes are not supported in bracket notation (AWS); use `['name']`",
                );
            }
            Some(b'0'..=b'9') => {
                let d = self.i;
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.i += 1;
                }
                let n: usize = self.text[d..self.i]
                    .parse()
                    .or_else(|_| self.err_at(d, "array index too large"))?;
                Step::Index(n)
            }
            _ => return self.err("expected an index, `*` or `'name'` inside `[ ]`"),
        };
        if self.peek() != Some(b']') {
            return self.err("expected `]`");
        }
        self.i += 1;
        Ok(step)
    }

    /// A comparison value: `"quoted"`, `%regex%`, a number, or an unquoted word ending at
    /// whitespace or one of `stop`.
    fn value(&mut self, stop: &[u8]) -> PResult<Value> {
        let start = self.i;
        match self.peek() {
            None => self.err("expected a value but the pattern ends"),
            Some(b'"') => {
                let s = self.quoted()?;
                Ok(Value::Text(glob(s)))
            }
            Some(b'%') => Ok(Value::Regex(self.regex()?)),
            Some(_) => {
                while let Some(c) = self.peek() {
                    if is_ws(c) || stop.contains(&c) {
                        break;
                    }
                    if c == b'"' {
                        return self.err("a quote inside an unquoted value; quote the whole value");
                    }
                    self.i += 1;
                }
                let word = &self.s[start..self.i];
                if word.is_empty() {
                    return self.err("expected a value");
                }
                if let Some(n) = parse_number(word) {
                    return Ok(Value::Number(n));
                }
                if let Some(pos) = word.iter().position(|&c| !is_unquoted_value_char(c)) {
                    return self.err_at(
                        start + pos,
                        "this character needs the value in double quotes",
                    );
                }
                Ok(Value::Text(glob(word.to_vec())))
            }
        }
    }

    // ---- space-delimited ----------------------------------------------------------------

    fn space(&mut self) -> PResult<Ast> {
        self.i += 1; // '['
        let mut fields = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
        } else {
            loop {
                fields.push(self.space_field()?);
                self.ws();
                match self.peek() {
                    Some(b',') => {
                        self.i += 1;
                        self.ws();
                        // A trailing comma is an unnamed last field (AWS's TestMetricFilter
                        // example extracts `$7` from `[..., request=*.html*, status_code=4*,]`).
                        if self.peek() == Some(b']') {
                            fields.push(SpaceField::Token {
                                name: String::new(),
                                cond: None,
                            });
                            self.i += 1;
                            break;
                        }
                    }
                    Some(b']') => {
                        self.i += 1;
                        break;
                    }
                    None => return self.err("expected `,` or `]` but the pattern ends"),
                    Some(_) => return self.err("expected `,` or `]`"),
                }
            }
        }
        self.ws();
        if self.peek().is_some() {
            return self.err("unexpected text after the closing `]`");
        }
        if self.regexes > MAX_REGEX_PER_PATTERN {
            return self.err_at(0, format!("more than {MAX_REGEX_PER_PATTERN} regular expressions in one pattern (AWS quota)"));
        }
        Ok(Ast::Space(Space { fields }))
    }

    fn space_field(&mut self) -> PResult<SpaceField> {
        self.ws();
        if self.eat(b"...") {
            return Ok(SpaceField::Ellipsis);
        }
        if matches!(self.peek(), Some(b',' | b']')) {
            return Ok(SpaceField::Token {
                name: String::new(),
                cond: None,
            });
        }
        let name = self.field_name()?;
        self.ws();
        if matches!(self.peek(), Some(b',' | b']') | None) {
            return Ok(SpaceField::Token { name, cond: None });
        }
        let cond = self.space_or(&name)?;
        Ok(SpaceField::Token {
            name,
            cond: Some(cond),
        })
    }

    fn field_name(&mut self) -> PResult<String> {
        let start = self.i;
        while self.peek().is_some_and(is_name_char) {
            self.i += 1;
        }
        if self.i == start {
            return self.err("expected a field name, `...` or `,`");
        }
        Ok(self.text[start..self.i].to_string())
    }

    fn space_or(&mut self, name: &str) -> PResult<Expr<(Op, Value)>> {
        self.joined(b"||", Expr::Or, |p, first| p.space_and(name, first))
    }

    fn space_and(&mut self, name: &str, first: bool) -> PResult<Expr<(Op, Value)>> {
        self.joined(b"&&", Expr::And, |p, f| p.space_cond(name, first && f))
    }

    /// `op value`, or `name op value` when the field name is repeated after `&&`/`||`.
    fn space_cond(&mut self, name: &str, first: bool) -> PResult<Expr<(Op, Value)>> {
        self.ws();
        if !first || self.peek().is_some_and(is_name_char) {
            let at = self.i;
            let again = self.field_name()?;
            if !again.eq_ignore_ascii_case(name) {
                return self.err_at(
                    at,
                    format!("a condition in field `{name}` can only test `{name}`, not `{again}`"),
                );
            }
            self.ws();
        }
        let Some(op) = self.op() else {
            return self.err("expected an operator (=, !=, <, <=, >, >=)");
        };
        let op_at = self.i;
        self.ws();
        let value = self.value(b",]&|")?;
        if !matches!(value, Value::Number(_)) && !matches!(op, Op::Eq | Op::Ne) {
            return self.err_at(
                op_at,
                "`<`, `<=`, `>` and `>=` compare numbers; the value is not a number",
            );
        }
        Ok(Expr::Cond((op, value)))
    }
}

/// Whitespace between the parts of a pattern. Other control characters are part of a term.
fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'@' | b':')
}

/// Characters allowed in an unquoted value. AWS: unquoted strings are alphanumeric; `@`, `$`,
/// `\` and non-ASCII must be quoted. We also take `.`, `*`, `-`, `_`, `:` and `/`, which the
/// documentation's own examples use unquoted (`123.123.*`, `*.html*`).
fn is_unquoted_value_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'*' | b'-' | b':' | b'/' | b'+')
}

fn glob(mut s: Vec<u8>) -> Glob {
    if s == b"*" {
        return Glob {
            literal: Vec::new(),
            any_prefix: true,
            any_suffix: true,
        };
    }
    let any_prefix = s.first() == Some(&b'*');
    let any_suffix = s.len() > 1 && s.last() == Some(&b'*');
    if any_suffix {
        s.pop();
    }
    if any_prefix {
        s.remove(0);
    }
    Glob {
        literal: s,
        any_prefix,
        any_suffix,
    }
}

/// AWS's NUMBER: an optionally signed integer or decimal, optionally followed by `e` and a
/// signed integer (`500`, `+1000`, `55.5`, `10e-3`, `1e+3`). `E` is accepted too.
pub fn parse_number(w: &[u8]) -> Option<f64> {
    let mut i = 0;
    if matches!(w.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let s = *i;
        while w.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > s
    };
    if !digits(&mut i) {
        return None;
    }
    if w.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return None;
        }
    }
    if matches!(w.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(w.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return None;
        }
    }
    if i != w.len() {
        return None;
    }
    let s = std::str::from_utf8(w).ok()?;
    let s = s.strip_prefix('+').unwrap_or(s);
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Validates an AWS-dialect regular expression and translates it to the regex crate's syntax.
/// Errors carry a byte offset into `body`.
///
/// AWS allows ASCII letters and digits, the symbols `: _ # = @ / ; , -` and the operators
/// `^ $ ? [ ] { } | \ * + .`; `(`, `)`, other symbols and multi-byte characters are rejected.
/// Escapes: `\d \D \s \S \w \W`, `\xhh`, and a backslash before any operator or symbol. AWS's
/// classes are ASCII (`\s` = tab, space, newline) and are translated as such.
pub fn compile_regex(body: &str) -> Result<Regex, (usize, String)> {
    if body.is_empty() {
        return Err((0, "empty regular expression".into()));
    }
    let b = body.as_bytes();
    let mut out = String::with_capacity(body.len() + 16);
    let mut i = 0;
    let mut in_class = false;
    while i < b.len() {
        let c = b[i];
        if !c.is_ascii() {
            return Err((i, "multi-byte characters are not supported in a regular expression (AWS); use \\xhh for ASCII symbols".into()));
        }
        match c {
            b'\\' => {
                let Some(&n) = b.get(i + 1) else {
                    return Err((i, "a regular expression cannot end with `\\`".into()));
                };
                let class = match n {
                    b'd' => Some("0-9"),
                    b'w' => Some("a-zA-Z0-9_"),
                    b's' => Some("\\t\\n "),
                    _ => None,
                };
                let neg = match n {
                    b'D' => Some("0-9"),
                    b'W' => Some("a-zA-Z0-9_"),
                    b'S' => Some("\\t\\n "),
                    _ => None,
                };
                if let Some(cls) = class {
                    if in_class {
                        out.push_str(cls);
                    } else {
                        out.push('[');
                        out.push_str(cls);
                        out.push(']');
                    }
                    i += 2;
                } else if let Some(cls) = neg {
                    if in_class {
                        return Err((
                            i,
                            "negated classes (\\D, \\W, \\S) cannot appear inside [ ]".into(),
                        ));
                    }
                    out.push_str("[^");
                    out.push_str(cls);
                    out.push(']');
                    i += 2;
                } else if n == b'x' {
                    let hex = b
                        .get(i + 2..i + 4)
                        .filter(|h| h.iter().all(u8::is_ascii_hexdigit));
                    let Some(hex) = hex else {
                        return Err((i, "`\\x` must be followed by two hex digits".into()));
                    };
                    let v = u8::from_str_radix(std::str::from_utf8(hex).expect("ascii"), 16)
                        .expect("two hex digits");
                    if v >= 0x80 {
                        return Err((i, "`\\x` escapes are ASCII only (00-7F)".into()));
                    }
                    out.push_str(&format!("\\x{{{v:02X}}}"));
                    i += 4;
                } else if n.is_ascii_punctuation() || n == b' ' {
                    out.push_str(&regex::escape(&(n as char).to_string()));
                    i += 2;
                } else {
                    return Err((i, format!("unsupported escape `\\{}`", n as char)));
                }
                continue;
            }
            b'(' | b')' => {
                return Err((i, "`(` and `)` are not supported in a regular expression (AWS); use \\x28 and \\x29 to match them".into()));
            }
            b'[' if !in_class => {
                in_class = true;
                out.push('[');
                if b.get(i + 1) == Some(&b'^') {
                    out.push('^');
                    i += 1;
                }
                // A `]` first in a class is a literal, as in POSIX.
                if b.get(i + 1) == Some(&b']') {
                    out.push_str("\\]");
                    i += 1;
                }
            }
            b']' if in_class => {
                in_class = false;
                out.push(']');
            }
            b'[' | b'{' | b'}' if in_class => {
                // Literal inside a class; escaped so the regex crate does not read set syntax.
                out.push('\\');
                out.push(c as char);
            }
            b'{' if !in_class => {
                // `{m,n}` / `{m, n}` / `{m,}` / `{,n}`.
                let Some(len) = b[i..].iter().position(|&x| x == b'}') else {
                    return Err((i, "unterminated `{m,n}`".into()));
                };
                let inner: String = body[i + 1..i + len].chars().filter(|c| *c != ' ').collect();
                let (m, n) = match inner.split_once(',') {
                    Some((m, n)) => (m.to_string(), Some(n.to_string())),
                    None => (inner.clone(), None),
                };
                let num = |s: &str| s.is_empty() || s.bytes().all(|c| c.is_ascii_digit());
                if !num(&m)
                    || !n.as_deref().is_none_or(num)
                    || (m.is_empty() && n.as_deref().is_none_or(str::is_empty))
                {
                    return Err((i, "expected `{m,n}` with numbers".into()));
                }
                let m = if m.is_empty() { "0".to_string() } else { m };
                match n {
                    Some(n) => out.push_str(&format!("{{{m},{n}}}")),
                    None => out.push_str(&format!("{{{m}}}")),
                }
                i += len + 1;
                continue;
            }
            b'}' if !in_class => return Err((i, "`}` without `{`".into())),
            _ if c.is_ascii_alphanumeric() => out.push(c as char),
            b':' | b'_' | b'#' | b'=' | b'@' | b'/' | b';' | b',' | b'-' | b' ' => {
                if in_class {
                    out.push(c as char);
                } else {
                    out.push_str(&regex::escape(&(c as char).to_string()));
                }
            }
            b'^' | b'$' | b'?' | b'|' | b'*' | b'+' | b'.' => {
                if in_class {
                    out.push('\\');
                }
                out.push(c as char);
            }
            _ => {
                return Err((
                    i,
                    format!(
                        "`{}` is not supported in a regular expression (AWS); use \\x{:02X}",
                        c as char, c
                    ),
                ));
            }
        }
        i += 1;
    }
    if in_class {
        return Err((body.len(), "unterminated `[`".into()));
    }
    let compiled = regex::bytes::RegexBuilder::new(&out)
        .size_limit(1 << 20)
        .dfa_size_limit(1 << 20)
        .build()
        .map_err(|e| {
            (
                0,
                format!("invalid regular expression: {}", first_line(&e.to_string())),
            )
        })?;
    Ok(Regex {
        source: body.to_string(),
        compiled,
    })
}

fn first_line(s: &str) -> String {
    s.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(s)
        .trim()
        .to_string()
}
