//! `sfp backup create|list|show|verify|prune`: arguments, and what each prints.

use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use serde::Serialize;

use super::create::{Request, create};
use super::profile::Profile;
use super::settings::BackupSettings;
use super::shown::{self, escape};
use super::store::{Backup, Listed, Store};
use super::verify::verify;
use crate::ExitStatus;
use crate::app::Ctx;
use crate::printer::Style;

#[derive(Debug, Args)]
pub struct BackupArgs {
    #[command(subcommand)]
    pub action: BackupAction,
}

#[derive(Debug, Subcommand)]
pub enum BackupAction {
    /// Take a backup of the Claude config dir into `$SFP_HOME/backups/<id>/`.
    Create(CreateArgs),
    /// List backups, newest first (damaged ones with the reason).
    List(JsonArg),
    /// Show one backup's metadata and files.
    Show(IdArgs),
    /// Check a backup's archive and every file's SHA-256 against its metadata.
    Verify(IdArgs),
    /// Apply retention now (keep the newest N of each kind).
    Prune(PruneArgs),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// `config` (settings, context, commands, …) or `full` (also transcripts and history).
    #[arg(long, value_enum, default_value = "config")]
    pub profile: CliProfile,
    /// Why the backup was taken (kept in metadata.json).
    #[arg(long, value_name = "TEXT", default_value = "manual")]
    pub reason: String,
    /// Also back up credential files such as .credentials.json (left out by default).
    #[arg(long)]
    pub include_credentials: bool,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The profiles a person can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CliProfile {
    Config,
    Full,
}

#[derive(Debug, Args)]
pub struct JsonArg {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct IdArgs {
    /// The backup: its id, a unique prefix of it, or `latest`.
    pub id: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Keep this many of the newest backups of each kind: config, full, pre-restore (default:
    /// `backup.keep` in sfp.yaml).
    #[arg(long, value_name = "N")]
    pub keep: Option<usize>,
    /// Print the removed ids as JSON.
    #[arg(long)]
    pub json: bool,
}

/// One line of `sfp backup list --json`.
#[derive(Debug, Serialize)]
pub(super) struct Summary<'a> {
    pub id: &'a str,
    pub created: &'a str,
    pub reason: &'a str,
    pub profile: &'a str,
    pub files: usize,
    pub bytes: u64,
    pub archive_bytes: u64,
    pub path: String,
    pub restore_command: &'a str,
}

pub(super) fn summary(b: &Backup) -> Summary<'_> {
    Summary {
        id: &b.meta.id,
        created: &b.meta.created,
        reason: &b.meta.reason,
        profile: b.meta.profile.as_str(),
        files: b.meta.totals.files,
        bytes: b.meta.totals.bytes,
        archive_bytes: b.meta.archive.size,
        path: b.dir.display().to_string(),
        restore_command: &b.meta.restore_command,
    }
}

/// The `backup:` section, from the user's layers only (see [`BackupSettings`]'s trust).
pub(super) fn settings(ctx: &Ctx) -> BackupSettings {
    let (settings, diags) = ctx.config.section::<BackupSettings>("backup");
    for d in diags.iter().filter(|d| d.is_error()) {
        ctx.log.warn(&d.to_string());
    }
    settings
}

pub(crate) fn execute(args: &BackupArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let settings = settings(ctx);
    let store = Store::new(ctx.paths.backups_dir());
    match &args.action {
        BackupAction::Create(a) => run_create(a, ctx, &settings),
        BackupAction::List(a) => {
            store.clean_stale();
            print_list(ctx, &store.list_all()?, a.json)?;
            warn_future_dated(ctx, &store);
            Ok(ExitStatus::Success)
        }
        BackupAction::Show(a) => {
            let b = store.resolve(&a.id)?;
            if a.json {
                ctx.printer.json(&b.meta)?;
            } else {
                show(ctx, &b);
            }
            Ok(ExitStatus::Success)
        }
        BackupAction::Verify(a) => {
            let b = store.resolve(&a.id)?;
            let result = verify(&b);
            if a.json {
                ctx.printer.json(&serde_json::json!({
                    "id": b.meta.id,
                    "ok": result.is_ok(),
                    "files": result.as_ref().map_or(0, |s| s.files),
                    "problem": result.as_ref().err().map(ToString::to_string),
                }))?;
            }
            match result {
                Ok(s) => {
                    if !a.json {
                        ctx.printer.line(&format!(
                            "{} backup {}: {} file(s), {} verified",
                            ctx.printer.paint("ok", Style::Green),
                            b.meta.id,
                            s.files,
                            human_bytes(s.bytes)
                        ));
                    }
                    Ok(ExitStatus::Success)
                }
                Err(e) => {
                    if !a.json {
                        ctx.printer.line(&format!(
                            "{} backup {}: {}",
                            ctx.printer.paint("FAILED", Style::Red),
                            b.meta.id,
                            escape(&e.to_string())
                        ));
                    }
                    Ok(ExitStatus::Failure)
                }
            }
        }
        BackupAction::Prune(a) => {
            let keep = a.keep.unwrap_or(settings.keep);
            let max_age = if a.keep.is_some() {
                Duration::ZERO
            } else {
                settings.max_age
            };
            let removed = store.prune(keep, max_age, None, settings.lock_wait)?;
            let cleaned = store.clean_stale();
            if a.json {
                ctx.printer
                    .json(&serde_json::json!({"removed": removed, "stale_removed": cleaned}))?;
            } else if removed.is_empty() {
                ctx.printer.line("nothing to prune");
            } else {
                ctx.printer.line(&format!(
                    "removed {} backup(s): {}",
                    removed.len(),
                    removed.join(", ")
                ));
            }
            Ok(ExitStatus::Success)
        }
    }
}

fn run_create(a: &CreateArgs, ctx: &Ctx, settings: &BackupSettings) -> anyhow::Result<ExitStatus> {
    let req = Request {
        profile: match a.profile {
            CliProfile::Config => Profile::Config,
            CliProfile::Full => Profile::Full,
        },
        reason: a.reason.clone(),
        include_credentials: a.include_credentials,
        undo: super::create::Undo::default(),
        deadline: crate::hook::Deadline::NONE,
    };
    let created = create(&ctx.paths, settings, &req).context("backup failed")?;
    let m = &created.meta;
    ctx.log.info(&format!(
        "backup {} ({}, {}): {} file(s), {} -> {} in {} ms",
        m.id,
        m.profile.as_str(),
        m.reason,
        m.totals.files,
        m.totals.bytes,
        m.archive.size,
        m.totals.duration_ms
    ));
    if a.json {
        let b = Backup {
            dir: created.dir.clone(),
            meta: created.meta.clone(),
        };
        let mut v = serde_json::to_value(summary(&b))?;
        v["duration_ms"] = m.totals.duration_ms.into();
        v["skipped"] = serde_json::to_value(&m.skipped)?;
        v["pruned"] = serde_json::to_value(&created.pruned)?;
        ctx.printer.json(&v)?;
    } else {
        ctx.printer.line(&format!(
            "backup {} written: {} file(s), {} -> {} in {} ms",
            ctx.printer.paint(&m.id, Style::Bold),
            m.totals.files,
            human_bytes(m.totals.bytes),
            human_bytes(m.archive.size),
            m.totals.duration_ms
        ));
        ctx.printer
            .line(&format!("  {}", shown::path(&created.dir)));
        ctx.printer
            .line(&format!("  restore with: {}", escape(&m.restore_command)));
        for s in &m.skipped {
            ctx.printer.note(&format!(
                "  skipped {}: {}",
                escape(&s.path),
                escape(&s.reason)
            ));
        }
        if !created.pruned.is_empty() {
            ctx.printer.line(&format!(
                "  retention removed: {}",
                created.pruned.join(", ")
            ));
        }
    }
    Ok(ExitStatus::Success)
}

/// Prints the store's listing, newest first: each backup's id, kind, size and reason, and each
/// damaged backup with why it cannot be used.
pub(super) fn print_list(ctx: &Ctx, all: &[Listed], json: bool) -> anyhow::Result<()> {
    if json {
        let list: Vec<serde_json::Value> = all
            .iter()
            .map(|l| match l {
                Listed::Good(b) => serde_json::to_value(summary(b)),
                Listed::Damaged { id, dir, reason } => Ok(serde_json::json!({
                    "id": id,
                    "damaged": reason,
                    "path": dir.display().to_string(),
                })),
            })
            .collect::<Result<_, _>>()?;
        return ctx.printer.json(&list);
    }
    if all.is_empty() {
        ctx.printer.line(&format!(
            "no backups in {}",
            shown::path(&ctx.paths.backups_dir())
        ));
        return Ok(());
    }
    let p = &ctx.printer;
    p.line(&p.paint(
        &format!(
            "{:<20} {:<11} {:>6} {:>10} {:>10}  reason",
            "id", "kind", "files", "size", "archive"
        ),
        Style::Bold,
    ));
    for l in all {
        match l {
            Listed::Good(b) => {
                let m = &b.meta;
                p.line(&format!(
                    "{:<20} {:<11} {:>6} {:>10} {:>10}  {}",
                    m.id,
                    m.profile.as_str(),
                    m.totals.files,
                    human_bytes(m.totals.bytes),
                    human_bytes(m.archive.size),
                    escape(&m.reason)
                ));
            }
            Listed::Damaged { id, reason, .. } => p.line(&format!(
                "{:<20} {:<11} {}",
                id,
                p.paint("damaged", Style::Red),
                escape(reason)
            )),
        }
    }
    Ok(())
}

/// Warns (on stderr) of backups whose creation time lies in the future.
pub(super) fn warn_future_dated(ctx: &Ctx, store: &Store) {
    let future = store.future_dated();
    if !future.is_empty() {
        ctx.printer.warn(&format!(
            "{} backup(s) are dated in the future (the clock was wrong when they were taken, or \
             is now): {}; they are ordered by their sequence number, not their date",
            future.len(),
            future
                .iter()
                .map(|(id, created)| format!("{id} ({created})"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
}

fn show(ctx: &Ctx, b: &Backup) {
    let m = &b.meta;
    let p = &ctx.printer;
    p.line(&format!("backup    {}", p.paint(&m.id, Style::Bold)));
    p.line(&format!("created   {}", m.created));
    p.line(&format!("reason    {}", escape(&m.reason)));
    p.line(&format!("profile   {}", m.profile.as_str()));
    p.line(&format!("source    {}", escape(&m.source_dir)));
    p.line(&format!("sfp       {}", escape(&m.sfp_version)));
    p.line(&format!(
        "files     {} ({}), archive {} ({})",
        m.totals.files,
        human_bytes(m.totals.bytes),
        human_bytes(m.archive.size),
        escape(&m.archive.compression)
    ));
    p.line(&format!("sha256    {}", escape(&m.archive.sha256)));
    p.line(&format!("path      {}", shown::path(&b.dir)));
    p.line(&format!("restore   {}", escape(&m.restore_command)));
    for f in &m.files {
        p.line(&format!(
            "  {:>4o} {:>10}  {}",
            f.mode,
            f.size,
            escape(&f.path)
        ));
    }
    for f in &m.remove_on_restore {
        p.line(&format!("  remove on restore  {}", escape(&f.path)));
    }
    for s in &m.skipped {
        p.line(&p.paint(
            &format!("  skipped {}: {}", escape(&s.path), escape(&s.reason)),
            Style::Dim,
        ));
    }
}

/// `1.2 MiB`, `340 B`.
#[expect(clippy::cast_precision_loss, reason = "a display figure")]
pub(super) fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}
