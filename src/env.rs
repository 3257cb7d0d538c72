//! The one place that reads the process environment.
//!
//! Everything sfp reacts to in the environment is captured here once, at start-up, into [`Env`]:
//! the variables, the command line, the current directory, the running binary and the temporary
//! directory. The rest of the code receives it by reference and never calls `std::env` itself
//! (`clippy.toml` disallows it everywhere else). Tests build an `Env` by hand instead of mutating
//! the process environment.

#![allow(
    clippy::disallowed_methods,
    reason = "the one module that reads the process environment"
)]

use std::ffi::OsString;
use std::path::{Path, PathBuf};

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
    /// `PATH`, used to find tools without spawning a shell.
    pub path: Option<OsString>,
    /// The first variable that logs Claude Code in: a key or token ([`AUTH_KEY_VARS`], set to
    /// anything) or a cloud provider switched on ([`AUTH_PROVIDER_VARS`], set to a true value).
    /// Only the variable's name is kept, never its value.
    pub auth_var: Option<&'static str>,
    /// The operating system (`std::env::consts::OS` of the build), a value so that a test can
    /// stand for another one: on macOS Claude Code keeps its login in the Keychain.
    pub os: Os,
    /// The plugin options (`userConfig` in `plugin.json`, set with `claude plugin configure`)
    /// that Claude Code exported as `CLAUDE_PLUGIN_OPTION_<KEY>`: each known key with its value.
    pub plugin_options: Vec<(&'static str, String)>,
    /// The command line, the program name first (empty in an `Env` built by hand).
    pub args: Vec<OsString>,
    /// The current directory, when it still exists.
    pub cwd: Option<PathBuf>,
    /// The running binary (`std::env::current_exe`), as the system names it.
    pub exe: Option<PathBuf>,
    /// The directory for temporary files (`TMPDIR`, else the system's; empty in an `Env` built
    /// by hand).
    pub temp_dir: PathBuf,
}

/// The `userConfig` keys of `plugin.json` that sfp reads (see `config::options`).
pub(crate) const PLUGIN_OPTIONS: [&str; 4] =
    ["gates", "max_blocks", "tags_budget", "session_end_backup"];

/// The operating systems whose differences sfp knows about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::enum_variant_names, reason = "macOS is the platform's name")]
pub enum Os {
    Linux,
    MacOs,
    Other,
}

impl Os {
    /// The system this binary was built for.
    pub fn current() -> Self {
        match std::env::consts::OS {
            "linux" => Self::Linux,
            "macos" => Self::MacOs,
            _ => Self::Other,
        }
    }
}

impl Default for Os {
    fn default() -> Self {
        Self::current()
    }
}

/// Variables whose value is a credential Claude Code uses (an API key, a bearer token, an OAuth
/// token from `claude setup-token`, or a file descriptor to read one of them from).
pub(crate) const AUTH_KEY_VARS: [&str; 5] = [
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "CLAUDE_CODE_OAUTH_TOKEN",
    "CLAUDE_CODE_OAUTH_TOKEN_FILE_DESCRIPTOR",
    "CLAUDE_CODE_API_KEY_FILE_DESCRIPTOR",
];

/// Variables that switch Claude Code to a cloud provider, which brings its own login (Amazon
/// Bedrock, Google Vertex AI, Microsoft Foundry).
pub(crate) const AUTH_PROVIDER_VARS: [&str; 3] = [
    "CLAUDE_CODE_USE_BEDROCK",
    "CLAUDE_CODE_USE_VERTEX",
    "CLAUDE_CODE_USE_FOUNDRY",
];

/// The home directory of the user running sfp, from the passwd entry (`getpwuid_r`, as std does
/// when `HOME` is unset); `None` when there is no entry or it names no absolute directory.
fn passwd_home() -> Option<PathBuf> {
    // With HOME unset (checked by the caller) std reads the passwd entry of the real uid.
    #[allow(
        deprecated,
        reason = "home_dir is exact on Unix, which is all sfp runs on"
    )]
    let home = std::env::home_dir()?;
    (home.is_absolute() && home != Path::new("/")).then_some(home)
}

/// Whether a variable's value switches something on: set, and not `0`, `false`, `no` or `off`.
pub(crate) fn is_truthy(value: &str) -> bool {
    let value = value.trim();
    !value.is_empty()
        && !matches!(
            value.to_ascii_lowercase().as_str(),
            "0" | "false" | "no" | "off"
        )
}

impl Env {
    /// Reads the process environment. An unset (or empty) `HOME` falls back to the user's
    /// passwd entry; when there is none either, `home` stays `None` and hooks do nothing.
    pub fn from_process() -> Self {
        let mut env = Self::from_lookup(|key| std::env::var_os(key));
        if env.home.is_none() {
            env.home = passwd_home();
        }
        env.args = std::env::args_os().collect();
        env.cwd = std::env::current_dir().ok();
        env.exe = std::env::current_exe().ok();
        env.temp_dir = std::env::temp_dir();
        env
    }

    /// Whether sfp knows where the user's files are: a home directory, or `CLAUDE_CONFIG_DIR`
    /// and `SFP_HOME` set both. Without, every path would hang off `/`.
    pub fn has_home(&self) -> bool {
        self.home.is_some() || (self.claude_config_dir.is_some() && self.sfp_home.is_some())
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
        let truthy = |key: &str| text(key).is_some_and(|v| is_truthy(&v));
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
            path: get("PATH"),
            auth_var: AUTH_KEY_VARS
                .into_iter()
                .find(|key| text(key).is_some())
                .or_else(|| AUTH_PROVIDER_VARS.into_iter().find(|key| truthy(key))),
            os: Os::current(),
            plugin_options: PLUGIN_OPTIONS
                .into_iter()
                .filter_map(|key| {
                    let var = format!("CLAUDE_PLUGIN_OPTION_{}", key.to_ascii_uppercase());
                    text(&var).map(|v| (key, v))
                })
                .collect(),
            args: Vec::new(),
            cwd: None,
            exe: None,
            temp_dir: PathBuf::new(),
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
    fn a_home_is_known_from_home_or_from_both_overrides() {
        assert!(!env(&[]).has_home());
        assert!(!env(&[("HOME", "")]).has_home());
        assert!(env(&[("HOME", "/home/me")]).has_home());
        assert!(!env(&[("CLAUDE_CONFIG_DIR", "/c")]).has_home());
        assert!(env(&[("CLAUDE_CONFIG_DIR", "/c"), ("SFP_HOME", "/s")]).has_home());
    }

    #[test]
    fn the_passwd_home_is_the_entry_of_the_current_user() {
        // `getent passwd <uid>`: the sixth field is the home directory.
        let uid = std::process::Command::new("id").arg("-u").output().unwrap();
        let uid = String::from_utf8(uid.stdout).unwrap();
        let entry = std::process::Command::new("getent")
            .args(["passwd", uid.trim()])
            .output()
            .unwrap();
        let line = String::from_utf8(entry.stdout).unwrap();
        let home = line.trim().split(':').nth(5).map(PathBuf::from);
        let want = home.filter(|h| h.is_absolute() && h != Path::new("/"));
        // std reads HOME first: the entry is what it falls back to, so compare with HOME only
        // when HOME names the same directory or is unset.
        if std::env::var_os("HOME").is_none_or(|h| Some(PathBuf::from(h)) == want) {
            assert_eq!(passwd_home(), want);
        } else {
            assert!(passwd_home().is_some());
        }
    }

    #[test]
    fn reads_skip_list_and_switches() {
        let e = env(&[("SFP_SKIP", " lint, ,types "), ("SFP_GATES", "OFF")]);
        assert_eq!(e.skip_gates, vec!["lint", "types"]);
        assert!(e.gates_off);
        let e = env(&[("SFP_GATES", "on")]);
        assert!(!e.gates_off);
    }

    #[test]
    fn keeps_only_the_name_of_an_auth_variable() {
        let e = env(&[("ANTHROPIC_API_KEY", "sk-secret")]);
        assert_eq!(e.auth_var, Some("ANTHROPIC_API_KEY"));
        assert!(!format!("{e:?}").contains("sk-secret"));
        assert_eq!(env(&[("ANTHROPIC_API_KEY", "  ")]).auth_var, None);
        for key in AUTH_KEY_VARS {
            assert_eq!(env(&[(key, "x")]).auth_var, Some(key));
        }
        for key in AUTH_PROVIDER_VARS {
            assert_eq!(env(&[(key, "1")]).auth_var, Some(key));
            assert_eq!(env(&[(key, "0")]).auth_var, None, "{key}=0 is off");
        }
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
    fn the_process_is_read_once_with_its_command_line_and_directories() {
        let env = Env::from_process();
        assert_eq!(env.args, std::env::args_os().collect::<Vec<_>>());
        assert_eq!(env.cwd, std::env::current_dir().ok());
        assert_eq!(env.exe, std::env::current_exe().ok());
        assert_eq!(env.temp_dir, std::env::temp_dir());
        assert_eq!(env.path, std::env::var_os("PATH"));
        let by_hand = Env::default();
        assert!(by_hand.args.is_empty() && by_hand.cwd.is_none() && by_hand.exe.is_none());
    }

    #[test]
    fn empty_values_are_unset() {
        let e = env(&[("SFP_HOME", ""), ("SFP_LOG_MAX_BYTES", "x")]);
        assert!(e.sfp_home.is_none());
        assert!(e.log_max_bytes.is_none());
    }
}
