//! Parsing and merging config layers.
//!
//! Each layer is parsed once and checked on its own, so a type error or an unknown key is
//! reported with the file, line and column where it was written. Valid layers are then merged
//! (see [`super::file`] for the strategies) and the result is deserialized once. Old key names
//! are read through [`super::rename`] right after the parse.

use std::sync::OnceLock;

use serde::de::{DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde_yaml::Value;

use super::rename::{self, Renamed};
use super::{Diagnostic, Layer, LayerKind, display_path, layers};
use crate::paths::Paths;

/// Which layers may set a file or a section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    /// Every layer, the project's included.
    Any,
    /// The user's own layers only (the default, the plugin's, the options, `$SFP_HOME`): a
    /// project's committed config must not change what is done to the user's home.
    User,
}

impl Trust {
    pub fn admits(self, kind: LayerKind) -> bool {
        self == Self::Any || !matches!(kind, LayerKind::Project | LayerKind::Local)
    }
}

/// A section of `sfp.yaml`, read with [`Config::section`].
pub trait Section: DeserializeOwned + Default {
    /// The layers the section is read from.
    const TRUST: Trust = Trust::Any;
}

/// A warning for a layer that sets what it may not: it is left out.
pub(super) fn untrusted(layer: &Layer, what: &str) -> Diagnostic {
    Diagnostic::warning(
        &layer.display,
        format!(
            "{what} is read from your own config only (~/.claude/sfp), not a project's: \
             ignored here"
        ),
    )
}

/// One layer parsed into an untyped value, old key names read as the new ones.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub value: Value,
    pub renamed: Vec<Renamed>,
}

/// Parses one layer of `file` (the one parse of that layer).
pub(crate) fn parse_layer(file: &str, layer: &Layer) -> Result<Parsed, Diagnostic> {
    let mut value = parse_value(layer)?;
    let renamed = rename::apply(file, layer, &mut value);
    Ok(Parsed { value, renamed })
}

/// Parses a whole document into `T`, reporting unknown keys as warnings with their path.
/// An empty document (or one holding only comments) is `T::default()`.
pub fn parse_document<T: DeserializeOwned + Default>(
    layer: &Layer,
) -> Result<(T, Vec<Diagnostic>), Diagnostic> {
    let value = parse_value(layer)?;
    typed_document(layer, value)
}

/// Reads one layer's untyped value as `T`. The check runs on the value; only when it fails is
/// the text deserialized again, so that the error names the line and column.
pub(crate) fn typed_document<T: DeserializeOwned + Default>(
    layer: &Layer,
    value: Value,
) -> Result<(T, Vec<Diagnostic>), Diagnostic> {
    if value.is_null() {
        return Ok((T::default(), Vec::new()));
    }
    let mut unknown = Vec::new();
    let typed: T = match serde_ignored::deserialize(value, |path| {
        unknown.push(path.to_string());
    }) {
        Ok(value) => value,
        Err(e) => {
            let de = serde_yaml::Deserializer::from_str(&layer.text);
            return Err(match serde_ignored::deserialize::<_, _, T>(de, |_| {}) {
                Err(located) => Diagnostic::from_yaml(&layer.display, &located),
                Ok(_) => Diagnostic::error(&layer.display, e.to_string()),
            });
        }
    };
    let warnings = unknown
        .into_iter()
        .map(|p| unknown_key(layer, &display_path(&p)))
        .collect();
    Ok((typed, warnings))
}

fn unknown_key(layer: &Layer, path: &str) -> Diagnostic {
    Diagnostic::warning(&layer.display, format!("unknown key `{path}` (ignored)"))
}

/// Parses a layer into an untyped YAML value (syntax errors only). A blank document (only
/// comments) is null. A typed map keeps only the last of two equal keys, so `fast:` written twice
/// in a tier list would silently lose the first; this untyped parse refuses duplicates, with
/// their position.
pub fn parse_value(layer: &Layer) -> Result<Value, Diagnostic> {
    if is_blank(&layer.text) {
        return Ok(Value::Null);
    }
    serde_yaml::from_str(&layer.text).map_err(|e| Diagnostic::from_yaml(&layer.display, &e))
}

fn is_blank(text: &str) -> bool {
    text.lines().all(|l| {
        let l = l.trim();
        l.is_empty() || l.starts_with('#') || l == "---"
    })
}

/// Merges `over` into `base`: mappings key by key, anything else replaced.
pub(crate) fn deep_merge(base: &mut Value, over: Value) {
    match (base, over) {
        (Value::Mapping(b), Value::Mapping(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(slot) => deep_merge(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (_, Value::Null) => {}
        (slot, v) => *slot = v,
    }
}

/// sfp's main settings file, `sfp.yaml`, with every layer loaded. Each capability reads its own
/// section with [`Config::section`]. Each layer is parsed at most once per process, on first use
/// (a prompt whose settings are cached parses none).
#[derive(Debug, Clone)]
pub struct Config {
    layers: Vec<Layer>,
    parsed: Vec<OnceLock<Result<Parsed, Diagnostic>>>,
    problems: Vec<Diagnostic>,
}

impl Config {
    pub const FILE: &'static str = "sfp.yaml";

    pub fn load(paths: &Paths) -> Self {
        let (layers, problems) = layers(paths, Self::FILE);
        Self::with_problems(layers, problems)
    }

    /// A config made of the given layers (tests).
    pub fn from_layers(layers: Vec<Layer>) -> Self {
        Self::with_problems(layers, Vec::new())
    }

    fn with_problems(layers: Vec<Layer>, problems: Vec<Diagnostic>) -> Self {
        let parsed = layers.iter().map(|_| OnceLock::new()).collect();
        Self {
            layers,
            parsed,
            problems,
        }
    }

    /// Adds the plugin options as a layer above the plugin's `config/` and below the user's
    /// file (see [`super::options`]); an invalid option is a warning and is left out.
    #[must_use]
    pub fn with_plugin_options(
        mut self,
        env: &crate::env::Env,
        claude_dir: &std::path::Path,
    ) -> Self {
        let (layer, diags) = super::options::layer(&super::options::values(env, claude_dir));
        self.problems.extend(diags);
        if let Some(layer) = layer {
            let at = self
                .layers
                .iter()
                .position(|l| !matches!(l.kind, LayerKind::Embedded | LayerKind::Plugin))
                .unwrap_or(self.layers.len());
            self.layers.insert(at, layer);
            self.parsed.insert(at, OnceLock::new());
        }
        self
    }

    /// The effective value of `section.key` and the layer that set it last (`None` when no
    /// layer sets it), counting only the layers `trust` admits (see [`Section::TRUST`]).
    pub fn source_of(&self, section: &str, key: &str, trust: Trust) -> Option<(Value, &Layer)> {
        let mut found = None;
        for (i, layer) in self.layers.iter().enumerate() {
            if !trust.admits(layer.kind) {
                continue;
            }
            if let Ok(all) = self.parsed(i)
                && let Some(v) = all.value.get(section).and_then(|s| s.get(key))
                && !v.is_null()
            {
                found = Some((v.clone(), layer));
            }
        }
        found
    }

    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// The parse of layer `i`, made once.
    fn parsed(&self, i: usize) -> &Result<Parsed, Diagnostic> {
        self.parsed[i].get_or_init(|| parse_layer(Self::FILE, &self.layers[i]))
    }

    /// Reads section `key` of `sfp.yaml`, merged over every layer its type trusts. A layer whose
    /// section does not parse is left out and reported; the others still apply.
    pub fn section<T: Section>(&self, key: &str) -> (T, Vec<Diagnostic>) {
        let mut diags = self.problems.clone();
        let mut merged = Value::Null;
        for (i, layer) in self.layers.iter().enumerate() {
            if !T::TRUST.admits(layer.kind) {
                continue;
            }
            match check_section::<T>(layer, self.parsed(i), key) {
                Ok((raw, warnings)) => {
                    diags.extend(warnings);
                    if let Some(raw) = raw {
                        deep_merge(&mut merged, raw);
                    }
                }
                Err(d) => diags.push(d),
            }
        }
        if merged.is_null() {
            return (T::default(), diags);
        }
        match serde_yaml::from_value(merged) {
            Ok(v) => (v, diags),
            Err(e) => {
                diags.push(Diagnostic::error(Self::FILE, format!("{key}: {e}")));
                (T::default(), diags)
            }
        }
    }

    /// Every problem in every layer, for every section named in `sections` (for `health` and
    /// `check` commands). Unknown top-level keys are warnings. The defaults compiled into sfp are
    /// not checked again here: a test holds them to zero problems.
    pub fn check_all(&self, sections: &[(&str, SectionCheck)]) -> Vec<Diagnostic> {
        let mut diags = self.problems.clone();
        for (i, layer) in self.layers.iter().enumerate() {
            if layer.kind == LayerKind::Embedded {
                continue;
            }
            match self.parsed(i) {
                Err(d) => diags.push(d.clone()),
                Ok(parsed) => match &parsed.value {
                    Value::Mapping(map) => {
                        for k in map.keys() {
                            let name = k.as_str().unwrap_or("?");
                            if !sections.iter().any(|(s, _)| *s == name) {
                                diags.push(unknown_key(layer, name));
                            }
                        }
                        for (name, check) in sections {
                            diags.extend(check(layer, parsed, name));
                        }
                    }
                    Value::Null => {}
                    _ => diags.push(Diagnostic::error(
                        &layer.display,
                        "expected a mapping of sections",
                    )),
                },
            }
        }
        diags
    }
}

/// Checks one section of one layer, given the layer's parse; built with [`section_check`].
pub(crate) type SectionCheck = fn(&Layer, &Parsed, &str) -> Vec<Diagnostic>;

/// A [`SectionCheck`] for a section of type `T`: its errors and warnings in that layer, or one
/// warning when the layer may not set it.
pub(crate) fn section_check<T: Section>(
    layer: &Layer,
    parsed: &Parsed,
    key: &str,
) -> Vec<Diagnostic> {
    if !T::TRUST.admits(layer.kind) {
        return match parsed.value.get(key) {
            Some(v) if !v.is_null() => {
                let at = super::locate_key(&layer.text, key);
                vec![untrusted(layer, &format!("`{key}:`")).at(at)]
            }
            _ => Vec::new(),
        };
    }
    match check_section::<T>(layer, &Ok(parsed.clone()), key) {
        Ok((_, warnings)) => warnings,
        Err(d) => vec![d],
    }
}

/// Checks section `key` of one layer as `T` and returns its raw value for merging, with the
/// warnings about that section (unknown keys, old names). The check runs on the parsed value;
/// only when it fails is the text deserialized again, so that the error names the line and
/// column where the value was written.
fn check_section<T: DeserializeOwned>(
    layer: &Layer,
    parsed: &Result<Parsed, Diagnostic>,
    key: &str,
) -> Result<(Option<Value>, Vec<Diagnostic>), Diagnostic> {
    let parsed = parsed.as_ref().map_err(Clone::clone)?;
    let Some(section) = parsed.value.get(key) else {
        return Ok((None, Vec::new()));
    };
    let mut warnings: Vec<Diagnostic> = parsed
        .renamed
        .iter()
        .filter(|r| r.section == key)
        .map(|r| r.diagnostic.clone())
        .collect();
    let mut unknown = Vec::new();
    let typed: Result<T, _> =
        serde_ignored::deserialize(section.clone(), |path| unknown.push(path.to_string()));
    if let Err(e) = typed {
        return Err(located_error::<T>(layer, key)
            .unwrap_or_else(|| Diagnostic::error(&layer.display, format!("{key}: {e}"))));
    }
    warnings.extend(
        unknown
            .into_iter()
            .map(|p| unknown_key(layer, &display_path(&format!("{key}.{p}")))),
    );
    Ok((Some(section.clone()), warnings))
}

/// The error deserializing section `key` of the layer's text as `T`, with its position.
fn located_error<T: DeserializeOwned>(layer: &Layer, key: &str) -> Option<Diagnostic> {
    let mut unknown = Vec::new();
    let de = serde_yaml::Deserializer::from_str(&layer.text);
    let seed = SectionSeed::<T> {
        key,
        unknown: &mut unknown,
        _t: std::marker::PhantomData,
    };
    seed.deserialize(de)
        .err()
        .map(|e| Diagnostic::from_yaml(&layer.display, &e))
}

/// Walks the top-level mapping, deserializing only `key` as `T` (recording unknown keys) and
/// skipping the rest.
struct SectionSeed<'a, T> {
    key: &'a str,
    unknown: &'a mut Vec<String>,
    _t: std::marker::PhantomData<T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for SectionSeed<'_, T> {
    type Value = bool;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for SectionSeed<'_, T> {
    type Value = bool;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a mapping of sections")
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut found = false;
        while let Some(k) = map.next_key::<String>()? {
            if k == self.key {
                map.next_value_seed(Typed::<T> {
                    unknown: &mut *self.unknown,
                    _t: std::marker::PhantomData,
                })?;
                found = true;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

struct Typed<'a, T> {
    unknown: &'a mut Vec<String>,
    _t: std::marker::PhantomData<T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for Typed<'_, T> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        let _: T = serde_ignored::deserialize(d, |path| self.unknown.push(path.to_string()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::LayerKind;
    use serde::Deserialize;

    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(default)]
    struct Limits {
        min_mb: u64,
        max_pct: u8,
        nested: Inner,
    }

    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(default)]
    struct Inner {
        flag: bool,
        name: String,
    }

    impl Section for Limits {}

    /// A section only the user's layers may set, with a renamed key.
    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(default)]
    struct Kept {
        keep: u32,
        #[serde(deserialize_with = "crate::config::duration")]
        lock_wait: std::time::Duration,
    }

    impl Section for Kept {
        const TRUST: Trust = Trust::User;
    }

    fn layer_of(kind: LayerKind, display: &str, text: &str) -> Layer {
        Layer {
            kind,
            ..layer(display, text)
        }
    }

    #[test]
    fn a_user_only_section_leaves_the_projects_layers_out() {
        let cfg = Config::from_layers(vec![
            layer_of(LayerKind::Embedded, "e", "backup:\n  keep: 10\n"),
            layer_of(LayerKind::User, "u", "backup:\n  lock_wait_ms: 1500\n"),
            layer_of(LayerKind::Project, "p", "backup:\n  keep: 1\n"),
            layer_of(LayerKind::Local, "l", "backup:\n  keep: 0\n"),
        ]);
        let (kept, diags) = cfg.section::<Kept>("backup");
        assert_eq!(kept.keep, 10, "the project's keep is not read");
        assert_eq!(kept.lock_wait, std::time::Duration::from_millis(1500));
        let texts: Vec<String> = diags.iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            [
                "u:2:3: warning: `backup.lock_wait_ms` is an old name: write `lock_wait: 1500ms` \
              (the old name is still read)"
            ]
        );
        let source = cfg.source_of("backup", "keep", Kept::TRUST).unwrap();
        assert_eq!(source.1.display, "e");
        let source = cfg.source_of("backup", "keep", Trust::Any).unwrap();
        assert_eq!(source.1.display, "l");
    }

    fn layer(display: &str, text: &str) -> Layer {
        Layer {
            kind: LayerKind::User,
            path: None,
            display: display.into(),
            text: text.into(),
        }
    }

    #[test]
    fn later_layers_override_key_by_key() {
        let cfg = Config::from_layers(vec![
            layer(
                "a",
                "limits:\n  min_mb: 10\n  max_pct: 5\n  nested: {flag: true, name: x}\n",
            ),
            layer("b", "limits:\n  max_pct: 9\n  nested: {name: y}\n"),
        ]);
        let (v, diags) = cfg.section::<Limits>("limits");
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(
            v,
            Limits {
                min_mb: 10,
                max_pct: 9,
                nested: Inner {
                    flag: true,
                    name: "y".into()
                }
            }
        );
    }

    #[test]
    fn type_errors_carry_line_and_column_and_skip_the_layer() {
        let cfg = Config::from_layers(vec![
            layer("a", "limits:\n  min_mb: 10\n"),
            layer("b", "other: 1\nlimits:\n  min_mb: lots\n"),
        ]);
        let (v, diags) = cfg.section::<Limits>("limits");
        assert_eq!(v.min_mb, 10);
        assert_eq!(diags.len(), 1);
        let d = &diags[0];
        assert_eq!(
            (d.file.as_str(), d.line, d.column),
            ("b", Some(3), Some(11))
        );
        assert!(
            d.to_string()
                .starts_with("b:3:11: error: limits.min_mb: invalid type"),
            "{d}"
        );
    }

    #[test]
    fn unknown_keys_are_warnings_with_dotted_paths() {
        let cfg = Config::from_layers(vec![layer(
            "a",
            "limits:\n  min_mbb: 1\n  nested: {flg: true}\n",
        )]);
        let (_, diags) = cfg.section::<Limits>("limits");
        let texts: Vec<String> = diags.iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            vec![
                "a: warning: unknown key `limits.min_mbb` (ignored)",
                "a: warning: unknown key `limits.nested.flg` (ignored)"
            ]
        );
    }

    #[test]
    fn syntax_errors_are_located() {
        let l = layer("g.yaml", "gates:\n  - name: x\n   command: y\n");
        let d = parse_value(&l).unwrap_err();
        assert_eq!(d.file, "g.yaml");
        assert!(d.line.is_some() && d.column.is_some(), "{d:?}");
    }

    #[test]
    fn duplicate_keys_are_errors_not_silently_the_last() {
        #[derive(Debug, Default, Deserialize)]
        #[serde(default)]
        struct Tiers {
            tiers: std::collections::BTreeMap<String, Vec<String>>,
        }
        let l = layer("t.yaml", "tiers:\n  fast: [a]\n  deep: [b]\n  fast: [c]\n");
        let d = parse_document::<Tiers>(&l).unwrap_err();
        assert_eq!((d.line, d.column), (Some(2), Some(3)), "{d}");
        assert!(d.message.contains("duplicate entry"), "{d}");
    }

    #[test]
    fn blank_documents_are_defaults() {
        let (v, w) = parse_document::<Limits>(&layer("a", "# nothing yet\n\n")).unwrap();
        assert_eq!(v, Limits::default());
        assert!(w.is_empty());
        let cfg = Config::from_layers(vec![layer("a", "")]);
        assert_eq!(cfg.section::<Limits>("limits").0, Limits::default());
    }
}
