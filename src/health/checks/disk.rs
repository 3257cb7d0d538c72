//! Disk space: free space on the filesystem that holds `$SFP_HOME` (where backups go). Only that
//! filesystem is asked for its size.

use std::path::{Path, PathBuf};

use sysinfo::{DiskRefreshKind, Disks};

use super::{Level, Probe, Room, tilde};
use crate::health::Check;
use crate::health::settings::DiskThresholds;

const NAME: &str = "disk";

pub(crate) fn check(probe: &Probe) -> Check {
    let home = &probe.ctx.paths.sfp_home;
    let target = existing_ancestor(home);
    // List the mounts without asking any of them for its size (a hung network mount must not
    // stall SessionStart), then ask only the one that holds $SFP_HOME.
    let mut disks = Disks::new_with_refreshed_list_specifics(DiskRefreshKind::nothing());
    let best = disks
        .list_mut()
        .iter_mut()
        .filter(|d| target.starts_with(d.mount_point()))
        .max_by_key(|d| d.mount_point().as_os_str().len());
    let Some(disk) = best else {
        return Check::degraded(
            NAME,
            format!("cannot find the filesystem of {}", tilde(probe.ctx, home)),
        )
        .unsure();
    };
    disk.refresh_specifics(DiskRefreshKind::nothing().with_storage());
    if disk.total_space() == 0 {
        return Check::degraded(
            NAME,
            format!(
                "cannot read the size of the filesystem of {}",
                tilde(probe.ctx, home)
            ),
        )
        .unsure();
    }
    evaluate(
        disk.available_space(),
        disk.total_space(),
        &probe.settings.disk,
    )
    .detail("path", tilde(probe.ctx, home))
    .detail("mount_point", disk.mount_point().display().to_string())
}

fn existing_ancestor(path: &Path) -> PathBuf {
    let mut p = path.to_path_buf();
    loop {
        if let Ok(c) = p.canonicalize() {
            return c;
        }
        if !p.pop() {
            return PathBuf::from("/");
        }
    }
}

fn evaluate(free: u64, total: u64, t: &DiskThresholds) -> Check {
    let room = Room::of(free, total);
    let summary = format!("{} MiB free ({:.1}%)", room.mb, room.percent);
    let check = match room.level(
        (t.critical_free_mb, t.critical_free_percent),
        (t.warn_free_mb, t.warn_free_percent),
    ) {
        Level::Critical => Check::unhealthy(
            NAME,
            format!("{summary}: backups and handoffs will fail; free some space"),
        ),
        Level::Low => Check::degraded(
            NAME,
            format!("{summary}: low; prune old backups with `sfp backup prune`"),
        ),
        Level::Enough => Check::healthy(NAME, summary),
    };
    room.details(check, "free")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::Status;

    #[test]
    fn thresholds_in_mb_and_percent() {
        let t = DiskThresholds::default();
        let gib: u64 = 1024 * 1024 * 1024;
        assert_eq!(evaluate(50 * gib, 100 * gib, &t).status, Status::Healthy);
        assert_eq!(
            evaluate(gib / 2, 8 * gib, &t).status,
            Status::Degraded,
            "512 MiB is under 1024 MiB"
        );
        assert_eq!(
            evaluate(3 * gib, 100 * gib, &t).status,
            Status::Degraded,
            "3% is under 5%"
        );
        assert_eq!(
            evaluate(50 * 1024 * 1024, 100 * gib, &t).status,
            Status::Unhealthy
        );
    }
}
