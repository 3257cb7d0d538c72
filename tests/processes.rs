//! No process outlives sfp, and no hook outlives its deadline: gates that detach children
//! (`setsid -f`, `setsid … &`, a double fork) leave none running after `sfp gates` or the Stop
//! hook returns, whether the gate exits or times out; a gate cannot write to the user's terminal;
//! and a hook whose stdin never closes still answers within its event's deadline.

mod common;

use std::fmt::Write as _;
use std::io::Write;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::TestContext;

/// A `sleep` duration unique to this test process and `case`, so that its processes can be
/// told apart in `/proc` (`sleep 3000.<id>` sleeps 3000 s, and its cmdline carries the id).
fn marker(case: u32) -> String {
    format!("3000.{}{case:02}", std::process::id())
}

/// Processes whose command line holds `marker`.
fn running(marker: &str) -> Vec<String> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
        .filter_map(|e| {
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            let zombie = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next())
                .is_some_and(|s| s == "Z" || s == "X");
            let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            (!zombie && cmdline.contains(marker)).then(|| format!("{stat}: {cmdline}"))
        })
        .collect()
}

/// The gates: three ways to detach, each once exiting at once and once timing out.
fn detaching_gates(first: u32) -> (String, Vec<String>) {
    let ways = [
        ("setsid-f", "setsid -f sleep {m}"),
        ("setsid-bg", "setsid sleep {m} &"),
        ("double-fork", "(sleep {m} &) &"),
        // The same, keeping the gate's stdout open: its output pipe must not hold sfp up.
        ("setsid-f-quiet", "setsid -f sleep {m} >/dev/null 2>&1"),
    ];
    let mut yaml = String::from("tiers:\n  fast:\n    gates:\n");
    let mut markers = Vec::new();
    let mut case = first;
    for (name, line) in ways {
        for (suffix, tail, timeout) in [("exits", "true", "10s"), ("times-out", "sleep 60", "1s")] {
            let m = marker(case);
            case += 1;
            let line = line.replace("{m}", &m);
            let command = if line.ends_with('&') {
                format!("{line} {tail}")
            } else {
                format!("{line}; {tail}")
            };
            let _ = writeln!(
                yaml,
                "      - {{name: detach-{name}-{suffix}, command: \"{command}\", timeout: {timeout}, critical: false, cache: false}}"
            );
            markers.push(m);
        }
    }
    (yaml, markers)
}

fn assert_none_left(markers: &[String], after: &str) {
    // A killed process is gone at once; a moment covers the kernel's bookkeeping.
    std::thread::sleep(Duration::from_millis(100));
    let left: Vec<String> = markers.iter().flat_map(|m| running(m)).collect();
    assert!(left.is_empty(), "still running after {after}: {left:#?}");
}

#[test]
fn detached_gate_children_do_not_outlive_sfp_gates() {
    let sb = TestContext::healthy();
    let (yaml, markers) = detaching_gates(0);
    std::fs::create_dir_all(sb.project.join(".claude/sfp")).unwrap();
    std::fs::write(sb.project.join(".claude/sfp/gates.yaml"), yaml).unwrap();
    let started = Instant::now();
    let out = sb
        .cmd(&["gates", "run", "--all-files", "--json"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let took = started.elapsed();
    assert_none_left(&markers, "sfp gates");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    // The shipped tier's own gates run beside these.
    let gates: Vec<&serde_json::Value> = report["gates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["name"].as_str().unwrap().starts_with("detach-"))
        .collect();
    assert_eq!(gates.len(), markers.len(), "{report:#}");
    for g in gates {
        let name = g["name"].as_str().unwrap();
        // Each left a process that had to be killed: still running after the gate exited, or
        // outside its session after a timeout (what stays inside goes with the timeout).
        let stayed_inside = name == "detach-double-fork-times-out";
        assert_eq!(g["leaked"] == true, !stayed_inside, "{name}: {g:#}");
        if name.ends_with("times-out") {
            assert_eq!(g["status"], "timed_out", "{name}: {g:#}");
        } else {
            assert_eq!(g["status"], "passed", "{name}: {g:#}");
        }
    }
    // The gates run at once: a second for the timeouts, half a second of grace, and the kills.
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

#[test]
fn detached_gate_children_do_not_outlive_the_stop_hook() {
    let sb = TestContext::healthy();
    let (yaml, markers) = detaching_gates(20);
    std::fs::create_dir_all(sb.project.join(".claude/sfp")).unwrap();
    std::fs::write(sb.project.join(".claude/sfp/gates.yaml"), yaml).unwrap();
    std::fs::write(sb.project.join("a.txt"), "changed\n").unwrap();
    let input = sb.input(
        "Stop",
        &serde_json::json!({"stop_hook_active": false, "background_tasks": []}),
    );
    let out = sb.hook("stop", &input);
    assert!(out.status.success(), "{out:?}");
    assert_none_left(&markers, "the Stop hook");
    let last = sb
        .cmd(&["gates", "last", "--json", "--session", "test-session"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    // The gates did run: each one that timed out is listed (the others passed).
    let text = String::from_utf8_lossy(&last.stdout);
    for way in ["setsid-f", "setsid-bg", "double-fork", "setsid-f-quiet"] {
        assert!(
            text.contains(&format!("\"detach-{way}-times-out timed out\"")),
            "{text}"
        );
    }
}

#[test]
fn a_gate_cannot_write_to_the_terminal() {
    // sfp runs with a pseudo-terminal as its controlling terminal (script(1)); the gate's write
    // to /dev/tty must fail, while the same write from outside a gate reaches the terminal.
    let sb = TestContext::healthy();
    let mark = format!("sfp-tty-{}", std::process::id());
    let yaml = format!(
        "tiers:\n  fast:\n    gates:\n      - {{name: tty, command: \"echo {mark} > /dev/tty || true\", critical: false}}\n"
    );
    std::fs::create_dir_all(sb.project.join(".claude/sfp")).unwrap();
    std::fs::write(sb.project.join(".claude/sfp/gates.yaml"), yaml).unwrap();
    let through_script = |line: &str| {
        let out = sb
            .program("script")
            .args(["-qec", line, "/dev/null"])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let control = through_script(&format!("echo {mark} > /dev/tty"));
    assert!(
        control.contains(&mark),
        "script(1) gives no terminal: {control:?}"
    );
    let seen = through_script(&format!("{} gates run --all-files", common::sfp_bin()));
    assert!(seen.contains("tty"), "the gate ran: {seen}");
    assert!(
        !seen.contains(&mark),
        "a gate wrote to the terminal: {seen}"
    );
}

/// The events of hooks.json.
fn hooked_events() -> Vec<String> {
    let hooks: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(common::repo_root().join("hooks/hooks.json")).unwrap(),
    )
    .unwrap();
    hooks["hooks"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

/// `sfp hook <event>` with stdin a pipe the test keeps open, after writing `written`.
fn hook_with_open_stdin(
    sb: &TestContext,
    event: &str,
    written: &[u8],
) -> (Child, std::process::ChildStdin) {
    let mut child = sb
        .cmd(&["hook", event])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(written).unwrap();
    stdin.flush().unwrap();
    (child, stdin)
}

/// Waits for `child` up to `limit` ([`common::wait_within`]); it must succeed.
fn returns_within(mut child: Child, limit: Duration, what: &str) -> Duration {
    let started = Instant::now();
    let status = common::wait_within(&mut child, limit, what);
    assert!(status.success(), "{what}: {status}");
    started.elapsed()
}

#[test]
fn a_stdin_that_never_closes_costs_no_more_than_the_deadline() {
    let sb = TestContext::healthy();
    let events = hooked_events();
    assert_eq!(events.len(), 6, "{events:?}");
    std::thread::scope(|s| {
        for event in &events {
            let sb = &sb;
            s.spawn(move || {
                let parsed = sfp::api::Event::parse(event).unwrap();
                let deadline = sfp::api::budget(parsed);
                // The CLI cancels SessionEnd after 1.5 s; every other event gets a second of margin.
                let limit = if parsed == sfp::api::Event::SessionEnd {
                    Duration::from_millis(1_500)
                } else {
                    deadline + Duration::from_secs(1)
                };
                // Nothing written: sfp gives up after min(deadline, 5 s).
                let (child, open) = hook_with_open_stdin(sb, parsed.cli_name(), b"");
                let took = returns_within(child, limit, &format!("{event}, silent stdin"));
                drop(open);
                assert!(
                    took >= deadline
                        .min(Duration::from_secs(5))
                        .saturating_sub(Duration::from_millis(200)),
                    "{event}: gave up after {took:?}, before its deadline"
                );
                // A whole input, the pipe left open: answered without waiting for end of file.
                let input = sb.input(event, &serde_json::json!({}));
                let (child, open) = hook_with_open_stdin(sb, parsed.cli_name(), &input);
                returns_within(child, limit, &format!("{event}, input then an open stdin"));
                drop(open);
            });
        }
    });
    // SessionEnd waited for its input only as long as its whole deadline allows.
    let log = std::fs::read_to_string(sb.sfp_home.join("logs/sfp.log")).unwrap();
    let waited: Vec<u64> = log
        .lines()
        .filter(|l| l.contains("[hook session-end]"))
        .filter_map(|l| l.split("no complete hook input within ").nth(1))
        .filter_map(|rest| rest.split(' ').next()?.parse().ok())
        .collect();
    assert_eq!(waited.len(), 1, "{log}");
    assert!(waited[0] <= 1_200 && waited[0] > 900, "{waited:?}");
}

#[test]
fn a_session_end_backup_that_cannot_finish_in_time_is_cut_cleanly() {
    let sb = TestContext::healthy();
    // 256 MiB that do not compress: far more than SessionEnd's 1.2 s allow.
    let mut big = std::fs::File::create(sb.claude.join("CLAUDE.md")).unwrap();
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut chunk = vec![0u8; 1 << 20];
    for b in &mut chunk {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        *b = state.to_le_bytes()[0];
    }
    // gzip looks back 32 KiB only: a repeated MiB of noise stays incompressible.
    for _ in 0..256 {
        big.write_all(&chunk).unwrap();
    }
    drop(big);
    let input = sb.input("SessionEnd", &serde_json::json!({"reason": "other"}));
    let child = {
        let (child, stdin) = hook_with_open_stdin(&sb, "session-end", &input);
        drop(stdin);
        child
    };
    returns_within(
        child,
        Duration::from_millis(1_500),
        "SessionEnd with a large backup",
    );
    let log = std::fs::read_to_string(sb.sfp_home.join("logs/sfp.log")).unwrap();
    assert!(log.contains("backup cut (session-end (other)"), "{log}");
    assert!(log.contains("cut at the hook's deadline"), "{log}");
    // No backup, and no temporary directory left behind.
    let left: Vec<String> = std::fs::read_dir(sb.sfp_home.join("backups"))
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n != ".lock" && n != ".seq")
                .collect()
        })
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
    let list = sb
        .cmd(&["backup", "list", "--json"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let listed: Vec<serde_json::Value> =
        serde_json::from_slice(&list.stdout).expect("backup list --json");
    assert!(listed.is_empty(), "{listed:?}");
}
