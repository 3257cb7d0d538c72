//! The individual checks. Each file owns one check and returns one [`Check`](super::Check).

pub mod claude;
pub mod context;
pub mod disk;
pub mod memory;
pub mod plugin;
pub mod project;
pub mod state;

use super::HealthSettings;
use crate::app::Ctx;

/// What a check may use: the context, the thresholds, and whether it may start a process
/// (terminal mode only: the hook path starts none).
pub struct Probe<'a> {
    pub ctx: &'a Ctx,
    pub settings: &'a HealthSettings,
    pub spawn: bool,
}

/// `/home/me/.claude/x` → `~/.claude/x`, for messages.
pub fn tilde(ctx: &Ctx, path: &std::path::Path) -> String {
    if let Some(home) = &ctx.env.home
        && let Ok(rest) = path.strip_prefix(home)
    {
        return format!("~/{}", rest.display());
    }
    path.display().to_string()
}
