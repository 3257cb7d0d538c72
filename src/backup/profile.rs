//! What a backup holds: the `config` and `full` profiles as globs over the Claude config dir, the
//! user's extra include and exclude globs, and the paths that are never backed up (sfp's own
//! backups, caches, Claude Code's `backups/` and `sessions/`) or only on request (credentials).

use anyhow::Context as _;
use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use serde::{Deserialize, Serialize};

/// Which part of the Claude config dir a backup takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    /// Settings, context, commands, agents, skills, rules, hooks, plugin lists, todos, sfp's config.
    Config,
    /// `config` plus transcripts (`projects/`), `history.jsonl` and `file-history/`.
    Full,
    /// The files a restore was about to overwrite.
    PreRestore,
}

impl Profile {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Config => "config",
            Self::Full => "full",
            Self::PreRestore => "pre-restore",
        }
    }
}

/// The `config` profile, relative to the Claude config dir.
pub(super) const CONFIG_GLOBS: &[&str] = &[
    "settings*.json",
    "CLAUDE.md",
    ".context/**",
    "commands/**",
    "agents/**",
    "skills/**",
    "rules/**",
    "output-styles/**",
    "keybindings.json",
    "themes/**",
    "hooks/**",
    "plugins/*.json",
    "todos/**",
];

/// What `full` adds to `config`.
pub(super) const FULL_EXTRA_GLOBS: &[&str] = &["projects/**", "history.jsonl", "file-history/**"];

/// Credential files: left out unless `--include-credentials` is given.
pub(super) const CREDENTIAL_GLOBS: &[&str] = &[
    "**/.credentials.json",
    "**/credentials.json",
    "**/*.credentials.json",
    "**/.netrc",
    "**/*.pem",
    "**/*.key",
    "**/id_rsa",
    "**/id_ed25519",
    "**/.env",
];

/// Directory names never entered, at any depth: caches and Claude Code's own state.
const NEVER_DIR_NAMES: &[&str] = &["cache", ".cache", "node_modules", ".git"];

/// Top-level paths never backed up (relative to the Claude config dir).
const NEVER_PREFIXES: &[&str] = &[
    "backups",
    "sessions",
    "plugins/cache",
    "plugins/marketplaces",
    "shell-snapshots",
    "statsig",
    "debug",
    "session-env",
];

/// Compiled selection rules for one backup.
#[derive(Debug)]
pub(super) struct Rules {
    include: GlobSet,
    /// Patterns' first components, to decide which top-level directories to walk.
    roots: GlobSet,
    walk_everything: bool,
    exclude: GlobSet,
    credentials: GlobSet,
    pub include_credentials: bool,
}

fn glob(pattern: &str) -> anyhow::Result<Glob> {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .with_context(|| format!("invalid glob `{pattern}`"))
}

fn set<'a>(patterns: impl IntoIterator<Item = &'a str>) -> anyhow::Result<GlobSet> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        b.add(glob(p)?);
    }
    Ok(b.build()?)
}

impl Rules {
    /// The rules of `profile` plus the user's `include` and `exclude` globs.
    pub(super) fn new(
        profile: Profile,
        include: &[String],
        exclude: &[String],
        include_credentials: bool,
    ) -> anyhow::Result<Self> {
        let mut patterns: Vec<&str> = CONFIG_GLOBS.to_vec();
        if profile == Profile::Full {
            patterns.extend_from_slice(FULL_EXTRA_GLOBS);
        }
        patterns.extend(include.iter().map(String::as_str));
        if include_credentials {
            patterns.push(".credentials.json");
        }
        let firsts: Vec<&str> = patterns
            .iter()
            .map(|p| p.split('/').next().unwrap_or(p))
            .collect();
        Ok(Self {
            include: set(patterns.iter().copied())?,
            walk_everything: firsts.contains(&"**"),
            roots: set(firsts)?,
            exclude: set(exclude.iter().map(String::as_str))?,
            credentials: set(CREDENTIAL_GLOBS.iter().copied())?,
            include_credentials,
        })
    }

    /// Whether the walk should enter the top-level directory `name`.
    pub(super) fn walks_root(&self, name: &str) -> bool {
        !is_never(name) && (self.walk_everything || self.roots.is_match(name))
    }

    /// Whether the file `rel` is backed up, and if not, why.
    pub(super) fn verdict(&self, rel: &str) -> Verdict {
        if is_never(rel) {
            return Verdict::Never;
        }
        // Reported even outside the profile, so a listing shows it was left out on purpose.
        if !self.include_credentials && self.credentials.is_match(rel) {
            return Verdict::Credential;
        }
        if !self.include.is_match(rel) {
            return Verdict::NotInProfile;
        }
        if self.exclude.is_match(rel) {
            return Verdict::Excluded;
        }
        Verdict::Included
    }
}

/// What the rules say about one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    Included,
    NotInProfile,
    Excluded,
    Credential,
    Never,
}

/// Paths that no profile, include glob or flag ever backs up.
pub(super) fn is_never(rel: &str) -> bool {
    if NEVER_PREFIXES
        .iter()
        .any(|p| rel == *p || rel.strip_prefix(p).is_some_and(|r| r.starts_with('/')))
    {
        return true;
    }
    let mut parts = rel.split('/').peekable();
    while let Some(part) = parts.next() {
        let is_dir = parts.peek().is_some();
        if part.starts_with(".sfp-tmp-") || part.starts_with(".sfp-restore-") {
            return true;
        }
        if is_dir && (NEVER_DIR_NAMES.contains(&part) || part.ends_with("-cache")) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(profile: Profile) -> Rules {
        Rules::new(profile, &[], &[], false).unwrap()
    }

    #[test]
    fn config_profile_takes_settings_not_transcripts() {
        let r = rules(Profile::Config);
        for yes in [
            "settings.json",
            "settings.local.json",
            "CLAUDE.md",
            ".context/identity.md",
            "commands/a/b.md",
            "plugins/installed_plugins.json",
            "todos/x.json",
        ] {
            assert_eq!(r.verdict(yes), Verdict::Included, "{yes}");
        }
        for no in [
            "projects/p/s.jsonl",
            "history.jsonl",
            "plugins/cache/x.json",
            "plugins/marketplaces/m/plugin.json",
            "random.txt",
        ] {
            assert_ne!(r.verdict(no), Verdict::Included, "{no}");
        }
        assert!(!r.walks_root("projects"));
        assert!(r.walks_root("todos"));
    }

    #[test]
    fn full_profile_adds_transcripts_and_history() {
        let r = rules(Profile::Full);
        assert_eq!(r.verdict("projects/p/s.jsonl"), Verdict::Included);
        assert_eq!(r.verdict("history.jsonl"), Verdict::Included);
        assert_eq!(r.verdict("file-history/s/1"), Verdict::Included);
        assert_eq!(r.verdict("sessions/1.json"), Verdict::Never);
        assert_eq!(r.verdict("backups/.claude.json.1"), Verdict::Never);
    }

    #[test]
    fn credentials_only_when_asked() {
        let inc = vec!["**".to_owned()];
        let r = Rules::new(Profile::Config, &inc, &[], false).unwrap();
        assert_eq!(r.verdict(".credentials.json"), Verdict::Credential);
        assert_eq!(r.verdict("agents/.env"), Verdict::Credential);
        let r = Rules::new(Profile::Config, &[], &[], true).unwrap();
        assert_eq!(r.verdict(".credentials.json"), Verdict::Included);
    }

    #[test]
    fn excludes_and_never_win_over_includes() {
        let inc = vec!["**".to_owned()];
        let exc = vec!["skills/big/**".to_owned()];
        let r = Rules::new(Profile::Config, &inc, &exc, true).unwrap();
        assert_eq!(r.verdict("skills/big/x.bin"), Verdict::Excluded);
        assert_eq!(r.verdict("skills/small/x.md"), Verdict::Included);
        assert_eq!(r.verdict("foo/cache/x"), Verdict::Never);
        assert_eq!(r.verdict("paste-cache/x"), Verdict::Never);
        assert_eq!(r.verdict("sessions"), Verdict::Never);
        assert!(r.walks_root("anything"));
        assert!(!r.walks_root("backups"));
    }

    #[test]
    fn bad_globs_are_reported() {
        let err = Rules::new(Profile::Config, &["a/[".to_owned()], &[], false).unwrap_err();
        assert!(err.to_string().contains("invalid glob `a/[`"), "{err}");
    }
}
