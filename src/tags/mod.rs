//! TAG context: the user's standing context — who they are, their projects, rules, preferences
//! and constraints, kept in Markdown files — turned into compact `[TYPE:category] value` tags and
//! put in front of Claude: the whole block at SessionStart, afterwards only what changed, plus a
//! note on the project's evidence (kind, dependencies, required files) on the first prompt when
//! something is missing.
//!
//! `extract` reads Markdown (with `markdown` recognising lines), `model` orders and budgets, `sources` finds and reads files safely,
//! `gather` puts them together, `state` remembers what a session was given, `evidence` looks at
//! the project, `hook` and `command` are the two ways in.

mod command;
mod evidence;
mod extract;
#[cfg(test)]
mod extract_tests;
mod gather;
mod hook;
mod markdown;
mod model;
mod settings;
mod sources;
mod state;

pub(crate) use command::{TagsArgs, execute};
pub(crate) use evidence::{EvidenceConfig, FILE as EVIDENCE_FILE};
/// The extractor and the budgeted block, public so that the fuzz targets (`fuzz/`) can feed
/// them arbitrary files without a session around them.
pub use extract::extract;
pub use gather::Gathered;
pub(crate) use gather::context_files;
pub(crate) use hook::{on_session_start, on_user_prompt_submit};
pub use model::TagName;
pub use model::arrange;
pub use settings::TagsSettings;
