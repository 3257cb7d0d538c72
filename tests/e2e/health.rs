//! The foundation's scenarios: the plugin validates, a healthy start is silent, a broken one
//! puts the health notice in front of the model, and a broken config never breaks the session.

use crate::claude::{Session, claude_or_skip};
use crate::sfp_snapshot;
use crate::summary::Summary;

/// The one SessionStart hook event of the first run, with a readable failure otherwise.
fn session_start<'a>(s: &'a Summary, source: &str) -> &'a crate::summary::HookEvent {
    let name = format!("SessionStart:{source}");
    let hooks = s.hooks(&name);
    assert_eq!(hooks.len(), 1, "one {name} hook expected\n{}", s.dump());
    let hook = hooks[0];
    assert_eq!(hook.exit_code, Some(0), "{name} exits 0\n{}", s.dump());
    assert_eq!(hook.outcome, "success", "{}", s.dump());
    hook
}

/// The model was reached and answered, so the session went on.
fn session_went_on(s: &Summary) {
    assert!(!s.requests.is_empty(), "no model request\n{}", s.dump());
    let result = s.runs[0].result_text.as_deref().unwrap_or_default();
    assert!(result.contains("FAKE_DONE"), "no answer\n{}", s.dump());
}

#[test]
fn plugin_validates_strictly() {
    let Some(claude) = claude_or_skip("plugin_validates_strictly") else {
        return;
    };
    let session = Session::new(claude);
    let plugin = session.plugin().display().to_string();
    let out = session.cli(&["plugin", "validate", "--strict", "--json", &plugin]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    // `plugin validate` is a verdict command: its exit status is the answer.
    assert!(
        out.status.success(),
        "validate --strict failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verdict: serde_json::Value = serde_json::from_str(&stdout).expect("validate --json");
    assert_eq!(verdict["success"], true, "{stdout}");
}

#[test]
fn healthy_start_adds_no_health_notice() {
    let Some(claude) = claude_or_skip("healthy_start_adds_no_health_notice") else {
        return;
    };
    let session = Session::new(claude).with_context();
    let s = session.run("hello", &[]);
    let hook = session_start(&s, "startup");
    // A healthy start says nothing about health: the answer is the standing context alone.
    sfp_snapshot!(session, hook.stdout.trim(), @r#"
        {"hookSpecificOutput":{"additionalContext":"The user's standing context, from their context files (~/.claude/.context), as tags: K = knowledge about the user and their work, U = the user's rules and preferences, C = constraints and triggers. Rules and constraints come first.\n[K:identity] An engineer who tests things end to end.","hookEventName":"SessionStart"}}
        "#);
    assert!(
        s.injected_with("sfp health").is_empty(),
        "no health notice reaches the model\n{}",
        s.dump()
    );
    session_went_on(&s);
}

#[test]
fn broken_config_never_breaks_the_session() {
    let Some(claude) = claude_or_skip("broken_config_never_breaks_the_session") else {
        return;
    };
    let session = Session::new(claude).with_context();
    let config = session.sfp_home().join("sfp.yaml");
    session.write(&config, "health:\n  disabled: [memory\n  thresholds: : x\n");
    let s = session.run("hello", &["again"]);
    let hook = session_start(&s, "startup");
    // The error names the file with line and column.
    sfp_snapshot!(session, hook.stdout.trim(), @r#"{"hookSpecificOutput":{"additionalContext":"sfp health check at session start found problems in the user's setup:\n- state is unhealthy: config error: [SFP_HOME]/sfp.yaml:3:13: error: did not find expected ',' or ']', while parsing a flow sequence at line 2 column 13\n\nThe user's standing context, from their context files (~/.claude/.context), as tags: K = knowledge about the user and their work, U = the user's rules and preferences, C = constraints and triggers. Rules and constraints come first.\n[K:identity] An engineer who tests things end to end.","hookEventName":"SessionStart"},"systemMessage":"sfp health: state: config error (run `sfp health` for details)"}"#);
    assert!(
        !s.injected_with("sfp.yaml").is_empty(),
        "the error reaches the model\n{}",
        s.dump()
    );
    // The resumed session is told again at its SessionStart, but no request carries it twice.
    let per_request = s.occurrences_per_request(&format!("{}:", config.display()));
    assert!(
        per_request.iter().all(|&n| n == 1),
        "each request carries the error exactly once: {per_request:?}\n{}",
        s.dump()
    );
    session_went_on(&s);
    let resumed = &s.runs[1];
    assert!(
        resumed
            .result_text
            .as_deref()
            .unwrap_or_default()
            .contains("FAKE_DONE"),
        "the resumed session still answers\n{}",
        s.dump()
    );
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        "health:\n  disabled: [memory\n  thresholds: : x\n",
        "the broken file is left as it was"
    );
}

#[test]
fn a_missing_binary_says_how_to_install_and_the_session_goes_on() {
    let Some(claude) =
        claude_or_skip("a_missing_binary_says_how_to_install_and_the_session_goes_on")
    else {
        return;
    };
    let session = Session::new(claude).with_context().without_binary();
    let s = session.run("hello", &[]);
    let hook = session_start(&s, "startup");
    assert!(
        hook.json().is_some(),
        "the launcher answers one JSON object\n{}",
        s.dump()
    );
    // One line telling the user how to install the binary.
    sfp_snapshot!(session, hook.stdout.trim(), @r#"
        {"systemMessage":"sfp is not installed: put the sfp binary in [PLUGIN]/bin/, on PATH, or in ~/.cargo/bin (`cargo install --locked --git <sfp repository> sfp`)"}
        "#);
    assert!(
        s.injected_with("sfp").is_empty(),
        "nothing reaches the model\n{}",
        s.dump()
    );
    session_went_on(&s);
}
