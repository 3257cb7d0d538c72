//! What one scripted session did, read back from claude's own records: the hook events of the
//! `stream-json` output, the hook statuses of the debug log (SessionEnd and PreCompact show only
//! there), and every piece of hook text that reached the model, found in the request bodies the
//! fake API logged.

use std::fmt::Write as _;
use std::path::PathBuf;

use regex::Regex;
use serde_json::Value;

use crate::fake_api::Request;

/// A `hook_response` event from the stream.
#[derive(Debug, Clone)]
pub struct HookEvent {
    /// `SessionStart:startup`, `Stop`, `UserPromptSubmit`, …
    pub name: String,
    pub exit_code: Option<i64>,
    pub outcome: String,
    pub stdout: String,
    pub stderr: String,
}

impl HookEvent {
    /// The hook's stdout as JSON, when it printed an object.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_str(self.stdout.trim()).ok()
    }

    /// `hookSpecificOutput.additionalContext` of the hook's answer.
    pub fn additional_context(&self) -> Option<String> {
        self.json()?
            .pointer("/hookSpecificOutput/additionalContext")?
            .as_str()
            .map(str::to_owned)
    }
}

/// A hook status line from the debug log.
#[derive(Debug, Clone)]
pub struct DebugHook {
    pub name: String,
    /// `completed with status 0`, `cancelled`, `timed out after 10000ms`.
    pub status: String,
}

/// One `claude -p` invocation of the session.
#[derive(Debug, Clone)]
pub struct RunSummary {
    pub label: String,
    /// What claude's process returned (for the record only: never asserted on).
    pub exit: String,
    pub plugins: Vec<String>,
    pub plugin_errors: Vec<Value>,
    pub hooks: Vec<HookEvent>,
    pub debug_hooks: Vec<DebugHook>,
    pub debug_log: String,
    pub result_text: Option<String>,
    /// The session id the stream reported (a `/clear` moves to a new one).
    pub session_id: Option<String>,
}

/// Hook-produced text found in a request to the model.
#[derive(Debug, Clone)]
pub struct Injected {
    pub request: usize,
    pub place: String,
    pub text: String,
}

/// Everything a scenario asserts on.
#[derive(Debug, Clone)]
pub struct Summary {
    pub run_dir: PathBuf,
    pub runs: Vec<RunSummary>,
    pub requests: Vec<Request>,
    pub injected: Vec<Injected>,
}

impl Summary {
    /// Hook events across all runs whose name starts with `prefix` (`SessionStart`, `Stop`, …).
    pub fn hooks(&self, prefix: &str) -> Vec<&HookEvent> {
        self.runs
            .iter()
            .flat_map(|r| &r.hooks)
            .filter(|h| h.name.starts_with(prefix))
            .collect()
    }

    /// Debug-log hook statuses across all runs whose name starts with `prefix`.
    pub fn debug_hooks(&self, prefix: &str) -> Vec<&DebugHook> {
        self.runs
            .iter()
            .flat_map(|r| &r.debug_hooks)
            .filter(|h| h.name.starts_with(prefix))
            .collect()
    }

    /// Injected texts that contain `needle`.
    pub fn injected_with(&self, needle: &str) -> Vec<&Injected> {
        self.injected
            .iter()
            .filter(|i| i.text.contains(needle))
            .collect()
    }

    /// How often `needle` occurs in each request body, in request order.
    pub fn occurrences_per_request(&self, needle: &str) -> Vec<usize> {
        self.requests
            .iter()
            .map(|r| r.body.to_string().matches(needle).count())
            .collect()
    }

    /// A readable dump for assertion messages.
    pub fn dump(&self) -> String {
        let mut out = format!("run dir: {}\n", self.run_dir.display());
        for run in &self.runs {
            let _ = writeln!(
                out,
                "-- {} ({}) session={:?} plugins={:?} errors={:?} result={:?}",
                run.label,
                run.exit,
                run.session_id,
                run.plugins,
                run.plugin_errors,
                run.result_text
            );
            for h in &run.hooks {
                let _ = writeln!(
                    out,
                    "   {:<24} exit={:?} {} stdout={} stderr={}",
                    h.name,
                    h.exit_code,
                    h.outcome,
                    short(&h.stdout),
                    short(&h.stderr)
                );
            }
            for h in &run.debug_hooks {
                let _ = writeln!(out, "   {:<24} {} (debug log)", h.name, h.status);
            }
        }
        let paths: Vec<&str> = self.requests.iter().map(|r| r.path.as_str()).collect();
        let _ = writeln!(out, "model requests: {} {paths:?}", self.requests.len());
        for i in &self.injected {
            let _ = writeln!(out, "   [req {} {}] {}", i.request, i.place, short(&i.text));
        }
        out
    }
}

fn short(s: &str) -> String {
    let flat = s.replace('\n', "\\n");
    match flat.char_indices().nth(400) {
        Some((i, _)) => format!("{}…({} chars)", &flat[..i], flat.chars().count()),
        None => flat,
    }
}

/// Reads one run's stream output and debug log.
pub fn read_run(label: &str, exit: String, stream: &str, debug_log: String) -> RunSummary {
    let events: Vec<Value> = stream
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let is = |e: &Value, subtype: &str| e["type"] == "system" && e["subtype"] == subtype;
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let hooks = events
        .iter()
        .filter(|e| is(e, "hook_response"))
        .map(|e| HookEvent {
            name: text(&e["hook_name"]),
            exit_code: e["exit_code"].as_i64(),
            outcome: text(&e["outcome"]),
            stdout: text(&e["stdout"]),
            stderr: text(&e["stderr"]),
        })
        .collect();
    let init = events.iter().find(|e| is(e, "init"));
    let plugins = init
        .and_then(|i| i["plugins"].as_array())
        .into_iter()
        .flatten()
        .map(|p| text(p.get("name").unwrap_or(&p["path"])))
        .collect();
    let plugin_errors = init
        .and_then(|i| i["plugin_errors"].as_array())
        .cloned()
        .unwrap_or_default();
    let result = events.iter().rev().find(|e| e["type"] == "result");
    RunSummary {
        label: label.to_owned(),
        exit,
        plugins,
        plugin_errors,
        hooks,
        debug_hooks: debug_hooks(&debug_log),
        result_text: result.and_then(|r| r["result"].as_str()).map(str::to_owned),
        session_id: init
            .and_then(|i| i["session_id"].as_str())
            .map(str::to_owned),
        debug_log,
    }
}

/// Hook statuses from the debug log: `<Event[:matcher]> [<command>] completed with status N` or
/// `cancelled`, and `Hooks: <name> [...] (...) timed out after Nms`.
fn debug_hooks(log: &str) -> Vec<DebugHook> {
    let done = Regex::new(
        r"\[DEBUG\] ([A-Z][A-Za-z]+(?::[^ ]+)?) \[.*?\] (completed with status -?\d+|cancelled)",
    )
    .expect("valid regex");
    let timed_out =
        Regex::new(r"Hooks: (\S+) \[.*?\] \(.*?\) timed out after (\d+)ms").expect("valid regex");
    let mut out: Vec<DebugHook> = done
        .captures_iter(log)
        .filter(|c| &c[1] != "Hooks")
        .map(|c| DebugHook {
            name: c[1].to_owned(),
            status: c[2].to_owned(),
        })
        .collect();
    out.extend(timed_out.captures_iter(log).map(|c| DebugHook {
        name: c[1].to_owned(),
        status: format!("timed out after {}ms", &c[2]),
    }));
    out
}

const MARKS: [&str; 4] = [
    "hook additional context",
    "hook feedback",
    "hook blocking error",
    "hook success:",
];

/// Every distinct paragraph of hook text in the requests' messages.
pub fn injected(requests: &[Request]) -> Vec<Injected> {
    let boundary = Regex::new(r"\n\n(?:\S+ hook |Stop hook )").expect("valid regex");
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for r in requests {
        let messages = r.body["messages"].as_array().cloned().unwrap_or_default();
        for (i, m) in messages.iter().enumerate() {
            let blocks = match &m["content"] {
                Value::String(s) => vec![s.clone()],
                Value::Array(blocks) => blocks
                    .iter()
                    .filter(|b| b["type"] == "text")
                    .filter_map(|b| b["text"].as_str().map(str::to_owned))
                    .collect(),
                _ => Vec::new(),
            };
            for block in blocks {
                let mut starts = vec![0];
                starts.extend(boundary.find_iter(&block).map(|m| m.start() + 2));
                let ends: Vec<usize> = starts[1..]
                    .iter()
                    .map(|s| s - 2)
                    .chain([block.len()])
                    .collect();
                for (s, e) in starts.into_iter().zip(ends) {
                    let para = &block[s..e];
                    if MARKS.iter().any(|mark| para.contains(mark)) && seen.insert(para.to_owned())
                    {
                        out.push(Injected {
                            request: r.n,
                            place: format!("messages[{i}] {}", m["role"].as_str().unwrap_or("?")),
                            text: para.to_owned(),
                        });
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn splits_hook_paragraphs_and_dedupes() {
        let body = json!({"messages": [
            {"role": "user", "content": "hello"},
            {"role": "system", "content": [{"type": "text",
              "text": "SessionStart hook additional context: A\n\nUserPromptSubmit hook additional context: B\n\n# Environment"}]},
            {"role": "user", "content": "Stop hook feedback:\nfix it"}]});
        let reqs = vec![
            Request {
                n: 1,
                path: "/v1/messages".into(),
                body: body.clone(),
            },
            Request {
                n: 2,
                path: "/v1/messages".into(),
                body,
            },
        ];
        let found = injected(&reqs);
        let texts: Vec<&str> = found.iter().map(|i| i.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "SessionStart hook additional context: A",
                "UserPromptSubmit hook additional context: B\n\n# Environment",
                "Stop hook feedback:\nfix it"
            ]
        );
        assert!(found.iter().all(|i| i.request == 1));
    }

    #[test]
    fn reads_debug_statuses() {
        let log = "2026 [DEBUG] SessionEnd:clear [${CLAUDE_PLUGIN_ROOT}/hooks/sfp-hook session-end] completed with status 0\n\
                   2026 [DEBUG] PreCompact:manual [x] cancelled\n\
                   2026 [DEBUG] Hooks: Stop [x] (plugin sfp) timed out after 10000ms\n";
        let hooks = debug_hooks(log);
        let pairs: Vec<(&str, &str)> = hooks
            .iter()
            .map(|h| (h.name.as_str(), h.status.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("SessionEnd:clear", "completed with status 0"),
                ("PreCompact:manual", "cancelled"),
                ("Stop", "timed out after 10000ms")
            ]
        );
    }
}
