//! Catalog stubs for templates the catalog does not know (`logtriage patterns suggest`).
//!
//! Each stub matches its template with an anchored regex built from the template's literal
//! parts (`<*>` becomes `.*?`, a space `\s+`; a template the miner cut is matched on its start)
//! and its longest literal as the `contains` prefilter; severity comes
//! from the levels seen; `meaning`, `causes` and `action` are left for a person to write. Every
//! stub carries the template's example as a `match` example and is checked with the real
//! matcher before it is written, so the output always passes `logtriage patterns check`.

use std::fmt::Write as _;

use super::{check_examples, Catalog};
use crate::report::TemplateEntry;

/// Shortest literal a stub may rely on; templates with less text are skipped.
const MIN_LITERAL: usize = 4;

/// TOML catalog text with one stub per usable template, and the templates skipped (with why).
pub fn stubs(templates: &[TemplateEntry]) -> (String, Vec<(String, String)>) {
    let mut out = String::from(
        "# Pattern stubs written by `logtriage patterns suggest` for messages the catalog does not\n\
         # know. Fill in meaning, causes and action, adjust the match, then add the file with\n\
         # --patterns and validate it with `logtriage patterns check`.\n\n\
         [guide]\nid = \"suggested\"\ntitle = \"Suggested patterns (to review)\"\n",
    );
    let mut skipped = Vec::new();
    for t in templates {
        let stub = match stub(t) {
            Ok(s) => s,
            Err(why) => {
                skipped.push((t.template.clone(), why));
                continue;
            }
        };
        // Keep only stubs the real matcher agrees with.
        let mut c = Catalog::default();
        match c.add_source("suggested", &stub) {
            Ok(()) if check_examples(&c).is_empty() => out.push_str(&stub),
            Ok(()) => skipped.push((t.template.clone(), "its example does not match".into())),
            Err(e) => skipped.push((t.template.clone(), e.to_string())),
        }
    }
    (out, skipped)
}

fn stub(t: &TemplateEntry) -> Result<String, String> {
    // A template cut at the miner's length bound matches on its start.
    let cut = t.template.strip_suffix(crate::mine::CUT_MARK);
    let body = cut.map_or(t.template.as_str(), str::trim_end);
    let parts: Vec<&str> = body.split("<*>").collect();
    let mut longest = parts
        .iter()
        .map(|p| p.trim())
        .max_by_key(|p| p.len())
        .unwrap_or("");
    // The miner splits on any run of whitespace and joins with one space: where the message
    // had a newline or two spaces, fall back to its longest single word.
    if !t.example.contains(longest) {
        longest = parts
            .iter()
            .flat_map(|p| p.split_whitespace())
            .max_by_key(|w| w.len())
            .unwrap_or("");
    }
    if longest.len() < MIN_LITERAL {
        return Err("too little fixed text to match on".into());
    }
    let literal = |p: &&str| {
        p.split(' ')
            .map(regex::escape)
            .collect::<Vec<_>>()
            .join(r"\s+")
    };
    let regex: String = format!(
        "^{}{}",
        parts.iter().map(literal).collect::<Vec<_>>().join(".*?"),
        if cut.is_some() { "" } else { "$" }
    );
    let severity = if t.levels.contains_key("fatal") {
        "critical"
    } else if t.levels.contains_key("error") {
        "error"
    } else if t.levels.contains_key("warn") {
        "warn"
    } else {
        "info"
    };
    let level = ["fatal", "error", "warn", "info", "debug", "trace"]
        .into_iter()
        .find(|l| t.levels.contains_key(*l))
        .unwrap_or("info");
    let example = serde_json::json!({ "level": level, "msg": t.example }).to_string();
    let no_match = serde_json::json!({ "level": "info", "msg": "logtriage: an unrelated message" })
        .to_string();
    let mut s = String::new();
    let _ = writeln!(s, "\n[[pattern]]");
    let _ = writeln!(s, "id = {}", toml_str(&format!("suggested.{}", t.id)));
    let _ = writeln!(s, "title = {}", toml_str(&title(&t.template)));
    let _ = writeln!(s, "severity = \"{severity}\"");
    let levels: Vec<String> = t.levels.iter().map(|(l, n)| format!("{l} {n}")).collect();
    let _ = writeln!(
        s,
        "# seen {} times ({}); template: {}",
        t.count,
        levels.join(", "),
        // A TOML comment takes no control character: shown escaped, as on a terminal.
        crate::render::sanitize(&t.template)
    );
    let _ = writeln!(s, "meaning = \"TODO: what this message means\"");
    let _ = writeln!(s, "causes = []");
    let _ = writeln!(s, "action = \"TODO: what to do about it\"");
    let _ = writeln!(s, "\n[pattern.match]");
    let _ = writeln!(s, "contains = [{}]", toml_str(longest));
    let _ = writeln!(s, "regex = {}", toml_str(&regex));
    let _ = writeln!(s, "\n[pattern.examples]");
    let _ = writeln!(s, "match = [{}]", toml_str(&example));
    let _ = writeln!(s, "no_match = [{}]", toml_str(&no_match));
    Ok(s)
}

/// A title from a template: its words, `<*>` shown as `…`, at most 60 characters.
fn title(template: &str) -> String {
    let t = template.replace("<*>", "…");
    let mut out: String = t.chars().take(60).collect();
    if t.chars().count() > 60 {
        out.push('…');
    }
    out
}

/// A TOML basic string.
fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(template: &str, example: &str, level: &str) -> TemplateEntry {
        TemplateEntry {
            id: crate::mine::template_id(template),
            template: template.into(),
            count: 3,
            levels: [(level.to_string(), 3)].into_iter().collect(),
            example: example.into(),
            exact: true,
        }
    }

    #[test]
    fn stubs_load_and_their_examples_pass() {
        let (text, skipped) = stubs(&[
            entry(
                "job <*> failed after <*> attempts",
                "job job-1 failed after 3 attempts",
                "error",
            ),
            entry(
                "cache (re)built: \"<*>\" [ok]",
                "cache (re)built: \"x\" [ok]",
                "info",
            ),
            entry("<*> <*>", "a b", "warn"),
        ]);
        assert_eq!(skipped.len(), 1, "{skipped:?}");
        let mut c = Catalog::default();
        c.add_source("s", &text).unwrap();
        assert_eq!(c.len(), 2);
        assert!(check_examples(&c).is_empty());
        assert_eq!(c.patterns()[0].severity.name(), "error");
    }

    /// The miner's template has one space where the message had any run of whitespace, and a
    /// cut mark where it was cut: the stub matches the message all the same.
    #[test]
    fn whitespace_runs_and_cut_templates_give_working_stubs() {
        let long = format!("payload {}", "x".repeat(2000));
        let (text, skipped) = stubs(&[
            entry("[section] key = <*>", "[section]\nkey = 1", "error"),
            entry("queue drained <*>", "queue\t\tdrained  7", "warn"),
            entry(
                &format!("payload {} {}", "x".repeat(1000), crate::mine::CUT_MARK),
                &long[..1010],
                "error",
            ),
        ]);
        assert!(skipped.is_empty(), "{skipped:?}");
        let mut c = Catalog::default();
        c.add_source("s", &text).unwrap();
        assert_eq!(c.len(), 3);
        assert!(check_examples(&c).is_empty());
    }

    #[test]
    fn control_characters_in_a_template_still_give_a_valid_stub() {
        let (text, skipped) = stubs(&[entry(
            "bell \u{7} and \u{1b}[31mred <*> done",
            "bell \u{7} and \u{1b}[31mred 42 done",
            "error",
        )]);
        assert!(skipped.is_empty(), "{skipped:?}");
        let mut c = Catalog::default();
        c.add_source("s", &text).unwrap();
        assert!(check_examples(&c).is_empty());
    }
}
