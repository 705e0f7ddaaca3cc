//! [`run_scenario`]: runs every step in order against a session, then tears down what the
//! run created, in reverse, whatever happened (failed check, panic, cancellation).

use std::future::Future;
use std::sync::{Arc, Mutex};

use super::progress::{
    Gate, Progress, after_unreachable_config, needs_missing_input, record_failure,
};
use super::step::run_step;
use super::teardown::teardown;
use crate::outcome::{Code, Failure, RunCode, ScenarioReport};
use crate::redact::Redactor;
use crate::scenario::model::{Scenario, Span, Step, StepKeys};
use crate::targets::session::Session;
use crate::vars::Origin;

use super::watch::Watcher;

pub use super::view::SNAPSHOT_HEADERS;

/// Runs `scenario` against `session`.
pub async fn run_scenario(scenario: &Scenario, session: &Session) -> ScenarioReport {
    run_scenario_until(scenario, session, std::future::pending::<()>()).await
}

/// Runs `scenario` until it ends or `cancel` completes (Ctrl-C); teardown runs either way.
pub async fn run_scenario_until(
    scenario: &Scenario,
    session: &Session,
    cancel: impl Future<Output = ()>,
) -> ScenarioReport {
    run_scenario_watched(scenario, session, cancel, Watcher::default()).await
}

/// [`run_scenario_until`], telling `watcher` of each step as it finishes and of each step
/// that starts polling.
pub async fn run_scenario_watched(
    scenario: &Scenario,
    session: &Session,
    cancel: impl Future<Output = ()>,
    watcher: Watcher,
) -> ScenarioReport {
    let progress = Arc::new(Mutex::new(Progress {
        redactor: Redactor::from_vars(&session.vars()),
        watcher,
        ..Progress::default()
    }));
    let mut task = tokio::spawn(run_steps(
        scenario.clone(),
        session.clone(),
        Arc::clone(&progress),
    ));
    let outcome = tokio::select! {
        joined = &mut task => joined.err().map(|e| if e.is_panic() {
            (Code::Run(RunCode::Panic), "the runner panicked; cleanups still run".to_owned())
        } else {
            (Code::Run(RunCode::Cancelled), "the run was cancelled".to_owned())
        }),
        () = cancel => {
            task.abort();
            // Wait for the abort to land: on a multi-threaded runtime the step may be
            // running right now and still register a cleanup, which must not be lost.
            let _ = (&mut task).await;
            Some((Code::Run(RunCode::Cancelled), "the run was interrupted; cleanups still run".to_owned()))
        }
    };
    let (steps, defects, mut failures, cleanups, redactor, current, watcher) = {
        let mut p = progress.lock().unwrap_or_else(|e| e.into_inner());
        (
            std::mem::take(&mut p.steps),
            std::mem::take(&mut p.defects),
            std::mem::take(&mut p.failures),
            std::mem::take(&mut p.cleanups),
            p.redactor.clone(),
            p.current.take(),
            p.watcher.clone(),
        )
    };
    if let Some((code, mut message)) = outcome {
        // Point at the step that was running, if any.
        let (step, span) = match current {
            Some((name, span)) => {
                message = format!("{message} (in step `{name}`)");
                (Some(name), span)
            }
            None => (None, Span::default()),
        };
        failures.push(run_failure(code, step, span, message));
    }
    let cleanups = teardown(cleanups, session, &redactor, &watcher).await;
    ScenarioReport {
        scenario: scenario.name.clone(),
        path: scenario.path.clone(),
        source: scenario.source.clone(),
        target: session.kind,
        verifies_doc: scenario.doc.is_some() || scenario.steps.iter().any(|s| s.source.is_some()),
        steps,
        defects,
        cleanups,
        failures,
    }
}

/// Runs the steps; records everything in `progress` as it goes.
async fn run_steps(scenario: Scenario, session: Session, progress: Arc<Mutex<Progress>>) {
    let mut vars = session.vars();
    for def in &scenario.vars {
        if def.input.is_some() {
            // A value the reader brings, not given: left undefined, never its placeholder.
            if let Ok(mut p) = progress.lock() {
                p.missing_inputs.push(def.name.clone());
            }
            continue;
        }
        match vars.render(&def.value) {
            Ok(text) => vars.set_text(&def.name, text, def.secret, Origin::Scenario),
            Err(missing) => {
                let message = format!(
                    "variable `{}` uses `${}`, which is not defined",
                    def.name, missing.0
                );
                let code = Code::Run(RunCode::UndefinedVariable);
                record_failure(&progress, run_failure(code, None, def.span, message));
                return;
            }
        }
    }
    if let Ok(mut p) = progress.lock() {
        p.redactor = Redactor::from_vars(&vars);
    }
    for step in &scenario.steps {
        if let Ok(mut p) = progress.lock() {
            p.current = Some((step.name.clone(), step.span));
        }
        if step.runs_on(session.kind)
            && let Some(report) = needs_missing_input(step, &progress)
        {
            if let Ok(mut p) = progress.lock() {
                p.push_step(report);
                p.current = None;
            }
            continue;
        }
        let tamed;
        let step = match after_unreachable_config(step, &progress) {
            Gate::Run => step,
            Gate::OnceOnly => {
                tamed = Step {
                    retry: None,
                    ..step.clone()
                };
                &tamed
            }
            Gate::OutOfReach(report) => {
                if let Ok(mut p) = progress.lock() {
                    p.push_step(*report);
                    p.current = None;
                }
                continue;
            }
        };
        let stop = run_step(step, &session, &mut vars, &progress).await;
        // `run_step` left the redactor of the variables it settled with in `progress`.
        if let Ok(mut p) = progress.lock() {
            p.current = None;
        }
        if stop {
            break;
        }
    }
}

/// A failure of the run itself (not of a step's checks): no request to reproduce.
fn run_failure(code: Code, step: Option<String>, span: Span, message: String) -> Failure {
    Failure {
        code,
        step,
        span,
        message,
        mismatches: vec![],
        excerpt: None,
        curl: None,
        exports: vec![],
        doc: None,
        keys: StepKeys::default(),
    }
}
