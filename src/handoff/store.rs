//! Where handoffs live and how they are named, found and retired.
//!
//! `$SFP_HOME/handoffs/<project>/handoff-YYYYMMDD-HHMMSS-<session>[-N].{json,md}`, where
//! `<project>` is the project directory's name and a short hash of its path. The JSON file is
//! the handoff; it is written to a temporary file and linked into place only if the name is
//! free (create-new), so two handoffs never overwrite each other: a taken name gets the next
//! suffix. The Markdown beside it is a rendering for people.
//!
//! The store is the boundary where a handoff leaves sfp: it is masked here
//! ([`crate::util::redact`]), once, before either file is rendered, so that both are masked and a
//! handoff is compared with the stored ones as it will be stored.
//!
//! Neither file is flushed to disk before it is linked into place: on a loaded machine an fsync
//! alone can cost more than the rest of a SessionEnd hook, and a handoff lost to a power cut is
//! a small loss. A damaged file is skipped when handoffs are read back.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{Context as _, bail};
use sha2::{Digest, Sha256};

use super::model::Handoff;
use crate::paths::{Paths, safe_component};

/// A stored handoff, found by listing its directory.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub id: String,
    pub json: PathBuf,
    pub md: PathBuf,
    stamp: String,
    suffix: u32,
    mtime: SystemTime,
}

/// The handoffs of one project.
#[derive(Debug, Clone)]
pub(super) struct Store {
    dir: PathBuf,
}

/// The directory name of a project's handoffs: its base name and a short hash of its path.
pub(super) fn project_key(project: Option<&Path>) -> String {
    let Some(project) = project else {
        return "no-project".to_owned();
    };
    let name = project
        .file_name()
        .map_or_else(|| "root".to_owned(), |n| n.to_string_lossy().into_owned());
    let mut name = safe_component(&name);
    name.truncate(40);
    let hash = Sha256::digest(project.as_os_str().as_encoded_bytes());
    let short = hash.iter().take(4).fold(String::new(), |mut acc, b| {
        let _ = write!(acc, "{b:02x}");
        acc
    });
    format!("{name}-{short}")
}

impl Store {
    pub(super) fn for_project(paths: &Paths, project: Option<&Path>) -> Self {
        Self {
            dir: paths.handoffs_dir().join(project_key(project)),
        }
    }

    pub(super) fn at(dir: PathBuf) -> Self {
        Self { dir }
    }

    pub(super) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Masks `h`, then writes it (its `id` is set here) and its Markdown; returns the entry.
    pub(super) fn write(
        &self,
        h: &mut Handoff,
        render: impl Fn(&Handoff) -> String,
    ) -> anyhow::Result<Entry> {
        *h = crate::util::redact::masked(h)?;
        self.write_masked(h, render)
    }

    /// Like [`Store::write`], but writes nothing when the latest handoff already records the same
    /// work.
    pub(super) fn write_unless_same(
        &self,
        h: &mut Handoff,
        render: impl Fn(&Handoff) -> String,
    ) -> anyhow::Result<Unless> {
        *h = crate::util::redact::masked(h)?;
        if let Some(latest) = self.latest().and_then(|e| e.load().ok())
            && latest.same_work(h)
        {
            return Ok(Unless::Same(latest.id));
        }
        self.write_masked(h, render).map(Unless::Written)
    }

    fn write_masked(
        &self,
        h: &mut Handoff,
        render: impl Fn(&Handoff) -> String,
    ) -> anyhow::Result<Entry> {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)
            .with_context(|| format!("cannot create {}", self.dir.display()))?;
        let session = safe_component(h.session_id.as_deref().unwrap_or("no-session"));
        let base = format!("handoff-{}-{session}", h.created_at.format("%Y%m%d-%H%M%S"));
        for n in 1..=10_000u32 {
            h.id = if n == 1 {
                base.clone()
            } else {
                format!("{base}-{n}")
            };
            let json = self.dir.join(format!("{}.json", h.id));
            let bytes = serde_json::to_vec_pretty(h)?;
            match self.create_new(&json, &bytes)? {
                Created::Yes => {
                    let md = self.dir.join(format!("{}.md", h.id));
                    if let Created::Taken = self.create_new(&md, render(h).as_bytes())? {
                        // A Markdown file without its JSON is left from an interrupted write.
                        std::fs::remove_file(&md).ok();
                        self.create_new(&md, render(h).as_bytes())?;
                    }
                    return self
                        .entry(&h.id)
                        .context("the handoff was written but cannot be listed");
                }
                Created::Taken => {}
            }
        }
        bail!("no free handoff name for {base} in {}", self.dir.display())
    }

    /// Writes `bytes` to `path` only if no such file exists, atomically.
    fn create_new(&self, path: &Path, bytes: &[u8]) -> anyhow::Result<Created> {
        use std::os::unix::fs::PermissionsExt;
        let mut tmp = tempfile::Builder::new()
            .prefix(".sfp-tmp-")
            .tempfile_in(&self.dir)
            .with_context(|| format!("cannot create a temporary file in {}", self.dir.display()))?;
        tmp.write_all(bytes)
            .with_context(|| format!("cannot write {}", path.display()))?;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))?;
        match tmp.persist_noclobber(path) {
            Ok(_) => Ok(Created::Yes),
            Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(Created::Taken),
            Err(e) => Err(e.error).with_context(|| format!("cannot write {}", path.display())),
        }
    }

    /// The entry of handoff `id`, if its JSON exists.
    pub(super) fn entry(&self, id: &str) -> Option<Entry> {
        let json = self.dir.join(format!("{id}.json"));
        let mtime = std::fs::metadata(&json)
            .ok()?
            .modified()
            .unwrap_or(SystemTime::UNIX_EPOCH);
        let (stamp, suffix) = parse_id(id)?;
        Some(Entry {
            id: id.to_owned(),
            md: self.dir.join(format!("{id}.md")),
            json,
            stamp,
            suffix,
            mtime,
        })
    }

    /// Every handoff of the project, oldest first.
    pub(super) fn list(&self) -> Vec<Entry> {
        let Ok(read) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut entries: Vec<Entry> = read
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                let id = name.strip_suffix(".json")?;
                id.starts_with("handoff-").then(|| self.entry(id))?
            })
            .collect();
        entries.sort_by(|a, b| {
            (&a.stamp, a.mtime, a.suffix, &a.id).cmp(&(&b.stamp, b.mtime, b.suffix, &b.id))
        });
        entries
    }

    pub(super) fn latest(&self) -> Option<Entry> {
        self.list().pop()
    }

    /// `latest`, an id, or a unique prefix of one (with or without `handoff-`).
    pub(super) fn find(&self, query: &str) -> anyhow::Result<Entry> {
        let list = self.list();
        if query == "latest" {
            return list
                .into_iter()
                .next_back()
                .context("no handoff yet for this project");
        }
        if let Some(e) = list.iter().find(|e| e.id == query) {
            return Ok(e.clone());
        }
        let matches: Vec<&Entry> = list
            .iter()
            .filter(|e| {
                e.id.starts_with(query)
                    || e.id
                        .strip_prefix("handoff-")
                        .is_some_and(|s| s.starts_with(query))
            })
            .collect();
        match matches.as_slice() {
            [one] => Ok((*one).clone()),
            [] => bail!("no handoff `{query}` in {}", self.dir.display()),
            many => bail!(
                "`{query}` matches {} handoffs ({} …); give more of the id",
                many.len(),
                many.iter()
                    .take(3)
                    .map(|e| e.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// Removes all but the newest `keep` handoffs; returns the ids removed.
    pub(super) fn prune(&self, keep: usize) -> anyhow::Result<Vec<String>> {
        let list = self.list();
        let excess = list.len().saturating_sub(keep);
        let mut removed = Vec::new();
        for e in list.into_iter().take(excess) {
            for path in [&e.json, &e.md] {
                match std::fs::remove_file(path) {
                    Ok(()) => {}
                    Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                    Err(err) => {
                        return Err(err)
                            .with_context(|| format!("cannot remove {}", path.display()));
                    }
                }
            }
            removed.push(e.id);
        }
        Ok(removed)
    }
}

/// What [`Store::write_unless_same`] did.
#[derive(Debug)]
pub(super) enum Unless {
    Written(Entry),
    /// Nothing: the latest handoff, this id, records the same work.
    Same(String),
}

enum Created {
    Yes,
    Taken,
}

impl Entry {
    /// Reads the handoff's JSON.
    pub(super) fn load(&self) -> anyhow::Result<Handoff> {
        let bytes = match crate::util::read::read(&self.json, crate::util::read::Kind::STATE) {
            crate::util::read::Foreign::Read(bytes) => bytes,
            crate::util::read::Foreign::Missing => {
                anyhow::bail!("cannot open {}: not found", self.json.display())
            }
            crate::util::read::Foreign::Skipped(skip) => anyhow::bail!("{skip}"),
        };
        serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is not a valid handoff", self.json.display()))
    }
}

/// Every project store under `$SFP_HOME/handoffs`.
pub(super) fn all_stores(paths: &Paths) -> Vec<Store> {
    let Ok(read) = std::fs::read_dir(paths.handoffs_dir()) else {
        return Vec::new();
    };
    read.filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| Store::at(e.path()))
        .collect()
}

/// `handoff-YYYYMMDD-HHMMSS-<session>[-N]` → (`YYYYMMDD-HHMMSS`, N or 1).
fn parse_id(id: &str) -> Option<(String, u32)> {
    let rest = id.strip_prefix("handoff-")?;
    let stamp = rest.get(..15)?;
    if !stamp.bytes().enumerate().all(|(i, b)| {
        if i == 8 {
            b == b'-'
        } else {
            b.is_ascii_digit()
        }
    }) {
        return None;
    }
    let suffix = rest
        .rsplit_once('-')
        .filter(|(_, n)| (1..=4).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|(_, n)| n.parse().ok())
        .filter(|_| rest.len() > 16)
        .unwrap_or(1);
    Some((stamp.to_owned(), suffix))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn handoff(session: &str, secs: i64) -> Handoff {
        Handoff {
            session_id: Some(session.to_owned()),
            created_at: Utc.timestamp_opt(1_795_308_000 + secs, 0).unwrap(),
            requests: vec![format!("request at {secs}")],
            ..Handoff::default()
        }
    }

    #[test]
    fn six_handoffs_in_one_second_are_all_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path().join("p"));
        let mut ids = Vec::new();
        for _ in 0..6 {
            let mut h = handoff("a1d3ea29-a3bb", 0);
            ids.push(store.write(&mut h, |h| format!("# {}", h.id)).unwrap().id);
        }
        let listed: Vec<String> = store.list().into_iter().map(|e| e.id).collect();
        assert_eq!(listed, ids, "all six kept, in the order written");
        assert_eq!(ids[0], "handoff-20261122-004000-a1d3ea29-a3bb");
        assert_eq!(ids[5], "handoff-20261122-004000-a1d3ea29-a3bb-6");
        for id in &ids {
            let e = store.entry(id).unwrap();
            assert_eq!(e.load().unwrap().id, *id);
            assert_eq!(std::fs::read_to_string(&e.md).unwrap(), format!("# {id}"));
        }
        assert_eq!(store.latest().unwrap().id, ids[5]);
    }

    #[test]
    fn concurrent_writers_never_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path().join("p"));
        std::thread::scope(|s| {
            for _ in 0..6 {
                s.spawn(|| {
                    let mut h = handoff("same", 5);
                    store.write(&mut h, |_| String::new()).unwrap();
                });
            }
        });
        assert_eq!(store.list().len(), 6);
    }

    #[test]
    fn retention_keeps_the_newest() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path().join("p"));
        for i in 0..7 {
            store
                .write(&mut handoff("s", i), |_| String::new())
                .unwrap();
        }
        let removed = store.prune(3).unwrap();
        assert_eq!(removed.len(), 4);
        let left: Vec<String> = store
            .list()
            .into_iter()
            .map(|e| e.load().unwrap().requests[0].clone())
            .collect();
        assert_eq!(left, ["request at 4", "request at 5", "request at 6"]);
        let files = std::fs::read_dir(store.dir()).unwrap().count();
        assert_eq!(files, 6, "json and md of the three kept, nothing else");
        assert!(store.prune(3).unwrap().is_empty());
    }

    #[test]
    fn find_by_prefix_and_latest() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path().join("p"));
        assert!(store.find("latest").is_err());
        store
            .write(&mut handoff("one", 0), |_| String::new())
            .unwrap();
        store
            .write(&mut handoff("two", 3600), |_| String::new())
            .unwrap();
        assert_eq!(
            store.find("latest").unwrap().id,
            "handoff-20261122-014000-two"
        );
        assert_eq!(
            store.find("20261122-0040").unwrap().id,
            "handoff-20261122-004000-one"
        );
        assert!(
            store
                .find("handoff-2026")
                .unwrap_err()
                .to_string()
                .contains("matches 2")
        );
        assert!(store.find("nope").is_err());
    }

    #[test]
    fn project_keys_are_safe_and_distinct() {
        let a = project_key(Some(Path::new("/home/u/my project")));
        let b = project_key(Some(Path::new("/tmp/my project")));
        assert!(a.starts_with("my_project-") && b.starts_with("my_project-"));
        assert_ne!(a, b);
        assert_eq!(project_key(None), "no-project");
        assert_eq!(
            parse_id("handoff-20261122-004000-x-12"),
            Some(("20261122-004000".into(), 12))
        );
        assert_eq!(
            parse_id("handoff-20261122-004000-a1d3ea29-a3bb"),
            Some(("20261122-004000".into(), 1))
        );
        assert_eq!(parse_id("handoff-2026"), None);
    }
}
