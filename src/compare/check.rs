//! `logtriage check`: does a run regress against a baseline? Rules, their statistics and the
//! outcome, as plain data (renderers live in [`super::render`]).
//!
//! Every rule that compares rates asks two questions and fails only when both say yes: is the
//! change *large* (over a threshold a person chose), and is it *real* (a one-sided test at
//! significance `alpha` says noise is an unlikely explanation)? That is what lets two runs of
//! the same load pass against each other while a real regression fails. The statistics are
//! described in `docs/CHECK.md`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::stats;
use crate::matching::Severity;
use crate::report::{LatencyStats, Report};

/// Schema of the JSON check result.
pub const CHECK_SCHEMA: &str = "logtriage.check/v1";

/// The rules and their thresholds (`logtriage.toml`, table `[check]`; flags override).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Rules {
    /// Significance level of every one-sided test.
    pub alpha: f64,
    /// Error rate: smallest absolute increase of the error share that can fail.
    pub error_rate_increase: f64,
    /// Error rate: smallest relative increase that can fail (0.25 = +25 %).
    pub error_rate_ratio: f64,
    /// Latency: smallest relative increase of a percentile that can fail.
    pub latency_increase: f64,
    /// Latency: smallest absolute increase (ms) that can fail.
    pub latency_increase_ms: f64,
    /// Latency: events a group needs in both runs to be compared.
    pub min_samples: u64,
    /// Percentiles compared: any of `p50, p90, p95, p99, p999`.
    pub percentiles: Vec<String>,
    /// Compare per-group latency too (service, caller, route, pattern, message).
    pub latency_groups: bool,
    /// New catalog patterns at this severity or worse fail (`info, warn, error, critical`).
    pub new_pattern_severity: String,
    /// Patterns whose rate rose by more than this factor fail.
    pub pattern_rate_ratio: f64,
    /// Patterns below this severity are not compared for rate (`info` compares all).
    pub pattern_rate_severity: String,
    /// New unknown templates with events at this level or worse fail (`warn` or `error`).
    pub new_template_level: String,
    /// Malformed share: smallest absolute increase that can fail.
    pub malformed_increase: f64,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            alpha: 0.001,
            error_rate_increase: 0.001,
            error_rate_ratio: 0.25,
            latency_increase: 0.20,
            latency_increase_ms: 1.0,
            min_samples: 200,
            percentiles: vec!["p50".into(), "p95".into(), "p99".into()],
            latency_groups: true,
            new_pattern_severity: "error".into(),
            pattern_rate_ratio: 2.0,
            pattern_rate_severity: "warn".into(),
            new_template_level: "warn".into(),
            malformed_increase: 0.005,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ConfigFile {
    check: Option<toml::Value>,
}

impl Rules {
    /// Rules from a `logtriage.toml` text: its `[check]` table over the defaults.
    pub fn from_toml(text: &str) -> Result<Rules, String> {
        let file: ConfigFile = toml::from_str(text).map_err(|e| e.message().to_string())?;
        let rules = match file.check {
            Some(v) => v
                .try_into()
                .map_err(|e: toml::de::Error| e.message().to_string())?,
            None => Rules::default(),
        };
        rules.validate()?;
        Ok(rules)
    }

    /// Checks the values make sense.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.alpha > 0.0 && self.alpha < 0.5) {
            return Err(format!(
                "alpha must be in (0, 0.5), not {}",
                number(self.alpha)
            ));
        }
        for (name, v) in [
            ("error_rate_increase", self.error_rate_increase),
            ("error_rate_ratio", self.error_rate_ratio),
            ("latency_increase", self.latency_increase),
            ("latency_increase_ms", self.latency_increase_ms),
            ("malformed_increase", self.malformed_increase),
        ] {
            if !(v >= 0.0 && v.is_finite()) {
                return Err(format!("{name} must be a number ≥ 0, not {}", number(v)));
            }
        }
        if self.pattern_rate_ratio.is_nan() || self.pattern_rate_ratio < 1.0 {
            return Err(format!(
                "pattern_rate_ratio must be ≥ 1, not {}",
                number(self.pattern_rate_ratio)
            ));
        }
        for p in &self.percentiles {
            if percentile(p).is_none() {
                return Err(format!(
                    "unknown percentile `{p}` (use p50, p90, p95, p99, p999)"
                ));
            }
        }
        for (name, v) in [
            ("new_pattern_severity", &self.new_pattern_severity),
            ("pattern_rate_severity", &self.pattern_rate_severity),
        ] {
            if Severity::parse(v).is_none() {
                return Err(format!(
                    "{name} `{v}` is not a severity (info, warn, error, critical)"
                ));
            }
        }
        if !matches!(self.new_template_level.as_str(), "warn" | "error") {
            return Err(format!(
                "new_template_level `{}` must be warn or error",
                self.new_template_level
            ));
        }
        Ok(())
    }
}

/// The quantile of a percentile name, and the next one up (for the density estimate).
/// A configured number as an error message shows it: `-1e308`, not 309 digits.
fn number(v: f64) -> String {
    if v.is_finite() && v != 0.0 && !(1e-6..1e9).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

fn percentile(name: &str) -> Option<(f64, Option<&'static str>)> {
    Some(match name {
        "p50" => (0.5, Some("p90")),
        "p90" => (0.9, Some("p95")),
        "p95" => (0.95, Some("p99")),
        "p99" => (0.99, Some("p999")),
        "p999" => (0.999, None),
        _ => return None,
    })
}

fn stat(s: &LatencyStats, name: &str) -> Option<f64> {
    match name {
        "p50" => s.p50,
        "p90" => s.p90,
        "p95" => s.p95,
        "p99" => s.p99,
        "p999" => s.p999,
        "max" => s.max,
        "mean" => s.mean,
        _ => None,
    }
}

/// How a rule came out.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// No regression.
    Pass,
    /// Not applicable (e.g. no latency in the baseline).
    Skip,
    /// A regression.
    Fail,
}

/// One compared quantity.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Finding {
    /// What was compared (`error_rate`, `latency.p99 route=GET /api`, `pattern x.y` …).
    pub metric: String,
    /// Baseline value (a share, ms or a count), if it had one.
    pub baseline: Option<f64>,
    /// Current value.
    pub current: f64,
    /// current / baseline, when the baseline is not zero.
    pub ratio: Option<f64>,
    /// The test's p-value, when a test applies.
    pub p_value: Option<f64>,
    /// True if and only if this finding fails the rule.
    pub regressed: bool,
    /// Why it passed or failed, in words.
    pub reason: String,
    /// Lines from the current run that show it (examples, slow events); empty when none.
    #[serde(default)]
    pub evidence: Vec<String>,
}

/// One rule's outcome.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RuleOutcome {
    /// Rule name: `error_rate`, `latency`, `new_patterns`, `pattern_rates`, `new_templates`,
    /// `malformed`.
    pub rule: String,
    /// Outcome.
    pub status: Status,
    /// One line.
    pub summary: String,
    /// The regressions first, then what was checked and passed (at most 50 passing).
    pub findings: Vec<Finding>,
}

/// The whole outcome.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CheckReport {
    /// [`CHECK_SCHEMA`].
    pub schema: String,
    /// True if and only if no rule failed.
    pub passed: bool,
    /// Failed rules.
    pub failed_rules: usize,
    /// What was compared.
    pub baseline: RunSummary,
    /// See `baseline`.
    pub current: RunSummary,
    /// The rules used.
    pub rules: Rules,
    /// Per rule, in a fixed order.
    pub outcomes: Vec<RuleOutcome>,
}

/// Size of one compared run.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RunSummary {
    /// Where it came from (the path given).
    pub name: String,
    /// Lines analysed (not blank).
    pub lines: u64,
    /// Error lines (structured at error/fatal, plus plain-text error lines).
    pub errors: u64,
    /// Events with a duration.
    pub latency_events: u64,
    /// The time window its logs were read in (`check --since/--until/--last`, or the
    /// baseline's own `analyze` window); absent without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<crate::report::WindowSummary>,
}

/// Non-blank lines: the exposure every rate is per.
fn exposure(r: &Report) -> u64 {
    r.input.events + r.input.malformed + r.input.non_json
}

fn errors(r: &Report) -> u64 {
    let t = |k: &str| r.text_levels.get(k).copied().unwrap_or(0);
    r.error_events() + t("error") + t("fatal")
}

fn summary(name: &str, r: &Report) -> RunSummary {
    RunSummary {
        name: name.to_string(),
        lines: exposure(r),
        errors: errors(r),
        latency_events: r.latency.as_ref().map_or(0, |l| l.overall.count),
        window: r.input.window.clone(),
    }
}

fn pct(v: f64) -> String {
    format!("{:.3}%", v * 100.0)
}

/// A probability or threshold for people: three significant digits, scientific when small
/// (`0.00417`, `1.7e-4`), never a run of sixteen digits.
fn prob(p: f64) -> String {
    if p == 0.0 || p >= 0.001 {
        let s = format!("{p:.3}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s.is_empty() || s == "0" && p > 0.0 {
            format!("{p:.1e}")
        } else {
            s.to_string()
        }
    } else {
        format!("{p:.1e}")
    }
}

fn ratio(b: f64, c: f64) -> Option<f64> {
    (b > 0.0).then(|| c / b)
}

fn outcome(rule: &str, mut findings: Vec<Finding>, skip: Option<String>) -> RuleOutcome {
    if let Some(why) = skip {
        return RuleOutcome {
            rule: rule.into(),
            status: Status::Skip,
            summary: why,
            findings: Vec::new(),
        };
    }
    findings.sort_by_key(|f| !f.regressed);
    let failed = findings.iter().filter(|f| f.regressed).count();
    let passing: Vec<Finding> = findings
        .iter()
        .filter(|f| !f.regressed)
        .take(50)
        .cloned()
        .collect();
    let checked = findings.len();
    let mut kept: Vec<Finding> = findings.into_iter().filter(|f| f.regressed).collect();
    kept.extend(passing);
    RuleOutcome {
        rule: rule.into(),
        status: if failed > 0 {
            Status::Fail
        } else {
            Status::Pass
        },
        summary: if failed > 0 {
            format!("{failed} of {checked} checked regressed")
        } else if checked == 0 {
            match rule {
                "new_patterns" => "no new pattern",
                "pattern_rates" => "no pattern in both runs",
                "new_templates" => "no new template",
                _ => "nothing to compare",
            }
            .into()
        } else {
            format!("{checked} checked, none regressed")
        },
        findings: kept,
    }
}

/// Compares `current` with `baseline` under `rules`.
pub fn check(baseline: (&str, &Report), current: (&str, &Report), rules: &Rules) -> CheckReport {
    let (b, c) = (baseline.1, current.1);
    let outcomes = vec![
        error_rate(b, c, rules),
        latency(b, c, rules),
        new_patterns(b, c, rules),
        pattern_rates(b, c, rules),
        new_templates(b, c, rules),
        malformed(b, c, rules),
    ];
    // A run without lines has nothing to compare, whatever the rule (an empty log is what a
    // broken log collection gives: it must not read as a pass).
    let empty = match (exposure(b), exposure(c)) {
        (0, _) => Some("no lines in the baseline"),
        (_, 0) => Some("no lines in the current run"),
        _ => None,
    };
    let outcomes = match empty {
        Some(why) => outcomes
            .into_iter()
            .map(|o| outcome(&o.rule, Vec::new(), Some(why.into())))
            .collect(),
        None => outcomes,
    };
    let failed_rules = outcomes.iter().filter(|o| o.status == Status::Fail).count();
    CheckReport {
        schema: CHECK_SCHEMA.into(),
        passed: failed_rules == 0,
        failed_rules,
        baseline: summary(baseline.0, b),
        current: summary(current.0, c),
        rules: rules.clone(),
        outcomes,
    }
}

/// A share that must rise by `abs` and by `rel` (relative) and pass a two-proportion test.
fn share_finding(
    metric: &str,
    (bk, bn): (u64, u64),
    (ck, cn): (u64, u64),
    abs: f64,
    rel: Option<f64>,
    alpha: f64,
) -> Finding {
    let (pb, pc) = (bk as f64 / bn.max(1) as f64, ck as f64 / cn.max(1) as f64);
    let p = stats::proportion_increase(bk, bn, ck, cn);
    let big_abs = pc - pb > abs;
    let big_rel = rel.is_none_or(|r| pb == 0.0 || pc / pb - 1.0 > r);
    let significant = p < alpha;
    let regressed = big_abs && big_rel && significant;
    let reason = if regressed {
        format!(
            "{} → {} (+{} points, p = {} < {})",
            pct(pb),
            pct(pc),
            format_args!("{:.3}", (pc - pb) * 100.0),
            prob(p),
            prob(alpha)
        )
    } else if !big_abs || !big_rel {
        format!("{} → {}: within the allowed change", pct(pb), pct(pc))
    } else {
        format!(
            "{} → {}: not significant (p = {} ≥ {})",
            pct(pb),
            pct(pc),
            prob(p),
            prob(alpha)
        )
    };
    Finding {
        metric: metric.into(),
        baseline: Some(pb),
        current: pc,
        ratio: ratio(pb, pc),
        p_value: Some(p),
        regressed,
        reason,
        evidence: Vec::new(),
    }
}

fn error_rate(b: &Report, c: &Report, rules: &Rules) -> RuleOutcome {
    if exposure(b) == 0 || exposure(c) == 0 {
        return outcome("error_rate", Vec::new(), Some("no lines to compare".into()));
    }
    let mut f = share_finding(
        "error_rate",
        (errors(b), exposure(b)),
        (errors(c), exposure(c)),
        rules.error_rate_increase,
        Some(rules.error_rate_ratio),
        rules.alpha,
    );
    if f.regressed {
        // Evidence: the error patterns and templates of the current run.
        for p in c
            .patterns
            .iter()
            .filter(|p| p.severity == "error" || p.severity == "critical")
        {
            f.evidence
                .push(format!("{} × {} ({})", p.count, p.title, p.id));
            if f.evidence.len() >= 5 {
                break;
            }
        }
        for t in c.templates.iter().filter(|t| {
            t.levels.get("error").copied().unwrap_or(0)
                + t.levels.get("fatal").copied().unwrap_or(0)
                > 0
        }) {
            if f.evidence.len() >= 8 {
                break;
            }
            f.evidence.push(format!("{} × {}", t.count, t.template));
        }
    }
    outcome("error_rate", vec![f], None)
}

fn malformed(b: &Report, c: &Report, rules: &Rules) -> RuleOutcome {
    let n = |r: &Report| exposure(r);
    if n(b) == 0 || n(c) == 0 {
        return outcome("malformed", Vec::new(), Some("no lines to compare".into()));
    }
    let f = share_finding(
        "malformed_share",
        (b.input.malformed, n(b)),
        (c.input.malformed, n(c)),
        rules.malformed_increase,
        None,
        rules.alpha,
    );
    outcome("malformed", vec![f], None)
}

fn latency_finding(
    metric: String,
    bs: &LatencyStats,
    cs: &LatencyStats,
    rules: &Rules,
    z: f64,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for name in &rules.percentiles {
        let Some((q, next)) = percentile(name) else {
            continue;
        };
        let (Some(bv), Some(cv)) = (stat(bs, name), stat(cs, name)) else {
            continue;
        };
        // A percentile needs enough events beyond it to mean anything: 10 in each run.
        let need = ((10.0 / (1.0 - q)).ceil() as u64).max(rules.min_samples);
        let metric = format!("{metric} {name}");
        if bs.count < need || cs.count < need {
            continue;
        }
        let se = |s: &LatencyStats, v: f64| {
            next.and_then(|n| stat(s, n))
                .and_then(|x2| stats::quantile_se(q, v, percentile(next?)?.0, x2, s.count))
        };
        let noise = match (se(bs, bv), se(cs, cv)) {
            (Some(a), Some(b)) => z * (a * a + b * b).sqrt(),
            // No neighbour to estimate the density from (p99.9): fall back to the sketch's
            // 0.5 % on each side.
            _ => 0.01 * bv.max(cv),
        };
        let allowed = (bv * rules.latency_increase)
            .max(rules.latency_increase_ms)
            .max(noise);
        let regressed = cv - bv > allowed;
        let reason = if regressed {
            format!(
                "{} → {} (+{:.0}%; allowed +{}: {:.0}% band, noise ±{})",
                ms(bv),
                ms(cv),
                (cv / bv - 1.0) * 100.0,
                ms(allowed),
                rules.latency_increase * 100.0,
                ms(noise)
            )
        } else {
            format!("{} → {} (allowed +{})", ms(bv), ms(cv), ms(allowed))
        };
        out.push(Finding {
            metric,
            baseline: Some(bv),
            current: cv,
            ratio: ratio(bv, cv),
            p_value: None,
            regressed,
            reason,
            evidence: Vec::new(),
        });
    }
    out
}

/// The first three slow events as evidence lines: duration, request id, message.
fn slow_lines(events: &[crate::report::SlowEntry]) -> Vec<String> {
    events
        .iter()
        .take(3)
        .map(|e| {
            format!(
                "{} {} {}",
                ms(e.duration_ms),
                e.request_id.as_deref().unwrap_or("-"),
                e.message.as_deref().unwrap_or("")
            )
        })
        .collect()
}

/// Milliseconds for people.
pub fn ms(v: f64) -> String {
    if v >= 10_000.0 {
        format!("{:.1}s", v / 1000.0)
    } else if v >= 100.0 {
        format!("{v:.0}ms")
    } else if v >= 1.0 {
        format!("{v:.1}ms")
    } else {
        format!("{v:.3}ms")
    }
}

fn latency(b: &Report, c: &Report, rules: &Rules) -> RuleOutcome {
    let skip = |why: &str| outcome("latency", Vec::new(), Some(why.into()));
    let (bl, cl) = match (&b.latency, &c.latency) {
        (None, _) => return skip("no latency section in the baseline (analyze --latency)"),
        (_, None) => return skip("no latency section in the current report (analyze --latency)"),
        (Some(bl), Some(cl)) => (bl, cl),
    };
    if bl.overall.count == 0 {
        return skip("no durations in the baseline");
    }
    if cl.overall.count == 0 {
        return skip("no durations in the current run");
    }
    // Bonferroni: m comparisons, each at alpha / m, keep the rule's false-alarm rate ≤ alpha.
    let base: BTreeMap<(&str, &str), &LatencyStats> = bl
        .groups
        .iter()
        .map(|g| ((g.by.as_str(), g.key.as_str()), &g.stats))
        .collect();
    let pairs: Vec<(String, &LatencyStats, &LatencyStats, Vec<String>)> = cl
        .groups
        .iter()
        .filter(|g| rules.latency_groups && g.key != crate::aggregate::latency::OTHER)
        .filter_map(|g| {
            let bs = base.get(&(g.by.as_str(), g.key.as_str()))?;
            let evidence = slow_lines(&g.outliers);
            Some((
                format!("latency {}={}", g.by, g.key),
                *bs,
                &g.stats,
                evidence,
            ))
        })
        .collect();
    let m = (1 + pairs.len()) * rules.percentiles.len().max(1);
    let z = stats::normal_isf(rules.alpha / m as f64);
    let mut findings = latency_finding("latency".into(), &bl.overall, &cl.overall, rules, z);
    for f in findings.iter_mut().filter(|f| f.regressed) {
        f.evidence = slow_lines(&cl.slowest);
    }
    for (metric, bs, cs, evidence) in pairs {
        let mut fs = latency_finding(metric, bs, cs, rules, z);
        // One percentile of a multi-modal group can jump between modes when the mix shifts a
        // little (a timeout group: half fast failures, half at the deadline). A group
        // regresses when at least two of its compared percentiles do.
        let up = fs.iter().filter(|f| f.regressed).count();
        if up == 1 && rules.percentiles.len() > 1 {
            for f in fs.iter_mut().filter(|f| f.regressed) {
                f.regressed = false;
                f.reason
                    .push_str("; the group's other percentiles did not move: not counted");
            }
        }
        for f in fs.iter_mut().filter(|f| f.regressed) {
            f.evidence = evidence.clone();
        }
        findings.extend(fs);
    }
    if findings.is_empty() {
        return skip(&format!(
            "too few durations to compare (each run needs {} in a group)",
            rules.min_samples
        ));
    }
    outcome("latency", findings, None)
}

fn severity(s: &str) -> Severity {
    Severity::parse(s).unwrap_or(Severity::Info)
}

/// A count that rose: significant under the conditional Poisson test and by more than `ratio`.
fn count_finding(
    metric: String,
    (bk, bn): (u64, u64),
    (ck, cn): (u64, u64),
    min_ratio: f64,
    alpha: f64,
) -> Finding {
    let p = stats::poisson_rate_increase(bk, bn, ck, cn);
    let (rb, rc) = (bk as f64 / bn.max(1) as f64, ck as f64 / cn.max(1) as f64);
    let r = ratio(rb, rc);
    let big = r.is_none_or(|r| r > min_ratio);
    let regressed = big && p < alpha && ck > 0;
    let reason = match (bk, regressed) {
        (0, true) => format!("new: {ck} hits (p = {} < {})", prob(p), prob(alpha)),
        (0, false) => format!(
            "new: {ck} hits, not yet significant (p = {} ≥ {})",
            prob(p),
            prob(alpha)
        ),
        (_, true) => format!(
            "{bk} → {ck} hits, rate ×{:.2} (p = {} < {})",
            r.unwrap_or(f64::INFINITY),
            prob(p),
            prob(alpha)
        ),
        (_, false) => format!("{bk} → {ck} hits, rate ×{:.2}", r.unwrap_or(0.0)),
    };
    Finding {
        metric,
        baseline: Some(bk as f64),
        current: ck as f64,
        ratio: r,
        p_value: Some(p),
        regressed,
        reason,
        evidence: Vec::new(),
    }
}

fn new_patterns(b: &Report, c: &Report, rules: &Rules) -> RuleOutcome {
    let min = severity(&rules.new_pattern_severity);
    let known: std::collections::HashSet<&str> = b.patterns.iter().map(|p| p.id.as_str()).collect();
    let new: Vec<_> = c
        .patterns
        .iter()
        .filter(|p| !known.contains(p.id.as_str()) && severity(&p.severity) >= min)
        .collect();
    let alpha = rules.alpha / new.len().max(1) as f64;
    let findings = new
        .into_iter()
        .map(|p| {
            let mut f = count_finding(
                format!("pattern {} ({})", p.id, p.severity),
                (0, exposure(b)),
                (p.count, exposure(c)),
                rules.pattern_rate_ratio,
                alpha,
            );
            f.evidence = p
                .example
                .iter()
                .map(|e| format!("{}:{}: {}", e.source, e.line, e.text))
                .collect();
            f.evidence.push(format!("action: {}", p.action));
            f
        })
        .collect();
    outcome("new_patterns", findings, None)
}

fn pattern_rates(b: &Report, c: &Report, rules: &Rules) -> RuleOutcome {
    let min = severity(&rules.pattern_rate_severity);
    let base: BTreeMap<&str, u64> = b
        .patterns
        .iter()
        .map(|p| (p.id.as_str(), p.count))
        .collect();
    let both: Vec<_> = c
        .patterns
        .iter()
        .filter(|p| severity(&p.severity) >= min)
        .filter_map(|p| Some((p, *base.get(p.id.as_str())?)))
        .collect();
    let alpha = rules.alpha / both.len().max(1) as f64;
    let findings = both
        .into_iter()
        .map(|(p, bk)| {
            let mut f = count_finding(
                format!("pattern {} ({})", p.id, p.severity),
                (bk, exposure(b)),
                (p.count, exposure(c)),
                rules.pattern_rate_ratio,
                alpha,
            );
            if f.regressed {
                f.evidence = p
                    .example
                    .iter()
                    .map(|e| format!("{}:{}: {}", e.source, e.line, e.text))
                    .collect();
            }
            f
        })
        .collect();
    outcome("pattern_rates", findings, None)
}

fn new_templates(b: &Report, c: &Report, rules: &Rules) -> RuleOutcome {
    let levels: &[&str] = if rules.new_template_level == "error" {
        &["error", "fatal"]
    } else {
        &["warn", "error", "fatal"]
    };
    let known: std::collections::HashSet<&str> =
        b.templates.iter().map(|t| t.template.as_str()).collect();
    // The baseline lists its top templates only, error ones first, then warnings, then the
    // rest. A class is listed whole if a lower class made it into the list; otherwise a
    // template rarer than the class's last listed one may simply have been cut off.
    let class = |t: &crate::report::TemplateEntry| {
        let l = |k: &str| t.levels.get(k).copied().unwrap_or(0);
        if l("error") + l("fatal") > 0 {
            2
        } else if l("warn") > 0 {
            1
        } else {
            0
        }
    };
    let lowest = b.templates.iter().map(class).min().unwrap_or(0);
    let top = b.settings.as_ref().map_or(20, |s| s.top);
    let cut = b.templates.len() >= top;
    // What the baseline says of a template of class `k` absent from its list: seen at most
    // `Some(n)` times (`Some(0)`: the class is listed whole), or `None` when the list was
    // filled by worse classes before any of class `k`, which bounds nothing.
    let cut_off = |k: u8| -> Option<u64> {
        if !cut || lowest < k {
            return Some(0);
        }
        b.templates
            .iter()
            .filter(|t| class(t) == k)
            .map(|t| t.count)
            .min()
    };
    // A template of wildcards only (`<*>`, from messages that are bare numbers or ids) fits
    // every message: it says nothing of what is new, and would hide every new template.
    let specific = |template: &str| {
        template
            .split("<*>")
            .any(|part| part.chars().any(char::is_alphanumeric))
    };
    // Mining two runs can keep a constant in one template and generalise it in the other:
    // a template that overlaps a baseline template is not new.
    // Nor is one whose example fits a baseline template, or that a baseline example fits.
    let is_new = |t: &&crate::report::TemplateEntry| {
        use crate::mine::{template_matches, templates_overlap};
        let covered = || {
            b.templates.iter().any(|x| {
                specific(&x.template)
                    && (templates_overlap(&x.template, &t.template)
                        || template_matches(&x.template, &t.example)
                        || template_matches(&t.template, &x.example))
            })
        };
        !known.contains(t.template.as_str()) && (!specific(&t.template) || !covered())
    };
    let at_levels = |t: &crate::report::TemplateEntry| -> u64 {
        levels
            .iter()
            .map(|l| t.levels.get(*l).copied().unwrap_or(0))
            .sum()
    };
    let unbounded = c
        .templates
        .iter()
        .filter(is_new)
        .filter(|t| cut_off(class(t)).is_none() && at_levels(t) > 0)
        .count();
    let is_new = |t: &&crate::report::TemplateEntry| is_new(t) && cut_off(class(t)).is_some();
    let candidates = c.templates.iter().filter(is_new).count();
    let alpha = rules.alpha / candidates.max(1) as f64;
    let findings = c
        .templates
        .iter()
        .filter(is_new)
        .filter_map(|t| {
            let n = at_levels(t);
            // Absent from a list that was cut: its baseline count is at most the cut-off.
            let bound = cut_off(class(t)).unwrap_or_default();
            (n > 0).then(|| {
                let mut f = count_finding(
                    format!("template {}", t.template),
                    (bound, exposure(b)),
                    (n, exposure(c)),
                    rules.pattern_rate_ratio,
                    alpha,
                );
                if bound > 0 {
                    f.reason.push_str(&format!(
                        " (not in the baseline's list, which was cut at {bound}: compared with that bound)"
                    ));
                }
                f.evidence = vec![t.example.clone()];
                f
            })
        })
        .collect();
    let mut o = outcome("new_templates", findings, None);
    if unbounded > 0 {
        o.summary.push_str(&format!(
            "; {unbounded} not compared (the baseline's list of {top} was filled by more severe templates: raise its --top)"
        ));
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_from_toml_with_defaults_and_errors() {
        let r = Rules::from_toml("[check]\nalpha = 0.01\npercentiles = [\"p99\"]\n").unwrap();
        assert_eq!(r.alpha, 0.01);
        assert_eq!(r.percentiles, ["p99"]);
        assert_eq!(r.min_samples, Rules::default().min_samples);
        assert_eq!(Rules::from_toml("").unwrap(), Rules::default());
        assert!(Rules::from_toml("[check]\nalpah = 0.01\n")
            .unwrap_err()
            .contains("alpah"));
        assert!(Rules::from_toml("[check]\npercentiles = [\"p42\"]\n").is_err());
        assert!(Rules::from_toml("[check]\nalpha = 2\n").is_err());
        let e = Rules::from_toml("[check]\nerror_rate_ratio = -1e308\n").unwrap_err();
        assert!(e.ends_with("not -1e308"), "{e}");
        let e = Rules::from_toml("[check]\npattern_rate_ratio = 0.5\n").unwrap_err();
        assert!(e.ends_with("not 0.5"), "{e}");
    }
}
