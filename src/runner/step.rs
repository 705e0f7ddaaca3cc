//! [`run_step`]: one step, from rendering its request to its report. The attempts are in
//! [`super::attempts`], the doc verdict in [`super::doc_verdict`]; here the step is
//! skipped, ended early, or concluded: captures kept, cleanup registered, view and failure
//! recorded.

use std::sync::Mutex;

use serde_json::Value;

use super::attempts::{Answer, Interrupted, settle};
use super::doc_verdict::doc_verdict;
use super::failure::{excerpt, step_failure};
use super::prepare::prepare;
use super::progress::{
    Progress, abort_step, new_report, push_step, record_failure, unreachable_origin,
};
use super::teardown::register_cleanup;
use super::view::view;
use super::watch::{Event, Exchange};
use crate::http::{Prepared, Received};
use crate::outcome::{CheckCode, Code, Mismatch, RunCode, StepOutcome, StepReport};
use crate::redact::Redactor;
use crate::scenario::model::Step;
use crate::targets::session::Session;
use crate::vars::{Origin, Vars};

/// Runs one step. Returns `true` when the run must stop.
pub(super) async fn run_step(
    step: &Step,
    session: &Session,
    vars: &mut Vars,
    progress: &Mutex<Progress>,
) -> bool {
    let mut report = new_report(step);
    if !step.runs_on(session.kind) {
        report.outcome = StepOutcome::Skipped(only_on(step));
        push_step(progress, report);
        return false;
    }
    let prepared = match prepare(&step.request, vars) {
        Ok(p) => p,
        Err(missing) => return undefined_in_request(step, vars, progress, report, &missing.0),
    };
    match settle(step, session, &prepared, vars, progress).await {
        Ok(answer) => conclude(step, &prepared, answer, vars, progress, report),
        Err(interrupted) => match *interrupted {
            Interrupted::Failed {
                failure,
                http_attempts,
            } => {
                if let Some(n) = http_attempts {
                    report.attempts = n;
                }
                abort_step(progress, report, failure)
            }
            Interrupted::NotEmulated {
                received,
                body,
                reason,
            } => {
                tell_exchange(
                    step,
                    &prepared,
                    &received,
                    &Redactor::from_vars(vars),
                    progress,
                );
                end_out_of_reach(step, report, &received, &body, reason, vars, progress);
                false
            }
        },
    }
}

/// Why a step for other targets is skipped.
fn only_on(step: &Step) -> String {
    format!(
        "step runs only on {}",
        step.targets
            .iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// A step whose request needs a variable nothing defined: out of reach when an out-of-reach
/// step would have captured it, else a failure (the run goes on; see below). Returns `false`.
fn undefined_in_request(
    step: &Step,
    vars: &Vars,
    progress: &Mutex<Progress>,
    mut report: StepReport,
    missing: &str,
) -> bool {
    if let Some(origin) = unreachable_origin(progress, missing) {
        report.outcome = StepOutcome::OutOfReach {
            reason: format!(
                "needs `${missing}`, which out-of-reach step `{origin}` would have captured"
            ),
        };
        // Out of reach in turn: the steps needing this one's captures are too.
        if let Ok(mut p) = progress.lock() {
            for c in &step.captures {
                p.unreachable.push((c.variable.clone(), step.name.clone()));
            }
        }
        push_step(progress, report);
        return false;
    }
    let message = format!(
        "step `{}` uses `${missing}` before it is defined",
        step.name
    );
    let failure = step_failure(step, vars, Code::Run(RunCode::UndefinedVariable), message);
    abort_step(progress, report, failure);
    // The failure stands, but the steps that do not need this one's values still run (a page
    // run as written lists every verdict); those needing its captures are out of reach.
    if let Ok(mut p) = progress.lock() {
        for c in &step.captures {
            p.unreachable.push((c.variable.clone(), step.name.clone()));
        }
    }
    false
}

/// Ends a step whose checks settled: keeps its captures, gives the doc verdict, registers the
/// cleanup, records its view and, when a check failed, the failure. Returns `true` when the
/// run must stop.
fn conclude(
    step: &Step,
    prepared: &Prepared,
    answer: Answer,
    vars: &mut Vars,
    progress: &Mutex<Progress>,
    mut report: StepReport,
) -> bool {
    let Answer {
        received,
        body,
        mut mismatches,
        captured,
        tokens,
        attempts,
    } = answer;
    report.status = Some(received.status);
    report.elapsed = received.elapsed;
    report.attempts = attempts + received.attempts.saturating_sub(1);
    for (name, value, secret) in &captured {
        vars.set_json(name, value.clone(), *secret, Origin::Captured);
    }
    let redactor = Redactor::from_vars(vars);
    // Only a settled step changes the variables: the run keeps this redactor until the next.
    if let Ok(mut p) = progress.lock() {
        p.redactor = redactor.clone();
    }
    tell_exchange(step, prepared, &received, &redactor, progress);
    // Only a defect or a failure shows the excerpt: most steps never redact the body for it.
    let excerpt = || excerpt(&redactor.json(&body));
    if let Some(outcome) = doc_verdict(step, received.status, &excerpt, &mut mismatches, progress) {
        report.outcome = outcome;
    }
    register_cleanup(step, received.status, vars, progress, &mut mismatches);
    report.view = view(step, &received, &body, tokens, &redactor);
    let failed = !mismatches.is_empty();
    if failed {
        report.outcome = StepOutcome::Failed;
        record_check_failure(step, vars, mismatches, excerpt(), &redactor, progress);
    }
    push_step(progress, report);
    failed
}

/// Tells the watcher of the step's settled exchange (see [`Event::Exchange`]).
fn tell_exchange(
    step: &Step,
    request: &Prepared,
    received: &Received,
    redactor: &Redactor,
    progress: &Mutex<Progress>,
) {
    if let Ok(p) = progress.lock() {
        p.watcher.tell(&Event::Exchange(&Exchange {
            step: &step.name,
            cleanup: false,
            request,
            received,
            captures: &step.captures,
            retry: step.retry,
            redactor,
        }));
    }
}

/// Records the failure of a step whose checks failed, its mismatches redacted.
fn record_check_failure(
    step: &Step,
    vars: &Vars,
    mismatches: Vec<Mismatch>,
    excerpt: String,
    redactor: &Redactor,
    progress: &Mutex<Progress>,
) {
    let mismatches = mismatches
        .into_iter()
        .map(|mut m| {
            m.actual = redactor.text(&m.actual);
            m.expected = redactor.text(&m.expected);
            m
        })
        .collect::<Vec<_>>();
    let first = mismatches
        .first()
        .map(|m| m.code)
        .unwrap_or(Code::Check(CheckCode::Failed));
    let mut failure = step_failure(
        step,
        vars,
        first,
        format!("check failed in step `{}`", step.name),
    );
    failure.mismatches = mismatches;
    failure.excerpt = Some(excerpt);
    record_failure(progress, failure);
}

/// Ends a step the target answered as not emulated: out of reach with the target's reason and
/// the answer's `detail`, no checks, no doc verdict, no snapshot; its captures are remembered
/// so the steps needing them are out of reach too.
fn end_out_of_reach(
    step: &Step,
    mut report: StepReport,
    received: &Received,
    body: &Value,
    reason: String,
    vars: &Vars,
    progress: &Mutex<Progress>,
) {
    let redactor = Redactor::from_vars(vars);
    let reason = match body.get("detail").and_then(Value::as_str) {
        Some(detail) => format!("{reason} ({detail})"),
        None => reason,
    };
    report.status = Some(received.status);
    report.elapsed = received.elapsed;
    report.attempts = received.attempts;
    report.outcome = StepOutcome::OutOfReach {
        reason: redactor.text(&reason),
    };
    if let Ok(mut p) = progress.lock() {
        for c in &step.captures {
            p.unreachable.push((c.variable.clone(), step.name.clone()));
        }
        if step.request.method != "GET" && p.unreachable_config.is_none() {
            p.unreachable_config = Some(step.name.clone());
        }
        p.steps.push(report);
    }
}
