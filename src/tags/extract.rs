//! Markdown → tags: reads one context file line by line and turns every item of a mapped section
//! into one tag.
//!
//! - A section starts at a heading of level 2 or 3 whose text is in the mapping (`## Rules` →
//!   `U:rules`); any other level-2/3 heading ends it. A level-1 heading goes back to the file's
//!   own default, which is the mapping of its name (`rules.md` → `U:rules`, `CLAUDE.md` → none),
//!   so a file that is just a list of rules needs no heading. Deeper headings (`####`) stay in
//!   the section and are not items.
//! - An item is a bullet (`-`, `*`, `+`), a numbered item (`1.`, `1)`), a paragraph, a blockquote
//!   paragraph, or a table row (the header row is skipped). Continuation lines join their item;
//!   blank lines between items change nothing. Nested bullets fold into their top-level item
//!   (`Testing: unit; integration`), so each top-level bullet is one tag with its context kept.
//! - A paragraph that ends with `:` right before a list or table (`Rules I follow:`) introduces
//!   it and is not an item of its own.
//! - A line written as `[TYPE:category] value` is taken as it is, in any section or none.
//! - Skipped: YAML front matter, fenced code blocks (``` and ~~~), HTML comments, thematic breaks.
//! - CRLF and a byte-order mark are accepted. Whitespace is folded, `**bold**` markers and task
//!   boxes (`[ ]`, `[x]`) dropped, and a long item is cut at a word boundary with `…`.

use super::markdown::{
    cut_at_word, explicit, fence_marker, fold, front_matter_end, is_break, join_child, list_marker,
    split_indent, strip_quote, strip_task_box,
};
use super::model::{Tag, TagName};
use super::settings::Mapping;

/// A mapped heading, and how many items it held (for `sfp tags check`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub heading: String,
    pub name: TagName,
    pub line: usize,
    pub items: usize,
}

/// Everything taken from one file.
#[derive(Debug, Clone, Default)]
pub struct Extracted {
    pub tags: Vec<Tag>,
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    List { indent: usize },
    Paragraph,
    TableRow,
}

#[derive(Debug)]
struct Pending {
    kind: Kind,
    text: String,
    line: usize,
}

struct Parser<'a> {
    source: &'a str,
    mapping: &'a Mapping,
    max_chars: usize,
    file_default: Option<TagName>,
    current: Option<TagName>,
    pending: Option<Pending>,
    /// A paragraph ending in `:`, kept back until it is known whether a list follows.
    lead_in: Option<(TagName, Pending)>,
    blank_before: bool,
    out: Extracted,
}

/// Extracts the tags of one file. `source` names the file in each tag; `stem` (the file name
/// without `.md`) gives the default section.
pub fn extract(
    text: &str,
    source: &str,
    stem: &str,
    mapping: &Mapping,
    max_chars: usize,
) -> Extracted {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let start = front_matter_end(&lines);
    let file_default = mapping.lookup(stem).cloned();
    let mut p = Parser {
        source,
        mapping,
        max_chars,
        current: file_default.clone(),
        file_default,
        pending: None,
        lead_in: None,
        blank_before: false,
        out: Extracted::default(),
    };
    let mut fence: Option<(char, usize)> = None;
    let mut in_comment = false;
    for (i, raw) in lines.iter().enumerate().skip(start) {
        let number = i + 1;
        let (indent, body) = split_indent(raw);
        if let Some((ch, len)) = fence {
            if fence_marker(body).is_some_and(|(c, l, rest)| c == ch && l >= len && rest.is_empty())
            {
                fence = None;
            }
            continue;
        }
        if in_comment {
            in_comment = !body.contains("-->");
            continue;
        }
        if let Some((ch, len, _)) = fence_marker(body) {
            if !matches!(
                p.pending,
                Some(Pending {
                    kind: Kind::List { .. },
                    ..
                })
            ) || indent == 0
            {
                p.flush();
            }
            fence = Some((ch, len));
            continue;
        }
        if let Some(rest) = body.strip_prefix("<!--") {
            p.flush();
            in_comment = !rest.contains("-->");
            continue;
        }
        if body.is_empty() {
            p.blank();
            continue;
        }
        if indent < 4 && p.heading(body, number) {
            continue;
        }
        if is_break(body) {
            p.flush();
            continue;
        }
        p.content(indent, body, number);
    }
    p.flush();
    p.release_lead_in();
    p.out
}

impl Parser<'_> {
    fn blank(&mut self) {
        if matches!(
            self.pending,
            Some(Pending {
                kind: Kind::Paragraph | Kind::TableRow,
                ..
            })
        ) {
            self.flush();
        }
        self.blank_before = true;
    }

    /// Handles an ATX heading; false when `body` is not one.
    fn heading(&mut self, body: &str, number: usize) -> bool {
        let level = body.chars().take_while(|c| *c == '#').count();
        if level == 0 || level > 6 {
            return false;
        }
        let rest = &body[level..];
        if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
            return false;
        }
        self.flush();
        self.release_lead_in();
        let text = rest.trim().trim_end_matches('#').trim();
        match level {
            1 => self.current = self.file_default.clone(),
            2 | 3 => {
                self.current = self.mapping.lookup(text).cloned();
                if let Some(name) = &self.current {
                    self.out.sections.push(Section {
                        heading: text.to_owned(),
                        name: name.clone(),
                        line: number,
                        items: 0,
                    });
                }
            }
            _ => {}
        }
        self.blank_before = false;
        true
    }

    fn content(&mut self, indent: usize, body: &str, number: usize) {
        let blank_before = std::mem::take(&mut self.blank_before);
        let marker = list_marker(body);
        if marker.is_some() || body.starts_with('|') {
            self.lead_in = None;
        } else if self.pending.is_none() {
            self.release_lead_in();
        }
        if let Some((marker_rest, _)) = marker {
            let item = strip_task_box(marker_rest);
            if let Some(Pending {
                kind: Kind::List { indent: parent },
                text,
                ..
            }) = &mut self.pending
                && indent > *parent
                && explicit(item).is_none()
            {
                join_child(text, item);
                return;
            }
            self.flush();
            if self.take_explicit(item, number) {
                return;
            }
            self.pending = Some(Pending {
                kind: Kind::List { indent },
                text: item.to_owned(),
                line: number,
            });
            return;
        }
        if body.starts_with('|') {
            self.table_row(body, number);
            return;
        }
        let text = strip_quote(body);
        if self.take_explicit(text, number) {
            return;
        }
        match &mut self.pending {
            Some(Pending {
                kind: Kind::List { .. },
                ..
            }) if blank_before && indent < 2 => {
                self.flush();
                self.start_paragraph(text, number);
            }
            Some(Pending {
                kind: Kind::List { .. } | Kind::Paragraph,
                text: acc,
                ..
            }) => {
                acc.push(' ');
                acc.push_str(text);
            }
            _ => {
                self.flush();
                self.start_paragraph(text, number);
            }
        }
    }

    fn start_paragraph(&mut self, text: &str, number: usize) {
        self.pending = Some(Pending {
            kind: Kind::Paragraph,
            text: text.to_owned(),
            line: number,
        });
    }

    fn table_row(&mut self, body: &str, number: usize) {
        let is_separator = body
            .chars()
            .all(|c| matches!(c, '|' | '-' | ':' | ' ' | '\t'));
        if is_separator {
            // The row before a separator is the header: not an item.
            if matches!(
                self.pending,
                Some(Pending {
                    kind: Kind::TableRow,
                    ..
                })
            ) {
                self.pending = None;
            }
            return;
        }
        self.flush();
        let cells: Vec<&str> = body
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        self.pending = Some(Pending {
            kind: Kind::TableRow,
            text: cells.join(" · "),
            line: number,
        });
    }

    /// An explicit `[TYPE:category] value` line becomes a tag at once, whatever the section.
    fn take_explicit(&mut self, text: &str, number: usize) -> bool {
        let Some((name, value)) = explicit(text) else {
            return false;
        };
        self.flush();
        self.push(name, value, number);
        true
    }

    fn flush(&mut self) {
        let Some(pending) = self.pending.take() else {
            return;
        };
        let Some(name) = self.current.clone() else {
            return;
        };
        if pending.kind == Kind::Paragraph && pending.text.trim_end().ends_with(':') {
            self.release_lead_in();
            self.lead_in = Some((name, pending));
            return;
        }
        self.release_lead_in();
        self.push(name, &pending.text, pending.line);
    }

    /// A held lead-in that no list followed is an item after all.
    fn release_lead_in(&mut self) {
        if let Some((name, pending)) = self.lead_in.take() {
            self.push(name, &pending.text, pending.line);
        }
    }

    fn push(&mut self, name: TagName, raw: &str, line: usize) {
        let folded = fold(raw);
        if folded.is_empty() {
            return;
        }
        let (value, cut) = cut_at_word(&folded, self.max_chars);
        if let Some(section) = self.out.sections.last_mut()
            && self.current.as_ref() == Some(&section.name)
        {
            section.items += 1;
        }
        self.out.tags.push(Tag {
            name,
            value,
            source: self.source.to_owned(),
            line,
            cut,
        });
    }
}
