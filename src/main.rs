// The process environment is read in `sfp::env` only (clippy.toml).
#![warn(clippy::disallowed_methods)]

fn main() -> std::process::ExitCode {
    sfp::main()
}
