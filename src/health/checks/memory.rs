//! Memory: the system's available memory (sysinfo reads `/proc/meminfo`), against thresholds.

use sysinfo::{MemoryRefreshKind, RefreshKind, System};

use super::{Level, Probe, Room};
use crate::health::Check;

const NAME: &str = "memory";

pub(crate) fn check(probe: &Probe) -> Check {
    let sys = System::new_with_specifics(
        RefreshKind::nothing().with_memory(MemoryRefreshKind::nothing().with_ram()),
    );
    let total = sys.total_memory();
    if total == 0 {
        return Check::degraded(
            NAME,
            "cannot read the system's memory figures on this platform",
        )
        .unsure();
    }
    let available = sys.available_memory();
    evaluate(available, total, &probe.settings.memory)
}

fn evaluate(available: u64, total: u64, t: &crate::health::settings::MemoryThresholds) -> Check {
    let room = Room::of(available, total);
    let summary = format!(
        "{} MiB available ({:.0}% of {} MiB)",
        room.mb, room.percent, room.total_mb
    );
    // Memory has no critical share: only too few MiB is critical.
    let check = match room.level(
        (t.critical_available_mb, 0.0),
        (t.warn_available_mb, t.warn_available_percent),
    ) {
        Level::Critical => Check::unhealthy(
            NAME,
            format!(
                "{summary}: below {} MiB, close programs before running gates",
                t.critical_available_mb
            ),
        ),
        Level::Low => Check::degraded(NAME, format!("{summary}: low, gates may be slow or killed")),
        Level::Enough => Check::healthy(NAME, summary),
    };
    room.details(check, "available")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::Status;
    use crate::health::settings::MemoryThresholds;

    #[test]
    fn thresholds() {
        let t = MemoryThresholds::default();
        let gib = 1024 * 1024 * 1024;
        assert_eq!(evaluate(8 * gib, 16 * gib, &t).status, Status::Healthy);
        assert_eq!(evaluate(gib / 4, 16 * gib, &t).status, Status::Degraded);
        assert_eq!(evaluate(gib / 16, 16 * gib, &t).status, Status::Unhealthy);
    }
}
