//! One session's directory, `$SFP_HOME/sessions/<id>/`, and the name of every file in it. Each
//! capability keeps its own files' formats; this is the one place that lays them out, and the
//! home of the one file more than one capability reads, the [`ledger`].
//!
//! - `ledger.jsonl`: the files the session's tools touched ([`ledger`]; written by gates, read by
//!   gates and handoffs);
//! - `gates.json` and `base/`: the Stop hook's state and each touched file's lines before the
//!   session touched it ([`crate::gates`]);
//! - `gates-skip.txt`, `gates-last.json`: the gates skipped for the session and its last Stop
//!   run ([`crate::gates`]);
//! - `tags.json`, `tags-known.txt`: what TAG injection has given the session ([`crate::tags`]);
//! - `health-reported.txt`: the health problems already reported to it ([`crate::health`]).
//!
//! The directory is created on demand by the first write into it, private to the user.

pub(crate) mod ledger;

use std::path::PathBuf;

use crate::paths::{Paths, safe_component};

/// `tags-known.txt`, which sits beside `tags.json`.
pub(crate) const TAGS_KNOWN: &str = "tags-known.txt";

/// Where one session's files live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Session {
    dir: PathBuf,
}

impl Session {
    /// The session `id` (untrusted: made safe as one path component) of sfp's home.
    pub(crate) fn new(paths: &Paths, id: &str) -> Self {
        Self {
            dir: paths.sessions_dir().join(safe_component(id)),
        }
    }

    #[cfg(test)]
    pub(crate) fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    pub(crate) fn ledger(&self) -> PathBuf {
        self.dir.join("ledger.jsonl")
    }

    pub(crate) fn gates_state(&self) -> PathBuf {
        self.dir.join("gates.json")
    }

    /// The base of one touched file, under `base/`, by `key` (a hash of its path).
    pub(crate) fn line_base(&self, key: &str) -> PathBuf {
        self.dir.join("base").join(key)
    }

    pub(crate) fn gates_skip(&self) -> PathBuf {
        self.dir.join("gates-skip.txt")
    }

    pub(crate) fn gates_last(&self) -> PathBuf {
        self.dir.join("gates-last.json")
    }

    pub(crate) fn tags(&self) -> PathBuf {
        self.dir.join("tags.json")
    }

    #[cfg(test)]
    pub(crate) fn tags_known(&self) -> PathBuf {
        self.dir.join(TAGS_KNOWN)
    }

    pub(crate) fn health_reported(&self) -> PathBuf {
        self.dir.join("health-reported.txt")
    }
}

/// Paths whose sfp home is `home`, for tests of what a session keeps.
#[cfg(test)]
pub(crate) fn test_paths(home: &std::path::Path) -> Paths {
    let env = crate::env::Env {
        sfp_home: Some(home.to_path_buf()),
        ..crate::env::Env::default()
    };
    Paths::resolve(&env, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn every_file_lies_in_the_one_directory_of_its_session() {
        let p = test_paths(Path::new("/h"));
        let s = Session::new(&p, "../../etc");
        assert_eq!(s.dir(), Path::new("/h/sessions/_.._etc"));
        for file in [
            s.ledger(),
            s.gates_state(),
            s.line_base("00ff"),
            s.gates_skip(),
            s.gates_last(),
            s.tags(),
            s.tags_known(),
            s.health_reported(),
        ] {
            assert!(file.starts_with(s.dir()), "{}", file.display());
        }
        assert_eq!(s.tags_known(), s.tags().with_file_name(TAGS_KNOWN));
        assert_ne!(Session::new(&p, "a").dir(), Session::new(&p, "b").dir());
    }
}
