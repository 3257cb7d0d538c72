//! Walking the Claude config dir (and sfp's own config files) to pick the files of a backup.
//!
//! Only top-level directories some glob can match are entered; caches and Claude Code's own
//! state are pruned; symlinks are never followed — they are recorded as skipped, as are sockets,
//! FIFOs and devices. The result is sorted by path so archives are reproducible.

use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::profile::{Rules, Verdict};

/// A file picked for a backup.
#[derive(Debug, Clone)]
pub(super) struct Selected {
    /// The path inside the archive, `/`-separated and relative.
    pub rel: String,
    pub abs: PathBuf,
}

/// A path the walk met but did not back up, and why (recorded in metadata.json).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

/// The archive prefix of sfp's config files when `$SFP_HOME` lies outside the Claude config dir.
pub(super) const SFP_HOME_PREFIX: &str = ".sfp-home";

/// Everything a walk found.
#[derive(Debug, Default)]
pub(super) struct Selection {
    pub files: Vec<Selected>,
    pub skipped: Vec<Skipped>,
}

/// Picks the files under `claude_dir` that `rules` take, plus `*.yaml` at the top of `sfp_home`.
pub(super) fn select(
    claude_dir: &Path,
    sfp_home: &Path,
    rules: &Rules,
) -> anyhow::Result<Selection> {
    let mut out = Selection::default();
    let sfp_rel = sfp_home
        .strip_prefix(claude_dir)
        .ok()
        .and_then(Path::to_str)
        .map(|s| s.trim_end_matches('/').to_owned())
        .filter(|s| !s.is_empty());
    let top = match std::fs::read_dir(claude_dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            select_sfp_config(sfp_home, sfp_rel.as_deref(), &mut out);
            return Ok(out);
        }
        Err(e) => {
            return Err(
                anyhow::Error::new(e).context(format!("cannot read {}", claude_dir.display()))
            );
        }
    };
    let mut names: Vec<String> = top
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    for name in names {
        // sfp's home inside the Claude dir: only its top-level *.yaml, handled below.
        if sfp_rel
            .as_deref()
            .is_some_and(|s| s == name || s.starts_with(&format!("{name}/")))
        {
            continue;
        }
        let abs = claude_dir.join(&name);
        let Ok(meta) = std::fs::symlink_metadata(&abs) else {
            continue;
        };
        if meta.is_dir() {
            if rules.walks_root(&name) {
                walk_dir(&abs, &name, rules, sfp_rel.as_deref(), &mut out);
            }
        } else if meta.file_type().is_symlink()
            && rules.walks_root(&name)
            && std::fs::metadata(&abs).is_ok_and(|m| m.is_dir())
        {
            // A directory kept elsewhere (a dotfiles checkout): say so rather than drop it silently.
            let target =
                std::fs::read_link(&abs).map_or_else(|_| "?".into(), |t| t.display().to_string());
            out.skipped.push(Skipped {
                path: name,
                reason: format!("symlink to directory {target} (not followed)"),
            });
        } else {
            consider(abs, name, &meta, rules, &mut out);
        }
    }
    select_sfp_config(sfp_home, sfp_rel.as_deref(), &mut out);
    out.files.sort_by(|a, b| a.rel.cmp(&b.rel));
    out.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn walk_dir(abs: &Path, rel: &str, rules: &Rules, sfp_rel: Option<&str>, out: &mut Selection) {
    let walker = walkdir::WalkDir::new(abs)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            if e.depth() == 0 || !e.file_type().is_dir() {
                return true;
            }
            let r = rel_of(abs, rel, e.path());
            !super::profile::is_never(&r) && sfp_rel.is_none_or(|s| r != s)
        });
    for entry in walker {
        let Ok(entry) = entry else { continue };
        if entry.file_type().is_dir() {
            continue;
        }
        let r = rel_of(abs, rel, entry.path());
        let Ok(meta) = entry.metadata() else { continue };
        consider(entry.into_path(), r, &meta, rules, out);
    }
}

fn rel_of(base_abs: &Path, base_rel: &str, path: &Path) -> String {
    match path.strip_prefix(base_abs) {
        Ok(rest) if rest.as_os_str().is_empty() => base_rel.to_owned(),
        Ok(rest) => format!("{base_rel}/{}", rest.to_string_lossy()),
        Err(_) => path.to_string_lossy().into_owned(),
    }
}

fn consider(
    abs: PathBuf,
    rel: String,
    meta: &std::fs::Metadata,
    rules: &Rules,
    out: &mut Selection,
) {
    let verdict = rules.verdict(&rel);
    if verdict != Verdict::Included {
        if verdict == Verdict::Credential {
            out.skipped.push(Skipped {
                path: rel,
                reason: "credential file (use --include-credentials)".into(),
            });
        }
        return;
    }
    if abs.to_str().is_none() {
        out.skipped.push(Skipped {
            path: rel,
            reason: "name is not valid UTF-8".into(),
        });
        return;
    }
    let ft = meta.file_type();
    if ft.is_symlink() {
        let target =
            std::fs::read_link(&abs).map_or_else(|_| "?".into(), |t| t.display().to_string());
        out.skipped.push(Skipped {
            path: rel,
            reason: format!("symlink to {target} (not followed)"),
        });
    } else if !ft.is_file() {
        out.skipped.push(Skipped {
            path: rel,
            reason: format!("not a regular file (mode {:o})", meta.mode()),
        });
    } else {
        out.files.push(Selected { rel, abs });
    }
}

fn select_sfp_config(sfp_home: &Path, sfp_rel: Option<&str>, out: &mut Selection) {
    let Ok(rd) = std::fs::read_dir(sfp_home) else {
        return;
    };
    let prefix = sfp_rel.unwrap_or(SFP_HOME_PREFIX);
    for entry in rd.filter_map(Result::ok) {
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let Ok(meta) = entry.metadata() else { continue };
        if meta.is_file()
            && Path::new(&name)
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
        {
            out.files.push(Selected {
                rel: format!("{prefix}/{name}"),
                abs: entry.path(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup::profile::Profile;

    fn touch(root: &Path, rel: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, rel).unwrap();
    }

    #[test]
    fn picks_profile_files_and_skips_links_caches_and_credentials() {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path();
        for rel in [
            "settings.json",
            ".credentials.json",
            "CLAUDE.md",
            "commands/x.md",
            "projects/p/s.jsonl",
            "plugins/installed_plugins.json",
            "plugins/cache/p/plugin.json",
            "sessions/1.json",
            "backups/a",
            "sfp/sfp.yaml",
            "sfp/backups/x/metadata.json",
            "sfp/logs/sfp.log",
        ] {
            touch(c, rel);
        }
        std::os::unix::fs::symlink("/etc/passwd", c.join("commands/evil.md")).unwrap();
        std::fs::create_dir_all(dir.path().join("dotfiles/agents")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("dotfiles/agents"), c.join("agents")).unwrap();
        let rules = Rules::new(Profile::Config, &[], &[], false).unwrap();
        let sel = select(c, &c.join("sfp"), &rules).unwrap();
        let rels: Vec<&str> = sel.files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(
            rels,
            [
                "CLAUDE.md",
                "commands/x.md",
                "plugins/installed_plugins.json",
                "settings.json",
                "sfp/sfp.yaml"
            ]
        );
        let skipped: Vec<&str> = sel.skipped.iter().map(|s| s.path.as_str()).collect();
        assert_eq!(skipped, [".credentials.json", "agents", "commands/evil.md"]);
        assert!(sel.skipped[1].reason.contains("symlink to directory"));
        assert!(sel.skipped[2].reason.contains("symlink to /etc/passwd"));
    }

    #[test]
    fn sfp_home_outside_the_claude_dir_gets_a_prefix() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), "claude/settings.json");
        touch(dir.path(), "state/sfp.yaml");
        let rules = Rules::new(Profile::Full, &[], &[], false).unwrap();
        let sel = select(
            &dir.path().join("claude"),
            &dir.path().join("state"),
            &rules,
        )
        .unwrap();
        let rels: Vec<&str> = sel.files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(rels, [".sfp-home/sfp.yaml", "settings.json"]);
    }
}
