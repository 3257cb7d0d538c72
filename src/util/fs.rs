//! Atomic writes, private directories, and files opened for appending.
//!
//! A file sfp writes is either the old one or the new one, never half of each: content goes to a
//! temporary file in the same directory, is flushed, and is renamed over the target. Everything
//! sfp creates under `$SFP_HOME` is private to the user: directories 0700, files 0600 (whatever
//! the umask). Reading files sfp does not own is [`super::read`]'s job.

use std::fs::File;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt as _, FileTypeExt as _, OpenOptionsExt as _};
use std::path::Path;

use anyhow::Context as _;

/// Creates `dir` and its missing parents, each new one with mode 0700.
pub(crate) fn create_private_dir_all(dir: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Opens `path` for appending (created 0600 with its missing parents 0700), without blocking
/// and without a controlling terminal: a FIFO or a device put in its place is refused, not
/// written to.
pub(crate) fn open_append_private(path: &Path) -> std::io::Result<File> {
    open_private(path, true)
}

/// Opens `path` for writing (created 0600 with its missing parents 0700, never truncated),
/// refusing anything but a regular file, as [`open_append_private`] does.
pub(crate) fn open_write_private(path: &Path) -> std::io::Result<File> {
    open_private(path, false)
}

fn open_private(path: &Path, append: bool) -> std::io::Result<File> {
    if let Some(dir) = path.parent() {
        create_private_dir_all(dir)?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(append)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)?;
    let kind = file.metadata()?.file_type();
    if !kind.is_file() {
        let what = if kind.is_fifo() {
            "a FIFO"
        } else if kind.is_char_device() || kind.is_block_device() {
            "a device"
        } else {
            "not a regular file"
        };
        return Err(std::io::Error::other(format!(
            "{} is {what}; not written",
            path.display()
        )));
    }
    Ok(file)
}

/// Writes `bytes` to `path` atomically, creating parent directories. `mode` sets the permissions
/// of the new file (e.g. `0o600`).
pub(crate) fn atomic_write(path: &Path, bytes: &[u8], mode: Option<u32>) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let dir = path.parent().context("path has no parent directory")?;
    create_private_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".sfp-tmp-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    tmp.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.as_file().sync_data().ok();
    if let Some(mode) = mode {
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    tmp.persist(path)
        .with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_sets_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/state.json");
        atomic_write(&path, b"one", Some(0o600)).unwrap();
        atomic_write(&path, b"two", Some(0o600)).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let leftovers = std::fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file is left behind");
    }

    #[test]
    fn private_dirs_and_appended_files_ignore_the_umask() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("home/logs/sfp.log");
        open_append_private(&file)
            .unwrap()
            .write_all(b"x\n")
            .unwrap();
        open_append_private(&file)
            .unwrap()
            .write_all(b"y\n")
            .unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"x\ny\n");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(&dir.path().join("home/logs")), 0o700);
        assert_eq!(mode(&dir.path().join("home")), 0o700);
    }

    #[test]
    fn a_fifo_in_place_of_an_appended_file_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("ledger.jsonl");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        assert!(open_append_private(&fifo).is_err());
        assert!(open_write_private(&fifo).is_err());
    }
}
