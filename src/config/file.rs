//! The one loader of a whole config file (`gates.yaml`, `alerts.yaml`, `evidence.yaml`):
//! [`load`] reads every layer (see [`super::layers()`]), parses each once, checks it on its own,
//! and merges the layers that are valid the way the file says ([`Merge`]). A layer with an error
//! is left out, the others still apply; every problem comes back as a located diagnostic.

use serde::de::DeserializeOwned;
use serde_yaml::Value;

use super::load::{Trust, parse_layer, typed_document, untrusted};
use super::{Diagnostic, Layer, LayerKind, deep_merge, layers};
use crate::paths::Paths;

/// How the valid layers of a file combine, lowest priority first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Merge {
    /// Mappings merge key by key, anything else is replaced; the result is read once.
    Deep,
    /// Each layer is read on its own and [`ConfigFile::assemble`] gets them all (gates merge
    /// by name within a tier).
    ByName,
}

/// A config file sfp reads whole.
pub(crate) trait ConfigFile: Sized {
    /// The file's name in every layer.
    const FILE: &'static str;
    /// The layers the file is read from.
    const TRUST: Trust = Trust::Any;
    const MERGE: Merge = Merge::Deep;
    /// One layer as written.
    type Doc: DeserializeOwned + Default;

    /// Checks of one layer serde cannot make; an error leaves the layer out. `strict` is for the
    /// checks too slow for every hook (`sfp gates check` compiles every glob).
    fn validate(_layer: &Layer, _doc: &Self::Doc, _strict: bool) -> Vec<Diagnostic> {
        Vec::new()
    }

    /// Rewrites a warning about one layer (a "did you mean", a better position).
    fn refine(_layer: &Layer, warning: Diagnostic) -> Diagnostic {
        warning
    }

    /// The file from its valid documents, lowest layer first, each with the name of the layer it
    /// came from. With [`Merge::Deep`] there is one: every layer merged, named as the file.
    fn assemble(docs: Vec<(Self::Doc, String)>, diags: &mut Vec<Diagnostic>) -> Self;
}

/// The document of a [`Merge::Deep`] file: every valid layer merged, or the default when there
/// is none (for [`ConfigFile::assemble`] of a file that is its own document).
pub(crate) fn merged<T: Default>(docs: Vec<(T, String)>) -> T {
    docs.into_iter()
        .next_back()
        .map(|(doc, _)| doc)
        .unwrap_or_default()
}

/// A loaded file, its problems, and the layers it was read from.
#[derive(Debug, Clone)]
pub(crate) struct Loaded<T> {
    pub value: T,
    pub diagnostics: Vec<Diagnostic>,
    /// Every layer read, as named in messages, lowest first.
    pub layers: Vec<String>,
}

/// Loads `T` over every layer.
pub(crate) fn load<T: ConfigFile>(paths: &Paths) -> Loaded<T> {
    load_with(paths, false)
}

/// Like [`load`], with the strict checks of [`ConfigFile::validate`].
pub(crate) fn load_strict<T: ConfigFile>(paths: &Paths) -> Loaded<T> {
    load_with(paths, true)
}

fn load_with<T: ConfigFile>(paths: &Paths, strict: bool) -> Loaded<T> {
    let (layers, mut diagnostics) = layers(paths, T::FILE);
    let (value, more) = from_layers::<T>(&layers, strict);
    diagnostics.extend(more);
    Loaded {
        value,
        diagnostics,
        layers: layers.into_iter().map(|l| l.display).collect(),
    }
}

/// The problems of every layer of `T`, for `sfp health`. The defaults compiled into sfp are held
/// to zero problems by a test, so a file with no layer of the user's or the project's (and none
/// unreadable) is not parsed at all: this runs at every SessionStart.
pub(crate) fn check<T: ConfigFile>(paths: &Paths) -> Vec<Diagnostic> {
    let (layers, mut diagnostics) = layers(paths, T::FILE);
    if diagnostics.is_empty() && layers.iter().all(|l| l.kind == LayerKind::Embedded) {
        return diagnostics;
    }
    diagnostics.extend(from_layers::<T>(&layers, false).1);
    diagnostics
}

/// Reads and merges the given layers (lowest priority first).
pub(crate) fn from_layers<T: ConfigFile>(layers: &[Layer], strict: bool) -> (T, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut merged = Value::Null;
    let mut docs = Vec::new();
    for layer in layers {
        let parsed = match parse_layer(T::FILE, layer) {
            Ok(parsed) => parsed,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        if !T::TRUST.admits(layer.kind) {
            if !parsed.value.is_null() {
                diags.push(untrusted(layer, T::FILE));
            }
            continue;
        }
        diags.extend(parsed.renamed.into_iter().map(|r| r.diagnostic));
        let value = parsed.value;
        let raw = (T::MERGE == Merge::Deep).then(|| value.clone());
        let doc = match typed_document::<T::Doc>(layer, value) {
            Ok((doc, warnings)) => {
                diags.extend(warnings.into_iter().map(|w| T::refine(layer, w)));
                doc
            }
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        let problems = T::validate(layer, &doc, strict);
        let failed = problems.iter().any(Diagnostic::is_error);
        diags.extend(problems);
        if failed {
            continue;
        }
        match raw {
            Some(raw) => deep_merge(&mut merged, raw),
            None => docs.push((doc, layer.display.clone())),
        }
    }
    if T::MERGE == Merge::Deep && !merged.is_null() {
        match serde_yaml::from_value(merged) {
            Ok(doc) => docs.push((doc, T::FILE.to_owned())),
            Err(e) => diags.push(Diagnostic::error(T::FILE, e.to_string())),
        }
    }
    let value = T::assemble(docs, &mut diags);
    (value, diags)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(default)]
    struct Doc {
        keep: u32,
        nested: Nested,
    }

    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(default)]
    struct Nested {
        a: u32,
        b: u32,
    }

    struct Deep(Doc);
    impl ConfigFile for Deep {
        const FILE: &'static str = "deep.yaml";
        type Doc = Doc;
        fn assemble(docs: Vec<(Doc, String)>, _: &mut Vec<Diagnostic>) -> Self {
            Self(
                docs.into_iter()
                    .next_back()
                    .map(|d| d.0)
                    .unwrap_or_default(),
            )
        }
    }

    struct Mine(Doc);
    impl ConfigFile for Mine {
        const FILE: &'static str = "mine.yaml";
        const TRUST: Trust = Trust::User;
        type Doc = Doc;
        fn assemble(docs: Vec<(Doc, String)>, _: &mut Vec<Diagnostic>) -> Self {
            Self(
                docs.into_iter()
                    .next_back()
                    .map(|d| d.0)
                    .unwrap_or_default(),
            )
        }
    }

    struct Named(Vec<String>);
    impl ConfigFile for Named {
        const FILE: &'static str = "named.yaml";
        const MERGE: Merge = Merge::ByName;
        type Doc = Doc;
        fn validate(layer: &Layer, doc: &Doc, _: bool) -> Vec<Diagnostic> {
            if doc.keep > 100 {
                vec![Diagnostic::error(&layer.display, "keep: too many")]
            } else {
                Vec::new()
            }
        }
        fn assemble(docs: Vec<(Doc, String)>, _: &mut Vec<Diagnostic>) -> Self {
            Self(
                docs.into_iter()
                    .map(|(d, s)| format!("{s}={}", d.keep))
                    .collect(),
            )
        }
    }

    fn layer(kind: LayerKind, display: &str, text: &str) -> Layer {
        Layer {
            kind,
            path: None,
            display: display.into(),
            text: text.into(),
        }
    }

    #[test]
    fn deep_merge_reads_the_merged_layers_once() {
        let (Deep(doc), diags) = from_layers::<Deep>(
            &[
                layer(LayerKind::Embedded, "e", "keep: 1\nnested: {a: 1, b: 2}\n"),
                layer(LayerKind::User, "u", "nested: {b: 3}\n"),
                layer(LayerKind::Project, "p", "keep: lots\n"),
            ],
            false,
        );
        assert_eq!(
            doc,
            Doc {
                keep: 1,
                nested: Nested { a: 1, b: 3 }
            }
        );
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert!(
            diags[0]
                .to_string()
                .starts_with("p:1:7: error: keep: invalid type")
        );
    }

    #[test]
    fn a_user_only_file_leaves_the_projects_layers_out_and_says_so() {
        let (Mine(doc), diags) = from_layers::<Mine>(
            &[
                layer(LayerKind::User, "u", "keep: 5\n"),
                layer(LayerKind::Project, "p", "keep: 1\n"),
                layer(LayerKind::Local, "l", "# nothing\n"),
            ],
            false,
        );
        assert_eq!(doc.keep, 5);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(
            diags[0].to_string(),
            "p: warning: mine.yaml is read from your own config only (~/.claude/sfp), not a \
             project's: ignored here"
        );
    }

    #[test]
    fn by_name_gets_every_valid_layer_with_its_source() {
        let (Named(got), diags) = from_layers::<Named>(
            &[
                layer(LayerKind::Embedded, "e", "keep: 1\n"),
                layer(LayerKind::User, "u", "keep: 500\n"),
                layer(LayerKind::Project, "p", "keep: 2\nzzz: 1\n"),
            ],
            false,
        );
        assert_eq!(got, ["e=1", "p=2"]);
        let texts: Vec<String> = diags.iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            [
                "u: error: keep: too many",
                "p: warning: unknown key `zzz` (ignored)"
            ]
        );
    }
}
