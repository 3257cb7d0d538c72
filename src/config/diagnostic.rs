//! A problem found in a config file, with where it is.

use std::fmt;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One error or warning about one config file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The file as a user would name it (`~/.claude/sfp/gates.yaml`, `<embedded>/sfp.yaml`).
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl Diagnostic {
    pub fn error(file: &str, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            file: file.to_owned(),
            line: None,
            column: None,
            message: message.into(),
        }
    }

    pub fn warning(file: &str, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(file, message)
        }
    }

    /// From a serde_yaml error, keeping its location.
    pub fn from_yaml(file: &str, err: &serde_yaml::Error) -> Self {
        let loc = err.location();
        // serde_yaml appends " at line L column C" to its message; the location is kept apart.
        let text = err.to_string();
        let message = match text.find(" at line ") {
            Some(i) => text[..i].to_owned(),
            None => text,
        };
        Self {
            severity: Severity::Error,
            file: file.to_owned(),
            line: loc.as_ref().map(serde_yaml::Location::line),
            column: loc.as_ref().map(serde_yaml::Location::column),
            message,
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The errors among `diags` as one [`crate::UserError`] (exit 1): a terminal command does not go
/// on with a config that does not read as written. Warnings pass.
pub fn refuse_errors(diags: &[Diagnostic]) -> anyhow::Result<()> {
    let errors: Vec<String> = diags
        .iter()
        .filter(|d| d.is_error())
        .map(ToString::to_string)
        .collect();
    if errors.is_empty() {
        return Ok(());
    }
    Err(crate::UserError::err(format!(
        "config error: {} (nothing was done; fix it, `sfp health` lists every problem)",
        errors.join("; ")
    )))
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, ": {sev}: {}", self.message)
    }
}
