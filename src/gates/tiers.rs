//! The tiers sfp runs: `gates.yaml` read by the config loader (every layer, embedded < plugin <
//! user < project < local, parsed and checked on its own, so that an error names the file, line
//! and column where it was written; a layer with an error is left out and the others still
//! apply), then merged by name: a gate whose name is already in the tier overrides it field by
//! field (`disabled: true` switches an inherited gate off), any other gate is added at the end.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use super::matcher::Matcher;
use super::schema::{GateSpec, GatesFile, TierSpec};
use super::validate::{locate_key, validate_layer};
use crate::config::{ConfigFile, Diagnostic, Layer, Merge};

/// The file's name in every layer.
pub const FILE: &str = "gates.yaml";
/// The tier the Stop hook and `sfp gates run` use unless told otherwise.
pub(super) const DEFAULT_TIER: &str = "fast";
/// A gate's time limit when its config gives none.
pub(super) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// What a gate does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// A shell command line.
    Command(String),
    /// The built-in secret scan.
    Secrets,
}

/// A gate ready to run.
#[derive(Debug, Clone)]
#[expect(clippy::struct_excessive_bools, reason = "independent yes/no settings")]
pub struct Gate {
    pub name: String,
    pub description: String,
    pub action: Action,
    pub required: bool,
    pub critical: bool,
    pub timeout: Duration,
    pub matcher: Matcher,
    pub when_exists: Vec<String>,
    pub when_command: Vec<String>,
    pub fix: Option<String>,
    pub env: Vec<(String, String)>,
    /// Directory to run in, relative to the project.
    pub root: Option<PathBuf>,
    pub disabled: bool,
    /// How failures are attributed to the session's changes.
    pub attribution: super::attribution::Mode,
    /// Results may be reused for the same definition and content.
    pub cache: bool,
    /// The layer that last defined or changed the gate.
    pub source: String,
}

#[derive(Debug, Clone)]
pub struct Tier {
    pub name: String,
    pub description: String,
    pub fail_fast: bool,
    pub gates: Vec<Gate>,
}

/// Every tier, `fast` and `deep` first.
#[derive(Debug, Clone, Default)]
pub struct GatesConfig {
    pub tiers: Vec<Tier>,
}

impl GatesConfig {
    pub fn tier(&self, name: &str) -> Option<&Tier> {
        self.tiers.iter().find(|t| t.name == name)
    }
}

/// `gates.yaml` for [`crate::config::load`]: gates merge by name within a tier, and each layer
/// is validated on its own ([`validate_layer`]; `strict` also compiles every glob of every layer,
/// reporting the ones that do not compile at their line and column). Otherwise globs are compiled
/// when first used (a glob that does not compile skips its gate with the reason).
impl ConfigFile for GatesConfig {
    const FILE: &'static str = FILE;
    const MERGE: Merge = Merge::ByName;
    type Doc = GatesFile;

    fn validate(layer: &Layer, file: &GatesFile, strict: bool) -> Vec<Diagnostic> {
        let mut diags = validate_layer(layer, file, strict);
        if !file.gates.is_empty() && !file.tiers.is_empty() {
            // The original reads the flat list only when there are no tiers: keep that meaning.
            let d = Diagnostic::warning(
                &layer.display,
                format!(
                    "the flat `gates:` list ({} gate(s)) is ignored because this file has \
                     `tiers:`; move its gates into a tier (e.g. `tiers.fast.gates`)",
                    file.gates.len()
                ),
            );
            let line = layer.text.lines().position(|l| l.starts_with("gates:"));
            diags.push(d.at(line.map(|l| (l + 1, 1))));
        }
        diags
    }

    fn refine(layer: &Layer, warning: Diagnostic) -> Diagnostic {
        locate_key(layer, warning)
    }

    fn assemble(docs: Vec<(GatesFile, String)>, diags: &mut Vec<Diagnostic>) -> Self {
        let mut tiers: BTreeMap<String, Merged> = BTreeMap::new();
        for (file, source) in docs {
            let GatesFile {
                tiers: file_tiers,
                gates: legacy,
            } = file;
            let has_tiers = !file_tiers.is_empty();
            let mut all: Vec<(String, TierSpec)> = file_tiers.into_iter().collect();
            if !legacy.is_empty() && !has_tiers {
                all.push((
                    DEFAULT_TIER.to_owned(),
                    TierSpec {
                        gates: legacy,
                        ..TierSpec::default()
                    },
                ));
            }
            for (name, spec) in all {
                tiers.entry(name).or_default().add(spec, &source);
            }
        }
        let mut out = Vec::new();
        for (name, merged) in tiers {
            let mut gates = Vec::new();
            for (spec, source) in merged.gates {
                match resolve(spec, &source) {
                    Ok(gate) => gates.push(gate),
                    Err(d) => diags.push(d),
                }
            }
            out.push(Tier {
                description: merged.description.unwrap_or_default(),
                fail_fast: merged.fail_fast.unwrap_or(false),
                name,
                gates,
            });
        }
        out.sort_by_key(|t| {
            (
                match t.name.as_str() {
                    "fast" => 0,
                    "deep" => 1,
                    _ => 2,
                },
                t.name.clone(),
            )
        });
        GatesConfig { tiers: out }
    }
}

/// Reads and merges the given layers (lowest priority first), as [`crate::config::load`] does
/// with the layers it finds.
pub fn from_layers(layers: &[Layer], strict: bool) -> (GatesConfig, Vec<Diagnostic>) {
    crate::config::from_layers::<GatesConfig>(layers, strict)
}

/// The first tier of `yaml` read as one project layer, which must hold no problem: the gates a
/// unit test runs.
#[cfg(test)]
pub(crate) fn test_tier(yaml: &str) -> Tier {
    let layer = Layer {
        kind: crate::config::LayerKind::Project,
        path: None,
        display: "t".into(),
        text: yaml.into(),
    };
    let (cfg, diags) = from_layers(&[layer], true);
    assert!(diags.is_empty(), "{diags:?}");
    cfg.tiers.into_iter().next().unwrap()
}

/// One tier over the layers read so far.
#[derive(Default)]
struct Merged {
    description: Option<String>,
    fail_fast: Option<bool>,
    gates: Vec<(GateSpec, String)>,
}

impl Merged {
    /// Lays one layer's spec of the tier over it: a gate whose name is already in the tier
    /// overrides it field by field, any other is added at the end.
    fn add(&mut self, spec: TierSpec, source: &str) {
        if spec.description.is_some() {
            self.description = spec.description;
        }
        if spec.fail_fast.is_some() {
            self.fail_fast = spec.fail_fast;
        }
        for gate in spec.gates {
            match self.gates.iter_mut().find(|(g, _)| g.name == gate.name) {
                Some((existing, from)) => {
                    existing.merge(gate);
                    source.clone_into(from);
                }
                None => self.gates.push((gate, source.to_owned())),
            }
        }
    }
}

/// Turns a merged spec into a runnable gate.
fn resolve(spec: GateSpec, source: &str) -> Result<Gate, Diagnostic> {
    let action = match (spec.command, spec.builtin.as_deref()) {
        (Some(cmd), None) if !cmd.trim().is_empty() => Action::Command(cmd),
        (None, Some("secrets")) => Action::Secrets,
        _ => {
            return Err(Diagnostic::error(
                source,
                format!(
                    "gate `{}` needs a `command` (or `builtin: secrets`)",
                    spec.name
                ),
            ));
        }
    };
    let patterns = spec.file_patterns.unwrap_or_default().0;
    let exclude = spec.exclude.unwrap_or_default().0;
    let matcher = Matcher::new(&patterns, &exclude);
    let when = spec.when.unwrap_or_default();
    Ok(Gate {
        description: spec.description.unwrap_or_default(),
        required: spec.required.unwrap_or(true),
        critical: spec.critical.unwrap_or(false),
        timeout: spec.timeout.map_or(DEFAULT_TIMEOUT, |t| t.0),
        matcher,
        when_exists: when.exists.0,
        when_command: when.command.0,
        fix: spec.fix.filter(|f| !f.trim().is_empty()),
        env: spec.env.unwrap_or_default().into_iter().collect(),
        root: spec.root.filter(|r| !r.is_empty()).map(PathBuf::from),
        disabled: spec.disabled.unwrap_or(false),
        attribution: spec
            .attribution
            .as_deref()
            .and_then(super::attribution::Mode::parse)
            .unwrap_or_default(),
        cache: spec.cache.unwrap_or(true),
        source: source.to_owned(),
        action,
        name: spec.name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::LayerKind;

    fn layer(display: &str, text: &str) -> Layer {
        Layer {
            kind: LayerKind::Project,
            path: None,
            display: display.into(),
            text: text.into(),
        }
    }

    fn from_layers_strict(layers: &[Layer]) -> (GatesConfig, Vec<Diagnostic>) {
        from_layers(layers, true)
    }

    #[test]
    fn the_shipped_defaults_load_without_a_warning() {
        let text = crate::config::embedded(FILE).expect("gates.yaml is embedded");
        let (cfg, diags) = from_layers_strict(&[layer("<embedded>/gates.yaml", text)]);
        assert!(diags.is_empty(), "{diags:?}");
        let fast = cfg.tier("fast").expect("a fast tier");
        assert!(fast.gates.iter().any(|g| g.action == Action::Secrets));
        assert!(cfg.tier("deep").is_some());
        assert!(
            fast.gates
                .iter()
                .chain(&cfg.tier("deep").unwrap().gates)
                .all(|g| g.action == Action::Secrets
                    || !g.when_command.is_empty()
                    || !g.when_exists.is_empty())
        );
    }

    #[test]
    fn project_layers_add_and_override_by_name() {
        let base = layer(
            "base",
            "tiers:\n  fast:\n    description: quick\n    gates:\n      - {name: lint, command: ruff check, timeout: 30s, critical: true}\n      - {name: fmt, command: ruff format --check}\n",
        );
        let project = layer(
            "project",
            "tiers:\n  fast:\n    gates:\n      - {name: lint, timeout: 5s}\n      - {name: fmt, disabled: true}\n      - {name: todo, command: '! grep -rn TODO .', exclude: [vendor/]}\n",
        );
        let (cfg, diags) = from_layers_strict(&[base, project]);
        assert!(diags.is_empty(), "{diags:?}");
        let fast = cfg.tier("fast").unwrap();
        assert_eq!(fast.description, "quick");
        let names: Vec<_> = fast.gates.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["lint", "fmt", "todo"]);
        assert_eq!(fast.gates[0].timeout, Duration::from_secs(5));
        assert!(fast.gates[0].critical);
        assert_eq!(fast.gates[0].source, "project");
        assert!(fast.gates[1].disabled);
    }

    #[test]
    fn legacy_flat_gates_belong_to_fast() {
        let (cfg, diags) = from_layers_strict(&[layer(
            "legacy",
            "gates:\n  - name: tests\n    command: pytest -q\n    required: true\n    timeout: 2m\n    file_patterns: ['*.py']\n",
        )]);
        assert!(diags.is_empty(), "{diags:?}");
        let g = &cfg.tier("fast").unwrap().gates[0];
        assert_eq!(g.timeout, Duration::from_secs(120));
        assert!(g.matcher.matches("src/deep/a.py"));
    }

    #[test]
    fn a_flat_list_beside_tiers_is_ignored_with_a_warning() {
        let (cfg, diags) = from_layers_strict(&[layer(
            "o.yaml",
            "tiers:\n  fast:\n    gates:\n      - {name: a, command: x}\n# legacy\ngates:\n  - {name: tsc, command: tsc}\n",
        )]);
        let names: Vec<&str> = cfg
            .tier("fast")
            .unwrap()
            .gates
            .iter()
            .map(|g| g.name.as_str())
            .collect();
        assert_eq!(names, ["a"]);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert!(!diags[0].is_error());
        assert_eq!((diags[0].line, diags[0].column), (Some(6), Some(1)));
        assert!(
            diags[0]
                .message
                .contains("flat `gates:` list (1 gate(s)) is ignored"),
            "{}",
            diags[0]
        );
    }

    #[test]
    fn errors_carry_line_and_column() {
        let bad_type = layer(
            "g.yaml",
            "tiers:\n  fast:\n    gates:\n      - name: x\n        command: y\n        timeout: soon\n",
        );
        let (_, diags) = from_layers_strict(&[bad_type]);
        let d = diags.iter().find(|d| d.is_error()).expect("an error");
        assert_eq!((d.line, d.column), (Some(6), Some(18)), "{d}");
        assert!(d.to_string().starts_with("g.yaml:6:18: error:"), "{d}");

        let dup = layer(
            "d.yaml",
            "tiers:\n  fast:\n    gates:\n      - {name: a, command: x}\n      - {name: a, command: y}\n",
        );
        let (cfg, diags) = from_layers_strict(&[dup]);
        assert_eq!(diags.len(), 1);
        assert_eq!(
            (diags[0].line, diags[0].column),
            (Some(5), Some(16)),
            "{}",
            diags[0]
        );
        assert!(diags[0].message.contains("duplicate gate name `a`"));
        assert!(cfg.tiers.is_empty(), "a layer with errors is left out");

        let glob = layer(
            "p.yaml",
            "gates:\n  - name: a\n    command: x\n    file_patterns: ['src/[a']\n",
        );
        let (_, diags) = from_layers_strict(&[glob]);
        assert_eq!(
            (diags[0].line, diags[0].column),
            (Some(4), Some(22)),
            "{}",
            diags[0]
        );
        assert!(diags[0].message.contains("does not compile"));
    }

    #[test]
    fn columns_count_characters_like_the_yaml_parser() {
        // `ü`, `ï`, `ö` and `é` take two bytes each: a byte offset would put the duplicate
        // name 8 columns too far right, past the serde error's own column scheme.
        let (_, diags) = from_layers_strict(&[layer(
            "u.yaml",
            "tiers:\n  fast:\n    gates:\n      - {name: é, command: x}\n      - {description: ünïcödé ünïcödé, name: é, command: y}\n",
        )]);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!((diags[0].line, diags[0].column), (Some(5), Some(46)));
        let (_, diags) = from_layers_strict(&[layer(
            "t.yaml",
            "tiers:\n  fast:\n    gates:\n      - {description: ééé, name: a, command: x, timeout: soon}\n",
        )]);
        assert_eq!((diags[0].line, diags[0].column), (Some(4), Some(58)));
        let (_, diags) = from_layers_strict(&[layer(
            "b.yaml",
            "gates:\n  - {description: ééé, name: a, builtin: secretz}\n",
        )]);
        assert_eq!((diags[0].line, diags[0].column), (Some(2), Some(42)));
    }

    #[test]
    fn unknown_keys_warn_with_their_path() {
        let (cfg, diags) = from_layers_strict(&[layer(
            "w.yaml",
            "tiers:\n  fast:\n    gates:\n      - {name: a, command: x, timout: 5}\n",
        )]);
        assert_eq!(cfg.tier("fast").unwrap().gates.len(), 1);
        assert_eq!(diags.len(), 1);
        assert!(!diags[0].is_error());
        assert_eq!(
            diags[0].message,
            "unknown key `tiers.fast.gates[0].timout` (ignored; did you mean `timeout`?)"
        );
        let (_, diags) = from_layers_strict(&[layer(
            "w.yaml",
            "tiers:\n  fast:\n    gates:\n      - {name: a, command: x, when: {comand: x}, zzz: 1}\n",
        )]);
        let messages: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "unknown key `tiers.fast.gates[0].when.comand` (ignored; did you mean `command`?)",
                "unknown key `tiers.fast.gates[0].zzz` (ignored)"
            ]
        );
    }

    #[test]
    fn a_timeout_without_a_unit_is_an_error_that_names_the_fix() {
        let (cfg, diags) = from_layers_strict(&[layer(
            "gates.yaml",
            "tiers:\n  fast:\n    gates:\n      - name: lint\n        command: x\n        timeout: 30000\n",
        )]);
        assert!(cfg.tiers.is_empty(), "the layer is left out");
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(
            diags[0].to_string(),
            "gates.yaml:6:18: error: tiers.fast.gates[0].timeout: `30000` has no unit: write \
             30000ms or 30s (a duration takes ms, s, m, h or d)"
        );
    }

    #[test]
    fn a_gate_needs_something_to_run() {
        let (_, diags) =
            from_layers_strict(&[layer("n.yaml", "gates:\n  - name: a\n    fix: nothing\n")]);
        assert!(
            diags[0].message.contains("needs a `command`"),
            "{}",
            diags[0]
        );
    }
}
