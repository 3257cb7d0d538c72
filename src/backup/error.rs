//! Why a backup or restore command stopped, and whether that is the user's mistake (exit 1) or
//! sfp failing at its job (exit 2): `crate::exit_status_of` reads [`BackupError::is_user_error`]
//! and [`VerifyError::is_user_error`]. [`VerifyError`] is the one judgement of a backup's
//! checks (see `verify`); [`BackupError`] is what a command refuses with.
//!
//! A restore that stopped while putting files in place is not one of these: it reports what it
//! did, then takes the exit of its `stage::CommitError` (`crate::Reported`). One
//! cancelled at the prompt is a verdict, not an error: exit 1.

use std::io;

use super::shown::escape;

/// A backup or restore refused before anything was written.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BackupError {
    /// `sfp backup show|verify`, `sfp restore`: the id is empty.
    #[error("an empty backup id matches nothing (see `sfp backup list`)")]
    EmptyId,
    /// `latest` with no backup to name (pre-restore backups are never `latest`).
    #[error("no backups in {dir} (other than pre-restore backups)")]
    NoLatest { dir: String },
    /// No backup has this id or prefix.
    #[error("no backup `{}` (see `sfp backup list`)", escape(.query))]
    NoMatch { query: String },
    /// A prefix that names several backups.
    #[error("`{}` matches {} backups: {}", escape(.query), .ids.len(), .ids.join(", "))]
    Ambiguous { query: String, ids: Vec<String> },
    /// The backup named is listed as damaged (its metadata cannot be read).
    #[error("backup {id} is damaged: {}", escape(.reason))]
    Damaged { id: String, reason: String },
    /// The backup failed its checks, or restoring it could not write: which one says whose fault
    /// it is ([`VerifyError::is_backup_fault`]). Shown escaped: an entry's name may be quoted.
    #[error("{}", escape(&.0.to_string()))]
    Unrestorable(VerifyError),
    /// Another restore holds the backup (or its lock cannot be taken): exit 1, as a busy
    /// backup has always been; try again.
    #[error(transparent)]
    Held(anyhow::Error),
    /// The restore asked for (`--only`, `--to`) cannot be planned.
    #[error(transparent)]
    Plan(anyhow::Error),
    /// A restore without a terminal to ask at.
    #[error("stdin is not a terminal: pass --yes to restore without asking; nothing was written")]
    NeedsYes,
    /// The filesystem that would hold the restored files is short of room.
    #[error("disk full: {at} has {free} free, the restore needs {need}; nothing was written")]
    NoSpace {
        at: String,
        free: String,
        need: String,
    },
    /// The pre-restore backup could not be taken: a full disk is sfp's failure, anything else
    /// (a file that would be overwritten cannot be read or became a symlink) is the target's,
    /// exit 1 as it has always been.
    #[error(transparent)]
    PreRestore(anyhow::Error),
}

impl BackupError {
    pub(crate) fn is_user_error(&self) -> bool {
        match self {
            Self::EmptyId
            | Self::NoLatest { .. }
            | Self::NoMatch { .. }
            | Self::Ambiguous { .. }
            | Self::Damaged { .. }
            | Self::Held(_)
            | Self::Plan(_)
            | Self::NeedsYes => true,
            Self::Unrestorable(e) => e.is_user_error(),
            Self::NoSpace { .. } => false,
            Self::PreRestore(e) => !e
                .chain()
                .any(|c| c.downcast_ref::<io::Error>().is_some_and(is_disk_full)),
        }
    }
}

/// Why a backup is not trusted.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("cannot read the archive {path}: {source}")]
    Io { path: String, source: io::Error },
    #[error("the archive is {actual} bytes, metadata.json says {expected}")]
    ArchiveSize { expected: u64, actual: u64 },
    #[error("the archive's SHA-256 does not match metadata.json (corrupt or tampered)")]
    ArchiveHash,
    #[error("metadata.json: {0}")]
    Metadata(String),
    #[error("entry `{path}`: {problem}")]
    Entry { path: String, problem: String },
    #[error("the tar stream is damaged: {0}")]
    Stream(io::Error),
    #[error("{0} file(s) listed in metadata.json are missing from the archive (first: {1})")]
    Missing(usize, String),
    /// Not a fault of the backup: writing a restored file failed.
    #[error("cannot write {path}: {source}")]
    Write { path: String, source: io::Error },
    /// Not a fault of the backup: the disk holding the target filled up.
    #[error("disk full: {0}")]
    DiskFull(String),
}

impl VerifyError {
    /// Whether the backup itself is at fault (corrupt, tampered or unacceptable), rather than
    /// the place it is restored to.
    pub fn is_backup_fault(&self) -> bool {
        !matches!(self, VerifyError::Write { .. } | VerifyError::DiskFull(_))
    }

    /// A backup at fault is bad input (exit 1); a restore that cannot write is sfp failing at
    /// its job (exit 2).
    pub fn is_user_error(&self) -> bool {
        self.is_backup_fault()
    }
}

/// Whether `e` says the disk (or the user's quota) is full.
pub(super) fn is_disk_full(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::StorageFull
        || e.kind() == io::ErrorKind::QuotaExceeded
        || matches!(e.raw_os_error(), Some(libc::ENOSPC | libc::EDQUOT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_faulty_backup_is_the_users_and_a_full_disk_is_sfps() {
        let corrupt = BackupError::Unrestorable(VerifyError::ArchiveHash);
        assert!(corrupt.is_user_error());
        let full = BackupError::Unrestorable(VerifyError::DiskFull("x".into()));
        assert!(!full.is_user_error());
        let space = BackupError::NoSpace {
            at: "/t".into(),
            free: "1 B".into(),
            need: "2 B".into(),
        };
        assert!(!space.is_user_error());
        assert_eq!(
            space.to_string(),
            "disk full: /t has 1 B free, the restore needs 2 B; nothing was written"
        );
        let enospc = io::Error::from_raw_os_error(libc::ENOSPC);
        let pre = anyhow::Error::new(enospc).context("cannot take the pre-restore backup");
        assert!(!BackupError::PreRestore(pre).is_user_error());
        let unreadable = anyhow::anyhow!("the pre-restore backup could not take 1 file(s)");
        assert!(BackupError::PreRestore(unreadable).is_user_error());
        for user in [
            BackupError::EmptyId,
            BackupError::NeedsYes,
            BackupError::NoMatch {
                query: "2020".into(),
            },
        ] {
            assert!(user.is_user_error(), "{user}");
        }
    }

    #[test]
    fn names_from_the_store_or_the_command_line_are_escaped() {
        let e = BackupError::NoMatch {
            query: "a\x1b[2Jb".into(),
        };
        assert!(!e.to_string().contains('\x1b'), "{e}");
        let e = BackupError::Ambiguous {
            query: "2026".into(),
            ids: vec!["20260101-000000".into(), "20260102-000000".into()],
        };
        assert_eq!(
            e.to_string(),
            "`2026` matches 2 backups: 20260101-000000, 20260102-000000"
        );
    }
}
