//! `sfp hook <event>`: read stdin (bounded, with a deadline), parse leniently, dispatch, print at
//! most one JSON object, exit 0. Bad input is a notice on stderr and a log line, never a failure
//! that Claude Code would act on.

use std::io::{IsTerminal, Read};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::{Event, HookInput, Response, dispatch};
use crate::ExitStatus;
use crate::app::{Ctx, Mode};
use crate::env::Env;
use crate::log::Logger;
use crate::paths::Paths;
use crate::printer::Printer;

/// Largest hook input sfp reads (a larger one is refused with a notice).
pub const MAX_INPUT_BYTES: usize = 8 * 1024 * 1024;

/// How long sfp waits for Claude Code to close stdin.
const STDIN_DEADLINE: Duration = Duration::from_secs(5);

/// Runs one hook. Always `ExitStatus::Success`: a hook never fails by accident.
pub fn execute(env: Env, event_arg: &str) -> ExitStatus {
    // Without a home directory every path would hang off `/`: nothing is read or written.
    if !env.has_home() {
        return ExitStatus::Success;
    }
    let started = Instant::now();
    let mut input = match read_input() {
        Ok(input) => input,
        Err(problem) => {
            refuse(&env, event_arg, &problem);
            return ExitStatus::Success;
        }
    };
    // Claude Code also exports the session id; handlers read it from the input alone.
    if input.session_id.is_none() {
        input.session_id.clone_from(&env.session_id);
    }
    let Some(event) = input.event.or_else(|| Event::parse(event_arg)) else {
        let name = input.event_name.as_deref().unwrap_or(event_arg);
        refuse(
            &env,
            event_arg,
            &format!("unknown hook event `{name}`; nothing to do"),
        );
        return ExitStatus::Success;
    };
    let project = input.cwd.clone();
    let ctx = Ctx::new(
        env,
        project.as_deref(),
        Mode::Hook,
        &format!("hook {}", event.cli_name()),
    );
    let mut out = Response::new(event);
    dispatch::dispatch(&ctx, &input, &mut out);
    if let Some(json) = out.to_json() {
        ctx.printer.hook_json(&json);
    }
    ctx.log.debug(&format!(
        "session {} answered in {:.1} ms",
        input.session_id.as_deref().unwrap_or("-"),
        started.elapsed().as_secs_f64() * 1000.0
    ));
    ExitStatus::Success
}

/// Reads and parses stdin. An empty stdin (or a terminal) is an empty object, so that
/// `sfp hook session-start` can be tried by hand.
fn read_input() -> Result<HookInput, String> {
    parse_hook_input(&read_stdin()?)
}

/// Parses a hook's stdin as `sfp hook` does: blank input is an empty object, invalid UTF-8 is
/// replaced, anything but a JSON object is refused with the reason. Never panics (fuzzed).
pub fn parse_hook_input(bytes: &[u8]) -> Result<HookInput, String> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(HookInput::default());
    }
    let text = String::from_utf8_lossy(bytes);
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("hook input is not valid JSON ({e}); ignored"))?;
    HookInput::from_json(&value)
        .ok_or_else(|| "hook input is not a JSON object; ignored".to_owned())
}

fn read_stdin() -> Result<Vec<u8>, String> {
    if std::io::stdin().is_terminal() {
        return Ok(Vec::new());
    }
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let limit = u64::try_from(MAX_INPUT_BYTES).unwrap_or(u64::MAX) + 1;
        let result = std::io::stdin()
            .lock()
            .take(limit)
            .read_to_end(&mut buf)
            .map(|_| buf);
        let _ = tx.send(result);
    });
    match rx.recv_timeout(STDIN_DEADLINE) {
        Ok(Ok(buf)) if buf.len() > MAX_INPUT_BYTES => Err(format!(
            "hook input larger than {} MiB; ignored",
            MAX_INPUT_BYTES / 1024 / 1024
        )),
        Ok(Ok(buf)) => Ok(buf),
        Ok(Err(e)) => Err(format!("cannot read hook input: {e}")),
        Err(_) => Err(format!(
            "no hook input within {} s; ignored",
            STDIN_DEADLINE.as_secs()
        )),
    }
}

/// A one-line notice on stderr and in the log; nothing on stdout.
fn refuse(env: &Env, event_arg: &str, problem: &str) {
    let paths = Paths::resolve(env, None);
    Logger::new(&paths.logs_dir(), env, &format!("hook {event_arg}")).warn(problem);
    Printer::plain().note(&format!("sfp: {problem}"));
}
