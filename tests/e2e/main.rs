//! End-to-end tests with the real Claude Code CLI, offline.
//!
//! Each scenario stages the plugin with the freshly built `sfp`, starts a scripted stand-in for
//! the Messages API on 127.0.0.1 ([`fake_api`]), runs `claude -p` in a fresh HOME against a temp
//! git project ([`claude`]), and asserts on the hook events and on the hook text that reached the
//! model ([`summary`]) — never on claude's exit code, which is 0 whatever the hooks did.
//!
//! Without a `claude` binary (CLAUDE_BIN, PATH, or `~/.cache/claude-cli`) each scenario prints
//! that it was skipped and passes; with `CI=true` a missing CLI is a failure. `E2E_KEEP=1` keeps
//! every session's directory (requests, stream output, debug logs); `E2E_TIMEOUT` bounds each
//! claude run in seconds (default 90).

#[path = "../common/mod.rs"]
mod common;

mod capabilities;
mod claude;
mod commands;
mod expect;
mod fake_api;
mod health;
mod install;
mod plugin;
mod restore;
mod summary;
mod wiring;
