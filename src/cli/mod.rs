//! The CLI's commands, one module each.

pub(crate) mod args;
#[cfg(feature = "harness")]
pub(crate) mod bench;
#[cfg(feature = "harness")]
pub(crate) mod body_shape;
pub(crate) mod colour;
#[cfg(feature = "harness")]
pub(crate) mod doc;
#[cfg(feature = "harness")]
pub(crate) mod exchange_diff;
#[cfg(feature = "harness")]
pub(crate) mod files;
#[cfg(feature = "harness")]
pub(crate) mod image;
#[cfg(feature = "harness")]
pub(crate) mod lanes;
pub(crate) mod logging;
pub(crate) mod mock;
#[cfg(feature = "harness")]
pub(crate) mod mock_coverage;
#[cfg(feature = "harness")]
pub(crate) mod mock_verify;
#[cfg(feature = "harness")]
pub(crate) mod ordered_output;
#[cfg(feature = "harness")]
pub(crate) mod record;
#[cfg(feature = "harness")]
pub(crate) mod record_ids;
#[cfg(feature = "harness")]
pub(crate) mod recording;
#[cfg(feature = "harness")]
pub(crate) mod replay;
#[cfg(feature = "harness")]
pub(crate) mod run;
#[cfg(feature = "harness")]
pub(crate) mod run_file;
#[cfg(feature = "harness")]
pub(crate) mod snapshots;
#[cfg(feature = "harness")]
pub(crate) mod sweep;
#[cfg(feature = "harness")]
pub(crate) mod validate;

use std::process::ExitCode;

#[cfg(feature = "harness")]
use args::ImageCommand;
use args::{Cli, Command, MockCommand};

/// Runs the parsed command.
pub(crate) async fn dispatch(cli: Cli) -> ExitCode {
    match cli.command {
        #[cfg(feature = "harness")]
        Command::Run(args) => run::run(args).await,
        #[cfg(feature = "harness")]
        Command::Validate(args) => validate::validate(&args.paths),
        #[cfg(feature = "harness")]
        Command::Schema => validate::schema(),
        #[cfg(feature = "harness")]
        Command::Bench(args) => bench::bench(args).await,
        #[cfg(feature = "harness")]
        Command::Doc { command } => doc::doc(command).await,
        Command::Mock {
            command: MockCommand::Serve(args),
        } => mock::serve(args).await,
        #[cfg(feature = "harness")]
        Command::Mock {
            command: MockCommand::Coverage(args),
        } => mock_coverage::coverage(args).await,
        #[cfg(feature = "harness")]
        Command::Mock {
            command: MockCommand::Verify(args),
        } => mock_verify::verify(args).await,
        #[cfg(feature = "harness")]
        Command::Image {
            command: ImageCommand::Build(args),
        } => image::build(args),
        #[cfg(feature = "harness")]
        Command::Sweep(args) => sweep::run(args).await,
    }
}
