//! Config loading on arbitrary YAML (see `sfp_fuzz::config_yaml`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sfp_fuzz::config_yaml(data));
