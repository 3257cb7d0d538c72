//! gates.yaml loading, layering and validation on arbitrary text (see `sfp_fuzz::gates_yaml`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sfp_fuzz::gates_yaml(data));
