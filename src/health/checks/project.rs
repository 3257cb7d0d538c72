//! Project: a git work tree, its branch, and (when stdout is a terminal) how many changes are
//! uncommitted.
//! The hook path reads `.git` directly and starts no process.

use std::fmt::Write as _;

use super::{Probe, tilde};
use crate::git::{branch, git_dir};
use crate::health::Check;

const NAME: &str = "project";

pub(crate) fn check(probe: &Probe) -> Check {
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
