//! `sfp restore <id>`: check the metadata and the archive's hash, show the plan, ask (or require
//! `--yes` without a terminal), check free space, stage every file while checking every entry,
//! take a pre-restore backup of what will be overwritten or removed (recording what will be
//! created, for the undo), then move the staged files into place through directory handles.
//! Everything that can refuse does so before a single file is touched.

use std::io::{BufRead as _, IsTerminal as _};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context as _;
use clap::Args;

use super::command::{human_bytes, print_list, settings, warn_future_dated};
use super::create::{Request, Source, Undo, write};
use super::error::{BackupError, VerifyError};
use super::profile::Profile;
use super::restore_plan::{Action, Only, Plan, plan, select};
use super::select::Selected;
use super::shown::{self, escape};
use super::stage::{CommitError, Committed, check_space, commit, stage};
use super::store::{Backup, Store};
use super::verify::{index, open_checked, verify};
use crate::app::Ctx;
use crate::printer::Style;
use crate::{ExitStatus, Reported};

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup: its id (YYYYMMDD-HHMMSS), a unique prefix of it, or `latest` (the newest
    /// backup that is not a pre-restore backup).
    #[arg(required_unless_present = "list")]
    pub backup: Option<String>,
    /// List the backups (newest first, with each one's kind) instead.
    #[arg(long)]
    pub list: bool,
    /// Verify and show what would be created and overwritten; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Restore only paths matching this glob: `*.md` at any depth, `/x` or `a/b` anchored at the
    /// top, a directory name takes its contents (as in gates.yaml); repeatable.
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

pub(crate) fn execute(args: &RestoreArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let settings = settings(ctx);
    let store = Store::new(ctx.paths.backups_dir());
    if args.list {
        print_list(ctx, &store.list_all()?, false)?;
        warn_future_dated(ctx, &store);
        return Ok(ExitStatus::Success);
    }
    let query = args.backup.as_deref().unwrap_or("latest");
    let backup = store.resolve(query)?;
    let p = &ctx.printer;
    // Held until the restore ends: retention in any sfp process leaves this backup alone.
    let _held = store
        .hold(&backup.meta.id, settings.lock_wait)
        .map_err(BackupError::Held)?;
    let plan = prepare(args, ctx, &backup)?;
    show_plan(ctx, &backup.meta.id, &plan);
    if args.dry_run {
        p.line("dry run: every entry verified; nothing was written");
        return Ok(ExitStatus::Success);
    }
    if plan.writes().next().is_none() {
        // Nothing to write is only true of a backup that is acceptable as a whole.
        if let Err(e) = verify(&backup) {
            return Err(refuse(ctx, &backup.meta.id, e));
        }
        p.line("nothing to do: every file already matches the backup");
        return Ok(ExitStatus::Success);
    }
    if !args.yes && !std::io::stdin().is_terminal() {
        return Err(BackupError::NeedsYes.into());
    }
    if !args.yes && !confirm(ctx, &plan)? {
        p.line("restore cancelled; nothing was written");
        return Ok(ExitStatus::Failure);
    }
    if let Err(e) = check_space(&plan) {
        ctx.log
            .error(&format!("restore {} refused: {e}", backup.meta.id));
        return Err(e.into());
    }
    let started = Instant::now();
    let staged = stage(&backup, &plan).map_err(|e| refuse(ctx, &backup.meta.id, e))?;
    let undo = match pre_restore_backup(ctx, &settings, &backup.meta.id, &plan) {
        Ok(undo) => undo,
        Err(e) => {
            staged.discard();
            return Err(BackupError::PreRestore(e).into());
        }
    };
    let mut done = commit(&plan, &staged);
    if let Some(e) = done.error.take() {
        if done.untouched {
            // Nothing was touched: the pre-restore backup would undo nothing.
            if let Some((id, _)) = &undo {
                let _ = std::fs::remove_dir_all(store.dir.join(id));
            }
            p.warn(&format!(
                "restore stopped before writing anything: {e}; nothing was written"
            ));
            ctx.log.error(&format!(
                "restore {} refused before writing: {e}; nothing was written",
                backup.meta.id
            ));
            return Err(Reported::err(e));
        }
        report_partial(ctx, &plan, &done, &e, undo.as_ref());
        ctx.log
            .error(&format!("restore {} failed: {e}", backup.meta.id));
        return Err(Reported::err(e));
    }
    report_done(ctx, &backup.meta.id, &plan, &done, started, undo);
    Ok(ExitStatus::Success)
}

/// Checks the backup and plans the restore.
fn prepare(args: &RestoreArgs, ctx: &Ctx, backup: &Backup) -> anyhow::Result<Plan> {
    // The metadata's own lists, then the archive against its recorded size and SHA-256: a
    // corrupt or tampered backup is refused before anything else. `--dry-run` checks every
    // entry too, and so does a restore with nothing to write; a real restore checks every entry
    // while staging, before any file is touched. All of them judge by the same scan as `backup
    // verify`.
    let checked = index(&backup.meta).map(|_| ()).and_then(|()| {
        if args.dry_run {
            verify(backup).map(|_| ())
        } else {
            open_checked(&backup.dir, &backup.meta).map(|_| ())
        }
    });
    if let Err(e) = checked {
        return Err(refuse(ctx, &backup.meta.id, e));
    }
    let only = Only::new(&args.only).map_err(BackupError::Plan)?;
    let files = select(backup, &only).map_err(BackupError::Plan)?;
    let mut plan = plan(&files, args.to.as_deref(), &ctx.paths).map_err(BackupError::Plan)?;
    plan.add_removals(backup, &only, args.to.as_deref(), &ctx.paths);
    Ok(plan)
}

fn report_done(
    ctx: &Ctx,
    id: &str,
    plan: &Plan,
    done: &Committed,
    started: Instant,
    undo: Option<(String, String)>,
) {
    let p = &ctx.printer;
    let written = done.written.len();
    ctx.log.info(&format!(
        "restored {written} files from backup {id} into {} in {} ms (removed {} file(s), {} \
         directorie(s))",
        shown::path(&plan.base),
        started.elapsed().as_millis(),
        done.removed.len(),
        done.removed_dirs
    ));
    let removed = if done.removed.is_empty() && done.removed_dirs == 0 {
        String::new()
    } else {
        format!(
            "; removed {} file(s) and {} directorie(s) the undone restore created",
            done.removed.len(),
            done.removed_dirs
        )
    };
    p.line(&format!(
        "{} restored {written} file(s) from backup {id} into {}{removed}",
        p.paint("done:", Style::Green),
        shown::path(&plan.base)
    ));
    for k in &done.kept {
        p.note(&format!(
            "  kept {}: it changed after the restore being undone",
            shown::path(k)
        ));
    }
    if let Some((id, cmd)) = undo {
        p.line(&format!(
            "to undo: {}   (pre-restore backup {id})",
            escape(&cmd)
        ));
    }
}

/// Logs why the backup is not restored and says it: a fault of the backup is bad input (exit 1),
/// a full disk or a failed write is sfp failing at its job (exit 2).
fn refuse(ctx: &Ctx, id: &str, e: VerifyError) -> anyhow::Error {
    ctx.log.warn(&format!("restore of {id} refused: {e}"));
    let said = if e.is_backup_fault() {
        format!("backup {id} is corrupt, tampered with or not acceptable; nothing was restored")
    } else {
        format!("cannot restore backup {id}; nothing was restored")
    };
    anyhow::Error::new(BackupError::Unrestorable(e)).context(said)
}

fn report_partial(
    ctx: &Ctx,
    plan: &Plan,
    done: &Committed,
    error: &CommitError,
    undo: Option<&(String, String)>,
) {
    let p = &ctx.printer;
    let new: std::collections::HashSet<&str> = done
        .written
        .iter()
        .chain(&done.removed)
        .map(String::as_str)
        .collect();
    p.warn(&format!("restore stopped part-way: {error}"));
    p.warn(&format!(
        "{} file(s) now hold the backup's content (new), the others are as they were (old):",
        new.len()
    ));
    for s in plan.writes() {
        let state = match (new.contains(s.rel.as_str()), s.action) {
            (true, Action::Remove) => "removed",
            (true, _) => "new",
            (false, _) => "old",
        };
        p.note(&format!("  {state}  {}", shown::path(&s.target)));
    }
    if let Some((id, cmd)) = undo {
        p.warn(&format!(
            "the overwritten files as they were before are in backup {id}: `{}` puts them back",
            escape(cmd)
        ));
    }
}

fn show_plan(ctx: &Ctx, id: &str, plan: &Plan) {
    let p = &ctx.printer;
    let removals = if plan.count(Action::Remove) > 0 || !plan.kept.is_empty() {
        format!(
            ", {} to remove (created by the restore it undoes)",
            plan.count(Action::Remove)
        )
    } else {
        String::new()
    };
    p.line(&format!(
        "backup {id} (archive checksum ok): restore into {}: {} to create, {} to overwrite, {} unchanged{removals}",
        shown::path(&plan.base),
        plan.count(Action::Create),
        plan.count(Action::Overwrite),
        plan.count(Action::Same)
    ));
    let mut listed = 0;
    for action in [Action::Overwrite, Action::Create, Action::Remove] {
        let (word, style) = match action {
            Action::Overwrite => ("overwrite", Style::Yellow),
            Action::Remove => ("remove   ", Style::Red),
            _ => ("create   ", Style::Green),
        };
        let steps: Vec<_> = plan.steps.iter().filter(|s| s.action == action).collect();
        for s in steps.iter().take(SHOWN.saturating_sub(listed)) {
            p.line(&format!(
                "  {} {}",
                p.paint(word, style),
                shown::path(&s.target)
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
    for (target, why) in &plan.kept {
        p.line(&format!("  keep      {} ({why})", shown::path(target)));
    }
}

fn confirm(ctx: &Ctx, plan: &Plan) -> anyhow::Result<bool> {
    ctx.printer.raw(&format!(
        "restore {} file(s) into {}? A backup of the {} overwritten or removed file(s) is taken first. [y/N] ",
        plan.writes().count(),
        shown::path(&plan.base),
        plan.count(Action::Overwrite) + plan.count(Action::Remove)
    ));
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

/// Backs up the files about to be overwritten or removed, and records the files and
/// directories the restore will create, so that restoring this backup undoes the restore
/// exactly; returns its id and restore command.
fn pre_restore_backup(
    ctx: &Ctx,
    settings: &super::settings::BackupSettings,
    id: &str,
    plan: &Plan,
) -> anyhow::Result<Option<(String, String)>> {
    let files: Vec<Selected> = plan
        .steps
        .iter()
        .filter(|s| matches!(s.action, Action::Overwrite | Action::Remove))
        .map(|s| Selected {
            rel: s.rel.clone(),
            abs: s.target.clone(),
        })
        .collect();
    let undo = Undo {
        files: plan
            .steps
            .iter()
            .filter(|s| s.action == Action::Create)
            .map(|s| s.entry.clone())
            .collect(),
        dirs: plan.made_dirs.iter().map(|d| d.rel.clone()).collect(),
    };
    if files.is_empty() && undo.files.is_empty() {
        return Ok(None);
    }
    let req = Request {
        profile: Profile::PreRestore,
        reason: format!("pre-restore {id}"),
        include_credentials: true,
        undo,
        deadline: crate::hook::Deadline::NONE,
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
            .map(|s| format!("{} ({})", escape(&s.path), escape(&s.reason)))
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
