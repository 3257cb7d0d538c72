//! Restore from an arbitrary backup archive into a scratch directory (see `sfp_fuzz::archive_read`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sfp_fuzz::archive_read(data));
