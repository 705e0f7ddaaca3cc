//! [`test_scenario_file`]: what one `cargo test` case does with a scenario file — load it,
//! open the target from the environment, run it, check its snapshots. A target that was asked
//! for and cannot open fails the test with the reason (a nightly job must never pass having
//! sent nothing); a scenario that does not run on the target says so on the terminal.

use std::io::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};

use crate::outcome::ScenarioReport;
use crate::report::snapshot::assert_snapshots;
use crate::report::terminal as report;
use crate::scenario::load::load_file;
use crate::scenario::model::TargetKind;
use crate::targets::{Target, TargetCode, TargetError};

/// How a scenario test ended without failing.
#[derive(Debug)]
pub enum Verdict {
    /// It ran, passed, and its snapshots match.
    Passed(Box<ScenarioReport>),
    /// It could not run here (no Docker engine for the default target, opted out with
    /// `DOCFLOW_REQUIRE_DOCKER=0`); the reason is printed as `skipped: <reason>`.
    Skipped(String),
    /// The scenario declares it does not run on this target; printed as
    /// `not applicable: <reason>`.
    NotApplicable(String),
}

/// Which target a test run uses and whether it was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetChoice {
    /// Nothing was asked: the embedded mock.
    Default,
    /// `DOCFLOW_TARGET` (or `--target`) named this target: failing to open it fails the run.
    Asked(TargetKind),
}

impl TargetChoice {
    /// The choice named by `DOCFLOW_TARGET`; an unknown name is an error.
    pub fn from_env() -> Result<Self, TargetError> {
        match std::env::var("DOCFLOW_TARGET") {
            Err(_) => Ok(Self::Default),
            Ok(name) if name.trim().is_empty() => Ok(Self::Default),
            Ok(name) => TargetKind::parse(name.trim()).map(Self::Asked).ok_or_else(|| {
                TargetError::new(
                    TargetCode::Unknown,
                    format!(
                        "unknown target `{name}` in `DOCFLOW_TARGET` (expected `mock`, `container` or `konnect`)"
                    ),
                )
            }),
        }
    }

    /// The target kind to open.
    pub fn kind(self) -> TargetKind {
        match self {
            Self::Default => TargetKind::Mock,
            Self::Asked(kind) => kind,
        }
    }
}

/// Whether a missing Docker engine fails instead of skipping: always when the container target
/// was asked for, unless `DOCFLOW_REQUIRE_DOCKER=0`; otherwise when `DOCFLOW_REQUIRE_DOCKER=1`.
pub fn docker_required() -> bool {
    match std::env::var("DOCFLOW_REQUIRE_DOCKER") {
        Ok(v) if v == "1" || v == "true" => true,
        Ok(v) if v == "0" || v == "false" => false,
        _ => matches!(
            TargetChoice::from_env(),
            Ok(TargetChoice::Asked(TargetKind::Container))
        ),
    }
}

/// What a target that could not open means for a test: `Ok(reason)` to skip (only a missing
/// Docker engine, when Docker is not required), `Err(message)` to fail. A target that was asked
/// for never skips for missing settings: that is how a nightly job passed having sent nothing.
pub fn open_failure(
    choice: TargetChoice,
    error: &TargetError,
    docker_required: bool,
) -> Result<String, String> {
    let message = format!("error[{}]: {}", error.code, error.message);
    match (choice, error.code) {
        (_, TargetCode::NoDocker) if !docker_required => Ok(error.message.clone()),
        (TargetChoice::Asked(kind), _) => Err(format!(
            "{message}\nthe `{}` target was asked for (`DOCFLOW_TARGET`) and cannot open",
            kind.as_str()
        )),
        (TargetChoice::Default, _) => Err(message),
    }
}

/// Prints a line a passing test must still show: libtest captures `print!`, not a direct write.
fn tell(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Runs the scenario at `path` on the target named by `DOCFLOW_TARGET`, checks its snapshots,
/// and returns the rendered report as the error when anything failed.
pub async fn test_scenario_file(path: &Path) -> Result<Verdict, String> {
    let choice = TargetChoice::from_env().map_err(|e| format!("error[{}]: {e}", e.code))?;
    test_scenario_file_on(path, choice, docker_required()).await
}

/// [`test_scenario_file`] on an explicit target choice.
pub async fn test_scenario_file_on(
    path: &Path,
    choice: TargetChoice,
    docker_required: bool,
) -> Result<Verdict, String> {
    let scenario = load_file(path).map_err(|e| e.to_string())?;
    let target = match Target::open(choice.kind()).await {
        Ok(t) => t,
        Err(e) => {
            let reason = open_failure(choice, &e, docker_required)?;
            tell(&format!("skipped: {reason}"));
            return Ok(Verdict::Skipped(reason));
        }
    };
    if !scenario.runs_on(target.kind()) {
        let reason = format!(
            "scenario `{}` runs only on {}, not on `{}`",
            scenario.name,
            scenario
                .targets
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            target.kind().as_str()
        );
        tell(&format!("not applicable: {reason}"));
        return Ok(Verdict::NotApplicable(reason));
    }
    let session = target
        .open_session()
        .await
        .map_err(|e| format!("error[{}]: {}", e.code, e.message))?;
    let in_flight = InFlight::enter()?;
    let report = crate::runner::run::run_scenario_until(&scenario, &session, terminated()).await;
    let rendered = report::full(&report);
    if INTERRUPTED_BY.load(Ordering::SeqCst) != 0 {
        // The process exits when the last run in flight ends: show which cleanups ran (and
        // which failed) first, past the output capture, or an interrupted test says nothing.
        tell(&rendered);
    }
    drop(in_flight);
    if !report.passed() {
        return Err(rendered);
    }
    // Snapshots are checked only for a passing run: a failed run's views are partial.
    assert_snapshots(&report).map_err(|e| format!("{rendered}{e}"))?;
    println!("{rendered}");
    Ok(Verdict::Passed(Box::new(report)))
}

/// The signal that interrupted this test process (0: none yet).
static INTERRUPTED_BY: AtomicI32 = AtomicI32::new(0);
/// Scenario runs of this process still running or cleaning up.
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// Resolves when the test process gets SIGTERM, SIGHUP or SIGINT (nextest's `terminate-after`,
/// a CI cancellation, Ctrl-C), so the scenario's cleanups run before the process ends.
async fn terminated() {
    let signal = crate::signals::interrupted().await;
    INTERRUPTED_BY.store(signal, Ordering::SeqCst);
}

/// Counts one scenario run in flight; when the process was interrupted and the last run has
/// cleaned up, exits with 128+signal. A listener replaces the signal's default action (exit),
/// so without this the process would go on running tests after its cleanups.
struct InFlight;

impl InFlight {
    /// Refuses to start a scenario once the process was interrupted (its listener would miss
    /// the signal that already came).
    fn enter() -> Result<Self, String> {
        IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
        let guard = Self;
        match INTERRUPTED_BY.load(Ordering::SeqCst) {
            0 => Ok(guard),
            signal => Err(format!(
                "not started: the test process was interrupted by signal {signal}"
            )),
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
        exit_if_interrupted();
    }
}

fn exit_if_interrupted() {
    let signal = INTERRUPTED_BY.load(Ordering::SeqCst);
    if signal != 0 && IN_FLIGHT.load(Ordering::SeqCst) == 0 {
        tell(&format!(
            "interrupted by signal {signal}: cleanups done, exiting with {}",
            128 + signal
        ));
        std::process::exit(128 + signal);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(code: TargetCode) -> TargetError {
        TargetError::new(code, "`KONNECT_TOKEN` is not set")
    }

    #[test]
    fn an_asked_target_without_settings_fails_with_the_reason() {
        let choice = TargetChoice::Asked(TargetKind::Konnect);
        let failed = open_failure(choice, &error(TargetCode::NotConfigured), false).unwrap_err();
        assert!(failed.contains("error[target::not_configured]: `KONNECT_TOKEN` is not set"));
        assert!(failed.contains("the `konnect` target was asked for"));
    }

    #[test]
    fn a_missing_docker_engine_skips_only_when_docker_is_not_required() {
        let choice = TargetChoice::Asked(TargetKind::Container);
        let e = error(TargetCode::NoDocker);
        assert!(open_failure(choice, &e, true).is_err());
        assert!(open_failure(choice, &e, false).is_ok());
    }
}
