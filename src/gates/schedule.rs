//! The scheduler: runs the planned gates of a tier in parallel and reports them in config order.
//!
//! `jobs` workers (every gate at once by default: gates mostly wait on their tools) pull the
//! next gate from an atomic index inside a `std::thread::scope`. A failing critical gate with
//! fail-fast stops the handing out of work and cancels what runs. A whole-run budget caps every
//! gate's timeout at the time left, so a run always ends before its deadline, and gates that
//! could not start in time are reported as skipped with the reason.

use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::cache::Cache;
use super::model::{GateResult, GateStatus};
use super::select::{Decision, FileSet};
use super::tiers::{Action, Gate};
use crate::env::Env;
use crate::process::{self, Exit, Spec};

/// Most bytes of `SFP_FILES` handed to a gate; a longer list is left empty so that the tool
/// checks the whole project instead (and the environment stays under the kernel's limit).
const MAX_FILES_ENV: usize = 64 * 1024;

/// How one run is carried out.
#[derive(Debug, Clone)]
pub(super) struct RunOptions<'a> {
    pub project: &'a Path,
    /// Workers; 0 means one per gate.
    pub jobs: usize,
    pub fail_fast: bool,
    /// The whole run must end within this.
    pub budget: Option<Duration>,
    pub set: &'a FileSet,
    /// Where results are reused from and kept; `None` runs every gate.
    pub cache: Option<&'a Cache>,
    pub env: &'a Env,
}

/// What the scheduler returns.
#[derive(Debug)]
pub(super) struct RunOutcome {
    pub results: Vec<GateResult>,
    pub budget_hit: bool,
    pub interrupted: bool,
}

/// Runs the plan. Gates decided `Skip` are reported without running.
pub(super) fn run(plan: &[(&Gate, Decision)], opts: &RunOptions<'_>) -> RunOutcome {
    let started = Instant::now();
    let deadline = opts.budget.map(|b| started + b);
    let next = AtomicUsize::new(0);
    let cancel = AtomicBool::new(false);
    let budget_hit = AtomicBool::new(false);
    let slots: Vec<Mutex<Option<GateResult>>> = plan.iter().map(|_| Mutex::new(None)).collect();
    let runnable = plan
        .iter()
        .filter(|(_, d)| matches!(d, Decision::Run { .. }))
        .count();
    let workers = match opts.jobs {
        0 => runnable,
        n => n.min(runnable),
    };
    let work = || {
        loop {
            let i = next.fetch_add(1, Ordering::SeqCst);
            let Some((gate, decision)) = plan.get(i) else {
                break;
            };
            let result = match decision {
                Decision::Skip(reason) => {
                    GateResult::not_run(gate, GateStatus::Skipped, reason.clone())
                }
                Decision::Run { .. } if cancel.load(Ordering::SeqCst) || process::interrupted() => {
                    GateResult::not_run(gate, GateStatus::Cancelled, "cancelled".to_owned())
                }
                Decision::Run { files } => {
                    let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
                    if left.is_some_and(|l| l.is_zero()) {
                        budget_hit.store(true, Ordering::SeqCst);
                        GateResult::not_run(
                            gate,
                            GateStatus::Skipped,
                            "not started: the run's time budget was used up".to_owned(),
                        )
                    } else {
                        let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
                            run_gate(gate, files, opts, left, &cancel, &budget_hit)
                        }))
                        .unwrap_or_else(|panic| {
                            GateResult::not_run(
                                gate,
                                GateStatus::Error,
                                crate::printer::panic_message(&*panic),
                            )
                        });
                        if opts.fail_fast && gate.critical && result.status.is_failure() {
                            cancel.store(true, Ordering::SeqCst);
                        }
                        result
                    }
                }
            };
            *slots[i].lock().unwrap_or_else(PoisonError::into_inner) = Some(result);
        }
    };
    if workers <= 1 {
        work();
    } else {
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(work);
            }
        });
    }
    let results = slots
        .into_iter()
        .zip(plan)
        .map(|(slot, (gate, _))| {
            slot.into_inner()
                .unwrap_or_else(PoisonError::into_inner)
                .unwrap_or_else(|| {
                    GateResult::not_run(gate, GateStatus::Cancelled, "not run".to_owned())
                })
        })
        .collect();
    RunOutcome {
        results,
        budget_hit: budget_hit.load(Ordering::SeqCst),
        interrupted: process::interrupted(),
    }
}

fn run_gate(
    gate: &Gate,
    files: &[String],
    opts: &RunOptions<'_>,
    left: Option<Duration>,
    cancel: &AtomicBool,
    budget_hit: &AtomicBool,
) -> GateResult {
    let mut result = GateResult::not_run(gate, GateStatus::Passed, String::new());
    result.reason = None;
    result.files = files.len();
    let cwd = match &gate.root {
        Some(root) => opts.project.join(root),
        None => opts.project.to_path_buf(),
    };
    let listed = files_env(files, opts.set.all);
    let key = opts.cache.and_then(|c| {
        let whole = matches!(gate.action, Action::Command(_)) && listed.is_empty();
        c.key(gate, files, whole, opts.env)
    });
    if let (Some(cache), Some(key)) = (opts.cache, key.as_deref())
        && cache.load(key, &mut result)
    {
        return result;
    }
    let result = run_uncached(
        gate, files, opts, &cwd, listed, left, cancel, budget_hit, result,
    );
    if let (Some(cache), Some(key)) = (opts.cache, key.as_deref())
        && !process::interrupted()
    {
        cache.store(key, &result);
    }
    result
}

#[expect(
    clippy::too_many_arguments,
    reason = "the parts of run_gate, split at the cache"
)]
fn run_uncached(
    gate: &Gate,
    files: &[String],
    opts: &RunOptions<'_>,
    cwd: &Path,
    listed: String,
    left: Option<Duration>,
    cancel: &AtomicBool,
    budget_hit: &AtomicBool,
    mut result: GateResult,
) -> GateResult {
    // The gate's timeout, cut to what is left of the run's budget.
    let limited = left.is_some_and(|l| l < gate.timeout);
    let timeout = left.map_or(gate.timeout, |l| l.min(gate.timeout));
    let command = match &gate.action {
        Action::Secrets => {
            use super::builtin_secrets::{Scan, scan};
            let started = Instant::now();
            match scan(opts.project, files, cancel, started.checked_add(timeout)) {
                Scan::Clean(n) => result.output = format!("no secrets in {n} file(s)"),
                Scan::Found(report) => {
                    result.status = GateStatus::Failed;
                    result.output = report;
                }
                Scan::TimedOut(report) => {
                    result.output = report;
                    timed_out(&mut result, limited, timeout, budget_hit);
                }
                Scan::Cancelled => cancelled(&mut result),
            }
            result.output_bytes = result.output.len() as u64;
            result.duration_ms = millis(started.elapsed());
            return result;
        }
        Action::Command(command) => command,
    };
    let mut env = gate.env.clone();
    let line = substitute_files(command, &listed);
    env.push(("SFP_FILES".to_owned(), listed));
    env.push(("SFP_GATE".to_owned(), gate.name.clone()));
    env.push((
        "SFP_PROJECT".to_owned(),
        opts.project.to_string_lossy().into_owned(),
    ));
    let spec = Spec {
        env: &env,
        ..Spec::new(&line, cwd, timeout)
    };
    let outcome = process::run(&spec, cancel);
    result.duration_ms = millis(outcome.duration);
    result.output = outcome.output.text;
    result.output_bytes = outcome.output.total_bytes;
    result.leaked = outcome.leaked;
    match outcome.exit {
        Exit::Exited(0) => {}
        Exit::Exited(code) => {
            result.status = GateStatus::Failed;
            result.exit_code = Some(code);
        }
        Exit::Signaled(sig) => {
            result.status = GateStatus::Failed;
            result.signal = Some(sig);
            result.reason = Some(format!("killed by signal {sig}"));
        }
        Exit::TimedOut => timed_out(&mut result, limited, timeout, budget_hit),
        Exit::Cancelled => cancelled(&mut result),
        Exit::SpawnFailed(why) => {
            result.status = GateStatus::Error;
            result.reason = Some(why);
        }
    }
    if result.leaked && result.reason.is_none() {
        result.reason = Some("left processes running; they were killed".to_owned());
    }
    result
}

/// Marks a gate stopped at `timeout`; `limited` when that was the run's budget, not its own.
fn timed_out(result: &mut GateResult, limited: bool, timeout: Duration, budget_hit: &AtomicBool) {
    result.status = GateStatus::TimedOut;
    result.reason = Some(if limited {
        budget_hit.store(true, Ordering::SeqCst);
        format!(
            "stopped after {} ms: the run's time budget ran out",
            timeout.as_millis()
        )
    } else {
        format!("timed out after {} ms", timeout.as_millis())
    });
}

fn cancelled(result: &mut GateResult) {
    result.status = GateStatus::Cancelled;
    result.reason = Some(if process::interrupted() {
        "interrupted".to_owned()
    } else {
        "cancelled: a critical gate failed (fail-fast)".to_owned()
    });
}

fn files_env(files: &[String], all: bool) -> String {
    if all {
        return String::new();
    }
    let joined = files.join("\n");
    if joined.len() > MAX_FILES_ENV {
        String::new()
    } else {
        joined
    }
}

/// One file name as a single shell word: single-quoted, and `./`-prefixed when it starts with
/// `-`, so that no name is read as an option or split, globbed or expanded.
fn shell_word(name: &str) -> String {
    let name = if name.starts_with('-') {
        format!("./{name}")
    } else {
        name.to_owned()
    };
    format!("'{}'", name.replace('\'', r"'\''"))
}

/// The command with each unquoted `$SFP_FILES`, `${SFP_FILES}` or `${SFP_FILES:-default}`
/// replaced by the file names as quoted shell words (the default, as written, when there are
/// none). Occurrences inside quotes are left to the shell, which reads the variable (one name
/// per line) as one string.
pub(super) fn substitute_files(command: &str, listed: &str) -> String {
    const NAME: &str = "SFP_FILES";
    let words: Vec<String> = listed
        .split('\n')
        .filter(|f| !f.is_empty())
        .map(shell_word)
        .collect();
    let mut out = String::with_capacity(command.len());
    let mut rest = command;
    let (mut single, mut double) = (false, false);
    while let Some(c) = rest.chars().next() {
        let len = c.len_utf8();
        if single {
            single = c != '\'';
        } else if c == '\\' {
            let n = rest[len..].chars().next().map_or(0, char::len_utf8);
            out.push_str(&rest[..len + n]);
            rest = &rest[len + n..];
            continue;
        } else if c == '"' {
            double = !double;
        } else if c == '\'' && !double {
            single = true;
        } else if c == '$' && !double {
            let after = &rest[1..];
            let (default, used) = if let Some(tail) = after.strip_prefix(NAME)
                && !tail.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
            {
                (None, 1 + NAME.len())
            } else if let Some(inner) = after.strip_prefix('{')
                && let Some(end) = inner.find('}')
                && let Some(op) = inner[..end].strip_prefix(NAME)
            {
                let default = op.strip_prefix(":-").or_else(|| op.strip_prefix('-'));
                if op.is_empty() || default.is_some() {
                    (default, 2 + end + 1)
                } else {
                    (None, 0)
                }
            } else {
                (None, 0)
            };
            if used > 0 {
                if words.is_empty() {
                    out.push_str(default.unwrap_or(""));
                } else {
                    out.push_str(&words.join(" "));
                }
                rest = &rest[used..];
                continue;
            }
        }
        out.push(c);
        rest = &rest[len..];
    }
    out
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Layer, LayerKind};
    use crate::env::Env;
    use crate::gates::select::plan;
    use crate::gates::tiers::from_layers;

    use crate::gates::tiers::test_tier as tier;

    fn go(yaml: &str, jobs: usize, fail_fast: bool, budget: Option<Duration>) -> RunOutcome {
        let t = tier(yaml);
        let dir = tempfile::tempdir().unwrap();
        let set = FileSet {
            all: false,
            files: vec!["a.py".into(), "b.rs".into()],
        };
        let env = Env {
            path: Env::from_process().path,
            ..Env::default()
        };
        let planned = plan(&t, &set, &env, dir.path(), &[]);
        run(
            &planned,
            &RunOptions {
                project: dir.path(),
                jobs,
                fail_fast,
                budget,
                set: &set,
                cache: None,
                env: &env,
            },
        )
    }

    #[test]
    fn results_come_in_config_order_with_statuses() {
        let out = go(
            "gates:\n  - {name: slow, command: 'sleep 0.2; echo slow'}\n  - {name: bad, command: 'echo nope; exit 4', fix: do better}\n  - {name: late, command: 'sleep 5', timeout: 150ms}\n  - {name: rs, command: 'echo $SFP_FILES', file_patterns: ['*.rs']}\n  - {name: go, command: 'true', file_patterns: ['*.go']}\n  - {name: nope, command: 'true', when: {command: no-such-tool-sfp}}\n",
            0,
            false,
            None,
        );
        let got: Vec<(&str, GateStatus)> = out
            .results
            .iter()
            .map(|r| (r.name.as_str(), r.status))
            .collect();
        assert_eq!(
            got,
            [
                ("slow", GateStatus::Passed),
                ("bad", GateStatus::Failed),
                ("late", GateStatus::TimedOut),
                ("rs", GateStatus::Passed),
                ("go", GateStatus::Skipped),
                ("nope", GateStatus::Skipped),
            ]
        );
        assert_eq!(out.results[1].exit_code, Some(4));
        assert_eq!(out.results[1].fix.as_deref(), Some("do better"));
        assert_eq!(out.results[3].output.trim(), "b.rs");
        assert!(out.results[4].reason.as_deref().unwrap().contains("*.go"));
        assert!(
            out.results[5]
                .reason
                .as_deref()
                .unwrap()
                .contains("no-such-tool-sfp")
        );
    }

    #[test]
    fn file_lists_reach_the_command_as_quoted_words() {
        let sub = |c: &str, l: &str| substitute_files(c, l);
        assert_eq!(
            sub("ruff check -- ${SFP_FILES:-.}", "a.py\nb c.py"),
            "ruff check -- 'a.py' 'b c.py'"
        );
        assert_eq!(sub("ruff check -- ${SFP_FILES:-.}", ""), "ruff check -- .");
        assert_eq!(
            sub("x $SFP_FILES; y ${SFP_FILES}", "-o.py"),
            "x './-o.py'; y './-o.py'"
        );
        assert_eq!(sub("x $SFP_FILESX", "a"), "x $SFP_FILESX");
        assert_eq!(
            sub("echo \"$SFP_FILES\" '$SFP_FILES'", "a"),
            "echo \"$SFP_FILES\" '$SFP_FILES'"
        );
        assert_eq!(sub("x \\$SFP_FILES", "a"), "x \\$SFP_FILES");
        assert_eq!(
            sub("x $SFP_FILES", "it's $(rm -rf x).py"),
            r"x 'it'\''s $(rm -rf x).py'"
        );
    }

    #[test]
    fn the_shipped_gates_take_hostile_names_as_file_names() {
        let text = crate::config::embedded(crate::gates::GATES_FILE).unwrap();
        let layer = Layer {
            kind: LayerKind::Embedded,
            path: None,
            display: "shipped".into(),
            text: text.into(),
        };
        let (cfg, _) = from_layers(&[layer], true);
        let mut checked = 0;
        for gate in cfg.tiers.iter().flat_map(|t| &t.gates) {
            let Action::Command(c) = &gate.action else {
                continue;
            };
            if !c.contains("SFP_FILES") {
                continue;
            }
            let line = substitute_files(c, "--output-format=x.py\na b.py\n$(touch p).py");
            assert!(
                line.contains("-- './--output-format=x.py' 'a b.py' '$(touch p).py'"),
                "{}: {line}",
                gate.name
            );
            checked += 1;
        }
        assert!(checked >= 5, "{checked}");
    }

    #[test]
    fn fail_fast_cancels_the_rest() {
        let out = go(
            "gates:\n  - {name: boom, command: 'exit 1', critical: true}\n  - {name: long, command: 'sleep 20'}\n  - {name: queued, command: 'sleep 20'}\n",
            2,
            true,
            None,
        );
        let statuses: Vec<GateStatus> = out.results.iter().map(|r| r.status).collect();
        assert_eq!(
            statuses,
            [
                GateStatus::Failed,
                GateStatus::Cancelled,
                GateStatus::Cancelled
            ]
        );
    }

    #[test]
    fn the_secrets_gate_keeps_to_its_timeout_and_the_budget() {
        let t = tier(
            "gates:\n  - {name: own, builtin: secrets, timeout: 1ms}\n  - {name: capped, builtin: secrets}\n",
        );
        let dir = tempfile::tempdir().unwrap();
        // Enough text that the scan outlasts a millisecond.
        let files: Vec<String> = (0..50).map(|i| format!("f{i}.py")).collect();
        for f in &files {
            std::fs::write(
                dir.path().join(f),
                "token = value_of_something\n".repeat(20_000),
            )
            .unwrap();
        }
        let set = FileSet { all: false, files };
        let env = Env::default();
        let planned = plan(&t, &set, &env, dir.path(), &[]);
        let opts = RunOptions {
            project: dir.path(),
            jobs: 1,
            fail_fast: false,
            budget: Some(Duration::from_millis(50)),
            set: &set,
            cache: None,
            env: &env,
        };
        let started = Instant::now();
        let out = run(&planned, &opts);
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(out.results[0].status, GateStatus::TimedOut);
        assert!(
            out.results[0]
                .reason
                .as_deref()
                .unwrap()
                .contains("timed out after 1 ms"),
            "{:?}",
            out.results[0]
        );
        assert!(out.results[0].output.contains("before the time ran out"));
        // The second gate starts with what is left of the 50 ms budget, or not at all.
        let second = &out.results[1];
        assert!(
            matches!(second.status, GateStatus::TimedOut | GateStatus::Skipped),
            "{second:?}"
        );
        assert!(
            second.reason.as_deref().unwrap().contains("budget"),
            "{second:?}"
        );
        assert!(out.budget_hit);
    }

    #[test]
    fn the_budget_caps_the_run() {
        let started = Instant::now();
        let out = go(
            "gates:\n  - {name: a, command: 'sleep 20'}\n  - {name: b, command: 'sleep 20'}\n",
            1,
            false,
            Some(Duration::from_millis(300)),
        );
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(out.budget_hit);
        assert_eq!(out.results[0].status, GateStatus::TimedOut);
        assert_eq!(out.results[1].status, GateStatus::Skipped);
        assert!(out.results[0].reason.as_deref().unwrap().contains("budget"));
    }
}
