//! Recognising secrets in text: private keys, cloud and VCS tokens, Anthropic/OpenAI-style keys,
//! and high-entropy values assigned to names like `*_KEY`, `*_SECRET`, `*_TOKEN`, `PASSWORD`.
//!
//! Used by the built-in `secrets` gate (to report them) and by handoffs (to mask them). A match
//! is always shown masked: its first four characters, then asterisks.

mod entropy;
mod patterns;

pub use patterns::{Finding, find};

/// `text` with every secret replaced by its masked form. A private key is masked whole, from its
/// `BEGIN` line to its `END` line (or to the end of the text when it is cut short).
pub fn mask(text: &str) -> String {
    let text = patterns::mask_private_key_blocks(text);
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let findings = find(line);
        if findings.is_empty() {
            out.push_str(line);
            continue;
        }
        let mut last = 0;
        for f in findings {
            out.push_str(&line[last..f.start]);
            out.push_str(&masked(&line[f.start..f.end]));
            last = f.end;
        }
        out.push_str(&line[last..]);
    }
    out
}

/// The masked form of one secret: `sk-a****` — enough to recognise it, not to use it.
pub fn masked(secret: &str) -> String {
    let head: String = secret.chars().take(4).collect();
    format!("{head}****")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_a_private_key_block_whole() {
        let body = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW";
        let key = format!(
            "-----BEGIN OPENSSH PRIVATE KEY-----\n{body}\n{body}\n-----END OPENSSH PRIVATE KEY-----"
        );
        let out = mask(&format!("here is my key:\n{key}\nthanks"));
        assert!(!out.contains(body), "{out}");
        assert!(
            out.starts_with("here is my key:\n") && out.ends_with("\nthanks"),
            "{out}"
        );
        let cut = mask(&format!("-----BEGIN RSA PRIVATE KEY-----\n{body}"));
        assert!(
            !cut.contains(body),
            "a key cut short is masked to the end: {cut}"
        );
    }

    #[test]
    fn masks_every_secret_on_a_line_and_keeps_the_rest() {
        let key = format!("sk-ant-api03-{}", "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z");
        let gh = format!("ghp_{}", "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8");
        let text = format!("export ANTHROPIC_API_KEY={key}\nnothing here\ntoken {gh} end");
        let out = mask(&text);
        assert!(!out.contains(&key) && !out.contains(&gh), "{out}");
        assert!(out.contains("nothing here\n"));
        assert!(out.contains("ghp_**** end"));
        assert_eq!(
            mask("plain text, no secrets: password reset flow"),
            "plain text, no secrets: password reset flow"
        );
    }
}
