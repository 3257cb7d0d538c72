//! Configuration: layered YAML files with precise errors.
//!
//! Every config file (`sfp.yaml`, `gates.yaml`, `alerts.yaml`, `evidence.yaml`) is read from up to
//! five layers, later ones overriding earlier ones (see [`layers`]). `sfp.yaml` is read section by
//! section ([`Config::section`]); every other file whole ([`load`], with its [`ConfigFile`]).
//! Errors carry file, line and column, and name a place in a file one way ([`display_path`]);
//! unknown keys are warnings. Durations are written one way ([`parse_duration`]) and keys sfp
//! renamed are still read ([`rename`]).
//!
//! This module is a leaf: it knows no capability. The list of what `sfp health` validates is
//! `crate::registry`.

mod diagnostic;
mod duration;
mod embedded;
mod error;
mod file;
mod layers;
mod load;
pub mod options;
pub mod rename;

pub use diagnostic::{
    Diagnostic, Severity, column, display_path, locate, locate_key, path_segments,
};
pub use duration::{duration, format_duration, parse_duration};
pub use embedded::{EMBEDDED_FILES, embedded};
pub use error::{ConfigError, refuse_errors};
pub use file::{ConfigFile, Loaded, Merge, check, from_layers, load, load_strict, merged};
pub use layers::{Layer, LayerKind, layers};
pub use load::{
    Config, Parsed, Section, SectionCheck, Trust, deep_merge, parse_document, parse_layer,
    parse_value, section_check, typed_document,
};
