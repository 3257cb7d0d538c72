//! `sfp secrets scan` as a user runs it: findings masked, exit 1 when anything is found, 0 when
//! clean, 1 for a path that does not exist; `.secretsignore`, binary files and FIFOs left out.

mod common;

use common::{TestContext, repo_root};

const TOKEN: &str = "ghp_R7c2mB0tLwQ9xZ4vK1pN8sD3fG6hJ5aB1cD2";

#[test]
fn findings_are_masked_and_exit_1() {
    let ctx = TestContext::new();
    ctx.write_project("src/conf.py", format!("x = 1\ntoken = '{TOKEN}'\n"));
    ctx.write_project("fixture.txt", format!("{TOKEN}\n"));
    ctx.write_project(".secretsignore", "fixture.txt\n");
    ctx.write_project("blob.bin", [b"\0\0".as_slice(), TOKEN.as_bytes()].concat());
    let made = std::process::Command::new("mkfifo")
        .arg(ctx.project.join("pipe"))
        .status()
        .unwrap();
    assert!(made.success());
    cmd_snapshot!(ctx, ctx.cmd(&["secrets", "scan"]), @r"
    success: false
    exit_code: 1
    ----- stdout -----
    src/conf.py:2: github token: token = 'ghp_R7c2…[github token]'
    1 possible secret(s) in 2 file(s) scanned

    ----- stderr -----
    ");

    let out = ctx.run(&["secrets", "scan", "--json", "src"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["findings"][0]["kind"], "github token");
    assert_eq!(json["findings"][0]["line"], 2);
    assert_eq!(json["findings"][0]["path"], "src/conf.py");
    assert!(!String::from_utf8_lossy(&out.stdout).contains(TOKEN));
}

#[test]
fn a_clean_tree_exits_0_and_a_missing_path_1() {
    let ctx = TestContext::new();
    ctx.write_project(
        "app.js",
        "const key = process.env.OPENAI_API_KEY;\nconst t = 'ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx';\n",
    );
    cmd_snapshot!(ctx, ctx.cmd(&["secrets", "scan", "app.js"]), @r"
    success: true
    exit_code: 0
    ----- stdout -----
    0 possible secret(s) in 1 file(s) scanned

    ----- stderr -----
    ");
    cmd_snapshot!(ctx, ctx.cmd(&["secrets", "scan", "nope"]), @r"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: nope: no such file or directory
    ");
}

/// sfp's own sources hold sample secrets only where `.secretsignore` or a pragma says so: the
/// `secrets` gate passes on this repository.
#[test]
fn the_repository_itself_scans_clean() {
    let mut ctx = TestContext::new();
    // How many files the repository holds changes with every commit.
    ctx.filter(r"in \d+ file\(s\)", "in [N] file(s)");
    let mut scan = ctx.cmd(&["secrets", "scan", "."]);
    scan.current_dir(repo_root());
    cmd_snapshot!(ctx, scan, @r"
    success: true
    exit_code: 0
    ----- stdout -----
    0 possible secret(s) in [N] file(s) scanned

    ----- stderr -----
    ");
}
