//! Everything a gate started, wherever it went, and its end.
//!
//! A gate's shell leads a session of its own, but what it starts can leave that session (`setsid`,
//! a daemon's double fork). sfp makes itself a child subreaper (Linux), so such a process is
//! reparented to sfp rather than to init and stays among sfp's descendants; and every gate runs
//! with a token of its own in `SFP_RUN_TOKEN`, which its processes inherit. A gate's tree is then
//! found in `/proc`: among sfp's descendants (by `PPid` links), those in the gate's session or
//! group, those whose environment holds the gate's token, and everything below them. [`stop`]
//! sends the tree SIGTERM, then SIGKILL after the grace period, and reaps the processes that were
//! reparented to sfp. A process that clears its environment *and* leaves the session is not
//! recognised. Elsewhere than on Linux there is no `/proc` to read: only the group is killed.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The variable that marks a gate's processes.
pub(crate) const TOKEN_VAR: &str = "SFP_RUN_TOKEN";

/// A token unique to one run of one command.
pub(super) fn token() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{}-{}-{nanos:x}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Makes sfp the child subreaper of everything it starts (once; Linux only, elsewhere nothing).
pub(super) fn become_subreaper() {
    #[cfg(target_os = "linux")]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            let _ = rustix::process::set_child_subreaper(Some(rustix::process::getpid()));
        });
    }
}

/// Whether processes can be looked at in `/proc` (else only a gate's group is killed).
pub(super) fn visible() -> bool {
    std::path::Path::new("/proc/self/stat").exists()
}

/// One process as `/proc/<pid>/stat` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Proc {
    pid: u32,
    ppid: u32,
    pgrp: u32,
    session: u32,
    zombie: bool,
}

/// Parses `/proc/<pid>/stat`: `pid (comm) state ppid pgrp session …` (the name may hold spaces
/// and parentheses, so the fields are read after the last `)`).
fn parse_stat(stat: &str) -> Option<Proc> {
    let (head, rest) = stat.rsplit_once(')')?;
    let pid = head.split_whitespace().next()?.parse().ok()?;
    let mut fields = rest.split_whitespace();
    let state = fields.next()?;
    let mut next = || fields.next()?.parse::<u32>().ok();
    Some(Proc {
        pid,
        ppid: next()?,
        pgrp: next()?,
        session: next()?,
        zombie: state == "Z" || state == "X",
    })
}

/// sfp's descendants, by `PPid` links.
fn descendants() -> Vec<Proc> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let all: Vec<Proc> = dir
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?))
        .collect();
    below(&all, &HashSet::from([std::process::id()]))
}

/// The processes of `all` below the `roots` (the roots themselves left out).
fn below(all: &[Proc], roots: &HashSet<u32>) -> Vec<Proc> {
    let mut children: HashMap<u32, Vec<&Proc>> = HashMap::new();
    for p in all {
        children.entry(p.ppid).or_default().push(p);
    }
    let mut out = Vec::new();
    let mut stack: Vec<u32> = roots.iter().copied().collect();
    let mut seen: HashSet<u32> = roots.clone();
    while let Some(pid) = stack.pop() {
        for child in children.get(&pid).into_iter().flatten() {
            if seen.insert(child.pid) {
                out.push(**child);
                stack.push(child.pid);
            }
        }
    }
    out
}

/// Whether the environment `/proc/<pid>/environ` holds `TOKEN_VAR=token`. A process caught in
/// `execve` shows an empty or unreadable environment for a moment: it is read again, a few
/// times, a millisecond apart, before it counts as not carrying the token (a gate whose leftover
/// was `exec`ing when its tree was looked at would otherwise pass unseen).
fn carries(pid: u32, token: &str) -> bool {
    let wanted = format!("{TOKEN_VAR}={token}");
    for attempt in 0..5 {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
        match std::fs::read(format!("/proc/{pid}/environ")) {
            Ok(environ) if !environ.is_empty() => {
                return environ.split(|b| *b == 0).any(|v| v == wanted.as_bytes());
            }
            // Gone: nothing to end.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return false,
            _ => {}
        }
    }
    false
}

/// The gate's tree: sfp's descendants in `leader`'s session or group, or carrying `token`, or
/// `known` from an earlier look (a zombie's environment cannot be read), and everything below
/// them; `known` is kept up to date. The leader (the gate's shell, which its own waiter reaps) is
/// left out.
fn members(token: &str, leader: u32, known: &mut HashSet<u32>) -> Vec<Proc> {
    let candidates = descendants();
    let roots: HashSet<u32> = candidates
        .iter()
        .filter(|p| {
            known.contains(&p.pid)
                || p.session == leader
                || p.pgrp == leader
                || (!p.zombie && carries(p.pid, token))
        })
        .map(|p| p.pid)
        .collect();
    let under: HashSet<u32> = below(&candidates, &roots).iter().map(|p| p.pid).collect();
    let found: Vec<Proc> = candidates
        .into_iter()
        .filter(|p| roots.contains(&p.pid) || under.contains(&p.pid))
        .filter(|p| p.pid != leader)
        .collect();
    known.extend(found.iter().map(|p| p.pid));
    found
}

/// What [`stop`] found and did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Stopped {
    /// Processes of the tree still running when the gate was done.
    pub found: usize,
    /// Of those, how many had left the gate's session.
    pub escaped: usize,
    /// Processes still running after SIGKILL and the wait for them.
    pub survivors: usize,
}

/// How often the tree is looked at while it dies.
const POLL: Duration = Duration::from_millis(5);
/// How long SIGKILLed processes are given to disappear.
const KILL_WAIT: Duration = Duration::from_millis(500);

/// Ends the tree of the gate whose shell was `leader` and whose token is `token`: SIGTERM, then
/// SIGKILL for what is left after `grace`, and the processes reparented to sfp are reaped.
pub(super) fn stop(token: &str, leader: u32, grace: Duration) -> Stopped {
    let mut known = HashSet::new();
    let first = members(token, leader, &mut known);
    let live: Vec<&Proc> = first.iter().filter(|p| !p.zombie).collect();
    let mut stopped = Stopped {
        found: live.len(),
        escaped: live.iter().filter(|p| p.session != leader).count(),
        survivors: 0,
    };
    reap(&first);
    if live.is_empty() {
        return stopped;
    }
    for p in &live {
        signal(p.pid, false);
    }
    let left = wait_gone(token, leader, &mut known, Instant::now() + grace);
    if left.is_empty() {
        return stopped;
    }
    for p in &left {
        signal(p.pid, true);
    }
    let left = wait_gone(token, leader, &mut known, Instant::now() + KILL_WAIT);
    stopped.survivors = left.len();
    stopped
}

/// Polls the tree until no member runs or `until`; returns the members still running.
fn wait_gone(token: &str, leader: u32, known: &mut HashSet<u32>, until: Instant) -> Vec<Proc> {
    loop {
        let now = members(token, leader, known);
        reap(&now);
        let live: Vec<Proc> = now.into_iter().filter(|p| !p.zombie).collect();
        if live.is_empty() || Instant::now() >= until {
            return live;
        }
        std::thread::sleep(POLL);
    }
}

/// Reaps the members that died as sfp's children (reparented to it), so that none stays a
/// zombie while sfp runs.
fn reap(members: &[Proc]) {
    #[cfg(target_os = "linux")]
    for p in members
        .iter()
        .filter(|p| p.zombie && p.ppid == std::process::id())
    {
        if let Some(pid) = i32::try_from(p.pid)
            .ok()
            .and_then(rustix::process::Pid::from_raw)
        {
            let _ = rustix::process::waitpid(Some(pid), rustix::process::WaitOptions::NOHANG);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = members;
}

fn signal(pid: u32, kill: bool) {
    let Some(pid) = i32::try_from(pid)
        .ok()
        .filter(|p| *p > 1)
        .and_then(rustix::process::Pid::from_raw)
    else {
        return;
    };
    let sig = if kill {
        rustix::process::Signal::KILL
    } else {
        rustix::process::Signal::TERM
    };
    let _ = rustix::process::kill_process(pid, sig);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_parse_whatever_the_name() {
        let p = parse_stat("4242 (a (b) c) S 17 4242 4200 0 -1 4194560").unwrap();
        assert_eq!(
            p,
            Proc {
                pid: 4242,
                ppid: 17,
                pgrp: 4242,
                session: 4200,
                zombie: false
            }
        );
        assert!(parse_stat("7 (x) Z 1 7 7 0").unwrap().zombie);
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn descendants_follow_parent_links() {
        let p = |pid, ppid| Proc {
            pid,
            ppid,
            pgrp: pid,
            session: pid,
            zombie: false,
        };
        let all = [p(10, 1), p(11, 10), p(12, 11), p(13, 1), p(14, 12)];
        let mut found: Vec<u32> = below(&all, &HashSet::from([11]))
            .iter()
            .map(|p| p.pid)
            .collect();
        found.sort_unstable();
        assert_eq!(found, [12, 14]);
    }

    #[test]
    fn tokens_are_unique() {
        assert_ne!(token(), token());
    }
}
