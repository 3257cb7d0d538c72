//! The result of a health check, in the shape the original plugin's `--json` used:
//! `{"status": …, "checks": [{"name", "status", "message", "details"}]}`.

use serde::Serialize;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    Healthy,
    Degraded,
    Unhealthy,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Healthy => "healthy",
            Self::Degraded => "degraded",
            Self::Unhealthy => "unhealthy",
        }
    }
}

/// One check's verdict. `message` says what is wrong and what to do about it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Check {
    pub name: String,
    pub status: Status,
    pub message: String,
    pub details: Map<String, Value>,
    /// Whether the check knows that what it reports is so. A problem it only suspects (no login
    /// found where Claude Code may have one sfp cannot see) is shown by `sfp health` but never
    /// said at SessionStart.
    #[serde(skip)]
    pub sure: bool,
}

impl Check {
    pub(crate) fn new(name: &str, status: Status, message: impl Into<String>) -> Self {
        Self {
            name: name.to_owned(),
            status,
            message: message.into(),
            details: Map::new(),
            sure: true,
        }
    }

    /// Marks the verdict as a suspicion: see [`Check::sure`].
    #[must_use]
    pub(crate) fn unsure(mut self) -> Self {
        self.sure = false;
        self
    }

    pub(crate) fn healthy(name: &str, message: impl Into<String>) -> Self {
        Self::new(name, Status::Healthy, message)
    }

    pub(crate) fn degraded(name: &str, message: impl Into<String>) -> Self {
        Self::new(name, Status::Degraded, message)
    }

    pub(crate) fn unhealthy(name: &str, message: impl Into<String>) -> Self {
        Self::new(name, Status::Unhealthy, message)
    }

    #[must_use]
    pub(crate) fn detail(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details.insert(key.to_owned(), value.into());
        self
    }
}

/// Every check, and the worst status among them.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Report {
    pub status: Status,
    pub checks: Vec<Check>,
}

impl Report {
    pub(crate) fn new(checks: Vec<Check>) -> Self {
        let status = checks
            .iter()
            .map(|c| c.status)
            .max()
            .unwrap_or(Status::Healthy);
        Self { status, checks }
    }

    pub(crate) fn problems(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| c.status != Status::Healthy)
    }

    /// The problems a check is sure of: what SessionStart reports.
    pub(crate) fn sure_problems(&self) -> impl Iterator<Item = &Check> {
        self.problems().filter(|c| c.sure)
    }
}
