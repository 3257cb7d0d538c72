//! The few system calls the runner needs and std does not wrap: starting a child in a session of
//! its own, signalling a whole process group, asking whether a group still has members, and
//! noticing Ctrl-C. Every `unsafe` block of the
//! runner is here.
#![expect(
    unsafe_code,
    reason = "kill(2) on a process group, sigaction(2) and a pre-exec hook have no safe wrapper in std"
)]

use std::sync::atomic::{AtomicBool, Ordering};

/// Set by the SIGINT handler; read by every running gate, which then kills its group.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// A signal sfp sends to a gate's process group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Signal {
    Term,
    Kill,
}

impl Signal {
    fn raw(self) -> libc::c_int {
        match self {
            Signal::Term => libc::SIGTERM,
            Signal::Kill => libc::SIGKILL,
        }
    }
}

/// Converts a process id into a group id that is safe to signal: never 0 (our own group), never
/// 1 (init), never negative.
fn group_id(pgid: u32) -> Option<libc::pid_t> {
    libc::pid_t::try_from(pgid).ok().filter(|id| *id > 1)
}

/// Sends `signal` to every process of group `pgid`. A group that is already gone is fine.
pub(super) fn signal_group(pgid: u32, signal: Signal) {
    if let Some(id) = group_id(pgid) {
        // SAFETY: kill(2) takes plain integers; a negative pid addresses the group `id`, which is
        // a group sfp created for one gate (its session, [`new_session`]), never sfp's own.
        unsafe {
            libc::kill(-id, signal.raw());
        }
    }
}

/// Makes `cmd` start in a new session: setsid(2) runs in the child between fork and exec. The
/// child then leads its own session and process group (its pid is both ids) and has no
/// controlling terminal, so neither the terminal's signals nor a write to `/dev/tty` reach it.
pub(super) fn new_session(cmd: &mut std::process::Command) {
    use std::os::unix::process::CommandExt as _;
    // SAFETY: the closure runs in the forked child, where only async-signal-safe calls are
    // allowed: setsid(2) is one system call (through rustix, no allocation, no lock), and the
    // error conversion only wraps the errno.
    unsafe {
        cmd.pre_exec(|| {
            rustix::process::setsid()
                .map(drop)
                .map_err(std::io::Error::from)
        });
    }
}

/// Sends SIGKILL to one process (a plain child that is not a group leader).
pub(super) fn kill_process(pid: u32) {
    if let Some(id) = group_id(pid) {
        // SAFETY: kill(2) with a positive pid addresses that one process, a child sfp started.
        unsafe {
            libc::kill(id, libc::SIGKILL);
        }
    }
}

/// Whether group `pgid` still has a member (a zombie not yet reaped by its new parent counts).
pub(super) fn group_alive(pgid: u32) -> bool {
    let Some(id) = group_id(pgid) else {
        return false;
    };
    // SAFETY: signal 0 only checks for existence and permission; nothing is delivered.
    let rc = unsafe { libc::kill(-id, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Whether process `pid` exists and is not a zombie (read from `/proc`, so tests can check that a
/// gate's grandchild is really gone).
pub fn process_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state is the first field after the parenthesised command name.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}

extern "C" fn on_sigint(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Routes Ctrl-C (SIGINT), SIGTERM and SIGHUP to a flag instead of killing sfp at once, so that
/// running gates are terminated (their groups receive neither the terminal's SIGINT nor a signal
/// aimed at sfp) and sfp can report and exit cleanly.
pub(crate) fn catch_interrupt() {
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe; the
        // sigaction struct is zeroed then filled with a valid handler address and an empty mask.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_sigint as extern "C" fn(libc::c_int) as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&raw mut action.sa_mask);
            libc::sigaction(signal, &raw const action, std::ptr::null_mut());
        }
    }
}

/// Whether Ctrl-C was pressed since [`catch_interrupt`].
pub(crate) fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_to_signal_own_group_or_init() {
        assert_eq!(group_id(0), None);
        assert_eq!(group_id(1), None);
        assert_eq!(group_id(4242), Some(4242));
        assert!(!group_alive(0));
    }

    #[test]
    fn sees_itself_alive() {
        assert!(process_alive(std::process::id()));
        assert!(!process_alive(u32::MAX - 1));
    }
}
