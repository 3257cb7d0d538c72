//! Structural rules for vendor tokens: each token format has a prefix or shape of its own, and
//! some a checksum (`checksum`). A match passes the allow layer (no placeholder) and needs the
//! entropy of a generated value, unless its checksum proves it real.

use std::sync::OnceLock;

use regex::Regex;

use super::entropy::shannon;
use super::{Finding, allow, checksum, regex, shown};

/// What confirms a match beyond its shape.
#[derive(Clone, Copy)]
enum Check {
    /// The random part has at least this entropy (bits per character).
    Entropy(f64),
    /// GitHub's or npm's CRC-32 suffix; without it, entropy as for [`Check::Entropy`].
    Crc32,
    /// PyPI's macaroon; without it, entropy.
    Pypi,
}

struct Rule {
    kind: &'static str,
    pattern: &'static str,
    /// Bytes of the format prefix (kept when masked, left out of the entropy); 0: up to the
    /// last `_`, `-` or `.` within the first 14 bytes.
    prefix: usize,
    check: Check,
}

const fn rule(kind: &'static str, pattern: &'static str, prefix: usize, check: Check) -> Rule {
    Rule {
        kind,
        pattern,
        prefix,
        check,
    }
}

const E: Check = Check::Entropy(3.0);
const LOW: Check = Check::Entropy(2.5);

/// The secret is capture group 1 when the pattern has one, else the whole match.
const RULES: &[Rule] = &[
    rule(
        "github token",
        r"\bgh[pousr]_[A-Za-z0-9]{36,}\b",
        4,
        Check::Crc32,
    ),
    rule(
        "github token",
        r"\bgithub_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}\b",
        11,
        E,
    ),
    rule(
        "gitlab token",
        r"\b((?:glpat|gldt|glft|glsoat|glrt|glffct)-[A-Za-z0-9_\-]{20,50}(?:\.[0-9a-z.]{2,12})?|GR1348941[A-Za-z0-9_\-]{20,50}|glcbt-(?:[0-9a-fA-F]{1,5}_)?[A-Za-z0-9_\-]{20,50}|glimt-[A-Za-z0-9_\-]{25}|glptt-[A-Za-z0-9_\-]{40}|glagent-[A-Za-z0-9_\-]{50,}|gloas-[A-Za-z0-9_\-]{64})(?:[^A-Za-z0-9_\-]|$)",
        0,
        LOW,
    ),
    rule(
        "slack token",
        r"\bxox(?:[abposr]|e(?:\.xox[bp])?)-\d[0-9A-Za-z\-]{9,}",
        5,
        LOW,
    ),
    rule("slack token", r"\bxapp-\d-[A-Za-z0-9\-]{20,}", 5, LOW),
    rule(
        "slack webhook",
        r"\bhooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{20,}",
        0,
        LOW,
    ),
    rule(
        "stripe key",
        r"\b(?:sk|rk)_(?:live|test|prod)_[0-9A-Za-z]{10,}\b",
        0,
        E,
    ),
    rule("stripe key", r"\bwhsec_[A-Za-z0-9]{24,}\b", 6, E),
    rule(
        "sendgrid key",
        r"\bSG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}\b",
        3,
        E,
    ),
    rule("twilio key", r"\b(?:SK|AC)[0-9a-fA-F]{32}\b", 2, E),
    rule("npm token", r"\bnpm_[A-Za-z0-9]{36}\b", 4, Check::Crc32),
    rule(
        "pypi token",
        r"\bpypi-Ag[EI][A-Za-z0-9_\-]{40,}",
        5,
        Check::Pypi,
    ),
    rule(
        "aws access key id",
        r"\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z2-7]{16}\b",
        4,
        E,
    ),
    rule("aws bedrock key", r"\bABSK[A-Za-z0-9+/]{100,}={0,2}", 4, E),
    rule(
        "aws bedrock key",
        r"\bbedrock-api-key-[A-Za-z0-9+/=]{60,}",
        16,
        E,
    ),
    rule(
        "aws secret key",
        r#"(?i)aws[a-z0-9_.\-]{0,24}(?:secret|sk)[a-z0-9_.\-]{0,24}["']?\s*(?:[:=]|:=|=>)\s*["']?([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"#,
        0,
        E,
    ),
    rule(
        "gcp api key",
        r"\b(AIza[0-9A-Za-z_\-]{35})(?:[^0-9A-Za-z_\-]|$)",
        4,
        E,
    ),
    rule("gcp oauth secret", r"\bGOCSPX-[A-Za-z0-9_\-]{28}\b", 7, E),
    rule(
        "azure storage key",
        r"(?i)AccountKey\s*=\s*([A-Za-z0-9+/]{86,88}={0,2})",
        0,
        E,
    ),
    rule(
        "azure client secret",
        r"(?:^|[^A-Za-z0-9_~.\-])([A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.\-]{31,34})(?:[^A-Za-z0-9_~.\-]|$)",
        0,
        E,
    ),
    rule(
        "anthropic key",
        r"\bsk-ant-(?:api\d\d-|admin\d\d-|oat\d\d-|sid\d\d-)?[A-Za-z0-9_\-]{20,}",
        0,
        E,
    ),
    rule(
        "openai key",
        r"\bsk-(?:(?:proj|svcacct|admin|None)-)?[A-Za-z0-9_\-]{20,}T3BlbkFJ[A-Za-z0-9_\-]{20,}",
        0,
        E,
    ),
    rule(
        "hugging face token",
        r"\b(?:hf|api_org)_[A-Za-z]{34}\b",
        0,
        E,
    ),
    rule(
        "telegram bot token",
        r"\b\d{8,10}:AA[0-9A-Za-z_\-]{33}\b",
        0,
        E,
    ),
    rule("mailchimp key", r"\b[0-9a-f]{32}-us\d{1,2}\b", 0, E),
    rule(
        "shopify token",
        r"\bshp(?:at|ca|pa|ss)_[A-Za-z0-9]{32,64}\b",
        6,
        E,
    ),
    rule("digitalocean token", r"\bdo[opr]_v1_[a-f0-9]{64}\b", 7, E),
    rule("databricks token", r"\bdapi[a-fA-F0-9]{32}(?:-\d)?\b", 4, E),
    rule(
        "npm auth token",
        r"//[^\s:/]+(?:/[^\s:]*)?/:_authToken\s*=\s*([^\s${}]{8,})",
        0,
        LOW,
    ),
    rule(
        "age secret key",
        r"\bAGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}\b",
        15,
        E,
    ),
    rule("postman key", r"\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}\b", 5, E),
    rule(
        "square token",
        r"\b(?:EAAA|sq0atp-|sq0csp-)[A-Za-z0-9_\-]{22,60}\b",
        0,
        E,
    ),
];

fn compiled() -> &'static [(Regex, &'static Rule)] {
    static RES: OnceLock<Vec<(Regex, &'static Rule)>> = OnceLock::new();
    RES.get_or_init(|| RULES.iter().map(|r| (regex(r.pattern), r)).collect())
}

/// The length of a vendor prefix a rule did not give (`xoxb-`, `sk-ant-`): the leading segments
/// made of letters only, each ended by `_`, `-` or `.`, within the first 14 bytes. A value that
/// opens with random characters (a UUID, hex) has none, so its masked form shows no more than
/// four of them.
fn format_prefix(secret: &str) -> usize {
    let mut end = 0;
    for (i, b) in secret.bytes().enumerate().take(14) {
        if matches!(b, b'_' | b'-' | b'.') {
            let segment = &secret.as_bytes()[end..i];
            if segment.is_empty() || !segment.iter().all(u8::is_ascii_alphabetic) {
                break;
            }
            end = i + 1;
        }
    }
    end
}

/// Adds every vendor token in `text` to `out`.
pub fn find(text: &str, out: &mut Vec<Finding>) {
    for (re, rule) in compiled() {
        for caps in re.captures_iter(text) {
            let Some(m) = caps.get(1).or_else(|| caps.get(0)) else {
                continue;
            };
            let secret = m.as_str();
            let prefix = if rule.prefix > 0 {
                rule.prefix.min(secret.len())
            } else {
                format_prefix(secret)
            };
            let random = &secret[prefix..];
            // `xoxp-…-####`: the shape stops where the placeholder starts.
            let next = &text[m.end()..text.len().min(m.end() + 3)];
            if allow::is_placeholder_token(random)
                || ["###", "***", "...", "xxx", "XXX"].contains(&next)
            {
                continue;
            }
            let verified = match rule.check {
                Check::Crc32 => checksum::crc32_suffix_ok(secret),
                Check::Pypi => checksum::pypi_macaroon_ok(secret),
                Check::Entropy(_) => false,
            };
            let min = match rule.check {
                Check::Entropy(e) => e,
                // A PyPI token without the macaroon's signature is a fragment or a made-up
                // value unless it is as long as real ones.
                Check::Pypi if secret.len() < 100 => f64::INFINITY,
                Check::Crc32 | Check::Pypi => 3.0,
            };
            if !verified && shannon(random) < min {
                continue;
            }
            out.push(Finding {
                kind: rule.kind,
                start: m.start(),
                end: m.end(),
                keep: shown(secret, prefix),
                verified,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::format_prefix;

    #[test]
    fn a_format_prefix_is_made_of_letters_only() {
        assert_eq!(format_prefix("xoxb-123-abc"), 5);
        assert_eq!(format_prefix("sk-ant-api03-abc"), 7);
        assert_eq!(format_prefix("85ca3b2e-7a52-00af-5e84-86b39e05216b"), 0);
        assert_eq!(format_prefix("abcdef"), 0);
        assert_eq!(format_prefix("-abc"), 0);
    }
}
