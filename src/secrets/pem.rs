//! Private-key blocks (PEM, OpenSSH, PGP), found and masked whole: from the `BEGIN` line to the
//! `END` line, or to the end of the text when the block is cut short. A header with no key body
//! after it (documentation mentioning the format) is not a finding.

use std::sync::OnceLock;

use regex::Regex;

use super::{Finding, regex};

/// Base64 characters a block must hold to be a key rather than a mention of one.
const MIN_BODY: usize = 40;

fn header() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| regex(r"-----BEGIN[ A-Z0-9]{0,40} PRIVATE KEY(?: BLOCK)?-----"))
}

fn footer() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| regex(r"-----END[ A-Z0-9]{0,40} PRIVATE KEY(?: BLOCK)?-----"))
}

/// Adds every private-key block in `text` to `out`. A block runs from its header to its footer;
/// a block cut short (no footer, or another header first) runs to the end of the text or to that
/// header. The masked form shows the header without its closing dashes, so masked text is never
/// taken for a header again.
pub(super) fn find(text: &str, out: &mut Vec<Finding>) {
    if !text.contains("PRIVATE KEY") {
        return;
    }
    let headers: Vec<(usize, usize)> = header()
        .find_iter(text)
        .map(|m| (m.start(), m.end()))
        .collect();
    let footers: Vec<(usize, usize)> = footer()
        .find_iter(text)
        .map(|m| (m.start(), m.end()))
        .collect();
    let mut covered = 0;
    for (i, &(start, body_start)) in headers.iter().enumerate() {
        if start < covered {
            continue;
        }
        let next_header = headers.get(i + 1).map_or(text.len(), |h| h.0);
        let first_footer = footers.partition_point(|f| f.0 < body_start);
        let (body_end, end) = match footers.get(first_footer) {
            Some(&(f_start, f_end)) if f_start < next_header => (f_start, f_end),
            _ => (next_header, next_header),
        };
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let quote = text[line_start..start].trim();
        if payload(&text[body_start..body_end], quote) < MIN_BODY {
            continue;
        }
        covered = end;
        out.push(Finding {
            kind: "private key",
            start,
            end,
            keep: body_start - start - "-----".len(),
            verified: false,
        });
    }
}

/// Base64 characters in a block's body. A key inside a JSON string has its line breaks escaped.
/// Only lines of base64 count: prose after a header that is only mentioned does not. A block
/// quoted as a whole (`> `, `# `, `│ `, indentation: whatever comes before `-----BEGIN` on its
/// line) has that prefix on every line, and string literals wrap each line in quotes.
fn payload(body: &str, quote: &str) -> usize {
    body.replace("\\n", "\n")
        .lines()
        .map(|l| {
            let l = l.trim();
            // What the line shares with the prefix of the BEGIN line is decoration.
            let shared: usize = l
                .chars()
                .zip(quote.chars())
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| a.len_utf8())
                .sum();
            l[shared..]
                .trim()
                .trim_matches(|c: char| matches!(c, '"' | '\'' | ',' | '\\'))
                .trim()
                .to_owned()
        })
        .filter(|l| {
            !l.is_empty()
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
        })
        .map(|l| l.len())
        .sum()
}
