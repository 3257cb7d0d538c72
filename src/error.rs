//! How a terminal command ends, and the markers its errors carry: a mistake of the user's, or a
//! failure already reported in full. `crate::exit_status_of` reads them (and the typed errors of
//! the edges) and decides the exit code; this file knows no capability.

use std::process::ExitCode;

/// How a terminal command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Everything passed.
    Success,
    /// A check or gate failed, or the input was invalid.
    Failure,
    /// sfp could not do its job.
    Error,
    /// Interrupted (Ctrl-C).
    Interrupted,
}

/// A mistake in what was asked for: a bad argument or flag value, an unknown handoff, a
/// `--project` that is not a directory, a config error a command cannot work around. A terminal
/// command that fails with one (anywhere in the error's chain) exits 1; any other error means sfp
/// could not do its job, and exits 2. `crate::exit_status_of` is the one place that decides.
///
/// The edges have typed errors of their own (`gates::GateError`, `backup::BackupError` and
/// the errors of a backup's checks and of putting its files in place, `hook::HookError`), each
/// of which says whether it is the user's mistake (`is_user_error`); this is the marker for the
/// rest.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct UserError(pub String);

impl UserError {
    /// The error, ready for `?` or `return Err(..)`.
    pub(crate) fn err(message: impl Into<String>) -> anyhow::Error {
        anyhow::Error::new(Self(message.into()))
    }
}

/// An error a command has already reported to the user in full (a restore that stopped part-way
/// lists what it wrote): `main` prints nothing more, and the exit code is decided by what it
/// wraps.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Reported(#[source] pub Box<dyn std::error::Error + Send + Sync + 'static>);

impl Reported {
    /// `err`, marked as reported, ready for `return Err(..)`.
    pub(crate) fn err(err: impl std::error::Error + Send + Sync + 'static) -> anyhow::Error {
        anyhow::Error::new(Self(Box::new(err)))
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        match status {
            ExitStatus::Success => ExitCode::SUCCESS,
            ExitStatus::Failure => ExitCode::from(1),
            ExitStatus::Error => ExitCode::from(2),
            ExitStatus::Interrupted => ExitCode::from(130),
        }
    }
}
