//! Create, list, show, restore, undo: the everyday paths.

use std::io::Read;
use std::os::unix::fs::PermissionsExt as _;
use std::process::Command;

use crate::cmd_snapshot;
use crate::support::{Home, tree};

#[test]
fn create_then_restore_round_trips_every_file() {
    let h = Home::populated();
    let made = h.create("full");
    let id = made["id"].as_str().unwrap().to_owned();
    assert_eq!(made["restore_command"], format!("sfp restore {id}"));
    let meta: serde_json::Value = serde_json::from_slice(
        &std::fs::read(h.backups().join(&id).join("metadata.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(meta["restore_command"], format!("sfp restore {id}"));
    let dir_mode = std::fs::metadata(h.backups().join(&id))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(dir_mode, 0o700);
    for f in ["backup.tar.gz", "metadata.json"] {
        let m = std::fs::metadata(h.backups().join(&id).join(f))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(m & 0o777, 0o600, "{f}");
    }

    let out = h.root.join("restored");
    h.ok(&["restore", &id, "--to", out.to_str().unwrap(), "--yes"]);
    let mut expected = tree(&h.claude);
    for never in [
        ".credentials.json",
        "plugins/cache/p/plugin.json",
        "sessions/123.json",
    ] {
        assert!(expected.remove(never).is_some(), "{never}");
    }
    assert_eq!(tree(&out), expected);
    // Modification times come back too.
    let a = std::fs::metadata(h.claude.join("CLAUDE.md"))
        .unwrap()
        .modified()
        .unwrap();
    let b = std::fs::metadata(out.join("CLAUDE.md"))
        .unwrap()
        .modified()
        .unwrap();
    let secs =
        |t: std::time::SystemTime| t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    assert_eq!(secs(a), secs(b));
    // The archive is a plain gzip tar that GNU tar reads.
    let gnu = Command::new("tar")
        .args(["-tzf"])
        .arg(h.backups().join(&id).join("backup.tar.gz"))
        .output()
        .unwrap();
    assert!(gnu.status.success());
    assert!(String::from_utf8_lossy(&gnu.stdout).contains("projects/-p/s1.jsonl"));
    h.ok(&["backup", "verify", &id]);
}

#[test]
fn config_profile_leaves_out_transcripts_and_credentials() {
    let h = Home::populated();
    let made = h.create("config");
    let id = made["id"].as_str().unwrap();
    let meta: serde_json::Value =
        serde_json::from_str(&h.ok(&["backup", "show", id, "--json"])).unwrap();
    let paths: Vec<&str> = meta["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(
        paths.contains(&"settings.json") && paths.contains(&"hooks/notify.sh"),
        "{paths:?}"
    );
    for absent in [
        ".credentials.json",
        "projects/-p/s1.jsonl",
        "history.jsonl",
        "sessions/123.json",
    ] {
        assert!(!paths.contains(&absent), "{absent} in {paths:?}");
    }
    let mut raw = Vec::new();
    flate2::read::MultiGzDecoder::new(
        std::fs::File::open(h.backups().join(id).join("backup.tar.gz")).unwrap(),
    )
    .read_to_end(&mut raw)
    .unwrap();
    assert!(!String::from_utf8_lossy(&raw).contains("SECRET-TOKEN"));
    assert!(meta["skipped"].to_string().contains(".credentials.json"));

    let with = h.ok(&["backup", "create", "--include-credentials", "--json"]);
    let with: serde_json::Value = serde_json::from_str(&with).unwrap();
    cmd_snapshot!(h.ctx, h.cmd(&["backup", "show", with["id"].as_str().unwrap()]), @r"
        success: true
        exit_code: 0
        ----- stdout -----
        backup    [ID]
        created   [TIME]
        reason    manual
        profile   config
        source    [CLAUDE]
        sfp       [VERSION]
        files     9 (144 B), archive [SIZE] B (gzip -7)
        sha256    [SHA256]
        path      [SFP_HOME]/backups/[ID]
        restore   sfp restore [ID]
           644         17  .context/CLAUDE.md
           600         44  .credentials.json
           644          9  CLAUDE.md
           640         16  commands/review.md
           755         18  hooks/notify.sh
           644         15  plugins/installed_plugins.json
           644         19  settings.json
           600          3  settings.local.json
           600          3  todos/a.json

        ----- stderr -----
        ");
}

#[test]
fn dry_run_writes_nothing() {
    let h = Home::populated();
    h.create("config");
    h.write("settings.json", "{\"model\":\"opus\"}\n", 0o644);
    h.write("commands/review.md", "changed\n", 0o640);
    let before = tree(&h.claude);
    cmd_snapshot!(h.ctx, h.cmd(&["restore", "latest", "--dry-run"]), @r"
        success: true
        exit_code: 0
        ----- stdout -----
        backup [ID] (archive checksum ok): restore into [CLAUDE]: 0 to create, 2 to overwrite, 6 unchanged
          overwrite [CLAUDE]/commands/review.md
          overwrite [CLAUDE]/settings.json
        dry run: every entry verified; nothing was written

        ----- stderr -----
        ");
    assert_eq!(tree(&h.claude), before);
    assert_eq!(h.list().len(), 1, "no pre-restore backup for a dry run");
}

#[test]
fn restore_without_a_terminal_needs_yes() {
    let h = Home::populated();
    h.create("config");
    h.write("settings.json", "{\"model\":\"opus\"}\n", 0o644);
    cmd_snapshot!(h.ctx, h.cmd(&["restore", "latest"]), @r"
        success: false
        exit_code: 1
        ----- stdout -----
        backup [ID] (archive checksum ok): restore into [CLAUDE]: 0 to create, 1 to overwrite, 7 unchanged
          overwrite [CLAUDE]/settings.json

        ----- stderr -----
        error: stdin is not a terminal: pass --yes to restore without asking; nothing was written
        ");
    assert_eq!(
        std::fs::read_to_string(h.claude.join("settings.json")).unwrap(),
        "{\"model\":\"opus\"}\n"
    );
}

#[test]
fn a_restore_can_be_undone_with_its_pre_restore_backup() {
    let h = Home::populated();
    let first = h.create("config");
    let id = first["id"].as_str().unwrap().to_owned();
    h.write("settings.json", "{\"model\":\"opus\"}\n", 0o600);
    h.write("agents/new.md", "new agent\n", 0o644);
    let out = h.ctx.run(&["restore", &id, "--yes"]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    cmd_snapshot!(h.ctx, out, @r"
    success: true
    exit_code: 0
    ----- stdout -----
    backup [ID] (archive checksum ok): restore into [CLAUDE]: 0 to create, 1 to overwrite, 7 unchanged
      overwrite [CLAUDE]/settings.json
    done: restored 1 file(s) from backup [ID] into [CLAUDE]
    to undo: sfp restore [ID]   (pre-restore backup [ID])

    ----- stderr -----
    pre-restore backup [ID] (1 file(s), 17 B)
    ");
    assert_eq!(
        std::fs::read_to_string(h.claude.join("settings.json")).unwrap(),
        "{\"model\":\"sonnet\"}\n"
    );
    let mode = std::fs::metadata(h.claude.join("settings.json"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o644);
    let list = h.list();
    assert_eq!(list.len(), 2);
    let pre = &list[0];
    assert_eq!(list[1]["id"], id, "newest first");
    assert_eq!(pre["reason"], format!("pre-restore {id}"));
    assert_eq!(pre["profile"], "pre-restore");
    let pre_id = pre["id"].as_str().unwrap();
    assert!(
        stdout.contains(&format!("sfp restore {pre_id}")),
        "{stdout}"
    );

    h.ok(&["restore", pre_id, "--yes"]);
    assert_eq!(
        std::fs::read_to_string(h.claude.join("settings.json")).unwrap(),
        "{\"model\":\"opus\"}\n"
    );
    let mode = std::fs::metadata(h.claude.join("settings.json"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    assert!(
        h.claude.join("agents/new.md").exists(),
        "files the backup never had are left alone"
    );
}

#[test]
fn only_restores_matching_paths() {
    let h = Home::populated();
    h.create("config");
    h.write("settings.json", "{\"model\":\"opus\"}\n", 0o644);
    h.write("commands/review.md", "changed\n", 0o640);
    h.ok(&["restore", "latest", "--only", "commands", "--yes"]);
    assert_eq!(
        std::fs::read_to_string(h.claude.join("commands/review.md")).unwrap(),
        "review the diff\n"
    );
    assert_eq!(
        std::fs::read_to_string(h.claude.join("settings.json")).unwrap(),
        "{\"model\":\"opus\"}\n"
    );
}

#[test]
fn prefixes_latest_and_prune() {
    let h = Home::populated();
    let ids: Vec<String> = (0..3)
        .map(|_| h.create("config")["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 3);
    let mut sorted = ids.clone();
    sorted.dedup();
    assert_eq!(sorted.len(), 3, "ids are unique: {ids:?}");
    let listed: Vec<String> = h
        .list()
        .iter()
        .map(|b| b["id"].as_str().unwrap().to_owned())
        .collect();
    let newest_first: Vec<String> = ids.iter().rev().cloned().collect();
    assert_eq!(listed, newest_first, "listed newest first");
    let shown = h.ok(&["backup", "show", "latest"]);
    assert!(shown.contains(&ids[2]));
    // A prefix shared by several is ambiguous.
    cmd_snapshot!(h.ctx, h.cmd(&["backup", "show", "2"]), @r"
        success: false
        exit_code: 1
        ----- stdout -----

        ----- stderr -----
        error: `2` matches 3 backups: [ID], [ID], [ID]
        ");
    cmd_snapshot!(h.ctx, h.cmd(&["restore", "19990101", "--dry-run"]), @r"
        success: false
        exit_code: 1
        ----- stdout -----

        ----- stderr -----
        error: no backup `19990101` (see `sfp backup list`)
        ");
    cmd_snapshot!(h.ctx, h.cmd(&["restore", "latest", "--only", "nothing/here", "--dry-run"]), @r"
        success: false
        exit_code: 1
        ----- stdout -----

        ----- stderr -----
        error: no file in backup [ID] matches --only
        ");
    h.ok(&["backup", "prune", "--keep", "1"]);
    let left: Vec<String> = h
        .list()
        .iter()
        .map(|b| b["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(left, [ids[2].clone()]);
}

#[test]
fn restore_never_writes_through_a_symlinked_directory() {
    let h = Home::populated();
    h.create("config");
    let outside = h.root.join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    let dest = h.root.join("dest");
    std::fs::create_dir_all(&dest).unwrap();
    std::os::unix::fs::symlink(&outside, dest.join("commands")).unwrap();
    cmd_snapshot!(h.ctx, h.cmd(&["restore", "latest", "--to", dest.to_str().unwrap(), "--yes"]), @r"
        success: false
        exit_code: 1
        ----- stdout -----

        ----- stderr -----
        error: cannot restore:
          commands/review.md: [TMP]/dest/commands is a symlink; refusing to write through it
        ");
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
    assert_eq!(
        std::fs::read_dir(&dest).unwrap().count(),
        1,
        "only the symlink is there"
    );
}
