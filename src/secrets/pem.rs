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
        // A key inside a JSON string has its line breaks escaped. Only lines of base64 count:
        // prose after a header that is only mentioned does not.
        let text = body.as_str().replace("\\n", "\n");
        let payload: usize = text
            .lines()
            .map(str::trim)
            .filter(|l| {
                !l.is_empty()
                    && l.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
            })
            .map(str::len)
            .sum();
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
