//! Process-wide signal dispositions set once at start-up.
//!
//! `SIGXFSZ` is ignored so that a write past a file-size limit (`ulimit -f`, or a quota standing in
//! for a full disk) fails with `EFBIG` and is reported like any other write error, instead of
//! killing sfp half-way through a backup or a restore.
#![expect(unsafe_code, reason = "signal(2) has no safe wrapper in std")]

pub fn ignore_file_size_limit_signal() {
    // SAFETY: setting a signal to SIG_IGN installs no handler code and is async-signal-safe; it
    // runs once, before any thread is spawned.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}
