//! The project's git state for a handoff: branch, `git status --short` and `git diff --stat`,
//! run in parallel, each given a short deadline and left out when git does not answer in time.

use std::path::{Path, PathBuf};

use super::collect::clip;
use super::model::GitState;

/// `git status --short` lines kept.
const MAX_STATUS_LINES: usize = 40;

/// Branch, short status and diff stat, each skipped when git does not answer in time.
pub fn git_state(root: &Path, timeout: std::time::Duration) -> (GitState, Vec<String>) {
    let dir = root.to_string_lossy().into_owned();
    let git = |args: &[&str]| {
        let mut all = vec!["-C", dir.as_str(), "--no-optional-locks"];
        all.extend_from_slice(args);
        crate::util::cmd::output("git", &all, timeout)
    };
    let (branch, status, stat) = std::thread::scope(|s| {
        let b = s.spawn(|| git(&["symbolic-ref", "--short", "-q", "HEAD"]));
        let st = s.spawn(|| git(&["status", "--short"]));
        let d = s.spawn(|| git(&["diff", "--stat", "HEAD"]));
        (b.join(), st.join(), d.join())
    });
    let mut notes = Vec::new();
    let mut state = GitState::default();
    match branch {
        Ok(Ok(b)) => state.branch = Some(b.trim().to_owned()).filter(|b| !b.is_empty()),
        Ok(Err(e)) => notes.push(format!("git branch: {e}")),
        Err(_) => {}
    }
    match status {
        Ok(Ok(s)) => {
            let lines: Vec<String> = s
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_owned)
                .collect();
            state.status_truncated = lines.len() > MAX_STATUS_LINES;
            state.status = lines.into_iter().take(MAX_STATUS_LINES).collect();
        }
        Ok(Err(e)) => notes.push(format!("git status: {e}")),
        Err(_) => {}
    }
    // A repository without commits has no HEAD to diff against: not worth a note.
    if let Ok(Ok(d)) = stat {
        state.diff_stat = Some(clip(d.trim_end(), 3_000)).filter(|d| !d.is_empty());
    }
    (state, notes)
}

/// The project root for `dir`: the enclosing git work tree, else `dir` itself (canonical).
pub fn project_root(dir: &Path) -> PathBuf {
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .map_or_else(|| dir.clone(), Path::to_path_buf)
}
