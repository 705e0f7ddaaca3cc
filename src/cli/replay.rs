//! [`Replay`]: sends a recording's requests again on a session of the embedded mock (its own
//! organization), as the run would: placeholders rendered with this session's variables and
//! with what the replay captured from the mock's own answers.

use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use docflow::http::{Prepared, Received, TransportError};
use docflow::jq;
use docflow::redact::Redactor;
use docflow::scenario::model::Template;
use docflow::targets::Session;
use docflow::targets::session::random_alnum;
use docflow::vars::{Origin, Vars};
use serde_json::Value;

use super::recording::{Recorded, RecordedBody, RecordedCapture, RecordedRequest};

/// One scenario's replay.
#[derive(Debug)]
pub(crate) struct Replay {
    session: Session,
    vars: Vars,
}

impl Replay {
    /// A replay on `session`, starting from its variables.
    pub(crate) fn new(session: Session) -> Self {
        let vars = session.vars();
        Self { session, vars }
    }

    /// Hides this replay's secrets in what it prints.
    pub(crate) fn redactor(&self) -> Redactor {
        Redactor::from_vars(&self.vars)
    }

    /// Sends the exchange's request; with a recorded `retry:`, again until the mock answers
    /// the recorded status or the retry's time is up, as the run polled.
    pub(crate) async fn send(&mut self, recorded: &Recorded) -> Result<Received, TransportError> {
        let prepared = self.prepare(&recorded.request);
        let started = Instant::now();
        loop {
            let received = self.session.http.send(&prepared).await?;
            let Some(retry) = recorded.retry else {
                return Ok(received);
            };
            let timeout = Duration::from_millis(retry.timeout_ms);
            if received.status == recorded.response.status || started.elapsed() >= timeout {
                return Ok(received);
            }
            let wait = Duration::from_millis(retry.interval_ms.max(50));
            tokio::time::sleep(wait.min(timeout.saturating_sub(started.elapsed()))).await;
        }
    }

    /// Makes the step's captures from the mock's answer; a capture that finds nothing is a
    /// difference (later requests needing it would go out with an invented value).
    pub(crate) fn capture(&mut self, captures: &[RecordedCapture], body: &Value) -> Vec<String> {
        for secret in docflow::redact::secret_values(body) {
            self.vars.hide(secret);
        }
        let mut missing = Vec::new();
        for c in captures {
            let value = jq::Program::compile(&c.jq)
                .map_err(|e| e.message)
                .and_then(|p| p.run(body))
                .ok()
                .and_then(|values| values.into_iter().find(|v| !v.is_null()));
            match value {
                Some(value) => self
                    .vars
                    .set_json(&c.variable, value, c.secret, Origin::Captured),
                None => missing.push(format!(
                    "capture `{}` (jq `{}`): nothing in the mock's answer",
                    c.variable, c.jq
                )),
            }
        }
        missing
    }

    /// The recorded request with this replay's values.
    fn prepare(&mut self, request: &RecordedRequest) -> Prepared {
        let mut headers: Vec<(String, String)> = request
            .headers
            .iter()
            .map(|(name, value)| (name.clone(), self.render(value)))
            .collect();
        if let Some(basic) = &request.basic_auth {
            let credentials = format!(
                "{}:{}",
                self.render(&basic.username),
                self.render(&basic.password)
            );
            headers.push((
                "Authorization".to_owned(),
                format!("Basic {}", STANDARD.encode(credentials)),
            ));
        }
        let body = request.body.as_ref().map(|body| match body {
            RecordedBody::Json(value) => self.render_json(value).to_string().into_bytes(),
            RecordedBody::Form(fields) => {
                let fields: Vec<(String, String)> = fields
                    .iter()
                    .map(|(k, v)| (k.clone(), self.render(v)))
                    .collect();
                serde_urlencoded::to_string(fields)
                    .unwrap_or_default()
                    .into_bytes()
            }
            RecordedBody::Text(text) => self.render(text).into_bytes(),
        });
        Prepared {
            method: request.method.clone(),
            url: self.render(&request.url),
            headers,
            body,
        }
    }

    /// Renders `$NAME`s; a name nothing defined (a secret the scenario set itself, which the
    /// recording does not hold) gets an invented secret value, the same everywhere after.
    fn render(&mut self, text: &str) -> String {
        let template = Template::parse(text).unwrap_or_else(|_| Template::literal(text));
        loop {
            match self.vars.render(&template) {
                Ok(rendered) => return rendered,
                Err(missing) => self.invent(&missing.0),
            }
        }
    }

    /// [`Self::render`] for every string of a JSON value.
    fn render_json(&mut self, value: &Value) -> Value {
        loop {
            match self.vars.render_json(value) {
                Ok(rendered) => return rendered,
                Err(missing) => self.invent(&missing.0),
            }
        }
    }

    fn invent(&mut self, name: &str) {
        let value = format!("replay{}", random_alnum(24));
        self.vars.set_text(name, value, true, Origin::Scenario);
    }
}
