//! `sfp secrets scan` as a user runs it: findings masked, exit 1 when anything is found, 0 when
//! clean, 1 for a path that does not exist; `.secretsignore`, binary files and FIFOs left out.

use assert_cmd::Command;

fn sfp(dir: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("sfp").unwrap();
    cmd.current_dir(dir)
        .env("SFP_HOME", dir.join(".sfp-home"))
        .env("NO_COLOR", "1");
    cmd
}

const TOKEN: &str = "ghp_R7c2mB0tLwQ9xZ4vK1pN8sD3fG6hJ5aB1cD2";

#[test]
fn findings_are_masked_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir(p.join("src")).unwrap();
    std::fs::write(p.join("src/conf.py"), format!("x = 1\ntoken = '{TOKEN}'\n")).unwrap();
    std::fs::write(p.join("fixture.txt"), format!("{TOKEN}\n")).unwrap();
    std::fs::write(p.join(".secretsignore"), "fixture.txt\n").unwrap();
    std::fs::write(
        p.join("blob.bin"),
        [b"\0\0".as_slice(), TOKEN.as_bytes()].concat(),
    )
    .unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(p.join("pipe"))
        .status()
        .unwrap();
    assert!(made.success());
    let out = sfp(p).args(["secrets", "scan"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(!stdout.contains(TOKEN), "{stdout}");
    assert_eq!(
        stdout,
        "src/conf.py:2: github token: token = 'ghp_R7c2…[github token]'\n\
         1 possible secret(s) in 2 file(s) scanned\n"
    );

    let out = sfp(p)
        .args(["secrets", "scan", "--json", "src"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["findings"][0]["kind"], "github token");
    assert_eq!(json["findings"][0]["line"], 2);
    assert_eq!(json["findings"][0]["path"], "src/conf.py");
    assert!(!String::from_utf8_lossy(&out.stdout).contains(TOKEN));
}

#[test]
fn a_clean_tree_exits_0_and_a_missing_path_1() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(
        p.join("app.js"),
        "const key = process.env.OPENAI_API_KEY;\nconst t = 'ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx';\n",
    )
    .unwrap();
    let out = sfp(p).args(["secrets", "scan", "app.js"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "0 possible secret(s) in 1 file(s) scanned\n"
    );
    let out = sfp(p).args(["secrets", "scan", "nope"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
}

/// sfp's own sources hold sample secrets only where `.secretsignore` or a pragma says so: the
/// `secrets` gate passes on this repository.
#[test]
fn the_repository_itself_scans_clean() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let home = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("sfp")
        .unwrap()
        .current_dir(root)
        .env("SFP_HOME", home.path())
        .env("NO_COLOR", "1")
        .args(["secrets", "scan", "."])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "findings in the repository:\n{said}");
    assert!(said.contains("0 possible secret"), "{said}");
}
