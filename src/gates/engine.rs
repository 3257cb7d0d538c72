//! One gate run from start to verdict, shared by the terminal and the Stop hook: pick the tier,
//! plan it against the file set, run it, grade it with the alerts, log the KPI event.

use std::path::Path;
use std::time::{Duration, Instant};

use super::alerts::{self, AlertsConfig};
use super::cache::Cache;
use super::model::{RunReport, RunStatus};
use super::schedule::{RunOptions, run};
use super::select::{FileSet, plan};
use super::tiers::GatesConfig;
use crate::env::Env;
use crate::paths::Paths;

/// Why gates were not run. Every kind is the user's mistake (exit 1): a gate that fails is a
/// verdict in the report, not an error, and a gate that cannot start is a failed gate.
#[derive(Debug, thiserror::Error)]
pub(crate) enum GateError {
    #[error("no tier `{tier}` in gates.yaml (tiers: {})", if known.is_empty() { "none".to_owned() } else { known.join(", ") })]
    UnknownTier { tier: String, known: Vec<String> },
    #[error("no gate `{gate}` in tier `{tier}`")]
    UnknownGate { gate: String, tier: String },
    #[error("no project directory (pass --project DIR)")]
    NoProject,
    #[error("--changed needs a git work tree; {} is not one (use --all-files)", .0.display())]
    NotAWorkTree(std::path::PathBuf),
}

impl GateError {
    pub(crate) fn is_user_error(&self) -> bool {
        match self {
            Self::UnknownTier { .. }
            | Self::UnknownGate { .. }
            | Self::NoProject
            | Self::NotAWorkTree(_) => true,
        }
    }
}

/// What to run.
#[derive(Debug, Clone)]
pub(super) struct Request<'a> {
    pub tier: &'a str,
    pub set: FileSet,
    /// Only these gates (`--gate`), or all.
    pub only: &'a [String],
    pub jobs: usize,
    pub budget: Option<Duration>,
    /// Reuse and keep results in the content-keyed cache.
    pub cache: bool,
}

/// Runs `req` in `project`.
pub(super) fn run_tier(
    env: &Env,
    paths: &Paths,
    project: &Path,
    gates: &GatesConfig,
    alerts_cfg: &AlertsConfig,
    req: &Request<'_>,
) -> anyhow::Result<RunReport> {
    let Some(tier) = gates.tier(req.tier) else {
        return Err(GateError::UnknownTier {
            tier: req.tier.to_owned(),
            known: gates.tiers.iter().map(|t| t.name.clone()).collect(),
        }
        .into());
    };
    if let Some(unknown) = req
        .only
        .iter()
        .find(|n| !tier.gates.iter().any(|g| &g.name == *n))
    {
        return Err(GateError::UnknownGate {
            gate: unknown.clone(),
            tier: tier.name.clone(),
        }
        .into());
    }
    let started = Instant::now();
    let planned = plan(tier, &req.set, env, project, req.only);
    let deadline = req.budget.map_or(crate::hook::Deadline::NONE, |b| {
        crate::hook::Deadline::after(started, b)
    });
    let cache = req
        .cache
        .then(|| Cache::new(&paths.sfp_home, project).until(deadline));
    let outcome = run(
        &planned,
        &RunOptions {
            project,
            jobs: req.jobs,
            fail_fast: tier.fail_fast,
            budget: req.budget,
            set: &req.set,
            cache: cache.as_ref(),
            env,
        },
    );
    let status = RunReport::verdict(&outcome.results, outcome.interrupted);
    let alerts = if status == RunStatus::Interrupted {
        Vec::new()
    } else {
        alerts::evaluate(alerts_cfg, &outcome.results)
    };
    let budget_note = outcome.budget_hit.then(|| {
        format!(
            "the run's time budget of {} s ran out; gates still running were stopped",
            req.budget.map_or(0, |b| b.as_secs())
        )
    });
    Ok(RunReport {
        tier: tier.name.clone(),
        status,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        files: if req.set.all { "all" } else { "changed" },
        file_count: req.set.files.len(),
        gates: outcome.results,
        alerts,
        budget_note,
    })
}
