//! The CLI's commands, one module each.

pub(crate) mod args;
pub(crate) mod bench;
pub(crate) mod doc;
pub(crate) mod files;
pub(crate) mod image;
pub(crate) mod logging;
pub(crate) mod mock;
pub(crate) mod mock_coverage;
pub(crate) mod run;
pub(crate) mod sweep;
pub(crate) mod validate;

use std::process::ExitCode;

use args::{Cli, Command, ImageCommand, MockCommand};

/// Runs the parsed command.
pub(crate) async fn dispatch(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Run(args) => run::run(args).await,
        Command::Validate(args) => validate::validate(&args.paths),
        Command::Schema => validate::schema(),
        Command::Bench(args) => bench::bench(args).await,
        Command::Doc { command } => doc::doc(command).await,
        Command::Mock {
            command: MockCommand::Serve(args),
        } => mock::serve(args).await,
        Command::Mock {
            command: MockCommand::Coverage(args),
        } => mock_coverage::coverage(args).await,
        Command::Image {
            command: ImageCommand::Build(args),
        } => image::build(args),
        Command::Sweep(args) => sweep::run(args).await,
    }
}
