//! [`test_scenario_file`]: what one `cargo test` case does with a scenario file — load it,
//! open the target from the environment, run it, check its snapshots — and how it says
//! `skipped: <reason>` instead of passing silently when it cannot run.

use std::path::Path;

use crate::outcome::ScenarioReport;
use crate::report::snapshot::assert_snapshots;
use crate::report::terminal as report;
use crate::scenario::load::load_file;
use crate::targets::{Target, TargetCode};

/// How a scenario test ended without failing.
#[derive(Debug)]
pub enum Verdict {
    /// It ran, passed, and its snapshots match.
    Passed(Box<ScenarioReport>),
    /// It could not run here; the reason is printed as `skipped: <reason>`.
    Skipped(String),
}

/// Whether a missing Docker engine must fail instead of skip (`DOCFLOW_REQUIRE_DOCKER=1`).
pub fn docker_required() -> bool {
    std::env::var("DOCFLOW_REQUIRE_DOCKER").is_ok_and(|v| v == "1" || v == "true")
}

/// Runs the scenario at `path` on the target named by `DOCFLOW_TARGET`, checks its snapshots,
/// and returns the rendered report as the error when anything failed.
pub async fn test_scenario_file(path: &Path) -> Result<Verdict, String> {
    let scenario = load_file(path).map_err(|e| e.to_string())?;
    let target = match Target::from_env().await {
        Ok(t) => t,
        Err(e) => match e.code {
            TargetCode::NoDocker if !docker_required() => return Ok(Verdict::Skipped(e.message)),
            TargetCode::NotConfigured => return Ok(Verdict::Skipped(e.message)),
            _ => return Err(format!("error[{}]: {}", e.code, e.message)),
        },
    };
    if !scenario.runs_on(target.kind()) {
        return Ok(Verdict::Skipped(format!(
            "scenario `{}` runs only on {}",
            scenario.name,
            scenario
                .targets
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let session = target
        .open_session()
        .await
        .map_err(|e| format!("error[{}]: {}", e.code, e.message))?;
    let report = crate::runner::run::run_scenario(&scenario, &session).await;
    let rendered = report::full(&report);
    if !report.passed() {
        return Err(rendered);
    }
    // Snapshots are checked only for a passing run: a failed run's views are partial.
    assert_snapshots(&report).map_err(|e| format!("{rendered}{e}"))?;
    println!("{rendered}");
    Ok(Verdict::Passed(Box::new(report)))
}
