//! Quality gates: the checks of a project (lint, format, types, secrets) run in parallel on what
//! changed, at every Stop and from a terminal.
//!
//! - `schema`, `config`, `validate`: gates.yaml, layered and validated;
//! - `select`: changed files and which gates apply to them;
//! - `run`, `engine`, `cache`: the parallel scheduler, one run from plan to verdict, and the
//!   content-keyed result cache;
//! - `builtin_secrets`, `alerts`: the built-in secret scan and alert escalation;
//! - `ledger`, `stop`, `format`: the session's edits, the Stop hook, auto-format;
//! - `session`: the session's skipped gates and its last Stop run;
//! - `attribution`: which problems of a failing gate the session introduced;
//! - `kpi`, `report`, `command`: the event log, rendering, the CLI.

mod alerts;
mod attribution;
mod builtin_secrets;
mod cache;
mod command;
mod config;
mod engine;
mod format;
mod kpi;
mod ledger;
mod model;
mod report;
mod run;
mod schema;
mod select;
mod session;
mod settings;
mod stop;
mod validate;

pub use command::{GatesArgs, execute, validate};
/// The layered loader, public so that the fuzz targets (`fuzz/`) can feed it arbitrary
/// `gates.yaml` text without a project around it.
pub use config::{FILE as GATES_FILE, from_layers};
pub use engine::GateError;
pub use format::format_edit;
/// `.gitignore`-style files, read the same way by `sfp secrets scan`.
pub use select::{Matcher, ignore_file};
pub use settings::{FormatSettings, GateSettings};
pub use stop::{on_stop, record_edit};
