//! The real `sfp` binary running gates: `sfp gates run|list|check` in a terminal, and the
//! PostToolUse and Stop hooks as Claude Code calls them. Every test gets its own HOME, SFP_HOME
//! and project, with the environment scrubbed of SFP_* and CLAUDE_* variables.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

struct Sandbox {
    _dir: tempfile::TempDir,
    home: PathBuf,
    project: PathBuf,
}

impl Sandbox {
    /// A git project whose `.claude/sfp/gates.yaml` is `gates`.
    fn new(gates: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let project = dir.path().join("project");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(project.join(".claude/sfp")).unwrap();
        std::fs::write(project.join(".claude/sfp/gates.yaml"), gates).unwrap();
        let git = |args: &[&str]| {
            let ok = Command::new("git")
                .args(["-c", "user.email=t@t", "-c", "user.name=t"])
                .args(args)
                .current_dir(&project)
                .output()
                .unwrap()
                .status
                .success();
            assert!(ok, "git {args:?}");
        };
        git(&["init", "-q"]);
        git(&["add", "."]);
        git(&["commit", "-qm", "init"]);
        Self {
            _dir: dir,
            home,
            project,
        }
    }

    fn sfp_home(&self) -> PathBuf {
        self.home.join(".claude/sfp")
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_sfp"));
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("CLAUDE_CONFIG_DIR", self.home.join(".claude"))
            .env("NO_COLOR", "1")
            .current_dir(&self.project);
        c
    }

    fn gates(&self, args: &[&str]) -> Output {
        self.cmd().arg("gates").args(args).output().unwrap()
    }

    fn gates_json(&self, args: &[&str]) -> (i32, Value) {
        let out = self.gates(&[args, &["--json"]].concat());
        let v = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
        (out.status.code().unwrap(), v)
    }

    fn hook(&self, event: &str, input: &Value, extra_env: &[(&str, &str)]) -> Option<Value> {
        let mut c = self.cmd();
        c.args(["hook", event])
            .envs(extra_env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            stdin.write_all(input.to_string().as_bytes()).unwrap();
        }
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "a hook always exits 0");
        let text = String::from_utf8(out.stdout).unwrap();
        if text.trim().is_empty() {
            None
        } else {
            Some(serde_json::from_str(&text).expect("one JSON object"))
        }
    }

    fn stop(&self, active: bool) -> Option<Value> {
        self.stop_with(active, &[], &[])
    }

    fn stop_with(&self, active: bool, tasks: &[Value], env: &[(&str, &str)]) -> Option<Value> {
        let input = json!({
            "session_id": "sess-1", "cwd": self.project, "hook_event_name": "Stop",
            "stop_hook_active": active, "background_tasks": tasks, "session_crons": []
        });
        self.hook("stop", &input, env)
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.project.join(rel);
        std::fs::write(&path, text).unwrap();
        let input = json!({
            "session_id": "sess-1", "cwd": self.project, "hook_event_name": "PostToolUse",
            "tool_name": "Write", "tool_input": {"file_path": path, "content": text},
            "tool_response": {"filePath": path, "success": true}
        });
        assert_eq!(self.hook("post-tool-use", &input, &[]), None);
    }
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
    let pid: u32 = std::fs::read_to_string(sb.project.join("../bg.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        !sfp::process::process_alive(pid),
        "sleep {pid} outlived the run"
    );
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
    let out = sb.gates(&[]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("✗ forbidden"), "{text}");
    assert!(text.contains("│ ./a.txt:1:hello FORBIDDEN"), "{text}");
    assert!(text.contains("fix: Remove the word FORBIDDEN"), "{text}");
    let kpis = std::fs::read_to_string(sb.sfp_home().join("kpis/events.jsonl")).unwrap();
    let event: Value = serde_json::from_str(kpis.lines().last().unwrap()).unwrap();
    assert_eq!(event["trigger"], "cli");
    assert_eq!(event["status"], "failed");
}

#[test]
fn config_errors_carry_file_line_and_column() {
    let sb = Sandbox::new(
        "tiers:\n  fast:\n    gates:\n      - name: a\n        command: x\n        timeout: soon\n",
    );
    let out = sb.gates(&["check"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(".claude/sfp/gates.yaml:6:18: error:"),
        "{text}"
    );
    let sb =
        Sandbox::new("gates:\n  - {name: a, command: x, timout: 5}\n  - {name: a, command: y}\n");
    let text = String::from_utf8(sb.gates(&["check"]).stdout).unwrap();
    assert!(
        text.contains(":3:12: error: gates[1].name: duplicate gate name `a`"),
        "{text}"
    );
    let sb = Sandbox::new("gates:\n  - {name: a, command: x, timout: 5}\n");
    let out = sb.gates(&["check"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains(
            "gates.yaml:2:27: warning: unknown key `gates[0].timout` (ignored; did you mean \
             `timeout`?)"
        ),
        "{text}"
    );
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
    let out = sb.gates(&["run"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("gates.yaml:6:18: error: tiers.fast.gates[0].timeout"),
        "{err}"
    );
    assert_eq!(sb.gates(&["check"]).status.code(), Some(1));
    sb.write("a.txt", "y\n");
    let out = sb.stop(false).expect("a notice");
    assert!(out.get("decision").is_none(), "{out}");
    assert!(
        out["systemMessage"]
            .as_str()
            .unwrap()
            .contains("gates config error"),
        "{out}"
    );
}

#[test]
fn sfp_skip_and_sfp_gates_off_switch_gates_off() {
    let sb = Sandbox::new(FORBIDDEN);
    std::fs::write(sb.project.join("a.txt"), "FORBIDDEN\n").unwrap();
    let out = sb
        .cmd()
        .args(["gates", "--json"])
        .env("SFP_SKIP", "forbidden")
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        find(&report, "forbidden")["reason"],
        "skipped by SFP_SKIP or `sfp gates skip`"
    );
    assert_eq!(out.status.code(), Some(0));
    let out = sb
        .cmd()
        .args(["gates"])
        .env("SFP_GATES", "off")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
}

#[test]
fn stop_blocks_on_a_critical_failure_then_passes_once_fixed() {
    let sb = Sandbox::new(FORBIDDEN);
    sb.write("a.txt", "hello FORBIDDEN\n");
    let ledger =
        std::fs::read_to_string(sb.sfp_home().join("sessions/sess-1/ledger.jsonl")).unwrap();
    let line: Value = serde_json::from_str(ledger.lines().next().unwrap()).unwrap();
    assert_eq!(line["tool"], "Write");
    assert_eq!(
        Path::new(line["path"].as_str().unwrap()),
        sb.project.join("a.txt")
    );

    let out = sb.stop(false).expect("a block");
    assert_eq!(out["decision"], "block");
    let reason = out["reason"].as_str().unwrap();
    assert!(reason.contains("## forbidden (exit code 1)"), "{reason}");
    assert!(reason.contains("./a.txt:1:hello FORBIDDEN"), "{reason}");
    assert!(
        reason.contains("Fix: Remove the word FORBIDDEN"),
        "{reason}"
    );

    // Claude continued but changed nothing: sent back again with the same reason, no gate run.
    let again = sb.stop(true).expect("a second block");
    assert_eq!(again["decision"], "block");
    let again_reason = again["reason"].as_str().unwrap();
    assert!(
        again_reason.contains("./a.txt:1:hello FORBIDDEN"),
        "{again_reason}"
    );
    assert!(again_reason.contains("Attempt 2 of 3"), "{again_reason}");
    assert!(reason.contains("Attempt 1 of 3"), "{reason}");

    sb.write("a.txt", "hello, all fixed now\n");
    assert_eq!(sb.stop(true), None, "passing gates are silent");
    assert_eq!(sb.stop(false), None, "nothing changed since: silent");
    let events = std::fs::read_to_string(sb.sfp_home().join("kpis/events.jsonl")).unwrap();
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
    let mut decisions = Vec::new();
    for attempt in 0..4 {
        // Changed or not, the same failing gate counts towards the same limit.
        if attempt % 2 == 0 {
            sb.write("a.txt", &format!("FORBIDDEN{}\n", "!".repeat(attempt)));
        }
        let out = sb.stop(attempt > 0).expect("an answer");
        decisions.push(out.get("decision").is_some());
        if attempt >= 2 {
            let msg = out["systemMessage"].as_str().unwrap();
            assert!(
                msg.contains("forbidden still fail after 2 attempts"),
                "{msg}"
            );
            assert!(msg.contains("`sfp gates`"), "{msg}");
        }
    }
    assert_eq!(decisions, [true, true, false, false]);
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
    let sessions = sb.sfp_home().join("sessions");
    std::fs::create_dir_all(&sessions).unwrap();
    // `sessions/sess-1` is a plain file: neither the ledger nor gates.json can be written.
    std::fs::write(sessions.join("sess-1"), "not a directory").unwrap();
    for attempt in 0..6 {
        std::fs::write(
            sb.project.join("a.txt"),
            format!("FORBIDDEN{}\n", "!".repeat(attempt)),
        )
        .unwrap();
        let out = sb.stop(attempt > 0).expect("a message for the user");
        assert!(out.get("decision").is_none(), "attempt {attempt}: {out}");
        let msg = out["systemMessage"].as_str().unwrap();
        assert!(msg.contains("forbidden failed"), "{msg}");
        assert!(msg.contains("could not be"), "{msg}");
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
    let events = std::fs::read_to_string(sb.sfp_home().join("kpis/events.jsonl")).unwrap();
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
    for attempt in 0..2 {
        sb.write("a.txt", &format!("x{attempt}\n"));
        let out = sb.stop(attempt > 0).expect("a message for the user");
        assert!(out.get("decision").is_none(), "{out}");
        let msg = out["systemMessage"].as_str().unwrap();
        assert!(
            msg.contains("slow timed out") && msg.contains("web error"),
            "{msg}"
        );
    }
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
    let out = sb.stop(false).expect("a message for the user");
    assert!(out.get("decision").is_none(), "{out}");
    let msg = out["systemMessage"].as_str().unwrap();
    assert!(
        msg.contains("time budget") && msg.contains("long timed out"),
        "{msg}"
    );
}

#[test]
fn a_real_failure_blocks_and_a_timeout_beside_it_is_only_reported() {
    let sb = Sandbox::new(
        "tiers:\n  fast:\n    gates:\n      - {name: bad, command: 'echo wrong; exit 1', critical: true, file_patterns: ['*.txt']}\n      - {name: slow, command: 'sleep 30', timeout: 200ms, critical: true, file_patterns: ['*.txt']}\n",
    );
    sb.write("a.txt", "x\n");
    let out = sb.stop(false).expect("a block");
    assert_eq!(out["decision"], "block", "{out}");
    let reason = out["reason"].as_str().unwrap();
    assert!(reason.contains("## bad (exit code 1)"), "{reason}");
    assert!(!reason.contains("## slow"), "{reason}");
    let msg = out["systemMessage"].as_str().unwrap();
    assert!(msg.contains("slow timed out (not sent to Claude)"), "{msg}");
}

#[test]
fn stop_with_nothing_changed_runs_nothing() {
    let sb = Sandbox::new(&gate("marker", "touch ../ran", ""));
    assert_eq!(sb.stop(false), None);
    assert!(!sb.project.join("../ran").exists());
    assert!(!sb.sfp_home().join("kpis/events.jsonl").exists());
}

#[test]
fn ctrl_c_stops_every_gate_and_exits_130() {
    let sb = Sandbox::new(&gate("long", "sleep 30 & echo $! > ../long.pid; wait", ""));
    let mut child = sb
        .cmd()
        .args(["gates", "--all-files"])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let pid_file = sb.project.join("../long.pid");
    let started = Instant::now();
    while !pid_file.exists() && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(50));
    let ok = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let pid: u32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        !sfp::process::process_alive(pid),
        "sleep {pid} outlived Ctrl-C"
    );
}

#[test]
fn auto_format_tells_claude_when_the_file_changed() {
    let sb = Sandbox::new("gates: []\n");
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
    let post_with = |tool: &str, rel: &str, text: &str| {
        let file = sb.project.join(rel);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, text).unwrap();
        let input = json!({
            "session_id": "sess-1", "cwd": sb.project, "hook_event_name": "PostToolUse",
            "tool_name": tool, "tool_input": {"file_path": file}
        });
        let out = sb.hook("post-tool-use", &input, &[("PATH", &path)]);
        (out, std::fs::read_to_string(&file).unwrap())
    };
    let post = |rel: &str, text: &str| post_with("Edit", rel, text);
    // After Write and Edit the CLI itself tells Claude a hook modified the file: sfp adds nothing.
    assert_eq!(post("a.txt", "hello\n"), (None, "HELLO\n".to_owned()));
    assert_eq!(
        post_with("Write", "w.txt", "hi\n"),
        (None, "HI\n".to_owned())
    );
    // After MultiEdit it does not, so sfp does.
    let (out, text) = post_with("MultiEdit", "m.txt", "hello\n");
    assert_eq!(text, "HELLO\n");
    let ctx = out.expect("context for Claude")["hookSpecificOutput"]["additionalContext"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(ctx.contains("m.txt was reformatted by `upcase`"), "{ctx}");
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
    assert_eq!(sb.hook("post-tool-use", &input, &env), None);
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
    let out = sb.stop(false).expect("a block");
    assert_eq!(out["decision"], "block", "{out}");
    let reason = out["reason"].as_str().unwrap();
    assert!(!reason.contains("Alert"), "alerts are the user's: {reason}");
    let msg = out["systemMessage"].as_str().unwrap();
    assert!(msg.contains("alert [CRITICAL] gate failure rate"), "{msg}");
    assert!(reason.contains("## a (exit code 1)") && reason.contains("## c (exit code 1)"));
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
    let mut child = sb
        .cmd()
        .args(["hook", "stop"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input.to_string().as_bytes()).unwrap();
    }
    let pid_file = sb.project.join("../long.pid");
    let started = Instant::now();
    while !pid_file.exists() && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(50));
    let term = Command::new("kill")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(term.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "a hook always exits 0");
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(answer.get("decision").is_none(), "{answer}");
    let pid: u32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        !sfp::process::process_alive(pid),
        "sleep {pid} outlived the hook"
    );
}

#[test]
fn gates_last_explains_the_block_and_gates_skip_lasts_the_session() {
    let sb = Sandbox::new(FORBIDDEN);
    let in_session = |args: &[&str]| {
        sb.cmd()
            .arg("gates")
            .args(args)
            .env("CLAUDE_CODE_SESSION_ID", "sess-1")
            .output()
            .unwrap()
    };
    let text = |out: &Output| String::from_utf8_lossy(&out.stdout).into_owned();
    let before = in_session(&["last"]);
    assert_eq!(before.status.code(), Some(0));
    assert!(
        text(&before).contains("no gates have run"),
        "{}",
        text(&before)
    );

    sb.write("a.txt", "hello FORBIDDEN\n");
    let block = sb.stop(false).expect("a block");
    let last = in_session(&["last"]);
    let shown = text(&last);
    assert!(shown.contains("Claude was sent back with:"), "{shown}");
    let first_line = block["reason"].as_str().unwrap().lines().next().unwrap();
    assert!(shown.contains(&format!("  {first_line}")), "{shown}");
    // Without a session there is nothing to show: exit 1 and say how to name one.
    let none = sb.gates(&["last"]);
    assert_eq!(none.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&none.stderr).contains("--session ID"));

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
    let ok = Command::new("git")
        .args([
            "-c",
            "user.email=t@t",
            "-c",
            "user.name=t",
            "commit",
            "-qam",
            "x",
        ])
        .current_dir(&sb.project)
        .arg("--allow-empty")
        .status()
        .unwrap();
    assert!(ok.success());
    Command::new("git")
        .args([
            "-c",
            "user.email=t@t",
            "-c",
            "user.name=t",
            "add",
            "notes.txt",
        ])
        .current_dir(&sb.project)
        .status()
        .unwrap();
    let ok = Command::new("git")
        .args([
            "-c",
            "user.email=t@t",
            "-c",
            "user.name=t",
            "commit",
            "-qm",
            "debt",
        ])
        .current_dir(&sb.project)
        .status()
        .unwrap();
    assert!(ok.success());
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
        assert_eq!(self.hook("post-tool-use", &input, &[]), None);
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
        let out = sb.stop(true).expect("a block");
        assert_eq!(out["decision"], "block", "{out}");
        let reason = out["reason"].as_str().unwrap();
        assert!(reason.contains("notes.txt:7:TODO new one"), "{reason}");
        assert!(
            !reason.contains("old one") && !reason.contains("old two"),
            "{reason}"
        );
        assert!(
            reason.contains("[2 problem(s) from before this session left out]"),
            "{reason}"
        );
        assert!(reason.contains("Fix: Do the TODO"), "{reason}");
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
    let table = String::from_utf8(sb.gates(&["--no-cache"]).stdout).unwrap();
    assert!(
        table.contains("pre-existing (0 new, 2 pre-existing problem(s))"),
        "{table}"
    );
    std::fs::write(sb.project.join("other.txt"), "TODO mine\n").unwrap();
    let table = String::from_utf8(sb.gates(&[]).stdout).unwrap();
    assert!(
        table.contains("new (1 new, 2 pre-existing problem(s))"),
        "{table}"
    );
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
    let again = sb.stop_with(true, &[done], &[]).expect("a block");
    assert!(
        again["reason"].as_str().unwrap().contains("Attempt 2 of 3"),
        "{again}"
    );
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
