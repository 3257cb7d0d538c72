//! Running child processes: gates and formatters. Each command runs in its own process group
//! with a deadline, bounded output capture, and a guarantee that nothing it started outlives it.

mod capture;
mod child;
mod oneshot;
mod sys;

pub use capture::{Capture, Captured};
pub use child::{Exit, Outcome, Spec, run};
pub use oneshot::stdout_of;
pub use sys::{catch_interrupt, interrupted, process_alive};
