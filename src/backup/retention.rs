//! Retention over `$SFP_HOME/backups/`: each kind of backup (`config`, `full`, `pre-restore`) keeps
//! its own newest `keep` and loses those past `max_age_days` (never the newest of its kind), so one
//! kind never pushes out another; a backup a restore is reading (`.restoring-<id>.lock` held, in
//! any sfp process) and one whose metadata cannot be read are never removed.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;

use super::metadata::METADATA_NAME;
use super::profile::Profile;
use super::store::{Store, sort_key};
use crate::util::lock::FileLock;

impl Store {
    /// Marks backup `id` as being restored until the returned lock is dropped (or the process
    /// dies): retention in any sfp process leaves it alone meanwhile.
    pub fn hold(&self, id: &str, wait: Duration) -> anyhow::Result<FileLock> {
        self.ensure_dir()?;
        FileLock::acquire(&self.in_use_path(id), wait)
            .with_context(|| format!("backup {id} is being restored by another sfp process"))
    }

    fn in_use_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!(".restoring-{id}.lock"))
    }

    /// Whether a restore (in any process) holds backup `id`; a marker left by a finished or
    /// killed restore is removed.
    fn in_use(&self, id: &str) -> bool {
        let path = self.in_use_path(id);
        if !path.exists() {
            return false;
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
    /// and drops those older than `max_age_days` (0 = no limit), never the newest of the kind.
    /// A backup being restored, or whose metadata cannot be read, is never removed. Returns the
    /// removed ids, oldest first.
    pub fn prune(
        &self,
        keep: usize,
        max_age_days: u64,
        wait: Duration,
    ) -> anyhow::Result<Vec<String>> {
        let _lock = self.lock(wait)?;
        let mut ids: Vec<String> = self
            .names()?
            .into_iter()
            .filter(|n| sort_key(n).is_some())
            .collect();
        ids.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
        let mut kinds: Vec<(Profile, Vec<String>)> = Vec::new();
        for id in ids {
            let Some(kind) = kind_of(&self.dir.join(&id)) else {
                continue;
            };
            match kinds.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, group)) => group.push(id),
                None => kinds.push((kind, vec![id])),
            }
        }
        let now = chrono::Utc::now().naive_utc();
        let mut removed = Vec::new();
        for (_, group) in &kinds {
            let n = group.len();
            for (i, id) in group.iter().enumerate() {
                let newer = n - 1 - i;
                let too_many = keep > 0 && newer >= keep;
                let too_old = max_age_days > 0
                    && newer > 0
                    && chrono::NaiveDateTime::parse_from_str(&id[..15], "%Y%m%d-%H%M%S").is_ok_and(
                        |t| {
                            now.signed_duration_since(t).num_days()
                                >= i64::try_from(max_age_days).unwrap_or(i64::MAX)
                        },
                    );
                if (too_many || too_old) && !self.in_use(id) {
                    let dir = self.dir.join(id);
                    std::fs::remove_dir_all(&dir)
                        .with_context(|| format!("cannot remove {}", dir.display()))?;
                    removed.push(id.clone());
                }
            }
        }
        removed.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
        Ok(removed)
    }
}

/// The kind (profile) of the backup in `dir`, read from its metadata.json alone. `profile` is
/// written near the top, before the list of files, so the first few KiB answer without parsing
/// a metadata file of many megabytes (a `full` backup's) on the hook path; the whole file is
/// parsed only when the head does not say.
fn kind_of(dir: &Path) -> Option<Profile> {
    #[derive(serde::Deserialize)]
    struct Kind {
        profile: Profile,
    }
    let path = dir.join(METADATA_NAME);
    if let Ok(Some(head)) = head_profile(&path) {
        return Some(head);
    }
    let file = std::fs::File::open(&path).ok()?;
    serde_json::from_reader::<_, Kind>(std::io::BufReader::new(file))
        .ok()
        .map(|k| k.profile)
}

/// `"profile": "<kind>"` from the first 4 KiB of a metadata file, if it is there.
fn head_profile(path: &Path) -> std::io::Result<Option<Profile>> {
    use std::io::Read;
    let mut head = Vec::with_capacity(4096);
    std::fs::File::open(path)?
        .take(4096)
        .read_to_end(&mut head)?;
    let text = String::from_utf8_lossy(&head);
    let Some(at) = text
        .match_indices("\"profile\"")
        .find(|(i, _)| *i == 0 || text.as_bytes()[i - 1] != b'\\')
        .map(|(i, m)| i + m.len())
    else {
        return Ok(None);
    };
    let rest = text[at..]
        .trim_start()
        .strip_prefix(':')
        .map(str::trim_start);
    let Some(value) = rest
        .and_then(|r| r.strip_prefix('"'))
        .and_then(|r| r.split('"').next())
    else {
        return Ok(None);
    };
    Ok(serde_json::from_value(serde_json::Value::String(value.to_owned())).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plant(dir: &Path, id: &str, profile: &str) {
        std::fs::create_dir_all(dir.join(id)).unwrap();
        std::fs::write(
            dir.join(id).join(METADATA_NAME),
            format!("{{\"id\":\"{id}\",\"profile\":\"{profile}\"}}"),
        )
        .unwrap();
    }

    #[test]
    fn the_kind_is_read_from_the_head_of_a_large_metadata_file() {
        let dir = tempfile::tempdir().unwrap();
        let files: Vec<String> = (0..20_000)
            .map(|i| format!("{{\"path\":\"f{i}\"}}"))
            .collect();
        std::fs::write(
            dir.path().join(METADATA_NAME),
            format!(
                "{{\"id\":\"x\",\"reason\":\"say \\\"profile\\\": \\\"config\\\"\",\"profile\":\"full\",\"files\":[{}]}}",
                files.join(",")
            ),
        )
        .unwrap();
        assert_eq!(
            head_profile(&dir.path().join(METADATA_NAME)).unwrap(),
            Some(Profile::Full)
        );
        assert_eq!(kind_of(dir.path()), Some(Profile::Full));
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
            plant(dir.path(), id, "config");
        }
        std::fs::create_dir_all(dir.path().join("20200101-000000")).unwrap();
        let wait = Duration::from_secs(1);
        assert_eq!(store.prune(0, 30, wait).unwrap(), [ids[0].clone()]);
        assert_eq!(store.prune(2, 0, wait).unwrap(), [ids[1].clone()]);
        assert!(
            dir.path().join("20200101-000000").exists(),
            "not a backup: left alone"
        );
        assert_eq!(store.prune(0, 0, wait).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn retention_counts_each_kind_apart_and_spares_a_held_backup() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().to_path_buf());
        plant(dir.path(), "20250101-000000", "pre-restore");
        plant(dir.path(), "20250101-000001", "full");
        for s in 2..8 {
            plant(dir.path(), &format!("20250101-00000{s}"), "config");
        }
        let wait = Duration::from_secs(1);
        let held = store.hold("20250101-000002", wait).unwrap();
        assert_eq!(
            store.prune(2, 0, wait).unwrap(),
            ["20250101-000003", "20250101-000004", "20250101-000005"]
        );
        drop(held);
        assert_eq!(store.prune(2, 0, wait).unwrap(), ["20250101-000002"]);
        assert!(dir.path().join("20250101-000000").exists());
        assert!(dir.path().join("20250101-000001").exists());
        assert!(
            !store.in_use_path("20250101-000002").exists(),
            "marker removed"
        );
    }
}
