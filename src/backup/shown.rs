//! Names as sfp prints them. A name in a backup or on disk may hold any byte but `/` and NUL:
//! printed as it is, an ESC or OSC sequence would reach the terminal and a newline could forge a
//! line of a restore plan. Every name the backup commands print goes through [`escape`].

use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::Path;

/// `text` with every control character shown as an escape (`\n`, `\t`, `\r`, `\x1b`, `\u{9b}`).
pub(super) fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() && (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A path, escaped (bytes that are not UTF-8 are shown as U+FFFD).
pub(super) fn path(p: &Path) -> String {
    escape(&p.to_string_lossy()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_escaped() {
        assert_eq!(escape("commands/a.md"), "commands/a.md");
        assert_eq!(
            escape("a\x1b]0;pwned\x07\nb\tc\u{9b}"),
            "a\\x1b]0;pwned\\x07\\nb\\tc\\u{9b}"
        );
        assert_eq!(path(Path::new("x/\x1b[2J")), "x/\\x1b[2J");
    }
}
