//! [`junit_xml`]: `docflow run --junit` reports as JUnit XML, one `<testsuite>` per scenario and
//! one `<testcase>` per step, for CI servers. Everything in it comes from the already redacted
//! [`ScenarioReport`]s, so it holds no secret.

use std::fmt::Write as _;

use crate::outcome::{Code, DocCode, ScenarioReport, StepOutcome};
use crate::report::terminal as report;

/// The JUnit document for `reports`.
pub fn junit_xml(reports: &[ScenarioReport]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let tests: usize = reports.iter().map(|r| r.steps.len() + 1).sum();
    let failures: usize = reports.iter().map(failures_of).sum();
    let _ = writeln!(
        out,
        "<testsuites name=\"docflow\" tests=\"{tests}\" failures=\"{failures}\">"
    );
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
