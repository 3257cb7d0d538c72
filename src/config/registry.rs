//! Every config file and `sfp.yaml` section sfp knows, so that `sfp health` can validate them
//! all. A capability that adds a file or a section registers it here.

use super::load::{SectionCheck, section_check};
use super::{Config, Diagnostic};
use crate::paths::Paths;

/// The sections of `sfp.yaml` and their types.
pub fn sections() -> Vec<(&'static str, SectionCheck)> {
    vec![
        ("health", section_check::<crate::health::HealthSettings>),
        ("tags", section_check::<crate::tags::TagsSettings>),
        ("gates", section_check::<crate::gates::GateSettings>),
        ("format", section_check::<crate::gates::FormatSettings>),
        ("handoff", section_check::<crate::handoff::HandoffSettings>),
        ("backup", section_check::<crate::backup::BackupSettings>),
    ]
}

/// Config files other than `sfp.yaml`, each with the type of its whole document.
pub fn files() -> Vec<(&'static str, FileCheck)> {
    vec![("evidence.yaml", file_check::<crate::tags::EvidenceConfig>)]
}

/// Checks every layer of one config file.
pub type FileCheck = fn(&Paths, &str) -> Vec<Diagnostic>;

/// A [`FileCheck`] for a file whose document is a `T`.
pub fn file_check<T: serde::de::DeserializeOwned + Default>(
    paths: &Paths,
    name: &str,
) -> Vec<Diagnostic> {
    let (layers, mut diags) = super::layers(paths, name);
    for layer in &layers {
        match super::parse_document::<T>(layer) {
            Ok((_, warnings)) => diags.extend(warnings),
            Err(d) => diags.push(d),
        }
    }
    diags
}

/// Validates every layer of every config file.
pub fn validate_all(paths: &Paths) -> Vec<Diagnostic> {
    let mut diags = Config::load(paths).check_all(&sections());
    for (name, check) in files() {
        diags.extend(check(paths, name));
    }
    diags.extend(crate::gates::validate(paths));
    diags
}
