//! The session's todo list — Claude Code's own todo and task files, else the TodoWrite and
//! TaskCreate/TaskUpdate calls in the transcript — and, without one, the next steps Claude named
//! in its last message.

use serde::Deserialize;

use super::transcript::{Record, Todo};
use crate::app::Ctx;

/// The latest todo list in the transcript: the last TodoWrite, or the tasks created and updated
/// with TaskCreate/TaskUpdate (numbered from 1 in creation order, as Claude Code numbers them).
pub(super) fn todos_from(records: &[Record]) -> Vec<Todo> {
    let last_write = records.iter().rposition(|r| matches!(r, Record::Todos(_)));
    let mut tasks: Vec<(String, Todo)> = Vec::new();
    for r in records {
        match r {
            Record::TaskCreate { subject } => {
                let id = (tasks.len() + 1).to_string();
                tasks.push((
                    id,
                    Todo {
                        content: subject.clone(),
                        status: "pending".into(),
                    },
                ));
            }
            Record::TaskUpdate {
                id,
                status,
                subject,
            } => {
                if let Some((_, t)) = tasks.iter_mut().find(|(i, _)| i == id) {
                    if let Some(s) = status {
                        t.status.clone_from(s);
                    }
                    if let Some(s) = subject {
                        t.content.clone_from(s);
                    }
                }
            }
            _ => {}
        }
    }
    tasks.retain(|(_, t)| t.status != "deleted");
    if !tasks.is_empty() {
        return tasks.into_iter().map(|(_, t)| t).collect();
    }
    match last_write.map(|i| &records[i]) {
        Some(Record::Todos(list)) => list.clone(),
        _ => Vec::new(),
    }
}

/// One of Claude Code's task files (`tasks/<session>/<n>.json`).
#[derive(Deserialize)]
struct Task {
    id: serde_json::Value,
    subject: String,
    status: String,
}

/// Claude Code's own record of the session's todos (`todos/<id>-agent-<id>.json`) or tasks
/// (`tasks/<id>/*.json`), when present and not empty.
pub(super) fn session_todos(ctx: &Ctx, session: Option<&str>) -> Option<Vec<Todo>> {
    let id = crate::paths::safe_component(session?);
    let file = ctx
        .paths
        .claude_dir
        .join("todos")
        .join(format!("{id}-agent-{id}.json"));
    let kind = crate::util::read::Kind::CLAUDE_STATE;
    if let Some(bytes) = crate::util::read::bytes(&file, kind.capped(1024 * 1024))
        && let Ok(mut items) = serde_json::from_slice::<Vec<Todo>>(&bytes)
    {
        items.retain(|t| !t.content.trim().is_empty());
        if !items.is_empty() {
            return Some(items);
        }
    }
    let dir = ctx.paths.claude_dir.join("tasks").join(&id);
    let mut tasks: Vec<Task> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .filter_map(|e| crate::util::read::bytes(&e.path(), kind.capped(256 * 1024)))
        .filter_map(|b| serde_json::from_slice::<Task>(&b).ok())
        .collect();
    tasks.sort_by_key(|t| {
        t.id.as_str()
            .and_then(|s| s.parse::<u64>().ok())
            .or(t.id.as_u64())
    });
    let todos: Vec<Todo> = tasks
        .into_iter()
        .filter(|t| t.status != "deleted")
        .map(|t| Todo {
            content: t.subject,
            status: t.status,
        })
        .collect();
    (!todos.is_empty()).then_some(todos)
}

/// "Next: write tests." or a "Next steps:" heading followed by a list, in Claude's last message.
pub(super) fn next_steps_in(message: &str) -> Vec<String> {
    let lines: Vec<&str> = message.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let lower = line.to_lowercase();
        for marker in ["next steps:", "next step:", "next:", "todo:"] {
            let Some(at) = lower.find(marker) else {
                continue;
            };
            // Only at the start of a sentence: "Next: …", "… done. Next: …".
            let before = lower[..at].trim_end();
            if !(before.is_empty() || before.ends_with(['.', '!', '*', '-', '#', ':'])) {
                continue;
            }
            let rest = line[at + marker.len()..].trim().trim_matches('*').trim();
            if !rest.is_empty() {
                return vec![rest.trim_end_matches('.').to_owned()];
            }
            let items: Vec<String> = lines[i + 1..]
                .iter()
                .map(|l| l.trim())
                .take_while(|l| !l.is_empty())
                .filter_map(|l| {
                    l.strip_prefix("- ")
                        .or_else(|| l.strip_prefix("* "))
                        .or_else(|| {
                            l.split_once(". ")
                                .filter(|(n, _)| n.parse::<u32>().is_ok())
                                .map(|(_, t)| t)
                        })
                })
                .map(|l| l.trim().to_owned())
                .collect();
            if !items.is_empty() {
                return items;
            }
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_steps_are_read_from_the_last_message() {
        assert_eq!(
            next_steps_in("Added src/app.py with an add() function. Next: write tests for add()."),
            ["write tests for add()"]
        );
        assert_eq!(
            next_steps_in("Done.\n\n**Next steps:**\n- run the benchmark\n2. update docs\n\nBye"),
            ["run the benchmark", "update docs"]
        );
        assert_eq!(
            next_steps_in("Next steps:\n1. run the benchmark\n\n2. not in the list"),
            ["run the benchmark"]
        );
        assert!(next_steps_in("The next: field is parsed lazily").is_empty());
        assert!(next_steps_in("All done.").is_empty());
    }
}
