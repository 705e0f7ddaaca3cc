//! Cleanups: registered by a step as soon as what it creates exists, run in reverse at the
//! end of the run whatever happened.

use std::sync::Mutex;

use super::failure::excerpt;
use super::prepare::prepare;
use super::progress::{PendingCleanup, Progress};
use super::watch::{Event, Exchange, Watcher};
use crate::outcome::{CleanupReport, Code, Mismatch, RunCode};
use crate::redact::Redactor;
use crate::scenario::model::{Step, display_url};
use crate::targets::session::Session;
use crate::vars::Vars;

/// Registers the step's cleanup as soon as the thing exists (a 2xx answer), even if a later
/// check fails; a cleanup that needs an undefined variable is a mismatch of the step.
pub(super) fn register_cleanup(
    step: &Step,
    status: u16,
    vars: &Vars,
    progress: &Mutex<Progress>,
    mismatches: &mut Vec<Mismatch>,
) {
    let Some(cleanup) = &step.cleanup else {
        return;
    };
    if !(200..300).contains(&status) {
        return;
    }
    match prepare(cleanup, vars) {
        Ok(request) => {
            if let Ok(mut p) = progress.lock() {
                p.cleanups.push(PendingCleanup {
                    step: step.name.clone(),
                    display: format!("{} {}", cleanup.method, display_url(cleanup)),
                    request,
                });
            }
        }
        Err(missing) => mismatches.push(Mismatch {
            code: Code::Run(RunCode::UndefinedVariable),
            what: "cleanup".to_owned(),
            expected: format!("`${}` to be defined for the cleanup", missing.0),
            actual: "undefined; nothing will undo this step".to_owned(),
        }),
    }
}

/// Runs the cleanups in reverse order. A 404 counts as done: the thing is gone either way.
/// The watcher hears of each answered cleanup.
pub(super) async fn teardown(
    mut cleanups: Vec<PendingCleanup>,
    session: &Session,
    redactor: &Redactor,
    watcher: &Watcher,
) -> Vec<CleanupReport> {
    let mut reports = Vec::with_capacity(cleanups.len());
    while let Some(c) = cleanups.pop() {
        let result = session.http.send(&c.request).await;
        if let Ok(received) = &result {
            watcher.tell(&Event::Exchange(&Exchange {
                step: &c.step,
                cleanup: true,
                request: &c.request,
                received,
                captures: &[],
                retry: None,
                redactor,
            }));
        }
        reports.push(match result {
            Ok(r) => CleanupReport {
                step: c.step,
                request: c.display,
                status: Some(r.status),
                ok: (200..300).contains(&r.status) || r.status == 404,
                error: (!(200..300).contains(&r.status) && r.status != 404)
                    .then(|| excerpt(&redactor.json(&r.json()))),
            },
            Err(e) => CleanupReport {
                step: c.step,
                request: c.display,
                status: None,
                ok: false,
                error: Some(redactor.text(&e.message)),
            },
        });
    }
    reports
}
