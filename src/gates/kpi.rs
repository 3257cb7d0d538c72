//! The KPI log: one JSON line per gate run in `$SFP_HOME/kpis/events.jsonl` (session, tier,
//! trigger, verdict, alerts, and each gate's status, duration, whether it came from the cache and
//! whether its failure predates the session), for trends across sessions. At 5 MiB
//! it is moved to `events.jsonl.1` (replacing the previous one) and started afresh. Each line is
//! masked as it is written ([`crate::util::redact`]).

use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;
use serde::Serialize;

use super::model::{GateStatus, RunReport, RunStatus};
use crate::paths::Paths;

/// Size at which the log is moved to `events.jsonl.1` and started afresh.
const MAX_LOG_BYTES: u64 = 5 * 1024 * 1024;

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
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    cached: bool,
    /// A failure whose every problem predates the session.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pre_existing: bool,
}

/// Appends the run's event. Failing to write is logged by the caller, never fatal.
pub(super) fn append(
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
                cached: g.cached,
                pre_existing: g.is_pre_existing(),
            })
            .collect(),
        alerts: report
            .alerts
            .iter()
            .map(super::alerts::Alert::message)
            .collect(),
    };
    let mut line = crate::util::redact::to_string(&event)?;
    line.push('\n');
    let dir = paths.kpis_dir();
    append_rotated(&dir.join("events.jsonl"), line.as_bytes(), MAX_LOG_BYTES)
}

/// Appends `line` to `file`, first moving a file of `limit` bytes or more to `<file>.1` (which
/// it replaces): one metadata call per event keeps the log bounded at about twice `limit`.
fn append_rotated(file: &Path, line: &[u8], limit: u64) -> anyhow::Result<()> {
    if std::fs::metadata(file).is_ok_and(|m| m.len() >= limit) {
        let mut old = file.as_os_str().to_owned();
        old.push(".1");
        // Two runs may both see the full log; the second rename then fails or moves a fresh,
        // short log: either way no event of the current file is lost.
        if let Err(e) = std::fs::rename(file, &old)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            return Err(e).with_context(|| format!("cannot rotate {}", file.display()));
        }
    }
    let mut f = crate::util::fs::open_append_private(file)
        .with_context(|| format!("cannot open {}", file.display()))?;
    f.write_all(line)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_rotates_by_size_keeping_one_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("events.jsonl");
        let old = dir.path().join("events.jsonl.1");
        for i in 0..10 {
            append_rotated(&file, format!("event {i}\n").as_bytes(), 24).unwrap();
        }
        // Three 8-byte lines fill the 24-byte limit; the fourth starts a new file.
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "event 9\n",
            "the current log holds what came after the last rotation"
        );
        assert_eq!(
            std::fs::read_to_string(&old).unwrap(),
            "event 6\nevent 7\nevent 8\n"
        );
        let entries = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(entries, 2, "one old file is kept, no more");
    }
}
