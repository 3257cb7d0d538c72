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
    /// Literals every match contains (any one of them); a text holding none is not searched, so
    /// the rule's pattern is compiled only for a text that could match it.
    triggers: &'static [&'static str],
    /// The triggers are matched without regard to ASCII case.
    any_case: bool,
    /// Bytes of the format prefix (kept when masked, left out of the entropy); 0: up to the
    /// last `_`, `-` or `.` within the first 14 bytes.
    prefix: usize,
    check: Check,
}

const fn rule(kind: &'static str, pattern: &'static str, prefix: usize, check: Check) -> Rule {
    Rule {
        kind,
        pattern,
        triggers: &[],
        any_case: false,
        prefix,
        check,
    }
}

impl Rule {
    const fn on(mut self, triggers: &'static [&'static str]) -> Self {
        self.triggers = triggers;
        self
    }

    const fn on_any_case(mut self, triggers: &'static [&'static str]) -> Self {
        self.triggers = triggers;
        self.any_case = true;
        self
    }

    /// `text` holds one of the rule's triggers.
    fn triggered(&self, text: &str) -> bool {
        self.triggers.iter().any(|t| {
            if self.any_case {
                contains_any_case(text, t)
            } else {
                text.contains(t)
            }
        })
    }
}

/// `text` contains `needle`, ASCII case ignored.
pub(crate) fn contains_any_case(text: &str, needle: &str) -> bool {
    let (hay, needle) = (text.as_bytes(), needle.as_bytes());
    let Some(&first) = needle.first() else {
        return true;
    };
    let (lo, up) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
    hay.iter().enumerate().any(|(i, &b)| {
        (b == lo || b == up)
            && hay
                .get(i..i + needle.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(needle))
    })
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
    )
    .on(&["ghp_", "gho_", "ghu_", "ghs_", "ghr_"]),
    rule(
        "github token",
        r"\bgithub_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}\b",
        11,
        E,
    )
    .on(&["github_pat_"]),
    rule(
        "gitlab token",
        r"\b((?:glpat|gldt|glft|glsoat|glrt|glffct)-[A-Za-z0-9_\-]{20,50}(?:\.[0-9a-z.]{2,12})?|GR1348941[A-Za-z0-9_\-]{20,50}|glcbt-(?:[0-9a-fA-F]{1,5}_)?[A-Za-z0-9_\-]{20,50}|glimt-[A-Za-z0-9_\-]{25}|glptt-[A-Za-z0-9_\-]{40}|glagent-[A-Za-z0-9_\-]{50,}|gloas-[A-Za-z0-9_\-]{64})(?:[^A-Za-z0-9_\-]|$)",
        0,
        LOW,
    )
    .on(&["glpat-", "gldt-", "glft-", "glsoat-", "glrt-", "glffct-", "GR1348941", "glcbt-", "glimt-", "glptt-", "glagent-", "gloas-"]),
    rule(
        "slack token",
        r"\bxox(?:[abposr]|e(?:\.xox[bp])?)-\d[0-9A-Za-z\-]{9,}",
        5,
        LOW,
    )
    .on(&["xox"]),
    rule("slack token", r"\bxapp-\d-[A-Za-z0-9\-]{20,}", 5, LOW)
    .on(&["xapp-"]),
    rule(
        "slack webhook",
        r"\bhooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{20,}",
        0,
        LOW,
    )
    .on(&["hooks.slack.com/"]),
    rule(
        "stripe key",
        r"\b(?:sk|rk)_(?:live|test|prod)_[0-9A-Za-z]{10,}\b",
        0,
        E,
    )
    .on(&["_live_", "_test_", "_prod_"]),
    rule("stripe key", r"\bwhsec_[A-Za-z0-9]{24,}\b", 6, E)
    .on(&["whsec_"]),
    rule(
        "sendgrid key",
        r"\bSG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}\b",
        3,
        E,
    )
    .on(&["SG."]),
    rule("twilio key", r"\b(?:SK|AC)[0-9a-fA-F]{32}\b", 2, E)
    .on(&["SK", "AC"]),
    rule("npm token", r"\bnpm_[A-Za-z0-9]{36}\b", 4, Check::Crc32)
    .on(&["npm_"]),
    rule(
        "pypi token",
        r"\bpypi-Ag[EI][A-Za-z0-9_\-]{40,}",
        5,
        Check::Pypi,
    )
    .on(&["pypi-Ag"]),
    rule(
        "aws access key id",
        r"\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z2-7]{16}\b",
        4,
        E,
    )
    .on(&["A3T", "AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "APKA"]),
    rule("aws bedrock key", r"\bABSK[A-Za-z0-9+/]{100,}={0,2}", 4, E)
    .on(&["ABSK"]),
    rule(
        "aws bedrock key",
        r"\bbedrock-api-key-[A-Za-z0-9+/=]{60,}",
        16,
        E,
    )
    .on(&["bedrock-api-key-"]),
    rule(
        "aws secret key",
        r#"(?i)aws[a-z0-9_.\-]{0,24}(?:secret|sk)[a-z0-9_.\-]{0,24}["']?\s*(?:[:=]|:=|=>)\s*["']?([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"#,
        0,
        E,
    )
    .on_any_case(&["aws"]),
    rule(
        "gcp api key",
        r"\b(AIza[0-9A-Za-z_\-]{35})(?:[^0-9A-Za-z_\-]|$)",
        4,
        E,
    )
    .on(&["AIza"]),
    rule("gcp oauth secret", r"\bGOCSPX-[A-Za-z0-9_\-]{28}\b", 7, E)
    .on(&["GOCSPX-"]),
    rule(
        "azure storage key",
        r"(?i)AccountKey\s*=\s*([A-Za-z0-9+/]{86,88}={0,2})",
        0,
        E,
    )
    .on_any_case(&["accountkey"]),
    rule(
        "azure client secret",
        r"(?:^|[^A-Za-z0-9_~.\-])([A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.\-]{31,34})(?:[^A-Za-z0-9_~.\-]|$)",
        0,
        E,
    )
    .on(&["Q~"]),
    rule(
        "anthropic key",
        r"\bsk-ant-(?:api\d\d-|admin\d\d-|oat\d\d-|sid\d\d-)?[A-Za-z0-9_\-]{20,}",
        0,
        E,
    )
    .on(&["sk-ant-"]),
    rule(
        "openai key",
        r"\bsk-(?:(?:proj|svcacct|admin|None)-)?[A-Za-z0-9_\-]{20,}T3BlbkFJ[A-Za-z0-9_\-]{20,}",
        0,
        E,
    )
    .on(&["T3BlbkFJ"]),
    rule(
        "hugging face token",
        r"\b(?:hf|api_org)_[A-Za-z]{34}\b",
        0,
        E,
    )
    .on(&["hf_", "api_org_"]),
    rule(
        "telegram bot token",
        r"\b\d{8,10}:AA[0-9A-Za-z_\-]{33}\b",
        0,
        E,
    )
    .on(&[":AA"]),
    rule("mailchimp key", r"\b[0-9a-f]{32}-us\d{1,2}\b", 0, E)
    .on(&["-us"]),
    rule(
        "shopify token",
        r"\bshp(?:at|ca|pa|ss)_[A-Za-z0-9]{32,64}\b",
        6,
        E,
    )
    .on(&["shp"]),
    rule("digitalocean token", r"\bdo[opr]_v1_[a-f0-9]{64}\b", 7, E)
    .on(&["_v1_"]),
    rule("databricks token", r"\bdapi[a-fA-F0-9]{32}(?:-\d)?\b", 4, E)
    .on(&["dapi"]),
    rule(
        "npm auth token",
        r"//[^\s:/]+(?:/[^\s:]*)?/:_authToken\s*=\s*([^\s${}]{8,})",
        0,
        LOW,
    )
    .on(&["/:_authToken"]),
    rule(
        "age secret key",
        r"\bAGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}\b",
        15,
        E,
    )
    .on(&["AGE-SECRET-KEY-1"]),
    rule("postman key", r"\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}\b", 5, E)
    .on(&["PMAK-"]),
    rule(
        "square token",
        r"\b(?:EAAA|sq0atp-|sq0csp-)[A-Za-z0-9_\-]{22,60}\b",
        0,
        E,
    )
    .on(&["EAAA", "sq0atp-", "sq0csp-"]),
];

/// The rules' patterns, each compiled the first time a text holds one of its triggers: compiling
/// every rule costs milliseconds, and most texts sfp masks (paths, names, short lines) trigger none.
fn compiled(i: usize) -> &'static Regex {
    static RES: [OnceLock<Regex>; RULES.len()] = [const { OnceLock::new() }; RULES.len()];
    RES[i].get_or_init(|| regex(RULES[i].pattern))
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
pub(super) fn find(text: &str, out: &mut Vec<Finding>) {
    for (i, rule) in RULES.iter().enumerate() {
        if !rule.triggered(text) {
            continue;
        }
        for caps in compiled(i).captures_iter(text) {
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
            if allow::is_placeholder_token(random) || allow::placeholder_follows(&text[m.end()..]) {
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
    use super::{RULES, format_prefix, regex};

    /// Every text the tests have: one secret of every kind and the whole labelled corpus.
    fn texts() -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
        let mut out =
            vec![std::fs::read_to_string(root.join("fixtures/secrets/every-kind.tsv")).unwrap()];
        for entry in walkdir::WalkDir::new(root.join("secrets-corpus")) {
            let entry = entry.unwrap();
            if entry.file_type().is_file()
                && let Ok(text) = std::fs::read_to_string(entry.path())
            {
                out.push(text);
            }
        }
        out
    }

    #[test]
    fn every_match_of_a_rule_holds_one_of_its_triggers() {
        let texts = texts();
        let mut matched = 0;
        for rule in RULES {
            assert!(!rule.triggers.is_empty(), "{} has no trigger", rule.kind);
            let re = regex(rule.pattern);
            for text in &texts {
                for m in re.find_iter(text) {
                    matched += 1;
                    assert!(
                        rule.triggered(m.as_str()),
                        "{}: {:?} holds none of {:?}",
                        rule.kind,
                        m.as_str(),
                        rule.triggers
                    );
                }
            }
        }
        assert!(
            matched > 500,
            "only {matched} matches: the corpus was not read"
        );
    }

    #[test]
    fn a_format_prefix_is_made_of_letters_only() {
        assert_eq!(format_prefix("xoxb-123-abc"), 5);
        assert_eq!(format_prefix("sk-ant-api03-abc"), 7);
        assert_eq!(format_prefix("85ca3b2e-7a52-00af-5e84-86b39e05216b"), 0);
        assert_eq!(format_prefix("abcdef"), 0);
        assert_eq!(format_prefix("-abc"), 0);
    }
}
