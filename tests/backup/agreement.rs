//! `backup verify`, `restore --dry-run` and `restore` judge a backup by one check: on every
//! refused archive of a corpus (crafted here, and real test archives of the `tar` crate in
//! `tests/fixtures/backup/tar-rs/`, see SOURCE.md there) all three refuse it with exit 1 and the
//! same reason, nothing is written, nothing reaches the terminal raw, and a restore never answers
//! "nothing to do" for it.

use crate::hostile::{Entry, craft, gzip, plant};
use crate::support::{Home, text, tree};

/// One refused backup: its id, archive, the files its metadata lists, and the bytes whose hash
/// the metadata records for the archive (the archive's own when `None`).
struct Case {
    id: String,
    archive: Vec<u8>,
    files: Vec<(String, Vec<u8>)>,
    recorded: Option<Vec<u8>>,
}

fn crafted() -> Vec<Case> {
    let good: &[u8] = b"{\"model\":\"sonnet\"}\n";
    let long = "n".repeat(300);
    let mut long_tar = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(good.len() as u64);
    header.set_mode(0o644);
    header.set_entry_type(tar::EntryType::Regular);
    long_tar
        .append_data(&mut header, format!("commands/{long}"), good)
        .unwrap();
    let long_tar = gzip(&long_tar.into_inner().unwrap());
    let listed = |names: &[&str]| -> Vec<(String, Vec<u8>)> {
        names
            .iter()
            .map(|n| ((*n).to_owned(), good.to_vec()))
            .collect()
    };
    let s = b"settings.json".as_slice();
    vec![
        Case {
            id: "20250102-000001".into(),
            archive: craft(&[
                Entry::File(s, good),
                Entry::HardLink(b"hard", "settings.json"),
            ]),
            files: listed(&["settings.json"]),
            recorded: None,
        },
        Case {
            id: "20250102-000002".into(),
            archive: craft(&[Entry::File(s, good), Entry::Device(b"null")]),
            files: listed(&["settings.json"]),
            recorded: None,
        },
        Case {
            id: "20250102-000003".into(),
            archive: craft(&[Entry::File(s, good), Entry::Fifo(b"pipe")]),
            files: listed(&["settings.json"]),
            recorded: None,
        },
        Case {
            id: "20250102-000004".into(),
            archive: craft(&[Entry::File(s, good), Entry::File(b"agents/x.md", good)]),
            files: listed(&["settings.json"]),
            recorded: None,
        },
        Case {
            id: "20250102-000005".into(),
            archive: craft(&[Entry::File(s, good)]),
            files: listed(&["settings.json", "CLAUDE.md"]),
            recorded: None,
        },
        Case {
            id: "20250102-000006".into(),
            archive: craft(&[Entry::File(s, good), Entry::BadHeader(b"CLAUDE.md", good)]),
            files: listed(&["settings.json", "CLAUDE.md"]),
            recorded: None,
        },
        Case {
            id: "20250102-000007".into(),
            archive: craft(&[Entry::File(b"a", good), Entry::File(b"a/b", good)]),
            files: listed(&["a", "a/b"]),
            recorded: None,
        },
        Case {
            id: "20250102-000008".into(),
            archive: long_tar,
            files: listed(&[&format!("commands/{long}")]),
            recorded: None,
        },
    ]
}

/// The archives `hostile.rs` refuses, here held to the same agreement, and one whose unlisted
/// entry is named to rewrite the terminal and forge a line: every refusal prints it escaped.
fn from_hostile() -> Vec<Case> {
    let good: &[u8] = b"{\"model\":\"sonnet\"}\n";
    let evil: &[u8] = b"pwned\n";
    let s = b"settings.json".as_slice();
    let listed = |names: &[&str]| -> Vec<(String, Vec<u8>)> {
        names
            .iter()
            .map(|n| ((*n).to_owned(), good.to_vec()))
            .collect()
    };
    let mut cases = vec![
        Case {
            id: "20250102-000009".into(),
            archive: craft(&[Entry::File(s, good), Entry::File(b"../evil", evil)]),
            files: listed(&["settings.json"]),
            recorded: None,
        },
        Case {
            id: "20250102-000010".into(),
            archive: craft(&[
                Entry::File(s, good),
                Entry::File(b"/tmp/sfp-evil-abs", evil),
            ]),
            files: listed(&["settings.json"]),
            recorded: None,
        },
        Case {
            id: "20250102-000011".into(),
            archive: craft(&[
                Entry::File(s, good),
                Entry::Symlink(b"link", "/etc"),
                Entry::File(b"link/x", good),
            ]),
            files: listed(&["settings.json", "link/x"]),
            recorded: None,
        },
        Case {
            id: "20250102-000012".into(),
            archive: craft(&[
                Entry::File(s, good),
                Entry::File(
                    b"agents/\x1b]0;pwned\x07\x1b[2J\ncreate    /etc/passwd",
                    good,
                ),
            ]),
            files: listed(&["settings.json"]),
            recorded: None,
        },
    ];
    // Cut in half (the metadata records the whole archive's hash, or the cut one's), one flipped
    // byte in the archive, and one in a file whose archive hash was forged to match.
    let big = vec![b'x'; 70_000];
    let whole = craft(&[Entry::File(s, good), Entry::File(b"CLAUDE.md", &big)]);
    let two = |big: &[u8]| {
        vec![
            ("settings.json".to_owned(), good.to_vec()),
            ("CLAUDE.md".to_owned(), big.to_vec()),
        ]
    };
    let cut = whole[..whole.len() / 2].to_vec();
    let mut flipped = whole.clone();
    let at = flipped.len() / 2;
    flipped[at] ^= 0x40;
    let mut content = big.clone();
    content[35_000] = b'y';
    cases.extend([
        Case {
            id: "20250102-000013".into(),
            archive: cut.clone(),
            files: two(&big),
            recorded: Some(whole.clone()),
        },
        Case {
            id: "20250102-000014".into(),
            archive: cut,
            files: two(&big),
            recorded: None,
        },
        Case {
            id: "20250102-000015".into(),
            archive: flipped,
            files: two(&big),
            recorded: Some(whole.clone()),
        },
        Case {
            id: "20250102-000016".into(),
            archive: craft(&[Entry::File(s, good), Entry::File(b"CLAUDE.md", &content)]),
            files: two(&big),
            recorded: None,
        },
    ]);
    cases
}

/// The tar crate's test archives; the metadata lists every regular file in them, as a backup
/// of them would, so that only what is hostile in them is left to refuse.
fn fetched() -> Vec<Case> {
    let dir = crate::common::fixture("backup/tar-rs");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "tar"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 6, "{names:?}");
    names
        .iter()
        .enumerate()
        .map(|(i, path)| {
            let raw = std::fs::read(path).unwrap();
            let mut files = Vec::new();
            let mut archive = tar::Archive::new(raw.as_slice());
            if let Ok(entries) = archive.entries() {
                for mut e in entries.flatten() {
                    if e.header().entry_type() == tar::EntryType::Regular
                        && let Ok(p) = std::str::from_utf8(&e.path_bytes()).map(str::to_owned)
                    {
                        let mut data = Vec::new();
                        std::io::Read::read_to_end(&mut e, &mut data).unwrap();
                        files.push((p, data));
                    }
                }
            }
            Case {
                id: format!("20250103-00000{i}"),
                archive: gzip(&raw),
                files,
                recorded: None,
            }
        })
        .collect()
}

/// Nothing a refusal prints reaches the terminal raw: no ESC or BEL, no line forged by a name.
fn assert_no_raw_escape(id: &str, out: &std::process::Output) {
    let all = [out.stdout.as_slice(), out.stderr.as_slice()].concat();
    assert!(
        !all.iter().any(|&b| b == 0x1b || b == 0x07),
        "{id}: a raw escape reached the terminal: {}",
        text(out)
    );
    assert!(
        !String::from_utf8_lossy(&all)
            .lines()
            .any(|l| l.trim_start().starts_with("create    /etc/passwd")),
        "{id}: a forged line: {}",
        text(out)
    );
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn verify_dry_run_and_restore_refuse_the_same_archives_for_the_same_reason() {
    let h = Home::new();
    let cases: Vec<Case> = crafted()
        .into_iter()
        .chain(from_hostile())
        .chain(fetched())
        .collect();
    for case in &cases {
        let id = case.id.as_str();
        let files: Vec<(&str, &[u8])> = case
            .files
            .iter()
            .map(|(p, d)| (p.as_str(), d.as_slice()))
            .collect();
        plant(&h, id, &case.archive, &files, case.recorded.as_deref());

        let out = h.sfp(&["backup", "verify", id]);
        assert_eq!(out.status.code(), Some(1), "{id}: {}", text(&out));
        assert_no_raw_escape(id, &out);
        let out = h.sfp(&["backup", "verify", id, "--json"]);
        assert_eq!(out.status.code(), Some(1), "{id}: {}", text(&out));
        let verdict: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(verdict["ok"], false, "{id}");
        let problem = verdict["problem"].as_str().unwrap().to_owned();
        assert!(!problem.is_empty(), "{id}");
        if id == "20250102-000012" {
            assert!(
                problem.contains("agents/\\x1b]0;pwned\\x07\\x1b[2J\\ncreate"),
                "the name is given escaped: {problem}"
            );
        }

        // Into an empty directory, as a dry run and for real.
        let empty = h.root.join(format!("empty-{id}"));
        std::fs::create_dir_all(&empty).unwrap();
        let to = empty.to_str().unwrap();
        for args in [
            vec!["restore", id, "--to", to, "--dry-run"],
            vec!["restore", id, "--to", to, "--yes"],
        ] {
            let out = h.sfp(&args);
            assert_eq!(out.status.code(), Some(1), "{args:?}: {}", text(&out));
            assert_no_raw_escape(id, &out);
            assert!(
                stderr(&out).contains(&problem),
                "{args:?}: expected `{problem}` in {}",
                text(&out)
            );
            assert!(tree(&empty).is_empty(), "{args:?}: something was written");
        }
        // Into a directory that already holds every listed file as the backup has it: the plan
        // has nothing to write, and the backup is still refused rather than "nothing to do".
        let same = h.root.join(format!("same-{id}"));
        for (p, data) in &files {
            // `a` and `a/b` cannot both be planted: the first one wins.
            let path = same.join(p);
            if crate::hostile::plantable(p)
                && std::fs::create_dir_all(path.parent().unwrap()).is_ok()
                && std::fs::write(&path, data).is_ok()
            {
                std::fs::set_permissions(
                    &path,
                    std::os::unix::fs::PermissionsExt::from_mode(0o644),
                )
                .unwrap();
            }
        }
        std::fs::create_dir_all(&same).unwrap();
        let before = tree(&same);
        let out = h.sfp(&["restore", id, "--to", same.to_str().unwrap(), "--yes"]);
        assert_eq!(out.status.code(), Some(1), "{id}: {}", text(&out));
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains("nothing to do"),
            "{id}: {}",
            text(&out)
        );
        assert!(stderr(&out).contains(&problem), "{id}: {}", text(&out));
        assert_eq!(tree(&same), before, "{id}: something was written");
    }
    assert!(
        !h.list().iter().any(|b| b["profile"] == "pre-restore"),
        "no pre-restore backup was taken"
    );
    assert!(
        std::fs::read_dir(h.backups()).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with(".restoring-")),
        "no restore lock is left behind"
    );
}
