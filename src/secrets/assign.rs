//! Secrets that have no format of their own, recognised by where they stand:
//! - credentials in URLs (`postgres://app:s3cr3t@db/…`) and in `curl -u user:pass`;
//! - `Authorization: Bearer …` and `Basic …` values;
//! - keyword-plus-value assignments in code, `.env`, YAML, JSON, TOML and INI
//!   (`password = "…"`, `DB_PASSWORD=…`, `"apiKey": "…"`, YAML's `key: !!binary …`), scored by
//!   entropy and length after the allow layer has taken out references and placeholders.

use std::sync::OnceLock;

use regex::Regex;

use super::entropy::shannon;
use super::rules::contains_any_case;
use super::{Finding, allow, checksum::base64_decode, regex, shown};

/// The four patterns, each compiled the first time a text could match it (see [`find`]):
/// compiling them all costs milliseconds that most texts sfp masks do not need.
fn url() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        regex(r"\b[A-Za-z][A-Za-z0-9+.\-]{1,20}://([^:/?#@\s\x22'<>\[\]{}]+):([^@/\s\x22'<>`]+)@[A-Za-z0-9\-._\[\]%]+")
    })
}

fn curl() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        regex(r#"(?i-u:\bcurl\b)(?:[^\n]|\\\n)*?\s(?:-u|--(?i-u:user))\s*["']?[^\s:"']*["']?:["']?([^\s"']{3,})"#)
    })
}

fn header() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| regex(r"(?-u:\b)((?i-u:bearer|basic|token))\s+([A-Za-z0-9_\-.=+/~]{8,})"))
}

fn assignment() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        regex(r#"((?i-u:[A-Za-z0-9_.\-]*(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[_.\-]?key|apikey|[_.\-]key|key|auth|credentials?)[A-Za-z0-9_.\-]{0,24}))["'\]]?[ \t]*(?:=|:=|:|=>|\?=|\|\|=)[ \t]*(?:!![A-Za-z]+[ \t]+)?(?:[rbuf]?["'`]([^"'`\r\n]+)["'`]|([^\s"'`,;#)}\]]+))"#)
    })
}

/// Words that make a name a credential's (`DB_PASSWORD`, `apiKey`, `client_secret`). Every
/// assignment's name holds one, any case, so a line without any is not searched.
const NAME_WORDS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "pass",
    "pwd",
    "secret",
    "token",
    "apikey",
    "key",
    "auth",
    "credential",
];

/// Adds every credential in a URL, header and assignment of `text` to `out`.
pub(super) fn find(text: &str, out: &mut Vec<Finding>) {
    if text.contains("://") {
        for caps in url().captures_iter(text) {
            let (Some(user), Some(pass)) = (caps.get(1), caps.get(2)) else {
                continue;
            };
            // `postgres:postgres@` is a default, not a chosen password.
            if password_value(pass.as_str(), true)
                && !user.as_str().is_empty()
                && user.as_str() != pass.as_str()
            {
                push(out, "url password", pass.start(), pass.as_str());
            }
        }
    }
    if contains_any_case(text, "curl") {
        for caps in curl().captures_iter(text) {
            if let Some(pass) = caps.get(1)
                && password_value(pass.as_str(), true)
            {
                push(out, "password", pass.start(), pass.as_str());
            }
        }
    }
    let headers = ["bearer", "basic", "token"]
        .iter()
        .any(|w| contains_any_case(text, w));
    for caps in headers
        .then(header)
        .into_iter()
        .flat_map(|re| re.captures_iter(text))
    {
        let (Some(scheme), Some(value)) = (caps.get(1), caps.get(2)) else {
            continue;
        };
        let v = value.as_str().trim_end_matches(['.', ',']);
        let ok = if scheme.as_str().eq_ignore_ascii_case("basic") {
            base64_decode(v).is_some_and(|b| b.contains(&b':') && b.len() >= 5) && v.len() >= 8
        } else {
            random_value(v, 16)
        };
        if ok && !allow::is_placeholder(v) {
            push(out, "bearer token", value.start(), v);
        }
    }
    // A match that is no finding is searched again from its value on, so that an assignment
    // quoted inside another (`credential: `DB_PASSWORD="…"``) is still seen.
    // An assignment stands on one line: only lines with a keyword and an operator are searched.
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let offset = line_start;
        line_start += line.len();
        if line.contains(['=', ':']) && NAME_WORDS.iter().any(|w| contains_any_case(line, w)) {
            assignments(line, offset, out);
        }
    }
}

/// Adds the keyword-plus-value assignments of one line, `text` (at `offset` in the whole), to
/// `out`.
fn assignments(text: &str, offset: usize, out: &mut Vec<Finding>) {
    let mut at = 0;
    while let Some(caps) = assignment().captures_at(text, at) {
        let (Some(whole), Some(name)) = (caps.get(0), caps.get(1)) else {
            break;
        };
        let (value, quoted) = match (caps.get(2), caps.get(3)) {
            (Some(v), _) => (v, true),
            (None, Some(v)) => (v, false),
            _ => break,
        };
        at = if value.start() > whole.start() {
            value.start()
        } else {
            whole.end()
        };
        let Some(kind) = classify(name.as_str()).filter(|_| word_start(name.as_str())) else {
            continue;
        };
        let v = value.as_str().trim();
        if v.is_empty() || allow::is_reference(v) || allow::is_integrity(v) || v.contains("://") {
            continue;
        }
        // Unquoted, a value that starts like `::path` or `==`, or holds a call, an index or a
        // borrow, is code.
        if !quoted
            && (v.starts_with([':', '=', '>']) || v.contains(['(', '[', '&', '{', '<', '\\']))
        {
            continue;
        }
        let start = value.start() + (value.as_str().len() - value.as_str().trim_start().len());
        let found = match kind {
            "npm auth token" => {
                !allow::is_placeholder(v) && (allow::is_uuid(v) || random_value(v, 12))
            }
            "password" => password_value(v, quoted),
            "key" => quoted && !v.contains('.') && random_value(v, 20) && shannon(v) >= 3.8,
            _ => {
                !((allow::is_uuid(v) || allow::is_hex_digest(v))
                    && allow::is_key_like_name(name.as_str()))
                    && (quoted || !allow::is_identifier(v))
                    && random_value(v, 10)
            }
        };
        if found {
            push(
                out,
                if kind == "key" { "api key" } else { kind },
                offset + start,
                v,
            );
            at = whole.end();
        }
    }
}

fn push(out: &mut Vec<Finding>, kind: &'static str, start: usize, value: &str) {
    out.push(Finding {
        kind,
        start,
        end: start + value.len(),
        keep: shown(value, 0),
        verified: false,
    });
}

/// Name parts after the keyword that make the value something other than the secret itself:
/// `password_hash`, `token_url`, `secret_name`, `tokenizer`.
const NOT_THE_VALUE: &[&str] = &[
    "hash",
    "type",
    "url",
    "uri",
    "endpoint",
    "name",
    "file",
    "path",
    "field",
    "length",
    "len",
    "count",
    "limit",
    "header",
    "expir",
    "ttl",
    "min",
    "max",
    "policy",
    "prompt",
    "label",
    "placeholder",
    "reset",
    "required",
    "enabled",
    "izer",
    "regex",
    "pattern",
    "env",
    "var",
    "id",
    "hint",
    "input",
    "store",
    "manager",
    "provider",
    "format",
    "mode",
    "strategy",
    "version",
    "prefix",
    "suffix",
    "size",
    "timeout",
    "count",
    "index",
    "column",
    "confirm",
    "validator",
    "valid",
    "rule",
    "error",
    "message",
    "msg",
    "text",
    "title",
    "desc",
    "help",
    "icon",
    "class",
    "style",
    "ref",
    "location",
    "source",
    "kind",
    "method",
    "schema",
    "flag",
];

/// The kind of secret a name stands for, or `None` when it names no secret.
fn classify(name: &str) -> Option<&'static str> {
    let n = name.to_ascii_lowercase();
    let n = n.trim_matches(|c: char| c == '"' || c == '\'' || c == '.' || c == '-');
    if n.ends_with("_authtoken") {
        // `//registry/:_authToken=` is a rule of its own; anything else of that name is not npm's.
        return None;
    }
    // The keyword that ends the name, and what follows it.
    let (keyword, after) = NAME_WORDS
        .iter()
        .chain(&["api_key", "api-key", "api.key"])
        .filter_map(|k| n.rfind(k).map(|i| (i, *k)))
        .max_by_key(|(i, k)| (*i + k.len(), k.len()))
        .map(|(i, k)| (k, &n[i + k.len()..]))?;
    if NOT_THE_VALUE.iter().any(|w| after.contains(w)) {
        return None;
    }
    // The keyword continues as a longer word (`keying`, `secretary`, `author`).
    let tail = &name[name.len() - after.len()..];
    let plural = after == "s" && keyword != "credential";
    let continues = tail.starts_with(|c: char| c.is_ascii_lowercase()) && after != "s";
    if continues || after.chars().filter(char::is_ascii_alphabetic).count() > 16 || plural {
        // `secrets:`, `tokens:` name a collection, not one value.
        return None;
    }
    let before = n[..n.len() - after.len() - keyword.len()].trim_end_matches(['_', '-', '.']);
    if before.ends_with("public") || before.ends_with("csrf") || before.ends_with("xsrf") {
        return None;
    }
    Some(match keyword {
        "password" | "passwd" | "passphrase" | "pwd" => "password",
        "pass" => {
            // `pass` alone ends `bypass`, `compass`, `passport`…: only as a word.
            if before.len() == n.len() - after.len() - keyword.len() {
                "password"
            } else {
                return None;
            }
        }
        "secret" => "secret",
        "token" => {
            if before.ends_with("page") || before.ends_with("next") {
                return None;
            }
            "token"
        }
        "apikey" | "api_key" | "api-key" | "api.key" => "api key",
        "auth" => {
            if after.is_empty() {
                "credential"
            } else {
                return None;
            }
        }
        "credential" | "authorization" => "credential",
        _ => {
            // A bare `key` names a secret only with a word saying which kind of key.
            let credential = [
                "secret",
                "access",
                "private",
                "auth",
                "encrypt",
                "signing",
                "sign",
                "master",
                "client",
                "app",
                "api",
                "account",
                "license",
                "service",
                "session",
                "hmac",
                "shared",
                "crypt",
                "aes",
                "jwt",
                "webhook",
                "stripe",
                "openai",
                "anthropic",
            ];
            if credential.iter().any(|w| before.contains(w)) {
                "api key"
            } else if before.is_empty() && after.is_empty() {
                // A bare `key`: only a strongly random value (see `find`).
                "key"
            } else {
                return None;
            }
        }
    })
}

/// The keyword in `name` starts a word: after a separator, as a camel-case capital, in an
/// all-capitals name, or after a word naming a credential (`accesstoken`); not inside a word
/// (`keying`, `jsonwebtoken`).
fn word_start(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let Some((i, _)) = NAME_WORDS
        .iter()
        .chain(&["authorization"])
        .filter_map(|k| lower.rfind(k).map(|i| (i, k.len())))
        .max_by_key(|(i, len)| (*i + *len, *len))
    else {
        return false;
    };
    if i == 0 || !name.bytes().any(|b| b.is_ascii_lowercase()) {
        return true;
    }
    let b = name.as_bytes();
    if !b[i - 1].is_ascii_alphanumeric() || b[i].is_ascii_uppercase() {
        return true;
    }
    let before = &lower[..i];
    [
        "access",
        "auth",
        "api",
        "bearer",
        "refresh",
        "session",
        "bot",
        "app",
        "client",
        "secret",
        "private",
        "github",
        "gitlab",
        "slack",
        "npm",
        "master",
        "db",
        "admin",
        "root",
        "user",
        "service",
        "account",
        "signing",
        "encryption",
        "my",
    ]
    .iter()
    .any(|w| before.ends_with(w))
}

/// A literal password: long enough, not a placeholder, not a word-only identifier in code.
fn password_value(v: &str, quoted: bool) -> bool {
    if v.chars().count() < 6 || v.contains(' ') || allow::is_placeholder(v) {
        return false;
    }
    if allow::is_reference(v) || (!quoted && allow::is_identifier(v)) {
        return false;
    }
    if v.starts_with('%') || v.starts_with('{') {
        return false;
    }
    shannon(v) >= 2.3
}

/// A value that reads like a generated secret: long enough, no spaces, two kinds of characters
/// and high entropy (or very high entropy when of one kind).
fn random_value(v: &str, min_len: usize) -> bool {
    if v.len() < min_len || v.contains(' ') || allow::is_placeholder(v) {
        return false;
    }
    let classes = [
        v.bytes().any(|b| b.is_ascii_lowercase()),
        v.bytes().any(|b| b.is_ascii_uppercase()),
        v.bytes().any(|b| b.is_ascii_digit()),
    ]
    .iter()
    .filter(|&&x| x)
    .count();
    let e = shannon(v);
    // Short values cannot reach the entropy of long ones: 16 random hex digits score about 3.
    let min = if v.len() < 20 { 2.8 } else { 3.0 };
    (classes >= 2 && e >= min) || e >= 3.8
}
