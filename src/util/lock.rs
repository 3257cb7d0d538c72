//! Advisory file locks (`flock`) so that two sfp processes never write the same state at once.
//!
//! The lock is released when the [`FileLock`] is dropped or the process dies, so a killed process
//! never leaves a stale lock behind.
#![expect(unsafe_code, reason = "flock(2) has no safe wrapper in std")]

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context as _;

/// An exclusive lock held on a file until dropped.
#[derive(Debug)]
pub struct FileLock {
    _file: File,
}

impl FileLock {
    /// Takes an exclusive lock on `path` (created if missing), waiting at most `wait`.
    pub fn acquire(path: &Path, wait: Duration) -> anyhow::Result<Self> {
        if let Some(dir) = path.parent() {
            fs_err::create_dir_all(dir)?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .with_context(|| format!("cannot open lock file {}", path.display()))?;
        let deadline = Instant::now() + wait;
        loop {
            // SAFETY: the descriptor is owned by `file`, which outlives this call.
            let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
            if rc == 0 {
                return Ok(Self { _file: file });
            }
            let err = std::io::Error::last_os_error();
            if err.raw_os_error() != Some(libc::EWOULDBLOCK)
                && err.raw_os_error() != Some(libc::EINTR)
            {
                return Err(err).with_context(|| format!("cannot lock {}", path.display()));
            }
            if Instant::now() >= deadline {
                anyhow::bail!(
                    "{} is locked by another sfp process (waited {} ms)",
                    path.display(),
                    wait.as_millis()
                );
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_waits_then_fails() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        let first = FileLock::acquire(&path, Duration::from_millis(10)).unwrap();
        let err = FileLock::acquire(&path, Duration::from_millis(30)).unwrap_err();
        assert!(err.to_string().contains("locked by another sfp process"));
        drop(first);
        FileLock::acquire(&path, Duration::from_millis(10)).unwrap();
    }
}
