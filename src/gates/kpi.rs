//! The KPI log: one JSON line per gate run in `$SFP_HOME/kpis/events.jsonl` (session, tier,
//! trigger, verdict, and each gate's status and duration), for trends across sessions.

use std::io::Write as _;

use serde::Serialize;

use super::model::{GateStatus, RunReport, RunStatus};
use crate::paths::Paths;

#[derive(Serialize)]
struct Event<'a> {
    at: String,
    kind: &'static str,
    session: Option<&'a str>,
    /// `stop` or `cli`.
    trigger: &'a str,
    tier: &'a str,
    status: RunStatus,
    duration_ms: u64,
    files: usize,
    gates: Vec<GateEvent<'a>>,
    alerts: Vec<String>,
}

#[derive(Serialize)]
struct GateEvent<'a> {
    name: &'a str,
    status: GateStatus,
    duration_ms: u64,
}

/// Appends the run's event. Failing to write is logged by the caller, never fatal.
pub fn append(
    paths: &Paths,
    session: Option<&str>,
    trigger: &str,
    report: &RunReport,
) -> anyhow::Result<()> {
    let event = Event {
        at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        kind: "gates",
        session,
        trigger,
        tier: &report.tier,
        status: report.status,
        duration_ms: report.duration_ms,
        files: report.file_count,
        gates: report
            .gates
            .iter()
            .map(|g| GateEvent {
                name: &g.name,
                status: g.status,
                duration_ms: g.duration_ms,
            })
            .collect(),
        alerts: report
            .alerts
            .iter()
            .map(super::alerts::Alert::message)
            .collect(),
    };
    let mut line = serde_json::to_string(&event)?;
    line.push('\n');
    let dir = paths.kpis_dir();
    fs_err::create_dir_all(&dir)?;
    let mut f = fs_err::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("events.jsonl"))?;
    f.write_all(line.as_bytes())?;
    Ok(())
}
