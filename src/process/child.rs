//! Running one command to completion under a deadline.
//!
//! The command runs as `sh -c` in a session of its own (so without a controlling terminal:
//! `/dev/tty` cannot reach the user's), stdin from `/dev/null`, with a token of its own in
//! `SFP_RUN_TOKEN`. stdout and stderr are drained on their own threads into one bounded
//! [`Capture`]; a third thread waits for the exit so that the caller's thread can watch the
//! deadline and the cancel flag. On timeout or cancel the session's group gets SIGTERM, then
//! SIGKILL after a grace period. Once the shell is gone, whatever is left of its tree — in its
//! session or not, see [`super::tree`] — gets SIGTERM, then SIGKILL, and is reaped. A process
//! still running when the shell exited, or one that had left the session, is a leak, and the
//! result says so. No process of a command outlives [`run`].

use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::capture::{Capture, Captured};
use super::sys::{self, Signal};
use super::tree;

/// What to run and how long it may take.
#[derive(Debug, Clone)]
pub(crate) struct Spec<'a> {
    /// A shell command line, run as `sh -c <command>`.
    pub command: &'a str,
    pub cwd: &'a Path,
    /// Added to the inherited environment.
    pub env: &'a [(String, String)],
    pub timeout: Duration,
    /// Between SIGTERM and SIGKILL.
    pub grace: Duration,
    /// Bytes of output kept at the start and at the end.
    pub keep_bytes: usize,
}

impl<'a> Spec<'a> {
    /// A spec with the default grace (500 ms) and 32 KiB kept at each end.
    pub(crate) fn new(command: &'a str, cwd: &'a Path, timeout: Duration) -> Self {
        Self {
            command,
            cwd,
            env: &[],
            timeout,
            grace: Duration::from_millis(500),
            keep_bytes: 32 * 1024,
        }
    }
}

/// How the command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Exit {
    Exited(i32),
    Signaled(i32),
    TimedOut,
    /// Stopped on request (fail-fast, Ctrl-C).
    Cancelled,
    SpawnFailed(String),
}

/// Everything known about one finished run.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub exit: Exit,
    pub duration: Duration,
    pub output: Captured,
    /// The shell exited while processes it started were still running; they were killed.
    pub leaked: bool,
}

impl Outcome {
    pub(crate) fn success(&self) -> bool {
        self.exit == Exit::Exited(0)
    }
}

/// How often the waiting thread looks at the cancel flag.
const POLL: Duration = Duration::from_millis(10);
/// How long output may keep flowing after the shell exited before its group counts as leaked.
const DRAIN: Duration = Duration::from_millis(100);

/// Runs `spec`, killing its group when the deadline passes or `cancel` is set.
pub(crate) fn run(spec: &Spec<'_>, cancel: &AtomicBool) -> Outcome {
    let started = Instant::now();
    tree::become_subreaper();
    let token = tree::token();
    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c")
        .arg(spec.command)
        .current_dir(spec.cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in spec.env {
        cmd.env(key, value);
    }
    cmd.env(tree::TOKEN_VAR, &token);
    sys::new_session(&mut cmd);
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(err) => {
            return Outcome {
                exit: Exit::SpawnFailed(format!(
                    "cannot start sh in {}: {err}",
                    spec.cwd.display()
                )),
                duration: started.elapsed(),
                output: Captured::default(),
                leaked: false,
            };
        }
    };
    let pgid = child.id();
    let capture = Arc::new(Mutex::new(Capture::new(spec.keep_bytes, spec.keep_bytes)));
    let (eof_tx, eof_rx) = mpsc::channel::<()>();
    let streams: Vec<Box<dyn Read + Send>> = [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .flatten()
    .collect();
    let readers = streams.len();
    for stream in streams {
        let capture = Arc::clone(&capture);
        let eof_tx = eof_tx.clone();
        std::thread::spawn(move || drain(stream, &capture, &eof_tx));
    }
    drop(eof_tx);
    let (exit_tx, exit_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = exit_tx.send(child.wait());
    });

    let deadline = started + spec.timeout;
    let (exit, status) = loop {
        if cancel.load(Ordering::Relaxed) || sys::interrupted() {
            break (
                Some(Exit::Cancelled),
                stop_group(pgid, spec.grace, &exit_rx),
            );
        }
        let now = Instant::now();
        if now >= deadline {
            break (Some(Exit::TimedOut), stop_group(pgid, spec.grace, &exit_rx));
        }
        match exit_rx.recv_timeout((deadline - now).min(POLL)) {
            Ok(status) => break (None, status.ok()),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break (None, None),
        }
    };
    let duration = started.elapsed();

    let leaked = end_tree(pgid, &token, exit.is_none(), spec.grace, &eof_rx, readers);

    let output = capture
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .finish();
    let exit = exit.unwrap_or_else(|| match status {
        Some(status) => exit_of(status),
        None => Exit::SpawnFailed("lost track of the child process".to_owned()),
    });
    Outcome {
        exit,
        duration,
        output,
        leaked,
    }
}

/// Ends what is left of a command whose shell is gone, and says whether that was a leak.
/// `exited`: the shell ended on its own (no timeout or cancel).
fn end_tree(
    pgid: u32,
    token: &str,
    exited: bool,
    grace: Duration,
    eof_rx: &Receiver<()>,
    readers: usize,
) -> bool {
    // Its output ends when every process holding the pipes is gone too.
    let mut open = readers;
    open -= wait_eofs(eof_rx, open, DRAIN);
    // The tree is looked at before anything is signalled, so that what still runs is seen; the
    // group alone is all there is where /proc cannot be read.
    let stopped = tree::stop(token, pgid, grace);
    let group_left = !tree::visible() && sys::group_alive(pgid);
    sys::signal_group(pgid, Signal::Kill);
    // A timeout or cancel already ended what stayed in the session; what had left it, what was
    // still running after a normal exit, and what SIGKILL did not end are leaks (a zombie, a
    // process already dead, is not).
    let mut leaked = stopped.escaped > 0
        || stopped.survivors > 0
        || (exited && (stopped.found > 0 || group_left));
    if open > 0 {
        open -= wait_eofs(eof_rx, open, Duration::from_millis(500));
    }
    // A process that holds a pipe and was not found (it cleared its environment and left the
    // session) keeps its reader blocked; that reader is abandoned rather than waited for.
    leaked |= open > 0;
    leaked
}

/// How long a SIGKILLed shell is waited for (one stuck in the kernel, on a dead NFS mount say,
/// is left to its waiter thread rather than holding up the hook).
const REAP_WAIT: Duration = Duration::from_secs(1);

/// SIGTERM to the group, then SIGKILL after `grace`; returns the shell's status once reaped.
fn stop_group(
    pgid: u32,
    grace: Duration,
    exit_rx: &Receiver<std::io::Result<ExitStatus>>,
) -> Option<ExitStatus> {
    sys::signal_group(pgid, Signal::Term);
    if let Ok(status) = exit_rx.recv_timeout(grace) {
        // The shell went, but what it started may ignore SIGTERM.
        sys::signal_group(pgid, Signal::Kill);
        return status.ok();
    }
    sys::signal_group(pgid, Signal::Kill);
    exit_rx.recv_timeout(REAP_WAIT).ok().and_then(Result::ok)
}

fn exit_of(status: ExitStatus) -> Exit {
    match (status.code(), status.signal()) {
        (Some(code), _) => Exit::Exited(code),
        (None, Some(signal)) => Exit::Signaled(signal),
        (None, None) => Exit::Exited(-1),
    }
}

/// Waits up to `within` for `open` readers to reach end of file; returns how many did.
fn wait_eofs(eof_rx: &Receiver<()>, open: usize, within: Duration) -> usize {
    let until = Instant::now() + within;
    let mut done = 0;
    while done < open {
        let left = until.saturating_duration_since(Instant::now());
        match eof_rx.recv_timeout(left) {
            Ok(()) => done += 1,
            Err(_) => break,
        }
    }
    done
}

fn drain(mut stream: Box<dyn Read + Send>, capture: &Mutex<Capture>, eof: &mpsc::Sender<()>) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => capture
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(&buf[..n]),
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    let _ = eof.send(());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quick(command: &str, timeout_ms: u64) -> Outcome {
        let dir = crate::env::Env::from_process().temp_dir;
        let spec = Spec {
            grace: Duration::from_millis(200),
            ..Spec::new(command, &dir, Duration::from_millis(timeout_ms))
        };
        run(&spec, &AtomicBool::new(false))
    }

    #[test]
    fn exit_codes_and_output_come_through() {
        let out = quick("echo out; echo err >&2; exit 3", 5_000);
        assert_eq!(out.exit, Exit::Exited(3));
        assert!(out.output.text.contains("out") && out.output.text.contains("err"));
        assert!(!out.leaked);
        assert!(quick("true", 5_000).success());
    }

    #[test]
    fn signals_come_through() {
        assert_eq!(quick("kill -9 $$", 5_000).exit, Exit::Signaled(9));
        assert_eq!(quick("kill -TERM $$", 5_000).exit, Exit::Signaled(15));
    }

    #[test]
    fn timeout_kills_promptly() {
        let out = quick("sleep 30", 200);
        assert_eq!(out.exit, Exit::TimedOut);
        assert!(out.duration < Duration::from_secs(5), "{:?}", out.duration);
    }

    #[test]
    fn background_children_do_not_survive() {
        let out = quick("sleep 60 & echo $!; wait", 300);
        assert_eq!(out.exit, Exit::TimedOut);
        let pid: u32 = out.output.text.trim().parse().expect("pid printed");
        std::thread::sleep(Duration::from_millis(50));
        assert!(!sys::process_alive(pid), "sleep {pid} survived");
    }

    #[test]
    fn leaked_children_are_killed_and_reported() {
        let out = quick("sleep 60 >/dev/null 2>&1 & echo $!", 5_000);
        assert_eq!(out.exit, Exit::Exited(0));
        assert!(out.leaked);
        let pid: u32 = out.output.text.trim().parse().expect("pid printed");
        std::thread::sleep(Duration::from_millis(50));
        assert!(!sys::process_alive(pid), "sleep {pid} survived");
    }

    #[test]
    fn a_finished_child_left_unreaped_is_no_leak() {
        // `exec sleep` never reaps `true`: the zombie passes to sfp when the shell ends.
        let out = quick("true & exec sleep 0.2", 5_000);
        assert_eq!(out.exit, Exit::Exited(0));
        assert!(!out.leaked);
    }

    #[test]
    fn detached_children_are_killed_and_reported() {
        for line in [
            "setsid -f sleep 61 >/dev/null 2>&1; echo started",
            "setsid -f sleep 62; echo started",
            "(sleep 63 >/dev/null 2>&1 &) ; echo started",
        ] {
            let out = quick(line, 5_000);
            assert_eq!(out.exit, Exit::Exited(0), "{line}");
            assert!(out.leaked, "{line}");
            assert!(out.output.text.contains("started"), "{line}");
            assert!(
                out.duration < Duration::from_secs(2),
                "{line}: {:?}",
                out.duration
            );
        }
    }

    #[test]
    fn cancel_stops_a_running_command() {
        let dir = crate::env::Env::from_process().temp_dir;
        let spec = Spec::new("sleep 30", &dir, Duration::from_secs(60));
        let flag = AtomicBool::new(true);
        let out = run(&spec, &flag);
        assert_eq!(out.exit, Exit::Cancelled);
    }

    #[test]
    fn missing_directory_is_a_spawn_failure() {
        let spec = Spec::new(
            "true",
            Path::new("/nonexistent/dir"),
            Duration::from_secs(1),
        );
        let out = run(&spec, &AtomicBool::new(false));
        assert!(matches!(out.exit, Exit::SpawnFailed(_)), "{:?}", out.exit);
    }
}
