//! `sfp health` in a terminal, and the SessionStart hook's part.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;

use super::{Status, report, run_checks};
use crate::ExitStatus;
use crate::app::Ctx;
use crate::hook::{HookInput, Response};

#[derive(Debug, Args)]
pub struct HealthArgs {
    /// Print `{"status": …, "checks": [{"name", "status", "message", "details"}]}`.
    #[arg(long)]
    pub json: bool,
    /// The project to check (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,
}

/// Exit 0 when healthy or degraded, 1 when unhealthy.
pub(crate) fn execute(args: &HealthArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let report = run_checks(ctx);
    if args.json {
        ctx.printer.json(&report)?;
    } else {
        ctx.printer.raw(&report::table(&report, ctx.printer));
        ctx.printer
            .raw(&super::sources::table(&super::sources::list(ctx)));
    }
    Ok(if report.status == Status::Unhealthy {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// SessionStart: silent unless a check is sure something is wrong; then one line for the user and
/// a short factual note for Claude. A resumed conversation replays the note it was given, so a resume whose problems
/// are the ones already reported to this session says nothing more. Never blocks.
#[allow(
    clippy::unnecessary_wraps,
    reason = "a hook handler: its signature is the dispatch table's"
)]
pub(crate) fn on_session_start(
    ctx: &Ctx,
    input: &HookInput,
    out: &mut Response,
) -> anyhow::Result<()> {
    let report = run_checks(ctx);
    let problems: Vec<_> = report.sure_problems().collect();
    if problems.is_empty() {
        return Ok(());
    }
    let mut context =
        String::from("sfp health check at session start found problems in the user's setup:");
    for p in &problems {
        let _ = write!(
            context,
            "\n- {} is {}: {}",
            p.name,
            p.status.as_str(),
            p.message
        );
    }
    let reported = input
        .session_id
        .as_deref()
        .map(|id| crate::session::Session::new(&ctx.paths, id).health_reported());
    // The record is written masked, so it is compared masked.
    let record = crate::util::redact::text(&context).into_owned();
    if input.source.as_deref() == Some("resume")
        && let Some(path) = &reported
        && crate::util::read::text(path, crate::util::read::Kind::STATE)
            .is_some_and(|before| before == record)
    {
        return Ok(());
    }
    for p in &problems {
        ctx.log.warn(&format!(
            "health {}: {} ({})",
            p.name,
            p.status.as_str(),
            p.message
        ));
    }
    let summary: Vec<String> = problems
        .iter()
        .map(|p| {
            // A check whose whole message is the user's one line (it names the fix) says so.
            let line = p.details.get("notice").and_then(serde_json::Value::as_str);
            format!("{}: {}", p.name, line.unwrap_or_else(|| short(&p.message)))
        })
        .collect();
    out.add_system_message(format!(
        "sfp health: {} (run `sfp health` for details)",
        summary.join("; ")
    ));
    if let Some(path) = &reported
        && let Err(e) = crate::util::fs::atomic_write(path, record.as_bytes(), Some(0o600))
    {
        ctx.log
            .warn(&format!("health: cannot record the report: {e:#}"));
    }
    out.add_context(context);
    Ok(())
}

fn short(message: &str) -> &str {
    let cut = message.find(": ").map_or(message.len(), |i| i);
    crate::text::head(&message[..cut], 100)
}
