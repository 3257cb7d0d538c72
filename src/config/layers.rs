//! The layers a config file is read from, lowest priority first:
//!
//! 1. the default embedded in the binary;
//! 2. `config/<name>` in the plugin directory;
//!    (for `sfp.yaml` only: the plugin options, see [`super::options`]);
//! 3. `$SFP_HOME/<name>` (the user's);
//! 4. `<project>/.claude/sfp/<name>` (the project's, committed);
//! 5. `<project>/.claude/sfp/<stem>.local.yaml` (the project's, not committed).

use std::path::PathBuf;

use serde::Serialize;

use super::embedded::embedded;
use crate::paths::Paths;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LayerKind {
    Embedded,
    Plugin,
    /// The plugin options (`claude plugin configure sfp`), for `sfp.yaml` only.
    Options,
    User,
    Project,
    Local,
}

/// One file's text, and where it came from.
#[derive(Debug, Clone)]
pub struct Layer {
    pub kind: LayerKind,
    pub path: Option<PathBuf>,
    /// How to name the file in messages.
    pub display: String,
    pub text: String,
}

/// Largest config file sfp reads (a bigger one is reported, not parsed).
const MAX_CONFIG_BYTES: u64 = 4 * 1024 * 1024;

/// Reads every existing layer of `name` (e.g. `gates.yaml`). Unreadable files come back as a layer
/// whose text is empty and an error in `problems`.
pub fn layers(paths: &Paths, name: &str) -> (Vec<Layer>, Vec<super::Diagnostic>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    if let Some(text) = embedded(name) {
        out.push(Layer {
            kind: LayerKind::Embedded,
            path: None,
            display: format!("<embedded>/{name}"),
            text: text.to_owned(),
        });
    }
    let stem = name.strip_suffix(".yaml").unwrap_or(name);
    let mut candidates: Vec<(LayerKind, PathBuf)> = Vec::new();
    if let Some(dir) = paths.plugin_config_dir() {
        candidates.push((LayerKind::Plugin, dir.join(name)));
    }
    candidates.push((LayerKind::User, paths.sfp_home.join(name)));
    if let Some(dir) = paths.project_config_dir() {
        candidates.push((LayerKind::Project, dir.join(name)));
        candidates.push((LayerKind::Local, dir.join(format!("{stem}.local.yaml"))));
    }
    for (kind, path) in candidates {
        if !path.exists() {
            continue;
        }
        let display = path.display().to_string();
        match crate::util::fs::read_bounded(&path, MAX_CONFIG_BYTES) {
            Ok(Some(bytes)) => match String::from_utf8(bytes) {
                Ok(text) => {
                    // The plugin's copy of a default adds nothing when it is the default itself.
                    if kind == LayerKind::Plugin && embedded(name) == Some(text.as_str()) {
                        continue;
                    }
                    out.push(Layer {
                        kind,
                        path: Some(path),
                        display,
                        text,
                    });
                }
                Err(_) => problems.push(super::Diagnostic::error(&display, "not valid UTF-8")),
            },
            Ok(None) => problems.push(super::Diagnostic::error(
                &display,
                format!(
                    "larger than {} MiB; not read",
                    MAX_CONFIG_BYTES / 1024 / 1024
                ),
            )),
            Err(e) => problems.push(super::Diagnostic::error(
                &display,
                format!("cannot read: {e}"),
            )),
        }
    }
    (out, problems)
}
