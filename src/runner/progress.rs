//! [`Progress`]: what a run has produced so far, shared between the step task and the
//! teardown, and the small writers the step code records through.

use std::sync::Mutex;
use std::time::Duration;

use crate::http::Prepared;
use crate::outcome::{Defect, Failure, StepOutcome, StepReport};
use crate::redact::Redactor;
use crate::scenario::model::{Span, Step, display_url};

use super::watch::{Event, Watcher};

/// A cleanup registered by a step that succeeded.
#[derive(Debug, Clone)]
pub(super) struct PendingCleanup {
    /// The step it undoes.
    pub(super) step: String,
    /// Method and URL with `$VARS`, for the report.
    pub(super) display: String,
    /// The request, rendered while the variables it needs were known.
    pub(super) request: Prepared,
}

/// Shared between the step task and the teardown, so a panicking or cancelled step loop
/// still leaves its cleanups behind.
#[derive(Debug, Default)]
pub(super) struct Progress {
    /// The steps finished so far.
    pub(super) steps: Vec<StepReport>,
    /// The doc defects found so far.
    pub(super) defects: Vec<Defect>,
    /// What made the run fail so far.
    pub(super) failures: Vec<Failure>,
    /// The cleanups registered so far, in order.
    pub(super) cleanups: Vec<PendingCleanup>,
    /// Hides the secret values known so far.
    pub(super) redactor: Redactor,
    /// The step running now, so a cancellation or panic can say where it stopped.
    pub(super) current: Option<(String, Span)>,
    /// Variables an out-of-reach step would have captured, with that step's name: a later
    /// step needing one is out of reach too, not a failure.
    pub(super) unreachable: Vec<(String, String)>,
    /// The first state-changing step the target did not emulate: later gateway steps cannot
    /// see the configuration they wait for, so waiting for it is pointless.
    pub(super) unreachable_config: Option<String>,
    /// Values the reader brings (`vars: {NAME: {input: …}}`) the run was not given: a step
    /// needing one is out of reach and sends nothing.
    pub(super) missing_inputs: Vec<String>,
    /// Who hears of each step as it finishes.
    pub(super) watcher: Watcher,
}

impl Progress {
    /// Records a finished step and tells the watcher.
    pub(super) fn push_step(&mut self, report: StepReport) {
        self.watcher.tell(&Event::StepDone(&report));
        self.steps.push(report);
    }
}

/// Records a finished step (see [`Progress::push_step`]).
pub(super) fn push_step(progress: &Mutex<Progress>, report: StepReport) {
    if let Ok(mut p) = progress.lock() {
        p.push_step(report);
    }
}

/// Records what made the run fail.
pub(super) fn record_failure(progress: &Mutex<Progress>, failure: Failure) {
    if let Ok(mut p) = progress.lock() {
        p.failures.push(failure);
    }
}

/// Records a doc defect.
pub(super) fn push_defect(progress: &Mutex<Progress>, defect: Defect) {
    if let Ok(mut p) = progress.lock() {
        p.defects.push(defect);
    }
}

/// What becomes of a step after a state-changing step the target did not emulate.
pub(super) enum Gate {
    /// No such step: run it as written.
    Run,
    /// Run it, but once: the configuration its retry waits for will never arrive.
    OnceOnly,
    /// An inferred wait (no doc `source`) for that configuration: out of reach, not run.
    /// Boxed: a report is large (its JSON view) and the other variants are empty.
    OutOfReach(Box<StepReport>),
}

/// The report of a step that has not run yet.
pub(super) fn new_report(step: &Step) -> StepReport {
    StepReport {
        name: step.name.clone(),
        span: step.span,
        method: step.request.method.clone(),
        url: display_url(&step.request),
        status: None,
        elapsed: Duration::ZERO,
        attempts: 0,
        outcome: StepOutcome::Passed,
        view: None,
    }
}

/// The [`Gate`] of `step`.
pub(super) fn after_unreachable_config(step: &Step, progress: &Mutex<Progress>) -> Gate {
    let Some(origin) = progress
        .lock()
        .ok()
        .and_then(|p| p.unreachable_config.clone())
    else {
        return Gate::Run;
    };
    match (&step.source, &step.retry) {
        (None, Some(_)) => Gate::OutOfReach(Box::new(StepReport {
            outcome: StepOutcome::OutOfReach {
                reason: format!(
                    "waits for configuration that out-of-reach step `{origin}` would have made"
                ),
            },
            ..new_report(step)
        })),
        (_, Some(_)) => Gate::OnceOnly,
        _ => Gate::Run,
    }
}

/// The report of `step` when it needs a value the reader brings that the run was not given:
/// out of reach, nothing sent, and its captures remembered so that the steps needing them are
/// out of reach too. The placeholder is never sent: a gateway may accept any text as a token.
pub(super) fn needs_missing_input(step: &Step, progress: &Mutex<Progress>) -> Option<StepReport> {
    let mut p = progress.lock().ok()?;
    let used = step.used_vars();
    let name = used.iter().find(|v| p.missing_inputs.contains(v))?;
    let report = StepReport {
        outcome: StepOutcome::OutOfReach {
            reason: format!("needs `${name}`, a value the reader brings (`--var {name}=…`)"),
        },
        ..new_report(step)
    };
    for c in &step.captures {
        p.unreachable.push((c.variable.clone(), step.name.clone()));
    }
    // What it would have configured is missing: later gateway steps must not wait for it.
    if step.request.method != "GET" && p.unreachable_config.is_none() {
        p.unreachable_config = Some(step.name.clone());
    }
    Some(report)
}

/// The out-of-reach step whose capture would have defined `variable`, if any.
pub(super) fn unreachable_origin(progress: &Mutex<Progress>, variable: &str) -> Option<String> {
    let p = progress.lock().ok()?;
    p.unreachable
        .iter()
        .find(|(name, _)| name == variable)
        .map(|(_, step)| step.clone())
}

/// Ends a step that could not complete: records its report as failed, then the failure.
/// Returns `true`: the run stops.
pub(super) fn abort_step(
    progress: &Mutex<Progress>,
    mut report: StepReport,
    failure: Failure,
) -> bool {
    report.outcome = StepOutcome::Failed;
    if let Ok(mut p) = progress.lock() {
        p.push_step(report);
        p.failures.push(failure);
    }
    true
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn steps() -> Vec<Step> {
        let text = "vars:\n  API_KEY: {input: YOUR-API-KEY}\nsteps:\n  \
            - name: uses-it\n    url: /v1/x\n    headers: ['apikey: $API_KEY']\n    \
            capture: [{variable: X_ID, jq: .id}]\n  \
            - name: cleans-with-it\n    url: /v1/y\n    method: POST\n    \
            cleanup: {url: '/v1/y?key=$API_KEY', method: DELETE}\n  \
            - name: plain\n    url: /v1/z\n";
        crate::scenario::load::load_str(Path::new("t.yaml"), text)
            .unwrap_or_else(|e| panic!("{}", e.render_plain()))
            .steps
    }

    #[test]
    fn a_step_needing_a_missing_input_is_out_of_reach_and_so_are_its_captures() {
        let progress = Mutex::new(Progress {
            missing_inputs: vec!["API_KEY".to_owned()],
            ..Progress::default()
        });
        let steps = steps();
        let report = needs_missing_input(&steps[0], &progress).expect("out of reach");
        assert_eq!(
            report.outcome,
            StepOutcome::OutOfReach {
                reason: "needs `$API_KEY`, a value the reader brings (`--var API_KEY=…`)"
                    .to_owned()
            }
        );
        assert_eq!(
            unreachable_origin(&progress, "X_ID").as_deref(),
            Some("uses-it")
        );
        // Its cleanup would send the placeholder too.
        assert!(needs_missing_input(&steps[1], &progress).is_some());
        assert!(needs_missing_input(&steps[2], &progress).is_none());
        // Given (`--var`), nothing is gated.
        let given = Mutex::new(Progress::default());
        assert!(needs_missing_input(&steps[0], &given).is_none());
    }
}
