//! `sfp backup` and `sfp restore` through the real binary, in a temporary home.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use sha2::{Digest as _, Sha256};

struct Home {
    _dir: tempfile::TempDir,
    root: PathBuf,
    claude: PathBuf,
    sfp: PathBuf,
}

impl Home {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let claude = root.join(".claude");
        let sfp = root.join("sfp-home");
        std::fs::create_dir_all(&claude).unwrap();
        Self {
            _dir: dir,
            root,
            claude,
            sfp,
        }
    }

    fn write(&self, rel: &str, text: &str, mode: u32) {
        let p = self.claude.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    /// A small but complete Claude home.
    fn populated() -> Self {
        let h = Self::new();
        h.write("settings.json", "{\"model\":\"sonnet\"}\n", 0o644);
        h.write("settings.local.json", "{}\n", 0o600);
        h.write("CLAUDE.md", "# global\n", 0o644);
        h.write(".context/CLAUDE.md", "## Identity\n- me\n", 0o644);
        h.write("commands/review.md", "review the diff\n", 0o640);
        h.write("hooks/notify.sh", "#!/bin/sh\necho hi\n", 0o755);
        h.write(
            "plugins/installed_plugins.json",
            "{\"plugins\":{}}\n",
            0o644,
        );
        h.write("plugins/cache/p/plugin.json", "{}\n", 0o644);
        h.write("todos/a.json", "[]\n", 0o600);
        h.write("projects/-p/s1.jsonl", "{\"type\":\"user\"}\n", 0o600);
        h.write("history.jsonl", "{\"display\":\"hi\"}\n", 0o600);
        h.write("sessions/123.json", "{}\n", 0o600);
        h.write(
            ".credentials.json",
            "{\"accessToken\":\"sk-ant-oat01-SECRET-TOKEN\"}\n",
            0o600,
        );
        h
    }

    fn sfp(&self, args: &[&str]) -> Output {
        self.cmd(args).stdin(Stdio::null()).output().unwrap()
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_sfp"));
        c.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.root)
            .env("CLAUDE_CONFIG_DIR", &self.claude)
            .env("SFP_HOME", &self.sfp)
            .env("NO_COLOR", "1");
        c
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.sfp(args);
        assert!(out.status.success(), "sfp {args:?} failed: {}", text(&out));
        String::from_utf8(out.stdout).unwrap()
    }

    fn create(&self, profile: &str) -> serde_json::Value {
        let out = self.ok(&["backup", "create", "--profile", profile, "--json"]);
        serde_json::from_str(&out).unwrap()
    }

    fn list(&self) -> Vec<serde_json::Value> {
        serde_json::from_str(&self.ok(&["backup", "list", "--json"])).unwrap()
    }

    fn backups(&self) -> PathBuf {
        self.sfp.join("backups")
    }
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Every file under `dir`: relative path → (content, mode).
fn tree(dir: &Path) -> BTreeMap<String, (Vec<u8>, u32)> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().display().to_string();
            let mode = e.metadata().unwrap().permissions().mode() & 0o7777;
            (rel, (std::fs::read(e.path()).unwrap(), mode))
        })
        .collect()
}

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
    let shown = h.ok(&["backup", "show", with["id"].as_str().unwrap()]);
    assert!(shown.contains(".credentials.json"), "{shown}");
}

#[test]
fn dry_run_writes_nothing() {
    let h = Home::populated();
    h.create("config");
    h.write("settings.json", "{\"model\":\"opus\"}\n", 0o644);
    h.write("commands/review.md", "changed\n", 0o640);
    let before = tree(&h.claude);
    let out = h.ok(&["restore", "latest", "--dry-run"]);
    assert!(out.contains("2 to overwrite"), "{out}");
    assert!(out.contains("nothing was written"), "{out}");
    assert_eq!(tree(&h.claude), before);
    assert_eq!(h.list().len(), 1, "no pre-restore backup for a dry run");
}

#[test]
fn restore_without_a_terminal_needs_yes() {
    let h = Home::populated();
    h.create("config");
    h.write("settings.json", "{\"model\":\"opus\"}\n", 0o644);
    let out = h.sfp(&["restore", "latest"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"));
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
    let out = h.ok(&["restore", &id, "--yes"]);
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
    let pre = &list[1];
    assert_eq!(pre["reason"], format!("pre-restore {id}"));
    assert_eq!(pre["profile"], "pre-restore");
    let pre_id = pre["id"].as_str().unwrap();
    assert!(out.contains(&format!("sfp restore {pre_id}")), "{out}");

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
    assert_eq!(listed, ids, "listed oldest first");
    let shown = h.ok(&["backup", "show", "latest"]);
    assert!(shown.contains(&ids[2]));
    let out = h.sfp(&["backup", "show", "2"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a prefix shared by several is ambiguous"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("matches 3 backups"));
    let out = h.sfp(&["restore", "19990101", "--dry-run"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no backup `19990101`"));
    let out = h.sfp(&["restore", "latest", "--only", "nothing/here", "--dry-run"]);
    assert_eq!(out.status.code(), Some(1));
    h.ok(&["backup", "prune", "--keep", "1"]);
    let left: Vec<String> = h
        .list()
        .iter()
        .map(|b| b["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(left, [ids[2].clone()]);
}

// ---------------------------------------------------------------- hostile archives

enum Entry<'a> {
    File(&'a [u8], &'a [u8]),
    Device(&'a [u8]),
    Symlink(&'a [u8], &'a str),
    HardLink(&'a [u8], &'a str),
}

fn raw_header(name: &[u8], kind: tar::EntryType, size: u64) -> tar::Header {
    let mut h = tar::Header::new_old();
    h.as_old_mut().name[..name.len()].copy_from_slice(name);
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(0o644);
    h.set_mtime(1_700_000_000);
    h.set_cksum();
    h
}

fn craft(entries: &[Entry<'_>]) -> Vec<u8> {
    let mut tar_bytes = Vec::new();
    for e in entries {
        match e {
            Entry::File(name, data) => {
                tar_bytes.extend_from_slice(
                    raw_header(name, tar::EntryType::Regular, data.len() as u64).as_bytes(),
                );
                tar_bytes.extend_from_slice(data);
                tar_bytes.resize(tar_bytes.len().div_ceil(512) * 512, 0);
            }
            Entry::Device(name) => {
                tar_bytes.extend_from_slice(raw_header(name, tar::EntryType::Char, 0).as_bytes());
            }
            Entry::Symlink(name, target) | Entry::HardLink(name, target) => {
                let kind = if matches!(e, Entry::Symlink(..)) {
                    tar::EntryType::Symlink
                } else {
                    tar::EntryType::Link
                };
                let mut h = raw_header(name, kind, 0);
                h.set_link_name(target).unwrap();
                h.set_cksum();
                tar_bytes.extend_from_slice(h.as_bytes());
            }
        }
    }
    tar_bytes.extend_from_slice(&[0u8; 1024]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar_bytes).unwrap();
    gz.finish().unwrap()
}

fn sha(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    Sha256::digest(bytes)
        .iter()
        .fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Installs a backup whose metadata lists `files` and whose archive is `archive`; the archive
/// hash in the metadata is `recorded` (the archive's own when `None`).
fn plant(h: &Home, id: &str, archive: &[u8], files: &[(&str, &[u8])], recorded: Option<&[u8]>) {
    let dir = h.backups().join(id);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("backup.tar.gz"), archive).unwrap();
    let rec = recorded.unwrap_or(archive);
    let meta = serde_json::json!({
        "format": 1, "id": id, "created": "2025-01-01T00:00:00.000Z", "reason": "crafted",
        "profile": "config", "sfp_version": "0.1.0", "source_dir": h.claude, "include_credentials": false,
        "restore_command": format!("sfp restore {id}"),
        "archive": {"name": "backup.tar.gz", "size": rec.len(), "sha256": sha(rec), "compression": "gzip"},
        "totals": {"files": files.len(), "bytes": 0, "skipped": 0, "duration_ms": 0},
        "files": files.iter().map(|(p, d)| serde_json::json!({
            "path": p, "size": d.len(), "mode": 0o644, "mtime": 1_700_000_000, "sha256": sha(d)
        })).collect::<Vec<_>>(),
    });
    std::fs::write(
        dir.join("metadata.json"),
        serde_json::to_vec(&meta).unwrap(),
    )
    .unwrap();
}

fn assert_refused(h: &Home, id: &str, why: &str) {
    let dest = h.root.join(format!("dest-{id}"));
    std::fs::create_dir_all(&dest).unwrap();
    let out = h.sfp(&["restore", id, "--to", dest.to_str().unwrap(), "--yes"]);
    assert_eq!(out.status.code(), Some(1), "{id}: {}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(why), "{id}: expected `{why}` in:\n{err}");
    assert!(tree(&dest).is_empty(), "{id}: something was written");
    assert_eq!(
        std::fs::read_dir(&dest).unwrap().count(),
        0,
        "{id}: dest not empty"
    );
    assert!(!h.root.join("evil").exists() && !Path::new("/tmp/sfp-evil-abs").exists());
    let out = h.sfp(&["backup", "verify", id]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{id}: verify must fail too: {}",
        text(&out)
    );
}

/// Id, archive, files listed in the metadata, the reason the refusal must give.
type Case<'a> = (&'a str, Vec<u8>, Vec<(&'a str, &'a [u8])>, &'a str);

#[test]
fn hostile_archives_are_refused_and_nothing_is_written() {
    let h = Home::new();
    let good: &[u8] = b"{\"model\":\"sonnet\"}\n";
    let evil: &[u8] = b"pwned\n";
    let cases: Vec<Case<'_>> = vec![
        (
            "20250101-000001",
            craft(&[
                Entry::File(b"settings.json", good),
                Entry::File(b"../evil", evil),
            ]),
            vec![("settings.json", good)],
            "climbs out",
        ),
        (
            "20250101-000002",
            craft(&[
                Entry::File(b"settings.json", good),
                Entry::File(b"/tmp/sfp-evil-abs", evil),
            ]),
            vec![("settings.json", good)],
            "absolute path",
        ),
        (
            "20250101-000003",
            craft(&[
                Entry::File(b"settings.json", good),
                Entry::Symlink(b"link", "/etc"),
                Entry::File(b"link/x", evil),
            ]),
            vec![("settings.json", good), ("link/x", evil)],
            "symlink entries are refused",
        ),
        (
            "20250101-000004",
            craft(&[
                Entry::File(b"settings.json", good),
                Entry::HardLink(b"hard", "/etc/passwd"),
            ]),
            vec![("settings.json", good)],
            "hard link entries are refused",
        ),
        (
            "20250101-000010",
            craft(&[Entry::File(b"settings.json", good), Entry::Device(b"null")]),
            vec![("settings.json", good)],
            "device entries are refused",
        ),
        (
            "20250101-000005",
            craft(&[
                Entry::File(b"settings.json", good),
                Entry::File(b"agents/x.md", evil),
            ]),
            vec![("settings.json", good)],
            "not listed in metadata.json",
        ),
    ];
    for (id, archive, files, why) in &cases {
        plant(&h, id, archive, files, None);
        assert_refused(&h, id, why);
    }

    // Truncated gzip: the recorded hash is the original's, so the archive check refuses it …
    let big = vec![b'x'; 70_000];
    let whole = craft(&[
        Entry::File(b"settings.json", good),
        Entry::File(b"CLAUDE.md", &big),
    ]);
    let files: Vec<(&str, &[u8])> = vec![("settings.json", good), ("CLAUDE.md", &big)];
    let cut = &whole[..whole.len() / 2];
    plant(&h, "20250101-000006", cut, &files, Some(&whole));
    assert_refused(&h, "20250101-000006", "bytes, metadata.json says");
    // … and when the metadata was rewritten to match, the gzip stream itself is found short.
    plant(&h, "20250101-000007", cut, &files, None);
    assert_refused(&h, "20250101-000007", "damaged");

    // A flipped byte in the archive: caught by the archive hash.
    let mut flipped = whole.clone();
    let at = flipped.len() / 2;
    flipped[at] ^= 0x40;
    plant(&h, "20250101-000008", &flipped, &files, Some(&whole));
    assert_refused(&h, "20250101-000008", "SHA-256 does not match");
    // A flipped byte in a file, with the archive hash forged to match: caught by the file hash.
    let mut content = vec![b'x'; 70_000];
    content[35_000] = b'y';
    let tampered = craft(&[
        Entry::File(b"settings.json", good),
        Entry::File(b"CLAUDE.md", &content),
    ]);
    plant(&h, "20250101-000009", &tampered, &files, None);
    assert_refused(&h, "20250101-000009", "does not match its SHA-256");

    assert!(
        !h.list().iter().any(|b| b["profile"] == "pre-restore"),
        "no pre-restore backup was taken"
    );
}

// ---------------------------------------------------------------- crashes and concurrency

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
    let leftovers: Vec<String> = std::fs::read_dir(h.backups())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        leftovers
            .iter()
            .all(|n| n.starts_with(".tmp-") || n == ".lock"),
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

// ---------------------------------------------------------------- hooks

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
        // Nothing changed since the previous one: no new backup.
        (
            "session-end",
            r#"{"hook_event_name":"SessionEnd","session_id":"s2","reason":"other"}"#,
        ),
    ];
    for (i, (event, input)) in events.into_iter().enumerate() {
        if i == 1 {
            h.write("commands/new.md", "a new command\n", 0o644);
        }
        let mut child = h
            .cmd(&["hook", event])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", text(&out));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.trim().is_empty() || serde_json::from_str::<serde_json::Value>(&stdout).is_ok()
        );
        assert!(!stdout.contains("failed"), "{stdout}");
    }
    let list = h.list();
    let reasons: Vec<&str> = list.iter().map(|b| b["reason"].as_str().unwrap()).collect();
    assert_eq!(
        reasons,
        [
            "pre-compact (auto), session s1",
            "session-end (clear), session s1"
        ]
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
    // A backup on demand is always written.
    h.create("config");
    assert_eq!(h.list().len(), 3);
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
    let out = h.sfp(&["restore", "latest", "--to", dest.to_str().unwrap(), "--yes"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is a symlink"),
        "{}",
        text(&out)
    );
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
    assert_eq!(
        std::fs::read_dir(&dest).unwrap().count(),
        1,
        "only the symlink is there"
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
        let mut child = h
            .cmd(&["hook", "session-end"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let input = serde_json::json!({"hook_event_name": "SessionEnd", "cwd": project});
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.to_string().as_bytes())
            .unwrap();
        assert!(child.wait().unwrap().success());
    }
    assert_eq!(h.list().len(), 3, "the project's keep: 1 was ignored");
    // The user's own setting applies.
    std::fs::write(h.sfp.join("sfp.yaml"), "backup:\n  keep: 2\n").unwrap();
    h.create("config");
    assert_eq!(h.list().len(), 2);
}
