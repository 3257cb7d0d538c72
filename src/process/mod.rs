//! Running child processes: gates and formatters. Each command runs in its own process group
//! with a deadline, bounded output capture, and a guarantee that nothing it started outlives it.

mod capture;
mod child;
mod sys;

pub use capture::{Capture, Captured};
pub use child::{Exit, Outcome, Spec, run};
pub use sys::{catch_interrupt, interrupted, process_alive};
