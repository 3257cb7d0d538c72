//! The command line, as clap derive structs only. Each capability owns the arguments of its own
//! subcommand; resolving them into settings happens in the capability's `command` module.

use clap::{Args, Parser, Subcommand};

const EXIT_CODES: &str = "\
Exit codes:
  0    success (health: healthy or degraded)
  1    a check or gate failed, or the input was invalid: a bad argument or flag value, an
       unknown tier, gate, backup or handoff, a --project that is not a directory, a config error
  2    sfp could not do its job (an I/O or internal error)
  130  interrupted

`sfp hook` always exits 0: Claude Code reads exit 2 as a block, so sfp only ever blocks through a
JSON decision.";

/// sfp: health checks, quality gates, TAG context, handoffs and backups for Claude Code.
#[derive(Debug, Parser)]
#[command(name = "sfp", version, after_long_help = EXIT_CODES, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the plugin, context files, memory, disk, project and Claude Code setup.
    Health(crate::health::HealthArgs),
    /// Show the TAG context SessionStart injects (`sfp tags check` to find problems in it).
    Tags(crate::tags::TagsArgs),
    /// Run quality gates (lint, format, types, secrets) on what changed: `sfp gates [run|list|check]`.
    Gates(crate::gates::GatesArgs),
    /// Write, list, show and prune handoffs: where a session's work stood when it was compacted
    /// or ended.
    Handoff(crate::handoff::HandoffArgs),
    /// Scan files for secrets, as the built-in `secrets` gate does: `sfp secrets scan [PATH…]`.
    Secrets(crate::secrets::SecretsArgs),
    /// Back up the Claude config dir: create, list, show, verify, prune.
    Backup(crate::backup::BackupArgs),
    /// Restore a backup (verified first; what it overwrites is backed up first).
    Restore(crate::backup::RestoreArgs),
    /// Answer a Claude Code hook event: reads the event's JSON on stdin, prints at most one JSON
    /// object, always exits 0.
    Hook(HookArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
}

#[derive(Debug, Args)]
pub struct HookArgs {
    /// The event, as hooks.json names it: session-start, user-prompt-submit, post-tool-use, stop,
    /// pre-compact, session-end. The input's `hook_event_name` takes precedence.
    pub event: String,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to generate completions for.
    pub shell: clap_complete::Shell,
}
