//! The one place that reads the process environment.
//!
//! Everything sfp reacts to in the environment is captured here once, at start-up, into [`Env`];
//! the rest of the code receives it by reference and never calls `std::env::var` itself. Tests
//! build an `Env` by hand instead of mutating the process environment.

use std::ffi::OsString;
use std::path::PathBuf;

/// A snapshot of the environment variables sfp understands.
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// `HOME`.
    pub home: Option<PathBuf>,
    /// `CLAUDE_CONFIG_DIR`: relocates the whole `~/.claude` tree.
    pub claude_config_dir: Option<PathBuf>,
    /// `SFP_HOME`: sfp's own state directory (default `<claude config dir>/sfp`).
    pub sfp_home: Option<PathBuf>,
    /// `CLAUDE_PROJECT_DIR`: the session's project root, set by Claude Code for hooks.
    pub project_dir: Option<PathBuf>,
    /// `CLAUDE_PLUGIN_ROOT`: the installed plugin directory, set by Claude Code for hooks.
    pub plugin_root: Option<PathBuf>,
    /// `SFP_BIN`: the binary the hook launcher runs instead of the plugin's `bin/sfp`.
    pub sfp_bin: Option<PathBuf>,
    /// `CLAUDE_CODE_SESSION_ID`: the session id, set by Claude Code for hooks.
    pub session_id: Option<String>,
    /// `SFP_LOG_LEVEL`: `error`, `warn`, `info` (default) or `debug`.
    pub log_level: Option<String>,
    /// `SFP_LOG_MAX_BYTES`: size at which the log rotates.
    pub log_max_bytes: Option<u64>,
    /// `SFP_LOG_BACKUPS`: rotated log files kept.
    pub log_backups: Option<u32>,
    /// `NO_COLOR` set to anything non-empty.
    pub no_color: bool,
    /// `SFP_SKIP`: comma-separated gate names to skip for this session.
    pub skip_gates: Vec<String>,
    /// `SFP_GATES=off` (or `0`, `false`): no gate runs.
    pub gates_off: bool,
    /// `CI` set to a true value.
    pub ci: bool,
    /// `PATH`, used to find tools without spawning a shell.
    pub path: Option<OsString>,
    /// Whether an API key variable is set (`ANTHROPIC_API_KEY`, `ANTHROPIC_AUTH_TOKEN`,
    /// `CLAUDE_CODE_OAUTH_TOKEN`) or a cloud provider is selected. Only presence is kept, never a value.
    pub api_key_source: Option<&'static str>,
    /// The plugin options (`userConfig` in `plugin.json`, set with `claude plugin configure`)
    /// that Claude Code exported as `CLAUDE_PLUGIN_OPTION_<KEY>`: each known key with its value.
    pub plugin_options: Vec<(&'static str, String)>,
}

/// The `userConfig` keys of `plugin.json` that sfp reads (see `config::options`).
pub const PLUGIN_OPTIONS: [&str; 4] = ["gates", "max_blocks", "tags_budget", "session_end_backup"];

const KEY_VARS: [&str; 5] = [
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "CLAUDE_CODE_OAUTH_TOKEN",
    "CLAUDE_CODE_USE_BEDROCK",
    "CLAUDE_CODE_USE_VERTEX",
];

impl Env {
    /// Reads the process environment.
    pub fn from_process() -> Self {
        Self::from_lookup(|key| std::env::var_os(key))
    }

    /// Builds an `Env` from any lookup function (tests use a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<OsString>) -> Self {
        let text = |key: &str| {
            get(key)
                .and_then(|v| v.into_string().ok())
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let path = |key: &str| get(key).filter(|v| !v.is_empty()).map(PathBuf::from);
        let truthy = |key: &str| {
            text(key).is_some_and(|v| {
                !matches!(
                    v.to_ascii_lowercase().as_str(),
                    "0" | "false" | "no" | "off"
                )
            })
        };
        Self {
            home: path("HOME"),
            claude_config_dir: path("CLAUDE_CONFIG_DIR"),
            sfp_home: path("SFP_HOME"),
            project_dir: path("CLAUDE_PROJECT_DIR"),
            plugin_root: path("CLAUDE_PLUGIN_ROOT"),
            sfp_bin: path("SFP_BIN"),
            session_id: text("CLAUDE_CODE_SESSION_ID"),
            log_level: text("SFP_LOG_LEVEL"),
            log_max_bytes: text("SFP_LOG_MAX_BYTES").and_then(|v| v.parse().ok()),
            log_backups: text("SFP_LOG_BACKUPS").and_then(|v| v.parse().ok()),
            no_color: text("NO_COLOR").is_some(),
            skip_gates: text("SFP_SKIP")
                .map(|v| {
                    v.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            gates_off: text("SFP_GATES").is_some_and(|v| {
                matches!(
                    v.to_ascii_lowercase().as_str(),
                    "off" | "0" | "false" | "no"
                )
            }),
            ci: truthy("CI"),
            path: get("PATH"),
            api_key_source: KEY_VARS.into_iter().find(|key| text(key).is_some()),
            plugin_options: PLUGIN_OPTIONS
                .into_iter()
                .filter_map(|key| {
                    let var = format!("CLAUDE_PLUGIN_OPTION_{}", key.to_ascii_uppercase());
                    text(&var).map(|v| (key, v))
                })
                .collect(),
        }
    }

    /// Finds an executable on `PATH` without spawning a process.
    pub fn which(&self, program: &str) -> Option<PathBuf> {
        use std::os::unix::fs::PermissionsExt;
        if program.contains('/') {
            let p = PathBuf::from(program);
            return p.is_file().then_some(p);
        }
        let path = self.path.as_ref()?;
        std::env::split_paths(path)
            .map(|dir| dir.join(program))
            .find(|candidate| {
                std::fs::metadata(candidate)
                    .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> Env {
        let map: HashMap<String, OsString> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), OsString::from(v)))
            .collect();
        Env::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn reads_skip_list_and_switches() {
        let e = env(&[
            ("SFP_SKIP", " lint, ,types "),
            ("SFP_GATES", "OFF"),
            ("CI", "true"),
        ]);
        assert_eq!(e.skip_gates, vec!["lint", "types"]);
        assert!(e.gates_off);
        assert!(e.ci);
        let e = env(&[("SFP_GATES", "on"), ("CI", "0")]);
        assert!(!e.gates_off);
        assert!(!e.ci);
    }

    #[test]
    fn keeps_only_presence_of_api_keys() {
        let e = env(&[("ANTHROPIC_API_KEY", "sk-secret")]);
        assert_eq!(e.api_key_source, Some("ANTHROPIC_API_KEY"));
        assert!(!format!("{e:?}").contains("sk-secret"));
        assert_eq!(env(&[("ANTHROPIC_API_KEY", "  ")]).api_key_source, None);
    }

    #[test]
    fn reads_the_known_plugin_options() {
        let e = env(&[
            ("CLAUDE_PLUGIN_OPTION_TAGS_BUDGET", " 1200 "),
            ("CLAUDE_PLUGIN_OPTION_GATES", "false"),
            ("CLAUDE_PLUGIN_OPTION_MAX_BLOCKS", ""),
            ("CLAUDE_PLUGIN_OPTION_SOMETHING_ELSE", "x"),
        ]);
        assert_eq!(
            e.plugin_options,
            vec![
                ("gates", "false".to_owned()),
                ("tags_budget", "1200".to_owned())
            ]
        );
    }

    #[test]
    fn empty_values_are_unset() {
        let e = env(&[("SFP_HOME", ""), ("SFP_LOG_MAX_BYTES", "x")]);
        assert!(e.sfp_home.is_none());
        assert!(e.log_max_bytes.is_none());
    }
}
