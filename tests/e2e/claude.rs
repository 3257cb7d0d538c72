//! Drives the real `claude` CLI against a staged copy of the plugin and the fake API.
//!
//! Every session gets a fresh HOME, CLAUDE_CONFIG_DIR and TMPDIR, a temp git project and a clean,
//! whitelisted environment (a [`TestContext`] with claude's own settings added), so nothing of
//! the machine (or of a surrounding Claude Code session) leaks in. The first prompt starts the session with a fixed id; each follow-up resumes it, as
//! `claude -p TEXT --resume ID` does (`/compact` and `/clear` included). Each claude process is
//! bounded by `timeout`, which kills its whole process group.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use serde_json::Value;

use crate::common::{self, TestContext};
use crate::fake_api::FakeApi;
use crate::plugin;
use crate::summary::{self, Summary};

/// Compares what sfp itself printed during a session (a hook's answer as claude recorded it)
/// with a snapshot, after the session's [`TestContext::filters`]. The model's side is not
/// deterministic and is never snapshot.
#[macro_export]
macro_rules! sfp_snapshot {
    ($session:expr, $text:expr, @$snapshot:literal) => {{
        let mut settings = insta::Settings::clone_current();
        for (matcher, replacement) in $session.ctx().filters() {
            settings.add_filter(&matcher, replacement);
        }
        settings.bind(|| insta::assert_snapshot!($text, @$snapshot));
    }};
}

/// How long one claude invocation may take (`E2E_TIMEOUT` seconds overrides).
fn run_timeout() -> Duration {
    let secs = std::env::var("E2E_TIMEOUT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(90);
    Duration::from_secs(secs)
}

/// The claude binary: `CLAUDE_BIN`, else `claude` on PATH, else the npm cache install.
fn locate() -> Option<PathBuf> {
    let executable = |p: &Path| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if let Some(bin) = std::env::var_os("CLAUDE_BIN").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(bin)).filter(|p| executable(p));
    }
    let on_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join("claude"))
            .find(|p| executable(p))
    });
    on_path.or_else(|| {
        let home = PathBuf::from(std::env::var_os("HOME")?);
        Some(home.join(".cache/claude-cli/node_modules/.bin/claude")).filter(|p| executable(p))
    })
}

/// The claude binary, or `None` with a printed notice when it is missing locally. Under
/// `CI=true` a missing CLI fails the test.
pub fn claude_or_skip(test: &str) -> Option<PathBuf> {
    if let Some(bin) = locate() {
        return Some(bin);
    }
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
    assert!(
        !ci,
        "e2e {test}: no claude CLI found (CLAUDE_BIN, PATH, ~/.cache/claude-cli) and CI is set; install it with \
         `npm install --prefix \"$HOME/.cache/claude-cli\" @anthropic-ai/claude-code@2.1.332`"
    );
    // Straight to the process's stderr: libtest captures `eprintln!` of passing tests.
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED e2e {test}: no claude CLI found (set CLAUDE_BIN, or run \
         `npm install --prefix \"$HOME/.cache/claude-cli\" @anthropic-ai/claude-code@2.1.332`)"
    );
    None
}

/// How the plugin reaches claude.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Install {
    /// `--plugin-dir <staged copy>`.
    PluginDir,
    /// `claude plugin marketplace add <staged copy>` + `claude plugin install sfp@sfp-local`.
    Marketplace,
}

/// One scripted session: its directories, the fake model's turns and extra environment.
pub struct Session {
    /// Always `Some`; taken only when the session's directory is kept (`E2E_KEEP`).
    ctx: Option<TestContext>,
    claude: PathBuf,
    plugin: PathBuf,
    steps: Vec<Value>,
    env: Vec<(String, String)>,
    install: Install,
    /// Directories put in front of PATH.
    path_prefix: Vec<PathBuf>,
    /// A PATH to use instead of the test's own (before `path_prefix`).
    path_base: Option<std::ffi::OsString>,
    /// `--allowedTools` of each run; `None` leaves permissions to the session's own rules.
    allowed_tools: Option<String>,
    installed: std::cell::Cell<bool>,
}

impl Session {
    /// A fresh home, project (a git repo with one commit) and staged plugin.
    pub fn new(claude: PathBuf) -> Self {
        let ctx = TestContext::new();
        std::fs::create_dir_all(ctx.root.join("tmp")).expect("create the session's TMPDIR");
        let plugin = plugin::stage(&ctx.plugin);
        let session = Self {
            ctx: Some(ctx),
            claude,
            plugin,
            steps: Vec::new(),
            env: Vec::new(),
            install: Install::PluginDir,
            path_prefix: Vec::new(),
            path_base: None,
            allowed_tools: Some("Write,Edit,MultiEdit,Bash,Read".to_owned()),
            installed: std::cell::Cell::new(false),
        };
        session.git(&["init", "-q"]);
        session.git(&["commit", "-q", "--allow-empty", "-m", "init"]);
        session
    }

    /// The context the session's directories live in; its commands run `sfp` directly.
    pub fn ctx(&self) -> &TestContext {
        self.ctx.as_ref().expect("the session's context")
    }

    /// Runs git in the project (fixed identity), asserting it succeeds.
    pub fn git(&self, args: &[&str]) {
        common::git(&self.project(), args);
    }

    /// Commits everything in the project, so the session starts from a clean tree.
    pub fn commit_all(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    pub fn home(&self) -> PathBuf {
        self.ctx().home.clone()
    }

    pub fn claude_dir(&self) -> PathBuf {
        self.ctx().claude.clone()
    }

    /// `$SFP_HOME` as the hooks see it (the default under the claude config dir).
    pub fn sfp_home(&self) -> PathBuf {
        self.ctx().sfp_home.clone()
    }

    pub fn project(&self) -> PathBuf {
        self.ctx().project.clone()
    }

    pub fn plugin(&self) -> &Path {
        &self.plugin
    }

    /// Writes a file below `dir`, creating parents.
    pub fn write(&self, path: &Path, contents: &str) -> &Self {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent");
        }
        std::fs::write(path, contents).expect("write file");
        self
    }

    /// A non-empty `.context/CLAUDE.md`: the context health check passes.
    pub fn with_context(self) -> Self {
        self.write(
            &self.claude_dir().join(".context/CLAUDE.md"),
            "# Standing context\n\n## Identity\nAn engineer who tests things end to end.\n",
        );
        self
    }

    /// The fake model's turns, in order.
    pub fn script(mut self, steps: Vec<Value>) -> Self {
        self.steps = steps;
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Removes `bin/sfp` from the staged plugin, and any directory holding an `sfp` from PATH:
    /// a machine where sfp is not installed at all.
    pub fn without_binary(mut self) -> Self {
        std::fs::remove_file(self.plugin.join("bin/sfp")).expect("remove staged bin/sfp");
        let path = std::env::var_os("PATH").unwrap_or_default();
        let kept: Vec<PathBuf> = std::env::split_paths(&path)
            .filter(|dir| !dir.join("sfp").exists())
            .collect();
        self.path_base = Some(std::env::join_paths(kept).expect("PATH"));
        self
    }

    pub fn install(mut self, how: Install) -> Self {
        self.install = how;
        self
    }

    /// Uses `dir` as the plugin (or marketplace) instead of the staged copy.
    pub fn plugin_at(mut self, dir: PathBuf) -> Self {
        self.plugin = dir;
        self
    }

    /// Puts `dir` first on the PATH of claude, its hooks and its Bash tool.
    pub fn path_first(mut self, dir: PathBuf) -> Self {
        self.path_prefix.insert(0, dir);
        self
    }

    /// Replaces the PATH the session inherits (the directories of `path_first` still come first).
    pub fn path_base(mut self, path: std::ffi::OsString) -> Self {
        self.path_base = Some(path);
        self
    }

    /// No `--allowedTools`: what a command's `allowed-tools` grants is all the session may run.
    pub fn without_allowed_tools(mut self) -> Self {
        self.allowed_tools = None;
        self
    }

    /// The root of the session's scratch directories (for files a test makes beside it).
    pub fn scratch(&self) -> &Path {
        &self.ctx().root
    }

    /// The PATH every process of the session gets.
    pub fn path(&self) -> std::ffi::OsString {
        let base = self
            .path_base
            .clone()
            .or_else(|| std::env::var_os("PATH"))
            .unwrap_or_default();
        let dirs = self
            .path_prefix
            .iter()
            .cloned()
            .chain(std::env::split_paths(&base));
        std::env::join_paths(dirs).expect("PATH entries without ':'")
    }

    /// A claude command with the session's clean environment (no API key, no base URL): the
    /// context's, with the session's PATH and claude's own settings.
    pub fn command(&self) -> Command {
        let mut cmd = self.ctx().program("timeout");
        cmd.args(["-k", "5", &run_timeout().as_secs().to_string()])
            .arg(&self.claude)
            .env("PATH", self.path())
            .env("TERM", "dumb")
            .env("TMPDIR", self.scratch().join("tmp"))
            .env("DISABLE_TELEMETRY", "1")
            .env("DISABLE_AUTOUPDATER", "1")
            .env("DISABLE_ERROR_REPORTING", "1")
            .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
            .env("CLAUDE_CODE_MAX_RETRIES", "0");
        cmd
    }

    /// Runs `claude ARGS` (a management command such as `plugin validate`) and returns its output.
    pub fn cli(&self, args: &[&str]) -> Output {
        self.command()
            .args(args)
            .output()
            .expect("claude management command runs")
    }

    /// Registers the plugin through a local marketplace, as a user would (once per session).
    pub fn install_from_marketplace(&self) {
        if self.installed.replace(true) {
            return;
        }
        let plugin = self.plugin.display().to_string();
        for args in [
            vec!["plugin", "marketplace", "add", plugin.as_str()],
            vec!["plugin", "install", "sfp@sfp-local"],
        ] {
            let out = self.cli(&args);
            assert!(
                out.status.success(),
                "claude {args:?} failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    /// Sends `prompt` in a new session, then each of `then` in the same session, and reads back
    /// what happened.
    pub fn run(&self, prompt: &str, then: &[&str]) -> Summary {
        let dir = self.scratch();
        let api = FakeApi::start(self.steps.clone(), &dir.join("requests.jsonl"))
            .expect("fake API starts");
        if self.install == Install::Marketplace {
            self.install_from_marketplace();
        }
        let session_id = std::fs::read_to_string("/proc/sys/kernel/random/uuid")
            .expect("uuid from the kernel")
            .trim()
            .to_owned();
        let mut runs = Vec::new();
        for (i, text) in std::iter::once(prompt)
            .chain(then.iter().copied())
            .enumerate()
        {
            let label = format!("run{i}");
            let debug = dir.join(format!("{label}.debug"));
            let mut cmd = self.command();
            cmd.env("ANTHROPIC_API_KEY", "sk-ant-fake-key")
                .env("ANTHROPIC_BASE_URL", api.base_url());
            for (k, v) in &self.env {
                cmd.env(k, v);
            }
            if self.install == Install::PluginDir {
                cmd.arg("--plugin-dir").arg(&self.plugin);
            }
            if let Some(tools) = &self.allowed_tools {
                cmd.arg("--allowedTools").arg(tools);
            }
            cmd.args(["--output-format", "stream-json", "--verbose"])
                .arg("--include-hook-events")
                .args(["-p", text])
                .args(if i == 0 {
                    ["--session-id", &session_id]
                } else {
                    ["--resume", &session_id]
                })
                .arg("--debug-file")
                .arg(&debug);
            let out = cmd.output().expect("claude runs");
            let stream = String::from_utf8_lossy(&out.stdout).into_owned();
            let _ = std::fs::write(dir.join(format!("{label}.out")), &stream);
            let _ = std::fs::write(dir.join(format!("{label}.err")), &out.stderr);
            let debug_log = std::fs::read(&debug)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            runs.push(summary::read_run(
                &label,
                format!("{}", out.status),
                &stream,
                debug_log,
            ));
        }
        let requests = api.requests();
        drop(api);
        Summary {
            run_dir: dir.to_owned(),
            injected: summary::injected(&requests),
            runs,
            requests,
        }
    }
}

impl Drop for Session {
    /// With `E2E_KEEP` set, leaves the session's directory (requests, stream output, debug logs)
    /// on disk and says where.
    fn drop(&mut self) {
        if std::env::var_os("E2E_KEEP").is_none() {
            return;
        }
        if let Some(ctx) = self.ctx.take() {
            let _ = writeln!(std::io::stderr(), "e2e: kept {}", ctx.root.display());
            std::mem::forget(ctx);
        }
    }
}
