//! [`PageVerdict`]: what a run of a page as written means for its writer. Every step of the
//! doc ends with exactly one of four [`Verdict`]s — *verified*, *doc defect* (the target is
//! authoritative and disagrees with the doc), *out of reach* (the target does not emulate it:
//! a plugin or API the mock answers `501` for, a Gateway version above
//! [`MOCK_GATEWAY_VERSION`], a non-HTTP tool), or *docflow error* (docflow could not convert or
//! run it; never blamed on the doc) — located at the doc's own `file:line`.

use std::fmt::Write as _;

use super::code::{Code, DocCode};
use super::convert::Conversion;
use super::diagnostic::Diagnostic;
use super::prose_check::ClaimOutcome;
use crate::outcome::{Code as OutcomeCode, RunCode, ScenarioReport, StepOutcome, StepReport};
use crate::scenario::model::Destination;

/// The Kong Gateway version the mock emulates; pages whose `min_version.gateway` is above it
/// are out of reach on the mock. One knob, raised as the mock grows.
pub const MOCK_GATEWAY_VERSION: &str = "3.15";

/// The header the mock sets on a `501` for a plugin or API path it does not emulate.
pub const NOT_EMULATED_HEADER: &str = "docflow-not-emulated";

/// How one step of the doc ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The target did what the doc says.
    Verified,
    /// The doc disagrees with the target, which decides this behaviour (what, and why).
    DocDefect(String),
    /// The target does not emulate this (the reason).
    OutOfReach(String),
    /// docflow could not convert or run it (what went wrong).
    DocflowError(String),
}

impl Verdict {
    /// A short label for reports.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Verified => "verified",
            Self::DocDefect(_) => "doc defect",
            Self::OutOfReach(_) => "out of reach",
            Self::DocflowError(_) => "docflow error",
        }
    }

    /// The detail, if any.
    pub fn detail(&self) -> Option<&str> {
        match self {
            Self::Verified => None,
            Self::DocDefect(d) | Self::OutOfReach(d) | Self::DocflowError(d) => Some(d),
        }
    }
}

/// One step of the doc and its verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepVerdict {
    /// `file:line` in the docs root.
    pub at: String,
    /// What the step is (`POST /v1/auth-servers`, `{% validation custom-command %}`).
    pub what: String,
    /// How it ended.
    pub verdict: Verdict,
}

/// Every step of a page, in doc order, with its verdict.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageVerdict {
    /// The page, relative to the docs root.
    pub page: String,
    /// The steps.
    pub steps: Vec<StepVerdict>,
    /// The page's sentences that name a method and an endpoint, checked statically.
    pub prose: ProseTally,
}

/// How the page's sentences that name a method and an endpoint compare with its requests
/// (a disagreement is also a doc defect row of [`PageVerdict::steps`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProseTally {
    /// Sentences (and `tldr` lines) naming a method and an endpoint.
    pub claims: usize,
    /// Those a request of the page agrees with.
    pub agree: usize,
    /// Those the request they describe disagrees with.
    pub disagree: usize,
}

impl ProseTally {
    /// The tally of a converted page.
    pub fn of(conversion: &Conversion) -> Self {
        let count = |f: fn(&ClaimOutcome) -> bool| {
            conversion.prose.iter().filter(|c| f(&c.outcome)).count()
        };
        Self {
            claims: conversion.prose.len(),
            agree: count(|o| matches!(o, ClaimOutcome::Agrees(_))),
            disagree: count(|o| matches!(o, ClaimOutcome::Disagrees(_))),
        }
    }

    /// `prose: 3 sentences name a request: 2 agree, 1 disagrees, 0 not checked`, or nothing
    /// when the page has none.
    pub fn summary(&self) -> Option<String> {
        (self.claims > 0).then(|| {
            let (sentences, name) = if self.claims == 1 {
                ("sentence", "names")
            } else {
                ("sentences", "name")
            };
            format!(
                "prose: {} {sentences} {name} a method and an endpoint: {} agree with the page's requests, {} disagree, {} name no request of the page (not checked)",
                self.claims,
                self.agree,
                self.disagree,
                self.claims - self.agree - self.disagree
            )
        })
    }
}

/// Whether `version` (`3.13`, `3.4.1`) is above [`MOCK_GATEWAY_VERSION`].
pub fn above_mock(version: &str) -> bool {
    let parse = |v: &str| -> Vec<u32> {
        v.split('.')
            .map(|p| p.trim().parse().unwrap_or(0))
            .collect()
    };
    parse(version) > parse(MOCK_GATEWAY_VERSION)
}

/// Steps that are out of reach before anything runs (the reason), from the page alone: a
/// `min_version.gateway` above the mock's makes its gateway requests out of reach.
pub fn gateway_version_reason(min_gateway: Option<&str>) -> Option<String> {
    let version = min_gateway?;
    above_mock(version)
        .then(|| format!("needs Kong Gateway {version}; the mock emulates {MOCK_GATEWAY_VERSION}"))
}

impl PageVerdict {
    /// The verdicts of a converted page, run (`report`) or not (`None`: docflow could not run
    /// it; `run_error` says why).
    pub fn new(
        conversion: &Conversion,
        report: Option<&ScenarioReport>,
        run_error: Option<&str>,
    ) -> Self {
        let mut steps = Vec::new();
        for d in &conversion.defects {
            steps.push(from_diagnostic(d, Verdict::DocDefect(d.message.clone())));
        }
        for w in conversion
            .warnings
            .iter()
            .filter(|w| NOT_RUN_CODES.contains(&w.code))
        {
            steps.push(from_diagnostic(w, Verdict::OutOfReach(w.message.clone())));
        }
        let gateway = gateway_version_reason(conversion.min_gateway.as_deref());
        // The verdict of the step the run stopped at: the steps after it inherit its kind.
        let mut stopped: Option<Verdict> = None;
        // The first state-changing step that was out of reach: what later steps find depends
        // on it.
        let mut unreachable_config: Option<String> = None;
        for step in &conversion.scenario.steps {
            let ran = report.and_then(|r| r.steps.iter().find(|s| s.name == step.name));
            let Some(source) = &step.source else {
                if let Some(ran) = ran {
                    note_unreachable_config(step, &ran.outcome, &mut unreachable_config);
                }
                continue;
            };
            let at = format!("{}:{}", source.file, source.line);
            let what = format!("{} {}", step.request.method, step.request.url.raw);
            let verdict = match (ran, &gateway) {
                _ if conversion.not_for_konnect.is_some() => {
                    Verdict::OutOfReach(conversion.not_for_konnect.clone().unwrap_or_default())
                }
                (_, Some(reason)) if step.request.destination == Destination::Proxy => {
                    Verdict::OutOfReach(reason.clone())
                }
                (Some(ran), _) => {
                    let verdict = reader_input(conversion, report, &step.name)
                        .or_else(|| unreachable_host(step, report))
                        .unwrap_or_else(|| step_verdict(report, &step.name, ran));
                    if ran.outcome == StepOutcome::Failed {
                        stopped = Some(verdict.clone());
                    }
                    verdict
                }
                (None, _) => match (&stopped, run_error) {
                    (Some(Verdict::OutOfReach(reason)), _) => Verdict::OutOfReach(format!(
                        "not reached: the run stopped at a step out of reach ({reason})"
                    )),
                    // The doc's own mistake stopped the run (what it creates is missing): what
                    // follows cannot be checked, and is not docflow's failure either.
                    (Some(Verdict::DocDefect(defect)), _) => Verdict::OutOfReach(format!(
                        "not reached: the run stopped at a doc defect ({defect})"
                    )),
                    (_, Some(e)) => Verdict::DocflowError(format!("not run: {e}")),
                    _ => Verdict::DocflowError(
                        "not reached: the run stopped before this step".to_owned(),
                    ),
                },
            };
            let depends_on = unreachable_config
                .clone()
                .or_else(|| conversion.after_unrun.get(&step.name).cloned());
            let verdict = match depends_on {
                Some(on) => depending(verdict, step.request.destination, &on),
                None => verdict,
            };
            if let Some(ran) = ran {
                // A step that needs a value the reader brings was not sent either, though the
                // runner reports it failed: what it would have configured is missing too (a
                // gateway call after it must not pass as verified).
                let not_sent = match (&ran.outcome, reader_input(conversion, report, &step.name)) {
                    (StepOutcome::Failed, Some(Verdict::OutOfReach(reason))) => {
                        StepOutcome::OutOfReach { reason }
                    }
                    (outcome, _) => outcome.clone(),
                };
                note_unreachable_config(step, &not_sent, &mut unreachable_config);
            }
            steps.push(StepVerdict { at, what, verdict });
        }
        steps.sort_by_key(|s| doc_order(&s.at));
        Self {
            page: conversion
                .scenario
                .doc
                .as_ref()
                .map_or_else(String::new, |d| d.file.clone()),
            steps,
            prose: ProseTally::of(conversion),
        }
    }

    /// How many steps have `label`'s verdict.
    pub fn count(&self, label: &str) -> usize {
        self.steps
            .iter()
            .filter(|s| s.verdict.label() == label)
            .count()
    }

    /// `verified N of M steps`, and the other verdicts' counts.
    pub fn summary(&self) -> String {
        format!(
            "verified {} of {} steps; {} doc defects; {} out of reach; {} docflow errors",
            self.count("verified"),
            self.steps.len(),
            self.count("doc defect"),
            self.count("out of reach"),
            self.count("docflow error"),
        )
    }

    /// One line per step, then the summary.
    pub fn render(&self) -> String {
        let width = self.steps.iter().map(|s| s.at.len()).max().unwrap_or(0);
        let mut out = String::new();
        for s in &self.steps {
            let _ = write!(
                out,
                "  {:<13} {:<width$}  {}",
                s.verdict.label(),
                s.at,
                s.what
            );
            match s.verdict.detail() {
                Some(detail) if s.what.is_empty() => out.push_str(detail),
                Some(detail) => {
                    let _ = write!(out, ": {detail}");
                }
                None => {}
            }
            out.push('\n');
        }
        if let Some(prose) = self.prose.summary() {
            let _ = writeln!(out, "  {prose}");
        }
        let _ = writeln!(out, "{}: {}", self.page, self.summary());
        out
    }
}

/// The docs health report: one row per page (verified/total, defects with `file:line`,
/// out-of-reach reasons, docflow errors).
pub fn health_report(pages: &[PageVerdict]) -> String {
    let mut out = String::from("docs health report\n");
    let width = pages.iter().map(|p| p.page.len()).max().unwrap_or(4);
    for p in pages {
        let _ = write!(
            out,
            "  {:<width$}  verified {:>2}/{:<2}  defects {}  out of reach {}  docflow errors {}",
            p.page,
            p.count("verified"),
            p.steps.len(),
            p.count("doc defect"),
            p.count("out of reach"),
            p.count("docflow error"),
        );
        if p.prose.claims > 0 {
            let _ = write!(out, "  prose {}/{} agree", p.prose.agree, p.prose.claims);
        }
        out.push('\n');
        for s in p.steps.iter().filter(|s| s.verdict.label() == "doc defect") {
            let _ = writeln!(
                out,
                "      defect {}: {}",
                s.at,
                s.verdict.detail().unwrap_or("")
            );
        }
        let mut reasons: Vec<&str> = p
            .steps
            .iter()
            .filter(|s| s.verdict.label() == "out of reach")
            .filter_map(|s| s.verdict.detail())
            .collect();
        reasons.sort_unstable();
        reasons.dedup();
        for r in reasons {
            let _ = writeln!(out, "      out of reach: {r}");
        }
    }
    out
}

/// The pages' verdicts as JUnit XML (written by `quick-junit`): a suite per page, a case per
/// step (a doc defect is a failure, a docflow error an error, out of reach is skipped).
pub fn junit_xml(pages: &[PageVerdict]) -> String {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut junit = Report::new("docflow doc run");
    for p in pages {
        let mut suite = TestSuite::new(&p.page);
        for s in &p.steps {
            let detail = s.verdict.detail().unwrap_or("");
            let mut status = match &s.verdict {
                Verdict::Verified => TestCaseStatus::success(),
                Verdict::DocDefect(_) => TestCaseStatus::non_success(NonSuccessKind::Failure),
                Verdict::OutOfReach(_) => TestCaseStatus::skipped(),
                Verdict::DocflowError(_) => TestCaseStatus::non_success(NonSuccessKind::Error),
            };
            status.set_message(detail);
            if !matches!(s.verdict, Verdict::OutOfReach(_)) {
                status.set_type(s.verdict.label());
            }
            let mut case = TestCase::new(format!("{} {}", s.at, s.what), status);
            case.set_classname(&p.page);
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    // Writing into memory fails only on an I/O error of the `Vec`, which cannot happen.
    junit
        .to_string()
        .expect("serializing a JUnit report into memory")
}

/// The verdict of a step that failed for a variable nothing on the page defines: a value the
/// page expects the reader to bring (an API key for a third-party service, a host of their
/// own) is out of reach; one the page computes with a shell command docflow does not run is
/// docflow's own gap.
fn reader_input(
    conversion: &Conversion,
    report: Option<&ScenarioReport>,
    step: &str,
) -> Option<Verdict> {
    let failure = report?
        .failures
        .iter()
        .find(|f| f.step.as_deref() == Some(step))?;
    if failure.code != OutcomeCode::Run(RunCode::UndefinedVariable) {
        return None;
    }
    let variable = failure
        .message
        .split_once("uses `$")
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(name, _)| name.to_owned())?;
    Some(match conversion.command_exports.get(&variable) {
        Some(at) => Verdict::DocflowError(format!(
            "needs `${variable}`, which the page sets with a shell command at {at} that docflow does not run"
        )),
        None => Verdict::OutOfReach(format!(
            "needs `${variable}`, a value the page expects the reader to bring; pass it with `--var {variable}=…`"
        )),
    })
}

/// A request to a host of the reader's own (not the target's API or gateway) that cannot be
/// resolved or connected to from where docflow runs: out of reach, with the transport's reason.
fn unreachable_host(
    step: &crate::scenario::model::Step,
    report: Option<&ScenarioReport>,
) -> Option<Verdict> {
    if step.request.destination != Destination::Absolute {
        return None;
    }
    let failure = report?
        .failures
        .iter()
        .find(|f| f.step.as_deref() == Some(step.name.as_str()))?;
    let unreachable = failure.code == OutcomeCode::Transport
        && (failure.message.contains("dns error") || failure.message.contains("Connect"));
    unreachable.then(|| {
        Verdict::OutOfReach(format!(
            "`{}` cannot be reached from where docflow runs ({})",
            step.request.url.raw, failure.message
        ))
    })
}

/// Remembers the first state-changing step (not a `GET`) the target did not emulate.
fn note_unreachable_config(
    step: &crate::scenario::model::Step,
    outcome: &StepOutcome,
    unreachable_config: &mut Option<String>,
) {
    if unreachable_config.is_none()
        && step.request.method != "GET"
        && let StepOutcome::OutOfReach { reason } = outcome
    {
        let at = step
            .source
            .as_ref()
            .map_or_else(String::new, |s| format!(" at {}:{}", s.file, s.line));
        *unreachable_config = Some(format!(
            "`{} {}`{at}, out of reach: {reason}",
            step.request.method, step.request.url.raw
        ));
    }
}

/// The verdict of a step that comes after state-changing work the target did not do
/// (`on`): a gateway step's answer depends on all of the configuration, so neither its
/// agreement nor its disagreement says anything about the doc; an API step's disagreement
/// may be that missing state (a `404` for an entity never created), its agreement stands.
fn depending(verdict: Verdict, destination: Destination, on: &str) -> Verdict {
    let reason = |v: &Verdict| {
        let mut r = format!("depends on {on}");
        if let Some(detail) = v.detail() {
            r.push_str(&format!("; as run: {detail}"));
        }
        r
    };
    match (&verdict, destination) {
        (Verdict::OutOfReach(_), _) => verdict,
        (_, Destination::Proxy) => Verdict::OutOfReach(reason(&verdict)),
        (Verdict::DocDefect(_) | Verdict::DocflowError(_), _) => {
            Verdict::OutOfReach(reason(&verdict))
        }
        _ => verdict,
    }
}

/// Warning codes of things docflow lists as not run.
const NOT_RUN_CODES: &[Code] = &[
    Code::Doc(DocCode::NotRun),
    Code::Doc(DocCode::ValidationSkipped),
];

fn from_diagnostic(d: &Diagnostic, verdict: Verdict) -> StepVerdict {
    StepVerdict {
        at: d.location.to_string(),
        what: String::new(),
        verdict,
    }
}

/// Sort key: the file, then the line as a number.
fn doc_order(at: &str) -> (String, usize) {
    match at.rsplit_once(':') {
        Some((file, line)) => (file.to_owned(), line.parse().unwrap_or(0)),
        None => (at.to_owned(), 0),
    }
}

fn step_verdict(report: Option<&ScenarioReport>, name: &str, ran: &StepReport) -> Verdict {
    // A disagreement with the doc's own claim is a doc defect even when a later check of
    // the same step (a capture) then fails.
    let defect = report.and_then(|r| r.defects.iter().find(|d| d.step == name));
    if let Some(d) = defect.filter(|_| ran.outcome != StepOutcome::Passed) {
        return Verdict::DocDefect(format!(
            "the doc says `{}`, the target answered {}",
            d.doc_says, d.actual
        ));
    }
    match &ran.outcome {
        StepOutcome::Passed | StepOutcome::KnownDefect => Verdict::Verified,
        StepOutcome::Skipped(reason) | StepOutcome::OutOfReach { reason } => {
            Verdict::OutOfReach(reason.clone())
        }
        StepOutcome::DocDefect => {
            Verdict::DocDefect("the target disagrees with the doc".to_owned())
        }
        StepOutcome::Failed => {
            let failure =
                report.and_then(|r| r.failures.iter().find(|f| f.step.as_deref() == Some(name)));
            Verdict::DocflowError(failure.map_or_else(
                || "the step failed".to_owned(),
                |f| format!("[{}] {}", f.code, f.message),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_above_the_mocks_are_out_of_reach() {
        assert!(!above_mock("3.4"));
        assert!(!above_mock("3.15"));
        assert!(above_mock("3.16"));
        assert!(above_mock("4.0"));
        assert!(gateway_version_reason(Some("3.14")).is_none());
        assert_eq!(
            gateway_version_reason(Some("3.16")).as_deref(),
            Some("needs Kong Gateway 3.16; the mock emulates 3.15")
        );
    }

    #[test]
    fn the_prose_tally_says_how_many_sentences_agree() {
        assert_eq!(ProseTally::default().summary(), None);
        let tally = ProseTally {
            claims: 3,
            agree: 1,
            disagree: 1,
        };
        assert_eq!(
            tally.summary().as_deref(),
            Some(
                "prose: 3 sentences name a method and an endpoint: 1 agree with the page's requests, 1 disagree, 1 name no request of the page (not checked)"
            )
        );
        let one = ProseTally {
            claims: 1,
            agree: 1,
            disagree: 0,
        };
        assert!(
            one.summary()
                .unwrap()
                .starts_with("prose: 1 sentence names")
        );
    }

    #[test]
    fn verdict_labels_are_the_four() {
        let all = [
            Verdict::Verified,
            Verdict::DocDefect(String::new()),
            Verdict::OutOfReach(String::new()),
            Verdict::DocflowError(String::new()),
        ];
        let labels: Vec<_> = all.iter().map(Verdict::label).collect();
        assert_eq!(
            labels,
            ["verified", "doc defect", "out of reach", "docflow error"]
        );
    }
}
