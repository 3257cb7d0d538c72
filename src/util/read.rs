//! The one reader for files sfp does not own: config layers, context files, ignore files,
//! manifests, transcripts, the ledger, and sfp's own state files (which anything can replace).
//!
//! A cloned repository can carry `.gitignore -> /dev/zero` or a FIFO named `gates.yaml`; a plain
//! `open` then blocks for ever, or a read fills memory. So a file is `stat`ed first (a device is
//! never opened), opened with `O_NONBLOCK | O_NOCTTY | O_CLOEXEC`, `fstat`ed again (the path may
//! have been swapped in between), and read only if it is a regular file no larger than the cap of
//! its [`Kind`], within that cap (a file that grows while it is read is cut there). A symlink to
//! a regular file is followed. Anything else — a FIFO, a device, a socket, a directory, a symlink
//! to one of them, a file over its cap — is a [`Skip`]: the path and why, written to the log
//! (see [`set_log`]) and handed back for the caller to show where it shows notices.

use std::fmt;
use std::fs::File;
use std::io::Read as _;
use std::os::unix::fs::FileTypeExt as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rustix::fs::{Mode, OFlags};

use crate::log::Logger;

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

/// What a file is read as, and the largest size sfp reads of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Kind {
    /// How the file is named in a notice ("config file", "manifest").
    pub name: &'static str,
    /// Largest size read; a larger file is skipped.
    pub cap: u64,
}

impl Kind {
    /// A config layer (`gates.yaml`, `alerts.yaml`, `sfp.yaml`, `.local.yaml`).
    pub(crate) const CONFIG: Self = Self::new("config file", 4 * MIB);
    /// A TAG context file (`CLAUDE.md`, `~/.claude/.context/*.md`).
    pub(crate) const CONTEXT: Self = Self::new("context file", MIB);
    /// `.gitignore`, `.secretsignore` and other ignore files.
    pub(crate) const IGNORE: Self = Self::new("ignore file", MIB);
    /// A project manifest (`package.json`, `Cargo.toml`, `pyproject.toml`, …).
    pub(crate) const MANIFEST: Self = Self::new("manifest", 4 * MIB);
    /// The window of a session transcript read from its end.
    pub(crate) const TRANSCRIPT: Self = Self::new("transcript", 64 * MIB);
    /// A file of the project read for its content (hashed, attributed, checked after a fix).
    pub(crate) const SOURCE: Self = Self::new("project file", 64 * MIB);
    /// A gate ledger (one session's gate history).
    pub(crate) const LEDGER: Self = Self::new("ledger", 16 * MIB);
    /// Claude Code's own settings and state files (`settings.json`, `~/.claude.json`, todos).
    pub(crate) const CLAUDE_STATE: Self = Self::new("Claude Code file", 16 * MIB);
    /// A state file sfp writes under `$SFP_HOME` (session state, caches), read back.
    pub(crate) const STATE: Self = Self::new("state file", 8 * MIB);

    pub(crate) const fn new(name: &'static str, cap: u64) -> Self {
        Self { name, cap }
    }

    /// The same kind with a smaller cap, for a caller that needs less.
    #[must_use]
    pub(crate) const fn capped(self, cap: u64) -> Self {
        Self {
            name: self.name,
            cap: if cap < self.cap { cap } else { self.cap },
        }
    }
}

/// Why a file was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Why {
    Fifo,
    CharDevice,
    BlockDevice,
    Socket,
    Directory,
    /// Larger than the cap of its kind.
    TooLarge {
        size: u64,
        cap: u64,
    },
    /// It exists but cannot be opened or read (permissions, I/O error).
    Unreadable(String),
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Fifo => f.write_str("a FIFO, not a regular file"),
            Self::CharDevice => f.write_str("a character device, not a regular file"),
            Self::BlockDevice => f.write_str("a block device, not a regular file"),
            Self::Socket => f.write_str("a socket, not a regular file"),
            Self::Directory => f.write_str("a directory, not a regular file"),
            Self::TooLarge { size, cap } => write!(f, "{size} bytes, over the {} cap", human(*cap)),
            Self::Unreadable(e) => write!(f, "cannot read: {e}"),
        }
    }
}

fn human(n: u64) -> String {
    if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else if n >= KIB && n.is_multiple_of(KIB) {
        format!("{} KiB", n / KIB)
    } else {
        format!("{n} bytes")
    }
}

/// A file sfp did not read: where it is and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Skip {
    pub path: PathBuf,
    pub kind: Kind,
    pub why: Why,
    /// Whether `path` is a symlink (the type in [`Why`] is that of its target).
    pub via_symlink: bool,
}

impl Skip {
    /// The reason alone, for a caller that names the file itself: "a FIFO, not a regular file;
    /// not read".
    pub(crate) fn reason(&self) -> String {
        let link = if self.via_symlink {
            "a symlink to "
        } else {
            ""
        };
        match &self.why {
            Why::Unreadable(_) | Why::TooLarge { .. } => format!("{}; not read", self.why),
            why => format!("{link}{why}; not read"),
        }
    }
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} {}",
            self.path.display(),
            self.kind.name,
            self.reason()
        )
    }
}

/// What [`read`] found.
#[derive(Debug)]
pub(crate) enum Foreign {
    /// No file there (or a dangling symlink): the usual, quiet case.
    Missing,
    /// Something is there but was not read; already logged.
    Skipped(Skip),
    /// The content, at most the kind's cap.
    Read(Vec<u8>),
}

impl Foreign {
    /// The content, if it was read.
    pub(crate) fn bytes(self) -> Option<Vec<u8>> {
        match self {
            Self::Read(b) => Some(b),
            Self::Missing | Self::Skipped(_) => None,
        }
    }
}

static LOG: OnceLock<Logger> = OnceLock::new();

/// Where skipped files are logged: set once per process, when its context is built. Before
/// that (or in unit tests) a skip is only returned.
pub(crate) fn set_log(log: &Logger) {
    let _ = LOG.set(log.clone());
}

fn skipped(path: &Path, kind: Kind, why: Why, via_symlink: bool) -> Skip {
    let skip = Skip {
        path: path.to_path_buf(),
        kind,
        why,
        via_symlink,
    };
    if let Some(log) = LOG.get() {
        log.warn(&skip.to_string());
    }
    skip
}

fn why_not_regular(ft: std::fs::FileType) -> Option<Why> {
    if ft.is_file() {
        None
    } else if ft.is_fifo() {
        Some(Why::Fifo)
    } else if ft.is_char_device() {
        Some(Why::CharDevice)
    } else if ft.is_block_device() {
        Some(Why::BlockDevice)
    } else if ft.is_socket() {
        Some(Why::Socket)
    } else if ft.is_dir() {
        Some(Why::Directory)
    } else {
        Some(Why::Unreadable("not a regular file".into()))
    }
}

/// An open regular file and its size at open time.
#[derive(Debug)]
pub(crate) struct Opened {
    pub file: File,
    pub len: u64,
}

/// What [`open`] found.
#[derive(Debug)]
pub(crate) enum OpenResult {
    Missing,
    Skipped(Skip),
    Open(Opened),
}

/// Opens `path` if it is a regular file (or a symlink to one), without blocking, and without
/// checking the cap: for a caller that reads only part of it (a transcript's tail) and bounds
/// that read by `kind.cap` itself.
pub(crate) fn open(path: &Path, kind: Kind) -> OpenResult {
    let via_symlink = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    // The type is checked before opening, so that a device is never opened at all.
    match std::fs::metadata(path) {
        // A parent that is a file (ENOTDIR) also means there is no such file.
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            return OpenResult::Missing;
        }
        Err(e) => {
            return OpenResult::Skipped(skipped(
                path,
                kind,
                Why::Unreadable(e.to_string()),
                via_symlink,
            ));
        }
        Ok(meta) => {
            if let Some(why) = why_not_regular(meta.file_type()) {
                return OpenResult::Skipped(skipped(path, kind, why, via_symlink));
            }
        }
    }
    let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
    let file = match rustix::fs::open(path, flags, Mode::empty()) {
        Ok(fd) => File::from(fd),
        Err(e) if e == rustix::io::Errno::NOENT || e == rustix::io::Errno::NOTDIR => {
            return OpenResult::Missing;
        }
        Err(e) => {
            let e = std::io::Error::from(e);
            return OpenResult::Skipped(skipped(
                path,
                kind,
                Why::Unreadable(e.to_string()),
                via_symlink,
            ));
        }
    };
    // The path may have been swapped between the stat and the open: the descriptor decides.
    match file.metadata() {
        Ok(meta) => match why_not_regular(meta.file_type()) {
            Some(why) => OpenResult::Skipped(skipped(path, kind, why, via_symlink)),
            None => OpenResult::Open(Opened {
                file,
                len: meta.len(),
            }),
        },
        Err(e) => OpenResult::Skipped(skipped(
            path,
            kind,
            Why::Unreadable(e.to_string()),
            via_symlink,
        )),
    }
}

/// Reads `path` as a file of `kind`: see the module doc.
pub(crate) fn read(path: &Path, kind: Kind) -> Foreign {
    let via_symlink = || std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    let Opened { file, len } = match open(path, kind) {
        OpenResult::Missing => return Foreign::Missing,
        OpenResult::Skipped(skip) => return Foreign::Skipped(skip),
        OpenResult::Open(opened) => opened,
    };
    if len > kind.cap {
        return Foreign::Skipped(skipped(
            path,
            kind,
            Why::TooLarge {
                size: len,
                cap: kind.cap,
            },
            via_symlink(),
        ));
    }
    let mut buf = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    match file.take(kind.cap).read_to_end(&mut buf) {
        Ok(_) => Foreign::Read(buf),
        Err(e) => Foreign::Skipped(skipped(
            path,
            kind,
            Why::Unreadable(e.to_string()),
            via_symlink(),
        )),
    }
}

/// The content of `path`, or `None` when it is missing or was skipped (and logged).
pub(crate) fn bytes(path: &Path, kind: Kind) -> Option<Vec<u8>> {
    read(path, kind).bytes()
}

/// The content of `path` as UTF-8 text, or `None` when it is missing, was skipped, or is not
/// UTF-8.
pub(crate) fn text(path: &Path, kind: Kind) -> Option<String> {
    String::from_utf8(bytes(path, kind)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fifo(path: &Path) {
        rustix::fs::mknodat(
            rustix::fs::CWD,
            path,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
    }

    #[test]
    fn regular_files_and_symlinks_to_them_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.yaml");
        std::fs::write(&file, "x: 1\n").unwrap();
        let link = dir.path().join("link.yaml");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert_eq!(bytes(&file, Kind::CONFIG).unwrap(), b"x: 1\n");
        assert_eq!(text(&link, Kind::CONFIG).unwrap(), "x: 1\n");
    }

    #[test]
    fn missing_and_dangling_are_missing() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &link).unwrap();
        assert!(matches!(
            read(&dir.path().join("none"), Kind::CONFIG),
            Foreign::Missing
        ));
        assert!(matches!(read(&link, Kind::CONFIG), Foreign::Missing));
        let file = dir.path().join("a-file");
        std::fs::write(&file, "x").unwrap();
        assert!(matches!(
            read(&file.join("sfp.yaml"), Kind::CONFIG),
            Foreign::Missing
        ));
    }

    #[test]
    fn fifos_devices_and_directories_are_skipped_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("gates.yaml");
        fifo(&f);
        let zero = dir.path().join(".gitignore");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        let sub = dir.path().join("CLAUDE.md");
        std::fs::create_dir(&sub).unwrap();
        let cases = [
            (&f, Why::Fifo, false),
            (&zero, Why::CharDevice, true),
            (&sub, Why::Directory, false),
        ];
        for (path, why, link) in cases {
            let Foreign::Skipped(skip) = read(path, Kind::IGNORE) else {
                panic!("{} was read", path.display());
            };
            assert_eq!(skip.why, why);
            assert_eq!(skip.via_symlink, link);
            assert_eq!(&skip.path, path);
            let shown = skip.to_string();
            assert!(shown.starts_with(&path.display().to_string()), "{shown}");
            assert!(shown.contains("not a regular file; not read"), "{shown}");
        }
        let Foreign::Skipped(skip) = read(&zero, Kind::IGNORE) else {
            unreachable!()
        };
        assert!(skip.reason().starts_with("a symlink to a character device"));
    }

    #[test]
    fn files_over_the_cap_are_skipped_and_at_the_cap_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"12345").unwrap();
        assert_eq!(bytes(&path, Kind::new("t", 5)).unwrap(), b"12345");
        let Foreign::Skipped(skip) = read(&path, Kind::new("t", 4)) else {
            panic!("read over the cap");
        };
        assert_eq!(skip.why, Why::TooLarge { size: 5, cap: 4 });
        assert_eq!(Kind::CONFIG.capped(10).cap, 10);
        assert_eq!(Kind::CONFIG.capped(u64::MAX), Kind::CONFIG);
    }

    #[test]
    fn open_gives_the_descriptor_of_a_regular_file_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        std::fs::write(&path, b"{}\n").unwrap();
        let OpenResult::Open(opened) = open(&path, Kind::TRANSCRIPT) else {
            panic!("not opened");
        };
        assert_eq!(opened.len, 3);
        let f = dir.path().join("fifo.jsonl");
        fifo(&f);
        assert!(matches!(
            open(&f, Kind::TRANSCRIPT),
            OpenResult::Skipped(Skip { why: Why::Fifo, .. })
        ));
    }
}
