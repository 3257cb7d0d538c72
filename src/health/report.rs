//! The human table of `sfp health`.

use std::fmt::Write as _;

use super::{Report, Status};
use crate::printer::{Printer, Style};

pub(super) fn table(report: &Report, p: Printer) -> String {
    let width = report
        .checks
        .iter()
        .map(|c| c.name.len())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for c in &report.checks {
        let (mark, style) = mark(c.status);
        let _ = writeln!(
            out,
            "{} {:<width$}  {}  {}",
            p.paint(mark, style),
            c.name,
            p.paint(&format!("{:<9}", c.status.as_str()), style),
            c.message
        );
    }
    let need = report.problems().count();
    let (_, style) = mark(report.status);
    let tail = if need == 0 {
        String::new()
    } else {
        format!(" ({need} of {} checks need attention)", report.checks.len())
    };
    let _ = writeln!(
        out,
        "\n{} {}{tail}",
        p.paint("status:", Style::Bold),
        p.paint(report.status.as_str(), style)
    );
    out
}

fn mark(status: Status) -> (&'static str, Style) {
    match status {
        Status::Healthy => ("✓", Style::Green),
        Status::Degraded => ("!", Style::Yellow),
        Status::Unhealthy => ("✗", Style::Red),
    }
}
