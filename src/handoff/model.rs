//! A handoff: where the work of one session stood when it was compacted or ended, in the shape
//! stored as JSON beside its Markdown rendering.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The format version written in every handoff's JSON.
pub(super) const FORMAT: u32 = 1;

/// Everything a handoff records. A stored one has been masked by its store.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Handoff {
    pub format: u32,
    /// The file stem: `handoff-YYYYMMDD-HHMMSS-<session>[-N]`.
    pub id: String,
    pub created_at: DateTime<Utc>,
    /// What wrote it: `PreCompact (manual)`, `SessionEnd (clear)`, `sfp handoff create`.
    pub trigger: String,
    pub session_id: Option<String>,
    /// The project's root directory.
    pub project: Option<String>,
    pub transcript: Option<String>,
    /// The user's latest requests, oldest first.
    pub requests: Vec<String>,
    /// Files changed during the session, most recently changed last.
    pub files: Vec<FileChange>,
    /// Todo items marked completed.
    pub completed: Vec<String>,
    /// Todo items pending or in progress, or the next step Claude named in its last message.
    pub next_steps: Vec<String>,
    /// Claude's last message.
    pub last_message: Option<String>,
    pub git: Option<GitState>,
    /// What could not be gathered, and why.
    pub notes: Vec<String>,
}

/// One file the session changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct FileChange {
    /// Relative to the project when inside it, else absolute.
    pub path: String,
    /// The tools that changed it (`Write`, `Edit`, …), each once.
    pub tools: Vec<String>,
    /// How many changes were seen.
    pub changes: usize,
}

/// The project's git state when the handoff was written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct GitState {
    pub branch: Option<String>,
    /// `git status --short` lines.
    pub status: Vec<String>,
    /// Whether `status` was cut.
    pub status_truncated: bool,
    /// `git diff --stat HEAD`.
    pub diff_stat: Option<String>,
}

impl Handoff {
    /// Whether there is nothing worth handing over (no request, file, todo or message).
    pub(crate) fn is_empty(&self) -> bool {
        self.requests.is_empty()
            && self.files.is_empty()
            && self.completed.is_empty()
            && self.next_steps.is_empty()
            && self.last_message.is_none()
    }

    /// The session id, shortened for display.
    pub(crate) fn short_session(&self) -> &str {
        let s = self.session_id.as_deref().unwrap_or("-");
        s.get(..8).unwrap_or(s)
    }

    /// Whether two handoffs record the same state of work (time and trigger aside).
    pub(crate) fn same_work(&self, other: &Self) -> bool {
        self.session_id == other.session_id
            && self.requests == other.requests
            && self.files == other.files
            && self.completed == other.completed
            && self.next_steps == other.next_steps
            && self.last_message == other.last_message
    }
}
