fn main() -> std::process::ExitCode {
    sfp::main()
}
