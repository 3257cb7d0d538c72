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
use crate::util::read::Foreign;

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

/// Reads every existing layer of `name` (e.g. `gates.yaml`). Unreadable files come back as a layer
/// whose text is empty and an error in `problems`.
pub(crate) fn layers(paths: &Paths, name: &str) -> (Vec<Layer>, Vec<super::Diagnostic>) {
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
        // In the home directory the project's file is the user's own: it is read once, as hers.
        if dir != paths.sfp_home {
            candidates.push((LayerKind::Project, dir.join(name)));
        }
        candidates.push((LayerKind::Local, dir.join(format!("{stem}.local.yaml"))));
    }
    for (kind, path) in candidates {
        let display = path.display().to_string();
        match crate::util::read::read(&path, crate::util::read::Kind::CONFIG) {
            Foreign::Missing => {}
            Foreign::Read(bytes) => match String::from_utf8(bytes) {
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
            // A layer that cannot be read is left out, and said so: the rest still applies.
            Foreign::Skipped(skip) => {
                problems.push(super::Diagnostic::error(&display, skip.reason()));
            }
        }
    }
    (out, problems)
}
