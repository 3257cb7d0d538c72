//! How a run is shown: the terminal table, the Stop hook's reason for Claude, and the one-line
//! summary for the user.

use std::fmt::Write as _;

use super::alerts::Severity;
use super::model::{GateResult, GateStatus, RunReport, RunStatus};
use crate::printer::{Printer, Style};

/// Lines of a failing gate's output shown in the table.
const TABLE_TAIL_LINES: usize = 15;
/// Characters of one gate's output in the Stop reason.
const REASON_TAIL_CHARS: usize = 2_500;
/// New problems of one gate listed in the Stop reason.
const REASON_MAX_PROBLEMS: usize = 20;

fn mark(status: GateStatus) -> (&'static str, Style) {
    match status {
        GateStatus::Passed => ("✓", Style::Green),
        GateStatus::Failed | GateStatus::Error => ("✗", Style::Red),
        GateStatus::TimedOut => ("⏱", Style::Red),
        GateStatus::Skipped => ("-", Style::Dim),
        GateStatus::Cancelled => ("○", Style::Yellow),
    }
}

/// The human table: mark, name, duration, status; the tail of each failure and its fix hint.
pub(super) fn table(report: &RunReport, p: Printer) -> String {
    let width = report.gates.iter().map(|g| g.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} tier `{}` on {} file(s) ({})",
        p.paint("gates:", Style::Bold),
        report.tier,
        report.file_count,
        if report.files == "all" {
            "all files"
        } else {
            "changed since the last commit and in this session"
        }
    );
    for g in &report.gates {
        let (m, style) = mark(g.status);
        let time = if g.status.ran() || g.status == GateStatus::Cancelled {
            format!("{:>7}", format_ms(g.duration_ms))
        } else {
            " ".repeat(7)
        };
        let mut flags = String::new();
        if g.critical {
            flags.push_str(" critical");
        } else if !g.required {
            flags.push_str(" advisory");
        }
        if g.cached {
            flags.push_str(" cached");
        }
        let mut reason = g
            .reason
            .as_deref()
            .map(|r| format!("  {}", p.paint(r, Style::Dim)))
            .unwrap_or_default();
        if let Some(problems) = g.problems {
            let origin = if problems.new == 0 {
                p.paint("pre-existing", Style::Yellow)
            } else {
                p.paint("new", Style::Red)
            };
            let _ = write!(
                reason,
                "  {origin} ({} new, {} pre-existing problem(s))",
                problems.new, problems.pre_existing
            );
        }
        let _ = writeln!(
            out,
            "{} {:<width$}  {}  {}{}{}",
            p.paint(m, style),
            g.name,
            time,
            p.paint(g.status.as_str(), style),
            p.paint(&flags, Style::Dim),
            reason
        );
        if g.status.is_failure() {
            for line in crate::text::last_lines(&g.output, TABLE_TAIL_LINES) {
                let _ = writeln!(out, "    │ {line}");
            }
            if let Some(fix) = &g.fix {
                let _ = writeln!(out, "    {} {fix}", p.paint("fix:", Style::Cyan));
            }
        }
    }
    for a in &report.alerts {
        let style = if a.severity >= Severity::High {
            Style::Red
        } else {
            Style::Yellow
        };
        let _ = writeln!(out, "{}", p.paint(&format!("alert {}", a.message()), style));
    }
    if let Some(note) = &report.budget_note {
        let _ = writeln!(out, "{}", p.paint(note, Style::Yellow));
    }
    let counts = summary_counts(&report.gates);
    let (verdict, style) = match report.status {
        RunStatus::Passed => ("passed", Style::Green),
        RunStatus::Warned => ("passed with warnings", Style::Yellow),
        RunStatus::Failed => ("failed", Style::Red),
        RunStatus::Interrupted => ("interrupted", Style::Yellow),
    };
    let _ = writeln!(
        out,
        "\n{} {} in {} ({counts})",
        p.paint("result:", Style::Bold),
        p.paint(verdict, style),
        format_ms(report.duration_ms)
    );
    out
}

/// `2 passed, 1 failed, 3 skipped`.
pub(super) fn summary_counts(gates: &[GateResult]) -> String {
    let order = [
        GateStatus::Passed,
        GateStatus::Failed,
        GateStatus::TimedOut,
        GateStatus::Error,
        GateStatus::Cancelled,
        GateStatus::Skipped,
    ];
    let parts: Vec<String> = order
        .iter()
        .filter_map(|s| {
            let n = gates.iter().filter(|g| g.status == *s).count();
            (n > 0).then(|| format!("{n} {}", s.as_str()))
        })
        .collect();
    if parts.is_empty() {
        "no gates".to_owned()
    } else {
        parts.join(", ")
    }
}

/// The Stop hook's reason: what failed, the relevant output, and how to fix it, for Claude.
pub(super) fn block_reason(report: &RunReport, blocking: &[&GateResult]) -> String {
    let mut out = format!(
        "sfp quality gates (tier `{}`) failed on the files changed in this session. Fix the \
         problems below, then finish your turn again; the gates re-run automatically.\n",
        report.tier
    );
    for g in blocking {
        let how = match (g.status, g.exit_code, g.reason.as_deref()) {
            (GateStatus::TimedOut, _, Some(r)) => r.to_owned(),
            (_, Some(code), _) => format!("exit code {code}"),
            (_, _, Some(r)) => r.to_owned(),
            _ => g.status.as_str().to_owned(),
        };
        let _ = write!(out, "\n## {} ({how})\n", g.name);
        // Only the problems the session introduced, when the output names where they are.
        let shown = if g.new_diagnostics.is_empty() {
            g.output.trim_end().to_owned()
        } else {
            let mut listed: Vec<&str> = g
                .new_diagnostics
                .iter()
                .take(REASON_MAX_PROBLEMS)
                .map(|d| d.text.as_str())
                .collect();
            let more = g.new_diagnostics.len().saturating_sub(REASON_MAX_PROBLEMS);
            let more_line = format!("[{more} more new problem(s) not shown]");
            if more > 0 {
                listed.push(&more_line);
            }
            let old = g.problems.map_or(0, |p| p.pre_existing);
            let old_line = format!("[{old} problem(s) from before this session left out]");
            if old > 0 {
                listed.push(&old_line);
            }
            listed.join("\n")
        };
        // Secrets a tool echoed are masked where the reason leaves sfp (the hook's answer, the
        // session state); the tail starts between words so that none is cut unrecognisable.
        let tail = crate::text::cap_tail(&shown, REASON_TAIL_CHARS);
        if !tail.is_empty() {
            let _ = write!(out, "```\n{tail}\n```\n");
        }
        if let Some(fix) = &g.fix {
            let _ = writeln!(out, "Fix: {fix}");
        }
    }
    out
}

/// One line for the user: `sfp gates: lint failed, types timed out (fast tier)`.
pub(super) fn one_line(report: &RunReport) -> String {
    let failed: Vec<String> = report
        .failures()
        .map(|g| format!("{} {}", g.name, g.status.as_str()))
        .collect();
    format!(
        "sfp gates ({}): {}",
        report.tier,
        if failed.is_empty() {
            summary_counts(&report.gates)
        } else {
            failed.join(", ")
        }
    )
}

pub(super) fn format_ms(ms: u64) -> String {
    if ms < 1_000 {
        format!("{ms}ms")
    } else {
        #[expect(clippy::cast_precision_loss, reason = "display only")]
        let secs = ms as f64 / 1000.0;
        format!("{secs:.1}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_at_a_glance() {
        assert_eq!(format_ms(950), "950ms");
        assert_eq!(format_ms(1500), "1.5s");
    }

    #[test]
    fn the_block_reason_is_masked_where_the_stop_hook_answers() {
        let key = "AKIAQ7ZK3M5P2R6T4W6Y".to_owned(); // sfp:allow-secret (a sample)
        let gate = GateResult {
            name: "lint".into(),
            status: GateStatus::Failed,
            required: true,
            critical: true,
            duration_ms: 3,
            exit_code: Some(1),
            signal: None,
            reason: None,
            output: format!("config.py:3: token = '{key}' is too long"),
            output_bytes: 0,
            fix: Some("shorten it".into()),
            leaked: false,
            files: 1,
            cached: false,
            problems: None,
            attribution: crate::gates::attribution::Mode::Lines,
            root: None,
            new_diagnostics: Vec::new(),
        };
        let report = RunReport {
            tier: "fast".into(),
            status: RunStatus::Failed,
            duration_ms: 3,
            files: "changed",
            file_count: 1,
            gates: vec![gate.clone()],
            alerts: Vec::new(),
            budget_note: None,
        };
        let reason = block_reason(&report, &[&gate]);
        assert!(reason.contains("## lint (exit code 1)"), "{reason}");
        assert!(reason.contains("Fix: shorten it"));
        let mut out = crate::hook::Response::new(crate::hook::Event::Stop);
        out.block(reason);
        let answer = out.to_json().unwrap();
        let said = answer["reason"].as_str().unwrap();
        assert!(
            said.contains("token = 'AKIA") && !said.contains(&key),
            "{said}"
        );
        // A long output cut in the middle of the token leaves none of it.
        let long = format!("{}{key} is too long", "x ".repeat(REASON_TAIL_CHARS));
        assert_eq!(
            crate::text::cap_tail(&long, key.len() + 2),
            "[…] is too long"
        );
        assert_eq!(one_line(&report), "sfp gates (fast): lint failed");
    }
}
