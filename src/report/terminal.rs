//! Human-readable output of a run: one line per step, a summary, the doc defect list, and
//! failure diagnostics that point at the scenario line (rendered with miette).

use std::fmt::Write as _;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode,
};

use crate::outcome::{Failure, ScenarioReport, StepOutcome, StepReport};

/// One line per step: outcome, name, method, URL with `$VARS`, status, time; then the
/// cleanups.
pub fn step_lines(report: &ScenarioReport) -> String {
    let width = report.steps.iter().map(|s| s.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for step in &report.steps {
        out.push_str(&step_line(step, width));
        out.push('\n');
    }
    out.push_str(&cleanup_lines(report));
    out
}

/// One step's line (no newline), its name padded to `width`.
pub fn step_line(step: &StepReport, width: usize) -> String {
    let mark = match &step.outcome {
        StepOutcome::Passed => "ok    ",
        StepOutcome::KnownDefect => "defect",
        StepOutcome::DocDefect => "DEFECT",
        StepOutcome::Failed => "FAIL  ",
        StepOutcome::Skipped(_) | StepOutcome::OutOfReach { .. } => "skip  ",
    };
    let status = step
        .status
        .map_or_else(|| "---".to_owned(), |s| s.to_string());
    let mut out = format!(
        "  {mark} {:<width$}  {} {}  {status}  {}ms",
        step.name,
        step.method,
        step.url,
        step.elapsed.as_millis()
    );
    if step.attempts > 1 {
        let _ = write!(out, "  ({} attempts)", step.attempts);
    }
    match &step.outcome {
        StepOutcome::Skipped(reason) => {
            let _ = write!(out, "  skipped: {reason}");
        }
        StepOutcome::OutOfReach { reason } => {
            let _ = write!(out, "  out of reach: {reason}");
        }
        _ => {}
    }
    out
}

/// The line of a step that starts polling: what it got and how long it may wait.
pub fn waiting_line(step: &str, status: u16, left: std::time::Duration, width: usize) -> String {
    format!(
        "  wait   {step:<width$}  got {status}, not what it expects yet: polling for up to {:.1}s",
        left.as_secs_f64()
    )
}

/// One line per cleanup, in the order they ran.
pub fn cleanup_lines(report: &ScenarioReport) -> String {
    let mut out = String::new();
    for c in &report.cleanups {
        let status = c.status.map_or_else(|| "---".to_owned(), |s| s.to_string());
        let mark = if c.ok { "ok    " } else { "FAIL  " };
        let _ = writeln!(out, "  {mark} cleanup {}  {}  {status}", c.step, c.request);
    }
    out
}

/// What follows the live step lines: cleanups, defects, failures, summary.
pub fn after_steps(report: &ScenarioReport) -> String {
    let mut out = cleanup_lines(report);
    out.push_str(&defect_list(report));
    out.push_str(&failures(report));
    out.push_str(&summary(report));
    out.push('\n');
    out
}

/// The one-line summary.
pub fn summary(report: &ScenarioReport) -> String {
    let count = |f: fn(&StepOutcome) -> bool| report.steps.iter().filter(|s| f(&s.outcome)).count();
    let passed = count(|o| matches!(o, StepOutcome::Passed | StepOutcome::KnownDefect));
    let failed = count(|o| matches!(o, StepOutcome::Failed));
    let skipped = count(|o| matches!(o, StepOutcome::Skipped(_) | StepOutcome::OutOfReach { .. }));
    let known = report.defects.iter().filter(|d| d.known.is_some()).count();
    let cleanups_failed = report.cleanups.iter().filter(|c| !c.ok).count();
    let verdict = if report.passed() { "passed" } else { "FAILED" };
    let mut line = format!(
        "{} on {}: {verdict}; {} steps: {passed} passed, {failed} failed, {skipped} skipped",
        report.scenario,
        report.target.as_str(),
        report.steps.len(),
    );
    if report.verifies_doc {
        let _ = write!(
            line,
            "; {} doc defects ({known} known)",
            report.defects.len()
        );
    }
    if !report.cleanups.is_empty() {
        let _ = write!(
            line,
            "; {} cleanups ({cleanups_failed} failed)",
            report.cleanups.len()
        );
    }
    line
}

/// The doc defect list, with the doc's file and line for each.
pub fn defect_list(report: &ScenarioReport) -> String {
    if report.defects.is_empty() {
        return if report.verifies_doc {
            "no doc defects: the doc and the target agree\n".to_owned()
        } else {
            String::new()
        };
    }
    let mut out = format!("doc defects ({}):\n", report.defects.len());
    for d in &report.defects {
        let _ = writeln!(
            out,
            "  {}  step `{}`: the doc says `{}`, the target answered {}",
            d.doc, d.step, d.doc_says, d.actual
        );
        match &d.known {
            Some(reason) => {
                let _ = writeln!(out, "      known: {reason}");
            }
            None => {
                let _ = writeln!(
                    out,
                    "      NEW: not in the scenario's known defects; response:"
                );
                for line in d.excerpt.lines().take(12) {
                    let _ = writeln!(out, "        {line}");
                }
            }
        }
    }
    out
}

/// Every failure of the run as rendered diagnostics.
pub fn failures(report: &ScenarioReport) -> String {
    let mut out = String::new();
    for f in &report.failures {
        out.push_str(&render_failure(report, f));
        out.push('\n');
    }
    for d in report.defects.iter().filter(|d| d.known.is_none()) {
        let _ = writeln!(
            out,
            "error[doc::defect]: the doc and the target disagree at {} (step `{}`): the doc says `{}`, the target answered {}\n  help: fix the doc, or record it in the step as `defect: {{reason: …, status: {}}}`",
            d.doc, d.step, d.doc_says, d.actual, d.actual
        );
    }
    for c in report.cleanups.iter().filter(|c| !c.ok) {
        let _ = writeln!(
            out,
            "error[run::cleanup]: cleanup of step `{}` failed: {} answered {}{}",
            c.step,
            c.request,
            c.status
                .map_or_else(|| "nothing".to_owned(), |s| s.to_string()),
            c.error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        );
    }
    out
}

/// The whole human report: step lines, defects, failures, summary.
pub fn full(report: &ScenarioReport) -> String {
    let mut out = step_lines(report);
    out.push_str(&defect_list(report));
    out.push_str(&failures(report));
    out.push_str(&summary(report));
    out.push('\n');
    out
}

/// A failure as a miette diagnostic pointing at the step's line.
#[derive(Debug)]
struct FailureDiagnostic {
    source: NamedSource<String>,
    failure: Failure,
    help: String,
    len: usize,
    /// The line of the step's key that failed, when it can be found: `(offset, len, label)`.
    key: Option<(usize, usize, &'static str)>,
}

impl std::fmt::Display for FailureDiagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.failure.message)
    }
}

impl std::error::Error for FailureDiagnostic {}

impl Diagnostic for FailureDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(self.failure.code))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let label = match &self.failure.step {
            Some(step) => format!("step `{step}`"),
            None => "here".to_owned(),
        };
        let step = LabeledSpan::new(Some(label), self.failure.span.offset, self.len);
        let key = self
            .key
            .map(|(offset, len, label)| LabeledSpan::new(Some(label.to_owned()), offset, len));
        Some(Box::new(std::iter::once(step).chain(key)))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        (!self.help.is_empty()).then(|| Box::new(&self.help) as Box<dyn std::fmt::Display>)
    }
}

/// Renders one failure: `path:line:col`, code, message, the scenario line, expected vs
/// actual, a response excerpt and the curl reproduction.
pub fn render_failure(report: &ScenarioReport, failure: &Failure) -> String {
    let mut help = String::new();
    if let Some(doc) = &failure.doc {
        let _ = writeln!(help, "in the doc: {doc}");
    }
    for m in &failure.mismatches {
        let _ = writeln!(help, "{} [{}]", m.what, m.code);
        let _ = writeln!(help, "  expected: {}", m.expected);
        let _ = writeln!(help, "  actual:   {}", m.actual);
    }
    if let Some(excerpt) = &failure.excerpt
        && !excerpt.is_empty()
    {
        let _ = writeln!(help, "response (redacted):");
        for line in excerpt.lines().take(25) {
            let _ = writeln!(help, "  {line}");
        }
    }
    if let Some(curl) = &failure.curl {
        let _ = writeln!(help, "reproduce:");
        for line in &failure.exports {
            let _ = writeln!(help, "  {line}");
        }
        for line in curl.lines() {
            let _ = writeln!(help, "  {line}");
        }
    }
    let text: &str = &report.source;
    let offset = failure.span.offset.min(text.len());
    let len = text[offset..].find('\n').unwrap_or(text.len() - offset);
    let key = failure
        .mismatches
        .first()
        .and_then(|m| m.code.step_key())
        .and_then(|(key, label)| {
            let span = failure.keys.get(key)?;
            Some((span.offset, span.len, label))
        });
    let diagnostic = FailureDiagnostic {
        source: NamedSource::new(report.path.display().to_string(), text.to_owned()),
        failure: failure.clone(),
        help: help.trim_end().to_owned(),
        len,
        key,
    };
    let mut out = format!(
        "{}:{}:{}: error[{}]: {}\n",
        report.path.display(),
        failure.span.line,
        failure.span.column,
        failure.code,
        failure.message
    );
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(120)
        .with_context_lines(1);
    if handler.render_report(&mut out, &diagnostic).is_err() {
        out.push_str(&diagnostic.help);
    }
    out
}
