//! `sfp gates [run|list|check]` in a terminal.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Subcommand};
use serde::Serialize;

use super::alerts::AlertsConfig;
use super::engine::{GateError, Request, run_tier};
use super::model::RunStatus;
use super::select::{Decision, FileSet, all_files, plan};
use super::settings::FormatSettings;
use super::settings::GateSettings;
use super::tiers::{Action, GatesConfig};
use super::{kpi, report, session};
use crate::ExitStatus;
use crate::app::Ctx;
use crate::config::{Loaded, load, load_strict};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct GatesArgs {
    #[command(subcommand)]
    pub command: Option<GatesCommand>,
    #[command(flatten)]
    pub run: RunArgs,
}

impl GatesArgs {
    /// The `--project` of whichever subcommand was given.
    pub fn project(&self) -> Option<&Path> {
        match &self.command {
            Some(GatesCommand::Run(a)) => a.project.as_deref(),
            Some(GatesCommand::List(a) | GatesCommand::Check(a)) => a.project.as_deref(),
            Some(GatesCommand::Skip(a)) => a.project.as_deref(),
            Some(GatesCommand::Last(_)) => None,
            None => self.run.project.as_deref(),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum GatesCommand {
    /// Run the gates of a tier (the default when no subcommand is given).
    Run(RunArgs),
    /// List the tiers and their gates, and whether each applies to this project.
    List(InfoArgs),
    /// Validate every layer of gates.yaml and alerts.yaml, and the gates sections of sfp.yaml.
    Check(InfoArgs),
    /// Skip gates for the rest of a Claude Code session (the Stop hook and `sfp gates` in that
    /// session leave them out).
    Skip(SkipArgs),
    /// Show the last Stop run of a session, and the reason Claude was given when it blocked.
    Last(LastArgs),
}

#[derive(Debug, Args, Default)]
pub struct SkipArgs {
    /// The gates to skip (names from `sfp gates list`).
    #[arg(value_name = "GATE", required_unless_present_any = ["clear", "list"])]
    pub gates: Vec<String>,
    /// Show the session's skipped gates.
    #[arg(long, conflicts_with_all = ["gates", "clear"])]
    pub list: bool,
    /// Skip no gate any more.
    #[arg(long, conflicts_with = "gates")]
    pub clear: bool,
    /// The session (default: $CLAUDE_CODE_SESSION_ID, set inside Claude Code).
    #[arg(long, value_name = "ID")]
    pub session: Option<String>,
    /// The project whose gates the names are checked against (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,
}

#[derive(Debug, Args, Default)]
pub struct LastArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// The session (default: $CLAUDE_CODE_SESSION_ID, set inside Claude Code).
    #[arg(long, value_name = "ID")]
    pub session: Option<String>,
}

#[derive(Debug, Args, Default)]
#[expect(clippy::struct_excessive_bools, reason = "command-line switches")]
pub struct RunArgs {
    /// The tier to run (default: the `stop_tier` of sfp.yaml, `fast`).
    #[arg(long, value_name = "TIER")]
    pub tier: Option<String>,
    /// Check every file of the project.
    #[arg(long, conflicts_with = "changed")]
    pub all_files: bool,
    /// Check the files `git status` reports as changed (the default in a git work tree).
    #[arg(long)]
    pub changed: bool,
    /// Run only this gate (repeatable).
    #[arg(long = "gate", value_name = "NAME")]
    pub gates: Vec<String>,
    /// Gates run at once (default: all of them).
    #[arg(long, short, value_name = "N")]
    pub jobs: Option<usize>,
    /// Run every gate, neither reusing nor keeping results in the cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Print the results as JSON.
    #[arg(long)]
    pub json: bool,
    /// The project (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,
}

#[derive(Debug, Args, Default)]
pub struct InfoArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// The project (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,
}

pub(crate) fn execute(args: &GatesArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    match &args.command {
        None => run(&args.run, ctx),
        Some(GatesCommand::Run(a)) => run(a, ctx),
        Some(GatesCommand::List(a)) => list(a, ctx),
        Some(GatesCommand::Check(a)) => check(a, ctx),
        Some(GatesCommand::Skip(a)) => skip(a, ctx),
        Some(GatesCommand::Last(a)) => last(a, ctx),
    }
}

/// The session a command is about: `--session`, else the one Claude Code runs it in.
fn session_of(flag: Option<&String>, ctx: &Ctx) -> Option<String> {
    let id = flag
        .map(|f| f.trim().to_owned())
        .or_else(|| ctx.env.session_id.clone())
        .filter(|id| !id.is_empty());
    if id.is_none() {
        ctx.printer.warn(
            "sfp: no session: run this inside Claude Code (CLAUDE_CODE_SESSION_ID) or pass --session ID",
        );
    }
    id
}

fn skip(args: &SkipArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let Some(id) = session_of(args.session.as_ref(), ctx) else {
        return Ok(ExitStatus::Failure);
    };
    if args.list {
        let names = session::skipped(&ctx.paths, &id);
        if names.is_empty() {
            ctx.printer.line("no gate is skipped in this session");
        } else {
            ctx.printer
                .line(&format!("skipped in this session: {}", names.join(", ")));
        }
        return Ok(ExitStatus::Success);
    }
    if args.clear {
        session::clear_skips(&ctx.paths, &id)?;
        ctx.printer
            .line("no gate is skipped in this session any more");
        return Ok(ExitStatus::Success);
    }
    let gates = load::<GatesConfig>(&ctx.paths).value;
    let known: Vec<&str> = gates
        .tiers
        .iter()
        .flat_map(|t| t.gates.iter().map(|g| g.name.as_str()))
        .collect();
    let unknown: Vec<&String> = args
        .gates
        .iter()
        .filter(|g| !known.contains(&g.as_str()))
        .collect();
    if !unknown.is_empty() {
        let mut names = known.clone();
        names.sort_unstable();
        names.dedup();
        ctx.printer.warn(&format!(
            "sfp: no gate named {} (gates: {})",
            unknown
                .iter()
                .map(|g| format!("`{g}`"))
                .collect::<Vec<_>>()
                .join(", "),
            names.join(", ")
        ));
        return Ok(ExitStatus::Failure);
    }
    let all = session::add_skips(&ctx.paths, &id, &args.gates)?;
    ctx.printer.line(&format!(
        "skipped for the rest of this session: {} (`sfp gates skip --clear` undoes it)",
        all.join(", ")
    ));
    Ok(ExitStatus::Success)
}

fn last(args: &LastArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let Some(id) = session_of(args.session.as_ref(), ctx) else {
        return Ok(ExitStatus::Failure);
    };
    let run = session::load_last(&ctx.paths, &id);
    let skipped = session::skipped(&ctx.paths, &id);
    if args.json {
        ctx.printer.json(&serde_json::json!({
            "session": id,
            "last": run,
            "skipped": skipped,
        }))?;
        return Ok(ExitStatus::Success);
    }
    let Some(run) = run else {
        ctx.printer
            .line("no gates have run at a Stop of this session yet");
        return Ok(ExitStatus::Success);
    };
    let mut out = format!("last Stop run ({}): {}\n", run.at, run.summary);
    match &run.block_reason {
        Some(reason) => {
            out.push_str("Claude was sent back with:\n");
            for line in reason.lines() {
                let _ = writeln!(out, "  {line}");
            }
        }
        None => out.push_str("it did not send Claude back\n"),
    }
    if !skipped.is_empty() {
        let _ = writeln!(out, "skipped in this session: {}", skipped.join(", "));
    }
    ctx.printer.raw(&out);
    Ok(ExitStatus::Success)
}

fn project(ctx: &Ctx) -> anyhow::Result<PathBuf> {
    ctx.paths
        .project
        .clone()
        .ok_or_else(|| GateError::NoProject.into())
}

fn run(args: &RunArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    if ctx.env.gates_off {
        ctx.printer
            .note("sfp: gates are switched off (SFP_GATES=off); nothing ran");
        return Ok(ExitStatus::Success);
    }
    let project = project(ctx)?;
    let (settings, _) = ctx.config.section::<GateSettings>("gates");
    let Loaded {
        value: gates,
        diagnostics: diags,
        ..
    } = load::<GatesConfig>(&ctx.paths);
    let alerts = load::<AlertsConfig>(&ctx.paths);
    let mut config_errors = 0;
    for d in diags.iter().chain(&alerts.diagnostics) {
        if d.is_error() {
            config_errors += 1;
            ctx.printer.warn(&format!("{d} (this layer is ignored)"));
        } else {
            ctx.printer.warn(&d.to_string());
        }
    }
    let changed = crate::git::Git::new(&project, ctx.deadline).changed();
    let set = match (args.all_files, args.changed, changed.as_ref()) {
        (false, _, Some(changed)) => FileSet {
            all: false,
            files: changed
                .iter()
                .filter(|f| project.join(f).is_file())
                .cloned()
                .collect(),
        },
        (false, true, None) => {
            return Err(GateError::NotAWorkTree(project).into());
        }
        _ => FileSet {
            all: true,
            files: all_files(&project, ctx.deadline),
        },
    };
    crate::process::catch_interrupt();
    let tier = args.tier.clone().unwrap_or(settings.stop_tier);
    let req = Request {
        tier: &tier,
        set,
        only: &args.gates,
        jobs: args.jobs.unwrap_or(settings.jobs),
        budget: None::<Duration>,
        cache: !args.no_cache,
    };
    let env = session::with_skips(&ctx.env, &ctx.paths, ctx.env.session_id.as_deref());
    let mut report = run_tier(&env, &ctx.paths, &project, &gates, &alerts.value, &req)?;
    // Each failure is marked new or pre-existing: against the session's bases when run from
    // one, else against HEAD.
    let session = ctx.env.session_id.as_deref().unwrap_or("");
    let changed = changed.unwrap_or_default();
    super::stop::attribute(ctx, &project, session, &changed, &mut report);
    if let Err(e) = kpi::append(&ctx.paths, ctx.env.session_id.as_deref(), "cli", &report) {
        ctx.log.warn(&format!("cannot write the KPI event: {e:#}"));
    }
    if args.json {
        ctx.printer.json(&report)?;
    } else {
        ctx.printer.raw(&report::table(&report, ctx.printer));
    }
    if config_errors > 0 {
        ctx.printer.warn(&format!(
            "sfp gates: {config_errors} error(s) in the gates config; a layer was left out, so \
             this run fails (`sfp gates check`)"
        ));
    }
    Ok(match report.status {
        RunStatus::Interrupted => ExitStatus::Interrupted,
        _ if config_errors > 0 => ExitStatus::Failure,
        RunStatus::Passed | RunStatus::Warned => ExitStatus::Success,
        RunStatus::Failed => ExitStatus::Failure,
    })
}

#[derive(Serialize)]
struct ListedTier<'a> {
    name: &'a str,
    description: &'a str,
    fail_fast: bool,
    gates: Vec<ListedGate<'a>>,
}

#[derive(Serialize)]
struct ListedGate<'a> {
    name: &'a str,
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    command: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    builtin: Option<&'a str>,
    required: bool,
    critical: bool,
    timeout_ms: u128,
    file_patterns: &'a [String],
    applies: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    source: &'a str,
}

fn list(args: &InfoArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let project = project(ctx)?;
    let Loaded {
        value: gates,
        diagnostics: diags,
        ..
    } = load::<GatesConfig>(&ctx.paths);
    for d in diags.iter().filter(|d| d.is_error()) {
        ctx.printer.warn(&format!("{d} (this layer is ignored)"));
    }
    let set = FileSet {
        all: true,
        files: all_files(&project, ctx.deadline),
    };
    let tiers: Vec<ListedTier<'_>> = gates
        .tiers
        .iter()
        .map(|tier| ListedTier {
            name: &tier.name,
            description: &tier.description,
            fail_fast: tier.fail_fast,
            gates: plan(tier, &set, &ctx.env, &project, &[])
                .into_iter()
                .map(|(g, decision)| {
                    let (command, builtin) = match &g.action {
                        Action::Command(c) => (Some(c.as_str()), None),
                        Action::Secrets => (None, Some("secrets")),
                    };
                    let reason = match decision {
                        Decision::Run { .. } => None,
                        Decision::Skip(r) => Some(r),
                    };
                    ListedGate {
                        name: &g.name,
                        description: &g.description,
                        command,
                        builtin,
                        required: g.required,
                        critical: g.critical,
                        timeout_ms: g.timeout.as_millis(),
                        file_patterns: &g.matcher.patterns,
                        applies: reason.is_none(),
                        reason,
                        source: &g.source,
                    }
                })
                .collect(),
        })
        .collect();
    if args.json {
        ctx.printer.json(&serde_json::json!({ "tiers": tiers }))?;
        return Ok(ExitStatus::Success);
    }
    let p = ctx.printer;
    let mut out = String::new();
    for tier in &tiers {
        let desc = if tier.description.is_empty() {
            String::new()
        } else {
            format!(" — {}", tier.description)
        };
        let _ = writeln!(
            out,
            "{}{desc}",
            p.paint(tier.name, crate::printer::Style::Bold)
        );
        let width = tier.gates.iter().map(|g| g.name.len()).max().unwrap_or(0);
        for g in &tier.gates {
            let what = g.command.map_or_else(
                || format!("builtin: {}", g.builtin.unwrap_or("")),
                str::to_owned,
            );
            let flag = if g.critical {
                "critical"
            } else if g.required {
                "required"
            } else {
                "advisory"
            };
            let state = match &g.reason {
                None => p.paint("applies", crate::printer::Style::Green),
                Some(r) => p.paint(&format!("skipped: {r}"), crate::printer::Style::Dim),
            };
            let _ = writeln!(
                out,
                "  {:<width$}  {flag:<8}  {state}\n  {:<width$}  {}",
                g.name,
                "",
                p.paint(&what, crate::printer::Style::Dim)
            );
        }
        out.push('\n');
    }
    p.raw(&out);
    Ok(ExitStatus::Success)
}

fn check(args: &InfoArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    // gates.yaml is read once, with every glob compiled; the `gates:` and `format:` sections of
    // sfp.yaml are how the gates run, so their problems (old key names included) are shown too.
    let Loaded {
        value: gates,
        diagnostics: mut diags,
        layers,
    } = load_strict::<GatesConfig>(&ctx.paths);
    diags.extend(load::<AlertsConfig>(&ctx.paths).diagnostics);
    let sections = ctx.config.section::<GateSettings>("gates").1;
    for d in sections
        .into_iter()
        .chain(ctx.config.section::<FormatSettings>("format").1)
    {
        if !diags.contains(&d) {
            diags.push(d);
        }
    }
    let errors = diags.iter().filter(|d| d.is_error()).count();
    if args.json {
        ctx.printer.json(&serde_json::json!({
            "valid": errors == 0,
            "layers": layers,
            "diagnostics": diags,
        }))?;
    } else {
        for d in &diags {
            ctx.printer.line(&d.to_string());
        }
        let count: usize = gates.tiers.iter().map(|t| t.gates.len()).sum();
        ctx.printer.line(&format!(
            "{}: {count} gate(s) in {} tier(s) from {}",
            if errors == 0 { "ok" } else { "invalid" },
            gates.tiers.len(),
            layers.join(", ")
        ));
    }
    Ok(if errors == 0 {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}
