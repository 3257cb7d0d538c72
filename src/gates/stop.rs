//! The hook side of gates: PostToolUse records the touched file in the session's ledger; Stop
//! runs the configured tier on what changed and, when a critical gate fails on the code (or the
//! failure rate escalates to CRITICAL), sends Claude back with what to fix. Timeouts, gates that
//! could not start and the run budget running out are told to the user, never sent to Claude.
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

/// The session id of the hook, else a shared fallback.
pub fn session_id(input: &HookInput) -> &str {
    input.session_id.as_deref().unwrap_or("unknown")
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
    ledger::record(&ctx.paths, session_id(input), &path, tool)
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
    let session = session_id(input);
    // An unreadable state means the count of blocks in a row is unknown: a continuation is then
    // never sent back again (it may be the fourth of a chain that should have stopped at three).
    let (saved, readable) = match ledger::load_state(&ctx.paths, session) {
        Ok(state) => (state, true),
        Err(e) => {
            ctx.log.warn(&format!("gates state: {e:#}"));
            (StopState::default(), false)
        }
    };
    let mut state = saved.clone();
    if !input.stop_hook_active {
        state.consecutive_blocks = 0;
    }
    let changed = changed_files(ctx, &project, session);
    let fingerprint = ledger::fingerprint(&project, &changed);
    if changed.is_empty() || fingerprint == state.fingerprint {
        if state != saved {
            ledger::save_state(&ctx.paths, session, &state)?;
        }
        return Ok(());
    }
    let report = run_on(ctx, &project, &settings, &changed, session, out)?;
    if let Err(e) = kpi::append(&ctx.paths, Some(session), "stop", &report) {
        ctx.log.warn(&format!("cannot write the KPI event: {e:#}"));
    }
    state.fingerprint = fingerprint;
    state.last_status = format!("{:?}", report.status).to_lowercase();
    let block = answer(ctx, &settings, &report, &mut state, out);
    let reason = block.as_ref().map(|b| b.reason.as_str());
    if let Err(e) = super::session::save_last(&ctx.paths, session, &report, reason) {
        ctx.log
            .warn(&format!("cannot record the last gates run: {e:#}"));
    }
    let Some(block) = block else {
        return ledger::save_state(&ctx.paths, session, &state);
    };
    if !readable && input.stop_hook_active {
        out.add_system_message(format!(
            "sfp gates: {} failed; the session's gate state could not be read, so Claude is not \
             sent back again. Run `sfp gates` to see them.",
            block.names
        ));
        return Ok(());
    }
    // The raised count must be on disk before Claude is sent back: a block that is not counted
    // would be repeated at every Stop, past `max_blocks`, forever.
    if let Err(e) = ledger::save_state(&ctx.paths, session, &state) {
        ctx.log
            .warn(&format!("gates state not saved, not blocking: {e:#}"));
        out.add_system_message(format!(
            "sfp gates: {} failed, and the session's gate state could not be saved ({e}); \
             Claude is not sent back. Run `sfp gates` to see them.",
            block.names
        ));
        return Ok(());
    }
    out.block(block.reason);
    out.add_system_message(format!(
        "sfp gates: {} failed; Claude was sent back to fix it (attempt {} of {})",
        block.names, state.consecutive_blocks, settings.max_blocks
    ));
    Ok(())
}

fn run_on(
    ctx: &Ctx,
    project: &Path,
    settings: &GateSettings,
    changed: &[String],
    session: &str,
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
    let env = super::session::with_skips(&ctx.env, &ctx.paths, Some(session));
    run_tier(&env, project, &gates, &alerts_cfg, &req)
}

/// A block decided on, to be sent once the raised count is saved.
struct Block {
    reason: String,
    /// The gates that failed, comma-separated.
    names: String,
}

/// The user's messages for a run, and the block to send when one is due (with the count in
/// `state` already raised).
fn answer(
    ctx: &Ctx,
    settings: &GateSettings,
    report: &super::model::RunReport,
    state: &mut StopState,
    out: &mut Response,
) -> Option<Block> {
    // Only failures Claude can fix send it back: timeouts, gates that could not start and the
    // budget running out are the user's to look at, and a timeout rate never escalates.
    let escalated = report
        .alerts
        .iter()
        .any(|a| a.severity == Severity::Critical && a.metric != "timeout_rate");
    let blocking: Vec<&GateResult> = if escalated {
        report.fixable_failures().collect()
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
        return None;
    }
    let unfixable: Vec<String> = report
        .failures()
        .filter(|g| !g.status.is_fixable())
        .map(|g| format!("{} {}", g.name, g.status.as_str()))
        .collect();
    if !unfixable.is_empty() {
        out.add_system_message(format!(
            "sfp gates ({}): {} (not sent to Claude)",
            report.tier,
            unfixable.join(", ")
        ));
    }
    let names: Vec<&str> = blocking.iter().map(|g| g.name.as_str()).collect();
    if state.consecutive_blocks >= settings.max_blocks {
        out.add_system_message(format!(
            "sfp gates still fail after {} attempts ({}); not sending Claude back again. \
             Run `sfp gates` to see them.",
            state.consecutive_blocks,
            names.join(", ")
        ));
        return None;
    }
    state.consecutive_blocks += 1;
    Some(Block {
        reason: report::block_reason(report, &blocking),
        names: names.join(", "),
    })
}
