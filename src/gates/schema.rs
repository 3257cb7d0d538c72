//! The shape of `gates.yaml` as written, before layering: every field optional so that a
//! project's layer can override one field of an inherited gate.
//!
//! ```yaml
//! tiers:
//!   fast:
//!     description: On every Stop
//!     gates:
//!       - name: ruff
//!         command: ruff check ${SFP_FILES:-.}
//!         file_patterns: ["*.py"]
//!         timeout: 30s          # 500ms, 10s, 2m: a number needs its unit
//!         when: {command: ruff}
//! gates: []                     # the legacy flat list: gates of the `fast` tier
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};

/// One `gates.yaml` layer.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct GatesFile {
    pub tiers: BTreeMap<String, TierSpec>,
    /// The original's flat list; its gates belong to the `fast` tier.
    pub gates: Vec<GateSpec>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub(crate) struct TierSpec {
    pub description: Option<String>,
    /// A failing critical gate cancels the gates still running or waiting.
    pub fail_fast: Option<bool>,
    pub gates: Vec<GateSpec>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub(crate) struct GateSpec {
    pub name: String,
    pub description: Option<String>,
    pub command: Option<String>,
    /// A check built into sfp instead of a command: `secrets`.
    pub builtin: Option<String>,
    pub required: Option<bool>,
    pub critical: Option<bool>,
    pub timeout: Option<Timeout>,
    pub file_patterns: Option<Strings>,
    pub exclude: Option<Strings>,
    pub when: Option<WhenSpec>,
    pub fix: Option<String>,
    pub env: Option<BTreeMap<String, String>>,
    #[serde(alias = "cwd")]
    pub root: Option<String>,
    pub disabled: Option<bool>,
    /// `lines` (default), `files` or `off`: how failures are attributed to the session.
    pub attribution: Option<String>,
    /// `false` for a gate that reads more than its files (network, databases, ignored files).
    pub cache: Option<bool>,
}

impl GateSpec {
    /// Lays `over` on top of `self`, field by field.
    pub(crate) fn merge(&mut self, over: GateSpec) {
        macro_rules! take {
            ($($field:ident),*) => { $( if over.$field.is_some() { self.$field = over.$field; } )* };
        }
        take!(
            description,
            required,
            critical,
            timeout,
            file_patterns,
            exclude,
            when,
            fix,
            env,
            root,
            disabled,
            attribution,
            cache
        );
        // A gate is either a command or a builtin: setting one replaces the other.
        if over.command.is_some() || over.builtin.is_some() {
            self.command = over.command;
            self.builtin = over.builtin;
        }
    }
}

/// Conditions for a gate to apply; unmet ones skip it with the reason.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub(crate) struct WhenSpec {
    /// At least one of these paths (relative to the project) exists.
    pub exists: Strings,
    /// Every one of these programs is on PATH.
    pub command: Strings,
}

/// A string or a list of strings.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Strings(pub Vec<String>);

impl<'de> Deserialize<'de> for Strings {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Strings;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Strings, E> {
                Ok(Strings(vec![v.to_owned()]))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Strings, E> {
                Ok(Strings::default())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Strings, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    out.push(s);
                }
                Ok(Strings(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// A gate's time limit: a duration with a unit (`500ms`, `10s`, `2m`, see
/// `config::duration::parse_duration`), longer than 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Timeout(pub Duration);

impl<'de> Deserialize<'de> for Timeout {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let t = crate::config::duration(d)?;
        if t.is_zero() {
            return Err(de::Error::custom("a timeout must be longer than 0"));
        }
        Ok(Timeout(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_take_a_unit_and_are_longer_than_zero() {
        let t: Timeout = serde_yaml::from_str("\"2m\"").unwrap();
        assert_eq!(t.0, Duration::from_secs(120));
        let t: Timeout = serde_yaml::from_str("500ms").unwrap();
        assert_eq!(t.0, Duration::from_millis(500));
        let e = serde_yaml::from_str::<Timeout>("30000")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("`30000` has no unit: write 30000ms or 30s"),
            "{e}"
        );
        assert!(serde_yaml::from_str::<Timeout>("0s").is_err());
        assert!(serde_yaml::from_str::<Timeout>("0").is_err());
        assert!(serde_yaml::from_str::<Timeout>("-5").is_err());
        assert!(serde_yaml::from_str::<Timeout>("10 parsecs").is_err());
    }

    #[test]
    fn strings_accept_one_or_many() {
        let s: Strings = serde_yaml::from_str("'*.py'").unwrap();
        assert_eq!(s.0, vec!["*.py"]);
        let s: Strings = serde_yaml::from_str("[a, b]").unwrap();
        assert_eq!(s.0, vec!["a", "b"]);
    }

    #[test]
    fn merge_overrides_field_by_field() {
        let mut base: GateSpec = serde_yaml::from_str(
            "{name: lint, command: ruff check, critical: true, fix: run ruff}",
        )
        .unwrap();
        let over: GateSpec = serde_yaml::from_str("{name: lint, critical: false}").unwrap();
        base.merge(over);
        assert_eq!(base.command.as_deref(), Some("ruff check"));
        assert_eq!(base.critical, Some(false));
        assert_eq!(base.fix.as_deref(), Some("run ruff"));
        let over: GateSpec = serde_yaml::from_str("{name: lint, builtin: secrets}").unwrap();
        base.merge(over);
        assert_eq!(
            (base.command, base.builtin.as_deref()),
            (None, Some("secrets"))
        );
    }
}
