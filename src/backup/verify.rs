//! Checking a backup before it is trusted: the archive's size and SHA-256 against metadata.json,
//! then every tar entry — only regular files, with safe relative paths, each listed once in the
//! metadata with the same size and SHA-256 — and every listed file present.
//!
//! [`scan`] walks the entries once and hands each checked entry's content to a callback; `verify`
//! hashes it, a restore writes it.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{self, Read, Seek as _};
use std::path::Path;

use sha2::{Digest as _, Sha256};

use super::error::{VerifyError, is_disk_full};
use super::gunzip::tar_stream;
use super::metadata::{ARCHIVE_NAME, FileEntry, Metadata};
use super::pgzip::hex;
use super::shown::{self, escape};
use super::store::Backup;

/// An error from writing a restored file (not from reading the archive), carried through the
/// scan's `io::Error` so that it is not mistaken for a damaged archive.
#[derive(Debug)]
pub(super) struct WriteFailed(pub io::Error);

impl std::fmt::Display for WriteFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for WriteFailed {}

/// Wraps a write error so that [`scan`] reports it as one.
pub(super) fn write_failed(e: io::Error) -> io::Error {
    io::Error::new(e.kind(), WriteFailed(e))
}

/// What a successful scan saw.
#[derive(Debug, Clone, Copy, Default)]
pub struct Scanned {
    pub files: usize,
    pub bytes: u64,
}

/// Longest path a restore can write (`PATH_MAX` less room for the target directory).
const MAX_PATH: usize = 3072;
/// Longest name of one path component (`NAME_MAX`).
const MAX_NAME: usize = 255;

/// Why a path in a backup cannot be restored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum UnsafePath {
    #[error("path is not valid UTF-8")]
    NotUtf8,
    #[error("empty path")]
    Empty,
    #[error("absolute path")]
    Absolute,
    #[error("path holds NUL")]
    Nul,
    #[error("path is {0} bytes, longer than {MAX_PATH}")]
    TooLong(usize),
    #[error("path climbs out with `..`")]
    ClimbsOut,
    #[error("path has an empty or `.` component")]
    EmptyComponent,
    #[error("a name of {0} bytes, longer than {MAX_NAME}")]
    NameTooLong(usize),
}

impl UnsafePath {
    /// Always: a path no restore may write makes the backup unacceptable.
    #[allow(
        clippy::unused_self,
        reason = "every typed error of an edge answers the same question"
    )]
    pub(crate) fn is_user_error(&self) -> bool {
        true
    }
}

/// Checks an archive path component by component: relative, no `..`, `.`, empty parts or NUL,
/// no component longer than a file name can be, and not longer than a path can be.
pub(super) fn safe_rel(raw: &[u8]) -> Result<&str, UnsafePath> {
    let text = std::str::from_utf8(raw).map_err(|_| UnsafePath::NotUtf8)?;
    if text.is_empty() {
        return Err(UnsafePath::Empty);
    }
    if text.starts_with('/') {
        return Err(UnsafePath::Absolute);
    }
    if text.contains('\0') {
        return Err(UnsafePath::Nul);
    }
    if text.len() > MAX_PATH {
        return Err(UnsafePath::TooLong(text.len()));
    }
    for part in text.split('/') {
        match part {
            ".." => return Err(UnsafePath::ClimbsOut),
            "" | "." => return Err(UnsafePath::EmptyComponent),
            p if p.len() > MAX_NAME => return Err(UnsafePath::NameTooLong(p.len())),
            _ => {}
        }
    }
    Ok(text)
}

/// Checks the metadata's own lists and returns the files by path: every path safe, none listed
/// twice, and no path that would have to be both a file and a directory (`a` and `a/b`), for
/// the archive's files and the files and directories an undo removes alike.
pub(super) fn index(meta: &Metadata) -> Result<HashMap<&str, &FileEntry>, VerifyError> {
    let bad =
        |path: &str, problem: &str| VerifyError::Metadata(format!("`{}`: {problem}", escape(path)));
    let mut map = HashMap::with_capacity(meta.files.len());
    for f in &meta.files {
        safe_rel(f.path.as_bytes()).map_err(|p| bad(&f.path, &p.to_string()))?;
        if map.insert(f.path.as_str(), f).is_some() {
            return Err(bad(&f.path, "listed twice"));
        }
    }
    let mut files: HashSet<&str> = map.keys().copied().collect();
    for f in &meta.remove_on_restore {
        safe_rel(f.path.as_bytes()).map_err(|p| bad(&f.path, &p.to_string()))?;
        if !files.insert(f.path.as_str()) {
            return Err(bad(&f.path, "listed twice"));
        }
    }
    for d in &meta.remove_dirs_on_restore {
        safe_rel(d.as_bytes()).map_err(|p| bad(d, &p.to_string()))?;
        if files.contains(d.as_str()) {
            return Err(bad(d, "listed as both a file and a directory"));
        }
    }
    for path in &files {
        let mut at = 0;
        while let Some(i) = path[at..].find('/') {
            let parent = &path[..at + i];
            if files.contains(parent) {
                return Err(bad(
                    parent,
                    &format!(
                        "is a file, and `{}` needs it to be a directory",
                        escape(path)
                    ),
                ));
            }
            at += i + 1;
        }
    }
    Ok(map)
}

/// Opens the archive and checks its size and SHA-256 against the metadata.
pub(super) fn open_checked(dir: &Path, meta: &Metadata) -> Result<File, VerifyError> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let path = dir.join(ARCHIVE_NAME);
    let io_err = |source| VerifyError::Io {
        path: shown::path(&path),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(&path)
        .map_err(io_err)?;
    let stat = file.metadata().map_err(io_err)?;
    if !stat.is_file() {
        return Err(io_err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        )));
    }
    let actual = stat.len();
    if actual != meta.archive.size {
        return Err(VerifyError::ArchiveSize {
            expected: meta.archive.size,
            actual,
        });
    }
    let mut sha = Sha256::new();
    let mut buf = vec![0u8; 1024 * 1024];
    loop {
        let n = file.read(&mut buf).map_err(io_err)?;
        if n == 0 {
            break;
        }
        sha.update(&buf[..n]);
    }
    if !hex(&sha.finalize()).eq_ignore_ascii_case(&meta.archive.sha256) {
        return Err(VerifyError::ArchiveHash);
    }
    file.seek(io::SeekFrom::Start(0)).map_err(io_err)?;
    Ok(file)
}

/// Walks every entry of a checked archive. `visit(entry, content)` must consume `content` and
/// return its SHA-256 (hex); `Ok(false)` from `wanted` skips (but still checks) an entry.
pub(super) fn scan(
    backup: &Backup,
    wanted: &dyn Fn(&FileEntry) -> bool,
    visit: &mut dyn FnMut(&FileEntry, &mut dyn Read) -> io::Result<String>,
) -> Result<Scanned, VerifyError> {
    let meta = &backup.meta;
    let index = index(meta)?;
    let file = open_checked(&backup.dir, meta)?;
    let stream = tar_stream(file);
    let mut archive = tar::Archive::new(stream);
    let mut seen: HashSet<&str> = HashSet::with_capacity(index.len());
    let mut out = Scanned::default();
    for entry in archive.entries().map_err(VerifyError::Stream)? {
        let mut entry = entry.map_err(VerifyError::Stream)?;
        let raw = entry.path_bytes().into_owned();
        let shown = escape(&String::from_utf8_lossy(&raw)).into_owned();
        let bad = |problem: String| VerifyError::Entry {
            path: shown.clone(),
            problem,
        };
        let kind = entry.header().entry_type();
        if kind != tar::EntryType::Regular {
            return Err(bad(format!("{} entries are refused", kind_name(kind))));
        }
        let rel = safe_rel(&raw).map_err(|p| bad(p.to_string()))?;
        let Some((&key, &expected)) = index.get_key_value(rel) else {
            return Err(bad("not listed in metadata.json".into()));
        };
        if !seen.insert(key) {
            return Err(bad("appears twice in the archive".into()));
        }
        if entry.size() != expected.size {
            return Err(bad(format!(
                "{} bytes, metadata.json says {}",
                entry.size(),
                expected.size
            )));
        }
        let sha = if wanted(expected) {
            visit(expected, &mut entry)
        } else {
            hash(&mut entry)
        }
        .map_err(|e| {
            if e.get_ref()
                .is_some_and(<dyn std::error::Error + Send + Sync>::is::<WriteFailed>)
            {
                if is_disk_full(&e)
                    || e.get_ref()
                        .and_then(|i| i.downcast_ref::<WriteFailed>())
                        .is_some_and(|w| is_disk_full(&w.0))
                {
                    return VerifyError::DiskFull(format!("while writing `{shown}`: {e}"));
                }
                return VerifyError::Write {
                    path: shown.clone(),
                    source: e,
                };
            }
            match e.kind() {
                io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof => VerifyError::Stream(e),
                _ => bad(e.to_string()),
            }
        })?;
        if sha != expected.sha256 {
            return Err(bad(
                "content does not match its SHA-256 in metadata.json".into()
            ));
        }
        out.files += 1;
        out.bytes += expected.size;
    }
    // Read to the end, so that gzip checks its CRC and length trailers even past the tar's end.
    io::copy(&mut archive.into_inner(), &mut io::sink()).map_err(VerifyError::Stream)?;
    if seen.len() != index.len() {
        let first = meta
            .files
            .iter()
            .find(|f| !seen.contains(f.path.as_str()))
            .map_or_else(String::new, |f| escape(&f.path).into_owned());
        return Err(VerifyError::Missing(index.len() - seen.len(), first));
    }
    Ok(out)
}

/// Reads `r` to its end and returns its SHA-256 (hex).
pub(super) fn hash(r: &mut dyn Read) -> io::Result<String> {
    let mut sha = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            return Ok(hex(&sha.finalize()));
        }
        sha.update(&buf[..n]);
    }
}

/// Checks every file of a backup; nothing is written. This is the one judgement of whether a
/// backup is acceptable: `backup verify`, `restore --dry-run` and `restore` (through [`scan`],
/// which a restore stages with) all come here.
pub fn verify(backup: &Backup) -> Result<Scanned, VerifyError> {
    scan(backup, &|_| false, &mut |_, r| hash(r))
}

fn kind_name(kind: tar::EntryType) -> &'static str {
    match kind {
        tar::EntryType::Symlink => "symlink",
        tar::EntryType::Link => "hard link",
        tar::EntryType::Char | tar::EntryType::Block => "device",
        tar::EntryType::Fifo => "FIFO",
        tar::EntryType::Directory => "directory",
        _ => "special",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_paths_are_refused() {
        assert_eq!(safe_rel(b"a/b.json"), Ok("a/b.json"));
        for bad in [
            &b"/etc/passwd"[..],
            b"../x",
            b"a/../../x",
            b"a//b",
            b"./a",
            b"",
            b"a/\xff",
            b"a\0b",
        ] {
            assert!(safe_rel(bad).is_err(), "{bad:?}");
        }
        let long = "n".repeat(300);
        assert_eq!(
            safe_rel(long.as_bytes()).unwrap_err().to_string(),
            "a name of 300 bytes, longer than 255"
        );
        assert!(safe_rel(format!("d/{}", "n".repeat(255)).as_bytes()).is_ok());
        let deep = ["abcdefgh"; 400].join("/");
        assert_eq!(
            safe_rel(deep.as_bytes()).unwrap_err(),
            UnsafePath::TooLong(deep.len())
        );
    }
}
