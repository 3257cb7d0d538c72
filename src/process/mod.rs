//! Running child processes: gates and formatters. Each command runs in a session of its own
//! with a deadline, bounded output capture, and a guarantee that nothing it started outlives it,
//! even what left its session.

mod capture;
mod child;
mod oneshot;
mod sys;
mod tree;

pub use capture::{Capture, Captured};
pub use child::{Exit, Outcome, Spec, run};
pub use oneshot::stdout_of;
pub use sys::{catch_interrupt, interrupted, process_alive};
pub use tree::TOKEN_VAR;
