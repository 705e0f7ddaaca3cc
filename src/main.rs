//! The `docflow` command line: run and validate scenarios, print the format's JSON Schema,
//! and serve Konnect-in-a-box standalone (also the container image's entrypoint).

mod cli;

use std::process::ExitCode;

use clap::Parser as _;

/// mimalloc instead of the system allocator: a run is many small short-lived allocations
/// (JSON values, headers, redacted strings) on several threads, where glibc's malloc spent
/// about a seventh of the CPU time of `docflow run` (measured with `perf`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
