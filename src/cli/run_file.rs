//! [`run_file`]: one scenario file of `docflow run` — load, check it applies, open a session,
//! run, check snapshots — writing everything it prints into the scenario's own [`Output`], so
//! that scenarios running at once print in the input order.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::SystemTime;

use docflow::outcome::ScenarioReport;
use docflow::report::junit::Unrun;
use docflow::report::terminal as report;
use docflow::runner::run::run_scenario_watched;
use docflow::runner::watch::{Event, Watcher};
use docflow::scenario::error::LoadErrors;
use docflow::scenario::load::load_file;
use docflow::scenario::model::{Scenario, TargetKind};
use docflow::targets::Target;
use tokio::sync::watch;

use super::ordered_output::Output;
use super::record::Recorder;
use super::snapshots::Snapshots;

/// How each scenario runs: where, which names are secrets, what to do with snapshots.
#[derive(Debug)]
pub(crate) struct Options {
    /// The target's kind.
    pub(crate) kind: TargetKind,
    /// The `--secret` names.
    pub(crate) secrets: Vec<String>,
    /// The `--var NAME=VALUE` values.
    pub(crate) vars: Vec<(String, String)>,
    /// `--snapshots` and `--snapshot-dir`.
    pub(crate) snapshots: Snapshots,
    /// `--record`: where each exchange goes.
    pub(crate) recorder: Option<Recorder>,
}

/// What became of one file.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// It does not load.
    LoadError(Unrun),
    /// It runs only on other targets.
    NotApplicable(Unrun),
    /// The target gave it no session: the summary's line.
    NoSession(String),
    /// It ran (maybe interrupted).
    Ran(Box<ScenarioReport>),
}

/// One file's outcome and the `--secret` names it defines.
#[derive(Debug)]
pub(crate) struct FileRun {
    /// What became of it.
    pub(crate) outcome: Outcome,
    /// The `--secret` names the scenario defines.
    pub(crate) marked: Vec<String>,
    /// The `--var` names the scenario defines.
    pub(crate) supplied: Vec<String>,
}

/// A loaded file: its length and modification time when it was read, and the scenario.
type Loaded = (u64, SystemTime, Scenario);

/// Loads `file`, parsing it once per process while it is unchanged (same length and
/// modification time): a soak run gives the same file many times, and parsing is a tenth of a
/// scenario's CPU time. Errors are never kept, so each copy reports its own.
fn load_once(file: &Path) -> Result<Scenario, LoadErrors> {
    static LOADED: OnceLock<Mutex<HashMap<PathBuf, Loaded>>> = OnceLock::new();
    let stamp = std::fs::metadata(file)
        .ok()
        .and_then(|m| Some((m.len(), m.modified().ok()?)));
    let loaded = LOADED.get_or_init(Mutex::default);
    if let Some((len, modified)) = stamp
        && let Some((l, m, scenario)) = loaded
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(file)
        && (*l, *m) == (len, modified)
    {
        return Ok(scenario.clone());
    }
    let scenario = load_file(file)?;
    if let Some((len, modified)) = stamp {
        loaded
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(file.to_owned(), (len, modified, scenario.clone()));
    }
    Ok(scenario)
}

/// Loads and runs `file` on `target`, printing into `out`; a signal on `signals` cancels the
/// run (its cleanups still run).
pub(crate) async fn run_file(
    file: PathBuf,
    target: Target,
    options: Arc<Options>,
    signals: watch::Receiver<Option<i32>>,
    out: Output,
) -> FileRun {
    let kind = options.kind;
    let mut scenario = match load_once(&file) {
        Ok(s) => s,
        Err(e) => {
            out.error_line(e.to_string());
            let unrun = Unrun {
                path: file,
                reason: e.to_string(),
                load_error: true,
            };
            return FileRun {
                outcome: Outcome::LoadError(unrun),
                marked: vec![],
                supplied: vec![],
            };
        }
    };
    let supplied = options
        .vars
        .iter()
        .filter(|(name, value)| scenario.supply(name, value))
        .map(|(name, _)| name.clone())
        .collect();
    let marked = scenario
        .mark_secrets(&options.secrets)
        .into_iter()
        .map(str::to_owned)
        .collect();
    out.line(format!(
        "── {} ({}) on {}",
        scenario.name,
        file.display(),
        kind.as_str()
    ));
    let outcome = if scenario.runs_on(kind) {
        run_applicable(&scenario, &target, &options, signals, out).await
    } else {
        not_applicable(&scenario, &file, &out)
    };
    FileRun {
        outcome,
        marked,
        supplied,
    }
}

/// The scenario is not for this target: say so.
fn not_applicable(scenario: &Scenario, file: &Path, out: &Output) -> Outcome {
    let reason = format!(
        "scenario runs only on {}",
        scenario
            .targets
            .iter()
            .map(|t| format!("`{}`", t.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    out.line(format!("  not applicable: {reason}"));
    Outcome::NotApplicable(Unrun {
        path: file.to_owned(),
        reason,
        load_error: false,
    })
}

/// Opens a session and runs the scenario, each step's line as it finishes.
async fn run_applicable(
    scenario: &Scenario,
    target: &Target,
    options: &Options,
    mut signals: watch::Receiver<Option<i32>>,
    out: Output,
) -> Outcome {
    let session = match target.open_session().await {
        Ok(s) => s,
        Err(e) => {
            out.error_line(format!("error[{}]: {}", e.code, e.message));
            return Outcome::NoSession(format!("{}: no session ({})", scenario.name, e.code));
        }
    };
    let interrupted = async move {
        let _ = signals.wait_for(Option::is_some).await;
    };
    let width = scenario
        .steps
        .iter()
        .map(|s| s.name.len())
        .max()
        .unwrap_or(0);
    // Each step's line as it finishes, and a note when one starts polling, so a long retry
    // does not look hung.
    let live = out.clone();
    let recording = options
        .recorder
        .as_ref()
        .map(|r| r.start(&scenario.name, options.kind.as_str()));
    let watcher = Watcher::new(move |event| match event {
        Event::StepDone(step) => live.line(report::step_line(step, width)),
        Event::Waiting { step, status, left } => {
            live.line(report::waiting_line(step, *status, *left, width));
        }
        Event::Exchange(exchange) => {
            if let Some(recording) = &recording {
                recording.record(exchange);
            }
        }
    });
    let mut report = run_scenario_watched(scenario, &session, interrupted, watcher).await;
    if let Some(line) = options.snapshots.apply(&mut report) {
        out.line(line);
    }
    out.out(report::after_steps(&report));
    Outcome::Ran(Box::new(report))
}
