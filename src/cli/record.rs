//! `docflow run --record DIR`: a [`Recorder`] hears every exchange of a run (the runner's
//! [`Event::Exchange`]) and appends it, redacted, to `DIR/<scenario>.jsonl` (the format is in
//! [`super::recording`]).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use docflow::redact::Redactor;
use docflow::runner::watch::Exchange;
use serde_json::Value;

use super::record_ids::IdNamer;
use super::recording::{
    BasicCredentials, RECORDED_HEADERS, Recorded, RecordedBody, RecordedCapture, RecordedRequest,
    RecordedResponse, RecordedRetry, VERSION, scenario_file,
};

/// Where the run's recordings go; [`Recorder::start`] opens one per scenario, so scenarios
/// running at once (`-j`) each write their own file.
#[derive(Debug, Clone)]
pub(crate) struct Recorder {
    dir: PathBuf,
    /// What went wrong, for the run's summary (a run whose recording is incomplete fails).
    errors: Arc<Mutex<Vec<String>>>,
}

/// Appends each exchange of one scenario to its file.
#[derive(Debug, Clone)]
pub(crate) struct ScenarioRecording {
    state: Arc<Mutex<State>>,
    errors: Arc<Mutex<Vec<String>>>,
}

/// The scenario being recorded.
#[derive(Debug, Default)]
struct State {
    scenario: String,
    target: String,
    file: Option<PathBuf>,
    ids: IdNamer,
}

impl Recorder {
    /// A recorder writing into `dir` (created if missing).
    pub(crate) fn new(dir: &Path) -> Result<Self, String> {
        std::fs::create_dir_all(dir).map_err(|e| {
            format!(
                "cannot create the recording folder `{}`: {e}",
                dir.display()
            )
        })?;
        Ok(Self {
            dir: dir.to_owned(),
            errors: Arc::default(),
        })
    }

    /// Starts the file of `scenario` (replacing an older recording of it).
    pub(crate) fn start(&self, scenario: &str, target: &str) -> ScenarioRecording {
        let file = scenario_file(&self.dir, scenario);
        let mut state = State {
            scenario: scenario.to_owned(),
            target: target.to_owned(),
            ..State::default()
        };
        match std::fs::write(&file, "") {
            Ok(()) => state.file = Some(file),
            Err(e) => {
                let error = format!("cannot write the recording `{}`: {e}", file.display());
                push_error(&self.errors, error);
            }
        }
        ScenarioRecording {
            state: Arc::new(Mutex::new(state)),
            errors: Arc::clone(&self.errors),
        }
    }

    /// What went wrong while recording.
    pub(crate) fn errors(&self) -> Vec<String> {
        self.errors.lock().map(|e| e.clone()).unwrap_or_default()
    }
}

fn push_error(errors: &Mutex<Vec<String>>, error: String) {
    if let Ok(mut errors) = errors.lock() {
        errors.push(error);
    }
}

impl ScenarioRecording {
    /// Appends one exchange, redacted. An exchange whose redacted line would still hold a
    /// secret is left out (and the run fails), never written.
    pub(crate) fn record(&self, exchange: &Exchange<'_>) {
        let mut guard = self.lock();
        let state = &mut *guard;
        let Some(file) = state.file.clone() else {
            return;
        };
        let recorded = redacted(exchange, &state.scenario, &state.target, &mut state.ids);
        let line = match serde_json::to_string(&recorded) {
            Ok(line) if !exchange.redactor.hides(&line) => line,
            Ok(_) => {
                let error = format!(
                    "{}: step `{}`: exchange left out of the recording: it would hold a secret",
                    file.display(),
                    exchange.step
                );
                push_error(&self.errors, error);
                return;
            }
            Err(e) => {
                push_error(&self.errors, format!("{}: {e}", file.display()));
                return;
            }
        };
        let written = std::fs::OpenOptions::new()
            .append(true)
            .open(&file)
            .and_then(|mut f| writeln!(f, "{line}"));
        if let Err(e) = written {
            let error = format!("cannot append to the recording `{}`: {e}", file.display());
            push_error(&self.errors, error);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The exchange as a recording line: redacted by value, then generated ids named.
fn redacted(exchange: &Exchange<'_>, scenario: &str, target: &str, ids: &mut IdNamer) -> Recorded {
    let r = exchange.redactor;
    let received = exchange.received;
    let headers = RECORDED_HEADERS
        .iter()
        .filter_map(|name| {
            let value = received.header(name)?;
            Some(((*name).to_owned(), ids.text(&r.text(&value))))
        })
        .collect();
    Recorded {
        version: VERSION,
        scenario: scenario.to_owned(),
        step: exchange.step.to_owned(),
        cleanup: exchange.cleanup,
        target: target.to_owned(),
        request: request(exchange, ids),
        captures: exchange
            .captures
            .iter()
            .map(|c| RecordedCapture {
                variable: c.variable.clone(),
                jq: c.jq.clone(),
                secret: c.secret,
            })
            .collect(),
        retry: exchange.retry.map(|retry| RecordedRetry {
            timeout_ms: u64::try_from(retry.timeout.as_millis()).unwrap_or(u64::MAX),
            interval_ms: u64::try_from(retry.interval.as_millis()).unwrap_or(u64::MAX),
        }),
        response: RecordedResponse {
            status: received.status,
            headers,
            body: body(
                &received.body,
                received.header("content-type").as_deref(),
                r,
                ids,
            ),
        },
    }
}

/// The request, redacted; Basic credentials decoded so a replay can encode its own.
fn request(exchange: &Exchange<'_>, ids: &mut IdNamer) -> RecordedRequest {
    let r = exchange.redactor;
    let prepared = exchange.request;
    let mut basic_auth = None;
    let mut headers = Vec::with_capacity(prepared.headers.len());
    for (name, value) in &prepared.headers {
        if name.eq_ignore_ascii_case("authorization")
            && basic_auth.is_none()
            && let Some(credentials) = basic_credentials(value, r, ids)
        {
            basic_auth = Some(credentials);
            continue;
        }
        headers.push((name.clone(), ids.text(&r.text(value))));
    }
    let content_type = prepared
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.as_str());
    RecordedRequest {
        method: prepared.method.clone(),
        url: ids.text(&r.text(&prepared.url)),
        headers,
        basic_auth,
        body: prepared
            .body
            .as_deref()
            .and_then(|b| body(b, content_type, r, ids)),
    }
}

/// `Basic <base64 of user:password>`, decoded and redacted part by part.
fn basic_credentials(value: &str, r: &Redactor, ids: &mut IdNamer) -> Option<BasicCredentials> {
    let encoded = value.strip_prefix("Basic ")?.trim();
    let decoded = String::from_utf8(STANDARD.decode(encoded).ok()?).ok()?;
    let (username, password) = decoded.split_once(':')?;
    Some(BasicCredentials {
        username: ids.text(&r.text(username)),
        password: redacted_password(&r.text(password)),
    })
}

/// A password nothing names as a variable is a credential all the same: `[redacted]`.
fn redacted_password(password: &str) -> String {
    if password.is_empty() || password.starts_with('$') {
        password.to_owned()
    } else {
        docflow::redact::REDACTED.to_owned()
    }
}

/// A body by its content type: JSON, form fields, or text; redacted, ids named.
fn body(
    bytes: &[u8],
    content_type: Option<&str>,
    r: &Redactor,
    ids: &mut IdNamer,
) -> Option<RecordedBody> {
    if bytes.is_empty() {
        return None;
    }
    let media = content_type
        .and_then(|ct| ct.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if media == "application/x-www-form-urlencoded"
        && let Ok(fields) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(bytes)
    {
        let masked = r.json(&Value::Object(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect(),
        ));
        let fields = fields
            .iter()
            .map(|(k, _)| {
                let v = masked.get(k).and_then(Value::as_str).unwrap_or_default();
                (k.clone(), ids.text(v))
            })
            .collect();
        return Some(RecordedBody::Form(fields));
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(json) => Some(RecordedBody::Json(ids.json(&r.json(&json)))),
        Err(_) => Some(RecordedBody::Text(
            ids.text(&r.text(&String::from_utf8_lossy(bytes))),
        )),
    }
}

#[cfg(test)]
mod tests {
    use docflow::http::{Prepared, Received};
    use docflow::vars::{Origin, Vars};
    use reqwest::header::{HeaderMap, HeaderValue};
    use serde_json::json;

    use super::*;

    fn vars() -> Vars {
        let mut vars = Vars::default();
        vars.set_text(
            "KONNECT_TOKEN",
            "kpat_0123456789abcdef",
            true,
            Origin::Target,
        );
        vars.set_text(
            "KONNECT_CONTROL_PLANE_URL",
            "https://us.api.konghq.com",
            false,
            Origin::Target,
        );
        vars.set_text("CLIENT_ID", "client0123", false, Origin::Captured);
        vars.set_text("CLIENT_SECRET", "s3cr3t-value-xyz", true, Origin::Captured);
        vars
    }

    #[test]
    fn secrets_become_placeholders_and_basic_credentials_are_decoded() {
        let vars = vars();
        let redactor = Redactor::from_vars(&vars);
        let basic = STANDARD.encode("client0123:s3cr3t-value-xyz");
        let prepared = Prepared {
            method: "POST".into(),
            url: "https://us.api.konghq.com/v1/x/8c1f0a7e-1b2c-4d5e-8f90-0123456789ab".into(),
            headers: vec![
                ("Authorization".into(), format!("Basic {basic}")),
                (
                    "Content-Type".into(),
                    "application/x-www-form-urlencoded".into(),
                ),
            ],
            body: Some(b"grant_type=client_credentials&client_secret=s3cr3t-value-xyz".to_vec()),
        };
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        headers.insert("x-other", HeaderValue::from_static("dropped"));
        let received = Received {
            status: 200,
            headers,
            body:
                json!({"id": "client0123", "access_token": "opaque-token-1234", "other_id": "k7"})
                    .to_string()
                    .into_bytes(),
            elapsed: std::time::Duration::ZERO,
            attempts: 1,
        };
        let exchange = Exchange {
            step: "token",
            cleanup: false,
            request: &prepared,
            received: &received,
            captures: &[],
            retry: None,
            redactor: &redactor,
        };
        let recorded = redacted(&exchange, "s", "konnect", &mut IdNamer::default());
        let line = serde_json::to_string(&recorded).unwrap();
        for secret in [
            "kpat_0123456789abcdef",
            "s3cr3t-value-xyz",
            &basic,
            "opaque-token-1234",
        ] {
            assert!(!line.contains(secret), "{line}");
        }
        assert_eq!(
            recorded.request.url,
            "$KONNECT_CONTROL_PLANE_URL/v1/x/[id:1]"
        );
        assert_eq!(
            recorded.request.basic_auth,
            Some(BasicCredentials {
                username: "$CLIENT_ID".into(),
                password: "$CLIENT_SECRET".into()
            })
        );
        assert_eq!(
            recorded.request.body,
            Some(RecordedBody::Form(vec![
                ("grant_type".into(), "client_credentials".into()),
                ("client_secret".into(), "$CLIENT_SECRET".into()),
            ]))
        );
        assert_eq!(
            recorded.response.body,
            Some(RecordedBody::Json(
                json!({"id": "$CLIENT_ID", "access_token": "[redacted]", "other_id": "[id:2]"})
            ))
        );
        assert_eq!(
            recorded.response.headers,
            vec![("content-type".to_owned(), "application/json".to_owned())]
        );
    }

    #[test]
    fn a_password_nothing_names_is_redacted() {
        let redactor = Redactor::from_vars(&vars());
        let value = format!("Basic {}", STANDARD.encode("someone:literal-password"));
        let credentials = basic_credentials(&value, &redactor, &mut IdNamer::default()).unwrap();
        assert_eq!(credentials.username, "someone");
        assert_eq!(credentials.password, "[redacted]");
    }
}
