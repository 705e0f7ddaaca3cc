//! What a run produced: [`ScenarioReport`] with one [`StepReport`] per step, the doc
//! [`Defect`]s found, the cleanups run, and the failure that stopped it, if any. Everything
//! in here is already redacted.

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::scenario::model::{Span, StepKey, StepKeys, TargetKind};

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
    /// The target said it cannot emulate what the step needs (its answer carried
    /// [`NOT_EMULATED_HEADER`]), or the step needs a value only such a step would have
    /// captured. Neither a failure nor a doc defect; reported as skipped, with the reason.
    OutOfReach {
        /// The target's reason, or which out-of-reach step the value would have come from.
        reason: String,
    },
}

/// The response header by which Konnect-in-a-box marks an answer it does not emulate (the
/// same name as `mock::not_emulated::HEADER`, which the runner does not import: it must not
/// depend on the mock).
pub const NOT_EMULATED_HEADER: &str = "docflow-not-emulated";

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
    pub code: Code,
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
    /// Where the failing step's checked keys are written, to point at the failing one.
    pub keys: StepKeys,
}

/// One failed check.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// Stable code (`check::status`, `check::body`, `check::jq`, `check::header`,
    /// `check::capture`, `check::token`, or the `claims::…` code of a token that does not
    /// verify).
    pub code: Code,
    /// What was checked, as a lowercase fragment (`status`, `body at `.name``).
    pub what: String,
    /// What was expected.
    pub expected: String,
    /// What the target answered (already redacted by the caller before printing).
    pub actual: String,
}

/// The stable code of a failure or a failed check: the area it comes from and, within it,
/// the kind. Its string form (`check::status`, `claims::expired`) is what users see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    /// An expectation of the scenario did not hold.
    Check(CheckCode),
    /// A token did not verify.
    Claims(ClaimsCode),
    /// The run could not go on.
    Run(RunCode),
    /// The doc's expectation and the target disagree.
    Doc(DocCode),
    /// A request got no response (`http::transport`).
    Transport,
}

impl Code {
    /// The stable name, `area::kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Check(c) => c.as_str(),
            Self::Claims(c) => c.as_str(),
            Self::Run(c) => c.as_str(),
            Self::Doc(c) => c.as_str(),
            Self::Transport => "http::transport",
        }
    }
}

/// A failed expectation of the scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckCode {
    /// `status_code:` differs.
    Status,
    /// `expect: body` differs.
    Body,
    /// `expect: headers` differs.
    Header,
    /// An `expect: jq` predicate is not true.
    Jq,
    /// A `capture:` found nothing.
    Capture,
    /// A `token:` check differs.
    Token,
    /// A step's snapshot (`snapshots/<scenario>@<step>.snap`) is missing or differs.
    Snapshot,
    /// A check failed without a more precise code.
    Failed,
}

impl CheckCode {
    /// The stable name, `check::<kind>`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Status => "check::status",
            Self::Body => "check::body",
            Self::Header => "check::header",
            Self::Jq => "check::jq",
            Self::Capture => "check::capture",
            Self::Token => "check::token",
            Self::Snapshot => "check::snapshot",
            Self::Failed => "check::failed",
        }
    }
}

/// Why the run itself stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RunCode {
    /// The runner panicked.
    Panic,
    /// The run was cancelled or interrupted.
    Cancelled,
    /// A `$VAR` has no value when the step runs.
    UndefinedVariable,
}

impl RunCode {
    /// The stable name, `run::<kind>`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Panic => "run::panic",
            Self::Cancelled => "run::cancelled",
            Self::UndefinedVariable => "run::undefined_variable",
        }
    }
}

/// A doc defect as the runner reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocCode {
    /// The doc's expectation fails and the scenario does not know it.
    Defect,
    /// A known defect no longer happens: the doc or the target was fixed.
    DefectFixed,
}

impl DocCode {
    /// The stable name, `doc::<kind>`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Defect => "doc::defect",
            Self::DefectFixed => "doc::defect_fixed",
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for CheckCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for RunCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for DocCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl From<CheckCode> for Code {
    fn from(c: CheckCode) -> Self {
        Self::Check(c)
    }
}

impl From<ClaimsCode> for Code {
    fn from(c: ClaimsCode) -> Self {
        Self::Claims(c)
    }
}

impl From<RunCode> for Code {
    fn from(c: RunCode) -> Self {
        Self::Run(c)
    }
}

impl From<DocCode> for Code {
    fn from(c: DocCode) -> Self {
        Self::Doc(c)
    }
}

/// Why a token was refused. The string form (`claims::expired`) is stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClaimsCode {
    /// The token is not a well-formed compact JWS.
    Malformed,
    /// The token's algorithm is not an allowed asymmetric one.
    Algorithm,
    /// `iss` is missing, not an http(s) URL, or not the expected one.
    Issuer,
    /// The issuer's discovery document or JWKS cannot be fetched or read.
    Discovery,
    /// No key of the JWKS matches the token.
    UnknownKey,
    /// `exp` is past.
    Expired,
    /// `nbf` is in the future, or after `iat`.
    NotYetValid,
    /// The signature does not verify.
    Signature,
    /// Any other rejection.
    Invalid,
    /// `iat`/`exp` are missing or the lifetime is not the expected one.
    Lifetime,
    /// `jti` is not a UUID.
    Jti,
}

impl ClaimsCode {
    /// The stable name, `claims::<kind>`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Malformed => "claims::malformed",
            Self::Algorithm => "claims::algorithm",
            Self::Issuer => "claims::issuer",
            Self::Discovery => "claims::discovery",
            Self::UnknownKey => "claims::unknown_key",
            Self::Expired => "claims::expired",
            Self::NotYetValid => "claims::not_yet_valid",
            Self::Signature => "claims::signature",
            Self::Invalid => "claims::invalid",
            Self::Lifetime => "claims::lifetime",
            Self::Jti => "claims::jti",
        }
    }
}

impl std::fmt::Display for ClaimsCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for ClaimsCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Code {
    /// The step key a failure with this code comes from, and the label to put on it.
    pub fn step_key(self) -> Option<(StepKey, &'static str)> {
        Some(match self {
            Code::Check(CheckCode::Status) | Code::Doc(DocCode::DefectFixed) => {
                (StepKey::StatusCode, "expected status")
            }
            Code::Check(CheckCode::Body | CheckCode::Jq | CheckCode::Header) => {
                (StepKey::Expect, "expectation")
            }
            Code::Check(CheckCode::Capture) => (StepKey::Capture, "capture"),
            Code::Check(CheckCode::Token) | Code::Claims(_) => (StepKey::Token, "token check"),
            Code::Check(CheckCode::Failed | CheckCode::Snapshot)
            | Code::Run(_)
            | Code::Doc(DocCode::Defect)
            | Code::Transport => return None,
        })
    }
}
