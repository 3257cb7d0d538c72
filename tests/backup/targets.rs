//! What a restore may replace: never a symlink or other non-regular file, never a file its
//! pre-restore backup could not take, and never a file that appeared after the plan was made.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::cmd_snapshot;
use crate::support::Home;

#[test]
fn a_symlinked_file_is_refused_and_left_as_it_is() {
    let h = Home::populated();
    let id = h.create("config")["id"].as_str().unwrap().to_owned();
    let dotfiles = h.root.join("dotfiles");
    std::fs::create_dir_all(&dotfiles).unwrap();
    std::fs::write(dotfiles.join("settings.json"), "{\"model\":\"opus\"}\n").unwrap();
    std::fs::remove_file(h.claude.join("settings.json")).unwrap();
    std::os::unix::fs::symlink(
        dotfiles.join("settings.json"),
        h.claude.join("settings.json"),
    )
    .unwrap();
    let before = h.list().len();
    cmd_snapshot!(h.ctx, h.cmd(&["restore", &id, "--only", "settings.json", "--yes"]), @r"
        success: false
        exit_code: 1
        ----- stdout -----

        ----- stderr -----
        error: cannot restore:
          settings.json: [CLAUDE]/settings.json is a symlink; refusing to replace it (restore with --to DIR, or replace the link by hand)
        ");
    let link = h.claude.join("settings.json");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        std::fs::read_link(&link).unwrap(),
        dotfiles.join("settings.json")
    );
    assert_eq!(
        std::fs::read_to_string(dotfiles.join("settings.json")).unwrap(),
        "{\"model\":\"opus\"}\n"
    );
    assert_eq!(h.list().len(), before, "no pre-restore backup was taken");
}

/// Runs `sfp restore <args>` while the test holds the backups lock, so the restore stops at its
/// pre-restore backup (after planning and staging); `meanwhile` then changes the home, the lock
/// is released and the restore's output returned.
fn restore_racing(h: &Home, args: &[&str], meanwhile: impl FnOnce()) -> std::process::Output {
    std::fs::create_dir_all(h.backups()).unwrap();
    std::fs::write(h.sfp.join("sfp.yaml"), "backup:\n  lock_wait_ms: 60000\n").unwrap();
    // `flock(1)` holds the lock until its stdin closes; it says `locked` once it has it.
    let mut lock = std::process::Command::new("flock")
        .arg(h.backups().join(".lock"))
        .args(["sh", "-c", "echo locked; read _"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut said = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(lock.stdout.take().unwrap()),
        &mut said,
    )
    .unwrap();
    assert_eq!(said.trim(), "locked");
    let child = h
        .cmd(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !staging_exists(&h.claude) {
        assert!(Instant::now() < deadline, "the restore never staged");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Staging is done once the staged files are there; give it a moment to reach the lock.
    std::thread::sleep(Duration::from_millis(300));
    meanwhile();
    drop(lock.stdin.take());
    lock.wait().unwrap();
    child.wait_with_output().unwrap()
}

fn staging_exists(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .any(|e| e.file_name().to_string_lossy().starts_with(".sfp-restore-"))
}

#[test]
fn a_file_the_pre_restore_backup_skips_aborts_the_restore() {
    let h = Home::populated();
    let id = h.create("config")["id"].as_str().unwrap().to_owned();
    h.write("settings.json", "{\"model\":\"opus\"}\n", 0o644);
    h.write("CLAUDE.md", "# edited\n", 0o644);
    let real = h.root.join("real-settings.json");
    let out = restore_racing(&h, &["restore", &id, "--yes"], || {
        // settings.json becomes a symlink after the plan: the pre-restore backup cannot take it.
        std::fs::rename(h.claude.join("settings.json"), &real).unwrap();
        std::os::unix::fs::symlink(&real, h.claude.join("settings.json")).unwrap();
    });
    cmd_snapshot!(h.ctx, out, @r"
        success: false
        exit_code: 1
        ----- stdout -----
        backup [ID] (archive checksum ok): restore into [CLAUDE]: 0 to create, 2 to overwrite, 6 unchanged
          overwrite [CLAUDE]/CLAUDE.md
          overwrite [CLAUDE]/settings.json

        ----- stderr -----
        error: the pre-restore backup could not take 1 file(s) that would be overwritten: settings.json (cannot read: Too many levels of symbolic links (os error 40)); nothing was restored
        ");
    let link = h.claude.join("settings.json");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        std::fs::read_to_string(&real).unwrap(),
        "{\"model\":\"opus\"}\n"
    );
    assert_eq!(
        std::fs::read_to_string(h.claude.join("CLAUDE.md")).unwrap(),
        "# edited\n",
        "nothing was touched"
    );
    assert!(!staging_exists(&h.claude), "staging is cleaned up");
    assert_eq!(
        h.list().len(),
        1,
        "the incomplete pre-restore backup is not kept"
    );
}

#[test]
fn a_file_that_appears_after_the_plan_is_never_overwritten() {
    let h = Home::populated();
    let id = h.create("config")["id"].as_str().unwrap().to_owned();
    std::fs::remove_file(h.claude.join("todos/a.json")).unwrap();
    h.write("settings.json", "{\"model\":\"opus\"}\n", 0o644);
    let out = restore_racing(&h, &["restore", &id, "--yes"], || {
        // A live session writes the todo list the plan meant to create.
        std::fs::write(h.claude.join("todos/a.json"), "[\"live\"]\n").unwrap();
    });
    cmd_snapshot!(h.ctx, out, @r"
        success: false
        exit_code: 2
        ----- stdout -----
        backup [ID] (archive checksum ok): restore into [CLAUDE]: 1 to create, 1 to overwrite, 6 unchanged
          overwrite [CLAUDE]/settings.json
          create    [CLAUDE]/todos/a.json

        ----- stderr -----
        pre-restore backup [ID] (1 file(s), 17 B)
        warning: restore stopped before writing anything: [CLAUDE]/todos/a.json appeared after the restore was planned (another process wrote it); nothing was written
        ");
    assert_eq!(
        std::fs::read_to_string(h.claude.join("todos/a.json")).unwrap(),
        "[\"live\"]\n"
    );
    assert!(!staging_exists(&h.claude), "staging is cleaned up");
}
