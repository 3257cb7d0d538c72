//! Turning a handoff into text: the Markdown file a person reads, and the short summary Claude
//! is given at the start of the next session (stated as facts, bounded in length).

use std::fmt::Write as _;
use std::path::Path;

use chrono::{DateTime, Utc};

use super::model::Handoff;

/// The full Markdown rendering.
pub(super) fn markdown(h: &Handoff) -> String {
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

/// The summary given to Claude at session start: facts about the session that wrote the handoff
/// (`same_session`: the one starting again, after a compaction), at most `max_chars` characters.
pub(super) fn summary(
    h: &Handoff,
    md_path: &Path,
    now: DateTime<Utc>,
    max_chars: usize,
    same_session: bool,
) -> String {
    let mut out = format!(
        "Handoff from {} (session {}, written {} on {}, {}",
        if same_session {
            "earlier in this session"
        } else {
            "the previous session"
        },
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
                ", {}: {}",
                crate::util::uncommitted_changes(g.status.len()),
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
    crate::text::cap(&out, max_chars.max(200))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handoff::model::{FileChange, GitState};
    use chrono::TimeZone;

    fn big() -> Handoff {
        Handoff {
            id: "handoff-20261122-004749-s".into(),
            created_at: Utc.with_ymd_and_hms(2026, 11, 22, 0, 47, 49).unwrap(),
            trigger: "PreCompact (auto)".into(),
            session_id: Some("a1d3ea29-a3bb".into()),
            project: Some("/home/u/proj".into()),
            requests: (0..5)
                .map(|i| format!("request {i} {}", "word ".repeat(200)))
                .collect(),
            files: (0..40)
                .map(|i| FileChange {
                    path: format!("src/f{i}.rs"),
                    tools: vec!["Edit".into()],
                    changes: 1,
                })
                .collect(),
            completed: (0..25).map(|i| format!("done {i}")).collect(),
            next_steps: vec!["step one".into(), "step two\nwith a second line".into()],
            last_message: Some("line one\nline two ".repeat(500)),
            git: Some(GitState {
                branch: Some("main".into()),
                status: vec![" M src/f1.rs".into(), "?? new.rs".into()],
                status_truncated: false,
                diff_stat: Some(
                    " src/f1.rs | 2 +-\n 1 file changed, 1 insertion(+), 1 deletion(-)".into(),
                ),
            }),
            ..Handoff::default()
        }
    }

    #[test]
    fn the_summary_is_factual_and_bounded() {
        let h = big();
        let now = h.created_at + chrono::Duration::minutes(3);
        let text = summary(&h, Path::new("/s/h.md"), now, 4_000, false);
        assert!(text.chars().count() <= 4_000);
        assert!(text.starts_with(
            "Handoff from the previous session (session a1d3ea29, written 2026-11-22 00:47 UTC on PreCompact (auto), 3 min ago, project /home/u/proj):"
        ));
        assert!(
            text.contains("- Files changed: src/f39.rs, src/f38.rs"),
            "newest first"
        );
        assert!(text.contains(" and 25 more"));
        assert!(text.contains("- Completed: done 0; done 1"));
        assert!(text.contains("; and 15 more"));
        assert!(text.contains("- Next steps: step one; step two with a second line"));
        assert!(text.contains("- Git: branch main, 2 uncommitted changes: M src/f1.rs, ?? new.rs; diff against HEAD: 1 file changed"));
        assert!(text.ends_with("The full handoff is in /s/h.md."), "{text}");
        let tiny = summary(&h, Path::new("/s/h.md"), now, 500, false);
        assert!(tiny.chars().count() <= 500);
        let own = summary(&h, Path::new("/s/h.md"), now, 4_000, true);
        assert!(
            own.starts_with("Handoff from earlier in this session (session a1d3ea29, "),
            "{own}"
        );
    }

    #[test]
    fn the_markdown_has_every_section() {
        let md = markdown(&big());
        for heading in [
            "# Handoff: proj",
            "## Recent requests",
            "## Files changed",
            "## Completed",
            "## Next steps",
            "## Claude's last message",
            "## Git",
        ] {
            assert!(md.contains(heading), "{heading} missing");
        }
        assert!(md.contains("- `src/f0.rs` (Edit; 1 change)"));
        assert!(md.contains("- [ ] step two\n  with a second line"));
        assert!(md.contains("> line one\n> line two"));
        let empty = markdown(&Handoff::default());
        assert!(empty.contains("## Recent requests\n\n(none)"));
        assert!(!empty.contains("## Git"));
    }
}
