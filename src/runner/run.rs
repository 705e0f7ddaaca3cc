//! [`run_scenario`]: runs every step in order against a session, then tears down what the
//! run created, in reverse, whatever happened (failed check, panic, cancellation).

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use super::check::{check, differences, jq_predicate};
use super::prepare::prepare;
use crate::claims;
use crate::http::{Prepared, Received};
use crate::jq;
use crate::outcome::{CheckCode, Code, DocCode, Mismatch, RunCode};
use crate::outcome::{
    CleanupReport, Defect, Failure, NOT_EMULATED_HEADER, ScenarioReport, StepOutcome, StepReport,
};
use crate::redact::{Redactor, normalize};
use crate::scenario::model::display_url;
use crate::scenario::model::{Scenario, SnapshotMode, Span, Step, StepKeys};
use crate::targets::session::Session;
use crate::vars::{Origin, Vars};

use super::watch::{Event, Watcher};

/// Response headers kept in snapshots: the ones a doc reader relies on and that do not vary
/// between targets.
pub const SNAPSHOT_HEADERS: &[&str] = &[
    "content-type",
    "www-authenticate",
    "location",
    "cache-control",
];

/// Longest response excerpt shown in failures and defects.
const EXCERPT_LIMIT: usize = 1500;

/// A cleanup registered by a step that succeeded.
#[derive(Debug, Clone)]
struct PendingCleanup {
    step: String,
    display: String,
    request: Prepared,
}

/// Shared between the step task and the teardown, so a panicking or cancelled step loop
/// still leaves its cleanups behind.
#[derive(Debug, Default)]
struct Progress {
    steps: Vec<StepReport>,
    defects: Vec<Defect>,
    failures: Vec<Failure>,
    cleanups: Vec<PendingCleanup>,
    redactor: Redactor,
    /// The step running now, so a cancellation or panic can say where it stopped.
    current: Option<(String, Span)>,
    /// Variables an out-of-reach step would have captured, with that step's name: a later
    /// step needing one is out of reach too, not a failure.
    unreachable: Vec<(String, String)>,
    /// Who hears of each step as it finishes.
    watcher: Watcher,
}

impl Progress {
    /// Records a finished step and tells the watcher.
    fn push_step(&mut self, report: StepReport) {
        self.watcher.tell(&Event::StepDone(&report));
        self.steps.push(report);
    }
}

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
    let (steps, defects, mut failures, cleanups, redactor, current) = {
        let mut p = progress.lock().unwrap_or_else(|e| e.into_inner());
        (
            std::mem::take(&mut p.steps),
            std::mem::take(&mut p.defects),
            std::mem::take(&mut p.failures),
            std::mem::take(&mut p.cleanups),
            p.redactor.clone(),
            p.current.take(),
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
        failures.push(Failure {
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
        });
    }
    let cleanups = teardown(cleanups, session, &redactor).await;
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
        match vars.render(&def.value) {
            Ok(text) => vars.set_text(&def.name, text, def.secret, Origin::Scenario),
            Err(missing) => {
                record_failure(
                    &progress,
                    Failure {
                        code: Code::Run(RunCode::UndefinedVariable),
                        step: None,
                        span: def.span,
                        message: format!(
                            "variable `{}` uses `${}`, which is not defined",
                            def.name, missing.0
                        ),
                        mismatches: vec![],
                        excerpt: None,
                        curl: None,
                        exports: vec![],
                        doc: None,
                        keys: StepKeys::default(),
                    },
                );
                return;
            }
        }
    }
    for step in &scenario.steps {
        if let Ok(mut p) = progress.lock() {
            p.current = Some((step.name.clone(), step.span));
        }
        let stop = run_step(step, &session, &mut vars, &progress).await;
        if let Ok(mut p) = progress.lock() {
            p.redactor = Redactor::from_vars(&vars);
            p.current = None;
        }
        if stop {
            break;
        }
    }
}

fn record_failure(progress: &Mutex<Progress>, failure: Failure) {
    if let Ok(mut p) = progress.lock() {
        p.failures.push(failure);
    }
}

/// Runs one step. Returns `true` when the run must stop.
async fn run_step(
    step: &Step,
    session: &Session,
    vars: &mut Vars,
    progress: &Mutex<Progress>,
) -> bool {
    let mut report = StepReport {
        name: step.name.clone(),
        span: step.span,
        method: step.request.method.clone(),
        url: display_url(&step.request),
        status: None,
        elapsed: Duration::ZERO,
        attempts: 0,
        outcome: StepOutcome::Passed,
        view: None,
    };
    let push_report = |report: StepReport| {
        if let Ok(mut p) = progress.lock() {
            p.push_step(report);
        }
    };
    if !step.runs_on(session.kind) {
        report.outcome = StepOutcome::Skipped(format!(
            "step runs only on {}",
            step.targets
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
        push_report(report);
        return false;
    }
    let prepared = match prepare(&step.request, vars) {
        Ok(p) => p,
        Err(missing) if let Some(origin) = unreachable_origin(progress, &missing.0) => {
            report.outcome = StepOutcome::OutOfReach {
                reason: format!(
                    "needs `${}`, which out-of-reach step `{origin}` would have captured",
                    missing.0
                ),
            };
            push_report(report);
            return false;
        }
        Err(missing) => {
            let message = format!(
                "step `{}` uses `${}` before it is defined",
                step.name, missing.0
            );
            let failure = step_failure(step, vars, Code::Run(RunCode::UndefinedVariable), message);
            return abort_step(progress, report, failure);
        }
    };

    // The status the target must answer: the doc's, unless the scenario knows the doc is
    // wrong here and says what really happens.
    let doc_step = step.source.is_some();
    let known_status = step.defect.as_ref().and_then(|d| d.status);
    let wanted_status = if doc_step {
        known_status.or(step.expect.status)
    } else {
        step.expect.status
    };

    let started = Instant::now();
    let mut wait = step.retry.map(|r| r.interval).unwrap_or_default();
    let mut attempts = 0;
    let (received, body, mut mismatches, captured, tokens) = loop {
        attempts += 1;
        let received = match session.http.send(&prepared).await {
            Ok(r) => r,
            Err(e) => {
                report.attempts = attempts - 1 + e.attempts;
                let message = format!(
                    "step `{}`: {} (after {} attempt{})",
                    step.name,
                    Redactor::from_vars(vars).text(&e.message),
                    e.attempts,
                    if e.attempts == 1 { "" } else { "s" }
                );
                let failure = step_failure(step, vars, Code::Transport, message);
                return abort_step(progress, report, failure);
            }
        };
        let body = received.json();
        if let Some(reason) = received.header(NOT_EMULATED_HEADER) {
            end_out_of_reach(step, report, &received, &body, reason, vars, progress);
            return false;
        }
        // Credentials in the response that no capture will name are redacted all the same.
        for secret in crate::redact::secret_values(&body) {
            vars.hide(secret);
        }
        let mut mismatches = match check(&step.expect, wanted_status, &received, &body, vars) {
            Ok(m) => m,
            Err(missing) => {
                let message = format!(
                    "step `{}` expects `${}`, which is not defined",
                    step.name, missing.0
                );
                let failure =
                    step_failure(step, vars, Code::Run(RunCode::UndefinedVariable), message);
                return abort_step(progress, report, failure);
            }
        };
        let captured = capture(step, &body, &mut mismatches);
        let mut scratch = vars.clone();
        for (name, value, secret) in &captured {
            scratch.set_json(name, value.clone(), *secret, Origin::Captured);
        }
        let tokens = verify_tokens(step, &scratch, session, &mut mismatches).await;
        // Time left before the retry's deadline; the last wait is cut short so the final
        // attempt happens at the deadline rather than one whole interval before it.
        let left = step.retry.map_or(Duration::ZERO, |r| {
            r.timeout.saturating_sub(started.elapsed())
        });
        if mismatches.is_empty() || left.is_zero() {
            break (received, body, mismatches, captured, tokens);
        }
        if attempts == 1
            && let Ok(p) = progress.lock()
        {
            let (step, status) = (step.name.as_str(), received.status);
            p.watcher.tell(&Event::Waiting { step, status, left });
        }
        tokio::time::sleep(wait.min(left)).await;
        if let Some(r) = step.retry {
            wait = wait.mul_f64(r.backoff.max(1.0));
        }
    };
    report.status = Some(received.status);
    report.elapsed = received.elapsed;
    report.attempts = attempts + received.attempts.saturating_sub(1);
    for (name, value, secret) in &captured {
        vars.set_json(name, value.clone(), *secret, Origin::Captured);
    }
    let redactor = Redactor::from_vars(vars);
    let excerpt = excerpt(&redactor.json(&body));

    // Doc verdict: compare what the doc says with what happened.
    if let (Some(source), Some(doc_status)) = (&step.source, step.expect.status) {
        let doc = format!("{}:{}", source.file, source.line);
        let disagrees = doc_status != received.status;
        match (&step.defect, disagrees) {
            (Some(defect), true) if known_status.is_none_or(|s| s == received.status) => {
                report.outcome = StepOutcome::KnownDefect;
                push_defect(
                    progress,
                    Defect {
                        step: step.name.clone(),
                        doc,
                        doc_says: format!("status_code: {doc_status}"),
                        actual: received.status.to_string(),
                        known: Some(defect.reason.clone()),
                        excerpt: excerpt.clone(),
                    },
                );
                // A defect without `status` accepts whatever the target answers; the check
                // against the doc's status is the defect itself, not a failure.
                mismatches.retain(|m| !matches!(m.code, Code::Check(CheckCode::Status)));
            }
            (_, true) => {
                report.outcome = StepOutcome::DocDefect;
                push_defect(
                    progress,
                    Defect {
                        step: step.name.clone(),
                        doc,
                        doc_says: format!("status_code: {doc_status}"),
                        actual: received.status.to_string(),
                        known: None,
                        excerpt: excerpt.clone(),
                    },
                );
                // The run goes on, so one pass finds every defect; the status check itself
                // is reported as the defect, not as a second failure.
                mismatches.retain(|m| !matches!(m.code, Code::Check(CheckCode::Status)));
            }
            (Some(defect), false) => {
                // The status check against the recorded (now wrong) status says the same
                // thing less clearly; report only that the doc was fixed.
                mismatches.retain(|m| !matches!(m.code, Code::Check(CheckCode::Status)));
                mismatches.insert(
                    0,
                    Mismatch {
                        code: Code::Doc(DocCode::DefectFixed),
                        what: "known defect".to_owned(),
                        expected: format!("the doc to be wrong: {}", defect.reason),
                        actual: format!("the target answered {doc_status}, as the doc says"),
                    },
                );
            }
            (None, false) => {}
        }
    }

    // Register the cleanup as soon as the thing exists, even if a later check fails.
    if (200..300).contains(&received.status)
        && let Some(cleanup) = &step.cleanup
    {
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

    report.view = view(step, &received, &body, tokens, &redactor);
    let failed = !mismatches.is_empty();
    if failed {
        report.outcome = StepOutcome::Failed;
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
    push_report(report);
    failed
}

/// The out-of-reach step whose capture would have defined `variable`, if any.
fn unreachable_origin(progress: &Mutex<Progress>, variable: &str) -> Option<String> {
    let p = progress.lock().ok()?;
    p.unreachable
        .iter()
        .find(|(name, _)| name == variable)
        .map(|(_, step)| step.clone())
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
        p.steps.push(report);
    }
}

fn push_defect(progress: &Mutex<Progress>, defect: Defect) {
    if let Ok(mut p) = progress.lock() {
        p.defects.push(defect);
    }
}

/// Evaluates the step's captures: `(variable, value, secret)`.
fn capture(
    step: &Step,
    body: &Value,
    mismatches: &mut Vec<Mismatch>,
) -> Vec<(String, Value, bool)> {
    let mut out = Vec::new();
    for c in &step.captures {
        let result = jq::Program::compile(&c.jq)
            .map_err(|e| e.message)
            .and_then(|p| p.run(body));
        match result {
            Ok(values) => match values.into_iter().find(|v| !v.is_null()) {
                Some(value) => out.push((c.variable.clone(), value, c.secret)),
                None => mismatches.push(Mismatch {
                    code: Code::Check(CheckCode::Capture),
                    what: format!("capture `{}` (jq `{}`)", c.variable, c.jq),
                    expected: "a value".to_owned(),
                    actual: "nothing (null or no output)".to_owned(),
                }),
            },
            Err(e) => mismatches.push(Mismatch {
                code: Code::Check(CheckCode::Capture),
                what: format!("capture `{}` (jq `{}`)", c.variable, c.jq),
                expected: "a value".to_owned(),
                actual: format!("jq error: {e}"),
            }),
        }
    }
    out
}

/// Decodes, verifies and checks the step's tokens; returns their redacted views by variable.
async fn verify_tokens(
    step: &Step,
    vars: &Vars,
    session: &Session,
    mismatches: &mut Vec<Mismatch>,
) -> Vec<(String, Value)> {
    let mut views = Vec::new();
    for t in &step.tokens {
        // A token that does not verify (or whose time claims are inconsistent) fails with the
        // `claims::…` code that says why; a claim that differs from the scenario's is
        // `check::token`.
        let mut fail = |code: Code, what: String, expected: String, actual: String| {
            mismatches.push(Mismatch {
                code,
                what,
                expected,
                actual,
            });
        };
        let Some(token) = vars.get(&t.variable) else {
            fail(
                Code::Check(CheckCode::Token),
                format!("token `{}`", t.variable),
                "a captured token".to_owned(),
                "undefined".to_owned(),
            );
            continue;
        };
        // When the scenario names the issuer (`claims: {iss: $ISSUER_URL}`), docflow fetches
        // discovery and keys only from it, so a hostile token cannot pick the URL.
        let expected_iss = t
            .claims
            .as_ref()
            .and_then(|c| c.get("iss"))
            .and_then(|iss| vars.render_json(iss).ok())
            .and_then(|iss| iss.as_str().map(str::to_owned));
        let verified =
            match claims::verify(&token.text, expected_iss.as_deref(), &session.http).await {
                Ok(v) => v,
                Err(e) => {
                    fail(
                        Code::Claims(e.code),
                        format!("token `{}`", t.variable),
                        "a token signed by its issuer".to_owned(),
                        e.message,
                    );
                    continue;
                }
            };
        if let Err(e) = claims::check_time_claims(&verified.claims, t.lifetime) {
            fail(
                Code::Claims(e.code),
                format!("token `{}`", t.variable),
                "consistent time claims".to_owned(),
                e.message,
            );
        }
        for (what, subset, actual) in [
            ("header", &t.header, &verified.header),
            ("claims", &t.claims, &verified.claims),
        ] {
            let Some(subset) = subset else { continue };
            match vars.render_json(subset) {
                Ok(subset) => {
                    for (path, e, a) in differences(&subset, actual) {
                        fail(
                            Code::Check(CheckCode::Token),
                            format!("token `{}` {what} at `{path}`", t.variable),
                            e,
                            a,
                        );
                    }
                }
                Err(missing) => fail(
                    Code::Check(CheckCode::Token),
                    format!("token `{}` {what}", t.variable),
                    format!("`${}` to be defined", missing.0),
                    "undefined".to_owned(),
                ),
            }
        }
        for predicate in &t.jq {
            if let Some(mut m) = jq_predicate(&predicate.expr, &verified.claims) {
                m.code = Code::Check(CheckCode::Token);
                m.what = format!("token `{}` {}", t.variable, m.what);
                mismatches.push(m);
            }
        }
        views.push((
            t.variable.clone(),
            json!({"header": verified.header, "claims": verified.claims}),
        ));
    }
    views
}

/// The snapshot view of a step: request line, status, allow-listed headers, body (or its jq
/// projection), verified tokens. Redacted by value, then normalised by shape.
fn view(
    step: &Step,
    received: &Received,
    body: &Value,
    tokens: Vec<(String, Value)>,
    redactor: &Redactor,
) -> Option<Value> {
    let body = match &step.snapshot {
        SnapshotMode::Off => return None,
        SnapshotMode::Full => body.clone(),
        SnapshotMode::Jq(expr) => match jq::Program::compile(expr)
            .map_err(|e| e.message)
            .and_then(|p| p.run(body))
        {
            Ok(mut values) if values.len() == 1 => values.remove(0),
            Ok(values) => Value::Array(values),
            Err(e) => json!({ "snapshot jq error": e }),
        },
    };
    let mut headers = Map::new();
    for name in SNAPSHOT_HEADERS {
        if let Some(value) = received.header(name) {
            headers.insert((*name).to_owned(), Value::String(value));
        }
    }
    let mut view = json!({
        "request": format!("{} {}", step.request.method, display_url(&step.request)),
        "status": received.status,
        "headers": headers,
        "body": body,
    });
    if !tokens.is_empty() {
        view["tokens"] = Value::Object(tokens.into_iter().collect());
    }
    Some(normalize(&redactor.json(&view)))
}

/// `export NAME='value'` lines for the variables the step's curl uses, so it reproduces: the
/// non-secret ones with their value, the secret ones as a reminder to set them. The curl's
/// implicit variables count too: the API or proxy base URL its destination adds, and
/// `$KONNECT_TOKEN` when the Konnect `Authorization` header is added.
fn exports_for(step: &Step, vars: &Vars) -> Vec<String> {
    let request = &step.request;
    let mut names: Vec<String> = request
        .implicit_vars()
        .into_iter()
        .map(str::to_owned)
        .collect();
    names.extend(request.used_vars());
    names.sort_unstable();
    names.dedup();
    let redactor = Redactor::from_vars(vars);
    names
        .into_iter()
        .filter_map(|name| {
            let v = vars.get(&name)?;
            // Also a value encoded from secrets (`@base64` Basic credentials).
            Some(
                if v.secret || vars.contains_secret(&v.text) || redactor.hides(&v.text) {
                    format!("export {name}=…  # secret: set it yourself")
                } else {
                    format!("export {name}='{}'", v.text.replace('\'', r"'\''"))
                },
            )
        })
        .collect()
}

/// Runs the cleanups in reverse order. A 404 counts as done: the thing is gone either way.
async fn teardown(
    mut cleanups: Vec<PendingCleanup>,
    session: &Session,
    redactor: &Redactor,
) -> Vec<CleanupReport> {
    let mut reports = Vec::with_capacity(cleanups.len());
    while let Some(c) = cleanups.pop() {
        let result = session.http.send(&c.request).await;
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

/// A pretty-printed, truncated excerpt of a (redacted) body.
fn excerpt(body: &Value) -> String {
    let text = match body {
        Value::String(s) => s.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_default(),
    };
    if text.len() <= EXCERPT_LIMIT {
        return text;
    }
    let mut cut = EXCERPT_LIMIT;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}\n… ({} more bytes)", &text[..cut], text.len() - cut)
}

/// Ends a step that could not complete: records its report as failed, then the failure.
/// Returns `true`: the run stops.
fn abort_step(progress: &Mutex<Progress>, mut report: StepReport, failure: Failure) -> bool {
    report.outcome = StepOutcome::Failed;
    if let Ok(mut p) = progress.lock() {
        p.push_step(report);
        p.failures.push(failure);
    }
    true
}

/// A failure of `step`, with its curl reproduction and the exports it needs.
fn step_failure(step: &Step, vars: &Vars, code: Code, message: String) -> Failure {
    Failure {
        code,
        step: Some(step.name.clone()),
        span: step.span,
        message,
        mismatches: vec![],
        excerpt: None,
        curl: Some(crate::curl::to_curl(&step.request)),
        exports: exports_for(step, vars),
        doc: step
            .source
            .as_ref()
            .map(|s| format!("{}:{}", s.file, s.line)),
        keys: step.keys,
    }
}
