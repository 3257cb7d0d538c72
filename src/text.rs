//! Text cut to size: the start or the end of a text within a count of characters, and the end of
//! a file within a count of bytes.
//!
//! One rule for every cut: it falls between words, so that it never leaves part of a secret the
//! scanner can no longer recognise (masking happens later, where the text leaves sfp:
//! [`crate::util::redact`]), and an end never starts inside a private key block whose `BEGIN`
//! line was cut away. [`cap`] and [`cap_tail`] also mark the cut, the mark counted within the
//! size.

use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::Path;

use crate::util::read::{Kind, OpenResult, Opened};

/// Longest run of non-blank characters a cut backs off over to fall between words; a longer
/// run is cut where it is.
const MAX_WORD_CHARS: usize = 1_024;

/// The mark of a cut end ([`cap`]).
const CUT_END: &str = "\n[… truncated by sfp]";
/// The marks of a cut start ([`cap_tail`]): before a whole line, and before part of one.
const CUT_START_LINE: &str = "[…]\n";
const CUT_START: &str = "[…] ";

/// `text` in at most `max` characters: its start, cut between words, with a mark at the cut.
pub fn cap(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let keep = max.saturating_sub(CUT_END.chars().count());
    let mut out = head(text, keep).to_owned();
    out.push_str(CUT_END);
    out
}

/// `text` in at most `max` characters: its end, starting between words and at a line when the
/// kept part holds one, with a mark at the cut.
pub(crate) fn cap_tail(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let keep = max.saturating_sub(CUT_START.chars().count());
    let cut = tail(text, keep);
    let at_line = text[..text.len() - cut.len()].ends_with('\n');
    match cut.find('\n') {
        _ if at_line => format!("{CUT_START_LINE}{cut}"),
        Some(i) if i + 1 < cut.len() => format!("{CUT_START_LINE}{}", &cut[i + 1..]),
        _ => format!("{CUT_START}{cut}"),
    }
}

/// The last `n` lines of `text` (trailing blank space left out).
pub(crate) fn last_lines(text: &str, n: usize) -> Vec<&str> {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    lines[lines.len().saturating_sub(n)..].to_vec()
}

/// The first `max` characters of `text` at most, ending between words.
pub(crate) fn head(text: &str, max: usize) -> &str {
    let Some((end, _)) = text.char_indices().nth(max) else {
        return text;
    };
    if text[end..].starts_with(char::is_whitespace) {
        &text[..end]
    } else {
        before_cut(&text[..end])
    }
}

/// The last `max` characters of `text` at most, starting between words and never inside a
/// private key block whose `BEGIN` line was cut away.
pub(crate) fn tail(text: &str, max: usize) -> &str {
    let count = text.chars().count();
    if count <= max {
        return text;
    }
    let (start, _) = text
        .char_indices()
        .nth(count - max)
        .unwrap_or((text.len(), ' '));
    if text[..start].ends_with(char::is_whitespace) {
        after_key_body(&text[start..])
    } else {
        after_cut(&text[start..])
    }
}

/// `kept`, which was cut right after its end, without the start of a word the cut went through.
/// A run of non-blank characters longer than `MAX_WORD_CHARS` is kept as it is.
pub(crate) fn before_cut(kept: &str) -> &str {
    if kept.ends_with(char::is_whitespace) {
        return kept;
    }
    match kept
        .char_indices()
        .rev()
        .take(MAX_WORD_CHARS)
        .find(|(_, c)| c.is_whitespace())
    {
        Some((i, c)) => &kept[..i + c.len_utf8()],
        None if kept.chars().count() <= MAX_WORD_CHARS => "",
        None => kept,
    }
}

/// `kept`, which was cut right before its start, without the end of a word the cut went through
/// nor the body of a private key whose `BEGIN` line was cut away.
pub(crate) fn after_cut(kept: &str) -> &str {
    if kept.starts_with(char::is_whitespace) {
        return after_key_body(kept);
    }
    let rest = match kept
        .char_indices()
        .take(MAX_WORD_CHARS)
        .find(|(_, c)| c.is_whitespace())
    {
        Some((i, c)) => &kept[i + c.len_utf8()..],
        None if kept.chars().count() <= MAX_WORD_CHARS => "",
        None => kept,
    };
    after_key_body(rest)
}

/// The body of a key without its BEGIN line is not recognisable: `kept` from after its END line.
fn after_key_body(kept: &str) -> &str {
    if let Some(at) = kept.find("PRIVATE KEY")
        && !kept[..at].contains("-----BEGIN")
        && kept[..at].contains("-----END")
    {
        let after = kept[at..].find('\n').map_or(kept.len(), |i| at + i + 1);
        return &kept[after..];
    }
    kept
}

/// The end of a file: its whole lines within the window read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FileTail {
    pub bytes: Vec<u8>,
    /// Whether the file is longer than the window (its beginning was not read).
    pub cut: bool,
}

/// The whole lines among the last `limit` bytes of `path` (at most `kind.cap`), read through
/// [`crate::util::read::open`]: a missing file is an `Err` of kind `NotFound`, and one that is
/// not a regular file (a FIFO, a device, a directory) one of kind `InvalidInput`, never opened.
pub(crate) fn read_tail(path: &Path, kind: Kind, limit: u64) -> std::io::Result<FileTail> {
    let Opened { mut file, len } = match crate::util::read::open(path, kind) {
        OpenResult::Open(opened) => opened,
        OpenResult::Missing => return Err(std::io::ErrorKind::NotFound.into()),
        OpenResult::Skipped(skip) => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                skip.reason(),
            ));
        }
    };
    let limit = limit.min(kind.cap);
    let start = len.saturating_sub(limit);
    let mut cut_first = false;
    if start > 0 {
        // The first line is cut by the window unless the byte before it ends a line.
        let mut prev = [0u8; 1];
        file.seek(SeekFrom::Start(start - 1))?;
        file.read_exact(&mut prev)?;
        cut_first = prev[0] != b'\n';
    }
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::with_capacity(usize::try_from(len - start).unwrap_or(0));
    file.take(limit).read_to_end(&mut bytes)?;
    if cut_first {
        let keep = bytes
            .iter()
            .position(|b| *b == b'\n')
            .map_or(bytes.len(), |i| i + 1);
        bytes.drain(..keep);
    }
    Ok(FileTail {
        bytes,
        cut: start > 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gh() -> String {
        "AKIAQ7ZK3M5P2R6T4W6Y".to_owned() // sfp:allow-secret (a sample)
    }

    #[test]
    fn a_head_ends_between_words() {
        let key = gh();
        let text = format!("see {key} there");
        for max in 5..text.len() {
            let cut = head(&text, max);
            assert!(text.starts_with(cut));
            assert!(
                cut == "see " || cut == format!("see {key}") || cut == format!("see {key} "),
                "{max}: {cut:?}"
            );
        }
        assert_eq!(head("short", 10), "short");
        assert_eq!(head("abc def", 3), "abc");
        let long = "x".repeat(MAX_WORD_CHARS + 10);
        assert_eq!(head(&long, MAX_WORD_CHARS + 5).len(), MAX_WORD_CHARS + 5);
        assert_eq!(head("ééé ééé", 5), "ééé ");
    }

    #[test]
    fn a_tail_starts_between_words_and_after_a_key_cut_in_half() {
        let key = gh();
        let text = format!("see {key} there");
        for max in 1..text.len() {
            let cut = tail(&text, max);
            assert!(text.ends_with(cut));
            let whole = format!("{key} there");
            let spaced = format!(" {key} there");
            assert!(
                ["", "there", " there", whole.as_str(), spaced.as_str()].contains(&cut),
                "{max}: {cut:?}"
            );
        }
        let pem =
            "-----BEGIN RSA PRIVATE KEY-----\nAAAA\nBBBB\n-----END RSA PRIVATE KEY-----\nok\n";
        let cut = tail(pem, 45);
        assert_eq!(cut, "ok\n");
        assert_eq!(tail(pem, pem.len()), pem);
    }

    #[test]
    fn caps_keep_one_end_within_the_size_mark_included() {
        let text = (1..=100)
            .map(|i| format!("line {i}"))
            .collect::<Vec<_>>()
            .join("\n");
        assert_eq!(last_lines(&text, 2), vec!["line 99", "line 100"]);
        let t = cap_tail(&text, 20);
        assert!(t.starts_with("[…]\n") && t.ends_with("line 100"), "{t}");
        assert!(t.chars().count() <= 20, "{t}");
        let h = cap(&text, 40);
        assert!(h.starts_with("line 1\n") && h.ends_with("[… truncated by sfp]"));
        assert!(h.chars().count() <= 40, "{h}");
        assert_eq!(cap("short", 5), "short");
        assert_eq!(cap_tail("short", 5), "short");
        let key = gh();
        let long = format!("{}{key} is too long", "x ".repeat(100));
        assert_eq!(cap_tail(&long, key.len() + 2), "[…] is too long");
    }

    #[test]
    fn a_file_tail_is_whole_lines() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f.jsonl");
        std::fs::write(&file, "first line\nsecond\nthird\n").unwrap();
        let all = read_tail(&file, Kind::LEDGER, 1024).unwrap();
        assert_eq!(all.bytes, b"first line\nsecond\nthird\n");
        assert!(!all.cut);
        let end = read_tail(&file, Kind::LEDGER, 10).unwrap();
        assert_eq!(end.bytes, b"third\n", "the cut line is left out");
        assert!(end.cut);
        let at_line = read_tail(&file, Kind::LEDGER, 13).unwrap();
        assert_eq!(at_line.bytes, b"second\nthird\n");
        let missing = read_tail(&dir.path().join("nope"), Kind::LEDGER, 10).unwrap_err();
        assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
        let dir_err = read_tail(dir.path(), Kind::LEDGER, 10).unwrap_err();
        assert_eq!(dir_err.kind(), std::io::ErrorKind::InvalidInput);
    }
}
