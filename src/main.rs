//! The `docflow` command line: run and validate scenarios, print the format's JSON Schema,
//! and serve Konnect-in-a-box standalone (also the container image's entrypoint).

mod cli;

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let args = cli::args::Cli::parse();
    cli::logging::init(args.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(cli::dispatch(args))
}
