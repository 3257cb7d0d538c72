//! The backup directory, `$SFP_HOME/backups/`: allocating unique ids, listing complete backups,
//! resolving an id, a prefix or `latest`, and cleaning up what a crash left behind (retention is
//! in [`super::retention`]).
//!
//! A backup is written into `.tmp-<id>-<pid>/` and renamed to `<id>/` when complete, so a listing
//! (which reads only `<id>/` directories) never shows half a backup; an `<id>/` directory whose
//! metadata.json cannot be used is listed as damaged, with the reason. Ids are `YYYYMMDD-HHMMSS`
//! in UTC, with `-1`, `-2`, … when one second holds several; they are reserved under the lock
//! `.lock` by creating the temporary directory, together with a sequence number (`.seq`).
//!
//! Backups are ordered by that sequence number, then by the creation time in their metadata
//! ([`Order`]), never by the id's text: a clock that was wrong cannot make an old backup newest.

use std::os::unix::fs::DirBuilderExt as _;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use anyhow::{Context as _, bail};

use std::io::Read as _;
use std::path::Path;

use super::error::BackupError;
use super::metadata::{METADATA_NAME, Metadata, open_regular};
use super::profile::Profile;
use super::shown::escape;
use crate::util::lock::FileLock;

/// Temporary directories older than this are left-overs of a killed backup.
const STALE_AFTER: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone)]
pub(super) struct Store {
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
pub(super) struct Reserved {
    pub id: String,
    pub tmp: PathBuf,
    /// The backup's sequence number in the store.
    pub seq: u64,
}

/// One entry of the store's listing: a usable backup, or a backup directory whose metadata
/// cannot be used, with the reason.
#[derive(Debug, Clone)]
pub(super) enum Listed {
    Good(Box<Backup>),
    Damaged {
        id: String,
        dir: PathBuf,
        reason: String,
    },
}

impl Listed {
    pub(super) fn id(&self) -> &str {
        match self {
            Listed::Good(b) => &b.meta.id,
            Listed::Damaged { id, .. } => id,
        }
    }
}

/// What the store orders backups by, read from the head of a backup's metadata.json: its
/// sequence number, then its creation time, then the id (for backups written before sequence
/// numbers were recorded).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Order {
    pub seq: u64,
    /// Milliseconds since the Unix epoch (`i64::MIN` when unreadable).
    pub created_ms: i64,
    pub id: (String, u32),
}

impl Order {
    pub(super) fn of(meta: &Metadata) -> Self {
        Self::new(meta.seq, &meta.created, &meta.id)
    }

    pub(super) fn new(seq: u64, created: &str, id: &str) -> Self {
        Self {
            seq,
            created_ms: parse_created(created).unwrap_or(i64::MIN),
            id: sort_key(id).map_or_else(|| (id.to_owned(), 0), |(b, n)| (b.to_owned(), n)),
        }
    }
}

/// An RFC 3339 time as milliseconds since the Unix epoch.
pub(super) fn parse_created(created: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(created)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// How far past the clock a backup's creation time may lie before it is reported as future-dated.
const FUTURE_SLACK_MS: i64 = 10 * 60 * 1000;

impl Store {
    pub(super) fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    pub(super) fn lock(&self, wait: Duration) -> anyhow::Result<FileLock> {
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
    pub(super) fn reserve(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        wait: Duration,
    ) -> anyhow::Result<Reserved> {
        let _lock = self.lock(wait)?;
        let base = now.format("%Y%m%d-%H%M%S").to_string();
        let names = self.names()?;
        // One past the highest number this second already has (backups and ones being written),
        // never the first free one: an id that retention freed is never given to a new backup,
        // so a pre-restore backup's undo command can never come to name another backup.
        let highest = names
            .iter()
            .filter_map(|n| number_in_second(n, &base))
            .max();
        let id = match highest {
            None => base.clone(),
            Some(n) if n < 10_000 => format!("{base}-{}", n + 1),
            Some(_) => bail!("no free backup id in this second"),
        };
        let tmp = self.dir.join(format!(".tmp-{id}-{}", std::process::id()));
        let seq = self.next_seq(&names);
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&tmp)
            .with_context(|| format!("cannot create {}", tmp.display()))?;
        Ok(Reserved { id, tmp, seq })
    }

    /// The next sequence number (called under the store's lock): one more than the counter in
    /// `.seq` and than every backup's own, so that a lost counter never repeats a number.
    fn next_seq(&self, names: &[String]) -> u64 {
        let counter = self.dir.join(".seq");
        let recorded = open_regular(&counter)
            .ok()
            .and_then(|f| {
                let mut text = String::new();
                f.take(32).read_to_string(&mut text).ok()?;
                text.trim().parse::<u64>().ok()
            })
            .unwrap_or(0);
        let highest = names
            .iter()
            .filter(|n| sort_key(n).is_some())
            .filter_map(|n| head(&self.dir.join(n)))
            .map(|h| h.seq)
            .max()
            .unwrap_or(0);
        let next = recorded.max(highest) + 1;
        // Best effort, in place: a counter that is lost or cut short by a kill is made good by
        // the backups' own numbers, and a write in place leaves no temporary file behind.
        let _ = write_counter(&counter, next);
        next
    }

    /// Renames a finished temporary directory to its id.
    pub(super) fn commit(&self, reserved: &Reserved) -> anyhow::Result<PathBuf> {
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

    /// Every backup directory, newest first (by [`Order`]); one whose metadata cannot be used is
    /// listed as damaged with the reason, never left out.
    pub(super) fn list_all(&self) -> anyhow::Result<Vec<Listed>> {
        let mut out: Vec<(Order, Listed)> = self
            .names()?
            .into_iter()
            .filter(|n| sort_key(n).is_some())
            .map(|n| {
                let dir = self.dir.join(&n);
                match Metadata::read(&dir) {
                    Ok(meta) if meta.id == n => (
                        Order::of(&meta),
                        Listed::Good(Box::new(Backup { dir, meta })),
                    ),
                    Ok(meta) => (
                        Order::new(0, "", &n),
                        Listed::Damaged {
                            reason: format!("metadata.json names another backup ({})", meta.id),
                            id: n,
                            dir,
                        },
                    ),
                    Err(e) => (
                        Order::new(0, "", &n),
                        Listed::Damaged {
                            reason: format!("{e:#}"),
                            id: n,
                            dir,
                        },
                    ),
                }
            })
            .collect();
        out.sort_by(|a, b| b.0.cmp(&a.0));
        Ok(out.into_iter().map(|(_, l)| l).collect())
    }

    /// The newest backup's id and head, read from the heads of the metadata files alone.
    pub(super) fn newest(&self) -> Option<(String, Head)> {
        self.names()
            .ok()?
            .into_iter()
            .filter(|n| sort_key(n).is_some())
            .filter_map(|n| head(&self.dir.join(&n)).map(|h| (n, h)))
            .max_by(|a, b| a.1.order(&a.0).cmp(&b.1.order(&b.0)))
    }

    /// Backups whose recorded creation time lies in the future (a clock that was wrong, a
    /// machine restored from elsewhere), as `(id, created)`, newest first.
    pub(super) fn future_dated(&self) -> Vec<(String, String)> {
        let now = chrono::Utc::now().timestamp_millis();
        let mut out: Vec<(Order, String, String)> = self
            .names()
            .unwrap_or_default()
            .into_iter()
            .filter(|n| sort_key(n).is_some())
            .filter_map(|n| {
                let h = head(&self.dir.join(&n))?;
                let at = parse_created(&h.created)?;
                (at > now + FUTURE_SLACK_MS)
                    .then(|| (h.order(&n), n, escape(&h.created).into_owned()))
            })
            .collect();
        out.sort_by(|a, b| b.0.cmp(&a.0));
        out.into_iter().map(|(_, id, c)| (id, c)).collect()
    }

    /// Finds a backup by id, unique prefix, or `latest` (the newest backup that is not a
    /// pre-restore backup, so that restoring `latest` twice restores the same backup twice).
    pub(super) fn resolve(&self, query: &str) -> anyhow::Result<Backup> {
        if query.trim().is_empty() {
            return Err(BackupError::EmptyId.into());
        }
        let all = self.list_all()?;
        if query == "latest" {
            return all
                .into_iter()
                .find_map(|l| match l {
                    Listed::Good(b) if b.meta.profile != Profile::PreRestore => Some(*b),
                    _ => None,
                })
                .ok_or_else(|| {
                    BackupError::NoLatest {
                        dir: self.dir.display().to_string(),
                    }
                    .into()
                });
        }
        let pick = |l: &Listed| -> anyhow::Result<Backup> {
            match l {
                Listed::Good(b) => Ok((**b).clone()),
                Listed::Damaged { id, reason, .. } => Err(BackupError::Damaged {
                    id: id.clone(),
                    reason: reason.clone(),
                }
                .into()),
            }
        };
        if let Some(l) = all.iter().find(|l| l.id() == query) {
            return pick(l);
        }
        let matches: Vec<&Listed> = all.iter().filter(|l| l.id().starts_with(query)).collect();
        match matches.as_slice() {
            [one] => pick(one),
            [] => Err(BackupError::NoMatch {
                query: query.to_owned(),
            }
            .into()),
            many => Err(BackupError::Ambiguous {
                query: query.to_owned(),
                ids: many.iter().map(|l| l.id().to_owned()).collect(),
            }
            .into()),
        }
    }

    /// Removes temporary directories older than an hour (a killed backup's left-overs).
    pub(super) fn clean_stale(&self) -> Vec<String> {
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

/// Writes the sequence counter: never through a symlink, never waiting on a FIFO.
fn write_counter(path: &Path, value: u64) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    file.set_len(0)?;
    file.write_all(format!("{value}\n").as_bytes())
}

/// What the head of a backup's metadata.json says.
#[derive(Debug, Clone)]
pub(super) struct Head {
    pub profile: Profile,
    pub seq: u64,
    pub created: String,
}

impl Head {
    pub(super) fn order(&self, id: &str) -> Order {
        Order::new(self.seq, &self.created, id)
    }
}

/// The profile, sequence number and creation time of the backup in `dir`, from its
/// metadata.json alone. They are written near the top, before the list of files, so the first
/// few KiB answer without parsing a metadata file of many megabytes (a `full` backup's) on the
/// hook path; the whole file is parsed only when the head does not say. `None` when the file
/// cannot be read (a FIFO or other non-regular file is never waited on).
pub(super) fn head(dir: &Path) -> Option<Head> {
    #[derive(serde::Deserialize)]
    struct Whole {
        profile: Profile,
        #[serde(default)]
        seq: u64,
        #[serde(default)]
        created: String,
    }
    let path = dir.join(METADATA_NAME);
    let mut file = open_regular(&path).ok()?;
    let mut bytes = Vec::with_capacity(4096);
    (&mut file).take(4096).read_to_end(&mut bytes).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    let profile = head_string(&text, "profile")
        .and_then(|v| serde_json::from_value(serde_json::Value::String(v.to_owned())).ok());
    let created = head_string(&text, "created");
    if let (Some(profile), Some(created)) = (profile, created) {
        let seq = head_raw(&text, "seq")
            .and_then(|r| {
                r.split(|c: char| !c.is_ascii_digit())
                    .next()
                    .and_then(|d| d.parse().ok())
            })
            .unwrap_or(0);
        return Some(Head {
            profile,
            seq,
            created: created.to_owned(),
        });
    }
    let file = open_regular(&path).ok()?;
    serde_json::from_reader::<_, Whole>(std::io::BufReader::new(file.take(256 * 1024 * 1024)))
        .ok()
        .map(|w| Head {
            profile: w.profile,
            seq: w.seq,
            created: w.created,
        })
}

/// The text after `"name":` at the top level of a JSON head (a key inside a string is escaped
/// and never matches).
fn head_raw<'t>(text: &'t str, name: &str) -> Option<&'t str> {
    let key = format!("\"{name}\"");
    let at = text
        .match_indices(&key)
        .find(|(i, _)| *i == 0 || text.as_bytes()[i - 1] != b'\\')
        .map(|(i, m)| i + m.len())?;
    text[at..]
        .trim_start()
        .strip_prefix(':')
        .map(str::trim_start)
}

/// The string value of `"name": "<value>"` in a JSON head.
fn head_string<'t>(text: &'t str, name: &str) -> Option<&'t str> {
    head_raw(text, name)?
        .strip_prefix('"')
        .and_then(|r| r.split('"').next())
}

/// The number of backup `name` within second `base`: 0 for `base` itself, N for `base-N`, and
/// the same for the temporary directories `.tmp-<id>-<pid>`; `None` for any other name.
fn number_in_second(name: &str, base: &str) -> Option<u32> {
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if let Some(tmp) = name.strip_prefix(".tmp-") {
        let rest = tmp.strip_prefix(base)?;
        let parts: Vec<&str> = rest.strip_prefix('-')?.split('-').collect();
        return match parts.as_slice() {
            [pid] if digits(pid) => Some(0),
            [n, pid] if digits(n) && digits(pid) => n.parse().ok(),
            _ => None,
        };
    }
    let rest = name.strip_prefix(base)?;
    if rest.is_empty() {
        return Some(0);
    }
    rest.strip_prefix('-').filter(|n| digits(n))?.parse().ok()
}

/// `(date-time, sequence)` of an id, or `None` for a name that is not a backup id.
pub(super) fn sort_key(id: &str) -> Option<(&str, u32)> {
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
        // An id freed (by retention, say) is not given out again within its second.
        std::fs::remove_dir(&a.tmp).unwrap();
        let c = store.reserve(now, Duration::from_secs(1)).unwrap();
        assert!(c.id.ends_with("-2"), "{}", c.id);
        assert_eq!(
            number_in_second(".tmp-20250101-000000-7-123", "20250101-000000"),
            Some(7)
        );
        assert_eq!(
            number_in_second(".tmp-20250101-000000-123", "20250101-000000"),
            Some(0)
        );
        assert_eq!(
            number_in_second("20250101-000000-12", "20250101-000000"),
            Some(12)
        );
        assert_eq!(
            number_in_second("20250101-0000001", "20250101-000000"),
            None
        );
        assert!(
            store.list_all().unwrap().is_empty(),
            "temporary dirs are not listed"
        );
        let mode = std::fs::metadata(&b.tmp).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }
}
