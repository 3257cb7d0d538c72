//! Taking a backup: pick the files, reserve an id, write the archive and metadata.json into a
//! temporary directory, rename it into place, then apply retention (never inside a restore).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context as _;

use super::archive::{Compress, create_private, write_archive};
use super::metadata::{
    ARCHIVE_NAME, ArchiveInfo, FORMAT, FileEntry, METADATA_NAME, Metadata, Totals, restore_command,
};
use super::profile::{Profile, Rules};
use super::select::{Selected, Skipped, select};
use super::settings::BackupSettings;
use super::store::{Reserved, Store};
use crate::hook::Deadline;
use crate::paths::Paths;

/// What to back up.
#[derive(Debug, Clone)]
pub(super) struct Request {
    pub profile: Profile,
    pub reason: String,
    pub include_credentials: bool,
    /// A pre-restore backup only: what the restore will create, for its undo to remove.
    pub undo: Undo,
    /// A hook's deadline: past it the backup is given up between two files, its temporary
    /// directory removed, and retention does not run.
    pub deadline: Deadline,
}

/// What a restore creates (archive-relative paths), recorded in its pre-restore backup.
#[derive(Debug, Clone, Default)]
pub(super) struct Undo {
    pub files: Vec<FileEntry>,
    pub dirs: Vec<String>,
}

/// A backup just written.
#[derive(Debug)]
pub(super) struct Created {
    pub dir: PathBuf,
    pub meta: Metadata,
    /// Ids removed by retention afterwards.
    pub pruned: Vec<String>,
}

/// Takes a `config` or `full` backup of the Claude config dir.
pub(super) fn create(
    paths: &Paths,
    settings: &BackupSettings,
    req: &Request,
) -> anyhow::Result<Created> {
    create_unless(paths, settings, req, false)?.context("no backup was written")
}

/// Like [`create`], but when `skip_unchanged` is set and the newest backup has the same profile
/// and the same files with the same mode and content (SHA-256), writes nothing and returns `None`
/// (hooks use this so that retention keeps backups of distinct states).
pub(super) fn create_unless(
    paths: &Paths,
    settings: &BackupSettings,
    req: &Request,
    skip_unchanged: bool,
) -> anyhow::Result<Option<Created>> {
    let started = Instant::now();
    let rules = Rules::new(
        req.profile,
        &settings.include,
        &settings.exclude,
        req.include_credentials,
    )
    .context("the backup include/exclude globs in sfp.yaml")?;
    let selection = select(&paths.claude_dir, &paths.sfp_home, &rules)?;
    if skip_unchanged && unchanged(&Store::new(paths.backups_dir()), req, &selection.files) {
        return Ok(None);
    }
    if req.deadline.passed() {
        anyhow::bail!("cut at the hook's deadline before writing; nothing was written");
    }
    let source = Source {
        dir: &paths.claude_dir,
        default_dir: &paths.claude_dir,
    };
    write(
        paths,
        settings,
        req,
        &source,
        &selection.files,
        selection.skipped,
        started,
    )
    .map(Some)
}

/// Whether the newest backup already holds exactly `files` as they are now.
fn unchanged(store: &Store, req: &Request, files: &[Selected]) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    let Some((latest, _)) = store.newest() else {
        return false;
    };
    let Ok(meta) = Metadata::read(&store.dir.join(&latest)) else {
        return false;
    };
    meta.profile == req.profile
        && meta.include_credentials == req.include_credentials
        && meta.files.len() == files.len()
        && meta.files.iter().zip(files).all(|(old, now)| {
            old.path == now.rel
                && !old.changed
                && std::fs::symlink_metadata(&now.abs).is_ok_and(|m| {
                    m.is_file() && m.len() == old.size && m.mode() & 0o7777 == old.mode
                })
                // Content, not timestamps: a same-size edit within one second must count.
                // Opened without blocking: a FIFO swapped in since the stat is not waited on.
                && match crate::util::read::open(&now.abs, crate::util::read::Kind::CLAUDE_STATE) {
                    crate::util::read::OpenResult::Open(mut o) => {
                        super::verify::hash(&mut o.file).is_ok_and(|sha| sha == old.sha256)
                    }
                    _ => false,
                }
        })
}

/// Where the files of a backup come from.
pub(super) struct Source<'a> {
    /// The directory archive paths are relative to.
    pub dir: &'a Path,
    /// The directory `sfp restore` writes to by default.
    pub default_dir: &'a Path,
}

/// Writes a backup of `files`, commits it and applies retention (except for a pre-restore backup).
pub(super) fn write(
    paths: &Paths,
    settings: &BackupSettings,
    req: &Request,
    source: &Source<'_>,
    files: &[Selected],
    mut skipped: Vec<Skipped>,
    started: Instant,
) -> anyhow::Result<Created> {
    let store = Store::new(paths.backups_dir());
    let wait = req.deadline.cap(settings.lock_wait);
    let now = chrono::Utc::now();
    let reserved = store.reserve(now, wait)?;
    let result = fill(
        &reserved,
        settings,
        req,
        source,
        files,
        &mut skipped,
        now,
        started,
    );
    let meta = match result {
        Ok(meta) => meta,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&reserved.tmp);
            return Err(e);
        }
    };
    let dir = store.commit(&reserved)?;
    // A pre-restore backup is part of a restore: it never removes anything (least of all the
    // backup being restored); retention runs with the next `config` or `full` backup, and never
    // removes the backup just taken. Past a hook's deadline it waits for the next backup too.
    let pruned = if req.profile == Profile::PreRestore || req.deadline.passed() {
        Vec::new()
    } else {
        store
            .prune(settings.keep, settings.max_age, Some(&reserved.id), wait)
            .unwrap_or_default()
    };
    store.clean_stale();
    Ok(Created { dir, meta, pruned })
}

#[expect(
    clippy::too_many_arguments,
    reason = "one call site; a struct would only rename them"
)]
fn fill(
    reserved: &Reserved,
    settings: &BackupSettings,
    req: &Request,
    source: &Source<'_>,
    files: &[Selected],
    skipped: &mut Vec<Skipped>,
    now: chrono::DateTime<chrono::Utc>,
    started: Instant,
) -> anyhow::Result<Metadata> {
    let compress = Compress {
        level: settings.level(),
        threads: settings.compress_threads(),
    };
    let written = write_archive(
        &reserved.tmp.join(ARCHIVE_NAME),
        files,
        compress,
        req.deadline,
    )?;
    skipped.extend(written.skipped);
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    let bytes = written.files.iter().map(|f| f.size).sum();
    let meta = Metadata {
        format: FORMAT,
        id: reserved.id.clone(),
        seq: reserved.seq,
        created: now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        reason: req.reason.clone(),
        profile: req.profile,
        sfp_version: env!("CARGO_PKG_VERSION").to_owned(),
        source_dir: source.dir.display().to_string(),
        include_credentials: req.include_credentials,
        restore_command: restore_command(&reserved.id, source.dir, source.default_dir),
        archive: ArchiveInfo {
            name: ARCHIVE_NAME.to_owned(),
            size: written.archive.size,
            sha256: written.archive.sha256,
            compression: format!("gzip -{}", compress.level),
        },
        totals: Totals {
            files: written.files.len(),
            bytes,
            skipped: skipped.len(),
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        },
        files: written.files,
        skipped: std::mem::take(skipped),
        remove_on_restore: req.undo.files.clone(),
        remove_dirs_on_restore: req.undo.dirs.clone(),
    };
    let path = reserved.tmp.join(METADATA_NAME);
    let mut f = create_private(&path)?;
    std::io::Write::write_all(&mut f, &meta.to_json()?)
        .with_context(|| format!("cannot write {}", path.display()))?;
    f.sync_all()
        .with_context(|| format!("cannot sync {}", path.display()))?;
    Ok(meta)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::Env;

    fn request(deadline: Deadline) -> Request {
        Request {
            profile: Profile::Config,
            reason: "test".to_owned(),
            include_credentials: false,
            undo: Undo::default(),
            deadline,
        }
    }

    /// What the store holds besides its lock and counter: backups and temporary directories.
    fn entries(paths: &Paths) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(paths.backups_dir())
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n != ".lock" && n != ".seq")
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    #[test]
    fn a_backup_past_its_deadline_is_cut_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let claude = dir.path().join(".claude");
        std::fs::create_dir_all(&claude).unwrap();
        for name in ["settings.json", "CLAUDE.md"] {
            std::fs::write(claude.join(name), "{}\n").unwrap();
        }
        let env = Env {
            home: Some(dir.path().to_path_buf()),
            claude_config_dir: Some(claude.clone()),
            ..Env::default()
        };
        let paths = Paths::resolve(&env, None);
        let settings = BackupSettings::default();
        let gone = Deadline::after(Instant::now(), std::time::Duration::ZERO);
        let err = create_unless(&paths, &settings, &request(gone), false).unwrap_err();
        assert!(format!("{err:#}").contains("deadline"), "{err:#}");
        assert_eq!(entries(&paths), Vec::<String>::new());
        // Past the deadline while the archive is written: cut between two files, nothing kept.
        let files = select(
            &claude,
            &paths.sfp_home,
            &Rules::new(Profile::Config, &[], &[], false).unwrap(),
        )
        .unwrap()
        .files;
        assert!(!files.is_empty());
        let store = Store::new(paths.backups_dir());
        store.ensure_dir().unwrap();
        let err = write(
            &paths,
            &settings,
            &request(gone),
            &Source {
                dir: &claude,
                default_dir: &claude,
            },
            &files,
            Vec::new(),
            Instant::now(),
        )
        .unwrap_err();
        assert!(
            format!("{err:#}").contains("cut at the hook's deadline"),
            "{err:#}"
        );
        assert_eq!(entries(&paths), Vec::<String>::new());
        // With time left the same backup is taken.
        let created = create_unless(&paths, &settings, &request(Deadline::NONE), false).unwrap();
        assert!(created.is_some());
        assert_eq!(entries(&paths).len(), 1);
    }
}
