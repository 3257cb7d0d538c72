//! Small helpers shared by every capability: files, locks, signals, wording.

pub(crate) mod fs;
pub(crate) mod glob;
pub(crate) mod lock;
pub(crate) mod read;
pub(crate) mod redact;
pub(crate) mod signals;

/// "no uncommitted changes", "1 uncommitted change", "3 uncommitted changes".
pub(crate) fn uncommitted_changes(count: usize) -> String {
    match count {
        0 => "no uncommitted changes".to_owned(),
        1 => "1 uncommitted change".to_owned(),
        n => format!("{n} uncommitted changes"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn uncommitted_changes_are_counted_in_words() {
        assert_eq!(super::uncommitted_changes(0), "no uncommitted changes");
        assert_eq!(super::uncommitted_changes(1), "1 uncommitted change");
        assert_eq!(super::uncommitted_changes(2), "2 uncommitted changes");
    }
}
