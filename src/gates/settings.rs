//! The `gates:` and `format:` sections of `sfp.yaml`.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

/// `gates:` — how the Stop hook runs gates.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub(crate) struct GateSettings {
    /// Run gates at Stop at all.
    pub enabled: bool,
    /// The tier the Stop hook runs.
    pub stop_tier: String,
    /// Stops blocked in a row before sfp stops blocking and only tells the user.
    pub max_blocks: u32,
    /// How long the whole Stop run may take (keep it under the hooks.json timeout of 120 s).
    #[serde(deserialize_with = "crate::config::duration")]
    pub budget: Duration,
    /// Gates run at once; 0 means all of them.
    pub jobs: usize,
}

impl Default for GateSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            stop_tier: super::tiers::DEFAULT_TIER.to_owned(),
            max_blocks: 3,
            budget: Duration::from_secs(100),
            jobs: 0,
        }
    }
}

impl crate::config::Section for GateSettings {}
impl crate::config::Section for FormatSettings {}

/// `format:` — auto-format after Write/Edit.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub(crate) struct FormatSettings {
    pub enabled: bool,
    /// How long a formatter may take.
    #[serde(deserialize_with = "crate::config::duration")]
    pub timeout: Duration,
    /// Directory names never formatted in (at any depth).
    pub exclude_dirs: Vec<String>,
    /// File extension (without the dot) → formatter command. `{file}` is replaced by the quoted
    /// path; without it the path is appended.
    pub formatters: BTreeMap<String, String>,
}

impl Default for FormatSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            timeout: Duration::from_secs(10),
            exclude_dirs: Vec::new(),
            formatters: BTreeMap::new(),
        }
    }
}
