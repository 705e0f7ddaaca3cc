//! `docflow run --record DIR` and `docflow mock verify DIR`, end to end: the Konnect target
//! records against the mock served over HTTP (as it would against staging), then the
//! recording is replayed on the embedded mock. A faithful recording verifies clean; one made
//! with a fault injected or a config knob flipped reports the difference; no recording holds a
//! token, a secret or a generated id in clear.

use std::path::{Path, PathBuf};
use std::process::Output;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use docflow::mock::config::TokenPolicy;
use docflow::mock::{MockConfig, MockServer};
use docflow::targets::session::random_alnum;
use serde_json::{Value, json};

use super::targets::{add_fault, create_quickstart, docflow, pat};

const OIDC: &str = "scenarios/konnect-identity-oidc.yaml";
const PRINCIPALS: &str = "scenarios/kong-identity-principals.yaml";

/// A scenario of this test's own whose client secret the test knows: the secret is set with
/// a PATCH from a scenario variable, then used in a form body and in Basic credentials.
const SECRET_SCENARIO: &str = r#"
description: A client secret the test knows, sent in a body, a form and Basic credentials.
vars:
  MY_CLIENT_SECRET: known-client-secret-4242
steps:
  - name: create-auth-server
    url: /v1/auth-servers
    method: POST
    status_code: 201
    body: {name: "recorded $RUN_ID", audience: "http://myhttpbin.dev"}
    capture:
      - {variable: AUTH_SERVER_ID, jq: .id}
      - {variable: ISSUER_URL, jq: .issuer}
    cleanup: {method: DELETE, url: "/v1/auth-servers/$AUTH_SERVER_ID?force=true"}
  - name: create-client
    url: /v1/auth-servers/$AUTH_SERVER_ID/clients
    method: POST
    status_code: 201
    body: {name: c, grant_types: [client_credentials], response_types: [token], allow_all_scopes: true}
    capture:
      - {variable: CLIENT_ID, jq: .id}
  - name: set-secret
    url: /v1/auth-servers/$AUTH_SERVER_ID/clients/$CLIENT_ID
    method: PATCH
    status_code: 200
    body: {client_secret: $MY_CLIENT_SECRET}
  - name: get-token
    url: $ISSUER_URL/oauth/token
    method: POST
    status_code: 200
    form: {grant_type: client_credentials, client_id: $CLIENT_ID, client_secret: $MY_CLIENT_SECRET}
    capture:
      - {variable: ACCESS_TOKEN, jq: .access_token}
  - name: basic-credentials
    url: $ISSUER_URL/oauth/token
    method: POST
    basic_auth: {username: $CLIENT_ID, password: $MY_CLIENT_SECRET}
    form: {grant_type: client_credentials}
"#;

/// The mock over HTTP with Konnect's token policy, `config` tweaked.
fn server(tweak: impl FnOnce(&mut MockConfig)) -> MockServer {
    let mut config = MockConfig {
        token_policy: TokenPolicy::PatOnly,
        ..MockConfig::default()
    };
    tweak(&mut config);
    MockServer::start_background(config).expect("mock starts")
}

/// A fresh folder under the temp dir.
fn temp_dir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("docflow-{what}-{}", random_alnum(10)));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An organization on `server` with its quickstart control plane: its token and the proxy
/// URL of its data plane.
async fn organization(server: &MockServer) -> (String, String) {
    let token = pat();
    let cp = create_quickstart(&server.api_url, &token).await;
    (token, format!("{}/dp/{cp}", server.proxy_url))
}

/// `docflow run --target konnect --record DIR scenario` against the mock over HTTP.
fn record(server: &MockServer, token: &str, proxy: &str, dir: &Path, scenario: &str) -> Output {
    docflow()
        .args([
            "run",
            "--target",
            "konnect",
            "--snapshots",
            "skip",
            "--record",
        ])
        .arg(dir)
        .arg(scenario)
        .env("KONNECT_TOKEN", token)
        .env("KONNECT_CONTROL_PLANE_URL", &server.api_url)
        .env("KONNECT_PROXY_URL", proxy)
        .output()
        .unwrap()
}

/// `docflow mock verify DIR`: exit code and stdout.
fn verify(dir: &Path) -> (Option<i32>, String) {
    let output = docflow()
        .args(["mock", "verify"])
        .arg(dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    (output.status.code(), format!("{stdout}{stderr}"))
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The recording's lines as JSON.
fn lines(file: &Path) -> Vec<Value> {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Every string under a key named `key`, anywhere.
fn strings_under(value: &Value, key: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match v {
                    Value::String(s) if k == key => out.push(s.clone()),
                    _ => strings_under(v, key, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| strings_under(v, key, out)),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_over_http_verifies_clean_and_keeps_nothing_in_clear() {
    let server = server(|_| {});
    let (token, proxy) = organization(&server).await;
    let dir = temp_dir("record-oidc");
    let run = record(&server, &token, &proxy, &dir, OIDC);
    assert!(run.status.success(), "{}", text(&run));

    let file = dir.join("konnect-identity-oidc.jsonl");
    let recorded = lines(&file);
    // 12 steps, then 4 cleanups in the order they ran.
    assert_eq!(recorded.len(), 16, "{recorded:#?}");
    assert_eq!(recorded[0]["target"], "konnect");
    assert_eq!(recorded[15]["cleanup"], true);
    assert_eq!(
        recorded[3]["request"]["url"],
        "$KONNECT_CONTROL_PLANE_URL/v1/auth-servers"
    );
    let raw = std::fs::read_to_string(&file).unwrap();
    let api_host = server.api_url.trim_start_matches("http://");
    for clear in [token.as_str(), "kpat_", "eyJ", api_host, &proxy] {
        assert!(!raw.contains(clear), "`{clear}` in the recording");
    }
    // The generated ids of the quickstart control plane are gone too.
    let cp = proxy.rsplit('/').next().unwrap();
    assert!(!raw.contains(cp), "the control plane id is in clear");
    for key in ["client_secret", "access_token", "id"] {
        let mut values = Vec::new();
        strings_under(&Value::Array(recorded.clone()), key, &mut values);
        assert!(!values.is_empty(), "no `{key}` recorded");
        for value in values {
            assert!(
                value.starts_with('$') || value.starts_with("[id:") || value == "[redacted]",
                "`{key}` recorded in clear: {value}"
            );
        }
    }

    let (code, out) = verify(&dir);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("exchanges: 16 replayed, 0 differ (0 differences)"),
        "{out}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_the_test_knows_is_in_no_recording_and_replays_with_an_invented_one() {
    let server = server(|_| {});
    let (token, proxy) = organization(&server).await;
    let dir = temp_dir("record-secret");
    let scenario = dir.join("recorded-secrets.yaml");
    std::fs::write(&scenario, SECRET_SCENARIO).unwrap();
    let recordings = dir.join("recordings");
    let run = record(
        &server,
        &token,
        &proxy,
        &recordings,
        scenario.to_str().unwrap(),
    );
    assert!(run.status.success(), "{}", text(&run));

    let file = recordings.join("recorded-secrets.jsonl");
    let raw = std::fs::read_to_string(&file).unwrap();
    let secret = "known-client-secret-4242";
    let recorded = lines(&file);
    assert_eq!(recorded[1]["response"]["body"]["json"]["id"], "$CLIENT_ID");
    for clear in [
        secret.to_owned(),
        STANDARD.encode(secret),
        token,
        "eyJ".to_owned(),
    ] {
        assert!(!raw.contains(&clear), "`{clear}` in the recording:\n{raw}");
    }
    // The PATCH body, the form and the Basic credentials name the secret; the client's
    // generated secret, which nothing captured, is masked.
    assert_eq!(
        recorded[2]["request"]["body"]["json"]["client_secret"],
        "$MY_CLIENT_SECRET"
    );
    assert_eq!(
        recorded[3]["request"]["body"]["form"][2],
        json!(["client_secret", "$MY_CLIENT_SECRET"])
    );
    assert_eq!(
        recorded[4]["request"]["basic_auth"],
        json!({"username": "$CLIENT_ID", "password": "$MY_CLIENT_SECRET"})
    );
    assert_eq!(
        recorded[1]["response"]["body"]["json"]["client_secret"],
        "[redacted]"
    );
    assert_eq!(
        recorded[3]["response"]["body"]["json"]["access_token"],
        "$ACCESS_TOKEN"
    );

    // The replay invents one value for the secret and sends it everywhere, so the token
    // requests still succeed.
    let (code, out) = verify(&recordings);
    assert_eq!(code, Some(0), "{out}");
    assert!(!out.contains(secret), "{out}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fault_in_the_recording_is_reported_with_its_scenario_and_step() {
    let server = server(|_| {});
    let (token, proxy) = organization(&server).await;
    add_fault(
        &server.api_url,
        &token,
        json!({"method": "POST", "path": "/v1/auth-servers", "status": 409}),
    )
    .await;
    let dir = temp_dir("record-fault");
    let run = record(&server, &token, &proxy, &dir, OIDC);
    // The run fails at the faulted step; what it sent until then is recorded.
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));

    let (code, out) = verify(&dir);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains(
            "konnect-identity-oidc/create-auth-server: status: 409 in the recording, 201 from the mock"
        ),
        "{out}"
    );
    // Every difference is on its own line, each naming its scenario and step.
    let differences: Vec<&str> = out
        .lines()
        .filter(|l| !l.starts_with("exchanges:"))
        .collect();
    assert!(!differences.is_empty(), "{out}");
    assert!(
        differences
            .iter()
            .all(|l| l.starts_with("konnect-identity-oidc/create-auth-server: ")),
        "{out}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_config_knob_flipped_for_the_recording_is_reported_as_a_body_shape() {
    // The recording's mock sends the principal to the upstream in headers (off by default),
    // so the echoed request of every call through the plugin has keys the replay's lacks.
    let server = server(|c| c.principal_upstream_headers = true);
    let (token, proxy) = organization(&server).await;
    let dir = temp_dir("record-knob");
    let run = record(&server, &token, &proxy, &dir, PRINCIPALS);
    assert!(run.status.success(), "{}", text(&run));

    let (code, out) = verify(&dir);
    assert_eq!(code, Some(1), "{out}");
    let line = out
        .lines()
        .find(|l| l.contains("X-Principal-Id"))
        .unwrap_or_else(|| panic!("no `X-Principal-Id` difference:\n{out}"));
    assert!(line.starts_with("kong-identity-principals/"), "{line}");
    assert!(
        line.ends_with("body `.headers[\"X-Principal-Id\"]`: in the recording, not from the mock"),
        "{line}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
