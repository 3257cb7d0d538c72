//! Applying a restore plan in two phases, so that no file is touched until every entry of the
//! archive has been checked, and through directory handles, so that no symlink can redirect a
//! write.
//!
//! Each destination base (the Claude config dir, sfp's home, or `--to DIR`) is opened once as a
//! directory handle, and every path below it is reached one component at a time from that handle
//! with `openat(O_NOFOLLOW | O_DIRECTORY)`, `mkdirat`, `renameat`, `linkat` and `unlinkat`. A
//! directory swapped for a symlink at any moment (say `commands` pointing elsewhere once staging
//! has started) makes the next step fail with `ELOOP`; it can never send a write outside the base.
//!
//! 1. [`stage`] streams the archive once, checking every entry (see [`super::verify::scan`]) and
//!    writing each file to be restored into a private staging directory `.sfp-restore-<pid>-<n>/`
//!    directly inside its destination base, with its mode and modification time, its SHA-256
//!    checked against metadata.json. Any bad entry removes the staging directories: nothing was
//!    written.
//! 2. [`commit`] first walks to every target again and checks it is as planned (no component a
//!    symlink, a file to overwrite still a regular file, a file to create still absent); any
//!    difference stops the restore with nothing written. Then it renames each staged file over
//!    its target (same filesystem: atomic), so every file is either entirely old or entirely new;
//!    a file to create is linked in without replacing anything. Right before each one it checks
//!    the target again, and on a failure it reports which files were replaced.
//!
//! A staging directory left by an interrupted restore is removed by the next restore an hour on.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, FileType, Mode, OFlags};
use rustix::io::Errno;
use sha2::{Digest as _, Sha256};

use super::error::{BackupError, VerifyError, is_disk_full};
use super::metadata::FileEntry;
use super::pgzip::hex;
use super::restore_plan::{Action, DirStep, Plan, Step, inner};
use super::shown::{self, escape};
use super::store::Backup;
use super::verify::{Scanned, hash, scan, write_failed};

/// A destination base opened for a restore, with its staging directory.
#[derive(Debug)]
struct Root {
    base: PathBuf,
    fd: OwnedFd,
    staging: OwnedFd,
    staging_name: String,
    /// Names inside the staging directory not yet moved into place.
    staged: Vec<String>,
}

/// Files staged for a restore, and the staging directories holding them.
#[derive(Debug, Default)]
pub struct Staged {
    roots: Vec<Root>,
    /// Archive path → (root, name in its staging directory).
    files: HashMap<String, (usize, String)>,
    /// Destination bases this restore created (removed again if left empty).
    made_bases: Vec<PathBuf>,
    pub scanned: Scanned,
}

impl Staged {
    /// Removes the staging directories (and bases this restore created, if empty).
    pub fn discard(&self) {
        for r in &self.roots {
            for name in &r.staged {
                let _ = rustix::fs::unlinkat(&r.staging, name.as_str(), AtFlags::empty());
            }
            let _ = rustix::fs::unlinkat(&r.fd, r.staging_name.as_str(), AtFlags::REMOVEDIR);
        }
        for b in self.made_bases.iter().rev() {
            let _ = std::fs::remove_dir(b);
        }
    }
}

/// Checks every entry and writes the files the plan changes into staging directories.
pub fn stage(backup: &Backup, plan: &Plan) -> Result<Staged, VerifyError> {
    let steps: HashMap<&str, (usize, &Path, bool)> = plan
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| matches!(s.action, Action::Create | Action::Overwrite))
        .map(|(i, s)| {
            (
                s.rel.as_str(),
                (i, s.base.as_path(), s.action == Action::Overwrite),
            )
        })
        .collect();
    let mut staged = Staged::default();
    let result = scan(
        backup,
        &|f| steps.contains_key(f.path.as_str()),
        &mut |f, content| {
            let (index, base, overwrite) = *steps
                .get(f.path.as_str())
                .ok_or_else(|| io::Error::other("not planned"))?;
            let root = if let Some(r) = staged.roots.iter().position(|r| r.base == base) {
                r
            } else {
                let root = open_root(base, &mut staged.made_bases).map_err(write_failed)?;
                staged.roots.push(root);
                staged.roots.len() - 1
            };
            let name = index.to_string();
            let r = &mut staged.roots[root];
            let file = rustix::fs::openat(
                &r.staging,
                name.as_str(),
                OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::from_raw_mode(0o600),
            )
            .map_err(|e| write_failed(e.into()))?;
            r.staged.push(name.clone());
            let sha = write_staged(f, content, File::from(file), overwrite)?;
            staged.files.insert(f.path.clone(), (root, name));
            Ok(sha)
        },
    );
    match result {
        Ok(scanned) => {
            staged.scanned = scanned;
            Ok(staged)
        }
        Err(e) => {
            staged.discard();
            Err(e)
        }
    }
}

/// Opens (creating it if missing) a destination base and makes a staging directory in it.
fn open_root(base: &Path, made: &mut Vec<PathBuf>) -> io::Result<Root> {
    if std::fs::symlink_metadata(base).is_err() {
        // Remember the outermost directories created, to remove them if the restore fails.
        let mut missing = Vec::new();
        let mut at = base;
        while std::fs::symlink_metadata(at).is_err() {
            missing.push(at.to_path_buf());
            match at.parent() {
                Some(p) => at = p,
                None => break,
            }
        }
        std::fs::create_dir_all(base)?;
        made.extend(missing.into_iter().rev());
    }
    // The base itself is the root the user chose (it may be a symlink); everything below it is
    // reached without following one.
    let fd = rustix::fs::open(
        base,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    remove_stale_staging(base);
    let staging_name = (0u32..1000)
        .map(|n| format!(".sfp-restore-{}-{n}", std::process::id()))
        .find(|name| rustix::fs::mkdirat(&fd, name.as_str(), Mode::from_raw_mode(0o700)).is_ok())
        .ok_or_else(|| io::Error::other("cannot make a staging directory"))?;
    let staging = open_dir(&fd, &staging_name)?;
    Ok(Root {
        base: base.to_path_buf(),
        fd,
        staging,
        staging_name,
        staged: Vec::new(),
    })
}

/// Removes staging directories an interrupted restore left in `base` more than an hour ago.
fn remove_stale_staging(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        let stale = e.file_name().to_string_lossy().starts_with(".sfp-restore-")
            && e.file_type().is_ok_and(|t| t.is_dir())
            && e.metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > std::time::Duration::from_secs(3600));
        if stale {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// Opens directory `name` in `dir` without following a symlink.
fn open_dir(dir: impl AsFd, name: &str) -> io::Result<OwnedFd> {
    Ok(rustix::fs::openat(
        dir,
        name,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )?)
}

/// Walks from `root` to directory `path` (`/`-separated, `""` for the root itself) one component
/// at a time, never following a symlink. A missing component is made when `create` is set, and
/// is `Ok(None)` otherwise.
fn walk(root: &OwnedFd, path: &str, create: bool) -> io::Result<Option<OwnedFd>> {
    let mut at = open_dir(root, ".")?;
    let mut done = 0;
    for part in path.split('/').filter(|p| !p.is_empty()) {
        done += part.len() + 1;
        let next = match open_dir(&at, part) {
            Err(e) if e.raw_os_error() == Some(Errno::NOENT.raw_os_error()) => {
                if !create {
                    return Ok(None);
                }
                match rustix::fs::mkdirat(&at, part, Mode::from_raw_mode(0o777)) {
                    Ok(()) | Err(Errno::EXIST) => {}
                    Err(e) => return Err(e.into()),
                }
                open_dir(&at, part)
            }
            other => other,
        };
        at = next.map_err(|e| {
            let shown = escape(&path[..done.min(path.len())]).into_owned();
            match e.raw_os_error() {
                Some(c) if c == Errno::LOOP.raw_os_error() || c == Errno::NOTDIR.raw_os_error() => {
                    io::Error::other(format!(
                        "{shown} is a symlink or not a directory (changed after the restore was \
                         planned); refusing to write through it"
                    ))
                }
                _ => io::Error::new(e.kind(), format!("cannot open {shown}: {e}")),
            }
        })?;
    }
    Ok(Some(at))
}

/// Writes one staged file with its mode and mtime; returns the SHA-256 of what was written.
/// Errors from writing are marked as such, so that they are not taken for a damaged archive.
fn write_staged(
    f: &FileEntry,
    content: &mut dyn Read,
    mut file: File,
    sync: bool,
) -> io::Result<String> {
    use std::os::unix::fs::PermissionsExt as _;
    let mut sha = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = content.read(&mut buf)?;
        if n == 0 {
            break;
        }
        sha.update(&buf[..n]);
        file.write_all(&buf[..n]).map_err(write_failed)?;
    }
    // No set-uid or set-gid bits from an archive.
    file.set_permissions(std::fs::Permissions::from_mode(f.mode & 0o1777))
        .map_err(write_failed)?;
    let mtime =
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(u64::try_from(f.mtime).unwrap_or(0));
    file.set_times(
        std::fs::FileTimes::new()
            .set_modified(mtime)
            .set_accessed(mtime),
    )
    .map_err(write_failed)?;
    if sync {
        // It will replace a file: its content must be on disk before the old name goes.
        file.sync_data().map_err(write_failed)?;
    }
    Ok(hex(&sha.finalize()))
}

/// Whether the filesystems that will hold the files a plan writes have room for them. `Err`
/// says which one is short, and by how much.
pub(super) fn check_space(plan: &Plan) -> Result<(), BackupError> {
    let mut need: Vec<(&Path, u64)> = Vec::new();
    for s in plan
        .steps
        .iter()
        .filter(|s| matches!(s.action, Action::Create | Action::Overwrite))
    {
        // Content rounded up to whole blocks, plus an inode's worth.
        let bytes = s.entry.size.div_ceil(4096) * 4096 + 4096;
        match need.iter_mut().find(|(b, _)| *b == s.base.as_path()) {
            Some((_, n)) => *n += bytes,
            None => need.push((&s.base, bytes)),
        }
    }
    for (base, bytes) in need {
        let mut at = base;
        while std::fs::symlink_metadata(at).is_err() {
            match at.parent() {
                Some(p) => at = p,
                None => break,
            }
        }
        let Ok(vfs) = rustix::fs::statvfs(at) else {
            continue;
        };
        let free = vfs.f_bavail.saturating_mul(vfs.f_frsize);
        if free < bytes {
            return Err(BackupError::NoSpace {
                at: shown::path(at),
                free: super::command::human_bytes(free),
                need: super::command::human_bytes(bytes),
            });
        }
    }
    Ok(())
}

/// Why putting the staged files in place stopped. The backup was checked whole before, so each
/// is the target's doing (another process, a full disk): sfp failing at its job.
#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    /// A target's directory cannot be opened (without following a symlink).
    #[error("{base}: {err}")]
    Reach { base: String, err: io::Error },
    #[error("cannot inspect {target}: {err}")]
    Inspect { target: String, err: io::Error },
    /// `left`: found while writing, and the file left as it is.
    #[error(
        "{target} appeared after the restore was planned (another process wrote it){}",
        left_as_it_is(*.left)
    )]
    Appeared { target: String, left: bool },
    #[error(
        "{target} is no longer a regular file (changed after the restore was planned){}",
        left_as_it_is(*.left)
    )]
    NotRegular { target: String, left: bool },
    #[error("{0} was not staged")]
    NotStaged(String),
    #[error("cannot write {target}: its directory is missing")]
    NoDirectory { target: String },
    #[error("cannot write {target}: {err}")]
    Write { target: String, err: io::Error },
    #[error("disk full: cannot write {target}: {err}")]
    DiskFull { target: String, err: io::Error },
    #[error("cannot remove {target}: {err}")]
    Remove { target: String, err: io::Error },
}

impl CommitError {
    /// Never: the backup was checked whole before anything was put in place.
    #[allow(
        clippy::unused_self,
        reason = "every typed error of an edge answers the same question"
    )]
    pub fn is_user_error(&self) -> bool {
        false
    }
}

fn left_as_it_is(left: bool) -> &'static str {
    if left { "; left as it is" } else { "" }
}

/// What [`commit`] did.
#[derive(Debug, Default)]
pub struct Committed {
    /// Files now holding the backup's content, in plan order.
    pub written: Vec<String>,
    /// Files an undo removed.
    pub removed: Vec<String>,
    /// Directories an undo removed.
    pub removed_dirs: usize,
    /// Files an undo kept because they changed since the restore it undoes.
    pub kept: Vec<PathBuf>,
    pub error: Option<CommitError>,
    /// Set when the check of the targets before the first write failed: nothing was touched.
    pub untouched: bool,
}

/// The open bases of a commit: the staged ones, and others opened for removals.
struct Bases<'a> {
    staged: &'a Staged,
    extra: Vec<(PathBuf, OwnedFd)>,
}

impl Bases<'_> {
    fn get(&mut self, base: &Path) -> io::Result<&OwnedFd> {
        if let Some(r) = self.staged.roots.iter().position(|r| r.base == base) {
            return Ok(&self.staged.roots[r].fd);
        }
        if let Some(i) = self.extra.iter().position(|(b, _)| b == base) {
            return Ok(&self.extra[i].1);
        }
        let fd = rustix::fs::open(
            base,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        self.extra.push((base.to_path_buf(), fd));
        Ok(&self.extra[self.extra.len() - 1].1)
    }
}

/// The parent directory of the last target, kept open for the next one in the same directory.
#[derive(Default)]
struct Parent {
    key: Option<(PathBuf, String)>,
    fd: Option<OwnedFd>,
}

impl Parent {
    fn open(
        &mut self,
        bases: &mut Bases<'_>,
        base: &Path,
        dir: &str,
        create: bool,
    ) -> io::Result<Option<&OwnedFd>> {
        let key = (base.to_path_buf(), dir.to_owned());
        if self.key.as_ref() != Some(&key) || (self.fd.is_none() && create) {
            self.fd = walk(bases.get(base)?, dir, create)?;
            self.key = Some(key);
        }
        Ok(self.fd.as_ref())
    }
}

/// `(directory, name)` of a `/`-separated path below a base.
fn split(path: &str) -> (&str, &str) {
    path.rsplit_once('/').unwrap_or(("", path))
}

fn file_type_at(dir: &OwnedFd, name: &str) -> io::Result<Option<FileType>> {
    match rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(st) => Ok(Some(FileType::from_raw_mode(st.st_mode))),
        Err(Errno::NOENT) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Checks every target as planned before anything is written: each reachable without a
/// symlink, a file to overwrite still a regular file (or gone), a file to create still absent.
fn precheck(plan: &Plan, bases: &mut Bases<'_>) -> Result<(), CommitError> {
    let mut parent = Parent::default();
    for step in plan.writes() {
        let (dir, name) = split(step.inner());
        let fd = parent
            .open(bases, &step.base, dir, false)
            .map_err(|err| CommitError::Reach {
                base: shown::path(&step.base),
                err,
            })?;
        let Some(fd) = fd else {
            continue;
        };
        let kind = file_type_at(fd, name).map_err(|err| CommitError::Inspect {
            target: shown::path(&step.target),
            err,
        })?;
        match (step.action, kind) {
            (Action::Create, Some(_)) => {
                return Err(CommitError::Appeared {
                    target: shown::path(&step.target),
                    left: false,
                });
            }
            // (A file an undo would remove that is no longer a regular file is kept, not fatal.)
            (Action::Overwrite, Some(k)) if k != FileType::RegularFile => {
                return Err(CommitError::NotRegular {
                    target: shown::path(&step.target),
                    left: false,
                });
            }
            _ => {}
        }
    }
    Ok(())
}

/// Puts every staged file in place (and, for an undo, removes what it should), in plan order;
/// stops at the first failure. Nothing is written when the first check of the targets fails.
pub fn commit(plan: &Plan, staged: &Staged) -> Committed {
    let mut out = Committed::default();
    let mut bases = Bases {
        staged,
        extra: Vec::new(),
    };
    if let Err(e) = precheck(plan, &mut bases) {
        out.error = Some(e);
        out.untouched = true;
        staged.discard();
        return out;
    }
    let mut parent = Parent::default();
    for step in plan.writes() {
        match apply(step, staged, &mut bases, &mut parent) {
            Ok(Applied::Written) => out.written.push(step.rel.clone()),
            Ok(Applied::Removed) => out.removed.push(step.rel.clone()),
            Ok(Applied::Kept) => out.kept.push(step.target.clone()),
            Ok(Applied::Gone) => {}
            Err(e) => {
                out.error = Some(e);
                break;
            }
        }
    }
    if out.error.is_none() {
        out.removed_dirs = remove_dirs(&plan.remove_dirs, &mut bases);
    }
    staged.discard();
    out
}

enum Applied {
    Written,
    Removed,
    /// An undo's file that changed since: left.
    Kept,
    /// An undo's file already gone.
    Gone,
}

fn apply(
    step: &Step,
    staged: &Staged,
    bases: &mut Bases<'_>,
    parent: &mut Parent,
) -> Result<Applied, CommitError> {
    let target = shown::path(&step.target);
    let (dir, name) = split(step.inner());
    if step.action == Action::Remove {
        let removing = |err| CommitError::Remove {
            target: target.clone(),
            err,
        };
        let fd = parent
            .open(bases, &step.base, dir, false)
            .map_err(removing)?;
        let Some(fd) = fd else {
            return Ok(Applied::Gone);
        };
        return remove_if_unchanged(fd, name, &step.entry).map_err(removing);
    }
    let Some((root, staged_name)) = staged.files.get(&step.rel) else {
        return Err(CommitError::NotStaged(escape(&step.rel).into_owned()));
    };
    let staging = &staged.roots[*root].staging;
    let fd = parent
        .open(bases, &step.base, dir, true)
        .map_err(|err| CommitError::Write {
            target: target.clone(),
            err,
        })?
        .ok_or_else(|| CommitError::NoDirectory {
            target: target.clone(),
        })?;
    let kind = file_type_at(fd, name).map_err(|err| CommitError::Inspect {
        target: target.clone(),
        err,
    })?;
    let exists = match kind {
        None => false,
        Some(FileType::RegularFile) if step.action == Action::Overwrite => true,
        Some(_) if step.action == Action::Create => {
            return Err(CommitError::Appeared { target, left: true });
        }
        Some(_) => return Err(CommitError::NotRegular { target, left: true }),
    };
    let put = if exists {
        match rustix::fs::renameat(staging, staged_name.as_str(), fd, name) {
            Err(Errno::XDEV) => copy_into(staging, staged_name, fd, name, true),
            other => other.map_err(io::Error::from),
        }
    } else {
        put_new(staging, staged_name, fd, name)
    };
    put.map_err(|err| {
        if err.kind() == io::ErrorKind::AlreadyExists {
            CommitError::Appeared { target, left: true }
        } else if is_disk_full(&err) {
            CommitError::DiskFull { target, err }
        } else {
            CommitError::Write { target, err }
        }
    })?;
    Ok(Applied::Written)
}

/// Puts a staged file at a name that must not exist: a hard link (or, where links are not
/// possible, a copy linked in the same way) fails with `AlreadyExists` if something appeared
/// there since the plan, so a file no pre-restore backup holds is never replaced.
fn put_new(staging: &OwnedFd, staged: &str, dir: &OwnedFd, name: &str) -> io::Result<()> {
    match rustix::fs::linkat(staging, staged, dir, name, AtFlags::empty()) {
        Ok(()) => {
            let _ = rustix::fs::unlinkat(staging, staged, AtFlags::empty());
            Ok(())
        }
        Err(Errno::EXIST) => Err(io::ErrorKind::AlreadyExists.into()),
        Err(_) => copy_into(staging, staged, dir, name, false),
    }
}

/// Copies a staged file (content, mode, modification time, synced) into `dir` beside `name`,
/// then renames it over `name` (`clobber`) or links it in without replacing anything: for when
/// the staged file cannot be renamed or linked across filesystems.
fn copy_into(
    staging: &OwnedFd,
    staged: &str,
    dir: &OwnedFd,
    name: &str,
    clobber: bool,
) -> io::Result<()> {
    let mut src = File::from(rustix::fs::openat(
        staging,
        staged,
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )?);
    let (tmp, fd) = (0u32..1000)
        .find_map(|n| {
            let tmp = format!(".sfp-restore-{}-copy-{n}", std::process::id());
            rustix::fs::openat(
                dir,
                tmp.as_str(),
                OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::from_raw_mode(0o600),
            )
            .ok()
            .map(|fd| (tmp, fd))
        })
        .ok_or_else(|| io::Error::other("cannot make a temporary file"))?;
    let mut dst = File::from(fd);
    let copied = (|| {
        io::copy(&mut src, &mut dst)?;
        let meta = src.metadata()?;
        dst.set_permissions(meta.permissions())?;
        dst.set_times(std::fs::FileTimes::new().set_modified(meta.modified()?))?;
        dst.sync_data()?;
        if clobber {
            rustix::fs::renameat(dir, tmp.as_str(), dir, name)?;
        } else {
            match rustix::fs::linkat(dir, tmp.as_str(), dir, name, AtFlags::empty()) {
                Ok(()) => {}
                Err(Errno::EXIST) => return Err(io::ErrorKind::AlreadyExists.into()),
                Err(e) => return Err(e.into()),
            }
            let _ = rustix::fs::unlinkat(dir, tmp.as_str(), AtFlags::empty());
        }
        Ok(())
    })();
    if copied.is_err() {
        let _ = rustix::fs::unlinkat(dir, tmp.as_str(), AtFlags::empty());
    }
    let _ = rustix::fs::unlinkat(staging, staged, AtFlags::empty());
    copied
}

/// Removes `name` from `dir` if it is still the regular file `entry` describes (size and
/// SH-256); one that changed is kept.
fn remove_if_unchanged(dir: &OwnedFd, name: &str, entry: &FileEntry) -> io::Result<Applied> {
    let fd = match rustix::fs::openat(
        dir,
        name,
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
        Mode::empty(),
    ) {
        Ok(fd) => fd,
        Err(Errno::NOENT) => return Ok(Applied::Gone),
        Err(Errno::LOOP) => return Ok(Applied::Kept),
        Err(e) => return Err(e.into()),
    };
    let mut file = File::from(fd);
    let meta = file.metadata()?;
    if !meta.is_file() || meta.len() != entry.size || hash(&mut file)? != entry.sha256 {
        return Ok(Applied::Kept);
    }
    rustix::fs::unlinkat(dir, name, AtFlags::empty())?;
    Ok(Applied::Removed)
}

/// Removes the directories an undone restore made, innermost first, each only if empty.
fn remove_dirs(dirs: &[DirStep], bases: &mut Bases<'_>) -> usize {
    let mut removed = 0;
    for d in dirs {
        let (dir, name) = split(inner(&d.base, &d.target));
        if name.is_empty() {
            continue;
        }
        let Ok(root) = bases.get(&d.base) else {
            continue;
        };
        if let Ok(Some(fd)) = walk(root, dir, false)
            && rustix::fs::unlinkat(&fd, name, AtFlags::REMOVEDIR).is_ok()
        {
            removed += 1;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_walk_never_follows_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("base");
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(base.join("real/sub")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::os::unix::fs::symlink(&outside, base.join("link")).unwrap();
        let root =
            rustix::fs::open(&base, OFlags::RDONLY | OFlags::DIRECTORY, Mode::empty()).unwrap();
        assert!(walk(&root, "real/sub", false).unwrap().is_some());
        assert!(walk(&root, "real/missing", false).unwrap().is_none());
        for path in ["link", "link/x", "real/../link"] {
            assert!(walk(&root, path, true).is_err(), "{path}");
        }
        assert!(walk(&root, "real/new/deeper", true).unwrap().is_some());
        assert!(base.join("real/new/deeper").is_dir());
        assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
    }
}
