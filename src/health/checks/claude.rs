//! Claude Code: the `claude` CLI and its version (terminal only: the hook path starts no process),
//! and whether authentication is configured — the presence of a credentials file or an API key
//! variable, never their contents.

use super::{Probe, tilde};
use crate::health::Check;

const NAME: &str = "claude";

pub fn check(probe: &Probe) -> Check {
    let ctx = probe.ctx;
    let creds = ctx.paths.claude_dir.join(".credentials.json");
    let auth = if creds.is_file() {
        Some(format!("credentials file {}", tilde(ctx, &creds)))
    } else {
        ctx.env.api_key_source.map(|v| format!("{v} is set"))
    };
    let mut check = match &auth {
        Some(how) => Check::healthy(NAME, format!("authentication configured ({how})")),
        None => Check::degraded(
            NAME,
            "no credentials file or API key variable found: run `claude` and log in (on macOS credentials live in the Keychain, which sfp cannot see)",
        ),
    }
    .detail("auth", auth.clone());
    if !probe.spawn {
        return check.detail("cli", "not checked in hook mode");
    }
    let Some(bin) = ctx.env.which("claude") else {
        check.status = check.status.max(crate::health::Status::Degraded);
        check.message = format!(
            "`claude` is not on PATH: install it with `npm install -g @anthropic-ai/claude-code`; {}",
            check.message
        );
        return check.detail("cli", serde_json::Value::Null);
    };
    let timeout = std::time::Duration::from_millis(probe.settings.command_timeout_ms);
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
            check.message = format!("`claude --version` failed ({e}); {}", check.message);
            check.detail("cli", bin.display().to_string())
        }
    }
}
