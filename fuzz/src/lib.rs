//! The fuzz targets' checks (see `checks.rs`), shared with the main crate's replay test.

mod checks;

pub use checks::{ARCHIVE_FILES, archive_read, config_yaml, gates_yaml, hook_input, tags_extract};
