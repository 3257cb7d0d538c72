//! Private-key blocks (PEM, OpenSSH, PGP), found and masked whole: from the `BEGIN` line to the
//! `END` line, or to the end of the text when the block is cut short. A header with no key body
//! after it (documentation mentioning the format) is not a finding.

use std::sync::OnceLock;

use regex::Regex;

use super::{Finding, regex};

/// Base64 characters a block must hold to be a key rather than a mention of one.
const MIN_BODY: usize = 40;

fn block() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        regex(r"(?s)-----BEGIN[ A-Z0-9]{0,40} PRIVATE KEY(?: BLOCK)?-----(.*?)(?:-----END[ A-Z0-9]{0,40} PRIVATE KEY(?: BLOCK)?-----|\z)")
    })
}

/// Adds every private-key block in `text` to `out`.
pub fn find(text: &str, out: &mut Vec<Finding>) {
    if !text.contains("PRIVATE KEY") {
        return;
    }
    for caps in block().captures_iter(text) {
        let (Some(all), Some(body)) = (caps.get(0), caps.get(1)) else {
            continue;
        };
        // A key inside a JSON string has its line breaks escaped.
        let payload = body
            .as_str()
            .replace("\\n", "\n")
            .lines()
            .filter(|l| !l.contains(':') && !l.contains("-----"))
            .flat_map(str::bytes)
            .filter(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
            .take(MIN_BODY)
            .count();
        if payload < MIN_BODY {
            continue;
        }
        out.push(Finding {
            kind: "private key",
            start: all.start(),
            end: all.end(),
            keep: body.start() - all.start(),
            verified: false,
        });
    }
}
