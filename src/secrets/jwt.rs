//! JSON Web Tokens: base64url parts joined by dots (the signature may be missing), the first
//! decoding to a JSON header with an `alg` (or, damaged, at least naming one), the second (when
//! not empty) to JSON.

use std::sync::OnceLock;

use regex::Regex;

use super::{Finding, checksum::base64_decode, regex, shown};

fn token() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        regex(r"\bey[A-Za-z0-9_\-]{10,}={0,2}\.[A-Za-z0-9_\-]*={0,2}(?:\.[A-Za-z0-9_\-+/]*={0,2})?")
    })
}

/// The base64url `part` decodes to a JSON object.
fn json_object(part: &str) -> Option<serde_json::Map<String, serde_json::Value>> {
    let bytes = base64_decode(part)?;
    match serde_json::from_slice(&bytes).ok()? {
        serde_json::Value::Object(map) => Some(map),
        _ => None,
    }
}

/// Adds every JWT in `text` to `out`.
pub(super) fn find(text: &str, out: &mut Vec<Finding>) {
    if !text.contains("ey") {
        return;
    }
    for m in token().find_iter(text) {
        let mut parts = m.as_str().split('.');
        let (Some(header), Some(payload)) = (parts.next(), parts.next()) else {
            continue;
        };
        let Some(raw) = base64_decode(header) else {
            continue;
        };
        let names_alg = match json_object(header) {
            Some(head) => head.contains_key("alg"),
            None => {
                (raw.starts_with(b"{\"alg\"") || raw.starts_with(b"{\"typ\""))
                    && raw.ends_with(b"}")
            }
        };
        if !names_alg {
            continue;
        }
        if base64_decode(payload).is_none_or(|p| !p.starts_with(b"{")) {
            continue;
        }
        out.push(Finding {
            kind: "jwt",
            start: m.start(),
            end: m.end(),
            keep: shown(m.as_str(), 0),
            verified: true,
        });
    }
}
