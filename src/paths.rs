//! Where things live: every file and directory sfp reads or writes is derived here from [`Env`].
//!
//! - the Claude config dir: `$CLAUDE_CONFIG_DIR`, else `~/.claude`;
//! - sfp's home: `$SFP_HOME`, else `<claude config dir>/sfp` (state, logs, backups, handoffs);
//! - the user's context dir: `<claude config dir>/.context`;
//! - the project root: the hook's `cwd` (or `--project`), then `$CLAUDE_PROJECT_DIR`, never the
//!   process's own working directory in hook mode;
//! - the plugin root: `$CLAUDE_PLUGIN_ROOT`, else the directory the binary was installed from,
//!   else where Claude Code installed the plugin (`plugins/installed_plugins.json`).

use std::path::{Path, PathBuf};

use crate::env::Env;

/// Resolved locations for one run of sfp.
#[derive(Debug, Clone)]
pub struct Paths {
    pub claude_dir: PathBuf,
    pub sfp_home: PathBuf,
    pub context_dir: PathBuf,
    pub plugin_root: Option<PathBuf>,
    pub project: Option<PathBuf>,
    /// Claude Code's global config: `$CLAUDE_CONFIG_DIR/.claude.json`, else `~/.claude.json`.
    pub claude_global_config: PathBuf,
    /// Where an administrator puts Claude Code's managed settings (`managed-settings.json` and
    /// `managed-settings.d/`): `/Library/Application Support/ClaudeCode` on macOS, else
    /// `/etc/claude-code`.
    pub managed_settings_dir: PathBuf,
}

impl Paths {
    /// Resolves every location. `project` is the hook's `cwd` or the `--project` flag.
    pub fn resolve(env: &Env, project: Option<&Path>) -> Self {
        let home = env.home.clone().unwrap_or_else(|| PathBuf::from("/"));
        let claude_dir = env
            .claude_config_dir
            .clone()
            .unwrap_or_else(|| home.join(".claude"));
        let sfp_home = env
            .sfp_home
            .clone()
            .unwrap_or_else(|| claude_dir.join("sfp"));
        let context_dir = claude_dir.join(".context");
        let plugin_root = env
            .plugin_root
            .clone()
            .filter(|p| p.join(".claude-plugin").is_dir())
            .or_else(|| plugin_root_from_exe(env.exe.as_deref()))
            .or_else(|| installed_plugin_root(&claude_dir));
        let project = project
            .filter(|p| p.is_dir())
            .map(Path::to_path_buf)
            .or_else(|| env.project_dir.clone().filter(|p| p.is_dir()))
            .map(|start| {
                // Canonical, so that one project has one name for its handoffs and state
                // however the session reached it (a symlink, `.`, `..`).
                let start = start.canonicalize().unwrap_or(start);
                project_root(&start, env.home.as_deref(), &sfp_home)
            });
        let claude_global_config = env
            .claude_config_dir
            .as_ref()
            .unwrap_or(&home)
            .join(".claude.json");
        let managed_settings_dir = PathBuf::from(match env.os {
            crate::env::Os::MacOs => "/Library/Application Support/ClaudeCode",
            crate::env::Os::Linux | crate::env::Os::Other => "/etc/claude-code",
        });
        Self {
            claude_dir,
            sfp_home,
            context_dir,
            plugin_root,
            project,
            claude_global_config,
            managed_settings_dir,
        }
    }

    pub fn logs_dir(&self) -> PathBuf {
        self.sfp_home.join("logs")
    }

    /// Where each session's state lives, one directory each ([`crate::session`]).
    pub fn sessions_dir(&self) -> PathBuf {
        self.sfp_home.join("sessions")
    }

    pub fn handoffs_dir(&self) -> PathBuf {
        self.sfp_home.join("handoffs")
    }

    pub fn backups_dir(&self) -> PathBuf {
        self.sfp_home.join("backups")
    }

    pub fn kpis_dir(&self) -> PathBuf {
        self.sfp_home.join("kpis")
    }

    /// `<plugin root>/config`, where the plugin's shipped config files live.
    pub fn plugin_config_dir(&self) -> Option<PathBuf> {
        self.plugin_root.as_ref().map(|r| r.join("config"))
    }

    /// `<project>/.claude/sfp`, where a project's committed and local config lives.
    pub fn project_config_dir(&self) -> Option<PathBuf> {
        self.project.as_ref().map(|p| p.join(".claude").join("sfp"))
    }
}

/// The project that `start` (a hook's `cwd`, which follows `cd`) lies in: the nearest directory
/// at or above it holding `.git` or `.claude/sfp`, else `start` itself. The walk stops below the
/// home directory (a dotfiles repository in `~` does not make every folder one project), and
/// sfp's own home is not a project's `.claude/sfp`.
pub(crate) fn project_root(start: &Path, home: Option<&Path>, sfp_home: &Path) -> PathBuf {
    for dir in start.ancestors() {
        if dir != start && Some(dir) == home {
            break;
        }
        let config = dir.join(".claude/sfp");
        if dir.join(".git").exists() || (config.is_dir() && config != sfp_home) {
            return dir.to_path_buf();
        }
    }
    start.to_path_buf()
}

/// The plugin root when the binary runs from `<root>/bin/sfp` (directly or through a symlink).
fn plugin_root_from_exe(exe: Option<&Path>) -> Option<PathBuf> {
    let exe = exe?.canonicalize().ok()?;
    let root = exe.parent()?.parent()?;
    root.join(".claude-plugin")
        .join("plugin.json")
        .is_file()
        .then(|| root.to_path_buf())
}

/// Where Claude Code installed the plugin (`installPath` of the first `sfp@…` entry of
/// `plugins/installed_plugins.json`), for an sfp that runs outside a hook and outside the plugin,
/// such as one installed with `cargo install` and run by Claude through the Bash tool.
fn installed_plugin_root(claude_dir: &Path) -> Option<PathBuf> {
    let file = claude_dir.join("plugins/installed_plugins.json");
    let bytes = crate::util::read::bytes(&file, crate::util::read::Kind::CLAUDE_STATE)?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let plugins = value.get("plugins")?.as_object()?;
    let mut ids: Vec<&String> = plugins.keys().filter(|k| k.starts_with("sfp@")).collect();
    ids.sort();
    ids.into_iter()
        .filter_map(|id| plugins[id.as_str()].as_array())
        .flatten()
        .filter_map(|entry| entry.get("installPath")?.as_str().map(PathBuf::from))
        .find(|root| root.join(".claude-plugin/plugin.json").is_file())
}

/// Makes an untrusted string (a session id, a project name) safe as one path component.
pub(crate) fn safe_component(raw: &str) -> String {
    let cleaned: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(96)
        .collect();
    match cleaned.trim_matches('.') {
        "" => "unknown".to_owned(),
        s => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_claude_config_dir() {
        let env = Env {
            home: Some("/h".into()),
            claude_config_dir: Some("/cfg".into()),
            ..Env::default()
        };
        let p = Paths::resolve(&env, None);
        assert_eq!(p.claude_dir, PathBuf::from("/cfg"));
        assert_eq!(p.sfp_home, PathBuf::from("/cfg/sfp"));
        assert_eq!(p.context_dir, PathBuf::from("/cfg/.context"));
        let env = Env {
            home: Some("/h".into()),
            sfp_home: Some("/s".into()),
            ..Env::default()
        };
        let p = Paths::resolve(&env, None);
        assert_eq!(p.claude_dir, PathBuf::from("/h/.claude"));
        assert_eq!(p.sfp_home, PathBuf::from("/s"));
    }

    #[test]
    fn project_root_is_the_enclosing_work_tree() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(repo.join("src/deep")).unwrap();
        let sfp_home = dir.path().join("home/.claude/sfp");
        assert_eq!(project_root(&repo.join("src/deep"), None, &sfp_home), repo);
        let loose = dir.path().join("loose");
        std::fs::create_dir_all(&loose).unwrap();
        assert_eq!(project_root(&loose, None, &sfp_home), loose);
        // Under a home that is itself a git repository (dotfiles) and holds ~/.claude/sfp, a
        // folder without markers is its own project, and ~ is still ~.
        let home = dir.path().join("home");
        std::fs::create_dir_all(home.join(".git")).unwrap();
        std::fs::create_dir_all(&sfp_home).unwrap();
        std::fs::create_dir_all(home.join("a/b")).unwrap();
        assert_eq!(
            project_root(&home.join("a/b"), Some(&home), &sfp_home),
            home.join("a/b")
        );
        assert_eq!(project_root(&home, Some(&home), &sfp_home), home);
        let env = Env {
            home: Some(home.clone()),
            ..Env::default()
        };
        assert_eq!(
            Paths::resolve(&env, Some(&home.join("a"))).project,
            Some(home.join("a"))
        );
        let env = Env::default();
        assert_eq!(
            Paths::resolve(&env, Some(&repo.join("src"))).project,
            Some(repo)
        );
    }

    #[test]
    fn the_installed_plugin_is_found_through_claude_codes_list() {
        let dir = tempfile::tempdir().unwrap();
        let claude = dir.path().join(".claude");
        let copy = claude.join("plugins/cache/sfp-local/sfp/0.1.0");
        std::fs::create_dir_all(copy.join(".claude-plugin")).unwrap();
        std::fs::write(copy.join(".claude-plugin/plugin.json"), "{}").unwrap();
        assert_eq!(installed_plugin_root(&claude), None);
        let list = serde_json::json!({"version": 2, "plugins": {
            "other@x": [{"installPath": "/nonexistent"}],
            "sfp@sfp-local": [{"scope": "user", "installPath": copy}]}});
        std::fs::write(
            claude.join("plugins/installed_plugins.json"),
            list.to_string(),
        )
        .unwrap();
        assert_eq!(installed_plugin_root(&claude), Some(copy));
    }

    #[test]
    fn session_ids_cannot_escape() {
        assert_eq!(safe_component("../../etc"), "_.._etc");
        assert_eq!(safe_component(".."), "unknown");
        assert_eq!(safe_component("a1d3ea29-a3bb"), "a1d3ea29-a3bb");
        assert_eq!(safe_component("a/b\\c d"), "a_b_c_d");
    }
}
