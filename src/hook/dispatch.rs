//! Which capability handles which event. One process per event: the capabilities run here one
//! after another, each isolated, so that one failing (or panicking) never silences the others.

use std::panic::{AssertUnwindSafe, catch_unwind};

use super::{Event, HookInput, Response};
use crate::app::Ctx;

/// A capability's part in answering a hook.
pub(super) type Handler = fn(&Ctx, &HookInput, &mut Response) -> anyhow::Result<()>;

/// The handlers for `event`, in the order they run.
fn handlers(event: Event) -> Vec<(&'static str, Handler)> {
    match event {
        Event::SessionStart => vec![
            ("health", crate::health::on_session_start),
            ("tags", crate::tags::on_session_start),
            ("handoff", crate::handoff::on_session_start),
        ],
        Event::UserPromptSubmit => vec![("tags", crate::tags::on_user_prompt_submit)],
        Event::PostToolUse => vec![
            ("ledger", crate::gates::record_edit),
            ("format", crate::gates::format_edit),
        ],
        Event::Stop => vec![("gates", crate::gates::on_stop)],
        // The handoff first: the backup then holds the state it describes.
        Event::PreCompact => vec![
            ("handoff", crate::handoff::on_pre_compact),
            ("backup", crate::backup::on_pre_compact),
        ],
        Event::SessionEnd => vec![
            ("handoff", crate::handoff::on_session_end),
            ("backup", crate::backup::on_session_end),
        ],
        Event::PreToolUse
        | Event::PostToolUseFailure
        | Event::SubagentStop
        | Event::PostCompact
        | Event::Notification => Vec::new(),
    }
}

/// Runs every handler of the input's event, turning errors and panics into a log line and a
/// short notice. A handler not started by the hook's deadline is skipped, with a log line.
pub(super) fn dispatch(ctx: &Ctx, input: &HookInput, out: &mut Response) {
    for (name, handler) in handlers(out.event()) {
        if ctx.deadline.passed() {
            ctx.log.warn(&format!(
                "{name} skipped: the {} hook's deadline of {} ms has passed",
                out.event(),
                super::budget(out.event()).as_millis()
            ));
            continue;
        }
        let result = catch_unwind(AssertUnwindSafe(|| handler(ctx, input, out)));
        if ctx.deadline.passed() {
            ctx.log.warn(&format!(
                "{name} reached the {} hook's deadline ({} ms): what it had left was cut",
                out.event(),
                super::budget(out.event()).as_millis()
            ));
        }
        let failure = match result {
            Ok(Ok(())) => continue,
            Ok(Err(err)) => format!("{err:#}"),
            Err(panic) => crate::printer::panic_message(&*panic),
        };
        ctx.log.error(&format!("{name} failed: {failure}"));
        crate::printer::Printer::plain().note(&format!("sfp: {name} failed: {failure}"));
        out.add_system_message(format!(
            "sfp: {name} failed ({}); details in {}",
            first_line(&failure),
            ctx.log.path().display()
        ));
    }
}

fn first_line(text: &str) -> &str {
    crate::text::head(text.lines().next().unwrap_or(""), 160)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Mode;
    use crate::env::Env;
    use crate::hook::Deadline;
    use std::time::{Duration, Instant};

    #[test]
    fn handlers_not_started_by_the_deadline_are_skipped_and_logged() {
        let dir = tempfile::tempdir().unwrap();
        let claude = dir.path().join(".claude");
        std::fs::create_dir_all(&claude).unwrap();
        std::fs::write(claude.join("settings.json"), "{}\n").unwrap();
        let env = Env {
            home: Some(dir.path().to_path_buf()),
            claude_config_dir: Some(claude.clone()),
            ..Env::default()
        };
        let input = HookInput {
            session_id: Some("s".to_owned()),
            reason: Some("other".to_owned()),
            ..HookInput::default()
        };
        let mut ctx = Ctx::new(env, None, Mode::Hook, "test");
        ctx.deadline = Deadline::after(Instant::now(), Duration::ZERO);
        dispatch(&ctx, &input, &mut Response::new(Event::PreCompact));
        let log = std::fs::read_to_string(ctx.log.path()).unwrap();
        for name in ["handoff", "backup"] {
            assert!(
                log.contains(&format!(
                    "{name} skipped: the PreCompact hook's deadline of 25000 ms has passed"
                )),
                "{log}"
            );
        }
        assert!(!ctx.paths.backups_dir().exists(), "no backup was started");
        // With time left, the same event takes its backup.
        ctx.deadline = Deadline::after(Instant::now(), Duration::from_secs(30));
        dispatch(&ctx, &input, &mut Response::new(Event::PreCompact));
        assert!(ctx.paths.backups_dir().exists());
    }
}
