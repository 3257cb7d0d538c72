//! What one session keeps about its gates, beside the Stop state, in its directory
//! ([`crate::session`]):
//!
//! - `gates-skip.txt`: gates skipped for the rest of the session (`sfp gates skip NAME`, the
//!   `/sfp:skip` command), one name a line, read wherever `SFP_SKIP` is;
//! - `gates-last.json`: the last Stop run, and the reason Claude was given when it blocked
//!   (`sfp gates last`, the `/sfp:gates` command).
//!
//! Both are masked as they are written ([`crate::util::redact`]): the block reason quotes gate
//! output.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::model::RunReport;
use super::report;
use crate::env::Env;
use crate::paths::Paths;
use crate::session::Session;

/// Largest state file read back (they are written by sfp and stay small).
const MAX_BYTES: u64 = 1024 * 1024;

fn skip_path(paths: &Paths, session: &str) -> PathBuf {
    Session::new(paths, session).gates_skip()
}

fn last_path(paths: &Paths, session: &str) -> PathBuf {
    Session::new(paths, session).gates_last()
}

/// A file sfp wrote itself, read back bounded; `None` when it is missing, not a regular file,
/// too large or unreadable.
fn read(path: &Path) -> Option<Vec<u8>> {
    if !std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file()) {
        return None;
    }
    crate::util::read::bytes(path, crate::util::read::Kind::STATE.capped(MAX_BYTES))
}

/// The gates skipped for the rest of `session`.
pub(super) fn skipped(paths: &Paths, session: &str) -> Vec<String> {
    let Some(bytes) = read(&skip_path(paths, session)) else {
        return Vec::new();
    };
    let mut names: Vec<String> = String::from_utf8_lossy(&bytes)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    names.dedup();
    names
}

/// Adds `names` to the session's skip list; returns the whole list.
pub(super) fn add_skips(
    paths: &Paths,
    session: &str,
    names: &[String],
) -> anyhow::Result<Vec<String>> {
    let mut all = skipped(paths, session);
    for name in names {
        if !all.contains(name) {
            all.push(name.clone());
        }
    }
    write_skips(paths, session, &all)?;
    Ok(all)
}

/// Empties the session's skip list.
pub(super) fn clear_skips(paths: &Paths, session: &str) -> anyhow::Result<()> {
    write_skips(paths, session, &[])
}

fn write_skips(paths: &Paths, session: &str, names: &[String]) -> anyhow::Result<()> {
    let mut text = String::from("# gates skipped for the rest of this session (sfp gates skip)\n");
    for n in names {
        text.push_str(n);
        text.push('\n');
    }
    let text = crate::util::redact::text(&text);
    crate::util::fs::atomic_write(&skip_path(paths, session), text.as_bytes(), Some(0o600))
}

/// `env` with the session's skip list added to `SFP_SKIP`, for the gate selection.
pub(super) fn with_skips(env: &Env, paths: &Paths, session: Option<&str>) -> Env {
    let mut env = env.clone();
    if let Some(session) = session {
        for name in skipped(paths, session) {
            if !env.skip_gates.contains(&name) {
                env.skip_gates.push(name);
            }
        }
    }
    env
}

/// The last Stop run of a session.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(super) struct LastRun {
    /// RFC 3339 time of the run.
    pub at: String,
    pub tier: String,
    /// `passed`, `warned`, `failed` or `interrupted`.
    pub status: String,
    /// The one-line summary the user is shown.
    pub summary: String,
    /// Each gate that did not pass: `name status`.
    pub failures: Vec<String>,
    /// The reason Claude was sent back with, when the run blocked.
    pub block_reason: Option<String>,
}

/// Records the run the Stop hook just made (and its block reason, when it blocked).
pub(super) fn save_last(
    paths: &Paths,
    session: &str,
    report: &RunReport,
    block_reason: Option<&str>,
) -> anyhow::Result<()> {
    let last = LastRun {
        at: chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        tier: report.tier.clone(),
        status: format!("{:?}", report.status).to_lowercase(),
        summary: report::one_line(report),
        failures: report
            .failures()
            .map(|g| format!("{} {}", g.name, g.status.as_str()))
            .collect(),
        block_reason: block_reason.map(str::to_owned),
    };
    let bytes = crate::util::redact::to_vec_pretty(&last)?;
    crate::util::fs::atomic_write(&last_path(paths, session), &bytes, Some(0o600))
}

/// The last Stop run of `session`, if there was one.
pub(super) fn load_last(paths: &Paths, session: &str) -> Option<LastRun> {
    serde_json::from_slice(&read(&last_path(paths, session))?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::test_paths as paths;

    #[test]
    fn skips_are_per_session_and_join_sfp_skip() {
        let dir = tempfile::tempdir().unwrap();
        let p = paths(dir.path());
        assert!(skipped(&p, "s1").is_empty());
        add_skips(&p, "s1", &["ruff-check".into()]).unwrap();
        let all = add_skips(&p, "s1", &["ruff-check".into(), "mypy".into()]).unwrap();
        assert_eq!(all, vec!["ruff-check", "mypy"]);
        assert!(skipped(&p, "s2").is_empty(), "another session is untouched");
        let env = Env {
            skip_gates: vec!["mypy".into(), "eslint".into()],
            ..Env::default()
        };
        assert_eq!(
            with_skips(&env, &p, Some("s1")).skip_gates,
            vec!["mypy", "eslint", "ruff-check"]
        );
        assert_eq!(with_skips(&env, &p, None).skip_gates, env.skip_gates);
        clear_skips(&p, "s1").unwrap();
        assert!(skipped(&p, "s1").is_empty());
    }

    #[test]
    fn a_hostile_skip_file_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = paths(dir.path());
        let file = skip_path(&p, "s1");
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink("/dev/zero", &file).unwrap();
        assert!(skipped(&p, "s1").is_empty());
        assert!(load_last(&p, "s1").is_none());
    }
}
