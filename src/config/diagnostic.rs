//! A problem found in a config file, with where it is.

use std::fmt;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One error or warning about one config file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The file as a user would name it (`~/.claude/sfp/gates.yaml`, `<embedded>/sfp.yaml`).
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl Diagnostic {
    pub fn error(file: &str, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            file: file.to_owned(),
            line: None,
            column: None,
            message: message.into(),
        }
    }

    pub fn warning(file: &str, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(file, message)
        }
    }

    /// From a serde_yaml error, keeping its location. serde_yaml ends its message with
    /// " at line L column C" for that same location, which is kept apart; any context after it
    /// (", while parsing a block mapping at line 2 column 3") stays in the message.
    pub fn from_yaml(file: &str, err: &serde_yaml::Error) -> Self {
        let loc = err.location();
        let mut message = err.to_string();
        if let Some(loc) = &loc {
            let at = format!(" at line {} column {}", loc.line(), loc.column());
            if let Some(i) = message.find(&at) {
                message.replace_range(i..i + at.len(), "");
            }
        }
        Self {
            severity: Severity::Error,
            file: file.to_owned(),
            line: loc.as_ref().map(serde_yaml::Location::line),
            column: loc.as_ref().map(serde_yaml::Location::column),
            message,
        }
    }

    /// Places the diagnostic at `at` (line and column), when known.
    #[must_use]
    pub fn at(mut self, at: Option<(usize, usize)>) -> Self {
        if let Some((line, column)) = at {
            self.line = Some(line);
            self.column = Some(column);
        }
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The one way a place in a config file is named in messages: keys joined by `.`, list
/// indices in brackets, `tiers.fast.gates[2].timeout`. This reads serde_ignored's paths
/// (`tiers.fast.gates.2.?.timeout`, where `?` is an optional value) into that form.
pub(crate) fn display_path(path: &str) -> String {
    let mut out = String::new();
    for seg in path.split('.').filter(|s| *s != "?") {
        if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
            out.push('[');
            out.push_str(seg);
            out.push(']');
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(seg);
        }
    }
    out
}

/// The keys and indices of a path written as [`display_path`] gives it (`gates[0].when` →
/// `gates`, `0`, `when`). Only a trailing `[digits]` is an index: a key may hold brackets.
pub(crate) fn path_segments(path: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for seg in path.split('.') {
        let mut indices = Vec::new();
        let mut key = seg;
        while let Some(open) = key.rfind('[')
            && key.ends_with(']')
            && open + 2 < key.len()
            && key[open + 1..key.len() - 1]
                .bytes()
                .all(|b| b.is_ascii_digit())
        {
            indices.push(&key[open + 1..key.len() - 1]);
            key = &key[..open];
        }
        if !key.is_empty() {
            out.push(key);
        }
        out.extend(indices.into_iter().rev());
    }
    out
}

/// Line and column (1-based, in characters as the YAML parser counts its columns) of the `nth`
/// occurrence of `needle` in `text`, outside comments. serde keeps no positions for values, so
/// checks made after parsing find what they report by its text.
pub(crate) fn locate(text: &str, needle: &str, nth: usize) -> Option<(usize, usize)> {
    let mut count = 0;
    for (i, line) in text.lines().enumerate() {
        let code = line.split(" #").next().unwrap_or(line);
        let mut from = 0;
        while let Some(pos) = code[from..].find(needle) {
            count += 1;
            if count == nth {
                return Some((i + 1, column(code, from + pos)));
            }
            from += pos + needle.len().max(1);
        }
    }
    None
}

/// Where the first `key:` is written as a key (at the start of its line, or in a flow mapping).
pub(crate) fn locate_key(text: &str, key: &str) -> Option<(usize, usize)> {
    let re = regex::Regex::new(&format!(r"(?:^|[\s{{,])({}):", regex::escape(key))).ok()?;
    text.lines().enumerate().find_map(|(i, line)| {
        let code = line.split(" #").next().unwrap_or(line);
        re.captures(code)
            .and_then(|c| c.get(1))
            .map(|m| (i + 1, column(code, m.start())))
    })
}

/// The 1-based character column of byte offset `at` in `line`.
pub(crate) fn column(line: &str, at: usize) -> usize {
    line[..at].chars().count() + 1
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, ": {sev}: {}", self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_written_one_way() {
        assert_eq!(
            display_path("tiers.fast.gates.2.?.when.?.comand"),
            "tiers.fast.gates[2].when.comand"
        );
        assert_eq!(
            path_segments("tiers.fast.gates[2].when"),
            ["tiers", "fast", "gates", "2", "when"]
        );
        assert_eq!(path_segments("a[b]c[x"), ["a[b]c[x"]);
        assert_eq!(path_segments("m[0][1]"), ["m", "0", "1"]);
    }

    #[test]
    fn serde_yaml_context_is_kept_and_only_its_own_position_cut() {
        let e = serde_yaml::from_str::<serde_yaml::Value>("a:\n  - b\n c: d\n").unwrap_err();
        let d = Diagnostic::from_yaml("x.yaml", &e);
        let loc = e.location().unwrap();
        assert_eq!((d.line, d.column), (Some(loc.line()), Some(loc.column())));
        let at = format!(" at line {} column {}", loc.line(), loc.column());
        assert!(!d.message.contains(&at), "{d}");
        assert_eq!(d.message, e.to_string().replacen(&at, "", 1), "{d}");
    }
}
