//! Small filesystem helpers shared by every capability.

pub mod fs;
pub mod lock;
pub mod signals;
