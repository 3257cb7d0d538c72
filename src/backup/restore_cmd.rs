//! `sfp restore <id>`: check the archive's hash, show the plan, ask (or require `--yes` without a
//! terminal), stage every file while checking every entry, take a pre-restore backup of what will
//! be overwritten, then rename the staged files into place. Everything that can refuse does so
//! before a single file is touched.

use std::io::{BufRead as _, IsTerminal as _};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context as _;
use clap::Args;

use super::command::{human_bytes, print_list, resolve, settings};
use super::create::{Request, Source, write};
use super::profile::Profile;
use super::restore::{Action, Plan, plan, select};
use super::select::Selected;
use super::stage::{commit, stage};
use super::store::Store;
use super::verify::{VerifyError, open_checked, verify};
use crate::ExitStatus;
use crate::app::Ctx;
use crate::printer::Style;

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup: its id (YYYYMMDD-HHMMSS), a unique prefix of it, or `latest`.
    #[arg(required_unless_present = "list")]
    pub backup: Option<String>,
    /// List the backups instead.
    #[arg(long)]
    pub list: bool,
    /// Verify and show what would be created and overwritten; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Restore only paths matching this glob (a directory name takes its contents); repeatable.
    #[arg(long, value_name = "GLOB")]
    pub only: Vec<String>,
    /// Restore into DIR instead of the Claude config dir.
    #[arg(long, value_name = "DIR")]
    pub to: Option<PathBuf>,
    /// Do not ask; required when stdin is not a terminal.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// Lines of a plan listed before "… and N more".
const SHOWN: usize = 40;

pub fn execute(args: &RestoreArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let settings = settings(ctx);
    let store = Store::new(ctx.paths.backups_dir());
    if args.list {
        print_list(ctx, &store.list()?, false)?;
        return Ok(ExitStatus::Success);
    }
    let query = args.backup.as_deref().unwrap_or("latest");
    let backup = match resolve(ctx, &store, query) {
        Ok(backup) => backup,
        Err(status) => return Ok(status),
    };
    let p = &ctx.printer;
    // Held until the restore ends: retention in any sfp process leaves this backup alone.
    let _held = match store.hold(
        &backup.meta.id,
        std::time::Duration::from_millis(settings.lock_wait_ms),
    ) {
        Ok(held) => held,
        Err(e) => {
            p.error(&e);
            return Ok(ExitStatus::Failure);
        }
    };
    // The archive against its recorded size and SHA-256 first: a corrupt or tampered archive is
    // refused before anything else. `--dry-run` checks every entry too; a real restore checks
    // every entry while staging, before any file is touched.
    let checked = if args.dry_run {
        verify(&backup).map(|_| ())
    } else {
        open_checked(&backup.dir, &backup.meta).map(|_| ())
    };
    if let Err(e) = checked {
        refuse(ctx, &backup.meta.id, e);
        return Ok(ExitStatus::Failure);
    }
    let files = match select(&backup, &args.only) {
        Ok(files) => files,
        Err(e) => {
            p.error(&e);
            return Ok(ExitStatus::Failure);
        }
    };
    let plan = match plan(&files, args.to.as_deref(), &ctx.paths) {
        Ok(plan) => plan,
        Err(e) => {
            p.error(&e);
            return Ok(ExitStatus::Failure);
        }
    };
    show_plan(ctx, &backup.meta.id, &plan);
    if args.dry_run {
        p.line("dry run: every entry verified; nothing was written");
        return Ok(ExitStatus::Success);
    }
    if plan.writes().next().is_none() {
        p.line("nothing to do: every file already matches the backup");
        return Ok(ExitStatus::Success);
    }
    if !args.yes && !std::io::stdin().is_terminal() {
        p.error(&anyhow::anyhow!(
            "stdin is not a terminal: pass --yes to restore without asking; nothing was written"
        ));
        return Ok(ExitStatus::Failure);
    }
    if !args.yes && !confirm(ctx, &plan)? {
        p.line("restore cancelled; nothing was written");
        return Ok(ExitStatus::Failure);
    }
    let started = Instant::now();
    let staged = match stage(&backup, &plan) {
        Ok(staged) => staged,
        Err(e) => {
            refuse(ctx, &backup.meta.id, e);
            return Ok(ExitStatus::Failure);
        }
    };
    let undo = match pre_restore_backup(ctx, &settings, &backup.meta.id, &plan) {
        Ok(undo) => undo,
        Err(e) => {
            staged.discard();
            p.error(&e);
            return Ok(ExitStatus::Failure);
        }
    };
    let done = commit(&plan, &staged);
    if let Some(e) = &done.error {
        report_partial(ctx, &plan, &done.written, e, undo.as_ref());
        ctx.log
            .error(&format!("restore {} failed part-way: {e}", backup.meta.id));
        return Ok(ExitStatus::Error);
    }
    report_done(
        ctx,
        &backup.meta.id,
        &plan,
        done.written.len(),
        started,
        undo,
    );
    Ok(ExitStatus::Success)
}

fn report_done(
    ctx: &Ctx,
    id: &str,
    plan: &Plan,
    written: usize,
    started: Instant,
    undo: Option<(String, String)>,
) {
    let p = &ctx.printer;
    ctx.log.info(&format!(
        "restored {written} files from backup {id} into {} in {} ms",
        plan.base.display(),
        started.elapsed().as_millis()
    ));
    p.line(&format!(
        "{} restored {written} file(s) from backup {id} into {}",
        p.paint("done:", Style::Green),
        plan.base.display()
    ));
    if let Some((id, cmd)) = undo {
        p.line(&format!("to undo: {cmd}   (pre-restore backup {id})"));
    }
}

fn refuse(ctx: &Ctx, id: &str, e: VerifyError) {
    ctx.log.warn(&format!("restore of {id} refused: {e}"));
    ctx.printer.error(&anyhow::Error::new(e).context(format!(
        "backup {id} is corrupt or has been tampered with; nothing was restored"
    )));
}

fn report_partial(
    ctx: &Ctx,
    plan: &Plan,
    written: &[String],
    error: &str,
    undo: Option<&(String, String)>,
) {
    let p = &ctx.printer;
    let new: std::collections::HashSet<&str> = written.iter().map(String::as_str).collect();
    p.warn(&format!("restore stopped part-way: {error}"));
    p.warn(&format!(
        "{} file(s) now hold the backup's content (new), the others are as they were (old):",
        new.len()
    ));
    for s in plan.writes() {
        let state = if new.contains(s.rel.as_str()) {
            "new"
        } else {
            "old"
        };
        p.note(&format!("  {state}  {}", s.target.display()));
    }
    if let Some((id, cmd)) = undo {
        p.warn(&format!(
            "the overwritten files as they were before are in backup {id}: `{cmd}` puts them back"
        ));
    }
}

fn show_plan(ctx: &Ctx, id: &str, plan: &Plan) {
    let p = &ctx.printer;
    p.line(&format!(
        "backup {id} (archive checksum ok): restore into {}: {} to create, {} to overwrite, {} unchanged",
        plan.base.display(),
        plan.count(Action::Create),
        plan.count(Action::Overwrite),
        plan.count(Action::Same)
    ));
    let mut listed = 0;
    for action in [Action::Overwrite, Action::Create] {
        let (word, style) = match action {
            Action::Overwrite => ("overwrite", Style::Yellow),
            _ => ("create   ", Style::Green),
        };
        let steps: Vec<_> = plan.steps.iter().filter(|s| s.action == action).collect();
        for s in steps.iter().take(SHOWN.saturating_sub(listed)) {
            p.line(&format!(
                "  {} {}",
                p.paint(word, style),
                s.target.display()
            ));
        }
        let shown = steps.len().min(SHOWN.saturating_sub(listed));
        if steps.len() > shown {
            p.line(&format!(
                "  … and {} more to {}",
                steps.len() - shown,
                word.trim()
            ));
        }
        listed += shown;
    }
}

fn confirm(ctx: &Ctx, plan: &Plan) -> anyhow::Result<bool> {
    ctx.printer.raw(&format!(
        "restore {} file(s) into {}? A backup of the {} overwritten file(s) is taken first. [y/N] ",
        plan.writes().count(),
        plan.base.display(),
        plan.count(Action::Overwrite)
    ));
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

/// Backs up the files about to be overwritten; returns its id and restore command.
fn pre_restore_backup(
    ctx: &Ctx,
    settings: &super::settings::BackupSettings,
    id: &str,
    plan: &Plan,
) -> anyhow::Result<Option<(String, String)>> {
    let files: Vec<Selected> = plan
        .steps
        .iter()
        .filter(|s| s.action == Action::Overwrite)
        .map(|s| Selected {
            rel: s.rel.clone(),
            abs: s.target.clone(),
        })
        .collect();
    if files.is_empty() {
        return Ok(None);
    }
    let req = Request {
        profile: Profile::PreRestore,
        reason: format!("pre-restore {id}"),
        include_credentials: true,
    };
    let source = Source {
        dir: &plan.base,
        default_dir: &ctx.paths.claude_dir,
    };
    let created = write(
        &ctx.paths,
        settings,
        &req,
        &source,
        &files,
        Vec::new(),
        Instant::now(),
    )
    .context("cannot take the pre-restore backup; nothing was restored")?;
    // A file the backup could not take (it became a symlink, or could not be read) would be
    // replaced with no way back: refuse the whole restore before anything is touched.
    if !created.meta.skipped.is_empty() {
        let _ = std::fs::remove_dir_all(&created.dir);
        let names: Vec<String> = created
            .meta
            .skipped
            .iter()
            .map(|s| format!("{} ({})", s.path, s.reason))
            .collect();
        anyhow::bail!(
            "the pre-restore backup could not take {} file(s) that would be overwritten: {}; \
             nothing was restored",
            names.len(),
            names.join(", ")
        );
    }
    ctx.printer.note(&format!(
        "pre-restore backup {} ({} file(s), {})",
        created.meta.id,
        created.meta.totals.files,
        human_bytes(created.meta.totals.bytes)
    ));
    ctx.log.info(&format!(
        "pre-restore backup {} before restoring {id}",
        created.meta.id
    ));
    Ok(Some((created.meta.id, created.meta.restore_command)))
}
