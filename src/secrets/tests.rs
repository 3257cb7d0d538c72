//! The scanner on one secret of every kind, on what the allow layer lets through, and on masking.

use super::*;
use std::fmt::Write as _;

const EVERY_KIND: &str = include_str!("../../tests/fixtures/secrets/every-kind.tsv");

fn every_kind() -> Vec<(&'static str, &'static str)> {
    EVERY_KIND
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split_once('\t').expect("kind<TAB>secret"))
        .collect()
}

fn kinds(text: &str) -> Vec<&'static str> {
    scan(text).into_iter().map(|f| f.kind).collect()
}

#[test]
fn every_kind_is_found_as_its_kind_and_masked() {
    let all = every_kind();
    assert!(all.len() >= 40, "{}", all.len());
    for (kind, secret) in all {
        assert_eq!(kinds(secret), vec![kind], "{secret}");
        let out = mask(&format!("before {secret} after"));
        assert!(out.contains(&format!("…[{kind}]")), "{out}");
        assert!(!out.contains(secret), "{out}");
        assert!(
            out.starts_with("before ") && out.ends_with(" after"),
            "{out}"
        );
    }
}

#[test]
fn checksummed_tokens_are_verified() {
    for (kind, secret) in every_kind() {
        if ["npm token", "pypi token", "jwt"].contains(&kind) || secret.starts_with("ghp_") {
            assert!(scan(secret)[0].verified, "{secret}");
        }
    }
    let (_, gh) = every_kind()[0];
    let broken = format!(
        "{}{}",
        &gh[..gh.len() - 1],
        if gh.ends_with('A') { 'B' } else { 'A' }
    );
    let f = scan(&broken);
    assert_eq!(f.len(), 1, "the shape alone is still a finding");
    assert!(!f[0].verified);
}

#[test]
fn the_masked_form_keeps_the_kind_and_a_short_prefix() {
    let gh = "ghp_R7c2mB0tLwQ9xZ4vK1pN8sD3fG6hJ5aB1cD2";
    assert_eq!(mask(&format!("t: {gh}")), "t: ghp_R7c2…[github token]");
    assert_eq!(
        mask("password=hunter2hunter2"),
        "password=hu…[password]",
        "a short value shows less"
    );
    assert_eq!(
        mask("plain text, no secrets: password reset flow"),
        "plain text, no secrets: password reset flow"
    );
}

#[test]
fn masks_a_private_key_block_whole() {
    let body = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW";
    let key = format!(
        "-----BEGIN OPENSSH PRIVATE KEY-----\n{body}\n{body}\n-----END OPENSSH PRIVATE KEY-----"
    );
    let out = mask(&format!("here is my key:\n{key}\nthanks"));
    assert_eq!(
        out,
        "here is my key:\n-----BEGIN OPENSSH PRIVATE KEY…[private key]\nthanks"
    );
    let cut = mask(&format!("-----BEGIN RSA PRIVATE KEY-----\n{body}"));
    assert!(
        !cut.contains(body),
        "a key cut short is masked to the end: {cut}"
    );
    assert!(
        scan("the file starts with -----BEGIN RSA PRIVATE KEY----- and ends…").is_empty(),
        "a header alone is a mention, not a key"
    );
    for quote in ["    │ ", "> ", "# ", "  "] {
        let quoted = key.lines().fold(String::new(), |mut s, l| {
            let _ = writeln!(s, "{quote}{l}");
            s
        });
        let out = mask(&format!("gate said:\n{quoted}done"));
        assert!(!out.contains(body), "a quoted block is masked whole: {out}");
    }
    let literal = key.lines().fold(String::new(), |mut s, l| {
        let _ = writeln!(s, "  \"{l}\\n\"");
        s
    });
    assert!(!mask(&literal).contains(body), "{}", mask(&literal));
    assert_eq!(mask(&out), out, "masking a masked text changes nothing");
    let after_masked = format!("{out}\n- {key}");
    assert!(
        !mask(&after_masked).contains(body),
        "a masked header does not swallow the next key"
    );
    let prose = "A key starts with `-----BEGIN RSA PRIVATE KEY-----` and then comes its body, \
        which this sentence describes in many words without containing any of it at all.";
    assert!(
        scan(prose).is_empty(),
        "prose after a header is not a key body"
    );
}

#[test]
fn references_are_not_findings() {
    for line in [
        "const key = process.env.OPENAI_API_KEY;",
        "const k = import.meta.env.VITE_STRIPE_SECRET_KEY",
        "SECRET_KEY = os.environ['SECRET_KEY']",
        "password = os.getenv(\"DB_PASSWORD\")",
        "API_TOKEN: ${API_TOKEN}",
        "token: ${{ secrets.NPM_TOKEN }}",
        "password = settings.DATABASE_PASSWORD",
        "apiKey: config.apiKey",
        "auth = request.headers.Authorization",
        "password = user_password",
        "while let Some(k) = map.next_key::<String>()? {",
        "postgres://app:${DB_PASSWORD}@db/app",
    ] {
        assert!(scan(line).is_empty(), "{line}: {:?}", kinds(line));
    }
}

#[test]
fn placeholders_hashes_and_uuids_are_not_findings() {
    for line in [
        "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "ANTHROPIC_API_KEY=sk-ant-api03-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "SLACK_BOT_TOKEN=xoxb-your-bot-token",
        "NPM_TOKEN=npm_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        "password = changeme",
        "api_key: <your-api-key>",
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
        "cache_key = \"3f2b9c1e-8d4a-4f6b-9e2c-1a7d5b3c9e0f\"",
        "cache_key: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        r#""integrity": "sha512-Qw8mW0c1rCXIwIsOyk7m4vF3sMxW2O5Y0qHlN8sBn0xgC7z+Pk2B1e8XQ5nTrYcAk2s0PZrHw9J1yVvUfQKQ==""#,
        "the token expired, renew it",
        "password = \"password\"",
    ] {
        assert!(scan(line).is_empty(), "{line}: {:?}", kinds(line));
    }
}

#[test]
fn pragmas_silence_their_line_only() {
    let gh = "ghp_R7c2mB0tLwQ9xZ4vK1pN8sD3fG6hJ5aB1cD2";
    let text = format!("a = '{gh}'  # sfp:allow-secret\nb = '{gh}'\n");
    let f = scan(&text);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].line(&text), 2);
}

#[test]
fn assignments_in_every_format_are_found() {
    for line in [
        "DB_PASSWORD=Qx7vLm2pRt9z",
        "password: \"Qx7vLm2pRt9z\"",
        "[db]\npassword = Qx7vLm2pRt9z",
        r#"{"apiKey": "q8Zr1VfK3xLp9sT2wYb6"}"#,
        "let secret = 'q8Zr1VfK3xLp9sT2wYb6';",
        "SERVICE_TOKEN := \"q8Zr1VfK3xLp9sT2wYb6\"",
        "curl -u admin:Qx7vLm2pRt9z https://api.internal/",
        "https://deploy:Qx7vLm2pRt9z@git.internal/repo.git",
    ] {
        assert!(!scan(line).is_empty(), "{line}");
    }
}

#[test]
fn hostile_input_comes_back_unchanged() {
    for text in [
        format!("password={}", "a=".repeat(200_000)),
        "ey".repeat(300_000),
        "-----BEGIN RSA PRIVATE KEY-----".repeat(20_000),
        "https://a:".repeat(50_000),
    ] {
        assert!(mask(&text) == text, "{}", &text[..40]);
    }
}

#[test]
fn a_token_followed_by_a_multibyte_character_is_masked() {
    // The look past a token's end for a placeholder once sliced inside the `é` and panicked.
    let text = format!("{}éé", every_kind()[0].1);
    let out = mask(&text);
    assert!(
        out.ends_with("]éé") && !out.contains(every_kind()[0].1),
        "{out}"
    );
}
