//! The `health:` section of `sfp.yaml`: thresholds, and checks to leave out.

use std::time::Duration;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct HealthSettings {
    pub memory: MemoryThresholds,
    pub disk: DiskThresholds,
    /// Names of checks not to run (`project`, `claude`, …).
    pub disabled: Vec<String>,
    /// Longest time `claude --version` and `git status` may take in `sfp health`.
    #[serde(deserialize_with = "crate::config::duration")]
    pub command_timeout: Duration,
}

impl crate::config::Section for HealthSettings {}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct MemoryThresholds {
    pub warn_available_mb: u64,
    pub critical_available_mb: u64,
    pub warn_available_percent: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct DiskThresholds {
    pub warn_free_mb: u64,
    pub critical_free_mb: u64,
    pub warn_free_percent: f64,
    pub critical_free_percent: f64,
}

impl Default for HealthSettings {
    fn default() -> Self {
        Self {
            memory: MemoryThresholds::default(),
            disk: DiskThresholds::default(),
            disabled: Vec::new(),
            command_timeout: Duration::from_secs(5),
        }
    }
}

impl Default for MemoryThresholds {
    fn default() -> Self {
        Self {
            warn_available_mb: 512,
            critical_available_mb: 128,
            warn_available_percent: 5.0,
        }
    }
}

impl Default for DiskThresholds {
    fn default() -> Self {
        Self {
            warn_free_mb: 1024,
            critical_free_mb: 100,
            warn_free_percent: 5.0,
            critical_free_percent: 1.0,
        }
    }
}
