//! The default config files, shipped in `config/` and compiled into the binary so that sfp works
//! even when the plugin directory is gone.

/// `(file name, contents)` of every default config file.
pub(crate) const EMBEDDED_FILES: &[(&str, &str)] = &[
    ("sfp.yaml", include_str!("../../config/sfp.yaml")),
    ("evidence.yaml", include_str!("../../config/evidence.yaml")),
    ("gates.yaml", include_str!("../../config/gates.yaml")),
    ("alerts.yaml", include_str!("../../config/alerts.yaml")),
];

/// The embedded default of `name`, if sfp ships one.
pub fn embedded(name: &str) -> Option<&'static str> {
    EMBEDDED_FILES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}
