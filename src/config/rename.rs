//! Keys sfp has renamed, read under their old name for as long as configs carry them.
//!
//! This is the one table of old spellings. A key named for a unit (`timeout_ms`,
//! `max_age_days`) became a unit-free key taking a duration (see [`super::duration::parse_duration`]): the
//! loader moves the old key's value to the new key, converted from the old unit, and warns with
//! the new spelling at the old key's line.

use serde_yaml::Value;

use super::duration::format_duration;
use super::{Diagnostic, Layer};

/// The unit an old key's number was in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Millis,
    Days,
}

/// One renamed key: in `file`, under the mapping at `at`, `old` is now `new`.
struct Rename {
    file: &'static str,
    at: &'static [&'static str],
    old: &'static str,
    new: &'static str,
    unit: Unit,
}

const RENAMES: &[Rename] = &[
    Rename {
        file: "sfp.yaml",
        at: &["health"],
        old: "command_timeout_ms",
        new: "command_timeout",
        unit: Unit::Millis,
    },
    Rename {
        file: "sfp.yaml",
        at: &["format"],
        old: "timeout_ms",
        new: "timeout",
        unit: Unit::Millis,
    },
    Rename {
        file: "sfp.yaml",
        at: &["handoff"],
        old: "git_timeout_ms",
        new: "git_timeout",
        unit: Unit::Millis,
    },
    Rename {
        file: "sfp.yaml",
        at: &["backup"],
        old: "lock_wait_ms",
        new: "lock_wait",
        unit: Unit::Millis,
    },
    Rename {
        file: "sfp.yaml",
        at: &["backup"],
        old: "max_age_days",
        new: "max_age",
        unit: Unit::Days,
    },
];

/// A warning about one renamed key, with the top-level key it is under (the `sfp.yaml` section).
#[derive(Debug, Clone)]
pub struct Renamed {
    pub section: &'static str,
    pub diagnostic: Diagnostic,
}

/// Moves every old key of `file` in `value` (one layer's parse) to its new name.
pub(crate) fn apply(file: &str, layer: &Layer, value: &mut Value) -> Vec<Renamed> {
    let mut out = Vec::new();
    for r in RENAMES.iter().filter(|r| r.file == file) {
        let Some(Value::Mapping(map)) = r.at.iter().try_fold(&mut *value, |v, k| v.get_mut(*k))
        else {
            continue;
        };
        let Some(old) = map.remove(r.old) else {
            continue;
        };
        let path = format!("{}.{}", r.at.join("."), r.old);
        let converted = convert(&old, r.unit);
        let message = if map.contains_key(r.new) {
            format!(
                "`{path}` is an old name, and `{new}` is set too: `{old}` is ignored (remove it)",
                new = r.new,
                old = r.old
            )
        } else {
            let shown = match &converted {
                Value::String(s) => s.clone(),
                other => serde_yaml::to_string(other)
                    .map(|s| s.trim().to_owned())
                    .unwrap_or_default(),
            };
            let message = format!(
                "`{path}` is an old name: write `{}: {shown}` (the old name is still read)",
                r.new
            );
            map.insert(Value::from(r.new), converted);
            message
        };
        let mut d = Diagnostic::warning(&layer.display, message);
        if let Some((line, column)) = super::locate_key(&layer.text, r.old) {
            d.line = Some(line);
            d.column = Some(column);
        }
        out.push(Renamed {
            section: r.at.first().copied().unwrap_or(""),
            diagnostic: d,
        });
    }
    out
}

/// The old value in the new syntax: a whole number in the old unit becomes a duration; anything
/// else is passed on as written (and the duration parser says what is wrong with it).
fn convert(old: &Value, unit: Unit) -> Value {
    let Some(n) = old.as_u64() else {
        return old.clone();
    };
    let d = match unit {
        Unit::Millis => std::time::Duration::from_millis(n),
        Unit::Days => std::time::Duration::from_secs(n.saturating_mul(86_400)),
    };
    Value::String(format_duration(d))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::LayerKind;

    fn layer(text: &str) -> Layer {
        Layer {
            kind: LayerKind::User,
            path: None,
            display: "u.yaml".into(),
            text: text.into(),
        }
    }

    #[test]
    fn old_keys_move_to_their_new_names_in_the_new_unit() {
        let l = layer(
            "health:\n  command_timeout_ms: 5000\nbackup:\n  keep: 2\n  max_age_days: 14\n  lock_wait_ms: 250\n",
        );
        let mut v: Value = serde_yaml::from_str(&l.text).unwrap();
        let renamed = apply("sfp.yaml", &l, &mut v);
        assert_eq!(v["health"]["command_timeout"], Value::from("5s"));
        assert_eq!(v["backup"]["max_age"], Value::from("14d"));
        assert_eq!(v["backup"]["lock_wait"], Value::from("250ms"));
        assert!(v["backup"].get("lock_wait_ms").is_none());
        let texts: Vec<String> = renamed.iter().map(|r| r.diagnostic.to_string()).collect();
        assert_eq!(
            texts,
            [
                "u.yaml:2:3: warning: `health.command_timeout_ms` is an old name: write \
                 `command_timeout: 5s` (the old name is still read)",
                "u.yaml:6:3: warning: `backup.lock_wait_ms` is an old name: write \
                 `lock_wait: 250ms` (the old name is still read)",
                "u.yaml:5:3: warning: `backup.max_age_days` is an old name: write \
                 `max_age: 14d` (the old name is still read)",
            ]
        );
        assert_eq!(renamed[0].section, "health");
        assert!(!renamed[0].diagnostic.is_error());
    }

    #[test]
    fn the_new_name_wins_over_the_old_one() {
        let l = layer("format:\n  timeout: 2s\n  timeout_ms: 9000\n");
        let mut v: Value = serde_yaml::from_str(&l.text).unwrap();
        let renamed = apply("sfp.yaml", &l, &mut v);
        assert_eq!(v["format"]["timeout"], Value::from("2s"));
        assert!(renamed[0].diagnostic.message.contains("is ignored"));
        // Other files have no old names; a value that is not a number is passed on as written.
        let mut v: Value = serde_yaml::from_str("format:\n  timeout_ms: 9000\n").unwrap();
        assert!(apply("gates.yaml", &l, &mut v).is_empty());
        let l = layer("handoff:\n  git_timeout_ms: soon\n");
        let mut v: Value = serde_yaml::from_str(&l.text).unwrap();
        apply("sfp.yaml", &l, &mut v);
        assert_eq!(v["handoff"]["git_timeout"], Value::from("soon"));
    }
}
