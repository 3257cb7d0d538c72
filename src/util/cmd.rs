//! Running a short command to read its output, with a deadline (`git status`, `claude --version`).
//! Gates have their own runner in `process/`; this is for one-line answers in a terminal.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

/// Runs `program args…` with stdin closed; returns stdout when it exits 0 within `timeout`.
pub fn output(program: &str, args: &[&str], timeout: Duration) -> anyhow::Result<String> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot run {program}"))?;
    let mut stdout = child.stdout.take().context("no stdout")?;
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.by_ref().take(1024 * 1024).read_to_end(&mut buf);
        buf
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!("{program} did not answer within {} ms", timeout.as_millis());
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let out = reader.join().unwrap_or_default();
    if !status.success() {
        bail!("{program} exited with {status}");
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}
