//! `metadata.json`, written beside every archive: what the backup is (id, time, reason, profile,
//! sfp version, where it came from), every file in it (path, size, mode, mtime, SHA-256), the
//! archive's own size and SHA-256, totals, and the command that restores it.

use std::fs::File;
use std::io::Read as _;
use std::path::Path;

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

use super::profile::Profile;
use super::select::Skipped;

/// The format version of metadata.json this sfp writes and reads.
pub(super) const FORMAT: u32 = 1;

/// The archive's file name inside a backup directory.
pub(super) const ARCHIVE_NAME: &str = "backup.tar.gz";
/// The metadata's file name inside a backup directory.
pub(super) const METADATA_NAME: &str = "metadata.json";

/// Largest metadata.json sfp reads.
const MAX_METADATA_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Metadata {
    pub format: u32,
    pub id: String,
    /// The store's sequence number, one more than any backup before it: the order of backups,
    /// whatever the clock said (0 in backups written before it was recorded).
    #[serde(default)]
    pub seq: u64,
    /// RFC 3339, UTC.
    pub created: String,
    pub reason: String,
    pub profile: Profile,
    pub sfp_version: String,
    /// The directory the files were read from (archive paths are relative to it).
    pub source_dir: String,
    pub include_credentials: bool,
    pub restore_command: String,
    pub archive: ArchiveInfo,
    pub totals: Totals,
    pub files: Vec<FileEntry>,
    #[serde(default)]
    pub skipped: Vec<Skipped>,
    /// A pre-restore backup only: the files the restore created, as it wrote them. Restoring this
    /// backup (the undo) removes each one that is still exactly so.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove_on_restore: Vec<FileEntry>,
    /// A pre-restore backup only: the directories the restore made, removed by the undo when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove_dirs_on_restore: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArchiveInfo {
    pub name: String,
    pub size: u64,
    pub sha256: String,
    pub compression: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Totals {
    pub files: usize,
    pub bytes: u64,
    pub skipped: usize,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub size: u64,
    /// Permission bits, e.g. 0o644 (stored as a number).
    pub mode: u32,
    /// Modification time, seconds since the Unix epoch.
    pub mtime: i64,
    pub sha256: String,
    /// Set when the file changed while it was read (the archived bytes are what was read).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub changed: bool,
}

impl Metadata {
    /// Reads and checks `dir/metadata.json`; the error says why it cannot be used (shown by
    /// `backup list` as the reason the backup is damaged).
    pub fn read(dir: &Path) -> anyhow::Result<Self> {
        let path = dir.join(METADATA_NAME);
        let mut file = open_regular(&path)?;
        let mut bytes = Vec::new();
        (&mut file)
            .take(MAX_METADATA_BYTES + 1)
            .read_to_end(&mut bytes)
            .with_context(|| format!("cannot read {METADATA_NAME}"))?;
        anyhow::ensure!(
            bytes.len() as u64 <= MAX_METADATA_BYTES,
            "{METADATA_NAME} is larger than {MAX_METADATA_BYTES} bytes"
        );
        let meta: Self = serde_json::from_slice(&bytes)
            .with_context(|| format!("{METADATA_NAME} is not valid backup metadata"))?;
        anyhow::ensure!(
            meta.format == FORMAT,
            "{METADATA_NAME} has format {}, this sfp reads format {FORMAT}",
            meta.format
        );
        Ok(meta)
    }

    pub fn to_json(&self) -> anyhow::Result<Vec<u8>> {
        let mut text = serde_json::to_vec_pretty(self)?;
        text.push(b'\n');
        Ok(text)
    }
}

/// Opens a file of the store for reading without ever blocking: not following a symlink, without
/// waiting on a FIFO (`O_NONBLOCK`), and refusing anything but a regular file once opened.
pub(super) fn open_regular(path: &Path) -> anyhow::Result<File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .with_context(|| format!("cannot open {name}"))?;
    let meta = file
        .metadata()
        .with_context(|| format!("cannot inspect {name}"))?;
    anyhow::ensure!(meta.is_file(), "{name} is not a regular file");
    Ok(file)
}

/// The command that restores backup `id` from `source_dir` back into it.
pub(super) fn restore_command(id: &str, source_dir: &Path, default_dir: &Path) -> String {
    if source_dir == default_dir {
        format!("sfp restore {id}")
    } else {
        format!(
            "sfp restore {id} --to {}",
            shell_quote(&source_dir.to_string_lossy())
        )
    }
}

fn shell_quote(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+=:@".contains(c))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restore_command_names_a_foreign_directory() {
        let home = Path::new("/h/.claude");
        assert_eq!(
            restore_command("20250101-000000", home, home),
            "sfp restore 20250101-000000"
        );
        assert_eq!(
            restore_command("x", Path::new("/tmp/it's"), home),
            r"sfp restore x --to '/tmp/it'\''s'"
        );
    }
}
