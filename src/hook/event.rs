//! The hook events sfp knows, and their names in both spellings: `SessionStart` as Claude Code
//! sends it in `hook_event_name`, `session-start` as hooks.json passes it on the command line.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    SessionStart,
    UserPromptSubmit,
    PreToolUse,
    PostToolUse,
    PostToolUseFailure,
    Stop,
    SubagentStop,
    PreCompact,
    PostCompact,
    SessionEnd,
    Notification,
}

const ALL: [(Event, &str, &str); 11] = [
    (Event::SessionStart, "SessionStart", "session-start"),
    (
        Event::UserPromptSubmit,
        "UserPromptSubmit",
        "user-prompt-submit",
    ),
    (Event::PreToolUse, "PreToolUse", "pre-tool-use"),
    (Event::PostToolUse, "PostToolUse", "post-tool-use"),
    (
        Event::PostToolUseFailure,
        "PostToolUseFailure",
        "post-tool-use-failure",
    ),
    (Event::Stop, "Stop", "stop"),
    (Event::SubagentStop, "SubagentStop", "subagent-stop"),
    (Event::PreCompact, "PreCompact", "pre-compact"),
    (Event::PostCompact, "PostCompact", "post-compact"),
    (Event::SessionEnd, "SessionEnd", "session-end"),
    (Event::Notification, "Notification", "notification"),
];

impl Event {
    /// Accepts `SessionStart`, `session-start`, `session_start` (any case).
    pub fn parse(name: &str) -> Option<Self> {
        let folded: String = name
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .collect::<String>()
            .to_ascii_lowercase();
        ALL.iter()
            .find(|(_, pascal, _)| pascal.to_ascii_lowercase() == folded)
            .map(|(e, _, _)| *e)
    }

    /// The name Claude Code uses (`hookEventName`).
    pub fn name(self) -> &'static str {
        ALL.iter()
            .find(|(e, _, _)| *e == self)
            .map_or("", |(_, pascal, _)| pascal)
    }

    /// The name on sfp's command line.
    pub fn cli_name(self) -> &'static str {
        ALL.iter()
            .find(|(e, _, _)| *e == self)
            .map_or("", |(_, _, kebab)| kebab)
    }

    /// Whether `hookSpecificOutput.additionalContext` is accepted for this event.
    pub fn takes_context(self) -> bool {
        matches!(
            self,
            Self::SessionStart
                | Self::UserPromptSubmit
                | Self::PreToolUse
                | Self::PostToolUse
                | Self::PostToolUseFailure
        )
    }

    /// Whether `{"decision":"block"}` is meaningful for this event.
    pub fn can_block(self) -> bool {
        matches!(
            self,
            Self::Stop | Self::SubagentStop | Self::UserPromptSubmit | Self::PostToolUse
        )
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_spellings() {
        for (e, pascal, kebab) in ALL {
            assert_eq!(Event::parse(pascal), Some(e));
            assert_eq!(Event::parse(kebab), Some(e));
            assert_eq!(e.name(), pascal);
            assert_eq!(e.cli_name(), kebab);
        }
        assert_eq!(Event::parse("session_start"), Some(Event::SessionStart));
        assert_eq!(Event::parse("Bogus"), None);
    }
}
