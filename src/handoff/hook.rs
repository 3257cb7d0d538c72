//! The handoff's part in the hooks: written on PreCompact and SessionEnd, given back on
//! SessionStart.
//!
//! - PreCompact (manual or auto): always written when there is anything to hand over.
//! - SessionEnd: written unless the project's latest handoff already records the same work (the
//!   PreCompact just before it, say). Must stay far inside Claude Code's 1.5 s SessionEnd budget.
//! - SessionStart: on `compact`, `resume`, `clear` and `fork`, the project's latest handoff goes to
//!   Claude as a short summary; on `startup` only when it is younger than `startup_max_age`.

use std::time::Instant;

use chrono::Utc;

use super::collect::{Source, collect};
use super::store::{Entry, Store, Unless};
use super::{HandoffSettings, render};
use crate::app::Ctx;
use crate::hook::{HookInput, Response};

pub(crate) fn on_pre_compact(
    ctx: &Ctx,
    input: &HookInput,
    _out: &mut Response,
) -> anyhow::Result<()> {
    let trigger = format!(
        "PreCompact ({})",
        input.trigger.as_deref().unwrap_or("auto")
    );
    write_from_hook(ctx, input, trigger, false).map(|_| ())
}

pub(crate) fn on_session_end(
    ctx: &Ctx,
    input: &HookInput,
    _out: &mut Response,
) -> anyhow::Result<()> {
    let trigger = format!(
        "SessionEnd ({})",
        input.reason.as_deref().unwrap_or("other")
    );
    write_from_hook(ctx, input, trigger, true).map(|_| ())
}

#[allow(
    clippy::unnecessary_wraps,
    reason = "a hook handler: its signature is the dispatch table's"
)]
pub(crate) fn on_session_start(
    ctx: &Ctx,
    input: &HookInput,
    out: &mut Response,
) -> anyhow::Result<()> {
    let (settings, _) = ctx.config.section::<HandoffSettings>("handoff");
    let source = input.source.as_deref().unwrap_or("startup");
    let project = ctx.paths.project.clone();
    let store = Store::for_project(&ctx.paths, project.as_deref());
    // The newest handoff that reads back (a damaged one is logged and passed over).
    let Some((entry, handoff)) = store.list().into_iter().rev().find_map(|e| match e.load() {
        Ok(h) => Some((e, h)),
        Err(err) => {
            ctx.log.warn(&format!("{err:#}"));
            None
        }
    }) else {
        return Ok(());
    };
    let now = Utc::now();
    // A resumed conversation replays everything of its own, so a handoff this same session wrote
    // (at its SessionEnd) tells it nothing new; after compaction the same session does need it.
    let own = handoff.session_id.is_some() && handoff.session_id == input.session_id;
    let give = match source {
        "resume" => !own,
        "compact" | "clear" | "fork" => true,
        _ => (now - handoff.created_at)
            .to_std()
            .is_ok_and(|age| age < settings.startup_max_age),
    };
    if !give {
        return Ok(());
    }
    out.add_context(render::summary(
        &handoff,
        &entry.md,
        now,
        settings.summary_chars,
        own,
    ));
    ctx.log.info(&format!(
        "handoff {} given back at SessionStart ({source})",
        entry.id
    ));
    Ok(())
}

/// Collects and stores a handoff for the hook's session; `None` when there was nothing to write.
fn write_from_hook(
    ctx: &Ctx,
    input: &HookInput,
    trigger: String,
    skip_if_unchanged: bool,
) -> anyhow::Result<Option<Entry>> {
    let started = Instant::now();
    let (settings, _) = ctx.config.section::<HandoffSettings>("handoff");
    let project = ctx.paths.project.clone();
    let src = Source {
        trigger,
        session_id: input.session_id.clone(),
        transcript: input.transcript_path.clone(),
        project: project.clone(),
        last_assistant_message: input.last_assistant_message.clone(),
    };
    let mut handoff = collect(ctx, &settings, &src, Utc::now());
    if handoff.is_empty() {
        ctx.log.info(&format!(
            "handoff skipped at {}: nothing to hand over",
            src.trigger
        ));
        return Ok(None);
    }
    let store = Store::for_project(&ctx.paths, project.as_deref());
    let entry = if skip_if_unchanged {
        match store.write_unless_same(&mut handoff, render::markdown)? {
            Unless::Written(entry) => entry,
            Unless::Same(latest) => {
                ctx.log.info(&format!(
                    "handoff skipped at {}: same as {latest}",
                    src.trigger
                ));
                return Ok(None);
            }
        }
    } else {
        store.write(&mut handoff, render::markdown)?
    };
    let removed = store.prune(settings.keep.max(1))?;
    ctx.log.info(&format!(
        "handoff {} written at {} in {:.1} ms ({} old removed)",
        entry.id,
        src.trigger,
        started.elapsed().as_secs_f64() * 1000.0,
        removed.len()
    ));
    Ok(Some(entry))
}
