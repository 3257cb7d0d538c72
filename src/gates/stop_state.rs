//! The state the Stop hook keeps between turns, in the session's directory
//! ([`crate::session`]):
//!
//! - `gates.json`: the fingerprint of the changed files at the last gate run, the gates that
//!   sent Claude back then, and how many Stops in a row were blocked for them;
//! - `base/<hash of the path>`: each file's lines (as hashes, not text) before the session first
//!   touched it, from the CLI's `tool_response.originalFile`; `N` alone when the session created
//!   the file. Line attribution diffs against it.
//!
//! The Stop state is masked as it is written ([`crate::util::redact`]).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::paths::Paths;
use crate::session::Session;
use crate::util::read::Foreign;

/// What the Stop hook remembers about a session.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub(super) struct StopState {
    /// Fingerprint of the changed files when gates last ran.
    pub fingerprint: String,
    /// Stops blocked in a row for the same failing gates.
    pub consecutive_blocks: u32,
    /// `passed`, `warned`, `failed` of the last run.
    pub last_status: String,
    /// The gates that sent Claude back at the last run, sorted; empty when none did.
    pub failing: Vec<String>,
}

fn base_path(paths: &Paths, session: &str, path: &Path) -> std::path::PathBuf {
    let digest = super::attribution::line_hashes(path.as_os_str().as_encoded_bytes());
    Session::new(paths, session)
        .line_base(&format!("{:016x}", digest.first().copied().unwrap_or(0)))
}

/// Largest original content whose line hashes are kept.
const MAX_BASE_BYTES: usize = 8 * 1024 * 1024;

/// Keeps `path`'s content before the session first touched it: `original` is the CLI's
/// `originalFile` (`None` when the tool created the file). Later calls for the same path keep
/// the first base.
pub(super) fn record_base(
    paths: &Paths,
    session: &str,
    path: &Path,
    original: Option<&str>,
) -> anyhow::Result<()> {
    let file = base_path(paths, session, path);
    if file.exists() {
        return Ok(());
    }
    let bytes = match original {
        None => b"N".to_vec(),
        Some(text) if text.len() <= MAX_BASE_BYTES => {
            let hashes = super::attribution::line_hashes(text.as_bytes());
            let mut bytes = Vec::with_capacity(1 + hashes.len() * 8);
            bytes.push(b'H');
            for h in hashes {
                bytes.extend_from_slice(&h.to_le_bytes());
            }
            bytes
        }
        Some(_) => return Ok(()),
    };
    crate::util::fs::atomic_write(&file, &bytes, Some(0o600))
}

/// A file's content before the session first touched it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Base {
    /// The session created the file.
    Created,
    /// The hashes of its original lines.
    Lines(Vec<u64>),
}

/// A file's base as [`record_base`] kept it, `None` when there is none.
pub(super) fn base(paths: &Paths, session: &str, path: &Path) -> Option<Base> {
    let file = base_path(paths, session, path);
    let kind = crate::util::read::Kind::new("line base", (MAX_BASE_BYTES as u64) * 8 + 1);
    let bytes = crate::util::read::bytes(&file, kind)?;
    match bytes.split_first() {
        Some((b'N', [])) => Some(Base::Created),
        Some((b'H', rest)) if rest.len() % 8 == 0 => Some(Base::Lines(
            rest.chunks_exact(8)
                .map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
                .collect(),
        )),
        _ => None,
    }
}

fn state_path(paths: &Paths, session: &str) -> std::path::PathBuf {
    Session::new(paths, session).gates_state()
}

/// The session's Stop state: the default when there is none yet (or it is unreadable JSON, which
/// the next save replaces), an error when the file exists but cannot be read (so the caller knows
/// the block count is unknown).
pub(super) fn load_state(paths: &Paths, session: &str) -> anyhow::Result<StopState> {
    let path = state_path(paths, session);
    match crate::util::read::read(&path, crate::util::read::Kind::STATE) {
        Foreign::Read(bytes) => Ok(serde_json::from_slice(&bytes).unwrap_or_default()),
        // A session directory that is not one: the state is unknown, not absent.
        Foreign::Missing
            if path
                .parent()
                .is_some_and(|d| std::fs::metadata(d).is_ok_and(|m| !m.is_dir())) =>
        {
            Err(anyhow::anyhow!(
                "cannot read {}: its directory is not a directory",
                path.display()
            ))
        }
        Foreign::Missing => Ok(StopState::default()),
        Foreign::Skipped(skip) => Err(anyhow::anyhow!("{skip}")),
    }
}

pub(super) fn save_state(paths: &Paths, session: &str, state: &StopState) -> anyhow::Result<()> {
    let bytes = crate::util::redact::to_vec_pretty(state)?;
    crate::util::fs::atomic_write(&state_path(paths, session), &bytes, Some(0o600))
}

/// A digest of the changed files as they are now: path, size and modification time of each
/// (or its absence). Equal fingerprints mean nothing changed since.
pub(super) fn fingerprint(project: &Path, files: &[String]) -> String {
    use sha2::{Digest, Sha256};
    use std::os::unix::fs::MetadataExt;
    let mut sorted: Vec<&String> = files.iter().collect();
    sorted.sort();
    sorted.dedup();
    let mut hash = Sha256::new();
    for rel in sorted {
        hash.update(rel.as_bytes());
        match std::fs::symlink_metadata(project.join(rel)) {
            Ok(m) => hash.update(
                format!(
                    "\0{}:{}:{}:{}\n",
                    m.len(),
                    m.mtime(),
                    m.mtime_nsec(),
                    m.ino()
                )
                .as_bytes(),
            ),
            Err(_) => hash.update(b"\0gone\n"),
        }
    }
    format!("{:x}", hash.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::test_paths as paths;

    #[test]
    fn the_first_base_of_a_file_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let p = paths(dir.path());
        let a = Path::new("/proj/a.py");
        assert_eq!(base(&p, "s", a), None);
        record_base(&p, "s", a, Some("one\ntwo\n")).unwrap();
        record_base(&p, "s", a, Some("changed\n")).unwrap();
        let want = super::super::attribution::line_hashes(b"one\ntwo\n");
        assert_eq!(base(&p, "s", a), Some(Base::Lines(want)));
        let n = Path::new("/proj/new.py");
        record_base(&p, "s", n, None).unwrap();
        assert_eq!(base(&p, "s", n), Some(Base::Created));
        assert_eq!(base(&p, "other", n), None);
    }

    #[test]
    fn state_round_trips_and_fingerprints_follow_the_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = paths(dir.path());
        assert_eq!(load_state(&p, "s").unwrap(), StopState::default());
        let st = StopState {
            fingerprint: "abc".into(),
            consecutive_blocks: 2,
            last_status: "failed".into(),
            failing: vec!["lint".into()],
        };
        save_state(&p, "s", &st).unwrap();
        assert_eq!(load_state(&p, "s").unwrap(), st);
        std::fs::write(state_path(&p, "s"), "{not json").unwrap();
        assert_eq!(load_state(&p, "s").unwrap(), StopState::default());
        std::fs::write(dir.path().join("sessions/blocked"), "a file").unwrap();
        assert!(load_state(&p, "blocked").is_err());
        assert!(save_state(&p, "blocked", &st).is_err());

        let proj = dir.path().join("proj");
        std::fs::create_dir_all(&proj).unwrap();
        std::fs::write(proj.join("a.txt"), "1").unwrap();
        let files = vec!["a.txt".to_owned()];
        let one = fingerprint(&proj, &files);
        assert_eq!(one, fingerprint(&proj, &files));
        std::fs::write(proj.join("a.txt"), "22").unwrap();
        assert_ne!(one, fingerprint(&proj, &files));
        assert_ne!(fingerprint(&proj, &[]), fingerprint(&proj, &files));
    }
}
