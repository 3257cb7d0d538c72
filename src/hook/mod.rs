//! The Claude Code hook protocol: one JSON object in on stdin, at most one JSON object out on
//! stdout, exit 0 unless a block is deliberate (and even then, a JSON decision).

mod deadline;
mod dispatch;
mod event;
mod input;
mod output;
mod run;

pub use deadline::budget;
pub(crate) use deadline::{Deadline, MAX_STDIN_WAIT};
pub use event::Event;
pub(crate) use input::HookInput;
pub use output::MAX_TEXT_CHARS;
pub use output::Response;
pub use run::parse_hook_input;
pub(crate) use run::{HookError, execute};
