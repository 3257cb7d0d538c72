//! The one harness every integration test binary runs the real `sfp` binary through.
//!
//! A [`TestContext`] is a temporary directory holding a HOME with its Claude config dir, an sfp
//! home, a project and, when asked for, a plugin directory. Every command it builds starts from a
//! cleared environment: only `PATH`, `HOME`, `CLAUDE_CONFIG_DIR`, `SFP_HOME`, `NO_COLOR`, `TZ` and
//! `LANG` are set, plus what the test adds with [`TestContext::env`]. Nothing of the caller's
//! `SFP_*` or `CLAUDE_*` reaches the binary.
//!
//! Whole runs are compared with [`cmd_snapshot!`](crate::cmd_snapshot): the exit code, stdout and
//! stderr of one command, with the context's paths and the run's times replaced by placeholders
//! ([`TestContext::filters`]).
#![allow(
    dead_code,
    unused_macros,
    unused_imports,
    reason = "each test binary uses a different part of the harness"
)]

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The binary under test.
pub fn sfp_bin() -> &'static str {
    env!("CARGO_BIN_EXE_sfp")
}

/// The repository's root, for its shipped `config/`, `hooks/` and fixtures.
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A file under `tests/fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    repo_root().join("tests/fixtures").join(rel)
}

pub struct TestContext {
    dir: tempfile::TempDir,
    /// The temporary directory everything else lives in.
    pub root: PathBuf,
    /// `HOME`.
    pub home: PathBuf,
    /// `CLAUDE_CONFIG_DIR`: `HOME/.claude`.
    pub claude: PathBuf,
    /// `SFP_HOME`: the default, `CLAUDE_CONFIG_DIR/sfp`.
    pub sfp_home: PathBuf,
    /// The working directory of every command: a plain directory until [`Self::with_git`].
    pub project: PathBuf,
    /// `CLAUDE_PLUGIN_ROOT`, once [`Self::with_plugin`] has made it.
    pub plugin: PathBuf,
    env: Vec<(OsString, Option<OsString>)>,
    filters: Vec<(String, String)>,
}

impl Default for TestContext {
    fn default() -> Self {
        Self::new()
    }
}

impl TestContext {
    /// An empty HOME with its Claude config dir, and an empty project directory.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        // The canonical path, so that the paths sfp prints (resolved) match the filters.
        let root = dir.path().canonicalize().unwrap();
        let home = root.join("home");
        let claude = home.join(".claude");
        let sfp_home = claude.join("sfp");
        let project = root.join("project");
        let plugin = root.join("plugin");
        std::fs::create_dir_all(&claude).unwrap();
        std::fs::create_dir_all(&project).unwrap();
        Self {
            dir,
            root,
            home,
            claude,
            sfp_home,
            project,
            plugin,
            env: Vec::new(),
            filters: Vec::new(),
        }
    }

    /// A context whose setup is healthy: a context file, credentials through an API key, a git
    /// project, and a complete plugin directory whose `bin/sfp` is the binary under test.
    pub fn healthy() -> Self {
        let mut ctx = Self::new().with_git().with_plugin();
        ctx.write_claude(".context/CLAUDE.md", "# Me\n\n## Rules\n- Be brief.\n");
        ctx.env("ANTHROPIC_API_KEY", "sk-ant-test-not-a-real-key");
        ctx
    }

    /// Makes the project a git repository on branch `main`.
    pub fn with_git(self) -> Self {
        git(&self.project, &["init", "-q", "-b", "main"]);
        self
    }

    /// Makes the plugin directory (manifest, hooks, config and `bin/sfp`) and points
    /// `CLAUDE_PLUGIN_ROOT` at it.
    pub fn with_plugin(mut self) -> Self {
        for sub in [".claude-plugin", "hooks", "config"] {
            copy_dir(&repo_root().join(sub), &self.plugin.join(sub));
        }
        std::fs::create_dir_all(self.plugin.join("bin")).unwrap();
        std::fs::copy(sfp_bin(), self.plugin.join("bin/sfp")).unwrap();
        let plugin = self.plugin.clone();
        self.env("CLAUDE_PLUGIN_ROOT", plugin);
        self
    }

    /// Sets `key` for every command this context builds from now on.
    pub fn env(&mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> &mut Self {
        let key = key.into();
        self.env.retain(|(k, _)| *k != key);
        self.env.push((key, Some(value.into())));
        self
    }

    /// Leaves `key` out of every command this context builds from now on (one of the defaults,
    /// such as `SFP_HOME` or `HOME`).
    pub fn unset(&mut self, key: impl Into<OsString>) -> &mut Self {
        let key = key.into();
        self.env.retain(|(k, _)| *k != key);
        self.env.push((key, None));
        self
    }

    /// `sfp ARGS…` with the context's environment, in its project, stdin from `/dev/null`.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = self.program(sfp_bin());
        c.args(args);
        c
    }

    /// Any program with the context's environment, in its project.
    pub fn program(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new(program);
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("CLAUDE_CONFIG_DIR", &self.claude)
            .env("SFP_HOME", &self.sfp_home)
            .env("NO_COLOR", "1")
            .env("TZ", "UTC")
            .env("LANG", "C.UTF-8")
            .stdin(Stdio::null())
            .current_dir(&self.project);
        for (key, value) in &self.env {
            match value {
                Some(value) => c.env(key, value),
                None => c.env_remove(key),
            };
        }
        c
    }

    /// Runs `sfp ARGS…` to its end with no input.
    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    /// Runs `sfp ARGS…` and returns its stdout, failing the test unless it exits 0.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "sfp {args:?} failed ({:?}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs `sfp hook EVENT` with `stdin` as its input.
    pub fn hook(&self, event: &str, stdin: &[u8]) -> Output {
        self.hook_with(event, stdin, |_| {})
    }

    /// [`Self::hook`], with `tweak` applied to the command first.
    pub fn hook_with(&self, event: &str, stdin: &[u8], tweak: impl FnOnce(&mut Command)) -> Output {
        let mut c = self.cmd(&["hook", event]);
        tweak(&mut c);
        output_with_stdin(&mut c, stdin)
    }

    /// A hook input for this context's project, with `extra`'s fields added.
    pub fn input(&self, event: &str, extra: &serde_json::Value) -> Vec<u8> {
        let mut v = serde_json::json!({
            "session_id": "test-session",
            "transcript_path": self.root.join("t.jsonl"),
            "cwd": self.project,
            "hook_event_name": event,
        });
        if let (Some(obj), Some(more)) = (v.as_object_mut(), extra.as_object()) {
            for (k, val) in more {
                obj.insert(k.clone(), val.clone());
            }
        }
        serde_json::to_vec(&v).unwrap()
    }

    /// Writes `text` to `rel` under the project.
    pub fn write_project(&self, rel: &str, text: impl AsRef<[u8]>) -> PathBuf {
        write(self.project.join(rel), text)
    }

    /// Writes `text` to `rel` under the Claude config dir.
    pub fn write_claude(&self, rel: &str, text: impl AsRef<[u8]>) -> PathBuf {
        write(self.claude.join(rel), text)
    }

    /// Writes `text` to `rel` under the sfp home.
    pub fn write_sfp_home(&self, rel: &str, text: impl AsRef<[u8]>) -> PathBuf {
        write(self.sfp_home.join(rel), text)
    }

    /// Adds a filter for this context's snapshots: `pattern` (a regex) becomes `replacement`,
    /// after the context's paths and before its times.
    pub fn filter(&mut self, pattern: &str, replacement: &str) -> &mut Self {
        self.filters
            .push((pattern.to_string(), replacement.to_string()));
        self
    }

    /// What [`cmd_snapshot!`](crate::cmd_snapshot) replaces in a run's output: this context's
    /// directories (innermost first), the test's own [`filter`](Self::filter)s, then the run's
    /// times, durations and ids.
    pub fn filters(&self) -> Vec<(String, String)> {
        let mut filters = Vec::new();
        for (path, name) in [
            (&self.sfp_home, "[SFP_HOME]"),
            (&self.claude, "[CLAUDE]"),
            (&self.home, "[HOME]"),
            (&self.project, "[PROJECT]"),
            (&self.plugin, "[PLUGIN]"),
            (&self.root, "[TMP]"),
        ] {
            filters.push((regex_escape(&path.display().to_string()), name.to_string()));
        }
        let raw = self.dir.path().display().to_string();
        if raw != self.root.display().to_string() {
            filters.push((regex_escape(&raw), "[TMP]".to_string()));
        }
        filters.extend(self.filters.iter().cloned());
        for (pattern, name) in TIME_FILTERS {
            filters.push(((*pattern).to_string(), (*name).to_string()));
        }
        filters
    }
}

/// Times and durations a run prints, which differ from run to run.
const TIME_FILTERS: &[(&str, &str)] = &[
    // 2026-12-02T18:50:36.123456789+00:00, 2026-12-02T18:50:36Z, 2026-12-02 18:50:36
    (
        r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?",
        "[TIME]",
    ),
    // Backup ids: 20261202-185036 with an optional sequence.
    (r"\b\d{8}[-T]\d{6}(-\d+)?\b", "[ID]"),
    // 12ms, 1.5s, 0.30 s, 2m 5s
    (r"\b\d+(\.\d+)?\s?(µs|us|ms|s)\b", "[DURATION]"),
];

fn regex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Something [`cmd_snapshot!`](crate::cmd_snapshot) can run: a [`Command`] (stdin from
/// `/dev/null` when built by a [`TestContext`]) or one given input with [`PassStdin::pass_stdin`].
pub trait Runnable {
    fn run_to_end(self) -> Output;
}

impl Runnable for Command {
    fn run_to_end(mut self) -> Output {
        self.output().unwrap()
    }
}

impl Runnable for &mut Command {
    fn run_to_end(self) -> Output {
        self.output().unwrap()
    }
}

/// A run that has already ended, such as one under a watchdog ([`output_within`]).
impl Runnable for Output {
    fn run_to_end(self) -> Output {
        self
    }
}

/// A command and the input written to its stdin.
pub struct WithStdin(Command, Vec<u8>);

impl Runnable for WithStdin {
    fn run_to_end(mut self) -> Output {
        output_with_stdin(&mut self.0, &self.1)
    }
}

pub trait PassStdin {
    /// This command with `stdin` as its input.
    fn pass_stdin(self, stdin: impl Into<Vec<u8>>) -> WithStdin;
}

impl PassStdin for Command {
    fn pass_stdin(self, stdin: impl Into<Vec<u8>>) -> WithStdin {
        WithStdin(self, stdin.into())
    }
}

/// A whole run as a snapshot compares it: success, exit code, stdout, stderr.
pub fn run_snapshot(run: impl Runnable) -> String {
    let out = run.run_to_end();
    format!(
        "success: {}\nexit_code: {}\n----- stdout -----\n{}\n----- stderr -----\n{}",
        out.status.success(),
        out.status
            .code()
            .map_or_else(|| "signal".to_string(), |c| c.to_string()),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    )
}

/// Runs a command to its end (see [`Runnable`]) and compares its exit code, stdout and stderr
/// with a snapshot, after the context's [`filters`](TestContext::filters).
///
/// `cmd_snapshot!(ctx, ctx.cmd(&["gates", "list"]), @"…")` keeps the snapshot inline; without
/// `@"…"` it is a file under `tests/snapshots/`. Input goes in with
/// `ctx.cmd(&["hook", "Stop"]).pass_stdin(input)` (`use common::PassStdin`).
#[macro_export]
macro_rules! cmd_snapshot {
    ($ctx:expr, $cmd:expr $(, @$snapshot:literal)?) => {{
        let mut settings = insta::Settings::clone_current();
        for (matcher, replacement) in $ctx.filters() {
            settings.add_filter(&matcher, replacement);
        }
        settings.set_omit_expression(true);
        let run = $crate::common::run_snapshot($cmd);
        settings.bind(|| {
            insta::assert_snapshot!(run $(, @$snapshot)?);
        });
    }};
}

/// Spawns `cmd` with stdin, stdout and stderr piped, and writes `stdin` to it from a thread of
/// its own, so that a child that never reads its input cannot block the test. Join the thread
/// after the child has ended.
pub fn spawn_with_stdin(cmd: &mut Command, stdin: &[u8]) -> (Child, JoinHandle<()>) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&data);
    });
    (child, writer)
}

/// Runs `cmd` to its end with `stdin` as its input.
pub fn output_with_stdin(cmd: &mut Command, stdin: &[u8]) -> Output {
    let (child, writer) = spawn_with_stdin(cmd, stdin);
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

/// Waits for `child` up to `limit`; kills it and fails the test, naming `what`, when it runs
/// longer.
pub fn wait_within(child: &mut Child, limit: Duration, what: &str) -> ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after {limit:?}; killed");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Runs `cmd` with `stdin` under a watchdog: [`wait_within`] `limit`, its output read as it comes.
pub fn output_within(cmd: &mut Command, stdin: &[u8], limit: Duration, what: &str) -> Output {
    let (mut child, writer) = spawn_with_stdin(cmd, stdin);
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            buf
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let status = wait_within(&mut child, limit, what);
    writer.join().unwrap();
    Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

/// Runs git in `dir` with a fixed identity; fails the test if git fails.
pub fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@localhost")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@localhost")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .stdin(Stdio::null())
        .status()
        .unwrap()
        .success();
    assert!(ok, "git {args:?} failed");
}

/// Writes `text` to `path`, making its parents.
pub fn write(path: impl AsRef<Path>, text: impl AsRef<[u8]>) -> PathBuf {
    let path = path.as_ref();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    path.to_path_buf()
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// stdout of a hook: empty, or exactly one JSON object.
pub fn hook_json(out: &Output) -> Option<serde_json::Value> {
    let text = String::from_utf8(out.stdout.clone()).expect("hook stdout is UTF-8");
    if text.trim().is_empty() {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(text.trim())
        .unwrap_or_else(|e| panic!("not one JSON object ({e}): {text}"));
    assert!(v.is_object(), "hook stdout is not an object: {text}");
    Some(v)
}

/// stdout and stderr of a run, as text.
pub fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
