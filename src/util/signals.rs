//! Signal dispositions sfp sets once, at start-up, before any thread exists.
//!
//! A write past `RLIMIT_FSIZE` (a file-size limit, the usual stand-in for a full disk) raises
//! SIGXFSZ, whose default action kills the process: a hook would die mid-answer with exit 153
//! because its log could not grow. Ignored, the same write fails with `EFBIG`, which sfp handles
//! like any other I/O error (the log is skipped, the answer still goes out).
#![expect(
    unsafe_code,
    reason = "setting a signal disposition has no safe std API"
)]

/// Makes writes past the file-size limit fail with `EFBIG` instead of killing sfp.
pub(crate) fn ignore_file_size_limit_signal() {
    // SAFETY: `SIG_IGN` is a valid disposition for SIGXFSZ, and `signal` only changes this
    // process's table; no handler code runs, so there is nothing to be async-signal-safe about.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}
