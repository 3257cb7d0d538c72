//! `backup verify`, `restore --dry-run` and `restore` judge a backup by one check: on every
//! refused archive of a corpus (crafted here, and real test archives of the `tar` crate in
//! `tests/fixtures/backup/tar-rs/`, see SOURCE.md there) all three refuse it with exit 1 and the
//! same reason, nothing is written, and a restore never answers "nothing to do" for it.

use std::path::Path;

use crate::hostile::{Entry, craft, gzip, plant};
use crate::support::{Home, text, tree};

/// One refused backup: its id, archive, the files its metadata lists.
struct Case {
    id: String,
    archive: Vec<u8>,
    files: Vec<(String, Vec<u8>)>,
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
        },
        Case {
            id: "20250102-000002".into(),
            archive: craft(&[Entry::File(s, good), Entry::Device(b"null")]),
            files: listed(&["settings.json"]),
        },
        Case {
            id: "20250102-000003".into(),
            archive: craft(&[Entry::File(s, good), Entry::Fifo(b"pipe")]),
            files: listed(&["settings.json"]),
        },
        Case {
            id: "20250102-000004".into(),
            archive: craft(&[Entry::File(s, good), Entry::File(b"agents/x.md", good)]),
            files: listed(&["settings.json"]),
        },
        Case {
            id: "20250102-000005".into(),
            archive: craft(&[Entry::File(s, good)]),
            files: listed(&["settings.json", "CLAUDE.md"]),
        },
        Case {
            id: "20250102-000006".into(),
            archive: craft(&[Entry::File(s, good), Entry::BadHeader(b"CLAUDE.md", good)]),
            files: listed(&["settings.json", "CLAUDE.md"]),
        },
        Case {
            id: "20250102-000007".into(),
            archive: craft(&[Entry::File(b"a", good), Entry::File(b"a/b", good)]),
            files: listed(&["a", "a/b"]),
        },
        Case {
            id: "20250102-000008".into(),
            archive: long_tar,
            files: listed(&[&format!("commands/{long}")]),
        },
    ]
}

/// The tar crate's test archives; the metadata lists every regular file in them, as a backup
/// of them would, so that only what is hostile in them is left to refuse.
fn fetched() -> Vec<Case> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/backup/tar-rs");
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
            }
        })
        .collect()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn verify_dry_run_and_restore_refuse_the_same_archives_for_the_same_reason() {
    let h = Home::new();
    let cases: Vec<Case> = crafted().into_iter().chain(fetched()).collect();
    for case in &cases {
        let id = case.id.as_str();
        let files: Vec<(&str, &[u8])> = case
            .files
            .iter()
            .map(|(p, d)| (p.as_str(), d.as_slice()))
            .collect();
        plant(&h, id, &case.archive, &files, None);

        let out = h.sfp(&["backup", "verify", id, "--json"]);
        assert_eq!(out.status.code(), Some(1), "{id}: {}", text(&out));
        let verdict: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(verdict["ok"], false, "{id}");
        let problem = verdict["problem"].as_str().unwrap().to_owned();
        assert!(!problem.is_empty(), "{id}");

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
