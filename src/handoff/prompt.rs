//! Telling the user's own prompts from what Claude Code writes into the user's turn: slash
//! command echoes and their output, caveats, hook feedback, interruptions.

/// How Claude Code's own entries in the user's turn begin.
const NOISE: [&str; 8] = [
    "<local-command-",
    "<command-message>",
    "<system-reminder>",
    "<user-prompt-submit-hook>",
    "Caveat: ",
    "[Request interrupted",
    "Stop hook feedback:",
    "<bash-stdout>",
];

/// The prompt as the user meant it, or `None` for Claude Code's own noise: command echoes and
/// their output, caveats, hook feedback, interruptions.
pub fn prompt_text(raw: &str) -> Option<String> {
    let text = raw.trim();
    if text.is_empty() {
        return None;
    }
    if let Some(name) = between(text, "<command-name>", "</command-name>") {
        // A slash command: keep the ones a user writes for work (`/review src`), not session
        // housekeeping.
        let name = name.trim();
        let housekeeping = [
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
        if housekeeping.contains(&name) {
            return None;
        }
        let args = between(text, "<command-args>", "</command-args>").unwrap_or("");
        return Some(format!("{name} {}", args.trim()).trim_end().to_owned());
    }
    if NOISE.iter().any(|n| text.starts_with(n)) {
        return None;
    }
    Some(text.to_owned())
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let end = text[start..].find(close)? + start;
    Some(&text[start..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_is_dropped_and_work_commands_are_kept() {
        assert_eq!(
            prompt_text("  fix the build \n"),
            Some("fix the build".to_owned())
        );
        assert_eq!(
            prompt_text("<command-name>/clear</command-name><command-args></command-args>"),
            None
        );
        assert_eq!(
            prompt_text("<command-name>/review</command-name><command-args> src </command-args>"),
            Some("/review src".to_owned())
        );
        assert_eq!(
            prompt_text("<local-command-stdout>ok</local-command-stdout>"),
            None
        );
        assert_eq!(prompt_text("[Request interrupted by user]"), None);
        assert_eq!(prompt_text("Stop hook feedback:\nfix lint"), None);
        assert_eq!(prompt_text("   "), None);
    }
}
