//! The individual checks. Each file owns one check and returns one [`Check`](super::Check).

pub(super) mod claude;
pub(super) mod context;
pub(super) mod disk;
pub(super) mod memory;
pub(super) mod plugin;
pub(super) mod project;
pub(super) mod state;

use super::HealthSettings;
use crate::app::Ctx;

/// What a check may use: the context, the thresholds, and whether it may start a process
/// (terminal mode only: the hook path starts none).
pub(super) struct Probe<'a> {
    pub ctx: &'a Ctx,
    pub settings: &'a HealthSettings,
    pub spawn: bool,
}

/// What is left of a resource (free disk, available memory), in MiB and as a share of the
/// total, for a check against its thresholds.
pub(super) struct Room {
    pub mb: u64,
    pub total_mb: u64,
    /// Of the total; 0 when the total is unknown.
    pub percent: f64,
}

/// How [`Room`] compares with a check's thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Level {
    Critical,
    Low,
    Enough,
}

impl Room {
    #[expect(
        clippy::cast_precision_loss,
        reason = "a percentage needs no precision past a decimal"
    )]
    pub(super) fn of(left: u64, total: u64) -> Self {
        Self {
            mb: left / 1024 / 1024,
            total_mb: total / 1024 / 1024,
            percent: if total == 0 {
                0.0
            } else {
                left as f64 * 100.0 / total as f64
            },
        }
    }

    /// Critical below either of `critical` (MiB, percent), else low below either of `warn`.
    pub(super) fn level(&self, critical: (u64, f64), warn: (u64, f64)) -> Level {
        let below = |(mb, percent): (u64, f64)| self.mb < mb || self.percent < percent;
        if below(critical) {
            Level::Critical
        } else if below(warn) {
            Level::Low
        } else {
            Level::Enough
        }
    }

    /// `check` with the figures as details: `<left>_mb`, `total_mb`, `<left>_percent`.
    pub(super) fn details(&self, check: super::Check, left: &str) -> super::Check {
        check
            .detail(&format!("{left}_mb"), self.mb)
            .detail("total_mb", self.total_mb)
            .detail(
                &format!("{left}_percent"),
                (self.percent * 10.0).round() / 10.0,
            )
    }
}

/// `/home/me/.claude/x` → `~/.claude/x`, for messages.
pub(super) fn tilde(ctx: &Ctx, path: &std::path::Path) -> String {
    if let Some(home) = &ctx.env.home
        && let Ok(rest) = path.strip_prefix(home)
    {
        return format!("~/{}", rest.display());
    }
    path.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_is_graded_by_mib_and_by_share() {
        let mib: u64 = 1024 * 1024;
        let room = Room::of(300 * mib, 1000 * mib);
        assert_eq!((room.mb, room.total_mb), (300, 1000));
        assert_eq!(room.level((100, 10.0), (200, 20.0)), Level::Enough);
        assert_eq!(room.level((100, 10.0), (400, 20.0)), Level::Low);
        assert_eq!(room.level((100, 40.0), (400, 50.0)), Level::Critical);
        assert!(
            Room::of(5, 0).percent.abs() < f64::EPSILON,
            "an unknown total"
        );
        let check = room.details(super::super::Check::healthy("x", "ok"), "free");
        assert_eq!(check.details["free_mb"], 300);
        assert_eq!(check.details["total_mb"], 1000);
        assert_eq!(check.details["free_percent"], 30.0);
    }
}
