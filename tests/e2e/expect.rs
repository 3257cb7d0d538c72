//! The capabilities' scenarios as data and verdicts: how each session is set up, what the fake
//! model does, and what must be observed afterwards. `capabilities.rs` runs them against sfp.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::claude::Session;
use crate::summary::Summary;

/// A context file with sections that map to tags (`## Rules` → `[U:rules]`, …).
pub const CONTEXT: &str = "# Standing context\n\n## Identity\n- Maintainer of the e2e-fixture project\n\n\
                           ## Rules\n- Always run the test suite before committing\n\n\
                           ### Constraints\n- Never push to main on Fridays\n";

/// A rule of [`CONTEXT`], as it must reach the model.
pub const RULE: &str = "Always run the test suite before committing";

/// A project gate that fails while any `*.txt` file contains FORBIDDEN.
pub const GATES: &str = "tiers:\n  fast:\n    description: checks at every Stop\n    gates:\n\
                         \x20     - name: no-forbidden-words\n\
                         \x20       description: text files must not say FORBIDDEN\n\
                         \x20       command: \"! grep -rn FORBIDDEN --include=*.txt .\"\n\
                         \x20       critical: true\n\
                         \x20       required: true\n\
                         \x20       timeout: 10s\n\
                         \x20       file_patterns: [\"*.txt\"]\n\
                         \x20       fix: remove the word FORBIDDEN from the file\n";

/// The name of the gate in [`GATES`].
pub const GATE: &str = "no-forbidden-words";

/// A session whose `.context/CLAUDE.md` is [`CONTEXT`].
pub fn tags_session(claude: PathBuf) -> Session {
    let session = Session::new(claude);
    session.write(&session.claude_dir().join(".context/CLAUDE.md"), CONTEXT);
    session
}

/// A project with [`GATES`] committed, so only what the session writes counts as changed.
pub fn gated_session(claude: PathBuf) -> Session {
    let session = Session::new(claude).with_context();
    session.write(&session.project().join(".claude/sfp/gates.yaml"), GATES);
    session.write(&session.project().join("README.txt"), "a clean project\n");
    session.commit_all("gates");
    session
}

/// The model writes a file the gate rejects, stops, is sent back, fixes it, stops.
pub fn gate_turns() -> Vec<Value> {
    vec![
        json!({"tool": "Write", "input": {"file_path": "{cwd}/bad.txt", "content": "this is FORBIDDEN\n"}}),
        json!({"text": "I wrote bad.txt"}),
        json!({"tool": "Write", "input": {"file_path": "{cwd}/bad.txt", "content": "this is fine\n"}}),
        json!({"text": "fixed bad.txt"}),
    ]
}

/// The model writes a file the gate rejects and then answers "done" at every Stop, never fixing
/// it.
pub fn unfixed_gate_turns() -> Vec<Value> {
    vec![
        json!({"tool": "Write", "input": {"file_path": "{cwd}/bad.txt", "content": "this is FORBIDDEN\n"}}),
        json!({"text": "done (1)"}),
        json!({"text": "done (2)"}),
        json!({"text": "done (3)"}),
        json!({"text": "done (4)"}),
    ]
}

/// Gates: the first Stop blocked, each Stop after it without a fix blocked again ("attempt N of
/// 3"), then the user was told which gate still fails and the run ended with the model's word.
pub fn unfixed_failure_told_at_the_cap(s: &Summary) {
    let stops = s.hooks("Stop");
    assert_eq!(stops.len(), 4, "three blocks, then the cap\n{}", s.dump());
    for (i, stop) in stops.iter().take(3).enumerate() {
        let json = stop.json().unwrap_or_default();
        assert_eq!(json["decision"], "block", "Stop {i}\n{}", s.dump());
        let reason = json["reason"].as_str().unwrap_or_default();
        assert!(reason.contains(GATE), "{}", s.dump());
        assert!(
            reason.contains(&format!("Attempt {} of 3", i + 1)),
            "Stop {i}: {reason}\n{}",
            s.dump()
        );
    }
    let last = stops[3].json().unwrap_or_default();
    assert!(
        last.get("decision").is_none(),
        "the cap ends the loop\n{}",
        s.dump()
    );
    let msg = last["systemMessage"].as_str().unwrap_or_default();
    assert!(
        msg.contains(GATE) && msg.contains("still fail") && msg.contains("`sfp gates`"),
        "the user is told: {msg}\n{}",
        s.dump()
    );
    assert_eq!(
        s.injected_with("Stop hook feedback").len(),
        3,
        "Claude was sent back three times\n{}",
        s.dump()
    );
    assert!(stops.iter().all(|h| h.exit_code == Some(0)), "{}", s.dump());
    assert_eq!(
        s.runs[0].result_text.as_deref(),
        Some("done (4)"),
        "{}",
        s.dump()
    );
}

/// A gate in the style of a grep-based linter: every TODO in a changed .txt file, as `path:line:`.
pub const TODO_GATES: &str = "tiers:\n  fast:\n    gates:\n\
                              \x20     - name: todo\n\
                              \x20       command: \"! grep -Hn TODO -- ${SFP_FILES}\"\n\
                              \x20       critical: true\n\
                              \x20       file_patterns: [\"*.txt\"]\n\
                              \x20       fix: do the TODO or remove it\n";

/// The committed notes, with two old TODOs.
pub const DEBT: &str = "plan\nTODO write the intro\nbody\nTODO cite sources\n";

/// A project whose committed `notes.txt` already fails [`TODO_GATES`].
pub fn indebted_session(claude: PathBuf) -> Session {
    let session = Session::new(claude).with_context();
    session.write(
        &session.project().join(".claude/sfp/gates.yaml"),
        TODO_GATES,
    );
    session.write(&session.project().join("notes.txt"), DEBT);
    session.commit_all("notes with debt");
    session
}

/// First prompt: the model reads notes.txt and adds a clean line. Second prompt: it adds a TODO
/// of its own, is sent back, and removes it.
pub fn debt_turns() -> Vec<Value> {
    vec![
        json!({"tool": "Read", "input": {"file_path": "{cwd}/notes.txt"}}),
        json!({"tool": "Edit", "input": {"file_path": "{cwd}/notes.txt", "old_string": "body\n", "new_string": "body\nmore body\n"}}),
        json!({"text": "added a line"}),
        json!({"tool": "Edit", "input": {"file_path": "{cwd}/notes.txt", "old_string": "more body\n", "new_string": "more body\nTODO mine\n"}}),
        json!({"text": "added a todo"}),
        json!({"tool": "Edit", "input": {"file_path": "{cwd}/notes.txt", "old_string": "TODO mine\n", "new_string": "done mine\n"}}),
        json!({"text": "did my todo"}),
    ]
}

/// Gates with lint debt: the clean edit was not sent back (the user heard the old problems are
/// old), the new TODO was, naming only itself, and its fix ended the loop.
pub fn only_new_problems_sent_back(s: &Summary) {
    let stops = s.hooks("Stop");
    assert_eq!(stops.len(), 3, "{}", s.dump());
    let first = stops[0].json().unwrap_or_default();
    assert!(
        first.get("decision").is_none(),
        "old debt: no block\n{}",
        s.dump()
    );
    assert_eq!(
        first["systemMessage"],
        "todo: 2 problems predate this session, not sent to Claude",
        "{}",
        s.dump()
    );
    let second = stops[1].json().unwrap_or_default();
    assert_eq!(second["decision"], "block", "{}", s.dump());
    let reason = second["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("notes.txt:5:TODO mine"),
        "{reason}\n{}",
        s.dump()
    );
    assert!(
        !reason.contains("write the intro") && !reason.contains("cite sources"),
        "only the new problem: {reason}\n{}",
        s.dump()
    );
    let feedback = s.injected_with("Stop hook feedback");
    assert_eq!(feedback.len(), 1, "{}", s.dump());
    assert!(feedback[0].text.contains("TODO mine"), "{}", s.dump());
    let third = stops[2].json().unwrap_or_default();
    assert!(third.get("decision").is_none(), "{}", s.dump());
    assert_eq!(
        s.runs[1].result_text.as_deref(),
        Some("did my todo"),
        "{}",
        s.dump()
    );
}

/// The model writes one file, so there is something to hand over at compaction.
pub fn compact_turns() -> Vec<Value> {
    vec![
        json!({"tool": "Write", "input": {"file_path": "{cwd}/notes.md", "content": "# notes\n"}}),
        json!({"text": "wrote notes.md"}),
    ]
}

/// Files under `dir` whose path matches `pred`, at any depth.
pub fn files_under(dir: &Path, pred: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && pred(e.path()))
        .map(walkdir::DirEntry::into_path)
        .collect()
}

/// Run `run` of the session produced an answer: the session went on.
pub fn went_on(s: &Summary, run: usize) {
    let text = s.runs[run].result_text.as_deref().unwrap_or_default();
    assert!(
        !text.is_empty(),
        "run {run} produced no answer\n{}",
        s.dump()
    );
}

/// Tags: the block reached the model at SessionStart, in the first request, and every request
/// carries it exactly once: a prompt with unchanged context files adds nothing. (A resumed session
/// fires SessionStart again and is given the block again, since the first injection is not
/// replayed; the request after it still holds one copy.) `s` is a run of "hello" then a second
/// prompt.
pub fn tags_reached_once(s: &Summary) {
    let tags = s.injected_with(RULE);
    assert!(
        !tags.is_empty(),
        "the tag block reaches the model\n{}",
        s.dump()
    );
    let text = &tags[0].text;
    assert!(
        text.starts_with("SessionStart hook additional context"),
        "{}",
        s.dump()
    );
    assert!(text.contains("[U:rules]"), "{}", s.dump());
    assert!(text.contains("[C:constraints]"), "{}", s.dump());
    assert_eq!(tags[0].request, 1, "in the first request\n{}", s.dump());
    let per_request = s.occurrences_per_request(RULE);
    assert!(
        per_request.len() >= 2 && per_request.iter().all(|&n| n == 1),
        "every request carries the block exactly once: {per_request:?}\n{}",
        s.dump()
    );
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
    went_on(s, 1);
}

/// Gates: the first Stop blocked with the gate's name and output, the model was sent back once,
/// the fix made the second Stop pass, and the run ended with the model's last word.
pub fn gate_sent_back_until_fixed(s: &Summary) {
    let feedback = s.injected_with("Stop hook feedback");
    assert_eq!(feedback.len(), 1, "Claude is sent back once\n{}", s.dump());
    assert!(
        feedback[0].text.contains(GATE),
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

/// Gates: a turn that changed nothing ran no gate; the Stop hook said nothing.
pub fn no_gate_ran(s: &Summary) {
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

/// Handoff and backup: `/compact` wrote a handoff and a backup under `sfp_home`, PreCompact
/// completed, the compacted session's SessionStart carried the handoff, and it reached the model.
/// `s` is a run of a prompt, then "/compact", then another prompt.
pub fn compact_handed_over(s: &Summary, sfp_home: &Path) {
    let handoffs = files_under(&sfp_home.join("handoffs"), |p| {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        name.starts_with("handoff-") && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("md"))
    });
    assert!(!handoffs.is_empty(), "a handoff was written\n{}", s.dump());
    let metadata = files_under(&sfp_home.join("backups"), |p| p.ends_with("metadata.json"));
    assert!(!metadata.is_empty(), "a backup was written\n{}", s.dump());
    let pre = s.debug_hooks("PreCompact");
    assert!(
        pre.iter().any(|h| h.status == "completed with status 0"),
        "PreCompact completed\n{}",
        s.dump()
    );
    let compacted = s.hooks("SessionStart:compact");
    assert!(!compacted.is_empty(), "{}", s.dump());
    assert!(
        compacted.iter().any(|h| h
            .additional_context()
            .is_some_and(|c| c.to_lowercase().contains("handoff"))),
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

/// Handoff: `/clear` ran SessionEnd(clear) to completion (not cancelled) and it wrote a handoff.
pub fn clear_completed(s: &Summary, sfp_home: &Path) {
    let ends = s.debug_hooks("SessionEnd:clear");
    assert!(!ends.is_empty(), "{}", s.dump());
    assert!(
        ends.iter().all(|h| h.status == "completed with status 0"),
        "SessionEnd(clear) completed, not cancelled\n{}",
        s.dump()
    );
    assert!(
        s.debug_hooks("SessionEnd")
            .iter()
            .all(|h| h.status != "cancelled"),
        "{}",
        s.dump()
    );
    let handoffs = files_under(&sfp_home.join("handoffs"), |p| {
        p.extension().is_some_and(|e| e.eq_ignore_ascii_case("md"))
    });
    assert!(
        !handoffs.is_empty(),
        "SessionEnd wrote its handoff\n{}",
        s.dump()
    );
}
