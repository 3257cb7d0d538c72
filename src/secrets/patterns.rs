//! The patterns. Each names what it found, so a report can say "GitHub token" rather than
//! "secret".

use std::sync::OnceLock;

use regex::Regex;

use super::entropy::shannon;

/// One secret found on a line, as a byte range of that line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: &'static str,
    pub start: usize,
    pub end: usize,
}

const TOKENS: &[(&str, &str)] = &[
    (
        "private key",
        r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----",
    ),
    (
        "AWS access key id",
        r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b",
    ),
    (
        "GitHub token",
        r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b",
    ),
    ("GitLab token", r"\bglpat-[A-Za-z0-9_\-]{20,}"),
    ("Slack token", r"\bxox[abposr]-[A-Za-z0-9\-]{10,}"),
    ("Anthropic API key", r"\bsk-ant-[A-Za-z0-9_\-]{20,}"),
    (
        "OpenAI API key",
        r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{32,}",
    ),
    ("Google API key", r"\bAIza[0-9A-Za-z_\-]{35}\b"),
    ("Stripe key", r"\b(?:sk|rk)_live_[0-9A-Za-z]{20,}"),
    ("npm token", r"\bnpm_[A-Za-z0-9]{36}\b"),
];

/// `NAME = value` where NAME ends like a credential; the value is group 1.
const ASSIGNMENT: &str = r#"(?i)\b[A-Z0-9_.\-]*(?:KEY|SECRET|TOKEN|PASSWORD|PASSWD|PWD|CREDENTIALS?)["']?\s*[:=]\s*["']?([^\s"'`,;:<>(){}\[\]]{8,})"#;

fn compiled() -> &'static (Vec<(&'static str, Regex)>, Regex) {
    static RES: OnceLock<(Vec<(&'static str, Regex)>, Regex)> = OnceLock::new();
    RES.get_or_init(|| {
        let tokens = TOKENS
            .iter()
            .map(|(k, p)| (*k, Regex::new(p).expect("valid pattern")))
            .collect();
        (tokens, Regex::new(ASSIGNMENT).expect("valid pattern"))
    })
}

/// `text` with every private key block (header, body and footer, or to the end of the text when
/// the footer is missing) replaced by one masked line.
pub fn mask_private_key_blocks(text: &str) -> std::borrow::Cow<'_, str> {
    static BLOCK: OnceLock<Regex> = OnceLock::new();
    let re = BLOCK.get_or_init(|| {
        Regex::new(
            r"(?s)-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----.*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|\z)",
        )
        .expect("valid pattern")
    });
    re.replace_all(text, "[private key masked by sfp]")
}

/// Every secret on `line`, sorted and non-overlapping.
pub fn find(line: &str) -> Vec<Finding> {
    let (tokens, assignment) = compiled();
    let mut out: Vec<Finding> = Vec::new();
    for (kind, re) in tokens {
        for m in re.find_iter(line) {
            out.push(Finding {
                kind,
                start: m.start(),
                end: m.end(),
            });
        }
    }
    for caps in assignment.captures_iter(line) {
        let Some(value) = caps.get(1) else { continue };
        if looks_random(value.as_str()) {
            out.push(Finding {
                kind: "high-entropy credential",
                start: value.start(),
                end: value.end(),
            });
        }
    }
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

/// A value that reads like a generated secret rather than a word, a placeholder or a reference
/// (`${VAR}`, `os.environ[...]`, `<your-key>`).
fn looks_random(value: &str) -> bool {
    if value.contains("${")
        || value.starts_with('$')
        || value.starts_with('<')
        || value.contains("environ")
    {
        return false;
    }
    let classes = [
        value.bytes().any(|b| b.is_ascii_lowercase()),
        value.bytes().any(|b| b.is_ascii_uppercase()),
        value.bytes().any(|b| b.is_ascii_digit()),
    ]
    .iter()
    .filter(|&&x| x)
    .count();
    classes >= 2 && shannon(value) >= 3.5
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(line: &str) -> Vec<&'static str> {
        find(line).into_iter().map(|f| f.kind).collect()
    }

    #[test]
    fn recognises_tokens() {
        assert_eq!(
            kinds("-----BEGIN RSA PRIVATE KEY-----"),
            vec!["private key"]
        );
        assert_eq!(
            kinds("-----BEGIN OPENSSH PRIVATE KEY-----"),
            vec!["private key"]
        );
        assert_eq!(
            kinds("aws = AKIAIOSFODNN7EXAMPLE"),
            vec!["AWS access key id"]
        );
        assert_eq!(
            kinds(&format!("t: ghp_{}", "a".repeat(36))),
            vec!["GitHub token"]
        );
        assert_eq!(
            kinds(&format!("k=sk-ant-api03-{}", "x1Y2".repeat(8))),
            vec!["Anthropic API key"]
        );
        assert_eq!(
            kinds(&format!("sk-proj-{}", "Ab1".repeat(12))),
            vec!["OpenAI API key"]
        );
        assert_eq!(
            kinds(&format!("AIza{}", "B".repeat(35))),
            vec!["Google API key"]
        );
    }

    #[test]
    fn recognises_random_values_assigned_to_credential_names() {
        let f = find(r#"DB_PASSWORD = "q8Zr1VfK3xLp9sT2""#);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].kind, "high-entropy credential");
        assert_eq!(
            &r#"DB_PASSWORD = "q8Zr1VfK3xLp9sT2""#[f[0].start..f[0].end],
            "q8Zr1VfK3xLp9sT2"
        );
        assert!(find("API_TOKEN: ${API_TOKEN}").is_empty());
        assert!(find("password = changeme123").is_empty(), "low entropy");
        assert!(find("SECRET_KEY = os.environ['SECRET_KEY']").is_empty());
        assert!(find("the token expired, renew it").is_empty());
        assert!(
            find("while let Some(k) = map.next_key::<String>()? {").is_empty(),
            "code, not an assignment"
        );
    }
}
