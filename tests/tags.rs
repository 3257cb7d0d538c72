//! The TAG context through the real binary: SessionStart injects the block, prompts inject only
//! what changed, bad files are skipped, project evidence is reported once, and `sfp tags` shows
//! what would be injected.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

struct Home {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Home {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        std::fs::create_dir_all(root.join("home/.claude/.context")).unwrap();
        std::fs::create_dir_all(root.join("proj")).unwrap();
        let home = Self { _dir: dir, root };
        home.settings("");
        home
    }

    /// `$SFP_HOME/sfp.yaml`: health checks off (they speak at SessionStart too), then `tags`.
    fn settings(&self, tags: &str) {
        self.write(
            "home/.claude/sfp/sfp.yaml",
            &format!("health:\n  disabled: [plugin, context, memory, disk, project, claude, state]\n{tags}"),
        );
    }

    fn context(&self) -> PathBuf {
        self.root.join("home/.claude/.context")
    }

    fn proj(&self) -> PathBuf {
        self.root.join("proj")
    }

    fn sfp_home(&self) -> PathBuf {
        self.root.join("home/.claude/sfp")
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sfp"));
        cmd.env_clear()
            .env("HOME", self.root.join("home"))
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("NO_COLOR", "1")
            .current_dir(self.proj())
            .args(args);
        cmd
    }

    fn run(&self, args: &[&str], stdin: &str) -> Output {
        use std::io::Write;
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    /// Runs a hook and returns its `additionalContext` ("" when it printed nothing).
    fn hook(&self, event: &str, extra: &Value) -> String {
        let mut input = json!({
            "session_id": "sess-1",
            "cwd": self.proj(),
            "hook_event_name": event,
        });
        for (k, v) in extra.as_object().unwrap() {
            input[k] = v.clone();
        }
        let out = self.run(&["hook", event], &input.to_string());
        assert!(out.status.success());
        let stdout = String::from_utf8(out.stdout).unwrap();
        if stdout.trim().is_empty() {
            return String::new();
        }
        let v: Value = serde_json::from_str(&stdout).expect("one JSON object");
        assert_eq!(v["hookSpecificOutput"]["hookEventName"], event);
        v["hookSpecificOutput"]["additionalContext"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    fn start(&self) -> String {
        self.hook("SessionStart", &json!({"source": "startup"}))
    }

    fn prompt(&self) -> String {
        self.hook("UserPromptSubmit", &json!({"prompt": "hello"}))
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.sfp_home().join("logs/sfp.log")).unwrap_or_default()
    }
}

const RULES: &str = "# Rules\n\n## Rules\n\n- Never push to main\n\n- Run the tests first\n\n## Notes\n\nnot a tag\n";
const CLAUDE: &str = "## Identity\n- Dana, backend engineer\n### Preferences\n- Short answers\n";

fn with_context() -> Home {
    let h = Home::new();
    h.write("home/.claude/.context/CLAUDE.md", CLAUDE);
    h.write("home/.claude/.context/rules.md", RULES);
    h
}

#[test]
fn a_session_gets_the_block_once_then_only_changes() {
    let h = with_context();
    let start = h.start();
    assert!(
        start.starts_with(
            "The user's standing context, from their context files (~/.claude/.context), as tags"
        ),
        "{start}"
    );
    let lines: Vec<&str> = start.lines().skip(1).collect();
    assert_eq!(
        lines,
        [
            "[U:rules] Never push to main",
            "[U:rules] Run the tests first",
            "[U:preferences] Short answers",
            "[K:identity] Dana, backend engineer",
        ]
    );
    assert!(h.sfp_home().join("sessions/sess-1/tags.json").is_file());

    assert_eq!(
        h.prompt(),
        "",
        "unchanged sources: the first prompt adds nothing"
    );
    assert_eq!(h.prompt(), "", "and neither does the next");

    // Same content written again: metadata moves, content does not, nothing is injected.
    h.write("home/.claude/.context/rules.md", RULES);
    assert_eq!(h.prompt(), "");
    // An edit outside any mapped section changes no tag.
    h.write(
        "home/.claude/.context/rules.md",
        &RULES.replace("not a tag", "still not a tag"),
    );
    assert_eq!(h.prompt(), "");

    // One rule changed, one added: only those, and the replaced one as gone.
    h.write(
        "home/.claude/.context/rules.md",
        "## Rules\n- Never push to main\n- Run the tests first, always\n- Sign commits\n",
    );
    let delta = h.prompt();
    assert_eq!(
        delta,
        "The user's standing context changed during this session (~/.claude/.context/rules.md edited).\n\
         New or changed tags:\n\
         [U:rules] Run the tests first, always\n\
         [U:rules] Sign commits\n\
         Tags no longer in the context files:\n\
         [U:rules] Run the tests first"
    );
    assert_eq!(h.prompt(), "", "a delta is given once");

    // A new file in the project's own context directory is a change too.
    h.write(
        "proj/.claude/sfp/context/team.md",
        "## Constraints\n- No new dependencies\n",
    );
    let delta = h.prompt();
    assert!(
        delta.contains("[C:constraints] No new dependencies"),
        "{delta}"
    );
    assert!(!delta.contains("Never push"), "{delta}");
    assert_eq!(h.prompt(), "");
}

#[test]
fn a_prompt_without_session_start_gets_the_whole_block() {
    let h = with_context();
    let first = h.prompt();
    assert!(first.contains("[U:rules] Never push to main"), "{first}");
    assert!(
        first.contains("[K:identity] Dana, backend engineer"),
        "{first}"
    );
    assert_eq!(h.prompt(), "");
}

#[test]
fn every_prompt_restores_the_original_behaviour() {
    let h = with_context();
    assert!(h.start().contains("Never push"));
    assert_eq!(h.prompt(), "");
    // Settings changed mid-session apply from the next prompt on.
    h.settings("tags:\n  every_prompt: true\n");
    assert!(h.prompt().contains("Never push"));
    assert!(h.prompt().contains("Never push"));
    h.settings("tags:\n  enabled: false\n");
    assert_eq!(h.prompt(), "");
    assert_eq!(h.start(), "");
}

#[test]
fn the_mapping_is_configurable() {
    let h = Home::new();
    h.write(
        "home/.claude/.context/CLAUDE.md",
        "## Stack\n- Rust and Postgres\n## Rules\n- off\n",
    );
    h.settings("tags:\n  sections:\n    stack: K:stack\n    rules: \"\"\n");
    let start = h.start();
    assert!(start.ends_with("\n[K:stack] Rust and Postgres"), "{start}");
    assert!(!start.contains("off"));
}

#[test]
fn bad_files_are_skipped_and_logged() {
    let h = with_context();
    let ctx = h.context();
    std::fs::write(ctx.join("binary.md"), b"\x00\x01\x02\x03PNG").unwrap();
    std::fs::write(ctx.join("latin1.md"), b"## Rules\n- caf\xe9\n").unwrap();
    std::fs::File::create(ctx.join("huge.md"))
        .unwrap()
        .set_len(50 * 1024 * 1024)
        .unwrap();
    std::os::unix::fs::symlink(ctx.join("b.md"), ctx.join("a.md")).unwrap();
    std::os::unix::fs::symlink(ctx.join("a.md"), ctx.join("b.md")).unwrap();
    std::os::unix::fs::symlink(ctx.clone(), ctx.join("loop.md")).unwrap();
    let fifo = ctx.join("pipe.md");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );

    let start = h.start();
    assert!(start.contains("[U:rules] Never push to main"), "{start}");
    let log = h.log();
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
    assert_eq!(h.prompt(), "");

    let out = h.run(&["tags", "check"], "");
    assert_eq!(out.status.code(), Some(1), "skipped files are errors");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("✗ ~/.claude/.context/huge.md: skipped: 52428800 bytes"),
        "{text}"
    );
    assert!(
        text.contains("✗ ~/.claude/.context/latin1.md: skipped: not valid UTF-8"),
        "{text}"
    );
    assert!(
        text.contains("✗ ~/.claude/.context/pipe.md: skipped: not a regular file"),
        "{text}"
    );
}

#[test]
fn project_evidence_is_reported_once_when_something_is_missing() {
    let h = with_context();
    h.write(
        "proj/package.json",
        r#"{"dependencies": {"left-pad": "1"}}"#,
    );
    assert!(h.start().contains("Never push"));
    let first = h.prompt();
    assert!(first.starts_with("Project evidence for "), "{first}");
    assert!(first.contains("(node)"), "{first}");
    assert!(
        first.contains("package.json declares 1 dependency and there is no node_modules/"),
        "{first}"
    );
    assert!(
        first.contains("missing file required by evidence.yaml: package-lock.json or yarn.lock"),
        "{first}"
    );
    assert_eq!(h.prompt(), "", "once per session");
    // A healthy project says nothing.
    let h = with_context();
    h.write(
        "proj/package.json",
        r#"{"dependencies": {"left-pad": "1"}}"#,
    );
    h.write("proj/package-lock.json", "{}");
    std::fs::create_dir_all(h.proj().join("node_modules")).unwrap();
    h.start();
    assert_eq!(h.prompt(), "");
}

#[test]
fn sfp_tags_shows_what_would_be_injected() {
    let h = with_context();
    let out = h.run(&["tags"], "");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("[U:rules] Never push to main\n"), "{text}");
    assert!(text.contains("characters, ~"), "{text}");
    assert!(text.contains("4 of 4 tags from 2 file(s)"), "{text}");

    let out = h.run(&["tags", "--json"], "");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let injected = h.start();
    assert_eq!(
        v["text"],
        injected.as_str(),
        "exactly what SessionStart injects"
    );
    assert_eq!(v["chars"], injected.chars().count());
    assert_eq!(v["tokens_estimate"], injected.chars().count().div_ceil(4));
    assert_eq!(v["tags_total"], 4);
    assert_eq!(v["tags"][0]["source"], "~/.claude/.context/rules.md");

    let out = h.run(&["tags", "check"], "");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("0 error(s), 0 warning(s) — all good"),
        "{text}"
    );
}

#[test]
fn sfp_tags_check_reports_empty_sections_cuts_and_budget() {
    let h = Home::new();
    let mut text = String::from("## Rules\n\n## Preferences\n- ");
    text.push_str(&"long ".repeat(100));
    text.push_str("\n## Identity\n");
    for i in 0..80 {
        text.push_str("- fact number ");
        text.push_str(&i.to_string());
        text.push_str(" about the user and the work they do\n");
    }
    h.write("home/.claude/.context/CLAUDE.md", &text);
    let out = h.run(&["tags", "check", "--json"], "");
    assert_eq!(out.status.code(), Some(0), "warnings only");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let messages: Vec<&str> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["message"].as_str().unwrap())
        .collect();
    assert!(
        messages.contains(&"section `Rules` (U:rules) has no items"),
        "{messages:#?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("[U:preferences] item cut at 280 characters"))
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("left out by the 4,000-character budget"))
    );
    assert_eq!(v["errors"], 0);
}

#[test]
fn no_context_files_means_no_output() {
    let h = Home::new();
    assert_eq!(h.start(), "");
    assert_eq!(h.prompt(), "");
    let out = h.run(&["tags"], "");
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .starts_with("No tags:")
    );
    assert!(Path::new(&h.sfp_home()).exists());
}

#[test]
fn a_damaged_state_file_starts_afresh() {
    let h = with_context();
    assert!(h.start().contains("Never push"));
    let state = h.sfp_home().join("sessions/sess-1/tags.json");
    std::fs::write(&state, "{ half written").unwrap();
    let again = h.prompt();
    assert!(again.contains("[U:rules] Never push to main"), "{again}");
    assert!(h.log().contains("is not valid"), "{}", h.log());
    assert_eq!(h.prompt(), "");
}

#[test]
fn a_hostile_session_id_stays_inside_sfp_home() {
    let h = with_context();
    let out = h.hook(
        "SessionStart",
        &json!({"session_id": "../../../escape", "source": "startup"}),
    );
    assert!(out.contains("Never push"));
    assert!(
        h.sfp_home()
            .join("sessions/_.._.._escape/tags.json")
            .is_file()
    );
    assert!(!h.root.join("escape").exists());
}

#[test]
fn a_resumed_session_gets_only_what_changed() {
    let h = with_context();
    assert!(h.start().contains("[U:rules] Never push to main"));
    let resume = || h.hook("SessionStart", &json!({"source": "resume"}));
    assert_eq!(
        resume(),
        "",
        "the resumed conversation already holds the block"
    );
    h.write(
        "home/.claude/.context/rules.md",
        "## Rules\n- Never push to main\n- Sign commits\n",
    );
    let delta = resume();
    assert!(
        delta.contains("[U:rules] Sign commits") && !delta.contains("Never push"),
        "{delta}"
    );
    let compact = h.hook("SessionStart", &json!({"source": "compact"}));
    assert!(
        compact.contains("[U:rules] Never push to main"),
        "compaction drops the block: {compact}"
    );
}

#[test]
fn a_rule_holding_a_secret_is_not_news_every_time_its_file_changes() {
    // What sfp keeps of the last injection is masked; the next one compares in the same form.
    let h = Home::new();
    let token = "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"; // sfp:allow-secret (a sample)
    h.write(
        "home/.claude/.context/rules.md",
        &format!("## Rules\n- Deploy with {token}\n"),
    );
    assert!(h.start().contains("Deploy with ghp_kNta…[github token]"));
    h.write(
        "home/.claude/.context/rules.md",
        &format!("## Rules\n- Deploy with {token}\n- Sign commits\n"),
    );
    let delta = h.hook("UserPromptSubmit", &json!({"prompt": "go on"}));
    assert!(
        delta.contains("[U:rules] Sign commits") && !delta.contains("Deploy with"),
        "{delta}"
    );
}
