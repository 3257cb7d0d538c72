//! Quality gates: the checks of a project (lint, format, types, secrets) run in parallel on what
//! changed, at every Stop and from a terminal.
//!
//! - `schema`, `tiers`, `validate`: gates.yaml as written, merged into tiers, and validated;
//! - `matcher`, `select`: a gate's globs; changed files and which gates apply to them;
//! - `schedule`, `engine`, `cache`: the parallel scheduler, one run from plan to verdict, and the
//!   content-keyed result cache;
//! - `builtin_secrets`, `alerts`: the built-in secret scan and alert escalation;
//! - `stop`, `stop_state`, `format`: the Stop hook (the session's edits are in
//!   [`crate::session::ledger`]), what it keeps between turns, auto-format;
//! - `session`: the session's skipped gates and its last Stop run;
//! - `attribution`: which problems of a failing gate the session introduced;
//! - `kpi`, `report`, `command`: the event log, rendering, the CLI.

mod alerts;
mod attribution;
mod builtin_secrets;
mod cache;
mod command;
mod engine;
mod format;
mod kpi;
mod matcher;
mod model;
mod report;
mod schedule;
mod schema;
mod select;
mod session;
mod settings;
mod stop;
mod stop_state;
mod tiers;
mod validate;

pub(crate) use alerts::{AlertsConfig, FILE as ALERTS_FILE};
pub(crate) use command::{GatesArgs, execute};
pub(crate) use engine::GateError;
pub(crate) use format::format_edit;
/// `.gitignore`-style files, read the same way by `sfp secrets scan`.
pub(crate) use matcher::{Matcher, ignore_file};
pub(crate) use settings::{FormatSettings, GateSettings};
pub(crate) use stop::{on_stop, record_edit};
pub(crate) use tiers::GatesConfig;
/// The layered loader, public (in `sfp::api`) so that the fuzz targets (`fuzz/`) can feed it
/// arbitrary `gates.yaml` text without a project around it.
pub use tiers::{FILE as GATES_FILE, from_layers};
