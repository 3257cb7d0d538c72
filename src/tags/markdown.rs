//! Line-level Markdown recognisers for the extractor: front matter, indentation, fences,
//! thematic breaks, list markers, task boxes, blockquotes, explicit `[TYPE:category]` lines,
//! folding nested bullets and whitespace, and cutting long items at a word boundary.

use super::model::TagName;

/// The index of the first line after a YAML front matter block (0 when there is none).
pub(super) fn front_matter_end(lines: &[&str]) -> usize {
    if lines.first().map(|l| l.trim_end()) != Some("---") {
        return 0;
    }
    lines
        .iter()
        .enumerate()
        .skip(1)
        .find(|(_, l)| matches!(l.trim_end(), "---" | "..."))
        .map_or(0, |(i, _)| i + 1)
}

/// Leading indentation in columns (a tab counts 4) and the rest of the line, right-trimmed.
pub(super) fn split_indent(line: &str) -> (usize, &str) {
    let mut cols = 0;
    for (i, c) in line.char_indices() {
        match c {
            ' ' => cols += 1,
            '\t' => cols += 4,
            _ => return (cols, line[i..].trim_end()),
        }
    }
    (cols, "")
}

/// A fence opener or closer: its character, its length, and the info string after it.
pub(super) fn fence_marker(body: &str) -> Option<(char, usize, &str)> {
    let ch = body.chars().next().filter(|c| matches!(c, '`' | '~'))?;
    let len = body.chars().take_while(|c| *c == ch).count();
    (len >= 3).then(|| (ch, len, body[len..].trim()))
}

/// `---`, `***`, `___` (three or more, spaces allowed).
pub(super) fn is_break(body: &str) -> bool {
    let mut chars = body.chars().filter(|c| !c.is_whitespace());
    let Some(first) = chars.next().filter(|c| matches!(c, '-' | '*' | '_')) else {
        return false;
    };
    let rest: Vec<char> = chars.collect();
    rest.len() >= 2 && rest.iter().all(|c| *c == first)
}

/// The text after a list marker, and whether it was numbered.
pub(super) fn list_marker(body: &str) -> Option<(&str, bool)> {
    let bytes = body.as_bytes();
    if matches!(bytes.first(), Some(b'-' | b'*' | b'+')) {
        return match bytes.get(1) {
            None => Some(("", false)),
            Some(b' ' | b'\t') => Some((body[1..].trim_start(), false)),
            _ => None,
        };
    }
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    if (1..=9).contains(&digits) && matches!(bytes.get(digits), Some(b'.' | b')')) {
        return match bytes.get(digits + 1) {
            None => Some(("", true)),
            Some(b' ' | b'\t') => Some((body[digits + 1..].trim_start(), true)),
            _ => None,
        };
    }
    None
}

pub(super) fn strip_task_box(text: &str) -> &str {
    for prefix in ["[ ] ", "[x] ", "[X] "] {
        if let Some(rest) = text.strip_prefix(prefix) {
            return rest;
        }
    }
    text
}

pub(super) fn strip_quote(body: &str) -> &str {
    let mut text = body;
    while let Some(rest) = text.strip_prefix('>') {
        text = rest.trim_start();
    }
    text
}

/// `[TYPE:category] value` with a known type and a non-empty value.
pub(super) fn explicit(text: &str) -> Option<(TagName, &str)> {
    let rest = text.strip_prefix('[')?;
    let (inner, value) = rest.split_once(']')?;
    let name = TagName::parse(inner)?;
    let value = value.trim();
    (!value.is_empty()).then_some((name, value))
}

/// Adds a nested bullet to its parent: after a colon with a space, otherwise after `; `.
pub(super) fn join_child(parent: &mut String, child: &str) {
    let child = child.trim();
    if child.is_empty() {
        return;
    }
    let trimmed = parent.trim_end();
    if trimmed.is_empty() {
        child.clone_into(parent);
    } else if trimmed.ends_with(':') {
        parent.truncate(trimmed.len());
        parent.push(' ');
        parent.push_str(child);
    } else {
        parent.truncate(trimmed.len());
        parent.push_str("; ");
        parent.push_str(child);
    }
}

/// Folds runs of whitespace to one space and drops `**` emphasis markers.
pub(super) fn fold(text: &str) -> String {
    text.replace("**", "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Cuts `text` to at most `max` characters at a word boundary, ending with `…`.
pub(super) fn cut_at_word(text: &str, max: usize) -> (String, bool) {
    if text.chars().count() <= max {
        return (text.to_owned(), false);
    }
    let keep: String = text.chars().take(max.saturating_sub(1)).collect();
    let boundary = keep
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_whitespace())
        .map(|(i, _)| i)
        .filter(|i| keep[..*i].chars().count() >= max / 2);
    let head = boundary.map_or(keep.as_str(), |i| &keep[..i]);
    let head = head.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':'));
    (format!("{head}…"), true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_at_a_word_boundary() {
        let (v, cut) = cut_at_word("one two three four five six", 15);
        assert!(cut);
        assert_eq!(v, "one two three…");
        assert!(v.chars().count() <= 15);
        let (v, cut) = cut_at_word("short", 15);
        assert_eq!((v.as_str(), cut), ("short", false));
        // No space in reach: cut inside the word rather than lose everything.
        let (v, _) = cut_at_word(&"x".repeat(50), 10);
        assert_eq!(v, format!("{}…", "x".repeat(9)));
    }

    #[test]
    fn markers_and_breaks() {
        assert_eq!(list_marker("- a"), Some(("a", false)));
        assert_eq!(list_marker("12) b"), Some(("b", true)));
        assert_eq!(list_marker("-a"), None);
        assert_eq!(list_marker("**bold** text"), None);
        assert_eq!(list_marker("2024. was a year"), Some(("was a year", true)));
        assert!(is_break("---"));
        assert!(is_break("* * *"));
        assert!(!is_break("--"));
        assert!(!is_break("- -x"));
        assert_eq!(split_indent("\t  - x "), (6, "- x"));
    }

    #[test]
    fn explicit_tags_need_a_known_type() {
        let (name, value) = explicit("[PROPUESTA:api] use REST").unwrap();
        assert_eq!(
            (name.to_string(), value),
            ("PROPUESTA:api".into(), "use REST")
        );
        assert!(explicit("[link](http://x)").is_none());
        assert!(explicit("[Note:x] text").is_none());
        assert!(explicit("[U:rules]").is_none());
    }
}
