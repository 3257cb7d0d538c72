//! `sfp health` and the SessionStart health notice, through the real binary.

mod common;

use common::{PassStdin as _, TestContext, hook_json};

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

/// A healthy context whose rows that differ from machine to machine read the same everywhere: a
/// `claude` of a fixed version on PATH, memory and disk thresholds of 0 in the plugin's config (so
/// that both stay healthy) with the amounts they print filtered, and the binary's path and version
/// filtered.
fn pinned() -> TestContext {
    let mut ctx = TestContext::healthy();
    fake_claude(&mut ctx);
    common::write(
        ctx.plugin.join("config/sfp.yaml"),
        "health:\n  memory:\n    warn_available_mb: 0\n    critical_available_mb: 0\n    \
         warn_available_percent: 0\n  disk:\n    warn_free_mb: 0\n    critical_free_mb: 0\n    \
         warn_free_percent: 0\n    critical_free_percent: 0\n",
    );
    ctx.filter(
        r"\d+ MiB available \(\d+% of \d+ MiB\)",
        "[N] MiB available ([P]% of [N] MiB)",
    );
    ctx.filter(r"\d+ MiB free \(\d+(\.\d+)?%\)", "[N] MiB free ([P]%)");
    ctx.filter(&regex::escape(common::sfp_bin()), "[SFP_BIN]");
    ctx.filter(
        &format!(r"\b{}\b", regex::escape(env!("CARGO_PKG_VERSION"))),
        "[VERSION]",
    );
    ctx
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
    let sb = pinned();
    std::fs::remove_file(sb.claude.join(".context/CLAUDE.md")).unwrap();
    let (code, v) = health_json(&sb);
    assert_eq!(code, 0);
    assert_eq!(check(&v, "context")["status"], "degraded");
    cmd_snapshot!(sb, sb.cmd(&["health"]));
}

#[test]
fn config_errors_are_unhealthy_with_line_and_column() {
    let sb = pinned();
    std::fs::create_dir_all(&sb.sfp_home).unwrap();
    std::fs::write(
        sb.sfp_home.join("sfp.yaml"),
        "health:\n  disk:\n    warn_free_mb: plenty\n",
    )
    .unwrap();
    let (code, v) = health_json(&sb);
    assert_eq!(code, 1, "unhealthy exits 1");
    assert_eq!(v["status"], "unhealthy");
    cmd_snapshot!(sb, sb.cmd(&["health"]));
}

#[test]
fn version_mismatch_is_reported() {
    let sb = pinned();
    let manifest = sb.plugin.join(".claude-plugin/plugin.json");
    let text = std::fs::read_to_string(&manifest)
        .unwrap()
        .replace(env!("CARGO_PKG_VERSION"), "9.9.9");
    std::fs::write(&manifest, text).unwrap();
    let (_, v) = health_json(&sb);
    let c = check(&v, "plugin");
    assert_eq!(c["status"], "degraded");
    let msg = c["message"].as_str().unwrap();
    assert!(!msg.contains('\n'), "one line: {msg}");
    // Which is which: the binary (by path) and the plugin (by directory), then the fix.
    cmd_snapshot!(sb, sb.cmd(&["health"]));
    // A plugin that is a source checkout (a marketplace copy of a clone) names the exact command.
    std::fs::write(sb.plugin.join("Cargo.toml"), "[package]\n").unwrap();
    cmd_snapshot!(sb, sb.cmd(&["health"]));
    // At SessionStart the user's one line carries both versions and the whole command.
    let input = sb.input("SessionStart", &serde_json::json!({"source": "startup"}));
    cmd_snapshot!(sb, sb.cmd(&["hook", "session-start"]).pass_stdin(input));
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
    // Every check, one line each, with no colour (NO_COLOR is respected).
    let sb = pinned();
    cmd_snapshot!(sb, sb.cmd(&["health"]));
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
    let sb = pinned();
    std::fs::remove_file(sb.claude.join(".context/CLAUDE.md")).unwrap();
    let input = sb.input("SessionStart", &serde_json::json!({"source": "startup"}));
    // One line for the user, the problem and its fix for Claude.
    cmd_snapshot!(sb, sb.cmd(&["hook", "session-start"]).pass_stdin(input));
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

/// One way Claude Code can be logged in: a variable and its value, or a file (relative to the
/// Claude config dir, or to the project with `project/`) and its contents.
#[derive(Clone, Copy)]
enum Login {
    Var(&'static str, &'static str),
    File(&'static str, &'static str),
}

use Login::{File, Var};

const HELPER: &str = r#"{"apiKeyHelper": "~/bin/print-key"}"#;

/// Every way a sandbox with no other login can be logged in, by name.
const SETUPS: &[(&str, Login)] = &[
    (
        "credentials file",
        File(".credentials.json", r#"{"claudeAiOauth": {}}"#),
    ),
    (
        "ANTHROPIC_API_KEY",
        Var("ANTHROPIC_API_KEY", "sk-ant-not-a-real-key"),
    ),
    (
        "ANTHROPIC_AUTH_TOKEN",
        Var("ANTHROPIC_AUTH_TOKEN", "not-a-real-token"),
    ),
    (
        "CLAUDE_CODE_OAUTH_TOKEN",
        Var("CLAUDE_CODE_OAUTH_TOKEN", "sk-ant-oat01-not-real"),
    ),
    ("Bedrock", Var("CLAUDE_CODE_USE_BEDROCK", "1")),
    ("Vertex", Var("CLAUDE_CODE_USE_VERTEX", "true")),
    ("Foundry", Var("CLAUDE_CODE_USE_FOUNDRY", "1")),
    ("apiKeyHelper, user", File("settings.json", HELPER)),
    (
        "apiKeyHelper, project",
        File("project/.claude/settings.json", HELPER),
    ),
    (
        "apiKeyHelper, project local",
        File("project/.claude/settings.local.json", HELPER),
    ),
    (
        "provider in settings env",
        File(
            "settings.json",
            r#"{"env": {"CLAUDE_CODE_USE_BEDROCK": "1", "AWS_REGION": "us-east-1"}}"#,
        ),
    ),
    (
        "key saved by /login",
        File(".claude.json", r#"{"primaryApiKey": "sk-ant-not-real"}"#),
    ),
];

/// Puts a `claude` that prints a fixed version first on the context's PATH, so that the claude
/// check's verdict is the login's alone.
fn fake_claude(ctx: &mut TestContext) {
    let bin = ctx.root.join("bin");
    common::write(
        bin.join("claude"),
        "#!/bin/sh\necho '2.1.332 (Claude Code)'\n",
    );
    std::fs::set_permissions(
        bin.join("claude"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let path = std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    ctx.env("PATH", path);
}

/// `sfp health --json` and a SessionStart, with `logins` as the only login; the project's path
/// in the report is `[PROJECT]`.
fn run_setup(logins: &[Login]) -> (serde_json::Value, Option<serde_json::Value>) {
    let mut ctx = TestContext::healthy();
    ctx.unset("ANTHROPIC_API_KEY");
    fake_claude(&mut ctx);
    for login in logins {
        match *login {
            Var(key, value) => {
                ctx.env(key, value);
            }
            File(path, text) => {
                match path.strip_prefix("project/") {
                    Some(rest) => ctx.write_project(rest, text),
                    None => ctx.write_claude(path, text),
                };
            }
        }
    }
    let out = ctx.run(&["health", "--json"]);
    let report = String::from_utf8(out.stdout)
        .unwrap()
        .replace(&ctx.project.display().to_string(), "[PROJECT]");
    let report = serde_json::from_str(&report).expect("health --json prints JSON");
    let start = ctx.hook(
        "session-start",
        &ctx.input("SessionStart", &serde_json::json!({"source": "startup"})),
    );
    assert_eq!(start.status.code(), Some(0));
    (report, hook_json(&start))
}

#[test]
fn every_way_claude_code_logs_in_is_healthy_and_silent_at_session_start() {
    let mut messages = Vec::new();
    for (name, login) in SETUPS {
        let (report, start) = run_setup(&[*login]);
        let c = check(&report, "claude");
        assert_eq!(c["status"], "healthy", "{name}: {c}");
        messages.push(format!("{name}: {}", c["message"].as_str().unwrap()));
        // A credential is never shown (a provider switch's `1` would be found anywhere).
        if let Var(_, value) = login
            && value.len() > 8
        {
            assert!(!report.to_string().contains(value), "{name}: shown");
        }
        let start = start.unwrap_or_default();
        assert!(start.get("systemMessage").is_none(), "{name}: {start}");
        let context = start["hookSpecificOutput"]["additionalContext"]
            .as_str()
            .unwrap_or("");
        assert!(!context.contains("sfp health"), "{name}: {context}");
    }
    // What the check says of each, in a terminal and in `--json`.
    insta::assert_snapshot!(messages.join("\n"), @r"
    credentials file: 2.1.332 (Claude Code); authentication configured (credentials file ~/.claude/.credentials.json)
    ANTHROPIC_API_KEY: 2.1.332 (Claude Code); authentication configured (ANTHROPIC_API_KEY is set)
    ANTHROPIC_AUTH_TOKEN: 2.1.332 (Claude Code); authentication configured (ANTHROPIC_AUTH_TOKEN is set)
    CLAUDE_CODE_OAUTH_TOKEN: 2.1.332 (Claude Code); authentication configured (CLAUDE_CODE_OAUTH_TOKEN is set)
    Bedrock: 2.1.332 (Claude Code); authentication configured (CLAUDE_CODE_USE_BEDROCK is set)
    Vertex: 2.1.332 (Claude Code); authentication configured (CLAUDE_CODE_USE_VERTEX is set)
    Foundry: 2.1.332 (Claude Code); authentication configured (CLAUDE_CODE_USE_FOUNDRY is set)
    apiKeyHelper, user: 2.1.332 (Claude Code); authentication configured (apiKeyHelper in ~/.claude/settings.json)
    apiKeyHelper, project: 2.1.332 (Claude Code); authentication configured (apiKeyHelper in [PROJECT]/.claude/settings.json)
    apiKeyHelper, project local: 2.1.332 (Claude Code); authentication configured (apiKeyHelper in [PROJECT]/.claude/settings.local.json)
    provider in settings env: 2.1.332 (Claude Code); authentication configured (CLAUDE_CODE_USE_BEDROCK in `env` in ~/.claude/settings.json)
    key saved by /login: 2.1.332 (Claude Code); authentication configured (API key saved by /login in ~/.claude/.claude.json)
    ");
}

#[test]
fn no_visible_login_is_degraded_in_a_terminal_and_unsaid_at_session_start() {
    let (report, start) = run_setup(&[
        Var("CLAUDE_CODE_USE_BEDROCK", "0"),
        File("settings.json", r#"{"apiKeyHelper": ""}"#),
    ]);
    let c = check(&report, "claude");
    assert_eq!(c["status"], "degraded", "{c}");
    insta::assert_snapshot!(c["message"].as_str().unwrap(), @"2.1.332 (Claude Code); no login found (no credentials file, key or token variable, apiKeyHelper, or Bedrock, Vertex or Foundry variable): run `claude` and log in");
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
    insta::assert_snapshot!(c["message"].as_str().unwrap(), @"not readable: ~/.claude/.context/zero.md (not a regular file), ~/.claude/.context/latin1.md (not valid UTF-8 (first bad byte at offset 3))");
}

#[test]
fn a_project_that_is_not_a_directory_is_an_error() {
    let sb = TestContext::healthy();
    // No report for a project that is not there.
    cmd_snapshot!(sb, sb.cmd(&["health", "--project", "/nonexistent"]), @r"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: --project /nonexistent: not a directory
    ");
}

#[test]
#[expect(clippy::print_stderr, reason = "a skipped test says why")]
fn uncommitted_changes_are_counted_on_a_terminal() {
    let mut sb = pinned();
    // A terminal ends its lines with CR LF.
    sb.filter("\r\n", "\n");
    std::fs::write(sb.project.join("a.txt"), "a").unwrap();
    // `script` (util-linux) runs sfp with a terminal for stdout.
    let program = format!("{} health", common::sfp_bin());
    let mut script = sb.program("script");
    script
        .env("TERM", "dumb")
        .args(["-qec", &program, "/dev/null"]);
    if script.output().is_err() {
        eprintln!("skipped: no `script` to give sfp a terminal");
        return;
    }
    cmd_snapshot!(sb, script);
    // Piped, the project's line has no count.
    cmd_snapshot!(sb, sb.cmd(&["health"]));
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
    let mut ctx = TestContext::new();
    common::copy_dir(
        &common::repo_root().join("hooks"),
        &ctx.plugin.join("hooks"),
    );
    let on_path = ctx.root.join("path");
    // Each candidate is a script that names itself and its arguments.
    let fake = |path: std::path::PathBuf, name: &str| {
        common::write(&path, format!("#!/bin/sh\necho {name} \"$@\"\n"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    };
    let candidates = [
        fake(ctx.root.join("custom/sfp"), "sfp_bin"),
        fake(ctx.plugin.join("bin/sfp"), "plugin_bin"),
        fake(on_path.join("sfp"), "on_path"),
        fake(ctx.home.join(".cargo/bin/sfp"), "cargo_bin"),
        fake(ctx.home.join(".local/bin/sfp"), "local_bin"),
    ];
    let plugin = ctx.plugin.clone();
    ctx.env("PATH", format!("{}:/usr/bin:/bin", on_path.display()))
        .env("CLAUDE_PLUGIN_ROOT", &plugin)
        .env("SFP_BIN", &candidates[0]);
    let launcher = || {
        let mut c = ctx.program(plugin.join("hooks/sfp-hook"));
        c.arg("session-start");
        c
    };
    for (candidate, name) in
        candidates
            .iter()
            .zip(["sfp_bin", "plugin_bin", "on_path", "cargo_bin", "local_bin"])
    {
        let out = launcher().output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            format!("{name} hook session-start\n")
        );
        std::fs::remove_file(candidate).unwrap();
    }
    // None left: one JSON line for the user, exit 0.
    cmd_snapshot!(ctx, launcher(), @r#"
    success: true
    exit_code: 0
    ----- stdout -----
    {"systemMessage":"sfp is not installed: put the sfp binary in [PLUGIN]/bin/, on PATH, or in ~/.cargo/bin (`cargo install --locked --git <sfp repository> sfp`)"}

    ----- stderr -----
    sfp is not installed: put the sfp binary in [PLUGIN]/bin/, on PATH, or in ~/.cargo/bin (`cargo install --locked --git <sfp repository> sfp`)
    "#);
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
