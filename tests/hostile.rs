//! Hostile files and a hostile process environment, with the real binary.
//!
//! A cloned repository can carry a FIFO or a symlink to `/dev/zero` wherever sfp reads (git stores
//! symlinks), and so can `~/.claude/.context` or `$SFP_HOME`. Each of them is put in every place
//! sfp reads, one area at a time and all at once, and run through the hooks that read them and
//! `sfp health`. Every run is watched: one still running after [`WATCHDOG`] is killed and fails
//! the test (a bound on hanging, not a speed figure). Hooks exit 0 with one JSON object or
//! nothing on stdout; the largest resident set of any child stays far below what reading
//! `/dev/zero` until the timeout took (gigabytes).
//!
//! Then the process environment: stderr on `/dev/full` or a closed pipe, a huge
//! `SFP_LOG_BACKUPS`, the modes of what a hook creates under `$SFP_HOME`, an unset `HOME`.

mod common;

use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::{TestContext, hook_json};
use serde_json::json;

/// How long any one run may take before it counts as hung (the shortest hook timeout in
/// `hooks.json` is above this for the events run here, and a healthy run takes well under 1 s).
const WATCHDOG: Duration = Duration::from_secs(10);

/// Largest resident set any child may reach: sfp reads context files of at most 1 MiB and config
/// of at most 4 MiB; reading `/dev/zero` unbounded reached 2 GB.
const MAX_CHILD_RSS_KIB: i64 = 512 * 1024;

/// Runs `cmd` with `stdin`, killing it and failing when it outlives [`WATCHDOG`].
fn bounded(mut cmd: Command, stdin: &[u8], what: &str) -> Output {
    let out = common::output_within(&mut cmd, stdin, WATCHDOG, what);
    assert_rss_bounded(what);
    out
}

/// The largest resident set (KiB) of any child this test process has waited for.
#[allow(unsafe_code)]
fn max_child_rss_kib() -> i64 {
    // SAFETY: getrusage writes one `rusage` into the zeroed value it is given and nothing else.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &raw mut usage);
        usage.ru_maxrss
    }
}

fn assert_rss_bounded(what: &str) {
    let rss = max_child_rss_kib();
    assert!(
        rss > 0 && rss < MAX_CHILD_RSS_KIB,
        "{what}: a child reached {rss} KiB resident"
    );
}

/// What a hostile file is.
#[derive(Debug, Clone, Copy)]
enum Hostile {
    Fifo,
    DevZero,
    DevUrandom,
    Directory,
}

const ALL: [Hostile; 4] = [
    Hostile::Fifo,
    Hostile::DevZero,
    Hostile::DevUrandom,
    Hostile::Directory,
];

fn plant(path: &Path, how: Hostile) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(path).unwrap(),
        Ok(_) => std::fs::remove_file(path).unwrap(),
        Err(_) => {}
    }
    match how {
        Hostile::Fifo => rustix::fs::mknodat(
            rustix::fs::CWD,
            path,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o644),
            0,
        )
        .unwrap(),
        Hostile::DevZero => std::os::unix::fs::symlink("/dev/zero", path).unwrap(),
        Hostile::DevUrandom => std::os::unix::fs::symlink("/dev/urandom", path).unwrap(),
        Hostile::Directory => {
            std::fs::create_dir_all(path).unwrap();
            std::fs::write(path.join("inside"), "x").unwrap();
        }
    }
}

/// The places of one area, relative to the sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Area {
    Project,
    ContextDir,
    ClaudeDir,
    SfpHome,
}

fn places(sb: &TestContext, area: Area) -> Vec<PathBuf> {
    let session = sb.sfp_home.join("sessions/test-session");
    match area {
        Area::Project => [
            ".claude/sfp/gates.yaml",
            ".claude/sfp/gates.local.yaml",
            ".claude/sfp/alerts.yaml",
            ".claude/sfp/sfp.yaml",
            ".claude/sfp/tags.yaml",
            ".claude/sfp/evidence.yaml",
            ".claude/sfp/context/notes.md",
            ".claude/settings.json",
            ".gitignore",
            ".secretsignore",
            "package.json",
            "composer.json",
            "Cargo.toml",
            "pyproject.toml",
            "requirements.txt",
        ]
        .iter()
        .map(|p| sb.project.join(p))
        .collect(),
        Area::ContextDir => ["CLAUDE.md", "rules.md"]
            .iter()
            .map(|p| sb.claude.join(".context").join(p))
            .collect(),
        Area::ClaudeDir => [
            "settings.json",
            ".claude.json",
            "plugins/installed_plugins.json",
            "todos/test-session-agent-test-session.json",
        ]
        .iter()
        .map(|p| sb.claude.join(p))
        .chain([sb.root.join("t.jsonl")])
        .collect(),
        Area::SfpHome => [
            "sfp.yaml",
            "gates.yaml",
            "alerts.yaml",
            "tags.yaml",
            "evidence.yaml",
            "logs/sfp.log",
            "kpis/events.jsonl",
            "backups/.lock",
        ]
        .iter()
        .map(|p| sb.sfp_home.join(p))
        .chain(
            [
                "ledger.jsonl",
                "tags.json",
                "tags-known.txt",
                "gates.json",
                "gates-last.json",
                "gates-skip.txt",
                "health-reported.txt",
            ]
            .iter()
            .map(|p| session.join(p)),
        )
        .collect(),
    }
}

/// A sandbox with an uncommitted source file (so Stop runs its gates, which read the ignore
/// files) and a transcript, then the hostile files of `areas`.
fn hostile_sandbox(areas: &[Area], how: Hostile) -> TestContext {
    let sb = TestContext::healthy();
    std::fs::write(sb.project.join("app.py"), "print('hello')\n").unwrap();
    std::fs::write(
        sb.root.join("t.jsonl"),
        "{\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":\"fix the bug\"}}\n",
    )
    .unwrap();
    for &area in areas {
        for place in places(&sb, area) {
            // git itself blocks opening a FIFO `.gitignore` (sfp's git calls are bounded by
            // their own timeout, not by this reader), so that one case is left to git.
            if matches!(how, Hostile::Fifo) && place.ends_with(".gitignore") {
                continue;
            }
            plant(&place, how);
        }
    }
    sb
}

/// The hooks that read files sfp does not own, and write its state: `(cli name, event, input)`.
fn reading_hooks(sb: &TestContext) -> [(&'static str, &'static str, serde_json::Value); 5] {
    [
        (
            "session-start",
            "SessionStart",
            json!({"source": "startup"}),
        ),
        (
            "user-prompt-submit",
            "UserPromptSubmit",
            json!({"prompt": "go on"}),
        ),
        (
            "post-tool-use",
            "PostToolUse",
            json!({"tool_name": "Write", "tool_input": {"file_path": sb.project.join("app.py")},
                   "tool_response": {"type": "create"}}),
        ),
        ("stop", "Stop", json!({"stop_hook_active": false})),
        ("pre-compact", "PreCompact", json!({"trigger": "auto"})),
    ]
}

/// Every hook that reads these files, and `sfp health` (text and JSON), each watched.
fn run_everything(sb: &TestContext, label: &str) {
    for (cli, name, extra) in reading_hooks(sb) {
        let what = format!("{label}: hook {cli}");
        let out = bounded(sb.cmd(&["hook", cli]), &sb.input(name, &extra), &what);
        assert_eq!(out.status.code(), Some(0), "{what}: {out:?}");
        // Empty, or exactly one JSON object (panics otherwise).
        let _ = hook_json(&out);
        assert!(
            out.stdout.len() < 256 * 1024,
            "{what}: {} bytes",
            out.stdout.len()
        );
    }
    for args in [&["health"][..], &["health", "--json"]] {
        let what = format!("{label}: sfp {}", args.join(" "));
        let out = bounded(sb.cmd(args), b"", &what);
        assert!(
            matches!(out.status.code(), Some(0..=1)),
            "{what}: exit {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stdout.len() < 256 * 1024,
            "{what}: {} bytes",
            out.stdout.len()
        );
        if args.len() == 2 {
            serde_json::from_slice::<serde_json::Value>(&out.stdout)
                .unwrap_or_else(|e| panic!("{what}: not JSON ({e})"));
        }
    }
}

fn area_test(area: Area) {
    for how in ALL {
        let sb = hostile_sandbox(&[area], how);
        run_everything(&sb, &format!("{area:?} as {how:?}"));
    }
}

#[test]
fn hostile_files_in_the_project_are_skipped() {
    area_test(Area::Project);
}

#[test]
fn hostile_files_in_the_context_dir_are_skipped() {
    area_test(Area::ContextDir);
}

#[test]
fn hostile_files_in_the_claude_dir_and_the_transcript_are_skipped() {
    area_test(Area::ClaudeDir);
}

#[test]
fn hostile_files_in_sfp_home_are_skipped() {
    area_test(Area::SfpHome);
}

#[test]
fn hostile_files_everywhere_at_once_are_skipped() {
    let areas = [
        Area::Project,
        Area::ContextDir,
        Area::ClaudeDir,
        Area::SfpHome,
    ];
    for how in ALL {
        let sb = hostile_sandbox(&areas, how);
        run_everything(&sb, &format!("everything as {how:?}"));
    }
}

/// A skipped file is named, with the reason, where sfp shows config problems and in its log.
#[test]
fn a_skipped_config_layer_is_reported_with_its_path_and_why() {
    let sb = hostile_sandbox(&[], Hostile::Fifo);
    let gates = sb.project.join(".claude/sfp/gates.yaml");
    plant(&gates, Hostile::Fifo);
    let zero = sb.project.join(".claude/sfp/alerts.yaml");
    plant(&zero, Hostile::DevZero);
    let out = bounded(sb.cmd(&["health"]), b"", "health");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("gates.yaml") && text.contains("a FIFO, not a regular file"),
        "{text}"
    );
    let out = bounded(
        sb.cmd(&["hook", "session-start"]),
        &sb.input("SessionStart", &json!({"source": "startup"})),
        "session-start",
    );
    assert_eq!(out.status.code(), Some(0));
    let log = std::fs::read_to_string(sb.sfp_home.join("logs/sfp.log")).unwrap();
    let line = log
        .lines()
        .find(|l| l.contains(&*gates.to_string_lossy()))
        .unwrap_or_else(|| panic!("no log line names {}:\n{log}", gates.display()));
    assert!(line.contains("WARN") && line.contains("FIFO"), "{line}");
    assert!(
        log.lines().any(|l| l.contains(&*zero.to_string_lossy())
            && l.contains("a symlink to a character device")),
        "{log}"
    );
}

/// A symlink to a regular file is read like the file.
#[test]
fn a_symlink_to_a_regular_context_file_is_still_read() {
    let sb = TestContext::healthy();
    let real = sb.root.join("dotfiles/CLAUDE.md");
    std::fs::create_dir_all(real.parent().unwrap()).unwrap();
    std::fs::write(&real, "# Me\n\n## Rules\n- Always write tests first.\n").unwrap();
    let link = sb.claude.join(".context/CLAUDE.md");
    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let out = bounded(
        sb.cmd(&["hook", "session-start"]),
        &sb.input("SessionStart", &json!({"source": "startup"})),
        "session-start",
    );
    cmd_snapshot!(sb, out, @r#"
        success: true
        exit_code: 0
        ----- stdout -----
        {"hookSpecificOutput":{"additionalContext":"The user's standing context, from their context files (~/.claude/.context), as tags: K = knowledge about the user and their work, U = the user's rules and preferences, C = constraints and triggers. Rules and constraints come first.\n[U:rules] Always write tests first.","hookEventName":"SessionStart"}}

        ----- stderr -----
        "#);
}

/// Invalid hook input makes sfp write a notice to stderr; with stderr unwritable the hook still
/// exits 0 (it died with SIGABRT: `eprintln!` panicked, then the panic report did).
#[test]
fn an_unwritable_stderr_never_fails_a_hook() {
    let sb = TestContext::healthy();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let mut cmd = sb.cmd(&["hook", "session-start"]);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(full);
    let mut child = cmd.spawn().unwrap();
    child.stdin.take().unwrap().write_all(b"{not json").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stdout.is_empty());

    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut cmd = sb.cmd(&["hook", "stop"]);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(writer);
    let mut child = cmd.spawn().unwrap();
    child.stdin.take().unwrap().write_all(b"[1, 2").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");

    // A terminal command's error goes to stderr too: its exit code stands, without a panic.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let mut cmd = sb.cmd(&["restore", "no-such-backup"]);
    cmd.stdout(Stdio::piped()).stderr(full);
    let out = cmd.output().unwrap();
    assert!(matches!(out.status.code(), Some(1 | 2)), "{out:?}");
}

/// `SFP_LOG_BACKUPS=10000000` made every rotation rename ten million names (57 s a hook); it is
/// clamped, so rotation keeps at most 20 old logs.
#[test]
fn a_huge_log_backup_count_is_clamped() {
    let sb = TestContext::healthy();
    let logs = sb.sfp_home.join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    for round in 0..3 {
        std::fs::write(logs.join("sfp.log"), "x".repeat(4096)).unwrap();
        let mut cmd = sb.cmd(&["hook", "session-start"]);
        cmd.env("SFP_LOG_BACKUPS", "10000000")
            .env("SFP_LOG_MAX_BYTES", "1")
            .env("SFP_LOG_LEVEL", "debug");
        let out = bounded(
            cmd,
            &sb.input("SessionStart", &json!({"source": "startup"})),
            &format!("rotation round {round}"),
        );
        assert_eq!(out.status.code(), Some(0));
    }
    assert!(logs.join("sfp.log.1").is_file());
    let kept = std::fs::read_dir(&logs).unwrap().count();
    assert!(kept <= 21, "{kept} log files");
}

fn modes_under(root: &Path) -> Vec<(PathBuf, u32, bool)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let meta = std::fs::symlink_metadata(&dir).unwrap();
        out.push((dir.clone(), meta.permissions().mode() & 0o777, true));
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let ft = entry.file_type().unwrap();
            if ft.is_dir() {
                stack.push(entry.path());
            } else if ft.is_file() {
                let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
                out.push((entry.path(), mode, false));
            }
        }
    }
    out
}

/// A hook that creates `$SFP_HOME` first makes it and everything in it private: directories
/// 0700, files 0600, under the usual umask 022 (they were 0755 and 0644).
#[test]
fn everything_a_hook_creates_under_sfp_home_is_private() {
    let sb = TestContext::healthy();
    std::fs::write(sb.project.join("app.py"), "print('hello')\n").unwrap();
    assert!(!sb.sfp_home.exists());
    for (cli, name, extra) in reading_hooks(&sb) {
        let mut cmd = sb.program("sh");
        cmd.arg("-c")
            .arg("umask 022; exec \"$0\" hook \"$1\"")
            .arg(common::sfp_bin())
            .arg(cli);
        let out = bounded(cmd, &sb.input(name, &extra), cli);
        assert_eq!(out.status.code(), Some(0), "{cli}: {out:?}");
    }
    let found = modes_under(&sb.sfp_home);
    for want in [
        "logs/sfp.log",
        "sessions/test-session/ledger.jsonl",
        "kpis/events.jsonl",
    ] {
        assert!(
            found.iter().any(|(p, _, _)| p.ends_with(want)),
            "{want} was not created: {found:?}"
        );
    }
    for (path, mode, is_dir) in &found {
        let want = if *is_dir { 0o700 } else { 0o600 };
        assert_eq!(*mode, want, "{} is {mode:o}", path.display());
    }
}

/// With `HOME` unset, sfp takes the home directory from the passwd entry instead of `/`; the
/// overrides still decide where its files are.
#[test]
fn an_unset_home_falls_back_to_the_passwd_entry() {
    let sb = TestContext::healthy();
    let mut cmd = sb.cmd(&["hook", "session-start"]);
    cmd.env_remove("HOME")
        .env("SFP_HOME", &sb.sfp_home)
        .env("SFP_LOG_LEVEL", "debug");
    let out = bounded(
        cmd,
        &sb.input("SessionStart", &json!({"source": "startup"})),
        "session-start without HOME",
    );
    // The tags are still injected.
    cmd_snapshot!(sb, out, @r#"
        success: true
        exit_code: 0
        ----- stdout -----
        {"hookSpecificOutput":{"additionalContext":"The user's standing context, from their context files ([CLAUDE]/.context), as tags: K = knowledge about the user and their work, U = the user's rules and preferences, C = constraints and triggers. Rules and constraints come first.\n[U:rules] Be brief.","hookEventName":"SessionStart"}}

        ----- stderr -----
        "#);
    assert!(sb.sfp_home.join("logs/sfp.log").is_file());

    // An empty HOME is the same as none.
    let mut cmd = sb.cmd(&["health", "--json"]);
    cmd.env("HOME", "").env("SFP_HOME", &sb.sfp_home);
    let out = bounded(cmd, b"", "health with an empty HOME");
    serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("health JSON");
}

/// A FIFO in place of the backup store's lock file: opening it for writing used to wait for a
/// reader for ever. It is refused at once, so a backup fails cleanly and SessionEnd exits 0.
#[test]
fn a_fifo_lock_file_in_the_backup_store_never_hangs() {
    let sb = TestContext::healthy();
    plant(&sb.sfp_home.join("backups/.lock"), Hostile::Fifo);
    let out = bounded(sb.cmd(&["backup", "create"]), b"", "backup create");
    cmd_snapshot!(sb, out, @r"
        success: false
        exit_code: 2
        ----- stdout -----

        ----- stderr -----
        error: backup failed
          caused by: cannot open lock file [SFP_HOME]/backups/.lock
          caused by: No such device or address (os error 6)
        ");
    let out = bounded(
        sb.cmd(&["hook", "session-end"]),
        &sb.input("SessionEnd", &json!({"reason": "logout"})),
        "session-end",
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let _ = hook_json(&out);
    let out = bounded(sb.cmd(&["backup", "list", "--json"]), b"", "backup list");
    serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("list JSON");
}
