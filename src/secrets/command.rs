//! `sfp secrets scan [PATH…] [--json]`: the scanner in a terminal. Each PATH is a file or a
//! directory walked recursively (`.git` and the project's `.gitignore`d and `.secretsignore`d
//! paths left out); the default is the current directory. Exit 1 when anything is found, as a
//! failing gate does.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde::Serialize;

use super::{FileScan, excerpt, scan_file};
use crate::ExitStatus;
use crate::app::Ctx;
use crate::gates::{Matcher, ignore_file};

#[derive(Debug, Args)]
pub struct SecretsArgs {
    #[command(subcommand)]
    pub command: SecretsCommand,
}

#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// Scan files and directories for secrets; exit 1 when any is found.
    Scan {
        /// Files or directories to scan (default: the current directory).
        paths: Vec<PathBuf>,
        /// Print the findings as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// One finding, as `--json` prints it.
#[derive(Debug, Serialize)]
struct Row {
    path: String,
    line: usize,
    kind: &'static str,
    verified: bool,
    excerpt: String,
}

#[derive(Debug, Serialize)]
struct Report {
    findings: Vec<Row>,
    files_scanned: usize,
    files_skipped: usize,
}

pub(crate) fn execute(args: &SecretsArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let SecretsCommand::Scan { paths, json } = &args.command;
    let roots = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.clone()
    };
    for root in &roots {
        if std::fs::symlink_metadata(root).is_err() {
            return Err(crate::UserError::err(format!(
                "{}: no such file or directory",
                root.display()
            )));
        }
    }
    let report = scan_paths(&roots);
    if *json {
        ctx.printer.json(&report)?;
    } else {
        for r in &report.findings {
            ctx.printer
                .line(&format!("{}:{}: {}: {}", r.path, r.line, r.kind, r.excerpt));
        }
        ctx.printer.line(&format!(
            "{} possible secret(s) in {} file(s) scanned",
            report.findings.len(),
            report.files_scanned
        ));
    }
    Ok(if report.findings.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

/// The ignore files of the directory a walk starts from.
fn ignores(dir: &Path) -> Vec<Matcher> {
    [".gitignore", ".secretsignore"]
        .iter()
        .filter_map(|f| ignore_file(&dir.join(f)))
        .collect()
}

fn scan_paths(roots: &[PathBuf]) -> Report {
    let mut report = Report {
        findings: Vec::new(),
        files_scanned: 0,
        files_skipped: 0,
    };
    for root in roots {
        let base = if root.is_dir() {
            root.clone()
        } else {
            PathBuf::from(".")
        };
        let ignored = ignores(&base);
        let relative = |path: &Path| {
            let rel = path.strip_prefix(&base).unwrap_or(path);
            rel.to_string_lossy().trim_start_matches("./").to_owned()
        };
        let walk = walkdir::WalkDir::new(root)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                e.depth() == 0
                    || (e.file_name() != ".git"
                        && !ignored.iter().any(|m| m.matches(&relative(e.path()))))
            });
        for entry in walk.filter_map(Result::ok) {
            if !entry.file_type().is_file() {
                continue;
            }
            let path = entry.path();
            match scan_file(path) {
                FileScan::Skipped => report.files_skipped += 1,
                FileScan::Scanned { text, findings, .. } => {
                    report.files_scanned += 1;
                    let shown = path.to_string_lossy().trim_start_matches("./").to_owned();
                    for f in findings {
                        report.findings.push(Row {
                            path: shown.clone(),
                            line: f.line(&text),
                            kind: f.kind,
                            verified: f.verified,
                            excerpt: excerpt(&text, &f),
                        });
                    }
                }
            }
        }
    }
    report
}
