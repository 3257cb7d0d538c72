//! The tag model: `[TYPE:category] value`, which tags come first, duplicates dropped, and the
//! character budget that decides what is injected and what is only counted.
//!
//! Priority: rules and constraints first, then preferences, triggers and the other `U:`/`C:`
//! categories, then knowledge (`K:`) and the remaining types (`EVIDENCIA`, `PROPUESTA`,
//! `INTERNAL`, `EXTERNAL`). Within a priority, tags keep the order of their files. The budget is
//! strict: once a tag does not fit, it and every tag after it are omitted, so a lower-priority tag
//! never takes the place of a higher one.

use std::collections::HashSet;
use std::fmt;

use serde::Serialize;

/// The tag types sfp reads; the first three come from headings, all from explicit lines.
pub(super) const TYPES: [&str; 7] = [
    "K",
    "U",
    "C",
    "EVIDENCIA",
    "PROPUESTA",
    "INTERNAL",
    "EXTERNAL",
];

/// `TYPE:category`, as in `U:rules`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct TagName {
    #[serde(rename = "type")]
    pub kind: String,
    pub category: String,
}

impl TagName {
    /// Parses `TYPE:category`: a known type (any case, kept upper case) and a category of
    /// letters, digits, `_`, `-` or `.`.
    pub fn parse(text: &str) -> Option<Self> {
        let (kind, category) = text.split_once(':')?;
        let kind = kind.trim().to_ascii_uppercase();
        let category = category.trim();
        let valid_category = !category.is_empty()
            && category
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
        (TYPES.contains(&kind.as_str()) && valid_category).then(|| Self {
            kind,
            category: category.to_owned(),
        })
    }

    /// 0 = rules and constraints, 1 = preferences, triggers and other `U:`/`C:`, 2 = the rest.
    pub fn priority(&self) -> u8 {
        let category = self.category.to_ascii_lowercase();
        if matches!(category.as_str(), "rules" | "constraints") {
            0
        } else if matches!(category.as_str(), "preferences" | "triggers")
            || matches!(self.kind.as_str(), "U" | "C")
        {
            1
        } else {
            2
        }
    }
}

impl fmt::Display for TagName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind, self.category)
    }
}

/// One tag, and where it was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tag {
    pub name: TagName,
    pub value: String,
    /// The file, as shown to people (`~/.claude/.context/rules.md`).
    pub source: String,
    /// 1-based line of the item's first line.
    pub line: usize,
    /// The item was longer than the cut length and ends with `…`.
    pub cut: bool,
}

impl Tag {
    /// `[TYPE:category] value`.
    pub fn render(&self) -> String {
        format!("[{}] {}", self.name, self.value)
    }
}

/// Drops repeated tags (same name, same value ignoring case), keeping the first, and orders the
/// rest by priority, stable within a priority.
pub fn arrange(tags: Vec<Tag>) -> Vec<Tag> {
    let mut seen = HashSet::new();
    let mut kept: Vec<Tag> = tags
        .into_iter()
        .filter(|t| seen.insert(dedupe_key(t)))
        .collect();
    kept.sort_by_key(|t| t.name.priority());
    kept
}

fn dedupe_key(tag: &Tag) -> String {
    format!(
        "{}:{}\u{0}{}",
        tag.name.kind,
        tag.name.category.to_lowercase(),
        tag.value.to_lowercase()
    )
}

/// What fits in the budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The rendered lines that fit, in order.
    pub lines: Vec<String>,
    /// How many tags did not fit.
    pub omitted: usize,
}

impl Block {
    /// Takes tags in order while their lines (each with its newline) fit in `budget` characters,
    /// keeping room for the closing `… N more tags omitted` line when one is needed.
    pub fn fill(lines: Vec<String>, budget: usize) -> Self {
        let total = lines.len();
        let mut used = 0;
        let mut kept = Vec::new();
        for (i, line) in lines.into_iter().enumerate() {
            let cost = line.chars().count() + 1;
            let remaining_after = total - i - 1;
            let reserve = if remaining_after == 0 {
                0
            } else {
                omitted_line(remaining_after).chars().count() + 1
            };
            if used + cost + reserve > budget {
                break;
            }
            used += cost;
            kept.push(line);
        }
        let omitted = total - kept.len();
        Self {
            lines: kept,
            omitted,
        }
    }

    /// The lines, then `… N more tags omitted` when something did not fit.
    pub fn render(&self) -> String {
        let mut out = self.lines.join("\n");
        if self.omitted > 0 {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&omitted_line(self.omitted));
        }
        out
    }
}

fn omitted_line(n: usize) -> String {
    if n == 1 {
        "… 1 more tag omitted".to_owned()
    } else {
        format!("… {n} more tags omitted")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(name: &str, value: &str) -> Tag {
        Tag {
            name: TagName::parse(name).unwrap(),
            value: value.into(),
            source: "f.md".into(),
            line: 1,
            cut: false,
        }
    }

    #[test]
    fn names_parse_known_types_only() {
        assert_eq!(TagName::parse("u:rules").unwrap().to_string(), "U:rules");
        assert_eq!(
            TagName::parse("EVIDENCIA:tests").unwrap().to_string(),
            "EVIDENCIA:tests"
        );
        assert!(TagName::parse("Note:x").is_none());
        assert!(TagName::parse("K:").is_none());
        assert!(TagName::parse("K:two words").is_none());
        assert!(TagName::parse("rules").is_none());
    }

    #[test]
    fn priority_orders_rules_then_preferences_then_knowledge() {
        let tags = vec![
            tag("K:identity", "a"),
            tag("U:preferences", "b"),
            tag("C:constraints", "c"),
            tag("EXTERNAL:api", "d"),
            tag("C:triggers", "e"),
            tag("U:rules", "f"),
            tag("K:projects", "g"),
        ];
        let order: Vec<String> = arrange(tags).iter().map(|t| t.value.clone()).collect();
        assert_eq!(order, ["c", "f", "b", "e", "a", "d", "g"]);
    }

    #[test]
    fn duplicates_appear_once() {
        let tags = vec![
            tag("U:rules", "Run the tests"),
            tag("U:rules", "run the tests"),
            tag("U:preferences", "Run the tests"),
        ];
        let kept = arrange(tags);
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[0].value, "Run the tests");
    }

    #[test]
    fn budget_is_strict_and_counts_the_rest() {
        let lines: Vec<String> = (0..10).map(|i| format!("[U:rules] rule {i:02}")).collect();
        // Each line is 18 chars + newline = 19.
        let block = Block::fill(lines.clone(), 19 * 10);
        assert_eq!(block.omitted, 0);
        assert_eq!(block.render().lines().count(), 10);
        let block = Block::fill(lines.clone(), 100);
        assert!(block.omitted > 0);
        let text = block.render();
        assert!(text.chars().count() <= 100, "{text}");
        assert!(text.ends_with(&format!("… {} more tags omitted", block.omitted)));
        assert_eq!(block.lines.len() + block.omitted, 10);
        // A long line that does not fit stops the fill: nothing after it sneaks in.
        let mut mixed = vec!["x".repeat(150)];
        mixed.push("short".into());
        let block = Block::fill(mixed, 100);
        assert!(block.lines.is_empty());
        assert_eq!(block.render(), "… 2 more tags omitted");
    }
}
