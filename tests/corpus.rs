//! The bad-input corpus: every case in `tests/corpus/hook-input/<event>/` (made by
//! `tests/corpus/generate.py`) and every real sample in `tests/fixtures/hook-input/` goes through
//! the real `sfp hook <event>` with a temp HOME and SFP_HOME.
//!
//! Each must: exit 0; print nothing or exactly one JSON object on stdout (whose
//! `hookSpecificOutput.hookEventName`, when present, names the event that was answered); never
//! panic; answer within a second. A 20 MB prompt, made here rather than stored, is refused quickly
//! with a notice; a 7 MB one, under the input limit, is answered.

mod common;

use std::path::PathBuf;
use std::process::Output;
use std::time::{Duration, Instant};

use serde_json::Value;

use common::TestContext;

const DEADLINE: Duration = Duration::from_secs(1);

/// What one run of `sfp hook` did.
struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
    output: Output,
}

/// A [`TestContext`] whose temporary files go to its own directory too.
fn context() -> TestContext {
    let mut ctx = TestContext::new();
    let tmp = ctx.root.clone();
    ctx.env("TMPDIR", tmp);
    ctx
}

fn run_hook(ctx: &TestContext, event: &str, input: &[u8]) -> Outcome {
    let started = Instant::now();
    // sfp may stop reading early (an oversized input): the writer ignores a broken pipe.
    let out = ctx.hook(event, input);
    let elapsed = started.elapsed();
    Outcome {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed,
        output: out,
    }
}

/// The event sfp answers: the input's `hook_event_name` when it names one, else the argument.
fn answered_event(event_arg: &str, input: &[u8]) -> Option<&'static str> {
    let named = serde_json::from_str::<Value>(&String::from_utf8_lossy(input))
        .ok()
        .and_then(|v| v.get("hook_event_name")?.as_str().map(str::to_owned))
        .and_then(|name| sfp::api::Event::parse(&name));
    named
        .or_else(|| sfp::api::Event::parse(event_arg))
        .map(sfp::api::Event::name)
}

/// Every rule a hook answer must keep; returns the broken ones.
fn violations(event_arg: &str, input: &[u8], out: &Outcome) -> Vec<String> {
    let mut bad = Vec::new();
    if out.code != Some(0) {
        bad.push(format!("exit {:?}", out.code));
    }
    if out.stderr.contains("panicked") || out.stderr.contains("RUST_BACKTRACE") {
        bad.push(format!("panic on stderr: {}", out.stderr));
    }
    if out.elapsed > DEADLINE {
        bad.push(format!("took {:?}", out.elapsed));
    }
    if out.stdout.trim().is_empty() {
        return bad;
    }
    let mut values = serde_json::Deserializer::from_str(&out.stdout).into_iter::<Value>();
    match (values.next(), values.next()) {
        (Some(Ok(Value::Object(obj))), None) => {
            if let Some(specific) = obj.get("hookSpecificOutput") {
                let expected = answered_event(event_arg, input);
                let got = specific.get("hookEventName").and_then(Value::as_str);
                if got != expected {
                    bad.push(format!("hookEventName {got:?}, expected {expected:?}"));
                }
            }
        }
        _ => bad.push(format!("stdout is not one JSON object: {}", out.stdout)),
    }
    bad
}

/// `(event argument, case file)` for the corpus and the fixtures.
fn cases() -> Vec<(String, PathBuf)> {
    let root = common::repo_root().join("tests");
    let mut cases = Vec::new();
    for dir in std::fs::read_dir(root.join("corpus/hook-input")).expect("corpus dir") {
        let dir = dir.expect("corpus entry").path();
        let event = dir.file_name().unwrap().to_string_lossy().into_owned();
        for file in std::fs::read_dir(&dir).expect("event dir") {
            cases.push((event.clone(), file.expect("case").path()));
        }
    }
    for file in std::fs::read_dir(root.join("fixtures/hook-input")).expect("fixtures dir") {
        let path = file.expect("fixture").path();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let pascal = stem.split('-').next().unwrap_or_default();
        let event = sfp::api::Event::parse(pascal)
            .unwrap_or_else(|| panic!("fixture {stem} names no event"))
            .cli_name();
        cases.push((event.to_owned(), path));
    }
    cases.sort();
    cases
}

#[test]
fn every_corpus_case_is_answered_safely() {
    let cases = cases();
    assert!(cases.len() >= 100, "only {} cases", cases.len());
    let results: Vec<(Vec<String>, usize)> = std::thread::scope(|scope| {
        let workers: Vec<_> = cases
            .chunks(cases.len().div_ceil(2))
            .map(|chunk| {
                scope.spawn(move || {
                    let ctx = context();
                    let mut failures = Vec::new();
                    let mut answered = 0;
                    for (event, path) in chunk {
                        let input = std::fs::read(path).expect("read case");
                        let out = run_hook(&ctx, event, &input);
                        let bad = violations(event, &input, &out);
                        if !bad.is_empty() {
                            failures.push(format!("{}: {}", path.display(), bad.join("; ")));
                        }
                        answered += usize::from(out.stdout.contains("hookSpecificOutput"));
                    }
                    (failures, answered)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("worker"))
            .collect()
    });
    let failures: Vec<&String> = results.iter().flat_map(|(f, _)| f).collect();
    // The temp home has no CLAUDE.md, so every readable SessionStart gets the health notice: the
    // checks above saw real answers, not only silence.
    let answered: usize = results.iter().map(|(_, n)| n).sum();
    assert!(
        answered >= 10,
        "only {answered} cases got an answer with context"
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases broke the hook contract:\n{}",
        failures.len(),
        cases.len(),
        failures
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// A UserPromptSubmit input whose `prompt` makes it `size` bytes long.
fn big_input(size: usize) -> Vec<u8> {
    let head = br#"{"hook_event_name":"UserPromptSubmit","session_id":"big","prompt":""#;
    let mut input = head.to_vec();
    input.resize(size - 2, b'a');
    input.extend_from_slice(b"\"}");
    input
}

#[test]
fn a_20_mb_prompt_is_refused_quickly() {
    let ctx = context();
    let input = big_input(20 * 1024 * 1024);
    let out = run_hook(&ctx, "user-prompt-submit", &input);
    assert_eq!(
        violations("user-prompt-submit", &input, &out),
        Vec::<String>::new()
    );
    // Nothing is answered to an oversized input, and a notice says why.
    cmd_snapshot!(ctx, out.output, @r"
        success: true
        exit_code: 0
        ----- stdout -----

        ----- stderr -----
        sfp: hook input larger than 8 MiB; ignored
        ");
}

#[test]
fn a_7_mb_prompt_under_the_limit_is_answered() {
    let ctx = context();
    let input = big_input(7 * 1024 * 1024);
    let out = run_hook(&ctx, "user-prompt-submit", &input);
    assert_eq!(
        violations("user-prompt-submit", &input, &out),
        Vec::<String>::new()
    );
    assert!(!out.stderr.contains("larger than"), "{}", out.stderr);
}
