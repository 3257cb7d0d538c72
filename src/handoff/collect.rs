//! Gathering a handoff: the hook input (or command-line flags), the end of the transcript, the
//! session ledger written by the gates, Claude Code's todo and task files (`todos`), and git
//! (`git_state`, on its own threads meanwhile). Each source may be missing or damaged; what
//! cannot be read becomes a note, never a failure. What is gathered is masked where it leaves
//! sfp: by the store ([`super::store::Store::write`]), the hook's answer and the printer.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::HandoffSettings;
use super::git_state::git_state;
use super::model::{FORMAT, FileChange, Handoff};
use super::todos::{next_steps_in, session_todos, todos_from};
use super::transcript::{self, Record};
use crate::app::Ctx;
use crate::session::{Session, ledger};

/// Requests kept in a handoff.
const MAX_REQUESTS: usize = 5;
/// Longest request, and longest last message, stored (characters).
const MAX_REQUEST_CHARS: usize = 1_500;
const MAX_MESSAGE_CHARS: usize = 6_000;
/// Files listed at most.
const MAX_FILES: usize = 100;
/// The end of the ledger read.
const LEDGER_TAIL: u64 = 1024 * 1024;

/// Where a handoff comes from.
#[derive(Debug, Clone, Default)]
pub(super) struct Source {
    pub trigger: String,
    pub session_id: Option<String>,
    pub transcript: Option<PathBuf>,
    /// The project root, as [`crate::paths::Paths`] resolved it.
    pub project: Option<PathBuf>,
    /// The hook's `last_assistant_message`, when Claude Code sent one.
    pub last_assistant_message: Option<String>,
}

/// Gathers everything a handoff records. Takes `now` so tests can fix the time.
pub(super) fn collect(
    ctx: &Ctx,
    settings: &HandoffSettings,
    src: &Source,
    now: DateTime<Utc>,
) -> Handoff {
    let mut h = Handoff {
        format: FORMAT,
        created_at: now,
        trigger: src.trigger.clone(),
        session_id: src.session_id.clone(),
        project: src.project.as_ref().map(|p| p.display().to_string()),
        transcript: src.transcript.as_ref().map(|p| p.display().to_string()),
        ..Handoff::default()
    };
    let git = src
        .project
        .as_deref()
        .filter(|p| p.join(".git").exists())
        .map(|p| crate::git::Git::new(p, ctx.deadline).timeout(settings.git_timeout()));
    // git runs on its own threads while the transcript is read.
    std::thread::scope(|scope| {
        let git_job = git.map(|git| scope.spawn(move || git_state(git)));
        let tail = read_transcript(src, settings, &mut h.notes);
        fill_from_records(&mut h, ctx, src, &tail);
        if let Some(job) = git_job {
            match job.join() {
                Ok((state, notes)) => {
                    h.git = Some(state);
                    h.notes.extend(notes);
                }
                Err(_) => h.notes.push("git state could not be read".to_owned()),
            }
        }
    });
    h
}

fn read_transcript(
    src: &Source,
    settings: &HandoffSettings,
    notes: &mut Vec<String>,
) -> Vec<Record> {
    let Some(path) = &src.transcript else {
        notes.push("no transcript was given".to_owned());
        return Vec::new();
    };
    match transcript::read_tail(path, settings.transcript_tail_bytes()) {
        Ok(tail) => {
            if tail.malformed > 0 {
                notes.push(format!(
                    "{} malformed transcript line(s) skipped",
                    tail.malformed
                ));
            }
            if tail.rewound > 0 {
                notes.push(format!(
                    "{} transcript line(s) on a rewound branch left out",
                    tail.rewound
                ));
            }
            if tail.truncated {
                notes.push(format!(
                    "only the last {} KiB of the transcript were read",
                    settings.transcript_tail_bytes() / 1024
                ));
            }
            tail.records
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            notes.push("the transcript does not exist yet".to_owned());
            Vec::new()
        }
        Err(e) => {
            notes.push(format!("the transcript could not be read: {e}"));
            Vec::new()
        }
    }
}

fn fill_from_records(h: &mut Handoff, ctx: &Ctx, src: &Source, records: &[Record]) {
    // Requests: the user's latest prompts, oldest first.
    let mut requests: Vec<String> = Vec::new();
    for r in records {
        if let Record::Prompt(text) = r
            && requests.last() != Some(text)
        {
            requests.push(text.clone());
        }
    }
    if requests.is_empty()
        && let Some(Record::LastPrompt(p)) = records
            .iter()
            .rev()
            .find(|r| matches!(r, Record::LastPrompt(_)))
    {
        requests.push(p.clone());
    }
    let skip = requests.len().saturating_sub(MAX_REQUESTS);
    h.requests = requests
        .into_iter()
        .skip(skip)
        .map(|r| crate::text::cap(&r, MAX_REQUEST_CHARS))
        .collect();

    // Claude's last message: the hook's copy is newer than the transcript (written lazily).
    h.last_message = src
        .last_assistant_message
        .clone()
        .filter(|m| !m.trim().is_empty())
        .or_else(|| {
            records.iter().rev().find_map(|r| match r {
                Record::AssistantText { text } => Some(text.clone()),
                _ => None,
            })
        })
        .map(|m| crate::text::cap(m.trim(), MAX_MESSAGE_CHARS));

    h.files = files_changed(ctx, src, records, &mut h.notes);

    let todos =
        session_todos(ctx, src.session_id.as_deref()).unwrap_or_else(|| todos_from(records));
    for t in &todos {
        match t.status.as_str() {
            "completed" => h.completed.push(t.content.clone()),
            "in_progress" => h.next_steps.push(format!("{} (in progress)", t.content)),
            _ => {}
        }
    }
    h.next_steps.extend(
        todos
            .iter()
            .filter(|t| t.status == "pending")
            .map(|t| t.content.clone()),
    );
    if todos.is_empty()
        && let Some(msg) = &h.last_message
    {
        h.next_steps = next_steps_in(msg);
    }
}

fn files_changed(
    ctx: &Ctx,
    src: &Source,
    records: &[Record],
    notes: &mut Vec<String>,
) -> Vec<FileChange> {
    // (path, tool) in the order seen: ledger first (it may reach further back), then transcript.
    let mut seen: Vec<(String, String, bool)> = Vec::new();
    if let Some(sid) = &src.session_id {
        let session = Session::new(&ctx.paths, sid);
        match ledger::read(&session, LEDGER_TAIL) {
            Ok(read) => {
                for entry in read.entries {
                    let tool = if entry.tool.is_empty() {
                        "edit".to_owned()
                    } else {
                        entry.tool
                    };
                    seen.push((entry.path.to_string_lossy().into_owned(), tool, true));
                }
                if read.malformed > 0 {
                    notes.push(format!(
                        "{} malformed ledger line(s) skipped",
                        read.malformed
                    ));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => notes.push(format!("the session ledger could not be read: {e}")),
        }
    }
    for r in records {
        if let Record::FileEdit { tool, path, .. } = r {
            seen.push((path.clone(), tool.clone(), false));
        }
    }
    let mut order: Vec<String> = Vec::new();
    let mut by_path: HashMap<String, (FileChange, usize, usize)> = HashMap::new();
    for (path, tool, from_ledger) in seen {
        let shown = display_path(&path, src.project.as_deref());
        order.retain(|p| p != &shown);
        order.push(shown.clone());
        let entry = by_path.entry(shown.clone()).or_insert_with(|| {
            (
                FileChange {
                    path: shown,
                    ..FileChange::default()
                },
                0,
                0,
            )
        });
        if !entry.0.tools.contains(&tool) {
            entry.0.tools.push(tool);
        }
        if from_ledger {
            entry.1 += 1;
        } else {
            entry.2 += 1;
        }
    }
    if order.len() > MAX_FILES {
        notes.push(format!(
            "{} more changed file(s) not listed",
            order.len() - MAX_FILES
        ));
        order.drain(..order.len() - MAX_FILES);
    }
    order
        .into_iter()
        .filter_map(|p| by_path.remove(&p))
        .map(|(mut f, ledger, transcript)| {
            // Both sources usually see the same edit: count the larger.
            f.changes = ledger.max(transcript);
            f
        })
        .collect()
}

fn display_path(path: &str, project: Option<&Path>) -> String {
    let p = Path::new(path);
    project
        .and_then(|root| p.strip_prefix(root).ok())
        .filter(|rel| !rel.as_os_str().is_empty())
        .map_or_else(|| path.to_owned(), |rel| rel.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Mode;
    use crate::env::Env;
    use serde_json::json;

    fn ctx(root: &Path, project: &Path) -> Ctx {
        let env = Env {
            home: Some(root.to_path_buf()),
            claude_config_dir: Some(root.join("claude")),
            sfp_home: Some(root.join("sfp")),
            ..Env::default()
        };
        Ctx::new(env, Some(project), Mode::Hook, "test")
    }

    fn line(v: &serde_json::Value) -> String {
        format!("{v}\n")
    }

    #[test]
    fn gathers_ledger_transcript_tasks_and_the_store_masks_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join("proj");
        std::fs::create_dir_all(&project).unwrap();
        let p = project.display().to_string();
        let key = format!("sk-ant-api03-{}", "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z");
        let transcript = dir.path().join("t.jsonl");
        let mut text = String::new();
        text += &line(
            &json!({"type": "user", "message": {"content": format!("use ANTHROPIC_API_KEY={key} for the client")}}),
        );
        text += &line(&json!({"type": "assistant", "message": {"content": [
            {"type": "tool_use", "name": "Edit", "input": {"file_path": format!("{p}/src/a.rs")}},
            {"type": "tool_use", "name": "TaskCreate", "input": {"subject": "wire the client"}},
            {"type": "tool_use", "name": "TaskCreate", "input": {"subject": "add a test"}},
            {"type": "tool_use", "name": "TaskUpdate", "input": {"taskId": "1", "status": "completed"}},
            {"type": "tool_use", "name": "TaskUpdate", "input": {"taskId": "2", "status": "in_progress"}},
            {"type": "text", "text": format!("Set the key {key}.")}]}}));
        std::fs::write(&transcript, text).unwrap();
        let ctx = ctx(dir.path(), &project);
        let ledger = Session::new(&ctx.paths, "s1").ledger();
        std::fs::create_dir_all(ledger.parent().unwrap()).unwrap();
        std::fs::write(
            &ledger,
            format!(
                "{}{}garbage\n",
                line(&json!({"path": format!("{p}/src/a.rs"), "tool": "Edit", "at": "2026-11-22T00:47:48Z"})),
                line(&json!({"path": format!("{p}/b.rs"), "tool": "Write", "at": "2026-11-22T00:47:49Z"}))
            ),
        )
        .unwrap();
        let src = Source {
            trigger: "test".into(),
            session_id: Some("s1".into()),
            transcript: Some(transcript),
            project: Some(project.clone()),
            last_assistant_message: None,
        };
        let mut h = collect(&ctx, &HandoffSettings::default(), &src, Utc::now());
        assert!(h.requests[0].contains(&key), "gathered as it was said");
        let entry = super::super::store::Store::at(dir.path().join("handoffs"))
            .write(&mut h, super::super::render::markdown)
            .unwrap();
        for file in [&entry.json, &entry.md] {
            let stored = std::fs::read_to_string(file).unwrap();
            assert!(!stored.contains(&key), "secret leaked: {stored}");
            assert!(stored.contains("for the client"), "{stored}");
            assert!(stored.contains("…[anthropic key]"), "{stored}");
        }
        assert!(!h.requests[0].contains(&key), "{:?}", h.requests);
        assert!(h.requests[0].starts_with("use ANTHROPIC_API_KEY="));
        assert!(!h.last_message.as_deref().unwrap().contains(&key));
        let files: Vec<(&str, usize)> = h
            .files
            .iter()
            .map(|f| (f.path.as_str(), f.changes))
            .collect();
        assert_eq!(
            files,
            [("b.rs", 1), ("src/a.rs", 1)],
            "ledger and transcript merged"
        );
        assert_eq!(h.completed, ["wire the client"]);
        assert_eq!(h.next_steps, ["add a test (in progress)"]);
        assert!(
            h.notes
                .iter()
                .any(|n| n == "1 malformed ledger line(s) skipped"),
            "{:?}",
            h.notes
        );
        assert!(h.git.is_none(), "not a git work tree: no git process");
    }

    #[test]
    fn claude_codes_todo_file_wins_and_a_missing_transcript_is_a_note() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = ctx(dir.path(), dir.path());
        let todos = dir.path().join("claude/todos/s2-agent-s2.json");
        std::fs::create_dir_all(todos.parent().unwrap()).unwrap();
        std::fs::write(
            &todos,
            json!([{"content": "done thing", "status": "completed", "activeForm": "x"},
                   {"content": "later thing", "status": "pending", "activeForm": "y"}])
            .to_string(),
        )
        .unwrap();
        let src = Source {
            trigger: "test".into(),
            session_id: Some("s2".into()),
            transcript: Some(dir.path().join("missing.jsonl")),
            project: None,
            last_assistant_message: Some("Finished. Next: ship it".into()),
        };
        let h = collect(&ctx, &HandoffSettings::default(), &src, Utc::now());
        assert_eq!(h.completed, ["done thing"]);
        assert_eq!(
            h.next_steps,
            ["later thing"],
            "the todo list beats the message"
        );
        assert_eq!(h.last_message.as_deref(), Some("Finished. Next: ship it"));
        assert!(
            h.notes
                .contains(&"the transcript does not exist yet".to_owned())
        );
    }
}
