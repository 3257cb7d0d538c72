//! What a hook receives on stdin, read leniently.
//!
//! Claude Code adds fields in almost every release, and a malformed or hostile input must never
//! crash sfp, so nothing here is strict: every field is optional, a field of the wrong type reads
//! as absent, unknown fields are ignored.

use std::path::PathBuf;

use serde_json::Value;

use super::Event;

/// The fields sfp uses, taken from the raw JSON object.
#[derive(Debug, Clone, Default)]
pub struct HookInput {
    /// From `hook_event_name`, else from the command line.
    pub event: Option<Event>,
    /// `hook_event_name` as sent, even when sfp does not know it.
    pub event_name: Option<String>,
    pub session_id: Option<String>,
    pub transcript_path: Option<PathBuf>,
    pub cwd: Option<PathBuf>,
    /// SessionStart: `startup` | `resume` | `clear` | `compact` | `fork`.
    pub source: Option<String>,
    /// UserPromptSubmit.
    pub prompt: Option<String>,
    pub tool_name: Option<String>,
    pub tool_input: Option<Value>,
    pub tool_response: Option<Value>,
    /// Stop / SubagentStop.
    pub stop_hook_active: bool,
    pub last_assistant_message: Option<String>,
    /// Stop: background tasks still at work (listed and not finished).
    pub background_tasks: usize,
    /// PreCompact: `manual` | `auto`.
    pub trigger: Option<String>,
    /// SessionEnd: `clear` | `logout` | `prompt_input_exit` | `other` | …
    pub reason: Option<String>,
}

impl HookInput {
    /// Reads the fields from a parsed JSON object; anything not an object yields `None`.
    pub fn from_json(value: &Value) -> Option<Self> {
        let obj = value.as_object()?;
        let text = |key: &str| obj.get(key).and_then(Value::as_str).map(str::to_owned);
        let path = |key: &str| text(key).filter(|s| !s.is_empty()).map(PathBuf::from);
        let event_name = text("hook_event_name");
        Some(Self {
            event: event_name.as_deref().and_then(Event::parse),
            event_name,
            session_id: text("session_id").filter(|s| !s.is_empty()),
            transcript_path: path("transcript_path"),
            cwd: path("cwd"),
            source: text("source"),
            prompt: text("prompt"),
            tool_name: text("tool_name"),
            tool_input: obj.get("tool_input").filter(|v| v.is_object()).cloned(),
            tool_response: obj.get("tool_response").cloned(),
            stop_hook_active: obj
                .get("stop_hook_active")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            last_assistant_message: text("last_assistant_message"),
            // Only tasks still at work count: one the CLI lists as finished waits for nothing.
            background_tasks: obj
                .get("background_tasks")
                .and_then(Value::as_array)
                .map_or(0, |tasks| {
                    tasks
                        .iter()
                        .filter(|t| {
                            !t.get("status").and_then(Value::as_str).is_some_and(|s| {
                                matches!(
                                    s,
                                    "completed" | "failed" | "killed" | "stopped" | "cancelled"
                                )
                            })
                        })
                        .count()
                }),
            trigger: text("trigger"),
            reason: text("reason"),
        })
    }

    /// `tool_input.file_path` (or `notebook_path`) for file tools, as an absolute path with
    /// Windows separators normalised.
    pub fn tool_file_path(&self) -> Option<PathBuf> {
        let input = self.tool_input.as_ref()?;
        let raw = input
            .get("file_path")
            .or_else(|| input.get("notebook_path"))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())?;
        Some(PathBuf::from(raw.replace('\\', "/")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wrong_types_read_as_absent() {
        let v = json!({"hook_event_name": 5, "session_id": ["x"], "cwd": "/p", "stop_hook_active": "yes",
                        "background_tasks": {"a": 1}, "tool_input": "str"});
        let input = HookInput::from_json(&v).unwrap();
        assert_eq!(input.event, None);
        assert_eq!(input.session_id, None);
        assert_eq!(input.cwd, Some(PathBuf::from("/p")));
        assert!(!input.stop_hook_active);
        assert_eq!(input.background_tasks, 0);
        assert!(input.tool_input.is_none());
    }

    #[test]
    fn only_background_tasks_still_at_work_count() {
        let v = json!({"hook_event_name": "Stop", "background_tasks": [
            {"id": "1", "status": "running"}, {"id": "2", "status": "completed"},
            {"id": "3"}, {"id": "4", "status": "failed"}, {"id": "5", "status": "pending"}]});
        assert_eq!(HookInput::from_json(&v).unwrap().background_tasks, 3);
    }

    #[test]
    fn non_objects_are_refused() {
        assert!(HookInput::from_json(&json!([1, 2])).is_none());
        assert!(HookInput::from_json(&json!("Stop")).is_none());
    }

    #[test]
    fn file_paths_are_normalised() {
        let v = json!({"tool_input": {"file_path": "C:\\p\\a.ts"}});
        assert_eq!(
            HookInput::from_json(&v).unwrap().tool_file_path(),
            Some(PathBuf::from("C:/p/a.ts"))
        );
    }
}
