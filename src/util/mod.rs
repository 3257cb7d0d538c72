//! Small filesystem helpers shared by every capability.

pub mod cmd;
pub mod fs;
pub mod lock;
pub mod signals;
