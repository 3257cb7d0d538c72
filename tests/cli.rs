//! The command line itself: version, help, completions, and the hook protocol's promises on bad
//! input (exit 0, stdout empty or one JSON object, a notice on stderr and in the log).

mod common;

use common::{PassStdin as _, TestContext, hook_json};

#[test]
fn version_matches_the_plugin_manifest() {
    let sb = TestContext::healthy();
    let out = sb.cmd(&["--version"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.trim(), format!("sfp {}", env!("CARGO_PKG_VERSION")));
    let manifest: serde_json::Value =
        serde_json::from_str(include_str!("../.claude-plugin/plugin.json")).unwrap();
    assert_eq!(
        manifest["version"],
        env!("CARGO_PKG_VERSION"),
        "bump plugin.json with Cargo.toml"
    );
}

/// `--help` is what a user reads first: its exit-code table and the causes of exit 1 are in the
/// snapshot, and the README gives the same.
#[test]
fn help_and_readme_give_the_same_exit_codes() {
    let ctx = TestContext::healthy();
    cmd_snapshot!(ctx, ctx.cmd(&["--help"]));
    let readme = include_str!("../README.md");
    for (code, meaning) in [
        ("0", "success (health: healthy or degraded)"),
        ("1", "a check or gate failed, or the input was invalid"),
        ("2", "sfp could not do its job (an I/O or internal error)"),
        ("130", "interrupted"),
    ] {
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| {code} | ")))
            .unwrap_or_else(|| panic!("no README row for exit {code}"));
        assert!(
            row.replace('`', "")
                .replace("sfp health", "health")
                .contains(meaning),
            "{row}"
        );
    }
    for cause in [
        "a bad argument or flag value",
        "an unknown tier, gate, backup or handoff",
        "a --project that is not a directory",
        "a config error",
    ] {
        assert!(readme.replace('`', "").contains(cause), "README: {cause}");
    }
}

/// The long flags and subcommand names under `cmd`, each with the top-level command's name.
fn flags(cmd: &clap::Command, out: &mut Vec<(String, String)>, path: &str) {
    for arg in cmd.get_arguments() {
        if let Some(long) = arg.get_long()
            && !matches!(long, "help" | "version")
        {
            out.push((path.to_owned(), format!("--{long}")));
        }
    }
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        out.push((path.to_owned(), sub.get_name().to_owned()));
        flags(sub, out, path);
    }
}

/// Every subcommand and every flag of it appears in the README's Commands table, in the rows
/// that begin with that command.
#[test]
fn the_readme_lists_every_subcommand_and_flag() {
    use clap::CommandFactory;
    let readme = include_str!("../README.md");
    let table: Vec<&str> = readme
        .split("## Commands")
        .nth(1)
        .unwrap()
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .collect();
    let cli = sfp::api::Cli::command();
    let mut missing = Vec::new();
    for sub in cli.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = sub.get_name();
        let rows: Vec<&str> = table
            .iter()
            .copied()
            .filter(|row| row.starts_with(&format!("| `sfp {name}")))
            .collect();
        if rows.is_empty() {
            missing.push(format!("sfp {name}"));
            continue;
        }
        let mut wanted = Vec::new();
        flags(sub, &mut wanted, name);
        for (path, word) in wanted {
            if !rows.iter().any(|row| row.contains(&word)) {
                missing.push(format!("sfp {path}: {word}"));
            }
        }
    }
    assert!(missing.is_empty(), "missing from the README: {missing:#?}");
}

/// Bash takes the script and completes `sfp` with it.
#[test]
fn completions_are_generated() {
    let ctx = TestContext::healthy();
    let mut bash = ctx.program("bash");
    bash.args([
        "--norc",
        "-c",
        &format!(
            "source <({} completions bash) && complete -p sfp",
            common::sfp_bin()
        ),
    ]);
    cmd_snapshot!(ctx, bash, @r"
    success: true
    exit_code: 0
    ----- stdout -----
    complete -o bashdefault -o default -o nosort -F _sfp sfp

    ----- stderr -----
    ");
}

#[test]
fn unknown_subcommand_is_an_error_but_a_bad_hook_call_is_not() {
    let ctx = TestContext::healthy();
    assert_eq!(ctx.run(&["frobnicate"]).status.code(), Some(1));
    // A hook never exits non-zero.
    cmd_snapshot!(ctx, ctx.cmd(&["hook"]), @r"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    error: the following required arguments were not provided:
      <EVENT>

    Usage: sfp hook <EVENT>

    For more information, try '--help'.
    ");
}

#[test]
fn malformed_input_is_refused_quietly() {
    let ctx = TestContext::healthy();
    let stop = || ctx.cmd(&["hook", "stop"]);
    cmd_snapshot!(ctx, stop().pass_stdin("{not json"), @r"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    sfp: hook input is not valid JSON (key must be a string at line 1 column 2); ignored
    ");
    cmd_snapshot!(ctx, stop().pass_stdin("[1,2,3]"), @r"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    sfp: hook input is not a JSON object; ignored
    ");
    cmd_snapshot!(
        ctx,
        stop().pass_stdin(r#"{"hook_event_name": "Stop", "session_id": "#),
        @r"
        success: true
        exit_code: 0
        ----- stdout -----

        ----- stderr -----
        sfp: hook input is not valid JSON (EOF while parsing a value at line 1 column 42); ignored
        "
    );
    let log = std::fs::read_to_string(ctx.sfp_home.join("logs/sfp.log")).unwrap();
    assert_eq!(
        log.lines().filter(|l| l.contains("WARN")).count(),
        3,
        "{log}"
    );
}

#[test]
fn unknown_events_exit_zero_silently() {
    let ctx = TestContext::healthy();
    cmd_snapshot!(
        ctx,
        ctx.cmd(&["hook", "teammate-idle"])
            .pass_stdin(r#"{"hook_event_name": "TeammateIdle"}"#),
        @r"
        success: true
        exit_code: 0
        ----- stdout -----

        ----- stderr -----
        sfp: unknown hook event `TeammateIdle`; nothing to do
        "
    );
}

#[test]
fn oversized_input_is_refused() {
    let ctx = TestContext::healthy();
    let mut big = br#"{"hook_event_name":"UserPromptSubmit","prompt":""#.to_vec();
    big.extend(std::iter::repeat_n(b'x', 9 * 1024 * 1024));
    big.extend(br#""}"#);
    cmd_snapshot!(
        ctx,
        ctx.cmd(&["hook", "user-prompt-submit"]).pass_stdin(big),
        @r"
        success: true
        exit_code: 0
        ----- stdout -----

        ----- stderr -----
        sfp: hook input larger than 8 MiB; ignored
        "
    );
}

#[test]
fn invalid_utf8_is_read_leniently() {
    let sb = TestContext::healthy();
    let mut input = sb.input("SessionStart", &serde_json::json!({"source": "startup"}));
    let pos = input.iter().position(|&b| b == b't').unwrap();
    input.insert(pos, 0xff);
    let out = sb.hook("session-start", &input);
    assert_eq!(out.status.code(), Some(0));
    assert!(hook_json(&out).is_none() || hook_json(&out).unwrap().is_object());
}

#[test]
fn every_real_fixture_gets_a_valid_answer() {
    let sb = TestContext::healthy();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hook-input");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["cwd"] = serde_json::json!(sb.project);
        let event = v["hook_event_name"].as_str().unwrap().to_owned();
        let out = sb.hook(&event, &serde_json::to_vec(&v).unwrap());
        assert_eq!(out.status.code(), Some(0), "{}", path.display());
        if let Some(json) = hook_json(&out)
            && let Some(hso) = json.get("hookSpecificOutput")
        {
            assert_eq!(hso["hookEventName"], event.as_str(), "{}", path.display());
        }
        seen += 1;
    }
    assert!(seen >= 16, "fixtures missing from {}", dir.display());
}

#[test]
fn the_session_id_comes_from_the_environment_when_the_input_lacks_it() {
    let sb = TestContext::healthy();
    let input = serde_json::json!({
        "hook_event_name": "PostToolUse", "cwd": sb.project, "tool_name": "Write",
        "tool_input": {"file_path": sb.project.join("a.txt"), "content": "x"},
    });
    let out = sb.hook_with("post-tool-use", &serde_json::to_vec(&input).unwrap(), |c| {
        c.env("CLAUDE_CODE_SESSION_ID", "from-env");
    });
    assert_eq!(out.status.code(), Some(0));
    let ledger = sb.sfp_home.join("sessions/from-env/ledger.jsonl");
    let text = std::fs::read_to_string(&ledger).expect("the edit is in that session's ledger");
    assert!(text.contains("a.txt"), "{text}");
}

#[test]
fn an_unknown_subcommand_is_named_with_the_way_to_help() {
    let ctx = TestContext::new();
    cmd_snapshot!(ctx, ctx.cmd(&["frobnicate"]));
}

#[test]
fn a_hook_with_malformed_input_answers_nothing_and_says_why() {
    let ctx = TestContext::healthy();
    cmd_snapshot!(
        ctx,
        ctx.cmd(&["hook", "UserPromptSubmit"])
            .pass_stdin("{not json")
    );
}
