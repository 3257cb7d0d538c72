//! Turning a handoff into text: the Markdown file a person reads, and the short summary Claude
//! is given at the start of the next session (stated as facts, bounded in length).

use std::fmt::Write as _;
use std::path::Path;

use chrono::{DateTime, Utc};

use super::model::Handoff;
use crate::hook::cap_text;

/// The full Markdown rendering.
pub fn markdown(h: &Handoff) -> String {
    let mut out = String::new();
    let name = h
        .project
        .as_deref()
        .and_then(|p| Path::new(p).file_name())
        .map_or_else(
            || "no project".to_owned(),
            |n| n.to_string_lossy().into_owned(),
        );
    let _ = writeln!(out, "# Handoff: {name}\n");
    let _ = writeln!(
        out,
        "- **Written:** {} ({})",
        h.created_at.format("%Y-%m-%d %H:%M:%S UTC"),
        h.trigger
    );
    let _ = writeln!(
        out,
        "- **Session:** {}",
        h.session_id.as_deref().unwrap_or("unknown")
    );
    if let Some(p) = &h.project {
        let _ = writeln!(out, "- **Project:** {p}");
    }
    if let Some(t) = &h.transcript {
        let _ = writeln!(out, "- **Transcript:** {t}");
    }
    let _ = writeln!(out, "- **Id:** {}", h.id);

    section(&mut out, "Recent requests", h.requests.is_empty(), |out| {
        for (i, r) in h.requests.iter().enumerate() {
            let _ = writeln!(out, "{}. {}", i + 1, indent(r, "   "));
        }
    });
    section(&mut out, "Files changed", h.files.is_empty(), |out| {
        for f in &h.files {
            let _ = writeln!(
                out,
                "- `{}` ({}; {} change{})",
                f.path,
                f.tools.join(", "),
                f.changes,
                plural(f.changes)
            );
        }
    });
    section(&mut out, "Completed", h.completed.is_empty(), |out| {
        for c in &h.completed {
            let _ = writeln!(out, "- [x] {}", indent(c, "  "));
        }
    });
    section(&mut out, "Next steps", h.next_steps.is_empty(), |out| {
        for n in &h.next_steps {
            let _ = writeln!(out, "- [ ] {}", indent(n, "  "));
        }
    });
    section(
        &mut out,
        "Claude's last message",
        h.last_message.is_none(),
        |out| {
            for line in h.last_message.as_deref().unwrap_or("").lines() {
                let _ = writeln!(out, "> {line}");
            }
        },
    );
    if let Some(g) = &h.git {
        section(&mut out, "Git", false, |out| {
            let _ = writeln!(
                out,
                "- Branch: {}",
                g.branch.as_deref().unwrap_or("(detached or unknown)")
            );
            if g.status.is_empty() {
                let _ = writeln!(out, "- Status: clean");
            } else {
                let _ = writeln!(
                    out,
                    "- Status:\n\n```\n{}{}\n```",
                    g.status.join("\n"),
                    if g.status_truncated { "\n…" } else { "" }
                );
            }
            if let Some(d) = &g.diff_stat {
                let _ = writeln!(out, "\n- Diff stat:\n\n```\n{d}\n```");
            }
        });
    }
    if !h.notes.is_empty() {
        section(&mut out, "Notes", false, |out| {
            for n in &h.notes {
                let _ = writeln!(out, "- {n}");
            }
        });
    }
    out
}

fn section(out: &mut String, title: &str, empty: bool, body: impl FnOnce(&mut String)) {
    let _ = writeln!(out, "\n## {title}\n");
    if empty {
        let _ = writeln!(out, "(none)");
    } else {
        body(out);
    }
}

fn indent(text: &str, pad: &str) -> String {
    text.trim().replace('\n', &format!("\n{pad}"))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The summary given to Claude at session start: facts about the previous session, at most
/// `max_chars` characters.
pub fn summary(h: &Handoff, md_path: &Path, now: DateTime<Utc>, max_chars: usize) -> String {
    let mut out = format!(
        "Handoff from the previous session (session {}, written {} on {}, {}",
        h.short_session(),
        h.created_at.format("%Y-%m-%d %H:%M UTC"),
        h.trigger,
        ago(now, h.created_at),
    );
    if let Some(p) = &h.project {
        let _ = write!(out, ", project {p}");
    }
    out.push_str("):");
    if !h.requests.is_empty() {
        let shown: Vec<String> = h
            .requests
            .iter()
            .rev()
            .take(3)
            .rev()
            .map(|r| format!("\"{}\"", one_line(r, 300)))
            .collect();
        let _ = write!(out, "\n- The user's recent requests: {}", shown.join("; "));
    }
    if !h.files.is_empty() {
        let names: Vec<&str> = h
            .files
            .iter()
            .rev()
            .take(15)
            .map(|f| f.path.as_str())
            .collect();
        let more = h.files.len().saturating_sub(names.len());
        let _ = write!(out, "\n- Files changed: {}", names.join(", "));
        if more > 0 {
            let _ = write!(out, " and {more} more");
        }
    }
    list(&mut out, "Completed", &h.completed, 10, 150);
    list(&mut out, "Next steps", &h.next_steps, 10, 200);
    if let Some(m) = &h.last_message {
        let _ = write!(out, "\n- Claude's last message: \"{}\"", one_line(m, 1_200));
    }
    if let Some(g) = &h.git {
        let _ = write!(
            out,
            "\n- Git: branch {}",
            g.branch.as_deref().unwrap_or("unknown")
        );
        if g.status.is_empty() {
            out.push_str(", working tree clean");
        } else {
            let shown: Vec<&str> = g.status.iter().take(10).map(|s| s.trim()).collect();
            let _ = write!(
                out,
                ", {} uncommitted change(s): {}",
                g.status.len(),
                shown.join(", ")
            );
            if g.status.len() > shown.len() || g.status_truncated {
                out.push_str(", …");
            }
        }
        if let Some(last) = g.diff_stat.as_deref().and_then(|d| d.lines().last()) {
            let _ = write!(out, "; diff against HEAD: {}", last.trim());
        }
    }
    let _ = write!(out, "\nThe full handoff is in {}.", md_path.display());
    cap_text(&out, max_chars.max(200))
}

fn list(out: &mut String, label: &str, items: &[String], max: usize, chars: usize) {
    if items.is_empty() {
        return;
    }
    let shown: Vec<String> = items.iter().take(max).map(|i| one_line(i, chars)).collect();
    let _ = write!(out, "\n- {label}: {}", shown.join("; "));
    if items.len() > max {
        let _ = write!(out, "; and {} more", items.len() - max);
    }
}

fn one_line(text: &str, max: usize) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.chars().count() <= max {
        return joined;
    }
    let mut cut: String = joined.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

fn ago(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    let secs = (now - then).num_seconds().max(0);
    match secs {
        0..60 => "just now".to_owned(),
        60..3_600 => format!("{} min ago", secs / 60),
        3_600..86_400 => format!("{} h ago", secs / 3_600),
        _ => format!("{} days ago", secs / 86_400),
    }
}
