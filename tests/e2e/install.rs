//! The plugin installed as a user installs it — `claude plugin marketplace add <checkout>` then
//! `claude plugin install sfp@sfp-local`, no `--plugin-dir` — fires the same hooks.
//!
//! Observed with Claude Code 2.1.330: `plugin install` from a directory marketplace copies the
//! plugin into `~/.claude/plugins/cache/<marketplace>/<plugin>/<version>/` (everything but `.git`,
//! ignored files such as `bin/sfp` and `target/` included), yet hooks run from the source
//! directory in place (`CLAUDE_PLUGIN_ROOT` is the checkout), so a rebuilt `bin/sfp` takes effect
//! at the next session start. This test pins both facts.

use crate::claude::{Install, Session, claude_or_skip};

#[test]
fn marketplace_install_fires_the_same_session_start() {
    let Some(claude) = claude_or_skip("marketplace_install_fires_the_same_session_start") else {
        return;
    };
    let session = Session::new(claude).install(Install::Marketplace);
    let s = session.run("hello", &[]);

    let cache = session.claude_dir().join("plugins/cache/sfp-local/sfp");
    let installed: Vec<_> = std::fs::read_dir(&cache)
        .unwrap_or_else(|e| panic!("{} not created ({e})\n{}", cache.display(), s.dump()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    assert_eq!(installed.len(), 1, "one installed version: {installed:?}");
    let copy = &installed[0];
    assert!(
        copy.join("bin/sfp").is_file(),
        "the installed copy has bin/sfp"
    );
    assert!(copy.join("hooks/sfp-hook").is_file(), "and the launcher");

    let run = &s.runs[0];
    assert!(
        run.plugins.iter().any(|p| p == "sfp"),
        "sfp loaded from the install\n{}",
        s.dump()
    );
    let launcher = format!(
        "[{}/hooks/sfp-hook session-start] (plugin sfp@sfp-local)",
        session.plugin().display()
    );
    assert!(
        run.debug_log.contains(&launcher),
        "the hook ran from the marketplace install (in place, from its source directory), \
         not a --plugin-dir\n{}",
        s.dump()
    );
    let starts = s.hooks("SessionStart:startup");
    assert_eq!(starts.len(), 1, "{}", s.dump());
    assert_eq!(starts[0].exit_code, Some(0), "{}", s.dump());
    let notices = s.injected_with("CLAUDE.md is missing");
    assert_eq!(
        notices.len(),
        1,
        "the health notice reaches the model\n{}",
        s.dump()
    );
}
