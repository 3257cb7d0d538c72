//! Advisory file locks (`flock`) so that two sfp processes never write the same state at once.
//!
//! The lock is released when the [`FileLock`] is dropped or the process dies, so a killed process
//! never leaves a stale lock behind. The lock file is opened without blocking: a FIFO put in its
//! place is an error, not a wait.

use std::fs::File;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context as _;

/// An exclusive lock held on a file until dropped.
#[derive(Debug)]
pub(crate) struct FileLock {
    _file: File,
}

impl FileLock {
    /// Takes an exclusive lock on `path` (created if missing), waiting at most `wait`.
    pub(crate) fn acquire(path: &Path, wait: Duration) -> anyhow::Result<Self> {
        let file = crate::util::fs::open_write_private(path)
            .with_context(|| format!("cannot open lock file {}", path.display()))?;
        let deadline = Instant::now() + wait;
        loop {
            match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
                Ok(()) => return Ok(Self { _file: file }),
                Err(e) if e == rustix::io::Errno::WOULDBLOCK || e == rustix::io::Errno::INTR => {}
                Err(e) => {
                    return Err(std::io::Error::from(e))
                        .with_context(|| format!("cannot lock {}", path.display()));
                }
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

    #[test]
    fn a_fifo_lock_file_fails_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &path,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        assert!(FileLock::acquire(&path, Duration::from_secs(30)).is_err());
    }
}
