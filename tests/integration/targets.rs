//! The `konnect` and `container` targets, end to end, without the internet: the Konnect
//! target is pointed at the mock served over HTTP with Konnect's token policy (PATs only),
//! with faults and a propagation delay injected; the container target runs the locally built
//! `docflow-mock` image when it exists (or must, with `DOCFLOW_REQUIRE_DOCKER=1`).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use docflow::harness::docker_required;
use docflow::mock::config::TokenPolicy;
use docflow::mock::{MockConfig, MockServer};
use docflow::targets::container::ContainerTarget;
use docflow::targets::container::engine::{Engine, IMAGE_NAME, IMAGE_TAG};
use docflow::targets::konnect::{
    KonnectApi, KonnectConfig, KonnectTarget, SweepAction, SweepOptions, sweep,
};
use docflow::targets::session::random_alnum;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const SCENARIO: &str = "scenarios/konnect-identity-oidc.yaml";

/// A fresh personal access token: a fresh organization on the mock.
pub(super) fn pat() -> String {
    format!("kpat_{}", random_alnum(32))
}

fn mock(propagation_delay: Duration) -> MockServer {
    MockServer::start_background(MockConfig {
        token_policy: TokenPolicy::PatOnly,
        propagation_delay,
        ..MockConfig::default()
    })
    .expect("mock starts")
}

/// A raw call to the mock, as a user's curl would make it.
pub(super) async fn call(
    method: &str,
    url: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let client = reqwest::Client::new();
    let mut request = client
        .request(method.parse().unwrap(), url)
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("mock answers");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// What the quickstart script does on a fresh organization: the `quickstart` control plane.
pub(super) async fn create_quickstart(api_url: &str, token: &str) -> String {
    let (status, body) = call(
        "POST",
        &format!("{api_url}/v2/control-planes"),
        token,
        Some(json!({"name": "quickstart"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

pub(super) async fn add_fault(api_url: &str, token: &str, rule: Value) {
    let response = reqwest::Client::new()
        .post(format!("{api_url}/_docflow/faults"))
        .bearer_auth(token)
        .json(&rule)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
}

fn config_for(server: &MockServer, token: &str, control_plane_id: &str) -> KonnectConfig {
    let mut config = KonnectConfig::new(
        token,
        &server.api_url,
        // The mock serves each control plane's data plane under `/dp/{id}`; on real Konnect
        // this is the quickstart's `http://localhost:8000`.
        &format!("{}/dp/{control_plane_id}", server.proxy_url),
    )
    .unwrap();
    // Short backoffs keep the test fast; the counts are the real ones.
    config.retry.base_delay = Duration::from_millis(20);
    config
}

fn journal(server: &MockServer) -> Vec<(String, String, u16, String)> {
    server
        .state
        .journal
        .entries()
        .into_iter()
        .map(|e| (e.method, e.path, e.status, e.body))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn konnect_target_survives_faults_and_leaves_nothing_labelled() {
    let server = mock(Duration::from_secs(2));
    let token = pat();
    let cp = create_quickstart(&server.api_url, &token).await;
    let target = KonnectTarget::connect(config_for(&server, &token, &cp))
        .await
        .unwrap();
    assert_eq!(target.control_plane_id(), cp);

    // A rate limit on creation (retried after `Retry-After`, even for a POST), outages and a
    // dropped connection on reads and on teardown (retried: idempotent).
    add_fault(
        &server.api_url,
        &token,
        json!({"method": "POST", "path": "/v1/auth-servers", "status": 429, "retry_after": 1}),
    )
    .await;
    add_fault(
        &server.api_url,
        &token,
        json!({"method": "GET", "path": "/v2/control-planes", "status": 503, "times": 2}),
    )
    .await;
    add_fault(
        &server.api_url,
        &token,
        json!({"method": "GET", "path": "/v2/control-planes", "drop": true}),
    )
    .await;
    add_fault(
        &server.api_url,
        &token,
        json!({"method": "DELETE", "path": "/v1/auth-servers/*", "status": 503}),
    )
    .await;

    let session = target.open_session().await.unwrap();
    let scenario = docflow::load_file(Path::new(SCENARIO)).unwrap();
    let report = docflow::run_scenario(&scenario, &session).await;
    let rendered = docflow::report::terminal::full(&report);
    assert!(report.passed(), "{rendered}");
    assert!(
        !rendered.contains(&token),
        "the token leaked into the report"
    );
    assert!(
        report.cleanups.iter().all(|c| c.ok) && report.cleanups.len() >= 4,
        "{rendered}"
    );
    // The labels are the target's business: scenarios and snapshots never see them.
    for step in &report.steps {
        let view = step.view.as_ref().map(Value::to_string).unwrap_or_default();
        assert!(!view.contains("docflow-run"), "{}: {view}", step.name);
    }

    let log = journal(&server);
    let statuses = |method: &str, path: &str| -> Vec<u16> {
        log.iter()
            .filter(|(m, p, _, _)| m == method && p.split('?').next() == Some(path))
            .map(|(_, _, s, _)| *s)
            .collect()
    };
    assert_eq!(statuses("POST", "/v1/auth-servers"), [429, 201]);
    // The target's own check, then the scenario's first step: two outages, one dropped
    // connection (journaled as the 200 it never finished), then the answer.
    let reads = statuses("GET", "/v2/control-planes");
    assert_eq!(reads[..5], [200, 503, 503, 200, 200], "{reads:?}");
    let first_step = report.steps.first().unwrap();
    assert_eq!(first_step.attempts, 4, "{rendered}");
    let created = log
        .iter()
        .find(|(m, p, s, _)| m == "POST" && p == "/v1/auth-servers" && *s == 201)
        .map(|(_, _, _, b)| serde_json::from_str::<Value>(b).unwrap())
        .unwrap();
    assert_eq!(created["labels"]["docflow-run"], session.run_id.as_str());
    let plugin = log
        .iter()
        .find(|(m, p, _, _)| m == "POST" && p.ends_with("/core-entities/plugins/"))
        .map(|(_, _, _, b)| serde_json::from_str::<Value>(b).unwrap())
        .unwrap();
    assert_eq!(
        plugin["tags"],
        json!(["docflow", format!("docflow-run-{}", session.run_id)])
    );
    let deletes: Vec<u16> = log
        .iter()
        .filter(|(m, p, _, _)| m == "DELETE" && p.starts_with("/v1/auth-servers/"))
        .map(|(_, _, s, _)| *s)
        .collect();
    assert_eq!(deletes, [503, 204], "the teardown's outage was not retried");

    // Nothing labelled is left: no auth server, no tagged core entity.
    let (_, servers) = call(
        "GET",
        &format!("{}/v1/auth-servers", server.api_url),
        &token,
        None,
    )
    .await;
    assert_eq!(servers["data"], json!([]), "{servers}");
    for kind in ["plugins", "routes", "services"] {
        let (status, list) = call(
            "GET",
            &format!(
                "{}/v2/control-planes/{cp}/core-entities/{kind}",
                server.api_url
            ),
            &token,
            None,
        )
        .await;
        assert_eq!(status, 200, "{list}");
        assert_eq!(list["data"], json!([]), "{kind}: {list}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn konnect_target_refuses_tokens_that_are_not_pats_before_any_request() {
    let server = mock(Duration::ZERO);
    for token in [
        "eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
        "Bearer kpat_abc",
        "pat_1234567890abc",
    ] {
        let lookup = |name: &str| match name {
            "KONNECT_TOKEN" => Some(token.to_owned()),
            "KONNECT_CONTROL_PLANE_URL" => Some(server.api_url.clone()),
            _ => None,
        };
        let error = KonnectConfig::from_lookup(lookup).unwrap_err();
        assert_eq!(error.code, "target::bad_token");
        assert!(!error.message.contains(token));
    }
    let missing = KonnectConfig::from_lookup(|_| None).unwrap_err();
    assert_eq!(missing.code, "target::not_configured");
    assert_eq!(server.state.journal.recorded(), 0, "a request was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn konnect_target_needs_the_quickstart_control_plane() {
    let server = mock(Duration::ZERO);
    let token = pat();
    let error = KonnectTarget::connect(config_for(&server, &token, "none"))
        .await
        .unwrap_err();
    assert_eq!(error.code, "target::no_control_plane", "{}", error.message);
    assert!(error.message.contains("get.konghq.com/quickstart"));
    assert!(!error.message.contains(&token));
    // It looked, and created nothing.
    let log = journal(&server);
    assert!(log.iter().all(|(m, _, _, _)| m == "GET"), "{log:?}");
}

fn created_at(body: &Value) -> OffsetDateTime {
    OffsetDateTime::parse(body["created_at"].as_str().unwrap(), &Rfc3339).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sweep_deletes_only_old_labelled_resources() {
    let server = mock(Duration::ZERO);
    let token = pat();
    let api_url = server.api_url.clone();
    let cp = create_quickstart(&api_url, &token).await;
    let auth_server = |name: &str, labels: Value| {
        let url = format!("{api_url}/v1/auth-servers");
        let token = token.clone();
        let body = json!({"name": name, "audience": "http://myhttpbin.dev", "labels": labels});
        async move {
            let (status, body) = call("POST", &url, &token, Some(body)).await;
            assert_eq!(status, 201, "{body}");
            body
        }
    };
    let old = auth_server("old labelled", json!({"docflow-run": "oldrun01"})).await;
    let unlabelled = auth_server("unlabelled", json!({"team": "docs"})).await;
    let (status, old_service) = call(
        "POST",
        &format!("{api_url}/v2/control-planes/{cp}/core-entities/services"),
        &token,
        Some(json!({"name": "old-tagged", "url": "http://httpbin.konghq.com/anything", "tags": ["docflow", "docflow-run-oldrun01"]})),
    )
    .await;
    assert_eq!(status, 201, "{old_service}");
    let (status, _) = call(
        "POST",
        &format!("{api_url}/v2/control-planes/{cp}/core-entities/services"),
        &token,
        Some(json!({"name": "untagged", "url": "http://httpbin.konghq.com/anything"})),
    )
    .await;
    assert_eq!(status, 201);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let fresh = auth_server("fresh labelled", json!({"docflow-run": "newrun01"})).await;
    // Everything before the fresh one is "old".
    let cutoff = created_at(&fresh);
    assert!(created_at(&old) < cutoff);

    let config = KonnectConfig::new(&token, &api_url, "http://localhost:8000").unwrap();
    let api = KonnectApi::new(&config).unwrap();

    let dry = sweep(
        &api,
        SweepOptions {
            cutoff,
            dry_run: true,
        },
    )
    .await
    .unwrap();
    let would: Vec<&str> = dry
        .items
        .iter()
        .filter(|i| i.action == SweepAction::WouldDelete)
        .map(|i| i.name.as_deref().unwrap_or_default())
        .collect();
    assert_eq!(would, ["old-tagged", "old labelled"], "{dry:?}");
    let (_, listed) = call("GET", &format!("{api_url}/v1/auth-servers"), &token, None).await;
    assert_eq!(
        listed["data"].as_array().unwrap().len(),
        3,
        "the dry run deleted"
    );

    let swept = sweep(
        &api,
        SweepOptions {
            cutoff,
            dry_run: false,
        },
    )
    .await
    .unwrap();
    assert!(swept.ok(), "{swept:?}");
    let deleted: Vec<&str> = swept
        .items
        .iter()
        .filter(|i| i.action == SweepAction::Deleted)
        .map(|i| i.id.as_str())
        .collect();
    assert_eq!(
        deleted,
        [
            old_service["id"].as_str().unwrap(),
            old["id"].as_str().unwrap()
        ]
    );
    let kept: Vec<&str> = swept
        .items
        .iter()
        .filter(|i| matches!(i.action, SweepAction::Kept(_)))
        .map(|i| i.id.as_str())
        .collect();
    assert_eq!(kept, [fresh["id"].as_str().unwrap()]);

    let (_, listed) = call("GET", &format!("{api_url}/v1/auth-servers"), &token, None).await;
    let mut names: Vec<&str> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["fresh labelled", "unlabelled"]);
    assert_eq!(unlabelled["labels"], json!({"team": "docs"}));
    let (_, services) = call(
        "GET",
        &format!("{api_url}/v2/control-planes/{cp}/core-entities/services"),
        &token,
        None,
    )
    .await;
    let services: Vec<&str> = services["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(services, ["untagged"]);
    // The quickstart control plane is unlabelled: still there.
    let (_, cps) = call("GET", &format!("{api_url}/v2/control-planes"), &token, None).await;
    assert_eq!(cps["data"][0]["id"], cp.as_str());
}

pub(super) fn docflow() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_docflow"));
    for name in [
        "KONNECT_TOKEN",
        "KONNECT_CONTROL_PLANE_URL",
        "KONNECT_PROXY_URL",
        "DECK_KONNECT_CONTROL_PLANE_NAME",
        "DOCFLOW_TARGET",
    ] {
        command.env_remove(name);
    }
    command
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sweep_command_prints_what_it_would_delete_and_needs_a_token() {
    let server = mock(Duration::ZERO);
    let token = pat();
    let (status, old) = call(
        "POST",
        &format!("{}/v1/auth-servers", server.api_url),
        &token,
        Some(
            json!({"name": "left behind", "audience": "a", "labels": {"docflow-run": "deadbeef"}}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{old}");
    tokio::time::sleep(Duration::from_millis(1100)).await;

    let output = docflow()
        .args(["sweep", "--older-than", "1s", "--dry-run"])
        .env("KONNECT_TOKEN", &token)
        .env("KONNECT_CONTROL_PLANE_URL", &server.api_url)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("would delete: auth server `left behind`"),
        "{stdout}"
    );
    assert!(
        stdout.contains("1 would be deleted, 0 kept, 0 failed"),
        "{stdout}"
    );
    assert!(!stdout.contains(&token));
    let (_, listed) = call(
        "GET",
        &format!("{}/v1/auth-servers", server.api_url),
        &token,
        None,
    )
    .await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);

    let output = docflow()
        .args(["sweep", "--older-than", "6h"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("target::not_configured"));
}

#[test]
fn konnect_dry_run_needs_no_token() {
    let output = docflow()
        .args(["run", "--target", "konnect", "--dry-run", SCENARIO])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("Bearer $KONNECT_TOKEN"), "{stdout}");
}

#[test]
fn container_target_without_docker_says_where_it_looked() {
    let output = docflow()
        .args(["run", "--target", "container", SCENARIO])
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains(
            "error[target::no_docker]: no Docker engine at unix:///nonexistent/docker.sock"
        ),
        "{stderr}"
    );
}

#[test]
fn mock_serve_exits_when_idle() {
    let mut child = docflow()
        .args([
            "mock",
            "serve",
            "--api-port",
            "0",
            "--proxy-port",
            "0",
            "--exit-when-idle",
            "500ms",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("`mock serve --exit-when-idle 500ms` still runs after 10s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = child.wait_with_output().unwrap();
    assert!(status.success());
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("docflow mock ready"));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no request for 0.5s"));
}

/// Whether the container tests can run here; prints why not.
async fn container_available() -> bool {
    let engine = match Engine::connect().await {
        Ok(engine) => engine,
        Err(e) if !docker_required() => {
            println!("skipped: {}", e.message);
            return false;
        }
        Err(e) => panic!("error[{}]: {}", e.code, e.message),
    };
    match engine.image_id(IMAGE_NAME, IMAGE_TAG).await {
        Ok(_) => true,
        Err(e) if !docker_required() => {
            println!("skipped: {}", e.message);
            false
        }
        Err(e) => panic!("error[{}]: {}", e.code, e.message),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn container_target_runs_the_oidc_scenario() {
    if !container_available().await {
        return;
    }
    let target = ContainerTarget::shared().await.unwrap();
    assert!(target.api_url().starts_with("http://127.0.0.1:"));
    // A second opening in the same process is the same container.
    let again = ContainerTarget::shared().await.unwrap();
    assert_eq!(again.name(), target.name());

    let session = target.open_session().await.unwrap();
    let scenario = docflow::load_file(Path::new(SCENARIO)).unwrap();
    let report = docflow::run_scenario(&scenario, &session).await;
    let rendered = docflow::report::terminal::full(&report);
    assert!(report.passed(), "{rendered}");
    println!("{rendered}");
    // The issuer is reachable from the host: the token's `iss` verified against its JWKS.
    let token = report.steps.iter().find(|s| s.name == "get-token").unwrap();
    assert!(
        token
            .view
            .as_ref()
            .is_some_and(|v| v.get("tokens").is_some())
    );
}
