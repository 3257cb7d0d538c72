//! Running child processes: gates and formatters. Each command runs in a session of its own
//! with a deadline, bounded output capture, and a guarantee that nothing it started outlives it,
//! even what left its session.

mod capture;
mod child;
mod oneshot;
mod sys;
mod tree;

pub(crate) use child::{Exit, Spec, run};
pub(crate) use oneshot::stdout_of;
pub use sys::process_alive;
pub(crate) use sys::{catch_interrupt, interrupted};
