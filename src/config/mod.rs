//! Configuration: layered YAML files with precise errors.
//!
//! Every config file (`sfp.yaml`, `gates.yaml`, `alerts.yaml`, `evidence.yaml`) is read from up to
//! five layers, later ones overriding earlier ones (see [`layers()`]). `sfp.yaml` is read section by
//! section ([`Config::section`]); every other file whole ([`load()`], with its [`ConfigFile`]).
//! Errors carry file, line and column, and name a place in a file one way ([`display_path`]);
//! unknown keys are warnings. Durations are written one way ([`duration::parse_duration`]) and keys sfp
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
pub(crate) mod options;
pub(crate) mod rename;

pub use diagnostic::Diagnostic;
pub(crate) use diagnostic::{column, display_path, locate, locate_key, path_segments};
pub(crate) use duration::duration;
#[cfg(test)]
pub(crate) use embedded::EMBEDDED_FILES;
pub use embedded::embedded;
pub(crate) use error::{ConfigError, refuse_errors};
pub(crate) use file::{ConfigFile, Loaded, Merge, check, from_layers, load, load_strict, merged};
pub use layers::Layer;
pub use layers::LayerKind;
pub(crate) use layers::layers;
pub use load::Config;
pub use load::parse_document;
pub use load::parse_value;
pub(crate) use load::{Section, SectionCheck, Trust, deep_merge, section_check};
