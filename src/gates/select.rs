//! Which files changed, and which gates apply to them.
//!
//! Patterns are globs matched on paths relative to the project. A pattern without a `/` matches
//! at any depth (`*.py` is every Python file); one with a `/` matches the whole relative path
//! (`src/**/*.rs`); a trailing `/` means everything under that directory (`vendor/`).

use std::path::Path;
use std::sync::OnceLock;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use super::config::{Gate, Tier};
use crate::env::Env;
use crate::hook::Deadline;

/// Include and exclude globs of one gate, compiled on first use (a run compiles only the globs
/// of gates that get as far as matching files).
#[derive(Debug, Clone)]
pub struct Matcher {
    pub patterns: Vec<String>,
    exclude: Vec<String>,
    compiled: OnceLock<Result<Compiled, (String, String)>>,
}

#[derive(Debug, Clone)]
struct Compiled {
    include: Option<GlobSet>,
    exclude: Option<GlobSet>,
}

impl Matcher {
    pub fn new(include: &[String], exclude: &[String]) -> Self {
        Self {
            patterns: include.to_vec(),
            exclude: exclude.to_vec(),
            compiled: OnceLock::new(),
        }
    }

    /// Compiles the globs; the error names the pattern that does not compile and why.
    pub fn compile(&self) -> Result<(), (String, String)> {
        self.compiled().as_ref().map(|_| ()).map_err(Clone::clone)
    }

    fn compiled(&self) -> &Result<Compiled, (String, String)> {
        self.compiled.get_or_init(|| {
            Ok(Compiled {
                include: build(&self.patterns)?,
                exclude: build(&self.exclude)?,
            })
        })
    }

    /// Whether the gate has no `file_patterns` (it applies to any change).
    pub fn is_unfiltered(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether `rel` is included and not excluded; nothing matches globs that do not compile.
    pub fn matches(&self, rel: &str) -> bool {
        let Ok(c) = self.compiled() else {
            return false;
        };
        let included = c.include.as_ref().is_none_or(|set| set.is_match(rel));
        included && !c.exclude.as_ref().is_some_and(|set| set.is_match(rel))
    }
}

fn build(patterns: &[String]) -> Result<Option<GlobSet>, (String, String)> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut set = GlobSetBuilder::new();
    for raw in patterns {
        for expanded in expand(raw) {
            let glob = GlobBuilder::new(&expanded)
                .literal_separator(true)
                .build()
                .map_err(|e| (raw.clone(), e.kind().to_string()))?;
            set.add(glob);
        }
    }
    set.build()
        .map(Some)
        .map_err(|e| (patterns.join(", "), e.to_string()))
}

/// `*.py` → `**/*.py`; `vendor/` → `vendor/**`; `/top.txt` → `top.txt`.
fn expand(raw: &str) -> Vec<String> {
    let p = raw.trim();
    let anchored = p.starts_with('/');
    let p = p.trim_start_matches('/');
    let (p, dir) = match p.strip_suffix('/') {
        Some(d) => (d, true),
        None => (p, false),
    };
    let base = if anchored || p.contains('/') || p.starts_with("**") {
        p.to_owned()
    } else {
        format!("**/{p}")
    };
    if dir {
        vec![format!("{base}/**")]
    } else {
        // A directory name also covers what is under it, as in .gitignore.
        vec![base.clone(), format!("{base}/**")]
    }
}

/// Reads a `.gitignore`-style file (comments, blank lines; `!` negations are not supported and
/// ignored) into a matcher; a missing file matches nothing.
pub fn ignore_file(path: &Path) -> Option<Matcher> {
    let text = crate::util::read::text(path, crate::util::read::Kind::IGNORE)?;
    let patterns: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('!'))
        .map(str::to_owned)
        .collect();
    let usable: Vec<String> = patterns
        .into_iter()
        .filter(|p| Matcher::new(std::slice::from_ref(p), &[]).compile().is_ok())
        .collect();
    (!usable.is_empty()).then(|| Matcher::new(&usable, &[]))
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn m(include: &[&str], exclude: &[&str]) -> Matcher {
        let s = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let m = Matcher::new(&s(include), &s(exclude));
        m.compile().unwrap();
        m
    }

    #[test]
    fn bare_patterns_match_at_any_depth() {
        let py = m(&["*.py"], &[]);
        assert!(py.matches("a.py") && py.matches("src/pkg/a.py"));
        assert!(!py.matches("a.pyc"));
        let src = m(&["src/*.rs"], &[]);
        assert!(src.matches("src/main.rs") && !src.matches("src/x/main.rs"));
        assert!(m(&["src/**/*.rs"], &[]).matches("src/x/y/main.rs"));
    }

    #[test]
    fn excludes_win_and_directories_cover_their_contents() {
        let js = m(&["*.js", "*.ts"], &["vendor/", "*.min.js"]);
        assert!(js.matches("app/x.ts"));
        assert!(!js.matches("vendor/lib/x.js"));
        assert!(!js.matches("app/x.min.js"));
        assert!(m(&["/top.txt"], &[]).matches("top.txt"));
        assert!(!m(&["/top.txt"], &[]).matches("a/top.txt"));
        assert!(m(&["node_modules"], &[]).matches("web/node_modules/x/y.js"));
    }

    #[test]
    fn bad_globs_name_the_pattern() {
        let m = Matcher::new(&["ok/*.rs".into(), "src/[a".into()], &[]);
        let err = m.compile().unwrap_err();
        assert!(!m.matches("ok/a.rs"));
        assert_eq!(err.0, "src/[a");
    }
}
