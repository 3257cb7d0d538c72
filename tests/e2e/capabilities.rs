//! Scenarios of the capabilities beyond the foundation — TAG context, quality gates, handoff and
//! backup — written against their specifications. Each is `#[ignore]`d until its capability is
//! merged; switch it on by deleting the `#[ignore]` line. `cargo test --test e2e -- --ignored`
//! runs them regardless.
//!
//! The unreadable-context scenario runs already: whatever reads `.context/` must never break a
//! session over a file it cannot read.

use serde_json::json;

use crate::claude::{Session, claude_or_skip};
use crate::summary::Summary;

/// A context file with sections that map to tags (`## Rules` → `[U:rules]`, …).
const CONTEXT: &str = "# Standing context\n\n## Identity\n- Maintainer of the e2e-fixture project\n\n\
                       ## Rules\n- Always run the test suite before committing\n\n\
                       ### Constraints\n- Never push to main on Fridays\n";

/// A project gate that fails while any `*.txt` file contains FORBIDDEN.
const GATES: &str = "tiers:\n  fast:\n    description: checks at every Stop\n    gates:\n\
                     \x20     - name: no-forbidden-words\n\
                     \x20       description: text files must not say FORBIDDEN\n\
                     \x20       command: \"! grep -rn FORBIDDEN --include=*.txt .\"\n\
                     \x20       critical: true\n\
                     \x20       required: true\n\
                     \x20       timeout: 10s\n\
                     \x20       file_patterns: [\"*.txt\"]\n\
                     \x20       fix: remove the word FORBIDDEN from the file\n";

fn session_went_on(s: &Summary, run: usize) {
    let text = s.runs[run].result_text.as_deref().unwrap_or_default();
    assert!(
        !text.is_empty(),
        "run {run} produced no answer\n{}",
        s.dump()
    );
}

/// A project with the gate committed, so only what the session writes counts as changed.
fn gated_session(claude: std::path::PathBuf) -> Session {
    let session = Session::new(claude).with_context();
    session.write(&session.project().join(".claude/sfp/gates.yaml"), GATES);
    session.write(&session.project().join("README.txt"), "a clean project\n");
    session.commit_all("gates");
    session
}

#[test]
#[ignore = "enabled when TAG context (issue 4) lands"]
fn tags_reach_the_model_once() {
    let Some(claude) = claude_or_skip("tags_reach_the_model_once") else {
        return;
    };
    let session = Session::new(claude);
    session.write(&session.claude_dir().join(".context/CLAUDE.md"), CONTEXT);
    let s = session.run("hello", &["a second prompt"]);
    let tags = s.injected_with("Always run the test suite before committing");
    assert_eq!(
        tags.len(),
        1,
        "the tag block reaches the model once\n{}",
        s.dump()
    );
    assert!(
        tags[0]
            .text
            .starts_with("SessionStart hook additional context"),
        "{}",
        s.dump()
    );
    assert!(tags[0].text.contains("[U:rules]"), "{}", s.dump());
    assert!(tags[0].text.contains("[C:constraints]"), "{}", s.dump());
    assert_eq!(tags[0].request, 1, "in the first request\n{}", s.dump());
    let prompts = s.hooks("UserPromptSubmit");
    assert_eq!(prompts.len(), 2, "{}", s.dump());
    for hook in prompts {
        assert_eq!(hook.exit_code, Some(0), "{}", s.dump());
        assert!(
            !hook.stdout.contains("[U:") && !hook.stdout.contains("[K:"),
            "an unchanged context adds nothing on a prompt\n{}",
            s.dump()
        );
    }
    session_went_on(&s, 1);
}

#[test]
#[ignore = "enabled when quality gates (issue 3) land"]
fn critical_gate_failure_sends_claude_back_until_fixed() {
    let Some(claude) = claude_or_skip("critical_gate_failure_sends_claude_back_until_fixed") else {
        return;
    };
    let session = gated_session(claude).script(vec![
        json!({"tool": "Write", "input": {"file_path": "{cwd}/bad.txt", "content": "this is FORBIDDEN\n"}}),
        json!({"text": "I wrote bad.txt"}),
        json!({"tool": "Write", "input": {"file_path": "{cwd}/bad.txt", "content": "this is fine\n"}}),
        json!({"text": "fixed bad.txt"}),
    ]);
    let s = session.run("write bad.txt", &[]);
    let feedback = s.injected_with("Stop hook feedback");
    assert_eq!(feedback.len(), 1, "Claude is sent back once\n{}", s.dump());
    assert!(
        feedback[0].text.contains("no-forbidden-words"),
        "names the gate\n{}",
        s.dump()
    );
    assert!(
        feedback[0].text.contains("bad.txt"),
        "and the failing output\n{}",
        s.dump()
    );
    let stops = s.hooks("Stop");
    assert_eq!(
        stops.len(),
        2,
        "a blocked Stop, then a passing one\n{}",
        s.dump()
    );
    assert_eq!(
        stops[0].json().map(|j| j["decision"].clone()),
        Some(json!("block")),
        "{}",
        s.dump()
    );
    assert!(
        stops[1].json().is_none_or(|j| j.get("decision").is_none()),
        "the fix ends the loop\n{}",
        s.dump()
    );
    assert!(stops.iter().all(|h| h.exit_code == Some(0)), "{}", s.dump());
    assert_eq!(
        s.runs[0].result_text.as_deref(),
        Some("fixed bad.txt"),
        "{}",
        s.dump()
    );
}

#[test]
#[ignore = "enabled when quality gates (issue 3) land"]
fn a_turn_that_changed_nothing_runs_no_gate() {
    let Some(claude) = claude_or_skip("a_turn_that_changed_nothing_runs_no_gate") else {
        return;
    };
    let session = gated_session(claude).script(vec![json!({"text": "nothing to change"})]);
    let s = session.run("just talk", &[]);
    let stops = s.hooks("Stop");
    assert_eq!(stops.len(), 1, "{}", s.dump());
    assert_eq!(stops[0].exit_code, Some(0), "{}", s.dump());
    assert_eq!(
        stops[0].stdout.trim(),
        "",
        "no gate ran, nothing said\n{}",
        s.dump()
    );
    assert!(
        s.injected_with("Stop hook feedback").is_empty(),
        "{}",
        s.dump()
    );
}

#[test]
#[ignore = "enabled when quality gates (issue 3) land"]
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

/// Files under `dir` whose path matches `pred`, at any depth.
fn files_under(
    dir: &std::path::Path,
    pred: impl Fn(&std::path::Path) -> bool,
) -> Vec<std::path::PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && pred(e.path()))
        .map(walkdir::DirEntry::into_path)
        .collect()
}

#[test]
#[ignore = "enabled when handoff and backup (issue 5) land"]
fn compact_writes_a_handoff_and_a_backup_and_hands_it_over() {
    let Some(claude) = claude_or_skip("compact_writes_a_handoff_and_a_backup_and_hands_it_over")
    else {
        return;
    };
    let session = Session::new(claude).with_context().script(vec![
        json!({"tool": "Write", "input": {"file_path": "{cwd}/notes.md", "content": "# notes\n"}}),
        json!({"text": "wrote notes.md"}),
    ]);
    let s = session.run("write notes", &["/compact", "carry on"]);
    let handoffs = files_under(&session.sfp_home().join("handoffs"), |p| {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        name.starts_with("handoff-") && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("md"))
    });
    assert!(!handoffs.is_empty(), "a handoff was written\n{}", s.dump());
    let metadata = files_under(&session.sfp_home().join("backups"), |p| {
        p.ends_with("metadata.json")
    });
    assert!(!metadata.is_empty(), "a backup was written\n{}", s.dump());
    let pre = s.debug_hooks("PreCompact");
    assert!(
        pre.iter().any(|h| h.status == "completed with status 0"),
        "PreCompact completed\n{}",
        s.dump()
    );
    let compacted = s.hooks("SessionStart:compact");
    assert_eq!(compacted.len(), 1, "{}", s.dump());
    let context = compacted[0].additional_context().unwrap_or_default();
    assert!(
        context.to_lowercase().contains("handoff"),
        "the compacted session is given the handoff\n{}",
        s.dump()
    );
    let handed = s.injected_with("SessionStart hook additional context");
    assert!(
        handed
            .iter()
            .any(|i| i.text.to_lowercase().contains("handoff")),
        "the handoff reaches the model after compaction\n{}",
        s.dump()
    );
}

#[test]
#[ignore = "enabled when handoff and backup (issue 5) land"]
fn clear_completes_session_end() {
    let Some(claude) = claude_or_skip("clear_completes_session_end") else {
        return;
    };
    let session = Session::new(claude).with_context();
    let s = session.run("hello", &["/clear"]);
    let ends = s.debug_hooks("SessionEnd:clear");
    assert_eq!(ends.len(), 1, "{}", s.dump());
    assert_eq!(
        ends[0].status,
        "completed with status 0",
        "not cancelled\n{}",
        s.dump()
    );
    assert!(
        s.debug_hooks("SessionEnd")
            .iter()
            .all(|h| h.status != "cancelled"),
        "{}",
        s.dump()
    );
    let handoffs = files_under(&session.sfp_home().join("handoffs"), |p| {
        p.extension().is_some_and(|e| e == "md")
    });
    assert!(
        !handoffs.is_empty(),
        "SessionEnd wrote its handoff\n{}",
        s.dump()
    );
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
    session_went_on(&s, 0);
    session_went_on(&s, 1);
    let log = std::fs::read_to_string(session.sfp_home().join("logs/sfp.log")).unwrap_or_default();
    assert!(
        log.contains("answered in"),
        "the hooks ran and logged: {log}\n{}",
        s.dump()
    );
}
