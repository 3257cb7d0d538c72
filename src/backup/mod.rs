//! Backup and restore of the user's Claude Code state.
//!
//! `sfp backup create` writes one gzip-compressed tar (compressed on every core) and a
//! metadata.json listing every file with its SHA-256 to `$SFP_HOME/backups/<id>/`; `sfp restore`
//! verifies a backup completely before writing anything, takes a pre-restore backup of what it
//! overwrites, and replaces each file atomically. PreCompact and SessionEnd take `config` backups.

mod archive;
mod command;
mod create;
mod error;
mod gunzip;
mod hook;
mod metadata;
mod pgzip;
mod profile;
mod restore_cmd;
mod restore_plan;
mod retention;
mod select;
mod settings;
mod shown;
mod stage;
mod store;
mod verify;

pub(crate) use command::{BackupArgs, execute};
pub(crate) use error::{BackupError, VerifyError};
pub(crate) use hook::{on_pre_compact, on_session_end};
pub use metadata::Metadata;
pub(crate) use restore_cmd::{RestoreArgs, execute as execute_restore};
/// The restore reader's two phases (check every entry while staging, then rename into place)
/// and the planner in front of them, public so that the fuzz targets (`fuzz/`) can restore an
/// arbitrary archive into a scratch directory without a session around it.
pub use restore_plan::plan;
pub(crate) use settings::BackupSettings;
pub(crate) use stage::CommitError;
pub use stage::commit;
pub use stage::stage;
pub use store::Backup;
pub(crate) use verify::UnsafePath;
pub use verify::verify;

/// Backups in `$SFP_HOME/backups/` whose recorded creation time lies in the future (a clock that
/// was wrong, or a machine restored from elsewhere), as `(id, created)`, newest first. Retention
/// and `latest` order backups by sequence number, so they do no harm, but the clock may be wrong.
pub(crate) fn future_dated(paths: &crate::paths::Paths) -> Vec<(String, String)> {
    store::Store::new(paths.backups_dir()).future_dated()
}
