//! Faults a hook meets on real machines, with the real binary: a file-size limit standing in for a
//! full disk, and many sfp processes at once sharing one `$SFP_HOME`.
//!
//! And the capabilities' faults: a backup killed at random points, a backup under a file-size
//! limit, gates that fork, ignore SIGTERM or flood output.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;

use common::TestContext;

const START: &str =
    r#"{"hook_event_name":"SessionStart","session_id":"s1","cwd":"/tmp","source":"startup"}"#;

/// A [`TestContext`] whose temporary files go to its own directory too.
fn context() -> TestContext {
    let mut ctx = TestContext::new();
    let tmp = ctx.root.clone();
    ctx.env("TMPDIR", tmp);
    ctx
}

/// `sfp ARGS` in the context, run through `sh -c` so `prefix` (such as `ulimit -f 0;`) applies to
/// it.
fn sfp_sh(
    ctx: &TestContext,
    prefix: &str,
    args: &str,
    stdin: &[u8],
    extra: &[(&str, &str)],
) -> Output {
    let mut cmd = sh(ctx, prefix, args);
    for (k, v) in extra {
        cmd.env(k, v);
    }
    common::output_with_stdin(&mut cmd, stdin)
}

/// The command [`sfp_sh`] runs.
fn sh(ctx: &TestContext, prefix: &str, args: &str) -> Command {
    let mut cmd = ctx.program("sh");
    cmd.arg("-c")
        .arg(format!("{prefix} exec \"$SFP\" {args}"))
        .env("SFP", common::sfp_bin());
    cmd
}

/// Exactly one JSON object on stdout.
fn one_object(out: &Output) -> Value {
    let text = String::from_utf8_lossy(&out.stdout);
    let mut values = serde_json::Deserializer::from_str(&text).into_iter::<Value>();
    match (values.next(), values.next()) {
        (Some(Ok(v @ Value::Object(_))), None) => v,
        _ => panic!("stdout is not one JSON object: {text:?}"),
    }
}

#[test]
fn a_file_size_limit_never_kills_a_hook() {
    for limit in ["0", "1"] {
        let ctx = context();
        let out = sfp_sh(
            &ctx,
            &format!("ulimit -f {limit};"),
            "hook session-start",
            START.as_bytes(),
            &[("SFP_LOG_LEVEL", "debug")],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(0),
            "ulimit -f {limit}: a hook answers and exits 0, not killed by SIGXFSZ: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        // No CLAUDE.md in the temp home: the health notice must still get out.
        let answer = one_object(&out);
        assert_eq!(
            answer["hookSpecificOutput"]["hookEventName"], "SessionStart",
            "{answer}"
        );
        let log = ctx.sfp_home.join("logs/sfp.log");
        let size = std::fs::metadata(&log).map_or(0, |m| m.len());
        assert!(
            size <= 512 * limit.parse::<u64>().unwrap(),
            "the limit held: {size} bytes"
        );
    }
}

#[test]
fn a_file_size_limit_keeps_terminal_commands_alive() {
    let ctx = context();
    let out = sfp_sh(&ctx, "ulimit -f 0;", "health --json", b"", &[]);
    let code = out.status.code();
    assert!(
        matches!(code, Some(0 | 1)),
        "health reports (0 or 1), never dies of SIGXFSZ: {code:?} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = one_object(&out);
    assert!(
        report["checks"].as_array().is_some_and(|c| !c.is_empty()),
        "{report}"
    );
}

/// Every line of every log file is one whole line as the logger writes it.
fn assert_whole_lines(logs: &Path) -> usize {
    let mut lines = 0;
    for entry in std::fs::read_dir(logs).expect("logs dir") {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).expect("log is UTF-8");
        assert!(
            text.is_empty() || text.ends_with('\n'),
            "{} ends mid-line",
            path.display()
        );
        for line in text.lines() {
            let level = line.split_whitespace().nth(1).unwrap_or_default();
            assert!(
                line.starts_with("20") && ["ERROR", "WARN", "INFO", "DEBUG"].contains(&level),
                "torn line in {}: {line:?}",
                path.display()
            );
            lines += 1;
        }
    }
    lines
}

#[test]
fn eight_hooks_at_once_leave_a_consistent_sfp_home() {
    let ctx = context();
    let events = [
        ("session-start", "SessionStart"),
        ("user-prompt-submit", "UserPromptSubmit"),
        ("post-tool-use", "PostToolUse"),
        ("stop", "Stop"),
        ("pre-compact", "PreCompact"),
        ("session-end", "SessionEnd"),
        ("session-start", "SessionStart"),
        ("stop", "Stop"),
    ];
    // A tiny log forces rotations while eight processes append: lines must never tear.
    let extra = [
        ("SFP_LOG_LEVEL", "debug"),
        ("SFP_LOG_MAX_BYTES", "1024"),
        ("SFP_LOG_BACKUPS", "2"),
    ];
    std::thread::scope(|scope| {
        for (i, (arg, name)) in events.into_iter().enumerate() {
            let ctx = &ctx;
            let extra = &extra;
            scope.spawn(move || {
                let session = if i % 2 == 0 { "alpha" } else { "beta" };
                let input = format!(
                    r#"{{"hook_event_name":"{name}","session_id":"{session}","cwd":"{}","prompt":"p","source":"startup"}}"#,
                    ctx.project.display()
                );
                for _ in 0..15 {
                    let out = sfp_sh(ctx, "", &format!("hook {arg}"), input.as_bytes(), extra);
                    assert_eq!(out.status.code(), Some(0), "{arg}");
                    let stderr = String::from_utf8_lossy(&out.stderr);
                    assert!(!stderr.contains("panicked"), "{stderr}");
                    if !out.stdout.is_empty() {
                        one_object(&out);
                    }
                }
            });
        }
    });
    let logs = ctx.sfp_home.join("logs");
    let files = std::fs::read_dir(&logs).unwrap().count();
    assert!(files <= 3, "sfp.log and at most 2 backups, found {files}");
    assert!(assert_whole_lines(&logs) > 0, "the hooks logged");
}

/// A deterministic sequence of delays (ms) for kill points.
fn delays(n: usize, max_ms: u64) -> Vec<u64> {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % max_ms
        })
        .collect()
}

/// A small `~/.claude` worth backing up.
fn claude_home(ctx: &TestContext) {
    for (rel, body) in [
        ("settings.json", "{\"model\":\"x\"}\n".to_owned()),
        (".context/CLAUDE.md", "# me\n".repeat(200)),
        (
            "projects/-p/s.jsonl",
            "{\"type\":\"user\"}\n".repeat(20_000),
        ),
        ("todos/t.json", "[]\n".to_owned()),
    ] {
        ctx.write_claude(rel, body);
    }
}

#[test]
fn a_backup_killed_at_any_point_never_lists_as_valid() {
    let ctx = context();
    claude_home(&ctx);
    for delay in delays(12, 120) {
        let mut child = ctx
            .cmd(&["backup", "create", "--profile", "full", "--reason", "fault"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
    }
    let list = ctx.run(&["backup", "list", "--json"]);
    let listed: Value = serde_json::from_slice(&list.stdout).expect("backup list --json");
    let items = listed
        .as_array()
        .or_else(|| listed["backups"].as_array())
        .cloned()
        .unwrap_or_default();
    for item in items {
        let id = item["id"].as_str().expect("each backup has an id");
        let verify = ctx.run(&["backup", "verify", id]);
        assert!(
            verify.status.success(),
            "listed backup {id} does not verify: {}",
            String::from_utf8_lossy(&verify.stderr)
        );
    }
}

#[test]
fn a_file_size_limit_fails_a_backup_clearly_and_loses_nothing() {
    let ctx = context();
    claude_home(&ctx);
    // Content that does not compress, so the archive must grow past the limit.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let noise: String = (0..256 * 1024)
        .map(|_| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            char::from(b'!' + u8::try_from((seed >> 33) % 90).unwrap())
        })
        .collect();
    ctx.write_claude("projects/-p/noise.jsonl", noise);
    let before = std::fs::read(ctx.claude.join("projects/-p/s.jsonl")).unwrap();
    cmd_snapshot!(ctx, sh(&ctx, "ulimit -f 16;", "backup create --profile full"), @r"
        success: false
        exit_code: 2
        ----- stdout -----

        ----- stderr -----
        error: backup failed
          caused by: cannot write [SFP_HOME]/backups/.tmp-[ID]/backup.tar.gz
          caused by: File too large (os error 27)
        ");
    assert_eq!(
        std::fs::read(ctx.claude.join("projects/-p/s.jsonl")).unwrap(),
        before,
        "the source is untouched"
    );
    let listed = listed_backups(&ctx);
    assert!(listed.is_empty(), "no half backup is listed: {listed:?}");
}

#[test]
fn gates_that_fork_ignore_sigterm_or_flood_leave_no_process_and_bounded_memory() {
    let ctx = context();
    let gates = "tiers:\n  fast:\n    gates:\n\
                 \x20     - {name: forks, command: \"sh -c 'sleep 301 & wait'\", timeout: 1s, critical: false}\n\
                 \x20     - {name: stubborn, command: \"trap '' TERM; sleep 302\", timeout: 1s, critical: false}\n\
                 \x20     - {name: flood, command: \"yes sfp-flood | head -c 200000000\", timeout: 20s, critical: false}\n";
    ctx.write_project(".claude/sfp/gates.yaml", gates);
    let out = ctx
        .program("/usr/bin/time")
        .args(["-f", "%M"])
        .arg(common::sfp_bin())
        .args(["gates", "run", "--all-files", "--json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).expect("gates run --json");
    let ran: Vec<&str> = report["gates"]
        .as_array()
        .expect("gates")
        .iter()
        .filter_map(|g| g["name"].as_str())
        .collect();
    for name in ["forks", "stubborn", "flood"] {
        assert!(ran.contains(&name), "{name} ran: {ran:?}");
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let peak_kib: u64 = stderr
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .expect("peak RSS from /usr/bin/time");
    assert!(peak_kib < 64 * 1024, "bounded memory: {peak_kib} KiB");
    std::thread::sleep(Duration::from_millis(500));
    let survivors: Vec<String> = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(Result::ok)
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains("sleep 301") || c.contains("sleep 302") || c.contains("sfp-flood"))
        .collect();
    assert!(
        survivors.is_empty(),
        "processes outlived their gates: {survivors:?}"
    );
}

/// The ids `sfp backup list --json` lists.
fn listed_backups(ctx: &TestContext) -> Vec<String> {
    let out = ctx.run(&["backup", "list", "--json"]);
    let listed: Value = serde_json::from_slice(&out.stdout).expect("backup list --json");
    listed
        .as_array()
        .expect("a list")
        .iter()
        .map(|b| b["id"].as_str().expect("an id").to_owned())
        .collect()
}

fn assert_all_verify(ctx: &TestContext) {
    for id in listed_backups(ctx) {
        let out = ctx.run(&["backup", "verify", &id]);
        assert!(
            out.status.success(),
            "listed backup {id} does not verify: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn a_restore_killed_part_way_leaves_every_file_old_or_new() {
    let ctx = context();
    let dir = ctx.claude.join("projects/-p");
    std::fs::create_dir_all(&dir).unwrap();
    let content = |tag: &str, i: usize| format!("{tag}-{i}\n").repeat(2_000 + i * 37);
    let files = 120;
    for i in 0..files {
        std::fs::write(dir.join(format!("f{i}.jsonl")), content("new", i)).unwrap();
    }
    let made = ctx.run(&["backup", "create", "--profile", "full"]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let id = listed_backups(&ctx).pop().unwrap();
    for i in 0..files {
        std::fs::write(dir.join(format!("f{i}.jsonl")), content("old", i)).unwrap();
    }
    for delay in delays(10, 60) {
        let mut child = ctx
            .cmd(&["restore", &id, "--yes"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill(); // SIGKILL, wherever it is
        let _ = child.wait();
        for i in 0..files {
            let now = std::fs::read_to_string(dir.join(format!("f{i}.jsonl"))).unwrap();
            assert!(
                now == content("old", i) || now == content("new", i),
                "f{i}.jsonl is neither old nor new after a kill at {delay} ms"
            );
        }
        // Every backup that lists, the pre-restore ones included, is whole.
        assert_all_verify(&ctx);
    }
    let done = ctx.run(&["restore", &id, "--yes"]);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    for i in 0..files {
        let now = std::fs::read_to_string(dir.join(format!("f{i}.jsonl"))).unwrap();
        assert_eq!(
            now,
            content("new", i),
            "a completed restore brings every file back"
        );
    }
}

#[test]
fn two_sessions_and_a_terminal_backup_and_restore_at_once_leave_a_consistent_sfp_home() {
    let ctx = context();
    claude_home(&ctx);
    let project = &ctx.project;
    let first = ctx.run(&["backup", "create"]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let restore_to = ctx.root.join("restored");
    let hooks = [
        ("session-start", "SessionStart"),
        ("user-prompt-submit", "UserPromptSubmit"),
        ("post-tool-use", "PostToolUse"),
        ("stop", "Stop"),
        ("pre-compact", "PreCompact"),
        ("session-end", "SessionEnd"),
    ];
    std::thread::scope(|scope| {
        // Two sessions' hooks: six processes at a time, alternating sessions.
        for (i, (arg, name)) in hooks.into_iter().enumerate() {
            let ctx = &ctx;
            scope.spawn(move || {
                let session = if i % 2 == 0 { "alpha" } else { "beta" };
                let input = serde_json::json!({
                    "hook_event_name": name, "session_id": session, "cwd": project,
                    "prompt": "p", "source": "startup", "trigger": "manual", "reason": "other",
                    "tool_name": "Write",
                    "tool_input": {"file_path": project.join("a.txt"), "content": "x"},
                });
                for _ in 0..6 {
                    let out = sfp_sh(
                        ctx,
                        "",
                        &format!("hook {arg}"),
                        input.to_string().as_bytes(),
                        &[],
                    );
                    assert_eq!(out.status.code(), Some(0), "{arg}");
                    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
                    if !out.stdout.is_empty() {
                        one_object(&out);
                    }
                }
            });
        }
        // A terminal backup and a terminal restore beside them.
        scope.spawn(|| {
            for _ in 0..4 {
                let out = ctx.run(&["backup", "create", "--reason", "terminal"]);
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        });
        scope.spawn(|| {
            for _ in 0..4 {
                let to = restore_to.to_string_lossy().into_owned();
                let out = ctx.run(&["restore", "latest", "--yes", "--to", &to]);
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        });
    });
    assert_all_verify(&ctx);
    let ids = listed_backups(&ctx);
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(ids, unique, "ids stay unique");
    assert_eq!(
        std::fs::read(restore_to.join("settings.json")).unwrap(),
        std::fs::read(ctx.claude.join("settings.json")).unwrap(),
        "the restore wrote whole files"
    );
    let sfp_home = &ctx.sfp_home;
    let checked = assert_whole_json_state(sfp_home);
    assert!(checked >= 3, "state was written ({checked} files checked)");
    assert!(assert_whole_lines(&sfp_home.join("logs")) > 0);
}

/// Every state and handoff file sfp wrote under `sfp_home` (backups aside) is whole JSON or
/// whole JSON lines; returns how many files were checked.
fn assert_whole_json_state(sfp_home: &Path) -> usize {
    let mut checked = 0;
    for entry in walkdir::WalkDir::new(sfp_home)
        .into_iter()
        .filter_map(Result::ok)
    {
        let path = entry.path();
        let name = path.file_name().unwrap().to_string_lossy();
        if name.starts_with('.') || path.components().any(|c| c.as_os_str() == "backups") {
            continue;
        }
        match path.extension().and_then(|e| e.to_str()) {
            Some("json") => {
                let text = std::fs::read_to_string(path).unwrap();
                serde_json::from_str::<Value>(&text)
                    .unwrap_or_else(|e| panic!("{} is not whole JSON: {e}", path.display()));
                checked += 1;
            }
            Some("jsonl") => {
                for line in std::fs::read_to_string(path).unwrap().lines() {
                    serde_json::from_str::<Value>(line)
                        .unwrap_or_else(|e| panic!("{}: torn line {line:?}: {e}", path.display()));
                }
                checked += 1;
            }
            _ => {}
        }
    }
    checked
}
