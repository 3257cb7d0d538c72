//! A staged copy of the plugin with the freshly built binary, so a stale `bin/sfp` in the
//! checkout never decides a test.
//!
//! The copy has the layout Claude Code loads (`.claude-plugin/`, `hooks/`, `config/`, and any of
//! `skills/`, `commands/`, `agents/` the repository has) plus `bin/sfp`, a copy of the binary
//! under test ([`common::sfp_bin`](crate::common::sfp_bin)).

use std::path::{Path, PathBuf};

/// The repository checkout the tests were built from.
pub fn repo_root() -> PathBuf {
    crate::common::repo_root().to_owned()
}

/// The directories of the checkout that make up the plugin.
const PLUGIN_DIRS: [&str; 6] = [
    ".claude-plugin",
    "hooks",
    "config",
    "skills",
    "commands",
    "agents",
];

/// Copies the plugin into `dest` and returns it.
pub fn stage(dest: &Path) -> PathBuf {
    let root = repo_root();
    for name in PLUGIN_DIRS {
        let src = root.join(name);
        if src.is_dir() {
            copy_tree(&src, &dest.join(name));
        }
    }
    let bin = dest.join("bin");
    std::fs::create_dir_all(&bin).expect("create bin/");
    std::fs::copy(crate::common::sfp_bin(), bin.join("sfp")).expect("copy the built sfp");
    dest.to_owned()
}

/// Copies a directory tree, keeping permissions (the launcher must stay executable).
fn copy_tree(src: &Path, dest: &Path) {
    for entry in walkdir::WalkDir::new(src) {
        let entry = entry.expect("walk plugin dir");
        let rel = entry.path().strip_prefix(src).expect("below src");
        let target = dest.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("create dir");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// A copy of the checkout as `git clone` would give it — every file git tracks or would track
/// (`git ls-files --cached --others --exclude-standard`, as they are in the working tree), so
/// no `bin/`, `target/` or `dist/` — at `dest`.
pub fn clean_clone(dest: &Path) -> PathBuf {
    let root = repo_root();
    let out = std::process::Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(&root)
        .output()
        .expect("git ls-files runs");
    assert!(out.status.success(), "git ls-files in {}", root.display());
    for rel in out.stdout.split(|&b| b == 0).filter(|r| !r.is_empty()) {
        let rel = Path::new(std::str::from_utf8(rel).expect("UTF-8 path"));
        let src = root.join(rel);
        if !src.is_file() {
            continue; // deleted in the working tree
        }
        let target = dest.join(rel);
        std::fs::create_dir_all(target.parent().expect("a parent")).expect("create dir");
        std::fs::copy(&src, &target).expect("copy file");
    }
    assert!(!dest.join("bin").exists(), "a clean clone has no bin/");
    dest.to_owned()
}
