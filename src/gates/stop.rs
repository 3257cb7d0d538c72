//! The hook side of gates: PostToolUse records the touched file in the session's ledger (with
//! its content before the first touch, as line hashes); Stop runs the configured tier on what
//! changed and, when a critical gate fails on problems the session introduced (or the failure
//! rate escalates to CRITICAL), sends Claude back with what to fix. Timeouts, gates that could
//! not start, the run budget running out, alerts and failures that predate the session are told
//! to the user, never sent to Claude.
//!
//! A failure is never let through in silence: when Claude stops again and the last run sent it
//! back, it is sent back again ("attempt N of M"), whether or not anything changed (when nothing
//! did, the result cache gives the same results, so the same reason). `max_blocks` blocks in a row for the same failing
//! gates end the loop: from then on the user is told which gates still fail, and Claude is not
//! sent back for them. The count starts again when the set of failing gates changes or the gates
//! pass. Nothing changed since a run that passed is answered silently without running anything,
//! and nothing runs while background tasks are still working (the Stop after them runs).

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use super::alerts::{Alert, AlertsConfig, Severity};
use super::attribution;
use super::engine::{Request, run_tier};
use super::model::{GateResult, Problems, RunStatus};
use super::select::FileSet;
use super::settings::GateSettings;
use super::stop_state::{self, StopState};
use super::tiers::GatesConfig;
use super::{kpi, report};
use crate::app::Ctx;
use crate::hook::{HookInput, Response};
use crate::session::{Session, ledger};

/// The file tools whose edits the ledger records.
pub(super) const FILE_TOOLS: [&str; 4] = ["Write", "Edit", "MultiEdit", "NotebookEdit"];

/// The session id of the hook, else a shared fallback.
pub(super) fn session_id(input: &HookInput) -> &str {
    input.session_id.as_deref().unwrap_or("unknown")
}

/// PostToolUse: append the edited file to the session's ledger, and keep its content from
/// before the session's first edit (the CLI's `tool_response.originalFile`) for attribution.
pub(crate) fn record_edit(ctx: &Ctx, input: &HookInput, _out: &mut Response) -> anyhow::Result<()> {
    let tool = input.tool_name.as_deref().unwrap_or("");
    if !FILE_TOOLS.contains(&tool) {
        return Ok(());
    }
    let Some(path) = input.tool_file_path() else {
        return Ok(());
    };
    let session = session_id(input);
    if let Some(original) = input
        .tool_response
        .as_ref()
        .and_then(|r| r.get("originalFile"))
        && let Err(e) = stop_state::record_base(&ctx.paths, session, &path, original.as_str())
    {
        ctx.log
            .warn(&format!("gates: cannot keep the base of a file: {e:#}"));
    }
    ledger::record(&Session::new(&ctx.paths, session), &path, tool)
}

/// Changed files of the session, relative to the project: the ledger's (inside the project)
/// and what `git status` reports (edits made through Bash never reach PostToolUse). Git runs
/// while the ledger is read.
pub(super) fn changed_files(ctx: &Ctx, project: &Path, session: &str) -> Vec<String> {
    let mut files: Vec<String> = std::thread::scope(|s| {
        let git = s.spawn(|| crate::git::Git::new(project, ctx.deadline).changed());
        let mut files: Vec<String> = ledger::touched(&Session::new(&ctx.paths, session))
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

/// Stop: run the tier on what changed; block on failures the session introduced, within the
/// loop limits.
pub(crate) fn on_stop(ctx: &Ctx, input: &HookInput, out: &mut Response) -> anyhow::Result<()> {
    if ctx.env.gates_off {
        return Ok(());
    }
    if input.background_tasks > 0 {
        // Claude is not done: the Stop after the tasks runs the gates (nothing is recorded, so
        // a failure pending from the last run is still sent back then).
        ctx.log.debug(&format!(
            "gates: {} background task(s) at work; gates wait for a later Stop",
            input.background_tasks
        ));
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
    let (saved, readable) = match stop_state::load_state(&ctx.paths, session) {
        Ok(state) => (state, true),
        Err(e) => {
            ctx.log.warn(&format!("gates state: {e:#}"));
            (StopState::default(), false)
        }
    };
    let mut state = saved.clone();
    let changed = changed_files(ctx, &project, session);
    if ctx.deadline.passed() {
        // git status may have been cut short: what changed is unknown, and the next Stop runs.
        ctx.log
            .warn("gates cut: the Stop hook's deadline passed while listing the changed files");
        return Ok(());
    }
    let fingerprint = stop_state::fingerprint(&project, &changed);
    if changed.is_empty() {
        // Nothing changed, or everything the session changed is back as it was: nothing to fail.
        if state.failing.is_empty() {
            return Ok(());
        }
        let state = StopState {
            fingerprint,
            last_status: "passed".to_owned(),
            ..StopState::default()
        };
        return stop_state::save_state(&ctx.paths, session, &state);
    }
    if fingerprint == state.fingerprint && state.failing.is_empty() {
        return Ok(());
    }
    // Something changed, or the last run sent Claude back: run (again). When nothing changed the
    // cache answers with the same results, so Claude gets the same reason, one attempt more;
    // a gate switched off meanwhile is honoured.
    let mut report = run_on(ctx, &project, &settings, &changed, session, out)?;
    attribute(ctx, &project, session, &changed, &mut report);
    if let Err(e) = kpi::append(&ctx.paths, Some(session), "stop", &report) {
        ctx.log.warn(&format!("cannot write the KPI event: {e:#}"));
    }
    // An interrupted run checked nothing: the next Stop runs again.
    if report.status != RunStatus::Interrupted {
        state.fingerprint = fingerprint;
    }
    state.last_status = format!("{:?}", report.status).to_lowercase();
    let block = answer(ctx, &report, &mut state, out);
    let reason = block.as_ref().map(|b| b.reason.as_str());
    if let Err(e) = super::session::save_last(&ctx.paths, session, &report, reason) {
        ctx.log
            .warn(&format!("cannot record the last gates run: {e:#}"));
    }
    let Some(block) = block else {
        return stop_state::save_state(&ctx.paths, session, &state);
    };
    send_back(
        ctx, &settings, input, readable, session, &mut state, &block, out,
    )
}

/// Sends Claude back with `block`, or, at `max_blocks` blocks in a row, tells the user instead.
#[expect(
    clippy::too_many_arguments,
    reason = "one call site, each argument is distinct"
)]
fn send_back(
    ctx: &Ctx,
    settings: &GateSettings,
    input: &HookInput,
    readable: bool,
    session: &str,
    state: &mut StopState,
    block: &Block,
    out: &mut Response,
) -> anyhow::Result<()> {
    if state.consecutive_blocks >= settings.max_blocks {
        ctx.log.info(&format!(
            "gates: {} still fail after {} attempts; Claude is not sent back",
            block.names, state.consecutive_blocks
        ));
        out.add_system_message(format!(
            "sfp gates: {} still fail after {} attempts; Claude is not sent back for them \
             again. Run `sfp gates` to see them.",
            block.names, state.consecutive_blocks
        ));
        return stop_state::save_state(&ctx.paths, session, state);
    }
    if !readable && input.stop_hook_active {
        out.add_system_message(format!(
            "sfp gates: {} failed; the session's gate state could not be read, so Claude is not \
             sent back again. Run `sfp gates` to see them.",
            block.names
        ));
        return Ok(());
    }
    state.consecutive_blocks += 1;
    // The raised count must be on disk before Claude is sent back: a block that is not counted
    // would be repeated at every Stop, past `max_blocks`, forever.
    if let Err(e) = stop_state::save_state(&ctx.paths, session, state) {
        ctx.log
            .warn(&format!("gates state not saved, not blocking: {e:#}"));
        out.add_system_message(format!(
            "sfp gates: {} failed, and the session's gate state could not be saved ({e}); \
             Claude is not sent back. Run `sfp gates` to see them.",
            block.names
        ));
        return Ok(());
    }
    let (n, max) = (state.consecutive_blocks, settings.max_blocks);
    out.block(format!(
        "{}\nAttempt {n} of {max}: after {max} the user is told instead.",
        block.reason.trim_end()
    ));
    out.add_system_message(format!(
        "sfp gates: {} failed; Claude was sent back to fix it (attempt {n} of {max})",
        block.names
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
    let gates = crate::config::load::<GatesConfig>(&ctx.paths);
    let alerts_cfg = crate::config::load::<AlertsConfig>(&ctx.paths);
    let errors: Vec<String> = gates
        .diagnostics
        .iter()
        .chain(&alerts_cfg.diagnostics)
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
        budget: Some(run_budget(ctx, settings)),
        cache: true,
    };
    let env = super::session::with_skips(&ctx.env, &ctx.paths, Some(session));
    run_tier(
        &env,
        &ctx.paths,
        project,
        &gates.value,
        &alerts_cfg.value,
        &req,
    )
}

/// Time kept back from the hook's deadline after the gates: stopping and killing the trees of
/// gates still running, attribution and saving the state.
const AFTER_GATES: Duration = Duration::from_secs(3);

/// The gates' budget: the configured one, cut so that the hook still ends by its deadline.
fn run_budget(ctx: &Ctx, settings: &GateSettings) -> Duration {
    let configured = settings.budget.max(Duration::from_millis(1));
    match ctx.deadline.left() {
        Some(left) if left.saturating_sub(AFTER_GATES) < configured => {
            ctx.log.info(&format!(
                "gates: the budget is cut to {} ms by the Stop hook's deadline",
                left.saturating_sub(AFTER_GATES).as_millis()
            ));
            left.saturating_sub(AFTER_GATES)
                .max(Duration::from_millis(1))
        }
        _ => configured,
    }
}

/// Splits each failure's problems into the session's and older ones (see
/// [`super::attribution`]). Only files the gates name are compared against their base.
pub(super) fn attribute(
    ctx: &Ctx,
    project: &Path,
    session: &str,
    changed: &[String],
    report: &mut super::model::RunReport,
) {
    let started = std::time::Instant::now();
    let exists = |rel: &str| project.join(rel).is_file();
    let parsed: Vec<(usize, Vec<attribution::Diagnostic>)> = report
        .gates
        .iter()
        .enumerate()
        .filter(|(_, g)| g.status.is_fixable() && g.attribution != attribution::Mode::Off)
        .map(|(i, g)| {
            let d = attribution::parse(&g.output, project, g.root.as_deref(), &exists);
            (i, d)
        })
        .collect();
    let named: BTreeSet<&str> = parsed
        .iter()
        .flat_map(|(_, d)| d.iter().map(|d| d.path.as_str()))
        .filter(|p| changed.iter().any(|c| c == p))
        .collect();
    let diffs = session_changes(ctx, project, session, &named);
    let named = named.len();
    for (i, diags) in parsed {
        let g = &mut report.gates[i];
        let split = attribution::split(diags, &diffs, g.attribution);
        if split.located {
            g.problems = Some(Problems {
                new: split.new.len(),
                pre_existing: split.old.len(),
            });
            g.new_diagnostics = split.new;
        }
    }
    if named > 0 {
        ctx.log.debug(&format!(
            "gates: attribution over {named} file(s) took {:.3} ms",
            started.elapsed().as_secs_f64() * 1000.0
        ));
    }
}

/// What the session changed in `files`: against each one's recorded base, else HEAD.
pub(super) fn session_changes(
    ctx: &Ctx,
    project: &Path,
    session: &str,
    files: &BTreeSet<&str>,
) -> attribution::Changes {
    let mut changes = attribution::Changes::new();
    let mut from_head: Vec<String> = Vec::new();
    for &rel in files {
        let path = project.join(rel);
        let change = match stop_state::base(&ctx.paths, session, &path) {
            None => {
                from_head.push(rel.to_owned());
                continue;
            }
            Some(stop_state::Base::Created) => attribution::FileChange::Whole,
            Some(stop_state::Base::Lines(base)) => {
                let kind = crate::util::read::Kind::SOURCE.capped(MAX_ATTRIBUTED_BYTES);
                match crate::util::read::bytes(&path, kind) {
                    Some(now) => attribution::FileChange::Lines(attribution::new_lines(
                        &base,
                        &attribution::line_hashes(&now),
                    )),
                    None => attribution::FileChange::Whole,
                }
            }
        };
        changes.insert(rel.to_owned(), change);
    }
    changes.extend(attribution::git_changes(project, &from_head, ctx.deadline));
    changes
}

/// Largest file whose lines are attributed (a larger one counts as changed throughout).
const MAX_ATTRIBUTED_BYTES: u64 = 8 * 1024 * 1024;

/// A block decided on, to be sent once the raised count is saved.
struct Block {
    reason: String,
    /// The gates that failed, comma-separated.
    names: String,
}

/// The user's messages for a run, and the block to send when one is due (the failing set and
/// reason kept in `state`; the count starts again when the set changes).
fn answer(
    ctx: &Ctx,
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
    let blocking: Vec<&GateResult> = blocking
        .into_iter()
        .filter(|g| !g.is_pre_existing())
        .collect();
    ctx.log.info(&format!(
        "{} ({} ms)",
        report::one_line(report),
        report.duration_ms
    ));
    if let Some(note) = &report.budget_note {
        out.add_system_message(format!("sfp gates: {note}"));
    }
    for g in report.pre_existing() {
        let n = g.problems.map_or(0, |p| p.pre_existing);
        out.add_system_message(format!(
            "{}: {n} problem{} predate this session, not sent to Claude",
            g.name,
            if n == 1 { "" } else { "s" }
        ));
    }
    if !report.alerts.is_empty() {
        let alerts: Vec<String> = report.alerts.iter().map(Alert::message).collect();
        out.add_system_message(format!("sfp gates: alert {}", alerts.join("; ")));
    }
    let others: Vec<String> = report
        .failures()
        .filter(|g| !g.is_pre_existing() && !blocking.iter().any(|b| b.name == g.name))
        .map(|g| format!("{} {}", g.name, g.status.as_str()))
        .collect();
    if blocking.is_empty() {
        *state = StopState {
            fingerprint: std::mem::take(&mut state.fingerprint),
            last_status: std::mem::take(&mut state.last_status),
            ..StopState::default()
        };
        if !others.is_empty() {
            out.add_system_message(format!(
                "sfp gates ({}): {}",
                report.tier,
                others.join(", ")
            ));
        } else if report.status == RunStatus::Interrupted {
            out.add_system_message(report::one_line(report));
        }
        return None;
    }
    if !others.is_empty() {
        out.add_system_message(format!(
            "sfp gates ({}): {} (not sent to Claude)",
            report.tier,
            others.join(", ")
        ));
    }
    let mut names: Vec<String> = blocking.iter().map(|g| g.name.clone()).collect();
    names.sort();
    if names != state.failing {
        state.consecutive_blocks = 0;
        state.failing = names;
    }
    Some(Block {
        reason: report::block_reason(report, &blocking),
        names: state.failing.join(", "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Mode;
    use crate::env::Env;
    use crate::hook::Deadline;
    use std::time::Instant;

    #[test]
    fn the_gates_budget_leaves_time_before_the_hooks_deadline() {
        let dir = tempfile::tempdir().unwrap();
        let env = Env {
            home: Some(dir.path().to_path_buf()),
            sfp_home: Some(dir.path().join("sfp")),
            ..Env::default()
        };
        let mut ctx = Ctx::new(env, Some(dir.path()), Mode::Hook, "test");
        let settings = GateSettings::default();
        // A terminal run, or plenty of time left: the configured budget.
        assert_eq!(run_budget(&ctx, &settings), Duration::from_secs(100));
        ctx.deadline = Deadline::after(Instant::now(), Duration::from_secs(200));
        assert_eq!(run_budget(&ctx, &settings), Duration::from_secs(100));
        // Less left than the budget: what is left, less the time kept for after the gates.
        ctx.deadline = Deadline::after(Instant::now(), Duration::from_secs(50));
        let cut = run_budget(&ctx, &settings);
        assert!(
            cut <= Duration::from_secs(47) && cut > Duration::from_secs(46),
            "{cut:?}"
        );
        ctx.deadline = Deadline::after(Instant::now(), Duration::from_secs(1));
        assert_eq!(run_budget(&ctx, &settings), Duration::from_millis(1));
    }
}
