//! The built-in `secrets` gate: runs the scanner (`crate::secrets`) over the gate's files, in
//! process (no child). Files ignored by the project's `.gitignore` or listed in `.secretsignore`
//! (same syntax) are left out; so are binary files and what lies past the first MiB of a file.
//! Findings are reported as `path:line: kind: masked excerpt of the line`.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use super::matcher::ignore_file;
use crate::secrets::{FileScan, excerpt, scan_file};

/// Findings listed before the report is cut.
const MAX_REPORTED: usize = 50;

/// The scan's verdict.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Scan {
    /// Nothing found in this many files.
    Clean(usize),
    /// The report listing what was found.
    Found(String),
    /// The deadline passed first; what was found until then, and how far it got.
    TimedOut(String),
    /// The run was cancelled (fail-fast or Ctrl-C).
    Cancelled,
}

/// Scans `files`, giving up at `deadline` (checked before each file; the work per file is
/// bounded by `secrets::file::MAX_SCAN_BYTES`) or when `cancel` is set.
pub(super) fn scan(
    project: &Path,
    files: &[String],
    cancel: &AtomicBool,
    deadline: Option<Instant>,
) -> Scan {
    let gitignore = ignore_file(&project.join(".gitignore"));
    let secretsignore = ignore_file(&project.join(".secretsignore"));
    let mut report = String::new();
    let mut found = 0usize;
    let mut scanned = 0usize;
    let stop = || {
        if cancel.load(Ordering::Relaxed) {
            Some(Scan::Cancelled)
        } else if deadline.is_some_and(|d| Instant::now() >= d) {
            Some(Scan::TimedOut(String::new()))
        } else {
            None
        }
    };
    for rel in files {
        if let Some(end) = stop() {
            return ended(end, report, scanned, files.len());
        }
        if [&gitignore, &secretsignore]
            .into_iter()
            .flatten()
            .any(|m| m.matches(rel))
        {
            continue;
        }
        let FileScan::Scanned { text, findings, .. } = scan_file(&project.join(rel)) else {
            continue;
        };
        for f in findings {
            found += 1;
            if found <= MAX_REPORTED {
                let _ = writeln!(
                    report,
                    "{rel}:{}: {}: {}",
                    f.line(&text),
                    f.kind,
                    excerpt(&text, &f)
                );
            }
        }
        scanned += 1;
    }
    if found == 0 {
        return Scan::Clean(scanned);
    }
    if found > MAX_REPORTED {
        let _ = writeln!(report, "… and {} more", found - MAX_REPORTED);
    }
    let _ = write!(
        report,
        "{found} possible secret(s) in {scanned} file(s) scanned"
    );
    Scan::Found(report)
}

/// A scan cut short: a timeout keeps what was found so far and says how far it got.
fn ended(end: Scan, mut report: String, scanned: usize, total: usize) -> Scan {
    match end {
        Scan::TimedOut(_) => {
            let _ = write!(
                report,
                "scanned {scanned} of {total} file(s) before the time ran out"
            );
            Scan::TimedOut(report)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_masked_findings_and_respects_ignore_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        let key = format!("ghp_{}", "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8");
        std::fs::write(p.join("conf.py"), format!("x = 1\ntoken = '{key}'\n")).unwrap();
        std::fs::write(p.join("ignored.env"), format!("T={key}\n")).unwrap();
        std::fs::write(p.join("fixture.txt"), format!("T={key}\n")).unwrap();
        std::fs::write(p.join("bin.dat"), b"\0\0ghp_xxx").unwrap();
        std::fs::write(p.join(".gitignore"), "*.env\n").unwrap();
        std::fs::write(p.join(".secretsignore"), "fixture.txt\n").unwrap();
        let files: Vec<String> = [
            "conf.py",
            "ignored.env",
            "fixture.txt",
            "bin.dat",
            "gone.py",
        ]
        .map(str::to_owned)
        .to_vec();
        let Scan::Found(report) = scan(p, &files, &AtomicBool::new(false), None) else {
            panic!("no findings");
        };
        assert!(
            report.starts_with("conf.py:2: github token: token = 'ghp_A1b2…[github token]'"),
            "{report}"
        );
        assert!(!report.contains(&key));
        assert!(
            report.ends_with("1 possible secret(s) in 1 file(s) scanned"),
            "{report}"
        );
        assert_eq!(
            scan(p, &["bin.dat".into()], &AtomicBool::new(false), None),
            Scan::Clean(0)
        );
    }

    #[test]
    fn the_scan_stops_at_its_deadline_and_on_cancel() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        let key = format!("ghp_{}", "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8");
        std::fs::write(p.join("a.py"), format!("t = '{key}'\n")).unwrap();
        std::fs::write(p.join("big.py"), "x = 1\n".repeat(5_000)).unwrap();
        let files = vec!["a.py".to_owned(), "big.py".to_owned()];
        let past = Some(Instant::now());
        assert_eq!(
            scan(p, &files, &AtomicBool::new(false), past),
            Scan::TimedOut("scanned 0 of 2 file(s) before the time ran out".into())
        );
        assert_eq!(
            scan(p, &files, &AtomicBool::new(true), None),
            Scan::Cancelled
        );
    }
}
