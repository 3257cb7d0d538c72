//! The TAG context through the real binary: SessionStart injects the block, prompts inject only
//! what changed, bad files are skipped, project evidence is reported once, and `sfp tags` shows
//! what would be injected.

mod common;

use common::{PassStdin as _, TestContext, WithStdin};
use serde_json::{Value, json};

/// A context whose `sfp.yaml` turns the health checks off (they speak at SessionStart too).
fn home() -> TestContext {
    let ctx = TestContext::new();
    settings(&ctx, "");
    ctx
}

/// `$SFP_HOME/sfp.yaml`: health checks off, then `tags`.
fn settings(ctx: &TestContext, tags: &str) {
    ctx.write_sfp_home(
        "sfp.yaml",
        format!(
            "health:\n  disabled: [plugin, context, memory, disk, project, claude, state]\n{tags}"
        ),
    );
}

/// `sfp hook EVENT` with the context's input for `event`, `extra`'s fields added.
fn hook_cmd(ctx: &TestContext, event: &str, extra: &Value) -> WithStdin {
    ctx.cmd(&["hook", event])
        .pass_stdin(ctx.input(event, extra))
}

/// Runs a hook and returns its `additionalContext` ("" when it printed nothing).
fn hook(ctx: &TestContext, event: &str, extra: &Value) -> String {
    let out = ctx.hook(event, &ctx.input(event, extra));
    assert!(out.status.success());
    let Some(v) = common::hook_json(&out) else {
        return String::new();
    };
    assert_eq!(v["hookSpecificOutput"]["hookEventName"], event);
    v["hookSpecificOutput"]["additionalContext"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn start(ctx: &TestContext) -> String {
    hook(ctx, "SessionStart", &json!({"source": "startup"}))
}

fn prompt(ctx: &TestContext) -> String {
    hook(ctx, "UserPromptSubmit", &json!({"prompt": "hello"}))
}

/// The whole run of a SessionStart, and of a prompt, for a snapshot.
fn start_run(ctx: &TestContext) -> WithStdin {
    hook_cmd(ctx, "SessionStart", &json!({"source": "startup"}))
}

fn prompt_run(ctx: &TestContext) -> WithStdin {
    hook_cmd(ctx, "UserPromptSubmit", &json!({"prompt": "hello"}))
}

fn log(ctx: &TestContext) -> String {
    std::fs::read_to_string(ctx.sfp_home.join("logs/sfp.log")).unwrap_or_default()
}

const RULES: &str = "# Rules\n\n## Rules\n\n- Never push to main\n\n- Run the tests first\n\n## Notes\n\nnot a tag\n";
const CLAUDE: &str = "## Identity\n- Dana, backend engineer\n### Preferences\n- Short answers\n";

fn with_context() -> TestContext {
    let ctx = home();
    ctx.write_claude(".context/CLAUDE.md", CLAUDE);
    ctx.write_claude(".context/rules.md", RULES);
    ctx
}

#[test]
fn a_session_gets_the_block_once_then_only_changes() {
    let ctx = with_context();
    cmd_snapshot!(ctx, start_run(&ctx));
    assert!(
        ctx.sfp_home
            .join("sessions/test-session/tags.json")
            .is_file()
    );

    assert_eq!(
        prompt(&ctx),
        "",
        "unchanged sources: the first prompt adds nothing"
    );
    assert_eq!(prompt(&ctx), "", "and neither does the next");

    // Same content written again: metadata moves, content does not, nothing is injected.
    ctx.write_claude(".context/rules.md", RULES);
    assert_eq!(prompt(&ctx), "");
    // An edit outside any mapped section changes no tag.
    ctx.write_claude(
        ".context/rules.md",
        RULES.replace("not a tag", "still not a tag"),
    );
    assert_eq!(prompt(&ctx), "");

    // One rule changed, one added: only those, and the replaced one as gone.
    ctx.write_claude(
        ".context/rules.md",
        "## Rules\n- Never push to main\n- Run the tests first, always\n- Sign commits\n",
    );
    let delta = prompt(&ctx);
    assert_eq!(
        delta,
        "The user's standing context changed during this session (~/.claude/.context/rules.md edited).\n\
         New or changed tags:\n\
         [U:rules] Run the tests first, always\n\
         [U:rules] Sign commits\n\
         Tags no longer in the context files:\n\
         [U:rules] Run the tests first"
    );
    assert_eq!(prompt(&ctx), "", "a delta is given once");

    // A new file in the project's own context directory is a change too: that tag alone.
    ctx.write_project(
        ".claude/sfp/context/team.md",
        "## Constraints\n- No new dependencies\n",
    );
    cmd_snapshot!(ctx, prompt_run(&ctx));
    assert_eq!(prompt(&ctx), "");
}

#[test]
fn a_prompt_without_session_start_gets_the_whole_block() {
    let ctx = with_context();
    cmd_snapshot!(ctx, prompt_run(&ctx));
    assert_eq!(prompt(&ctx), "");
}

#[test]
fn every_prompt_restores_the_original_behaviour() {
    let ctx = with_context();
    let block = start(&ctx);
    assert!(!block.is_empty());
    assert_eq!(prompt(&ctx), "");
    // Settings changed mid-session apply from the next prompt on.
    settings(&ctx, "tags:\n  every_prompt: true\n");
    assert_eq!(prompt(&ctx), block);
    assert_eq!(prompt(&ctx), block);
    settings(&ctx, "tags:\n  enabled: false\n");
    assert_eq!(prompt(&ctx), "");
    assert_eq!(start(&ctx), "");
}

#[test]
fn the_mapping_is_configurable() {
    let ctx = home();
    ctx.write_claude(
        ".context/CLAUDE.md",
        "## Stack\n- Rust and Postgres\n## Rules\n- off\n",
    );
    settings(
        &ctx,
        "tags:\n  sections:\n    stack: K:stack\n    rules: \"\"\n",
    );
    cmd_snapshot!(ctx, start_run(&ctx));
}

#[test]
fn bad_files_are_skipped_and_logged() {
    let ctx = with_context();
    let dir = ctx.claude.join(".context");
    std::fs::write(dir.join("binary.md"), b"\x00\x01\x02\x03PNG").unwrap();
    std::fs::write(dir.join("latin1.md"), b"## Rules\n- caf\xe9\n").unwrap();
    std::fs::File::create(dir.join("huge.md"))
        .unwrap()
        .set_len(50 * 1024 * 1024)
        .unwrap();
    std::os::unix::fs::symlink(dir.join("b.md"), dir.join("a.md")).unwrap();
    std::os::unix::fs::symlink(dir.join("a.md"), dir.join("b.md")).unwrap();
    std::os::unix::fs::symlink(dir.clone(), dir.join("loop.md")).unwrap();
    let fifo = dir.join("pipe.md");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );

    // The good files are read as if the bad ones were not there.
    let clean = with_context();
    assert_eq!(start(&ctx), start(&clean));
    let log = log(&ctx);
    for name in [
        "binary.md",
        "latin1.md",
        "huge.md",
        "a.md",
        "b.md",
        "loop.md",
        "pipe.md",
    ] {
        assert!(
            log.contains(&format!("skipped ~/.claude/.context/{name}")),
            "{name} not in log:\n{log}"
        );
    }
    assert_eq!(prompt(&ctx), "");

    // Skipped files are errors.
    cmd_snapshot!(ctx, ctx.cmd(&["tags", "check"]));
}

#[test]
fn project_evidence_is_reported_once_when_something_is_missing() {
    let ctx = with_context();
    ctx.write_project("package.json", r#"{"dependencies": {"left-pad": "1"}}"#);
    assert!(!start(&ctx).is_empty());
    cmd_snapshot!(ctx, prompt_run(&ctx));
    assert_eq!(prompt(&ctx), "", "once per session");
    // A healthy project says nothing.
    let ctx = with_context();
    ctx.write_project("package.json", r#"{"dependencies": {"left-pad": "1"}}"#);
    ctx.write_project("package-lock.json", "{}");
    std::fs::create_dir_all(ctx.project.join("node_modules")).unwrap();
    start(&ctx);
    assert_eq!(prompt(&ctx), "");
}

#[test]
fn sfp_tags_shows_what_would_be_injected() {
    let ctx = with_context();
    cmd_snapshot!(ctx, ctx.cmd(&["tags"]));

    let v: Value = serde_json::from_str(&ctx.ok(&["tags", "--json"])).unwrap();
    let injected = start(&ctx);
    assert_eq!(
        v["text"],
        injected.as_str(),
        "exactly what SessionStart injects"
    );
    assert_eq!(v["chars"], injected.chars().count());
    assert_eq!(v["tokens_estimate"], injected.chars().count().div_ceil(4));
    assert_eq!(v["tags_total"], 4);
    assert_eq!(v["tags"][0]["source"], "~/.claude/.context/rules.md");

    cmd_snapshot!(ctx, ctx.cmd(&["tags", "check"]), @r"
    success: true
    exit_code: 0
    ----- stdout -----
    2 file(s), 4 tag(s): 0 error(s), 0 warning(s) — all good

    ----- stderr -----
    ");
}

#[test]
fn sfp_tags_check_reports_empty_sections_cuts_and_budget() {
    let ctx = home();
    let mut text = String::from("## Rules\n\n## Preferences\n- ");
    text.push_str(&"long ".repeat(100));
    text.push_str("\n## Identity\n");
    for i in 0..80 {
        text.push_str("- fact number ");
        text.push_str(&i.to_string());
        text.push_str(" about the user and the work they do\n");
    }
    ctx.write_claude(".context/CLAUDE.md", &text);
    // Warnings only: exit 0.
    cmd_snapshot!(ctx, ctx.cmd(&["tags", "check"]));
    let out = ctx.run(&["tags", "check", "--json"]);
    assert_eq!(out.status.code(), Some(0), "warnings only");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["errors"], 0);
}

#[test]
fn no_context_files_means_no_output() {
    let ctx = home();
    assert_eq!(start(&ctx), "");
    assert_eq!(prompt(&ctx), "");
    cmd_snapshot!(ctx, ctx.cmd(&["tags"]));
    assert!(ctx.sfp_home.exists());
}

#[test]
fn a_damaged_state_file_starts_afresh() {
    let ctx = with_context();
    let block = start(&ctx);
    let state = ctx.sfp_home.join("sessions/test-session/tags.json");
    std::fs::write(&state, "{ half written").unwrap();
    assert_eq!(prompt(&ctx), block, "the whole block again");
    assert!(log(&ctx).contains("is not valid"), "{}", log(&ctx));
    assert_eq!(prompt(&ctx), "");
}

#[test]
fn a_hostile_session_id_stays_inside_sfp_home() {
    let ctx = with_context();
    let out = hook(
        &ctx,
        "SessionStart",
        &json!({"session_id": "../../../escape", "source": "startup"}),
    );
    assert_eq!(out, start(&with_context()));
    assert!(
        ctx.sfp_home
            .join("sessions/_.._.._escape/tags.json")
            .is_file()
    );
    assert!(!ctx.root.join("escape").exists());
}

#[test]
fn a_resumed_session_gets_only_what_changed() {
    let ctx = with_context();
    assert!(!start(&ctx).is_empty());
    let resume = || hook_cmd(&ctx, "SessionStart", &json!({"source": "resume"}));
    cmd_snapshot!(ctx, resume(), @r"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    ");
    ctx.write_claude(
        ".context/rules.md",
        "## Rules\n- Never push to main\n- Sign commits\n",
    );
    cmd_snapshot!(ctx, resume());
    // Compaction drops the block: it is given whole again.
    cmd_snapshot!(
        ctx,
        hook_cmd(&ctx, "SessionStart", &json!({"source": "compact"}))
    );
}

#[test]
fn a_rule_holding_a_secret_is_not_news_every_time_its_file_changes() {
    // What sfp keeps of the last injection is masked; the next one compares in the same form.
    let ctx = home();
    let token = "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"; // sfp:allow-secret (a sample)
    ctx.write_claude(
        ".context/rules.md",
        format!("## Rules\n- Deploy with {token}\n"),
    );
    cmd_snapshot!(ctx, start_run(&ctx));
    ctx.write_claude(
        ".context/rules.md",
        format!("## Rules\n- Deploy with {token}\n- Sign commits\n"),
    );
    cmd_snapshot!(
        ctx,
        hook_cmd(&ctx, "UserPromptSubmit", &json!({"prompt": "go on"}))
    );
}
