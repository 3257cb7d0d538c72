//! What a hook answers: the pieces each capability adds, rendered once into the single JSON
//! object Claude Code reads.
//!
//! - `additionalContext` (for Claude) goes in `hookSpecificOutput` with `hookEventName`, only for
//!   events that accept it;
//! - `systemMessage` (for the user) is top-level;
//! - a Stop block is `{"decision":"block","reason":…}`.
//!
//! Rendering is the boundary where a hook's text leaves sfp: every text is masked here (see
//! [`crate::util::redact`]), then capped under Claude Code's 10,000-character limit with a
//! visible mark.

use serde_json::{Map, Value, json};

use super::Event;

/// Longest text sfp sends in one field (Claude Code's cap is 10,000).
pub const MAX_TEXT_CHARS: usize = 9_500;

/// `text` masked, then capped: masking first, so that a cut can never split a secret.
fn render(text: &str, max: usize) -> String {
    crate::text::cap(&crate::util::redact::text(text), max)
}

/// The answer being built for one hook invocation.
#[derive(Debug, Clone)]
pub struct Response {
    event: Event,
    context: Vec<String>,
    system_messages: Vec<String>,
    block_reason: Option<String>,
}

impl Response {
    pub fn new(event: Event) -> Self {
        Self {
            event,
            context: Vec::new(),
            system_messages: Vec::new(),
            block_reason: None,
        }
    }

    pub fn event(&self) -> Event {
        self.event
    }

    /// Text for Claude. Ignored for events that do not accept context.
    pub fn add_context(&mut self, text: impl Into<String>) {
        let text = text.into();
        if !text.trim().is_empty() {
            self.context.push(text);
        }
    }

    /// A one-line message shown to the user.
    pub fn add_system_message(&mut self, text: impl Into<String>) {
        let text = text.into();
        if !text.trim().is_empty() {
            self.system_messages.push(text);
        }
    }

    /// Makes Claude continue with `reason` (Stop) or refuses the prompt (UserPromptSubmit).
    pub fn block(&mut self, reason: impl Into<String>) {
        self.block_reason = Some(reason.into());
    }

    /// The JSON object to print, or `None` when there is nothing to say.
    pub fn to_json(&self) -> Option<Value> {
        let mut obj = Map::new();
        if let Some(reason) = &self.block_reason
            && self.event.can_block()
        {
            obj.insert("decision".into(), json!("block"));
            obj.insert("reason".into(), json!(render(reason, MAX_TEXT_CHARS)));
        }
        if !self.system_messages.is_empty() {
            obj.insert(
                "systemMessage".into(),
                json!(render(&self.system_messages.join("\n"), 2_000)),
            );
        }
        if !self.context.is_empty() && self.event.takes_context() {
            obj.insert(
                "hookSpecificOutput".into(),
                json!({
                    "hookEventName": self.event.name(),
                    "additionalContext": render(&self.context.join("\n\n"), MAX_TEXT_CHARS),
                }),
            );
        }
        (!obj.is_empty()).then_some(Value::Object(obj))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_response_prints_nothing() {
        assert!(Response::new(Event::SessionStart).to_json().is_none());
        let mut r = Response::new(Event::SessionEnd);
        r.add_context("ignored: SessionEnd takes no context");
        assert!(r.to_json().is_none());
    }

    #[test]
    fn context_carries_the_event_name() {
        let mut r = Response::new(Event::UserPromptSubmit);
        r.add_context("a");
        r.add_context("b");
        let v = r.to_json().unwrap();
        assert_eq!(v["hookSpecificOutput"]["hookEventName"], "UserPromptSubmit");
        assert_eq!(v["hookSpecificOutput"]["additionalContext"], "a\n\nb");
    }

    #[test]
    fn stop_block_is_a_decision() {
        let mut r = Response::new(Event::Stop);
        r.block("fix lint");
        r.add_system_message("gates failed");
        let v = r.to_json().unwrap();
        assert_eq!(v["decision"], "block");
        assert_eq!(v["reason"], "fix lint");
        assert_eq!(v["systemMessage"], "gates failed");
        assert!(v.get("hookSpecificOutput").is_none());
    }

    #[test]
    fn every_text_is_masked_before_it_is_capped() {
        let key = "AKIAQ7ZK3M5P2R6T4W6Y".to_owned(); // sfp:allow-secret (a sample)
        let mut r = Response::new(Event::Stop);
        r.block(format!("{}{key} and more text after", "x ".repeat(4_735)));
        r.add_system_message(format!("saw {key}"));
        let v = r.to_json().unwrap();
        let text = v.to_string();
        assert!(!text.contains(&key[4..12]), "{text}");
        assert!(v["systemMessage"].as_str().unwrap().starts_with("saw AKIA"));
        let mut r = Response::new(Event::UserPromptSubmit);
        r.add_context(format!("use {key}"));
        let v = r.to_json().unwrap();
        assert!(!v.to_string().contains(&key), "{v}");
    }

    #[test]
    fn long_text_is_capped_with_a_mark() {
        let mut r = Response::new(Event::SessionStart);
        r.add_context("é".repeat(20_000));
        let v = r.to_json().unwrap();
        let text = v["hookSpecificOutput"]["additionalContext"]
            .as_str()
            .unwrap();
        assert_eq!(text.chars().count(), MAX_TEXT_CHARS);
        assert!(text.ends_with("[… truncated by sfp]"));
    }
}
