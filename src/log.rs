//! sfp's own log: `$SFP_HOME/logs/sfp.log`, one line per event, rotated by size.
//!
//! Hooks have no terminal, so this file is where a user (or `sfp health`) finds out what sfp did
//! and what went wrong. Lines are appended with `O_APPEND`, so concurrent processes never
//! interleave within a line. Logging never fails the caller: an unwritable log is ignored.
//! Tuned with `SFP_LOG_LEVEL` (error|warn|info|debug), `SFP_LOG_MAX_BYTES` (default 1 MiB,
//! clamped to 1 KiB–1 GiB) and `SFP_LOG_BACKUPS` (default 3, clamped to 0–20). The log and its
//! directory are private to the user (0600 and 0700). The log is a boundary where text leaves
//! sfp: every line is masked here ([`crate::util::redact`]) before it is written.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::env::Env;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Level {
    Error,
    Warn,
    Info,
    Debug,
}

impl Level {
    fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "error" => Some(Self::Error),
            "warn" | "warning" => Some(Self::Warn),
            "info" => Some(Self::Info),
            "debug" | "trace" => Some(Self::Debug),
            _ => None,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Error => "ERROR",
            Self::Warn => "WARN",
            Self::Info => "INFO",
            Self::Debug => "DEBUG",
        }
    }
}

/// Smallest and largest size at which the log rotates (`SFP_LOG_MAX_BYTES` is clamped to them).
pub(crate) const MIN_LOG_BYTES: u64 = 1024;
pub(crate) const MAX_LOG_BYTES: u64 = 1024 * 1024 * 1024;
/// Most rotated logs kept (`SFP_LOG_BACKUPS` is clamped to it): each rotation renames them all.
pub(crate) const MAX_BACKUPS: u32 = 20;

/// Appends lines to the log file.
#[derive(Debug, Clone)]
pub(crate) struct Logger {
    file: PathBuf,
    level: Level,
    max_bytes: u64,
    backups: u32,
    /// What is running: `hook stop`, `backup create`, …
    scope: String,
}

impl Logger {
    pub(crate) fn new(logs_dir: &Path, env: &Env, scope: &str) -> Self {
        Self {
            file: logs_dir.join("sfp.log"),
            level: env
                .log_level
                .as_deref()
                .and_then(Level::parse)
                .unwrap_or(Level::Info),
            max_bytes: env
                .log_max_bytes
                .unwrap_or(1024 * 1024)
                .clamp(MIN_LOG_BYTES, MAX_LOG_BYTES),
            backups: env.log_backups.unwrap_or(3).min(MAX_BACKUPS),
            scope: scope.to_owned(),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.file
    }

    pub(crate) fn error(&self, msg: &str) {
        self.write(Level::Error, msg);
    }

    pub(crate) fn warn(&self, msg: &str) {
        self.write(Level::Warn, msg);
    }

    pub(crate) fn info(&self, msg: &str) {
        self.write(Level::Info, msg);
    }

    pub(crate) fn debug(&self, msg: &str) {
        self.write(Level::Debug, msg);
    }

    fn write(&self, level: Level, msg: &str) {
        if level > self.level {
            return;
        }
        let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ");
        // Masked before the lines are folded, so that a private key block is still recognised.
        let one_line = crate::util::redact::text(msg).replace('\n', " | ");
        let line = format!("{now} {:<5} [{}] {one_line}\n", level.label(), self.scope);
        let _ = self.append(line.as_bytes());
    }

    fn append(&self, bytes: &[u8]) -> std::io::Result<()> {
        if std::fs::metadata(&self.file)
            .is_ok_and(|m| m.len() + bytes.len() as u64 > self.max_bytes)
        {
            self.rotate();
        }
        crate::util::fs::open_append_private(&self.file)?.write_all(bytes)
    }

    /// `sfp.log` → `sfp.log.1` → … → `sfp.log.N`; the oldest is dropped.
    fn rotate(&self) {
        let name = |i: u32| PathBuf::from(format!("{}.{i}", self.file.display()));
        if self.backups == 0 {
            let _ = std::fs::remove_file(&self.file);
            return;
        }
        let _ = std::fs::remove_file(name(self.backups));
        for i in (1..self.backups).rev() {
            let _ = std::fs::rename(name(i), name(i + 1));
        }
        let _ = std::fs::rename(&self.file, name(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotates_by_size_and_keeps_backups() {
        let dir = tempfile::tempdir().unwrap();
        let env = Env {
            log_max_bytes: Some(1024),
            log_backups: Some(2),
            ..Env::default()
        };
        let log = Logger::new(dir.path(), &env, "test");
        for i in 0..100 {
            log.info(&format!("line {i} {}", "x".repeat(40)));
        }
        assert!(dir.path().join("sfp.log").exists());
        assert!(dir.path().join("sfp.log.1").exists());
        assert!(dir.path().join("sfp.log.2").exists());
        assert!(!dir.path().join("sfp.log.3").exists());
        assert!(std::fs::metadata(dir.path().join("sfp.log")).unwrap().len() <= 1024);
        let last = std::fs::read_to_string(dir.path().join("sfp.log")).unwrap();
        assert!(last.contains("line 99"));
        assert!(last.contains("INFO  [test]"));
    }

    #[test]
    fn rotation_settings_are_clamped() {
        let dir = tempfile::tempdir().unwrap();
        let huge = Env {
            log_max_bytes: Some(u64::MAX),
            log_backups: Some(10_000_000),
            ..Env::default()
        };
        let log = Logger::new(dir.path(), &huge, "t");
        assert_eq!((log.max_bytes, log.backups), (MAX_LOG_BYTES, MAX_BACKUPS));
        let tiny = Env {
            log_max_bytes: Some(0),
            log_backups: Some(0),
            ..Env::default()
        };
        let log = Logger::new(dir.path(), &tiny, "t");
        assert_eq!((log.max_bytes, log.backups), (MIN_LOG_BYTES, 0));
    }

    #[test]
    fn lines_are_masked() {
        let dir = tempfile::tempdir().unwrap();
        let log = Logger::new(dir.path(), &Env::default(), "t");
        let key = "AKIAQ7ZK3M5P2R6T4W6Y".to_owned(); // sfp:allow-secret (a sample)
        log.error(&format!("gate printed {key}"));
        let text = std::fs::read_to_string(dir.path().join("sfp.log")).unwrap();
        assert!(
            text.contains("gate printed AKIA") && !text.contains(&key),
            "{text}"
        );
    }

    #[test]
    fn level_filters_and_newlines_fold() {
        let dir = tempfile::tempdir().unwrap();
        let env = Env {
            log_level: Some("warn".into()),
            ..Env::default()
        };
        let log = Logger::new(dir.path(), &env, "t");
        log.info("hidden");
        log.warn("two\nlines");
        let text = std::fs::read_to_string(dir.path().join("sfp.log")).unwrap();
        assert!(!text.contains("hidden"));
        assert!(text.contains("two | lines"));
        assert_eq!(text.lines().count(), 1);
    }
}
