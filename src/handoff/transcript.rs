//! Reading the end of a Claude Code session transcript (JSONL), bounded and lenient.
//!
//! Only the last `limit` bytes are read (a transcript can reach hundreds of MiB); a line cut by
//! that window is dropped. Each line is one record with a `type`; sfp keeps the few it needs —
//! the user's own prompts, Claude's text, the file-editing and todo tool calls, `last-prompt` —
//! and counts the rest as skipped. Malformed lines are counted and skipped, never fatal. Large
//! fields (file contents in tool calls and results) are skipped by the parser without being
//! stored. A `null` stands for a missing field wherever it appears.
//!
//! A transcript is a tree: each line names its `parentUuid`, and a rewind starts a second
//! branch from an earlier line. The active branch is the chain of parents from the newest line
//! (across a compaction, through the messages it kept or its `logicalParentUuid`); a branch that
//! leaves it and holds a prompt of the user's was rewound, and its lines are left out. Lines on
//! no chain at all (bookkeeping records, files written without ids) are kept in file order.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::Path;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::prompt::prompt_text;

/// Tools whose calls change a file, with the input field that names it.
pub(super) const FILE_TOOLS: [&str; 4] = ["Write", "Edit", "MultiEdit", "NotebookEdit"];

/// What sfp keeps of one transcript line, in file order.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Record {
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
pub(super) struct Todo {
    #[serde(default, deserialize_with = "nullable")]
    pub content: String,
    #[serde(default, deserialize_with = "nullable")]
    pub status: String,
}

/// The records found in the tail of a transcript, and what was left out.
#[derive(Debug, Clone, Default)]
pub(super) struct Tail {
    pub records: Vec<Record>,
    /// Lines read (whole lines within the window).
    pub lines: usize,
    /// Lines of a type sfp does not use.
    pub skipped: usize,
    /// Lines that are not JSON objects.
    pub malformed: usize,
    /// Lines on a branch the user rewound away from.
    pub rewound: usize,
    /// Whether the file is longer than the window (its beginning was not read).
    pub truncated: bool,
}

/// One readable line: where it sits in the tree, and what sfp keeps of it.
struct Entry {
    uuid: Option<String>,
    /// `parentUuid`, or for a compaction boundary the line the conversation went on from.
    parent: Option<String>,
    /// For a compaction boundary that kept the last messages: their ids, on the branch with it.
    preserved: Vec<String>,
    sidechain: bool,
    records: Vec<Record>,
}

/// Reads the records of the last `limit` bytes of `path`. A missing file is an `Err` of kind
/// `NotFound` (Claude Code creates the transcript only at the first tool call).
pub(super) fn read_tail(path: &Path, limit: u64) -> std::io::Result<Tail> {
    let crate::text::FileTail { bytes: body, cut } =
        crate::text::read_tail(path, crate::util::read::Kind::TRANSCRIPT, limit)?;
    let mut tail = Tail {
        truncated: cut,
        ..Tail::default()
    };
    let mut entries = Vec::new();
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
            Ok(parsed) => entries.push(parsed.into_entry()),
            Err(_) => tail.malformed += 1,
        }
    }
    let keep = active_branch(&entries);
    for (entry, keep) in entries.into_iter().zip(keep) {
        if !keep {
            tail.rewound += 1;
        } else if entry.records.is_empty() {
            tail.skipped += 1;
        } else {
            tail.records.extend(entry.records);
        }
    }
    Ok(tail)
}

/// Where a line's ancestors lead: to the side branch whose first line is `.0`, or nowhere.
#[derive(Clone, Copy, PartialEq)]
enum Reach {
    Unknown,
    Side(usize),
    Nowhere,
}

/// Which entries to keep: all but those on a branch the user rewound away from.
///
/// The active branch runs from the newest line of the main conversation up its parents. A
/// line off that branch whose ancestors reach it belongs to the side branch growing from the
/// fork; the side branch is rewound when any of its lines is a prompt of the user's (Claude
/// Code also forks the chain at parallel tool calls, where the side branch holds only a tool
/// result). A line whose ancestors never reach the branch is kept. A parent outside the window
/// counts as on the branch when the branch's own chain ends at it.
fn active_branch(entries: &[Entry]) -> Vec<bool> {
    let mut keep = vec![true; entries.len()];
    let index: HashMap<&str, usize> = entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| Some((e.uuid.as_deref()?, i)))
        .collect();
    let Some(leaf) = entries
        .iter()
        .rposition(|e| e.uuid.is_some() && !e.sidechain)
    else {
        return keep;
    };
    let mut on_branch: HashSet<&str> = HashSet::new();
    let mut at = leaf;
    while let Some(id) = entries[at].uuid.as_deref() {
        if !on_branch.insert(id) {
            break;
        }
        let Some(parent) = entries[at].parent.as_deref() else {
            break;
        };
        let Some(&i) = index.get(parent) else {
            on_branch.insert(parent);
            break;
        };
        at = i;
    }
    // A compaction that kept its last messages re-parents them under its summary; the ones left
    // before the boundary are on the branch as well.
    let preserved: Vec<&str> = entries
        .iter()
        .filter(|e| e.uuid.as_deref().is_some_and(|id| on_branch.contains(id)))
        .flat_map(|e| e.preserved.iter().map(String::as_str))
        .collect();
    on_branch.extend(preserved);
    let mut reach = vec![Reach::Unknown; entries.len()];
    // `walking[i] == start` while the walk from `start` passes `i` (a cycle stops it).
    let mut walking = vec![usize::MAX; entries.len()];
    let mut walked = Vec::new();
    for start in 0..entries.len() {
        if reach[start] != Reach::Unknown
            || entries[start]
                .uuid
                .as_deref()
                .is_none_or(|id| on_branch.contains(id))
        {
            continue;
        }
        walked.clear();
        let mut at = start;
        let found = loop {
            walked.push(at);
            walking[at] = start;
            let Some(parent) = entries[at].parent.as_deref() else {
                break Reach::Nowhere;
            };
            if on_branch.contains(parent) {
                break Reach::Side(at);
            }
            match index.get(parent) {
                Some(&i) if reach[i] != Reach::Unknown => break reach[i],
                Some(&i) if walking[i] != start => at = i,
                _ => break Reach::Nowhere,
            }
        };
        for &i in &walked {
            reach[i] = found;
        }
    }
    let rewound: HashSet<usize> = reach
        .iter()
        .zip(entries)
        .filter_map(|(r, e)| match r {
            Reach::Side(first) if e.records.iter().any(|r| matches!(r, Record::Prompt(_))) => {
                Some(*first)
            }
            _ => None,
        })
        .collect();
    for (k, r) in keep.iter_mut().zip(&reach) {
        if let Reach::Side(first) = r
            && rewound.contains(first)
        {
            *k = false;
        }
    }
    keep
}

/// The fields of a transcript line that sfp reads; everything else is skipped unread. A
/// `null` anywhere reads as the field's absence.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[expect(
    clippy::struct_excessive_bools,
    reason = "the transcript's own flags, read as they are"
)]
struct Line {
    #[serde(rename = "type", default, deserialize_with = "nullable")]
    kind: String,
    #[serde(default, deserialize_with = "nullable")]
    is_meta: bool,
    #[serde(default, deserialize_with = "nullable")]
    is_sidechain: bool,
    #[serde(default, deserialize_with = "nullable")]
    is_compact_summary: bool,
    #[serde(default, deserialize_with = "nullable")]
    is_visible_in_transcript_only: bool,
    uuid: Option<String>,
    parent_uuid: Option<String>,
    logical_parent_uuid: Option<String>,
    /// On a compaction boundary: what it kept (`preservedSegment`, `preservedMessages`).
    compact_metadata: Option<Value>,
    tool_use_result: Option<IgnoredAny>,
    message: Option<Message>,
    last_prompt: Option<String>,
}

/// A field whose `null` means the same as its absence: the type's default.
fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
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
    #[serde(rename = "type", default, deserialize_with = "nullable")]
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
    fn into_entry(self) -> Entry {
        let uuid = self.uuid.clone().filter(|u| !u.is_empty());
        let meta = self.compact_metadata.as_ref();
        let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
        // A boundary goes on from the first message it kept, else from its logical parent.
        let parent = self
            .parent_uuid
            .clone()
            .or_else(|| text(meta.and_then(|m| m.pointer("/preservedSegment/headUuid"))))
            .or_else(|| self.logical_parent_uuid.clone())
            .filter(|p| !p.is_empty());
        let preserved = meta
            .and_then(|m| m.pointer("/preservedMessages/uuids"))
            .and_then(Value::as_array)
            .map(|ids| ids.iter().filter_map(|id| text(Some(id))).collect())
            .unwrap_or_default();
        let sidechain = self.is_sidechain;
        let mut records = Vec::new();
        self.into_records(&mut records);
        Entry {
            uuid,
            parent,
            preserved,
            sidechain,
            records,
        }
    }

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
        // Each text block is cleaned on its own: Claude Code often adds a reminder as a block
        // of its own beside the prompt.
        let text = match message.content {
            Content::Text(t) => prompt_text(&t),
            Content::Blocks(blocks) => {
                if blocks.iter().any(|b| b.kind == "tool_result") {
                    return;
                }
                let parts: Vec<String> = blocks
                    .into_iter()
                    .filter_map(|b| match b.kind.as_str() {
                        "text" => b.text.as_deref().and_then(prompt_text),
                        "image" => Some("[image]".to_owned()),
                        _ => None,
                    })
                    .collect();
                Some(parts.join("\n")).filter(|t| !t.is_empty())
            }
            Content::Other => return,
        };
        if let Some(text) = text {
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
                    .filter(|t| !t.content.trim().is_empty())
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

    fn fixture(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/transcripts")
            .join(name)
    }

    fn prompts(records: &[Record]) -> Vec<&str> {
        records
            .iter()
            .filter_map(|r| match r {
                Record::Prompt(text) => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    fn texts(records: &[Record]) -> Vec<&str> {
        records
            .iter()
            .filter_map(|r| match r {
                Record::AssistantText { text } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn null_reads_as_an_absent_field_everywhere() {
        let f = write_lines(&[
            json!({"type": "user", "isMeta": null, "isSidechain": null, "isCompactSummary": null,
                   "isVisibleInTranscriptOnly": null, "toolUseResult": null, "uuid": null,
                   "parentUuid": null, "message": {"role": "user", "content": "fix the parser"}})
            .to_string(),
            json!({"type": "assistant", "isMeta": null, "message": {"model": null, "content": [
                {"type": null, "text": "ignored: no block type"},
                {"type": "text", "text": "Fixed.", "citations": null},
                {"type": "tool_use", "name": "Edit", "input": {"file_path": "/p/a.rs", "old_string": null}},
                {"type": "tool_use", "name": "TodoWrite", "input": {"todos": [
                    {"content": "ship", "status": null}, {"content": null, "status": "pending"}]}},
                {"type": "tool_use", "name": "Write", "input": null}]}})
            .to_string(),
            json!({"type": "user", "message": {"content": null}}).to_string(),
            json!({"type": null, "message": null}).to_string(),
            json!({"type": "last-prompt", "lastPrompt": null}).to_string(),
        ]);
        let tail = read_tail(f.path(), 1 << 20).unwrap();
        assert_eq!(tail.malformed, 0, "a null never makes a line unreadable");
        assert_eq!(
            tail.records,
            vec![
                Record::Prompt("fix the parser".into()),
                Record::FileEdit {
                    tool: "Edit".into(),
                    path: "/p/a.rs".into()
                },
                Record::Todos(vec![Todo {
                    content: "ship".into(),
                    status: String::new()
                }]),
                Record::AssistantText {
                    text: "Fixed.".into()
                },
            ]
        );
        assert_eq!(tail.skipped, 3);
    }

    #[test]
    fn a_real_transcript_with_is_meta_null_on_every_line_is_read_whole() {
        // Exported from Claude Code 2.0.46 by claude-code-log: `"isMeta": null` on each line.
        let tail = read_tail(
            &fixture("claude-code-log/sidechain_integrated.jsonl"),
            1 << 20,
        )
        .unwrap();
        assert_eq!(tail.lines, 6);
        assert_eq!(tail.malformed, 0);
        assert_eq!(
            tail.records,
            vec![Record::AssistantText {
                text: "Excellent research! The sub-assistant has identifi...".into()
            }],
            "the main chain's text; the subagent's lines and the Task call are not kept"
        );
        assert_eq!(tail.rewound, 0);
    }

    #[test]
    fn a_rewind_leaves_the_abandoned_branch_out_across_a_compaction() {
        // Two prompts from one parent (`a1`): "First attempt" was rewound; the active branch then
        // crosses a compaction boundary through its logicalParentUuid.
        let tail = read_tail(
            &fixture("claude-code-log/dag_compact_after_rewind.jsonl"),
            1 << 20,
        )
        .unwrap();
        assert_eq!(tail.malformed, 0);
        assert_eq!(
            prompts(&tail.records),
            ["Start", "Second attempt", "Keep going", "After compaction"]
        );
        assert_eq!(
            texts(&tail.records),
            ["Ready", "Second answer", "Kept going", "Final answer"]
        );
        assert_eq!(tail.rewound, 2, "the rewound prompt and its answer");

        // The same, where the compaction kept the last messages and moved the newest one under
        // its summary: the branch goes on from the first one kept.
        let tail = read_tail(
            &fixture("claude-code-log/dag_compact_after_rewind_preserved.jsonl"),
            1 << 20,
        )
        .unwrap();
        assert_eq!(
            prompts(&tail.records),
            ["Start", "Second attempt", "Keep going", "After compaction"]
        );
        assert_eq!(
            texts(&tail.records),
            ["Ready", "Second answer", "Kept going", "Final answer"]
        );
        assert_eq!(tail.rewound, 2);
    }

    #[test]
    fn the_fixture_with_nulls_a_rewind_and_reminders_keeps_the_active_branch() {
        let tail = read_tail(&fixture("rewind-nulls-reminders.jsonl"), 1 << 20).unwrap();
        assert_eq!(tail.lines, 18);
        assert_eq!(tail.malformed, 0);
        assert_eq!(tail.rewound, 4);
        assert_eq!(
            prompts(&tail.records),
            [
                "Please add an add() function in src/app.py",
                "Instead, write tests for add() in tests/test_app.py"
            ]
        );
        assert_eq!(
            texts(&tail.records),
            [
                "Added add() in src/app.py. Next: make it faster, or write tests.",
                "Wrote tests/test_app.py. Next: run pytest."
            ]
        );
        let edits: Vec<&str> = tail
            .records
            .iter()
            .filter_map(|r| match r {
                Record::FileEdit { path, .. } => Some(path.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(
            edits,
            [
                "/home/user/project/src/app.py",
                "/home/user/project/tests/test_app.py"
            ]
        );
    }

    #[test]
    fn reminders_are_cut_from_requests_in_a_real_shape() {
        let tail = read_tail(&fixture("claude-code-log/system_reminder.jsonl"), 1 << 20).unwrap();
        assert_eq!(
            prompts(&tail.records),
            [
                "Please review the change.\n\n# Project notes\nThe tail content still renders as user text."
            ],
            "a reminder-only turn is no request"
        );
        // Claude Code 2.1's first prompt, as its API request shows it: reminders in blocks of their own.
        let f = write_lines(&[user(&json!([
            {"type": "text", "text": "<system-reminder>\nAs you answer the user's questions, you can use the following context:\n</system-reminder>"},
            {"type": "text", "text": "Please add an add() function in src/app.py"}]))]);
        let tail = read_tail(f.path(), 1 << 20).unwrap();
        assert_eq!(
            tail.records,
            vec![Record::Prompt(
                "Please add an add() function in src/app.py".into()
            )]
        );
    }

    #[test]
    fn parallel_tool_calls_fork_the_chain_without_losing_an_edit() {
        // Claude Code chains parallel tool calls and hangs each result on its own call, so a
        // side branch with no prompt in it is part of the work, not a rewind.
        let line = |uuid: &str, parent: Option<&str>, body: serde_json::Value| {
            let mut v = body;
            v["uuid"] = json!(uuid);
            v["parentUuid"] = json!(parent);
            v.to_string()
        };
        let write = |path: &str| {
            json!({"type": "assistant", "message": {"content": [
                {"type": "tool_use", "name": "Write", "input": {"file_path": path}}]}})
        };
        let result = json!({"type": "user", "toolUseResult": {}, "message": {"content": [
            {"type": "tool_result", "content": "ok"}]}});
        let f = write_lines(&[
            line(
                "u",
                None,
                json!({"type": "user", "message": {"content": "write a and b"}}),
            ),
            line("a", Some("u"), write("/p/a")),
            line("b", Some("a"), write("/p/b")),
            line("ra", Some("a"), result.clone()),
            line("rb", Some("b"), result),
            line(
                "t",
                Some("ra"),
                json!({"type": "assistant", "message": {"content": "Wrote both."}}),
            ),
        ]);
        let tail = read_tail(f.path(), 1 << 20).unwrap();
        assert_eq!(tail.rewound, 0);
        assert_eq!(
            tail.records,
            vec![
                Record::Prompt("write a and b".into()),
                Record::FileEdit {
                    tool: "Write".into(),
                    path: "/p/a".into()
                },
                Record::FileEdit {
                    tool: "Write".into(),
                    path: "/p/b".into()
                },
                Record::AssistantText {
                    text: "Wrote both.".into()
                },
            ]
        );
    }

    #[test]
    fn lines_without_ids_and_a_fork_above_the_window() {
        // Every line its own root (older exports): nothing is on a side branch.
        let flat: Vec<String> = ["one", "two", "three"]
            .iter()
            .map(|p| {
                json!({"type": "user", "uuid": p, "parentUuid": null, "message": {"content": p}})
                    .to_string()
            })
            .collect();
        let f = write_lines(&flat);
        let tail = read_tail(f.path(), 1 << 20).unwrap();
        assert_eq!(prompts(&tail.records), ["one", "two", "three"]);
        assert_eq!(tail.rewound, 0);

        // The fork point was cut off by the window: both branches hang from the same missing
        // parent, and the older one is still recognised as rewound.
        let u = |id: &str, parent: &str, text: &str| {
            json!({"type": "user", "uuid": id, "parentUuid": parent, "message": {"content": text}})
                .to_string()
        };
        let filler = json!({"type": "user", "uuid": "f0", "parentUuid": null,
                            "message": {"content": "x".repeat(4096)}})
        .to_string();
        let f = write_lines(&[
            filler,
            u("old", "f0", "abandoned request"),
            u("new", "f0", "the request that stands"),
            u("next", "new", "and its follow-up"),
        ]);
        let len = std::fs::metadata(f.path()).unwrap().len();
        let tail = read_tail(f.path(), len - 4000).unwrap();
        assert!(tail.truncated);
        assert_eq!(
            prompts(&tail.records),
            ["the request that stands", "and its follow-up"]
        );
        assert_eq!(tail.rewound, 1);
    }

    #[test]
    fn usage_only_lines_from_ccusage_are_skipped_not_malformed() {
        for name in [
            "ccusage/test-transcript.jsonl",
            "ccusage/session-alpha-chat.jsonl",
        ] {
            let tail = read_tail(&fixture(name), 1 << 20).unwrap();
            assert!(tail.lines > 0, "{name}");
            assert_eq!(tail.malformed, 0, "{name}");
            assert_eq!(tail.skipped, tail.lines, "{name}");
            assert!(tail.records.is_empty(), "{name}");
        }
    }
}
