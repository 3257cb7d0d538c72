//! The `gates:` and `format:` sections of `sfp.yaml`.

use std::collections::BTreeMap;

use serde::Deserialize;

/// `gates:` — how the Stop hook runs gates.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct GateSettings {
    /// Run gates at Stop at all.
    pub enabled: bool,
    /// The tier the Stop hook runs.
    pub stop_tier: String,
    /// Stops blocked in a row before sfp stops blocking and only tells the user.
    pub max_blocks: u32,
    /// Seconds the whole Stop run may take (keep it under the hooks.json timeout of 120).
    pub budget: u64,
    /// Gates run at once; 0 means all of them.
    pub jobs: usize,
}

impl Default for GateSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            stop_tier: super::config::DEFAULT_TIER.to_owned(),
            max_blocks: 3,
            budget: 100,
            jobs: 0,
        }
    }
}

/// `format:` — auto-format after Write/Edit.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct FormatSettings {
    pub enabled: bool,
    /// Milliseconds a formatter may take.
    pub timeout_ms: u64,
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
            timeout_ms: 10_000,
            exclude_dirs: Vec::new(),
            formatters: BTreeMap::new(),
        }
    }
}
