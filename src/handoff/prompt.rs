//! Telling the user's own prompts from what Claude Code writes into the user's turn: system
//! reminders, slash command echoes and their output, caveats, hook feedback, notifications,
//! interruptions.
//!
//! Claude Code wraps what it adds in tags of its own (`<system-reminder>…</system-reminder>`,
//! `<local-command-stdout>…`). Those blocks are cut out wherever they stand in the text, and
//! what is left is the request; a text that was nothing but such blocks is no request at all.
//! A few wrappers hold what the user typed and are unwrapped instead: a slash command becomes
//! `/name args`, a `!` shell command `! cmd`, a `#` memory note `# note`.

/// Tags whose whole block Claude Code adds to the user's turn; the names are the CLI's own.
const ADDED: [&str; 33] = [
    "system-reminder",
    "system_reminder",
    "local-command-caveat",
    "local-command-stdout",
    "local-command-stderr",
    "bash-stdout",
    "bash-stderr",
    "bash-exit-code",
    "command-message",
    "command-contents",
    "user-prompt-submit-hook",
    "post-tool-use-hook",
    "persisted-output",
    "function_results",
    "tool_use_error",
    "sandbox_violations",
    "total_tokens",
    "task-notification",
    "agent-message",
    "teammate-message",
    "cross-session-message",
    "remote-review",
    "remote-review-progress",
    "slack-ping",
    "slack-tag-message",
    "fetched-web-content",
    "untrusted-widget-state",
    "coordinator-relay",
    "ide_opened_file",
    "ide_selection",
    "new-diagnostics",
    "fork-boilerplate",
    "forked-skill-launch",
];

/// How Claude Code's untagged entries in the user's turn begin.
const NOISE: [&str; 3] = ["Caveat: ", "[Request interrupted", "Stop hook feedback:"];

/// Slash commands that run the session rather than ask for work.
const HOUSEKEEPING: [&str; 22] = [
    "/compact",
    "/clear",
    "/resume",
    "/exit",
    "/quit",
    "/cost",
    "/help",
    "/model",
    "/config",
    "/status",
    "/context",
    "/login",
    "/logout",
    "/memory",
    "/hooks",
    "/permissions",
    "/plugin",
    "/doctor",
    "/init",
    "/rewind",
    "/usage",
    "/mcp",
];

/// The prompt as the user meant it, or `None` when nothing of the user's is left once Claude
/// Code's own blocks are cut out (a reminder, a command's output, a caveat, hook feedback).
pub(super) fn prompt_text(raw: &str) -> Option<String> {
    let text = strip_added(raw);
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Some(name) = between(text, "command-name") {
        // A slash command: keep the ones a user writes for work (`/review src`), not session
        // housekeeping.
        let name = name.trim();
        let slashed = if name.starts_with('/') {
            name.to_owned()
        } else {
            format!("/{name}")
        };
        if HOUSEKEEPING.contains(&slashed.as_str()) {
            return None;
        }
        let args = between(text, "command-args").unwrap_or("");
        return Some(format!("{name} {}", args.trim()).trim_end().to_owned());
    }
    if let Some(cmd) = between(text, "bash-input") {
        return Some(format!("! {}", cmd.trim()));
    }
    if let Some(note) = between(text, "user-memory-input") {
        return Some(format!("# {}", note.trim()));
    }
    if NOISE.iter().any(|n| text.starts_with(n)) {
        return None;
    }
    Some(text.to_owned())
}

/// `text` without the blocks of [`ADDED`]: from `<tag>` (or `<tag attr=…>`) to its `</tag>`,
/// or to the end when it is never closed, as Claude Code itself strips them.
fn strip_added(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(lt) = rest.find('<') {
        let after = &rest[lt + 1..];
        let tag = ADDED.iter().find(|t| {
            after.starts_with(**t)
                && after[t.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| c == '>' || c.is_ascii_whitespace())
        });
        let Some(tag) = tag else {
            out.push_str(&rest[..=lt]);
            rest = after;
            continue;
        };
        out.push_str(&rest[..lt]);
        let close = format!("</{tag}>");
        rest = after.find(&close).map_or("", |i| &after[i + close.len()..]);
    }
    out.push_str(rest);
    out
}

/// The text inside the first `<tag>…</tag>`.
fn between<'a>(text: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = text.find(&open)? + open.len();
    let end = text[start..].find(&close)? + start;
    Some(&text[start..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each prompt as Claude Code logged it, and what a handoff keeps of it.
    fn expect(cases: &[(&str, Option<&str>)]) {
        for (logged, kept) in cases {
            assert_eq!(prompt_text(logged).as_deref(), *kept, "{logged:?}");
        }
    }

    #[test]
    fn noise_is_dropped_and_work_commands_are_kept() {
        expect(&[
            ("  fix the build \n", Some("fix the build")),
            (
                "<command-name>/clear</command-name><command-args></command-args>",
                None,
            ),
            (
                "<command-name>/review</command-name><command-args> src </command-args>",
                Some("/review src"),
            ),
            ("<local-command-stdout>ok</local-command-stdout>", None),
            ("[Request interrupted by user]", None),
            ("Stop hook feedback:\nfix lint", None),
            ("   ", None),
        ]);
    }

    #[test]
    fn reminders_are_cut_out_wherever_they_stand() {
        expect(&[
            (
                "Please review the change.\n<system-reminder>\ncwd changed.\n</system-reminder>\nThe tail stays.",
                Some("Please review the change.\n\nThe tail stays."),
            ),
            (
                "<system-reminder>The user opened a file.</system-reminder>\n\nfix it",
                Some("fix it"),
            ),
            ("<system-reminder>only a reminder</system-reminder>", None),
            (
                "ship it <system-reminder>never closed, cut to the end",
                Some("ship it"),
            ),
            (
                "<ide_opened_file>The user opened src/a.rs in the IDE.</ide_opened_file>why is this slow?",
                Some("why is this slow?"),
            ),
            // Tags with attributes, and nested tags, go with their block.
            (
                "<teammate-message teammate_id=\"a1\">done</teammate-message>\n<task-notification>\n<task-id>b1</task-id>\n</task-notification>",
                None,
            ),
        ]);
    }

    #[test]
    fn what_the_user_typed_is_unwrapped_and_look_alikes_are_left_alone() {
        expect(&[
            (
                "<command-message>review</command-message>\n<command-name>/review</command-name>\n<command-args>src/lib.rs</command-args>",
                Some("/review src/lib.rs"),
            ),
            // Older echoes name the command without its slash.
            ("<command-name>compact</command-name>", None),
            ("<bash-input>git status</bash-input>", Some("! git status")),
            (
                "<bash-stdout>On branch main</bash-stdout><bash-stderr></bash-stderr>",
                None,
            ),
            (
                "<user-memory-input>always use uv</user-memory-input>",
                Some("# always use uv"),
            ),
            (
                "<local-command-caveat>Caveat: run locally</local-command-caveat>",
                None,
            ),
            (
                "why does <system-reminders> or <system-reminder/> appear? a < b",
                Some("why does <system-reminders> or <system-reminder/> appear? a < b"),
            ),
        ]);
    }
}
