//! [`junit_xml`]: `docflow run --junit` reports as JUnit XML (written by `quick-junit`, which
//! escapes and strips what XML forbids), one `<testsuite>` per scenario and one `<testcase>`
//! per step, plus one case for the run as a whole (defects, cleanups, interruptions). A file
//! that failed to load is a failure, one not for the target a skip; each step's line is its
//! case's system-out, every step line the suite's. Everything in it comes from the already
//! redacted [`ScenarioReport`]s, so it holds no secret.

use std::path::PathBuf;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use crate::outcome::{Code, Failure, RunCode, ScenarioReport, StepOutcome, StepReport};
use crate::report::terminal as report;

/// A scenario file that did not run: it failed to load (a failure), or it is not for this
/// target (a skip). Either way it is in the JUnit file, so a CI server counts it.
#[derive(Debug, Clone)]
pub struct Unrun {
    /// The scenario file.
    pub path: PathBuf,
    /// Why it did not run: the load diagnostics, or the not-applicable reason.
    pub reason: String,
    /// Whether it failed to load (else it was not applicable).
    pub load_error: bool,
}

/// The name of the case that stands for the run as a whole.
const RUN_CASE: &str = "(run: defects and cleanups)";

/// How much of an expected or actual value goes into a one-line failure message; the whole
/// value is in the failure's text.
const MESSAGE_VALUE_CHARS: usize = 160;

/// The JUnit document for `reports` and the files that did not run.
pub fn junit_xml(reports: &[ScenarioReport], unrun: &[Unrun]) -> String {
    let mut junit = Report::new("docflow");
    junit.add_test_suites(unrun.iter().map(unrun_suite));
    junit.add_test_suites(reports.iter().map(scenario_suite));
    // Writing into memory fails only on an I/O error of the `Vec`, which cannot happen.
    junit
        .to_string()
        .expect("serializing a JUnit report into memory")
}

/// One suite with one case for a file that did not run.
fn unrun_suite(u: &Unrun) -> TestSuite {
    let file = u.path.display().to_string();
    let name = u
        .path
        .file_stem()
        .map_or_else(|| file.clone(), |s| s.to_string_lossy().into_owned());
    let status = if u.load_error {
        let first = u.reason.lines().next().unwrap_or_default();
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        status
            .set_type("load")
            .set_message(first)
            .set_description(&u.reason);
        status
    } else {
        let mut status = TestCaseStatus::skipped();
        status.set_message(format!("not applicable: {}", u.reason));
        status
    };
    let mut case = TestCase::new("(load)", status);
    case.set_classname(&name);
    case.extra.insert("file".into(), file.into());
    let mut suite = TestSuite::new(name);
    suite.set_time(std::time::Duration::ZERO);
    suite.add_test_case(case);
    suite
}

/// One suite for a scenario that ran: a case per step, then the run's own case.
fn scenario_suite(r: &ScenarioReport) -> TestSuite {
    let mut suite = TestSuite::new(format!("{} ({})", r.scenario, r.target.as_str()));
    suite.set_time(r.steps.iter().map(|s| s.elapsed).sum());
    suite.add_properties([
        Property::new("file", r.path.display().to_string()),
        Property::new("target", r.target.as_str()),
    ]);
    for step in &r.steps {
        suite.add_test_case(step_case(r, step));
    }
    suite.add_test_case(run_case(r));
    suite.set_system_out(report::step_lines(r));
    suite
}

/// A step's case: passed, skipped with the reason, or failed with the check, expected and
/// actual in the message and the rendered diagnostic as the text.
fn step_case(r: &ScenarioReport, step: &StepReport) -> TestCase {
    let status = match &step.outcome {
        StepOutcome::Passed | StepOutcome::KnownDefect => TestCaseStatus::success(),
        StepOutcome::Skipped(reason) => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(reason);
            status
        }
        StepOutcome::OutOfReach { reason } => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(format!("out of reach: {reason}"));
            status
        }
        StepOutcome::Failed | StepOutcome::DocDefect => step_failure(r, step),
    };
    let mut case = TestCase::new(&step.name, status);
    case.set_classname(&r.scenario)
        .set_time(step.elapsed)
        .set_system_out(report::step_line(step, 0).trim_start());
    case.extra
        .insert("file".into(), r.path.display().to_string().into());
    case.extra
        .insert("line".into(), step.span.line.to_string().into());
    case
}

/// The failure of a step that failed or disagreed with the doc.
fn step_failure(r: &ScenarioReport, step: &StepReport) -> TestCaseStatus {
    let failure = r
        .failures
        .iter()
        .find(|f| f.step.as_deref() == Some(step.name.as_str()));
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
    match failure {
        Some(f) => {
            status
                .set_type(f.code.as_str())
                .set_message(failure_message(f))
                .set_description(report::render_failure(r, f));
        }
        None => {
            let message = r.defects.iter().find(|d| d.step == step.name).map_or_else(
                || format!("step `{}`: the doc and the target disagree", step.name),
                |d| {
                    format!(
                        "step `{}`: the doc says `{}`, the target answered {} ({})",
                        d.step, d.doc_says, d.actual, d.doc
                    )
                },
            );
            status
                .set_type("doc::defect")
                .set_message(message)
                .set_description(report::defect_list(r));
        }
    }
    status
}

/// A one-line message: the step, then every failed check with what was expected and what
/// came (both already redacted), or the failure's own message when no check failed.
fn failure_message(f: &Failure) -> String {
    let at = f
        .step
        .as_deref()
        .map_or_else(String::new, |s| format!("step `{s}`: "));
    if f.mismatches.is_empty() {
        return format!("{at}{} ({})", f.message, f.code);
    }
    let checks: Vec<String> = f
        .mismatches
        .iter()
        .map(|m| {
            format!(
                "{} [{}]: expected {}, actual {}",
                m.what,
                m.code,
                shorten(&m.expected),
                shorten(&m.actual)
            )
        })
        .collect();
    format!("{at}{}", checks.join("; "))
}

/// `text` cut to [`MESSAGE_VALUE_CHARS`] characters, with `…` when cut.
fn shorten(text: &str) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(MESSAGE_VALUE_CHARS).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

/// The run as a whole: an interruption or a panic is an error; a new doc defect, a failed
/// cleanup or a failure no step case shows is a failure; else it passes, with the defect list
/// as its output.
fn run_case(r: &ScenarioReport) -> TestCase {
    let orphans: Vec<&Failure> = r.failures.iter().filter(|f| !shown_by_step(r, f)).collect();
    let stopped = orphans
        .iter()
        .find(|f| matches!(f.code, Code::Run(RunCode::Cancelled | RunCode::Panic)));
    let status = if let Some(f) = stopped {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status
            .set_type(f.code.as_str())
            .set_message(failure_message(f))
            .set_description(report::full(r));
        status
    } else if !orphans.is_empty()
        || r.defects.iter().any(|d| d.known.is_none())
        || r.cleanups.iter().any(|c| !c.ok)
    {
        // The failures no step shows (a snapshot that differs, a variable undefined before
        // the first step) name themselves; else the summary says what failed.
        let (ty, message) = match orphans.first() {
            Some(f) => (
                f.code.as_str(),
                orphans
                    .iter()
                    .map(|f| failure_message(f))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            None => ("run", report::summary(r)),
        };
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        status
            .set_type(ty)
            .set_message(message)
            .set_description(report::full(r));
        status
    } else {
        TestCaseStatus::success()
    };
    let mut case = TestCase::new(RUN_CASE, status);
    case.set_classname(&r.scenario);
    let out = format!("{}{}", report::cleanup_lines(r), report::defect_list(r));
    if !out.is_empty() {
        case.set_system_out(out);
    }
    case.extra
        .insert("file".into(), r.path.display().to_string().into());
    case
}

/// Whether a failure is shown by its step's case: it names a step that is in the report as
/// failed (an interrupted step is not in the report, so its failure is the run's).
fn shown_by_step(r: &ScenarioReport, f: &Failure) -> bool {
    f.step.as_deref().is_some_and(|name| {
        r.steps.iter().any(|s| {
            s.name == name && matches!(s.outcome, StepOutcome::Failed | StepOutcome::DocDefect)
        })
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::Duration;

    use super::*;
    use crate::outcome::{CheckCode, Mismatch};
    use crate::scenario::model::{Span, StepKeys, TargetKind};

    fn step(name: &str, outcome: StepOutcome) -> StepReport {
        StepReport {
            name: name.to_owned(),
            span: Span {
                line: 3,
                ..Span::default()
            },
            method: "GET".to_owned(),
            url: "$KONNECT_CONTROL_PLANE_URL/v1/auth-servers".to_owned(),
            status: Some(200),
            elapsed: Duration::from_millis(12),
            attempts: 1,
            outcome,
            view: None,
        }
    }

    fn failure(step: Option<&str>, code: Code, mismatches: Vec<Mismatch>) -> Failure {
        Failure {
            code,
            step: step.map(str::to_owned),
            span: Span::default(),
            message: "the run was interrupted; cleanups still run".to_owned(),
            mismatches,
            excerpt: None,
            curl: None,
            exports: vec![],
            doc: None,
            keys: StepKeys::default(),
        }
    }

    fn scenario(steps: Vec<StepReport>, failures: Vec<Failure>) -> ScenarioReport {
        ScenarioReport {
            scenario: "demo".to_owned(),
            path: PathBuf::from("scenarios/demo.yaml"),
            source: "steps:\n  - name: a\n  - name: b\n".into(),
            target: TargetKind::Mock,
            verifies_doc: false,
            steps,
            defects: vec![],
            cleanups: vec![],
            failures,
        }
    }

    #[test]
    fn a_failure_message_names_every_check_with_expected_and_actual() {
        let mismatch = |what: &str, code, expected: &str, actual: &str| Mismatch {
            code: Code::Check(code),
            what: what.to_owned(),
            expected: expected.to_owned(),
            actual: actual.to_owned(),
        };
        let report = scenario(
            vec![step("a", StepOutcome::Failed)],
            vec![failure(
                Some("a"),
                Code::Check(CheckCode::Status),
                vec![
                    mismatch("status", CheckCode::Status, "201", "200"),
                    mismatch("body at `.name`", CheckCode::Body, "\"x\"", "\"y\""),
                ],
            )],
        );
        let xml = junit_xml(&[report], &[]);
        assert!(
            xml.contains(
                "message=\"step `a`: status [check::status]: expected 201, actual 200; \
                 body at `.name` [check::body]: expected &quot;x&quot;, actual &quot;y&quot;\""
            ),
            "{xml}"
        );
        assert!(xml.contains("type=\"check::status\""), "{xml}");
        assert!(
            xml.contains("<system-out>FAIL   a  GET $KONNECT_CONTROL_PLANE_URL/v1/auth-servers"),
            "the step line is the case's output:\n{xml}"
        );
    }

    #[test]
    fn an_interrupted_step_is_an_error_of_the_run() {
        // The interrupted step never finished, so it has no case of its own.
        let report = scenario(
            vec![step("a", StepOutcome::Passed)],
            vec![failure(Some("b"), Code::Run(RunCode::Cancelled), vec![])],
        );
        let xml = junit_xml(&[report], &[]);
        assert!(
            xml.contains("tests=\"2\" skipped=\"0\" failures=\"0\" errors=\"1\""),
            "{xml}"
        );
        assert!(xml.contains("<error message=\"step `b`: the run was interrupted; cleanups still run (run::cancelled)\" type=\"run::cancelled\">"), "{xml}");
    }

    #[test]
    fn long_values_are_cut_in_the_message() {
        let long = "x".repeat(MESSAGE_VALUE_CHARS + 5);
        assert_eq!(shorten(&long).chars().count(), MESSAGE_VALUE_CHARS + 1);
        assert!(shorten(&long).ends_with('…'));
        assert_eq!(shorten("short"), "short");
    }

    #[test]
    fn markup_and_control_characters_cannot_break_the_document() {
        let report = scenario(
            vec![step(
                "a<b>&\"c'\u{1}",
                StepOutcome::Skipped("x<y".to_owned()),
            )],
            vec![],
        );
        let xml = junit_xml(&[report], &[]);
        assert!(
            xml.contains("name=\"a&lt;b&gt;&amp;&quot;c&apos;\""),
            "{xml}"
        );
        assert!(xml.contains("<skipped message=\"x&lt;y\"/>"), "{xml}");
    }
}
