//! Handoffs: where the work of a session stood when it was compacted or ended, written down so
//! that the next session (or a person) can pick it up.
//!
//! `transcript` reads the end of the session's transcript (`prompt` tells the user's prompts from
//! Claude Code's noise); `collect` gathers a [`model::Handoff`] from it, the session's ledger, the todo
//! list (`todos`) and the project's git state (`git_state`); `store` names, lists and retires
//! the files; `render` writes the Markdown and the summary Claude is given; `hook` and `command`
//! are the two ways in.

mod collect;
mod command;
mod git_state;
mod hook;
mod model;
mod prompt;
mod render;
mod settings;
mod store;
mod todos;
mod transcript;

pub(crate) use command::{HandoffArgs, execute};
pub(crate) use hook::{on_pre_compact, on_session_end, on_session_start};
pub(crate) use settings::HandoffSettings;
