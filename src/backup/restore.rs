//! Planning a restore: map a backup's files to their destinations (the Claude config dir, sfp's
//! home for `.sfp-home/` paths, or `--to DIR`), and work out what would be created, overwritten or
//! left as is. Targets below a symlinked directory, and targets that are directories, symlinks or
//! other non-regular files, are refused.

use std::io;
use std::path::{Path, PathBuf};

use anyhow::bail;
use globset::{GlobBuilder, GlobSetBuilder};

use super::metadata::FileEntry;
use super::select::SFP_HOME_PREFIX;
use super::store::Backup;
use super::verify::hash;
use crate::paths::Paths;

/// What a restore would do to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Overwrite,
    /// Already there with the same content and mode.
    Same,
}

#[derive(Debug, Clone)]
pub struct Step {
    pub rel: String,
    /// The directory the target lies in (where staging happens).
    pub base: PathBuf,
    pub target: PathBuf,
    pub action: Action,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub steps: Vec<Step>,
    /// Where files go (`--to`, else the Claude config dir).
    pub base: PathBuf,
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
pub fn destination(rel: &str, to: Option<&Path>, paths: &Paths) -> (PathBuf, PathBuf) {
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

/// The files of `backup` matching any of `only` (all when empty).
pub fn select<'a>(backup: &'a Backup, only: &[String]) -> anyhow::Result<Vec<&'a FileEntry>> {
    if only.is_empty() {
        return Ok(backup.meta.files.iter().collect());
    }
    let mut b = GlobSetBuilder::new();
    for p in only {
        b.add(GlobBuilder::new(p).literal_separator(true).build()?);
        // `--only commands` means the directory too.
        b.add(
            GlobBuilder::new(&format!("{}/**", p.trim_end_matches('/')))
                .literal_separator(true)
                .build()?,
        );
    }
    let set = b.build()?;
    let files: Vec<&FileEntry> = backup
        .meta
        .files
        .iter()
        .filter(|f| set.is_match(&f.path))
        .collect();
    if files.is_empty() {
        bail!(
            "no file in backup {} matches {}",
            backup.meta.id,
            only.join(", ")
        );
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
                f.path,
                link.display()
            ));
            continue;
        }
        let action = match std::fs::symlink_metadata(&target) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Action::Create,
            Err(e) => {
                problems.push(format!(
                    "{}: cannot inspect {}: {e}",
                    f.path,
                    target.display()
                ));
                continue;
            }
            Ok(m) if m.is_dir() => {
                problems.push(format!("{}: {} is a directory", f.path, target.display()));
                continue;
            }
            Ok(m) if m.file_type().is_symlink() => {
                problems.push(format!(
                    "{}: {} is a symlink; refusing to replace it (restore with --to DIR, or \
                     replace the link by hand)",
                    f.path,
                    target.display()
                ));
                continue;
            }
            Ok(m) if !m.is_file() => {
                problems.push(format!(
                    "{}: {} is not a regular file; refusing to replace it",
                    f.path,
                    target.display()
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
        });
    }
    if !problems.is_empty() {
        bail!("cannot restore:\n  {}", problems.join("\n  "));
    }
    let base = to.map_or_else(|| paths.claude_dir.clone(), Path::to_path_buf);
    Ok(Plan { steps, base })
}

fn same_file(target: &Path, m: &std::fs::Metadata, f: &FileEntry) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    m.len() == f.size
        && m.mode() & 0o7777 == f.mode & 0o1777
        && std::fs::File::open(target)
            .and_then(|mut file| hash(&mut file))
            .is_ok_and(|sha| sha == f.sha256)
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
