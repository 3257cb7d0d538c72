//! A scripted stand-in for the Anthropic Messages API on 127.0.0.1, so the real `claude` CLI runs
//! offline.
//!
//! Each `POST …/v1/messages` is answered (streaming SSE or plain JSON, as the request asks) with
//! the next step of the scenario: `{"text": "..."}` or `{"tool": NAME, "input": {...}}`. `{cwd}`
//! in any string of a step becomes the working directory the request's system prompt names, so
//! file paths land inside the project under test. Once the steps are used up every answer is the
//! text `FAKE_DONE n=<request number>`. `…/count_tokens` answers a fixed count; anything else is a
//! 404. Every request body is kept (and appended to a JSON-lines log) for the assertions.
//!
//! HTTP/1.1 with keep-alive and `Content-Length` bodies is all the CLI speaks to it; the server
//! stops when the [`FakeApi`] is dropped.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{Value, json};

/// One logged request: its number (from 1), path, the scenario step it consumed, and its body.
#[derive(Debug, Clone)]
pub struct Request {
    pub n: usize,
    pub path: String,
    pub body: Value,
}

#[derive(Default)]
struct State {
    n: usize,
    step: usize,
    requests: Vec<Request>,
}

struct Shared {
    steps: Vec<Value>,
    state: Mutex<State>,
    log: PathBuf,
    stop: AtomicBool,
}

/// The running server. Dropping it stops the accept loop.
pub struct FakeApi {
    port: u16,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl FakeApi {
    /// Binds a free loopback port and serves `steps` in order, logging bodies to `log`.
    pub fn start(steps: Vec<Value>, log: &Path) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let port = listener.local_addr()?.port();
        let shared = Arc::new(Shared {
            steps,
            state: Mutex::new(State::default()),
            log: log.to_owned(),
            stop: AtomicBool::new(false),
        });
        let accept_shared = Arc::clone(&shared);
        let acceptor = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if accept_shared.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let conn_shared = Arc::clone(&accept_shared);
                std::thread::spawn(move || serve_connection(stream, &conn_shared));
            }
        });
        Ok(Self {
            port,
            shared,
            acceptor: Some(acceptor),
        })
    }

    /// The `ANTHROPIC_BASE_URL` to give claude.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.shared
            .state
            .lock()
            .map(|s| s.requests.clone())
            .unwrap_or_default()
    }
}

impl Drop for FakeApi {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept so the loop sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(handle) = self.acceptor.take() {
            let _ = handle.join();
        }
    }
}

/// Serves requests on one keep-alive connection until it closes, errors or idles out.
fn serve_connection(stream: TcpStream, shared: &Shared) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(120)));
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    while !shared.stop.load(Ordering::SeqCst) {
        let Some((method, path, headers)) = read_head(&mut reader) else {
            break;
        };
        let header = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        if header("expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue")) {
            let _ = writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
        }
        let size = header("content-length")
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(0);
        let mut raw = vec![0; size];
        if reader.read_exact(&mut raw).is_err() {
            break;
        }
        let close = header("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let (code, ctype, body) = if method == "POST" {
            answer(shared, &path, &raw)
        } else {
            (404, "application/json", not_found())
        };
        if write_response(&mut writer, code, ctype, &body).is_err() || close {
            break;
        }
    }
    let _ = writer.shutdown(Shutdown::Both);
}

type Head = (String, String, Vec<(String, String)>);

/// Reads a request line and headers; `None` at EOF or on garbage.
fn read_head(reader: &mut impl BufRead) -> Option<Head> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).ok()? == 0 {
            return None;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    Some((method, path, headers))
}

fn write_response(w: &mut impl Write, code: u16, ctype: &str, body: &str) -> std::io::Result<()> {
    let reason = if code == 200 { "OK" } else { "Not Found" };
    write!(
        w,
        "HTTP/1.1 {code} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    w.flush()
}

fn not_found() -> String {
    r#"{"type":"error","error":{"type":"not_found_error","message":"fake"}}"#.to_owned()
}

/// Logs the request and builds the answer for it.
fn answer(shared: &Shared, path: &str, raw: &[u8]) -> (u16, &'static str, String) {
    let body: Value = if raw.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(raw)
            .unwrap_or_else(|_| json!({"_raw": String::from_utf8_lossy(raw)}))
    };
    let route = path.split('?').next().unwrap_or("");
    let is_messages = route.ends_with("/v1/messages");
    let (n, step) = {
        let mut state = shared
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        state.n += 1;
        let n = state.n;
        let step = if is_messages && state.step < shared.steps.len() {
            state.step += 1;
            Some(shared.steps[state.step - 1].clone())
        } else {
            None
        };
        state.requests.push(Request {
            n,
            path: path.to_owned(),
            body: body.clone(),
        });
        let line = json!({"n": n, "path": path, "step": step, "body": body});
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&shared.log)
        {
            let _ = writeln!(f, "{line}");
        }
        (n, step)
    };
    if route.ends_with("/count_tokens") {
        return (
            200,
            "application/json",
            r#"{"input_tokens":100}"#.to_owned(),
        );
    }
    if !is_messages {
        return (404, "application/json", not_found());
    }
    let cwd = working_dir(&body);
    let model = body
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or("claude-fake")
        .to_owned();
    let tool = step.as_ref().and_then(|s| s.get("tool").map(|t| (s, t)));
    let (block, stop_reason) = if let Some((s, tool)) = tool {
        (
            json!({"type": "tool_use", "id": format!("toolu_fake_{n}"), "name": tool,
                   "input": fill(s.get("input").cloned().unwrap_or_else(|| json!({})), &cwd)}),
            "tool_use",
        )
    } else {
        let text = step
            .as_ref()
            .and_then(|s| s.get("text"))
            .and_then(Value::as_str)
            .map_or_else(|| format!("FAKE_DONE n={n}"), str::to_owned);
        (json!({"type": "text", "text": text}), "end_turn")
    };
    let usage = json!({"input_tokens": 10, "output_tokens": 5,
                       "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0});
    if body.get("stream").and_then(Value::as_bool) != Some(true) {
        let msg = json!({"id": format!("msg_fake_{n}"), "type": "message", "role": "assistant",
                         "model": model, "content": [block], "stop_reason": stop_reason,
                         "stop_sequence": null, "usage": usage});
        return (200, "application/json", msg.to_string());
    }
    (
        200,
        "text/event-stream",
        stream(n, &model, &block, stop_reason, &usage),
    )
}

/// The SSE event sequence of one message with one content block.
fn stream(n: usize, model: &str, block: &Value, stop: &str, usage: &Value) -> String {
    let sse = |event: &str, data: Value| format!("event: {event}\ndata: {data}\n\n");
    let mut out = sse(
        "message_start",
        json!({"type": "message_start", "message": {"id": format!("msg_fake_{n}"),
               "type": "message", "role": "assistant", "model": model, "content": [],
               "stop_reason": null, "stop_sequence": null, "usage": usage}}),
    );
    if block["type"] == "text" {
        out += &sse(
            "content_block_start",
            json!({"type": "content_block_start", "index": 0,
                   "content_block": {"type": "text", "text": ""}}),
        );
        out += &sse(
            "content_block_delta",
            json!({"type": "content_block_delta", "index": 0,
                   "delta": {"type": "text_delta", "text": block["text"]}}),
        );
    } else {
        let mut start = block.clone();
        start["input"] = json!({});
        out += &sse(
            "content_block_start",
            json!({"type": "content_block_start", "index": 0, "content_block": start}),
        );
        out += &sse(
            "content_block_delta",
            json!({"type": "content_block_delta", "index": 0,
                   "delta": {"type": "input_json_delta", "partial_json": block["input"].to_string()}}),
        );
    }
    out += &sse(
        "content_block_stop",
        json!({"type": "content_block_stop", "index": 0}),
    );
    out += &sse(
        "message_delta",
        json!({"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": null},
               "usage": {"output_tokens": 5}}),
    );
    out += &sse("message_stop", json!({"type": "message_stop"}));
    out
}

/// What precedes the project directory in claude's system prompt.
const MARK: &str = "Primary working directory: ";

/// The directory after [`MARK`] in the system prompt or messages.
fn working_dir<'a>(body: &'a Value) -> String {
    let mut texts: Vec<&'a str> = Vec::new();
    let mut collect = |v: &'a Value| match v {
        Value::String(s) => texts.push(s),
        Value::Array(blocks) => texts.extend(
            blocks
                .iter()
                .filter_map(|b| b.get("text").and_then(Value::as_str)),
        ),
        _ => {}
    };
    if let Some(system) = body.get("system") {
        collect(system);
    }
    for m in body
        .get("messages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(c) = m.get("content") {
            collect(c);
        }
    }
    texts
        .iter()
        .find_map(|t| {
            let rest = &t[t.find(MARK)? + MARK.len()..];
            rest.split_whitespace().next().map(str::to_owned)
        })
        .unwrap_or_else(|| {
            std::env::current_dir()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        })
}

/// Replaces `{cwd}` in every string of `value`.
fn fill(value: Value, cwd: &str) -> Value {
    match value {
        Value::String(s) => Value::String(s.replace("{cwd}", cwd)),
        Value::Array(items) => Value::Array(items.into_iter().map(|v| fill(v, cwd)).collect()),
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, fill(v, cwd))).collect())
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(port: u16, path: &str, body: &str) -> String {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(
            s,
            "POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    }

    #[test]
    fn serves_steps_in_order_then_fake_done() {
        let dir = tempfile::tempdir().unwrap();
        let api = FakeApi::start(
            vec![
                json!({"tool": "Write", "input": {"file_path": "{cwd}/a.txt"}}),
                json!({"text": "hi"}),
            ],
            &dir.path().join("log.jsonl"),
        )
        .unwrap();
        let port = api.port;
        let body = r#"{"stream":true,"system":"x Primary working directory: /p/q\n"}"#;
        let first = post(port, "/v1/messages?beta=true", body);
        assert!(first.contains("input_json_delta"), "{first}");
        assert!(first.contains(r#"\"file_path\":\"/p/q/a.txt\""#), "{first}");
        let second = post(port, "/v1/messages", "{}");
        assert!(second.contains(r#""text":"hi""#), "{second}");
        assert!(second.contains(r#""stop_reason":"end_turn""#), "{second}");
        let third = post(port, "/v1/messages", "{}");
        assert!(third.contains("FAKE_DONE n=3"), "{third}");
        assert!(post(port, "/v1/messages/count_tokens", "{}").contains("input_tokens"));
        assert!(post(port, "/other", "{}").starts_with("HTTP/1.1 404"));
        assert_eq!(api.requests().len(), 5);
        let log = std::fs::read_to_string(dir.path().join("log.jsonl")).unwrap();
        assert_eq!(log.lines().count(), 5);
    }
}
