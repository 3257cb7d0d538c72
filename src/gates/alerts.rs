//! Alert escalation from `alerts.yaml`: the share of gates of one run that failed, and the share
//! that timed out, each graded critical, high, medium or low against thresholds (the first level
//! reached, from critical down, wins). A CRITICAL failure-rate alert makes the Stop hook send
//! Claude back (for the gates that failed on the code) even when no critical gate failed; a
//! timeout-rate alert is reported, never a reason to send Claude back. Runs with fewer gates than `min_gates` are not graded, so one
//! failing lint on a two-gate project does not read as a collapse.

use serde::Deserialize;

pub(super) use super::model::{Alert, Severity};
use super::model::{GateResult, GateStatus};
use crate::config::{ConfigFile, Diagnostic};

pub(crate) const FILE: &str = "alerts.yaml";

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub(crate) struct Rates {
    pub failure_rate: Option<f64>,
    pub timeout_rate: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub(crate) struct Thresholds {
    pub critical: Rates,
    pub high: Rates,
    pub medium: Rates,
    pub low: Rates,
}

/// `alerts.yaml`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default)]
pub(crate) struct AlertsConfig {
    /// Fewer gates run than this: no alert.
    pub min_gates: usize,
    pub thresholds: Thresholds,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        Self {
            min_gates: 3,
            thresholds: Thresholds::default(),
        }
    }
}

/// `alerts.yaml` for [`crate::config::load`]: every layer merged key by key.
impl ConfigFile for AlertsConfig {
    const FILE: &'static str = FILE;
    type Doc = Self;

    fn assemble(docs: Vec<(Self, String)>, _: &mut Vec<Diagnostic>) -> Self {
        crate::config::merged(docs)
    }
}

/// The alerts a run raises, most severe first.
pub(super) fn evaluate(cfg: &AlertsConfig, results: &[GateResult]) -> Vec<Alert> {
    let ran = results.iter().filter(|r| r.status.ran()).count();
    if ran == 0 || ran < cfg.min_gates {
        return Vec::new();
    }
    #[expect(clippy::cast_precision_loss, reason = "gate counts are small")]
    let rate = |status: &[GateStatus]| {
        results
            .iter()
            .filter(|r| status.contains(&r.status))
            .count() as f64
            / ran as f64
    };
    let failure = rate(&[GateStatus::Failed, GateStatus::Error]);
    let timeout = rate(&[GateStatus::TimedOut]);
    let mut out: Vec<Alert> = [("failure_rate", failure), ("timeout_rate", timeout)]
        .into_iter()
        .filter_map(|(metric, value)| grade(&cfg.thresholds, metric, value))
        .collect();
    out.sort_by_key(|a| std::cmp::Reverse(a.severity));
    out
}

fn grade(t: &Thresholds, metric: &'static str, value: f64) -> Option<Alert> {
    let levels = [
        (Severity::Critical, &t.critical),
        (Severity::High, &t.high),
        (Severity::Medium, &t.medium),
        (Severity::Low, &t.low),
    ];
    levels.into_iter().find_map(|(severity, rates)| {
        let threshold = if metric == "timeout_rate" {
            rates.timeout_rate
        } else {
            rates.failure_rate
        }?;
        (value > 0.0 && value >= threshold).then_some(Alert {
            severity,
            metric,
            value,
            threshold,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Layer, LayerKind};

    fn result(status: GateStatus) -> GateResult {
        GateResult {
            name: "g".into(),
            status,
            required: true,
            critical: false,
            duration_ms: 1,
            exit_code: None,
            signal: None,
            reason: None,
            output: String::new(),
            output_bytes: 0,
            fix: None,
            leaked: false,
            files: 0,
            cached: false,
            problems: None,
            attribution: crate::gates::attribution::Mode::Lines,
            root: None,
            new_diagnostics: Vec::new(),
        }
    }

    fn shipped() -> AlertsConfig {
        let layer = Layer {
            kind: LayerKind::Embedded,
            path: None,
            display: "<embedded>/alerts.yaml".into(),
            text: crate::config::embedded(FILE).expect("embedded").into(),
        };
        let (cfg, warnings) = crate::config::parse_document::<AlertsConfig>(&layer).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        cfg
    }

    #[test]
    fn grades_failure_and_timeout_rates() {
        use GateStatus::{Failed, Passed, Skipped, TimedOut};
        let cfg = shipped();
        let all_fail: Vec<_> = [Failed, Failed, Failed, Passed].map(result).to_vec();
        let alerts = evaluate(&cfg, &all_fail);
        assert_eq!(alerts[0].severity, Severity::Critical, "{alerts:?}");
        assert!(
            alerts[0]
                .message()
                .starts_with("[CRITICAL] gate failure rate 75%")
        );
        let one: Vec<_> = [
            Failed, Passed, Passed, Passed, Passed, Passed, Passed, Passed, Passed, Passed,
        ]
        .map(result)
        .to_vec();
        assert_eq!(evaluate(&cfg, &one)[0].severity, Severity::Low);
        let timeouts: Vec<_> = [TimedOut, Passed, Passed, Skipped].map(result).to_vec();
        let alerts = evaluate(&cfg, &timeouts);
        assert_eq!(alerts[0].metric, "timeout_rate");
        assert!(evaluate(&cfg, &[Passed, Passed, Passed].map(result)).is_empty());
        assert!(
            evaluate(&cfg, &[Failed, Failed].map(result)).is_empty(),
            "below min_gates"
        );
    }
}
