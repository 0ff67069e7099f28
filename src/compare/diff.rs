//! `logtriage diff A B`: what changed between two runs, side by side.
//!
//! Counts are compared as rates per 10,000 non-blank lines, so runs of different lengths can
//! be read side by side; a row is `up` or `down` when the conditional Poisson test (the one
//! `check` uses) gives p < 0.01 in that direction and the rate moved by at least 25 %, `new`
//! or `gone` when one side has none, else `same`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::stats::poisson_rate_increase;
use crate::report::{LatencyStats, Report};

/// Schema of the JSON diff.
pub const DIFF_SCHEMA: &str = "logtriage.diff/v1";

const P: f64 = 0.01;
const MIN_CHANGE: f64 = 1.25;

/// A number on both sides.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Change {
    /// What.
    pub metric: String,
    /// Run A.
    pub a: Option<f64>,
    /// Run B.
    pub b: Option<f64>,
}

/// A pattern, template or message on both sides.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ItemChange {
    /// Pattern id, template text or message.
    pub key: String,
    /// Pattern title, or the template's worst level.
    pub label: String,
    /// Count in A.
    pub a: u64,
    /// Count in B.
    pub b: u64,
    /// Per 10,000 lines in A.
    pub a_rate: f64,
    /// Per 10,000 lines in B.
    pub b_rate: f64,
    /// `new`, `gone`, `up`, `down` or `same`.
    pub status: String,
}

/// The whole diff.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DiffReport {
    /// [`DIFF_SCHEMA`].
    pub schema: String,
    /// Run A's name.
    pub a: String,
    /// Run B's name.
    pub b: String,
    /// Lines, events, error rate, malformed share, time range.
    pub totals: Vec<Change>,
    /// Events per level, per 10,000 lines.
    pub levels: Vec<Change>,
    /// Catalog patterns, changed ones first.
    pub patterns: Vec<ItemChange>,
    /// Unknown templates, changed ones first.
    pub templates: Vec<ItemChange>,
    /// Latency percentiles overall and per group present in both (ms).
    pub latency: Vec<Change>,
    /// The time window run A's logs were read in (`--since/--until/--last`); absent without.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub a_window: Option<crate::report::WindowSummary>,
    /// See `a_window`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub b_window: Option<crate::report::WindowSummary>,
}

fn lines(r: &Report) -> u64 {
    r.input.events + r.input.malformed + r.input.non_json
}

fn rate(n: u64, of: u64) -> f64 {
    if of == 0 {
        0.0
    } else {
        n as f64 * 10_000.0 / of as f64
    }
}

fn status(a: u64, na: u64, b: u64, nb: u64) -> &'static str {
    let (ra, rb) = (rate(a, na), rate(b, nb));
    match (a, b) {
        (0, 0) => "same",
        (0, _) => "new",
        (_, 0) => "gone",
        _ if rb >= ra * MIN_CHANGE && poisson_rate_increase(a, na, b, nb) < P => "up",
        _ if ra >= rb * MIN_CHANGE && poisson_rate_increase(b, nb, a, na) < P => "down",
        _ => "same",
    }
}

fn order(s: &str) -> u8 {
    match s {
        "new" => 0,
        "up" => 1,
        "gone" => 2,
        "down" => 3,
        _ => 4,
    }
}

fn items(
    a: BTreeMap<String, (String, u64)>,
    b: BTreeMap<String, (String, u64)>,
    na: u64,
    nb: u64,
    top: usize,
) -> Vec<ItemChange> {
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut out: Vec<ItemChange> = keys
        .into_iter()
        .map(|k| {
            let (la, ca) = a.get(k).cloned().unwrap_or_default();
            let (lb, cb) = b.get(k).cloned().unwrap_or_default();
            ItemChange {
                key: k.clone(),
                label: if lb.is_empty() { la } else { lb },
                a: ca,
                b: cb,
                a_rate: rate(ca, na),
                b_rate: rate(cb, nb),
                status: status(ca, na, cb, nb).into(),
            }
        })
        .collect();
    out.sort_by(|x, y| {
        order(&x.status)
            .cmp(&order(&y.status))
            .then(y.b.max(y.a).cmp(&x.b.max(x.a)))
            .then_with(|| x.key.cmp(&y.key))
    });
    out.truncate(top);
    out
}

fn pcts(metric: &str, a: Option<&LatencyStats>, b: Option<&LatencyStats>, out: &mut Vec<Change>) {
    for (name, f) in [
        (
            "count",
            (|s: &LatencyStats| Some(s.count as f64)) as fn(&LatencyStats) -> Option<f64>,
        ),
        ("p50", |s| s.p50),
        ("p95", |s| s.p95),
        ("p99", |s| s.p99),
        ("max", |s| s.max),
    ] {
        out.push(Change {
            metric: format!("{metric} {name}"),
            a: a.and_then(f),
            b: b.and_then(f),
        });
    }
}

/// Compares run `a` with run `b`; `top` rows per section.
pub fn diff(a: (&str, &Report), b: (&str, &Report), top: usize) -> DiffReport {
    let (ra, rb) = (a.1, b.1);
    let (na, nb) = (lines(ra), lines(rb));
    let err = |r: &Report| {
        let t = |k: &str| r.text_levels.get(k).copied().unwrap_or(0);
        r.error_events() + t("error") + t("fatal")
    };
    let share = |n: u64, of: u64| (of > 0).then(|| n as f64 / of as f64);
    let totals = vec![
        Change {
            metric: "lines".into(),
            a: Some(na as f64),
            b: Some(nb as f64),
        },
        Change {
            metric: "events".into(),
            a: Some(ra.input.events as f64),
            b: Some(rb.input.events as f64),
        },
        Change {
            metric: "error_rate".into(),
            a: share(err(ra), na),
            b: share(err(rb), nb),
        },
        Change {
            metric: "malformed_share".into(),
            a: share(ra.input.malformed, na),
            b: share(rb.input.malformed, nb),
        },
    ];
    let levels = crate::record::Level::ALL
        .iter()
        .map(|l| {
            let n = |r: &Report| r.levels.get(l.name()).copied().unwrap_or(0);
            Change {
                metric: l.name().into(),
                a: Some(rate(n(ra), na)),
                b: Some(rate(n(rb), nb)),
            }
        })
        .collect();
    let pats = |r: &Report| {
        r.patterns
            .iter()
            .map(|p| {
                (
                    p.id.clone(),
                    (format!("{} · {}", p.severity, p.title), p.count),
                )
            })
            .collect::<BTreeMap<_, _>>()
    };
    let tpls = |r: &Report| {
        r.templates
            .iter()
            .map(|t| {
                let worst = crate::report::worst_level(&t.levels).unwrap_or("-");
                (t.template.clone(), (worst.to_string(), t.count))
            })
            .collect::<BTreeMap<_, _>>()
    };
    let mut latency = Vec::new();
    if ra.latency.is_some() || rb.latency.is_some() {
        let la = ra.latency.as_ref();
        let lb = rb.latency.as_ref();
        pcts(
            "overall",
            la.map(|l| &l.overall),
            lb.map(|l| &l.overall),
            &mut latency,
        );
        if let (Some(la), Some(lb)) = (la, lb) {
            let ga: BTreeMap<(&str, &str), &LatencyStats> = la
                .groups
                .iter()
                .map(|g| ((g.by.as_str(), g.key.as_str()), &g.stats))
                .collect();
            let mut shifts: Vec<(f64, String, &LatencyStats, &LatencyStats)> = lb
                .groups
                .iter()
                .filter_map(|g| {
                    let s = ga.get(&(g.by.as_str(), g.key.as_str()))?;
                    let shift = (g.stats.p99? / s.p99?).ln().abs();
                    Some((shift, format!("{}={}", g.by, g.key), *s, &g.stats))
                })
                .collect();
            shifts.sort_by(|x, y| y.0.total_cmp(&x.0).then_with(|| x.1.cmp(&y.1)));
            for (_, name, s, t) in shifts.into_iter().take(top) {
                for (p, f) in [
                    (
                        "p50",
                        (|s: &LatencyStats| s.p50) as fn(&LatencyStats) -> Option<f64>,
                    ),
                    ("p99", |s| s.p99),
                ] {
                    latency.push(Change {
                        metric: format!("{name} {p}"),
                        a: f(s),
                        b: f(t),
                    });
                }
            }
        }
    }
    DiffReport {
        schema: DIFF_SCHEMA.into(),
        a: a.0.into(),
        b: b.0.into(),
        totals,
        levels,
        patterns: items(pats(ra), pats(rb), na, nb, top),
        templates: items(tpls(ra), tpls(rb), na, nb, top),
        latency,
        a_window: ra.input.window.clone(),
        b_window: rb.input.window.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_needs_both_size_and_significance() {
        assert_eq!(status(100, 10_000, 105, 10_000), "same");
        assert_eq!(status(100, 10_000, 300, 10_000), "up");
        assert_eq!(status(300, 10_000, 100, 10_000), "down");
        assert_eq!(status(0, 10_000, 3, 10_000), "new");
        assert_eq!(status(3, 10_000, 0, 10_000), "gone");
        // Twice the count in twice the lines is the same rate.
        assert_eq!(status(100, 10_000, 200, 20_000), "same");
    }
}
