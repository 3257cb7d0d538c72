//! The plugin options: the `userConfig` of `plugin.json`, set with `claude plugin configure sfp`
//! (or `/plugin configure` in a session), as one layer of `sfp.yaml` above the plugin's `config/`
//! and below the user's own file.
//!
//! Claude Code exports each option to hook processes as `CLAUDE_PLUGIN_OPTION_<KEY>` (read in
//! [`crate::env`]). A process that is not a hook (`sfp health` in a terminal, or run by Claude
//! through the Bash tool) has none of them, so it reads the same values where Claude Code keeps
//! them: `pluginConfigs["sfp@<marketplace>"].options` in the user's `settings.json`.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use super::{ConfigError, Diagnostic, Layer, LayerKind};
use crate::env::{Env, PLUGIN_OPTIONS};

/// How the options layer is named in messages.
pub(crate) const DISPLAY: &str = "plugin options (claude plugin configure sfp)";

/// An option, the `sfp.yaml` key it sets, and how its text becomes that key's value.
struct Spec {
    option: &'static str,
    section: &'static str,
    key: &'static str,
    parse: fn(&str) -> Result<String, ConfigError>,
}

const SPECS: [Spec; 4] = [
    Spec {
        option: "gates",
        section: "gates",
        key: "enabled",
        parse: boolean,
    },
    Spec {
        option: "max_blocks",
        section: "gates",
        key: "max_blocks",
        parse: whole_number,
    },
    Spec {
        option: "tags_budget",
        section: "tags",
        key: "budget_chars",
        parse: whole_number,
    },
    Spec {
        option: "session_end_backup",
        section: "backup",
        key: "on_session_end",
        parse: session_end_backup,
    },
];

fn boolean(v: &str) -> Result<String, ConfigError> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "on" | "yes" | "1" => Ok("true".to_owned()),
        "false" | "off" | "no" | "0" => Ok("false".to_owned()),
        _ => Err(ConfigError::BadOption("is not true or false")),
    }
}

fn whole_number(v: &str) -> Result<String, ConfigError> {
    // Claude Code stores a `number` option as a JSON number: 4000 may come back as "4000.0".
    let n: f64 = v
        .parse()
        .map_err(|_| ConfigError::BadOption("is not a number"))?;
    if n.fract() != 0.0 || !(0.0..=1e9).contains(&n) {
        return Err(ConfigError::BadOption("is not a whole number from 0"));
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Ok((n as u64).to_string())
}

fn session_end_backup(v: &str) -> Result<String, ConfigError> {
    match v.to_ascii_lowercase().as_str() {
        "config" => Ok("true".to_owned()),
        "off" | "none" => Ok("false".to_owned()),
        _ => Err(ConfigError::BadOption("is not `config` or `off`")),
    }
}

/// Where the `sfp.yaml` key `section.key` is set by an option: the option's name.
pub(crate) fn option_for(section: &str, key: &str) -> Option<&'static str> {
    SPECS
        .iter()
        .find(|s| s.section == section && s.key == key)
        .map(|s| s.option)
}

/// The options that are set, from the environment of a hook, else from `settings.json`.
pub(crate) fn values(env: &Env, claude_dir: &Path) -> Vec<(&'static str, String)> {
    if !env.plugin_options.is_empty() {
        return env.plugin_options.clone();
    }
    from_settings(&claude_dir.join("settings.json"))
}

/// `pluginConfigs["sfp@…"].options` of one settings file (the first `sfp@` entry in key order).
fn from_settings(path: &Path) -> Vec<(&'static str, String)> {
    // A hostile settings.json (a FIFO, a link to /dev/zero) is not read.
    let Some(bytes) = crate::util::read::bytes(path, crate::util::read::Kind::CLAUDE_STATE) else {
        return Vec::new();
    };
    let Ok(settings) = serde_json::from_slice::<Value>(&bytes) else {
        return Vec::new();
    };
    let Some(configs) = settings.get("pluginConfigs").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut ids: Vec<&String> = configs.keys().filter(|k| k.starts_with("sfp@")).collect();
    ids.sort();
    let Some(options) = ids
        .first()
        .and_then(|id| configs[id.as_str()].get("options"))
        .and_then(Value::as_object)
    else {
        return Vec::new();
    };
    PLUGIN_OPTIONS
        .into_iter()
        .filter_map(|key| {
            let text = match options.get(key)? {
                Value::String(s) => s.trim().to_owned(),
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => n.to_string(),
                _ => return None,
            };
            (!text.is_empty()).then_some((key, text))
        })
        .collect()
}

/// The options as an `sfp.yaml` layer, and a warning for each value that is not valid (that
/// option is left out). `None` when no option is set.
pub(crate) fn layer(values: &[(&'static str, String)]) -> (Option<Layer>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut sections: Vec<(&str, Vec<String>)> = Vec::new();
    for spec in &SPECS {
        let Some((_, raw)) = values.iter().find(|(k, _)| *k == spec.option) else {
            continue;
        };
        match (spec.parse)(raw) {
            Ok(value) => {
                let line = format!("  {}: {value}", spec.key);
                match sections.iter_mut().find(|(s, _)| *s == spec.section) {
                    Some((_, lines)) => lines.push(line),
                    None => sections.push((spec.section, vec![line])),
                }
            }
            Err(why) => diags.push(Diagnostic::warning(
                DISPLAY,
                format!("option `{}`: `{raw}` {why} (ignored)", spec.option),
            )),
        }
    }
    if sections.is_empty() {
        return (None, diags);
    }
    let mut text = String::new();
    for (section, lines) in sections {
        let _ = writeln!(text, "{section}:");
        for line in lines {
            let _ = writeln!(text, "{line}");
        }
    }
    let layer = Layer {
        kind: LayerKind::Options,
        path: None,
        display: DISPLAY.to_owned(),
        text,
    };
    (Some(layer), diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
        pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
    }

    #[test]
    fn options_become_one_yaml_layer() {
        let (layer, diags) = layer(&opts(&[
            ("gates", "false"),
            ("max_blocks", "5"),
            ("tags_budget", "1200.0"),
            ("session_end_backup", "off"),
        ]));
        assert!(diags.is_empty(), "{diags:?}");
        let layer = layer.unwrap();
        assert_eq!(layer.kind, LayerKind::Options);
        assert_eq!(
            layer.text,
            "gates:\n  enabled: false\n  max_blocks: 5\ntags:\n  budget_chars: 1200\n\
             backup:\n  on_session_end: false\n"
        );
    }

    #[test]
    fn invalid_values_are_warned_about_and_left_out() {
        let (layer, diags) = layer(&opts(&[("max_blocks", "many"), ("tags_budget", "-3")]));
        assert!(layer.is_none());
        assert_eq!(diags.len(), 2);
        assert!(
            diags[0]
                .message
                .contains("option `max_blocks`: `many` is not a number")
        );
        assert!(!diags[0].is_error());
        assert_eq!(layer_of(&[]), None);
    }

    fn layer_of(values: &[(&'static str, String)]) -> Option<String> {
        layer(values).0.map(|l| l.text)
    }

    #[test]
    fn settings_json_is_read_when_the_environment_has_none() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("settings.json"),
            r#"{"pluginConfigs": {"other@x": {"options": {"gates": false}},
                "sfp@sfp-local": {"options": {"tags_budget": 120, "gates": false, "extra": 1}}}}"#,
        )
        .unwrap();
        let env = Env::default();
        assert_eq!(
            values(&env, dir.path()),
            opts(&[("gates", "false"), ("tags_budget", "120")])
        );
        // A hook's environment wins: it is what Claude Code resolved (managed settings included).
        let env = Env {
            plugin_options: opts(&[("tags_budget", "300")]),
            ..Env::default()
        };
        assert_eq!(values(&env, dir.path()), opts(&[("tags_budget", "300")]));
        assert!(values(&Env::default(), &dir.path().join("none")).is_empty());
    }
}
