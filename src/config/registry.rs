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
    for layer in layers
        .iter()
        .filter(|l| l.kind != super::LayerKind::Embedded)
    {
        match super::parse_document::<T>(layer) {
            Ok((_, warnings)) => diags.extend(warnings),
            Err(d) => diags.push(d),
        }
    }
    diags
}

/// Validates every layer of every config file. The defaults compiled into sfp are held to zero
/// problems by a test, so a file with no layer of the user's or the project's is not parsed at
/// all: this runs at every SessionStart.
pub fn validate_all(paths: &Paths, config: &Config) -> Vec<Diagnostic> {
    let mut diags = config.check_all(&sections());
    for (name, check) in files() {
        diags.extend(check(paths, name));
    }
    let gate_files = [crate::gates::GATES_FILE, "alerts.yaml"];
    if gate_files.iter().any(|name| has_own_layer(paths, name)) {
        diags.extend(crate::gates::validate(paths));
    }
    diags
}

/// Whether `name` has a layer other than sfp's compiled-in default (or an unreadable one).
fn has_own_layer(paths: &Paths, name: &str) -> bool {
    let (layers, problems) = super::layers(paths, name);
    !problems.is_empty() || layers.iter().any(|l| l.kind != super::LayerKind::Embedded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{EMBEDDED_FILES, Layer, LayerKind};

    /// What `validate_all` skips at every SessionStart must hold: the defaults sfp ships are valid
    /// with no unknown key, checked as a user's layer would be.
    #[test]
    fn the_shipped_defaults_have_no_problem() {
        let dir = tempfile::tempdir().unwrap();
        let env = crate::env::Env {
            home: Some(dir.path().to_path_buf()),
            ..crate::env::Env::default()
        };
        let paths = Paths::resolve(&env, Some(dir.path()));
        std::fs::create_dir_all(&paths.sfp_home).unwrap();
        for (name, text) in EMBEDDED_FILES {
            std::fs::write(paths.sfp_home.join(name), text).unwrap();
        }
        let as_user = |name: &str, text: &str| Layer {
            kind: LayerKind::User,
            path: None,
            display: name.to_owned(),
            text: text.to_owned(),
        };
        let sfp_yaml = crate::config::embedded(Config::FILE).unwrap();
        let config = Config::from_layers(vec![as_user(Config::FILE, sfp_yaml)]);
        assert_eq!(config.check_all(&sections()), Vec::new());
        assert_eq!(validate_all(&paths, &Config::load(&paths)), Vec::new());
        assert!(has_own_layer(&paths, crate::gates::GATES_FILE));
    }
}
