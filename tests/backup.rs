//! `sfp backup` and `sfp restore` through the real binary, in a [`common::TestContext`].

mod common;

#[path = "backup/agreement.rs"]
mod agreement;
#[path = "backup/hardening.rs"]
mod hardening;
#[path = "backup/hostile.rs"]
mod hostile;
#[path = "backup/lifecycle.rs"]
mod lifecycle;
#[path = "backup/retention.rs"]
mod retention;
#[path = "backup/robustness.rs"]
mod robustness;
#[path = "backup/support.rs"]
mod support;
#[path = "backup/targets.rs"]
mod targets;
