//! The fuzz targets' checks (see `checks.rs`), shared with the main crate's replay test.

mod checks;

pub use checks::{config_yaml, gates_yaml, hook_input, tags_extract};
