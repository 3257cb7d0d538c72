//! The exit-code map, subcommand by subcommand: 0 success; 1 a check or gate failed, or the input
//! was invalid (a bad argument or flag value, an unknown tier, gate or backup, a `--project` that
//! is not a directory); 2 sfp could not do its job; 130 interrupted. Each subcommand is run
//! through every class it has that a test can bring about. sfp could not do its job is brought
//! about with an `$SFP_HOME` below a regular file, which no process can create, root included.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::TestContext;

/// The exit code of `sfp ARGS…` in `sb`, after `tweak`; stderr on failure to match.
fn code(sb: &TestContext, args: &[&str], tweak: impl FnOnce(&mut Command)) -> (i32, String) {
    let mut c = sb.cmd(args);
    tweak(&mut c);
    let out = c.stdin(Stdio::null()).output().unwrap();
    (
        out.status.code().expect("exited, not killed"),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn expect(sb: &TestContext, args: &[&str], want: i32) -> String {
    expect_with(sb, args, want, |_| {})
}

fn expect_with(
    sb: &TestContext,
    args: &[&str],
    want: i32,
    tweak: impl FnOnce(&mut Command),
) -> String {
    let (got, stderr) = code(sb, args, tweak);
    assert_eq!(got, want, "sfp {}\n{stderr}", args.join(" "));
    stderr
}

/// `$SFP_HOME` below a regular file: nothing can be created or listed there.
fn broken_home(sb: &TestContext) -> impl FnOnce(&mut Command) {
    let file = sb.root.join("a-file");
    std::fs::write(&file, "").unwrap();
    move |c: &mut Command| {
        c.env("SFP_HOME", file.join("sfp"));
    }
}

/// `$SFP_HOME/sfp.yaml` is `yaml`.
fn broken_config(sb: &TestContext, yaml: &str) {
    std::fs::create_dir_all(&sb.sfp_home).unwrap();
    std::fs::write(sb.sfp_home.join("sfp.yaml"), yaml).unwrap();
}

fn project_gates(sb: &TestContext, yaml: &str) {
    let dir = sb.project.join(".claude/sfp");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("gates.yaml"), yaml).unwrap();
}

#[test]
fn health() {
    let sb = TestContext::healthy();
    expect(&sb, &["health"], 0);
    expect(&sb, &["health", "--json"], 0);
    expect(&sb, &["health", "--frobnicate"], 1);
    // Its words: health.rs, a_project_that_is_not_a_directory_is_an_error.
    expect(&sb, &["health", "--project", "/nonexistent"], 1);
    // An unwritable $SFP_HOME is a failed check (the state check), not sfp failing: health's
    // job is to report it. Health has no 2 a test can bring about.
    expect_with(&sb, &["health", "--json"], 1, broken_home(&sb));
    std::fs::create_dir_all(&sb.sfp_home).unwrap();
    std::fs::write(sb.sfp_home.join("sfp.yaml"), "health: [not, a, mapping]\n").unwrap();
    expect(&sb, &["health"], 1);
}

#[test]
fn tags() {
    let sb = TestContext::healthy();
    expect(&sb, &["tags"], 0);
    expect(&sb, &["tags", "--json"], 0);
    expect(&sb, &["tags", "check"], 0);
    expect(&sb, &["tags", "check", "--json"], 0);
    expect(&sb, &["tags", "nope"], 1);
    expect(&sb, &["tags", "--project", "/nonexistent"], 1);
    expect(&sb, &["tags", "check", "--project", "/nonexistent"], 1);
    std::fs::write(sb.claude.join(".context/bad.md"), b"caf\xe9\n").unwrap();
    expect(&sb, &["tags", "check"], 1);
    broken_config(&sb, "tags:\n  budget_chars: plenty\n");
    cmd_snapshot!(sb, sb.cmd(&["tags"]), @r#"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: config error: [SFP_HOME]/sfp.yaml:2:17: error: tags.budget_chars: invalid type: string "plenty", expected usize (nothing was done; fix it, `sfp health` lists every problem)
    "#);
    expect(&sb, &["tags", "check"], 1);
    // Tags only read; nothing a test can do makes them fail at their job (an unreadable file
    // is a finding of `tags check`, above).
}

#[test]
fn gates() {
    let sb = TestContext::healthy();
    project_gates(
        &sb,
        "tiers:\n  fast:\n    gates:\n      - name: ok\n        command: 'true'\n",
    );
    expect(&sb, &["gates", "--all-files"], 0);
    expect(&sb, &["gates", "run", "--all-files", "--json"], 0);
    expect(&sb, &["gates", "list"], 0);
    expect(&sb, &["gates", "list", "--json"], 0);
    expect(&sb, &["gates", "check"], 0);
    expect(&sb, &["gates", "check", "--json"], 0);
    for bad in [
        &["gates", "--tier", "nope"][..],
        &["gates", "run", "--gate", "nope"],
        &["gates", "--jobs", "many"],
        &["gates", "frobnicate"],
    ] {
        expect(&sb, bad, 1);
    }
    for sub in [
        &["gates"][..],
        &["gates", "run"],
        &["gates", "list"],
        &["gates", "check"],
    ] {
        let mut args = sub.to_vec();
        args.extend(["--project", "/nonexistent"]);
        // The same words from each, and no advice to pass --project.
        insta::allow_duplicates! {
            cmd_snapshot!(sb, sb.cmd(&args), @r"
            success: false
            exit_code: 1
            ----- stdout -----

            ----- stderr -----
            error: --project /nonexistent: not a directory
            ");
        }
    }
    let loose = sb.root.join("loose");
    std::fs::create_dir_all(&loose).unwrap();
    expect(
        &sb,
        &["gates", "--changed", "--project", loose.to_str().unwrap()],
        1,
    );
    project_gates(
        &sb,
        "tiers:\n  fast:\n    gates:\n      - name: no\n        command: 'false'\n        critical: true\n",
    );
    expect(&sb, &["gates", "--all-files"], 1);
}

#[test]
fn gates_interrupted() {
    let sb = TestContext::healthy();
    project_gates(
        &sb,
        "tiers:\n  fast:\n    gates:\n      - name: long\n        command: 'touch ../started; sleep 30'\n",
    );
    let mut child = sb
        .cmd(&["gates", "--all-files"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = sb.project.join("../started");
    let t = Instant::now();
    while !started.exists() && t.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(started.exists(), "the gate never started");
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    assert_eq!(child.wait().unwrap().code(), Some(130));
}

#[test]
fn handoff() {
    let sb = TestContext::healthy();
    expect(&sb, &["handoff", "create"], 0);
    expect(&sb, &["handoff", "create", "--json"], 0);
    expect(&sb, &["handoff", "list"], 0);
    expect(&sb, &["handoff", "list", "--json"], 0);
    expect(&sb, &["handoff", "show"], 0);
    expect(&sb, &["handoff", "show", "latest", "--json"], 0);
    expect(&sb, &["handoff", "prune", "--keep", "1"], 0);
    expect(&sb, &["handoff", "show", "nope"], 1);
    expect(&sb, &["handoff", "prune", "--keep", "-1"], 1);
    expect(
        &sb,
        &["handoff", "create", "--transcript", "/nonexistent"],
        1,
    );
    expect(&sb, &["handoff", "list", "--project", "/nonexistent"], 1);
    expect(&sb, &["handoff"], 1);
    expect_with(&sb, &["handoff", "create"], 2, broken_home(&sb));
    broken_config(&sb, "handoff:\n  keep: [1]\n");
    cmd_snapshot!(sb, sb.cmd(&["handoff", "list"]), @r"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: config error: [SFP_HOME]/sfp.yaml:2:9: error: handoff.keep: invalid type: sequence, expected usize (nothing was done; fix it, `sfp health` lists every problem)
    ");
}

#[test]
fn backup() {
    let sb = TestContext::healthy();
    expect(&sb, &["backup", "create"], 0);
    expect(&sb, &["backup", "create", "--json", "--reason", "test"], 0);
    expect(&sb, &["backup", "list"], 0);
    expect(&sb, &["backup", "list", "--json"], 0);
    for sub in ["show", "verify"] {
        expect(&sb, &["backup", sub, "latest"], 0);
        expect(&sb, &["backup", sub, "latest", "--json"], 0);
        expect(&sb, &["backup", sub, "nope"], 1);
        expect_with(&sb, &["backup", sub, "latest"], 2, broken_home(&sb));
    }
    expect(&sb, &["backup", "prune", "--keep", "5"], 0);
    expect(&sb, &["backup", "prune", "--json"], 0);
    expect(&sb, &["backup", "create", "--profile", "everything"], 1);
    expect(&sb, &["backup", "prune", "--keep", "some"], 1);
    expect(&sb, &["backup"], 1);
    expect_with(&sb, &["backup", "create"], 2, broken_home(&sb));
    expect_with(&sb, &["backup", "list"], 2, broken_home(&sb));
}

#[test]
fn restore() {
    let sb = TestContext::healthy();
    expect(&sb, &["backup", "create"], 0);
    expect(&sb, &["restore", "--list"], 0);
    expect(&sb, &["restore", "latest", "--dry-run"], 0);
    expect(&sb, &["restore", "nope", "--dry-run"], 1);
    expect(&sb, &["restore"], 1);
    expect(&sb, &["restore", "latest", "--frobnicate"], 1);
    expect_with(
        &sb,
        &["restore", "latest", "--dry-run"],
        2,
        broken_home(&sb),
    );
    expect_with(&sb, &["restore", "--list"], 2, broken_home(&sb));
}

/// The refusals of a restore, each before anything is written: a bad id or restore asked for is
/// the user's mistake, and so is a backup that is corrupt or tampered with.
#[test]
fn restore_refusals() {
    let sb = TestContext::healthy();
    let settings = sb.claude.join("settings.json");
    std::fs::write(&settings, "{}\n").unwrap();
    expect(&sb, &["backup", "create"], 0);
    std::fs::write(&settings, "{\"changed\": true}\n").unwrap();
    let err = expect(&sb, &["restore", "latest"], 1);
    assert!(
        err.contains("error: stdin is not a terminal: pass --yes"),
        "{err}"
    );
    let err = expect(&sb, &["restore", ""], 1);
    assert!(err.contains("an empty backup id matches nothing"), "{err}");
    let err = expect(&sb, &["restore", "latest", "--only", "a[", "--yes"], 1);
    assert!(err.starts_with("error: "), "{err}");
    expect(&sb, &["backup", "create"], 0);
    let err = expect(&sb, &["restore", "2", "--dry-run"], 1);
    assert!(err.contains("`2` matches 2 backups"), "{err}");
    let backups = sb.sfp_home.join("backups");
    for entry in std::fs::read_dir(&backups).unwrap() {
        let archive = entry.unwrap().path().join("backup.tar.gz");
        if archive.is_file() {
            let mut bytes = std::fs::read(&archive).unwrap();
            let last = bytes.len() - 1;
            bytes[last] ^= 0xff;
            std::fs::write(&archive, bytes).unwrap();
        }
    }
    let err = expect(&sb, &["restore", "latest", "--yes"], 1);
    assert!(
        err.contains("is corrupt, tampered with or not acceptable; nothing was restored")
            && err.contains("caused by: the archive's SHA-256 does not match"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&settings).unwrap(),
        "{\"changed\": true}\n"
    );
}

#[test]
fn hook() {
    // A hook always exits 0: Claude Code reads 2 as a block.
    let sb = TestContext::healthy();
    let input = sb.input("SessionStart", &serde_json::json!({"source": "startup"}));
    assert_eq!(sb.hook("session-start", &input).status.code(), Some(0));
    assert_eq!(sb.hook("stop", b"{not json").status.code(), Some(0));
    expect(&sb, &["hook"], 0);
    expect(&sb, &["hook", "stop", "--frobnicate"], 0);
    let out = sb.hook_with("pre-compact", &input, broken_home(&sb));
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn completions() {
    let sb = TestContext::healthy();
    expect(&sb, &["completions", "bash"], 0);
    expect(&sb, &["completions", "tcsh"], 1);
    expect(&sb, &["completions"], 1);
}

#[test]
fn top_level() {
    let sb = TestContext::healthy();
    expect(&sb, &["--version"], 0);
    expect(&sb, &["--help"], 0);
    expect(&sb, &["help", "restore"], 0);
    expect(&sb, &["frobnicate"], 1);
    expect(&sb, &[], 1);
}
