//! The `backup:` section of `sfp.yaml`: retention, extra include and exclude globs, compression
//! and how long a backup waits for another sfp process holding the backup lock.

use std::time::Duration;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default)]
pub(crate) struct BackupSettings {
    /// Backups kept by retention of each kind (`config`, `full`, `pre-restore`, counted apart):
    /// the newest ones; 0 keeps every backup.
    pub keep: usize,
    /// Backups older than this are removed by retention (`14d`); 0 means no age limit. The
    /// newest backup of each kind is never removed for its age.
    #[serde(deserialize_with = "crate::config::duration")]
    pub max_age: Duration,
    /// Extra globs (relative to the Claude config dir) added to every profile.
    pub include: Vec<String>,
    /// Globs (relative to the Claude config dir) left out of every profile.
    pub exclude: Vec<String>,
    /// gzip level, 1 (fastest) to 9 (smallest).
    pub compression_level: u32,
    /// Threads that compress; 0 means one per CPU.
    pub threads: usize,
    /// How long a backup waits for the backup lock.
    #[serde(deserialize_with = "crate::config::duration")]
    pub lock_wait: Duration,
    /// Take a `config` backup on PreCompact.
    pub on_pre_compact: bool,
    /// Take a `config` backup on SessionEnd.
    pub on_session_end: bool,
}

impl Default for BackupSettings {
    fn default() -> Self {
        Self {
            keep: 10,
            max_age: Duration::ZERO,
            include: Vec::new(),
            exclude: Vec::new(),
            compression_level: 7,
            threads: 0,
            lock_wait: Duration::from_secs(2),
            on_pre_compact: true,
            on_session_end: true,
        }
    }
}

/// Read from the user's layers only: a project's committed config must not change how the
/// user's home is backed up (a cloned repository could otherwise set `keep: 1` and prune every
/// backup).
impl crate::config::Section for BackupSettings {
    const TRUST: crate::config::Trust = crate::config::Trust::User;
}

impl BackupSettings {
    /// Compression threads to use: the setting, else one per CPU (at most 8).
    pub(crate) fn compress_threads(&self) -> usize {
        if self.threads > 0 {
            return self.threads.min(64);
        }
        std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
    }

    /// The gzip level, clamped to 1..=9.
    pub(crate) fn level(&self) -> u32 {
        self.compression_level.clamp(1, 9)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_default_matches_the_code_default() {
        let text = crate::config::embedded("sfp.yaml").unwrap();
        let value: serde_yaml::Value = serde_yaml::from_str(text).unwrap();
        let section = value
            .get("backup")
            .cloned()
            .expect("sfp.yaml has a backup section");
        let parsed: BackupSettings = serde_yaml::from_value(section).unwrap();
        assert_eq!(parsed, BackupSettings::default());
    }

    #[test]
    fn level_and_threads_are_clamped() {
        let s = BackupSettings {
            compression_level: 42,
            threads: 3,
            ..BackupSettings::default()
        };
        assert_eq!(s.level(), 9);
        assert_eq!(s.compress_threads(), 3);
        assert!(BackupSettings::default().compress_threads() >= 1);
    }
}
