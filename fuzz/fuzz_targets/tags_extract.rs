//! The TAG extractor and its budgeted block on arbitrary context files (see `sfp_fuzz::tags_extract`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sfp_fuzz::tags_extract(data));
