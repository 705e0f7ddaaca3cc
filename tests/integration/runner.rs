//! The runner's promises, proven end to end over real sockets: located failures with expected
//! and actual values and a curl reproduction; teardown in reverse, always (failed step,
//! cancellation); captures; `retry`; transport retries under injected faults; doc verdicts;
//! verified token claims; no secret anywhere in what docflow produces; and views that are the
//! same on every target.
//!
//! Sessions are built by hand (the mock target's control-plane API is not needed): the API
//! base is either the mock (Kong Identity and its issuers) or [`Stub`], a small axum server
//! for behaviours the mock does not have (counters, flips, echoes, cleanups that fail). When
//! a scenario needs both, the stub is the session's `KONNECT_PROXY_URL` (`to: proxy`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use docflow::http::{HttpClient, RetryPolicy};
use docflow::mock::{MockConfig, MockServer};
use docflow::outcome::{ScenarioReport, StepOutcome};
use docflow::report::terminal as report;
use docflow::scenario::model::TargetKind;
use docflow::secret::Secret;
use docflow::targets::Session;
use docflow::targets::session::random_alnum;
use docflow::{Scenario, run_scenario, run_scenario_until};
use serde_json::{Value, json};

const FIXTURES: &str = "tests/fixtures/runner";

// ---------------------------------------------------------------------------------------
// Helpers: fixtures, sessions, the mock, the stub.
// ---------------------------------------------------------------------------------------

fn fixture_path(name: &str) -> PathBuf {
    Path::new(FIXTURES).join(name)
}

fn fixture_text(name: &str) -> String {
    std::fs::read_to_string(fixture_path(name)).expect("fixture exists")
}

/// Loads a fixture; a load error fails the test with the rendered diagnostics.
fn fixture(name: &str) -> Scenario {
    load(&fixture_path(name), &fixture_text(name))
}

/// Loads scenario `text` under `path` (a fixture's variant keeps the fixture's name, so the
/// report names the file the text came from).
fn load(path: &Path, text: &str) -> Scenario {
    match docflow::load_str(path, text) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

/// A session as the mock target would open one, built by hand: a fresh organization (its
/// own `kpat_…` token) on the API at `api`, with `proxy` as `KONNECT_PROXY_URL`.
fn session(api: &str, proxy: &str) -> Session {
    Session {
        kind: TargetKind::Mock,
        api_url: api.trim_end_matches('/').to_owned(),
        proxy_url: proxy.trim_end_matches('/').to_owned(),
        token: Secret::new("$KONNECT_TOKEN", format!("kpat_{}", random_alnum(40))),
        control_plane_name: "quickstart".to_owned(),
        run_id: random_alnum(8),
        http: HttpClient::new(
            Duration::from_secs(10),
            RetryPolicy {
                max_attempts: 4,
                base_delay: Duration::from_millis(10),
                max_delay: Duration::from_secs(2),
            },
        )
        .expect("http client"),
    }
}

async fn mock() -> MockServer {
    let loopback = "127.0.0.1:0".parse().expect("address");
    MockServer::start(MockConfig::default(), loopback, loopback)
        .await
        .expect("mock starts")
}

/// Adds a fault rule to the mock.
async fn fault(mock: &MockServer, session: &Session, rule: Value) {
    let status = reqwest::Client::new()
        .post(format!("{}/_docflow/faults", mock.api_url))
        .bearer_auth(session.token.expose())
        .json(&rule)
        .send()
        .await
        .expect("fault endpoint answers")
        .status();
    assert_eq!(status, 201, "fault {rule} not accepted");
}

/// The mock's request journal of the session's organization, as JSON.
async fn journal(mock: &MockServer, session: &Session) -> Value {
    reqwest::Client::new()
        .get(format!("{}/_docflow/journal", mock.api_url))
        .bearer_auth(session.token.expose())
        .send()
        .await
        .expect("journal answers")
        .json()
        .await
        .expect("journal is JSON")
}

/// `(method, path, status)` of every journal entry whose path starts with `prefix`.
fn journal_calls(journal: &Value, prefix: &str) -> Vec<(String, String, u64)> {
    journal["data"]
        .as_array()
        .expect("journal data")
        .iter()
        .filter(|e| e["path"].as_str().is_some_and(|p| p.starts_with(prefix)))
        .map(|e| {
            (
                e["method"].as_str().unwrap_or_default().to_owned(),
                e["path"].as_str().unwrap_or_default().to_owned(),
                e["status"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

/// The failure codes of a report, in order.
fn failure_codes(report: &ScenarioReport) -> Vec<&'static str> {
    report.failures.iter().map(|f| f.code.as_str()).collect()
}

fn outcomes(report: &ScenarioReport) -> Vec<(&str, StepOutcome)> {
    report
        .steps
        .iter()
        .map(|s| (s.name.as_str(), s.outcome.clone()))
        .collect()
}

/// The 1-based line of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("`{needle}` not in the fixture"))
}

/// A small HTTP server for behaviours the mock does not have. Everything it does is counted
/// or recorded so tests can check what the runner really sent.
#[derive(Debug, Default)]
struct Stub {
    /// Items by id: their names (a name decides how its DELETE answers).
    items: Mutex<BTreeMap<String, String>>,
    next_id: AtomicU32,
    /// DELETE requests in arrival order: `(id, status answered)`.
    deletes: Mutex<Vec<(String, u16)>>,
    /// Calls per flip key.
    flips: Mutex<BTreeMap<String, u32>>,
    /// Raw requests to `/echo`: headers and body, unredacted (the test needs the values to
    /// look for them).
    echoes: Mutex<Vec<Value>>,
    /// Every item ever created, `(id, name)`, deleted or not.
    created: Mutex<Vec<(String, String)>>,
    /// Client secrets `/clients` handed out.
    secrets: Mutex<Vec<String>>,
}

type Shared = Arc<Stub>;

impl Stub {
    /// Starts the stub on `127.0.0.1:0`; returns it and its base URL.
    async fn start() -> (Shared, String) {
        let stub = Shared::default();
        let app = Router::new()
            .route("/items", post(create_item).get(list_items))
            .route("/items/{id}", get(read_item).delete(delete_item))
            .route("/flip/{key}/{after}", get(flip))
            .route(
                "/null",
                get(|| async { Json(json!({"id": null, "name": "nothing"})) }),
            )
            .route("/echo", post(echo))
            .route("/clients", post(create_client))
            .route("/tamper/{how}", post(tamper))
            .with_state(Arc::clone(&stub));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (stub, url)
    }

    fn deletes(&self) -> Vec<(String, u16)> {
        self.deletes.lock().expect("lock").clone()
    }

    fn flips(&self, key: &str) -> u32 {
        self.flips
            .lock()
            .expect("lock")
            .get(key)
            .copied()
            .unwrap_or(0)
    }

    fn id_of(&self, name: &str) -> String {
        self.created
            .lock()
            .expect("lock")
            .iter()
            .find(|(_, n)| n == name)
            .map(|(id, _)| id.clone())
            .unwrap_or_else(|| panic!("no item named `{name}`"))
    }
}

async fn create_item(State(stub): State<Shared>, Json(body): Json<Value>) -> Response {
    let name = body["name"].as_str().unwrap_or("unnamed").to_owned();
    // Ids long enough to be redacted by value wherever they appear.
    let id = format!(
        "item{:04}{name}",
        stub.next_id.fetch_add(1, Ordering::SeqCst)
    );
    stub.items
        .lock()
        .expect("lock")
        .insert(id.clone(), name.clone());
    stub.created
        .lock()
        .expect("lock")
        .push((id.clone(), name.clone()));
    (StatusCode::CREATED, Json(json!({"id": id, "name": name}))).into_response()
}

async fn list_items(State(stub): State<Shared>) -> Json<Value> {
    let items = stub.items.lock().expect("lock");
    Json(json!({
        "data": items.iter().map(|(id, name)| json!({"id": id, "name": name})).collect::<Vec<_>>()
    }))
}

async fn read_item(State(stub): State<Shared>, UrlPath(id): UrlPath<String>) -> Response {
    match stub.items.lock().expect("lock").get(&id) {
        Some(name) => Json(json!({"id": id, "name": name})).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"message": "Not found", "id": id})),
        )
            .into_response(),
    }
}

/// DELETE: an item named `gone` is already gone (404); one named `broken` cannot be
/// deleted (500); the others are deleted (204).
async fn delete_item(State(stub): State<Shared>, UrlPath(id): UrlPath<String>) -> Response {
    let name = stub.items.lock().expect("lock").get(&id).cloned();
    let (status, response) = match name.as_deref() {
        Some("gone") | None => (
            404,
            (StatusCode::NOT_FOUND, Json(json!({"message": "Not found"}))).into_response(),
        ),
        Some("broken") => (
            500,
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(json!({"message": "cannot delete a broken item"})),
            )
                .into_response(),
        ),
        Some(_) => {
            stub.items.lock().expect("lock").remove(&id);
            (204, StatusCode::NO_CONTENT.into_response())
        }
    };
    stub.deletes.lock().expect("lock").push((id, status));
    response
}

/// 404 `pending` until the `after`-th call for `key`, then 200 `ready`.
async fn flip(
    State(stub): State<Shared>,
    UrlPath((key, after)): UrlPath<(String, u32)>,
) -> Response {
    let calls = {
        let mut flips = stub.flips.lock().expect("lock");
        let calls = flips.entry(key).or_insert(0);
        *calls += 1;
        *calls
    };
    if calls >= after {
        Json(json!({"state": "ready", "calls": calls})).into_response()
    } else {
        (
            StatusCode::NOT_FOUND,
            Json(json!({"state": "pending", "calls": calls})),
        )
            .into_response()
    }
}

/// Echoes the request's headers and JSON body back, as httpbin's `/anything` does, and
/// records them.
async fn echo(
    State(stub): State<Shared>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Json<Value> {
    let headers: serde_json::Map<String, Value> = headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned()),
            )
        })
        .collect();
    let echoed = json!({"headers": headers, "json": body});
    stub.echoes.lock().expect("lock").push(echoed.clone());
    Json(echoed)
}

/// Creates an OAuth-style client whose secret the scenario does not capture.
async fn create_client(State(stub): State<Shared>) -> Response {
    let secret = random_alnum(24);
    stub.secrets.lock().expect("lock").push(secret.clone());
    (
        StatusCode::CREATED,
        Json(json!({"id": format!("stubclient{}", random_alnum(6)), "client_secret": secret})),
    )
        .into_response()
}

/// Returns the token in the body, tampered: `signature` flips bits of the signature (as if
/// signed by another key), `none` rewrites the header to `alg: none` with no signature.
async fn tamper(UrlPath(how): UrlPath<String>, Json(body): Json<Value>) -> Response {
    let token = body["token"].as_str().unwrap_or_default();
    let parts: Vec<&str> = token.split('.').collect();
    let [header, payload, signature] = parts.as_slice() else {
        return (StatusCode::BAD_REQUEST, "not a jws").into_response();
    };
    let tampered = match how.as_str() {
        "signature" => {
            let mut bytes = URL_SAFE_NO_PAD.decode(signature).unwrap_or_default();
            for b in bytes.iter_mut().take(8) {
                *b ^= 0x5a;
            }
            format!("{header}.{payload}.{}", URL_SAFE_NO_PAD.encode(bytes))
        }
        "none" => {
            let none = URL_SAFE_NO_PAD.encode(json!({"alg": "none", "typ": "JWT"}).to_string());
            format!("{none}.{payload}.")
        }
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    Json(json!({"access_token": tampered, "token_type": "Bearer"})).into_response()
}

// ---------------------------------------------------------------------------------------
// 1. A failed check is located, explained and reproducible.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_wrong_status_is_reported_at_the_step_line_with_a_curl_reproduction() {
    let mock = mock().await;
    let session = session(&mock.api_url, &mock.proxy_url);
    let scenario = fixture("wrong-status.yaml");
    let report = run_scenario(&scenario, &session).await;
    let text = report::full(&report);

    assert!(!report.passed(), "{text}");
    assert_eq!(failure_codes(&report), ["check::status"], "{text}");
    let source = fixture_text("wrong-status.yaml");
    let line = line_of(&source, "- name: read-auth-server");
    let located = format!(
        "{}:{line}:5: error[check::status]: check failed in step `read-auth-server`",
        fixture_path("wrong-status.yaml").display()
    );
    assert!(text.contains(&located), "no `{located}` in\n{text}");
    assert!(text.contains("expected: 201"), "{text}");
    assert!(text.contains("actual:   200"), "{text}");

    // The response excerpt is there, with the captured id as its variable.
    let failure = &report.failures[0];
    let excerpt = failure.excerpt.as_deref().expect("an excerpt");
    assert!(excerpt.contains(r#""id": "$AUTH_SERVER_ID""#), "{excerpt}");
    assert!(excerpt.contains("Wrong Status $RUN_ID"), "{excerpt}");
    assert!(text.contains("response (redacted):"), "{text}");
    assert!(text.contains(r#""id": "$AUTH_SERVER_ID""#), "{text}");

    // The reproduction: curl with `$VARS`, and exports for what the reader cannot know.
    let curl = failure.curl.as_deref().expect("a curl");
    assert!(
        curl.starts_with(
            r#"curl -i -X GET "$KONNECT_CONTROL_PLANE_URL/v1/auth-servers/$AUTH_SERVER_ID""#
        ),
        "{curl}"
    );
    assert!(
        curl.contains(r#"-H "Authorization: Bearer $KONNECT_TOKEN""#),
        "{curl}"
    );
    let id = failure
        .exports
        .iter()
        .find_map(|e| e.strip_prefix("export AUTH_SERVER_ID='"))
        .expect("AUTH_SERVER_ID is exported")
        .trim_end_matches('\'')
        .to_owned();
    assert_eq!(id.len(), 36, "{id}");
    assert!(
        failure.exports.contains(&format!(
            "export KONNECT_CONTROL_PLANE_URL='{}'",
            mock.api_url
        )),
        "{:?}",
        failure.exports
    );
    assert!(
        failure
            .exports
            .iter()
            .any(|e| e.starts_with("export KONNECT_TOKEN=…")),
        "{:?}",
        failure.exports
    );
    assert!(!text.contains(session.token.expose()), "{text}");
    assert!(text.contains("reproduce:"), "{text}");
    assert!(
        text.contains(&format!("export AUTH_SERVER_ID='{id}'")),
        "{text}"
    );

    // The first step's cleanup ran although the second step failed.
    assert_eq!(report.cleanups.len(), 1);
    assert!(report.cleanups[0].ok, "{text}");
    assert_eq!(report.cleanups[0].status, Some(204), "{text}");
}

// ---------------------------------------------------------------------------------------
// 2. Teardown: reverse order, always; 404 is done; a failed cleanup fails the run.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn cleanups_run_in_reverse_after_a_failed_step_and_a_404_counts_as_done() {
    let (stub, url) = Stub::start().await;
    let session = session(&url, &url);
    let report = run_scenario(&fixture("teardown.yaml"), &session).await;
    let text = report::full(&report);

    assert_eq!(failure_codes(&report), ["check::status"], "{text}");
    assert_eq!(
        report.failures[0].step.as_deref(),
        Some("read-missing"),
        "{text}"
    );
    // The step after the failure never ran, so it made nothing to clean up.
    assert_eq!(
        report
            .steps
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>(),
        [
            "create-first",
            "create-gone",
            "create-third",
            "read-missing"
        ],
        "{text}"
    );
    let (first, gone, third) = (stub.id_of("first"), stub.id_of("gone"), stub.id_of("third"));
    assert_eq!(
        stub.deletes(),
        [(third, 204), (gone, 404), (first, 204)],
        "{text}"
    );
    let cleanups: Vec<(&str, Option<u16>, bool)> = report
        .cleanups
        .iter()
        .map(|c| (c.step.as_str(), c.status, c.ok))
        .collect();
    assert_eq!(
        cleanups,
        [
            ("create-third", Some(204), true),
            ("create-gone", Some(404), true),
            ("create-first", Some(204), true),
        ],
        "{text}"
    );
    assert!(
        text.contains("cleanup create-gone  DELETE $KONNECT_CONTROL_PLANE_URL/items/$GONE_ID  404"),
        "{text}"
    );
    assert!(!text.contains("run::cleanup"), "{text}");
}

#[tokio::test]
async fn a_failed_cleanup_fails_the_run_and_is_reported() {
    let (stub, url) = Stub::start().await;
    let session = session(&url, &url);
    let report = run_scenario(&fixture("teardown-broken.yaml"), &session).await;
    let text = report::full(&report);

    assert!(report.failures.is_empty(), "{text}");
    assert!(
        report
            .steps
            .iter()
            .all(|s| s.outcome == StepOutcome::Passed),
        "{text}"
    );
    assert!(
        !report.passed(),
        "a failed cleanup must fail the run:\n{text}"
    );
    let broken = stub.id_of("broken");
    let deletes = stub.deletes();
    // A DELETE is idempotent, so its 500 is retried (the session's policy: 4 attempts) before
    // the cleanup counts as failed; then the other cleanup still runs.
    assert_eq!(deletes.len(), 5, "{deletes:?}\n{text}");
    assert!(
        deletes[..4].iter().all(|d| *d == (broken.clone(), 500)),
        "{deletes:?}"
    );
    assert_ne!(deletes[4].0, broken, "the other cleanup still ran");
    let failed: Vec<_> = report.cleanups.iter().filter(|c| !c.ok).collect();
    assert_eq!(failed.len(), 1, "{text}");
    assert_eq!(failed[0].step, "create-broken");
    assert_eq!(failed[0].status, Some(500));
    assert!(
        text.contains("error[run::cleanup]: cleanup of step `create-broken` failed: DELETE $KONNECT_CONTROL_PLANE_URL/items/$BROKEN_ID answered 500"),
        "{text}"
    );
    assert!(text.contains("cannot delete a broken item"), "{text}");
    assert!(text.contains("FAILED"), "{text}");
    assert!(text.contains("2 cleanups (1 failed)"), "{text}");
}

// ---------------------------------------------------------------------------------------
// 3. Cancellation: the cleanups still run, and the report says it was cancelled.
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_cancelled_while_a_step_retries_still_tears_down() {
    let (stub, url) = Stub::start().await;
    let session = session(&url, &url);
    let scenario = fixture("cancel.yaml");
    let watched = Arc::clone(&stub);
    // Fires once the polling step has been seen retrying.
    let cancel = async move {
        while watched.flips("cancel") < 3 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    let started = Instant::now();
    let report = run_scenario_until(&scenario, &session, cancel).await;
    let text = report::full(&report);

    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the cancel did not stop the 60s retry: {:?}",
        started.elapsed()
    );
    assert_eq!(failure_codes(&report), ["run::cancelled"], "{text}");
    let cancelled = &report.failures[0];
    assert_eq!(cancelled.step.as_deref(), Some("wait-forever"), "{text}");
    let line = line_of(&fixture_text("cancel.yaml"), "- name: wait-forever");
    assert!(
        text.contains(&format!(
            "{}:{line}:5: error[run::cancelled]",
            fixture_path("cancel.yaml").display()
        )),
        "{text}"
    );
    assert!(!report.passed());
    let item = stub.id_of("cancelled");
    assert_eq!(stub.deletes(), [(item, 204)], "{text}");
    assert_eq!(report.cleanups.len(), 1, "{text}");
    assert!(report.cleanups[0].ok, "{text}");
}

// ---------------------------------------------------------------------------------------
// 4. Captures.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn captured_and_extracted_values_feed_later_steps() {
    let (stub, url) = Stub::start().await;
    let session = session(&url, &url);
    let report = run_scenario(&fixture("captures.yaml"), &session).await;
    let text = report::full(&report);

    assert!(report.passed(), "{text}");
    assert_eq!(report.steps.len(), 3, "{text}");
    let id = stub.id_of("captured");
    // The later step used the extracted id in its URL and the captured values in its
    // expectations; its view shows them as variables.
    let view = report.steps[2].view.as_ref().expect("a view");
    assert_eq!(
        view["request"], "GET $KONNECT_CONTROL_PLANE_URL/items/$FIRST_ID",
        "{view:#}"
    );
    assert_eq!(view["body"]["id"], "$FIRST_ID", "{view:#}");
    assert_eq!(view["body"]["name"], "$FIRST_NAME", "{view:#}");
    assert!(!view.to_string().contains(&id), "{view:#}");
    assert_eq!(stub.deletes(), [(id, 204)]);
}

#[tokio::test]
async fn a_capture_yielding_null_fails_its_step() {
    let (_stub, url) = Stub::start().await;
    let session = session(&url, &url);
    let report = run_scenario(&fixture("capture-null.yaml"), &session).await;
    let text = report::full(&report);

    assert_eq!(failure_codes(&report), ["check::capture"], "{text}");
    let failure = &report.failures[0];
    assert_eq!(failure.step.as_deref(), Some("read-null"));
    assert_eq!(failure.mismatches.len(), 1, "{text}");
    assert!(
        failure.mismatches[0].what.contains("`NOTHING_ID`"),
        "{text}"
    );
    assert!(text.contains("nothing (null or no output)"), "{text}");
    // The run stopped: the step that would use the missing value never ran.
    assert_eq!(report.steps.len(), 1, "{text}");
}

// ---------------------------------------------------------------------------------------
// 5. `retry:`.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn retry_polls_until_the_expectation_holds() {
    let (stub, url) = Stub::start().await;
    let session = session(&url, &url);
    let report = run_scenario(&fixture("retry.yaml"), &session).await;
    let text = report::full(&report);

    assert!(report.passed(), "{text}");
    assert_eq!(stub.flips("ready"), 3, "{text}");
    assert_eq!(report.steps[0].attempts, 3, "{text}");
    assert_eq!(report.steps[0].status, Some(200));
    assert!(text.contains("(3 attempts)"), "{text}");
}

#[tokio::test]
async fn retry_gives_up_after_its_timeout_with_the_last_mismatch() {
    let (stub, url) = Stub::start().await;
    let session = session(&url, &url);
    let started = Instant::now();
    let report = run_scenario(&fixture("retry-timeout.yaml"), &session).await;
    let elapsed = started.elapsed();
    let text = report::full(&report);

    assert_eq!(failure_codes(&report), ["check::status"], "{text}");
    assert!(
        elapsed >= Duration::from_millis(400) && elapsed < Duration::from_secs(3),
        "{elapsed:?}"
    );
    let calls = stub.flips("slow");
    assert!(calls >= 3, "only {calls} calls in {elapsed:?}");
    assert_eq!(report.steps[0].attempts, calls, "{text}");
    // The excerpt is the last answer's.
    let excerpt = report.failures[0].excerpt.as_deref().unwrap_or_default();
    assert!(
        excerpt.contains(&format!(r#""calls": {calls}"#)),
        "{excerpt} (after {calls} calls)"
    );
    assert!(text.contains("actual:   404"), "{text}");
}

// ---------------------------------------------------------------------------------------
// 6. Transport robustness under injected faults.
// ---------------------------------------------------------------------------------------

/// Creates an auth server, then reads it back, so one POST and one GET can be faulted.
const FAULTS: &str = "wrong-status.yaml";

fn faults_scenario() -> Scenario {
    // The fixture with the read's expectation made right: what is under test is the
    // transport, not the check.
    let text = fixture_text(FAULTS).replace(
        "    method: GET\n    status_code: 201",
        "    method: GET\n    status_code: 200",
    );
    load(&fixture_path(FAULTS), &text)
}

#[tokio::test]
async fn a_429_is_retried_after_its_retry_after() {
    let mock = mock().await;
    let session = session(&mock.api_url, &mock.proxy_url);
    fault(
        &mock,
        &session,
        json!({"method": "POST", "path": "/v1/auth-servers", "status": 429, "retry_after": 1}),
    )
    .await;
    let started = Instant::now();
    let report = run_scenario(&faults_scenario(), &session).await;
    let text = report::full(&report);

    assert!(report.passed(), "{text}");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After ignored"
    );
    assert_eq!(report.steps[0].attempts, 2, "{text}");
    let posts: Vec<u64> = journal_calls(&journal(&mock, &session).await, "/v1/auth-servers")
        .into_iter()
        .filter(|(m, p, _)| m == "POST" && p == "/v1/auth-servers")
        .map(|(_, _, s)| s)
        .collect();
    assert_eq!(posts, [429, 201]);
}

#[tokio::test]
async fn a_503_on_a_get_is_retried() {
    let mock = mock().await;
    let session = session(&mock.api_url, &mock.proxy_url);
    fault(
        &mock,
        &session,
        json!({"method": "GET", "path": "/v1/auth-servers/*", "status": 503, "times": 2}),
    )
    .await;
    let report = run_scenario(&faults_scenario(), &session).await;
    let text = report::full(&report);

    assert!(report.passed(), "{text}");
    assert_eq!(report.steps[1].attempts, 3, "{text}");
    let gets: Vec<u64> = journal_calls(&journal(&mock, &session).await, "/v1/auth-servers/")
        .into_iter()
        .filter(|(m, _, _)| m == "GET")
        .map(|(_, _, s)| s)
        .collect();
    assert_eq!(gets, [503, 503, 200]);
}

#[tokio::test]
async fn a_503_on_a_post_is_not_retried_and_its_status_is_reported() {
    let mock = mock().await;
    let session = session(&mock.api_url, &mock.proxy_url);
    fault(
        &mock,
        &session,
        json!({"method": "POST", "path": "/v1/auth-servers", "status": 503}),
    )
    .await;
    let report = run_scenario(&faults_scenario(), &session).await;
    let text = report::full(&report);

    assert_eq!(failure_codes(&report), ["check::status"], "{text}");
    assert_eq!(report.steps[0].status, Some(503), "{text}");
    assert_eq!(report.steps[0].attempts, 1, "{text}");
    assert!(text.contains("expected: 201"), "{text}");
    assert!(text.contains("actual:   503"), "{text}");
    assert!(text.contains("injected fault"), "{text}");
    let posts = journal_calls(&journal(&mock, &session).await, "/v1/auth-servers");
    assert_eq!(
        posts,
        [("POST".to_owned(), "/v1/auth-servers".to_owned(), 503)],
        "a POST must not be repeated"
    );
    assert!(report.cleanups.is_empty(), "nothing was created: {text}");
}

#[tokio::test]
async fn a_dropped_connection_on_a_get_is_retried() {
    let mock = mock().await;
    let session = session(&mock.api_url, &mock.proxy_url);
    fault(
        &mock,
        &session,
        json!({"method": "GET", "path": "/v1/auth-servers/*", "drop": true}),
    )
    .await;
    let report = run_scenario(&faults_scenario(), &session).await;
    let text = report::full(&report);

    assert!(report.passed(), "{text}");
    assert_eq!(report.steps[1].attempts, 2, "{text}");
    let gets = journal_calls(&journal(&mock, &session).await, "/v1/auth-servers/")
        .into_iter()
        .filter(|(m, _, _)| m == "GET")
        .count();
    assert_eq!(gets, 2);
}

#[tokio::test]
async fn a_dropped_connection_on_a_post_is_a_transport_failure() {
    let mock = mock().await;
    let session = session(&mock.api_url, &mock.proxy_url);
    fault(
        &mock,
        &session,
        json!({"method": "POST", "path": "/v1/auth-servers", "drop": true}),
    )
    .await;
    let report = run_scenario(&faults_scenario(), &session).await;
    let text = report::full(&report);

    assert_eq!(failure_codes(&report), ["http::transport"], "{text}");
    assert_eq!(report.steps[0].attempts, 1, "{text}");
    assert!(text.contains("(after 1 attempt)"), "{text}");
    let posts = journal_calls(&journal(&mock, &session).await, "/v1/auth-servers");
    assert_eq!(posts.len(), 1, "a POST must not be repeated");
}

// ---------------------------------------------------------------------------------------
// 7. Doc verdicts.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_doc_status_that_differs_is_a_new_defect_and_the_run_goes_on() {
    let (stub, url) = Stub::start().await;
    let session = session(&url, &url);
    let report = run_scenario(&fixture("doc-defect-new.yaml"), &session).await;
    let text = report::full(&report);

    assert_eq!(
        outcomes(&report),
        [
            ("create-item", StepOutcome::DocDefect),
            ("read-item", StepOutcome::Passed)
        ],
        "{text}"
    );
    assert!(report.failures.is_empty(), "{text}");
    assert!(!report.passed(), "an unknown defect fails the run:\n{text}");
    assert_eq!(report.defects.len(), 1);
    let defect = &report.defects[0];
    assert_eq!(defect.doc, "app/_how-tos/items.md:12");
    assert_eq!(defect.doc_says, "status_code: 200");
    assert_eq!(defect.actual, "201");
    assert_eq!(defect.known, None);
    assert!(text.contains("error[doc::defect]"), "{text}");
    assert!(text.contains("app/_how-tos/items.md:12"), "{text}");
    assert_eq!(stub.deletes().len(), 1, "the item was cleaned up: {text}");
}

#[tokio::test]
async fn a_known_defect_passes() {
    let (_stub, url) = Stub::start().await;
    let session = session(&url, &url);
    let report = run_scenario(&fixture("doc-defect-known.yaml"), &session).await;
    let text = report::full(&report);

    assert!(report.passed(), "{text}");
    assert_eq!(
        outcomes(&report),
        [
            ("create-item", StepOutcome::KnownDefect),
            ("read-item", StepOutcome::Passed)
        ],
        "{text}"
    );
    assert_eq!(
        report.defects[0].known.as_deref(),
        Some("the API answers 201 Created, the doc says 200")
    );
    assert!(
        text.contains("known: the API answers 201 Created"),
        "{text}"
    );
}

#[tokio::test]
async fn a_known_defect_without_a_status_accepts_the_answer() {
    let (_stub, url) = Stub::start().await;
    let session = session(&url, &url);
    let text = fixture_text("doc-defect-known.yaml");
    let text = text.replace("      status: 201\n", "");
    let report = run_scenario(
        &load(&fixture_path("doc-defect-known.yaml"), &text),
        &session,
    )
    .await;
    let text = report::full(&report);

    assert!(report.passed(), "{text}");
    assert_eq!(report.steps[0].outcome, StepOutcome::KnownDefect, "{text}");
    assert_eq!(report.defects[0].actual, "201");
}

#[tokio::test]
async fn a_defect_the_doc_no_longer_has_fails_as_fixed() {
    let (stub, url) = Stub::start().await;
    let session = session(&url, &url);
    let report = run_scenario(&fixture("doc-defect-fixed.yaml"), &session).await;
    let text = report::full(&report);

    assert!(!report.passed(), "{text}");
    assert_eq!(failure_codes(&report), ["doc::defect_fixed"], "{text}");
    let mismatches: Vec<&str> = report.failures[0]
        .mismatches
        .iter()
        .map(|m| m.code.as_str())
        .collect();
    assert_eq!(mismatches, ["doc::defect_fixed"], "{text}");
    assert!(text.contains("error[doc::defect_fixed]"), "{text}");
    assert!(
        text.contains("in the doc: app/_how-tos/items.md:12"),
        "{text}"
    );
    assert!(report.defects.is_empty(), "{text}");
    assert_eq!(stub.deletes().len(), 1, "the item was cleaned up: {text}");
}

// ---------------------------------------------------------------------------------------
// 8. Tokens: verified against the issuer's JWKS, then checked.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_mock_issued_token_passes_its_claims_checks() {
    let mock = mock().await;
    let session = session(&mock.api_url, &mock.proxy_url);
    let report = run_scenario(&fixture("identity-flow.yaml"), &session).await;
    let text = report::full(&report);

    assert!(report.passed(), "{text}");
    let view = report
        .steps
        .iter()
        .find(|s| s.name == "get-token")
        .and_then(|s| s.view.as_ref())
        .expect("a view of get-token");
    let token = &view["tokens"]["ACCESS_TOKEN"];
    assert_eq!(token["header"]["alg"], "RS256", "{view:#}");
    assert_eq!(token["claims"]["sub"], "$CLIENT_ID", "{view:#}");
    assert_eq!(token["claims"]["iss"], "$ISSUER_URL", "{view:#}");
    assert_eq!(
        token["claims"]["aud"],
        json!(["http://myhttpbin.dev"]),
        "{view:#}"
    );
    assert_eq!(token["claims"]["exp"], "[exp]", "{view:#}");
    assert_eq!(view["body"]["access_token"], "$ACCESS_TOKEN", "{view:#}");
}

/// The identity flow with one token expectation changed.
fn identity_flow_with(from: &str, to: &str) -> Scenario {
    let text = fixture_text("identity-flow.yaml");
    assert!(text.contains(from), "`{from}` not in the fixture");
    load(&fixture_path("identity-flow.yaml"), &text.replace(from, to))
}

#[tokio::test]
async fn a_wrong_lifetime_fails_with_claims_lifetime() {
    let mock = mock().await;
    let session = session(&mock.api_url, &mock.proxy_url);
    let scenario = identity_flow_with("lifetime: 3600", "lifetime: 300");
    let report = run_scenario(&scenario, &session).await;
    let text = report::full(&report);

    assert_eq!(failure_codes(&report), ["claims::lifetime"], "{text}");
    assert_eq!(report.failures[0].step.as_deref(), Some("get-token"));
    assert!(
        text.contains("`exp - iat` is 3600s, expected 300s"),
        "{text}"
    );
}

#[tokio::test]
async fn a_claim_that_differs_fails_with_check_token() {
    let mock = mock().await;
    let session = session(&mock.api_url, &mock.proxy_url);
    let scenario = identity_flow_with("test-claim: test", "test-claim: other");
    let report = run_scenario(&scenario, &session).await;
    let text = report::full(&report);

    assert_eq!(failure_codes(&report), ["check::token"], "{text}");
    assert!(
        text.contains("token `ACCESS_TOKEN` claims at `.test-claim`"),
        "{text}"
    );
}

#[tokio::test]
async fn a_token_whose_signature_does_not_verify_is_refused() {
    let mock = mock().await;
    let (_stub, stub_url) = Stub::start().await;
    let session = session(&mock.api_url, &stub_url);
    let report = run_scenario(&fixture("tokens-tampered.yaml"), &session).await;
    let text = report::full(&report);

    assert_eq!(failure_codes(&report), ["claims::signature"], "{text}");
    assert_eq!(report.failures[0].step.as_deref(), Some("tamper"), "{text}");
    // The untampered token passed the same check one step earlier.
    assert_eq!(report.steps[2].outcome, StepOutcome::Passed, "{text}");
}

#[tokio::test]
async fn a_token_with_alg_none_is_refused() {
    let mock = mock().await;
    let (_stub, stub_url) = Stub::start().await;
    let session = session(&mock.api_url, &stub_url);
    let text = fixture_text("tokens-tampered.yaml").replace("/tamper/signature", "/tamper/none");
    let scenario = load(&fixture_path("tokens-tampered.yaml"), &text);
    let report = run_scenario(&scenario, &session).await;
    let text = report::full(&report);

    assert_eq!(failure_codes(&report), ["claims::algorithm"], "{text}");
    assert!(text.contains("algorithm `none` is not allowed"), "{text}");
}

// ---------------------------------------------------------------------------------------
// 9. No secret in anything docflow produces (Hurl's `assert_secret`).
// ---------------------------------------------------------------------------------------

/// Everything `tracing` writes while the test runs, at every level.
#[derive(Debug, Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogBuffer {
    type Writer = Self;

    fn make_writer(&'a self) -> Self {
        self.clone()
    }
}

impl LogBuffer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("lock")).into_owned()
    }
}

/// Fails with the names of the outputs that contain `value`, and where.
fn assert_absent(outputs: &[(&str, String)], what: &str, value: &str) {
    assert!(
        value.len() >= 8,
        "{what} is too short to look for: {value:?}"
    );
    let leaks: Vec<String> = outputs
        .iter()
        .filter_map(|(name, text)| {
            let at = text.find(value)?;
            let from = text[..at]
                .char_indices()
                .rev()
                .nth(80)
                .map_or(0, |(i, _)| i);
            Some(format!("{name}: …{}…", &text[from..at]))
        })
        .collect();
    assert!(
        leaks.is_empty(),
        "{what} leaked into:\n{}",
        leaks.join("\n")
    );
}

// A current-thread runtime: the mock, the stub and the runner's task all run on this thread,
// so the thread-local subscriber sees every event they emit.
#[tokio::test]
async fn no_secret_reaches_any_output() {
    let logs = LogBuffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(logs.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let mock = mock().await;
    let (stub, stub_url) = Stub::start().await;
    // One throttled token request on the way, so the HTTP client's retry path logs too.
    let session = session(&mock.api_url, &stub_url);
    fault(
        &mock,
        &session,
        json!({"method": "POST", "path": "/identity/*", "status": 429, "retry_after": 0}),
    )
    .await;
    let report = run_scenario(&fixture("leak.yaml"), &session).await;
    let full = report::full(&report);

    // It failed where it should, after every secret had been handled.
    assert_eq!(failure_codes(&report), ["check::status"], "{full}");
    assert_eq!(
        report.failures[0].step.as_deref(),
        Some("get-token-again"),
        "{full}"
    );
    assert_eq!(report.steps.len(), 10, "{full}");
    assert!(report.cleanups.iter().all(|c| c.ok), "{full}");

    // The values to look for, as the stub received them.
    let echoed = stub.echoes.lock().expect("lock")[0]["json"].clone();
    let value = |key: &str| echoed[key].as_str().expect("echoed").to_owned();
    let pat = session.token.expose().to_owned();
    assert_eq!(value("konnect_token"), pat, "the echo is real");
    let client_secret = value("client_secret");
    let access_token = value("access_token");
    let signature = access_token
        .rsplit('.')
        .next()
        .expect("a signature")
        .to_owned();
    let uncaptured_secret = stub.secrets.lock().expect("lock")[0].clone();

    // Everything docflow produced, and the mock's journal.
    let views: Vec<(String, String)> = report
        .steps
        .iter()
        .filter_map(|s| {
            let view = s.view.as_ref()?;
            Some((
                format!("view of `{}`", s.name),
                serde_json::to_string_pretty(view).expect("json"),
            ))
        })
        .collect();
    let mut outputs: Vec<(&str, String)> = vec![
        ("report::full", full.clone()),
        ("report (Debug)", format!("{report:#?}")),
        (
            "failures",
            report
                .failures
                .iter()
                .map(|f| {
                    format!(
                        "{}\n{:?}\n{}\n{}\n{}",
                        f.message,
                        f.mismatches,
                        f.excerpt.clone().unwrap_or_default(),
                        f.curl.clone().unwrap_or_default(),
                        f.exports.join("\n")
                    )
                })
                .collect(),
        ),
        ("defects", format!("{:?}", report.defects)),
        ("cleanups", format!("{:?}", report.cleanups)),
        ("journal", journal(&mock, &session).await.to_string()),
        ("tracing", logs.text()),
    ];
    for (name, text) in &views {
        outputs.push((name.as_str(), text.clone()));
    }
    assert_absent(&outputs, "the Konnect token", &pat);
    assert_absent(&outputs, "the client secret", &client_secret);
    assert_absent(&outputs, "the access token", &access_token);
    assert_absent(&outputs, "the access token's signature", &signature);
    assert_absent(&outputs, "the uncaptured client secret", &uncaptured_secret);
    assert!(
        logs.text().contains("retrying"),
        "the subscriber saw nothing; the tracing check would prove nothing"
    );

    // Captured ids are variables in the views, never values.
    let view = |step: &str| {
        report
            .steps
            .iter()
            .find(|s| s.name == step)
            .and_then(|s| s.view.clone())
            .unwrap_or_else(|| panic!("no view of `{step}`"))
    };
    assert_eq!(view("create-auth-server")["body"]["id"], "$AUTH_SERVER_ID");
    assert_eq!(view("create-auth-server")["body"]["issuer"], "$ISSUER_URL");
    assert_eq!(view("create-scope")["body"]["id"], "$SCOPE_ID");
    assert_eq!(view("create-client")["body"]["id"], "$CLIENT_ID");
    assert_eq!(
        view("create-client")["body"]["client_secret"],
        "$CLIENT_SECRET"
    );
    assert_eq!(
        view("echo-secrets")["body"]["json"],
        json!({
            "konnect_token": "$KONNECT_TOKEN",
            "client_secret": "$CLIENT_SECRET",
            "access_token": "$ACCESS_TOKEN",
            "ids": {
                "auth_server": "$AUTH_SERVER_ID",
                "scope": "$SCOPE_ID",
                "client": "$CLIENT_ID",
                "issuer": "$ISSUER_URL"
            }
        })
    );
    let ids = &echoed["ids"];
    for (name, text) in &views {
        for key in ["auth_server", "scope", "client", "issuer"] {
            let id = ids[key].as_str().expect("an id");
            assert!(
                !text.contains(id),
                "{name} holds the {key} id {id}:\n{text}"
            );
        }
    }
    assert_eq!(
        view("echo-derived")["body"]["json"]["echoed"],
        "$ECHOED_AUTHORIZATION"
    );
    // The failed step's reproduction names its secrets without their values.
    let exports = &report.failures[0].exports;
    assert!(
        exports.contains(&"export CLIENT_SECRET=…  # secret: set it yourself".to_owned()),
        "{exports:?}"
    );
    // A credential no variable names is masked where it stands.
    assert_eq!(
        view("create-uncaptured-client")["body"]["client_secret"],
        "[redacted]"
    );
}

#[tokio::test]
async fn a_failed_check_on_an_uncaptured_secret_does_not_print_it() {
    let (stub, url) = Stub::start().await;
    let session = session(&url, &url);
    let report = run_scenario(&fixture("secret-in-mismatch.yaml"), &session).await;
    let full = report::full(&report);

    assert_eq!(failure_codes(&report), ["check::body"], "{full}");
    let failure = &report.failures[0];
    assert_eq!(failure.mismatches[0].actual, r#""[redacted]""#, "{full}");
    let secret = stub.secrets.lock().expect("lock")[0].clone();
    let outputs = [
        ("report::full", full),
        ("report (Debug)", format!("{report:#?}")),
    ];
    assert_absent(&outputs, "the uncaptured client secret", &secret);
    assert_absent(&outputs, "the Konnect token", session.token.expose());
    for name in ["AUTH_HEADER", "KONNECT_TOKEN"] {
        assert!(
            failure
                .exports
                .contains(&format!("export {name}=…  # secret: set it yourself")),
            "{:?}",
            failure.exports
        );
    }
}

// ---------------------------------------------------------------------------------------
// 10. One snapshot for every target: views are identical across runs after redaction.
// ---------------------------------------------------------------------------------------

/// Every step's view of a run, serialized as the snapshot would hold it.
fn views(report: &ScenarioReport) -> Vec<(String, String)> {
    report
        .steps
        .iter()
        .map(|s| {
            let view = s
                .view
                .as_ref()
                .unwrap_or_else(|| panic!("no view of `{}`", s.name));
            (
                s.name.clone(),
                serde_json::to_string_pretty(view).expect("json"),
            )
        })
        .collect()
}

#[tokio::test]
async fn views_of_two_runs_on_two_targets_are_byte_identical() {
    // Two mocks on different ports, two organizations, two run ids: everything that varies
    // between targets and runs varies here.
    let (first, second) = (mock().await, mock().await);
    assert_ne!(first.api_url, second.api_url);
    let scenario = fixture("identity-flow.yaml");
    let sessions = (
        session(&first.api_url, &first.proxy_url),
        session(&second.api_url, &second.proxy_url),
    );
    let (a, b) = tokio::join!(
        run_scenario(&scenario, &sessions.0),
        run_scenario(&scenario, &sessions.1),
    );
    assert!(a.passed(), "{}", report::full(&a));
    assert!(b.passed(), "{}", report::full(&b));
    let (a, b) = (views(&a), views(&b));
    assert_eq!(a.len(), 5);
    for ((step, left), (_, right)) in a.iter().zip(&b) {
        assert_eq!(left, right, "the views of `{step}` differ");
    }
    // What made them equal is visible: run-varying values became placeholders.
    let token = &a[4].1;
    for placeholder in [
        "$ISSUER_URL",
        "$CLIENT_ID",
        "$ACCESS_TOKEN",
        "[iat]",
        "[exp]",
        "[uuid]",
        // The mock's key ids are UUIDs; Konnect's may not be, hence `[kid]` elsewhere.
        r#""kid": "[uuid]""#,
    ] {
        assert!(token.contains(placeholder), "no {placeholder} in\n{token}");
    }
    assert!(a[0].1.contains("Appointments Dev $RUN_ID"), "{}", a[0].1);
    assert!(a[0].1.contains("[timestamp]"), "{}", a[0].1);
}

// ---------------------------------------------------------------------------------------
// Values the reader brings: `vars: {NAME: {input: PLACEHOLDER}}`.
// ---------------------------------------------------------------------------------------

/// A read that needs a value the reader brings, a step needing that read's capture, and a
/// step needing neither.
const READER_INPUT: &str = "vars:\n  HINT: {input: YOUR-HINT}\nsteps:\n  \
    - name: create\n    url: /v1/auth-servers\n    method: POST\n    status_code: 201\n    \
    body: {name: Input $RUN_ID, audience: http://myhttpbin.dev}\n    \
    capture: [{variable: AUTH_SERVER_ID, jq: .id}]\n    \
    cleanup: {method: DELETE, url: '/v1/auth-servers/$AUTH_SERVER_ID?force=true'}\n  \
    - name: read-with-hint\n    url: /v1/auth-servers/$AUTH_SERVER_ID\n    method: GET\n    \
    status_code: 200\n    query: {hint: $HINT}\n    capture: [{variable: NAME, jq: .name}]\n  \
    - name: list-by-name\n    url: /v1/auth-servers\n    method: GET\n    status_code: 200\n    \
    query: {name: $NAME}\n  \
    - name: list\n    url: /v1/auth-servers\n    method: GET\n    status_code: 200\n";

#[tokio::test]
async fn a_value_the_reader_brings_that_is_not_given_is_never_sent() {
    let mock = mock().await;
    let session = session(&mock.api_url, &mock.proxy_url);
    let scenario = load(Path::new("reader-input.yaml"), READER_INPUT);
    let report = run_scenario(&scenario, &session).await;
    let text = report::full(&report);

    assert!(report.failures.is_empty(), "{text}");
    assert_eq!(
        outcomes(&report),
        [
            ("create", StepOutcome::Passed),
            (
                "read-with-hint",
                StepOutcome::OutOfReach {
                    reason: "needs `$HINT`, a value the reader brings (`--var HINT=…`)".into()
                }
            ),
            (
                "list-by-name",
                StepOutcome::OutOfReach {
                    reason: "needs `$NAME`, which out-of-reach step `read-with-hint` would have captured"
                        .into()
                }
            ),
            ("list", StepOutcome::Passed),
        ],
        "{text}"
    );
    // What the mock received: the create, the list and the cleanup; never the placeholder.
    let seen = journal(&mock, &session).await;
    let calls: Vec<(String, String)> = journal_calls(&seen, "/v1/auth-servers")
        .into_iter()
        .map(|(m, p, _)| (m, p.split(['/', '?']).take(4).collect::<Vec<_>>().join("/")))
        .collect();
    let methods: Vec<&str> = calls.iter().map(|(m, _)| m.as_str()).collect();
    assert_eq!(methods, ["POST", "GET", "DELETE"], "{calls:?}");
    assert_eq!(calls[1].1, "/v1/auth-servers", "{calls:?}");
    assert!(!seen.to_string().contains("YOUR-HINT"), "{seen}");

    // Given (`docflow run --var HINT=…`), it is an ordinary variable and everything runs.
    let mut given = scenario.clone();
    assert!(given.supply("HINT", "from-the-reader"));
    let session = self::session(&mock.api_url, &mock.proxy_url);
    let report = run_scenario(&given, &session).await;
    let text = report::full(&report);
    assert!(report.passed(), "{text}");
    assert!(
        report
            .steps
            .iter()
            .all(|s| s.outcome == StepOutcome::Passed),
        "{text}"
    );
    let seen = journal(&mock, &session).await;
    assert!(seen.to_string().contains("hint=from-the-reader"), "{seen}");
}
