//! What each fuzz target checks, as plain functions over bytes. The `fuzz_targets/` binaries call
//! them under libFuzzer; the main crate's `tests/fuzz_replay.rs` includes this same file and
//! replays the committed corpus and every saved crash through them on stable Rust, so a crash once
//! found stays a regression test.
//!
//! Each function must never panic on any input: a panic is the finding.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use sfp::api::Env;
use sfp::api::{
    Backup, Config, Diagnostic, Event, GATES_FILE, Gathered, HealthSettings, Layer, LayerKind,
    MAX_TEXT_CHARS, Metadata, Paths, Response, TagName, TagsSettings, arrange, cap_text, commit,
    config_sections, embedded, extract, from_layers, parse_document, parse_hook_input, parse_value,
    plan, stage, verify,
};
use sha2::{Digest as _, Sha256};

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
    let all = config.check_all(&config_sections());
    rendered.extend(all.iter().map(ToString::to_string));
    assert!(rendered.iter().all(|line| !line.is_empty()));
}

/// The TAG extractor on an arbitrary context file, then the block a session is given, under two
/// settings: the defaults as `rules.md` (a file whose name maps to `U:rules`), and the smallest
/// budget and item length as `CLAUDE.md` (no default section). Every tag is one line within the
/// item length; the block stays within its budget; every line of it is `[TYPE:category] value`
/// except a final `… N more tags omitted`.
pub fn tags_extract(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let line_count = text.split('\n').count();
    let runs = [
        ("rules", TagsSettings::default()),
        (
            "CLAUDE",
            TagsSettings {
                budget_chars: 0,
                max_item_chars: 0,
                ..TagsSettings::default()
            },
        ),
    ];
    for (stem, settings) in runs {
        let (mapping, problems) = settings.mapping();
        assert!(problems.is_empty(), "{problems:?}");
        let display = format!("~/.claude/.context/{stem}.md");
        let found = extract(&text, &display, stem, &mapping, settings.max_item());
        for tag in &found.tags {
            assert!(!tag.value.is_empty(), "empty tag at line {}", tag.line);
            assert!(tag.value.chars().count() <= settings.max_item(), "{tag:?}");
            assert!(!tag.value.contains('\n'), "{tag:?}");
            assert!((1..=line_count).contains(&tag.line), "{tag:?}");
            assert_eq!(tag.source, display);
        }
        for section in &found.sections {
            assert!((1..=line_count).contains(&section.line), "{section:?}");
        }
        let extracted = found.tags.len();
        let gathered = Gathered {
            fingerprint: String::new(),
            content_hash: String::new(),
            files: vec![display],
            skipped: Vec::new(),
            tags: arrange(found.tags),
            sections: found
                .sections
                .into_iter()
                .map(|s| (stem.to_owned(), s))
                .collect(),
            mapping_problems: Vec::new(),
            dirs: vec!["~/.claude/.context".to_owned()],
        };
        assert!(gathered.tags.len() <= extracted);
        let budget = settings.budget();
        let block = gathered.block(budget);
        assert_eq!(block.lines.len() + block.omitted, gathered.tags.len());
        let rendered = block.render();
        assert!(
            rendered.chars().count() <= budget,
            "{} chars over a budget of {budget}",
            rendered.chars().count()
        );
        if gathered.tags.is_empty() {
            assert!(rendered.is_empty());
            assert!(gathered.injection(budget).is_none());
            continue;
        }
        let lines: Vec<&str> = rendered.split('\n').collect();
        for (i, line) in lines.iter().enumerate() {
            if block.omitted > 0 && i == lines.len() - 1 {
                let noun = if block.omitted == 1 { "tag" } else { "tags" };
                assert_eq!(*line, format!("… {} more {noun} omitted", block.omitted));
            } else {
                assert!(is_tag_line(line), "not a tag line: {line:?}");
            }
        }
        let injection = gathered.injection(budget).expect("tags give an injection");
        assert!(injection.ends_with(&rendered));
        assert!(injection.chars().count() <= MAX_TEXT_CHARS);
    }
}

/// `[TYPE:category] value`: a known type, a valid category written as sfp writes it, and a
/// non-empty value without surrounding whitespace.
fn is_tag_line(line: &str) -> bool {
    let Some((name, value)) = line.strip_prefix('[').and_then(|l| l.split_once("] ")) else {
        return false;
    };
    TagName::parse(name).is_some_and(|n| n.to_string() == name)
        && !value.is_empty()
        && value.trim() == value
}

/// gates.yaml loading on arbitrary text: the text as the project's layer over the shipped
/// defaults with globs compiled on first use (the Stop hook), and as the project's and the local
/// layer with every glob compiled now (`sfp gates check`; the shipped defaults' globs are left
/// out of this run only because compiling them on every input would slow the fuzzer tenfold). Every diagnostic renders
/// as `file[:line[:col]]: severity: message` naming one of the layers, with a position inside
/// that file; a YAML syntax error always carries its line and column; every loaded gate can be
/// matched against paths.
pub fn gates_yaml(data: &[u8]) {
    let text = String::from_utf8_lossy(data).into_owned();
    let layer = |kind, display: &str, text: &str| Layer {
        kind,
        path: None,
        display: display.to_owned(),
        text: text.to_owned(),
    };
    let defaults = embedded(GATES_FILE).expect("gates.yaml is embedded");
    let project = layer(
        LayerKind::Project,
        "<project>/.claude/sfp/gates.yaml",
        &text,
    );
    let local = layer(
        LayerKind::Local,
        "<project>/.claude/sfp/gates.local.yaml",
        &text,
    );
    let syntax = parse_value(&project).err();
    let runs = [
        (
            vec![
                layer(LayerKind::Embedded, "<embedded>/gates.yaml", defaults),
                project.clone(),
            ],
            false,
        ),
        (vec![project, local], true),
    ];
    for (layers, strict) in runs {
        let (config, diags) = from_layers(&layers, strict);
        for d in &diags {
            check_diagnostic(d, &layers);
        }
        if let Some(e) = &syntax
            && e.line.is_some()
        {
            assert!(
                diags
                    .iter()
                    .any(|d| d.is_error() && d.file == layers[1].display && d.line.is_some()),
                "syntax error {e} not reported with its position: {diags:?}"
            );
        }
        let mut names: Vec<&str> = config.tiers.iter().map(|t| t.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), config.tiers.len(), "a tier twice");
        for gate in config.tiers.iter().flat_map(|t| &t.gates) {
            assert!(!gate.name.trim().is_empty());
            assert!(!gate.timeout.is_zero(), "gate `{}` has no time", gate.name);
            assert!(layers.iter().any(|l| l.display == gate.source));
            if gate.source == layers[0].display && !strict {
                continue;
            }
            for path in ["src/main.rs", "a/b/c.py", "vendor/x.lock", "é/ü.md"] {
                let _ = gate.matcher.matches(path);
            }
        }
    }
}

fn check_diagnostic(d: &Diagnostic, layers: &[Layer]) {
    let rendered = d.to_string();
    assert!(!d.message.is_empty(), "{rendered}");
    assert!(rendered.starts_with(&d.file), "{rendered}");
    assert!(
        rendered.contains(": error: ") || rendered.contains(": warning: "),
        "{rendered}"
    );
    let layer = layers
        .iter()
        .find(|l| l.display == d.file)
        .unwrap_or_else(|| panic!("{rendered} names no layer"));
    assert!(d.column.is_none() || d.line.is_some(), "{rendered}");
    if let Some(line) = d.line {
        let (yaml, std) = (
            yaml_lines(&layer.text),
            layer.text.lines().collect::<Vec<_>>(),
        );
        assert!(
            line >= 1 && line <= yaml.len().max(std.len()) + 1,
            "{rendered}: line past the end"
        );
        if let Some(column) = d.column {
            let width = |l: Option<&&str>| l.map_or(0, |l| l.chars().count());
            let widest = width(yaml.get(line - 1)).max(width(std.get(line - 1)));
            assert!(
                column >= 1 && column <= widest + 1,
                "{rendered}: column past the end of its line ({widest} chars)"
            );
            if located_by_text(&d.message) {
                let at: String = std
                    .get(line - 1)
                    .map_or(String::new(), |l| l.chars().skip(column - 1).collect());
                assert!(
                    points_at_quoted(&d.message, &at),
                    "{rendered}: the column points at {at:?}, not at what the message quotes"
                );
            }
        }
    }
}

/// Problems serde cannot see are located by finding the text they quote (a gate's name, a
/// builtin, a root, a pattern, an unknown key), so their position must point at that text,
/// counted in characters as the YAML parser counts its columns.
fn located_by_text(message: &str) -> bool {
    ["duplicate gate name `", "gate `", "unknown key `"]
        .iter()
        .any(|p| message.starts_with(p))
}

/// Whether `at` starts with one of the message's backtick-separated pieces, or with the last
/// dotted segment of one (an unknown key's path). A quoted text may itself hold backticks, so
/// every piece counts; an empty one only when the message quotes an empty text.
fn points_at_quoted(message: &str, at: &str) -> bool {
    message.contains("``")
        || message.split('`').filter(|p| !p.is_empty()).any(|piece| {
            let key = piece.rsplit('.').next().unwrap_or(piece);
            at.starts_with(piece) || (!key.is_empty() && at.starts_with(key))
        })
}

/// Lines as the YAML parser counts them: `\n`, `\r\n`, a lone `\r`, NEL, LS and PS each end one.
fn yaml_lines(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}') {
            out.push(&text[start..i]);
            let mut end = i + c.len_utf8();
            if c == '\r' && chars.peek().is_some_and(|(_, n)| *n == '\n') {
                chars.next();
                end += 1;
            }
            start = end;
        }
    }
    out.push(&text[start..]);
    out
}

/// The files the fixed `metadata.json` of [`archive_read`] lists: path, mode, content. The seed
/// archives in `corpus/archive_read/` hold these (or hostile variations of them).
pub const ARCHIVE_FILES: [(&str, u32, &[u8]); 4] = [
    ("settings.json", 0o644, b"{\"theme\": \"dark\"}\n"),
    (
        "CLAUDE.md",
        0o644,
        b"# Memory\n- Run the tests before a commit\n",
    ),
    ("commands/review.md", 0o600, b"Review the staged diff.\n"),
    (
        ".sfp-home/sfp.yaml",
        0o644,
        b"tags:\n  budget_chars: 4000\n",
    ),
];

/// Restore from an arbitrary archive: the bytes as a backup's `backup.tar.gz` (compressed
/// first when they are not gzip, so that tar headers are mutated directly too) beside a fixed
/// metadata.json listing [`ARCHIVE_FILES`], its archive size and SHA-256 taken from the bytes so
/// that the entry checks are reached. `verify` and the restore's staging must agree; a refused
/// archive writes nothing anywhere; an accepted one leaves exactly the listed files, with their
/// content and mode, in the target directory; nothing outside the target directory changes.
pub fn archive_read(data: &[u8]) {
    let root = tempfile::tempdir().expect("a scratch directory");
    let backup_dir = root.path().join("backups").join("20261122-020000");
    let to = root.path().join("claude");
    let outside = root.path().join("outside");
    for dir in [&backup_dir, &to, &outside] {
        std::fs::create_dir_all(dir).expect("scratch directories");
    }
    std::fs::write(outside.join("keep.txt"), b"not part of any restore\n").expect("write");
    std::fs::write(to.join("settings.json"), b"{\"theme\": \"light\"}\n").expect("write");
    let archive = if data.starts_with(&[0x1f, 0x8b]) {
        data.to_vec()
    } else {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(data).expect("gzip in memory");
        gz.finish().expect("gzip in memory")
    };
    std::fs::write(backup_dir.join("backup.tar.gz"), &archive).expect("write");
    std::fs::write(
        backup_dir.join("metadata.json"),
        fixed_metadata(&archive, &to).to_string(),
    )
    .expect("write");
    let meta = Metadata::read(&backup_dir).expect("the fixed metadata.json reads");
    let backup = Backup {
        dir: backup_dir,
        meta,
    };
    let before = snapshot(root.path());

    let verified = verify(&backup);
    assert_eq!(snapshot(root.path()), before, "verify wrote something");
    let files: Vec<_> = backup.meta.files.iter().collect();
    let paths = Paths::resolve(&Env::default(), None);
    let planned = plan(&files, Some(&to), &paths).expect("a plan into the scratch directory");
    match stage(&backup, &planned) {
        Ok(staged) => {
            assert!(verified.is_ok(), "staging accepted what verify refused");
            let done = commit(&planned, &staged);
            assert!(done.error.is_none(), "{:?}", done.error);
            for (rel, mode, content) in ARCHIVE_FILES {
                let path = to.join(rel);
                assert_eq!(std::fs::read(&path).expect("restored"), content, "{rel}");
                let meta = std::fs::symlink_metadata(&path).expect("restored");
                assert!(meta.file_type().is_file(), "{rel} is not a regular file");
                assert_eq!(
                    std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o7777,
                    mode
                );
            }
        }
        Err(e) => {
            assert!(
                verified.is_err(),
                "verify accepted what staging refused: {e}"
            );
            assert!(!e.to_string().is_empty());
            assert_eq!(
                snapshot(root.path()),
                before,
                "a refused restore wrote: {e}"
            );
        }
    }
    let after = snapshot(root.path());
    for (path, was) in before.iter().filter(|(p, _)| !p.starts_with(&to)) {
        assert_eq!(after.get(path), Some(was), "{} changed", path.display());
    }
    for path in after.keys() {
        let rel = path.strip_prefix(&to);
        assert!(
            before.contains_key(path)
                || rel.is_ok_and(|rel| ARCHIVE_FILES
                    .iter()
                    .any(|(f, _, _)| { Path::new(f) == rel || Path::new(f).starts_with(rel) })),
            "{} written by a restore into {}",
            path.display(),
            to.display()
        );
    }
}

/// metadata.json for [`ARCHIVE_FILES`] and the archive as given.
fn fixed_metadata(archive: &[u8], source: &Path) -> serde_json::Value {
    let sha = |bytes: &[u8]| format!("{:x}", Sha256::digest(bytes));
    let files: Vec<serde_json::Value> = ARCHIVE_FILES
        .iter()
        .map(|(path, mode, content)| {
            serde_json::json!({
                "path": path, "size": content.len(), "mode": mode, "mtime": 1_763_776_800,
                "sha256": sha(content),
            })
        })
        .collect();
    let bytes: usize = ARCHIVE_FILES.iter().map(|(_, _, c)| c.len()).sum();
    serde_json::json!({
        "format": 1,
        "id": "20261122-020000",
        "created": "2026-11-22T02:00:00Z",
        "reason": "manual",
        "profile": "config",
        "sfp_version": "0.1.0",
        "source_dir": source.display().to_string(),
        "include_credentials": false,
        "restore_command": "sfp restore 20261122-020000",
        "archive": {
            "name": "backup.tar.gz", "size": archive.len(), "sha256": sha(archive),
            "compression": "gzip",
        },
        "totals": {"files": files.len(), "bytes": bytes, "skipped": 0, "duration_ms": 1},
        "files": files,
    })
}

/// Every path under `root` (directories too) with its content; a symlink as its target.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(|e| e.expect("walk the scratch directory"))
        .map(|e| {
            let kind = e.file_type();
            let content = if kind.is_symlink() {
                let target = std::fs::read_link(e.path()).expect("read link");
                format!("symlink -> {}", target.display()).into_bytes()
            } else if kind.is_dir() {
                b"<dir>".to_vec()
            } else {
                std::fs::read(e.path()).expect("read")
            };
            (e.path().to_path_buf(), content)
        })
        .collect()
}
