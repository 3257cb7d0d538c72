//! `sfp restore` on backups the real CLI's hooks took: restoring `latest` twice in a row restores
//! the same backup both times (the pre-restore backup of the first never becomes `latest`), and
//! undoing a restore returns the Claude config dir to exactly its state before, created files
//! and directories included, checked by a diff of the whole tree.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::Output;

use crate::claude::{Session, claude_or_skip};

/// The staged plugin's `sfp ARGS…`, in the session's context.
fn sfp(session: &Session, args: &[&str]) -> Output {
    session
        .ctx()
        .program(session.plugin().join("bin/sfp"))
        .args(args)
        .output()
        .expect("sfp runs")
}

fn ok(session: &Session, args: &[&str]) -> String {
    let out = sfp(session, args);
    assert!(
        out.status.success(),
        "sfp {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The id in "restored N file(s) from backup <id> into …".
fn restored_from(out: &str) -> String {
    out.split("from backup ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no `from backup` in {out}"))
        .to_owned()
}

/// Every entry below `dir` but sfp's own state (`sfp/`, where backups and logs go): path →
/// (kind, mode, content).
fn tree(dir: &Path) -> BTreeMap<String, (char, u32, Vec<u8>)> {
    walkdir::WalkDir::new(dir)
        .min_depth(1)
        .into_iter()
        .filter_entry(|e| e.path() != dir.join("sfp"))
        .map(Result::unwrap)
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().display().to_string();
            let m = std::fs::symlink_metadata(e.path()).unwrap();
            let kind = if m.is_dir() {
                'd'
            } else if m.file_type().is_symlink() {
                'l'
            } else {
                'f'
            };
            let content = if kind == 'f' {
                std::fs::read(e.path()).unwrap()
            } else {
                Vec::new()
            };
            (rel, (kind, m.permissions().mode() & 0o7777, content))
        })
        .collect()
}

#[test]
fn restore_latest_twice_restores_the_same_backup_and_undo_is_exact() {
    let Some(claude) =
        claude_or_skip("restore_latest_twice_restores_the_same_backup_and_undo_is_exact")
    else {
        return;
    };
    let session = Session::new(claude).with_context();
    let dir = session.claude_dir();
    session.write(&dir.join("commands/review.md"), "review the diff\n");
    session.write(&dir.join("agents/deep/helper.md"), "a helper\n");
    session.write(&dir.join("settings.local.json"), "{\"model\":\"sonnet\"}\n");
    // The hooks back up the config dir: at /clear (SessionEnd) and when the session ends.
    let s = session.run("hello", &["/clear"]);
    let list: Vec<serde_json::Value> =
        serde_json::from_str(&ok(&session, &["backup", "list", "--json"])).unwrap();
    let taken: Vec<&serde_json::Value> = list
        .iter()
        .filter(|b| {
            b["reason"]
                .as_str()
                .is_some_and(|r| r.starts_with("session-end"))
        })
        .collect();
    assert!(
        !taken.is_empty(),
        "the hooks took a backup: {list:?}\n{}",
        s.dump()
    );
    let newest = taken[0]["id"].as_str().unwrap().to_owned();

    // The emergency rollback, twice.
    session.write(&dir.join("settings.local.json"), "{\"model\":\"opus\"}\n");
    let first = restored_from(&ok(&session, &["restore", "latest", "--yes"]));
    session.write(&dir.join("settings.local.json"), "{\"model\":\"haiku\"}\n");
    let second = restored_from(&ok(&session, &["restore", "latest", "--yes"]));
    assert_eq!(first, newest);
    assert_eq!(
        second, first,
        "`latest` did not move to a pre-restore backup"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("settings.local.json")).unwrap(),
        "{\"model\":\"sonnet\"}\n"
    );

    // Undo: edits, a removed directory and a removed file come back exactly as they were.
    session.write(&dir.join("settings.local.json"), "{\"model\":\"opus\"}\n");
    std::fs::remove_dir_all(dir.join("agents")).unwrap();
    std::fs::remove_file(dir.join("commands/review.md")).unwrap();
    session.write(&dir.join("commands/mine.md"), "written after the backup\n");
    let before = tree(&dir);
    let out = ok(&session, &["restore", "latest", "--yes"]);
    assert!(dir.join("agents/deep/helper.md").is_file(), "{out}");
    let undo = out
        .lines()
        .find_map(|l| l.strip_prefix("to undo: "))
        .and_then(|l| l.split_whitespace().nth(2))
        .unwrap_or_else(|| panic!("no undo command in {out}"))
        .to_owned();
    let out = ok(&session, &["restore", &undo, "--yes"]);
    assert_eq!(tree(&dir), before, "the undo left the tree changed: {out}");
}
