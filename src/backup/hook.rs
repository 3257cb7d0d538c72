//! The hooks' part: a `config` backup on PreCompact and on SessionEnd. SessionEnd shares a 1.5 s
//! budget with every other SessionEnd hook, so the backup is the small `config` profile and the
//! lock is waited for only briefly. SessionEnd fires on every exit, `/clear` and resume, so when
//! nothing changed since the latest backup it writes none, and retention keeps distinct states
//! rather than copies; PreCompact, the moment before context is lost, always writes one. Nothing
//! is printed: the outcome goes to sfp's log.
//!
//! Both are bounded by the hook's deadline (1.2 s in all for SessionEnd): a backup that would
//! run past it stops between two files, its temporary directory is removed and no backup is
//! recorded (the next one is taken in full); retention waits for the next backup. A log line
//! says so.

use std::time::Duration;

use super::command::settings;
use super::create::{Request, create_unless};
use super::profile::Profile;
use crate::app::Ctx;
use crate::hook::{HookInput, Response};

/// PreCompact: take a `config` backup.
pub(crate) fn on_pre_compact(
    ctx: &Ctx,
    input: &HookInput,
    _out: &mut Response,
) -> anyhow::Result<()> {
    let label = format!(
        "pre-compact ({})",
        input.trigger.as_deref().unwrap_or("manual")
    );
    backup(ctx, input, &label, Duration::from_secs(2), false)
}

/// SessionEnd: take a `config` backup, fast.
pub(crate) fn on_session_end(
    ctx: &Ctx,
    input: &HookInput,
    _out: &mut Response,
) -> anyhow::Result<()> {
    let label = format!(
        "session-end ({})",
        input.reason.as_deref().unwrap_or("other")
    );
    backup(ctx, input, &label, Duration::from_millis(300), true)
}

fn backup(
    ctx: &Ctx,
    input: &HookInput,
    why: &str,
    lock_wait: Duration,
    skip_unchanged: bool,
) -> anyhow::Result<()> {
    let mut settings = settings(ctx);
    let enabled = if why.starts_with("pre-compact") {
        settings.on_pre_compact
    } else {
        settings.on_session_end
    };
    if !enabled {
        return Ok(());
    }
    settings.lock_wait = settings.lock_wait.min(lock_wait);
    let session = input.session_id.as_deref().unwrap_or("-");
    let req = Request {
        profile: Profile::Config,
        reason: format!("{why}, session {session}"),
        include_credentials: false,
        undo: super::create::Undo::default(),
        deadline: ctx.deadline,
    };
    let started = std::time::Instant::now();
    let created = match create_unless(&ctx.paths, &settings, &req, skip_unchanged) {
        Err(e) if ctx.deadline.passed() => {
            ctx.log.warn(&format!(
                "backup cut ({}) after {} ms: {e:#}",
                req.reason,
                started.elapsed().as_millis()
            ));
            return Ok(());
        }
        other => other?,
    };
    let Some(created) = created else {
        ctx.log.info(&format!(
            "backup skipped ({}): nothing changed since the latest backup",
            req.reason
        ));
        return Ok(());
    };
    let m = &created.meta;
    ctx.log.info(&format!(
        "backup {} ({}): {} file(s), {} bytes -> {} in {} ms at {}{}",
        m.id,
        req.reason,
        m.totals.files,
        m.totals.bytes,
        m.archive.size,
        started.elapsed().as_millis(),
        created.dir.display(),
        if created.pruned.is_empty() {
            String::new()
        } else {
            format!("; retention removed {}", created.pruned.join(", "))
        }
    ));
    Ok(())
}
