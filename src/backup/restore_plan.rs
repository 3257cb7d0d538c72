//! Planning a restore: map a backup's files to their destinations (the Claude config dir, sfp's
//! home for `.sfp-home/` paths, or `--to DIR`), and work out what would be created, overwritten or
//! left as is, and which directories would be made. Targets below a symlinked directory, and
//! targets that are directories, symlinks or other non-regular files, are refused.
//!
//! Restoring a pre-restore backup undoes a restore: besides putting back what it overwrote, it
//! removes the files that restore created (each only if it is still exactly as restored) and the
//! directories it made (only if empty).

use std::io;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use globset::{GlobSet, GlobSetBuilder};

use super::metadata::FileEntry;
use super::select::SFP_HOME_PREFIX;
use super::shown::{self, escape};
use super::store::Backup;
use super::verify::hash;
use crate::paths::Paths;
use crate::util::glob;

/// What a restore would do to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Overwrite,
    /// Already there with the same content and mode.
    Same,
    /// Created by the restore this backup undoes, and unchanged since: removed.
    Remove,
}

#[derive(Debug, Clone)]
pub struct Step {
    pub rel: String,
    /// The directory the target lies in (where staging happens).
    pub base: PathBuf,
    pub target: PathBuf,
    pub action: Action,
    /// The file as the backup has it (for `Remove`, as the undone restore wrote it).
    pub entry: FileEntry,
}

impl Step {
    /// The target's path below its base, `/`-separated.
    pub fn inner(&self) -> &str {
        inner(&self.base, &self.target)
    }
}

/// `target` below `base` as text (both come from joining `/`-separated archive paths).
pub(super) fn inner<'a>(base: &Path, target: &'a Path) -> &'a str {
    target
        .strip_prefix(base)
        .ok()
        .and_then(Path::to_str)
        .unwrap_or_default()
}

/// A directory a restore makes or an undo removes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirStep {
    /// Its path in the archive's terms (what a pre-restore backup records).
    pub rel: String,
    pub base: PathBuf,
    pub target: PathBuf,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub steps: Vec<Step>,
    /// Where files go (`--to`, else the Claude config dir).
    pub base: PathBuf,
    /// Directories the restore will make for the files it creates, outermost first.
    pub made_dirs: Vec<DirStep>,
    /// An undo: directories the undone restore made, removed if empty, innermost first.
    pub remove_dirs: Vec<DirStep>,
    /// An undo: files the undone restore created that have changed since, and are kept.
    pub kept: Vec<(PathBuf, String)>,
}

impl Plan {
    pub fn count(&self, action: Action) -> usize {
        self.steps.iter().filter(|s| s.action == action).count()
    }

    pub fn writes(&self) -> impl Iterator<Item = &Step> {
        self.steps.iter().filter(|s| s.action != Action::Same)
    }
}

/// Where archive path `rel` is restored to.
pub(super) fn destination(rel: &str, to: Option<&Path>, paths: &Paths) -> (PathBuf, PathBuf) {
    if let Some(to) = to {
        return (to.to_path_buf(), to.join(rel));
    }
    match rel
        .strip_prefix(SFP_HOME_PREFIX)
        .and_then(|r| r.strip_prefix('/'))
    {
        Some(rest) => (paths.sfp_home.clone(), paths.sfp_home.join(rest)),
        None => (paths.claude_dir.clone(), paths.claude_dir.join(rel)),
    }
}

/// What `--only` selects: globs in sfp's one pattern syntax ([`crate::util::glob`]), the gates'
/// `file_patterns` rule: `*.md` matches at any depth, `/top.json` or `commands/x` is anchored
/// at the top, and a directory's name takes everything below it.
pub struct Only(Option<GlobSet>);

impl Only {
    pub fn new(patterns: &[String]) -> anyhow::Result<Self> {
        if patterns.is_empty() {
            return Ok(Self(None));
        }
        let mut b = GlobSetBuilder::new();
        for raw in patterns {
            for p in glob::expand(raw) {
                b.add(glob::compile(&p).with_context(|| format!("--only {}", escape(raw)))?);
            }
        }
        Ok(Self(Some(b.build()?)))
    }

    pub fn matches(&self, rel: &str) -> bool {
        self.0.as_ref().is_none_or(|set| set.is_match(rel))
    }
}

/// The files of `backup` matching `only` (all when it is empty). A selection that matches
/// nothing, in a backup that holds something, is an error.
pub(super) fn select<'a>(backup: &'a Backup, only: &Only) -> anyhow::Result<Vec<&'a FileEntry>> {
    let files: Vec<&FileEntry> = backup
        .meta
        .files
        .iter()
        .filter(|f| only.matches(&f.path))
        .collect();
    let removals = backup
        .meta
        .remove_on_restore
        .iter()
        .any(|f| only.matches(&f.path));
    if files.is_empty() && !removals && only.0.is_some() {
        bail!("no file in backup {} matches --only", backup.meta.id);
    }
    Ok(files)
}

/// Works out each file's action. Refuses targets that are directories, symlinks or other
/// non-regular files, or that lie below a symlinked directory: nothing sfp cannot back up first
/// is ever replaced.
pub fn plan(files: &[&FileEntry], to: Option<&Path>, paths: &Paths) -> anyhow::Result<Plan> {
    let mut steps = Vec::with_capacity(files.len());
    let mut problems = Vec::new();
    for f in files {
        let (base, target) = destination(&f.path, to, paths);
        if let Some(link) = linked_parent(&base, &target) {
            problems.push(format!(
                "{}: {} is a symlink; refusing to write through it",
                escape(&f.path),
                shown::path(&link)
            ));
            continue;
        }
        let action = match std::fs::symlink_metadata(&target) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Action::Create,
            Err(e) => {
                problems.push(format!(
                    "{}: cannot inspect {}: {e}",
                    escape(&f.path),
                    shown::path(&target)
                ));
                continue;
            }
            Ok(m) if m.is_dir() => {
                problems.push(format!(
                    "{}: {} is a directory",
                    escape(&f.path),
                    shown::path(&target)
                ));
                continue;
            }
            Ok(m) if m.file_type().is_symlink() => {
                problems.push(format!(
                    "{}: {} is a symlink; refusing to replace it (restore with --to DIR, or \
                     replace the link by hand)",
                    escape(&f.path),
                    shown::path(&target)
                ));
                continue;
            }
            Ok(m) if !m.is_file() => {
                problems.push(format!(
                    "{}: {} is not a regular file; refusing to replace it",
                    escape(&f.path),
                    shown::path(&target)
                ));
                continue;
            }
            Ok(m) if same_file(&target, &m, f) => Action::Same,
            Ok(_) => Action::Overwrite,
        };
        steps.push(Step {
            rel: f.path.clone(),
            base,
            target,
            action,
            entry: (*f).clone(),
        });
    }
    if !problems.is_empty() {
        bail!("cannot restore:\n  {}", problems.join("\n  "));
    }
    let base = to.map_or_else(|| paths.claude_dir.clone(), Path::to_path_buf);
    let made_dirs = dirs_to_make(&steps);
    Ok(Plan {
        steps,
        base,
        made_dirs,
        remove_dirs: Vec::new(),
        kept: Vec::new(),
    })
}

/// The directories below each base that the files to create need and that do not exist yet,
/// outermost first.
fn dirs_to_make(steps: &[Step]) -> Vec<DirStep> {
    let mut out: Vec<DirStep> = Vec::new();
    for s in steps.iter().filter(|s| s.action == Action::Create) {
        let inner = s.inner();
        let Some(prefix) = s.rel.strip_suffix(inner) else {
            continue;
        };
        let mut at = 0;
        while let Some(i) = inner[at..].find('/') {
            let dir = &inner[..at + i];
            at += i + 1;
            let target = s.base.join(dir);
            let rel = format!("{prefix}{dir}");
            if out.iter().any(|d| d.rel == rel) {
                continue;
            }
            if matches!(std::fs::symlink_metadata(&target), Err(e) if e.kind() == io::ErrorKind::NotFound)
            {
                out.push(DirStep {
                    rel,
                    base: s.base.clone(),
                    target,
                });
            }
        }
    }
    out
}

impl Plan {
    /// Adds an undo's removals: each file the undone restore created (that `only` selects) is
    /// removed if it is still exactly as that restore wrote it, and kept (and reported) if it
    /// changed since; the directories it made are removed if they are empty by then.
    pub fn add_removals(&mut self, backup: &Backup, only: &Only, to: Option<&Path>, paths: &Paths) {
        for f in backup
            .meta
            .remove_on_restore
            .iter()
            .filter(|f| only.matches(&f.path))
        {
            let (base, target) = destination(&f.path, to, paths);
            if let Some(link) = linked_parent(&base, &target) {
                self.kept
                    .push((target, format!("{} is a symlink now", shown::path(&link))));
                continue;
            }
            match std::fs::symlink_metadata(&target) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Ok(m) if m.is_file() && m.len() == f.size && same_content(&target, f) => {
                    self.steps.push(Step {
                        rel: f.path.clone(),
                        base,
                        target,
                        action: Action::Remove,
                        entry: f.clone(),
                    });
                }
                Ok(_) | Err(_) => self.kept.push((
                    target,
                    "changed since the restore that created it".to_owned(),
                )),
            }
        }
        if only.0.is_none() {
            let mut dirs: Vec<DirStep> = backup
                .meta
                .remove_dirs_on_restore
                .iter()
                .map(|d| {
                    let (base, target) = destination(d, to, paths);
                    DirStep {
                        rel: d.clone(),
                        base,
                        target,
                    }
                })
                .collect();
            // Innermost first.
            dirs.sort_by(|a, b| b.rel.len().cmp(&a.rel.len()).then(b.rel.cmp(&a.rel)));
            self.remove_dirs = dirs;
        }
    }
}

fn same_content(target: &Path, f: &FileEntry) -> bool {
    super::metadata::open_regular(target)
        .ok()
        .and_then(|mut file| hash(&mut file).ok())
        .is_some_and(|sha| sha == f.sha256)
}

fn same_file(target: &Path, m: &std::fs::Metadata, f: &FileEntry) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    m.len() == f.size && m.mode() & 0o7777 == f.mode & 0o1777 && same_content(target, f)
}

/// The first existing directory between `base` and `target` that is a symlink.
fn linked_parent(base: &Path, target: &Path) -> Option<PathBuf> {
    let rest = target.parent()?.strip_prefix(base).ok()?;
    let mut at = base.to_path_buf();
    for part in rest.components() {
        at.push(part);
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => return Some(at),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::Env;

    fn paths(root: &Path) -> Paths {
        let env = Env {
            home: Some(root.to_path_buf()),
            claude_config_dir: Some(root.join("claude")),
            sfp_home: Some(root.join("state")),
            ..Env::default()
        };
        Paths::resolve(&env, None)
    }

    fn entry(path: &str, content: &[u8], mode: u32) -> FileEntry {
        FileEntry {
            path: path.into(),
            size: content.len() as u64,
            mode,
            mtime: 0,
            sha256: hash(&mut &content[..]).unwrap(),
            changed: false,
        }
    }

    #[test]
    fn sfp_home_paths_go_home_unless_redirected() {
        let root = Path::new("/r");
        let p = paths(root);
        assert_eq!(
            destination(".sfp-home/sfp.yaml", None, &p),
            (root.join("state"), root.join("state/sfp.yaml"))
        );
        assert_eq!(
            destination("commands/a.md", None, &p).1,
            root.join("claude/commands/a.md")
        );
        let to = Path::new("/elsewhere");
        assert_eq!(
            destination(".sfp-home/sfp.yaml", Some(to), &p).1,
            to.join(".sfp-home/sfp.yaml")
        );
    }

    #[test]
    fn only_matches_like_the_gates_file_patterns() {
        let only =
            |p: &[&str]| Only::new(&p.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>()).unwrap();
        let md = only(&["*.md"]);
        assert!(md.matches("CLAUDE.md") && md.matches("commands/deep/x.md"));
        assert!(!md.matches("settings.json"));
        let top = only(&["/CLAUDE.md"]);
        assert!(top.matches("CLAUDE.md") && !top.matches(".context/CLAUDE.md"));
        let dir = only(&["commands"]);
        assert!(dir.matches("commands/review.md") && dir.matches("x/commands/y.md"));
        let anchored = only(&["commands/*.md"]);
        assert!(anchored.matches("commands/a.md") && !anchored.matches("commands/d/a.md"));
        assert!(only(&[]).matches("anything"));
        assert!(Only::new(&["a[".to_owned()]).is_err());
    }

    #[test]
    fn plan_tells_create_overwrite_and_same() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let p = paths(dir.path());
        let claude = dir.path().join("claude");
        std::fs::create_dir_all(claude.join("commands")).unwrap();
        std::fs::write(claude.join("same.json"), b"same").unwrap();
        std::fs::set_permissions(
            claude.join("same.json"),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        std::fs::write(claude.join("changed.json"), b"old").unwrap();
        let files = [
            entry("same.json", b"same", 0o644),
            entry("changed.json", b"new", 0o644),
            entry("commands/new.md", b"x", 0o644),
        ];
        let refs: Vec<&FileEntry> = files.iter().collect();
        let planned = plan(&refs, None, &p).unwrap();
        let actions: Vec<Action> = planned.steps.iter().map(|s| s.action).collect();
        assert_eq!(actions, [Action::Same, Action::Overwrite, Action::Create]);
        assert_eq!(planned.writes().count(), 2);

        std::fs::create_dir_all(claude.join("agents.d")).unwrap();
        std::os::unix::fs::symlink(claude.join("agents.d"), claude.join("agents")).unwrap();
        std::os::unix::fs::symlink(claude.join("same.json"), claude.join("linked.json")).unwrap();
        let bad = [
            entry("agents/x.md", b"x", 0o644),
            entry("commands", b"x", 0o644),
            entry("linked.json", b"x", 0o644),
        ];
        let refs: Vec<&FileEntry> = bad.iter().collect();
        let err = plan(&refs, None, &p).unwrap_err().to_string();
        assert!(
            err.contains("agents is a symlink")
                && err.contains("is a directory")
                && err.contains("linked.json is a symlink; refusing to replace it"),
            "{err}"
        );
    }
}
