//! sfp: a Claude Code plugin in one binary.
//!
//! `main` parses the command line and dispatches; every capability lives in its own module and
//! exposes an `execute` for its subcommand and `on_<event>` handlers for the hooks it serves.

// The process environment is read in `env` only (clippy.toml lists the calls; Cargo.toml allows
// them in tests and benches).
#![warn(clippy::disallowed_methods)]
// Everything is private to the crate but `api`, so the compiler reports what nothing uses.
#![warn(unreachable_pub)]

mod app;
mod backup;
mod cli;
mod config;
mod env;
mod error;
mod gates;
mod git;
mod handoff;
mod health;
mod hook;
mod log;
mod paths;
mod printer;
mod process;
mod registry;
mod secrets;
mod session;
mod tags;
mod text;
mod util;

use std::path::Path;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

pub(crate) use crate::error::{ExitStatus, Reported, UserError};

/// The library's public surface, and all of it: what the fuzz targets (`fuzz/src/checks.rs`) and
/// the integration tests call. Everything else is private to the crate.
pub mod api {
    pub use crate::backup::{Backup, Metadata, commit, plan, stage, verify};
    pub use crate::cli::Cli;
    pub use crate::config::{
        Config, Diagnostic, Layer, LayerKind, embedded, parse_document, parse_value,
    };
    pub use crate::env::Env;
    pub use crate::gates::{GATES_FILE, from_layers};
    pub use crate::health::HealthSettings;
    pub use crate::hook::{Event, MAX_TEXT_CHARS, Response, budget, parse_hook_input};
    pub use crate::paths::Paths;
    pub use crate::process::process_alive;
    /// Every `sfp.yaml` section `sfp health` validates.
    pub use crate::registry::sections as config_sections;
    pub use crate::secrets::{FileScan, scan_file};
    pub use crate::tags::{Gathered, TagName, TagsSettings, arrange, extract};
    /// Cuts text to at most a count of characters, between words, marking the cut.
    pub use crate::text::cap as cap_text;
}

use crate::app::{Ctx, Mode};
use crate::cli::{Cli, Command};
use crate::env::Env;

/// How a terminal command that failed with `err` exits: 1 for the user's mistake, 2 otherwise.
/// The chain is read from the outside in, and the first error that knows its kind decides: a
/// [`UserError`] or a typed error of an edge. An error that knows nothing of it (an I/O error, a
/// message) is sfp failing at its job.
pub fn exit_status_of(err: &anyhow::Error) -> ExitStatus {
    status_of_chain(err.chain())
}

fn status_of_chain<'a>(
    mut chain: impl Iterator<Item = &'a (dyn std::error::Error + 'static)>,
) -> ExitStatus {
    if chain.find_map(user_error).unwrap_or(false) {
        ExitStatus::Failure
    } else {
        ExitStatus::Error
    }
}

/// Whether `err` is the user's mistake, when it is an error that knows.
fn user_error(err: &(dyn std::error::Error + 'static)) -> Option<bool> {
    if err.is::<UserError>() {
        Some(true)
    } else if let Some(e) = err.downcast_ref::<config::ConfigError>() {
        Some(e.is_user_error())
    } else if let Some(e) = err.downcast_ref::<gates::GateError>() {
        Some(e.is_user_error())
    } else if let Some(e) = err.downcast_ref::<backup::BackupError>() {
        Some(e.is_user_error())
    } else if let Some(e) = err.downcast_ref::<backup::VerifyError>() {
        Some(e.is_user_error())
    } else if let Some(e) = err.downcast_ref::<backup::UnsafePath>() {
        Some(e.is_user_error())
    } else if let Some(e) = err.downcast_ref::<backup::CommitError>() {
        Some(e.is_user_error())
    } else {
        err.downcast_ref::<hook::HookError>()
            .map(hook::HookError::is_user_error)
    }
}

/// The entry point of the `sfp` binary.
pub fn main() -> ExitCode {
    printer::install_panic_hook();
    util::signals::ignore_file_size_limit_signal();
    let env = Env::from_process();
    let cli = match Cli::try_parse_from(&env.args) {
        Ok(cli) => cli,
        Err(err) => {
            // A hook must never exit 2 (a block) because of a bad argument.
            let in_hook = env.args.get(1).and_then(|a| a.to_str()) == Some("hook");
            let _ = err.print();
            return if in_hook || !err.use_stderr() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            };
        }
    };
    match cli.command {
        Command::Hook(args) => hook::execute(env, &args.event).into(),
        command => {
            let printer = printer::Printer::new(&env);
            match run_terminal(env, command) {
                Ok(status) => status.into(),
                Err(err) => {
                    // A command that reported its failure in full already says nothing more.
                    if !err.is::<Reported>() {
                        printer.error(&err);
                    }
                    exit_status_of(&err).into()
                }
            }
        }
    }
}

/// The context of a terminal command: the project is `--project`, else the current directory.
/// A `--project` that is not a directory is the user's mistake, never silently replaced.
fn terminal_ctx(env: Env, project: Option<&Path>, scope: &str) -> anyhow::Result<Ctx> {
    if let Some(dir) = project
        && !dir.is_dir()
    {
        return Err(UserError::err(format!(
            "--project {}: not a directory",
            dir.display()
        )));
    }
    let cwd = env.cwd.clone();
    Ok(Ctx::new(
        env,
        project.or(cwd.as_deref()),
        Mode::Terminal,
        scope,
    ))
}

fn run_terminal(env: Env, command: Command) -> anyhow::Result<ExitStatus> {
    match command {
        Command::Health(args) => {
            let ctx = terminal_ctx(env, args.project.as_deref(), "health")?;
            health::execute(&args, &ctx)
        }
        Command::Tags(args) => {
            let ctx = terminal_ctx(env, args.project.as_deref(), "tags")?;
            tags::execute(&args, &ctx)
        }
        Command::Gates(args) => {
            let ctx = terminal_ctx(env, args.project(), "gates")?;
            gates::execute(&args, &ctx)
        }
        Command::Handoff(args) => {
            let ctx = terminal_ctx(env, args.project.as_deref(), "handoff")?;
            handoff::execute(&args, &ctx)
        }
        Command::Secrets(args) => {
            let ctx = terminal_ctx(env, None, "secrets")?;
            secrets::execute(&args, &ctx)
        }
        Command::Backup(args) => {
            let ctx = terminal_ctx(env, None, "backup")?;
            backup::execute(&args, &ctx)
        }
        Command::Restore(args) => {
            let ctx = terminal_ctx(env, None, "restore")?;
            backup::execute_restore(&args, &ctx)
        }
        Command::Completions(args) => {
            let mut out = Vec::new();
            clap_complete::generate(args.shell, &mut Cli::command(), "sfp", &mut out);
            printer::Printer::new(&env).raw(&String::from_utf8_lossy(&out));
            Ok(ExitStatus::Success)
        }
        Command::Hook(_) => unreachable!("hooks are dispatched before terminal commands"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context as _;

    #[test]
    fn a_user_error_anywhere_in_the_chain_exits_1_and_anything_else_2() {
        let mistake: anyhow::Result<()> = Err(UserError::err("no tier `nope`"));
        let wrapped = mistake.context("gates").unwrap_err();
        assert_eq!(exit_status_of(&wrapped), ExitStatus::Failure);
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied");
        let failed = anyhow::Error::new(io).context("cannot write the backup");
        assert_eq!(exit_status_of(&failed), ExitStatus::Error);
        assert_eq!(ExitCode::from(ExitStatus::Interrupted), ExitCode::from(130));
    }

    #[test]
    fn a_config_error_exits_1() {
        let bad = config::Diagnostic::error("sfp.yaml", "tags.enabled: invalid type");
        let refused = config::refuse_errors(&[bad]).map_err(anyhow::Error::new);
        let err = refused.context("sfp tags").unwrap_err();
        assert_eq!(exit_status_of(&err), ExitStatus::Failure);
        assert!(format!("{err:#}").contains("config error: sfp.yaml: error: tags.enabled"));
    }

    #[test]
    fn the_typed_errors_of_the_edges_say_which_exit_they_take() {
        let tier = gates::GateError::UnknownTier {
            tier: "nope".into(),
            known: vec!["fast".into()],
        };
        let err = anyhow::Error::new(tier).context("gates");
        assert_eq!(exit_status_of(&err), ExitStatus::Failure);
        assert_eq!(
            err.chain().nth(1).unwrap().to_string(),
            "no tier `nope` in gates.yaml (tiers: fast)"
        );
        let corrupt = backup::BackupError::Unrestorable(backup::VerifyError::ArchiveHash);
        let err = anyhow::Error::new(corrupt).context("backup x is corrupt");
        assert_eq!(exit_status_of(&err), ExitStatus::Failure);
        let full = backup::BackupError::Unrestorable(backup::VerifyError::DiskFull("x".into()));
        assert_eq!(exit_status_of(&anyhow::Error::new(full)), ExitStatus::Error);
        let bare = anyhow::Error::new(backup::VerifyError::Missing(1, "a".into()));
        assert_eq!(exit_status_of(&bare), ExitStatus::Failure);
        let climbs = anyhow::Error::new(backup::UnsafePath::ClimbsOut);
        assert_eq!(exit_status_of(&climbs), ExitStatus::Failure);
        let gone = backup::CommitError::NoDirectory {
            target: "/t/a".into(),
        };
        assert_eq!(exit_status_of(&Reported::err(gone)), ExitStatus::Error);
        let unsafe_path = backup::VerifyError::Metadata("`../x`: path climbs out".into());
        // A failure already reported exits by what it wraps.
        assert_eq!(
            exit_status_of(&Reported::err(unsafe_path)),
            ExitStatus::Failure
        );
        let silent = hook::HookError::Silent(std::time::Duration::from_secs(1));
        assert_eq!(
            exit_status_of(&anyhow::Error::new(silent)),
            ExitStatus::Error
        );
        assert_eq!(
            exit_status_of(&anyhow::Error::new(hook::HookError::NotAnObject)),
            ExitStatus::Failure
        );
    }

    #[test]
    fn the_outermost_error_that_knows_its_kind_decides() {
        // A full disk while taking the pre-restore backup is sfp's failure, whatever it wraps.
        let enospc = std::io::Error::from_raw_os_error(libc::ENOSPC);
        let inner = anyhow::Error::new(enospc).context(UserError("not this".into()));
        let err = anyhow::Error::new(backup::BackupError::PreRestore(inner));
        assert_eq!(exit_status_of(&err), ExitStatus::Error);
        // An I/O error outside a user error does not hide it.
        let err = UserError::err("no backup `x`").context("restore");
        assert_eq!(exit_status_of(&err), ExitStatus::Failure);
    }
}
