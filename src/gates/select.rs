//! Which files changed, and which gates apply to them (their globs: [`super::matcher`]).

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::tiers::{Gate, Tier};
use crate::env::Env;
use crate::hook::Deadline;

/// The files a run looks at.
#[derive(Debug, Clone, Default)]
pub struct FileSet {
    /// Every file of the project rather than the changed ones.
    pub all: bool,
    /// Relative to the project, existing files only, sorted.
    pub files: Vec<String>,
}

/// What to do with one gate.
#[derive(Debug, Clone)]
pub enum Decision {
    /// Run it; `files` are the files of the set its patterns match.
    Run {
        files: Vec<String>,
    },
    Skip(String),
}

/// Decides for each gate of `tier` (in config order) whether it runs. `only` limits the run to
/// the named gates (`--gate`).
pub fn plan<'a>(
    tier: &'a Tier,
    set: &FileSet,
    env: &Env,
    project: &Path,
    only: &[String],
) -> Vec<(&'a Gate, Decision)> {
    tier.gates
        .iter()
        .filter(|g| only.is_empty() || only.iter().any(|o| o == &g.name))
        .map(|gate| (gate, decide(gate, set, env, project)))
        .collect()
}

fn decide(gate: &Gate, set: &FileSet, env: &Env, project: &Path) -> Decision {
    if gate.disabled {
        return Decision::Skip(format!("disabled in {}", gate.source));
    }
    if env.skip_gates.iter().any(|s| s == &gate.name) {
        return Decision::Skip("skipped by SFP_SKIP or `sfp gates skip`".to_owned());
    }
    if !gate.when_exists.is_empty() && !gate.when_exists.iter().any(|p| project.join(p).exists()) {
        return Decision::Skip(format!("none of {} exists", gate.when_exists.join(", ")));
    }
    if let Some(missing) = gate.when_command.iter().find(|c| env.which(c).is_none()) {
        return Decision::Skip(format!("`{missing}` is not installed (not on PATH)"));
    }
    if let Err((pattern, why)) = gate.matcher.compile() {
        return Decision::Skip(format!("pattern `{pattern}` does not compile: {why}"));
    }
    let files: Vec<String> = set
        .files
        .iter()
        .filter(|f| gate.matcher.matches(f))
        .cloned()
        .collect();
    if files.is_empty() && !gate.matcher.is_unfiltered() {
        let which = if set.all { "file" } else { "changed file" };
        return Decision::Skip(format!(
            "no {which} matches {}",
            gate.matcher.patterns.join(", ")
        ));
    }
    Decision::Run { files }
}

/// The git work tree holding `dir` (the directory with `.git`), found without running git.
pub fn git_toplevel(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

const GIT_TIMEOUT: Duration = Duration::from_secs(10);

/// Paths `git status` reports as changed (modified, added, deleted, untracked), relative to the
/// project; `None` outside a git work tree, or when git does not answer by `deadline`.
pub fn git_changed(project: &Path, deadline: Deadline) -> Option<Vec<String>> {
    let top = git_toplevel(project)?;
    let prefix = project.strip_prefix(&top).ok()?.to_path_buf();
    let dir = project.to_string_lossy();
    let out = crate::process::stdout_of(
        "git",
        &[
            "--no-optional-locks",
            "-C",
            &dir,
            "status",
            "--porcelain",
            "-z",
            "--no-renames",
            "--untracked-files=all",
        ],
        deadline.cap(GIT_TIMEOUT),
    )
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

/// Directories a walk outside git leaves out (besides hidden ones).
const SKIP: &[&str] = &[
    "node_modules",
    "target",
    "venv",
    "__pycache__",
    "dist",
    "build",
];

/// Every file of the project: tracked and untracked-but-not-ignored in a git work tree, else a
/// walk that leaves out VCS, dependency and build directories. git is given until `deadline`.
pub fn all_files(project: &Path, deadline: Deadline) -> Vec<String> {
    if git_toplevel(project).is_some() {
        let dir = project.to_string_lossy();
        if let Ok(out) = crate::process::stdout_of(
            "git",
            &[
                "-C",
                &dir,
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ],
            deadline.cap(GIT_TIMEOUT),
        ) {
            let mut files: Vec<String> = out
                .split('\0')
                .filter(|f| !f.is_empty() && project.join(f).is_file())
                .map(str::to_owned)
                .collect();
            files.sort();
            files.dedup();
            return files;
        }
    }
    let mut files: Vec<String> = walkdir::WalkDir::new(project)
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            e.depth() == 0 || !(name.starts_with('.') || SKIP.contains(&name.as_ref()))
        })
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            e.path()
                .strip_prefix(project)
                .ok()
                .map(|p| p.to_string_lossy().into_owned())
        })
        .take(200_000)
        .collect();
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_status_lists_changes_relative_to_the_project() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let git = |args: &[&str]| {
            std::process::Command::new("git")
                .args(["-c", "user.email=t@t", "-c", "user.name=t"])
                .args(args)
                .current_dir(root)
                .output()
                .unwrap()
        };
        git(&["init", "-q"]);
        std::fs::create_dir_all(root.join("sub/pkg")).unwrap();
        std::fs::write(root.join("sub/pkg/a.py"), "x = 1\n").unwrap();
        std::fs::write(root.join("top.txt"), "t\n").unwrap();
        git(&["add", "."]);
        git(&["commit", "-qm", "init"]);
        assert_eq!(git_changed(&root.join("sub"), Deadline::NONE), Some(vec![]));
        std::fs::write(root.join("sub/pkg/a.py"), "x = 2\n").unwrap();
        std::fs::write(root.join("sub/new.py"), "y = 1\n").unwrap();
        std::fs::write(root.join("top.txt"), "u\n").unwrap();
        assert_eq!(
            git_changed(&root.join("sub"), Deadline::NONE),
            Some(vec!["new.py".to_owned(), "pkg/a.py".to_owned()])
        );
        assert_eq!(
            all_files(&root.join("sub"), Deadline::NONE),
            vec!["new.py", "pkg/a.py"]
        );
        assert_eq!(git_changed(Path::new("/"), Deadline::NONE), None);
    }
}
