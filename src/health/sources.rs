//! Where the settings people change most come from: each one's effective value and the layer that
//! set it (the default, the plugin's `config/`, a plugin option, the user's or the project's
//! `sfp.yaml`), shown by `sfp health`.

use std::fmt::Write as _;

use serde::Serialize;

use crate::app::Ctx;
use crate::config::{LayerKind, options};

/// The settings the plugin options cover, as `(section, key)` of `sfp.yaml`.
const KEYS: [(&str, &str); 4] = [
    ("gates", "enabled"),
    ("gates", "max_blocks"),
    ("tags", "budget_chars"),
    ("backup", "on_session_end"),
];

#[derive(Debug, Clone, Serialize)]
pub struct Setting {
    /// `section.key` in `sfp.yaml`.
    pub key: String,
    pub value: String,
    /// `default`, `plugin option \`name\``, a file, or an environment variable.
    pub source: String,
}

/// Each covered setting with its value and where that value came from.
pub fn list(ctx: &Ctx) -> Vec<Setting> {
    KEYS.iter()
        .map(|&(section, key)| {
            // A project may not change what is kept of the user's home (see `backup`).
            let include = |kind: LayerKind| {
                section != "backup" || !matches!(kind, LayerKind::Project | LayerKind::Local)
            };
            let (value, source) = match ctx.config.source_of(section, key, include) {
                Some((value, layer)) => {
                    let value = serde_yaml::to_string(&value)
                        .map(|v| v.trim().to_owned())
                        .unwrap_or_default();
                    let source = match layer.kind {
                        LayerKind::Embedded => "default".to_owned(),
                        LayerKind::Options => options::option_for(section, key).map_or_else(
                            || "plugin options".to_owned(),
                            |o| format!("plugin option `{o}`"),
                        ),
                        _ => layer.path.as_deref().map_or_else(
                            || layer.display.clone(),
                            |p| super::checks::tilde(ctx, p),
                        ),
                    };
                    (value, source)
                }
                None => (String::new(), "default".to_owned()),
            };
            if (section, key) == ("gates", "enabled") && ctx.env.gates_off {
                return Setting {
                    key: format!("{section}.{key}"),
                    value: "false".to_owned(),
                    source: "SFP_GATES=off".to_owned(),
                };
            }
            Setting {
                key: format!("{section}.{key}"),
                value,
                source,
            }
        })
        .collect()
}

/// The lines `sfp health` prints under its table.
pub fn table(sources: &[Setting]) -> String {
    let key_w = sources.iter().map(|s| s.key.len()).max().unwrap_or(0);
    let val_w = sources.iter().map(|s| s.value.len()).max().unwrap_or(0);
    let mut out =
        String::from("\nsettings (set with `claude plugin configure sfp` or in sfp.yaml):\n");
    for s in sources {
        let _ = writeln!(
            out,
            "  {:<key_w$}  {:<val_w$}  from {}",
            s.key, s.value, s.source
        );
    }
    out
}
