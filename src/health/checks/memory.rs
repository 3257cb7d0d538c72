//! Memory: the system's available memory (sysinfo reads `/proc/meminfo`), against thresholds.

use sysinfo::{MemoryRefreshKind, RefreshKind, System};

use super::Probe;
use crate::health::Check;

const NAME: &str = "memory";

pub fn check(probe: &Probe) -> Check {
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

#[expect(
    clippy::cast_precision_loss,
    reason = "a percentage needs no precision past a decimal"
)]
fn evaluate(available: u64, total: u64, t: &crate::health::settings::MemoryThresholds) -> Check {
    let mb = available / 1024 / 1024;
    let pct = available as f64 * 100.0 / total as f64;
    let summary = format!(
        "{mb} MiB available ({pct:.0}% of {} MiB)",
        total / 1024 / 1024
    );
    let check = if mb < t.critical_available_mb {
        Check::unhealthy(
            NAME,
            format!(
                "{summary}: below {} MiB, close programs before running gates",
                t.critical_available_mb
            ),
        )
    } else if mb < t.warn_available_mb || pct < t.warn_available_percent {
        Check::degraded(NAME, format!("{summary}: low, gates may be slow or killed"))
    } else {
        Check::healthy(NAME, summary)
    };
    check
        .detail("available_mb", mb)
        .detail("total_mb", total / 1024 / 1024)
        .detail("available_percent", (pct * 10.0).round() / 10.0)
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
