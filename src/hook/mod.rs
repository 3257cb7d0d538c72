//! The Claude Code hook protocol: one JSON object in on stdin, at most one JSON object out on
//! stdout, exit 0 unless a block is deliberate (and even then, a JSON decision).

mod deadline;
mod dispatch;
mod event;
mod input;
mod output;
mod run;

pub use deadline::{Deadline, MAX_STDIN_WAIT, budget};
pub use event::Event;
pub use input::HookInput;
pub use output::{MAX_TEXT_CHARS, Response, cap_text};
pub use run::{HookError, execute, parse_hook_input};
