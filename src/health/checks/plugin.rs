//! Plugin integrity: plugin.json and hooks.json present and valid, every hook command resolvable,
//! and this binary's version equal to the plugin's.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{Probe, tilde};
use crate::health::Check;

const NAME: &str = "plugin";

pub(crate) fn check(probe: &Probe) -> Check {
    let ctx = probe.ctx;
    let Some(root) = &ctx.paths.plugin_root else {
        return Check::degraded(
            NAME,
            "plugin directory not found: install the plugin (`claude plugin install sfp@sfp-local`) or set CLAUDE_PLUGIN_ROOT",
        );
    };
    let shown = tilde(ctx, root);
    let manifest = match read_json(&root.join(".claude-plugin/plugin.json")) {
        Ok(v) => v,
        Err(e) => {
            return Check::unhealthy(NAME, format!("{shown}/.claude-plugin/plugin.json: {e}"))
                .detail("root", shown);
        }
    };
    let hooks = match read_json(&root.join("hooks/hooks.json")) {
        Ok(v) => v,
        Err(e) => {
            return Check::unhealthy(NAME, format!("{shown}/hooks/hooks.json: {e}"))
                .detail("root", shown);
        }
    };
    let Some(events) = hooks.get("hooks").and_then(Value::as_object) else {
        return Check::unhealthy(
            NAME,
            format!("{shown}/hooks/hooks.json has no `hooks` object"),
        );
    };
    let mut missing = Vec::new();
    for command in events.values().flat_map(commands) {
        for target in plugin_paths(&command, root) {
            if !is_executable(&target) {
                missing.push(tilde(ctx, &target));
            }
        }
    }
    let plugin_version = manifest
        .get("version")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let binary_version = env!("CARGO_PKG_VERSION");
    let base = Check::healthy(NAME, "")
        .detail("root", shown.clone())
        .detail("plugin_version", plugin_version.clone())
        .detail("binary_version", binary_version)
        .detail("events", events.keys().cloned().collect::<Vec<_>>());
    if !missing.is_empty() {
        missing.dedup();
        return Check {
            status: crate::health::Status::Unhealthy,
            ..base
        }
        .with_message(format!(
            "hook command not found or not executable: {}",
            missing.join(", ")
        ));
    }
    if plugin_version != binary_version {
        let exe = ctx.env.exe.clone();
        let this = exe
            .as_deref()
            .map_or_else(|| "this binary".to_owned(), |p| tilde(ctx, p));
        let line = format!(
            "binary {this} is sfp {binary_version} but the plugin in {shown} is {plugin_version}: {}",
            fix_command(ctx, root, exe.as_deref())
        );
        return Check {
            status: crate::health::Status::Degraded,
            ..base
        }
        .detail("notice", line.clone())
        .with_message(line);
    }
    let Some(binary) = launcher_binary(ctx, root) else {
        return Check {
            status: crate::health::Status::Unhealthy,
            ..base
        }
        .with_message(format!(
            "the hooks find no sfp binary: {}",
            fix_command(ctx, root, None)
        ));
    };
    base.detail("binary", tilde(ctx, &binary))
        .with_message(format!(
            "sfp {binary_version}, hooks wired for {} events",
            events.len()
        ))
}

impl Check {
    fn with_message(mut self, message: String) -> Self {
        self.message = message;
        self
    }
}

/// The binary `hooks/sfp-hook` would run, searched in the launcher's order: `$SFP_BIN`, the
/// plugin's `bin/sfp`, `sfp` on PATH, `~/.cargo/bin/sfp`, `~/.local/bin/sfp`.
pub(crate) fn launcher_binary(ctx: &crate::app::Ctx, root: &Path) -> Option<PathBuf> {
    let home = ctx.env.home.as_ref();
    [
        ctx.env.sfp_bin.clone(),
        Some(root.join("bin/sfp")),
        ctx.env.which("sfp"),
        home.map(|h| h.join(".cargo/bin/sfp")),
        home.map(|h| h.join(".local/bin/sfp")),
    ]
    .into_iter()
    .flatten()
    .find(|p| is_executable(p))
}

/// The command that gives the plugin at `root` a binary of its own version. `exe` is the
/// binary whose version differs (none when no binary was found).
fn fix_command(ctx: &crate::app::Ctx, root: &Path, exe: Option<&Path>) -> String {
    let shown = tilde(ctx, root);
    let in_plugin = exe.is_some_and(|e| e.starts_with(root.join("bin")));
    if root.join("setup.sh").is_file() && (in_plugin || exe.is_none()) {
        return format!("run `{shown}/setup.sh`");
    }
    if root.join("Cargo.toml").is_file() {
        return format!("run `cargo install --locked --force --path {shown}`");
    }
    if in_plugin {
        return "install the release archive of the plugin's version again (bin/sfp and the \
                plugin come together)"
            .to_owned();
    }
    "reinstall sfp at the plugin's version (`cargo install --locked --force --path <sfp \
     checkout>`), or set SFP_BIN to a binary of that version"
        .to_owned()
}

/// Why a file of the plugin cannot be used: the check's finding (its message, after the file's
/// name), never an error a command ends with.
#[derive(Debug)]
enum Unusable {
    Missing,
    /// Refused by the reader of files sfp does not own (too large, not a regular file…).
    Refused(String),
    Json(serde_json::Error),
}

impl std::fmt::Display for Unusable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Missing => f.write_str("cannot read: not found"),
            Self::Refused(reason) => f.write_str(reason),
            Self::Json(e) => write!(f, "invalid JSON: {e}"),
        }
    }
}

fn read_json(path: &Path) -> Result<Value, Unusable> {
    let bytes = match crate::util::read::read(path, crate::util::read::Kind::MANIFEST) {
        crate::util::read::Foreign::Read(bytes) => bytes,
        crate::util::read::Foreign::Missing => return Err(Unusable::Missing),
        crate::util::read::Foreign::Skipped(skip) => return Err(Unusable::Refused(skip.reason())),
    };
    serde_json::from_slice(&bytes).map_err(Unusable::Json)
}

/// The `command` strings of every handler under one event.
fn commands(entries: &Value) -> Vec<String> {
    entries
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.get("hooks")?.as_array())
        .flatten()
        .filter_map(|h| h.get("command")?.as_str().map(str::to_owned))
        .collect()
}

/// Paths under `${CLAUDE_PLUGIN_ROOT}` named in a command, resolved against `root`.
fn plugin_paths(command: &str, root: &Path) -> Vec<std::path::PathBuf> {
    command
        .split_whitespace()
        .filter_map(|word| {
            let word = word.replace(['"', '\''], "");
            let rest = word
                .strip_prefix("${CLAUDE_PLUGIN_ROOT}")
                .or_else(|| word.strip_prefix("$CLAUDE_PLUGIN_ROOT"))?;
            Some(root.join(rest.trim_start_matches('/')))
        })
        .collect()
}

fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_plugin_paths_in_quoted_commands() {
        let root = Path::new("/r");
        assert_eq!(
            plugin_paths("\"${CLAUDE_PLUGIN_ROOT}\"/hooks/sfp-hook stop", root),
            vec![Path::new("/r/hooks/sfp-hook")]
        );
        assert!(plugin_paths("sfp hook stop", root).is_empty());
    }
}
