//! Replays the committed fuzz corpus and every saved crash through the fuzz targets' own checks,
//! on stable Rust and without cargo-fuzz: `fuzz/corpus/<target>/` and `fuzz/regressions/<target>/`.
//! A crash found by `fuzz/run.sh` is copied into `fuzz/regressions/<target>/` and stays a test.

#[path = "../fuzz/src/checks.rs"]
mod checks;
mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

/// Feeds every file of the target's corpus and regressions to `check`; returns how many ran.
fn replay(target: &str, check: fn(&[u8])) -> usize {
    let fuzz = common::repo_root().join("fuzz");
    let mut ran = 0;
    let mut crashes = Vec::new();
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(fuzz.join(dir).join(target)) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("fuzz input").path();
            if path.file_name().is_some_and(|n| n == ".gitkeep") {
                continue;
            }
            let data = std::fs::read(&path).expect("read fuzz input");
            if catch_unwind(AssertUnwindSafe(|| check(&data))).is_err() {
                crashes.push(path.display().to_string());
            }
            ran += 1;
        }
    }
    assert!(
        crashes.is_empty(),
        "{target} panics on:\n{}",
        crashes.join("\n")
    );
    ran
}

#[test]
fn hook_input_corpus_and_regressions_replay_cleanly() {
    assert!(replay("hook_input", checks::hook_input) >= 16);
}

#[test]
fn config_yaml_corpus_and_regressions_replay_cleanly() {
    assert!(replay("config_yaml", checks::config_yaml) >= 6);
}

#[test]
fn tags_extract_corpus_and_regressions_replay_cleanly() {
    assert!(replay("tags_extract", checks::tags_extract) >= 8);
}

#[test]
fn gates_yaml_corpus_and_regressions_replay_cleanly() {
    assert!(replay("gates_yaml", checks::gates_yaml) >= 8);
}

#[test]
fn archive_read_corpus_and_regressions_replay_cleanly() {
    assert!(replay("archive_read", checks::archive_read) >= 8);
}
