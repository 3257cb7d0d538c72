//! Handoffs through the real binary: written by the PreCompact and SessionEnd hooks and by
//! `sfp handoff create`, listed, shown, pruned, and given back at SessionStart.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

use common::{PassStdin as _, TestContext};

const SESSION: &str = "a1d3ea29-a3bb-470b-8c2d-47ba3d2ef5f9";

fn fixture() -> PathBuf {
    common::fixture(&format!("transcripts/{SESSION}.jsonl"))
}

/// A [`TestContext`] with a git project holding one untracked file, and health checks off.
struct Sandbox {
    ctx: TestContext,
    root: PathBuf,
    project: PathBuf,
}

impl Sandbox {
    fn new() -> Self {
        let mut ctx = TestContext::new().with_git();
        ctx.write_project("notes.txt", "x\n");
        // `handoff list` prints minutes and pads ids, which get a sequence number when two are
        // made in the same second; handoffs live in a directory named by the project's hash, and
        // name the transcript fixture they were made from.
        ctx.filter(r"(?m)\b\d{4}-\d{2}-\d{2} \d{2}:\d{2}\b([^:]|$)", "[TIME]$1")
            .filter(r"(handoff-\d{8}-\d{6}-[0-9a-f-]{36})(-\d+)? +", "$1  ")
            .filter(r"\bproject-[0-9a-f]{8}\b", "project-[HASH]")
            .filter(
                &regex::escape(&common::repo_root().display().to_string()),
                "[REPO]",
            );
        let sb = Self {
            root: ctx.root.clone(),
            project: ctx.project.clone(),
            ctx,
        };
        // Health stays quiet so that SessionStart output is the handoff's alone.
        sb.config("health:\n  disabled: [plugin, context, memory, disk, project, claude, state]\n");
        sb
    }

    fn sfp_home(&self) -> PathBuf {
        self.ctx.sfp_home.clone()
    }

    fn config(&self, yaml: &str) {
        self.ctx.write_sfp_home("sfp.yaml", yaml);
    }

    fn cmd(&self) -> Command {
        self.ctx.cmd(&[])
    }

    fn run(&self, args: &[&str]) -> Output {
        self.ctx.run(args)
    }

    /// `sfp hook EVENT` with `input`, ready for [`cmd_snapshot!`].
    fn hook_cmd(&self, event: &str, input: &Value) -> common::WithStdin {
        self.ctx.cmd(&["hook", event]).pass_stdin(input.to_string())
    }

    fn hook(&self, event: &str, input: &Value) -> Output {
        let out = self.ctx.hook(event, input.to_string().as_bytes());
        assert!(out.status.success(), "hooks always exit 0");
        out
    }

    fn pre_compact(&self, transcript: &Path) -> Output {
        self.hook(
            "pre-compact",
            &json!({"session_id": SESSION, "transcript_path": transcript, "cwd": self.project,
                    "hook_event_name": "PreCompact", "trigger": "manual", "custom_instructions": null}),
        )
    }

    fn session_start(&self, source: &str) -> Option<String> {
        let out = self.hook(
            "session-start",
            &json!({"session_id": "next-session", "cwd": self.project, "hook_event_name": "SessionStart", "source": source}),
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        if stdout.trim().is_empty() {
            return None;
        }
        let v: Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(v["hookSpecificOutput"]["hookEventName"], "SessionStart");
        Some(
            v["hookSpecificOutput"]["additionalContext"]
                .as_str()
                .unwrap()
                .to_owned(),
        )
    }

    fn listed(&self) -> Vec<Value> {
        let out = self.run(&[
            "handoff",
            "list",
            "--json",
            "--project",
            self.project.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Vec<Value>>(&out.stdout).unwrap()
    }

    fn latest(&self) -> Value {
        let out = self.run(&[
            "handoff",
            "show",
            "latest",
            "--json",
            "--project",
            self.project.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

#[test]
fn the_real_transcript_hands_over_the_edited_file_the_last_message_and_the_next_step() {
    let sb = Sandbox::new();
    let out = sb.pre_compact(&fixture());
    assert!(out.stdout.is_empty(), "PreCompact prints nothing");
    let h = sb.latest();
    assert_eq!(h["trigger"], "PreCompact (manual)");
    assert_eq!(h["session_id"], SESSION);
    assert_eq!(
        h["requests"],
        json!(["Please add an add() function in src/app.py"])
    );
    assert_eq!(h["files"][0]["path"], "/home/user/project/src/app.py");
    assert_eq!(h["files"][0]["tools"], json!(["Write", "Edit"]));
    assert_eq!(
        h["last_message"],
        "Added src/app.py with an add() function. Next: write tests for add()."
    );
    assert_eq!(h["next_steps"], json!(["write tests for add()"]));
    assert_eq!(h["git"]["status"], json!(["?? notes.txt"]));

    cmd_snapshot!(
        sb.ctx,
        sb.ctx
            .cmd(&["handoff", "show", "--project", sb.project.to_str().unwrap()])
    );
    let id = h["id"].as_str().unwrap();
    let md_file = sb.sfp_home().join("handoffs");
    let found: Vec<_> = walk(&md_file)
        .into_iter()
        .filter(|p| p.ends_with(format!("{id}.md")))
        .collect();
    assert_eq!(found.len(), 1, "stored as {id}.md beside {id}.json");
}

#[test]
fn a_rewound_transcript_with_nulls_and_reminders_hands_over_the_active_branch() {
    let fixture = common::fixture("transcripts/rewind-nulls-reminders.jsonl");
    let check = |h: &Value| {
        assert_eq!(
            h["requests"],
            json!([
                "Please add an add() function in src/app.py",
                "Instead, write tests for add() in tests/test_app.py"
            ]),
            "no reminder text, and not the request the user rewound"
        );
        assert_eq!(
            h["last_message"],
            "Wrote tests/test_app.py. Next: run pytest."
        );
        let files: Vec<&str> = h["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["path"].as_str().unwrap())
            .collect();
        assert_eq!(
            files,
            [
                "/home/user/project/src/app.py",
                "/home/user/project/tests/test_app.py"
            ]
        );
        assert!(
            h["notes"]
                .as_array()
                .unwrap()
                .contains(&json!("4 transcript line(s) on a rewound branch left out")),
            "{}",
            h["notes"]
        );
        let all = h.to_string();
        for gone in [
            "lookup",
            "system-reminder",
            "TodoWrite tool",
            "opened the file",
        ] {
            assert!(!all.contains(gone), "{gone:?} in {all}");
        }
    };
    let sb = Sandbox::new();
    sb.pre_compact(&fixture);
    check(&sb.latest());

    let out = sb.run(&[
        "handoff",
        "create",
        "--json",
        "--transcript",
        fixture.to_str().unwrap(),
        "--project",
        sb.project.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    check(&serde_json::from_slice(&out.stdout).unwrap());
    cmd_snapshot!(
        sb.ctx,
        sb.ctx
            .cmd(&["handoff", "show", "--project", sb.project.to_str().unwrap()])
    );
}

#[test]
fn session_start_after_compact_gives_back_a_bounded_summary() {
    let sb = Sandbox::new();
    sb.pre_compact(&fixture());
    cmd_snapshot!(
        sb.ctx,
        sb.hook_cmd(
            "session-start",
            &json!({"session_id": "next-session", "cwd": sb.project, "hook_event_name": "SessionStart", "source": "compact"}),
        )
    );
    let context = sb
        .session_start("compact")
        .expect("a summary after compact");
    assert!(context.chars().count() <= 4_000);
    for source in ["resume", "clear", "fork"] {
        let again = sb
            .session_start(source)
            .expect("given after resume, clear and fork too");
        assert_eq!(again, context, "the same summary after {source}");
    }

    sb.config("health:\n  disabled: [plugin, context, memory, disk, project, claude, state]\nhandoff:\n  summary_chars: 300\n");
    let short = sb.session_start("compact").unwrap();
    assert!(
        short.chars().count() <= 300,
        "{} chars",
        short.chars().count()
    );
    assert!(short.ends_with("[… truncated by sfp]"), "{short}");
}

#[test]
fn a_damaged_latest_handoff_is_passed_over() {
    let sb = Sandbox::new();
    sb.pre_compact(&fixture());
    let more = sb.root.join("more.jsonl");
    let text = std::fs::read_to_string(fixture()).unwrap()
        + &json!({"type": "user", "message": {"content": "second request"}}).to_string()
        + "\n";
    std::fs::write(&more, text).unwrap();
    sb.pre_compact(&more);
    let list = sb.listed();
    assert_eq!(list.len(), 2);
    std::fs::write(list[0]["json"].as_str().unwrap(), b"{\"format\": 1, \"requ").unwrap();
    // The older handoff is given, with no failure notice: the damaged one is not read.
    cmd_snapshot!(
        sb.ctx,
        sb.hook_cmd(
            "session-start",
            &json!({"session_id": "n", "cwd": sb.project, "hook_event_name": "SessionStart", "source": "compact"}),
        ),
        @r#"
        success: true
        exit_code: 0
        ----- stdout -----
        {"hookSpecificOutput":{"additionalContext":"Handoff from the previous session (session a1d3ea29, written [TIME] UTC on PreCompact (manual), just now, project [PROJECT]):\n- The user's recent requests: \"Please add an add() function in src/app.py\"\n- Files changed: /home/user/project/src/app.py\n- Next steps: write tests for add()\n- Claude's last message: \"Added src/app.py with an add() function. Next: write tests for add().\"\n- Git: branch main, 1 uncommitted change: ?? notes.txt\nThe full handoff is in [SFP_HOME]/handoffs/project-[HASH]/handoff-[ID]-a1d3ea29-a3bb-470b-8c2d-47ba3d2ef5f9.md.","hookEventName":"SessionStart"}}

        ----- stderr -----
        "#
    );
}

#[test]
fn startup_gives_a_fresh_handoff_but_not_an_old_one() {
    let sb = Sandbox::new();
    assert_eq!(sb.session_start("startup"), None, "nothing to give yet");
    sb.pre_compact(&fixture());
    assert!(
        sb.session_start("startup").is_some(),
        "a handoff written just now is given"
    );

    // Age the handoff past the default 12 h.
    let h = sb.latest();
    let json_path = PathBuf::from(sb.listed()[0]["json"].as_str().unwrap());
    let mut old = h.clone();
    old["created_at"] = json!((chrono::Utc::now() - chrono::Duration::hours(13)).to_rfc3339());
    std::fs::write(&json_path, serde_json::to_vec(&old).unwrap()).unwrap();
    assert_eq!(
        sb.session_start("startup"),
        None,
        "an old handoff is not given on startup"
    );
    assert!(
        sb.session_start("compact").is_some(),
        "but is after compact"
    );

    sb.config("health:\n  disabled: [plugin, context, memory, disk, project, claude, state]\nhandoff:\n  startup_max_age: 2d\n");
    assert!(
        sb.session_start("startup").is_some(),
        "startup_max_age is configurable"
    );
}

#[test]
fn session_end_skips_a_handoff_of_unchanged_work_and_writes_new_work() {
    let sb = Sandbox::new();
    sb.pre_compact(&fixture());
    let end = |transcript: &Path, reason: &str| {
        sb.hook(
            "session-end",
            &json!({"session_id": SESSION, "transcript_path": transcript, "cwd": sb.project,
                    "hook_event_name": "SessionEnd", "reason": reason}),
        )
    };
    let out = end(&fixture(), "clear");
    assert!(out.stdout.is_empty());
    assert_eq!(sb.listed().len(), 1, "same work as the PreCompact handoff");

    let more = sb.root.join("more.jsonl");
    let mut text = std::fs::read_to_string(fixture()).unwrap();
    text +=
        &json!({"type": "user", "message": {"role": "user", "content": "now rename add to plus"}})
            .to_string();
    text.push('\n');
    std::fs::write(&more, text).unwrap();
    end(&more, "other");
    let list = sb.listed();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["trigger"], "SessionEnd (other)", "newest first");
    assert_eq!(sb.latest()["requests"][1], "now rename add to plus");
}

#[test]
fn six_handoffs_created_at_once_are_all_kept_and_prune_keeps_the_newest() {
    let sb = Sandbox::new();
    let fixture = fixture();
    let project = sb.project.to_str().unwrap();
    let children: Vec<_> = (0..6)
        .map(|_| {
            sb.cmd()
                .args([
                    "handoff",
                    "create",
                    "--transcript",
                    fixture.to_str().unwrap(),
                    "--project",
                    project,
                ])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let list = sb.listed();
    assert_eq!(list.len(), 6, "{list:#?}");
    let mut ids: Vec<&str> = list.iter().map(|v| v["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 6);

    cmd_snapshot!(sb.ctx, sb.ctx.cmd(&["handoff", "prune", "--keep", "2", "--project", project]), @r"
        success: true
        exit_code: 0
        ----- stdout -----
        removed 4 handoff(s), kept 2

        ----- stderr -----
        ");
    assert_eq!(sb.listed().len(), 2);

    // Retention after each new handoff follows `handoff.keep`.
    sb.config("handoff:\n  keep: 3\n");
    for _ in 0..3 {
        sb.run(&[
            "handoff",
            "create",
            "--transcript",
            fixture.to_str().unwrap(),
            "--project",
            project,
        ]);
    }
    assert_eq!(sb.listed().len(), 3);
}

#[test]
fn secrets_are_masked_in_both_files() {
    let sb = Sandbox::new();
    let key = format!("ghp_{}", "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8");
    let t = sb.root.join("secret.jsonl");
    let lines = [
        json!({"type": "user", "message": {"content": format!("push with token {key}")}}),
        json!({"type": "assistant", "message": {"content": [{"type": "text", "text": format!("Used {key}. Next: rotate {key}")}]}}),
    ];
    std::fs::write(
        &t,
        lines
            .iter()
            .map(|l| l.to_string() + "\n")
            .collect::<String>(),
    )
    .unwrap();
    let out = sb.run(&[
        "handoff",
        "create",
        "--transcript",
        t.to_str().unwrap(),
        "--project",
        sb.project.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let files = walk(&sb.sfp_home().join("handoffs"));
    assert_eq!(files.len(), 2);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(!text.contains(&key), "{} leaks the token", f.display());
        assert!(text.contains("…[github token]"), "{}", f.display());
    }
    let context = sb.session_start("clear").unwrap();
    assert!(!context.contains(&key));
}

#[test]
fn a_session_without_a_transcript_writes_nothing_and_bad_requests_fail_clearly() {
    let sb = Sandbox::new();
    let out = sb.pre_compact(&sb.root.join("not-yet.jsonl"));
    assert!(out.stdout.is_empty());
    assert!(sb.listed().is_empty(), "nothing to hand over");

    cmd_snapshot!(
        sb.ctx,
        sb.ctx.cmd(&["handoff", "show", "nope", "--project", sb.project.to_str().unwrap()]),
        @r"
        success: false
        exit_code: 1
        ----- stdout -----

        ----- stderr -----
        error: no handoff `nope` in [SFP_HOME]/handoffs/project-[HASH]
        "
    );
    cmd_snapshot!(
        sb.ctx,
        sb.ctx.cmd(&["handoff", "create", "--transcript", "/no/such.jsonl"]),
        @r"
        success: false
        exit_code: 1
        ----- stdout -----

        ----- stderr -----
        error: no transcript at /no/such.jsonl
        "
    );
}

#[test]
fn create_finds_the_session_transcript_under_the_claude_config_dir() {
    let sb = Sandbox::new();
    let slug: String = sb
        .project
        .to_string_lossy()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let dir = sb.ctx.claude.join("projects").join(slug);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(fixture(), dir.join(format!("{SESSION}.jsonl"))).unwrap();
    let project = sb.project.to_str().unwrap();
    let out = sb.run(&["handoff", "create", "--project", project]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        sb.latest()["session_id"],
        SESSION,
        "the project's newest transcript"
    );
    let out = sb.run(&[
        "handoff",
        "create",
        "--session",
        SESSION,
        "--project",
        project,
        "--json",
    ]);
    let h: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(h["next_steps"], json!(["write tests for add()"]));
    cmd_snapshot!(sb.ctx, sb.ctx.cmd(&["handoff", "list", "--project", project]), @r"
        success: true
        exit_code: 0
        ----- stdout -----
        handoff-[ID]-a1d3ea29-a3bb-470b-8c2d-47ba3d2ef5f9  [TIME]  sfp handoff create      1 file(s)  Please add an add() function in src/app.py
        handoff-[ID]-a1d3ea29-a3bb-470b-8c2d-47ba3d2ef5f9  [TIME]  sfp handoff create      1 file(s)  Please add an add() function in src/app.py

        ----- stderr -----
        ");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.file_type().unwrap().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

#[test]
fn a_resumed_session_is_not_handed_its_own_handoff() {
    let sb = Sandbox::new();
    sb.pre_compact(&fixture());
    let start = |session: &str, source: &str| {
        let out = sb.hook(
            "session-start",
            &json!({"session_id": session, "cwd": sb.project, "hook_event_name": "SessionStart", "source": source}),
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let own = "a1d3ea29-a3bb-470b-8c2d-47ba3d2ef5f9";
    // The resumed conversation already holds its own work.
    cmd_snapshot!(
        sb.ctx,
        sb.hook_cmd(
            "session-start",
            &json!({"session_id": own, "cwd": sb.project, "hook_event_name": "SessionStart", "source": "resume"}),
        ),
        @r"
        success: true
        exit_code: 0
        ----- stdout -----

        ----- stderr -----
        "
    );
    assert!(
        start(own, "compact").contains("Handoff from"),
        "compaction drops it"
    );
    assert!(start("another", "resume").contains("Handoff from"));
}
