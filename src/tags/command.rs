//! `sfp tags [--json] [--project DIR]`: exactly what SessionStart would inject, with its size in
//! characters and an estimate in tokens. `sfp tags check`: unreadable or skipped files, bad
//! mapping values, empty sections, items cut at the item length and tags left out by the budget.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde::Serialize;
use serde_json::json;

use super::gather::{self, Gathered};
use super::settings::TagsSettings;
use crate::ExitStatus;
use crate::app::Ctx;
use crate::config::Diagnostic;
use crate::printer::Style;

#[derive(Debug, Args)]
pub struct TagsArgs {
    #[command(subcommand)]
    pub command: Option<TagsCommand>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// The project whose `.claude/sfp/context/` and settings apply (default: the current
    /// directory).
    #[arg(long, value_name = "DIR", global = true)]
    pub project: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum TagsCommand {
    /// Report unreadable files, empty sections, cut items and tags left out by the budget
    /// (exit 1 when a file could not be used or the mapping is invalid).
    Check,
}

/// Roughly four characters per token for English prose and tags.
pub(super) fn estimate_tokens(chars: usize) -> usize {
    chars.div_ceil(4)
}

pub(crate) fn execute(args: &TagsArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let (settings, diags) = ctx.config.section::<TagsSettings>("tags");
    if args.command.is_none() {
        // `tags check` reports config errors among its findings; showing tags from a config
        // that is not what was written would mislead.
        crate::config::refuse_errors(&diags)?;
    }
    let gathered = gather::gather(ctx, &settings);
    match args.command {
        None => show(args, ctx, &settings, &gathered),
        Some(TagsCommand::Check) => check(args, ctx, &settings, &gathered, &diags),
    }
}

fn show(
    args: &TagsArgs,
    ctx: &Ctx,
    settings: &TagsSettings,
    gathered: &Gathered,
) -> anyhow::Result<ExitStatus> {
    let budget = settings.budget();
    let text = gathered.injection(budget).unwrap_or_default();
    let chars = text.chars().count();
    let block = gathered.block(budget);
    let included = block.lines.len();
    if args.json {
        let tags: Vec<_> = gathered
            .tags
            .iter()
            .enumerate()
            .map(|(i, t)| {
                json!({
                    "type": t.name.kind, "category": t.name.category, "value": t.value,
                    "source": t.source, "line": t.line, "cut": t.cut, "included": i < included,
                })
            })
            .collect();
        ctx.printer.json(&json!({
            "enabled": settings.enabled,
            "text": text,
            "chars": chars,
            "tokens_estimate": estimate_tokens(chars),
            "budget": budget,
            "tags_total": gathered.tags.len(),
            "tags_included": included,
            "tags_omitted": block.omitted,
            "files": gathered.files,
            "skipped": gathered.skipped.iter().map(|s| json!({"file": s.display, "reason": s.reason})).collect::<Vec<_>>(),
            "tags": tags,
        }))?;
        return Ok(ExitStatus::Success);
    }
    let p = ctx.printer;
    if text.is_empty() {
        ctx.printer.line(&format!(
            "No tags: no mapped section or explicit tag in {} ({} file(s) read). See `sfp tags check`.",
            gathered.dirs.join(" or "),
            gathered.files.len()
        ));
        return Ok(ExitStatus::Success);
    }
    let mut summary = format!(
        "{} characters, ~{} tokens · {included} of {} tags from {} file(s)",
        group(chars),
        group(estimate_tokens(chars)),
        gathered.tags.len(),
        gathered.files.len()
    );
    if block.omitted > 0 {
        let _ = write!(
            summary,
            " · {} left out by the {}-character budget",
            block.omitted,
            group(budget)
        );
    }
    if !gathered.skipped.is_empty() {
        let _ = write!(
            summary,
            " · {} file(s) skipped (`sfp tags check`)",
            gathered.skipped.len()
        );
    }
    if !settings.enabled {
        summary.push_str(" · injection is off (tags.enabled: false)");
    }
    p.line(&text);
    p.line("");
    p.line(&p.paint(&summary, Style::Dim));
    Ok(ExitStatus::Success)
}

#[derive(Debug, Serialize)]
struct Problem {
    severity: &'static str,
    file: Option<String>,
    line: Option<usize>,
    message: String,
}

fn check(
    args: &TagsArgs,
    ctx: &Ctx,
    settings: &TagsSettings,
    gathered: &Gathered,
    diags: &[Diagnostic],
) -> anyhow::Result<ExitStatus> {
    let problems = problems(ctx, settings, gathered, diags);
    let errors = problems.iter().filter(|p| p.severity == "error").count();
    let warnings = problems.len() - errors;
    if args.json {
        ctx.printer.json(&json!({
            "files": gathered.files,
            "tags": gathered.tags.len(),
            "errors": errors,
            "warnings": warnings,
            "problems": problems,
        }))?;
    } else {
        let p = ctx.printer;
        for pr in &problems {
            let (mark, style) = if pr.severity == "error" {
                ("✗", Style::Red)
            } else {
                ("!", Style::Yellow)
            };
            let at = match (&pr.file, pr.line) {
                (Some(f), Some(l)) => format!("{f}:{l}: "),
                (Some(f), None) => format!("{f}: "),
                _ => String::new(),
            };
            p.line(&format!("{} {at}{}", p.paint(mark, style), pr.message));
        }
        let verdict = if errors > 0 {
            p.paint("problems found", Style::Red)
        } else if warnings > 0 {
            p.paint("usable, with warnings", Style::Yellow)
        } else {
            p.paint("all good", Style::Green)
        };
        p.line(&format!(
            "{} file(s), {} tag(s): {errors} error(s), {warnings} warning(s) — {verdict}",
            gathered.files.len(),
            gathered.tags.len()
        ));
    }
    Ok(if errors > 0 {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

fn problem(
    severity: &'static str,
    file: Option<&str>,
    line: Option<usize>,
    message: String,
) -> Problem {
    Problem {
        severity,
        file: file.map(str::to_owned),
        line,
        message,
    }
}

/// Everything `sfp tags check` reports, errors (files that could not be used, bad settings)
/// before warnings.
fn problems(
    ctx: &Ctx,
    settings: &TagsSettings,
    gathered: &Gathered,
    diags: &[Diagnostic],
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let evidence = crate::config::load::<super::EvidenceConfig>(&ctx.paths).diagnostics;
    for d in diags.iter().chain(&evidence) {
        let severity = if d.is_error() { "error" } else { "warning" };
        problems.push(problem(severity, Some(&d.file), d.line, d.message.clone()));
    }
    for m in &gathered.mapping_problems {
        problems.push(problem("error", None, None, m.clone()));
    }
    for s in &gathered.skipped {
        problems.push(problem(
            "error",
            Some(&s.display),
            None,
            format!("skipped: {}", s.reason),
        ));
    }
    if gathered.files.is_empty() {
        problems.push(problem(
            "warning",
            None,
            None,
            format!("no context file in {}", gathered.dirs.join(" or ")),
        ));
    }
    for (file, s) in &gathered.sections {
        if s.items == 0 {
            problems.push(problem(
                "warning",
                Some(file),
                Some(s.line),
                format!("section `{}` ({}) has no items", s.heading, s.name),
            ));
        }
    }
    for t in gathered.tags.iter().filter(|t| t.cut) {
        problems.push(problem(
            "warning",
            Some(&t.source),
            Some(t.line),
            format!(
                "[{}] item cut at {} characters (tags.max_item_chars)",
                t.name,
                settings.max_item()
            ),
        ));
    }
    let block = gathered.block(settings.budget());
    for t in gathered.tags.iter().skip(block.lines.len()) {
        let (value, _) = super::markdown::cut_at_word(&t.value, 60);
        problems.push(problem(
            "warning",
            Some(&t.source),
            Some(t.line),
            format!(
                "[{}] {value} left out by the {}-character budget (tags.budget_chars)",
                t.name,
                group(settings.budget())
            ),
        ));
    }
    problems.sort_by_key(|p| p.severity != "error");
    problems
}

/// `12345` → `12,345`.
fn group(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_tokens() {
        assert_eq!(group(4000), "4,000");
        assert_eq!(group(12), "12");
        assert_eq!(group(1_234_567), "1,234,567");
        assert_eq!(estimate_tokens(4001), 1001);
    }
}
