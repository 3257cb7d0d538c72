//! Every event `hooks/hooks.json` wires fires in a real session and succeeds: exit 0 in the hook
//! event stream, "completed with status 0" in the debug log, never timed out or cancelled. Reads
//! the wiring from the checkout, so each event a capability adds is covered without editing this
//! test.

use serde_json::{Value, json};

use crate::claude::{Session, claude_or_skip};
use crate::plugin::repo_root;

/// Events this session makes Claude Code fire: a prompt with a Write, a Stop, `/compact`
/// (SubagentStop, PreCompact, SessionStart compact) and `/clear` (SessionEnd clear).
const FIRED: [&str; 8] = [
    "SessionStart",
    "UserPromptSubmit",
    "PreToolUse",
    "PostToolUse",
    "Stop",
    "SubagentStop",
    "PreCompact",
    "SessionEnd",
];

fn wired_events() -> Vec<String> {
    let text = std::fs::read_to_string(repo_root().join("hooks/hooks.json")).expect("hooks.json");
    let hooks: Value = serde_json::from_str(&text).expect("hooks.json is JSON");
    hooks["hooks"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn every_wired_event_fires_and_succeeds() {
    let Some(claude) = claude_or_skip("every_wired_event_fires_and_succeeds") else {
        return;
    };
    let session = Session::new(claude).with_context().script(vec![
        json!({"tool": "Write", "input": {"file_path": "{cwd}/hello.txt", "content": "hello\n"}}),
        json!({"text": "wrote hello.txt"}),
    ]);
    let s = session.run("write hello.txt", &["/compact", "/clear"]);
    let wired = wired_events();
    assert!(wired.iter().any(|e| e == "SessionStart"), "{wired:?}");
    for event in wired.iter().filter(|e| FIRED.contains(&e.as_str())) {
        let streamed = s.hooks(event);
        let logged = s.debug_hooks(event);
        assert!(
            !streamed.is_empty() || !logged.is_empty(),
            "{event} is wired but never fired\n{}",
            s.dump()
        );
        for hook in streamed {
            assert_eq!(hook.exit_code, Some(0), "{event}\n{}", s.dump());
            assert_eq!(hook.outcome, "success", "{event}\n{}", s.dump());
        }
        for hook in logged {
            assert_eq!(
                hook.status,
                "completed with status 0",
                "{event} must complete inside its budget\n{}",
                s.dump()
            );
        }
    }
}
