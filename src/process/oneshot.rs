//! One short command whose stdout sfp needs (`git status`), answered as soon as it exits: a
//! waiter thread reports the exit at once instead of the caller polling, which matters on the
//! Stop hook's path where every millisecond counts.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context as _, bail};

/// Largest stdout kept.
const MAX_STDOUT: u64 = 16 * 1024 * 1024;

/// Runs `program args…` (no shell, stdin and stderr closed) and returns its stdout when it
/// exits 0 within `timeout`; otherwise it is killed and an error says why. A zero `timeout` (a
/// hook's deadline has passed: callers pass [`crate::hook::Deadline::cap`]) runs nothing.
pub(crate) fn stdout_of(program: &str, args: &[&str], timeout: Duration) -> anyhow::Result<String> {
    if timeout.is_zero() {
        bail!("{program} not run: no time left before the deadline");
    }
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot run {program}"))?;
    let mut stdout = child.stdout.take().context("no stdout")?;
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let read = stdout.by_ref().take(MAX_STDOUT).read_to_end(&mut buf);
        // Whatever is left unread must not block the child on a full pipe.
        let _ = std::io::copy(&mut stdout, &mut std::io::sink());
        let status = child.wait();
        let _ = tx.send((read.map(|_| buf), status));
    });
    match rx.recv_timeout(timeout) {
        Ok((Ok(buf), Ok(status))) if status.success() => {
            Ok(String::from_utf8_lossy(&buf).into_owned())
        }
        Ok((_, Ok(status))) => bail!("{program} exited with {status}"),
        Ok((Err(e), _) | (_, Err(e))) => Err(e).with_context(|| format!("{program} failed")),
        Err(_) => {
            super::sys::kill_process(pid);
            bail!("{program} did not answer within {} ms", timeout.as_millis())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_stdout_or_says_why_not() {
        let out = stdout_of(
            "sh",
            &["-c", "echo hi; echo err >&2"],
            Duration::from_secs(5),
        );
        assert_eq!(out.unwrap(), "hi\n");
        let err = stdout_of("sh", &["-c", "exit 3"], Duration::from_secs(5)).unwrap_err();
        assert!(err.to_string().contains("exit status: 3"), "{err}");
        let err = stdout_of("sleep", &["10"], Duration::from_millis(100)).unwrap_err();
        assert!(err.to_string().contains("did not answer"), "{err}");
        assert!(stdout_of("no-such-program-sfp", &[], Duration::from_secs(1)).is_err());
        let err = stdout_of("true", &[], Duration::ZERO).unwrap_err();
        assert!(err.to_string().contains("no time left"), "{err}");
    }
}
