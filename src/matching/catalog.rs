//! The pattern catalog: documented log patterns with what the runbooks say about them.
//!
//! The file format is documented in `patterns/README.md`. The built-in catalog (every
//! `patterns/*.toml`) is compiled into the binary; user catalogs are loaded with
//! [`Catalog::load_path`]. Loading validates everything a later stage relies on (unique ids,
//! known severities and levels, compilable regexes, parsable field conditions), and every error
//! names the file, the line and the pattern id. Compiling a catalog into a matcher is
//! [`super::Matcher`]'s job.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::record::Level;

/// The built-in catalog files, embedded at compile time.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "patterns/axonflow.toml",
        include_str!("../../patterns/axonflow.toml"),
    ),
    (
        "patterns/outpost.toml",
        include_str!("../../patterns/outpost.toml"),
    ),
    (
        "patterns/agentcore.toml",
        include_str!("../../patterns/agentcore.toml"),
    ),
    (
        "patterns/generic.toml",
        include_str!("../../patterns/generic.toml"),
    ),
];

/// How bad a pattern is, in increasing order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Normal operation worth knowing about.
    Info,
    /// Degraded but working.
    Warn,
    /// Requests or jobs are failing.
    Error,
    /// A process died or the service is down.
    Critical,
}

impl Severity {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warn => "warn",
            Severity::Error => "error",
            Severity::Critical => "critical",
        }
    }

    /// Parses `info|warn|error|critical`.
    pub fn parse(s: &str) -> Option<Severity> {
        Some(match s.to_ascii_lowercase().as_str() {
            "info" => Severity::Info,
            "warn" | "warning" => Severity::Warn,
            "error" => Severity::Error,
            "critical" | "fatal" => Severity::Critical,
            _ => return None,
        })
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A comparison in a field condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum CmpOp {
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

impl CmpOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

/// The right-hand side of a field condition.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum CondValue {
    /// Compared numerically.
    Number(f64),
    /// Compared exactly.
    Text(String),
}

/// `PATH OP VALUE`, e.g. `exitCode|exit_code = 137`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldCond {
    /// Alternative paths; the first present one is used.
    pub paths: Vec<String>,
    /// Comparison.
    pub op: CmpOp,
    /// Value compared against.
    pub value: CondValue,
}

impl FieldCond {
    /// Parses a condition as written in a catalog.
    pub fn parse(s: &str) -> Result<FieldCond, String> {
        let s = s.trim();
        let op_at = s
            .find(['=', '!', '<', '>'])
            .ok_or_else(|| format!("field condition {s:?} has no operator (= != < <= > >=)"))?;
        let path = s[..op_at].trim();
        let rest = &s[op_at..];
        let (op, len) = [
            ("!=", CmpOp::Ne),
            ("<=", CmpOp::Le),
            (">=", CmpOp::Ge),
            ("=", CmpOp::Eq),
            ("<", CmpOp::Lt),
            (">", CmpOp::Gt),
        ]
        .iter()
        .find(|(sym, _)| rest.starts_with(sym))
        .map(|(sym, op)| (*op, sym.len()))
        .ok_or_else(|| format!("field condition {s:?}: unknown operator"))?;
        let raw = rest[len..].trim();
        if path.is_empty() {
            return Err(format!("field condition {s:?} has no field path"));
        }
        let paths: Vec<String> = path.split('|').map(|p| p.trim().to_string()).collect();
        if paths.iter().any(|p| {
            p.is_empty()
                || !p
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '@'))
        }) {
            return Err(format!("field condition {s:?}: bad field path {path:?}"));
        }
        let value = if let Some(q) = raw.strip_prefix('"') {
            let inner = q
                .strip_suffix('"')
                .ok_or_else(|| format!("field condition {s:?}: unterminated string"))?;
            CondValue::Text(inner.to_string())
        } else {
            let v: f64 = raw.parse().map_err(|_| {
                format!("field condition {s:?}: value must be a number or a \"quoted string\"")
            })?;
            CondValue::Number(v)
        };
        if matches!(value, CondValue::Text(_)) && !matches!(op, CmpOp::Eq | CmpOp::Ne) {
            return Err(format!(
                "field condition {s:?}: strings compare with = or != only"
            ));
        }
        Ok(FieldCond { paths, op, value })
    }
}

impl fmt::Display for FieldCond {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ", self.paths.join("|"), self.op.symbol())?;
        match &self.value {
            CondValue::Number(n) => write!(f, "{n}"),
            CondValue::Text(t) => write!(f, "{t:?}"),
        }
    }
}

/// How a pattern matches. See `patterns/README.md`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct MatchSpec {
    /// The message field equals one of these (case-sensitive).
    pub message: Vec<String>,
    /// Case-insensitive substrings, any one suffices.
    pub contains: Vec<String>,
    /// A regular expression that must also match (as source text).
    pub regex: Option<String>,
    /// Conditions on fields, all must hold.
    pub fields: Vec<FieldCond>,
    /// The event's level must be one of these (empty: any).
    pub level: Vec<Level>,
}

impl MatchSpec {
    /// Returns true if and only if the pattern has a text clause (message, contains or regex).
    pub fn has_text(&self) -> bool {
        !self.message.is_empty() || !self.contains.is_empty() || self.regex.is_some()
    }
}

/// One documented pattern.
#[derive(Clone, Debug, Serialize)]
pub struct Pattern {
    /// Unique id, e.g. `axonflow.database-connection-failed`.
    pub id: String,
    /// Short title.
    pub title: String,
    /// How bad it is.
    pub severity: Severity,
    /// What the log line means.
    pub meaning: String,
    /// Likely causes.
    pub causes: Vec<String>,
    /// What to do.
    pub action: String,
    /// The guide the pattern comes from (title), if any.
    pub guide: Option<String>,
    /// The guide's file, if any.
    pub source: Option<String>,
    /// The section of the guide.
    pub section: Option<String>,
    /// Matching rules.
    #[serde(rename = "match")]
    pub spec: MatchSpec,
    /// Lines that must match.
    pub examples_match: Vec<String>,
    /// Lines that must not match.
    pub examples_no_match: Vec<String>,
    /// Catalog file it was loaded from.
    pub file: String,
    /// Line of its `id` in that file.
    pub line: usize,
}

/// A validated set of patterns.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    patterns: Vec<Pattern>,
    /// Index in `patterns` by id (a user catalog may hold thousands).
    by_id: HashMap<String, usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDef {
    guide: Option<GuideDef>,
    #[serde(default)]
    pattern: Vec<PatternDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GuideDef {
    #[allow(dead_code)]
    id: Option<String>,
    title: Option<String>,
    source: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PatternDef {
    id: String,
    title: String,
    severity: String,
    #[serde(default)]
    section: Option<String>,
    #[serde(default)]
    meaning: String,
    #[serde(default)]
    causes: Vec<String>,
    #[serde(default)]
    action: String,
    #[serde(rename = "match")]
    matcher: MatchDef,
    #[serde(default)]
    examples: ExamplesDef,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct MatchDef {
    #[serde(default)]
    message: Vec<String>,
    #[serde(default)]
    contains: Vec<String>,
    #[serde(default)]
    regex: Option<String>,
    #[serde(default)]
    fields: Vec<String>,
    #[serde(default)]
    level: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ExamplesDef {
    #[serde(default, rename = "match")]
    matches: Vec<String>,
    #[serde(default)]
    no_match: Vec<String>,
}

/// Longest regex source accepted in a catalog, and the compiled-size limit: a catalog is
/// untrusted input too.
pub const MAX_REGEX_LEN: usize = 4096;
/// Most patterns a catalog holds, built-in ones included (patterns are numbered in 16 bits,
/// with room for markers).
pub const MAX_PATTERNS: usize = 50_000;
/// Compiled size limit for one catalog regex, in bytes.
pub const REGEX_SIZE_LIMIT: usize = 2 << 20;

impl Catalog {
    /// The catalog compiled into the binary.
    pub fn builtin() -> Catalog {
        let mut c = Catalog::default();
        for (name, text) in BUILTIN {
            c.add_source(name, text)
                .unwrap_or_else(|e| panic!("built-in catalog is invalid: {e}"));
        }
        c
    }

    /// Loads a catalog file, or every `*.toml` in a directory (sorted by name).
    pub fn load_path(path: &Path) -> Result<Catalog, Error> {
        let mut c = Catalog::default();
        c.add_path(path)?;
        Ok(c)
    }

    /// Adds a file or a directory of `*.toml` files.
    pub fn add_path(&mut self, path: &Path) -> Result<(), Error> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        let files: Vec<PathBuf> = if meta.is_dir() {
            let mut v: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| Error::io(path, e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            v.sort();
            v
        } else {
            vec![path.to_path_buf()]
        };
        for f in files {
            let text = std::fs::read_to_string(&f).map_err(|e| Error::io(&f, e))?;
            self.add_source(&f.display().to_string(), &text)?;
        }
        Ok(())
    }

    /// Parses and validates catalog text; `name` is used in errors.
    pub fn add_source(&mut self, name: &str, text: &str) -> Result<(), Error> {
        let def: FileDef = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of_offset(text, s.start)).unwrap_or(0);
            Error::Catalog {
                file: name.to_string(),
                line,
                pattern: None,
                message: toml_message(&e, text),
            }
        })?;
        let guide_title = def.guide.as_ref().and_then(|g| g.title.clone());
        let guide_source = def.guide.as_ref().and_then(|g| g.source.clone());
        let id_lines = id_lines(text);
        for p in def.pattern {
            let line = id_lines.get(p.id.as_str()).copied().unwrap_or(0);
            let err = |message: String| Error::Catalog {
                file: name.to_string(),
                line,
                pattern: Some(p.id.clone()),
                message,
            };
            if p.id.is_empty()
                || !p.id.chars().all(|c| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_')
                })
            {
                return Err(err("id must be non-empty and use only [a-z0-9._-]".into()));
            }
            self.room_for(&p.id).map_err(err)?;
            let severity = Severity::parse(&p.severity).ok_or_else(|| {
                err(format!(
                    "unknown severity {:?} (use info, warn, error or critical)",
                    p.severity
                ))
            })?;
            let m = p.matcher;
            let mut level = Vec::new();
            for l in &m.level {
                level.push(Level::from_word(l.as_bytes()).ok_or_else(|| {
                    err(format!(
                        "unknown level {l:?} (use trace, debug, info, warn, error or fatal)"
                    ))
                })?);
            }
            if let Some(re) = &m.regex {
                if re.len() > MAX_REGEX_LEN {
                    return Err(err(format!(
                        "regex is {} bytes long; the limit is {MAX_REGEX_LEN}",
                        re.len()
                    )));
                }
                regex::RegexBuilder::new(re)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .build()
                    .map_err(|e| err(format!("invalid regex: {}", one_line(&e.to_string()))))?;
            }
            if m.contains.iter().chain(&m.message).any(|s| s.is_empty()) {
                return Err(err("empty string in match.contains or match.message".into()));
            }
            let mut fields = Vec::new();
            for f in &m.fields {
                fields.push(FieldCond::parse(f).map_err(err)?);
            }
            let spec = MatchSpec {
                message: m.message,
                contains: m.contains,
                regex: m.regex,
                fields,
                level,
            };
            if !spec.has_text() && spec.fields.is_empty() {
                return Err(err(
                    "match needs at least one of message, contains, regex or fields".into(),
                ));
            }
            if p.title.trim().is_empty() {
                return Err(err("title is empty".into()));
            }
            self.push(Pattern {
                id: p.id,
                title: p.title,
                severity,
                meaning: p.meaning,
                causes: p.causes,
                action: p.action,
                guide: guide_title.clone(),
                source: guide_source.clone(),
                section: p.section,
                spec,
                examples_match: p.examples.matches,
                examples_no_match: p.examples.no_match,
                file: name.to_string(),
                line,
            });
        }
        Ok(())
    }

    /// Adds all patterns of another catalog (ids must stay unique).
    pub fn extend(&mut self, other: Catalog) -> Result<(), Error> {
        for p in other.patterns {
            if let Err(message) = self.room_for(&p.id) {
                return Err(Error::Catalog {
                    file: p.file.clone(),
                    line: p.line,
                    pattern: Some(p.id.clone()),
                    message,
                });
            }
            self.push(p);
        }
        Ok(())
    }

    /// Why a pattern with this id cannot be added, if it cannot: the catalog is full, or the
    /// id is taken.
    fn room_for(&self, id: &str) -> Result<(), String> {
        if self.patterns.len() >= MAX_PATTERNS {
            return Err(format!(
                "too many patterns: a catalog holds at most {MAX_PATTERNS}"
            ));
        }
        match self.get(id) {
            Some(prev) => Err(format!(
                "duplicate id (first defined in {}:{})",
                prev.file, prev.line
            )),
            None => Ok(()),
        }
    }

    /// Adds a pattern [`Catalog::room_for`] admitted, indexed by its id.
    fn push(&mut self, p: Pattern) {
        self.by_id.insert(p.id.clone(), self.patterns.len());
        self.patterns.push(p);
    }

    /// All patterns, in load order.
    pub fn patterns(&self) -> &[Pattern] {
        &self.patterns
    }

    /// A pattern by id.
    pub fn get(&self, id: &str) -> Option<&Pattern> {
        self.by_id.get(id).map(|&i| &self.patterns[i])
    }

    /// Number of patterns.
    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    /// Returns true if and only if the catalog has no patterns.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn line_of_offset(text: &str, off: usize) -> usize {
    text.as_bytes()[..off.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The line (1-based) of each `id = "…"` in a catalog file, found in one pass (the first of
/// a repeated id).
fn id_lines(text: &str) -> HashMap<&str, usize> {
    let mut lines = HashMap::new();
    for (i, l) in text.lines().enumerate() {
        let Some(rest) = l.trim_start().strip_prefix("id") else {
            continue;
        };
        let Some(rest) = rest.trim_start().strip_prefix('=') else {
            continue;
        };
        let rest = rest.trim_start();
        let Some(quote) = rest.chars().next().filter(|&c| c == '"' || c == '\'') else {
            continue;
        };
        if let Some((id, _)) = rest[1..].split_once(quote) {
            lines.entry(id).or_insert(i + 1);
        }
    }
    lines
}

/// One line for a TOML syntax error. Some come with an empty message (a control character
/// in a comment): then say what stands at the error's position.
fn toml_message(e: &toml::de::Error, text: &str) -> String {
    let m = e.message().trim();
    if !m.is_empty() {
        return m.to_string();
    }
    let at = e.span().and_then(|s| text.get(s.start..)?.chars().next());
    match at {
        Some(c) if c.is_control() => format!(
            "a control character (U+{:04X}) is not allowed in TOML, not even in a comment",
            c as u32
        ),
        Some(c) => format!("invalid TOML at {:?}", c.escape_debug().to_string()),
        None => "invalid TOML".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_is_valid_and_large() {
        let c = Catalog::builtin();
        assert!(c.len() >= 60, "only {} patterns", c.len());
        for p in c.patterns() {
            assert!(!p.action.trim().is_empty(), "{} has no action", p.id);
            assert!(!p.meaning.trim().is_empty(), "{} has no meaning", p.id);
            assert!(
                !p.examples_match.is_empty(),
                "{} has no match example",
                p.id
            );
            assert!(
                !p.examples_no_match.is_empty(),
                "{} has no no_match example",
                p.id
            );
        }
    }

    #[test]
    fn a_control_character_in_a_comment_is_named() {
        let e = Catalog::default()
            .add_source("c.toml", "[guide]\nid = \"x\"\n# bell \u{7} here\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("c.toml:3") && e.contains("U+0007"), "{e}");
    }

    #[test]
    fn every_pattern_file_is_builtin() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("patterns");
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "toml") {
                let name = format!("patterns/{}", p.file_name().unwrap().to_string_lossy());
                assert!(
                    BUILTIN.iter().any(|(n, _)| *n == name),
                    "{name} is not in BUILTIN"
                );
            }
        }
    }

    #[test]
    fn field_conditions_parse() {
        let c = FieldCond::parse("exitCode|exit_code = 137").unwrap();
        assert_eq!(c.paths, ["exitCode", "exit_code"]);
        assert_eq!(c.op, CmpOp::Eq);
        assert_eq!(c.value, CondValue::Number(137.0));
        let c = FieldCond::parse(r#"container != "agent""#).unwrap();
        assert_eq!(c.value, CondValue::Text("agent".into()));
        assert_eq!(
            FieldCond::parse("http.status >= 500").unwrap().op,
            CmpOp::Ge
        );
        assert!(FieldCond::parse("status").is_err());
        assert!(FieldCond::parse("= 5").is_err());
        assert!(FieldCond::parse("a > \"x\"").is_err());
        assert!(FieldCond::parse("a = five").is_err());
    }

    #[test]
    fn errors_name_file_line_and_pattern() {
        let text = "[[pattern]]\nid = \"x.bad\"\ntitle = \"t\"\nseverity = \"error\"\n[pattern.match]\nregex = \"(unclosed\"\n";
        let e = Catalog::default()
            .add_source("user.toml", text)
            .unwrap_err();
        let s = e.to_string();
        assert!(s.contains("user.toml:2"), "{s}");
        assert!(s.contains("x.bad"), "{s}");
        assert!(s.contains("invalid regex"), "{s}");

        let e = Catalog::default()
            .add_source("u.toml", "[[pattern]]\nid = \"a\"\ntitle = 3\n")
            .unwrap_err();
        assert!(e.to_string().starts_with("u.toml:3"), "{e}");
    }

    #[test]
    fn rejects_duplicates_and_unknown_keys() {
        let one = "[[pattern]]\nid = \"a.b\"\ntitle = \"t\"\nseverity = \"warn\"\n[pattern.match]\ncontains = [\"x\"]\n";
        let mut c = Catalog::default();
        c.add_source("a.toml", one).unwrap();
        assert!(c
            .add_source("b.toml", one)
            .unwrap_err()
            .to_string()
            .contains("duplicate"));
        let typo = one.replace("contains", "contain");
        assert!(Catalog::default().add_source("c.toml", &typo).is_err());
    }

    /// A user catalog of thousands of patterns loads in one pass over its text (each pattern
    /// searched the whole file for its line, and the catalog for its id: 20,000 took 48 s),
    /// and its errors still name the right lines.
    #[test]
    fn a_large_catalog_indexes_its_ids_and_their_lines() {
        let entry = |i: usize, quote: char| {
            format!("[[pattern]]\nid = {quote}big.p{i}{quote}\ntitle = \"t\"\nseverity = \"warn\"\n[pattern.match]\ncontains = [\"needle {i}\"]\n")
        };
        let n = 5000;
        let text: String = (0..n)
            .map(|i| entry(i, if i % 2 == 0 { '"' } else { '\'' }))
            .collect();
        let mut c = Catalog::default();
        c.add_source("big.toml", &text).unwrap();
        assert_eq!(c.len(), n);
        let p = c.get("big.p4321").unwrap();
        assert_eq!(
            (p.line, &p.spec.contains[..]),
            (4321 * 6 + 2, &["needle 4321".to_string()][..])
        );
        assert!(c.get("big.p5000").is_none());
        let again = format!("# a comment\n{}", entry(77, '"'));
        let e = c.add_source("again.toml", &again).unwrap_err().to_string();
        assert!(
            e.contains("again.toml:3") && e.contains("big.toml:464"),
            "{e}"
        );
    }
}
