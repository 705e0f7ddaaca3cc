//! A step's attempts: send, check, capture and verify tokens, again until the checks pass or
//! the step's `retry:` runs out (once without one).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::check::check;
use super::failure::step_failure;
use super::progress::Progress;
use super::tokens::verify_tokens;
use super::watch::Event;
use crate::http::{Prepared, Received};
use crate::jq;
use crate::outcome::{CheckCode, Code, Failure, Mismatch, NOT_EMULATED_HEADER, RunCode};
use crate::redact::Redactor;
use crate::scenario::model::Step;
use crate::targets::session::Session;
use crate::vars::{Origin, Vars};

/// The last answer of a step and what its checks made of it.
pub(super) struct Answer {
    /// The answer.
    pub(super) received: Received,
    /// Its body as JSON (a string when it is not JSON).
    pub(super) body: Value,
    /// The checks that failed.
    pub(super) mismatches: Vec<Mismatch>,
    /// The captures: `(variable, value, secret)`.
    pub(super) captured: Vec<(String, Value, bool)>,
    /// The verified tokens' views, by variable.
    pub(super) tokens: Vec<(String, Value)>,
    /// Step-level attempts, this one included.
    pub(super) attempts: u32,
}

/// Why a step ended before its checks settled.
pub(super) enum Interrupted {
    /// The step cannot go on: no answer, or a check needs an undefined variable.
    Failed {
        /// What to report.
        failure: Failure,
        /// HTTP attempts in all, when requests were sent and none was answered.
        http_attempts: Option<u32>,
    },
    /// The target answered that it does not emulate what the step needs.
    NotEmulated {
        /// The answer.
        received: Received,
        /// Its body.
        body: Value,
        /// The target's reason (the not-emulated header).
        reason: String,
    },
}

/// The status the target must answer: the doc's, unless the scenario knows the doc is
/// wrong here and says what really happens.
fn wanted_status(step: &Step) -> Option<u16> {
    let known_status = step.defect.as_ref().and_then(|d| d.status);
    if step.source.is_some() {
        known_status.or(step.expect.status)
    } else {
        step.expect.status
    }
}

/// Sends the step's request until its checks pass or its retry runs out; tells the watcher
/// when it starts waiting.
pub(super) async fn settle(
    step: &Step,
    session: &Session,
    prepared: &Prepared,
    vars: &mut Vars,
    progress: &Mutex<Progress>,
) -> Result<Answer, Box<Interrupted>> {
    let wanted_status = wanted_status(step);
    let started = Instant::now();
    let mut wait = step.retry.map(|r| r.interval).unwrap_or_default();
    let mut attempts = 0;
    loop {
        attempts += 1;
        let answer = attempt(step, session, prepared, wanted_status, vars, attempts).await?;
        // Time left before the retry's deadline; the last wait is cut short so the final
        // attempt happens at the deadline rather than one whole interval before it.
        let left = step.retry.map_or(Duration::ZERO, |r| {
            r.timeout.saturating_sub(started.elapsed())
        });
        if answer.mismatches.is_empty() || left.is_zero() {
            return Ok(answer);
        }
        if attempts == 1
            && let Ok(p) = progress.lock()
        {
            let (step, status) = (step.name.as_str(), answer.received.status);
            p.watcher.tell(&Event::Waiting { step, status, left });
        }
        tokio::time::sleep(wait.min(left)).await;
        if let Some(r) = step.retry {
            wait = wait.mul_f64(r.backoff.max(1.0));
        }
    }
}

/// One attempt: send, then check, capture and verify tokens. The captures count only once
/// the step settles, so the tokens are verified against a scratch copy of the variables.
async fn attempt(
    step: &Step,
    session: &Session,
    prepared: &Prepared,
    wanted_status: Option<u16>,
    vars: &mut Vars,
    attempts: u32,
) -> Result<Answer, Box<Interrupted>> {
    let received = match session.http.send(prepared).await {
        Ok(r) => r,
        Err(e) => {
            let message = format!(
                "step `{}`: {} (after {} attempt{})",
                step.name,
                Redactor::from_vars(vars).text(&e.message),
                e.attempts,
                if e.attempts == 1 { "" } else { "s" }
            );
            let failure = step_failure(step, vars, Code::Transport, message);
            let http_attempts = Some(attempts - 1 + e.attempts);
            return Err(Box::new(Interrupted::Failed {
                failure,
                http_attempts,
            }));
        }
    };
    let body = received.json();
    if let Some(reason) = received.header(NOT_EMULATED_HEADER) {
        return Err(Box::new(Interrupted::NotEmulated {
            received,
            body,
            reason,
        }));
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
            let failure = step_failure(step, vars, Code::Run(RunCode::UndefinedVariable), message);
            return Err(Box::new(Interrupted::Failed {
                failure,
                http_attempts: None,
            }));
        }
    };
    let captured = capture(step, &body, &mut mismatches);
    let mut scratch = vars.clone();
    for (name, value, secret) in &captured {
        scratch.set_json(name, value.clone(), *secret, Origin::Captured);
    }
    let tokens = verify_tokens(step, &scratch, session, &mut mismatches).await;
    Ok(Answer {
        received,
        body,
        mismatches,
        captured,
        tokens,
        attempts,
    })
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
