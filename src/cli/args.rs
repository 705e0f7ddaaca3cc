//! Command-line arguments (clap derive).

use std::net::IpAddr;
#[cfg(feature = "harness")]
use std::path::PathBuf;

#[cfg(feature = "harness")]
use clap::ValueEnum;
use clap::{Args, Parser, Subcommand};

/// docflow: proves documentation flows work, end to end.
#[derive(Debug, Parser)]
#[command(name = "docflow", version, about)]
pub(crate) struct Cli {
    /// More logging (`-v` debug, `-vv` trace); `RUST_LOG` overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub(crate) verbose: u8,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run scenarios and print one line per step, the doc defects and a summary.
    #[cfg(feature = "harness")]
    Run(RunArgs),
    /// Check scenario files without running them; prints every problem with file:line:col.
    #[cfg(feature = "harness")]
    Validate(PathsArgs),
    /// Print the JSON Schema of the scenario format.
    #[cfg(feature = "harness")]
    Schema,
    /// Measure the mock's speed and memory in one run and print the figures with targets.
    #[cfg(feature = "harness")]
    Bench(super::bench::BenchArgs),
    /// Kong docs markdown: list a how-to's steps, convert it, check drift, run it as written.
    #[cfg(feature = "harness")]
    Doc {
        #[command(subcommand)]
        command: super::doc::DocCommand,
    },
    /// Konnect-in-a-box.
    Mock {
        #[command(subcommand)]
        command: MockCommand,
    },
    /// The `docflow-mock` container image (the `container` target's).
    #[cfg(feature = "harness")]
    Image {
        #[command(subcommand)]
        command: ImageCommand,
    },
    /// Delete what docflow runs left on a Konnect organization (`KONNECT_TOKEN`): only
    /// resources carrying docflow's label or tag, only those older than `--older-than`.
    #[cfg(feature = "harness")]
    Sweep(SweepArgs),
}

#[cfg(feature = "harness")]
/// `docflow image …`.
#[derive(Debug, Subcommand)]
pub(crate) enum ImageCommand {
    /// Build `docflow-mock:latest` from this source tree: a static `docflow` in `FROM scratch`.
    Build(ImageBuildArgs),
}

#[cfg(feature = "harness")]
/// `docflow image build`.
#[derive(Debug, Args)]
pub(crate) struct ImageBuildArgs {
    /// Cargo profile of the binary in the image (`dev` builds fastest, `release` runs fastest).
    #[arg(long, default_value = "dev")]
    pub(crate) profile: String,
    /// Source tree to build (default: the one this `docflow` was built from, then `.`).
    #[arg(long)]
    pub(crate) source: Option<PathBuf>,
}

#[cfg(feature = "harness")]
/// `docflow sweep`.
#[derive(Debug, Args)]
pub(crate) struct SweepArgs {
    /// Delete docflow's resources created longer ago than this (`6h`, `30m`).
    #[arg(long, default_value = "6h", value_parser = docflow::duration::parse_duration)]
    pub(crate) older_than: std::time::Duration,
    /// Print what would be deleted; delete nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
}

#[cfg(feature = "harness")]
/// Scenario files or folders.
#[derive(Debug, Args)]
pub(crate) struct PathsArgs {
    /// Scenario files or folders of `*.yaml` files.
    #[arg(default_value = "scenarios")]
    pub(crate) paths: Vec<PathBuf>,
}

#[cfg(feature = "harness")]
/// Which target to run on.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum TargetArg {
    /// The embedded mock (no Docker, no network).
    Mock,
    /// The mock in a container (testcontainers).
    Container,
    /// A real Konnect organization (`KONNECT_TOKEN`).
    Konnect,
}

#[cfg(feature = "harness")]
/// `docflow run`.
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// Scenario files or folders of `*.yaml` files.
    #[arg(default_value = "scenarios")]
    pub(crate) paths: Vec<PathBuf>,
    /// Where to run; defaults to `DOCFLOW_TARGET`, then `mock`.
    #[arg(long, value_enum, env = "DOCFLOW_TARGET")]
    pub(crate) target: Option<TargetArg>,
    /// Print the requests as curl commands with `$VARS` instead of sending them.
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Also write a JUnit XML report here (rewritten after every scenario, so an interrupted
    /// run still leaves one).
    #[arg(long, value_name = "PATH")]
    pub(crate) junit: Option<PathBuf>,
    /// Treat the scenario variable or capture `NAME` as a secret, as `secret: true` does: its
    /// value is redacted everywhere (repeatable).
    #[arg(long = "secret", value_name = "NAME", value_parser = secret_name)]
    pub(crate) secrets: Vec<String>,
    /// The value of the scenario variable `NAME` (repeatable): a value the reader brings
    /// (`vars: {NAME: {input: …}}`), whose steps are out of reach without it, or any other
    /// `vars:` entry. Secret-looking names are redacted like every secret.
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = var_assignment)]
    pub(crate) vars: Vec<(String, String)>,
    /// What to do with each passing scenario's snapshots (`<scenario>@<step>.snap`, as
    /// `cargo test` names them): compare, write the missing and changed ones, or leave them.
    /// With `CI=true` nothing is ever written.
    #[arg(long, value_enum, default_value = "check")]
    pub(crate) snapshots: SnapshotsArg,
    /// The snapshot folder; defaults to `DOCFLOW_SNAPSHOTS`, then `snapshots/` here.
    #[arg(long, value_name = "DIR", env = "DOCFLOW_SNAPSHOTS")]
    pub(crate) snapshot_dir: Option<PathBuf>,
    /// Store every exchange, redacted, in `DIR/<scenario>.jsonl` (each step's settled
    /// answer and each cleanup), for `docflow mock verify DIR`.
    #[arg(long, value_name = "DIR", conflicts_with = "dry_run")]
    pub(crate) record: Option<PathBuf>,
    /// Scenarios run at once (default: the number of cores). Each one's output is still
    /// printed whole and in the input order; `-j 1` runs them one after another.
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    pub(crate) jobs: Option<std::num::NonZeroUsize>,
}

#[cfg(feature = "harness")]
impl RunArgs {
    /// `-j`, or the number of cores (1 when it cannot be told).
    pub(crate) fn jobs(&self) -> usize {
        self.jobs
            .or_else(|| std::thread::available_parallelism().ok())
            .map_or(1, std::num::NonZeroUsize::get)
    }
}

#[cfg(feature = "harness")]
/// `--snapshots`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SnapshotsArg {
    /// Compare, as `cargo test` does: a missing or changed one fails the scenario (outside CI,
    /// insta writes `.snap.new` beside it for `cargo insta review`). A scenario with no
    /// snapshot in the folder is not compared.
    Check,
    /// Write the missing and changed ones (refused with `CI=true`).
    Update,
    /// Leave them alone.
    Skip,
}

/// A `--secret` argument: a variable name.
#[cfg(feature = "harness")]
pub(crate) fn secret_name(name: &str) -> Result<String, String> {
    if docflow::scenario::template::is_var_name(name) {
        Ok(name.to_owned())
    } else {
        Err(format!(
            "`{name}` is not a variable name (`[A-Z_][A-Z0-9_]*`, without the `$`)"
        ))
    }
}

/// A `--var` argument: `NAME=VALUE`, `NAME` a variable name; the value is left out of errors.
#[cfg(feature = "harness")]
pub(crate) fn var_assignment(spec: &str) -> Result<(String, String), String> {
    match spec.split_once('=') {
        Some((name, value)) if docflow::scenario::template::is_var_name(name) => {
            Ok((name.to_owned(), value.to_owned()))
        }
        _ => Err(format!(
            "expected `NAME=VALUE` with `NAME` a variable name (`[A-Z_][A-Z0-9_]*`), found `{}=…`",
            spec.split('=').next().unwrap_or("")
        )),
    }
}

/// `docflow mock …`.
#[derive(Debug, Subcommand)]
pub(crate) enum MockCommand {
    /// Serve the mock: the Konnect API on one port, the data plane on another.
    Serve(ServeArgs),
    /// Per Konnect OpenAPI spec, how many operations the mock implements, and which plugins
    /// its data plane executes.
    #[cfg(feature = "harness")]
    Coverage(CoverageArgs),
    /// Replay a recording (`docflow run --record DIR`) against the embedded mock and print
    /// one line per difference in status, the headers that matter, or body shape.
    #[cfg(feature = "harness")]
    Verify(VerifyArgs),
}

/// `docflow mock verify`.
#[cfg(feature = "harness")]
#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// The recording folder (its `*.jsonl`, one per scenario), or one recording file.
    #[arg(value_name = "DIR")]
    pub(crate) dir: PathBuf,
}

/// `docflow mock coverage`.
#[cfg(feature = "harness")]
#[derive(Debug, Args)]
pub(crate) struct CoverageArgs {
    /// The folder of Konnect specs (default: `$DOCFLOW_SHARED/kong-docs/current-2026-08/api-specs/konnect`).
    #[arg(long, value_name = "DIR")]
    pub(crate) specs: Option<PathBuf>,
    /// Print JSON: every operation, implemented or not.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `docflow mock serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Address to bind both listeners to (`0.0.0.0` in a container).
    #[arg(long, default_value = "127.0.0.1")]
    pub(crate) host: IpAddr,
    /// Port of the Konnect API (`KONNECT_CONTROL_PLANE_URL`); 0 picks a free one.
    #[arg(long, default_value_t = 8080)]
    pub(crate) api_port: u16,
    /// Port of the data plane (`KONNECT_PROXY_URL`); 0 picks a free one.
    #[arg(long, default_value_t = 8000)]
    pub(crate) proxy_port: u16,
    /// How long configuration takes to reach the data plane (`2s`, `500ms`).
    #[arg(long, default_value = "0s", value_parser = docflow::duration::parse_duration)]
    pub(crate) propagation_delay: std::time::Duration,
    /// Public base URL of the API, used in issuer URLs (default: each request's `Host`).
    #[arg(long)]
    pub(crate) public_url: Option<String>,
    /// Accept any bearer token, not only `kpat_…`/`spat_…` personal access tokens.
    #[arg(long)]
    pub(crate) any_token: bool,
    /// Serve this organization's `quickstart` at the proxy's root (its token; default: the
    /// first organization that creates one). Other organizations use `/dp/{id}`.
    #[arg(long, env = "DOCFLOW_PROXY_ORG", hide_env_values = true)]
    pub(crate) proxy_org: Option<String>,
    /// Exit once no request has arrived for this long (`120s`); the container target uses it
    /// so that a container outliving its tests stops by itself.
    #[arg(long, value_parser = docflow::duration::parse_duration)]
    pub(crate) exit_when_idle: Option<std::time::Duration>,
}
