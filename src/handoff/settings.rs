//! The `handoff:` section of `sfp.yaml`: how many handoffs to keep, when a fresh session is given
//! the last one, how long the summary for Claude may be, and how much of the transcript and git
//! a handoff may spend time on.

use std::time::Duration;

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub(crate) struct HandoffSettings {
    /// Handoffs kept per project (the newest); older ones are removed after each new one.
    pub keep: usize,
    /// On `startup`, the project's latest handoff is given to Claude when it is younger than this
    /// (`12h`, `30m`, `2d`; `0` never).
    #[serde(deserialize_with = "crate::config::duration")]
    pub startup_max_age: Duration,
    /// Longest summary handed to Claude at session start, in characters.
    pub summary_chars: usize,
    /// How much of the end of the transcript is read, in KiB.
    pub transcript_tail_kib: u64,
    /// Longest time each git command (branch, status, diff stat) may take; skipped after it.
    #[serde(deserialize_with = "crate::config::duration")]
    pub git_timeout: Duration,
}

impl crate::config::Section for HandoffSettings {}

impl Default for HandoffSettings {
    fn default() -> Self {
        Self {
            keep: 30,
            startup_max_age: Duration::from_secs(12 * 3600),
            summary_chars: 4_000,
            transcript_tail_kib: 4 * 1024,
            git_timeout: Duration::from_millis(300),
        }
    }
}

impl HandoffSettings {
    pub(crate) fn transcript_tail_bytes(&self) -> u64 {
        self.transcript_tail_kib.max(16) * 1024
    }

    pub(crate) fn git_timeout(&self) -> Duration {
        self.git_timeout.max(Duration::from_millis(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_with_units() {
        let s: HandoffSettings = serde_yaml::from_str(
            "startup_max_age: 90s
keep: 5
git_timeout: 1s",
        )
        .unwrap();
        assert_eq!(s.startup_max_age, Duration::from_secs(90));
        assert_eq!(s.git_timeout(), Duration::from_secs(1));
        assert_eq!(s.keep, 5);
        assert_eq!(s.summary_chars, 4_000);
        let s: HandoffSettings = serde_yaml::from_str("startup_max_age: 0").unwrap();
        assert_eq!(s.startup_max_age, Duration::ZERO);
        // A bare number was seconds here and milliseconds elsewhere: it is refused.
        let e = serde_yaml::from_str::<HandoffSettings>("startup_max_age: 90").unwrap_err();
        assert!(
            e.to_string()
                .contains("`90` has no unit: write 90ms or 90s"),
            "{e}"
        );
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
