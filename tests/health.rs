//! `sfp health` and the SessionStart health notice, through the real binary.

mod common;

use common::{TestContext, hook_json};

fn health_json(sb: &TestContext) -> (i32, serde_json::Value) {
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
    let sb = TestContext::healthy();
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
    let sb = TestContext::healthy();
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
    let sb = TestContext::healthy();
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
    let sb = TestContext::healthy();
    let manifest = sb.plugin.join(".claude-plugin/plugin.json");
    let text = std::fs::read_to_string(&manifest)
        .unwrap()
        .replace(env!("CARGO_PKG_VERSION"), "9.9.9");
    std::fs::write(&manifest, text).unwrap();
    let (_, v) = health_json(&sb);
    let c = check(&v, "plugin");
    assert_eq!(c["status"], "degraded");
    let msg = c["message"].as_str().unwrap();
    // Which is which: the binary (by path) and the plugin (by directory), then the fix.
    let binary = format!(
        "binary {} is sfp {}",
        common::sfp_bin(),
        env!("CARGO_PKG_VERSION")
    );
    assert!(msg.contains(&binary), "{msg}");
    assert!(msg.contains("is 9.9.9: "), "{msg}");
    assert!(msg.contains("set SFP_BIN"), "{msg}");
    assert!(!msg.contains('\n'), "one line: {msg}");
    // A plugin that is a source checkout (a marketplace copy of a clone) names the exact command.
    std::fs::write(sb.plugin.join("Cargo.toml"), "[package]\n").unwrap();
    let (_, v) = health_json(&sb);
    let msg = check(&v, "plugin")["message"].as_str().unwrap().to_owned();
    let fix = format!(
        "run `cargo install --locked --force --path {}`",
        sb.plugin.display()
    );
    assert!(msg.ends_with(&fix), "{msg}");
    // At SessionStart the user's one line carries both versions and the whole command.
    let out = sb.hook(
        "session-start",
        &sb.input("SessionStart", &serde_json::json!({"source": "startup"})),
    );
    let v = hook_json(&out).expect("a notice");
    let line = v["systemMessage"].as_str().unwrap();
    assert!(
        line.contains("is 9.9.9: ") && line.contains(&fix) && !line.contains('\n'),
        "{line}"
    );
}

#[test]
fn the_launcher_order_is_followed_to_cargo_bin() {
    // No bin/ in the plugin, nothing on PATH: ~/.cargo/bin/sfp (cargo install) is found.
    let sb = TestContext::healthy();
    std::fs::remove_file(sb.plugin.join("bin/sfp")).unwrap();
    let cargo_bin = sb.home.join(".cargo/bin");
    std::fs::create_dir_all(&cargo_bin).unwrap();
    std::os::unix::fs::symlink(common::sfp_bin(), cargo_bin.join("sfp")).unwrap();
    let (_, v) = health_json_without_sfp_on_path(&sb);
    let c = check(&v, "plugin");
    assert_eq!(c["status"], "healthy", "{v:#}");
    assert_eq!(c["details"]["binary"], "~/.cargo/bin/sfp", "{c}");
}

#[test]
fn human_table_lists_every_check() {
    let sb = TestContext::healthy();
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
    let sb = TestContext::healthy();
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
    let sb = TestContext::healthy();
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
    let sb = TestContext::healthy();
    std::fs::remove_file(sb.plugin.join("bin/sfp")).unwrap();
    let (code, v) = health_json_without_sfp_on_path(&sb);
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
    let (_, v) = health_json_without_sfp_on_path(&sb);
    assert_eq!(check(&v, "plugin")["status"], "healthy", "{v:#}");
}

/// `sfp health --json` with no directory holding an `sfp` on PATH (the launcher looks there).
fn health_json_without_sfp_on_path(sb: &TestContext) -> (i32, serde_json::Value) {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let kept: Vec<_> = std::env::split_paths(&path)
        .filter(|dir| !dir.join("sfp").exists())
        .collect();
    let out = sb
        .cmd(&["health", "--json", "--project"])
        .arg(&sb.project)
        .env("PATH", std::env::join_paths(kept).unwrap())
        .output()
        .unwrap();
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("health --json prints JSON");
    (out.status.code().unwrap(), v)
}

#[test]
fn a_resumed_session_is_not_told_twice() {
    let sb = TestContext::healthy();
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

/// One way Claude Code can be logged in, set up in a sandbox that has no other.
struct Setup {
    name: &'static str,
    /// A variable and its value, or none.
    var: Option<(&'static str, &'static str)>,
    /// A file (relative to the sandbox's Claude config dir, or to the project with `project/`)
    /// and its contents, or none.
    file: Option<(&'static str, &'static str)>,
    /// What the health message names, in parentheses after "authentication configured ".
    names: &'static str,
    /// How the message ends (the project's path differs from run to run).
    ends: &'static str,
}

const HELPER: &str = r#"{"apiKeyHelper": "~/bin/print-key"}"#;

const SETUPS: &[Setup] = &[
    Setup {
        name: "credentials file",
        var: None,
        file: Some((".credentials.json", r#"{"claudeAiOauth": {}}"#)),
        names: "(credentials file ~/.claude/.credentials.json)",
        ends: "",
    },
    Setup {
        name: "ANTHROPIC_API_KEY",
        var: Some(("ANTHROPIC_API_KEY", "sk-ant-not-a-real-key")),
        file: None,
        names: "(ANTHROPIC_API_KEY is set)",
        ends: "",
    },
    Setup {
        name: "ANTHROPIC_AUTH_TOKEN",
        var: Some(("ANTHROPIC_AUTH_TOKEN", "not-a-real-token")),
        file: None,
        names: "(ANTHROPIC_AUTH_TOKEN is set)",
        ends: "",
    },
    Setup {
        name: "CLAUDE_CODE_OAUTH_TOKEN",
        var: Some(("CLAUDE_CODE_OAUTH_TOKEN", "sk-ant-oat01-not-real")),
        file: None,
        names: "(CLAUDE_CODE_OAUTH_TOKEN is set)",
        ends: "",
    },
    Setup {
        name: "Bedrock",
        var: Some(("CLAUDE_CODE_USE_BEDROCK", "1")),
        file: None,
        names: "(CLAUDE_CODE_USE_BEDROCK is set)",
        ends: "",
    },
    Setup {
        name: "Vertex",
        var: Some(("CLAUDE_CODE_USE_VERTEX", "true")),
        file: None,
        names: "(CLAUDE_CODE_USE_VERTEX is set)",
        ends: "",
    },
    Setup {
        name: "Foundry",
        var: Some(("CLAUDE_CODE_USE_FOUNDRY", "1")),
        file: None,
        names: "(CLAUDE_CODE_USE_FOUNDRY is set)",
        ends: "",
    },
    Setup {
        name: "apiKeyHelper in the user's settings.json",
        var: None,
        file: Some(("settings.json", HELPER)),
        names: "(apiKeyHelper in ~/.claude/settings.json)",
        ends: "",
    },
    Setup {
        name: "apiKeyHelper in the project's settings.json",
        var: None,
        file: Some(("project/.claude/settings.json", HELPER)),
        names: "(apiKeyHelper in /",
        ends: "/project/.claude/settings.json)",
    },
    Setup {
        name: "apiKeyHelper in the project's settings.local.json",
        var: None,
        file: Some(("project/.claude/settings.local.json", HELPER)),
        names: "(apiKeyHelper in /",
        ends: "/project/.claude/settings.local.json)",
    },
    Setup {
        name: "a provider switched on in the env of settings.json",
        var: None,
        file: Some((
            "settings.json",
            r#"{"env": {"CLAUDE_CODE_USE_BEDROCK": "1", "AWS_REGION": "us-east-1"}}"#,
        )),
        names: "(CLAUDE_CODE_USE_BEDROCK in `env` in ~/.claude/settings.json)",
        ends: "",
    },
    Setup {
        name: "an API key saved by /login",
        var: None,
        file: Some((".claude.json", r#"{"primaryApiKey": "sk-ant-not-real"}"#)),
        names: "(API key saved by /login in ~/.claude/.claude.json)",
        ends: "",
    },
];

/// `sfp health --json` and a SessionStart, with `setup` as the only login.
fn run_setup(setup: &Setup) -> (serde_json::Value, Option<serde_json::Value>) {
    let sb = TestContext::healthy();
    if let Some((path, text)) = setup.file {
        let path = match path.strip_prefix("project/") {
            Some(rest) => sb.project.join(rest),
            None => sb.claude.join(path),
        };
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    // A `claude` on PATH, so that the check's verdict is the login's alone.
    let bin = sb.root.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(
        bin.join("claude"),
        "#!/bin/sh\necho '2.1.332 (Claude Code)'\n",
    )
    .unwrap();
    std::fs::set_permissions(
        bin.join("claude"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let path = std::env::join_paths(std::iter::once(bin.clone()).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    let tweak = |c: &mut std::process::Command| {
        c.env_remove("ANTHROPIC_API_KEY").env("PATH", &path);
        if let Some((k, v)) = setup.var {
            c.env(k, v);
        }
    };
    let mut cmd = sb.cmd(&["health", "--json", "--project"]);
    cmd.arg(&sb.project);
    tweak(&mut cmd);
    let out = cmd.output().unwrap();
    let report = serde_json::from_slice(&out.stdout).expect("health --json prints JSON");
    let start = sb.hook_with(
        "session-start",
        &sb.input("SessionStart", &serde_json::json!({"source": "startup"})),
        tweak,
    );
    assert_eq!(start.status.code(), Some(0));
    (report, hook_json(&start))
}

#[test]
fn every_way_claude_code_logs_in_is_healthy_and_silent_at_session_start() {
    for setup in SETUPS {
        let (report, start) = run_setup(setup);
        let c = check(&report, "claude");
        assert_eq!(c["status"], "healthy", "{}: {c}", setup.name);
        let message = c["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("authentication configured {}", setup.names))
                && message.ends_with(setup.ends),
            "{}: {message}",
            setup.name
        );
        // A credential is never shown (a provider switch's `1` would be found anywhere).
        if let Some((_, value)) = setup.var
            && value.len() > 8
        {
            assert!(!report.to_string().contains(value), "{}: shown", setup.name);
        }
        let start = start.unwrap_or_default();
        assert!(
            start.get("systemMessage").is_none(),
            "{}: {start}",
            setup.name
        );
        let context = start["hookSpecificOutput"]["additionalContext"]
            .as_str()
            .unwrap_or("");
        assert!(!context.contains("sfp health"), "{}: {context}", setup.name);
    }
}

#[test]
fn no_visible_login_is_degraded_in_a_terminal_and_unsaid_at_session_start() {
    let setup = Setup {
        name: "nothing",
        var: Some(("CLAUDE_CODE_USE_BEDROCK", "0")),
        file: Some(("settings.json", r#"{"apiKeyHelper": ""}"#)),
        names: "()",
        ends: "",
    };
    let (report, start) = run_setup(&setup);
    let c = check(&report, "claude");
    assert_eq!(c["status"], "degraded", "{c}");
    assert!(
        c["message"].as_str().unwrap().contains("no login found"),
        "{c}"
    );
    let start = start.unwrap_or_default();
    assert!(start.get("systemMessage").is_none(), "{start}");
}

#[test]
fn the_context_check_counts_the_files_tags_reads_and_names_the_bad_ones() {
    let sb = TestContext::healthy();
    let ctx_dir = sb.claude.join(".context");
    std::fs::write(
        ctx_dir.join("constraints.md"),
        "## Constraints\n- No network\n",
    )
    .unwrap();
    std::fs::write(ctx_dir.join("team.md"), "## Rules\n- Review first\n").unwrap();
    let project_ctx = sb.project.join(".claude/sfp/context");
    std::fs::create_dir_all(&project_ctx).unwrap();
    std::fs::write(project_ctx.join("rules.md"), "## Rules\n- Use tabs\n").unwrap();
    let tags = sb
        .cmd(&["tags", "check", "--json", "--project"])
        .arg(&sb.project)
        .output()
        .unwrap();
    let tags: serde_json::Value = serde_json::from_slice(&tags.stdout).unwrap();
    let read = tags["files"].as_array().unwrap().len();
    assert_eq!(read, 4, "{tags}");
    let (_, v) = health_json(&sb);
    let c = check(&v, "context");
    assert_eq!(c["status"], "healthy", "{c}");
    assert_eq!(c["message"], format!("{read} context file(s) readable"));
    assert_eq!(c["details"]["files"], tags["files"]);

    std::fs::write(ctx_dir.join("latin1.md"), b"caf\xe9\n").unwrap();
    std::os::unix::fs::symlink("/dev/zero", ctx_dir.join("zero.md")).unwrap();
    let (_, v) = health_json(&sb);
    let c = check(&v, "context");
    assert_eq!(c["status"], "degraded", "{c}");
    let message = c["message"].as_str().unwrap();
    assert!(
        message.contains("~/.claude/.context/latin1.md (not valid UTF-8")
            && message.contains("~/.claude/.context/zero.md (not a regular file)"),
        "{message}"
    );
}

#[test]
fn a_project_that_is_not_a_directory_is_an_error() {
    let sb = TestContext::healthy();
    let out = sb
        .cmd(&["health", "--project", "/nonexistent"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stdout.is_empty(),
        "no report for a project that is not there"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--project /nonexistent: not a directory"),
        "{err}"
    );
}

#[test]
#[expect(clippy::print_stderr, reason = "a skipped test says why")]
fn uncommitted_changes_are_counted_on_a_terminal() {
    let sb = TestContext::healthy();
    std::fs::write(sb.project.join("a.txt"), "a").unwrap();
    // `script` (util-linux) runs sfp with a terminal for stdout.
    let program = format!("{} health", common::sfp_bin());
    let Ok(out) = sb
        .program("script")
        .env("TERM", "dumb")
        .args(["-qec", &program, "/dev/null"])
        .output()
    else {
        eprintln!("skipped: no `script` to give sfp a terminal");
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    assert!(text.contains("on main, 1 uncommitted change\n"), "{text}");
    let piped = sb.cmd(&["health"]).output().unwrap();
    let piped = String::from_utf8_lossy(&piped.stdout);
    assert!(
        piped.contains("on main\n") && !piped.contains("uncommitted"),
        "{piped}"
    );
}

#[test]
fn plugin_options_are_a_layer_between_the_plugin_config_and_the_users_yaml() {
    let sb = TestContext::healthy();
    // The plugin's config/ sets the budget and the blocks; the options override it, and the
    // user's own sfp.yaml overrides the options.
    std::fs::write(
        sb.plugin.join("config/sfp.yaml"),
        "tags:\n  budget_chars: 999\ngates:\n  max_blocks: 2\n",
    )
    .unwrap();
    std::fs::create_dir_all(&sb.sfp_home).unwrap();
    std::fs::write(sb.sfp_home.join("sfp.yaml"), "gates:\n  max_blocks: 7\n").unwrap();
    let run = |args: &[&str]| {
        let out = sb
            .cmd(args)
            .env("CLAUDE_PLUGIN_OPTION_TAGS_BUDGET", "1200")
            .env("CLAUDE_PLUGIN_OPTION_MAX_BLOCKS", "5")
            .env("CLAUDE_PLUGIN_OPTION_SESSION_END_BACKUP", "off")
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let v: serde_json::Value = serde_json::from_str(&run(&["health", "--json"])).unwrap();
    let settings = &check(&v, "state")["details"]["settings"];
    let row = |key: &str| {
        let row = settings
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == key)
            .unwrap_or_else(|| panic!("{key} missing: {settings}"));
        (
            row["value"].as_str().unwrap().to_owned(),
            row["source"].as_str().unwrap().to_owned(),
        )
    };
    assert_eq!(
        row("tags.budget_chars"),
        ("1200".into(), "plugin option `tags_budget`".into())
    );
    assert_eq!(
        row("gates.max_blocks"),
        ("7".into(), "~/.claude/sfp/sfp.yaml".into())
    );
    assert_eq!(
        row("backup.on_session_end"),
        ("false".into(), "plugin option `session_end_backup`".into())
    );
    assert_eq!(row("gates.enabled"), ("true".into(), "default".into()));
    // The terminal table says the same, and `sfp tags` uses the option's budget.
    let table = run(&["health"]);
    assert!(
        table.lines().any(|l| l.contains("tags.budget_chars")
            && l.contains("1200")
            && l.ends_with("from plugin option `tags_budget`")),
        "{table}"
    );
    let tags: serde_json::Value = serde_json::from_str(&run(&["tags", "--json"])).unwrap();
    assert_eq!(tags["budget"], 1200, "{tags}");
}

#[test]
fn a_terminal_reads_the_plugin_options_claude_code_saved() {
    // Outside a hook there is no CLAUDE_PLUGIN_OPTION_*: the values come from settings.json,
    // where `claude plugin configure` writes them.
    let sb = TestContext::healthy();
    std::fs::write(
        sb.claude.join("settings.json"),
        r#"{"pluginConfigs": {"sfp@sfp-local": {"options": {"tags_budget": 321, "gates": false}}}}"#,
    )
    .unwrap();
    let (_, v) = health_json(&sb);
    let settings = check(&v, "state")["details"]["settings"].to_string();
    assert!(
        settings.contains(
            r#"{"key":"tags.budget_chars","source":"plugin option `tags_budget`","value":"321"}"#
        ),
        "{settings}"
    );
    assert!(
        settings.contains(
            r#"{"key":"gates.enabled","source":"plugin option `gates`","value":"false"}"#
        ),
        "{settings}"
    );
}

#[test]
fn the_launcher_runs_the_first_binary_in_its_order() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let plugin = dir.path().join("plugin");
    common::copy_dir(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("hooks"),
        &plugin.join("hooks"),
    );
    let home = dir.path().join("home");
    let on_path = dir.path().join("path");
    // Each candidate is a script that names itself and its arguments.
    let fake = |path: std::path::PathBuf, name: &str| {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, format!("#!/bin/sh\necho {name} \"$@\"\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    };
    let candidates = [
        fake(dir.path().join("custom/sfp"), "sfp_bin"),
        fake(plugin.join("bin/sfp"), "plugin_bin"),
        fake(on_path.join("sfp"), "on_path"),
        fake(home.join(".cargo/bin/sfp"), "cargo_bin"),
        fake(home.join(".local/bin/sfp"), "local_bin"),
    ];
    let run = || {
        let out = std::process::Command::new(plugin.join("hooks/sfp-hook"))
            .arg("session-start")
            .env_clear()
            .env("PATH", format!("{}:/usr/bin:/bin", on_path.display()))
            .env("HOME", &home)
            .env("CLAUDE_PLUGIN_ROOT", &plugin)
            .env("SFP_BIN", &candidates[0])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8(out.stdout).unwrap()
    };
    for (candidate, name) in
        candidates
            .iter()
            .zip(["sfp_bin", "plugin_bin", "on_path", "cargo_bin", "local_bin"])
    {
        assert_eq!(run(), format!("{name} hook session-start\n"));
        std::fs::remove_file(candidate).unwrap();
    }
    // None left: one JSON line for the user, exit 0.
    let v: serde_json::Value = serde_json::from_str(&run()).unwrap();
    let msg = v["systemMessage"].as_str().unwrap();
    assert!(msg.starts_with("sfp is not installed: "), "{msg}");
}

#[test]
fn outside_a_hook_the_plugin_is_found_where_claude_code_installed_it() {
    // An sfp installed with cargo, run by Claude through the Bash tool: no CLAUDE_PLUGIN_ROOT,
    // and the binary is not in the plugin. Claude Code's list of installed plugins names it.
    let sb = TestContext::healthy();
    let list = serde_json::json!({"version": 2, "plugins": {"sfp@sfp-local": [
        {"scope": "user", "installPath": sb.plugin, "version": env!("CARGO_PKG_VERSION")}]}});
    std::fs::create_dir_all(sb.claude.join("plugins")).unwrap();
    std::fs::write(
        sb.claude.join("plugins/installed_plugins.json"),
        list.to_string(),
    )
    .unwrap();
    let out = sb
        .cmd(&["health", "--json"])
        .env_remove("CLAUDE_PLUGIN_ROOT")
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let c = check(&v, "plugin");
    assert_eq!(c["status"], "healthy", "{c}");
    assert_eq!(c["details"]["root"], sb.plugin.display().to_string(), "{c}");
}
