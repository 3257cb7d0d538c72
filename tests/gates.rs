//! The real `sfp` binary running gates: `sfp gates run|list|check` in a terminal, and the
//! PostToolUse and Stop hooks as Claude Code calls them. Every test gets a TestContext of its own
//! (HOME, SFP_HOME, a git project, a scrubbed environment) with its `gates.yaml` committed.

mod common;

use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{PassStdin as _, TestContext, WithStdin, git};
use serde_json::{Value, json};

/// A [`TestContext`] whose git project has `.claude/sfp/gates.yaml` committed.
struct Sandbox(TestContext);

impl Deref for Sandbox {
    type Target = TestContext;

    fn deref(&self) -> &TestContext {
        &self.0
    }
}

impl DerefMut for Sandbox {
    fn deref_mut(&mut self) -> &mut TestContext {
        &mut self.0
    }
}

impl Sandbox {
    /// A git project whose `.claude/sfp/gates.yaml` is `gates`.
    fn new(gates: &str) -> Self {
        let mut ctx = TestContext::new().with_git();
        ctx.write_project(".claude/sfp/gates.yaml", gates);
        git(&ctx.project, &["add", "."]);
        git(&ctx.project, &["commit", "-qm", "init"]);
        // A shipped gate that needs a tool is skipped either way on the tests' files (they are no
        // Python or Go): for the tool's absence where it is missing, for the files where not.
        ctx.filter(
            r"(?m)^(- +(?:ruff-check|ruff-format|gofmt) +skipped(?: critical)?  )(?:`\w+` is not installed \(not on PATH\)|no (?:changed )?file matches .*)$",
            "$1[NO TOOL OR NO FILE]",
        );
        // A row's duration is right-aligned after the gate's name: its padding varies with it.
        ctx.filter(r"(?m)^(\S+ \S+) +(\d+(?:\.\d+)?(?:µs|ms|s))  ", "$1  $2  ");
        Self(ctx)
    }

    fn gates(&self, args: &[&str]) -> Output {
        self.run(&[&["gates"], args].concat())
    }

    fn gates_json(&self, args: &[&str]) -> (i32, Value) {
        let out = self.gates(&[args, &["--json"]].concat());
        let v = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
        (out.status.code().unwrap(), v)
    }

    /// `sfp hook EVENT` with `input`, for a snapshot of the whole run.
    fn hook_run(&self, event: &str, input: &Value) -> WithStdin {
        self.cmd(&["hook", event]).pass_stdin(input.to_string())
    }

    /// The answer of `sfp hook EVENT` to `input`, with `extra_env` set.
    fn answer(&self, event: &str, input: &Value, extra_env: &[(&str, &str)]) -> Option<Value> {
        let out = self.hook_with(event, input.to_string().as_bytes(), |c| {
            c.envs(extra_env.iter().copied());
        });
        assert_eq!(out.status.code(), Some(0), "a hook always exits 0");
        common::hook_json(&out)
    }

    fn stop_input(&self, active: bool, tasks: &[Value]) -> Value {
        json!({
            "session_id": "sess-1", "cwd": self.project, "hook_event_name": "Stop",
            "stop_hook_active": active, "background_tasks": tasks, "session_crons": []
        })
    }

    fn stop(&self, active: bool) -> Option<Value> {
        self.stop_with(active, &[], &[])
    }

    fn stop_with(&self, active: bool, tasks: &[Value], env: &[(&str, &str)]) -> Option<Value> {
        self.answer("stop", &self.stop_input(active, tasks), env)
    }

    /// The Stop hook's whole run, for a snapshot.
    fn stop_run(&self, active: bool) -> WithStdin {
        self.hook_run("stop", &self.stop_input(active, &[]))
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.write_project(rel, text);
        let input = json!({
            "session_id": "sess-1", "cwd": self.project, "hook_event_name": "PostToolUse",
            "tool_name": "Write", "tool_input": {"file_path": path, "content": text},
            "tool_response": {"filePath": path, "success": true}
        });
        assert_eq!(self.answer("post-tool-use", &input, &[]), None);
    }
}

/// Waits up to 10 s for a gate to write the pid of its background child to `file`.
fn pid_written_to(file: &Path) -> u32 {
    let started = Instant::now();
    while !file.exists() && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(50));
    std::fs::read_to_string(file)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// Fails the test unless `pid` is gone soon after the run that started it has ended.
fn assert_ended_with(pid: u32, run: &str) {
    std::thread::sleep(Duration::from_millis(100));
    assert!(!sfp::api::process_alive(pid), "sleep {pid} outlived {run}");
}

/// Sends `signal` to the process `pid`.
fn kill(signal: &str, pid: u32) {
    let sent = Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

fn gate(name: &str, command: &str, extra: &str) -> String {
    format!(
        "tiers:\n  fast:\n    gates:\n      - name: {name}\n        command: '{}'\n{extra}",
        command.replace('\'', "''")
    )
}

fn find<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == name)
        .unwrap_or_else(|| panic!("no gate {name} in {report}"))
}

const FORBIDDEN: &str = "tiers:\n  fast:\n    gates:\n      - name: forbidden\n        command: '! grep -rn FORBIDDEN --include=*.txt .'\n        file_patterns: ['*.txt']\n        critical: true\n        fix: Remove the word FORBIDDEN from the .txt files.\n";

#[test]
fn a_gate_past_its_timeout_is_reported_timed_out_promptly() {
    let sb = Sandbox::new(&gate("slow", "sleep 30", "        timeout: 200ms\n"));
    let started = Instant::now();
    let (code, report) = sb.gates_json(&["--all-files"]);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(code, 1);
    let g = find(&report, "slow");
    assert_eq!(g["status"], "timed_out");
    assert!(g["reason"].as_str().unwrap().contains("200 ms"), "{g}");
}

#[test]
fn background_children_of_a_gate_do_not_survive_the_run() {
    let sb = Sandbox::new(&gate(
        "bg",
        "sleep 60 & echo $! > ../bg.pid; wait",
        "        timeout: 300ms\n",
    ));
    let (_, report) = sb.gates_json(&["--all-files"]);
    assert_eq!(find(&report, "bg")["status"], "timed_out");
    assert_ended_with(pid_written_to(&sb.project.join("../bg.pid")), "the run");
}

#[test]
fn a_hundred_megabytes_of_output_is_captured_bounded() {
    let sb = Sandbox::new(&gate(
        "flood",
        "head -c 100000000 /dev/zero | tr \"\\0\" x; exit 1",
        "",
    ));
    let (_, report) = sb.gates_json(&["--all-files"]);
    let g = find(&report, "flood");
    assert_eq!(g["status"], "failed");
    assert_eq!(g["output_bytes"], 100_000_000);
    let kept = g["output"].as_str().unwrap().len();
    assert!(kept < 100_000, "kept {kept} bytes");
    assert!(
        g["output"]
            .as_str()
            .unwrap()
            .contains("bytes of output omitted")
    );
}

#[test]
fn exit_codes_and_signals_come_through() {
    let sb = Sandbox::new(
        "gates:\n  - {name: three, command: 'exit 3'}\n  - {name: killed, command: 'kill -9 $$'}\n  - {name: fine, command: 'echo ok'}\n  - {name: advisory, command: 'exit 1', required: false}\n",
    );
    let (code, report) = sb.gates_json(&["--all-files"]);
    assert_eq!(code, 1);
    assert_eq!(find(&report, "three")["exit_code"], 3);
    assert_eq!(find(&report, "killed")["signal"], 9);
    assert_eq!(find(&report, "fine")["status"], "passed");
    assert_eq!(find(&report, "advisory")["status"], "failed");

    let (code, report) = sb.gates_json(&["--all-files", "--gate", "fine", "--gate", "advisory"]);
    assert_eq!(code, 0, "an advisory failure does not fail the run");
    assert_eq!(report["status"], "warned");
    assert_eq!(report["gates"].as_array().unwrap().len(), 2);
}

#[test]
fn the_table_shows_failures_with_their_tail_and_fix() {
    let sb = Sandbox::new(FORBIDDEN);
    std::fs::write(sb.project.join("a.txt"), "hello FORBIDDEN\n").unwrap();
    cmd_snapshot!(sb, sb.cmd(&["gates"]));
    let kpis = std::fs::read_to_string(sb.sfp_home.join("kpis/events.jsonl")).unwrap();
    let event: Value = serde_json::from_str(kpis.lines().last().unwrap()).unwrap();
    assert_eq!(event["trigger"], "cli");
    assert_eq!(event["status"], "failed");
}

#[test]
fn config_errors_carry_file_line_and_column() {
    let sb = Sandbox::new(
        "tiers:\n  fast:\n    gates:\n      - name: a\n        command: x\n        timeout: soon\n",
    );
    cmd_snapshot!(sb, sb.cmd(&["gates", "check"]));
    let sb =
        Sandbox::new("gates:\n  - {name: a, command: x, timout: 5}\n  - {name: a, command: y}\n");
    cmd_snapshot!(sb, sb.cmd(&["gates", "check"]));
    // An unknown key is a warning: exit 0.
    let sb = Sandbox::new("gates:\n  - {name: a, command: x, timout: 5}\n");
    cmd_snapshot!(sb, sb.cmd(&["gates", "check"]));
}

#[test]
fn gates_check_names_the_fix_for_a_bare_number_and_the_new_spelling_of_an_old_key() {
    let sb = Sandbox::new(
        "tiers:\n  fast:\n    gates:\n      - name: a\n        command: x\n        timeout: 30000\n",
    );
    std::fs::write(
        sb.project.join(".claude/sfp/sfp.yaml"),
        "format:\n  timeout_ms: 2500\n",
    )
    .unwrap();
    let out = sb.gates(&["check"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(
            "gates.yaml:6:18: error: tiers.fast.gates[0].timeout: `30000` has no unit: write \
             30000ms or 30s"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "sfp.yaml:2:3: warning: `format.timeout_ms` is an old name: write `timeout: 2500ms`"
        ),
        "{text}"
    );
}

#[test]
fn a_broken_layer_fails_the_terminal_run_and_only_notes_at_stop() {
    let sb = Sandbox::new(
        "tiers:\n  fast:\n    gates:\n      - name: a\n        command: 'true'\n        timeout: soon\n",
    );
    std::fs::write(sb.project.join("a.txt"), "x\n").unwrap();
    cmd_snapshot!(sb, sb.cmd(&["gates", "run"]));
    assert_eq!(sb.gates(&["check"]).status.code(), Some(1));
    sb.write("a.txt", "y\n");
    // A notice, no decision.
    cmd_snapshot!(sb, sb.stop_run(false));
}

#[test]
fn sfp_skip_and_sfp_gates_off_switch_gates_off() {
    let sb = Sandbox::new(FORBIDDEN);
    std::fs::write(sb.project.join("a.txt"), "FORBIDDEN\n").unwrap();
    let out = sb
        .cmd(&["gates", "--json"])
        .env("SFP_SKIP", "forbidden")
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        find(&report, "forbidden")["reason"],
        "skipped by SFP_SKIP or `sfp gates skip`"
    );
    assert_eq!(out.status.code(), Some(0));
    let out = sb.cmd(&["gates"]).env("SFP_GATES", "off").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
}

#[test]
fn stop_blocks_on_a_critical_failure_then_passes_once_fixed() {
    let sb = Sandbox::new(FORBIDDEN);
    sb.write("a.txt", "hello FORBIDDEN\n");
    let ledger = std::fs::read_to_string(sb.sfp_home.join("sessions/sess-1/ledger.jsonl")).unwrap();
    let line: Value = serde_json::from_str(ledger.lines().next().unwrap()).unwrap();
    assert_eq!(line["tool"], "Write");
    assert_eq!(
        Path::new(line["path"].as_str().unwrap()),
        sb.project.join("a.txt")
    );

    cmd_snapshot!(sb, sb.stop_run(false));

    // Claude continued but changed nothing: sent back again with the same reason, no gate run.
    cmd_snapshot!(sb, sb.stop_run(true));

    sb.write("a.txt", "hello, all fixed now\n");
    assert_eq!(sb.stop(true), None, "passing gates are silent");
    assert_eq!(sb.stop(false), None, "nothing changed since: silent");
    let events = std::fs::read_to_string(sb.sfp_home.join("kpis/events.jsonl")).unwrap();
    let statuses: Vec<String> = events
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["status"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    // The repeated Stop ran the gate again (from the cache): its run is logged too.
    assert_eq!(statuses, ["failed", "failed", "passed"]);
}

#[test]
fn stop_sees_bash_edits_through_git_status() {
    let sb = Sandbox::new(FORBIDDEN);
    std::fs::write(sb.project.join("b.txt"), "FORBIDDEN\n").unwrap();
    assert_eq!(sb.stop(false).expect("a block")["decision"], "block");
}

#[test]
fn stop_stops_blocking_after_the_limit() {
    let sb = Sandbox::new(FORBIDDEN);
    std::fs::write(
        sb.project.join(".claude/sfp/sfp.yaml"),
        "gates:\n  max_blocks: 2\n",
    )
    .unwrap();
    sb.write("a.txt", "FORBIDDEN\n");
    assert_eq!(sb.stop(false).expect("a block")["decision"], "block");
    assert_eq!(sb.stop(true).expect("a block")["decision"], "block");
    // Changed or not, the same failing gate counts towards the same limit: past it the user is
    // told and Claude is not sent back.
    sb.write("a.txt", "FORBIDDEN!!\n");
    cmd_snapshot!(sb, sb.stop_run(true));
    cmd_snapshot!(sb, sb.stop_run(true));
    // A new turn with the same failure does not start the count again...
    sb.write("a.txt", "FORBIDDEN again\n");
    assert!(sb.stop(false).unwrap().get("decision").is_none());
    // ...passing does, and so does another set of failing gates.
    sb.write("a.txt", "fine\n");
    assert_eq!(sb.stop(false), None);
    sb.write("a.txt", "FORBIDDEN once more\n");
    assert_eq!(sb.stop(false).unwrap()["decision"], "block");
}

#[test]
fn stop_never_loops_when_the_session_state_cannot_be_saved() {
    let sb = Sandbox::new(FORBIDDEN);
    let sessions = sb.sfp_home.join("sessions");
    std::fs::create_dir_all(&sessions).unwrap();
    // `sessions/sess-1` is a plain file: neither the ledger nor gates.json can be written.
    std::fs::write(sessions.join("sess-1"), "not a directory").unwrap();
    // Every time a message for the user, never a block: the first Stop cannot save the state,
    // the next ones cannot read it.
    std::fs::write(sb.project.join("a.txt"), "FORBIDDEN\n").unwrap();
    cmd_snapshot!(sb, sb.stop_run(false));
    for attempt in 1..6 {
        std::fs::write(
            sb.project.join("a.txt"),
            format!("FORBIDDEN{}\n", "!".repeat(attempt)),
        )
        .unwrap();
        insta::allow_duplicates! {
            cmd_snapshot!(sb, sb.stop_run(true), @r#"
            success: true
            exit_code: 0
            ----- stdout -----
            {"systemMessage":"sfp gates: forbidden failed; the session's gate state could not be read, so Claude is not sent back again. Run `sfp gates` to see them."}

            ----- stderr -----
            "#);
        }
    }
}

#[test]
fn stop_is_silent_while_background_tasks_run_or_gates_are_off() {
    let sb = Sandbox::new(FORBIDDEN);
    sb.write("a.txt", "FORBIDDEN\n");
    let task = json!({"id": "t1", "type": "shell", "status": "running"});
    assert_eq!(sb.stop_with(false, &[task], &[]), None);
    assert_eq!(sb.stop_with(false, &[], &[("SFP_GATES", "off")]), None);
    assert_eq!(sb.stop_with(false, &[], &[("SFP_SKIP", "forbidden")]), None);
    // Only the SFP_SKIP run ran (its one gate skipped); the other two did nothing at all.
    let events = std::fs::read_to_string(sb.sfp_home.join("kpis/events.jsonl")).unwrap();
    assert_eq!(events.lines().count(), 1, "{events}");
}

#[test]
fn non_critical_failures_only_tell_the_user() {
    let sb = Sandbox::new(&gate(
        "style",
        "exit 1",
        "        file_patterns: ['*.txt']\n",
    ));
    sb.write("a.txt", "x\n");
    let out = sb.stop(false).expect("a message");
    assert!(out.get("decision").is_none(), "{out}");
    assert_eq!(out["systemMessage"], "sfp gates (fast): style failed");
}

#[test]
fn timeouts_and_gates_that_cannot_start_never_send_claude_back() {
    // Three critical gates Claude cannot fix: a timeout, a `root` that does not exist, and a
    // non-critical timeout; the timeout rate (2 of 3) is a CRITICAL alert, which must not block.
    let sb = Sandbox::new(
        "tiers:\n  fast:\n    gates:\n      - {name: slow, command: 'sleep 30', timeout: 200ms, critical: true, file_patterns: ['*.txt']}\n      - {name: web, command: 'true', root: frontend, critical: true, file_patterns: ['*.txt']}\n      - {name: slower, command: 'sleep 30', timeout: 200ms, file_patterns: ['*.txt']}\n",
    );
    // A message for the user, twice, and no block.
    sb.write("a.txt", "x0\n");
    cmd_snapshot!(sb, sb.stop_run(false));
    sb.write("a.txt", "x1\n");
    cmd_snapshot!(sb, sb.stop_run(true));
    // A person running them still gets a failed run.
    let (code, report) = sb.gates_json(&["--all-files"]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(find(&report, "web")["status"], "error");
    assert_eq!(find(&report, "slow")["status"], "timed_out");
    assert!(
        report["alerts"].to_string().contains("timeout_rate"),
        "{report}"
    );
}

#[test]
fn a_critical_gate_cut_off_by_the_run_budget_is_only_reported() {
    let sb = Sandbox::new(&gate(
        "long",
        "sleep 30",
        "        critical: true\n        file_patterns: ['*.txt']\n",
    ));
    std::fs::write(
        sb.project.join(".claude/sfp/sfp.yaml"),
        "gates:\n  budget: 1s\n",
    )
    .unwrap();
    sb.write("a.txt", "x\n");
    cmd_snapshot!(sb, sb.stop_run(false));
}

#[test]
fn a_real_failure_blocks_and_a_timeout_beside_it_is_only_reported() {
    let sb = Sandbox::new(
        "tiers:\n  fast:\n    gates:\n      - {name: bad, command: 'echo wrong; exit 1', critical: true, file_patterns: ['*.txt']}\n      - {name: slow, command: 'sleep 30', timeout: 200ms, critical: true, file_patterns: ['*.txt']}\n",
    );
    sb.write("a.txt", "x\n");
    // The block holds `bad` alone; `slow` is in the message for the user.
    cmd_snapshot!(sb, sb.stop_run(false));
}

#[test]
fn stop_with_nothing_changed_runs_nothing() {
    let sb = Sandbox::new(&gate("marker", "touch ../ran", ""));
    assert_eq!(sb.stop(false), None);
    assert!(!sb.project.join("../ran").exists());
    assert!(!sb.sfp_home.join("kpis/events.jsonl").exists());
}

#[test]
fn ctrl_c_stops_every_gate_and_exits_130() {
    let sb = Sandbox::new(&gate("long", "sleep 30 & echo $! > ../long.pid; wait", ""));
    let mut child = sb
        .cmd(&["gates", "--all-files"])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let pid = pid_written_to(&sb.project.join("../long.pid"));
    kill("-INT", child.id());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert_ended_with(pid, "Ctrl-C");
}

#[test]
fn auto_format_tells_claude_when_the_file_changed() {
    let mut sb = Sandbox::new("gates: []\n");
    let bin = sb.home.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let tool = bin.join("upcase");
    std::fs::write(
        &tool,
        "#!/bin/sh\ntr a-z A-Z < \"$1\" > \"$1.tmp\" && mv \"$1.tmp\" \"$1\"\n",
    )
    .unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&tool)
        .status()
        .unwrap();
    std::fs::write(
        sb.project.join(".claude/sfp/sfp.yaml"),
        "format:\n  exclude_dirs: [vendor]\n  formatters:\n    txt: upcase {file}\n    md: not-installed-sfp {file}\n",
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    sb.env("PATH", path);
    let input = |tool: &str, rel: &str, text: &str| {
        let file = sb.write_project(rel, text);
        json!({
            "session_id": "sess-1", "cwd": sb.project, "hook_event_name": "PostToolUse",
            "tool_name": tool, "tool_input": {"file_path": file}
        })
    };
    let read = |rel: &str| std::fs::read_to_string(sb.project.join(rel)).unwrap();
    let post_with = |tool: &str, rel: &str, text: &str| {
        let out = sb.answer("post-tool-use", &input(tool, rel, text), &[]);
        (out, read(rel))
    };
    let post = |rel: &str, text: &str| post_with("Edit", rel, text);
    // After Write and Edit the CLI itself tells Claude a hook modified the file: sfp adds nothing.
    assert_eq!(post("a.txt", "hello\n"), (None, "HELLO\n".to_owned()));
    assert_eq!(
        post_with("Write", "w.txt", "hi\n"),
        (None, "HI\n".to_owned())
    );
    // After MultiEdit it does not, so sfp does.
    let multi_edit = input("MultiEdit", "m.txt", "hello\n");
    cmd_snapshot!(sb, sb.hook_run("post-tool-use", &multi_edit));
    assert_eq!(read("m.txt"), "HELLO\n");
    assert_eq!(
        post("b.txt", "ALREADY\n"),
        (None, "ALREADY\n".to_owned()),
        "unchanged: silent"
    );
    assert_eq!(
        post("vendor/c.txt", "x\n"),
        (None, "x\n".to_owned()),
        "excluded dir"
    );
    assert_eq!(
        post("d.md", "x\n"),
        (None, "x\n".to_owned()),
        "formatter not installed"
    );
}

#[test]
fn auto_format_formats_rust_in_the_crate_edition_like_cargo_fmt() {
    // The shipped `rs` formatter on an edition-2024 crate: a let-chain is 2024-only syntax.
    let sb = Sandbox::new("gates: []\n");
    std::fs::write(
        sb.project.join("Cargo.toml"),
        "[package]\nname = \"chain\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(sb.project.join("src")).unwrap();
    let file = sb.project.join("src/lib.rs");
    std::fs::write(
        &file,
        "pub fn f(a: Option<u8>, b: bool) -> u8 { if let Some(x) = a && b { x } else { 0 } }\n",
    )
    .unwrap();
    let input = json!({
        "session_id": "sess-1", "cwd": sb.project, "hook_event_name": "PostToolUse",
        "tool_name": "Write", "tool_input": {"file_path": file}
    });
    // The sandbox's HOME hides the toolchain from rustup's proxies: point them at the real one.
    let real_home = PathBuf::from(std::env::var_os("HOME").unwrap_or_default());
    let toolchain = |var: &str, dir: &str| {
        std::env::var_os(var).map_or_else(|| real_home.join(dir), PathBuf::from)
    };
    let (rustup, cargo) = (
        toolchain("RUSTUP_HOME", ".rustup"),
        toolchain("CARGO_HOME", ".cargo"),
    );
    let env = [
        ("RUSTUP_HOME", rustup.to_str().unwrap()),
        ("CARGO_HOME", cargo.to_str().unwrap()),
    ];
    // The CLI tells Claude the file changed after a Write: sfp says nothing.
    assert_eq!(sb.answer("post-tool-use", &input, &env), None);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("    if let Some(x) = a\n        && b\n"),
        "{text}"
    );
    let check = Command::new("cargo")
        .args(["fmt", "--check"])
        .envs(env)
        .current_dir(&sb.project)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "cargo fmt disagrees: {}",
        String::from_utf8_lossy(&check.stdout)
    );
}

#[test]
fn alerts_escalating_to_critical_block_without_a_critical_gate() {
    let sb = Sandbox::new(
        "tiers:\n  fast:\n    gates:\n      - {name: a, command: 'exit 1', file_patterns: ['*.txt']}\n      - {name: b, command: 'exit 1', file_patterns: ['*.txt']}\n      - {name: c, command: 'exit 1', file_patterns: ['*.txt']}\n",
    );
    sb.write("x.txt", "x\n");
    // A block for the three failures; the alert is in the user's message, not in the reason.
    cmd_snapshot!(sb, sb.stop_run(false));
}

#[test]
fn a_stop_hook_terminated_by_claude_code_takes_its_gates_with_it() {
    let sb = Sandbox::new(&gate(
        "long",
        "sleep 30 & echo $! > ../long.pid; wait",
        "        file_patterns: ['*.txt']\n",
    ));
    std::fs::write(sb.project.join("a.txt"), "x\n").unwrap();
    let input = json!({"session_id": "s", "cwd": sb.project, "hook_event_name": "Stop"});
    let (child, writer) =
        common::spawn_with_stdin(&mut sb.cmd(&["hook", "stop"]), input.to_string().as_bytes());
    let pid = pid_written_to(&sb.project.join("../long.pid"));
    kill("-TERM", child.id());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert_eq!(out.status.code(), Some(0), "a hook always exits 0");
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(answer.get("decision").is_none(), "{answer}");
    assert_ended_with(pid, "the hook");
}

#[test]
fn gates_last_explains_the_block_and_gates_skip_lasts_the_session() {
    let sb = Sandbox::new(FORBIDDEN);
    let session_cmd = |args: &[&str]| {
        let mut c = sb.cmd(&[&["gates"], args].concat());
        c.env("CLAUDE_CODE_SESSION_ID", "sess-1");
        c
    };
    let in_session = |args: &[&str]| session_cmd(args).output().unwrap();
    let text = |out: &Output| String::from_utf8_lossy(&out.stdout).into_owned();
    cmd_snapshot!(sb, session_cmd(&["last"]), @r"
    success: true
    exit_code: 0
    ----- stdout -----
    no gates have run at a Stop of this session yet

    ----- stderr -----
    ");

    sb.write("a.txt", "hello FORBIDDEN\n");
    let block = sb.stop(false).expect("a block");
    let shown = text(&in_session(&["last"]));
    // What Claude was sent back with, as the Stop hook gave it.
    let first_line = block["reason"].as_str().unwrap().lines().next().unwrap();
    assert!(shown.contains(&format!("  {first_line}")), "{shown}");
    cmd_snapshot!(sb, session_cmd(&["last"]));
    // Without a session there is nothing to show: exit 1 and say how to name one.
    cmd_snapshot!(sb, sb.cmd(&["gates", "last"]), @r"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    warning: sfp: no session: run this inside Claude Code (CLAUDE_CODE_SESSION_ID) or pass --session ID
    ");

    // An unknown gate is refused; a known one is skipped from the next Stop of this session on.
    assert_eq!(in_session(&["skip", "nope"]).status.code(), Some(1));
    let skip = in_session(&["skip", "forbidden"]);
    assert_eq!(skip.status.code(), Some(0), "{}", text(&skip));
    sb.write("a.txt", "still FORBIDDEN\n");
    assert_eq!(sb.stop(false), None, "the skipped gate sends no one back");
    let (_, json) = {
        let out = in_session(&["last", "--json"]);
        (
            out.status.code(),
            serde_json::from_slice::<Value>(&out.stdout).unwrap(),
        )
    };
    assert_eq!(json["skipped"], json!(["forbidden"]), "{json}");
    assert_eq!(json["last"]["block_reason"], Value::Null, "{json}");
    // `sfp gates` run in the same session leaves it out too; another session does not.
    let (_, report) = {
        let out = in_session(&["run", "--json"]);
        (
            out.status.code(),
            serde_json::from_slice::<Value>(&out.stdout).unwrap(),
        )
    };
    assert_eq!(find(&report, "forbidden")["status"], "skipped", "{report}");
    let (code, _) = sb.gates_json(&["run"]);
    assert_eq!(code, 1, "outside the session the gate still runs and fails");
    assert_eq!(in_session(&["skip", "--clear"]).status.code(), Some(0));
    sb.write("a.txt", "FORBIDDEN again\n");
    assert_eq!(sb.stop(false).expect("blocks again")["decision"], "block");
}

/// A gate that fails on every TODO in the changed .txt files, naming `file:line`.
const TODO_GATE: &str = "tiers:\n  fast:\n    gates:\n      - name: todo\n        command: '! grep -Hn TODO -- ${SFP_FILES}'\n        file_patterns: ['*.txt']\n        critical: true\n        fix: Do the TODO or remove it.\n";

/// A sandbox whose committed `notes.txt` has two TODOs already.
fn with_debt() -> Sandbox {
    let sb = Sandbox::new(TODO_GATE);
    std::fs::write(
        sb.project.join("notes.txt"),
        "one\nTODO old one\ntwo\nTODO old two\n",
    )
    .unwrap();
    git(&sb.project, &["commit", "-qam", "x", "--allow-empty"]);
    git(&sb.project, &["add", "notes.txt"]);
    git(&sb.project, &["commit", "-qm", "debt"]);
    sb
}

impl Sandbox {
    /// An Edit as the CLI reports it: `originalFile` holds the content before.
    fn edit(&self, rel: &str, text: &str) {
        let path = self.project.join(rel);
        let before = std::fs::read_to_string(&path).ok();
        std::fs::write(&path, text).unwrap();
        let input = json!({
            "session_id": "sess-1", "cwd": self.project, "hook_event_name": "PostToolUse",
            "tool_name": "Edit", "tool_input": {"file_path": path},
            "tool_response": {"filePath": path, "originalFile": before}
        });
        assert_eq!(self.answer("post-tool-use", &input, &[]), None);
    }
}

#[test]
fn old_problems_in_an_edited_file_are_told_not_sent_back() {
    for through_ledger in [true, false] {
        let sb = with_debt();
        let edit = |text: &str| {
            if through_ledger {
                sb.edit("notes.txt", text);
            } else {
                // A Bash edit: only git knows, so the base is HEAD.
                std::fs::write(sb.project.join("notes.txt"), text).unwrap();
            }
        };
        edit("one\nTODO old one\ntwo\nTODO old two\nthree, clean\n");
        let out = sb.stop(false).expect("a word to the user");
        assert!(out.get("decision").is_none(), "{out}");
        assert_eq!(
            out["systemMessage"],
            "todo: 2 problems predate this session, not sent to Claude"
        );
        edit("zero\none\nTODO old one\ntwo\nTODO old two\nthree, clean\nTODO new one\n");
        // The new one sent back, the old ones counted and left out: the same either way.
        insta::allow_duplicates! {
            cmd_snapshot!(sb, sb.stop_run(true), @r#"
            success: true
            exit_code: 0
            ----- stdout -----
            {"decision":"block","reason":"sfp quality gates (tier `fast`) failed on the files changed in this session. Fix the problems below, then finish your turn again; the gates re-run automatically.\n\n## todo (exit code 1)\n```\nnotes.txt:7:TODO new one\n[2 problem(s) from before this session left out]\n```\nFix: Do the TODO or remove it.\nAttempt 1 of 3: after 3 the user is told instead.","systemMessage":"sfp gates: todo failed; Claude was sent back to fix it (attempt 1 of 3)"}

            ----- stderr -----
            "#);
        }
    }
}

#[test]
fn attribution_off_and_files_send_old_problems_back_too() {
    for mode in ["off", "files"] {
        let sb = with_debt();
        std::fs::write(
            sb.project.join(".claude/sfp/gates.local.yaml"),
            format!(
                "tiers:\n  fast:\n    gates:\n      - name: todo\n        attribution: {mode}\n"
            ),
        )
        .unwrap();
        sb.edit("notes.txt", "one\nTODO old one\ntwo\nTODO old two\nthree\n");
        let out = sb.stop(false).expect("a block");
        assert_eq!(out["decision"], "block", "{mode}: {out}");
    }
}

#[test]
fn the_terminal_marks_failures_new_or_pre_existing() {
    let sb = with_debt();
    std::fs::write(
        sb.project.join("notes.txt"),
        "one\nTODO old one\ntwo\nTODO old two\nx\n",
    )
    .unwrap();
    let (code, report) = sb.gates_json(&[]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(
        find(&report, "todo")["problems"],
        json!({"new": 0, "pre_existing": 2})
    );
    cmd_snapshot!(sb, sb.cmd(&["gates", "--no-cache"]));
    std::fs::write(sb.project.join("other.txt"), "TODO mine\n").unwrap();
    cmd_snapshot!(sb, sb.cmd(&["gates"]));
}

#[test]
fn hostile_file_names_reach_a_gate_as_single_words() {
    let sb = Sandbox::new(&gate(
        "names",
        "printf '<%s>\\n' ${SFP_FILES}",
        "        file_patterns: ['*.txt']\n",
    ));
    let names = [
        "--output-format=x.txt",
        "a b.txt",
        "$(touch pwned).txt",
        "[ab].txt",
        "it's.txt",
        "ab.txt",
    ];
    for n in names {
        std::fs::write(sb.project.join(n), "x\n").unwrap();
    }
    let (code, report) = sb.gates_json(&[]);
    assert_eq!(code, 0, "{report}");
    let output = find(&report, "names")["output"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut got: Vec<&str> = output.lines().collect();
    got.sort_unstable();
    let mut want = vec![
        "<$(touch pwned).txt>",
        "<./--output-format=x.txt>",
        "<[ab].txt>",
        "<a b.txt>",
        "<ab.txt>",
        "<it's.txt>",
    ];
    want.sort_unstable();
    assert_eq!(got, want);
    assert!(!sb.project.join("pwned").exists());
}

#[test]
fn results_are_reused_for_the_same_content_and_definition() {
    let sb = Sandbox::new(&gate(
        "count",
        "./tool.sh; echo run >> ../runs; ! grep -Hn BAD -- ${SFP_FILES}",
        "        file_patterns: ['*.txt']\n        critical: true\n",
    ));
    std::fs::write(sb.project.join("tool.sh"), "#!/bin/sh\ntrue\n").unwrap();
    Command::new("chmod")
        .args(["+x", "tool.sh"])
        .current_dir(&sb.project)
        .status()
        .unwrap();
    let runs = || {
        std::fs::read_to_string(sb.project.join("../runs"))
            .unwrap_or_default()
            .lines()
            .count()
    };
    let cached = |args: &[&str]| {
        let (_, report) = sb.gates_json(args);
        find(&report, "count")
            .get("cached")
            .is_some_and(|c| c == true)
    };
    std::fs::write(sb.project.join("a.txt"), "BAD\n").unwrap();
    assert!(!cached(&[]));
    assert!(cached(&[]), "same content: a hit");
    assert_eq!(runs(), 1);
    let (code, report) = sb.gates_json(&[]);
    assert_eq!(code, 1, "a cached failure still fails: {report}");
    assert!(
        find(&report, "count")["output"]
            .as_str()
            .unwrap()
            .contains("a.txt:1:BAD")
    );
    // A change, then its revert: the reverted content is a hit.
    std::fs::write(sb.project.join("a.txt"), "good\n").unwrap();
    assert!(!cached(&[]));
    std::fs::write(sb.project.join("a.txt"), "BAD\n").unwrap();
    assert!(cached(&[]), "reverted content: a hit");
    assert_eq!(runs(), 2);
    // The tool changed: a miss.
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(sb.project.join("tool.sh"), "#!/bin/sh\ntrue\n# v2\n").unwrap();
    assert!(!cached(&[]));
    assert!(cached(&[]));
    // The definition changed: a miss.
    std::fs::write(
        sb.project.join(".claude/sfp/gates.local.yaml"),
        "tiers:\n  fast:\n    gates:\n      - name: count\n        env: {LANG: C}\n",
    )
    .unwrap();
    assert!(!cached(&[]));
    assert!(cached(&[]));
    // --no-cache and `cache: false` run every time.
    let before = runs();
    assert!(!cached(&["--no-cache"]));
    std::fs::write(
        sb.project.join(".claude/sfp/gates.local.yaml"),
        "tiers:\n  fast:\n    gates:\n      - name: count\n        env: {LANG: C}\n        cache: false\n",
    )
    .unwrap();
    assert!(!cached(&[]));
    assert!(!cached(&[]));
    assert_eq!(runs(), before + 3);
    // The Stop hook shares the cache with the terminal.
    std::fs::remove_file(sb.project.join(".claude/sfp/gates.local.yaml")).unwrap();
    let before = runs();
    sb.write("a.txt", "BAD\n");
    let out = sb.stop(false).expect("a block");
    assert_eq!(out["decision"], "block", "{out}");
    assert_eq!(runs(), before, "the Stop reused the terminal's result");
}

#[test]
fn a_whole_project_gate_is_keyed_by_every_matching_file_and_the_lock_files() {
    let sb = Sandbox::new(&gate(
        "whole",
        "echo run >> ../runs; ! grep -rn BAD --include=*.txt .",
        "        file_patterns: ['*.txt']\n",
    ));
    let runs = || {
        std::fs::read_to_string(sb.project.join("../runs"))
            .unwrap_or_default()
            .lines()
            .count()
    };
    std::fs::write(sb.project.join("a.txt"), "ok\n").unwrap();
    std::fs::write(sb.project.join("b.txt"), "ok\n").unwrap();
    sb.gates(&["--all-files"]);
    sb.gates(&["--all-files"]);
    assert_eq!(runs(), 1);
    // Another matching file changed: a miss, though the gate is not given file names.
    std::fs::write(sb.project.join("b.txt"), "BAD\n").unwrap();
    assert_eq!(sb.gates(&["--all-files"]).status.code(), Some(1));
    assert_eq!(runs(), 2);
    // A file outside the patterns: still a hit; a lock file: a miss.
    std::fs::write(sb.project.join("c.md"), "x\n").unwrap();
    sb.gates(&["--all-files"]);
    assert_eq!(runs(), 2);
    std::fs::write(sb.project.join("Cargo.lock"), "# v1\n").unwrap();
    sb.gates(&["--all-files"]);
    assert_eq!(runs(), 3);
}

#[test]
fn a_failure_waits_out_background_tasks_and_is_sent_back_after_them() {
    let sb = Sandbox::new(FORBIDDEN);
    sb.write("a.txt", "FORBIDDEN\n");
    let running = json!({"id": "t1", "type": "shell", "status": "running"});
    let done = json!({"id": "t1", "type": "shell", "status": "completed"});
    assert_eq!(
        sb.stop_with(false, std::slice::from_ref(&running), &[]),
        None
    );
    let first = sb
        .stop_with(false, std::slice::from_ref(&done), &[])
        .expect("a block");
    assert_eq!(
        first["decision"], "block",
        "a finished task waits for nothing"
    );
    assert_eq!(sb.stop_with(true, &[running], &[]), None);
    // The second block of the same failure.
    cmd_snapshot!(sb, sb.hook_run("stop", &sb.stop_input(true, &[done])));
}

#[test]
fn a_change_undone_ends_the_pending_failure() {
    let sb = Sandbox::new(FORBIDDEN);
    sb.write("a.txt", "FORBIDDEN\n");
    assert_eq!(sb.stop(false).expect("a block")["decision"], "block");
    std::fs::remove_file(sb.project.join("a.txt")).unwrap();
    assert_eq!(sb.stop(true), None, "nothing left to fail");
    assert_eq!(sb.stop(true), None);
}
