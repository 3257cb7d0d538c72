//! Hook input parsing on arbitrary bytes (see `sfp_fuzz::hook_input`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sfp_fuzz::hook_input(data));
