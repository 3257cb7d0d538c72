//! Reading one file for a scan with bounded work and memory: it is opened by the reader of files
//! sfp does not own ([`crate::util::read::open`]: a FIFO or a device is never read), read up to
//! [`MAX_SCAN_BYTES`], and left out when it is binary.

use std::io::Read as _;
use std::path::Path;

use crate::util::read::{self, Kind, OpenResult, Opened};

use super::{Finding, scan};

/// The most of one file a scan reads; what lies beyond is not scanned.
pub(crate) const MAX_SCAN_BYTES: u64 = 1024 * 1024;
/// Bytes looked at for a NUL, the sign of a binary file.
const BINARY_PROBE: usize = 8192;

/// The outcome of scanning one file.
#[derive(Debug)]
pub enum FileScan {
    /// The file was read (at most [`MAX_SCAN_BYTES`] of it) and scanned.
    Scanned {
        text: String,
        findings: Vec<Finding>,
        /// The file is larger than what was read.
        truncated: bool,
    },
    /// Not a regular file, binary, or unreadable: not scanned.
    Skipped,
}

/// Reads and scans the file at `path`.
pub fn scan_file(path: &Path) -> FileScan {
    let Some((text, truncated)) = read_text(path) else {
        return FileScan::Skipped;
    };
    if fixture_marked(&text) {
        return FileScan::Scanned {
            text,
            findings: Vec::new(),
            truncated,
        };
    }
    let findings = scan(&text);
    FileScan::Scanned {
        text,
        findings,
        truncated,
    }
}

/// A test fixture that says so in its first lines (`sfp:test-fixture`) holds sample secrets on
/// purpose.
fn fixture_marked(text: &str) -> bool {
    text.lines().take(5).any(|l| l.contains("sfp:test-fixture"))
}

/// The file's text (invalid UTF-8 replaced) and whether it was cut, or `None` when it is not a
/// regular file, cannot be read or is binary.
fn read_text(path: &Path) -> Option<(String, bool)> {
    let OpenResult::Open(Opened { file, len }) = read::open(path, Kind::SOURCE) else {
        return None;
    };
    let mut bytes = Vec::with_capacity(usize::try_from(len.min(MAX_SCAN_BYTES)).ok()?);
    file.take(MAX_SCAN_BYTES).read_to_end(&mut bytes).ok()?;
    if bytes.iter().take(BINARY_PROBE).any(|b| *b == 0) {
        return None;
    }
    let truncated = len > MAX_SCAN_BYTES;
    Some((String::from_utf8_lossy(&bytes).into_owned(), truncated))
}
