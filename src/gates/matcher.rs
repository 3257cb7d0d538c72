//! A gate's globs, matched on paths relative to the project, in sfp's one pattern syntax
//! ([`crate::util::glob`]).

use std::path::Path;
use std::sync::OnceLock;

use globset::{GlobSet, GlobSetBuilder};

use crate::util::glob;

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
        for expanded in glob::expand(raw) {
            let glob = glob::compile(&expanded).map_err(|e| (raw.clone(), e.kind().to_string()))?;
            set.add(glob);
        }
    }
    set.build()
        .map(Some)
        .map_err(|e| (patterns.join(", "), e.to_string()))
}

/// Reads a `.gitignore`-style file (comments, blank lines; `!` negations are not supported and
/// ignored) into a matcher; a missing file matches nothing.
pub(crate) fn ignore_file(path: &Path) -> Option<Matcher> {
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
