//! Health checks: is sfp installed, wired and able to do its job on this machine and project?
//!
//! Run in a terminal (`sfp health`) with every check, and at SessionStart with the checks that
//! need no child process, where only problems are reported.

mod checks;
mod command;
mod model;
mod report;
mod settings;
pub(crate) mod sources;

pub(crate) use command::{HealthArgs, execute, on_session_start};
pub(crate) use model::{Check, Report, Status};
pub use settings::HealthSettings;

use crate::app::{Ctx, Mode};

/// Runs every check that fits the mode: hook mode skips the ones that start a process.
pub(crate) fn run_checks(ctx: &Ctx) -> Report {
    let (settings, diags) = ctx.config.section::<HealthSettings>("health");
    let probe = checks::Probe {
        ctx,
        settings: &settings,
        spawn: ctx.mode == Mode::Terminal,
    };
    let mut list = vec![
        checks::plugin::check(&probe),
        checks::context::check(&probe),
        checks::memory::check(&probe),
        checks::disk::check(&probe),
        checks::project::check(&probe),
        checks::claude::check(&probe),
        checks::state::check(&probe, &diags),
    ];
    list.retain(|c| !settings.disabled.iter().any(|d| d == &c.name));
    Report::new(list)
}
