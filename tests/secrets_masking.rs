//! No secret leaves sfp unmasked. One secret of every kind (`tests/fixtures/secrets/every-kind.tsv`,
//! plus a PEM private key) is pasted into the user's prompt, repeated in Claude's messages, printed
//! by a failing gate and written into an edited file; then every hook event runs, and the terminal
//! commands that print gates and handoffs. No secret may appear in any hook's stdout or stderr, in
//! any command's output, or in any file under `$SFP_HOME`, except under `backups/`: a backup is a
//! copy of the user's own files and is deliberately not masked.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{TestContext, hook_json};
use serde_json::{Value, json};

const SESSION: &str = "test-session";

/// The fixture, from the repository.
fn every_kind_tsv() -> String {
    let path = common::fixture("secrets/every-kind.tsv");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `(kind, secret)` of every line that is not a comment.
fn secrets() -> Vec<(String, String)> {
    let rows: Vec<(String, String)> = every_kind_tsv()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (kind, secret) = l
                .split_once('\t')
                .unwrap_or_else(|| panic!("not kind<TAB>secret: {l:?}"));
            (kind.to_owned(), secret.to_owned())
        })
        .collect();
    assert!(rows.len() >= 10, "the fixture lists every kind: {rows:?}");
    rows
}

/// The lines marked `# absent: kind<TAB>secret`: kinds the scanner does not catch yet.
fn absent() -> Vec<(String, String)> {
    every_kind_tsv()
        .lines()
        .filter_map(|l| l.strip_prefix("# absent: "))
        .filter_map(|l| l.split_once('\t'))
        .map(|(k, s)| (k.to_owned(), s.to_owned()))
        .collect()
}

/// A made-up RSA private key (random base64 in PEM armour).
fn pem_body() -> Vec<&'static str> {
    vec![
        "MIIEowIBAAKCAQEAq9Jf2Lw0cQeT7xVb1nR4mZs8yKp3DhUa6GtWj5oNi0EcXrFv",
        "Yl7Bq2sK9dHm4ZtPw1Rx8NcLa3Ue6Jv0Gy5Tf2Ok7Hi9Sb4Mp1Dn6Wq3Ez8Cr5Xu",
        "0Lg7Fa2Vk9Ys4Bt1Qm6Rh3Jn8Pe5Id0Uw7Zc2Ox9Ml4Gb1Ta6Sf3Kv8Nq5Hy0Ej",
        "7Wr2Dp9Lx4Ci1Mu6Ao3Zt8Qb5Ke0Yg7Vs2Rn9Fh4Xj1Pl6Tw3Bd8Gm5Sa0Ny7Ou",
    ]
}

fn pem() -> String {
    format!(
        "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----",
        pem_body().join("\n")
    )
}

/// What must never be seen for one secret: the whole of it; for `NAME=value`, the value; and a
/// piece from its second half (a cut that kept part of a token is a leak too). The masked form
/// keeps a short prefix, so prefixes are not looked for.
fn needles(secret: &str) -> Vec<String> {
    let mut out = vec![secret.to_owned()];
    if let Some((name, value)) = secret.split_once('=')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        out.push(value.to_owned());
    }
    for s in out.clone() {
        let chars: Vec<char> = s.chars().collect();
        let from = (chars.len() / 2).max(8);
        if chars.len() >= from + 8 {
            out.push(chars[from..from + 8].iter().collect());
        }
    }
    out
}

/// `(what, needle)` for every secret, the PEM body lines included.
fn all_needles() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = secrets()
        .into_iter()
        .flat_map(|(kind, s)| needles(&s).into_iter().map(move |n| (kind.clone(), n)))
        .collect();
    for line in pem_body() {
        out.push(("private key".to_owned(), line.to_owned()));
    }
    out
}

/// Everything that has been said or written, with where it was.
#[derive(Default)]
struct Seen {
    texts: Vec<(String, String)>,
}

impl Seen {
    fn output(&mut self, what: &str, out: &Output) {
        self.texts.push((
            format!("{what}: stdout"),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        ));
        self.texts.push((
            format!("{what}: stderr"),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ));
    }

    /// Every file under `dir`, except `backups/` directly under it.
    fn files_under(&mut self, dir: &Path) -> usize {
        let mut count = 0;
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).unwrap() {
                let entry = entry.unwrap();
                let path = entry.path();
                let kind = entry.file_type().unwrap();
                if kind.is_dir() {
                    if path != dir.join("backups") {
                        stack.push(path);
                    }
                    continue;
                }
                if !kind.is_file() {
                    continue;
                }
                count += 1;
                let bytes = std::fs::read(&path).unwrap();
                let text = if path.extension().is_some_and(|e| e == "gz") {
                    gunzip(&path)
                } else {
                    String::from_utf8_lossy(&bytes).into_owned()
                };
                let shown = path.strip_prefix(dir).unwrap().display().to_string();
                // A file's name is said too.
                self.texts
                    .push((format!("name of $SFP_HOME/{shown}"), shown.clone()));
                self.texts.push((format!("$SFP_HOME/{shown}"), text));
            }
        }
        count
    }

    /// Every `(where, kind)` a needle was found at.
    fn leaks(&self, needles: &[(String, String)]) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for (place, text) in &self.texts {
            for (kind, needle) in needles {
                if text.contains(needle.as_str()) {
                    out.insert(format!("{kind} in {place}"));
                }
            }
        }
        out
    }
}

fn gunzip(path: &Path) -> String {
    let out = std::process::Command::new("gzip")
        .arg("-dc")
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success(), "gzip -dc {}", path.display());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The `sfp hook` argument of every event `hooks/hooks.json` wires.
fn wired_events() -> BTreeSet<String> {
    let path = common::repo_root().join("hooks/hooks.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut out = BTreeSet::new();
    for groups in v["hooks"].as_object().unwrap().values() {
        for group in groups.as_array().unwrap() {
            for h in group["hooks"].as_array().unwrap() {
                out.insert(h["args"][0].as_str().unwrap().to_owned());
            }
        }
    }
    out
}

struct Session {
    sb: TestContext,
    seen: Seen,
    ran: BTreeSet<String>,
    transcript: PathBuf,
}

impl Session {
    fn hook(&mut self, event: &str, name: &str, extra: &Value) -> Option<Value> {
        let input = self.sb.input(name, extra);
        let out = self.sb.hook(event, &input);
        assert_eq!(out.status.code(), Some(0), "hook {event}: {out:?}");
        self.seen.output(&format!("hook {event} ({name})"), &out);
        self.ran.insert(event.to_owned());
        hook_json(&out)
    }

    fn run(&mut self, args: &[&str]) -> Output {
        let out = self.sb.cmd(args).output().unwrap();
        self.seen.output(&format!("sfp {}", args.join(" ")), &out);
        out
    }
}

/// Each item and a newline.
fn lines(items: impl Iterator<Item = String>) -> String {
    items.fold(String::new(), |mut out, item| {
        out.push_str(&item);
        out.push('\n');
        out
    })
}

/// The secrets one a line, with no name beside them: each must be caught by its own rule, not
/// because a word like `key` or `token` precedes it.
fn listed(kinds: &[(String, String)]) -> String {
    lines(kinds.iter().map(|(_, s)| format!("- {s}")))
}

fn setup() -> Session {
    let sb = TestContext::healthy();
    let kinds = secrets();
    let listed = listed(&kinds);
    let pem = pem();

    // The user's own context file holds them too: TAG lines quote it.
    let rules = lines(kinds.iter().map(|(_, s)| format!("- Deploy with {s}")));
    std::fs::write(
        sb.claude.join(".context/CLAUDE.md"),
        format!("# Me\n\n## Rules\n- Be brief.\n{rules}"),
    )
    .unwrap();

    // A gate that fails printing every secret.
    let printed = sb.root.join("gate-output.txt");
    std::fs::write(&printed, format!("config check failed:\n{listed}{pem}\n")).unwrap();
    std::fs::create_dir_all(sb.project.join(".claude/sfp")).unwrap();
    std::fs::write(
        sb.project.join(".claude/sfp/gates.yaml"),
        format!(
            "tiers:\n  fast:\n    gates:\n      - name: leaky\n        command: 'cat \"{}\"; exit 1'\n        critical: true\n        fix: Remove the credentials.\n",
            printed.display()
        ),
    )
    .unwrap();

    // The edited file, on disk as the Write left it.
    let file = sb.project.join("src/config.py");
    let content: String = kinds
        .iter()
        .enumerate()
        .map(|(i, (_, s))| format!("v{i} = \"{s}\"\n"))
        .chain(std::iter::once(format!("pem = \"\"\"{pem}\"\"\"\n")))
        .collect();
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, &content).unwrap();

    // The transcript: the prompt pastes the secrets, Claude repeats them.
    let transcript = sb.root.join("t.jsonl");
    let prompt = format!("Here are my credentials:\n{listed}{pem}\nPut them in src/config.py.");
    let said = format!("I put these in src/config.py:\n{listed}{pem}\nNext: rotate them.");
    let base = |kind: &str, uuid: &str| {
        json!({"type": kind, "uuid": uuid, "sessionId": SESSION, "cwd": sb.project,
               "timestamp": "2026-11-22T00:47:48.505Z", "isSidechain": false,
               "userType": "external", "version": "2.1.330", "gitBranch": "main"})
    };
    let mut records = Vec::new();
    let mut user = base("user", "u1");
    user["message"] = json!({"role": "user", "content": prompt});
    records.push(user);
    let mut write = base("assistant", "a1");
    write["message"] = json!({"id": "msg_1", "type": "message", "role": "assistant",
    "content": [
        {"type": "text", "text": format!("Writing {listed}")},
        {"type": "tool_use", "id": "toolu_1", "name": "Write",
         "input": {"file_path": file, "content": content}},
        {"type": "tool_use", "id": "toolu_2", "name": "TaskCreate",
         "input": {"subject": format!("rotate {}", kinds[0].1)}},
    ]});
    records.push(write);
    let mut result = base("user", "u2");
    result["message"] = json!({"role": "user", "content": [{"tool_use_id": "toolu_1",
        "type": "tool_result", "content": format!("File created successfully at: {}", file.display())}]});
    records.push(result);
    let mut last = base("assistant", "a2");
    last["message"] = json!({"id": "msg_2", "type": "message", "role": "assistant",
        "content": [{"type": "text", "text": said}]});
    records.push(last);
    let text = lines(records.iter().map(ToString::to_string));
    std::fs::write(&transcript, text).unwrap();

    Session {
        sb,
        seen: Seen::default(),
        ran: BTreeSet::new(),
        transcript,
    }
}

/// Every hook event, in the order of a session that is compacted and then ends.
fn run_every_hook(s: &mut Session) {
    let kinds = secrets();
    let listed = listed(&kinds);
    let pem = pem();
    let file = s.sb.project.join("src/config.py");
    let content = std::fs::read_to_string(&file).unwrap();
    let said = format!("Done:\n{listed}{pem}\nNext: rotate them.");

    s.hook(
        "session-start",
        "SessionStart",
        &json!({"source": "startup", "model": "m"}),
    );
    s.hook(
        "user-prompt-submit",
        "UserPromptSubmit",
        &json!({"prompt": format!("Here are my credentials:\n{listed}{pem}")}),
    );
    s.hook(
        "pre-tool-use",
        "PreToolUse",
        &json!({"tool_name": "Write", "tool_use_id": "toolu_1",
                "tool_input": {"file_path": file, "content": content}}),
    );
    s.hook(
        "post-tool-use",
        "PostToolUse",
        &json!({"tool_name": "Write", "tool_use_id": "toolu_1",
                "tool_input": {"file_path": file, "content": content},
                "tool_response": {"type": "create", "filePath": file, "content": content,
                                  "structuredPatch": [], "originalFile": null}}),
    );
    let (old, new) = (&kinds[0].1, &kinds[1].1);
    let edited = content.replacen(old.as_str(), new, 1);
    std::fs::write(&file, &edited).unwrap();
    s.hook(
        "post-tool-use",
        "PostToolUse",
        &json!({"tool_name": "Edit", "tool_use_id": "toolu_3",
                "tool_input": {"file_path": file, "old_string": old, "new_string": new},
                "tool_response": {"filePath": file, "oldString": old, "newString": new,
                                  "originalFile": content}}),
    );
    s.hook(
        "post-tool-use-failure",
        "PostToolUseFailure",
        &json!({"tool_name": "Bash", "tool_input": {"command": format!("echo {old}")},
                "error": format!("failed: {listed}")}),
    );
    let stop = s
        .hook(
            "stop",
            "Stop",
            &json!({"stop_hook_active": false, "last_assistant_message": said,
                    "background_tasks": [], "session_crons": []}),
        )
        .expect("the failing gate sends Claude back");
    assert_eq!(stop["decision"], "block", "{stop}");
    assert!(stop["reason"].as_str().unwrap().contains("leaky"), "{stop}");
    s.hook(
        "stop",
        "Stop",
        &json!({"stop_hook_active": true, "last_assistant_message": said,
                "background_tasks": [], "session_crons": []}),
    );
    s.hook(
        "subagent-stop",
        "SubagentStop",
        &json!({"stop_hook_active": false, "last_assistant_message": said}),
    );
    s.hook("notification", "Notification", &json!({"message": said}));
    s.hook(
        "pre-compact",
        "PreCompact",
        &json!({"trigger": "manual", "custom_instructions": said}),
    );
    s.hook("post-compact", "PostCompact", &json!({"trigger": "manual"}));
    let back = s
        .hook(
            "session-start",
            "SessionStart",
            &json!({"source": "compact", "model": "m"}),
        )
        .expect("the handoff is given back after compaction");
    assert!(
        back["hookSpecificOutput"]["additionalContext"]
            .as_str()
            .is_some_and(|c| c.contains("handoff")),
        "{back}"
    );
    s.hook(
        "session-end",
        "SessionEnd",
        &json!({"reason": "other", "last_assistant_message": said}),
    );
}

/// The terminal commands that print what the hooks kept.
fn run_commands(s: &mut Session) {
    let gates = s.run(&["gates", "--json"]);
    let report: Value = serde_json::from_slice(&gates.stdout).unwrap();
    assert!(
        report["gates"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["name"] == "leaky" && g["status"] == "failed"),
        "{report}"
    );
    s.run(&["gates"]);
    s.run(&["gates", "--no-cache"]);
    s.run(&["gates", "last", "--session", SESSION]);
    s.run(&["gates", "last", "--session", SESSION, "--json"]);
    let transcript = s.transcript.display().to_string();
    let created = s.run(&["handoff", "create", "--transcript", &transcript]);
    assert!(created.status.success(), "{created:?}");
    s.run(&["handoff", "create", "--transcript", &transcript, "--json"]);
    s.run(&["handoff", "list"]);
    s.run(&["handoff", "list", "--json"]);
    let shown = s.run(&["handoff", "show"]);
    assert!(
        String::from_utf8_lossy(&shown.stdout).contains("config.py"),
        "{shown:?}"
    );
    s.run(&["handoff", "show", "--json"]);
    let tags = s.run(&["tags"]);
    assert!(
        String::from_utf8_lossy(&tags.stdout).contains("Deploy with"),
        "{tags:?}"
    );
    s.run(&["tags", "--json"]);
    s.run(&["tags", "check"]);
}

#[test]
fn no_secret_reaches_a_hook_answer_a_command_or_a_file_under_sfp_home() {
    let mut s = setup();
    run_every_hook(&mut s);
    let wired = wired_events();
    let missed: Vec<&String> = wired.difference(&s.ran).collect();
    assert!(missed.is_empty(), "events wired but not run: {missed:?}");

    run_commands(&mut s);
    // What sfp kept: every kind of state is there, so the walk below reads it.
    let home = s.sb.sfp_home.clone();
    for kept in [
        "sessions/test-session/ledger.jsonl",
        "sessions/test-session/gates.json",
        "sessions/test-session/gates-last.json",
        "kpis/events.jsonl",
        "logs/sfp.log",
    ] {
        assert!(home.join(kept).is_file(), "{kept} was written");
    }
    let cached = std::fs::read_dir(home.join("cache/gates")).map_or(0, Iterator::count);
    assert!(cached > 0, "the gate's result is cached");
    let count = s.seen.files_under(&home);
    let handoffs = s
        .seen
        .texts
        .iter()
        .filter(|(p, _)| p.starts_with("$SFP_HOME/handoffs/"))
        .count();
    assert!(handoffs >= 2, "a handoff's JSON and Markdown are read");
    assert!(count > 8, "{count} files read under {}", home.display());

    let leaks = s.seen.leaks(&all_needles());
    assert!(
        leaks.is_empty(),
        "secrets left sfp unmasked:\n{}",
        leaks.into_iter().collect::<Vec<_>>().join("\n")
    );
}

/// `password=hunter2hunter2` typed in a prompt does not reach the handoff. While the fixture marks
/// it absent (the scanner does not catch a low-entropy assigned password yet), this checks that
/// the mark is still true, so that it is removed once the scanner catches it.
#[test]
fn a_password_typed_in_a_prompt_does_not_reach_the_handoff() {
    const TYPED: &str = "password=hunter2hunter2";
    let s = setup();
    let prompt = format!("log in with {TYPED} please");
    let mut user = json!({"type": "user", "uuid": "u1", "sessionId": SESSION,
        "message": {"role": "user", "content": prompt}});
    user["cwd"] = json!(s.sb.project);
    std::fs::write(&s.transcript, format!("{user}\n")).unwrap();
    let input = s.sb.input("PreCompact", &json!({"trigger": "manual"}));
    assert_eq!(s.sb.hook("pre-compact", &input).status.code(), Some(0));
    let dir = s.sb.sfp_home.join("handoffs");
    let stored: String = std::fs::read_dir(&dir)
        .unwrap()
        .flat_map(|project| std::fs::read_dir(project.unwrap().path()).unwrap())
        .map(|f| std::fs::read_to_string(f.unwrap().path()).unwrap())
        .collect();
    assert!(stored.contains("log in with"), "a handoff was written");
    let reached = stored.contains("hunter2hunter2");
    if absent().iter().any(|(_, secret)| secret == TYPED) {
        assert!(
            reached,
            "the scanner now catches `{TYPED}`: remove its `# absent:` line from every-kind.tsv"
        );
    } else {
        assert!(!reached, "`{TYPED}` reached the handoff:\n{stored}");
    }
}
