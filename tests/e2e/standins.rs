//! Self-checks of the harness: each capability scenario of `expect.rs`, run against minimal shell
//! hooks that behave as the specifications say, added to the staged plugin beside sfp's own.
//!
//! They pass today, which shows the real CLI lets every verdict be observed (a Stop block reaching
//! the model as feedback, PreCompact and SessionEnd statuses in the debug log, the compacted
//! session's context) — so when a scenario in `capabilities.rs` fails after its capability is
//! switched on, the capability is what to look at, not the harness. Stand-ins are never sfp: they
//! exist only in the temp copy of the plugin.

use serde_json::json;

use crate::claude::{Session, claude_or_skip};
use crate::expect;

/// Discards the hook's stdin (Claude Code writes it; an unread pipe must not block the writer).
const DRAIN: &str = "cat >/dev/null\n";

#[test]
fn tag_scenario_is_observable() {
    let Some(claude) = claude_or_skip("tag_scenario_is_observable") else {
        return;
    };
    let tags = r#"printf '%s\n' '{"hookSpecificOutput":{"hookEventName":"SessionStart","additionalContext":"Standing context:\n[U:rules] Always run the test suite before committing\n[C:constraints] Never push to main on Fridays\n[K:identity] Maintainer of the e2e-fixture project"}}'"#;
    let session = expect::tags_session(claude)
        .stand_in(
            "SessionStart",
            None,
            "tags-start",
            &format!("{DRAIN}{tags}\n"),
        )
        .stand_in("UserPromptSubmit", None, "tags-prompt", DRAIN);
    expect::tags_reached_once(&session.run("hello", &["a second prompt"]));
}

/// A Stop hook that blocks while a `*.txt` file of the project says FORBIDDEN.
const GATE: &str = r#"cd "$CLAUDE_PROJECT_DIR" || exit 0
if out=$(grep -rn FORBIDDEN --include='*.txt' .); then
  printf '{"decision":"block","reason":"critical gate no-forbidden-words failed:\\n%s\\nfix: remove the word FORBIDDEN from the file"}\n' "$out"
fi
"#;

#[test]
fn gate_scenarios_are_observable() {
    let Some(claude) = claude_or_skip("gate_scenarios_are_observable") else {
        return;
    };
    let script = format!("{DRAIN}{GATE}");
    let session = expect::gated_session(claude.clone())
        .script(expect::gate_turns())
        .stand_in("Stop", None, "gate", &script);
    expect::gate_sent_back_until_fixed(&session.run("write bad.txt", &[]));

    let quiet = expect::gated_session(claude)
        .script(vec![json!({"text": "nothing to change"})])
        .stand_in("Stop", None, "gate", &script);
    expect::no_gate_ran(&quiet.run("just talk", &[]));
}

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
