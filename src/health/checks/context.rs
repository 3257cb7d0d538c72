//! Context integrity: `<claude config dir>/.context/CLAUDE.md` present, readable and not empty,
//! and the other context files readable.

use super::{Probe, tilde};
use crate::health::Check;

const NAME: &str = "context";
const OTHER_FILES: [&str; 5] = [
    "identity.md",
    "projects.md",
    "relationships.md",
    "preferences.md",
    "rules.md",
];

pub fn check(probe: &Probe) -> Check {
    let ctx = probe.ctx;
    let dir = &ctx.paths.context_dir;
    let main = dir.join("CLAUDE.md");
    let shown = tilde(ctx, &main);
    let base = |c: Check| c.detail("path", shown.clone());
    match std::fs::read(&main) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return base(Check::degraded(
                NAME,
                format!(
                    "{shown} is missing: create it with your standing context (identity, rules, preferences) so sfp can inject it"
                ),
            ));
        }
        Err(e) => {
            return base(Check::degraded(
                NAME,
                format!("{shown} is not readable ({e}): check its permissions"),
            ));
        }
        Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => {
            return base(Check::degraded(
                NAME,
                format!("{shown} is empty: add your standing context to it"),
            ));
        }
        Ok(_) => {}
    }
    let mut present = vec!["CLAUDE.md".to_owned()];
    let mut unreadable = Vec::new();
    for name in OTHER_FILES {
        let path = dir.join(name);
        if !path.exists() {
            continue;
        }
        match std::fs::File::open(&path) {
            Ok(_) => present.push(name.to_owned()),
            Err(e) => unreadable.push(format!("{name} ({e})")),
        }
    }
    let check = if unreadable.is_empty() {
        Check::healthy(NAME, format!("{} context file(s) readable", present.len()))
    } else {
        Check::degraded(
            NAME,
            format!(
                "not readable in {}: {}",
                tilde(ctx, dir),
                unreadable.join(", ")
            ),
        )
    };
    base(check).detail("files", present)
}
