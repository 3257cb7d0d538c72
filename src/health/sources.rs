//! Where the settings people change most come from: each one's effective value and the layer that
//! set it (the default, the plugin's `config/`, a plugin option, the user's or the project's
//! `sfp.yaml`), shown by `sfp health`.

use std::fmt::Write as _;

use serde::Serialize;

use crate::app::Ctx;
use crate::backup::BackupSettings;
use crate::config::{LayerKind, Section, Trust, options};

/// The settings the plugin options cover, as `(section, key)` of `sfp.yaml`, and the layers
/// their section is read from.
const KEYS: [(&str, &str, Trust); 4] = [
    ("gates", "enabled", Trust::Any),
    ("gates", "max_blocks", Trust::Any),
    ("tags", "budget_chars", Trust::Any),
    ("backup", "on_session_end", BackupSettings::TRUST),
];

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Setting {
    /// `section.key` in `sfp.yaml`.
    pub key: String,
    pub value: String,
    /// `default`, `plugin option \`name\``, a file, or an environment variable.
    pub source: String,
}

/// Each covered setting with its value and where that value came from.
pub(crate) fn list(ctx: &Ctx) -> Vec<Setting> {
    KEYS.iter()
        .map(|&(section, key, trust)| {
            let (value, source) = match ctx.config.source_of(section, key, trust) {
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
pub(crate) fn table(sources: &[Setting]) -> String {
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
