//! Retention counts each kind of backup apart (`config`, `full`, `pre-restore`) and never runs
//! inside a restore, so neither the backup being restored nor a restore's undo is ever pushed out.

use crate::cmd_snapshot;
use crate::support::Home;

fn ids_of(h: &Home, profile: &str) -> Vec<String> {
    h.list()
        .iter()
        .filter(|b| b["profile"] == profile)
        .map(|b| b["id"].as_str().unwrap().to_owned())
        .collect()
}

fn session_end(h: &Home, session: usize) {
    let input = serde_json::json!({
        "hook_event_name": "SessionEnd",
        "session_id": format!("s{session}"),
        "reason": "clear",
    });
    h.hook("session-end", &input.to_string());
}

#[test]
fn restoring_the_oldest_backup_keeps_it() {
    let h = Home::populated();
    std::fs::create_dir_all(&h.sfp).unwrap();
    std::fs::write(h.sfp.join("sfp.yaml"), "backup:\n  keep: 2\n").unwrap();
    let oldest = h.create("config")["id"].as_str().unwrap().to_owned();
    h.write("settings.json", "{\"model\":\"opus\"}\n", 0o644);
    h.create("config");
    cmd_snapshot!(h.ctx, h.cmd(&["restore", &oldest, "--yes"]), @r"
        success: true
        exit_code: 0
        ----- stdout -----
        backup [ID] (archive checksum ok): restore into [CLAUDE]: 0 to create, 1 to overwrite, 8 unchanged
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
    assert_eq!(
        ids_of(&h, "config").len(),
        2,
        "nothing was pruned by the restore"
    );
    assert!(ids_of(&h, "config").contains(&oldest));
    assert_eq!(ids_of(&h, "pre-restore").len(), 1);
    // Restoring it again (and again) still finds it.
    h.write("settings.json", "{\"model\":\"haiku\"}\n", 0o644);
    h.ok(&["restore", &oldest, "--yes"]);
    h.write("settings.json", "{\"model\":\"haiku\"}\n", 0o644);
    h.ok(&["restore", &oldest, "--yes"]);
    assert_eq!(
        std::fs::read_to_string(h.claude.join("settings.json")).unwrap(),
        "{\"model\":\"sonnet\"}\n"
    );
    assert!(ids_of(&h, "config").contains(&oldest));
    assert_eq!(ids_of(&h, "pre-restore").len(), 3, "a restore never prunes");
    // The next ordinary backup applies retention to each kind on its own.
    h.write("commands/new.md", "new\n", 0o644);
    h.create("config");
    assert_eq!(ids_of(&h, "config").len(), 2);
    assert!(!ids_of(&h, "config").contains(&oldest));
    assert_eq!(ids_of(&h, "pre-restore").len(), 2);
}

#[test]
fn a_pre_restore_and_a_full_backup_survive_a_day_of_hook_backups() {
    let h = Home::populated();
    let first = h.create("config")["id"].as_str().unwrap().to_owned();
    let full = h.create("full")["id"].as_str().unwrap().to_owned();
    h.write("settings.json", "{\"model\":\"opus\"}\n", 0o644);
    let out = h.ok(&["restore", &first, "--yes"]);
    let undo = ids_of(&h, "pre-restore");
    assert_eq!(undo.len(), 1, "{out}");
    for i in 0..12 {
        h.write("todos/a.json", &format!("[{i}]\n"), 0o600);
        session_end(&h, i);
    }
    let config = ids_of(&h, "config");
    assert_eq!(
        config.len(),
        10,
        "the default keep: 10 applies to config backups"
    );
    assert!(!config.contains(&first));
    assert_eq!(ids_of(&h, "full"), [full]);
    assert_eq!(ids_of(&h, "pre-restore"), undo);
    // The undo still works.
    h.ok(&["restore", &undo[0], "--yes"]);
    assert_eq!(
        std::fs::read_to_string(h.claude.join("settings.json")).unwrap(),
        "{\"model\":\"opus\"}\n"
    );
    // The undo took a pre-restore backup of its own. `sfp backup prune --keep N` follows the
    // same rule: 9 config backups and the older pre-restore backup go.
    assert_eq!(ids_of(&h, "pre-restore").len(), 2);
    let newest_undo = ids_of(&h, "pre-restore")[0].clone();
    cmd_snapshot!(h.ctx, h.cmd(&["backup", "prune", "--keep", "1"]), @r"
        success: true
        exit_code: 0
        ----- stdout -----
        removed 10 backup(s): [ID], [ID], [ID], [ID], [ID], [ID], [ID], [ID], [ID], [ID]

        ----- stderr -----
        ");
    assert_eq!(ids_of(&h, "pre-restore"), [newest_undo]);
    let kinds: Vec<String> = h
        .list()
        .iter()
        .map(|b| b["profile"].as_str().unwrap().to_owned())
        .collect();
    let mut sorted = kinds.clone();
    sorted.sort();
    assert_eq!(sorted, ["config", "full", "pre-restore"], "{kinds:?}");
}
