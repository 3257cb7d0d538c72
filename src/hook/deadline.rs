//! When a hook must be done. Each event gets a deadline below its `hooks.json` timeout, counted
//! from the start of the process, stdin included; this table is the one place they are set.
//! SessionEnd's is 1.2 s in all: the CLI cancels SessionEnd hooks 1.5 s after they start, whatever
//! timeout a plugin asks for. A [`Deadline`] is carried in the context: reading stdin, every child
//! process (git, gates, formatters) and each capability's step are bounded by it, and work past it
//! is cut with a log line. Terminal commands run without one.

use std::time::{Duration, Instant};

use super::Event;

/// How long an event's hook may take in all: a margin below its `hooks.json` timeout, for the
/// process to start, print and exit, and for the kill of gate trees after a cut.
pub fn budget(event: Event) -> Duration {
    let ms = match event {
        // hooks.json: 10 s.
        Event::SessionStart => 8_000,
        // hooks.json: 5 s.
        Event::UserPromptSubmit => 4_000,
        // hooks.json: 30 s.
        Event::PostToolUse | Event::PreCompact => 25_000,
        // hooks.json: 120 s; the gates' own budget (100 s by default) is cut to what is left.
        Event::Stop => 110_000,
        // hooks.json says 5 s, but the CLI cancels every SessionEnd hook after 1.5 s.
        Event::SessionEnd => 1_200,
        // Not in hooks.json (nothing to do); the CLI's default timeout would be 600 s.
        Event::PreToolUse
        | Event::PostToolUseFailure
        | Event::SubagentStop
        | Event::PostCompact
        | Event::Notification => 5_000,
    };
    Duration::from_millis(ms)
}

/// The most a hook waits for Claude Code to close stdin, even with time left.
pub(crate) const MAX_STDIN_WAIT: Duration = Duration::from_secs(5);

/// An instant work must be done by, or none (a terminal command, which a person can stop).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Deadline {
    at: Option<Instant>,
}

impl Deadline {
    /// No deadline.
    pub(crate) const NONE: Self = Self { at: None };

    /// `within` after `start`.
    pub(crate) fn after(start: Instant, within: Duration) -> Self {
        Self {
            at: start.checked_add(within),
        }
    }

    /// The deadline of a hook for `event` that started at `start`.
    pub(crate) fn for_event(event: Event, start: Instant) -> Self {
        Self::after(start, budget(event))
    }

    /// Time left, or `None` without a deadline.
    pub(crate) fn left(self) -> Option<Duration> {
        self.at
            .map(|at| at.saturating_duration_since(Instant::now()))
    }

    /// `wanted`, cut to the time left.
    pub(crate) fn cap(self, wanted: Duration) -> Duration {
        self.left().map_or(wanted, |left| left.min(wanted))
    }

    /// Whether the deadline has come.
    pub(crate) fn passed(self) -> bool {
        self.left().is_some_and(|left| left.is_zero())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_deadline_is_below_its_hooks_json_timeout() {
        let hooks: serde_json::Value =
            serde_json::from_str(include_str!("../../hooks/hooks.json")).unwrap();
        let events = hooks["hooks"].as_object().unwrap();
        assert!(!events.is_empty());
        for (name, entries) in events {
            let event = Event::parse(name).unwrap();
            for hook in entries
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|e| e["hooks"].as_array().unwrap())
            {
                let timeout = Duration::from_secs(hook["timeout"].as_u64().unwrap());
                assert!(budget(event) < timeout, "{name}: {:?}", budget(event));
            }
        }
        // The CLI's own cap on SessionEnd, whatever hooks.json says.
        assert!(budget(Event::SessionEnd) < Duration::from_millis(1_500));
    }

    #[test]
    fn caps_and_passes() {
        let now = Instant::now();
        let d = Deadline::after(now, Duration::from_secs(2));
        assert!(d.cap(Duration::from_secs(5)) <= Duration::from_secs(2));
        assert_eq!(d.cap(Duration::from_millis(1)), Duration::from_millis(1));
        assert!(d.left().unwrap() <= Duration::from_secs(2));
        assert!(!d.passed());
        let gone = Deadline::after(now, Duration::ZERO);
        assert!(gone.passed());
        assert_eq!(gone.cap(Duration::from_secs(1)), Duration::ZERO);
        assert_eq!(Deadline::NONE.left(), None);
        assert!(!Deadline::NONE.passed());
        assert_eq!(
            Deadline::NONE.cap(Duration::from_secs(3)),
            Duration::from_secs(3)
        );
    }
}
