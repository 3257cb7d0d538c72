//! The soak: sixteen sessions at once, each firing every hook sfp wires in `hooks/hooks.json` in
//! the order Claude Code does (SessionStart, then turns of UserPromptSubmit, PostToolUse and Stop,
//! a PreCompact and the SessionStart after it, SessionEnd), through the plugin's `hooks/sfp-hook`
//! with inputs shaped like the real ones in `fixtures/hook-input/`, against one sandbox; beside
//! them a terminal `sfp backup create` and `sfp restore` in a loop.
//!
//! It runs for `SFP_SOAK_SECS` seconds (3 by default, so that `cargo test` stays quick; 60 for
//! the full soak: `SFP_SOAK_SECS=60 cargo test --release --test soak -- --nocapture`). It asserts
//! no failure (every hook exits 0 with nothing or one JSON object on stdout and no panic; every
//! backup and restore succeeds and the restore brings the file back), no corrupt state (every
//! JSON and JSON-lines file under `$SFP_HOME` parses, log lines are whole) and that every backup
//! `sfp backup list` lists verifies. Hook latency (p50, p99, overall and per event) is printed and
//! written to `target/tmp/soak-latency.txt`; nothing is asserted about it.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use common::TestContext;

const SESSIONS: usize = 16;

/// What every thread reports into.
#[derive(Default)]
struct Stats {
    /// Hook wall-clock times (spawn to exit), by event.
    latency: Mutex<BTreeMap<&'static str, Vec<Duration>>>,
    failures: Mutex<Vec<String>>,
    sessions: AtomicUsize,
    backups: AtomicUsize,
    restores: AtomicUsize,
}

impl Stats {
    fn fail(&self, what: String) {
        self.failures.lock().unwrap().push(what);
    }
}

/// A hook input from the real sample `fixtures/hook-input/NAME.json`, moved into `session`.
fn real_input(name: &str, sb: &TestContext, session: &Session) -> Value {
    let path = common::fixture(&format!("hook-input/{name}.json"));
    let text = std::fs::read_to_string(path).unwrap();
    // The samples were recorded in /home/user/project, on src/app.py.
    let text = text
        .replace(
            "/home/user/project/src/app.py",
            &session.file.to_string_lossy(),
        )
        .replace("/home/user/project", &sb.project.to_string_lossy());
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["session_id"] = json!(session.id);
    v["transcript_path"] = json!(session.transcript);
    v
}

/// One session's ids and files, and its transcript as Claude Code would write it.
struct Session {
    id: String,
    transcript: PathBuf,
    file: PathBuf,
    last_uuid: Option<String>,
    lines: usize,
}

impl Session {
    fn new(sb: &TestContext, thread: usize, round: usize) -> Self {
        let id = format!("{thread:08x}-0000-4000-8000-{round:012x}");
        let dir = sb.root.join("transcripts");
        std::fs::create_dir_all(&dir).unwrap();
        Self {
            transcript: dir.join(format!("{id}.jsonl")),
            file: sb.project.join(format!("src/s{thread}.py")),
            id,
            last_uuid: None,
            lines: 0,
        }
    }

    /// Appends one transcript line in Claude Code's shape, chained to the previous one.
    fn append(&mut self, kind: &str, message: &Value) {
        self.lines += 1;
        let uuid = format!("{}-{:06}", self.id, self.lines);
        let line = json!({
            "parentUuid": self.last_uuid, "isSidechain": false, "isMeta": null, "type": kind,
            "message": message, "uuid": uuid, "timestamp": "2026-11-22T00:47:48.505Z",
            "userType": "external", "entrypoint": "cli", "cwd": "/home/user/project",
            "sessionId": self.id, "version": "2.1.330",
        });
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.transcript)
            .unwrap();
        writeln!(f, "{line}").unwrap();
        self.last_uuid = Some(uuid);
    }
}

/// Runs the plugin's hook launcher for `event` as Claude Code does, and checks its output.
fn fire(sb: &TestContext, stats: &Stats, event: &'static str, input: &Value) -> Option<Value> {
    let launcher = sb.plugin.join("hooks/sfp-hook");
    let started = Instant::now();
    let out = common::output_with_stdin(
        sb.program(launcher.to_str().unwrap()).arg(event),
        input.to_string().as_bytes(),
    );
    let took = started.elapsed();
    stats
        .latency
        .lock()
        .unwrap()
        .entry(event)
        .or_default()
        .push(took);
    check_hook(event, &out).unwrap_or_else(|e| {
        stats.fail(e);
        None
    })
}

/// Exit 0, stdout empty or exactly one JSON object, no panic on stderr.
fn check_hook(event: &str, out: &Output) -> Result<Option<Value>, String> {
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() != Some(0) {
        return Err(format!("{event}: exit {:?}: {stderr}", out.status));
    }
    if stderr.contains("panicked") {
        return Err(format!("{event}: panic: {stderr}"));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    if stdout.trim().is_empty() {
        return Ok(None);
    }
    let mut values = serde_json::Deserializer::from_str(&stdout).into_iter::<Value>();
    match (values.next(), values.next()) {
        (Some(Ok(v @ Value::Object(_))), None) => Ok(Some(v)),
        _ => Err(format!(
            "{event}: stdout is not one JSON object: {stdout:?}"
        )),
    }
}

/// One turn: a prompt, a Write and an Edit of the session's file, Claude's answer, and Stop (again
/// with `stop_hook_active` when a gate sends Claude back, as Claude Code does).
fn turn(sb: &TestContext, stats: &Stats, s: &mut Session, n: usize) {
    let mut prompt = real_input("UserPromptSubmit", sb, s);
    let text = format!("Please add step {n} to {}", s.file.display());
    prompt["prompt"] = json!(text);
    s.append("user", &json!({"role": "user", "content": text}));
    fire(sb, stats, "user-prompt-submit", &prompt);

    let body = format!("def step_{n}(a, b):\n    return a + b\n");
    std::fs::create_dir_all(s.file.parent().unwrap()).unwrap();
    std::fs::write(&s.file, &body).unwrap();
    let mut write = real_input("PostToolUse-Write", sb, s);
    write["tool_input"]["content"] = json!(body);
    write["tool_response"]["content"] = json!(body);
    s.append(
        "assistant",
        &json!({"role": "assistant", "model": "claude-opus-5-5", "content": [
            {"type": "tool_use", "id": "toolu_w", "name": "Write",
             "input": {"file_path": s.file, "content": body}}]}),
    );
    fire(sb, stats, "post-tool-use", &write);

    std::fs::write(&s.file, body.replace("a + b", "a + b  # sum")).unwrap();
    s.append(
        "assistant",
        &json!({"role": "assistant", "model": "claude-opus-5-5", "content": [
            {"type": "tool_use", "id": "toolu_e", "name": "Edit",
             "input": {"file_path": s.file, "old_string": "a + b", "new_string": "a + b  # sum"}}]}),
    );
    fire(
        sb,
        stats,
        "post-tool-use",
        &real_input("PostToolUse-Edit", sb, s),
    );

    let answer = format!("Added step_{n}. Next: test step_{n}.");
    s.append(
        "assistant",
        &json!({"role": "assistant", "model": "claude-opus-5-5",
                "content": [{"type": "text", "text": answer}]}),
    );
    let mut stop = real_input("Stop", sb, s);
    stop["last_assistant_message"] = json!(answer);
    let verdict = fire(sb, stats, "stop", &stop);
    if verdict.is_some_and(|v| v["decision"] == "block") {
        stop["stop_hook_active"] = json!(true);
        fire(sb, stats, "stop", &stop);
    }
}

/// A whole session: start, three turns, a manual compaction, one more turn, the end.
fn session(sb: &TestContext, stats: &Stats, thread: usize, round: usize) {
    let mut s = Session::new(sb, thread, round);
    fire(
        sb,
        stats,
        "session-start",
        &real_input("SessionStart-startup", sb, &s),
    );
    for n in 0..3 {
        turn(sb, stats, &mut s, n);
    }
    fire(
        sb,
        stats,
        "pre-compact",
        &real_input("PreCompact-manual", sb, &s),
    );
    s.append(
        "user",
        &json!({"role": "user", "content": "This session is being continued from a previous conversation."}),
    );
    fire(
        sb,
        stats,
        "session-start",
        &real_input("SessionStart-compact", sb, &s),
    );
    turn(sb, stats, &mut s, 3);
    let end = if round.is_multiple_of(2) {
        "SessionEnd-other"
    } else {
        "SessionEnd-clear"
    };
    fire(sb, stats, "session-end", &real_input(end, sb, &s));
    stats.sessions.fetch_add(1, Ordering::Relaxed);
}

/// `sfp ARGS` in the sandbox, stdin closed.
fn sfp(sb: &TestContext, args: &[&str]) -> Output {
    sb.cmd(args).stdin(Stdio::null()).output().unwrap()
}

/// A terminal backup of the Claude config dir, a change, and a restore that undoes it.
fn backup_and_restore(sb: &TestContext, stats: &Stats, round: usize) {
    let marked = sb.claude.join("commands/soak.md");
    let want = format!("round {round}\n");
    std::fs::write(&marked, &want).unwrap();
    let made = sfp(
        sb,
        &[
            "backup",
            "create",
            "--profile",
            "full",
            "--reason",
            "soak",
            "--json",
        ],
    );
    if !made.status.success() {
        stats.fail(format!(
            "backup create: {:?}: {}",
            made.status,
            String::from_utf8_lossy(&made.stderr)
        ));
        return;
    }
    stats.backups.fetch_add(1, Ordering::Relaxed);
    let id = serde_json::from_slice::<Value>(&made.stdout).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    std::fs::write(&marked, "changed\n").unwrap();
    let restored = sfp(sb, &["restore", &id, "--yes"]);
    if !restored.status.success() {
        stats.fail(format!(
            "restore {id}: {:?}: {}",
            restored.status,
            String::from_utf8_lossy(&restored.stderr)
        ));
        return;
    }
    stats.restores.fetch_add(1, Ordering::Relaxed);
    let now = std::fs::read_to_string(&marked).unwrap_or_default();
    if now != want {
        stats.fail(format!("restore {id} left commands/soak.md as {now:?}"));
    }
}

/// Every `.json` and `.jsonl` file under `dir` parses (each line, for JSON lines); returns how
/// many files were read, and the failures.
fn corrupt_state(dir: &Path) -> (usize, Vec<String>) {
    let mut files = 0;
    let mut bad = Vec::new();
    for entry in walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
    {
        let path = entry.path();
        if !entry.file_type().is_file() {
            continue;
        }
        let ext = path.extension().and_then(|e| e.to_str());
        if !matches!(ext, Some("json" | "jsonl")) {
            continue;
        }
        files += 1;
        let Ok(text) = std::fs::read_to_string(path) else {
            bad.push(format!("{}: not UTF-8", path.display()));
            continue;
        };
        if ext == Some("json") {
            if let Err(e) = serde_json::from_str::<Value>(&text) {
                bad.push(format!("{}: {e}", path.display()));
            }
        } else {
            if !text.is_empty() && !text.ends_with('\n') {
                bad.push(format!("{}: ends mid-line", path.display()));
            }
            for line in text.lines() {
                if let Err(e) = serde_json::from_str::<Value>(line) {
                    bad.push(format!("{}: torn line {line:?}: {e}", path.display()));
                }
            }
        }
    }
    (files, bad)
}

/// Every line of sfp's logs is whole: a timestamp and a level.
fn torn_log_lines(logs: &Path) -> Vec<String> {
    let mut bad = Vec::new();
    for entry in std::fs::read_dir(logs).into_iter().flatten().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        if !text.is_empty() && !text.ends_with('\n') {
            bad.push(format!("{} ends mid-line", entry.path().display()));
        }
        for line in text.lines() {
            let level = line.split_whitespace().nth(1).unwrap_or_default();
            if !(line.starts_with("20") && ["ERROR", "WARN", "INFO", "DEBUG"].contains(&level)) {
                bad.push(format!("{}: {line:?}", entry.path().display()));
            }
        }
    }
    bad
}

/// The nearest-rank `p`th percentile of `sorted`.
fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p * sorted.len()).div_ceil(100);
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn report(stats: &Stats, secs: u64) -> String {
    let latency = stats.latency.lock().unwrap();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut all: Vec<Duration> = latency.values().flatten().copied().collect();
    all.sort();
    let mut text = format!(
        "soak: {SESSIONS} sessions for {secs} s: {} sessions done, {} hooks fired, {} backups and {} restores\n\
         {:<20} {:>7} {:>9} {:>9} {:>9}\n",
        stats.sessions.load(Ordering::Relaxed),
        all.len(),
        stats.backups.load(Ordering::Relaxed),
        stats.restores.load(Ordering::Relaxed),
        "event",
        "hooks",
        "p50 ms",
        "p99 ms",
        "max ms",
    );
    let mut row = |name: &str, sorted: &[Duration]| {
        let _ = writeln!(
            text,
            "{name:<20} {:>7} {:>9.1} {:>9.1} {:>9.1}",
            sorted.len(),
            ms(percentile(sorted, 50)),
            ms(percentile(sorted, 99)),
            ms(sorted.last().copied().unwrap_or_default()),
        );
    };
    row("all", &all);
    for (event, times) in latency.iter() {
        let mut sorted = times.clone();
        sorted.sort();
        row(event, &sorted);
    }
    text
}

#[test]
#[expect(clippy::print_stderr, reason = "the soak reports its latency figures")]
fn sixteen_sessions_and_a_terminal_backup_and_restore_for_the_soak_duration() {
    let secs: u64 = std::env::var("SFP_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let sb = TestContext::healthy();
    std::fs::create_dir_all(sb.claude.join("commands")).unwrap();
    std::fs::write(sb.claude.join("settings.json"), "{\"model\": \"opus\"}\n").unwrap();
    let old = sb.claude.join("projects/-home-user-old/old.jsonl");
    std::fs::create_dir_all(old.parent().unwrap()).unwrap();
    std::fs::write(
        &old,
        "{\"type\":\"user\",\"message\":{\"content\":\"hi\"}}\n".repeat(4000),
    )
    .unwrap();

    let stats = Stats::default();
    let deadline = Instant::now() + Duration::from_secs(secs);
    std::thread::scope(|scope| {
        for thread in 0..SESSIONS {
            let (sb, stats) = (&sb, &stats);
            scope.spawn(move || {
                let mut round = 0;
                while Instant::now() < deadline {
                    session(sb, stats, thread, round);
                    round += 1;
                }
            });
        }
        scope.spawn(|| {
            let mut round = 0;
            while Instant::now() < deadline {
                backup_and_restore(&sb, &stats, round);
                round += 1;
            }
        });
    });

    let text = report(&stats, secs);
    eprint!("{text}");
    let file = Path::new(env!("CARGO_TARGET_TMPDIR")).join("soak-latency.txt");
    let _ = std::fs::write(&file, &text);

    let failures = stats.failures.lock().unwrap();
    assert!(
        failures.is_empty(),
        "{} failure(s), the first: {:#?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    assert!(stats.sessions.load(Ordering::Relaxed) >= SESSIONS);
    assert!(stats.restores.load(Ordering::Relaxed) >= 1);

    let (files, bad) = corrupt_state(&sb.sfp_home);
    assert!(bad.is_empty(), "corrupt state: {bad:#?}");
    let ledgers = walkdir::WalkDir::new(sb.sfp_home.join("sessions"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name() == "ledger.jsonl")
        .count();
    assert!(
        ledgers >= SESSIONS,
        "each session's edits are in its ledger ({ledgers} ledgers, {files} files read)"
    );
    let handoffs = walkdir::WalkDir::new(sb.sfp_home.join("handoffs"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .count();
    assert!(handoffs > 0, "PreCompact and SessionEnd wrote handoffs");
    let torn = torn_log_lines(&sb.sfp_home.join("logs"));
    assert!(torn.is_empty(), "torn log lines: {torn:#?}");

    let listed = sfp(&sb, &["backup", "list", "--json"]);
    assert!(listed.status.success());
    let listed: Vec<Value> = serde_json::from_slice(&listed.stdout).unwrap();
    assert!(!listed.is_empty());
    for b in &listed {
        let id = b["id"].as_str().unwrap();
        let out = sfp(&sb, &["backup", "verify", id]);
        assert!(
            out.status.success(),
            "listed backup {id} does not verify: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    eprintln!(
        "soak: 0 failures, {files} state files parse, {} listed backups verify",
        listed.len()
    );
}
