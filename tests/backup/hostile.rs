//! Crafted archives (with the tar crate) that a restore must refuse without writing anything.

use std::io::Write;
use std::path::Path;

use sha2::{Digest as _, Sha256};

use crate::support::{Home, text, tree};

pub enum Entry<'a> {
    File(&'a [u8], &'a [u8]),
    Device(&'a [u8]),
    Fifo(&'a [u8]),
    Symlink(&'a [u8], &'a str),
    HardLink(&'a [u8], &'a str),
    /// A file whose header checksum is wrong.
    BadHeader(&'a [u8], &'a [u8]),
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

pub fn craft(entries: &[Entry<'_>]) -> Vec<u8> {
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
            Entry::Fifo(name) => {
                tar_bytes.extend_from_slice(raw_header(name, tar::EntryType::Fifo, 0).as_bytes());
            }
            Entry::BadHeader(name, data) => {
                let mut h = raw_header(name, tar::EntryType::Regular, data.len() as u64);
                h.as_old_mut().cksum = *b"0000017\0";
                tar_bytes.extend_from_slice(h.as_bytes());
                tar_bytes.extend_from_slice(data);
                tar_bytes.resize(tar_bytes.len().div_ceil(512) * 512, 0);
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
    gzip(&tar_bytes)
}

/// Whether a listed path can be written as a file below a directory (for planting copies).
pub fn plantable(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && path
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != ".." && c.len() <= 255)
}

pub fn gzip(tar_bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(tar_bytes).unwrap();
    gz.finish().unwrap()
}

pub fn sha(bytes: &[u8]) -> String {
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
pub fn plant(h: &Home, id: &str, archive: &[u8], files: &[(&str, &[u8])], recorded: Option<&[u8]>) {
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
