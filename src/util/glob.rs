//! sfp's one pattern syntax, shared by the gates' `file_patterns` and `exclude`, `.gitignore`-style
//! ignore files (`.secretsignore` too) and `sfp restore --only`. Patterns are globs matched on
//! paths relative to their root:
//!
//! - a pattern without a `/` matches at any depth (`*.py` is every Python file);
//! - one with a `/` inside, or starting with `/`, is anchored at the root (`src/**/*.rs`,
//!   `/top.txt`);
//! - a trailing `/` means everything under that directory (`vendor/`), and a name without one
//!   also covers what lies under it, as in `.gitignore`;
//! - `*` never crosses a `/`; `**` does.

use globset::{Glob, GlobBuilder};

/// The globs one pattern stands for: `*.py` → `**/*.py`, `**/*.py/**`; `vendor/` → `**/vendor/**`;
/// `/top.txt` → `top.txt`, `top.txt/**`.
pub(crate) fn expand(raw: &str) -> Vec<String> {
    let p = raw.trim();
    let anchored = p.starts_with('/');
    let p = p.trim_start_matches('/');
    let (p, dir) = match p.strip_suffix('/') {
        Some(d) => (d.trim_end_matches('/'), true),
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
        vec![base.clone(), format!("{base}/**")]
    }
}

/// One expanded glob, compiled so that `*` stays within a path component.
pub(crate) fn compile(glob: &str) -> Result<Glob, globset::Error> {
    GlobBuilder::new(glob).literal_separator(true).build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_expand_by_the_gitignore_rule() {
        assert_eq!(expand("*.md"), ["**/*.md", "**/*.md/**"]);
        assert_eq!(expand("commands/"), ["**/commands/**"]);
        assert_eq!(expand("commands//"), ["**/commands/**"]);
        assert_eq!(expand("/top.json"), ["top.json", "top.json/**"]);
        assert_eq!(expand(" src/*.rs "), ["src/*.rs", "src/*.rs/**"]);
        assert_eq!(expand("**/x"), ["**/x", "**/x/**"]);
    }

    #[test]
    fn a_star_never_crosses_a_slash() {
        let star = compile("src/*.rs").unwrap().compile_matcher();
        assert!(star.is_match("src/a.rs") && !star.is_match("src/x/a.rs"));
        let deep = compile("src/**/*.rs").unwrap().compile_matcher();
        assert!(deep.is_match("src/x/y/a.rs"));
    }
}
