//! What a run produced: [`ScenarioReport`] with one [`StepReport`] per step, the doc
//! [`Defect`]s found, the cleanups run, and the failure that stopped it, if any. Everything
//! in here is already redacted.

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::scenario::model::{Span, TargetKind};

/// The report of one scenario run.
#[derive(Debug, Clone)]
pub struct ScenarioReport {
    /// Scenario name (file stem).
    pub scenario: String,
    /// Scenario file.
    pub path: PathBuf,
    /// The scenario file's text, for diagnostics.
    pub source: std::sync::Arc<str>,
    /// Where it ran.
    pub target: TargetKind,
    /// Whether the scenario verifies a doc (has `doc:` or steps with `source:`).
    pub verifies_doc: bool,
    /// One entry per step that ran or was skipped.
    pub steps: Vec<StepReport>,
    /// Where the doc and the target disagree.
    pub defects: Vec<Defect>,
    /// Cleanups, in the order they ran.
    pub cleanups: Vec<CleanupReport>,
    /// What stopped the run or made it fail.
    pub failures: Vec<Failure>,
}

impl ScenarioReport {
    /// Whether the run passed: no failure, no unknown defect, every cleanup done.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
            && self.defects.iter().all(|d| d.known.is_some())
            && self.cleanups.iter().all(|c| c.ok)
    }
}

/// How a step ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepOutcome {
    /// Every expectation held.
    Passed,
    /// The doc's expectation failed exactly as the scenario's `defect:` says.
    KnownDefect,
    /// The doc's expectation failed in a way the scenario does not know (the run went on).
    DocDefect,
    /// An expectation failed; the run stopped here.
    Failed,
    /// Not run on this target.
    Skipped(String),
}

/// The report of one step.
#[derive(Debug, Clone)]
pub struct StepReport {
    /// Step name.
    pub name: String,
    /// Where the step is in the scenario.
    pub span: Span,
    /// Method.
    pub method: String,
    /// URL with `$VARS` (`$KONNECT_CONTROL_PLANE_URL/v1/auth-servers`).
    pub url: String,
    /// Status answered (last attempt), if a response came.
    pub status: Option<u16>,
    /// Time of the last attempt.
    pub elapsed: Duration,
    /// HTTP attempts plus step-level retries.
    pub attempts: u32,
    /// How it ended.
    pub outcome: StepOutcome,
    /// The redacted snapshot view (status, allow-listed headers, body, verified tokens).
    pub view: Option<Value>,
}

/// A place where the doc and the target disagree.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Defect {
    /// Step name.
    pub step: String,
    /// `file:line` in the docs root.
    pub doc: String,
    /// What the doc says (`status_code: 200`).
    pub doc_says: String,
    /// What the target answered (`201`).
    pub actual: String,
    /// The scenario's reason when the defect is known; `None` for a new one.
    pub known: Option<String>,
    /// A redacted excerpt of the response body.
    #[serde(skip)]
    pub excerpt: String,
}

/// One cleanup request's result.
#[derive(Debug, Clone)]
pub struct CleanupReport {
    /// The step it undoes.
    pub step: String,
    /// Method and URL with `$VARS`.
    pub request: String,
    /// Status answered, if any.
    pub status: Option<u16>,
    /// Whether it counts as done (2xx, or 404: already gone).
    pub ok: bool,
    /// Why not, if not.
    pub error: Option<String>,
}

/// Why a run failed.
#[derive(Debug, Clone)]
pub struct Failure {
    /// Stable code (`check::status`, `run::undefined_variable`, `http::transport`,
    /// `doc::defect_fixed`, `run::panic`, …).
    pub code: &'static str,
    /// The step, if the failure belongs to one.
    pub step: Option<String>,
    /// Where in the scenario.
    pub span: Span,
    /// Lowercase fragment.
    pub message: String,
    /// The failed checks, with expected and actual.
    pub mismatches: Vec<Mismatch>,
    /// A redacted excerpt of the response.
    pub excerpt: Option<String>,
    /// A curl command that reproduces the request, with `$VARS`.
    pub curl: Option<String>,
    /// `export NAME=value` lines for the non-secret variables the curl uses.
    pub exports: Vec<String>,
    /// Where the failing step comes from in the docs (`file:line`), if it is a doc step.
    pub doc: Option<String>,
}

/// One failed check.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// Stable code (`check::status`, `check::body`, `check::jq`, `check::header`,
    /// `check::capture`, `check::token`, or the `claims::…` code of a token that does not
    /// verify).
    pub code: &'static str,
    /// What was checked, as a lowercase fragment (`status`, `body at `.name``).
    pub what: String,
    /// What was expected.
    pub expected: String,
    /// What the target answered (already redacted by the caller before printing).
    pub actual: String,
}
