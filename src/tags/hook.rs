//! The hook handlers: the whole tag block at SessionStart, and at each prompt nothing — unless
//! the context files changed since this session's last injection (then only the new or changed
//! tags), or this is the session's first prompt and the project evidence finds something missing.
//!
//! The prompt path is built to be cheap in the common case: list two directories, stat a handful
//! of files, read one small state file, compare a fingerprint, and return. Files are read and
//! hashed only when their metadata moved; an edit that leaves the tags as they were injects
//! nothing.

use std::collections::HashSet;
use std::fmt::Write as _;

use super::evidence;
use super::gather::{self, Gathered};
use super::settings::TagsSettings;
use super::state::{self, TagState};
use crate::app::Ctx;
use crate::hook::{HookInput, Response};

/// SessionStart (startup, clear, compact, and a resume this session has no state for): the whole
/// block. A resumed conversation replays what its first SessionStart gave it, so a resume of a
/// session that already has the block is answered like a prompt: only what changed.
pub(crate) fn on_session_start(
    ctx: &Ctx,
    input: &HookInput,
    out: &mut Response,
) -> anyhow::Result<()> {
    if input.source.as_deref() == Some("resume")
        && let Some(id) = input.session_id.clone()
        && state::path(&ctx.paths, &id).exists()
    {
        return on_user_prompt_submit(ctx, input, out);
    }
    let config_hash = config_hash(ctx);
    let settings = settings(ctx);
    if !settings.enabled {
        return Ok(());
    }
    let gathered = gather::gather(ctx, &settings);
    log_problems(ctx, &gathered);
    if let Some(text) = gathered.injection(settings.budget()) {
        out.add_context(text);
    }
    if let Some(id) = input.session_id.clone() {
        let path = state::path(&ctx.paths, &id);
        let previous = load(ctx, &path).unwrap_or_default();
        let next = TagState {
            fingerprint: gathered.fingerprint.clone(),
            content_hash: gathered.content_hash.clone(),
            evidence_checked: previous.evidence_checked,
            injected_at: Some(now()),
            config_hash,
            settings: Some(settings),
            ..TagState::default()
        };
        save(ctx, &path, &next, Some(&gathered.lines()));
    }
    Ok(())
}

/// UserPromptSubmit: a delta when the sources changed, the evidence on the first prompt.
#[allow(
    clippy::unnecessary_wraps,
    reason = "a hook handler: its signature is the dispatch table's"
)]
pub(crate) fn on_user_prompt_submit(
    ctx: &Ctx,
    input: &HookInput,
    out: &mut Response,
) -> anyhow::Result<()> {
    let Some(id) = input.session_id.clone() else {
        ctx.log
            .debug("tags: no session id, so no per-session state; nothing injected");
        return Ok(());
    };
    let path = state::path(&ctx.paths, &id);
    let previous = load(ctx, &path);
    let fresh = previous.is_none();
    let mut next = previous.unwrap_or_default();
    let config_hash = config_hash(ctx);
    let settings = match next.settings.take() {
        Some(cached) if next.config_hash == config_hash => cached,
        _ => settings(ctx),
    };
    if !settings.enabled {
        return Ok(());
    }
    let listing = gather::list(ctx, &settings);
    let fingerprint = listing.fingerprint(&gather::salt(&settings));
    let mut dirty = next.config_hash != config_hash;
    next.config_hash = config_hash;
    let mut known = None;
    if settings.every_prompt || fresh || next.fingerprint != fingerprint {
        let gathered = gather::from_listing(ctx, &listing, &settings);
        log_problems(ctx, &gathered);
        if settings.every_prompt || fresh {
            // The original's behaviour, or a session whose SessionStart left no state.
            if let Some(text) = gathered.injection(settings.budget()) {
                out.add_context(text);
                next.injected_at = Some(now());
            }
        } else if gathered.content_hash != next.content_hash {
            let before = state::load_known(&path);
            if let Some(text) = delta_text(&before, &gathered, settings.budget()) {
                out.add_context(text);
                next.injected_at = Some(now());
            }
            ctx.log
                .info("tags: context files changed since the last injection");
        }
        next.content_hash.clone_from(&gathered.content_hash);
        known = Some(gathered.lines());
        next.fingerprint = fingerprint;
        dirty = true;
    }
    if !next.evidence_checked {
        if let Some(text) = evidence_text(ctx) {
            out.add_context(text);
        }
        next.evidence_checked = true;
        dirty = true;
    }
    if dirty {
        next.settings = Some(settings);
        save(ctx, &path, &next, known.as_deref());
    }
    Ok(())
}

fn settings(ctx: &Ctx) -> TagsSettings {
    let (settings, diags) = ctx.config.section::<TagsSettings>("tags");
    for d in diags.iter().filter(|d| d.is_error()) {
        ctx.log.warn(&format!("tags: {d}"));
    }
    settings
}

/// A hash of every `sfp.yaml` layer's text: the settings are a function of it. (std's hasher:
/// fast, and if a new Rust release changes it the settings are merely parsed once more.)
fn config_hash(ctx: &Ctx) -> String {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut hasher = DefaultHasher::new();
    env!("CARGO_PKG_VERSION").hash(&mut hasher);
    for layer in ctx.config.layers() {
        layer.display.hash(&mut hasher);
        layer.text.hash(&mut hasher);
    }
    format!("{:016x}", hasher.finish())
}

fn load(ctx: &Ctx, path: &std::path::Path) -> Option<TagState> {
    match state::load(path) {
        Ok(state) => state,
        Err(problem) => {
            ctx.log.warn(&format!("tags: {problem}"));
            None
        }
    }
}

fn save(ctx: &Ctx, path: &std::path::Path, next: &TagState, known: Option<&[String]>) {
    if let Err(e) = state::save(path, next, known) {
        ctx.log
            .warn(&format!("tags: cannot save {}: {e:#}", path.display()));
    }
}

fn log_problems(ctx: &Ctx, gathered: &Gathered) {
    for s in &gathered.skipped {
        ctx.log
            .warn(&format!("tags: skipped {}: {}", s.display, s.reason));
    }
    for p in &gathered.mapping_problems {
        ctx.log.warn(&format!("tags: {p}"));
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The tags that are new or changed since `known`, and those gone, phrased as facts; `None`
/// when the tag lines are the same.
///
/// `known` is what [`state::save`] kept, masked ([`crate::util::redact`]); the tag lines of now
/// are compared in that form, so that a line holding a secret is not new each time.
pub(super) fn delta_text(known: &[String], gathered: &Gathered, budget: usize) -> Option<String> {
    let old: HashSet<&str> = known.iter().map(String::as_str).collect();
    // Each tag rendered and masked once: (line, masked line, source file).
    let now: Vec<(String, String, &str)> = gathered
        .tags
        .iter()
        .map(|t| {
            let line = t.render();
            let masked = crate::util::redact::text(&line).into_owned();
            (line, masked, t.source.as_str())
        })
        .collect();
    let new: HashSet<&str> = now.iter().map(|(_, masked, _)| masked.as_str()).collect();
    let removed: Vec<String> = known
        .iter()
        .filter(|l| !new.contains(l.as_str()))
        .cloned()
        .collect();
    let added: Vec<(String, &str)> = now
        .iter()
        .filter(|(_, masked, _)| !old.contains(masked.as_str()))
        .map(|(line, _, source)| (line.clone(), *source))
        .collect();
    if added.is_empty() && removed.is_empty() {
        return None;
    }
    let files: Vec<&str> = added.iter().map(|(_, source)| *source).collect();
    let mut text = String::from("The user's standing context changed during this session");
    if !files.is_empty() {
        let _ = write!(text, " ({} edited)", unique(&files).join(", "));
    }
    text.push('.');
    if !added.is_empty() {
        let block = super::model::Block::fill(added.into_iter().map(|(l, _)| l).collect(), budget);
        let _ = write!(text, "\nNew or changed tags:\n{}", block.render());
    }
    if !removed.is_empty() {
        let block = super::model::Block::fill(removed, (budget / 2).max(200));
        let _ = write!(
            text,
            "\nTags no longer in the context files:\n{}",
            block.render()
        );
    }
    Some(text)
}

fn unique<'a>(items: &[&'a str]) -> Vec<&'a str> {
    let mut seen = HashSet::new();
    items.iter().copied().filter(|i| seen.insert(*i)).collect()
}

/// The project evidence note, when something is missing.
fn evidence_text(ctx: &Ctx) -> Option<String> {
    let project = ctx.paths.project.as_ref()?;
    let crate::config::Loaded {
        value: config,
        diagnostics: diags,
        ..
    } = crate::config::load::<evidence::EvidenceConfig>(&ctx.paths);
    for d in &diags {
        ctx.log.warn(&format!("evidence: {d}"));
    }
    if !config.enabled {
        return None;
    }
    let findings = evidence::examine(project, &config);
    let show = gather::shower(ctx);
    let text = evidence::report(&findings, &show);
    if text.is_some() {
        ctx.log.info(&format!(
            "evidence: {} lacks something ({} dependency note(s), {} missing file(s))",
            show(project),
            findings.dependencies.len(),
            findings.missing.len()
        ));
    }
    text
}
