//! sfp's own state: `$SFP_HOME` writable, and every config file parses.

use super::{Probe, tilde};
use crate::config::Diagnostic;
use crate::health::Check;

const NAME: &str = "state";

/// Backups whose recorded creation time lies in the future: the clock is wrong now, or was when
/// they were taken (they are ordered by sequence number, so they push nothing out).
fn future_dated(probe: &Probe) -> Option<String> {
    let future = crate::backup::future_dated(&probe.ctx.paths);
    let (id, created) = future.first()?;
    Some(format!(
        "{} backup(s) dated in the future (such as {id}, {created}): the clock is wrong, or was \
         when they were taken; see `sfp backup list`",
        future.len()
    ))
}

pub(crate) fn check(probe: &Probe, section_diags: &[Diagnostic]) -> Check {
    let ctx = probe.ctx;
    let home = &ctx.paths.sfp_home;
    let shown = tilde(ctx, home);
    if let Err(e) = probe_write(home) {
        return Check::unhealthy(
            NAME,
            format!("{shown} is not writable ({e}): sfp cannot keep state, handoffs or backups"),
        )
        .detail("sfp_home", shown);
    }
    let mut diags: Vec<Diagnostic> = crate::registry::validate_all(&ctx.paths, &ctx.config);
    diags.extend(
        section_diags
            .iter()
            .filter(|d| !diags.contains(d))
            .cloned()
            .collect::<Vec<_>>(),
    );
    let errors: Vec<String> = diags
        .iter()
        .filter(|d| d.is_error())
        .map(ToString::to_string)
        .collect();
    let warnings: Vec<String> = diags
        .iter()
        .filter(|d| !d.is_error())
        .map(ToString::to_string)
        .collect();
    let check = if let Some(first) = errors.first() {
        Check::unhealthy(NAME, format!("config error: {first}{}", more(errors.len())))
    } else if let Some(first) = warnings.first() {
        Check::degraded(
            NAME,
            format!("config warning: {first}{}", more(warnings.len())),
        )
    } else if let Some(notice) = future_dated(probe) {
        Check::degraded(NAME, notice)
    } else {
        Check::healthy(NAME, format!("{shown} writable, config valid"))
    };
    check
        .detail("sfp_home", shown)
        .detail("errors", errors)
        .detail("warnings", warnings)
        .detail(
            "settings",
            serde_json::to_value(crate::health::sources::list(ctx)).unwrap_or_default(),
        )
}

fn more(n: usize) -> String {
    if n > 1 {
        format!(" (and {} more: `sfp health --json`)", n - 1)
    } else {
        String::new()
    }
}

fn probe_write(dir: &std::path::Path) -> std::io::Result<()> {
    crate::util::fs::create_private_dir_all(dir)?;
    let probe = dir.join(format!(".write-probe-{}", std::process::id()));
    std::fs::write(&probe, b"ok")?;
    std::fs::remove_file(&probe)
}
