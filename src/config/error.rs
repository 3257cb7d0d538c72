//! The errors of the config edge. Every one is the user's to fix (a value written the way sfp
//! does not read), so a terminal command that stops on one exits 1 (see
//! [`crate::exit_status_of`]).

use super::Diagnostic;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ConfigError {
    #[error("`{text}` is not a duration (write e.g. 500ms, 10s, 2m, 12h or 7d)")]
    NotADuration { text: String },
    /// A number without a unit: which unit was meant cannot be known.
    #[error("`{0}` has no unit: write {0}ms or {secs} (a duration takes ms, s, m, h or d)", secs = seconds(*.0))]
    BareNumber(u64),
    #[error("unknown unit `{unit}` in `{text}` (use ms, s, m, h or d)")]
    UnknownUnit { unit: String, text: String },
    #[error("`{text}` is too long")]
    TooLong { text: String },
    /// A plugin option's value that does not read as its kind (`is not a number`).
    #[error("{0}")]
    BadOption(&'static str),
    /// Errors in the config files: a terminal command does not go on with a config that does not
    /// read as written.
    #[error(
        "config error: {} (nothing was done; fix it, `sfp health` lists every problem)",
        joined(.0)
    )]
    Invalid(Vec<Diagnostic>),
}

impl ConfigError {
    /// Whether the user can fix it by changing what they wrote (all of them can).
    #[allow(
        clippy::unused_self,
        reason = "every typed error of an edge answers the same question"
    )]
    pub(crate) fn is_user_error(&self) -> bool {
        true
    }
}

/// `n` read as milliseconds, in seconds when that is whole: `30000` → `30s`.
fn seconds(n: u64) -> String {
    if n.is_multiple_of(1_000) {
        format!("{}s", n / 1_000)
    } else {
        format!("{n}s")
    }
}

fn joined(diags: &[Diagnostic]) -> String {
    diags
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// The errors among `diags` as one [`ConfigError::Invalid`] (exit 1): a terminal command does
/// not go on with a config that does not read as written. Warnings pass.
pub(crate) fn refuse_errors(diags: &[Diagnostic]) -> Result<(), ConfigError> {
    let errors: Vec<Diagnostic> = diags.iter().filter(|d| d.is_error()).cloned().collect();
    if errors.is_empty() {
        return Ok(());
    }
    Err(ConfigError::Invalid(errors))
}
