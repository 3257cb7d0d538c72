//! sfp: a Claude Code plugin in one binary.
//!
//! `main` parses the command line and dispatches; every capability lives in its own module and
//! exposes an `execute` for its subcommand and `on_<event>` handlers for the hooks it serves.

pub mod app;
pub mod backup;
pub mod cli;
pub mod config;
pub mod env;
pub mod health;
pub mod hook;
pub mod log;
pub mod paths;
pub mod printer;
pub mod util;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use crate::app::{Ctx, Mode};
use crate::cli::{Cli, Command};
use crate::env::Env;

/// How a terminal command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Everything passed.
    Success,
    /// A check or gate failed, or the input was invalid.
    Failure,
    /// sfp could not do its job.
    Error,
    /// Interrupted (Ctrl-C).
    Interrupted,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        match status {
            ExitStatus::Success => ExitCode::SUCCESS,
            ExitStatus::Failure => ExitCode::from(1),
            ExitStatus::Error => ExitCode::from(2),
            ExitStatus::Interrupted => ExitCode::from(130),
        }
    }
}

/// The entry point of the `sfp` binary.
pub fn main() -> ExitCode {
    printer::install_panic_hook();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // A hook must never exit 2 (a block) because of a bad argument.
            let in_hook = std::env::args().nth(1).as_deref() == Some("hook");
            let _ = err.print();
            return if in_hook || !err.use_stderr() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            };
        }
    };
    let env = Env::from_process();
    match cli.command {
        Command::Hook(args) => hook::execute(env, &args.event).into(),
        command => {
            let printer = printer::Printer::new(&env);
            match run_terminal(env, command) {
                Ok(status) => status.into(),
                Err(err) => {
                    printer.error(&err);
                    ExitStatus::Error.into()
                }
            }
        }
    }
}

fn run_terminal(env: Env, command: Command) -> anyhow::Result<ExitStatus> {
    match command {
        Command::Health(args) => {
            let ctx = Ctx::new(env, args.project.as_deref(), Mode::Terminal, "health");
            health::execute(&args, &ctx)
        }
        Command::Backup(args) => {
            let ctx = Ctx::new(env, None, Mode::Terminal, "backup");
            backup::execute(&args, &ctx)
        }
        Command::Restore(args) => {
            let ctx = Ctx::new(env, None, Mode::Terminal, "restore");
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
