//! Reading the end of a Claude Code session transcript (JSONL), bounded and lenient.
//!
//! Only the last `limit` bytes are read (a transcript can reach hundreds of MiB); a line cut by
//! that window is dropped. Each line is one record with a `type`; sfp keeps the few it needs —
//! the user's own prompts, Claude's text, the file-editing and todo tool calls, `last-prompt` —
//! and counts the rest as skipped. Malformed lines are counted and skipped, never fatal. Large
//! fields (file contents in tool calls and results) are skipped by the parser without being
//! stored.

use std::fmt;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::prompt::prompt_text;

/// Tools whose calls change a file, with the input field that names it.
pub const FILE_TOOLS: [&str; 4] = ["Write", "Edit", "MultiEdit", "NotebookEdit"];

/// What sfp keeps of one transcript line, in file order.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// Something the user typed (not a tool result, a command echo or a system note).
    Prompt(String),
    /// The text of one assistant message.
    AssistantText { text: String },
    /// A Write/Edit/MultiEdit/NotebookEdit call.
    FileEdit { tool: String, path: String },
    /// A TodoWrite call: the whole list as Claude last wrote it.
    Todos(Vec<Todo>),
    /// A TaskCreate call.
    TaskCreate { subject: String },
    /// A TaskUpdate call.
    TaskUpdate {
        id: String,
        status: Option<String>,
        subject: Option<String>,
    },
    /// Claude Code's `last-prompt` bookkeeping record.
    LastPrompt(String),
}

/// One todo item: `pending`, `in_progress` or `completed`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct Todo {
    pub content: String,
    pub status: String,
}

/// The records found in the tail of a transcript, and what was left out.
#[derive(Debug, Clone, Default)]
pub struct Tail {
    pub records: Vec<Record>,
    /// Lines read (whole lines within the window).
    pub lines: usize,
    /// Lines of a type sfp does not use.
    pub skipped: usize,
    /// Lines that are not JSON objects.
    pub malformed: usize,
    /// Whether the file is longer than the window (its beginning was not read).
    pub truncated: bool,
}

/// Reads the records of the last `limit` bytes of `path`. A missing file is an `Err` of kind
/// `NotFound` (Claude Code creates the transcript only at the first tool call).
pub fn read_tail(path: &Path, limit: u64) -> std::io::Result<Tail> {
    let (body, truncated) = tail_lines(path, limit)?;
    let mut tail = Tail {
        truncated,
        ..Tail::default()
    };
    for line in body.split(|b| *b == b'\n') {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        tail.lines += 1;
        let parsed = serde_json::from_slice::<Line>(line).or_else(|e| {
            // A broken byte in one string should not cost the whole record.
            match std::str::from_utf8(line) {
                Ok(_) => Err(e),
                Err(_) => serde_json::from_str::<Line>(&String::from_utf8_lossy(line)),
            }
        });
        match parsed {
            Ok(parsed) => {
                let before = tail.records.len();
                parsed.into_records(&mut tail.records);
                if tail.records.len() == before {
                    tail.skipped += 1;
                }
            }
            Err(_) => tail.malformed += 1,
        }
    }
    Ok(tail)
}

/// The whole lines among the last `limit` bytes of `path`, and whether the file is longer.
pub fn tail_lines(path: &Path, limit: u64) -> std::io::Result<(Vec<u8>, bool)> {
    use crate::util::read::{Kind, OpenResult, Opened};
    // Opened without blocking, and only if it is a regular file (not a FIFO, device or directory).
    let Opened { mut file, len } = match crate::util::read::open(path, Kind::TRANSCRIPT) {
        OpenResult::Open(opened) => opened,
        OpenResult::Missing => return Err(std::io::ErrorKind::NotFound.into()),
        OpenResult::Skipped(skip) => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                skip.reason(),
            ));
        }
    };
    let limit = limit.min(Kind::TRANSCRIPT.cap);
    let start = len.saturating_sub(limit);
    let mut cut_first = false;
    if start > 0 {
        // The first line is cut by the window unless the byte before it ends a line.
        let mut prev = [0u8; 1];
        file.seek(SeekFrom::Start(start - 1))?;
        file.read_exact(&mut prev)?;
        cut_first = prev[0] != b'\n';
    }
    file.seek(SeekFrom::Start(start))?;
    let mut buf = Vec::with_capacity(usize::try_from(len - start).unwrap_or(0));
    file.take(limit).read_to_end(&mut buf)?;
    if cut_first {
        let keep = buf
            .iter()
            .position(|b| *b == b'\n')
            .map_or(buf.len(), |i| i + 1);
        buf.drain(..keep);
    }
    Ok((buf, start > 0))
}

/// The fields of a transcript line that sfp reads; everything else is skipped unread.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[expect(
    clippy::struct_excessive_bools,
    reason = "the transcript's own flags, read as they are"
)]
struct Line {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    is_meta: bool,
    #[serde(default)]
    is_sidechain: bool,
    #[serde(default)]
    is_compact_summary: bool,
    #[serde(default)]
    is_visible_in_transcript_only: bool,
    tool_use_result: Option<IgnoredAny>,
    message: Option<Message>,
    last_prompt: Option<String>,
}

#[derive(Deserialize)]
struct Message {
    #[serde(default)]
    content: Content,
    model: Option<String>,
}

#[derive(Default)]
enum Content {
    Text(String),
    Blocks(Vec<Block>),
    #[default]
    Other,
}

#[derive(Deserialize)]
struct Block {
    #[serde(rename = "type", default)]
    kind: String,
    text: Option<String>,
    name: Option<String>,
    input: Option<ToolInput>,
}

/// The inputs of the tools sfp follows; other tools' fields are skipped.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ToolInput {
    #[serde(rename = "file_path")]
    file_path: Option<Value>,
    #[serde(rename = "notebook_path")]
    notebook_path: Option<Value>,
    todos: Option<Value>,
    subject: Option<Value>,
    task_id: Option<Value>,
    status: Option<Value>,
}

impl Line {
    fn into_records(self, out: &mut Vec<Record>) {
        if self.is_sidechain {
            return;
        }
        match self.kind.as_str() {
            "user" => self.user(out),
            "assistant" => self.assistant(out),
            "last-prompt" => {
                if let Some(p) = self.last_prompt.filter(|p| !p.trim().is_empty()) {
                    out.push(Record::LastPrompt(p));
                }
            }
            _ => {}
        }
    }

    fn user(self, out: &mut Vec<Record>) {
        if self.is_meta
            || self.is_compact_summary
            || self.is_visible_in_transcript_only
            || self.tool_use_result.is_some()
        {
            return;
        }
        let Some(message) = self.message else { return };
        let text = match message.content {
            Content::Text(t) => t,
            Content::Blocks(blocks) => {
                if blocks.iter().any(|b| b.kind == "tool_result") {
                    return;
                }
                let parts: Vec<String> = blocks
                    .into_iter()
                    .filter_map(|b| match b.kind.as_str() {
                        "text" => b.text,
                        "image" => Some("[image]".to_owned()),
                        _ => None,
                    })
                    .collect();
                parts.join("\n")
            }
            Content::Other => return,
        };
        if let Some(text) = prompt_text(&text) {
            out.push(Record::Prompt(text));
        }
    }

    fn assistant(self, out: &mut Vec<Record>) {
        let Some(message) = self.message else { return };
        if message.model.as_deref() == Some("<synthetic>") {
            return;
        }
        let Content::Blocks(blocks) = message.content else {
            if let Content::Text(text) = message.content
                && !text.trim().is_empty()
            {
                out.push(Record::AssistantText { text });
            }
            return;
        };
        let mut texts = Vec::new();
        for block in blocks {
            match block.kind.as_str() {
                "text" => texts.extend(block.text.filter(|t| !t.trim().is_empty())),
                "tool_use" => {
                    if let (Some(name), Some(input)) = (block.name, block.input) {
                        tool_record(&name, input, out);
                    }
                }
                _ => {}
            }
        }
        if !texts.is_empty() {
            out.push(Record::AssistantText {
                text: texts.join("\n\n"),
            });
        }
    }
}

fn tool_record(name: &str, input: ToolInput, out: &mut Vec<Record>) {
    let text = |v: Option<Value>| match v {
        Some(Value::String(s)) if !s.is_empty() => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    match name {
        _ if FILE_TOOLS.contains(&name) => {
            if let Some(path) = text(input.file_path).or_else(|| text(input.notebook_path)) {
                out.push(Record::FileEdit {
                    tool: name.to_owned(),
                    path: path.replace('\\', "/"),
                });
            }
        }
        "TodoWrite" => {
            if let Some(Value::Array(items)) = input.todos {
                let todos = items
                    .into_iter()
                    .filter_map(|item| serde_json::from_value::<Todo>(item).ok())
                    .collect();
                out.push(Record::Todos(todos));
            }
        }
        "TaskCreate" => {
            if let Some(subject) = text(input.subject) {
                out.push(Record::TaskCreate { subject });
            }
        }
        "TaskUpdate" => {
            if let Some(id) = text(input.task_id) {
                out.push(Record::TaskUpdate {
                    id,
                    status: text(input.status),
                    subject: text(input.subject),
                });
            }
        }
        _ => {}
    }
}

impl<'de> Deserialize<'de> for Content {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Content;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a list of content blocks")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Content, E> {
                Ok(Content::Text(v.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Content, E> {
                Ok(Content::Text(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Content, A::Error> {
                let mut blocks = Vec::new();
                while let Some(block) = seq.next_element::<Block>()? {
                    blocks.push(block);
                }
                Ok(Content::Blocks(blocks))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Content, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Content::Other)
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Content, E> {
                Ok(Content::Other)
            }
            fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Content, E> {
                Ok(Content::Other)
            }
            fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Content, E> {
                Ok(Content::Other)
            }
            fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Content, E> {
                Ok(Content::Other)
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Content, E> {
                Ok(Content::Other)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn write_lines(lines: &[String]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        for l in lines {
            std::io::Write::write_all(&mut f, l.as_bytes()).unwrap();
            std::io::Write::write_all(&mut f, b"\n").unwrap();
        }
        f
    }

    fn user(content: &serde_json::Value) -> String {
        json!({"type": "user", "message": {"role": "user", "content": content}}).to_string()
    }

    fn assistant(content: &serde_json::Value) -> String {
        json!({"type": "assistant", "timestamp": "2026-11-22T00:47:48.638Z",
               "message": {"role": "assistant", "content": content}})
        .to_string()
    }

    #[test]
    fn keeps_prompts_text_and_edits_and_skips_the_rest() {
        let f = write_lines(&[
            json!({"type": "queue-operation", "operation": "enqueue", "content": "hi"}).to_string(),
            user(&json!("Please add an add() function")),
            json!({"type": "attachment", "attachment": {"type": "date"}}).to_string(),
            json!({"type": "some-future-record", "x": [1, 2, 3]}).to_string(),
            assistant(&json!([{"type": "thinking", "thinking": "hm"},
                              {"type": "text", "text": "Writing it."},
                              {"type": "tool_use", "id": "t1", "name": "Write",
                               "input": {"file_path": "/p/src/app.py", "content": "x".repeat(1000)}}])),
            user(&json!([{"type": "tool_result", "tool_use_id": "t1", "content": "ok"}])),
            assistant(
                &json!([{"type": "tool_use", "id": "t2", "name": "TodoWrite",
                               "input": {"todos": [{"content": "write tests", "status": "pending", "activeForm": "Writing"},
                                                   {"content": "add()", "status": "completed"}]}}]),
            ),
            assistant(
                &json!([{"type": "tool_use", "id": "t3", "name": "Bash", "input": {"command": "ls"}}]),
            ),
            "{not json".to_owned(),
            "[1, 2]".to_owned(),
            json!({"type": "last-prompt", "lastPrompt": "Please add an add() function"})
                .to_string(),
        ]);
        let tail = read_tail(f.path(), 1 << 20).unwrap();
        assert_eq!(
            tail.records,
            vec![
                Record::Prompt("Please add an add() function".into()),
                Record::FileEdit {
                    tool: "Write".into(),
                    path: "/p/src/app.py".into()
                },
                Record::AssistantText {
                    text: "Writing it.".into()
                },
                Record::Todos(vec![
                    Todo {
                        content: "write tests".into(),
                        status: "pending".into()
                    },
                    Todo {
                        content: "add()".into(),
                        status: "completed".into()
                    },
                ]),
                Record::LastPrompt("Please add an add() function".into()),
            ]
        );
        assert_eq!(tail.lines, 11);
        assert_eq!(tail.malformed, 2);
        assert_eq!(
            tail.skipped, 5,
            "queue, attachment, unknown type, tool result, Bash"
        );
        assert!(!tail.truncated);
    }

    #[test]
    fn command_echoes_meta_summaries_and_sidechains_are_not_prompts() {
        let f = write_lines(&[
            json!({"type": "user", "isMeta": true, "message": {"content": "<local-command-caveat>Caveat</local-command-caveat>"}}).to_string(),
            user(&json!("<command-name>/compact</command-name>\n<command-message>compact</command-message>\n<command-args></command-args>")),
            user(&json!("<local-command-stdout>Compacted</local-command-stdout>")),
            json!({"type": "user", "isCompactSummary": true, "message": {"content": "This session is being continued"}}).to_string(),
            json!({"type": "user", "isSidechain": true, "message": {"content": "subagent task"}}).to_string(),
            json!({"type": "user", "toolUseResult": {"stdout": ""}, "message": {"content": "result text"}}).to_string(),
            user(&json!("<command-name>/review</command-name>\n<command-args>src/lib.rs</command-args>")),
            user(&json!([{"type": "text", "text": "look at this"}, {"type": "image", "source": {}}])),
        ]);
        let prompts: Vec<String> = read_tail(f.path(), 1 << 20)
            .unwrap()
            .records
            .into_iter()
            .filter_map(|r| match r {
                Record::Prompt(text) => Some(text),
                _ => None,
            })
            .collect();
        assert_eq!(prompts, ["/review src/lib.rs", "look at this\n[image]"]);
    }

    #[test]
    fn huge_lines_and_the_window_edge() {
        let huge = assistant(&json!([{"type": "text", "text": "y".repeat(3 << 20)}]));
        let f = write_lines(&[
            user(&json!("first")),
            huge,
            user(&json!("after the huge line")),
        ]);
        // The whole file fits: the huge line is read like any other.
        let all = read_tail(f.path(), 8 << 20).unwrap();
        assert_eq!(all.records.len(), 3);
        assert_eq!(all.malformed, 0);
        // A window smaller than the huge line: the cut line is dropped, not reported malformed.
        let tail = read_tail(f.path(), 1 << 20).unwrap();
        assert!(tail.truncated);
        assert_eq!(tail.malformed, 0);
        assert_eq!(
            tail.records,
            vec![Record::Prompt("after the huge line".into())]
        );
    }

    #[test]
    fn a_window_starting_on_a_line_boundary_keeps_that_line() {
        let first = user(&json!("one"));
        let f = write_lines(&[first.clone(), user(&json!("two"))]);
        let len = std::fs::metadata(f.path()).unwrap().len();
        let tail = read_tail(f.path(), len - first.len() as u64 - 1).unwrap();
        assert_eq!(tail.records, vec![Record::Prompt("two".into())]);
    }

    #[test]
    fn missing_empty_and_special_transcripts() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_tail(&dir.path().join("nope.jsonl"), 1024).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
        let empty = dir.path().join("empty.jsonl");
        std::fs::write(&empty, b"\n\n").unwrap();
        let tail = read_tail(&empty, 1024).unwrap();
        assert!(tail.records.is_empty());
        assert_eq!(tail.lines, 0);
        let err = read_tail(dir.path(), 1024).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        let fifo = dir.path().join("fifo");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let err = read_tail(&fifo, 1024).unwrap_err();
        assert_eq!(
            err.kind(),
            std::io::ErrorKind::InvalidInput,
            "a FIFO is refused, not opened"
        );
    }

    #[test]
    fn invalid_utf8_is_repaired_and_wrong_types_are_skipped() {
        let mut f = write_lines(&[user(&json!("ok"))]);
        std::io::Write::write_all(
            &mut f,
            b"{\"type\":\"user\",\"message\":{\"content\":\"\xff\xfe\"}}\n",
        )
        .unwrap();
        std::io::Write::write_all(
            &mut f,
            br#"{"type":"user","isMeta":"yes","message":{"content":"x"}}"#,
        )
        .unwrap();
        std::io::Write::write_all(&mut f, b"\n").unwrap();
        std::io::Write::write_all(&mut f, user(&json!("still read")).as_bytes()).unwrap();
        let tail = read_tail(f.path(), 1 << 20).unwrap();
        assert_eq!(tail.malformed, 1, "only the wrongly typed line");
        assert_eq!(tail.records.len(), 3);
        assert_eq!(tail.records[1], Record::Prompt("\u{fffd}\u{fffd}".into()));
    }
}
