//! Comparing runs: `check` (a CI gate against a baseline report) and `diff` (what changed).
//!
//! Both read [`crate::report::Report`]s, whether loaded from a JSON file or produced by
//! analysing logs on the spot, so the same rules apply to either.

pub mod check;
pub mod diff;
pub mod render;
pub mod stats;

use crate::report::{Report, SCHEMA};

/// Reads `bytes` as a JSON report if it is one: a single JSON object whose `schema` is a
/// `logtriage.report/` schema, wherever that key is (a report passed through `jq -S` has it
/// near the end). `None`: not a report (treat it as logs).
pub fn parse_report(bytes: &[u8]) -> Option<Result<Report, String>> {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
    if bytes[start] != b'{' {
        return None;
    }
    memchr::memmem::find(bytes, b"\"logtriage.report/")?;
    // The schema first, every other value skipped unbuilt: a report read through a
    // `serde_json::Value` took about six times its size in memory.
    #[derive(serde::Deserialize)]
    struct Schema {
        schema: Option<String>,
    }
    let schema = match serde_json::from_slice::<Schema>(bytes) {
        Ok(Schema { schema: Some(s) }) => s,
        // A log line that mentions the schema is still a log line.
        _ => return None,
    };
    if !schema.starts_with("logtriage.report/") {
        return None;
    }
    if schema != SCHEMA {
        return Some(Err(format!(
            "report schema `{schema}` is not supported (this logtriage reads {SCHEMA})"
        )));
    }
    Some(serde_json::from_slice(bytes).map_err(|e| format!("not a valid {SCHEMA} report: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_are_told_from_logs() {
        let r = crate::analyze_str("{\"level\":\"info\",\"msg\":\"hi\"}\n");
        let json = serde_json::to_vec(&r).unwrap();
        assert_eq!(parse_report(&json).unwrap().unwrap(), r);
        assert!(parse_report(b"{\"level\":\"info\",\"msg\":\"logtriage.report/v1\"}\n").is_none());
        assert!(parse_report(b"plain text").is_none());
        // Keys in any order, as `jq -S` writes them: the schema comes late.
        let mut sorted: serde_json::Value = serde_json::from_slice(&json).unwrap();
        sorted.sort_all_objects();
        let sorted = serde_json::to_vec_pretty(&sorted).unwrap();
        assert!(memchr::memmem::find(&sorted[..512], b"logtriage.report/").is_none());
        assert_eq!(parse_report(&sorted).unwrap().unwrap(), r);
        let v2 = br#"{"schema":"logtriage.report/v2"}"#;
        assert!(parse_report(v2).unwrap().unwrap_err().contains("v2"));
    }
}
