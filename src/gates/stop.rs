//! The hook side of gates: PostToolUse records the touched file in the session's ledger; Stop
//! runs the configured tier on what changed and, when a critical gate fails (or the alerts
//! escalate to CRITICAL), sends Claude back with what to fix.
//!
//! Loops cannot happen: gates run only when the changed files differ from the last run (so a
//! continuation that changed nothing is answered silently), blocks in a row are counted per
//! session and capped by `max_blocks` (after which the user is told instead), and the count
//! starts again only on a Stop that is not itself a continuation (`stop_hook_active: false`).
//! Nothing runs while background tasks are still working.

use std::path::Path;
use std::time::Duration;

use super::alerts::{self, Severity};
use super::engine::{Request, run_tier};
use super::ledger::{self, StopState};
use super::model::{GateResult, RunStatus};
use super::select::{FileSet, git_changed};
use super::settings::GateSettings;
use super::{config, kpi, report};
use crate::app::Ctx;
use crate::hook::{HookInput, Response};

/// The file tools whose edits the ledger records.
pub const FILE_TOOLS: [&str; 4] = ["Write", "Edit", "MultiEdit", "NotebookEdit"];

/// The session id of the hook, else Claude Code's environment, else a shared fallback.
pub fn session_id(ctx: &Ctx, input: &HookInput) -> String {
    input
        .session_id
        .clone()
        .or_else(|| ctx.env.session_id.clone())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// PostToolUse: append the edited file to the session's ledger.
pub fn record_edit(ctx: &Ctx, input: &HookInput, _out: &mut Response) -> anyhow::Result<()> {
    let tool = input.tool_name.as_deref().unwrap_or("");
    if !FILE_TOOLS.contains(&tool) {
        return Ok(());
    }
    let Some(path) = input.tool_file_path() else {
        return Ok(());
    };
    ledger::record(&ctx.paths, &session_id(ctx, input), &path, tool)
}

/// Changed files of the session, relative to the project: the ledger's (inside the project)
/// and what `git status` reports (edits made through Bash never reach PostToolUse). Git runs
/// while the ledger is read.
pub fn changed_files(ctx: &Ctx, project: &Path, session: &str) -> Vec<String> {
    let mut files: Vec<String> = std::thread::scope(|s| {
        let git = s.spawn(|| git_changed(project));
        let mut files: Vec<String> = ledger::touched(&ctx.paths, session)
            .iter()
            .filter_map(|p| relative(project, p))
            .collect();
        files.extend(git.join().ok().flatten().unwrap_or_default());
        files
    });
    files.sort();
    files.dedup();
    files
}

fn relative(project: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(project).ok()?;
    let text = rel.to_string_lossy();
    (!text.is_empty()).then(|| text.into_owned())
}

/// Stop: run the tier on what changed; block on critical failures, within the loop limits.
pub fn on_stop(ctx: &Ctx, input: &HookInput, out: &mut Response) -> anyhow::Result<()> {
    if ctx.env.gates_off || input.background_tasks > 0 {
        return Ok(());
    }
    let (settings, _) = ctx.config.section::<GateSettings>("gates");
    if !settings.enabled {
        return Ok(());
    }
    let Some(project) = ctx.paths.project.clone() else {
        return Ok(());
    };
    let session = session_id(ctx, input);
    let saved = ledger::load_state(&ctx.paths, &session);
    let mut state = saved.clone();
    if !input.stop_hook_active {
        state.consecutive_blocks = 0;
    }
    let changed = changed_files(ctx, &project, &session);
    let fingerprint = ledger::fingerprint(&project, &changed);
    if changed.is_empty() || fingerprint == state.fingerprint {
        if state != saved {
            ledger::save_state(&ctx.paths, &session, &state)?;
        }
        return Ok(());
    }
    let report = run_on(ctx, &project, &settings, &changed, out)?;
    if let Err(e) = kpi::append(&ctx.paths, Some(&session), "stop", &report) {
        ctx.log.warn(&format!("cannot write the KPI event: {e:#}"));
    }
    state.fingerprint = fingerprint;
    state.last_status = format!("{:?}", report.status).to_lowercase();
    answer(ctx, &settings, &report, &mut state, out);
    ledger::save_state(&ctx.paths, &session, &state)
}

fn run_on(
    ctx: &Ctx,
    project: &Path,
    settings: &GateSettings,
    changed: &[String],
    out: &mut Response,
) -> anyhow::Result<super::model::RunReport> {
    let (gates, diags) = config::load(&ctx.paths);
    let (alerts_cfg, alert_diags) = alerts::load(&ctx.paths);
    let errors: Vec<String> = diags
        .iter()
        .chain(&alert_diags)
        .filter(|d| d.is_error())
        .map(ToString::to_string)
        .collect();
    if let Some(first) = errors.first() {
        ctx.log
            .warn(&format!("gates config: {}", errors.join("; ")));
        out.add_system_message(format!(
            "sfp: gates config error, that layer is ignored: {first} (`sfp gates check`)"
        ));
    }
    let files: Vec<String> = changed
        .iter()
        .filter(|f| project.join(f).is_file())
        .cloned()
        .collect();
    // Claude Code terminates a hook that overruns its timeout: the gates' groups go with it.
    crate::process::catch_interrupt();
    let req = Request {
        tier: &settings.stop_tier,
        set: FileSet { all: false, files },
        only: &[],
        jobs: settings.jobs,
        budget: Some(Duration::from_secs(settings.budget.max(1))),
    };
    run_tier(&ctx.env, project, &gates, &alerts_cfg, &req)
}

fn answer(
    ctx: &Ctx,
    settings: &GateSettings,
    report: &super::model::RunReport,
    state: &mut StopState,
    out: &mut Response,
) {
    let escalated = report
        .alerts
        .iter()
        .any(|a| a.severity == Severity::Critical);
    let blocking: Vec<&GateResult> = if escalated {
        report.failures().collect()
    } else {
        report.critical_failures().collect()
    };
    ctx.log.info(&format!(
        "{} ({} ms)",
        report::one_line(report),
        report.duration_ms
    ));
    if let Some(note) = &report.budget_note {
        out.add_system_message(format!("sfp gates: {note}"));
    }
    if blocking.is_empty() {
        state.consecutive_blocks = 0;
        if report.status != RunStatus::Passed {
            out.add_system_message(report::one_line(report));
        }
        return;
    }
    let names: Vec<&str> = blocking.iter().map(|g| g.name.as_str()).collect();
    if state.consecutive_blocks >= settings.max_blocks {
        out.add_system_message(format!(
            "sfp gates still fail after {} attempts ({}); not sending Claude back again. \
             Run `sfp gates` to see them.",
            state.consecutive_blocks,
            names.join(", ")
        ));
        return;
    }
    state.consecutive_blocks += 1;
    out.block(report::block_reason(report, &blocking));
    out.add_system_message(format!(
        "sfp gates: {} failed; Claude was sent back to fix it (attempt {} of {})",
        names.join(", "),
        state.consecutive_blocks,
        settings.max_blocks
    ));
}
