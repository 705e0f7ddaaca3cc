//! [`junit_xml`]: `docflow run --junit` reports as JUnit XML, one `<testsuite>` per scenario and
//! one `<testcase>` per step, for CI servers; a file that failed to load is a failure, one not
//! for the target a skip. Everything in it comes from the already redacted
//! [`ScenarioReport`]s, so it holds no secret.

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::outcome::{Code, DocCode, ScenarioReport, StepOutcome};
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

/// The JUnit document for `reports` and the files that did not run.
pub fn junit_xml(reports: &[ScenarioReport], unrun: &[Unrun]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let tests: usize = reports.iter().map(|r| r.steps.len() + 1).sum::<usize>() + unrun.len();
    let failures: usize = reports.iter().map(failures_of).sum::<usize>()
        + unrun.iter().filter(|u| u.load_error).count();
    let _ = writeln!(
        out,
        "<testsuites name=\"docflow\" tests=\"{tests}\" failures=\"{failures}\">"
    );
    for u in unrun {
        unrun_suite(&mut out, u);
    }
    for r in reports {
        let skipped = r
            .steps
            .iter()
            .filter(|s| {
                matches!(
                    s.outcome,
                    StepOutcome::Skipped(_) | StepOutcome::OutOfReach { .. }
                )
            })
            .count();
        let time: f64 = r.steps.iter().map(|s| s.elapsed.as_secs_f64()).sum();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{skipped}\" time=\"{time:.3}\">",
            escape(&format!("{} ({})", r.scenario, r.target.as_str())),
            r.steps.len() + 1,
            failures_of(r),
        );
        let _ = writeln!(
            out,
            "    <properties><property name=\"file\" value=\"{}\"/><property name=\"target\" value=\"{}\"/></properties>",
            escape(&r.path.display().to_string()),
            r.target.as_str()
        );
        for step in &r.steps {
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\" line=\"{}\" time=\"{:.3}\"",
                escape(&r.scenario),
                escape(&step.name),
                escape(&r.path.display().to_string()),
                step.span.line,
                step.elapsed.as_secs_f64()
            );
            match &step.outcome {
                StepOutcome::Passed | StepOutcome::KnownDefect => out.push_str("/>\n"),
                StepOutcome::Skipped(reason) => {
                    let _ = writeln!(out, "><skipped message=\"{}\"/></testcase>", escape(reason));
                }
                StepOutcome::OutOfReach { reason } => {
                    let message = format!("out of reach: {reason}");
                    let _ = writeln!(
                        out,
                        "><skipped message=\"{}\"/></testcase>",
                        escape(&message)
                    );
                }
                StepOutcome::Failed | StepOutcome::DocDefect => {
                    let failure = r
                        .failures
                        .iter()
                        .find(|f| f.step.as_deref() == Some(step.name.as_str()));
                    let (code, text) = match failure {
                        Some(f) => (f.code, report::render_failure(r, f)),
                        None => (Code::Doc(DocCode::Defect), report::defect_list(r)),
                    };
                    let _ = writeln!(
                        out,
                        "><failure type=\"{code}\" message=\"{}\">{}</failure></testcase>",
                        escape(&format!("step `{}` failed ({code})", step.name)),
                        escape(&text)
                    );
                }
            }
        }
        // The run as a whole: doc defects, cleanups, and failures outside any step.
        let _ = write!(
            out,
            "    <testcase classname=\"{}\" name=\"(run: defects and cleanups)\" file=\"{}\"",
            escape(&r.scenario),
            escape(&r.path.display().to_string())
        );
        if run_failed(r) {
            let _ = writeln!(
                out,
                "><failure type=\"run\" message=\"{}\">{}</failure></testcase>",
                escape(&report::summary(r)),
                escape(&report::full(r))
            );
        } else {
            let _ = writeln!(
                out,
                "><system-out>{}</system-out></testcase>",
                escape(&report::defect_list(r))
            );
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// One suite with one case for a file that did not run.
fn unrun_suite(out: &mut String, u: &Unrun) {
    let file = escape(&u.path.display().to_string());
    let name = u
        .path
        .file_stem()
        .map_or_else(|| file.clone(), |s| escape(&s.to_string_lossy()));
    let (failures, skipped) = if u.load_error { (1, 0) } else { (0, 1) };
    let _ = writeln!(
        out,
        "  <testsuite name=\"{name}\" tests=\"1\" failures=\"{failures}\" skipped=\"{skipped}\" time=\"0.000\">"
    );
    let _ = write!(
        out,
        "    <testcase classname=\"{name}\" name=\"(load)\" file=\"{file}\""
    );
    if u.load_error {
        let first = u.reason.lines().next().unwrap_or_default();
        let _ = writeln!(
            out,
            "><failure type=\"load\" message=\"{}\">{}</failure></testcase>",
            escape(first),
            escape(&u.reason)
        );
    } else {
        let _ = writeln!(
            out,
            "><skipped message=\"{}\"/></testcase>",
            escape(&format!("not applicable: {}", u.reason))
        );
    }
    out.push_str("  </testsuite>\n");
}

/// Whether anything outside the steps failed: a new doc defect, a cleanup, or a failure that
/// belongs to no step (cancellation, panic).
fn run_failed(r: &ScenarioReport) -> bool {
    r.defects.iter().any(|d| d.known.is_none())
        || r.cleanups.iter().any(|c| !c.ok)
        || r.failures.iter().any(|f| f.step.is_none())
}

fn failures_of(r: &ScenarioReport) -> usize {
    r.steps
        .iter()
        .filter(|s| matches!(s.outcome, StepOutcome::Failed | StepOutcome::DocDefect))
        .count()
        + usize::from(run_failed(r))
}

/// XML text and attribute escaping; control characters other than tab and newline, which XML
/// 1.0 forbids, become `?`.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(escape("a<b>&\"c'\u{1}"), "a&lt;b&gt;&amp;&quot;c&apos;?");
        assert_eq!(escape("line\nnext"), "line\nnext");
    }
}
