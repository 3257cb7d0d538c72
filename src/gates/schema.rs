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
//!         timeout: 30s          # an integer is milliseconds
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
pub struct GatesFile {
    pub tiers: BTreeMap<String, TierSpec>,
    /// The original's flat list; its gates belong to the `fast` tier.
    pub gates: Vec<GateSpec>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct TierSpec {
    pub description: Option<String>,
    /// A failing critical gate cancels the gates still running or waiting.
    pub fail_fast: Option<bool>,
    pub gates: Vec<GateSpec>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct GateSpec {
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
    pub fn merge(&mut self, over: GateSpec) {
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
pub struct WhenSpec {
    /// At least one of these paths (relative to the project) exists.
    pub exists: Strings,
    /// Every one of these programs is on PATH.
    pub command: Strings,
}

/// A string or a list of strings.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Strings(pub Vec<String>);

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

/// A gate's time limit: an integer is milliseconds (the original's unit); a string takes a unit,
/// `500ms`, `10s`, `2m`, `1h`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeout(pub Duration);

/// Parses `500ms`, `10s`, `2m`, `1h`, or bare digits as milliseconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (use 500ms, 10s, 2m or 1h)"))?;
    let ms = match unit.trim() {
        "" | "ms" => Some(n),
        "s" => n.checked_mul(1_000),
        "m" | "min" => n.checked_mul(60_000),
        "h" => n.checked_mul(3_600_000),
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{text}` (use ms, s, m or h)"
            ));
        }
    };
    let ms = ms.ok_or_else(|| format!("`{text}` is too long"))?;
    if ms == 0 {
        return Err("a timeout must be longer than 0".to_owned());
    }
    Ok(Duration::from_millis(ms))
}

impl<'de> Deserialize<'de> for Timeout {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Timeout;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("milliseconds or a duration like 10s")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Timeout, E> {
                if v == 0 {
                    return Err(E::custom("a timeout must be longer than 0"));
                }
                Ok(Timeout(Duration::from_millis(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Timeout, E> {
                u64::try_from(v)
                    .map_err(|_| E::custom("a timeout cannot be negative"))
                    .and_then(|v| self.visit_u64(v))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Timeout, E> {
                Err(E::custom(
                    "a timeout in milliseconds must be a whole number",
                ))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Timeout, E> {
                parse_duration(v).map(Timeout).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_units_and_bare_milliseconds() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1500"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("10 parsecs").is_err());
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("s").is_err());
    }

    #[test]
    fn timeouts_read_integers_as_milliseconds() {
        let t: Timeout = serde_yaml::from_str("30000").unwrap();
        assert_eq!(t.0, Duration::from_secs(30));
        let t: Timeout = serde_yaml::from_str("\"2m\"").unwrap();
        assert_eq!(t.0, Duration::from_secs(120));
        assert!(serde_yaml::from_str::<Timeout>("-5").is_err());
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
