//! Recognising secrets in text, for the built-in `secrets` gate (to report them), for
//! `sfp secrets scan`, and for every place where text leaves sfp (to mask them).
//!
//! One scanner, [`scan`], runs every rule over a text and passes each candidate through the
//! allow layer before it becomes a [`Finding`]:
//! - `rules`: structural vendor tokens (GitHub, GitLab, Slack, Stripe, AWS, …), checked with the
//!   vendor's checksum where it has one (`checksum`);
//! - `pem`: private-key blocks, whole;
//! - `jwt`: JSON Web Tokens whose header decodes to JSON with `alg`;
//! - `assign`: credentials in URLs and keyword-plus-value assignments in code and config files,
//!   scored by entropy (`entropy`) and length;
//! - `allow`: references (`process.env.X`, `${VAR}`, …), placeholders, integrity hashes, UUIDs and
//!   hashes under key-like names, and the `sfp:allow-secret` pragma;
//! - `file`: reading a file for a scan with bounded work and memory;
//! - `command`: `sfp secrets scan [PATH…] [--json]`.
//!
//! [`mask`] replaces every finding with its kind and a short prefix: `ghp_R7c2…[github token]`.

mod allow;
mod assign;
mod checksum;
mod command;
mod entropy;
mod file;
mod jwt;
mod pem;
mod rules;

pub(crate) use command::{SecretsArgs, execute};
pub use file::FileScan;
pub use file::scan_file;

/// One secret found in a text, as a byte range of that text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What it is, in words: `github token`, `password`, `private key`.
    pub kind: &'static str,
    pub start: usize,
    pub end: usize,
    /// Bytes at the start of the secret its masked form shows (see [`shown`]).
    pub keep: usize,
    /// The vendor's checksum or structure was verified, not only its shape.
    pub verified: bool,
}

impl Finding {
    /// The 1-based line of `text` the finding starts on.
    pub fn line(&self, text: &str) -> usize {
        text[..self.start.min(text.len())].matches('\n').count() + 1
    }

    /// The finding's text in its masked form.
    pub fn masked(&self, text: &str) -> String {
        masked(&text[self.start..self.end], self.keep, self.kind)
    }
}

/// Every secret in `text`, sorted and non-overlapping. Candidates on a line carrying the
/// `sfp:allow-secret` pragma are left out.
pub(crate) fn scan(text: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    if text.is_empty() {
        return out;
    }
    rules::find(text, &mut out);
    pem::find(text, &mut out);
    jwt::find(text, &mut out);
    assign::find(text, &mut out);
    out.retain(|f| !allow::pragma_on_line(text, f.start));
    out.sort_by_key(|f| (f.start, std::cmp::Reverse(f.end)));
    let mut merged: Vec<Finding> = Vec::with_capacity(out.len());
    for f in out {
        match merged.last_mut() {
            Some(prev) if f.start < prev.end => prev.end = prev.end.max(f.end),
            _ => merged.push(f),
        }
    }
    merged
}

/// `text` with every secret replaced by its masked form (kind and a short prefix). A private
/// key is masked whole, from its `BEGIN` line to its `END` line (or to the end of the text when it
/// is cut short). Text without a secret comes back unchanged.
pub(crate) fn mask(text: &str) -> String {
    let findings = scan(text);
    if findings.is_empty() {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for f in &findings {
        out.push_str(&text[last..f.start]);
        out.push_str(&f.masked(text));
        last = f.end;
    }
    out.push_str(&text[last..]);
    out
}

/// Compiles a rule's pattern with ASCII-only `\b`, `\d` and `\s`: what the rules look for is
/// ASCII, and the Unicode tables would make compiling every rule cost tens of milliseconds, paid
/// by the first hook that masks a text.
pub(crate) fn regex(pattern: &str) -> regex::Regex {
    let mut out = String::with_capacity(pattern.len() + 32);
    let mut in_class = false;
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(e) = chars.next() else { break };
                match (e, in_class) {
                    ('b', false) => out.push_str("(?-u:\\b)"),
                    ('d', _) if in_class => out.push_str("0-9"),
                    ('d', _) => out.push_str("[0-9]"),
                    ('s', true) => out.push_str(" \\t\\n\\x0B\\x0C\\r"),
                    ('s', false) => out.push_str("[ \\t\\n\\x0B\\x0C\\r]"),
                    _ => {
                        out.push('\\');
                        out.push(e);
                    }
                }
            }
            '[' if !in_class => {
                in_class = true;
                out.push(c);
                // A `]` or `^]` right after the opening bracket is a literal.
                if chars.peek() == Some(&'^') {
                    out.push(chars.next().unwrap_or('^'));
                }
                if chars.peek() == Some(&']') {
                    out.push(chars.next().unwrap_or(']'));
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    regex::Regex::new(&out).expect("valid pattern")
}

/// The masked form of one secret: its first `keep` bytes (see [`shown`]), then `…[kind]`.
pub(crate) fn masked(secret: &str, keep: usize, kind: &str) -> String {
    let keep = if keep < secret.len() && secret.is_char_boundary(keep) {
        keep
    } else {
        0
    };
    format!("{}…[{kind}]", &secret[..keep])
}

/// How many bytes of `secret` its masked form shows: the `prefix` that is part of its format
/// (`ghp_`, `sk-ant-api03-`), then at most four more characters, fewer for a short secret
/// (one in six), so that what is shown never helps to guess the rest.
pub(crate) fn shown(secret: &str, prefix: usize) -> usize {
    let prefix = if prefix < secret.len() && secret.is_char_boundary(prefix) {
        prefix
    } else {
        0
    };
    let rest = &secret[prefix..];
    let count = (rest.chars().count() / 6).min(4);
    prefix + rest.chars().take(count).map(char::len_utf8).sum::<usize>()
}

/// Characters of a line shown around a finding.
const EXCERPT_CHARS: usize = 100;

/// The line of `text` holding `f`, with every secret on it masked, trimmed and cut to
/// [`EXCERPT_CHARS`].
pub(crate) fn excerpt(text: &str, f: &Finding) -> String {
    let start = text[..f.start].rfind('\n').map_or(0, |i| i + 1);
    let end = text[f.start..]
        .find('\n')
        .map_or(text.len(), |i| f.start + i);
    // A private key spans lines: its excerpt is its first line, masked.
    let line = if f.end > end {
        format!("{}{}", &text[start..f.start], f.masked(text))
    } else {
        mask(&text[start..end])
    };
    let line = line.trim();
    if line.chars().count() > EXCERPT_CHARS {
        let cut: String = line.chars().take(EXCERPT_CHARS).collect();
        format!("{cut}…")
    } else {
        line.to_owned()
    }
}

#[cfg(test)]
mod tests;
