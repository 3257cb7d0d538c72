//! The plugin installed as a user installs it — `claude plugin marketplace add <checkout>` then
//! `claude plugin install sfp@sfp-local`, no `--plugin-dir` — fires the same hooks.
//!
//! Observed with Claude Code 2.1.330: `plugin install` from a directory marketplace copies the
//! plugin into `~/.claude/plugins/cache/<marketplace>/<plugin>/<version>/` (everything but `.git`,
//! ignored files such as `bin/sfp` and `target/` included), yet hooks run from the source
//! directory in place (`CLAUDE_PLUGIN_ROOT` is the checkout), so a rebuilt `bin/sfp` takes effect
//! at the next session start. The first test pins both facts (still so with 2.1.332).
//!
//! Then the installs the README offers: a clean clone (no `bin/`) from its own marketplace with
//! an `sfp` on PATH, and the release archive on a PATH without a Rust toolchain.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::json;

use crate::claude::{Install, Session, claude_or_skip};
use crate::plugin;

#[test]
fn marketplace_install_fires_the_same_session_start() {
    let Some(claude) = claude_or_skip("marketplace_install_fires_the_same_session_start") else {
        return;
    };
    let session = Session::new(claude).install(Install::Marketplace);
    let s = session.run("hello", &[]);

    let cache = session.claude_dir().join("plugins/cache/sfp-local/sfp");
    let installed: Vec<_> = std::fs::read_dir(&cache)
        .unwrap_or_else(|e| panic!("{} not created ({e})\n{}", cache.display(), s.dump()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    assert_eq!(installed.len(), 1, "one installed version: {installed:?}");
    let copy = &installed[0];
    assert!(
        copy.join("bin/sfp").is_file(),
        "the installed copy has bin/sfp"
    );
    assert!(copy.join("hooks/sfp-hook").is_file(), "and the launcher");

    let run = &s.runs[0];
    assert!(
        run.plugins.iter().any(|p| p == "sfp"),
        "sfp loaded from the install\n{}",
        s.dump()
    );
    let launcher = format!(
        "[{}/hooks/sfp-hook session-start] (plugin sfp@sfp-local)",
        session.plugin().display()
    );
    assert!(
        run.debug_log.contains(&launcher),
        "the hook ran from the marketplace install (in place, from its source directory), \
         not a --plugin-dir\n{}",
        s.dump()
    );
    let starts = s.hooks("SessionStart:startup");
    assert_eq!(starts.len(), 1, "{}", s.dump());
    assert_eq!(starts[0].exit_code, Some(0), "{}", s.dump());
    let notices = s.injected_with("CLAUDE.md is missing");
    assert_eq!(
        notices.len(),
        1,
        "the health notice reaches the model\n{}",
        s.dump()
    );
}

/// A directory holding only an `sfp` binary, as `cargo install --root <dir>` leaves it in
/// `<dir>/bin`. The binary is a copy of the one under test: a real `cargo install` builds the
/// release profile from scratch (minutes), so it runs only with `E2E_CARGO_INSTALL=1`.
fn cargo_installed_sfp(session: &Session, clone: &Path) -> PathBuf {
    let root = session.scratch().join("cargo-root");
    if std::env::var_os("E2E_CARGO_INSTALL").is_some() {
        let ok = Command::new("cargo")
            .args(["install", "--locked", "--offline", "--path"])
            .arg(clone)
            .arg("--root")
            .arg(&root)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "cargo install --root {}", root.display());
    } else {
        std::fs::create_dir_all(root.join("bin")).expect("create bin");
        std::fs::copy(crate::common::sfp_bin(), root.join("bin/sfp")).expect("copy sfp");
    }
    root.join("bin")
}

#[test]
fn a_clean_clone_from_its_marketplace_runs_the_sfp_on_path() {
    let Some(claude) = claude_or_skip("a_clean_clone_from_its_marketplace_runs_the_sfp_on_path")
    else {
        return;
    };
    let session = Session::new(claude);
    let clone = plugin::clean_clone(&session.scratch().join("clone"));
    let bin = cargo_installed_sfp(&session, &clone);
    let session = session
        .plugin_at(clone)
        .install(Install::Marketplace)
        .path_first(bin);
    let s = session.run("hello", &[]);

    let cache = session.claude_dir().join("plugins/cache/sfp-local/sfp");
    let copies: Vec<PathBuf> = std::fs::read_dir(&cache)
        .unwrap_or_else(|e| panic!("{} not created ({e})\n{}", cache.display(), s.dump()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    assert_eq!(copies.len(), 1, "{copies:?}");
    assert!(!copies[0].join("bin").exists(), "the install has no bin/");
    let starts = s.hooks("SessionStart:startup");
    assert_eq!(starts.len(), 1, "{}", s.dump());
    assert_eq!(starts[0].exit_code, Some(0), "{}", s.dump());
    assert!(
        !starts[0].stdout.contains("not installed") && !starts[0].stdout.contains("not built"),
        "the launcher found the sfp on PATH\n{}",
        s.dump()
    );
    assert_eq!(
        s.injected_with("CLAUDE.md is missing").len(),
        1,
        "the health notice reaches the model\n{}",
        s.dump()
    );
}

/// A PATH of the system's directories (no `~/.cargo/bin`), checked to hold no Rust toolchain.
fn path_without_cargo() -> std::ffi::OsString {
    let dirs = ["/usr/local/bin", "/usr/bin", "/bin"];
    for dir in dirs {
        for tool in ["cargo", "rustc", "rustup"] {
            assert!(
                !Path::new(dir).join(tool).exists(),
                "{dir}/{tool} exists: this machine cannot show an install without a toolchain"
            );
        }
    }
    std::env::join_paths(dirs).expect("PATH")
}

/// Runs `scripts/package.sh` on the binary under test, checks the `.sha256` beside the archive,
/// unpacks it in the session's scratch directory and returns the plugin folder it holds.
fn packaged_and_unpacked(session: &Session) -> PathBuf {
    let dist = session.scratch().join("dist");
    let out = Command::new(plugin::repo_root().join("scripts/package.sh"))
        .arg("--binary")
        .arg(crate::common::sfp_bin())
        .arg("--out")
        .arg(&dist)
        .output()
        .expect("package.sh runs");
    assert!(
        out.status.success(),
        "package.sh: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let target =
        String::from_utf8_lossy(&Command::new("rustc").arg("-vV").output().unwrap().stdout)
            .lines()
            .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
            .expect("rustc host");
    let name = format!("sfp-{}-{target}", env!("CARGO_PKG_VERSION"));
    let archive = format!("{name}.tar.gz");
    let check = Command::new("sha256sum")
        .args(["-c", &format!("{archive}.sha256")])
        .current_dir(&dist)
        .output()
        .expect("sha256sum runs");
    assert!(check.status.success(), "the .sha256 beside it matches");
    let unpacked = session.scratch().join("unpacked");
    std::fs::create_dir_all(&unpacked).unwrap();
    let ok = Command::new("tar")
        .arg("-xzf")
        .arg(dist.join(&archive))
        .arg("-C")
        .arg(&unpacked)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "tar -xzf {archive}");
    let plugin_dir = unpacked.join(&name);
    for part in [
        ".claude-plugin/plugin.json",
        ".claude-plugin/marketplace.json",
        "hooks/hooks.json",
        "hooks/sfp-hook",
        "config/sfp.yaml",
        "commands/health.md",
        "bin/sfp",
    ] {
        assert!(plugin_dir.join(part).is_file(), "the archive holds {part}");
    }

    plugin_dir
}

#[test]
fn the_release_archive_installs_without_a_toolchain_and_answers_every_hook() {
    let Some(claude) =
        claude_or_skip("the_release_archive_installs_without_a_toolchain_and_answers_every_hook")
    else {
        return;
    };
    let session = Session::new(claude);
    let plugin_dir = packaged_and_unpacked(&session);
    let shown = plugin_dir.display().to_string();
    let validate = session.cli(&["plugin", "validate", "--strict", &shown]);
    assert!(
        validate.status.success(),
        "the unpacked archive validates strictly: {}",
        String::from_utf8_lossy(&validate.stdout)
    );
    let session = session
        .plugin_at(plugin_dir.clone())
        .install(Install::Marketplace)
        .path_base(path_without_cargo())
        .env("SFP_LOG_LEVEL", "debug")
        .script(vec![
            json!({"tool": "Write", "input": {"file_path": "{cwd}/hello.txt", "content": "hello\n"}}),
            json!({"text": "wrote hello.txt"}),
        ]);
    let s = session.run("write hello.txt", &["/compact", "/clear"]);
    // Every wired event fired, exited 0, and was answered by the archive's binary (its debug
    // log line), not by the launcher's "not installed" fallback.
    let log = std::fs::read_to_string(session.sfp_home().join("logs/sfp.log"))
        .unwrap_or_else(|e| panic!("no sfp log ({e})\n{}", s.dump()));
    let hooks: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(plugin_dir.join("hooks/hooks.json")).unwrap(),
    )
    .unwrap();
    for (event, entries) in hooks["hooks"].as_object().unwrap() {
        let arg = entries[0]["hooks"][0]["args"][0].as_str().unwrap();
        let fired = s.hooks(event).len() + s.debug_hooks(event).len();
        assert!(fired > 0, "{event} never fired\n{}", s.dump());
        for hook in s.hooks(event) {
            assert_eq!(hook.exit_code, Some(0), "{event}\n{}", s.dump());
        }
        for hook in s.debug_hooks(event) {
            assert_eq!(
                hook.status,
                "completed with status 0",
                "{event}\n{}",
                s.dump()
            );
        }
        assert!(
            log.lines()
                .any(|l| l.contains(&format!("[hook {arg}]")) && l.contains("answered in")),
            "sfp answered {event}\n{log}"
        );
    }
    assert!(
        !s.injected_with("CLAUDE.md is missing").is_empty(),
        "the archive's sfp ran the health checks\n{}",
        s.dump()
    );
}
