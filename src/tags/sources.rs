//! The context files: finding them, a cheap fingerprint of them, and reading them safely.
//!
//! Sources are `<claude config dir>/.context/*.md` and `<project>/.claude/sfp/context/*.md`, one
//! directory level each (no recursion, so a directory symlink loop is never walked). A file is
//! read only when it is a regular file (after following a file symlink) of at most 1 MiB that
//! holds no NUL byte and is valid UTF-8; anything else is skipped with a reason, never read
//! whole and never waited on (a FIFO named `x.md` is not opened). Files are read one at a time,
//! at most 4 MiB in all.
//!
//! The fingerprint hashes each file's name, size, mtime, ctime and inode: the prompt hook
//! compares it with the session's last one and reads no file at all when nothing moved. Both it
//! and the content hash use std's 64-bit hasher: each is only ever compared with an earlier
//! value of itself, and should a Rust release change the hasher, the files are read once more.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::util::read::Foreign;

/// Largest context file read.
pub(super) const MAX_FILE_BYTES: u64 = crate::util::read::Kind::CONTEXT.cap;
/// Most bytes read from all context files in one run.
pub(super) const MAX_TOTAL_BYTES: u64 = 4 * 1024 * 1024;
/// Most `.md` files taken from one directory.
const MAX_FILES_PER_DIR: usize = 64;

/// Where a directory of sources comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Origin {
    User,
    Project,
}

/// A context file found by listing, with its metadata stamp.
#[derive(Debug, Clone)]
pub(super) struct Candidate {
    pub path: PathBuf,
    /// How people name it (`~/.claude/.context/rules.md`).
    pub display: String,
    /// The file name without `.md`, for the file's default section.
    pub stem: String,
}

/// A file left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub display: String,
    pub reason: String,
}

/// The files found in the source directories.
#[derive(Debug, Clone, Default)]
pub(super) struct Listing {
    pub dirs: Vec<(Origin, PathBuf)>,
    pub files: Vec<Candidate>,
    pub skipped: Vec<Skipped>,
    stamps: Vec<String>,
}

/// A file's text.
#[derive(Debug, Clone)]
pub(super) struct Loaded {
    pub path: PathBuf,
    pub display: String,
    pub stem: String,
    pub text: String,
}

/// Lists the `.md` files of each directory (missing directories are simply empty), stat-ing each
/// one and reading none.
pub(super) fn list(dirs: &[(Origin, PathBuf)], show: &dyn Fn(&Path) -> String) -> Listing {
    let mut listing = Listing {
        dirs: dirs.to_vec(),
        ..Listing::default()
    };
    for (_, dir) in dirs {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                listing
                    .stamps
                    .push(format!("{}\0unreadable", dir.display()));
                listing.skipped.push(Skipped {
                    display: show(dir),
                    reason: format!("directory not readable: {e}"),
                });
                continue;
            }
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| is_context_name(n))
            .collect();
        names.sort_by(|a, b| (a != "CLAUDE.md", a).cmp(&(b != "CLAUDE.md", b)));
        if names.len() > MAX_FILES_PER_DIR {
            listing.skipped.push(Skipped {
                display: show(dir),
                reason: format!(
                    "{} .md files; only the first {MAX_FILES_PER_DIR} are read",
                    names.len()
                ),
            });
            names.truncate(MAX_FILES_PER_DIR);
        }
        for name in names {
            let path = dir.join(&name);
            let display = show(&path);
            match std::fs::metadata(&path) {
                Err(e) => {
                    listing.stamps.push(format!("{}\0error", path.display()));
                    listing.skipped.push(Skipped {
                        display,
                        reason: format!("cannot stat: {e}"),
                    });
                }
                Ok(meta) => {
                    let stamp = format!(
                        "{}\0{}\0{}.{}\0{}.{}\0{}:{}",
                        path.display(),
                        meta.len(),
                        meta.mtime(),
                        meta.mtime_nsec(),
                        meta.ctime(),
                        meta.ctime_nsec(),
                        meta.dev(),
                        meta.ino()
                    );
                    listing.stamps.push(stamp);
                    if !meta.is_file() {
                        listing.skipped.push(Skipped {
                            display,
                            reason: "not a regular file".into(),
                        });
                    } else if meta.len() > MAX_FILE_BYTES {
                        listing.skipped.push(Skipped {
                            display,
                            reason: format!(
                                "{} bytes, larger than {} KiB",
                                meta.len(),
                                MAX_FILE_BYTES / 1024
                            ),
                        });
                    } else {
                        let stem = name[..name.len() - 3].to_owned();
                        listing.files.push(Candidate {
                            path,
                            display,
                            stem,
                        });
                    }
                }
            }
        }
    }
    listing
}

/// `*.md`, not hidden (editor and sync tools leave `.#x.md`, `._x.md`).
fn is_context_name(name: &str) -> bool {
    !name.starts_with('.')
        && name.len() > 3
        && name
            .get(name.len() - 3..)
            .is_some_and(|ext| ext.eq_ignore_ascii_case(".md"))
}

impl Listing {
    /// A hash of every file's metadata and of `salt` (the settings that shape the tags). std's
    /// hasher: it is compared only with an earlier fingerprint, and should a Rust release change
    /// it, the files are merely read once more.
    pub(super) fn fingerprint(&self, salt: &str) -> String {
        use std::hash::{DefaultHasher, Hash, Hasher};
        let mut hasher = DefaultHasher::new();
        salt.hash(&mut hasher);
        self.dirs.hash(&mut hasher);
        self.stamps.hash(&mut hasher);
        format!("{:016x}", hasher.finish())
    }

    /// Reads the candidates one at a time, handing each text to `each` and dropping it before
    /// the next, so memory holds one file at most. Files that turn out binary, not UTF-8, grown
    /// past the limit or unreadable are skipped, and so is everything past [`MAX_TOTAL_BYTES`].
    /// Returns a hash of the names and texts read (with `salt`) and every file skipped.
    pub(super) fn read_each(
        &self,
        salt: &str,
        mut each: impl FnMut(Loaded),
    ) -> (String, Vec<Skipped>) {
        use std::hash::{DefaultHasher, Hash, Hasher};
        let mut hasher = DefaultHasher::new();
        salt.hash(&mut hasher);
        let mut skipped = self.skipped.clone();
        let mut total = 0;
        for file in &self.files {
            if total >= MAX_TOTAL_BYTES {
                skipped.push(Skipped {
                    display: file.display.clone(),
                    reason: format!(
                        "the context files before it already hold {} KiB",
                        MAX_TOTAL_BYTES / 1024
                    ),
                });
                continue;
            }
            match read_text(&file.path) {
                Ok(text) => {
                    total += text.len() as u64;
                    file.display.hash(&mut hasher);
                    text.hash(&mut hasher);
                    each(Loaded {
                        path: file.path.clone(),
                        display: file.display.clone(),
                        stem: file.stem.clone(),
                        text,
                    });
                }
                Err(why) => skipped.push(Skipped {
                    display: file.display.clone(),
                    reason: why.to_string(),
                }),
            }
        }
        (format!("{:016x}", hasher.finish()), skipped)
    }
}

/// Why a listed context file was not read: a finding of `tags check` (its [`Skipped::reason`]),
/// never an error a command ends with.
#[derive(Debug)]
enum Unreadable {
    Gone,
    /// Refused by the reader of files sfp does not own (too large, not a regular file…).
    Refused(String),
    Binary,
    /// With the offset of the first bad byte.
    NotUtf8(usize),
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Gone => f.write_str("gone before it was read"),
            Self::Refused(reason) => f.write_str(reason),
            Self::Binary => f.write_str("binary content (NUL bytes)"),
            Self::NotUtf8(at) => write!(f, "not valid UTF-8 (first bad byte at offset {at})"),
        }
    }
}

fn read_text(path: &Path) -> Result<String, Unreadable> {
    // Listed as a regular file, but it may have been swapped since: read without blocking.
    let bytes = match crate::util::read::read(path, crate::util::read::Kind::CONTEXT) {
        Foreign::Read(bytes) => bytes,
        Foreign::Missing => return Err(Unreadable::Gone),
        Foreign::Skipped(skip) => return Err(Unreadable::Refused(skip.reason())),
    };
    if bytes.contains(&0) {
        return Err(Unreadable::Binary);
    }
    String::from_utf8(bytes).map_err(|e| Unreadable::NotUtf8(e.utf8_error().valid_up_to()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(p: &Path) -> String {
        p.file_name().unwrap().to_string_lossy().into_owned()
    }

    #[test]
    fn bad_files_are_skipped_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("rules.md"), "## Rules\n- ok\n").unwrap();
        std::fs::write(d.join("CLAUDE.md"), "# main\n").unwrap();
        std::fs::write(d.join("binary.md"), b"\x7fELF\x00\x01\x02").unwrap();
        std::fs::write(d.join("latin1.md"), b"caf\xe9\n").unwrap();
        std::fs::write(d.join("notes.txt"), "not markdown").unwrap();
        std::fs::write(d.join(".hidden.md"), "x").unwrap();
        let big = std::fs::File::create(d.join("huge.md")).unwrap();
        big.set_len(50 * 1024 * 1024).unwrap();
        std::os::unix::fs::symlink(d.join("loop-a.md"), d.join("loop-b.md")).unwrap();
        std::os::unix::fs::symlink(d.join("loop-b.md"), d.join("loop-a.md")).unwrap();
        std::fs::create_dir(d.join("dir.md")).unwrap();

        let listing = list(&[(Origin::User, d.to_path_buf())], &show);
        let names: Vec<&str> = listing.files.iter().map(|f| f.display.as_str()).collect();
        assert_eq!(
            names,
            ["CLAUDE.md", "binary.md", "latin1.md", "rules.md"],
            "CLAUDE.md first, then by name"
        );
        let mut read = Vec::new();
        let (_, skipped) = listing.read_each("", |f| read.push(f.display));
        assert_eq!(read, ["CLAUDE.md", "rules.md"]);
        let mut reasons: Vec<String> = skipped
            .iter()
            .map(|s| format!("{}: {}", s.display, s.reason))
            .collect();
        reasons.sort();
        assert_eq!(reasons.len(), 6, "{reasons:#?}");
        assert!(reasons[0].starts_with("binary.md: binary content"));
        assert!(reasons[1].starts_with("dir.md: not a regular file"));
        assert!(reasons[2].starts_with("huge.md: 52428800 bytes, larger than 1024 KiB"));
        assert!(reasons[3].starts_with("latin1.md: not valid UTF-8"));
        assert!(reasons[4].starts_with("loop-a.md: cannot stat"));
        assert!(reasons[5].starts_with("loop-b.md: cannot stat"));
    }

    #[test]
    fn the_total_read_is_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let text = "- item\n".repeat(1000 * 1024 / 7);
        for i in 0..6 {
            std::fs::write(d.join(format!("f{i}.md")), &text).unwrap();
        }
        let listing = list(&[(Origin::User, d.to_path_buf())], &show);
        let mut read = 0;
        let (_, skipped) = listing.read_each("", |_| read += 1);
        assert_eq!(read, 5);
        assert_eq!(skipped.len(), 1);
        assert_eq!(skipped[0].display, "f5.md");
        assert!(skipped[0].reason.contains("already hold 4096 KiB"));
    }

    #[test]
    fn fingerprint_moves_with_metadata_only() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let dirs = [(Origin::User, d.to_path_buf())];
        std::fs::write(d.join("rules.md"), "- a\n").unwrap();
        let first = list(&dirs, &show).fingerprint("s");
        assert_eq!(first, list(&dirs, &show).fingerprint("s"));
        assert_ne!(first, list(&dirs, &show).fingerprint("other settings"));
        std::fs::write(d.join("rules.md"), "- ab\n").unwrap();
        assert_ne!(first, list(&dirs, &show).fingerprint("s"));
        let missing = [(Origin::Project, d.join("nope"))];
        assert!(list(&missing, &show).files.is_empty());
    }
}
