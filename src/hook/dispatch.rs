//! Which capability handles which event. One process per event: the capabilities run here one
//! after another, each isolated, so that one failing (or panicking) never silences the others.

use std::panic::{AssertUnwindSafe, catch_unwind};

use super::{Event, HookInput, Response};
use crate::app::Ctx;

/// A capability's part in answering a hook.
pub type Handler = fn(&Ctx, &HookInput, &mut Response) -> anyhow::Result<()>;

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
/// short notice.
pub fn dispatch(ctx: &Ctx, input: &HookInput, out: &mut Response) {
    for (name, handler) in handlers(out.event()) {
        let result = catch_unwind(AssertUnwindSafe(|| handler(ctx, input, out)));
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
    crate::util::redact::head(text.lines().next().unwrap_or(""), 160)
}
