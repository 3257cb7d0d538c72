//! The one place that prints.
//!
//! Terminal commands write human text or JSON through a [`Printer`]; hook mode writes exactly one
//! JSON object (or nothing) through [`Printer::hook_json`]. A closed pipe (`sfp … | head`) is not
//! an error, and neither is an unwritable stderr (a full disk, a closed pipe): a write that fails
//! is dropped, never a panic. Nothing else in the crate touches stdout or stderr.
//!
//! Printing is a boundary where text leaves sfp: everything written to stdout or stderr is masked
//! here ([`crate::util::redact`]), once, whatever capability it comes from. A hook's JSON is masked
//! as it is rendered ([`crate::hook::Response::to_json`]), before it is capped.

use std::io::{IsTerminal, Write};

use serde::Serialize;

use crate::env::Env;
use crate::util::redact;

/// Where and how output goes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Printer {
    color: bool,
    err_color: bool,
    terminal: bool,
}

/// A terminal colour or emphasis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Green,
    Yellow,
    Red,
    Cyan,
    Bold,
    Dim,
}

impl Style {
    fn code(self) -> &'static str {
        match self {
            Style::Green => "32",
            Style::Yellow => "33",
            Style::Red => "31",
            Style::Cyan => "36",
            Style::Bold => "1",
            Style::Dim => "2",
        }
    }
}

#[allow(
    clippy::trivially_copy_pass_by_ref,
    clippy::unused_self,
    reason = "every write goes through the one printer, whether or not it reads its settings"
)]
impl Printer {
    /// Colour when the stream is a terminal and `NO_COLOR` is not set.
    pub(crate) fn new(env: &Env) -> Self {
        let terminal = std::io::stdout().is_terminal();
        Self {
            color: !env.no_color && terminal,
            err_color: !env.no_color && std::io::stderr().is_terminal(),
            terminal,
        }
    }

    /// A printer that never colours (tests, hook mode).
    pub(crate) fn plain() -> Self {
        Self {
            color: false,
            err_color: false,
            terminal: false,
        }
    }

    /// Whether stdout is a terminal: details meant for a person at one are given only there.
    pub(crate) fn terminal(&self) -> bool {
        self.terminal
    }

    /// Wraps `text` in `style` when stdout is coloured.
    pub(crate) fn paint(&self, text: &str, style: Style) -> String {
        if self.color {
            format!("\x1b[{}m{text}\x1b[0m", style.code())
        } else {
            text.to_owned()
        }
    }

    /// Writes `text` and a newline to stdout.
    pub(crate) fn line(&self, text: &str) {
        let text = redact::styled(text);
        let mut out = std::io::stdout().lock();
        // A closed pipe is not worth an error: the reader has gone.
        let _ = writeln!(out, "{text}");
    }

    /// Writes text to stdout as is (the caller supplies newlines).
    pub(crate) fn raw(&self, text: &str) {
        let text = redact::styled(text);
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }

    /// Pretty JSON to stdout, for `--json`.
    pub(crate) fn json<T: Serialize>(&self, value: &T) -> anyhow::Result<()> {
        // Masked string by string: a secret is never matched across JSON escapes.
        let text = serde_json::to_string_pretty(&redact::json(value)?)?;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{text}");
        Ok(())
    }

    /// The single JSON object a hook answers with, written in one call so that stdout is never
    /// left half-written. `value` comes from [`crate::hook::Response::to_json`], which masked it.
    pub(crate) fn hook_json(&self, value: &serde_json::Value) {
        let Ok(mut text) = serde_json::to_string(value) else {
            return;
        };
        text.push('\n');
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }

    /// A progress or notice line on stderr.
    pub(crate) fn note(&self, text: &str) {
        to_stderr(&format!("{}\n", redact::text(text)));
    }

    /// `warning: …` on stderr.
    pub(crate) fn warn(&self, text: &str) {
        let label = if self.err_color {
            "\x1b[33mwarning\x1b[0m"
        } else {
            "warning"
        };
        to_stderr(&format!("{label}: {}\n", redact::text(text)));
    }

    /// `error: …` then `  caused by: …` for each cause, on stderr.
    pub(crate) fn error(&self, err: &anyhow::Error) {
        let label = if self.err_color {
            "\x1b[31merror\x1b[0m"
        } else {
            "error"
        };
        let causes = err
            .chain()
            .skip(1)
            .map(|c| format!("  caused by: {}\n", redact::text(&c.to_string())));
        to_stderr(
            &std::iter::once(format!("{label}: {}\n", redact::text(&err.to_string())))
                .chain(causes)
                .collect::<String>(),
        );
    }
}

/// Writes `text` to stderr in one call; a failure (stderr on `/dev/full`, a closed pipe) is
/// dropped: `eprintln!` would panic there, and a hook must not.
fn to_stderr(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// The text of a caught panic.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        format!("internal error: {s}")
    } else if let Some(s) = payload.downcast_ref::<String>() {
        format!("internal error: {s}")
    } else {
        "internal error".to_owned()
    }
}

/// Replaces the default panic report (several lines, a backtrace hint) with one line on stderr,
/// so that a panic caught in hook mode cannot flood Claude Code's debug log.
pub(crate) fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        to_stderr(&format!(
            "sfp: {}{location}\n",
            panic_message(info.payload())
        ));
    }));
}
