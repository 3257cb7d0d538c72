//! Every config file and `sfp.yaml` section sfp knows, so that `sfp health` can validate them
//! all. It stands beside the dispatch table ([`crate::cli`], [`crate::app`]): a capability that
//! adds a file or a section registers it here, and `config` knows none of them.

use crate::config::{self, Config, Diagnostic, SectionCheck, section_check};
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

/// Checks every layer of one config file other than `sfp.yaml`.
pub(crate) type FileCheck = fn(&Paths) -> Vec<Diagnostic>;

/// Config files other than `sfp.yaml`, each checked by the loader of its type.
pub(crate) fn files() -> Vec<(&'static str, FileCheck)> {
    vec![
        (
            crate::tags::EVIDENCE_FILE,
            config::check::<crate::tags::EvidenceConfig>,
        ),
        (
            crate::gates::GATES_FILE,
            config::check::<crate::gates::GatesConfig>,
        ),
        (
            crate::gates::ALERTS_FILE,
            config::check::<crate::gates::AlertsConfig>,
        ),
    ]
}

/// Validates every layer of every config file. A file with no layer of the user's or the
/// project's is not parsed (see [`config::check`]): this runs at every SessionStart.
pub(crate) fn validate_all(paths: &Paths, config: &Config) -> Vec<Diagnostic> {
    let mut diags = config.check_all(&sections());
    for (_, check) in files() {
        diags.extend(check(paths));
    }
    diags
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
        let names: Vec<&str> = files().iter().map(|(n, _)| *n).collect();
        let mut shipped: Vec<&str> = EMBEDDED_FILES
            .iter()
            .map(|(n, _)| *n)
            .filter(|n| *n != Config::FILE)
            .collect();
        shipped.sort_unstable();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, shipped, "every shipped file is validated");
    }

    /// A project's layer may not set what only the user's may, and an old key name is read
    /// with a warning: `sfp health` says both, at their lines.
    #[test]
    fn health_reports_an_ignored_backup_section_and_old_key_names() {
        let project = Layer {
            kind: LayerKind::Project,
            path: None,
            display: "p/sfp.yaml".into(),
            text: "health:\n  command_timeout_ms: 3000\nbackup:\n  keep: 1\n".into(),
        };
        let diags = Config::from_layers(vec![project]).check_all(&sections());
        let texts: Vec<String> = diags.iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            [
                "p/sfp.yaml:2:3: warning: `health.command_timeout_ms` is an old name: write \
                 `command_timeout: 3s` (the old name is still read)",
                "p/sfp.yaml:3:1: warning: `backup:` is read from your own config only \
                 (~/.claude/sfp), not a project's: ignored here"
            ]
        );
    }
}
