//! Auto-format after Write/Edit: the formatter configured for the file's extension (`format:`
//! in `sfp.yaml`) runs on that one file, only when it is installed and the file is not under an
//! excluded directory, with a short timeout. It never blocks. When the file changed after Write or
//! Edit, the CLI itself tells Claude ("PostToolUse hook modified … likely a formatter"), so sfp
//! adds nothing; after MultiEdit, which the CLI does not check, Claude is told
//! (PostToolUse `additionalContext`) so that it re-reads the file before editing it again.

use std::path::{Component, Path};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use super::settings::FormatSettings;
use crate::app::Ctx;
use crate::hook::{HookInput, Response};
use crate::process::{self, Spec};

/// Tools after which sfp formats (NotebookEdit is left alone: notebooks are JSON).
const TOOLS: [&str; 3] = ["Write", "Edit", "MultiEdit"];
/// Tools after which the CLI reports a file a hook modified, so that sfp need not.
const CLI_REPORTS: [&str; 2] = ["Write", "Edit"];
/// Files larger than this are not formatted.
const MAX_BYTES: u64 = 4 * 1024 * 1024;
/// Placeholder in a formatter command for the Rust edition of the file's crate.
const RUST_EDITION: &str = "{rust_edition}";
/// Directories looked through, from the file up, for its `Cargo.toml`.
const MAX_MANIFEST_DEPTH: usize = 64;

#[allow(
    clippy::unnecessary_wraps,
    reason = "a hook handler: its signature is the dispatch table's"
)]
pub(crate) fn format_edit(ctx: &Ctx, input: &HookInput, out: &mut Response) -> anyhow::Result<()> {
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
    let timeout = ctx
        .deadline
        .cap(settings.timeout.max(Duration::from_millis(1)));
    if timeout.is_zero() {
        ctx.log.warn(&format!(
            "format: `{line}` not run: the hook's deadline has passed"
        ));
        return Ok(());
    }
    let spec = Spec::new(&line, &cwd, timeout);
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
        if CLI_REPORTS.contains(&input.tool_name.as_deref().unwrap_or("")) {
            return Ok(());
        }
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

/// `{file}` replaced by the quoted path, or the quoted path appended; `{rust_edition}` replaced
/// by the edition of the crate the file belongs to.
fn command_line(command: &str, path: &Path) -> String {
    let quoted = shell_quote(&path.to_string_lossy());
    let command = if command.contains(RUST_EDITION) {
        command.replace(RUST_EDITION, &rust_edition(path))
    } else {
        command.to_owned()
    };
    if command.contains("{file}") {
        command.replace("{file}", &quoted)
    } else {
        format!("{command} {quoted}")
    }
}

/// What `edition` says in a `Cargo.toml`.
#[derive(Debug, PartialEq, Eq)]
enum EditionLine {
    Set(String),
    /// `edition.workspace = true`: the workspace's `[workspace.package]` has it.
    Inherited,
    Absent,
}

/// The edition `cargo fmt` would pass to rustfmt for `file`: the one of the nearest `Cargo.toml`
/// above it (following `edition.workspace = true` up to the workspace's), 2015 for a manifest
/// that names none (Cargo's default), 2021 for a file outside any crate. Run on a file directly,
/// rustfmt would otherwise parse it as 2015 and fight `cargo fmt --check`, or fail outright on
/// newer syntax such as let-chains.
fn rust_edition(file: &Path) -> String {
    let mut inherited = false;
    for dir in file.ancestors().skip(1).take(MAX_MANIFEST_DEPTH) {
        let kind = crate::util::read::Kind::MANIFEST.capped(MAX_BYTES);
        let Some(bytes) = crate::util::read::bytes(&dir.join("Cargo.toml"), kind) else {
            continue;
        };
        match edition_line(&String::from_utf8_lossy(&bytes)) {
            EditionLine::Set(edition) => return edition,
            EditionLine::Inherited => inherited = true,
            EditionLine::Absent if !inherited => return "2015".to_owned(),
            EditionLine::Absent => {}
        }
    }
    "2021".to_owned()
}

/// The first `edition` key of a manifest, by a line scan (`edition = "2024"`, also under
/// `[workspace.package]`).
fn edition_line(manifest: &str) -> EditionLine {
    for line in manifest.lines() {
        let Some(rest) = line.trim().strip_prefix("edition") else {
            continue;
        };
        let rest = rest.trim_start();
        if rest.starts_with(".workspace") || (rest.starts_with('=') && rest.contains("workspace")) {
            return EditionLine::Inherited;
        }
        let Some(value) = rest.strip_prefix('=') else {
            continue;
        };
        let value = value.split('#').next().unwrap_or("").trim();
        let value = value.trim_matches(|c| c == '"' || c == '\'');
        if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
            return EditionLine::Set(value.to_owned());
        }
    }
    EditionLine::Absent
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn digest(path: &Path) -> Option<[u8; 32]> {
    use sha2::{Digest, Sha256};
    let bytes = crate::util::read::bytes(path, crate::util::read::Kind::SOURCE.capped(MAX_BYTES))?;
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
    fn the_rust_edition_is_the_one_cargo_fmt_uses() {
        assert_eq!(
            edition_line("[package]\nname = \"a\"\nedition = \"2024\" # new\n"),
            EditionLine::Set("2024".into())
        );
        assert_eq!(
            edition_line("edition='2018'"),
            EditionLine::Set("2018".into())
        );
        assert_eq!(
            edition_line("edition.workspace = true\n"),
            EditionLine::Inherited
        );
        assert_eq!(
            edition_line("edition = { workspace = true }\n"),
            EditionLine::Inherited
        );
        assert_eq!(
            edition_line("editions = 1\n[package]\n"),
            EditionLine::Absent
        );

        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path().join("ws");
        let member = ws.join("crates/m");
        let plain = dir.path().join("plain");
        std::fs::create_dir_all(member.join("src")).unwrap();
        std::fs::create_dir_all(plain.join("src")).unwrap();
        std::fs::write(
            ws.join("Cargo.toml"),
            "[workspace]\nmembers = [\"crates/m\"]\n[workspace.package]\nedition = \"2024\"\n",
        )
        .unwrap();
        std::fs::write(
            member.join("Cargo.toml"),
            "[package]\nname = \"m\"\nedition.workspace = true\n",
        )
        .unwrap();
        std::fs::write(plain.join("Cargo.toml"), "[package]\nname = \"p\"\n").unwrap();
        assert_eq!(rust_edition(&member.join("src/lib.rs")), "2024");
        assert_eq!(rust_edition(&plain.join("src/lib.rs")), "2015");
        assert_eq!(rust_edition(&dir.path().join("loose.rs")), "2021");
        assert_eq!(
            command_line(
                "rustfmt --edition {rust_edition} {file}",
                &member.join("src/lib.rs")
            ),
            format!(
                "rustfmt --edition 2024 '{}'",
                member.join("src/lib.rs").display()
            )
        );
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
