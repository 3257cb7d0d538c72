//! The home every backup test runs in, on the shared [`TestContext`], and helpers to read what
//! a backup left.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::TestContext;

/// A [`TestContext`] with the sfp home beside the Claude config dir rather than inside it, so
/// that the tree a test compares holds only what a backup holds.
pub struct Home {
    pub ctx: TestContext,
    pub root: PathBuf,
    pub claude: PathBuf,
    pub sfp: PathBuf,
}

impl Home {
    pub fn new() -> Self {
        let mut ctx = TestContext::new();
        ctx.sfp_home = ctx.root.join("sfp-home");
        // An archive's size and checksum follow the files' modification times; `backup show`
        // prints the version of sfp that made it.
        ctx.filter(r"\b[0-9a-f]{64}\b", "[SHA256]")
            .filter(r"archive \d+ B", "archive [SIZE] B")
            .filter(r"(?m)^sfp( +)\d+\.\d+\.\d+\S*$", "sfp$1[VERSION]")
            // The list's id column is as wide as the longest id, which has a sequence number
            // when two backups were taken in the same second.
            .filter(r"(?m)^\d{8}-\d{6}(-\d+)? +", "[ID]  ")
            .filter(r"(?m)^id +kind", "id  kind")
            .filter(r"(\d+ B) +\d+ B  ", "$1  [SIZE] B  ");
        Self {
            root: ctx.root.clone(),
            claude: ctx.claude.clone(),
            sfp: ctx.sfp_home.clone(),
            ctx,
        }
    }

    pub fn write(&self, rel: &str, text: &str, mode: u32) {
        let p = self.ctx.write_claude(rel, text);
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    /// A small but complete Claude home.
    pub fn populated() -> Self {
        let h = Self::new();
        h.write("settings.json", "{\"model\":\"sonnet\"}\n", 0o644);
        h.write("settings.local.json", "{}\n", 0o600);
        h.write("CLAUDE.md", "# global\n", 0o644);
        h.write(".context/CLAUDE.md", "## Identity\n- me\n", 0o644);
        h.write("commands/review.md", "review the diff\n", 0o640);
        h.write("hooks/notify.sh", "#!/bin/sh\necho hi\n", 0o755);
        h.write(
            "plugins/installed_plugins.json",
            "{\"plugins\":{}}\n",
            0o644,
        );
        h.write("plugins/cache/p/plugin.json", "{}\n", 0o644);
        h.write("todos/a.json", "[]\n", 0o600);
        h.write("projects/-p/s1.jsonl", "{\"type\":\"user\"}\n", 0o600);
        h.write("history.jsonl", "{\"display\":\"hi\"}\n", 0o600);
        h.write("sessions/123.json", "{}\n", 0o600);
        h.write(
            ".credentials.json",
            "{\"accessToken\":\"sk-ant-oat01-SECRET-TOKEN\"}\n",
            0o600,
        );
        h
    }

    pub fn sfp(&self, args: &[&str]) -> Output {
        self.ctx.run(args)
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        self.ctx.cmd(args)
    }

    pub fn ok(&self, args: &[&str]) -> String {
        self.ctx.ok(args)
    }

    /// `sfp hook EVENT` with `input` as its stdin; it must succeed.
    pub fn hook(&self, event: &str, input: &str) -> Output {
        let out = self.ctx.hook(event, input.as_bytes());
        assert!(out.status.success(), "{}", text(&out));
        out
    }

    pub fn create(&self, profile: &str) -> serde_json::Value {
        let out = self.ok(&["backup", "create", "--profile", profile, "--json"]);
        serde_json::from_str(&out).unwrap()
    }

    pub fn list(&self) -> Vec<serde_json::Value> {
        serde_json::from_str(&self.ok(&["backup", "list", "--json"])).unwrap()
    }

    pub fn backups(&self) -> PathBuf {
        self.sfp.join("backups")
    }
}

pub fn text(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Every file under `dir`: relative path → (content, mode).
pub fn tree(dir: &Path) -> BTreeMap<String, (Vec<u8>, u32)> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().display().to_string();
            let mode = e.metadata().unwrap().permissions().mode() & 0o7777;
            (rel, (std::fs::read(e.path()).unwrap(), mode))
        })
        .collect()
}
