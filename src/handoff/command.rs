//! `sfp handoff create|list|show|prune` in a terminal.

use std::path::{Path, PathBuf};

use chrono::Utc;
use clap::{Args, Subcommand};
use serde::Serialize;

use super::HandoffSettings;
use super::collect::{Source, collect};
use super::render;
use super::store::{Entry, Store, all_stores};
use crate::ExitStatus;
use crate::app::Ctx;
use crate::printer::Style;

#[derive(Debug, Args)]
pub struct HandoffArgs {
    #[command(subcommand)]
    pub action: HandoffAction,
    /// The project (default: the current directory; its git work tree root is used).
    #[arg(long, value_name = "DIR", global = true)]
    pub project: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum HandoffAction {
    /// Write a handoff now, from a session's transcript (default: the project's newest).
    Create {
        /// The session id (its transcript is looked up under the Claude config dir).
        #[arg(long, value_name = "ID")]
        session: Option<String>,
        /// The transcript file to read.
        #[arg(long, value_name = "PATH")]
        transcript: Option<PathBuf>,
        /// Print the handoff as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the project's handoffs, newest first.
    List {
        /// Print `[{"id", "created_at", "trigger", "session_id", "project", "requests", "files",
        /// "next_steps", "markdown", "json"}]`.
        #[arg(long)]
        json: bool,
    },
    /// Print a handoff: `latest` (default), an id, or a unique prefix of one.
    Show {
        #[arg(default_value = "latest")]
        id: String,
        /// Print the handoff's JSON record instead of its Markdown.
        #[arg(long)]
        json: bool,
    },
    /// Remove all but the newest handoffs of the project.
    Prune {
        /// How many to keep (default: `handoff.keep` in sfp.yaml, 30).
        #[arg(long, value_name = "N")]
        keep: Option<usize>,
    },
}

pub(crate) fn execute(args: &HandoffArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let (settings, diags) = ctx.config.section::<HandoffSettings>("handoff");
    crate::config::refuse_errors(&diags)?;
    let dir = args
        .project
        .clone()
        .or_else(|| ctx.paths.project.clone())
        .or_else(|| ctx.env.cwd.clone());
    if let Some(d) = &dir
        && !d.is_dir()
    {
        ctx.printer
            .error(&anyhow::anyhow!("{} is not a directory", d.display()));
        return Ok(ExitStatus::Failure);
    }
    // The context resolved `--project` (or the current directory) to its work tree already.
    let project = ctx.paths.project.clone();
    let store = Store::for_project(&ctx.paths, project.as_deref());
    match &args.action {
        HandoffAction::Create {
            session,
            transcript,
            json,
        } => create(
            ctx,
            &settings,
            &store,
            project,
            session.as_deref(),
            transcript.clone(),
            *json,
        ),
        HandoffAction::List { json } => list(ctx, &store, *json),
        HandoffAction::Show { id, json } => show(ctx, &store, id, *json),
        HandoffAction::Prune { keep } => {
            let keep = keep.unwrap_or(settings.keep);
            let removed = store.prune(keep)?;
            ctx.printer.line(&format!(
                "removed {} handoff(s), kept {}",
                removed.len(),
                store.list().len()
            ));
            Ok(ExitStatus::Success)
        }
    }
}

fn create(
    ctx: &Ctx,
    settings: &HandoffSettings,
    store: &Store,
    project: Option<PathBuf>,
    session: Option<&str>,
    transcript: Option<PathBuf>,
    json: bool,
) -> anyhow::Result<ExitStatus> {
    if let Some(t) = &transcript
        && !t.is_file()
    {
        ctx.printer
            .error(&anyhow::anyhow!("no transcript at {}", t.display()));
        return Ok(ExitStatus::Failure);
    }
    let transcript = transcript
        .map(|t| t.canonicalize().unwrap_or(t))
        .or_else(|| find_transcript(ctx, project.as_deref(), session));
    let session_id = session.map(str::to_owned).or_else(|| {
        transcript
            .as_deref()
            .and_then(Path::file_stem)
            .map(|s| s.to_string_lossy().into_owned())
    });
    if let (None, Some(id)) = (&transcript, session) {
        return Err(crate::UserError::err(format!(
            "no transcript of session `{id}` under {}",
            ctx.paths.claude_dir.join("projects").display()
        )));
    }
    if transcript.is_none() {
        ctx.printer.warn("no transcript found for this project; the handoff holds git state only (pass --transcript or --session)");
    }
    let src = Source {
        trigger: "sfp handoff create".to_owned(),
        session_id,
        transcript,
        project,
        last_assistant_message: None,
    };
    let mut handoff = collect(ctx, settings, &src, Utc::now());
    let entry = store.write(&mut handoff, render::markdown)?;
    store.prune(settings.keep.max(1))?;
    if json {
        ctx.printer.json(&handoff)?;
    } else {
        ctx.printer.line(&format!("wrote {}", entry.md.display()));
    }
    Ok(ExitStatus::Success)
}

/// The transcript of `session` (searched in every project dir), or the newest one of `project`.
fn find_transcript(ctx: &Ctx, project: Option<&Path>, session: Option<&str>) -> Option<PathBuf> {
    let projects = ctx.paths.claude_dir.join("projects");
    if let Some(id) = session {
        let name = format!("{}.jsonl", crate::paths::safe_component(id));
        return std::fs::read_dir(&projects)
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path().join(&name))
            .find(|p| p.is_file());
    }
    let slug: String = project?
        .to_string_lossy()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    std::fs::read_dir(projects.join(slug))
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "jsonl"))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .max()
        .map(|(_, p)| p)
}

#[derive(Serialize)]
struct Listed {
    id: String,
    created_at: String,
    trigger: String,
    session_id: Option<String>,
    project: Option<String>,
    requests: usize,
    files: usize,
    next_steps: usize,
    markdown: PathBuf,
    json: PathBuf,
}

fn list(ctx: &Ctx, store: &Store, json: bool) -> anyhow::Result<ExitStatus> {
    let mut rows = Vec::new();
    for e in store.list().into_iter().rev() {
        match e.load() {
            Ok(h) => rows.push((
                Listed {
                    id: e.id.clone(),
                    created_at: h.created_at.to_rfc3339(),
                    trigger: h.trigger.clone(),
                    session_id: h.session_id.clone(),
                    project: h.project.clone(),
                    requests: h.requests.len(),
                    files: h.files.len(),
                    next_steps: h.next_steps.len(),
                    markdown: e.md.clone(),
                    json: e.json.clone(),
                },
                h.requests.last().cloned().unwrap_or_default(),
            )),
            Err(err) => ctx.printer.warn(&format!("{err:#}")),
        }
    }
    if json {
        let listed: Vec<&Listed> = rows.iter().map(|(l, _)| l).collect();
        ctx.printer.json(&listed)?;
        return Ok(ExitStatus::Success);
    }
    if rows.is_empty() {
        ctx.printer
            .line(&format!("no handoffs yet in {}", store.dir().display()));
        return Ok(ExitStatus::Success);
    }
    let width = rows.iter().map(|(l, _)| l.id.len()).max().unwrap_or(0);
    for (l, last_request) in &rows {
        let when = l
            .created_at
            .get(..16)
            .unwrap_or(&l.created_at)
            .replace('T', " ");
        let request: String = last_request
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let request: String = request.chars().take(60).collect();
        ctx.printer.line(&format!(
            "{}  {}  {:<22}  {} file(s)  {}",
            ctx.printer.paint(&format!("{:<width$}", l.id), Style::Bold),
            when,
            l.trigger,
            l.files,
            ctx.printer.paint(&request, Style::Dim),
        ));
    }
    Ok(ExitStatus::Success)
}

fn show(ctx: &Ctx, store: &Store, id: &str, json: bool) -> anyhow::Result<ExitStatus> {
    let entry = match store.find(id) {
        Ok(e) => e,
        // An id from another project is found too.
        Err(err) => {
            let Some(e) = find_elsewhere(ctx, id) else {
                ctx.printer.error(&err);
                return Ok(ExitStatus::Failure);
            };
            e
        }
    };
    let handoff = entry.load()?;
    if json {
        ctx.printer.json(&handoff)?;
    } else {
        let text = crate::util::read::text(&entry.md, crate::util::read::Kind::STATE)
            .unwrap_or_else(|| render::markdown(&handoff));
        ctx.printer.raw(&text);
    }
    Ok(ExitStatus::Success)
}

fn find_elsewhere(ctx: &Ctx, id: &str) -> Option<Entry> {
    if id == "latest" {
        return None;
    }
    let found: Vec<Entry> = all_stores(&ctx.paths)
        .iter()
        .filter_map(|s| s.find(id).ok())
        .collect();
    (found.len() == 1).then(|| found.into_iter().next())?
}
