//! Kills, concurrency, hooks, and a project's config trying to change retention.

use std::process::Stdio;

use crate::cmd_snapshot;
use crate::support::{Home, text};

/// About `mb` MiB of poorly compressible transcripts.
fn big_home(mb: usize) -> Home {
    let h = Home::populated();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut chunk = vec![0u8; 1024 * 1024];
    for i in 0..mb {
        for b in &mut chunk {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = b'a' + (x % 26) as u8;
        }
        h.write(
            &format!("projects/-big/{i:03}.jsonl"),
            std::str::from_utf8(&chunk).unwrap(),
            0o600,
        );
    }
    h
}

#[test]
fn a_backup_killed_part_way_is_never_listed() {
    let h = big_home(48);
    let mut child = h
        .cmd(&["backup", "create", "--profile", "full"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(60));
    let still_running = child.try_wait().unwrap().is_none();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        still_running,
        "the backup finished before it could be killed; make the tree bigger"
    );
    assert!(h.list().is_empty(), "a killed backup must not be listed");
    // Killed before it made the backups directory at all is fine too: nothing was left.
    let leftovers: Vec<String> = std::fs::read_dir(h.backups())
        .map(|dir| {
            dir.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    assert!(
        leftovers
            .iter()
            .all(|n| n.starts_with(".tmp-") || n == ".lock" || n == ".seq"),
        "{leftovers:?}"
    );
    let out = h.sfp(&["restore", "latest", "--dry-run"]);
    assert!(!out.status.success(), "nothing to restore from");
    // The next backup is unaffected.
    let made = h.create("config");
    h.ok(&["backup", "verify", made["id"].as_str().unwrap()]);
}

#[test]
fn two_concurrent_backups_both_verify() {
    let h = big_home(6);
    let spawn = || {
        h.cmd(&["backup", "create", "--profile", "full", "--json"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(
        a.status.success() && b.status.success(),
        "{}\n{}",
        text(&a),
        text(&b)
    );
    let list = h.list();
    assert_eq!(list.len(), 2);
    assert_ne!(list[0]["id"], list[1]["id"]);
    for b in &list {
        h.ok(&["backup", "verify", b["id"].as_str().unwrap()]);
    }
}

#[test]
fn pre_compact_and_session_end_take_config_backups() {
    let h = Home::populated();
    let events = [
        (
            "pre-compact",
            r#"{"hook_event_name":"PreCompact","session_id":"s1","trigger":"auto"}"#,
        ),
        (
            "session-end",
            r#"{"hook_event_name":"SessionEnd","session_id":"s1","reason":"clear"}"#,
        ),
        // Nothing changed since the previous one: SessionEnd writes no new backup …
        (
            "session-end",
            r#"{"hook_event_name":"SessionEnd","session_id":"s2","reason":"other"}"#,
        ),
        // … but PreCompact always does.
        (
            "pre-compact",
            r#"{"hook_event_name":"PreCompact","session_id":"s2","trigger":"manual"}"#,
        ),
    ];
    for (i, (event, input)) in events.into_iter().enumerate() {
        if i == 1 {
            h.write("commands/new.md", "a new command\n", 0o644);
        }
        // Each backup is taken quietly: no answer, no notice of a failure.
        let out = h.hook(event, input);
        insta::allow_duplicates! {
            cmd_snapshot!(h.ctx, out, @r"
                success: true
                exit_code: 0
                ----- stdout -----

                ----- stderr -----
                ");
        }
    }
    let list = h.list();
    let reasons: Vec<&str> = list.iter().map(|b| b["reason"].as_str().unwrap()).collect();
    assert_eq!(
        reasons,
        [
            "pre-compact (manual), session s2",
            "session-end (clear), session s1",
            "pre-compact (auto), session s1"
        ],
        "newest first"
    );
    assert!(list.iter().all(|b| b["profile"] == "config"));
    let log = std::fs::read_to_string(h.sfp.join("logs/sfp.log")).unwrap();
    assert!(
        log.contains("backup ") && log.contains("session-end (clear)"),
        "{log}"
    );
    assert!(
        log.contains("backup skipped (session-end (other), session s2)"),
        "{log}"
    );
}

#[test]
fn a_project_config_cannot_change_backup_retention() {
    let h = Home::populated();
    let project = h.root.join("repo");
    std::fs::create_dir_all(project.join(".claude/sfp")).unwrap();
    std::fs::write(project.join(".claude/sfp/sfp.yaml"), "backup:\n  keep: 1\n").unwrap();
    for i in 0..3 {
        h.write("commands/n.md", &format!("{i}\n"), 0o644);
        let input = serde_json::json!({"hook_event_name": "SessionEnd", "cwd": project});
        h.hook("session-end", &input.to_string());
    }
    assert_eq!(h.list().len(), 3, "the project's keep: 1 was ignored");
    // The user's own setting applies.
    std::fs::write(h.sfp.join("sfp.yaml"), "backup:\n  keep: 2\n").unwrap();
    h.create("config");
    assert_eq!(h.list().len(), 2);
}
