//! Project: a git work tree, its branch, and (when stdout is a terminal) how many changes are
//! uncommitted.
//! The hook path reads `.git` directly and starts no process.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::{Probe, tilde};
use crate::health::Check;

const NAME: &str = "project";

pub fn check(probe: &Probe) -> Check {
    let ctx = probe.ctx;
    let Some(project) = &ctx.paths.project else {
        return Check::healthy(NAME, "no project (not run inside one)");
    };
    let shown = tilde(ctx, project);
    let Some(git_dir) = git_dir(project) else {
        return Check::degraded(
            NAME,
            format!("{shown} is not a git work tree: gates see only files edited through Claude's tools (run `git init`)"),
        )
        .detail("path", shown);
    };
    let branch = branch(&git_dir);
    let mut check = Check::healthy(
        NAME,
        format!(
            "{shown} on {}",
            branch.as_deref().unwrap_or("a detached HEAD")
        ),
    )
    .detail("path", shown.clone())
    .detail("branch", branch.clone());
    for (marker, what) in [
        ("MERGE_HEAD", "a merge"),
        ("rebase-merge", "a rebase"),
        ("rebase-apply", "a rebase"),
    ] {
        if git_dir.join(marker).exists() {
            check = Check::degraded(
                NAME,
                format!("{shown} is in the middle of {what}: finish or abort it"),
            )
            .detail("path", shown.clone())
            .detail("branch", branch.clone());
        }
    }
    // The uncommitted changes are for a person at a terminal (and cost a `git status`).
    if probe.spawn && ctx.printer.terminal() {
        match crate::git::Git::new(project, ctx.deadline)
            .timeout(probe.settings.command_timeout)
            .status()
        {
            Ok(out) => {
                let count = out.lines().filter(|l| !l.trim().is_empty()).count();
                let _ = write!(
                    check.message,
                    ", {}",
                    crate::util::uncommitted_changes(count)
                );
                check = check.detail("uncommitted", count);
            }
            Err(e) => check = check.detail("uncommitted_error", e.to_string()),
        }
    }
    check
}

/// The git directory of the work tree at or above `start` (following a `.git` file).
pub fn git_dir(start: &Path) -> Option<PathBuf> {
    let mut dir = start.to_path_buf();
    loop {
        let dot_git = dir.join(".git");
        if dot_git.is_dir() {
            return Some(dot_git);
        }
        if dot_git.is_file() {
            let text = crate::util::read::text(&dot_git, GIT_FILE)?;
            let target = text.trim().strip_prefix("gitdir:")?.trim();
            return Some(dir.join(target));
        }
        if !dir.pop() {
            return None;
        }
    }
}

/// `.git` (a worktree's pointer) and `HEAD`: a few lines each.
const GIT_FILE: crate::util::read::Kind = crate::util::read::Kind::new("git file", 64 * 1024);

fn branch(git_dir: &Path) -> Option<String> {
    let head = crate::util::read::text(&git_dir.join("HEAD"), GIT_FILE)?;
    head.trim()
        .strip_prefix("ref: refs/heads/")
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_branch_and_worktree_files() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::write(repo.join(".git/HEAD"), "ref: refs/heads/feature/x\n").unwrap();
        std::fs::create_dir_all(repo.join("src/deep")).unwrap();
        let g = git_dir(&repo.join("src/deep")).unwrap();
        assert_eq!(branch(&g).as_deref(), Some("feature/x"));
        let wt = dir.path().join("wt");
        std::fs::create_dir_all(&wt).unwrap();
        std::fs::write(wt.join(".git"), "gitdir: ../repo/.git\n").unwrap();
        assert_eq!(branch(&git_dir(&wt).unwrap()).as_deref(), Some("feature/x"));
    }
}
