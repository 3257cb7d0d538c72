//! The project's git state for a handoff: branch and `git status --short` (one `git status
//! --short --branch`) and `git diff --stat HEAD`, run in parallel, each given a short deadline
//! and left out when git does not answer in time.

use super::model::GitState;
use crate::git::Git;

/// `git status --short` lines kept.
const MAX_STATUS_LINES: usize = 40;

/// Branch, short status and diff stat, each skipped when git does not answer in time.
pub(super) fn git_state(git: Git<'_>) -> (GitState, Vec<String>) {
    let (status, stat) = std::thread::scope(|s| {
        let d = s.spawn(|| git.diff_stat());
        let st = git.status_with_branch();
        (st, d.join())
    });
    let mut notes = Vec::new();
    let mut state = GitState::default();
    match status {
        Ok(s) => {
            let mut lines = s.lines().filter(|l| !l.trim().is_empty()).peekable();
            if let Some(header) = lines.next_if(|l| l.starts_with("## ")) {
                state.branch = branch_of(header);
            }
            let lines: Vec<String> = lines.map(str::to_owned).collect();
            state.status_truncated = lines.len() > MAX_STATUS_LINES;
            state.status = lines.into_iter().take(MAX_STATUS_LINES).collect();
        }
        Err(e) => notes.push(format!("git status: {e}")),
    }
    // A repository without commits has no HEAD to diff against: not worth a note.
    if let Ok(Ok(d)) = stat {
        state.diff_stat = Some(crate::text::cap(d.trim_end(), 3_000)).filter(|d| !d.is_empty());
    }
    (state, notes)
}

/// The branch in `git status --branch`'s header: `## main...origin/main [ahead 1]`,
/// `## No commits yet on main`; `None` for a detached HEAD.
fn branch_of(header: &str) -> Option<String> {
    let rest = header.strip_prefix("## ")?;
    let rest = rest
        .strip_prefix("No commits yet on ")
        .or_else(|| rest.strip_prefix("Initial commit on "))
        .unwrap_or(rest);
    if rest.starts_with("HEAD (no branch)") {
        return None;
    }
    let name = rest.split("...").next()?.split(" [").next()?.trim();
    (!name.is_empty()).then(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_headers() {
        assert_eq!(
            branch_of("## main...origin/main [ahead 1]").as_deref(),
            Some("main")
        );
        assert_eq!(branch_of("## feat/x").as_deref(), Some("feat/x"));
        assert_eq!(
            branch_of("## No commits yet on master").as_deref(),
            Some("master")
        );
        assert_eq!(branch_of("## HEAD (no branch)"), None);
    }

    #[test]
    fn reads_a_real_repository() {
        let dir = tempfile::tempdir().unwrap();
        let run = |args: &[&str]| crate::git::fixture(dir.path(), args);
        let git = Git::new(dir.path(), crate::hook::Deadline::NONE)
            .timeout(std::time::Duration::from_secs(5));
        run(&["init", "-q", "-b", "work"]);
        std::fs::write(dir.path().join("a.txt"), "one\n").unwrap();
        let (state, notes) = git_state(git);
        assert_eq!(state.branch.as_deref(), Some("work"));
        assert_eq!(state.status, ["?? a.txt"]);
        assert_eq!(state.diff_stat, None, "no HEAD yet");
        assert!(notes.is_empty(), "{notes:?}");
        run(&["add", "a.txt"]);
        run(&["commit", "-q", "-m", "one"]);
        std::fs::write(dir.path().join("a.txt"), "two\n").unwrap();
        let (state, _) = git_state(git);
        assert_eq!(state.status, [" M a.txt"]);
        assert!(state.diff_stat.unwrap().contains("1 file changed"));
    }
}
