//! Every git command sfp runs. Each is bounded twice: by the caller's [`Deadline`] (a hook's, or
//! none in a terminal) and by a timeout of its own (the configured one, else [`TIMEOUT`]),
//! whichever comes first; a call with no time left runs nothing. Each runs as
//! `git --no-optional-locks -C <dir> …`, so that sfp never takes the index lock the user's own
//! git may be waiting for. What the output means is the caller's business. Finding the work
//! tree, its git directory and its branch reads `.git` and runs nothing (the hook path's way).

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::hook::Deadline;

/// How long one git call may take when the caller configures no timeout of its own.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(10);

/// The git work tree holding `dir` (the directory with `.git`), found without running git.
pub(crate) fn toplevel(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

/// The git directory of the work tree at or above `start` (following a `.git` file).
pub(crate) fn git_dir(start: &Path) -> Option<PathBuf> {
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

/// The branch `HEAD` names in `git_dir`; `None` for a detached HEAD.
pub(crate) fn branch(git_dir: &Path) -> Option<String> {
    let head = crate::util::read::text(&git_dir.join("HEAD"), GIT_FILE)?;
    head.trim()
        .strip_prefix("ref: refs/heads/")
        .map(str::to_owned)
}

/// git, run in one directory within one deadline and timeout.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Git<'a> {
    dir: &'a Path,
    deadline: Deadline,
    timeout: Duration,
}

impl<'a> Git<'a> {
    /// git in `dir`, each call given until `deadline` and at most [`TIMEOUT`].
    pub(crate) fn new(dir: &'a Path, deadline: Deadline) -> Self {
        Self {
            dir,
            deadline,
            timeout: TIMEOUT,
        }
    }

    /// The same, each call given at most `timeout` (still within the deadline).
    #[must_use]
    pub(crate) fn timeout(self, timeout: Duration) -> Self {
        Self { timeout, ..self }
    }

    /// Runs `git --no-optional-locks -C <dir> args…`: its stdout when it exits 0 in time.
    fn run(&self, args: &[&str]) -> anyhow::Result<String> {
        let dir = self.dir.to_string_lossy();
        let mut all = vec!["--no-optional-locks", "-C", &dir];
        all.extend_from_slice(args);
        crate::process::stdout_of("git", &all, self.deadline.cap(self.timeout))
    }

    /// Paths `git status` reports as changed (modified, added, deleted, untracked), relative to
    /// the directory; `None` outside a git work tree, or when git does not answer in time.
    pub(crate) fn changed(&self) -> Option<Vec<String>> {
        let top = toplevel(self.dir)?;
        let prefix = self.dir.strip_prefix(&top).ok()?.to_path_buf();
        let out = self
            .run(&[
                "status",
                "--porcelain",
                "-z",
                "--no-renames",
                "--untracked-files=all",
            ])
            .ok()?;
        let mut files: Vec<String> = out
            .split('\0')
            .filter(|e| e.len() > 3)
            .filter_map(|e| {
                let from_top = Path::new(&e[3..]);
                let rel = from_top.strip_prefix(&prefix).ok()?;
                Some(rel.to_string_lossy().into_owned())
            })
            .collect();
        files.sort();
        files.dedup();
        Some(files)
    }

    /// The files git knows under the directory, tracked and untracked-but-not-ignored, relative
    /// to it, sorted; `None` outside a git work tree, or when git does not answer in time.
    pub(crate) fn files(&self) -> Option<Vec<String>> {
        toplevel(self.dir)?;
        let out = self
            .run(&[
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ])
            .ok()?;
        let mut files: Vec<String> = out
            .split('\0')
            .filter(|f| !f.is_empty() && self.dir.join(f).is_file())
            .map(str::to_owned)
            .collect();
        files.sort();
        files.dedup();
        Some(files)
    }

    /// `git diff -U0 HEAD` of `files` (relative to the directory), unquoted paths, no renames,
    /// colours or external diff drivers.
    pub(crate) fn diff_head_lines(&self, files: &[String]) -> anyhow::Result<String> {
        let mut args: Vec<&str> = vec![
            "-c",
            "core.quotePath=false",
            "diff",
            "--no-color",
            "--no-ext-diff",
            "--no-renames",
            "-U0",
            "--relative",
            "HEAD",
            "--",
        ];
        args.extend(files.iter().map(String::as_str));
        self.run(&args)
    }

    /// `git status --porcelain`: one line per uncommitted change.
    pub(crate) fn status(&self) -> anyhow::Result<String> {
        self.run(&["status", "--porcelain"])
    }

    /// `git status --short --branch`: the branch header, then one line per change.
    pub(crate) fn status_with_branch(&self) -> anyhow::Result<String> {
        self.run(&["status", "--short", "--branch"])
    }

    /// `git diff --stat HEAD` (an error in a repository without commits).
    pub(crate) fn diff_stat(&self) -> anyhow::Result<String> {
        self.run(&["diff", "--stat", "HEAD"])
    }
}

/// Runs git in `dir` for a test's fixture (a fixed identity, no deadline), asserting it succeeds.
#[cfg(test)]
pub(crate) fn fixture(dir: &Path, args: &[&str]) {
    let ok = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@t")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@t")
        .status()
        .unwrap()
        .success();
    assert!(ok, "git {args:?}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lists_changes_relative_to_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fixture(root, &["init", "-q"]);
        std::fs::create_dir_all(root.join("sub/pkg")).unwrap();
        std::fs::write(root.join("sub/pkg/a.py"), "x = 1\n").unwrap();
        std::fs::write(root.join("top.txt"), "t\n").unwrap();
        fixture(root, &["add", "."]);
        fixture(root, &["commit", "-qm", "init"]);
        let sub = root.join("sub");
        let git = Git::new(&sub, Deadline::NONE);
        assert_eq!(git.changed(), Some(vec![]));
        std::fs::write(root.join("sub/pkg/a.py"), "x = 2\n").unwrap();
        std::fs::write(root.join("sub/new.py"), "y = 1\n").unwrap();
        std::fs::write(root.join("top.txt"), "u\n").unwrap();
        assert_eq!(
            git.changed(),
            Some(vec!["new.py".to_owned(), "pkg/a.py".to_owned()])
        );
        assert_eq!(
            git.files(),
            Some(vec!["new.py".to_owned(), "pkg/a.py".to_owned()])
        );
        assert_eq!(git.status().unwrap().lines().count(), 3);
        assert_eq!(Git::new(Path::new("/"), Deadline::NONE).changed(), None);
        assert_eq!(Git::new(Path::new("/"), Deadline::NONE).files(), None);
    }

    #[test]
    fn no_time_left_runs_nothing() {
        let dir = tempfile::tempdir().unwrap();
        fixture(dir.path(), &["init", "-q"]);
        let git = Git::new(dir.path(), Deadline::NONE).timeout(Duration::ZERO);
        let err = git.status().unwrap_err();
        assert!(err.to_string().contains("no time left"), "{err}");
        assert_eq!(git.changed(), None);
    }

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
