//! Applying a restore plan in two phases, so that no file is touched until every entry of the
//! archive has been checked.
//!
//! 1. [`stage`] streams the archive once, checking every entry (see [`super::verify::scan`]) and
//!    writing each file to be restored into a private staging directory `.sfp-restore-<pid>/`
//!    inside its destination base, with its mode and modification time, its SHA-256 checked
//!    against metadata.json. Any bad entry removes the staging directories: nothing was written.
//! 2. [`commit`] renames each staged file over its target (same filesystem: atomic), so every
//!    file is either entirely old or entirely new; on a failure it reports which were replaced.
//!    Right before each one it checks the target again: a file to overwrite must still be a
//!    regular file, and a file to create must still not exist (it is linked in without
//!    replacing anything), else the restore stops there and reports it.
//!
//! A staging directory left by an interrupted restore is removed by the next restore an hour on.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use super::metadata::FileEntry;
use super::pgzip::hex;
use super::restore::{Action, Plan, Step};
use super::store::Backup;
use super::verify::{Scanned, VerifyError, scan};

/// Files staged for a restore, and the staging directories holding them.
#[derive(Debug, Default)]
pub struct Staged {
    files: HashMap<String, PathBuf>,
    dirs: Vec<PathBuf>,
    /// Destination bases this restore created (removed again if left empty).
    made_bases: Vec<PathBuf>,
    pub scanned: Scanned,
}

impl Staged {
    /// Removes the staging directories (and bases this restore created, if empty).
    pub fn discard(&self) {
        for d in &self.dirs {
            let _ = std::fs::remove_dir_all(d);
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
        .filter(|(_, s)| s.action != Action::Same)
        .map(|(i, s)| {
            (
                s.rel.as_str(),
                (i, s.base.as_path(), s.action == Action::Overwrite),
            )
        })
        .collect();
    let mut staged = Staged::default();
    let mut staging: HashMap<PathBuf, PathBuf> = HashMap::new();
    let result = scan(
        backup,
        &|f| steps.contains_key(f.path.as_str()),
        &mut |f, content| {
            let (index, base, overwrite) = *steps
                .get(f.path.as_str())
                .ok_or_else(|| io::Error::other("not planned"))?;
            let dir = if let Some(d) = staging.get(base) {
                d.clone()
            } else {
                let d = staging_dir(base, &mut staged.made_bases)?;
                staged.dirs.push(d.clone());
                staging.insert(base.to_path_buf(), d.clone());
                d
            };
            let path = dir.join(index.to_string());
            let sha = write_staged(f, content, &path, overwrite)?;
            staged.files.insert(f.path.clone(), path);
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

fn staging_dir(base: &Path, made: &mut Vec<PathBuf>) -> io::Result<PathBuf> {
    use std::os::unix::fs::DirBuilderExt as _;
    if !base.exists() {
        // Remember the outermost directories created, to remove them if the restore fails.
        let mut missing = Vec::new();
        let mut at = base;
        while !at.exists() {
            missing.push(at.to_path_buf());
            match at.parent() {
                Some(p) => at = p,
                None => break,
            }
        }
        std::fs::create_dir_all(base)?;
        made.extend(missing.into_iter().rev());
    }
    remove_stale_staging(base);
    let dir = base.join(format!(".sfp-restore-{}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::DirBuilder::new().mode(0o700).create(&dir)?;
    Ok(dir)
}

/// Removes staging directories an interrupted restore left in `base` more than an hour ago.
fn remove_stale_staging(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        let stale = e.file_name().to_string_lossy().starts_with(".sfp-restore-")
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

/// Writes one file to `path` with its mode and mtime; returns the SHA-256 of what was written.
fn write_staged(
    f: &FileEntry,
    content: &mut dyn Read,
    path: &Path,
    sync: bool,
) -> io::Result<String> {
    use std::os::unix::fs::OpenOptionsExt as _;
    use std::os::unix::fs::PermissionsExt as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    let mut sha = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = content.read(&mut buf)?;
        if n == 0 {
            break;
        }
        sha.update(&buf[..n]);
        file.write_all(&buf[..n])?;
    }
    // No set-uid or set-gid bits from an archive.
    file.set_permissions(std::fs::Permissions::from_mode(f.mode & 0o1777))?;
    let mtime =
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(u64::try_from(f.mtime).unwrap_or(0));
    file.set_times(
        std::fs::FileTimes::new()
            .set_modified(mtime)
            .set_accessed(mtime),
    )?;
    if sync {
        // It will replace a file: its content must be on disk before the old name goes.
        file.sync_data()?;
    }
    Ok(hex(&sha.finalize()))
}

/// What [`commit`] did.
#[derive(Debug, Default)]
pub struct Committed {
    /// Files now holding the backup's content, in plan order.
    pub written: Vec<String>,
    pub error: Option<String>,
}

/// Renames every staged file over its target, in plan order; stops at the first failure.
pub fn commit(plan: &Plan, staged: &Staged) -> Committed {
    let mut out = Committed::default();
    for step in plan.writes() {
        let Some(src) = staged.files.get(&step.rel) else {
            out.error = Some(format!("{} was not staged", step.rel));
            break;
        };
        let exists = match recheck(step) {
            Ok(exists) => exists,
            Err(e) => {
                out.error = Some(e);
                break;
            }
        };
        let put = if exists {
            put(src, &step.target)
        } else {
            put_new(src, &step.target)
        };
        if let Err(e) = put {
            out.error = Some(if e.kind() == io::ErrorKind::AlreadyExists {
                format!(
                    "{} appeared after the restore was planned (another process wrote it); \
                     left as it is",
                    step.target.display()
                )
            } else {
                format!("cannot write {}: {e}", step.target.display())
            });
            break;
        }
        out.written.push(step.rel.clone());
    }
    for d in &staged.dirs {
        let _ = std::fs::remove_dir_all(d);
    }
    out
}

/// Whether the target is there right before it is written. A file planned for `Overwrite` must
/// still be a regular file (one that became a symlink or anything else since the plan is not in
/// the pre-restore backup, so it is left alone); one that is gone, like every `Create` target, is
/// put in place without replacing anything.
fn recheck(step: &Step) -> Result<bool, String> {
    if step.action != Action::Overwrite {
        return Ok(false);
    }
    match std::fs::symlink_metadata(&step.target) {
        Ok(m) if m.is_file() => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Ok(_) => Err(format!(
            "{} is no longer a regular file (changed after the restore was planned); left as it is",
            step.target.display()
        )),
        Err(e) => Err(format!("cannot inspect {}: {e}", step.target.display())),
    }
}

/// Puts a staged file at a target that must not exist: a hard link (or, where links are not
/// possible, a copy persisted without clobbering) fails with `AlreadyExists` if something
/// appeared there since the plan, so a file no pre-restore backup holds is never replaced.
fn put_new(src: &Path, target: &Path) -> io::Result<()> {
    let dir = target
        .parent()
        .ok_or_else(|| io::Error::other("no parent"))?;
    std::fs::create_dir_all(dir)?;
    match std::fs::hard_link(src, target) {
        Ok(()) => {
            let _ = std::fs::remove_file(src);
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(e),
        Err(_) => {
            copy_beside(src, dir)?
                .persist_noclobber(target)
                .map_err(|e| e.error)?;
            Ok(())
        }
    }
}

/// A copy of `src` (content, mode, modification time, synced) as a temporary file in `dir`,
/// for when a staged file cannot be linked or renamed across filesystems.
fn copy_beside(src: &Path, dir: &Path) -> io::Result<tempfile::NamedTempFile> {
    let mut tmp = tempfile::Builder::new()
        .prefix(".sfp-restore-")
        .tempfile_in(dir)?;
    io::copy(&mut std::fs::File::open(src)?, tmp.as_file_mut())?;
    let meta = std::fs::metadata(src)?;
    tmp.as_file().set_permissions(meta.permissions())?;
    tmp.as_file()
        .set_times(std::fs::FileTimes::new().set_modified(meta.modified()?))?;
    tmp.as_file().sync_data()?;
    Ok(tmp)
}

fn put(src: &Path, target: &Path) -> io::Result<()> {
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir)?;
    }
    match std::fs::rename(src, target) {
        Err(e) if e.raw_os_error() == Some(libc::EXDEV) => {
            // The target's directory is another filesystem: copy beside it, then rename.
            let dir = target
                .parent()
                .ok_or_else(|| io::Error::other("no parent"))?;
            copy_beside(src, dir)?
                .persist(target)
                .map_err(|e| e.error)?;
            Ok(())
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_stops_at_a_failure_and_says_which_files_are_new() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().to_path_buf();
        let staging = base.join(".sfp-restore-test");
        std::fs::create_dir_all(&staging).unwrap();
        std::fs::write(base.join("a.json"), b"old a").unwrap();
        // `blocked/b.json` cannot be written: `blocked` is a file.
        std::fs::write(base.join("blocked"), b"a file").unwrap();
        std::fs::write(base.join("c.json"), b"old c").unwrap();
        let mut staged = Staged::default();
        for (i, rel) in ["a.json", "blocked/b.json", "c.json"].iter().enumerate() {
            let path = staging.join(i.to_string());
            std::fs::write(&path, format!("new {rel}")).unwrap();
            staged.files.insert((*rel).to_owned(), path);
        }
        staged.dirs.push(staging.clone());
        let step = |rel: &str| Step {
            rel: rel.into(),
            base: base.clone(),
            target: base.join(rel),
            action: Action::Overwrite,
        };
        let plan = Plan {
            steps: vec![step("a.json"), step("blocked/b.json"), step("c.json")],
            base: base.clone(),
        };
        let done = commit(&plan, &staged);
        assert_eq!(done.written, ["a.json"]);
        assert!(done.error.unwrap().contains("blocked/b.json"));
        assert_eq!(std::fs::read(base.join("a.json")).unwrap(), b"new a.json");
        assert_eq!(std::fs::read(base.join("c.json")).unwrap(), b"old c");
        assert!(!staging.exists(), "the staging directory is cleaned up");
    }

    #[test]
    fn commit_never_replaces_a_file_that_appeared_or_became_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().to_path_buf();
        let staging = base.join(".sfp-restore-test");
        std::fs::create_dir_all(&staging).unwrap();
        let mut staged = Staged::default();
        for (i, rel) in ["new.json", "linked.json"].iter().enumerate() {
            let path = staging.join(i.to_string());
            std::fs::write(&path, "from the backup").unwrap();
            staged.files.insert((*rel).to_owned(), path);
        }
        staged.dirs.push(staging.clone());
        // Planned as a create, but a live process wrote it meanwhile.
        std::fs::write(base.join("new.json"), "live").unwrap();
        let step = |rel: &str, action| Step {
            rel: rel.into(),
            base: base.clone(),
            target: base.join(rel),
            action,
        };
        let plan = Plan {
            steps: vec![step("new.json", Action::Create)],
            base: base.clone(),
        };
        let done = commit(&plan, &staged);
        assert!(done.written.is_empty());
        assert!(done.error.unwrap().contains("appeared after"));
        assert_eq!(std::fs::read(base.join("new.json")).unwrap(), b"live");

        // Planned as an overwrite of a regular file, but it became a symlink meanwhile.
        std::fs::create_dir_all(&staging).unwrap();
        let path = staging.join("1");
        std::fs::write(&path, "from the backup").unwrap();
        staged.files.insert("linked.json".into(), path);
        std::fs::write(base.join("elsewhere.json"), "mine").unwrap();
        std::os::unix::fs::symlink(base.join("elsewhere.json"), base.join("linked.json")).unwrap();
        let plan = Plan {
            steps: vec![step("linked.json", Action::Overwrite)],
            base: base.clone(),
        };
        let done = commit(&plan, &staged);
        assert!(done.error.unwrap().contains("no longer a regular file"));
        assert!(
            std::fs::symlink_metadata(base.join("linked.json"))
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(base.join("elsewhere.json")).unwrap(), b"mine");
    }
}
