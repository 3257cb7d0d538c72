//! Claude Code: the `claude` CLI and its version (terminal only: the hook path starts no process),
//! and whether Claude Code has a login, by every way it can have one: a key, token or cloud
//! provider variable, the credentials file, an `apiKeyHelper` (or such a variable in `env`) in
//! any settings layer, a key saved by `/login` in the global config, or, on macOS, the Keychain
//! (which also holds what `/login` saves there).
//! Only presence is read, never a credential itself.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{Probe, tilde};
use crate::app::Ctx;
use crate::env::{AUTH_KEY_VARS, AUTH_PROVIDER_VARS, Os, is_truthy};
use crate::health::Check;

const NAME: &str = "claude";

/// Largest settings file read (Claude Code's own are a few KiB).
const MAX_SETTINGS_BYTES: u64 = 1024 * 1024;
/// Largest global config read (it keeps per-project history and grows).
const MAX_GLOBAL_CONFIG_BYTES: u64 = 16 * 1024 * 1024;
/// Most files read from `managed-settings.d/`.
const MAX_DROP_INS: usize = 64;

/// What sfp can tell about Claude Code's login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Login {
    /// Found, and how (for the message).
    Found(String),
    /// On macOS the login is kept in the Keychain, which sfp does not read.
    Keychain,
    /// No way of logging in that sfp can see.
    NotFound,
}

/// Looks for a login, cheapest first, and stops at the first found.
pub(crate) fn login(ctx: &Ctx) -> Login {
    if let Some(var) = ctx.env.auth_var {
        return Login::Found(format!("{var} is set"));
    }
    let creds = ctx.paths.claude_dir.join(".credentials.json");
    if creds.is_file() {
        return Login::Found(format!("credentials file {}", tilde(ctx, &creds)));
    }
    for path in settings_layers(ctx) {
        if let Some(how) = settings_login(&path) {
            return Login::Found(format!("{how} in {}", tilde(ctx, &path)));
        }
    }
    // On macOS a login with nothing above is in the Keychain (a key saved by `/login` too), and
    // the global config, megabytes of history, is not worth reading at every start.
    if ctx.env.os == Os::MacOs {
        return Login::Keychain;
    }
    let global = &ctx.paths.claude_global_config;
    if has_saved_key(global) {
        return Login::Found(format!("API key saved by /login in {}", tilde(ctx, global)));
    }
    Login::NotFound
}

/// Every settings file Claude Code reads that sfp can see: managed (`managed-settings.json`, then
/// `managed-settings.d/*.json`), the user's `settings.json`, the project's `settings.json` and
/// `settings.local.json`.
fn settings_layers(ctx: &Ctx) -> Vec<PathBuf> {
    let managed = &ctx.paths.managed_settings_dir;
    let mut layers = vec![managed.join("managed-settings.json")];
    if let Ok(entries) = std::fs::read_dir(managed.join("managed-settings.d")) {
        let mut drop_ins: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.extension().is_some_and(|e| e == "json")
                    && !p
                        .file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            })
            .collect();
        drop_ins.sort();
        drop_ins.truncate(MAX_DROP_INS);
        layers.extend(drop_ins);
    }
    layers.push(ctx.paths.claude_dir.join("settings.json"));
    if let Some(project) = &ctx.paths.project {
        layers.push(project.join(".claude/settings.json"));
        layers.push(project.join(".claude/settings.local.json"));
    }
    layers
}

/// How one settings file logs Claude Code in: an `apiKeyHelper`, or an auth variable in `env`.
fn settings_login(path: &Path) -> Option<String> {
    let settings = read_json(path, MAX_SETTINGS_BYTES)?;
    if settings
        .get("apiKeyHelper")
        .and_then(Value::as_str)
        .is_some_and(|helper| !helper.trim().is_empty())
    {
        return Some("apiKeyHelper".to_owned());
    }
    let env = settings.get("env")?.as_object()?;
    let text = |key: &str| match env.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    AUTH_KEY_VARS
        .into_iter()
        .find(|key| text(key).is_some_and(|v| !v.trim().is_empty()))
        .or_else(|| {
            AUTH_PROVIDER_VARS
                .into_iter()
                .find(|key| text(key).is_some_and(|v| is_truthy(&v)))
        })
        .map(|key| format!("{key} in `env`"))
}

/// Whether Claude Code's global config holds a key saved by `/login` (`primaryApiKey`). The file
/// keeps every project's history and runs to megabytes, and most hold no key: the name is looked
/// for before anything is parsed, and the parse keeps nothing but the key.
fn has_saved_key(path: &Path) -> bool {
    #[derive(serde::Deserialize)]
    struct Global {
        #[serde(rename = "primaryApiKey")]
        primary_api_key: Option<String>,
    }
    let kind = crate::util::read::Kind::CLAUDE_STATE.capped(MAX_GLOBAL_CONFIG_BYTES);
    let Some(bytes) = crate::util::read::bytes(path, kind) else {
        return false;
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return false;
    };
    text.contains("\"primaryApiKey\"")
        && serde_json::from_str::<Global>(text)
            .ok()
            .and_then(|g| g.primary_api_key)
            .is_some_and(|key| !key.trim().is_empty())
}

/// A JSON file's value, when it is a regular file of at most `limit` bytes holding valid JSON
/// (a FIFO or a device is never opened).
fn read_json(path: &Path, limit: u64) -> Option<Value> {
    let bytes =
        crate::util::read::bytes(path, crate::util::read::Kind::CLAUDE_STATE.capped(limit))?;
    serde_json::from_slice(&bytes).ok()
}

pub(crate) fn check(probe: &Probe) -> Check {
    let ctx = probe.ctx;
    let login = login(ctx);
    let mut check = match &login {
        Login::Found(how) => Check::healthy(NAME, format!("authentication configured ({how})"))
            .detail("auth", how.clone()),
        Login::Keychain => Check::healthy(NAME, "authentication unknown (login is in the Keychain)")
            .detail("auth", "keychain"),
        // Claude Code may have a login sfp cannot see (`--settings`, server-managed settings):
        // shown in a terminal, never said at SessionStart.
        Login::NotFound => Check::degraded(
            NAME,
            "no login found (no credentials file, key or token variable, apiKeyHelper, or Bedrock, Vertex or Foundry variable): run `claude` and log in",
        )
        .unsure()
        .detail("auth", Value::Null),
    };
    if !probe.spawn {
        return check.detail("cli", "not checked in hook mode");
    }
    let Some(bin) = ctx.env.which("claude") else {
        check.status = check.status.max(crate::health::Status::Degraded);
        check.sure = true;
        check.message = format!(
            "`claude` is not on PATH: install it with `npm install -g @anthropic-ai/claude-code`; {}",
            check.message
        );
        return check.detail("cli", Value::Null);
    };
    let timeout = ctx.deadline.cap(probe.settings.command_timeout);
    match crate::process::stdout_of(&bin.to_string_lossy(), &["--version"], timeout) {
        Ok(version) => {
            let version = version.trim().to_owned();
            check.message = format!("{version}; {}", check.message);
            check
                .detail("cli", bin.display().to_string())
                .detail("version", version)
        }
        Err(e) => {
            check.status = check.status.max(crate::health::Status::Degraded);
            check.sure = true;
            check.message = format!("`claude --version` failed ({e}); {}", check.message);
            check.detail("cli", bin.display().to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Mode;
    use crate::env::Env;

    use crate::health::Status;
    use crate::hook::{Event, HookInput, Response};

    /// A context whose home, config dir and managed settings dir are all inside `root`, with
    /// every check but this one switched off (so that SessionStart hears of this one only).
    fn ctx(root: &Path, os: Os) -> Ctx {
        let env = Env {
            home: Some(root.join("home")),
            sfp_home: Some(root.join("state")),
            os,
            ..Env::default()
        };
        std::fs::create_dir_all(root.join("state")).unwrap();
        std::fs::write(
            root.join("state/sfp.yaml"),
            "health:\n  disabled: [plugin, context, memory, disk, project, state]\n",
        )
        .unwrap();
        let mut ctx = Ctx::new(env, None, Mode::Hook, "test");
        ctx.paths.managed_settings_dir = root.join("managed");
        ctx
    }

    /// The claude check as `sfp health` and SessionStart see it: its verdict, and what
    /// SessionStart says (its answer, if any).
    fn verdict(ctx: &Ctx) -> (Check, Option<serde_json::Value>) {
        let report = crate::health::run_checks(ctx);
        assert_eq!(report.checks.len(), 1, "{report:?}");
        let mut out = Response::new(Event::SessionStart);
        let input = HookInput {
            source: Some("startup".into()),
            ..HookInput::default()
        };
        crate::health::on_session_start(ctx, &input, &mut out).unwrap();
        (report.checks[0].clone(), out.to_json())
    }

    #[test]
    fn the_keychain_is_healthy_and_unknown_on_macos() {
        let dir = tempfile::tempdir().unwrap();
        let mac = ctx(dir.path(), Os::MacOs);
        assert_eq!(login(&mac), Login::Keychain);
        let (check, said) = verdict(&mac);
        assert_eq!(check.status, Status::Healthy);
        assert_eq!(
            check.message,
            "authentication unknown (login is in the Keychain)"
        );
        assert!(said.is_none(), "{said:?}");
    }

    #[test]
    fn no_login_found_is_shown_but_never_said_at_session_start() {
        let dir = tempfile::tempdir().unwrap();
        let linux = ctx(dir.path(), Os::Linux);
        assert_eq!(login(&linux), Login::NotFound);
        let (check, said) = verdict(&linux);
        assert_eq!(check.status, Status::Degraded);
        assert!(check.message.starts_with("no login found"), "{check:?}");
        assert!(!check.sure);
        assert!(said.is_none(), "{said:?}");
    }

    #[test]
    fn managed_settings_and_their_drop_ins_count() {
        let dir = tempfile::tempdir().unwrap();
        let c = ctx(dir.path(), Os::Linux);
        let managed = dir.path().join("managed");
        std::fs::create_dir_all(managed.join("managed-settings.d")).unwrap();
        std::fs::write(
            managed.join("managed-settings.json"),
            r#"{"permissions": {}}"#,
        )
        .unwrap();
        assert_eq!(login(&c), Login::NotFound);
        std::fs::write(
            managed.join("managed-settings.d/10-auth.json"),
            r#"{"apiKeyHelper": "/usr/local/bin/key"}"#,
        )
        .unwrap();
        let Login::Found(how) = login(&c) else {
            panic!("the drop-in's apiKeyHelper is a login");
        };
        assert!(how.starts_with("apiKeyHelper in "), "{how}");
        assert!(how.ends_with("managed-settings.d/10-auth.json"), "{how}");
        std::fs::write(
            managed.join("managed-settings.json"),
            r#"{"apiKeyHelper": "/usr/local/bin/key"}"#,
        )
        .unwrap();
        let Login::Found(how) = login(&c) else {
            panic!("managed-settings.json's apiKeyHelper is a login");
        };
        assert!(how.ends_with("managed/managed-settings.json"), "{how}");
        let (check, said) = verdict(&c);
        assert_eq!(check.status, Status::Healthy, "{check:?}");
        assert!(said.is_none(), "{said:?}");
    }

    #[test]
    fn only_a_top_level_saved_key_counts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".claude.json");
        std::fs::write(
            &path,
            r#"{"projects": {"/p": {"history": [{"display": "{\"primaryApiKey\": \"sk\"}"}]}}}"#,
        )
        .unwrap();
        assert!(
            !has_saved_key(&path),
            "a key quoted in history is not a login"
        );
        std::fs::write(&path, r#"{"primaryApiKey": "  "}"#).unwrap();
        assert!(!has_saved_key(&path));
        std::fs::write(&path, r#"{"numStartups": 3, "primaryApiKey": "sk-ant-x"}"#).unwrap();
        assert!(has_saved_key(&path));
    }

    #[test]
    fn managed_settings_live_where_claude_code_looks_for_them() {
        let on = |os| {
            let env = Env {
                home: Some("/h".into()),
                os,
                ..Env::default()
            };
            crate::paths::Paths::resolve(&env, None).managed_settings_dir
        };
        assert_eq!(on(Os::Linux), Path::new("/etc/claude-code"));
        assert_eq!(
            on(Os::MacOs),
            Path::new("/Library/Application Support/ClaudeCode")
        );
    }

    #[test]
    fn hostile_or_empty_settings_are_no_login() {
        let dir = tempfile::tempdir().unwrap();
        let c = ctx(dir.path(), Os::Linux);
        let user = dir.path().join("home/.claude");
        std::fs::create_dir_all(&user).unwrap();
        std::os::unix::fs::symlink("/dev/zero", user.join("settings.json")).unwrap();
        assert_eq!(login(&c), Login::NotFound);
        std::fs::remove_file(user.join("settings.json")).unwrap();
        for text in [
            r#"{"apiKeyHelper": ""}"#,
            r#"{"env": {"CLAUDE_CODE_USE_BEDROCK": "0"}}"#,
            r#"{"env": {"ANTHROPIC_API_KEY": "  "}}"#,
            "not json",
        ] {
            std::fs::write(user.join("settings.json"), text).unwrap();
            assert_eq!(login(&c), Login::NotFound, "{text}");
        }
        std::fs::write(
            user.join("settings.json"),
            r#"{"env": {"CLAUDE_CODE_USE_VERTEX": true}}"#,
        )
        .unwrap();
        assert_eq!(
            login(&c),
            Login::Found("CLAUDE_CODE_USE_VERTEX in `env` in ~/.claude/settings.json".into())
        );
    }
}
