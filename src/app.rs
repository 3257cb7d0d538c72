//! What every command and hook handler is given: the environment, the resolved paths, the
//! settings, the log and the printer, built once per process.

use std::path::Path;

use crate::config::Config;
use crate::env::Env;
use crate::hook::Deadline;
use crate::log::Logger;
use crate::paths::Paths;
use crate::printer::Printer;

/// How sfp was started: by Claude Code as a hook (no terminal, no child process unless a
/// capability needs one, strict time budget) or by a person in a terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Hook,
    Terminal,
}

/// The shared context of one sfp process.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    pub env: Env,
    pub paths: Paths,
    pub config: Config,
    pub log: Logger,
    pub printer: Printer,
    pub mode: Mode,
    /// When a hook must be done ([`Deadline::NONE`] for a terminal command).
    pub deadline: Deadline,
}

impl Ctx {
    /// `project` is the hook's `cwd` or a `--project` flag; `scope` names the run in the log.
    pub(crate) fn new(env: Env, project: Option<&Path>, mode: Mode, scope: &str) -> Self {
        let paths = Paths::resolve(&env, project);
        let log = Logger::new(&paths.logs_dir(), &env, scope);
        // Files skipped by the reader of files sfp does not own are logged here from now on.
        crate::util::read::set_log(&log);
        let config = Config::load(&paths).with_plugin_options(&env, &paths.claude_dir);
        let printer = match mode {
            Mode::Hook => Printer::plain(),
            Mode::Terminal => Printer::new(&env),
        };
        Self {
            env,
            paths,
            config,
            log,
            printer,
            mode,
            deadline: Deadline::NONE,
        }
    }
}
