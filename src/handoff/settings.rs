//! The `handoff:` section of `sfp.yaml`: how many handoffs to keep, when a fresh session is given
//! the last one, how long the summary for Claude may be, and how much of the transcript and git
//! a handoff may spend time on.

use std::time::Duration;

use serde::{Deserialize, Deserializer};

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct HandoffSettings {
    /// Handoffs kept per project (the newest); older ones are removed after each new one.
    pub keep: usize,
    /// On `startup`, the project's latest handoff is given to Claude when it is younger than this
    /// (`12h`, `30m`, `2d`; `0` never).
    #[serde(deserialize_with = "duration")]
    pub startup_max_age: Duration,
    /// Longest summary handed to Claude at session start, in characters.
    pub summary_chars: usize,
    /// How much of the end of the transcript is read, in KiB.
    pub transcript_tail_kib: u64,
    /// Longest time each git command (branch, status, diff stat) may take; skipped after it.
    pub git_timeout_ms: u64,
}

impl Default for HandoffSettings {
    fn default() -> Self {
        Self {
            keep: 30,
            startup_max_age: Duration::from_secs(12 * 3600),
            summary_chars: 4_000,
            transcript_tail_kib: 4 * 1024,
            git_timeout_ms: 300,
        }
    }
}

impl HandoffSettings {
    pub fn transcript_tail_bytes(&self) -> u64 {
        self.transcript_tail_kib.max(16) * 1024
    }

    pub fn git_timeout(&self) -> Duration {
        Duration::from_millis(self.git_timeout_ms.max(1))
    }
}

/// Reads `12h`, `30m`, `45s`, `2d`, `500ms`, or a plain number of seconds.
fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Secs(u64),
        Text(String),
    }
    match Raw::deserialize(d)? {
        Raw::Secs(s) => Ok(Duration::from_secs(s)),
        Raw::Text(t) => parse_duration(&t).map_err(serde::de::Error::custom),
    }
}

pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (write e.g. 12h, 30m, 45s, 2d)"))?;
    let secs = match unit.trim() {
        "" | "s" => n,
        "ms" => return Ok(Duration::from_millis(n)),
        "m" | "min" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        other => {
            return Err(format!(
                "unknown duration unit `{other}` in `{text}` (use ms, s, m, h or d)"
            ));
        }
    };
    Ok(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_with_units() {
        assert_eq!(parse_duration("12h"), Ok(Duration::from_secs(43_200)));
        assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1_800)));
        assert_eq!(parse_duration("2d"), Ok(Duration::from_secs(172_800)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("3w").is_err());
        let s: HandoffSettings = serde_yaml::from_str("startup_max_age: 90\nkeep: 5").unwrap();
        assert_eq!(s.startup_max_age, Duration::from_secs(90));
        assert_eq!(s.keep, 5);
        assert_eq!(s.summary_chars, 4_000);
    }

    #[test]
    fn the_shipped_defaults_are_the_built_in_ones_with_no_unknown_key() {
        let text = crate::config::embedded("sfp.yaml").unwrap();
        let all: serde_yaml::Value = serde_yaml::from_str(text).unwrap();
        let section = all
            .get("handoff")
            .expect("sfp.yaml has a handoff section")
            .clone();
        let mut unknown = Vec::new();
        let shipped: HandoffSettings =
            serde_ignored::deserialize(section, |p| unknown.push(p.to_string())).unwrap();
        assert!(unknown.is_empty(), "{unknown:?}");
        assert_eq!(shipped, HandoffSettings::default());
    }
}
