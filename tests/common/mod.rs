//! A sandbox for running the real `sfp` binary: a temporary HOME, Claude config dir, sfp home,
//! project (a git repo) and plugin directory, and an environment scrubbed of the caller's
//! `SFP_*` and `CLAUDE_*` variables.
#![allow(
    dead_code,
    reason = "each test binary uses a different part of the sandbox"
)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

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

pub struct Sandbox {
    pub dir: tempfile::TempDir,
    pub home: PathBuf,
    pub claude: PathBuf,
    pub sfp_home: PathBuf,
    pub project: PathBuf,
    pub plugin: PathBuf,
}

pub fn sfp_bin() -> &'static str {
    env!("CARGO_BIN_EXE_sfp")
}

impl Sandbox {
    /// A sandbox whose setup is healthy: context file present, credentials via an API key, a git
    /// project, and a complete plugin directory whose `bin/sfp` is the binary under test.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let claude = home.join(".claude");
        let sfp_home = claude.join("sfp");
        let project = dir.path().join("project");
        let plugin = dir.path().join("plugin");
        std::fs::create_dir_all(claude.join(".context")).unwrap();
        std::fs::write(
            claude.join(".context/CLAUDE.md"),
            "# Me\n\n## Rules\n- Be brief.\n",
        )
        .unwrap();
        std::fs::create_dir_all(&project).unwrap();
        git(&project, &["init", "-q", "-b", "main"]);
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        for sub in [".claude-plugin", "hooks", "config"] {
            copy_dir(&repo.join(sub), &plugin.join(sub));
        }
        std::fs::create_dir_all(plugin.join("bin")).unwrap();
        std::fs::copy(sfp_bin(), plugin.join("bin/sfp")).unwrap();
        Self {
            dir,
            home,
            claude,
            sfp_home,
            project,
            plugin,
        }
    }

    /// `sfp ARGS…` with the sandbox's environment.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = self.program(sfp_bin());
        c.args(args);
        c
    }

    /// Any program with the sandbox's environment, in its project.
    pub fn program(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("CLAUDE_CONFIG_DIR", &self.claude)
            .env("CLAUDE_PLUGIN_ROOT", &self.plugin)
            .env("ANTHROPIC_API_KEY", "sk-ant-test-not-a-real-key")
            .env("NO_COLOR", "1")
            .current_dir(&self.project);
        c
    }

    /// Runs `sfp hook EVENT` with `stdin` as input.
    pub fn hook(&self, event: &str, stdin: &[u8]) -> Output {
        self.hook_with(event, stdin, |_| {})
    }

    pub fn hook_with(&self, event: &str, stdin: &[u8], tweak: impl FnOnce(&mut Command)) -> Output {
        let mut c = self.cmd(&["hook", event]);
        tweak(&mut c);
        output_with_stdin(&mut c, stdin)
    }

    /// A hook input for this sandbox's project.
    pub fn input(&self, event: &str, extra: &serde_json::Value) -> Vec<u8> {
        let mut v = serde_json::json!({
            "session_id": "test-session",
            "transcript_path": self.dir.path().join("t.jsonl"),
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
}

pub fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@localhost")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@localhost")
        .status()
        .unwrap()
        .success();
    assert!(ok, "git {args:?} failed");
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
