//! Configuration: layered YAML files with precise errors.
//!
//! Every config file (`sfp.yaml`, `gates.yaml`, `alerts.yaml`, `evidence.yaml`) is read from up to
//! five layers, later ones overriding earlier ones (see [`layers`]). Errors carry file, line and
//! column; unknown keys are warnings with their dotted path.

mod diagnostic;
mod embedded;
mod layers;
mod load;
pub mod options;
pub mod registry;

pub use diagnostic::{Diagnostic, Severity, refuse_errors};
pub use embedded::{EMBEDDED_FILES, embedded};
pub use layers::{Layer, LayerKind, layers};
pub use load::{Config, SectionCheck, deep_merge, parse_document, parse_value, section_check};
