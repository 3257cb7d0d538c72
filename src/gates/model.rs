//! What a gate run produces: one [`GateResult`] per gate, in config order, and the [`RunReport`]
//! that the table, the JSON output, the Stop hook and the KPI log are made from.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum GateStatus {
    Passed,
    Failed,
    TimedOut,
    /// The command could not be started.
    Error,
    /// Not run: a `when` condition, no matching file, disabled, SFP_SKIP, run budget.
    Skipped,
    /// Stopped by fail-fast or Ctrl-C.
    Cancelled,
}

impl GateStatus {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Failed => "failed",
            Self::TimedOut => "timed out",
            Self::Error => "error",
            Self::Skipped => "skipped",
            Self::Cancelled => "cancelled",
        }
    }

    /// Whether the gate ran and did not pass.
    pub(super) fn is_failure(self) -> bool {
        matches!(self, Self::Failed | Self::TimedOut | Self::Error)
    }

    /// Whether the gate found something to fix in the code: it exited non-zero or was killed by
    /// a signal of its own. A timeout, a gate that could not start or one cut off by the run's
    /// budget is a failure of the run, not something sending Claude back can fix.
    pub(super) fn is_fixable(self) -> bool {
        self == Self::Failed
    }

    /// Whether the gate ran at all.
    pub(super) fn ran(self) -> bool {
        matches!(
            self,
            Self::Passed | Self::Failed | Self::TimedOut | Self::Error
        )
    }
}

/// One gate's result.
#[derive(Debug, Clone, Serialize)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent facts of one result"
)]
pub(super) struct GateResult {
    pub name: String,
    pub status: GateStatus,
    pub required: bool,
    pub critical: bool,
    pub duration_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
    /// Why it was skipped, timed out or could not start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What the gate printed (head and tail when long).
    pub output: String,
    pub output_bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// Processes the gate left running were killed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub leaked: bool,
    /// How many files the gate was given.
    pub files: usize,
    /// The result is a stored one: the gate ran before on this same content and definition.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub cached: bool,
    /// For a failure, how many of its located problems are on lines this session changed
    /// (`new`) and how many were there before (`pre_existing`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problems: Option<Problems>,
    /// How the gate's failures are attributed, and where it ran (relative to the project).
    #[serde(skip)]
    pub attribution: super::attribution::Mode,
    #[serde(skip)]
    pub root: Option<std::path::PathBuf>,
    /// The problems the session introduced, when attributed (the block reason lists these).
    #[serde(skip)]
    pub new_diagnostics: Vec<super::attribution::Diagnostic>,
}

/// New and pre-existing problems of a failing gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(super) struct Problems {
    pub new: usize,
    pub pre_existing: usize,
}

impl GateResult {
    /// A failure whose every located problem predates the session.
    pub(super) fn is_pre_existing(&self) -> bool {
        self.problems
            .is_some_and(|p| p.new == 0 && p.pre_existing > 0)
    }
}

impl GateResult {
    /// A result for a gate that did not run.
    pub(super) fn not_run(gate: &super::tiers::Gate, status: GateStatus, reason: String) -> Self {
        Self {
            name: gate.name.clone(),
            status,
            required: gate.required,
            critical: gate.critical,
            duration_ms: 0,
            exit_code: None,
            signal: None,
            reason: Some(reason),
            output: String::new(),
            output_bytes: 0,
            fix: gate.fix.clone(),
            leaked: false,
            files: 0,
            cached: false,
            problems: None,
            attribution: gate.attribution,
            root: gate.root.clone(),
            new_diagnostics: Vec::new(),
        }
    }

    /// A failure that makes the run fail (exit 1): a required or critical gate.
    pub(super) fn is_blocking(&self) -> bool {
        self.status.is_failure() && (self.required || self.critical)
    }
}

/// Overall verdict of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum RunStatus {
    Passed,
    /// Only gates that are neither required nor critical failed.
    Warned,
    Failed,
    Interrupted,
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct RunReport {
    pub tier: String,
    pub status: RunStatus,
    pub duration_ms: u64,
    /// `changed` or `all`.
    pub files: &'static str,
    pub file_count: usize,
    pub gates: Vec<GateResult>,
    pub alerts: Vec<Alert>,
    /// Set when the run budget cut the run short.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget_note: Option<String>,
}

impl RunReport {
    pub(super) fn failures(&self) -> impl Iterator<Item = &GateResult> {
        self.gates.iter().filter(|g| g.status.is_failure())
    }

    /// Gates that failed on the code (see [`GateStatus::is_fixable`]).
    pub(super) fn fixable_failures(&self) -> impl Iterator<Item = &GateResult> {
        self.gates.iter().filter(|g| g.status.is_fixable())
    }

    /// Critical gates that failed on the code: these make the Stop hook send Claude back.
    pub(super) fn critical_failures(&self) -> impl Iterator<Item = &GateResult> {
        self.fixable_failures().filter(|g| g.critical)
    }

    /// Gates that failed only on problems older than the session.
    pub(super) fn pre_existing(&self) -> impl Iterator<Item = &GateResult> {
        self.fixable_failures().filter(|g| g.is_pre_existing())
    }

    pub(super) fn verdict(gates: &[GateResult], interrupted: bool) -> RunStatus {
        if interrupted {
            RunStatus::Interrupted
        } else if gates.iter().any(GateResult::is_blocking) {
            RunStatus::Failed
        } else if gates.iter().any(|g| g.status.is_failure()) {
            RunStatus::Warned
        } else {
            RunStatus::Passed
        }
    }
}

/// The level of an alert (see [`super::alerts`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub(super) enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Low => "LOW",
            Self::Medium => "MEDIUM",
            Self::High => "HIGH",
            Self::Critical => "CRITICAL",
        }
    }
}

/// One threshold crossed.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Alert {
    pub severity: Severity,
    /// `failure_rate` or `timeout_rate`.
    pub metric: &'static str,
    pub value: f64,
    pub threshold: f64,
}

impl Alert {
    pub(super) fn message(&self) -> String {
        let what = if self.metric == "timeout_rate" {
            "timeout rate"
        } else {
            "failure rate"
        };
        format!(
            "[{}] gate {what} {:.0}% ≥ {:.0}%",
            self.severity.as_str(),
            self.value * 100.0,
            self.threshold * 100.0
        )
    }
}
