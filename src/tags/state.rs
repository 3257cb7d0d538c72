//! What one session has been given: `tags.json` in its directory ([`crate::session`]).
//!
//! Holds the sources' fingerprint (metadata) and content hash at the last injection, and whether
//! the project evidence was checked. The tag lines known then (to compute a delta) sit beside it
//! in `tags-known.txt`, one per line, read only when the sources changed — so an unchanged prompt
//! reads a few hundred bytes of state. Both are written
//! atomically (a temporary file renamed over it) but not synced to disk: it sits on the prompt
//! path, and losing it in a crash costs only a repeated injection. A missing, unreadable or
//! foreign file reads as "nothing given yet". Both are masked as they are written
//! ([`crate::util::redact`]): tag lines quote the user's context files.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

use super::settings::TagsSettings;
use crate::paths::Paths;
use crate::session::Session;
use crate::util::read::Foreign;

/// The state file's format version; another version reads as absent.
const VERSION: u32 = 1;
/// A state file larger than this is not ours to trust.
const MAX_STATE_BYTES: u64 = 2 * 1024 * 1024;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(super) struct TagState {
    pub version: u32,
    /// [`super::sources::Listing::fingerprint`] at the last look.
    pub fingerprint: String,
    /// The content hash [`super::sources::Listing::read_each`] returned at the last injection.
    pub content_hash: String,
    /// The project evidence was looked at in this session.
    pub evidence_checked: bool,
    /// When tags were last injected (RFC 3339).
    pub injected_at: Option<String>,
    /// A hash of the `sfp.yaml` layers the settings below were parsed from.
    pub config_hash: String,
    /// The `tags:` settings as parsed then, reused while `config_hash` holds, so that an
    /// unchanged prompt parses no YAML.
    pub settings: Option<TagsSettings>,
}

/// The state file of a session.
pub(super) fn path(paths: &Paths, session_id: &str) -> PathBuf {
    Session::new(paths, session_id).tags()
}

/// Reads the state; `Ok(None)` when there is none yet, `Err` with a reason when it is unusable
/// (the caller logs it and starts afresh).
pub(super) fn load(path: &Path) -> Result<Option<TagState>, String> {
    let kind = crate::util::read::Kind::STATE.capped(MAX_STATE_BYTES);
    let bytes = match crate::util::read::read(path, kind) {
        Foreign::Read(bytes) => bytes,
        Foreign::Missing => return Ok(None),
        Foreign::Skipped(skip) => return Err(format!("{skip}; ignored")),
    };
    match serde_json::from_slice::<TagState>(&bytes) {
        Ok(state) if state.version == VERSION => Ok(Some(state)),
        Ok(state) => Err(format!(
            "{} has version {}, expected {VERSION}; ignored",
            path.display(),
            state.version
        )),
        Err(e) => Err(format!("{} is not valid: {e}; ignored", path.display())),
    }
}

/// `tags-known.txt` beside the state file.
fn known_path(path: &Path) -> PathBuf {
    path.with_file_name(crate::session::TAGS_KNOWN)
}

/// Every tag line known at the last injection (before the budget); empty when there is none.
pub(super) fn load_known(path: &Path) -> Vec<String> {
    let kind = crate::util::read::Kind::STATE.capped(MAX_STATE_BYTES);
    match crate::util::read::bytes(&known_path(path), kind) {
        Some(bytes) => String::from_utf8_lossy(&bytes)
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// Writes the state, and the known tag lines when given.
pub(super) fn save(path: &Path, state: &TagState, known: Option<&[String]>) -> anyhow::Result<()> {
    if let Some(lines) = known {
        let mut text = lines.join("\n");
        text.push('\n');
        write_private(
            &known_path(path),
            crate::util::redact::text(&text).as_bytes(),
        )?;
    }
    let mut state = state.clone();
    state.version = VERSION;
    write_private(path, &crate::util::redact::to_vec(&state)?)
}

/// Writes atomically, private to the user, without waiting for the disk.
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::PermissionsExt;
    let dir = path.parent().context("state path has no parent")?;
    crate::util::fs::create_private_dir_all(dir)
        .with_context(|| format!("cannot create {}", dir.display()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".tags-")
        .permissions(std::fs::Permissions::from_mode(0o600))
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    tmp.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.persist(path)
        .with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_bad_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s/tags.json");
        assert!(load(&file).unwrap().is_none());
        let state = TagState {
            fingerprint: "f".into(),
            content_hash: "h".into(),
            evidence_checked: true,
            ..TagState::default()
        };
        assert!(load_known(&file).is_empty());
        let known = vec!["[U:rules] a".to_owned(), "[K:x] b".to_owned()];
        save(&file, &state, Some(&known)).unwrap();
        save(&file, &state, None).unwrap();
        assert_eq!(load_known(&file), known);
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            let entries = std::fs::read_dir(file.parent().unwrap()).unwrap().count();
            assert_eq!(entries, 2, "no temporary file left behind");
        }
        let back = load(&file).unwrap().unwrap();
        assert_eq!(back.fingerprint, "f");
        assert!(back.evidence_checked);
        assert_eq!(back.version, VERSION);
        std::fs::write(&file, "{not json").unwrap();
        assert!(load(&file).unwrap_err().contains("not valid"));
        std::fs::write(&file, r#"{"version": 99}"#).unwrap();
        assert!(load(&file).unwrap_err().contains("version 99"));
    }
}
