//! `docflow run --snapshots check|update|skip`: each passing scenario's snapshots, compared
//! (or written) as `cargo test` does, with the same names and files. A missing or changed
//! snapshot becomes a `check::snapshot` failure of the scenario, so the summary, JUnit and the
//! exit code all show it.

use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use docflow::outcome::{CheckCode, Code, Failure, ScenarioReport};
use docflow::report::snapshot::{SnapshotCheck, SnapshotMode, check_snapshots, snapshot_name};
use docflow::scenario::model::{Span, StepKeys};

use super::args::{RunArgs, SnapshotsArg};

/// What to do with snapshots, and where they are.
#[derive(Debug, Clone)]
pub(crate) struct Snapshots {
    mode: SnapshotMode,
    dir: PathBuf,
}

impl Snapshots {
    /// From `--snapshots` and `--snapshot-dir`. With `CI=true` nothing may be written: asking
    /// to update, or insta's own `INSTA_UPDATE=always|force`, is an error there.
    pub(crate) fn from_args(args: &RunArgs) -> Result<Self, String> {
        let mode = match args.snapshots {
            SnapshotsArg::Check => SnapshotMode::Check,
            SnapshotsArg::Update => SnapshotMode::Update,
            SnapshotsArg::Skip => SnapshotMode::Skip,
        };
        if mode != SnapshotMode::Skip && is_ci() {
            if mode == SnapshotMode::Update {
                return Err("`--snapshots update` with `CI` set: docflow never writes snapshots in CI; record them locally".to_owned());
            }
            if let Ok(v) = std::env::var("INSTA_UPDATE")
                && matches!(v.as_str(), "always" | "force" | "1")
            {
                return Err(format!(
                    "`INSTA_UPDATE={v}` with `CI` set: docflow never writes snapshots in CI"
                ));
            }
        }
        let dir = args
            .snapshot_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("snapshots"));
        // insta reads a relative snapshot path as relative to its caller's source file.
        let dir = std::path::absolute(&dir)
            .map_err(|e| format!("cannot resolve `{}`: {e}", dir.display()))?;
        Ok(Self { mode, dir })
    }

    /// Compares or updates the snapshots of a passing `report`, records each snapshot that
    /// is missing or differs as a failure of the report, and returns the line that says what
    /// happened, if any.
    pub(crate) fn apply(&self, report: &mut ScenarioReport) -> Option<String> {
        if !report.passed() {
            // A failed run's views are partial: nothing to compare.
            return None;
        }
        let checked = {
            // One scenario at a time: the panic hook is process-wide, and scenarios running
            // at once may compare (or write) the same files.
            let _turn = TURN.lock().unwrap_or_else(PoisonError::into_inner);
            // insta reports a difference by panicking (and prints its own diff first); here
            // that panic is an expected answer, not a crash to print.
            let hook = std::panic::take_hook();
            std::panic::set_hook(Box::new(|_| {}));
            let checked = check_snapshots(report, &self.dir, self.mode);
            std::panic::set_hook(hook);
            checked
        };
        let dir = self.dir.display();
        match checked {
            SnapshotCheck::Skipped => None,
            SnapshotCheck::Untracked => Some(format!(
                "  snapshots: none recorded for `{}` in `{dir}` (`--snapshots update` records them)",
                report.scenario
            )),
            SnapshotCheck::Matched => Some(format!("  snapshots: all match `{dir}`")),
            SnapshotCheck::Updated(names) => {
                Some(format!("  snapshots: wrote {}", names.join(", ")))
            }
            SnapshotCheck::Differ(names) => {
                for name in names {
                    report
                        .failures
                        .push(snapshot_failure(report, &name, &dir.to_string()));
                }
                None
            }
        }
    }
}

/// Held while one scenario's snapshots are compared.
static TURN: Mutex<()> = Mutex::new(());

/// The failure of one snapshot that is missing or differs.
fn snapshot_failure(report: &ScenarioReport, name: &str, dir: &str) -> Failure {
    let step = report
        .steps
        .iter()
        .find(|s| snapshot_name(&report.scenario, &s.name) == name);
    Failure {
        code: Code::Check(CheckCode::Snapshot),
        step: None,
        span: step.map_or_else(Span::default, |s| s.span),
        message: format!(
            "snapshot `{name}` is missing or differs from `{dir}/{name}.snap`; review it with \
             `cargo insta review` (a `.snap.new` is beside it, except in CI), or accept the \
             run's with `--snapshots update`"
        ),
        mismatches: vec![],
        excerpt: None,
        curl: None,
        exports: vec![],
        doc: None,
        keys: StepKeys::default(),
    }
}

/// Whether insta counts this as CI, where it writes nothing (its own rule: `CI` set to
/// anything but `false`, `0` or empty, or `TF_BUILD` set).
fn is_ci() -> bool {
    match std::env::var("CI").ok().as_deref() {
        Some("false" | "0" | "") => false,
        None => std::env::var_os("TF_BUILD").is_some(),
        Some(_) => true,
    }
}
