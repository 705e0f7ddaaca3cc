//! Logging setup: `tracing` to stderr, `RUST_LOG` or `-v` for more; coloured as
//! [`super::colour`] says.

use tracing_subscriber::EnvFilter;

/// Installs the subscriber.
pub(crate) fn init(verbose: u8) {
    let default = match verbose {
        0 => "warn,docflow=info",
        1 => "info,docflow=debug",
        _ => "debug,docflow=trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(super::colour::stderr())
        .try_init();
}
