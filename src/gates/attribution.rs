//! Which of a failing gate's problems the session introduced.
//!
//! A gate's output is cut into diagnostics that name a location, in the common forms:
//!
//! - `path:line[:col]: message` at the start of a line (ruff concise, eslint `unix`, rustc and
//!   clippy `--message-format=short`, mypy, go vet, `grep -n`);
//! - `path(line,col): message` (tsc);
//! - ` --> path:line:col` inside a block (ruff's default output, rustc and clippy): the block,
//!   up to the next blank line, is one diagnostic;
//! - a line holding only a path, then `  line:col  error  message` lines (eslint's default
//!   `stylish`).
//!
//! Only paths that name a file of the project count; every other line is context. Each
//! diagnostic is then new (on a line the session added or modified, or in a file the session
//! created) or pre-existing (on a line that was already there, or in a file the session did not
//! change). A gate whose output names no location is judged by file: it failed on the session's
//! files, so it is new.
//!
//! Known limit: a change can create a problem on a line it did not touch (removing the last use
//! of an import makes the import unused). Such a problem reads as pre-existing; `attribution:
//! files` (any problem in a changed file is new) or `off` are stricter.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

/// How a gate's failures are attributed (`attribution:` in gates.yaml).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Mode {
    /// A problem is new when it is on a line the session added or changed.
    #[default]
    Lines,
    /// A problem is new when it is in a file the session changed.
    Files,
    /// Every failure is new.
    Off,
}

impl Mode {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "lines" => Some(Self::Lines),
            "files" => Some(Self::Files),
            "off" => Some(Self::Off),
            _ => None,
        }
    }
}

/// One problem a gate reported at a location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Diagnostic {
    /// Relative to the project.
    pub path: String,
    pub line: u32,
    /// The diagnostic as the tool printed it (one line, or the whole block).
    pub text: String,
}

/// `path:line[:col]` at the start of a line (after `-->` in block forms).
static COLON: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:-->\s*)?(?P<path>[^\s:(][^:\n]*?):(?P<line>\d+)(?::\d+)?(?::|\s|$)")
        .expect("a valid regex")
});
/// `path(line,col)` (tsc).
static PAREN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<path>[^\s(][^(\n]*)\((?P<line>\d+),\d+\)").expect("a valid regex")
});
/// eslint stylish: `  3:15  error  message  rule`.
static STYLISH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s+(?P<line>\d+):\d+\s+(?:error|warning)\s").expect("a valid regex")
});

/// The located diagnostics of `output`. `cwd` is where the gate ran, relative to the project
/// (its `root`), since tools print paths relative to where they run; `exists` says whether a
/// relative path names a file of the project.
pub(super) fn parse(
    output: &str,
    project: &Path,
    cwd: Option<&Path>,
    exists: &dyn Fn(&str) -> bool,
) -> Vec<Diagnostic> {
    let resolve = |raw: &str| -> Option<String> {
        let raw = raw.trim();
        let raw = raw.strip_prefix("./").unwrap_or(raw);
        let path = Path::new(raw);
        let rel = if path.is_absolute() {
            path.strip_prefix(project).ok()?.to_path_buf()
        } else {
            match cwd {
                Some(c) => c.join(path),
                None => path.to_path_buf(),
            }
        };
        let rel = normalise(&rel.to_string_lossy());
        exists(&rel).then_some(rel)
    };
    let lines: Vec<&str> = output.lines().collect();
    let mut out = Vec::new();
    let mut stylish_file: Option<String> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.trim().is_empty() {
            stylish_file = None;
            i += 1;
            continue;
        }
        if line.trim_start().starts_with("-->") {
            // Handled with its block below.
            i += 1;
            continue;
        }
        if let Some((path, n)) = locate(line, &resolve) {
            out.push(Diagnostic {
                path,
                line: n,
                text: line.to_owned(),
            });
            i += 1;
            continue;
        }
        if let Some(file) = stylish_file.as_ref()
            && let Some(c) = STYLISH.captures(line)
            && let Ok(n) = c["line"].parse()
        {
            out.push(Diagnostic {
                path: file.clone(),
                line: n,
                text: format!("{file}:{}", line.trim_start()),
            });
            i += 1;
            continue;
        }
        if !line.starts_with(char::is_whitespace)
            && let Some(file) = resolve(line)
        {
            stylish_file = Some(file);
            i += 1;
            continue;
        }
        // A block: this header line and what follows up to a blank line, located by its
        // first `-->`.
        let end = lines[i..]
            .iter()
            .position(|l| l.trim().is_empty())
            .map_or(lines.len(), |p| i + p);
        let block = &lines[i..end];
        let arrow = block
            .iter()
            .skip(1)
            .find(|l| l.trim_start().starts_with("-->"));
        if let Some((path, n)) = arrow.and_then(|l| locate(l, &resolve)) {
            out.push(Diagnostic {
                path,
                line: n,
                text: block.join("\n"),
            });
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

fn locate(line: &str, resolve: &dyn Fn(&str) -> Option<String>) -> Option<(String, u32)> {
    for re in [&*COLON, &*PAREN] {
        if let Some(c) = re.captures(line)
            && let Ok(n) = c["line"].parse::<u32>()
            && let Some(path) = resolve(&c["path"])
        {
            return Some((path, n));
        }
    }
    None
}

/// `a/./b/../c` → `a/c`, without touching the file system.
fn normalise(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// What the session changed in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum FileChange {
    /// The file is new in the session (or its base is unknown): every line is new.
    Whole,
    /// These 1-based lines of the current content were added or modified.
    Lines(BTreeSet<u32>),
}

/// The session's changes, by path relative to the project.
pub(super) type Changes = BTreeMap<String, FileChange>;

/// The lines of `current` that are not in `base` (added or modified), 1-based: a line-level
/// diff on line hashes.
pub(super) fn new_lines(base: &[u64], current: &[u64]) -> BTreeSet<u32> {
    use similar::{Algorithm, DiffOp, capture_diff_slices};
    let mut out = BTreeSet::new();
    for op in capture_diff_slices(Algorithm::Myers, base, current) {
        match op {
            DiffOp::Insert {
                new_index, new_len, ..
            }
            | DiffOp::Replace {
                new_index, new_len, ..
            } => {
                for i in new_index..new_index + new_len {
                    out.insert(u32::try_from(i + 1).unwrap_or(u32::MAX));
                }
            }
            DiffOp::Equal { .. } | DiffOp::Delete { .. } => {}
        }
    }
    out
}

/// FNV-1a of each line of `text` (a stable hash: it is stored between hook calls).
pub(super) fn line_hashes(text: &[u8]) -> Vec<u64> {
    text.split(|&b| b == b'\n')
        .map(|line| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            line.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            })
        })
        .collect()
}

/// Whether the session introduced `d`.
pub(super) fn is_new(d: &Diagnostic, changes: &Changes, mode: Mode) -> bool {
    match (mode, changes.get(&d.path)) {
        (Mode::Off, _) => true,
        (_, None) => false,
        (Mode::Lines, Some(FileChange::Lines(lines))) => lines.contains(&d.line),
        (Mode::Files | Mode::Lines, Some(_)) => true,
    }
}

/// A failing gate's problems, split.
#[derive(Debug, Clone, Default)]
pub(super) struct Split {
    /// The gate's output named at least one location in the project.
    pub located: bool,
    pub new: Vec<Diagnostic>,
    pub old: Vec<Diagnostic>,
}

/// Splits `diags` into new and pre-existing.
pub(super) fn split(diags: Vec<Diagnostic>, changes: &Changes, mode: Mode) -> Split {
    let mut s = Split {
        located: !diags.is_empty(),
        ..Split::default()
    };
    for d in diags {
        if is_new(&d, changes, mode) {
            s.new.push(d);
        } else {
            s.old.push(d);
        }
    }
    s
}

/// Most files whose lines are compared against HEAD in one `git diff`.
const MAX_GIT_FILES: usize = 2_000;

/// The changes of `files` (relative to `project`) against HEAD, from one `git diff -U0`. A file
/// git does not report (untracked, or no HEAD yet) is [`FileChange::Whole`], and so is every
/// file when git does not answer by `deadline`.
pub(super) fn git_changes(
    project: &Path,
    files: &[String],
    deadline: crate::hook::Deadline,
) -> Changes {
    let mut out: Changes = files
        .iter()
        .map(|f| (f.clone(), FileChange::Whole))
        .collect();
    if files.is_empty() || files.len() > MAX_GIT_FILES {
        return out;
    }
    let Ok(diff) = crate::git::Git::new(project, deadline).diff_head_lines(files) else {
        return out;
    };
    let mut current: Option<String> = None;
    for line in diff.lines() {
        if let Some(path) = line.strip_prefix("+++ ") {
            current = path.strip_prefix("b/").map(str::to_owned);
            if let Some(p) = &current
                && let Some(entry) = out.get_mut(p)
            {
                *entry = FileChange::Lines(BTreeSet::new());
            }
        } else if let Some(hunk) = line.strip_prefix("@@ ")
            && let Some(p) = &current
            && let Some(FileChange::Lines(set)) = out.get_mut(p)
            && let Some(plus) = hunk.split(' ').find_map(|w| w.strip_prefix('+'))
        {
            let (start, len) = match plus.split_once(',') {
                Some((s, l)) => (s.parse::<u32>().ok(), l.parse::<u32>().ok()),
                None => (plus.parse::<u32>().ok(), Some(1)),
            };
            if let (Some(start), Some(len)) = (start, len) {
                set.extend(start..start.saturating_add(len));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn any(_: &str) -> bool {
        true
    }

    /// The located problems of a real output, as `(path, line)`.
    fn located(fixture: &str, files: &[&str]) -> Vec<(String, u32)> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gate-output");
        let text = std::fs::read_to_string(dir.join(fixture)).unwrap();
        let exists = |p: &str| files.contains(&p);
        parse(&text, Path::new("/PROJECT"), None, &exists)
            .into_iter()
            .map(|d| (d.path, d.line))
            .collect()
    }

    fn pairs(v: &[(&str, u32)]) -> Vec<(String, u32)> {
        v.iter().map(|(p, l)| ((*p).to_owned(), *l)).collect()
    }

    #[test]
    fn real_outputs_are_located() {
        let py = ["app.py", "util.py"];
        let ruff = pairs(&[
            ("app.py", 1),
            ("app.py", 2),
            ("app.py", 6),
            ("util.py", 1),
            ("util.py", 1),
        ]);
        assert_eq!(located("ruff-full.txt", &py), ruff);
        assert_eq!(located("ruff-concise.txt", &py), ruff);
        assert_eq!(
            located("mypy.txt", &py),
            pairs(&[("app.py", 11), ("app.py", 11), ("util.py", 2)])
        );
        let js = pairs(&[("app.js", 1), ("app.js", 3)]);
        assert_eq!(located("eslint-unix.txt", &["app.js"]), js);
        assert_eq!(located("eslint-stylish.txt", &["app.js"]), js);
        assert_eq!(
            located("tsc.txt", &["app.ts"]),
            pairs(&[("app.ts", 1), ("app.ts", 3), ("app.ts", 5)])
        );
        let rs = pairs(&[("src/main.rs", 4), ("src/main.rs", 3), ("src/main.rs", 2)]);
        assert_eq!(located("clippy.txt", &["src/main.rs"]), rs);
        assert_eq!(located("clippy-short.txt", &["src/main.rs"]), rs);
        assert_eq!(
            located("go-vet.txt", &["main.go"]),
            pairs(&[("main.go", 25), ("main.go", 21), ("main.go", 30)])
        );
        // Nothing located where the paths name no file of the project.
        assert!(located("ruff-full.txt", &[]).is_empty());
    }

    #[test]
    fn a_block_diagnostic_keeps_its_whole_text() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gate-output");
        let text = std::fs::read_to_string(dir.join("clippy.txt")).unwrap();
        let exists = |p: &str| p == "src/main.rs";
        let d = parse(&text, Path::new("/p"), None, &exists);
        assert!(
            d[1].text
                .starts_with("error: length comparison to zero\n --> src/main.rs:3:13")
        );
        assert!(d[1].text.contains("v.is_empty()"), "{}", d[1].text);
        let text = std::fs::read_to_string(dir.join("eslint-stylish.txt")).unwrap();
        let exists = |p: &str| p == "app.js";
        let d = parse(&text, Path::new("/PROJECT"), None, &exists);
        assert!(
            d[1].text
                .starts_with("app.js:3:15  error  'undefinedThing'"),
            "{}",
            d[1].text
        );
    }

    #[test]
    fn real_ruff_output_splits_into_new_and_old() {
        // The session changed line 6 of app.py only: of its five problems, one is new.
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gate-output");
        let text = std::fs::read_to_string(dir.join("ruff-full.txt")).unwrap();
        let exists = |p: &str| p == "app.py" || p == "util.py";
        let diags = parse(&text, Path::new("/p"), None, &exists);
        let mut changes = Changes::new();
        changes.insert("app.py".into(), FileChange::Lines(BTreeSet::from([6])));
        let s = split(diags.clone(), &changes, Mode::Lines);
        assert_eq!((s.new.len(), s.old.len()), (1, 4));
        assert!(s.new[0].text.starts_with("F841 Local variable `unused`"));
        let s = split(diags.clone(), &changes, Mode::Files);
        assert_eq!((s.new.len(), s.old.len()), (3, 2));
        let s = split(diags, &Changes::new(), Mode::Lines);
        assert!(s.located && s.new.is_empty());
    }

    #[test]
    fn colon_and_paren_forms_are_located() {
        let out = "a.py:3:1: E1 bad\nsrc/x.rs:10: warning\nweb/app.ts(4,2): error TS1\n./b.go:7:2: vet says\nFound 3 errors.\n";
        let d = parse(out, Path::new("/p"), None, &any);
        let got: Vec<(&str, u32)> = d.iter().map(|d| (d.path.as_str(), d.line)).collect();
        assert_eq!(
            got,
            [
                ("a.py", 3),
                ("src/x.rs", 10),
                ("web/app.ts", 4),
                ("b.go", 7)
            ]
        );
    }

    #[test]
    fn paths_must_name_project_files_and_follow_the_gate_root() {
        let exists = |p: &str| p == "web/src/a.ts" || p == "top.py";
        let out = "src/a.ts:1:1: x\n/p/top.py:2: y\n/elsewhere/top.py:3: z\nnote: 12: not a path\n";
        let d = parse(out, Path::new("/p"), Some(Path::new("web")), &exists);
        let got: Vec<(&str, u32)> = d.iter().map(|d| (d.path.as_str(), d.line)).collect();
        assert_eq!(got, [("web/src/a.ts", 1), ("top.py", 2)]);
    }

    #[test]
    fn new_lines_are_the_added_and_modified_ones() {
        let base = line_hashes(b"a\nb\nc\nd\n");
        let cur = line_hashes(b"a\nB\nc\nnew\nd\n");
        assert_eq!(new_lines(&base, &cur), BTreeSet::from([2, 4]));
        assert!(new_lines(&cur, &cur).is_empty());
        assert_eq!(line_hashes(b"x\r\n"), line_hashes(b"x\n"));
    }

    #[test]
    fn is_new_follows_the_mode() {
        let mut changes = Changes::new();
        changes.insert("a.py".into(), FileChange::Lines(BTreeSet::from([5])));
        changes.insert("n.py".into(), FileChange::Whole);
        let d = |path: &str, line| Diagnostic {
            path: path.into(),
            line,
            text: String::new(),
        };
        assert!(is_new(&d("a.py", 5), &changes, Mode::Lines));
        assert!(!is_new(&d("a.py", 4), &changes, Mode::Lines));
        assert!(is_new(&d("a.py", 4), &changes, Mode::Files));
        assert!(is_new(&d("n.py", 1), &changes, Mode::Lines));
        assert!(!is_new(&d("other.py", 1), &changes, Mode::Files));
        assert!(is_new(&d("other.py", 1), &changes, Mode::Off));
    }
}
