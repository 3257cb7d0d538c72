//! Which files changed, and which gates apply to them (their globs: [`super::matcher`]).

use std::path::Path;

use super::tiers::{Gate, Tier};
use crate::env::Env;
use crate::hook::Deadline;

/// The files a run looks at.
#[derive(Debug, Clone, Default)]
pub(super) struct FileSet {
    /// Every file of the project rather than the changed ones.
    pub all: bool,
    /// Relative to the project, existing files only, sorted.
    pub files: Vec<String>,
}

/// What to do with one gate.
#[derive(Debug, Clone)]
pub(super) enum Decision {
    /// Run it; `files` are the files of the set its patterns match.
    Run {
        files: Vec<String>,
    },
    Skip(String),
}

/// Decides for each gate of `tier` (in config order) whether it runs. `only` limits the run to
/// the named gates (`--gate`).
pub(super) fn plan<'a>(
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
pub(super) fn all_files(project: &Path, deadline: Deadline) -> Vec<String> {
    if let Some(files) = crate::git::Git::new(project, deadline).files() {
        return files;
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
