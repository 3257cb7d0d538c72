//! Every config file and `sfp.yaml` section sfp knows, so that `sfp health` can validate them
//! all. A capability that adds a file or a section registers it here.

use super::load::{SectionCheck, section_check};
use super::{Config, Diagnostic};
use crate::paths::Paths;

/// The sections of `sfp.yaml` and their types.
pub fn sections() -> Vec<(&'static str, SectionCheck)> {
    vec![
        ("health", section_check::<crate::health::HealthSettings>),
        ("backup", section_check::<crate::backup::BackupSettings>),
    ]
}

/// Validates every layer of every config file.
pub fn validate_all(paths: &Paths) -> Vec<Diagnostic> {
    Config::load(paths).check_all(&sections())
}
