//! Why a backup or restore command stopped, and whether that is the user's mistake (exit 1) or
//! sfp failing at its job (exit 2): `crate::exit_status_of` reads [`BackupError::is_user_error`].
//!
//! A restore that stopped part-way, or that was cancelled at the prompt, is not one of these: it
//! reports what it did and ends with its own status.

use super::shown::escape;
use super::verify::VerifyError;

/// A backup or restore refused before anything was written.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
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
    pub fn is_user_error(&self) -> bool {
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
            Self::PreRestore(e) => !e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(super::verify::is_disk_full)
            }),
        }
    }
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
        let enospc = std::io::Error::from_raw_os_error(libc::ENOSPC);
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
