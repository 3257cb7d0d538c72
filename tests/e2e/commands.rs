//! The plugin used from inside a session: its slash commands run `sfp` through the Bash tool
//! (granted by each command's `allowed-tools`), and its options, set with `claude plugin
//! configure`, reach the next session's hooks.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::claude::{Install, Session, claude_or_skip};
use crate::expect;
use crate::summary::Summary;

/// The text of every `tool_result` block the model was sent, with whether it was an error.
fn tool_results(s: &Summary) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for r in &s.requests {
        for m in r.body["messages"].as_array().into_iter().flatten() {
            for block in m["content"].as_array().into_iter().flatten() {
                if block["type"] != "tool_result" {
                    continue;
                }
                let text = match &block["content"] {
                    Value::String(t) => t.clone(),
                    Value::Array(parts) => parts
                        .iter()
                        .filter_map(|p| p["text"].as_str())
                        .collect::<Vec<_>>()
                        .join("\n"),
                    _ => String::new(),
                };
                let pair = (text, block["is_error"] == true);
                if !out.contains(&pair) {
                    out.push(pair);
                }
            }
        }
    }
    out
}

/// Whether the first request carries `needle` in a user message (the expanded command).
fn first_prompt_has(s: &Summary, needle: &str) -> bool {
    s.requests.first().is_some_and(|r| {
        r.body["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|m| m["role"] == "user")
            .any(|m| m["content"].to_string().contains(needle))
    })
}

#[test]
fn slash_health_runs_sfp_and_its_output_reaches_the_model() {
    let Some(claude) = claude_or_skip("slash_health_runs_sfp_and_its_output_reaches_the_model")
    else {
        return;
    };
    // No --allowedTools: the command's own `allowed-tools` is what lets Bash run `sfp health`.
    let session = Session::new(claude).without_allowed_tools().script(vec![
        json!({"tool": "Bash", "input": {"command": "sfp health", "description": "sfp health"}}),
        json!({"text": "health reported"}),
    ]);
    let s = session.run("/sfp:health", &[]);
    assert!(
        first_prompt_has(&s, "Run `sfp health` with the Bash tool"),
        "/sfp:health expands to the command's prompt\n{}",
        s.dump()
    );
    let results = tool_results(&s);
    let health = results
        .iter()
        .find(|(text, _)| text.contains("status:"))
        .unwrap_or_else(|| {
            panic!(
                "no sfp health output reached the model: {results:?}\n{}",
                s.dump()
            )
        });
    assert!(!health.1, "not a denied or failed tool call: {health:?}");
    for line in [
        "plugin",
        "context",
        "CLAUDE.md is missing",
        "tags.budget_chars",
    ] {
        assert!(
            health.0.contains(line),
            "{line} in the report: {}",
            health.0
        );
    }
}

#[test]
fn slash_skip_skips_a_gate_for_the_rest_of_the_session() {
    let Some(claude) = claude_or_skip("slash_skip_skips_a_gate_for_the_rest_of_the_session") else {
        return;
    };
    let gate = expect::GATE;
    let session = expect::gated_session(claude).script(vec![
        json!({"tool": "Bash", "input": {"command": format!("sfp gates skip {gate}"), "description": "skip"}}),
        json!({"tool": "Write", "input": {"file_path": "{cwd}/bad.txt", "content": "this is FORBIDDEN\n"}}),
        json!({"text": "wrote bad.txt"}),
    ]);
    let s = session.run(&format!("/sfp:skip {gate}"), &[]);
    assert!(
        first_prompt_has(&s, "for the rest of this session"),
        "/sfp:skip expands\n{}",
        s.dump()
    );
    assert!(
        tool_results(&s)
            .iter()
            .any(|(t, err)| !err && t.contains("skipped for the rest of this session")),
        "sfp gates skip ran\n{}",
        s.dump()
    );
    // The Bash tool ran in the hooks' session: the file is where the Stop hook looks.
    let id = s.runs[0].session_id.clone().expect("a session id");
    let file = session
        .sfp_home()
        .join(format!("sessions/{id}/gates-skip.txt"));
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("{} ({e})\n{}", file.display(), s.dump()));
    assert!(text.lines().any(|l| l == gate), "{text}");
    let stops = s.hooks("Stop");
    assert_eq!(
        stops.len(),
        1,
        "the Stop hook sent no one back\n{}",
        s.dump()
    );
    assert!(
        s.injected_with("Stop hook feedback").is_empty(),
        "the skipped gate gave no feedback\n{}",
        s.dump()
    );
}

#[test]
fn plugin_configure_changes_the_tags_budget_of_the_next_session() {
    let Some(claude) =
        claude_or_skip("plugin_configure_changes_the_tags_budget_of_the_next_session")
    else {
        return;
    };
    // Ten rules: the default budget (4,000 characters) gives them all, 200 only the first few.
    let session = Session::new(claude).install(Install::Marketplace);
    let mut rules = String::new();
    for i in 1..=10 {
        let _ = writeln!(
            rules,
            "- Rule number {i}: keep each change small and tested"
        );
    }
    session.write(
        &session.claude_dir().join(".context/CLAUDE.md"),
        &format!("# Standing context\n\n## Rules\n{rules}"),
    );
    let before = session.run("hello", &[]);
    let all = before.injected_with("Rule number 1:");
    assert!(!all.is_empty(), "{}", before.dump());
    assert!(all[0].text.contains("Rule number 10:"), "{}", before.dump());

    // `claude plugin configure` is interactive without --values-stdin; this is its scripted form.
    let mut configure = session.command();
    configure
        .args(["plugin", "configure", "sfp@sfp-local", "--values-stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = configure.spawn().expect("claude plugin configure runs");
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(br#"{"tags_budget": "200"}"#).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "configure: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let settings = std::fs::read_to_string(session.claude_dir().join("settings.json")).unwrap();
    let settings: Value = serde_json::from_str(&settings).unwrap();
    assert_eq!(
        settings["pluginConfigs"]["sfp@sfp-local"]["options"]["tags_budget"], 200,
        "where Claude Code keeps the option: {settings}"
    );

    let after = session.run("hello again", &[]);
    let cut = after.injected_with("Rule number 1:");
    assert!(
        !cut.is_empty(),
        "the first rules still fit\n{}",
        after.dump()
    );
    let text = &cut[0].text;
    assert!(
        !text.contains("Rule number 10:") && text.contains("more tags omitted"),
        "the 200-character budget leaves the rest out\n{}",
        after.dump()
    );
}

#[test]
fn slash_restore_dry_runs_and_its_allowed_tools_do_not_cover_a_restore() {
    let Some(claude) =
        claude_or_skip("slash_restore_dry_runs_and_its_allowed_tools_do_not_cover_a_restore")
    else {
        return;
    };
    let session = Session::new(claude).with_context().without_allowed_tools();
    session
        .ctx()
        .ok(&["backup", "create", "--profile", "config"]);
    let bash = |command: &str| json!({"tool": "Bash", "input": {"command": command, "description": "restore"}});
    // A model that does not wait for the user: the restore itself must not be pre-allowed.
    let session = session.script(vec![
        bash("sfp restore --list"),
        bash("sfp restore latest --dry-run"),
        bash("sfp restore latest --yes"),
        json!({"text": "asked first"}),
    ]);
    let s = session.run("/sfp:restore latest", &[]);
    assert!(
        first_prompt_has(&s, "ask me to confirm"),
        "/sfp:restore expands\n{}",
        s.dump()
    );
    let results = tool_results(&s);
    assert_eq!(results.len(), 3, "{results:?}\n{}", s.dump());
    assert!(
        !results[0].1 && !results[1].1,
        "list and dry run are allowed: {results:?}"
    );
    assert!(results[1].0.contains("dry run"), "{}", results[1].0);
    assert!(
        results[2].1 && results[2].0.contains("requires approval"),
        "the restore is not allowed by the command: {results:?}"
    );
    let list = session.ctx().ok(&["backup", "list", "--json"]);
    let backups: Value = serde_json::from_str(&list).expect("backup list --json");
    assert_eq!(
        backups.as_array().map(Vec::len),
        Some(1),
        "no pre-restore backup: nothing was restored\n{backups}"
    );
}
