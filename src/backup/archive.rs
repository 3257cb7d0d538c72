//! Writing the tar stream of a backup: each selected file is read once, hashed on the fly with
//! SHA-256 and appended to a tar that [`ParallelGzWriter`] compresses on several threads.
//!
//! A file is archived with the size it had when opened: if it grows meanwhile (a transcript being
//! appended to) only that prefix is taken; if it shrinks, the rest is zero-filled. Either way the
//! recorded hash is the hash of the archived bytes, and the entry is flagged `changed`.

use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::os::unix::fs::MetadataExt as _;
use std::path::Path;

use anyhow::Context as _;
use sha2::{Digest as _, Sha256};

use super::metadata::FileEntry;
use super::pgzip::{Finished, ParallelGzWriter, hex};
use super::select::{Selected, Skipped};

/// How the archive is compressed.
#[derive(Debug, Clone, Copy)]
pub(super) struct Compress {
    pub level: u32,
    pub threads: usize,
}

/// What went into an archive.
#[derive(Debug)]
pub(super) struct Written {
    pub files: Vec<FileEntry>,
    pub skipped: Vec<Skipped>,
    pub archive: Finished<File>,
}

/// Writes `files` as a gzip-compressed tar to `out` (a new file). Past `deadline` it stops
/// between two files with an error; the caller removes the unfinished archive.
pub(super) fn write_archive(
    out: &Path,
    files: &[Selected],
    compress: Compress,
    deadline: crate::hook::Deadline,
) -> anyhow::Result<Written> {
    let file = create_private(out)?;
    let gz = ParallelGzWriter::new(file, compress.level, compress.threads);
    let mut tar = tar::Builder::new(gz);
    tar.mode(tar::HeaderMode::Complete);
    let mut entries = Vec::with_capacity(files.len());
    let mut skipped = Vec::new();
    for f in files {
        if deadline.passed() {
            anyhow::bail!(
                "cut at the hook's deadline after {} of {} file(s); nothing was kept",
                entries.len() + skipped.len(),
                files.len()
            );
        }
        match append_file(&mut tar, f, deadline) {
            Ok(Some(entry)) => entries.push(entry),
            Ok(None) => skipped.push(Skipped {
                path: f.rel.clone(),
                reason: "no longer a regular file".into(),
            }),
            Err(Failure::Source(e)) => skipped.push(Skipped {
                path: f.rel.clone(),
                reason: format!("cannot read: {e}"),
            }),
            Err(Failure::Archive(e)) => {
                return Err(e).with_context(|| format!("cannot write {}", out.display()));
            }
        }
    }
    let gz = tar
        .into_inner()
        .with_context(|| format!("cannot write {}", out.display()))?;
    let archive = gz
        .finish()
        .with_context(|| format!("cannot write {}", out.display()))?;
    archive
        .inner
        .sync_all()
        .with_context(|| format!("cannot sync {}", out.display()))?;
    Ok(Written {
        files: entries,
        skipped,
        archive,
    })
}

/// Creates a new file readable only by its owner.
pub(super) fn create_private(path: &Path) -> anyhow::Result<File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))
}

enum Failure {
    /// The source file could not be read: it is skipped.
    Source(io::Error),
    /// The archive could not be written: the backup fails.
    Archive(io::Error),
}

fn append_file<W: Write>(
    tar: &mut tar::Builder<W>,
    f: &Selected,
    deadline: crate::hook::Deadline,
) -> Result<Option<FileEntry>, Failure> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(&f.abs)
        .map_err(Failure::Source)?;
    let meta = file.metadata().map_err(Failure::Source)?;
    if !meta.is_file() {
        return Ok(None);
    }
    let size = meta.len();
    let mode = meta.mode() & 0o7777;
    let mtime = meta.mtime();
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Regular);
    header.set_size(size);
    header.set_mode(mode);
    header.set_mtime(u64::try_from(mtime).unwrap_or(0));
    header.set_uid(0);
    header.set_gid(0);
    let mut reader = HashingReader {
        inner: BufReader::with_capacity(128 * 1024, file.take(size)),
        sha: Sha256::new(),
        left: size,
        short: false,
        deadline,
    };
    // A source that fails mid-read leaves zero-filled bytes in the tar, which the recorded hash
    // covers, so the archive stays consistent; the entry is flagged as changed.
    tar.append_data(&mut header, &f.rel, &mut reader)
        .map_err(Failure::Archive)?;
    let changed = reader.short
        || std::fs::symlink_metadata(&f.abs).is_ok_and(|m| m.len() != size || m.mtime() != mtime);
    Ok(Some(FileEntry {
        path: f.rel.clone(),
        size,
        mode,
        mtime,
        sha256: hex(&reader.sha.finalize()),
        changed,
    }))
}

/// Yields exactly `left` bytes: the file's, then zeros if it ended early; hashes all of them.
/// Past `deadline` it fails, which fails the archive (a large file is cut part-way too).
struct HashingReader<R> {
    inner: R,
    sha: Sha256,
    left: u64,
    short: bool,
    deadline: crate::hook::Deadline,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 || buf.is_empty() {
            return Ok(0);
        }
        if self.deadline.passed() {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "cut at the hook's deadline part-way through a file; nothing was kept",
            ));
        }
        let want = usize::try_from(self.left)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        let n = if self.short {
            0
        } else {
            match self.inner.read(&mut buf[..want]) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => return Err(e),
                Err(_) => 0,
            }
        };
        let n = if n == 0 {
            self.short = true;
            buf[..want].fill(0);
            want
        } else {
            n
        };
        self.sha.update(&buf[..n]);
        self.left -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_holds_files_with_hashes_and_modes() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.txt");
        std::fs::write(&a, b"hello").unwrap();
        std::fs::set_permissions(&a, std::fs::Permissions::from_mode(0o640)).unwrap();
        let files = vec![
            Selected {
                rel: "x/a.txt".into(),
                abs: a,
            },
            Selected {
                rel: "gone".into(),
                abs: dir.path().join("gone"),
            },
        ];
        let out = dir.path().join("out.tar.gz");
        let w = write_archive(
            &out,
            &files,
            Compress {
                level: 6,
                threads: 2,
            },
            crate::hook::Deadline::NONE,
        )
        .unwrap();
        assert_eq!(w.files.len(), 1);
        assert_eq!(w.skipped.len(), 1);
        let e = &w.files[0];
        assert_eq!((e.size, e.mode), (5, 0o640));
        assert_eq!(e.sha256, hex(&Sha256::digest(b"hello")));
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let gz = flate2::read::MultiGzDecoder::new(File::open(&out).unwrap());
        let mut ar = tar::Archive::new(gz);
        let names: Vec<String> = ar
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["x/a.txt"]);
    }

    #[test]
    fn a_file_that_shrinks_is_zero_filled_and_flagged() {
        let mut r = HashingReader {
            inner: &b"abc"[..],
            sha: Sha256::new(),
            left: 5,
            short: false,
            deadline: crate::hook::Deadline::NONE,
        };
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        assert_eq!(out, b"abc\0\0");
        assert!(r.short);
        assert_eq!(hex(&r.sha.finalize()), hex(&Sha256::digest(b"abc\0\0")));
        let mut late = HashingReader {
            inner: &b"abc"[..],
            sha: Sha256::new(),
            left: 3,
            short: false,
            deadline: crate::hook::Deadline::after(
                std::time::Instant::now(),
                std::time::Duration::ZERO,
            ),
        };
        let err = late.read_to_end(&mut Vec::new()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    }
}
