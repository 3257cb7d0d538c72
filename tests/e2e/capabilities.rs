//! Scenarios of the capabilities beyond the foundation — TAG context, quality gates, handoff and
//! backup — run against sfp through the real CLI. Their setups and verdicts live in `expect.rs`.

use serde_json::json;

use crate::claude::{Session, claude_or_skip};
use crate::expect;

#[test]
fn tags_reach_the_model_once() {
    let Some(claude) = claude_or_skip("tags_reach_the_model_once") else {
        return;
    };
    let s = expect::tags_session(claude).run("hello", &["a second prompt"]);
    expect::tags_reached_once(&s);
}

#[test]
fn critical_gate_failure_sends_claude_back_until_fixed() {
    let Some(claude) = claude_or_skip("critical_gate_failure_sends_claude_back_until_fixed") else {
        return;
    };
    let session = expect::gated_session(claude).script(expect::gate_turns());
    expect::gate_sent_back_until_fixed(&session.run("write bad.txt", &[]));
}

#[test]
fn an_unfixed_failure_is_sent_back_until_the_cap_then_told_to_the_user() {
    let Some(claude) =
        claude_or_skip("an_unfixed_failure_is_sent_back_until_the_cap_then_told_to_the_user")
    else {
        return;
    };
    let session = expect::gated_session(claude).script(expect::unfixed_gate_turns());
    expect::unfixed_failure_told_at_the_cap(&session.run("write bad.txt", &[]));
}

#[test]
fn old_lint_debt_is_not_sent_back_but_a_new_problem_is() {
    let Some(claude) = claude_or_skip("old_lint_debt_is_not_sent_back_but_a_new_problem_is") else {
        return;
    };
    let session = expect::indebted_session(claude).script(expect::debt_turns());
    expect::only_new_problems_sent_back(&session.run("add a line", &["add a todo"]));
}

#[test]
fn after_a_formatter_claude_hears_it_once_from_the_cli() {
    let Some(claude) = claude_or_skip("after_a_formatter_claude_hears_it_once_from_the_cli") else {
        return;
    };
    let session = Session::new(claude).with_context().script(vec![
        json!({"tool": "Write", "input": {"file_path": "{cwd}/a.txt", "content": "hello\n"}}),
        json!({"text": "wrote a.txt"}),
    ]);
    let tool = session.home().join("upcase.sh");
    session.write(
        &tool,
        "#!/bin/sh\ntr a-z A-Z < \"$1\" > \"$1.tmp\" && mv \"$1.tmp\" \"$1\"\n",
    );
    std::fs::set_permissions(&tool, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    session.write(
        &session.project().join(".claude/sfp/sfp.yaml"),
        &format!(
            "format:\n  formatters:\n    txt: {} {{file}}\n",
            tool.display()
        ),
    );
    session.commit_all("formatter");
    let s = session.run("write a.txt", &[]);
    assert_eq!(
        std::fs::read_to_string(session.project().join("a.txt")).unwrap(),
        "HELLO\n",
        "{}",
        s.dump()
    );
    assert_eq!(
        s.injected_with("likely a formatter").len(),
        1,
        "the CLI tells Claude\n{}",
        s.dump()
    );
    assert!(
        s.injected_with("sfp auto-format").is_empty(),
        "and sfp does not repeat it\n{}",
        s.dump()
    );
}

#[test]
fn a_turn_that_changed_nothing_runs_no_gate() {
    let Some(claude) = claude_or_skip("a_turn_that_changed_nothing_runs_no_gate") else {
        return;
    };
    let session = expect::gated_session(claude).script(vec![json!({"text": "nothing to change"})]);
    expect::no_gate_ran(&session.run("just talk", &[]));
}

#[test]
fn a_broken_gates_yaml_never_breaks_the_session() {
    let Some(claude) = claude_or_skip("a_broken_gates_yaml_never_breaks_the_session") else {
        return;
    };
    let session = Session::new(claude).with_context().script(vec![
        json!({"tool": "Write", "input": {"file_path": "{cwd}/a.txt", "content": "hello\n"}}),
        json!({"text": "wrote a.txt"}),
    ]);
    let gates = session.project().join(".claude/sfp/gates.yaml");
    session.write(&gates, "tiers:\n  fast:\n    gates: [\n      - name: x\n");
    session.commit_all("broken gates");
    let s = session.run("write a.txt", &[]);
    let stops = s.hooks("Stop");
    assert_eq!(
        stops.len(),
        1,
        "one Stop: the broken file sends nobody back\n{}",
        s.dump()
    );
    assert_eq!(stops[0].exit_code, Some(0), "{}", s.dump());
    assert!(
        stops[0].json().is_none_or(|j| j.get("decision").is_none()),
        "a config error is not a gate failure\n{}",
        s.dump()
    );
    // Reported (at SessionStart by health, or at Stop by the gates), at most once in each field of
    // one answer (the user's line and Claude's context).
    let mentions: Vec<usize> = s
        .hooks("")
        .iter()
        .map(|h| h.stdout.matches("gates.yaml").count())
        .collect();
    assert!(
        mentions.iter().any(|&n| n > 0) && mentions.iter().all(|&n| n <= 2),
        "the user is told, once per answer: {mentions:?}\n{}",
        s.dump()
    );
    assert_eq!(
        s.runs[0].result_text.as_deref(),
        Some("wrote a.txt"),
        "{}",
        s.dump()
    );
}

#[test]
fn compact_writes_a_handoff_and_a_backup_and_hands_it_over() {
    let Some(claude) = claude_or_skip("compact_writes_a_handoff_and_a_backup_and_hands_it_over")
    else {
        return;
    };
    let session = Session::new(claude)
        .with_context()
        .script(expect::compact_turns());
    let s = session.run("write notes", &["/compact", "carry on"]);
    expect::compact_handed_over(&s, &session.sfp_home());
}

#[test]
fn clear_completes_session_end() {
    let Some(claude) = claude_or_skip("clear_completes_session_end") else {
        return;
    };
    let session = Session::new(claude).with_context();
    let s = session.run("hello", &["/clear"]);
    expect::clear_completed(&s, &session.sfp_home());
}

#[test]
fn unreadable_context_files_never_break_the_session() {
    let Some(claude) = claude_or_skip("unreadable_context_files_never_break_the_session") else {
        return;
    };
    let session = Session::new(claude)
        .with_context()
        .env("SFP_LOG_LEVEL", "debug");
    let context = session.claude_dir().join(".context");
    // Root reads a mode-000 file, so unreadable means a symlink loop and bytes that are not UTF-8.
    std::os::unix::fs::symlink("rules.md", context.join("rules.md")).expect("symlink loop");
    std::fs::write(
        context.join("projects.md"),
        b"## Projects\n- \xff\xfe\x00 broken\n",
    )
    .unwrap();
    let s = session.run("hello", &["again"]);
    for hook in s
        .hooks("SessionStart")
        .into_iter()
        .chain(s.hooks("UserPromptSubmit"))
    {
        assert_eq!(hook.exit_code, Some(0), "{}", s.dump());
        assert!(
            hook.stdout.trim().is_empty() || hook.json().is_some(),
            "empty or one JSON object\n{}",
            s.dump()
        );
    }
    assert!(
        s.injected_with("rules.md").len() <= 1,
        "reported at most once\n{}",
        s.dump()
    );
    expect::went_on(&s, 0);
    expect::went_on(&s, 1);
    let log = std::fs::read_to_string(session.sfp_home().join("logs/sfp.log")).unwrap_or_default();
    assert!(
        log.contains("answered in"),
        "the hooks ran and logged: {log}\n{}",
        s.dump()
    );
}
