//! A session's record of what it touched: `ledger.jsonl`, one line per file tool call, appended
//! at PostToolUse: `{"path": "<absolute path>", "tool": "Write", "at": "<RFC3339 UTC>"}`. The
//! gates and handoffs read it, so the format is fixed. Lines are masked as they are written
//! ([`crate::util::redact`]); a long ledger is read from its end.

use std::collections::HashSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

use super::Session;
use crate::util::read::Kind;

/// One line of the ledger. A line without `tool` or `at` is still read (its path is what
/// counts); one without a path is not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Entry {
    pub path: PathBuf,
    #[serde(default)]
    pub tool: String,
    #[serde(default)]
    pub at: String,
}

/// The entries read from the end of a ledger.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Read {
    /// In the order they were written.
    pub entries: Vec<Entry>,
    /// Lines that are not entries.
    pub malformed: usize,
}

/// Appends one entry (one `write` of one line, so concurrent hooks never interleave).
pub(crate) fn record(session: &Session, path: &Path, tool: &str) -> anyhow::Result<()> {
    let file = session.ledger();
    let entry = Entry {
        path: path.to_path_buf(),
        tool: tool.to_owned(),
        at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    };
    let mut line = crate::util::redact::to_string(&entry)?;
    line.push('\n');
    let mut f = crate::util::fs::open_append_private(&file)
        .with_context(|| format!("cannot open {}", file.display()))?;
    f.write_all(line.as_bytes())
        .with_context(|| format!("cannot append to {}", file.display()))
}

/// The entries among the last `limit` bytes of the session's ledger. A missing ledger is an
/// `Err` of kind `NotFound`; one that is not a regular file, of kind `InvalidInput`.
pub(crate) fn read(session: &Session, limit: u64) -> std::io::Result<Read> {
    let tail = crate::text::read_tail(&session.ledger(), Kind::LEDGER, limit)?;
    let mut read = Read::default();
    for line in tail
        .bytes
        .split(|b| *b == b'\n')
        .filter(|l| !l.trim_ascii().is_empty())
    {
        match serde_json::from_slice::<Entry>(line) {
            Ok(entry) if !entry.path.as_os_str().is_empty() => read.entries.push(entry),
            _ => read.malformed += 1,
        }
    }
    Ok(read)
}

/// Every distinct path in the session's ledger, in first-touched order; none when it cannot be
/// read.
pub(crate) fn touched(session: &Session) -> Vec<PathBuf> {
    let Ok(read) = read(session, Kind::LEDGER.cap) else {
        return Vec::new();
    };
    // Up to 16 MiB of lines: a set keeps the dedup linear, the Vec the first-touched order.
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut out: Vec<PathBuf> = Vec::new();
    for entry in read.entries {
        if !seen.contains(&entry.path) {
            seen.insert(entry.path.clone());
            out.push(entry.path);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::test_paths;

    #[test]
    fn ledger_lines_have_the_shared_format() {
        let dir = tempfile::tempdir().unwrap();
        let s = Session::new(&test_paths(dir.path()), "s/1");
        record(&s, Path::new("/proj/a.py"), "Write").unwrap();
        record(&s, Path::new("/proj/b.py"), "Edit").unwrap();
        record(&s, Path::new("/proj/a.py"), "Edit").unwrap();
        let text = std::fs::read_to_string(s.ledger()).unwrap();
        let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(first["path"], "/proj/a.py");
        assert_eq!(first["tool"], "Write");
        assert!(chrono::DateTime::parse_from_rfc3339(first["at"].as_str().unwrap()).is_ok());
        assert_eq!(first.as_object().unwrap().len(), 3);
        std::fs::OpenOptions::new()
            .append(true)
            .open(s.ledger())
            .unwrap()
            .write_all(b"not json\n{\"path\": \"\"}\n{\"path\": \"/proj/c.py\"}\n")
            .unwrap();
        assert_eq!(
            touched(&s),
            vec![
                PathBuf::from("/proj/a.py"),
                PathBuf::from("/proj/b.py"),
                PathBuf::from("/proj/c.py")
            ]
        );
        let read = read(&s, 1024).unwrap();
        assert_eq!((read.entries.len(), read.malformed), (4, 2));
        assert_eq!(read.entries[3].tool, "", "a line without its tool is kept");
        let other = Session::new(&test_paths(dir.path()), "other");
        assert!(touched(&other).is_empty());
        assert_eq!(
            super::read(&other, 1024).unwrap_err().kind(),
            std::io::ErrorKind::NotFound
        );
    }

    #[test]
    fn a_long_ledger_is_deduplicated_in_first_touched_order() {
        use std::fmt::Write as _;
        let dir = tempfile::tempdir().unwrap();
        let s = Session::new(&test_paths(dir.path()), "long");
        std::fs::create_dir_all(s.dir()).unwrap();
        let mut text = String::new();
        for _ in 0..20 {
            for i in (0..5_000).rev() {
                let _ = writeln!(
                    text,
                    "{{\"path\":\"/p/f{i}.rs\",\"tool\":\"Edit\",\"at\":\"t\"}}"
                );
            }
        }
        std::fs::write(s.ledger(), text).unwrap();
        let started = std::time::Instant::now();
        let got = touched(&s);
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert_eq!(got.len(), 5_000);
        assert_eq!(got[0], PathBuf::from("/p/f4999.rs"));
        assert_eq!(got[4_999], PathBuf::from("/p/f0.rs"));
    }
}
