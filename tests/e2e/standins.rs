//! Self-checks of the harness: each capability scenario of `expect.rs`, run against minimal shell
//! hooks that behave as the specifications say, added to the staged plugin beside sfp's own.
//!
//! They pass today, which shows the real CLI lets every verdict be observed (a Stop block reaching
//! the model as feedback, PreCompact and SessionEnd statuses in the debug log, the compacted
//! session's context) — so when a scenario in `capabilities.rs` fails after its capability is
//! switched on, the capability is what to look at, not the harness. Stand-ins are never sfp: they
//! exist only in the temp copy of the plugin.

use crate::claude::{Session, claude_or_skip};
use crate::expect;

/// Discards the hook's stdin (Claude Code writes it; an unread pipe must not block the writer).
const DRAIN: &str = "cat >/dev/null\n";

/// Writes a handoff (and, with `backup`, a backup) where sfp keeps them.
fn writer(backup: bool) -> String {
    let mut s = format!(
        "{DRAIN}home=\"$CLAUDE_CONFIG_DIR/sfp\"\n\
         mkdir -p \"$home/handoffs/proj\"\n\
         printf '# Handoff\\nwrote notes.md\\n' > \"$home/handoffs/proj/handoff-$(date +%s%N).md\"\n"
    );
    if backup {
        s.push_str(
            "mkdir -p \"$home/backups/20260101-000000\"\n\
             printf '{\"id\":\"20260101-000000\"}' > \"$home/backups/20260101-000000/metadata.json\"\n",
        );
    }
    s
}

#[test]
fn handoff_scenarios_are_observable() {
    let Some(claude) = claude_or_skip("handoff_scenarios_are_observable") else {
        return;
    };
    let give = r#"printf '%s\n' '{"hookSpecificOutput":{"hookEventName":"SessionStart","additionalContext":"Handoff from the compacted session: wrote notes.md"}}'"#;
    let session = Session::new(claude.clone())
        .with_context()
        .script(expect::compact_turns())
        .stand_in("PreCompact", None, "handoff-backup", &writer(true))
        .stand_in(
            "SessionStart",
            Some("compact"),
            "handoff-give",
            &format!("{DRAIN}{give}\n"),
        );
    let s = session.run("write notes", &["/compact", "carry on"]);
    expect::compact_handed_over(&s, &session.sfp_home());

    let session = Session::new(claude).with_context().stand_in(
        "SessionEnd",
        None,
        "handoff-end",
        &writer(false),
    );
    let s = session.run("hello", &["/clear"]);
    expect::clear_completed(&s, &session.sfp_home());
}
