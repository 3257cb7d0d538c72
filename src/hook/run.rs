//! `sfp hook <event>`: read stdin (bounded, within the event's deadline), parse leniently,
//! dispatch, print at most one JSON object, exit 0. Bad input is a notice on stderr and a log line,
//! never a failure that Claude Code would act on.
//!
//! stdin is read until it closes, or until what arrived is a whole JSON object: a CLI that keeps
//! the pipe open after writing the input does not cost a wait. A pipe that stays open and silent
//! is given up after min(time left, 5 s).

use std::io::{IsTerminal, Read};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::{Deadline, Event, HookInput, MAX_STDIN_WAIT, Response, dispatch};
use crate::ExitStatus;
use crate::app::{Ctx, Mode};
use crate::env::Env;
use crate::log::Logger;
use crate::paths::Paths;
use crate::printer::Printer;

/// Largest hook input sfp reads (a larger one is refused with a notice).
pub(super) const MAX_INPUT_BYTES: usize = 8 * 1024 * 1024;

/// Why a hook did nothing: its input could not be read or used. A hook never fails because of
/// one (it is a notice on stderr and a log line, and the hook exits 0); the kind still tells bad
/// input from a failure to read it, as everywhere else.
#[derive(Debug, thiserror::Error)]
pub enum HookError {
    #[error("hook input is not valid JSON ({0}); ignored")]
    NotJson(serde_json::Error),
    #[error("hook input is not a JSON object; ignored")]
    NotAnObject,
    #[error("hook input larger than {} MiB; ignored", MAX_INPUT_BYTES / 1024 / 1024)]
    TooLarge,
    #[error("unknown hook event `{0}`; nothing to do")]
    UnknownEvent(String),
    #[error("cannot read hook input: {0}")]
    Read(std::io::Error),
    #[error("no complete hook input within {} ms; ignored", .0.as_millis())]
    Silent(Duration),
}

impl HookError {
    /// Whether the input itself is at fault (malformed, too large, an unknown event), rather
    /// than reading it.
    pub fn is_user_error(&self) -> bool {
        !matches!(self, Self::Read(_) | Self::Silent(_))
    }
}

/// Runs one hook. Always `ExitStatus::Success`: a hook never fails by accident.
pub(crate) fn execute(env: Env, event_arg: &str) -> ExitStatus {
    // Without a home directory every path would hang off `/`: nothing is read or written.
    if !env.has_home() {
        return ExitStatus::Success;
    }
    let started = Instant::now();
    // Until the input names the event, the command line's event sets the deadline (a name
    // sfp does not know gets the shortest, SessionEnd's).
    let first = Event::parse(event_arg).unwrap_or(Event::SessionEnd);
    let mut input = match read_input(Deadline::for_event(first, started)) {
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
        refuse(&env, event_arg, &HookError::UnknownEvent(name.to_owned()));
        return ExitStatus::Success;
    };
    let project = input.cwd.clone();
    let mut ctx = Ctx::new(
        env,
        project.as_deref(),
        Mode::Hook,
        &format!("hook {}", event.cli_name()),
    );
    ctx.deadline = Deadline::for_event(event, started);
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
fn read_input(deadline: Deadline) -> Result<HookInput, HookError> {
    parse_hook_input(&read_stdin(deadline)?)
}

/// Parses a hook's stdin as `sfp hook` does: blank input is an empty object, invalid UTF-8 is
/// replaced, anything but a JSON object is refused with the reason. Never panics (fuzzed).
pub fn parse_hook_input(bytes: &[u8]) -> Result<HookInput, HookError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(HookInput::default());
    }
    let text = String::from_utf8_lossy(bytes);
    let value: serde_json::Value = serde_json::from_str(&text).map_err(HookError::NotJson)?;
    HookInput::from_json(&value).ok_or(HookError::NotAnObject)
}

fn read_stdin(deadline: Deadline) -> Result<Vec<u8>, HookError> {
    if std::io::stdin().is_terminal() {
        return Ok(Vec::new());
    }
    let wait = deadline.cap(MAX_STDIN_WAIT);
    let (tx, rx) = mpsc::channel();
    // The thread is left blocked on a pipe that never closes; it ends with the process.
    std::thread::spawn(move || {
        let _ = tx.send(read_until_whole(&mut std::io::stdin().lock()));
    });
    match rx.recv_timeout(wait) {
        Ok(Ok(buf)) if buf.len() > MAX_INPUT_BYTES => Err(HookError::TooLarge),
        Ok(Ok(buf)) => Ok(buf),
        Ok(Err(e)) => Err(HookError::Read(e)),
        Err(_) => Err(HookError::Silent(wait)),
    }
}

/// Reads until end of file, or until the bytes so far are one whole JSON object (the input is
/// one object; the CLI may keep the pipe open after it), or one byte past [`MAX_INPUT_BYTES`].
fn read_until_whole(reader: &mut impl Read) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let room = (MAX_INPUT_BYTES + 1 - buf.len()).min(chunk.len());
        let n = match reader.read(&mut chunk[..room]) {
            Ok(0) => return Ok(buf),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        buf.extend_from_slice(&chunk[..n]);
        if buf.len() > MAX_INPUT_BYTES {
            return Ok(buf);
        }
        // Only a chunk ending in `}` can complete the object, so the parse is tried rarely.
        if buf.trim_ascii_end().ends_with(b"}")
            && serde_json::from_slice::<serde::de::IgnoredAny>(&buf).is_ok()
        {
            return Ok(buf);
        }
    }
}

/// A one-line notice on stderr and in the log; nothing on stdout.
fn refuse(env: &Env, event_arg: &str, problem: &HookError) {
    let paths = Paths::resolve(env, None);
    Logger::new(&paths.logs_dir(), env, &format!("hook {event_arg}")).warn(&problem.to_string());
    Printer::plain().note(&format!("sfp: {problem}"));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out its chunks, then blocks for ever (a pipe left open).
    struct OpenPipe(Vec<&'static [u8]>);

    impl Read for OpenPipe {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            assert!(
                !self.0.is_empty(),
                "read past the whole object: this pipe never closes"
            );
            let chunk = self.0.remove(0);
            out[..chunk.len()].copy_from_slice(chunk);
            Ok(chunk.len())
        }
    }

    #[test]
    fn a_whole_object_is_enough_without_end_of_file() {
        let mut pipe = OpenPipe(vec![b"{\"a\": {\"b\": 1}", b"}\n"]);
        assert_eq!(
            read_until_whole(&mut pipe).unwrap(),
            b"{\"a\": {\"b\": 1}}\n"
        );
        // A `}` inside a string does not end the object.
        let mut pipe = OpenPipe(vec![b"{\"a\": \"}", b"\"}"]);
        assert_eq!(read_until_whole(&mut pipe).unwrap(), b"{\"a\": \"}\"}");
    }

    #[test]
    fn bad_input_is_the_inputs_fault_and_a_silent_pipe_is_not() {
        assert!(parse_hook_input(b" \n").is_ok());
        for (bytes, said) in [
            (
                &b"{\"a\": "[..],
                "hook input is not valid JSON (EOF while parsing",
            ),
            (b"[1, 2]", "hook input is not a JSON object; ignored"),
        ] {
            let err = parse_hook_input(bytes).unwrap_err();
            assert!(err.is_user_error(), "{err}");
            assert!(err.to_string().starts_with(said), "{err}");
        }
        assert_eq!(
            HookError::TooLarge.to_string(),
            "hook input larger than 8 MiB; ignored"
        );
        assert!(HookError::UnknownEvent("Nope".into()).is_user_error());
        let silent = HookError::Silent(Duration::from_millis(4_500));
        assert_eq!(
            silent.to_string(),
            "no complete hook input within 4500 ms; ignored"
        );
        assert!(!silent.is_user_error());
        let closed = std::io::Error::new(std::io::ErrorKind::BrokenPipe, "closed");
        assert!(!HookError::Read(closed).is_user_error());
    }

    #[test]
    fn without_an_object_it_reads_to_end_of_file() {
        let mut input: &[u8] = b"[1, 2]";
        assert_eq!(read_until_whole(&mut input).unwrap(), b"[1, 2]");
        let big = vec![b' '; MAX_INPUT_BYTES + 10];
        assert_eq!(
            read_until_whole(&mut big.as_slice()).unwrap().len(),
            MAX_INPUT_BYTES + 1
        );
    }
}
