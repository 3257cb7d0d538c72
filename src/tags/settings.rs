//! The `tags:` section of `sfp.yaml`: which headings map to which tag, the character budget, the
//! cut length of one item, and whether every prompt repeats the whole block.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::model::TagName;

/// The budget when none is configured, in characters of tag lines.
pub(super) const DEFAULT_BUDGET: usize = 4_000;
/// The largest budget sfp accepts; a larger setting is lowered to it.
pub(super) const MAX_BUDGET: usize = 10_000;

/// Settings of the TAG context capability.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct TagsSettings {
    /// Inject nothing when false (`sfp tags` still shows what would be injected).
    pub enabled: bool,
    /// Characters of tag lines injected at most (default 4,000, never above 10,000).
    pub budget_chars: usize,
    /// An item longer than this is cut at a word boundary and ends with `…`.
    pub max_item_chars: usize,
    /// Repeat the whole block on every prompt instead of only what changed.
    pub every_prompt: bool,
    /// Also read `<project>/.claude/sfp/context/*.md`.
    pub project_context: bool,
    /// Heading text (case-insensitive) → tag, e.g. `rules: "U:rules"`. An empty value turns a
    /// default heading off.
    pub sections: BTreeMap<String, String>,
}

impl crate::config::Section for TagsSettings {}

/// The mapping of the original plugin: headings at level 2 or 3.
pub(super) const DEFAULT_SECTIONS: [(&str, &str); 7] = [
    ("identity", "K:identity"),
    ("projects", "K:projects"),
    ("relationships", "K:relationships"),
    ("rules", "U:rules"),
    ("preferences", "U:preferences"),
    ("triggers", "C:triggers"),
    ("constraints", "C:constraints"),
];

impl Default for TagsSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            budget_chars: DEFAULT_BUDGET,
            max_item_chars: 280,
            every_prompt: false,
            project_context: true,
            sections: DEFAULT_SECTIONS
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }
}

impl TagsSettings {
    /// The budget actually used: the setting, lowered to [`MAX_BUDGET`], at least 200.
    pub fn budget(&self) -> usize {
        self.budget_chars.clamp(200, MAX_BUDGET)
    }

    /// The cut length of one item, kept within sensible bounds.
    pub fn max_item(&self) -> usize {
        self.max_item_chars.clamp(40, 2_000)
    }

    /// The resolved heading mapping, and a message for each value that is not `TYPE:category`.
    pub fn mapping(&self) -> (Mapping, Vec<String>) {
        let mut map = BTreeMap::new();
        let mut problems = Vec::new();
        for (heading, value) in &self.sections {
            let key = heading_key(heading);
            if value.trim().is_empty() || key.is_empty() {
                continue;
            }
            match TagName::parse(value.trim()) {
                Some(name) => {
                    map.insert(key, name);
                }
                None => problems.push(format!(
                    "tags.sections.{heading}: `{value}` is not TYPE:category (e.g. U:rules); ignored"
                )),
            }
        }
        (Mapping(map), problems)
    }
}

/// Normalised heading text → tag.
#[derive(Debug, Clone, Default)]
pub struct Mapping(BTreeMap<String, TagName>);

impl Mapping {
    /// The tag for a heading or a file stem, if mapped.
    pub fn lookup(&self, heading: &str) -> Option<&TagName> {
        self.0.get(&heading_key(heading))
    }
}

/// How headings are compared: letters and digits only (emoji, emphasis and a trailing colon
/// dropped), words single-spaced, lower case. `## 🎯 **Rules**:` → `rules`.
pub(super) fn heading_key(text: &str) -> String {
    let kept: String = text
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_lowercase().next().unwrap_or(c)
            } else {
                ' '
            }
        })
        .collect();
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_compare_loosely() {
        assert_eq!(heading_key("## 🎯 **Rules**:"), "rules");
        assert_eq!(
            heading_key("  Working   Preferences "),
            "working preferences"
        );
        let (map, problems) = TagsSettings::default().mapping();
        assert!(problems.is_empty());
        assert_eq!(map.lookup("RULES").unwrap().to_string(), "U:rules");
        assert_eq!(
            map.lookup("Constraints:").unwrap().to_string(),
            "C:constraints"
        );
        assert!(map.lookup("Notes").is_none());
    }

    #[test]
    fn bad_and_empty_mapping_values() {
        let mut s = TagsSettings::default();
        s.sections.insert("rules".into(), String::new());
        s.sections.insert("Stack".into(), "K:stack".into());
        s.sections.insert("oops".into(), "nocolon".into());
        let (map, problems) = s.mapping();
        assert!(
            map.lookup("rules").is_none(),
            "an empty value turns a heading off"
        );
        assert_eq!(map.lookup("stack").unwrap().to_string(), "K:stack");
        assert_eq!(problems.len(), 1);
        assert!(problems[0].contains("tags.sections.oops"));
    }

    fn embedded_layer(name: &str) -> crate::config::Layer {
        crate::config::Layer {
            kind: crate::config::LayerKind::Embedded,
            path: None,
            display: format!("<embedded>/{name}"),
            text: crate::config::embedded(name).unwrap().to_owned(),
        }
    }

    #[test]
    fn the_shipped_defaults_parse_cleanly_and_match_the_code() {
        let cfg = crate::config::Config::from_layers(vec![embedded_layer("sfp.yaml")]);
        let (s, diags) = cfg.section::<TagsSettings>("tags");
        assert!(diags.is_empty(), "{diags:?}");
        let d = TagsSettings::default();
        assert_eq!(s.sections, d.sections);
        assert_eq!(
            (
                s.enabled,
                s.budget_chars,
                s.max_item_chars,
                s.every_prompt,
                s.project_context
            ),
            (
                d.enabled,
                d.budget_chars,
                d.max_item_chars,
                d.every_prompt,
                d.project_context
            )
        );
        let (evidence, warnings) = crate::config::parse_document::<crate::tags::EvidenceConfig>(
            &embedded_layer("evidence.yaml"),
        )
        .unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert!(evidence.enabled && evidence.dependencies);
        assert!(evidence.kinds["node"].required[0].contains("package-lock.json"));
    }

    #[test]
    fn budget_is_clamped() {
        let s = TagsSettings {
            budget_chars: 50_000,
            ..TagsSettings::default()
        };
        assert_eq!(s.budget(), MAX_BUDGET);
        assert_eq!(TagsSettings::default().budget(), DEFAULT_BUDGET);
    }
}
