//! Masking where text leaves sfp.
//!
//! Secrets are masked once, at each boundary where text leaves the process, never by the
//! capability that produced the text: the hook's answer ([`crate::hook::Response`]), the printer
//! (terminal text, `--json`, notices on stderr), the log, and each file sfp writes under
//! `$SFP_HOME` (handoffs, the session ledger and state, the gate cache, KPI events, TAG state).
//! Each boundary calls one of these helpers on the whole of what it writes. Backups are copies of
//! the user's own files and are not masked.
//!
//! A cut made before a boundary (a capped reason, the tail of a gate's output) must not leave
//! part of a secret the scanner can no longer recognise: [`crate::text`] cuts between words, and
//! a tail never starts inside a private key block.

use std::borrow::Cow;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// `text` with every secret masked; borrowed when there was none.
pub(crate) fn text(text: &str) -> Cow<'_, str> {
    if text.is_empty() {
        return Cow::Borrowed(text);
    }
    let masked = crate::secrets::mask(text);
    if masked == text {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(masked)
    }
}

/// `text` that may hold terminal colour codes (`ESC [ … m`), masked piece by piece between them:
/// a code's final `m` would otherwise run into the word after it and hide a token's start.
pub(crate) fn styled(text: &str) -> Cow<'_, str> {
    if !text.contains('\x1b') {
        return self::text(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('\x1b') {
        out.push_str(&self::text(&rest[..at]));
        let code = rest[at..]
            .find('m')
            .filter(|&i| {
                rest[at + 1..at + i]
                    .bytes()
                    .all(|b| b == b'[' || b == b';' || b.is_ascii_digit())
            })
            .map_or(1, |i| i + 1);
        out.push_str(&rest[at..at + code]);
        rest = &rest[at + code..];
    }
    out.push_str(&self::text(rest));
    Cow::Owned(out)
}

/// Masks every string in `value` in place: values and object keys, at any depth.
pub(crate) fn value(value: &mut Value) {
    match value {
        Value::String(s) => {
            if let Cow::Owned(masked) = text(s) {
                *s = masked;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(self::value),
        Value::Object(map) => {
            let renamed: Vec<(String, String)> = map
                .keys()
                .filter_map(|k| match text(k) {
                    Cow::Owned(masked) => Some((k.clone(), masked)),
                    Cow::Borrowed(_) => None,
                })
                .collect();
            for (old, new) in renamed {
                if let Some(v) = map.remove(&old) {
                    map.insert(new, v);
                }
            }
            map.values_mut().for_each(self::value);
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// `data` as a JSON value with every string masked.
pub(crate) fn json<T: Serialize + ?Sized>(data: &T) -> serde_json::Result<Value> {
    let mut v = serde_json::to_value(data)?;
    value(&mut v);
    Ok(v)
}

/// `data` as compact JSON (one line: JSON Lines), masked.
pub(crate) fn to_string<T: Serialize + ?Sized>(data: &T) -> serde_json::Result<String> {
    serde_json::to_string(&json(data)?)
}

/// `data` as compact JSON bytes, masked.
pub(crate) fn to_vec<T: Serialize + ?Sized>(data: &T) -> serde_json::Result<Vec<u8>> {
    serde_json::to_vec(&json(data)?)
}

/// `data` as indented JSON bytes, masked.
pub(crate) fn to_vec_pretty<T: Serialize + ?Sized>(data: &T) -> serde_json::Result<Vec<u8>> {
    serde_json::to_vec_pretty(&json(data)?)
}

/// A copy of `data` with every string masked, for a boundary that writes it in more than one
/// form (a handoff's JSON and its Markdown).
pub(crate) fn masked<T: Serialize + DeserializeOwned>(data: &T) -> serde_json::Result<T> {
    serde_json::from_value(json(data)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn gh() -> String {
        "AKIAQ7ZK3M5P2R6T4W6Y".to_owned() // sfp:allow-secret (a sample)
    }

    #[test]
    fn text_without_secrets_is_borrowed_and_with_them_masked() {
        assert!(matches!(text("nothing here"), Cow::Borrowed(_)));
        let out = text(&format!("token {} end", gh())).into_owned();
        assert!(!out.contains(&gh()) && out.starts_with("token ") && out.ends_with(" end"));
    }

    #[test]
    fn coloured_text_is_masked_between_its_codes() {
        let key = gh();
        let painted = format!("\x1b[1m{key}\x1b[0m and \x1b[31mred\x1b[0m");
        let out = styled(&painted);
        assert!(!out.contains(&key), "{out:?}");
        assert!(
            out.starts_with("\x1b[1mAKIA") && out.ends_with("\x1b[31mred\x1b[0m"),
            "{out:?}"
        );
        assert_eq!(styled("plain"), "plain");
    }

    #[test]
    fn every_string_of_a_value_is_masked_keys_too() {
        let key = gh();
        let mut v = json!({"a": [1, true, null, {"b": format!("x {key}")}], key.clone(): "v"});
        value(&mut v);
        let text = v.to_string();
        assert!(!text.contains(&key), "{text}");
        assert_eq!(v["a"][0], 1);
        assert_eq!(v["a"][1], true);
        let typed: std::collections::BTreeMap<String, String> =
            [("k".to_owned(), format!("x {key}"))].into();
        let back = masked(&typed).unwrap();
        assert!(
            back["k"].starts_with("x ") && !back["k"].contains(&key),
            "{back:?}"
        );
    }
}
