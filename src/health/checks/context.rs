//! Context integrity: `<claude config dir>/.context/CLAUDE.md` present, readable and not empty,
//! and every other context file readable. The files are the ones tags reads, found and read by
//! the same function ([`crate::tags::context_files`]), so both count the same files.

use super::{Probe, tilde};
use crate::health::Check;

const NAME: &str = "context";

pub(crate) fn check(probe: &Probe) -> Check {
    let ctx = probe.ctx;
    let main = ctx.paths.context_dir.join("CLAUDE.md");
    let shown = tilde(ctx, &main);
    let (read, skipped) = crate::tags::context_files(ctx);
    let mut problems = Vec::new();
    match read.iter().find(|f| f.path == main) {
        Some(f) if f.blank => {
            problems.push(format!("{shown} is empty: add your standing context to it"));
        }
        Some(_) => {}
        None if skipped.iter().any(|s| s.display == shown) => {}
        None => problems.push(format!(
            "{shown} is missing: create it with your standing context (identity, rules, preferences) so sfp can inject it"
        )),
    }
    let unreadable: Vec<String> = skipped
        .iter()
        .map(|s| format!("{} ({})", s.display, s.reason))
        .collect();
    if !unreadable.is_empty() {
        problems.push(format!("not readable: {}", unreadable.join(", ")));
    }
    let files: Vec<&str> = read.iter().map(|f| f.display.as_str()).collect();
    let check = if problems.is_empty() {
        Check::healthy(NAME, format!("{} context file(s) readable", read.len()))
    } else {
        Check::degraded(NAME, problems.join("; "))
    };
    check
        .detail("path", shown)
        .detail("files", files)
        .detail("unreadable", unreadable)
}
