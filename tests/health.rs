//! `sfp health` and the SessionStart health notice, through the real binary.

mod common;

use common::{Sandbox, hook_json};

fn health_json(sb: &Sandbox) -> (i32, serde_json::Value) {
    let out = sb
        .cmd(&["health", "--json", "--project"])
        .arg(&sb.project)
        .output()
        .unwrap();
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("health --json prints JSON");
    (out.status.code().unwrap(), v)
}

fn check<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no {name} check"))
}

#[test]
fn json_has_the_original_shape_and_every_check() {
    let sb = Sandbox::new();
    let (_, v) = health_json(&sb);
    let names: Vec<&str> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "plugin", "context", "memory", "disk", "project", "claude", "state"
        ]
    );
    for c in v["checks"].as_array().unwrap() {
        assert!(["healthy", "degraded", "unhealthy"].contains(&c["status"].as_str().unwrap()));
        assert!(c["message"].as_str().is_some_and(|m| !m.is_empty()), "{c}");
        assert!(c["details"].is_object());
    }
    assert_eq!(check(&v, "plugin")["status"], "healthy", "{v:#}");
    assert_eq!(check(&v, "context")["status"], "healthy");
    assert_eq!(check(&v, "project")["details"]["branch"], "main");
    assert!(
        check(&v, "project")["details"].get("uncommitted").is_none(),
        "the uncommitted changes are shown on a terminal only"
    );
    assert_eq!(check(&v, "state")["status"], "healthy");
    // The key is reported by name only.
    assert!(!v.to_string().contains("sk-ant-test-not-a-real-key"));
}

#[test]
fn missing_context_is_degraded_and_exit_stays_zero() {
    let sb = Sandbox::new();
    std::fs::remove_file(sb.claude.join(".context/CLAUDE.md")).unwrap();
    let (code, v) = health_json(&sb);
    assert_eq!(code, 0);
    let c = check(&v, "context");
    assert_eq!(c["status"], "degraded");
    assert!(
        c["message"]
            .as_str()
            .unwrap()
            .contains("CLAUDE.md is missing")
    );
}

#[test]
fn config_errors_are_unhealthy_with_line_and_column() {
    let sb = Sandbox::new();
    std::fs::create_dir_all(&sb.sfp_home).unwrap();
    std::fs::write(
        sb.sfp_home.join("sfp.yaml"),
        "health:\n  disk:\n    warn_free_mb: plenty\n",
    )
    .unwrap();
    let (code, v) = health_json(&sb);
    assert_eq!(code, 1, "unhealthy exits 1");
    assert_eq!(v["status"], "unhealthy");
    let msg = check(&v, "state")["message"].as_str().unwrap().to_owned();
    assert!(
        msg.contains("sfp.yaml:3:19: error: health.disk.warn_free_mb: invalid type"),
        "{msg}"
    );
}

#[test]
fn version_mismatch_is_reported() {
    let sb = Sandbox::new();
    let manifest = sb.plugin.join(".claude-plugin/plugin.json");
    let text = std::fs::read_to_string(&manifest)
        .unwrap()
        .replace(env!("CARGO_PKG_VERSION"), "9.9.9");
    std::fs::write(&manifest, text).unwrap();
    let (_, v) = health_json(&sb);
    let c = check(&v, "plugin");
    assert_eq!(c["status"], "degraded");
    assert!(
        c["message"].as_str().unwrap().contains("re-run setup.sh"),
        "{c}"
    );
}

#[test]
fn human_table_lists_every_check() {
    let sb = Sandbox::new();
    let out = sb.cmd(&["health"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for name in [
        "plugin", "context", "memory", "disk", "project", "claude", "state",
    ] {
        assert!(
            text.lines().any(|l| l.contains(name)),
            "{name} missing from:\n{text}"
        );
    }
    assert!(text.contains("status:"));
    assert!(!text.contains('\x1b'), "NO_COLOR is respected");
}

#[test]
fn healthy_session_start_adds_no_health_notice() {
    let sb = Sandbox::new();
    let out = sb.hook(
        "session-start",
        &sb.input("SessionStart", &serde_json::json!({"source": "startup"})),
    );
    assert_eq!(out.status.code(), Some(0));
    let v = hook_json(&out).unwrap_or_default();
    assert!(v.get("systemMessage").is_none(), "{v}");
    let ctx = v["hookSpecificOutput"]["additionalContext"]
        .as_str()
        .unwrap_or("");
    assert!(!ctx.contains("sfp health"), "{ctx}");
    // With no context file there are no tags either, and a healthy start prints nothing at all.
    std::fs::write(
        sb.claude.join(".context/CLAUDE.md"),
        "# Notes\n\nNothing under a known heading.\n",
    )
    .unwrap();
    let out = sb.hook(
        "session-start",
        &sb.input("SessionStart", &serde_json::json!({"source": "startup"})),
    );
    assert_eq!(
        hook_json(&out),
        None,
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn unhealthy_session_start_tells_user_and_claude() {
    let sb = Sandbox::new();
    std::fs::remove_file(sb.claude.join(".context/CLAUDE.md")).unwrap();
    let out = sb.hook(
        "session-start",
        &sb.input("SessionStart", &serde_json::json!({"source": "startup"})),
    );
    assert_eq!(out.status.code(), Some(0));
    let v = hook_json(&out).expect("a notice");
    let msg = v["systemMessage"].as_str().unwrap();
    assert!(
        msg.starts_with("sfp health: context:") && !msg.contains('\n'),
        "{msg}"
    );
    assert_eq!(v["hookSpecificOutput"]["hookEventName"], "SessionStart");
    let ctx = v["hookSpecificOutput"]["additionalContext"]
        .as_str()
        .unwrap();
    assert!(
        ctx.contains("context is degraded") && ctx.contains("CLAUDE.md is missing"),
        "{ctx}"
    );
    let log = std::fs::read_to_string(sb.sfp_home.join("logs/sfp.log")).unwrap();
    assert!(log.contains("health context: degraded"), "{log}");
}

#[test]
fn hooks_without_a_binary_are_unhealthy() {
    let sb = Sandbox::new();
    std::fs::remove_file(sb.plugin.join("bin/sfp")).unwrap();
    let (code, v) = health_json(&sb);
    assert_eq!(code, 1);
    let c = check(&v, "plugin");
    assert_eq!(c["status"], "unhealthy");
    assert!(
        c["message"]
            .as_str()
            .unwrap()
            .contains("find no sfp binary"),
        "{c}"
    );
    // ~/.local/bin/sfp is where setup.sh links it; the launcher falls back to it.
    let local = sb.home.join(".local/bin");
    std::fs::create_dir_all(&local).unwrap();
    std::os::unix::fs::symlink(common::sfp_bin(), local.join("sfp")).unwrap();
    let (_, v) = health_json(&sb);
    assert_eq!(check(&v, "plugin")["status"], "healthy", "{v:#}");
}

#[test]
fn a_resumed_session_is_not_told_twice() {
    let sb = Sandbox::new();
    std::fs::remove_file(sb.claude.join(".context/CLAUDE.md")).unwrap();
    let start = |source: &str| {
        let out = sb.hook(
            "session-start",
            &sb.input("SessionStart", &serde_json::json!({"source": source})),
        );
        hook_json(&out).and_then(|v| v.get("systemMessage").cloned())
    };
    assert!(start("startup").is_some(), "told at startup");
    assert!(
        start("resume").is_none(),
        "the resumed conversation already holds the notice"
    );
    assert!(
        start("compact").is_some(),
        "compaction drops it, so it is told again"
    );
    std::fs::write(sb.claude.join(".context/CLAUDE.md"), "").unwrap();
    assert!(start("resume").is_some(), "a different problem is news");
}
