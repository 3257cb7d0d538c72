//! Checks of one gates.yaml layer that serde cannot make: every gate named, no name twice in a
//! tier, known builtins, roots inside the project and (when strict) globs that compile. serde
//! keeps no positions for values, so each problem is located by finding its text in the file.

use std::collections::BTreeMap;

use super::matcher::Matcher;
use super::schema::{GateSpec, GatesFile};
use crate::config::{Diagnostic, Layer, column, locate, path_segments};

/// Checks one layer on its own: names, duplicates, builtins, globs, roots. Errors are located
/// by finding the offending text in the file.
pub(super) fn validate_layer(layer: &Layer, file: &GatesFile, strict: bool) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let mut lists: Vec<(String, &[GateSpec])> = file
        .tiers
        .iter()
        .map(|(name, t)| (format!("tiers.{name}.gates"), t.gates.as_slice()))
        .collect();
    if !file.gates.is_empty() {
        lists.push(("gates".to_owned(), file.gates.as_slice()));
    }
    let mut located = |at: Option<(usize, usize)>, message: String| {
        diags.push(Diagnostic::error(&layer.display, message).at(at));
    };
    let mut seen_names: BTreeMap<String, usize> = BTreeMap::new();
    for (list, gates) in lists {
        let mut in_tier: Vec<&str> = Vec::new();
        for (i, gate) in gates.iter().enumerate() {
            let at = format!("{list}[{i}]");
            let nth = {
                let count = seen_names.entry(gate.name.clone()).or_insert(0);
                *count += 1;
                *count
            };
            if gate.name.trim().is_empty() {
                located(None, format!("{at}.name: a gate has no `name`"));
                continue;
            }
            if in_tier.contains(&gate.name.as_str()) {
                located(
                    locate_name(&layer.text, &gate.name, nth),
                    format!("{at}.name: duplicate gate name `{}` in `{list}`", gate.name),
                );
            }
            in_tier.push(&gate.name);
            if gate.command.is_some() && gate.builtin.is_some() {
                located(
                    locate_name(&layer.text, &gate.name, nth),
                    format!(
                        "{at}: gate `{}` has both `command` and `builtin`",
                        gate.name
                    ),
                );
            }
            if let Some(b) = gate.builtin.as_deref()
                && b != "secrets"
            {
                located(
                    locate(&layer.text, b, 1),
                    format!(
                        "{at}.builtin: gate `{}`: unknown builtin `{b}` (known: secrets)",
                        gate.name
                    ),
                );
            }
            if let Some(a) = gate.attribution.as_deref()
                && super::attribution::Mode::parse(a).is_none()
            {
                located(
                    locate(&layer.text, a, 1),
                    format!(
                        "{at}.attribution: gate `{}`: unknown attribution `{a}` (use lines, \
                         files or off)",
                        gate.name
                    ),
                );
            }
            if let Some(root) = gate.root.as_deref()
                && (root.starts_with('/') || root.split('/').any(|c| c == ".."))
            {
                located(
                    locate(&layer.text, root, 1),
                    format!(
                        "{at}.root: gate `{}`: `root` must stay inside the project: `{root}`",
                        gate.name
                    ),
                );
            }
            let pats = gate.file_patterns.iter().chain(gate.exclude.iter());
            for pattern in pats.flat_map(|s| s.0.iter()).filter(|_| strict) {
                if let Err(e) = Matcher::new(std::slice::from_ref(pattern), &[]).compile() {
                    located(
                        locate(&layer.text, pattern, 1),
                        format!(
                            "{at}: gate `{}`: pattern `{pattern}` does not compile: {}",
                            gate.name, e.1
                        ),
                    );
                }
            }
        }
    }
    diags
}

/// Keys known at each level of gates.yaml, for "did you mean".
const TOP_KEYS: &[&str] = &["tiers", "gates"];
const TIER_KEYS: &[&str] = &["description", "fail_fast", "gates"];
const GATE_KEYS: &[&str] = &[
    "name",
    "description",
    "command",
    "builtin",
    "required",
    "critical",
    "timeout",
    "file_patterns",
    "exclude",
    "when",
    "fix",
    "env",
    "root",
    "cwd",
    "disabled",
    "attribution",
    "cache",
];
const WHEN_KEYS: &[&str] = &["exists", "command"];

/// The known key closest to `key` at the level its path names, when one is close enough.
fn did_you_mean(path: &[&str], key: &str) -> Option<&'static str> {
    let known = match path {
        [] => TOP_KEYS,
        ["tiers", _] => TIER_KEYS,
        ["tiers", _, "gates", _] | ["gates", _] => GATE_KEYS,
        [.., "when"] => WHEN_KEYS,
        _ => return None,
    };
    known
        .iter()
        .map(|k| (edit_distance(k, key), *k))
        .filter(|(d, k)| *d <= (k.len() / 3).max(1))
        .min()
        .map(|(_, k)| k)
}

/// Levenshtein distance, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diag + usize::from(ca != *cb));
            diag = above;
        }
    }
    row[b.len()]
}

/// Adds a "did you mean" to an unknown-key warning, and the position of the key (its last path
/// segment, as a key).
pub(super) fn locate_key(layer: &Layer, mut d: Diagnostic) -> Diagnostic {
    let path = d.message.split('`').nth(1).map(str::to_owned);
    let Some(path) = path else {
        return d;
    };
    let segs = path_segments(&path);
    if let Some((last, parents)) = segs.split_last() {
        if let Some(k) = did_you_mean(parents, last) {
            d.message = format!("unknown key `{path}` (ignored; did you mean `{k}`?)");
        }
        let at = locate(&layer.text, &format!("{last}:"), 1);
        d = d.at(at);
    }
    d
}

/// Line and column of the value of the `nth` `name: <name>` in `text`.
fn locate_name(text: &str, name: &str, nth: usize) -> Option<(usize, usize)> {
    let pattern = format!(
        r#"\bname:\s*["']?({})["']?\s*(?:[,}}#]|$)"#,
        regex::escape(name)
    );
    let re = regex::Regex::new(&pattern).ok()?;
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            re.captures(line)
                .and_then(|c| c.get(1))
                .map(|m| (i + 1, column(line, m.start())))
        })
        .nth(nth.checked_sub(1)?)
}
