//! What each fuzz target checks, as plain functions over bytes. The `fuzz_targets/` binaries call
//! them under libFuzzer; the main crate's `tests/fuzz_replay.rs` includes this same file and
//! replays the committed corpus and every saved crash through them on stable Rust, so a crash once
//! found stays a regression test.
//!
//! Each function must never panic on any input: a panic is the finding.

use sfp::config::{Config, Layer, LayerKind, embedded, parse_document, parse_value, registry};
use sfp::health::HealthSettings;
use sfp::hook::{Event, MAX_TEXT_CHARS, Response, cap_text, parse_hook_input};

/// Hook input parsing through the path `sfp hook` takes: parse, pick the event, read the fields
/// handlers use, and render an answer quoting the input back (capping and escaping any text).
pub fn hook_input(data: &[u8]) {
    let Ok(input) = parse_hook_input(data) else {
        return;
    };
    let event = input
        .event
        .or_else(|| input.event_name.as_deref().and_then(Event::parse))
        .unwrap_or(Event::SessionStart);
    assert_eq!(Event::parse(event.name()), Some(event));
    assert_eq!(Event::parse(event.cli_name()), Some(event));
    let _ = input.tool_file_path();
    let mut out = Response::new(event);
    let texts = [
        &input.prompt,
        &input.last_assistant_message,
        &input.reason,
        &input.source,
    ];
    for text in texts.into_iter().flatten() {
        out.add_context(text.clone());
        out.add_system_message(cap_text(text, 200));
        assert!(cap_text(text, MAX_TEXT_CHARS).chars().count() <= MAX_TEXT_CHARS);
    }
    if input.stop_hook_active {
        out.block(input.session_id.clone().unwrap_or_default());
    }
    if let Some(json) = out.to_json() {
        let printed = json.to_string();
        let back: serde_json::Value = serde_json::from_str(&printed).expect("output is JSON");
        assert!(back.is_object());
    }
}

/// Config loading on arbitrary YAML: the document as the user layer of `sfp.yaml` over the
/// embedded defaults, read as every registered section and validated as `sfp health` does; every
/// diagnostic must render.
pub fn config_yaml(data: &[u8]) {
    let layer = Layer {
        kind: LayerKind::User,
        path: None,
        display: "fuzz/sfp.yaml".to_owned(),
        text: String::from_utf8_lossy(data).into_owned(),
    };
    let mut rendered = Vec::new();
    match parse_document::<HealthSettings>(&layer) {
        Ok((_, warnings)) => rendered.extend(warnings.iter().map(ToString::to_string)),
        Err(e) => rendered.push(e.to_string()),
    }
    if let Err(e) = parse_value(&layer) {
        rendered.push(e.to_string());
    }
    let mut layers = Vec::new();
    if let Some(defaults) = embedded(Config::FILE) {
        layers.push(Layer {
            kind: LayerKind::Embedded,
            path: None,
            display: "<embedded>/sfp.yaml".to_owned(),
            text: defaults.to_owned(),
        });
    }
    layers.push(layer);
    let config = Config::from_layers(layers);
    let (_settings, diags) = config.section::<HealthSettings>("health");
    rendered.extend(diags.iter().map(ToString::to_string));
    let all = config.check_all(&registry::sections());
    rendered.extend(all.iter().map(ToString::to_string));
    assert!(rendered.iter().all(|line| !line.is_empty()));
}
