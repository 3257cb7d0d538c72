//! Gate results kept by content, in `$SFP_HOME/cache/gates/`, shared by the turns, sessions and
//! worktrees of every project: a gate that already ran on the same content with the same
//! definition is not run again; its result is reported as `cached`.
//!
//! The key is a SHA-256 of the gate's definition (command or builtin, `env`, `root`, the tool the
//! command starts, resolved on PATH or in the project, with its size and modification time, and
//! sfp's version) and of the content of every file the gate can read: the files it is given when
//! its command takes `SFP_FILES`, otherwise every file of the project its patterns match and the
//! project's lock files (standing for the dependencies such a check also reads). Only
//! results that came from the code (passed, failed) are kept; `cache: false` is for gates that
//! read more than files. Entries are bounded by count and total size, least recently used first
//! out. The project's path in a stored output is kept as a placeholder, so that another worktree
//! reads its own paths. Entries are masked as they are written ([`crate::util::redact`]).

use std::io::Read as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::model::{GateResult, GateStatus};
use super::tiers::{Action, Gate};
use crate::env::Env;

/// Most entries kept.
const MAX_ENTRIES: usize = 1_000;
/// Most bytes kept in all.
const MAX_TOTAL_BYTES: u64 = 64 * 1024 * 1024;
/// A gate reading more files than this, or more bytes, is not cached (hashing would cost more
/// than it saves).
const MAX_FILES: usize = 50_000;
const MAX_HASHED_BYTES: u64 = 512 * 1024 * 1024;
/// Files whose content stands for a project's installed dependencies.
const LOCK_FILES: &[&str] = &[
    "Cargo.lock",
    "package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lockb",
    "uv.lock",
    "poetry.lock",
    "pdm.lock",
    "Pipfile.lock",
    "requirements.txt",
    "go.sum",
    "Gemfile.lock",
    "composer.lock",
];
/// Stands for the project's path in stored output.
const PROJECT_MARK: &str = "\u{0}SFP_PROJECT\u{0}";

/// The cache of one run.
#[derive(Debug, Clone)]
pub(super) struct Cache {
    dir: PathBuf,
    project: PathBuf,
    /// Every file of the project, for gates that do not take `SFP_FILES` (listed once, lazily).
    all_files: std::sync::Arc<std::sync::OnceLock<Vec<String>>>,
    /// The run's deadline, for the git call that lists the project.
    deadline: crate::hook::Deadline,
}

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    failed: bool,
    exit_code: Option<i32>,
    signal: Option<i32>,
    output: String,
    output_bytes: u64,
    duration_ms: u64,
}

impl Cache {
    pub(super) fn new(sfp_home: &Path, project: &Path) -> Self {
        Self {
            dir: sfp_home.join("cache").join("gates"),
            project: project.to_path_buf(),
            all_files: std::sync::Arc::default(),
            deadline: crate::hook::Deadline::NONE,
        }
    }

    /// The same cache, listing the project only until `deadline`.
    #[must_use]
    pub(super) fn until(self, deadline: crate::hook::Deadline) -> Self {
        Self { deadline, ..self }
    }

    /// The key of `gate` run on `files` (`whole`: the command sees no file list and reads the
    /// project); `None` when the gate is not cached.
    pub(super) fn key(
        &self,
        gate: &Gate,
        files: &[String],
        whole: bool,
        env: &Env,
    ) -> Option<String> {
        if !gate.cache {
            return None;
        }
        let mut h = Sha256::new();
        let mut field = |name: &str, value: &[u8]| {
            h.update(name.as_bytes());
            h.update((value.len() as u64).to_le_bytes());
            h.update(value);
        };
        field("sfp", env!("CARGO_PKG_VERSION").as_bytes());
        let cwd = match &gate.root {
            Some(r) => self.project.join(r),
            None => self.project.clone(),
        };
        let mut extra: Vec<String> = Vec::new();
        let reads_list = match &gate.action {
            Action::Secrets => {
                field("builtin", b"secrets");
                // The scan also reads the files that tell it what to skip.
                extra.extend(
                    [".gitignore", ".secretsignore"]
                        .iter()
                        .filter(|f| self.project.join(f).is_file())
                        .map(|f| (*f).to_owned()),
                );
                true
            }
            Action::Command(c) => {
                field("command", c.as_bytes());
                field("tool", tool_identity(c, &cwd, env).as_bytes());
                c.contains("SFP_FILES")
            }
        };
        for (k, v) in &gate.env {
            field("env", format!("{k}={v}").as_bytes());
        }
        if let Some(root) = &gate.root {
            field("root", root.as_os_str().as_encoded_bytes());
        }
        let all;
        let listed: Vec<String>;
        let read: &[String] = if reads_list && !whole {
            if extra.is_empty() {
                files
            } else {
                listed = files.iter().chain(&extra).cloned().collect();
                &listed
            }
        } else {
            all = self
                .all_files
                .get_or_init(|| super::select::all_files(&self.project, self.deadline));
            let matching: Vec<String> = all
                .iter()
                .filter(|f| gate.matcher.matches(f))
                .cloned()
                .collect();
            field("whole", b"1");
            // A whole-project check also reads its dependencies (node_modules, site-packages,
            // the cargo registry), which no pattern lists: their lock files stand for them.
            let mut read = matching;
            read.extend(
                LOCK_FILES
                    .iter()
                    .filter(|f| self.project.join(f).is_file())
                    .map(|f| (*f).to_owned()),
            );
            return self.finish(h, &read);
        };
        self.finish(h, read)
    }

    fn finish(&self, mut h: Sha256, files: &[String]) -> Option<String> {
        if files.len() > MAX_FILES {
            return None;
        }
        let mut total = 0u64;
        for rel in files {
            h.update(rel.as_bytes());
            h.update([0]);
            total += hash_file(&mut h, &self.project.join(rel))?;
            if total > MAX_HASHED_BYTES {
                return None;
            }
        }
        Some(format!("{:x}", h.finalize()))
    }

    /// The stored result for `key`, filled into `result`; `false` on a miss.
    pub(super) fn load(&self, key: &str, result: &mut GateResult) -> bool {
        let path = self.dir.join(format!("{key}.json"));
        let kind = crate::util::read::Kind::STATE.capped(MAX_TOTAL_BYTES);
        let Some(bytes) = crate::util::read::bytes(&path, kind) else {
            return false;
        };
        let Ok(entry) = serde_json::from_slice::<Entry>(&bytes) else {
            return false;
        };
        // Most recently used last out.
        if let crate::util::read::OpenResult::Open(o) = crate::util::read::open(&path, kind) {
            let _ = o.file.set_modified(std::time::SystemTime::now());
        }
        result.status = if entry.failed {
            GateStatus::Failed
        } else {
            GateStatus::Passed
        };
        result.exit_code = entry.exit_code;
        result.signal = entry.signal;
        result.output = entry
            .output
            .replace(PROJECT_MARK, &self.project.to_string_lossy());
        result.output_bytes = entry.output_bytes;
        result.duration_ms = 0;
        result.cached = true;
        true
    }

    /// Keeps `result` under `key` when it came from the code.
    pub(super) fn store(&self, key: &str, result: &GateResult) {
        if !matches!(result.status, GateStatus::Passed | GateStatus::Failed) || result.leaked {
            return;
        }
        let project = self.project.to_string_lossy();
        let entry = Entry {
            failed: result.status == GateStatus::Failed,
            exit_code: result.exit_code,
            signal: result.signal,
            output: if project.len() > 1 {
                result.output.replace(project.as_ref(), PROJECT_MARK)
            } else {
                result.output.clone()
            },
            output_bytes: result.output_bytes,
            duration_ms: result.duration_ms,
        };
        // Kept masked: a hit replays the output as the boundaries would have shown it anyway.
        let Ok(bytes) = crate::util::redact::to_vec(&entry) else {
            return;
        };
        let path = self.dir.join(format!("{key}.json"));
        if crate::util::fs::atomic_write(&path, &bytes, Some(0o600)).is_ok() {
            self.prune();
        }
    }

    /// Removes the least recently used entries past the bounds.
    fn prune(&self) {
        let Ok(dir) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut entries: Vec<(std::time::SystemTime, u64, PathBuf)> = dir
            .filter_map(Result::ok)
            .filter_map(|e| {
                let m = e.metadata().ok()?;
                if !m.is_file() {
                    return None;
                }
                Some((m.modified().ok()?, m.len(), e.path()))
            })
            .collect();
        let mut total: u64 = entries.iter().map(|e| e.1).sum();
        if entries.len() <= MAX_ENTRIES && total <= MAX_TOTAL_BYTES {
            return;
        }
        entries.sort();
        let mut count = entries.len();
        for (_, len, path) in entries {
            if count <= MAX_ENTRIES * 9 / 10 && total <= MAX_TOTAL_BYTES / 10 * 9 {
                break;
            }
            if std::fs::remove_file(&path).is_ok() {
                count -= 1;
                total -= len;
            }
        }
    }
}

/// Hashes a file's kind and content into `h` without following symlinks or opening anything
/// that is not a regular file; returns the bytes read, `None` when it cannot be read.
fn hash_file(h: &mut Sha256, path: &Path) -> Option<u64> {
    let meta = std::fs::symlink_metadata(path);
    match meta {
        Err(_) => {
            h.update(b"missing");
            Some(0)
        }
        Ok(m) if m.file_type().is_symlink() => {
            h.update(b"link:");
            h.update(
                std::fs::read_link(path)
                    .ok()?
                    .as_os_str()
                    .as_encoded_bytes(),
            );
            Some(0)
        }
        Ok(m) if m.is_file() => {
            // Opened without blocking, and only if it is still a regular file.
            let crate::util::read::OpenResult::Open(crate::util::read::Opened {
                file: mut f, ..
            }) = crate::util::read::open(path, crate::util::read::Kind::SOURCE)
            else {
                return None;
            };
            let mut buf = vec![0u8; 64 * 1024];
            let mut n_total = 0u64;
            h.update(m.len().to_le_bytes());
            loop {
                let n = f.read(&mut buf).ok()?;
                if n == 0 {
                    break;
                }
                h.update(&buf[..n]);
                n_total += n as u64;
                if n_total > MAX_HASHED_BYTES {
                    return None;
                }
            }
            Some(n_total)
        }
        Ok(_) => {
            h.update(b"special");
            Some(0)
        }
    }
}

/// The program a command line starts, as `path:size:mtime` (or its bare name when it cannot be
/// found), so that a changed tool is a different key.
fn tool_identity(command: &str, cwd: &Path, env: &Env) -> String {
    use std::os::unix::fs::MetadataExt;
    let Some(word) = command
        .split(|c: char| c.is_whitespace() || ";&|()<>'\"`".contains(c))
        .find(|w| !w.is_empty() && *w != "!" && *w != "exec" && !w.contains('='))
    else {
        return String::new();
    };
    // A path in the project is named as written, so that worktrees share the key.
    let (shown, path) = if word.contains('/') {
        (word.to_owned(), Some(cwd.join(word)))
    } else {
        let found = env.which(word);
        (
            found
                .as_ref()
                .map_or_else(|| word.to_owned(), |p| p.display().to_string()),
            found,
        )
    };
    match path.and_then(|p| std::fs::metadata(&p).ok()) {
        Some(m) => format!("{shown}:{}:{}:{}", m.len(), m.mtime(), m.mtime_nsec()),
        None => word.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gates(yaml: &str) -> Vec<Gate> {
        crate::gates::tiers::test_tier(yaml).gates
    }

    #[test]
    fn keys_follow_content_tools_and_what_the_scan_skips() {
        let dir = tempfile::tempdir().unwrap();
        let (project, bin) = (dir.path().join("p"), dir.path().join("bin"));
        std::fs::create_dir_all(&project).unwrap();
        std::fs::create_dir_all(&bin).unwrap();
        let tool = bin.join("lint-sfp");
        std::fs::write(&tool, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&tool, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        std::fs::write(project.join("a.py"), "x = 1\n").unwrap();
        let env = Env {
            path: Some(bin.clone().into_os_string()),
            ..Env::default()
        };
        let g = gates(
            "gates:\n  - {name: l, command: 'lint-sfp $SFP_FILES'}\n  - {name: s, builtin: secrets}\n  - {name: n, command: 'lint-sfp', cache: false}\n",
        );
        let cache = Cache::new(dir.path(), &project);
        let files = vec!["a.py".to_owned()];
        let key = |g: &Gate| cache.key(g, &files, false, &env);
        let (lint, scan) = (key(&g[0]).unwrap(), key(&g[1]).unwrap());
        assert_eq!(key(&g[0]).unwrap(), lint, "stable");
        assert_eq!(key(&g[2]), None, "cache: false");
        // The tool on PATH changed (size): a new key.
        std::fs::write(&tool, "#!/bin/sh\n# v2\n").unwrap();
        assert_ne!(key(&g[0]).unwrap(), lint);
        // A file's content: a new key; back to the old content: the old key.
        let now = key(&g[0]).unwrap();
        std::fs::write(project.join("a.py"), "x = 2\n").unwrap();
        assert_ne!(key(&g[0]).unwrap(), now);
        std::fs::write(project.join("a.py"), "x = 1\n").unwrap();
        assert_eq!(key(&g[0]).unwrap(), now);
        // What the secret scan skips is part of what it reads.
        assert_eq!(key(&g[1]).unwrap(), scan);
        std::fs::write(project.join(".secretsignore"), "a.py\n").unwrap();
        assert_ne!(key(&g[1]).unwrap(), scan);
    }
}
