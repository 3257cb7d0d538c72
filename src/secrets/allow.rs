//! The allow layer every rule passes through: what looks like a secret but is not one.
//!
//! - references to a secret kept elsewhere (`process.env.X`, `import.meta.env.X`,
//!   `os.environ[…]`, `getenv(…)`, `${VAR}`, `${{ secrets.X }}`, `settings.X`, `config.X`,
//!   `request.headers.Authorization`);
//! - placeholders (`xxxx`, `your-…`, `<…>`, `changeme`, `example`, repeated or sequential
//!   characters);
//! - lockfile integrity fields, and UUIDs or hashes under key-like names (`cache_key`, `etag`);
//! - lines carrying the `sfp:allow-secret` pragma (or detect-secrets' and gitleaks' own).

/// Words that make a value a placeholder wherever they appear in it.
const PLACEHOLDER_WORDS: &[&str] = &[
    "xxxx",
    "your",
    "changeme",
    "change_me",
    "change-me",
    "example",
    "placeholder",
    "dummy",
    "redacted",
    "replace",
    "insert",
    "fixme",
    "todo",
    "sample",
    "****",
    "....",
    "…",
    "<",
    ">",
    "foobar",
    "my-",
    "my_",
    "here",
    "randomstring",
];

/// Values that are a placeholder when they are the whole value.
const PLACEHOLDER_VALUES: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "pass",
    "test",
    "none",
    "null",
    "nil",
    "undefined",
    "true",
    "false",
    "string",
    "admin",
    "root",
    "user",
    "username",
    "letmein",
    "hunter2",
    "qwerty",
    "default",
    "empty",
    "required",
    "optional",
    "mypassword",
    "mysecret",
    "secretkey",
    "apikey",
    "api_key",
];

/// Starts of a value that refers to a secret instead of holding it.
const REFERENCE_STARTS: &[&str] = &[
    "$",
    "%(",
    "%{",
    "{{",
    "#{",
    "<%",
    "@",
    "process.env",
    "import.meta.env",
    "os.environ",
    "os.getenv",
    "environ",
    "getenv",
    "env(",
    "env.",
    "env[",
    "settings.",
    "config.",
    "configuration.",
    "secrets.",
    "request.",
    "req.",
    "self.",
    "this.",
    "params.",
    "props.",
    "options.",
    "opts.",
    "args.",
    "vault:",
    "ref+",
    "arn:aws:secretsmanager",
    "system.getenv",
    "std::env",
    "dotenv",
];

/// `value` holds no secret: it is a placeholder, made of too few different characters, or of
/// words.
pub(super) fn is_placeholder(value: &str) -> bool {
    is_placeholder_token(value) || wordy(value)
}

/// The random part of a vendor token is a placeholder: placeholder words, too few different
/// characters, runs. Words alone do not count here: the vendor's prefix already says what it is.
pub(super) fn is_placeholder_token(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    let trimmed = lower.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    if PLACEHOLDER_VALUES.contains(&trimmed) {
        return true;
    }
    if PLACEHOLDER_WORDS.iter().any(|w| lower.contains(w)) {
        return true;
    }
    let body: Vec<u8> = value
        .bytes()
        .filter(u8::is_ascii_alphanumeric)
        .collect::<Vec<_>>();
    if body.is_empty() {
        return true;
    }
    repeated(&body) || same_run(value.as_bytes(), 8) || sequential(&body)
}

/// The text right after a token's shape opens a placeholder (`xoxp-1234-####`, `ghp_abc...`):
/// the shape stopped where the filler starts, so what matched is a template, not a value.
pub(super) fn placeholder_follows(rest: &str) -> bool {
    let next = rest.as_bytes().get(..3).unwrap_or_default();
    matches!(next, [a, b, c] if a == b && b == c && matches!(a, b'#' | b'*' | b'.' | b'x' | b'X'))
}

/// Few distinct characters, or one character making up half of a value of few distinct
/// ones, or a run of eight of the same: `aaaa`, `0000-0000`, `XXXXXXXXabc`, `…-########`.
fn repeated(body: &[u8]) -> bool {
    let mut counts = [0usize; 256];
    for &b in body {
        counts[usize::from(b.to_ascii_lowercase())] += 1;
    }
    let distinct = counts.iter().filter(|&&c| c > 0).count();
    let top = counts.iter().copied().max().unwrap_or(0);
    distinct <= 3 || (body.len() >= 8 && top * 2 >= body.len() && distinct <= 6)
}

/// A run of `len` identical bytes anywhere in `value`.
fn same_run(value: &[u8], len: usize) -> bool {
    let mut run = 1;
    for w in value.windows(2) {
        run = if w[0] == w[1] { run + 1 } else { 1 };
        if run >= len {
            return true;
        }
    }
    false
}

/// A run of the alphabet or of digits making up most of the value (`1234567890`,
/// `abcdefgh`), or seven in a row anywhere (`…klmnopq…`).
fn sequential(body: &[u8]) -> bool {
    let step = |w: &[u8]| w[1].to_ascii_lowercase() == w[0].to_ascii_lowercase().wrapping_add(1);
    let steps = body.windows(2).filter(|w| step(w)).count();
    if body.len() >= 6 && steps * 10 >= (body.len() - 1) * 7 {
        return true;
    }
    let mut run = 0;
    for w in body.windows(2) {
        run = if step(w) { run + 1 } else { 0 };
        if run >= 6 {
            return true;
        }
    }
    false
}

/// Words of prose and of example values: a value mostly made of them was written by a person,
/// not generated.
const WORDS: &[&str] = &[
    "hello",
    "world",
    "test",
    "testing",
    "pretty",
    "long",
    "token",
    "tokens",
    "check",
    "checking",
    "length",
    "exactly",
    "else",
    "fail",
    "failing",
    "need",
    "correct",
    "here",
    "random",
    "string",
    "access",
    "config",
    "configuration",
    "slack",
    "secret",
    "password",
    "value",
    "demo",
    "fake",
    "prefix",
    "suffix",
    "sample",
    "valid",
    "invalid",
    "foo",
    "bar",
    "baz",
    "abc",
    "xyz",
    "key",
    "api",
    "app",
    "my",
    "the",
    "be",
    "is",
    "are",
    "bot",
    "user",
    "chars",
    "char",
    "should",
    "not",
    "match",
    "this",
    "that",
    "some",
    "thing",
    "quick",
    "brown",
    "fox",
    "lazy",
    "dog",
];

/// At least 60% of the letters of `value` belong to words of [`WORDS`] of three or more letters.
fn wordy(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    let letters = lower.bytes().filter(u8::is_ascii_alphabetic).count();
    if letters < 8 {
        return false;
    }
    let mut covered = 0;
    for part in lower.split(|c: char| !c.is_ascii_alphabetic()) {
        let mut rest = part;
        while !rest.is_empty() {
            let hit = WORDS
                .iter()
                .filter(|w| w.len() >= 3 && rest.starts_with(**w))
                .map(|w| w.len())
                .max();
            match hit {
                Some(n) => {
                    covered += n;
                    rest = &rest[n..];
                }
                None => rest = &rest[1..],
            }
        }
    }
    covered * 10 >= letters * 6
}

/// `value` refers to a secret kept elsewhere rather than holding one.
pub(super) fn is_reference(value: &str) -> bool {
    let v = value.trim().trim_start_matches(['(', '!']);
    let lower = v.to_ascii_lowercase();
    if REFERENCE_STARTS.iter().any(|s| lower.starts_with(s)) {
        return true;
    }
    lower.contains("${")
        || lower.contains("{{")
        || lower.contains("process.env")
        || lower.contains("os.environ")
        || lower.contains("getenv")
        || lower.contains("secrets.")
        || (lower.contains('(') && lower.contains(')'))
}

/// `value` is an identifier or a dotted path in code (`user_password`, `cfg.token`,
/// `userPassword`, `DB_PASSWORD`), not a literal: no digits, letters and `_`, `.` only, and
/// upper-case letters only as word starts (or everywhere, for a constant).
pub(super) fn is_identifier(value: &str) -> bool {
    let mut chars = value.chars();
    let shaped = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && value
            .chars()
            .all(|c| c.is_ascii_alphabetic() || c == '_' || c == '.' || c == '-' || c == ':');
    if !shaped {
        return false;
    }
    let b = value.as_bytes();
    if !b.iter().any(u8::is_ascii_lowercase) {
        return true;
    }
    let upper = b.iter().filter(|c| c.is_ascii_uppercase()).count();
    let runs = b
        .windows(2)
        .any(|w| w[0].is_ascii_uppercase() && w[1].is_ascii_uppercase());
    !runs && upper * 3 <= b.len()
}

/// An npm, Yarn or pip integrity value, or a bare digest (`sha512-…`, `sha256:…`).
pub(super) fn is_integrity(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    [
        "sha1-", "sha256-", "sha384-", "sha512-", "sha256:", "sha512:", "sha1:", "md5:",
    ]
    .iter()
    .any(|p| lower.starts_with(p))
}

/// A UUID (`123e4567-e89b-12d3-a456-426614174000`).
pub(super) fn is_uuid(value: &str) -> bool {
    let b = value.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                *c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// A hex digest of a common length (MD5, SHA-1, SHA-256, SHA-512).
pub(super) fn is_hex_digest(value: &str) -> bool {
    [32, 40, 56, 64, 96, 128].contains(&value.len()) && value.bytes().all(|c| c.is_ascii_hexdigit())
}

/// Names under which a UUID or a hash is an identifier, a cache key or a checksum, not a
/// credential.
pub(super) fn is_key_like_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    let credential = [
        "secret", "token", "pass", "pwd", "auth", "api", "private", "access",
    ];
    if credential.iter().any(|w| n.contains(w)) {
        return false;
    }
    [
        "key",
        "id",
        "hash",
        "digest",
        "checksum",
        "integrity",
        "etag",
        "sha",
        "sum",
        "uuid",
    ]
    .iter()
    .any(|w| n.contains(w))
}

/// Pragmas that silence every finding on their line.
const PRAGMAS: &[&str] = &[
    "sfp:allow-secret",
    "pragma: allowlist secret",
    "gitleaks:allow",
];

/// The line of `text` around byte `at` carries an allow pragma.
pub(super) fn pragma_on_line(text: &str, at: usize) -> bool {
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let line = &text[start..end];
    PRAGMAS.iter().any(|p| line.contains(p))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_placeholder_after_a_shape_is_three_of_one_filler() {
        use super::placeholder_follows;
        for rest in ["###", "***-", "...", "xxxx", "XXX"] {
            assert!(placeholder_follows(rest), "{rest}");
        }
        for rest in ["", "xx", "xXx", " xxx", "éé", "abc"] {
            assert!(!placeholder_follows(rest), "{rest}");
        }
    }

    use super::*;

    #[test]
    fn placeholders_are_recognised() {
        for p in [
            "xxxxxxxxxxxxxxxx",
            "your-api-key",
            "<token>",
            "changeme",
            "AKIAIOSFODNN7EXAMPLE",
            "aaaaaaaaaaaa",
            "1234567890",
            "abcdefghijklmnop",
            "XXXXXXXXXXXXXXXXXXXXabc",
            "password",
        ] {
            assert!(is_placeholder(p), "{p}");
        }
        for s in ["q8Zr1VfK3xLp9sT2", "hunter2hunter2x", "R7c2mB0tLw"] {
            assert!(!is_placeholder(s), "{s}");
        }
    }

    #[test]
    fn references_are_recognised() {
        for r in [
            "process.env.OPENAI_API_KEY",
            "import.meta.env.VITE_KEY",
            "os.environ['SECRET']",
            "os.getenv(\"TOKEN\")",
            "${DB_PASSWORD}",
            "${{ secrets.NPM_TOKEN }}",
            "settings.DATABASE_PASSWORD",
            "config.apiKey",
            "request.headers.Authorization",
        ] {
            assert!(is_reference(r), "{r}");
        }
        assert!(!is_reference("q8Zr1VfK3xLp9sT2"));
    }

    #[test]
    fn digests_uuids_and_pragmas() {
        assert!(is_uuid("123e4567-e89b-12d3-a456-426614174000"));
        assert!(!is_uuid("123e4567-e89b-12d3-a456-42661417400"));
        assert!(is_hex_digest(&"ab12".repeat(10)));
        assert!(is_integrity("sha512-abc"));
        assert!(is_key_like_name("cache_key") && is_key_like_name("build-id"));
        assert!(!is_key_like_name("api_key") && !is_key_like_name("auth_token"));
        let text = "a\nt = 'x' # sfp:allow-secret\nb";
        assert!(pragma_on_line(text, 3) && !pragma_on_line(text, 0));
    }
}
