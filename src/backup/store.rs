//! The backup directory, `$SFP_HOME/backups/`: allocating unique ids, listing complete backups,
//! resolving an id, a prefix or `latest`, and cleaning up what a crash left behind (retention is
//! in [`super::retention`]).
//!
//! A backup is written into `.tmp-<id>-<pid>/` and renamed to `<id>/` when complete, so a listing
//! (which reads only `<id>/` directories holding a valid metadata.json) never shows half a backup.
//! Ids are `YYYYMMDD-HHMMSS` in UTC, with `-1`, `-2`, … when one second holds several; they are
//! reserved under the lock `.lock` by creating the temporary directory.

use std::os::unix::fs::DirBuilderExt as _;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use anyhow::{Context as _, bail};

use super::metadata::{METADATA_NAME, Metadata};
use crate::util::lock::FileLock;

/// Temporary directories older than this are left-overs of a killed backup.
const STALE_AFTER: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone)]
pub struct Store {
    pub dir: PathBuf,
}

/// A complete backup on disk.
#[derive(Debug, Clone)]
pub struct Backup {
    pub dir: PathBuf,
    pub meta: Metadata,
}

/// A directory reserved for a backup being written.
#[derive(Debug)]
pub struct Reserved {
    pub id: String,
    pub tmp: PathBuf,
}

impl Store {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    pub fn lock(&self, wait: Duration) -> anyhow::Result<FileLock> {
        self.ensure_dir()?;
        FileLock::acquire(&self.dir.join(".lock"), wait)
    }

    pub(super) fn ensure_dir(&self) -> anyhow::Result<()> {
        if !self.dir.is_dir() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&self.dir)
                .with_context(|| format!("cannot create {}", self.dir.display()))?;
        }
        Ok(())
    }

    /// Reserves a new unique id for `now` and creates its temporary directory (0700).
    pub fn reserve(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        wait: Duration,
    ) -> anyhow::Result<Reserved> {
        let _lock = self.lock(wait)?;
        let base = now.format("%Y%m%d-%H%M%S").to_string();
        let names = self.names()?;
        let taken = |id: &str| {
            names.iter().any(|n| {
                n == id
                    || n.strip_prefix(".tmp-")
                        .and_then(|r| r.strip_prefix(id))
                        .is_some_and(|r| {
                            r.strip_prefix('-')
                                .is_some_and(|pid| pid.chars().all(|c| c.is_ascii_digit()))
                        })
            })
        };
        let id = (0..10_000)
            .map(|n| {
                if n == 0 {
                    base.clone()
                } else {
                    format!("{base}-{n}")
                }
            })
            .find(|id| !taken(id))
            .context("no free backup id in this second")?;
        let tmp = self.dir.join(format!(".tmp-{id}-{}", std::process::id()));
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&tmp)
            .with_context(|| format!("cannot create {}", tmp.display()))?;
        Ok(Reserved { id, tmp })
    }

    /// Renames a finished temporary directory to its id.
    pub fn commit(&self, reserved: &Reserved) -> anyhow::Result<PathBuf> {
        let dest = self.dir.join(&reserved.id);
        if dest.exists() {
            bail!("{} already exists", dest.display());
        }
        std::fs::rename(&reserved.tmp, &dest).with_context(|| {
            format!(
                "cannot rename {} to {}",
                reserved.tmp.display(),
                dest.display()
            )
        })?;
        if let Ok(d) = std::fs::File::open(&self.dir) {
            let _ = d.sync_all();
        }
        Ok(dest)
    }

    pub(super) fn names(&self) -> anyhow::Result<Vec<String>> {
        match std::fs::read_dir(&self.dir) {
            Ok(rd) => Ok(rd
                .filter_map(Result::ok)
                .filter_map(|e| e.file_name().into_string().ok())
                .collect()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", self.dir.display())),
        }
    }

    /// Every complete backup, oldest first. Directories without valid metadata are ignored.
    pub fn list(&self) -> anyhow::Result<Vec<Backup>> {
        let mut out: Vec<Backup> = self
            .names()?
            .into_iter()
            .filter(|n| sort_key(n).is_some())
            .filter_map(|n| {
                let dir = self.dir.join(&n);
                let meta = Metadata::read(&dir).ok()?;
                (meta.id == n).then_some(Backup { dir, meta })
            })
            .collect();
        out.sort_by(|a, b| sort_key(&a.meta.id).cmp(&sort_key(&b.meta.id)));
        Ok(out)
    }

    /// The newest complete backup's id, from directory names alone.
    pub fn latest_id(&self) -> Option<String> {
        self.names()
            .ok()?
            .into_iter()
            .filter(|n| sort_key(n).is_some() && self.dir.join(n).join(METADATA_NAME).is_file())
            .max_by(|a, b| sort_key(a).cmp(&sort_key(b)))
    }

    /// Finds a backup by id, unique prefix, or `latest`.
    pub fn resolve(&self, query: &str) -> anyhow::Result<Backup> {
        let all = self.list()?;
        if query == "latest" {
            return all.into_iter().next_back().ok_or_else(|| {
                crate::UserError::err(format!("no backups in {}", self.dir.display()))
            });
        }
        if let Some(b) = all.iter().find(|b| b.meta.id == query) {
            return Ok(b.clone());
        }
        let matches: Vec<&Backup> = all
            .iter()
            .filter(|b| b.meta.id.starts_with(query))
            .collect();
        match matches.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(crate::UserError::err(format!(
                "no backup `{query}` (see `sfp backup list`)"
            ))),
            many => Err(crate::UserError::err(format!(
                "`{query}` matches {} backups: {}",
                many.len(),
                many.iter()
                    .map(|b| b.meta.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// Removes temporary directories older than an hour (a killed backup's left-overs).
    pub fn clean_stale(&self) -> Vec<String> {
        let mut removed = Vec::new();
        for name in self.names().unwrap_or_default() {
            if !name.starts_with(".tmp-") {
                continue;
            }
            let path = self.dir.join(&name);
            let old = std::fs::metadata(&path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .is_some_and(|age| age > STALE_AFTER);
            if old && std::fs::remove_dir_all(&path).is_ok() {
                removed.push(name);
            }
        }
        removed
    }
}

/// `(date-time, sequence)` of an id, or `None` for a name that is not a backup id.
pub fn sort_key(id: &str) -> Option<(&str, u32)> {
    let (base, seq) = match id.get(15..) {
        Some("") => (id, 0),
        Some(rest) => (&id[..15], rest.strip_prefix('-')?.parse().ok()?),
        None => return None,
    };
    let b = base.as_bytes();
    let shape = b.len() == 15
        && b[8] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 8 || c.is_ascii_digit());
    shape.then_some((base, seq))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sort_by_time_then_sequence() {
        assert_eq!(sort_key("20250101-000000"), Some(("20250101-000000", 0)));
        assert_eq!(
            sort_key("20250101-000000-12"),
            Some(("20250101-000000", 12))
        );
        assert_eq!(sort_key(".tmp-20250101-000000-5"), None);
        assert_eq!(sort_key("2025010x-000000"), None);
        assert_eq!(sort_key("20250101-000000-"), None);
        let mut ids = vec![
            "20250101-000000-10",
            "20250101-000001",
            "20250101-000000-2",
            "20250101-000000",
        ];
        ids.sort_by_key(|i| sort_key(i));
        assert_eq!(
            ids,
            [
                "20250101-000000",
                "20250101-000000-2",
                "20250101-000000-10",
                "20250101-000001"
            ]
        );
    }

    #[test]
    fn reservations_in_one_second_are_unique() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().join("backups"));
        let now = chrono::Utc::now();
        let a = store.reserve(now, Duration::from_secs(1)).unwrap();
        let b = store.reserve(now, Duration::from_secs(1)).unwrap();
        assert_ne!(a.id, b.id);
        assert!(b.id.ends_with("-1"));
        assert!(
            store.list().unwrap().is_empty(),
            "temporary dirs are not listed"
        );
        let mode = std::fs::metadata(&a.tmp).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }
}
