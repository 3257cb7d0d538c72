//! Auto-format after Write/Edit: the formatter configured for the file's extension (`format:`
//! in `sfp.yaml`) runs on that one file, only when it is installed and the file is not under an
//! excluded directory, with a short timeout. It never blocks; when the file changed, Claude is
//! told (PostToolUse `additionalContext`) so that it re-reads the file before editing it again.

use std::path::{Component, Path};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use super::settings::FormatSettings;
use crate::app::Ctx;
use crate::hook::{HookInput, Response};
use crate::process::{self, Spec};

/// Tools after which sfp formats (NotebookEdit is left alone: notebooks are JSON).
const TOOLS: [&str; 3] = ["Write", "Edit", "MultiEdit"];
/// Files larger than this are not formatted.
const MAX_BYTES: u64 = 4 * 1024 * 1024;

pub fn format_edit(ctx: &Ctx, input: &HookInput, out: &mut Response) -> anyhow::Result<()> {
    if !TOOLS.contains(&input.tool_name.as_deref().unwrap_or("")) {
        return Ok(());
    }
    let Some(path) = input.tool_file_path() else {
        return Ok(());
    };
    let (settings, _) = ctx.config.section::<FormatSettings>("format");
    let Some(command) = formatter_for(&settings, ctx.paths.project.as_deref(), &path) else {
        return Ok(());
    };
    let program = command.split_whitespace().next().unwrap_or_default();
    if ctx.env.which(program).is_none() {
        ctx.log.debug(&format!(
            "format: {program} not installed; {} left as is",
            path.display()
        ));
        return Ok(());
    }
    let Some(before) = digest(&path) else {
        return Ok(());
    };
    let line = command_line(&command, &path);
    let cwd = ctx
        .paths
        .project
        .clone()
        .or_else(|| path.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| "/".into());
    let spec = Spec::new(
        &line,
        &cwd,
        Duration::from_millis(settings.timeout_ms.max(1)),
    );
    let outcome = process::run(&spec, &AtomicBool::new(false));
    if !outcome.success() {
        ctx.log.warn(&format!(
            "format: `{line}` ended with {:?}: {}",
            outcome.exit,
            outcome.output.text.lines().last().unwrap_or("")
        ));
        return Ok(());
    }
    if digest(&path).is_some_and(|after| after != before) {
        ctx.log.info(&format!(
            "format: {} reformatted by {program}",
            path.display()
        ));
        out.add_context(format!(
            "sfp auto-format: {} was reformatted by `{program}` after this edit. Its content on \
             disk now differs from what was written; read it again before the next Edit.",
            path.display()
        ));
    }
    Ok(())
}

/// The formatter command for `path`, if one is configured and the path is not excluded.
fn formatter_for(settings: &FormatSettings, project: Option<&Path>, path: &Path) -> Option<String> {
    if !settings.enabled {
        return None;
    }
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    let command = settings.formatters.get(&ext)?.trim();
    if command.is_empty() {
        return None;
    }
    let rel = match project {
        Some(p) => path.strip_prefix(p).ok()?,
        None => path,
    };
    let excluded = rel.components().any(|c| match c {
        Component::Normal(name) => settings
            .exclude_dirs
            .iter()
            .any(|d| name.to_str() == Some(d.as_str())),
        _ => false,
    });
    (!excluded).then(|| command.to_owned())
}

/// `{file}` replaced by the quoted path, or the quoted path appended.
fn command_line(command: &str, path: &Path) -> String {
    let quoted = shell_quote(&path.to_string_lossy());
    if command.contains("{file}") {
        command.replace("{file}", &quoted)
    } else {
        format!("{command} {quoted}")
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn digest(path: &Path) -> Option<[u8; 32]> {
    use sha2::{Digest, Sha256};
    let bytes = crate::util::fs::read_bounded(path, MAX_BYTES).ok()??;
    Some(Sha256::digest(&bytes).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> FormatSettings {
        FormatSettings {
            exclude_dirs: vec!["node_modules".into(), "vendor".into()],
            formatters: [("py".to_owned(), "ruff format {file}".to_owned())].into(),
            ..FormatSettings::default()
        }
    }

    #[test]
    fn picks_by_extension_and_skips_excluded_dirs() {
        let s = settings();
        let p = Path::new("/p");
        assert_eq!(
            formatter_for(&s, Some(p), Path::new("/p/src/a.PY")).as_deref(),
            Some("ruff format {file}")
        );
        assert!(formatter_for(&s, Some(p), Path::new("/p/vendor/a.py")).is_none());
        assert!(formatter_for(&s, Some(p), Path::new("/p/a.rs")).is_none());
        assert!(formatter_for(&s, Some(p), Path::new("/elsewhere/a.py")).is_none());
    }

    #[test]
    fn paths_are_quoted_into_the_command() {
        assert_eq!(
            command_line("ruff format {file}", Path::new("/p/it's.py")),
            r"ruff format '/p/it'\''s.py'"
        );
        assert_eq!(
            command_line("gofmt -w", Path::new("/p/a.go")),
            "gofmt -w '/p/a.go'"
        );
    }
}
