//! A hostile store, a hostile clock and hostile timing: a directory swapped for a symlink while
//! a restore runs, backups dated in the future, damaged metadata and FIFOs in the store, names
//! that hold terminal escapes, a full disk, an empty id.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::cmd_snapshot;
use crate::hostile::{Entry, craft, plant};
use crate::support::{Home, text};

/// Runs `cmd` with no input, failing the test if it has not ended within 20 s (a hang).
fn bounded(mut cmd: Command) -> Output {
    let what = format!("{cmd:?}");
    crate::common::output_within(&mut cmd, b"", Duration::from_secs(20), &what)
}

/// Bytes that do not compress, so that staging them takes a measurable time.
fn noise(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()[0]
        })
        .collect()
}

/// The bytes planted outside before run `run` (a copy of review.md in odd runs).
fn bytes_below_before(run: usize) -> u64 {
    if run.is_multiple_of(2) {
        0
    } else {
        format!("edited {run}\n").len() as u64
    }
}

/// Total bytes of the files below `dir` (following nothing).
fn bytes_below(dir: &Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.metadata().unwrap().len())
        .sum()
}

#[test]
fn a_directory_swapped_for_a_symlink_during_a_restore_never_redirects_a_write() {
    let h = Home::populated();
    let big = noise(24 * 1024 * 1024);
    let big_path = h.claude.join("projects/-p/big.jsonl");
    std::fs::write(&big_path, &big).unwrap();
    let id = h.create("full")["id"].as_str().unwrap().to_owned();
    let commands = h.claude.join("commands");
    let moved = h.claude.join("commands.moved");
    let mut raced = 0;
    for run in 0..20_usize {
        // The restore will create the big transcript (staged after commands/, so the swap lands
        // while staging is under way) and either create commands/review.md (even runs) or
        // overwrite it (odd runs, where the directory swapped in holds a copy of it, so that the
        // pre-restore backup can read it through the symlink and the restore goes on).
        let _ = std::fs::remove_file(&big_path);
        let outside = h.root.join(format!("outside-{run}"));
        std::fs::create_dir_all(&outside).unwrap();
        if run.is_multiple_of(2) {
            let _ = std::fs::remove_file(commands.join("review.md"));
        } else {
            std::fs::write(commands.join("review.md"), format!("edited {run}\n")).unwrap();
            std::fs::write(outside.join("review.md"), format!("edited {run}\n")).unwrap();
        }
        let outside_before = crate::support::tree(&outside);
        let mut child = h
            .cmd(&["restore", &id, "--yes"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        let staging = || {
            std::fs::read_dir(&h.claude).unwrap().any(|e| {
                e.unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with(".sfp-restore-")
            })
        };
        while !staging() && child.try_wait().unwrap().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_micros(200));
        }
        std::fs::rename(&commands, &moved).unwrap();
        std::os::unix::fs::symlink(&outside, &commands).unwrap();
        if child.try_wait().unwrap().is_none() {
            raced += 1;
        }
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            crate::support::tree(&outside),
            outside_before,
            "run {run}: written outside: {}",
            text(&out)
        );
        assert_eq!(
            bytes_below(&outside),
            bytes_below_before(run),
            "run {run}: {}",
            text(&out)
        );
        assert_ne!(out.status.code(), Some(0), "run {run}: {}", text(&out));
        std::fs::remove_file(&commands).unwrap();
        std::fs::rename(&moved, &commands).unwrap();
        assert!(
            std::fs::read_dir(&h.claude).unwrap().all(|e| !e
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".sfp-restore-")),
            "run {run}: the staging directory is removed"
        );
    }
    assert_eq!(
        raced, 20,
        "every swap happened while the restore was running"
    );
}

#[test]
fn names_are_printed_escaped() {
    let h = Home::new();
    let data: &[u8] = b"x\n";
    let evil = "commands/\x1b]0;pwned\x07\x1b[2J.md";
    let forged = "x\ncreate    /etc/passwd";
    let archive = craft(&[
        Entry::File(evil.as_bytes(), data),
        Entry::File(forged.as_bytes(), data),
    ]);
    plant(
        &h,
        "20250105-000001",
        &archive,
        &[(evil, data), (forged, data)],
        None,
    );
    let meta_path = h.backups().join("20250105-000001/metadata.json");
    let mut meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&meta_path).unwrap()).unwrap();
    meta["reason"] = "\x1b]8;;http://evil\x07click\nforged line".into();
    std::fs::write(&meta_path, meta.to_string()).unwrap();
    let dest = h.root.join("dest");
    let to = dest.to_str().unwrap();
    // Control characters come out escaped, and a newline in a name cannot forge a line.
    cmd_snapshot!(h.ctx, h.cmd(&["restore", "20250105-000001", "--to", to, "--dry-run"]), @r"
        success: true
        exit_code: 0
        ----- stdout -----
        backup [ID] (archive checksum ok): restore into [TMP]/dest: 2 to create, 0 to overwrite, 0 unchanged
          create    [TMP]/dest/commands/\x1b]0;pwned\x07\x1b[2J.md
          create    [TMP]/dest/x\ncreate    /etc/passwd
        dry run: every entry verified; nothing was written

        ----- stderr -----
        ");
    let first = h.root.join("first");
    let first = first.to_str().unwrap();
    cmd_snapshot!(h.ctx, h.cmd(&["restore", "20250105-000001", "--to", first, "--yes"]), @r"
        success: true
        exit_code: 0
        ----- stdout -----
        backup [ID] (archive checksum ok): restore into [TMP]/first: 2 to create, 0 to overwrite, 0 unchanged
          create    [TMP]/first/commands/\x1b]0;pwned\x07\x1b[2J.md
          create    [TMP]/first/x\ncreate    /etc/passwd
        done: restored 2 file(s) from backup [ID] into [TMP]/first
        to undo: sfp restore [ID] --to [TMP]/first   (pre-restore backup [ID])

        ----- stderr -----
        pre-restore backup [ID] (0 file(s), 0 B)
        ");
    for args in [
        vec!["restore", "20250105-000001", "--to", to, "--dry-run"],
        vec!["restore", "20250105-000001", "--to", to, "--yes"],
        vec!["backup", "show", "20250105-000001"],
        vec!["backup", "list"],
        vec!["restore", "--list"],
    ] {
        let out = h.sfp(&args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out));
        let all = [out.stdout.as_slice(), out.stderr.as_slice()].concat();
        assert!(
            !all.iter().any(|&b| b == 0x1b || b == 0x07),
            "{args:?}: a raw escape reached the terminal: {}",
            text(&out)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            !stdout
                .lines()
                .any(|l| l.trim_start().starts_with("create    /etc/passwd")
                    || l.starts_with("forged line")),
            "{args:?}: a forged line: {stdout}"
        );
    }
    assert_eq!(
        std::fs::read(dest.join(evil)).unwrap(),
        data,
        "restored as named"
    );
}

#[test]
fn damaged_backups_are_listed_with_the_reason_and_fifos_never_hang() {
    let h = Home::populated();
    let good = h.create("config")["id"].as_str().unwrap().to_owned();
    let plant_meta = |id: &str, bytes: &[u8]| {
        let dir = h.backups().join(id);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("metadata.json"), bytes).unwrap();
    };
    plant_meta("20200101-000001", b"{ not json");
    let mut v: serde_json::Value = serde_json::from_slice(
        &std::fs::read(h.backups().join(&good).join("metadata.json")).unwrap(),
    )
    .unwrap();
    v["format"] = 2.into();
    v["id"] = "20200101-000002".into();
    plant_meta("20200101-000002", v.to_string().as_bytes());
    let mut bad_utf8 = br#"{"format":1,"id":"20200101-000003","files":[{"path":""#.to_vec();
    bad_utf8.extend_from_slice(b"\xff\xfe.md\"}]}");
    plant_meta("20200101-000003", &bad_utf8);
    let fifo_meta = h.backups().join("20200101-000004");
    std::fs::create_dir_all(&fifo_meta).unwrap();
    mkfifo(&fifo_meta.join("metadata.json"));
    // A good metadata.json beside a FIFO archive.
    let fifo_archive = h.backups().join("20200101-000005");
    std::fs::create_dir_all(&fifo_archive).unwrap();
    v["format"] = 1.into();
    v["id"] = "20200101-000005".into();
    std::fs::write(fifo_archive.join("metadata.json"), v.to_string()).unwrap();
    mkfifo(&fifo_archive.join("backup.tar.gz"));

    let out = bounded(h.cmd(&["backup", "list", "--json"]));
    assert!(out.status.success(), "{}", text(&out));
    let list: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let damaged: BTreeMap<String, String> = list
        .iter()
        .filter_map(|b| {
            Some((
                b["id"].as_str()?.to_owned(),
                b["damaged"].as_str()?.to_owned(),
            ))
        })
        .collect();
    assert_eq!(damaged.len(), 4, "{damaged:?}");
    assert!(damaged["20200101-000001"].contains("not valid backup metadata"));
    assert!(damaged["20200101-000002"].contains("format 2"));
    assert!(damaged["20200101-000003"].contains("not valid backup metadata"));
    assert!(damaged["20200101-000004"].contains("not a regular file"));
    assert_eq!(list[0]["id"], good.as_str(), "newest first: {list:?}");
    cmd_snapshot!(h.ctx, bounded(h.cmd(&["backup", "list"])), @r"
        success: true
        exit_code: 0
        ----- stdout -----
        id  kind         files       size    archive  reason
        [ID]  config           8      100 B  [SIZE] B  manual
        [ID]  config           8      100 B  [SIZE] B  manual
        [ID]  damaged     metadata.json is not a regular file
        [ID]  damaged     metadata.json is not valid backup metadata: invalid unicode code point at line 1 column 54
        [ID]  damaged     metadata.json has format 2, this sfp reads format 1
        [ID]  damaged     metadata.json is not valid backup metadata: key must be a string at line 1 column 3

        ----- stderr -----
        ");
    for args in [
        ["backup", "verify", "20200101-000005"],
        ["restore", "20200101-000005", "--yes"],
        ["restore", "20200101-000004", "--yes"],
        ["backup", "verify", "20200101-000002"],
    ] {
        let out = bounded(h.cmd(&args));
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", text(&out));
    }
    cmd_snapshot!(h.ctx, bounded(h.cmd(&["backup", "verify", "20200101-000002"])), @r"
        success: false
        exit_code: 1
        ----- stdout -----

        ----- stderr -----
        error: backup [ID] is damaged: metadata.json has format 2, this sfp reads format 1
        ");
    // A FIFO in place of the sequence counter a backup reads does not hang it either.
    let seq = h.backups().join(".seq");
    std::fs::remove_file(&seq).unwrap();
    mkfifo(&seq);
    let out = bounded(h.cmd(&["backup", "create", "--json"]));
    assert!(out.status.success(), "{}", text(&out));
}

fn mkfifo(path: &Path) {
    let st = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(st.success());
}

fn session_end(h: &Home) {
    h.hook(
        "session-end",
        r#"{"hook_event_name":"SessionEnd","session_id":"s1","reason":"clear"}"#,
    );
}

#[test]
fn backups_dated_in_the_future_never_cost_the_backup_just_taken() {
    let h = Home::populated();
    std::fs::create_dir_all(&h.sfp).unwrap();
    std::fs::write(h.sfp.join("sfp.yaml"), "backup:\n  keep: 2\n").unwrap();
    let real = h.create("config")["id"].as_str().unwrap().to_owned();
    // Three backups taken while the clock said 2099, by an sfp that recorded no sequence.
    for (i, id) in ["20990101-000000", "20990101-000001", "20990101-000002"]
        .iter()
        .enumerate()
    {
        let dir = h.backups().join(id);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(
            h.backups().join(&real).join("backup.tar.gz"),
            dir.join("backup.tar.gz"),
        )
        .unwrap();
        let mut v: serde_json::Value = serde_json::from_slice(
            &std::fs::read(h.backups().join(&real).join("metadata.json")).unwrap(),
        )
        .unwrap();
        v["id"] = (*id).into();
        v["created"] = format!("2099-01-01T00:00:0{i}.000Z").into();
        v.as_object_mut().unwrap().remove("seq");
        std::fs::write(dir.join("metadata.json"), v.to_string()).unwrap();
    }
    cmd_snapshot!(h.ctx, h.cmd(&["backup", "list"]), @r"
        success: true
        exit_code: 0
        ----- stdout -----
        id  kind         files       size    archive  reason
        [ID]  config           9      118 B  [SIZE] B  manual
        [ID]  config           9      118 B  [SIZE] B  manual
        [ID]  config           9      118 B  [SIZE] B  manual
        [ID]  config           9      118 B  [SIZE] B  manual

        ----- stderr -----
        warning: 3 backup(s) are dated in the future (the clock was wrong when they were taken, or is now): [ID] ([TIME]), [ID] ([TIME]), [ID] ([TIME]); they are ordered by their sequence number, not their date
        ");
    let out = h.sfp(&["health", "--json"]);
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("3 backup(s) dated in the future"),
        "sfp health reports them: {}",
        text(&out)
    );
    h.write("settings.json", "{\"model\":\"opus\"}\n", 0o644);
    let taken = h.create("config");
    let id = taken["id"].as_str().unwrap().to_owned();
    assert!(h.backups().join(&id).is_dir(), "{taken}");
    assert_eq!(
        h.list()[0]["id"],
        id.as_str(),
        "the backup just taken is the newest"
    );
    assert!(
        !taken["pruned"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == id.as_str())
    );
    assert_eq!(
        h.list().len(),
        2,
        "keep: 2 keeps the two newest by sequence"
    );
    // The SessionEnd hook's backup too.
    h.write("settings.json", "{\"model\":\"haiku\"}\n", 0o644);
    session_end(&h);
    let list = h.list();
    assert!(
        list[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("session-end"),
        "{list:?}"
    );
    assert!(list.iter().any(|b| b["id"] == id.as_str()));
    // `latest` is the newest by sequence, not the largest id.
    let out = h.ok(&["backup", "show", "latest"]);
    assert!(out.contains(list[0]["id"].as_str().unwrap()), "{out}");
}

#[test]
fn latest_is_never_a_pre_restore_backup_and_restoring_it_twice_restores_it_twice() {
    let h = Home::populated();
    let id = h.create("config")["id"].as_str().unwrap().to_owned();
    for model in ["opus", "haiku"] {
        h.write(
            "settings.json",
            &format!("{{\"model\":\"{model}\"}}\n"),
            0o644,
        );
        let out = h.ok(&["restore", "latest", "--yes"]);
        assert!(out.contains(&format!("from backup {id}")), "{out}");
        assert_eq!(
            std::fs::read_to_string(h.claude.join("settings.json")).unwrap(),
            "{\"model\":\"sonnet\"}\n"
        );
    }
    // Both pre-restore backups are listed, as such.
    cmd_snapshot!(h.ctx, h.cmd(&["restore", "--list"]), @r"
        success: true
        exit_code: 0
        ----- stdout -----
        id  kind         files       size    archive  reason
        [ID]  pre-restore      1       18 B  [SIZE] B  pre-restore [ID]
        [ID]  pre-restore      1       17 B  [SIZE] B  pre-restore [ID]
        [ID]  config           8      100 B  [SIZE] B  manual

        ----- stderr -----
        ");
    let locks: Vec<String> = std::fs::read_dir(h.backups())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".restoring-"))
        .collect();
    assert!(locks.is_empty(), "{locks:?}");
    h.ok(&["restore", "latest", "--dry-run"]);
    assert!(
        std::fs::read_dir(h.backups()).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with(".restoring-")),
        "a dry run leaves no lock"
    );
}

/// Every entry below `dir`: relative path → (kind, mode, content).
fn full_tree(dir: &Path) -> BTreeMap<String, (char, u32, Vec<u8>)> {
    walkdir::WalkDir::new(dir)
        .min_depth(1)
        .into_iter()
        .map(Result::unwrap)
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().display().to_string();
            let m = std::fs::symlink_metadata(e.path()).unwrap();
            let mode = m.permissions().mode() & 0o7777;
            let (kind, content) = if m.is_dir() {
                ('d', Vec::new())
            } else if m.file_type().is_symlink() {
                ('l', Vec::new())
            } else {
                ('f', std::fs::read(e.path()).unwrap())
            };
            (rel, (kind, mode, content))
        })
        .collect()
}

#[test]
fn undoing_a_restore_returns_the_tree_to_exactly_its_state_before() {
    let h = Home::populated();
    h.write("commands/deep/er/x.md", "deep\n", 0o644);
    let id = h.create("config")["id"].as_str().unwrap().to_owned();
    // Since the backup: one file edited, one mode changed, a whole directory gone, one file gone
    // from a directory that stays, one new file.
    h.write("settings.json", "{\"model\":\"opus\"}\n", 0o644);
    std::fs::set_permissions(
        h.claude.join("CLAUDE.md"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    std::fs::remove_dir_all(h.claude.join("commands")).unwrap();
    std::fs::remove_file(h.claude.join("hooks/notify.sh")).unwrap();
    h.write("agents/mine.md", "mine\n", 0o644);
    let before = full_tree(&h.claude);

    let out = h.ok(&["restore", &id, "--yes"]);
    assert!(h.claude.join("commands/deep/er/x.md").is_file(), "{out}");
    assert!(h.claude.join("hooks/notify.sh").is_file());
    let pre = h.list()[0].clone();
    assert_eq!(pre["profile"], "pre-restore");
    let pre_id = pre["id"].as_str().unwrap();
    cmd_snapshot!(h.ctx, h.cmd(&["restore", pre_id, "--dry-run"]), @r"
        success: true
        exit_code: 0
        ----- stdout -----
        backup [ID] (archive checksum ok): restore into [CLAUDE]: 0 to create, 2 to overwrite, 0 unchanged, 3 to remove (created by the restore it undoes)
          overwrite [CLAUDE]/CLAUDE.md
          overwrite [CLAUDE]/settings.json
          remove    [CLAUDE]/commands/deep/er/x.md
          remove    [CLAUDE]/commands/review.md
          remove    [CLAUDE]/hooks/notify.sh
        dry run: every entry verified; nothing was written

        ----- stderr -----
        ");

    let out = h.ctx.run(&["restore", pre_id, "--yes"]);
    let shown = text(&out);
    cmd_snapshot!(h.ctx, out, @r"
    success: true
    exit_code: 0
    ----- stdout -----
    backup [ID] (archive checksum ok): restore into [CLAUDE]: 0 to create, 2 to overwrite, 0 unchanged, 3 to remove (created by the restore it undoes)
      overwrite [CLAUDE]/CLAUDE.md
      overwrite [CLAUDE]/settings.json
      remove    [CLAUDE]/commands/deep/er/x.md
      remove    [CLAUDE]/commands/review.md
      remove    [CLAUDE]/hooks/notify.sh
    done: restored 2 file(s) from backup [ID] into [CLAUDE]; removed 3 file(s) and 3 directorie(s) the undone restore created
    to undo: sfp restore [ID]   (pre-restore backup [ID])

    ----- stderr -----
    pre-restore backup [ID] (5 file(s), 67 B)
    ");
    assert_eq!(full_tree(&h.claude), before, "{shown}");
}

#[test]
fn an_undo_keeps_a_created_file_that_changed_since() {
    let h = Home::populated();
    let id = h.create("config")["id"].as_str().unwrap().to_owned();
    std::fs::remove_dir_all(h.claude.join("commands")).unwrap();
    h.ok(&["restore", &id, "--yes"]);
    let pre_id = h.list()[0]["id"].as_str().unwrap().to_owned();
    h.write("commands/review.md", "edited after the restore\n", 0o640);
    let out = h.ctx.run(&["restore", &pre_id, "--yes"]);
    let shown = text(&out);
    cmd_snapshot!(h.ctx, out, @r"
        success: true
        exit_code: 0
        ----- stdout -----
        backup [ID] (archive checksum ok): restore into [CLAUDE]: 0 to create, 0 to overwrite, 0 unchanged, 0 to remove (created by the restore it undoes)
          keep      [CLAUDE]/commands/review.md (changed since the restore that created it)
        nothing to do: every file already matches the backup

        ----- stderr -----
        ");
    assert_eq!(
        std::fs::read_to_string(h.claude.join("commands/review.md")).unwrap(),
        "edited after the restore\n",
        "{shown}"
    );
}

#[test]
fn only_globs_follow_the_gates_rule() {
    let h = Home::populated();
    h.create("config");
    for rel in ["CLAUDE.md", ".context/CLAUDE.md", "commands/review.md"] {
        h.write(rel, "edited\n", 0o644);
    }
    h.write("settings.json", "{\"model\":\"opus\"}\n", 0o644);
    h.ok(&["restore", "latest", "--only", "/CLAUDE.md", "--yes"]);
    assert_eq!(
        std::fs::read_to_string(h.claude.join("CLAUDE.md")).unwrap(),
        "# global\n"
    );
    assert_eq!(
        std::fs::read_to_string(h.claude.join(".context/CLAUDE.md")).unwrap(),
        "edited\n",
        "anchored with `/`: the top level only"
    );
    h.ok(&["restore", "latest", "--only", "*.md", "--yes"]);
    assert_eq!(
        std::fs::read_to_string(h.claude.join(".context/CLAUDE.md")).unwrap(),
        "## Identity\n- me\n"
    );
    assert_eq!(
        std::fs::read_to_string(h.claude.join("commands/review.md")).unwrap(),
        "review the diff\n",
        "`*.md` matches at any depth"
    );
    assert_eq!(
        std::fs::read_to_string(h.claude.join("settings.json")).unwrap(),
        "{\"model\":\"opus\"}\n"
    );
}

#[test]
fn an_empty_id_is_refused() {
    let h = Home::populated();
    h.create("config");
    for args in [
        ["restore", "", "--dry-run"],
        ["restore", " ", "--yes"],
        ["backup", "show", ""],
        ["backup", "verify", ""],
    ] {
        insta::allow_duplicates! {
            cmd_snapshot!(h.ctx, h.cmd(&args), @r"
                success: false
                exit_code: 1
                ----- stdout -----

                ----- stderr -----
                error: an empty backup id matches nothing (see `sfp backup list`)
                ");
        }
    }
}

#[test]
#[expect(clippy::print_stderr, reason = "says why the test could not run here")]
fn a_restore_that_cannot_fit_says_disk_full_and_writes_nothing() {
    if !Command::new("unshare")
        .args(["-rm", "true"])
        .status()
        .is_ok_and(|s| s.success())
    {
        eprintln!("skipped: no user namespaces here to mount a small tmpfs in");
        return;
    }
    let h = Home::populated();
    std::fs::write(
        h.claude.join("projects/-p/big.jsonl"),
        noise(3 * 1024 * 1024),
    )
    .unwrap();
    let id = h.create("full")["id"].as_str().unwrap().to_owned();
    // Too few bytes: refused by the check of free space before anything is written. Too few
    // inodes (enough bytes): the disk fills up while staging, which is reported the same way.
    for (run, options) in ["size=1m", "size=64m,nr_inodes=8"].iter().enumerate() {
        let dest = h.root.join(format!("small-{run}"));
        std::fs::create_dir_all(&dest).unwrap();
        let mut cmd = h.ctx.program("unshare");
        cmd.args(["-rm", "sh", "-c"])
            .arg(
                r#"mount -t tmpfs -o "$1" tmpfs "$2" && shift 2 && "$@"; s=$?; ls -A "$0" | sed "s/^/left: /"; exit $s"#,
            )
            .arg(&dest)
            .arg(options)
            .arg(&dest)
            .arg(crate::common::sfp_bin())
            .args(["restore", &id, "--to", dest.to_str().unwrap(), "--yes"]);
        let out = bounded(cmd);
        assert_eq!(out.status.code(), Some(2), "{options}: {}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("disk full"), "{options}: {}", text(&out));
        assert!(!err.contains("corrupt"), "{options}: {}", text(&out));
        let when = if run == 0 {
            "the restore needs"
        } else {
            "while writing"
        };
        assert!(err.contains(when), "{options}: {}", text(&out));
        // `ls -A` of the small filesystem after the restore: nothing, not even a staging
        // directory.
        assert!(
            !String::from_utf8_lossy(&out.stdout)
                .lines()
                .any(|l| l.starts_with("left: ")),
            "{options}: {}",
            text(&out)
        );
    }
}
