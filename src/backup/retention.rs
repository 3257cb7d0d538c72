//! Retention over `$SFP_HOME/backups/`: each kind of backup (`config`, `full`, `pre-restore`) keeps
//! its own newest `keep` and loses those past `max_age` (never the newest of its kind), so one
//! kind never pushes out another; a backup a restore is reading (`.restoring-<id>.lock` held, in
//! any sfp process) and one whose metadata cannot be read are never removed.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;

use super::profile::Profile;
use super::store::{Head, Store, head, parse_created, sort_key};
use crate::util::lock::FileLock;

/// Backup `id` held by a restore: the lock is released and its file removed when dropped.
#[derive(Debug)]
pub(super) struct Held {
    path: PathBuf,
    _lock: FileLock,
}

impl Drop for Held {
    fn drop(&mut self) {
        // Removed while still locked: a restore waiting on it meanwhile takes the lock of the
        // removed file, which is as good as a new one (retention checks the lock, not the name).
        let _ = std::fs::remove_file(&self.path);
    }
}

impl Store {
    /// Marks backup `id` as being restored until the returned guard is dropped (or the process
    /// dies): retention in any sfp process leaves it alone meanwhile.
    pub(super) fn hold(&self, id: &str, wait: Duration) -> anyhow::Result<Held> {
        self.ensure_dir()?;
        let path = self.in_use_path(id);
        let lock = FileLock::acquire(&path, wait)
            .with_context(|| format!("backup {id} is being restored by another sfp process"))?;
        Ok(Held { path, _lock: lock })
    }

    fn in_use_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!(".restoring-{id}.lock"))
    }

    /// Whether a restore (in any process) holds backup `id`; a marker left by a killed restore
    /// is removed.
    fn in_use(&self, id: &str) -> bool {
        let path = self.in_use_path(id);
        match std::fs::symlink_metadata(&path) {
            Err(_) => return false,
            Ok(m) if !m.is_file() => return true,
            Ok(_) => {}
        }
        match FileLock::acquire(&path, Duration::ZERO) {
            Ok(_free) => {
                let _ = std::fs::remove_file(&path);
                false
            }
            Err(_) => true,
        }
    }

    /// Applies retention to each kind of backup on its own (`config`, `full`, `pre-restore`), so
    /// that one kind never pushes out another: of each kind it keeps the newest `keep` (0 = all)
    /// and drops those created more than `max_age` ago (0 = no limit), never the newest of
    /// the kind. Newest means by the sequence number and creation time in the metadata, not by
    /// the id's text, so backups dated in the future by a wrong clock never push out new ones.
    /// `protect` (the backup just taken), a backup being restored, and one whose metadata cannot
    /// be read are never removed. Returns the removed ids, newest first.
    pub(super) fn prune(
        &self,
        keep: usize,
        max_age: Duration,
        protect: Option<&str>,
        wait: Duration,
    ) -> anyhow::Result<Vec<String>> {
        let _lock = self.lock(wait)?;
        let mut heads: Vec<(String, Head)> = self
            .names()?
            .into_iter()
            .filter(|n| sort_key(n).is_some())
            .filter_map(|n| head(&self.dir.join(&n)).map(|h| (n, h)))
            .collect();
        // Newest first.
        heads.sort_by_key(|(id, h)| std::cmp::Reverse(h.order(id)));
        let mut kinds: Vec<(Profile, Vec<(String, Head)>)> = Vec::new();
        for (id, h) in heads {
            match kinds.iter_mut().find(|(k, _)| *k == h.profile) {
                Some((_, group)) => group.push((id, h)),
                None => kinds.push((h.profile, vec![(id, h)])),
            }
        }
        let now = chrono::Utc::now().timestamp_millis();
        let max_age_ms = i64::try_from(max_age.as_millis()).unwrap_or(i64::MAX);
        let mut removed = Vec::new();
        for (_, group) in &kinds {
            for (newer, (id, h)) in group.iter().enumerate() {
                let too_many = keep > 0 && newer >= keep;
                let too_old = !max_age.is_zero()
                    && newer > 0
                    && parse_created(&h.created)
                        .is_some_and(|t| now.saturating_sub(t) >= max_age_ms);
                if (too_many || too_old) && protect != Some(id.as_str()) && !self.in_use(id) {
                    let dir = self.dir.join(id);
                    std::fs::remove_dir_all(&dir)
                        .with_context(|| format!("cannot remove {}", dir.display()))?;
                    removed.push(id.clone());
                }
            }
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::backup::metadata::METADATA_NAME;

    /// A backup directory whose metadata says `profile`, `seq` and a creation time `created`
    /// (the id's own time when `None`).
    fn plant(dir: &Path, id: &str, profile: &str, seq: u64, created: Option<&str>) {
        let created = created.map_or_else(
            || {
                chrono::NaiveDateTime::parse_from_str(&id[..15], "%Y%m%d-%H%M%S")
                    .unwrap()
                    .and_utc()
                    .to_rfc3339()
            },
            str::to_owned,
        );
        std::fs::create_dir_all(dir.join(id)).unwrap();
        std::fs::write(
            dir.join(id).join(METADATA_NAME),
            format!(
                "{{\"id\":\"{id}\",\"seq\":{seq},\"created\":\"{created}\",\"profile\":\"{profile}\"}}"
            ),
        )
        .unwrap();
    }

    #[test]
    fn the_head_is_read_from_the_top_of_a_large_metadata_file() {
        let dir = tempfile::tempdir().unwrap();
        let files: Vec<String> = (0..20_000)
            .map(|i| format!("{{\"path\":\"f{i}\"}}"))
            .collect();
        std::fs::write(
            dir.path().join(METADATA_NAME),
            format!(
                "{{\"id\":\"x\",\"seq\":42,\"created\":\"2025-01-01T00:00:00.000Z\",\"reason\":\"say \\\"profile\\\": \\\"config\\\"\",\"profile\":\"full\",\"files\":[{}]}}",
                files.join(",")
            ),
        )
        .unwrap();
        let h = head(dir.path()).unwrap();
        assert_eq!(h.profile, Profile::Full);
        assert_eq!(h.seq, 42);
        assert_eq!(h.created, "2025-01-01T00:00:00.000Z");
    }

    #[test]
    fn retention_keeps_the_newest_and_drops_the_old() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().to_path_buf());
        let now = chrono::Utc::now();
        let ids: Vec<String> = [40, 2, 1, 0]
            .iter()
            .map(|d| {
                (now - chrono::Duration::days(*d))
                    .format("%Y%m%d-%H%M%S")
                    .to_string()
            })
            .collect();
        for id in &ids {
            plant(dir.path(), id, "config", 0, None);
        }
        std::fs::create_dir_all(dir.path().join("20200101-000000")).unwrap();
        let wait = Duration::from_secs(1);
        assert_eq!(
            store
                .prune(0, Duration::from_secs(30 * 86_400), None, wait)
                .unwrap(),
            [ids[0].clone()]
        );
        assert_eq!(
            store.prune(2, Duration::ZERO, None, wait).unwrap(),
            [ids[1].clone()]
        );
        assert!(
            dir.path().join("20200101-000000").exists(),
            "not a backup: left alone"
        );
        assert_eq!(
            store.prune(0, Duration::ZERO, None, wait).unwrap(),
            Vec::<String>::new()
        );
    }

    #[test]
    fn retention_counts_each_kind_apart_and_spares_a_held_backup() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().to_path_buf());
        plant(dir.path(), "20250101-000000", "pre-restore", 0, None);
        plant(dir.path(), "20250101-000001", "full", 0, None);
        for s in 2..8 {
            plant(dir.path(), &format!("20250101-00000{s}"), "config", 0, None);
        }
        let wait = Duration::from_secs(1);
        let held = store.hold("20250101-000002", wait).unwrap();
        assert_eq!(
            store.prune(2, Duration::ZERO, None, wait).unwrap(),
            ["20250101-000005", "20250101-000004", "20250101-000003"]
        );
        drop(held);
        assert!(
            !store.in_use_path("20250101-000002").exists(),
            "the marker goes with the restore"
        );
        assert_eq!(
            store.prune(2, Duration::ZERO, None, wait).unwrap(),
            ["20250101-000002"]
        );
        assert!(dir.path().join("20250101-000000").exists());
        assert!(dir.path().join("20250101-000001").exists());
    }

    #[test]
    fn backups_dated_in_the_future_never_push_out_a_new_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().to_path_buf());
        // Written while the clock said 2099, before sequence numbers (seq 0).
        plant(dir.path(), "20990101-000000", "config", 0, None);
        plant(dir.path(), "20990101-000001", "config", 0, None);
        // Taken now, with a sequence number: the newest, whatever the ids say.
        let now = chrono::Utc::now();
        let id = now.format("%Y%m%d-%H%M%S").to_string();
        plant(dir.path(), &id, "config", 1, Some(&now.to_rfc3339()));
        let wait = Duration::from_secs(1);
        assert_eq!(
            store
                .prune(2, Duration::from_secs(30 * 86_400), None, wait)
                .unwrap(),
            ["20990101-000000"],
            "the oldest by sequence goes, not the one with the smallest id"
        );
        assert!(dir.path().join(&id).exists());
        assert_eq!(store.newest().unwrap().0, id);
        assert_eq!(
            store
                .future_dated()
                .into_iter()
                .map(|(id, _)| id)
                .collect::<Vec<_>>(),
            ["20990101-000001"]
        );
        // Even when a wrong sequence puts it last, the backup just taken is protected.
        plant(dir.path(), "20990101-000002", "config", 9, None);
        assert_eq!(
            store.prune(1, Duration::ZERO, Some(&id), wait).unwrap(),
            ["20990101-000001"]
        );
        assert!(dir.path().join(&id).exists());
    }
}
