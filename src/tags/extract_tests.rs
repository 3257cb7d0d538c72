//! Snapshots of the tag block produced from context files written the way people write them:
//! front matter, both heading levels, blank lines between items, nested and numbered lists, code
//! fences, comments, tables, explicit tags, CRLF line endings.

use super::extract::extract;
use super::model::{Block, arrange};
use super::settings::TagsSettings;

fn block_of(files: &[(&str, &str)], budget: usize) -> String {
    let settings = TagsSettings::default();
    let (mapping, _) = settings.mapping();
    let mut tags = Vec::new();
    for (name, text) in files {
        let stem = name.trim_end_matches(".md");
        tags.extend(extract(text, name, stem, &mapping, settings.max_item()).tags);
    }
    let lines = arrange(tags)
        .iter()
        .map(super::model::Tag::render)
        .collect();
    Block::fill(lines, budget).render()
}

const CLAUDE_MD: &str = r#"---
title: My context
updated: 2025-01-01
---

# About me

Some intro text that is not in any section and so is not a tag.

## Identity

- Name: Dana Müller, backend engineer at Example GmbH
- Based in Berlin (CET), works   in   English and German

- Pronouns: she/her

### Projects

1. **sfp** — a Claude Code plugin in Rust.
   Ships as one binary.
2. ledger: double-entry bookkeeping service
   - Python 3.12, FastAPI
   - Postgres 16

3. Blog at example.org (Hugo)

## Rules

- Never push to `main`; open a pull request.
- Run the tests before every commit:
  ```sh
  - this bullet is inside a code fence and is not a tag
  cargo test
  ```
- Commit messages say *why*.

<!-- TODO: add rules about reviews
- a commented-out rule
-->

Prefer small commits over big ones. This paragraph is a rule as well,
wrapped over two lines.

### Preferences

| Topic | Preference |
|-------|------------|
| Editor | Helix |
| Shell | fish |

> Answers short and direct;
> no filler.

- [x] British spelling in prose
- [ ] Dates as YYYY-MM-DD

## Notes

- A note that is not mapped: left out.

### Constraints

* No network access from tests
+ Budget: zero new dependencies without a reason

[EVIDENCIA:tests] 412 tests pass on main
[PROPUESTA:api] Move the API to gRPC

#### Sub-heading inside constraints

- Still a constraint under a level-4 heading

## Triggers

- When I say "ship it": tag a release
"#;

const RULES_MD: &str = "# Rules\n\nThese apply everywhere:\n\n- No secrets in the repo\n- Use fs-err for IO\n\n[INTERNAL:security] Keys live in the vault\n[external:docs] API docs at docs.example.org\n";

#[test]
fn a_context_file_as_people_write_it() {
    insta::assert_snapshot!(block_of(
        &[("CLAUDE.md", CLAUDE_MD), ("rules.md", RULES_MD)],
        4_000
    ));
}

#[test]
fn crlf_and_a_byte_order_mark_change_nothing() {
    let crlf = format!("\u{feff}{}", CLAUDE_MD.replace('\n', "\r\n"));
    assert_eq!(
        block_of(&[("CLAUDE.md", &crlf)], 4_000),
        block_of(&[("CLAUDE.md", CLAUDE_MD)], 4_000)
    );
}

#[test]
fn sections_separated_by_blank_lines_all_count() {
    // The original kept only the text before the first blank line and so injected nothing here.
    let text = "\n\n## Rules\n\n\n- one\n\n\n- two\n\n\n### Preferences\n\n\n- three\n\n";
    insta::assert_snapshot!(block_of(&[("CLAUDE.md", text)], 4_000), @r"
    [U:rules] one
    [U:rules] two
    [U:preferences] three
    ");
}

#[test]
fn headings_at_other_levels_and_unknown_headings() {
    let text = "# Rules\n- under a level-1 heading of CLAUDE.md: no section\n\
                #### Rules\n- level 4 alone starts nothing\n\
                ## RULES:\n- upper case with a colon\n\
                ## Rules of thumb\n- not the same heading\n";
    insta::assert_snapshot!(block_of(&[("CLAUDE.md", text)], 4_000), @"[U:rules] upper case with a colon");
}

#[test]
fn long_items_are_cut_at_a_word() {
    let long = "word ".repeat(100);
    let text = format!("## Rules\n- {long}\n");
    let settings = TagsSettings::default();
    let (mapping, _) = settings.mapping();
    let tags = extract(&text, "f.md", "f", &mapping, settings.max_item()).tags;
    assert_eq!(tags.len(), 1);
    assert!(tags[0].cut);
    assert!(tags[0].value.ends_with("word…"), "{}", tags[0].value);
    assert!(tags[0].value.chars().count() <= settings.max_item());
}

#[test]
fn unclosed_front_matter_and_fence_lose_nothing_before_them() {
    let text =
        "---\n## Rules\n- kept: no closing front-matter line\n```\n- inside an unclosed fence\n";
    insta::assert_snapshot!(block_of(&[("CLAUDE.md", text)], 4_000), @"[U:rules] kept: no closing front-matter line");
}

#[test]
fn the_budget_keeps_rules_first_and_counts_the_rest() {
    let mut text = String::new();
    for (heading, item) in [
        ("Identity", "identity fact"),
        ("Preferences", "preference"),
        ("Rules", "rule"),
    ] {
        text.push_str("## ");
        text.push_str(heading);
        text.push('\n');
        for i in 0..30 {
            text.push_str("- ");
            text.push_str(item);
            text.push_str(" number ");
            text.push_str(&i.to_string());
            text.push('\n');
        }
    }
    let out = block_of(&[("CLAUDE.md", &text)], 1_000);
    assert!(out.chars().count() <= 1_000);
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[..30].iter().all(|l| l.starts_with("[U:rules]")),
        "{out}"
    );
    assert!(lines[30].starts_with("[U:preferences]"), "{out}");
    assert!(
        !out.contains("[K:identity]"),
        "knowledge comes last and did not fit"
    );
    let shown = lines.len() - 1;
    assert_eq!(
        *lines.last().unwrap(),
        format!("… {} more tags omitted", 90 - shown)
    );
}

#[test]
fn a_lead_in_before_a_list_is_not_an_item() {
    let text = "## Rules\nRules I follow:\n\n- one\n- two\n\nThis one stands alone:\n\n## Preferences\nBy topic:\n| a | b |\n|---|---|\n| x | y |\n";
    insta::assert_snapshot!(block_of(&[("CLAUDE.md", text)], 4_000), @r"
    [U:rules] one
    [U:rules] two
    [U:rules] This one stands alone:
    [U:preferences] x · y
    ");
}
