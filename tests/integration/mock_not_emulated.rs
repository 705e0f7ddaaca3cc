//! The "not emulated" contract over real sockets: an API path the mock does not implement and
//! a route with a plugin its data plane does not execute answer 501 with the
//! `docflow-not-emulated` header and a problem+json naming the path or plugin; the runner
//! turns such a step, and the steps needing its captures, into *out of reach*, never a
//! failure or a doc defect.

use std::path::Path;
use std::time::Duration;

use docflow::http::{HttpClient, RetryPolicy};
use docflow::mock::not_emulated::{HEADER, TITLE};
use docflow::mock::{MockConfig, MockServer};
use docflow::outcome::{NOT_EMULATED_HEADER, StepOutcome};
use docflow::report::terminal as report;
use docflow::scenario::model::TargetKind;
use docflow::secret::Secret;
use docflow::targets::Session;
use docflow::targets::session::random_alnum;
use reqwest::StatusCode;
use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;

async fn mock() -> MockServer {
    let loopback = "127.0.0.1:0".parse().expect("address");
    MockServer::start(MockConfig::default(), loopback, loopback)
        .await
        .expect("mock starts")
}

/// One organization's view of the mock's API.
struct Org {
    http: reqwest::Client,
    api: String,
    token: String,
}

impl Org {
    fn new(mock: &MockServer) -> Self {
        Self {
            http: reqwest::Client::new(),
            api: mock.api_url.clone(),
            token: format!("kpat_{}", random_alnum(40)),
        }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<(StatusCode, reqwest::header::HeaderMap, Value), reqwest::Error> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.api))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.json().await.unwrap_or(Value::Null);
        Ok((status, headers, body))
    }

    async fn post(&self, path: &str, body: Value) -> Result<Value, Box<dyn std::error::Error>> {
        let (status, _, body) = self.send(reqwest::Method::POST, path, Some(body)).await?;
        if !status.is_success() {
            return Err(format!("POST {path}: {status} {body}").into());
        }
        Ok(body)
    }
}

fn assert_not_emulated(
    status: StatusCode,
    headers: &reqwest::header::HeaderMap,
    body: &Value,
    reason: &str,
    detail: &str,
) {
    assert_eq!(status, StatusCode::NOT_IMPLEMENTED, "{body}");
    assert_eq!(headers[HEADER], reason);
    assert_eq!(headers["content-type"], "application/problem+json");
    assert_eq!(body["title"], TITLE);
    assert_eq!(body["status"], 501);
    assert_eq!(body["detail"], detail);
}

#[test]
fn the_runner_and_the_mock_agree_on_the_header() {
    assert_eq!(NOT_EMULATED_HEADER, HEADER);
}

#[tokio::test]
async fn api_paths_the_mock_lacks_answer_501_and_known_paths_keep_their_404() -> TestResult {
    let mock = mock().await;
    let org = Org::new(&mock);
    let (status, headers, body) = org
        .send(reqwest::Method::POST, "/v1/event-gateways", Some(json!({})))
        .await?;
    assert_not_emulated(
        status,
        &headers,
        &body,
        "api path not implemented",
        "`POST /v1/event-gateways` is not implemented by docflow's mock",
    );
    let (status, headers, body) = org.send(reqwest::Method::GET, "/v3/portals", None).await?;
    assert_not_emulated(
        status,
        &headers,
        &body,
        "api path not implemented",
        "`GET /v3/portals` is not implemented by docflow's mock",
    );
    let cp = org
        .post("/v2/control-planes", json!({"name": "quickstart"}))
        .await?;
    let cp_id = cp["id"].as_str().ok_or("no id")?;
    let upstreams = format!("/v2/control-planes/{cp_id}/core-entities/upstreams");
    let (status, headers, body) = org.send(reqwest::Method::GET, &upstreams, None).await?;
    assert_not_emulated(
        status,
        &headers,
        &body,
        "api path not implemented",
        &format!("`GET {upstreams}` is not implemented by docflow's mock"),
    );
    // What the mock does implement keeps Konnect's answers.
    let missing = "/v1/auth-servers/d32d905a-ed33-46a3-a093-d8f536af9a8a";
    let (status, headers, _) = org.send(reqwest::Method::GET, missing, None).await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(headers.get(HEADER).is_none());
    Ok(())
}

#[tokio::test]
async fn a_plugin_the_data_plane_does_not_execute_is_stored_and_its_route_answers_501() -> TestResult
{
    let mock = mock().await;
    let org = Org::new(&mock);
    let cp = org
        .post("/v2/control-planes", json!({"name": "quickstart"}))
        .await?;
    let base = format!(
        "/v2/control-planes/{}/core-entities",
        cp["id"].as_str().ok_or("no id")?
    );
    let service = org
        .post(
            &format!("{base}/services"),
            json!({"name": "s", "url": "http://httpbin.konghq.com/anything"}),
        )
        .await?;
    org.post(
        &format!("{base}/routes"),
        json!({"name": "r", "paths": ["/limited"], "service": {"id": service["id"]}}),
    )
    .await?;
    // A plugin Kong ships is valid configuration: the control plane stores it as given.
    let plugin = org
        .post(
            &format!("{base}/plugins"),
            json!({"name": "rate-limiting", "config": {"minute": 5}}),
        )
        .await?;
    assert_eq!(plugin["config"]["minute"], 5);
    // A name Kong does not ship keeps Kong's 400.
    let (status, headers, body) = org
        .send(
            reqwest::Method::POST,
            &format!("{base}/plugins"),
            Some(json!({"name": "no-such-plugin"})),
        )
        .await?;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(headers.get(HEADER).is_none());

    let response = reqwest::get(format!("{}/limited", mock.proxy_url)).await?;
    let (status, headers) = (response.status(), response.headers().clone());
    let body: Value = response.json().await?;
    assert_not_emulated(
        status,
        &headers,
        &body,
        "plugin rate-limiting not executed",
        "plugin `rate-limiting` is not executed by docflow's mock data plane",
    );
    Ok(())
}

/// A session on the mock, built as the mock target builds one.
fn session(mock: &MockServer) -> Session {
    Session {
        kind: TargetKind::Mock,
        api_url: mock.api_url.clone(),
        proxy_url: mock.proxy_url.clone(),
        token: Secret::new("$KONNECT_TOKEN", format!("kpat_{}", random_alnum(40))),
        control_plane_name: "quickstart".to_owned(),
        run_id: random_alnum(8),
        http: HttpClient::new(
            Duration::from_secs(10),
            RetryPolicy {
                max_attempts: 2,
                base_delay: Duration::from_millis(10),
                max_delay: Duration::from_millis(100),
            },
        )
        .expect("http client"),
    }
}

const SCENARIO: &str = r#"description: a doc step the mock cannot emulate, one needing its capture, one it can
steps:
  - name: create-event-gateway
    source: app/_how-tos/event-gateway.md:12
    url: /v1/event-gateways
    method: POST
    status_code: 201
    body: {name: eg}
    capture: [{variable: EVENT_GATEWAY_ID, jq: .id}]
  - name: get-event-gateway
    url: /v1/event-gateways/$EVENT_GATEWAY_ID
    status_code: 200
  - name: list-auth-servers
    url: /v1/auth-servers
    status_code: 200
"#;

#[tokio::test]
async fn a_not_emulated_answer_is_out_of_reach_not_a_failure_nor_a_defect() {
    let mock = mock().await;
    let scenario = docflow::load_str(Path::new("out-of-reach.yaml"), SCENARIO)
        .unwrap_or_else(|e| panic!("{e}"));
    let report = docflow::run_scenario(&scenario, &session(&mock)).await;
    assert!(report.passed(), "{}", report::full(&report));
    assert!(report.defects.is_empty(), "{:?}", report.defects);
    let outcomes: Vec<_> = report.steps.iter().map(|s| s.outcome.clone()).collect();
    assert_eq!(
        outcomes,
        [
            StepOutcome::OutOfReach {
                reason: "api path not implemented (`POST /v1/event-gateways` is not implemented by docflow's mock)".into()
            },
            StepOutcome::OutOfReach {
                reason: "needs `$EVENT_GATEWAY_ID`, which out-of-reach step `create-event-gateway` would have captured".into()
            },
            StepOutcome::Passed,
        ]
    );
    assert_eq!(report.steps[0].status, Some(501));
    assert!(report.steps[0].view.is_none(), "no snapshot of a gap");
    let text = report::full(&report);
    assert!(
        text.contains("out of reach: api path not implemented"),
        "{text}"
    );
    assert!(text.contains("2 skipped"), "{text}");
    let junit = docflow::report::junit::junit_xml(std::slice::from_ref(&report), &[]);
    assert!(junit.contains("skipped=\"2\""), "{junit}");
    assert!(
        junit.contains("<skipped message=\"out of reach: "),
        "{junit}"
    );
}

/// `gateway_version::PLUGINS` is Kong's 3.15 schema folder, one name per schema file
/// (`Oauth2Introspection.json` is `oauth2-introspection`; `AiA2AProxy.json` duplicates
/// `AiA2aProxy.json`).
#[test]
fn the_plugin_catalog_matches_the_gateway_schemas() {
    use docflow::mock::gateway_version::{GATEWAY_VERSION, PLUGINS};
    let dir = crate::openapi::shared_dir().join(format!(
        "kong-docs/current-2026-08/app/_schemas/gateway/plugins/{GATEWAY_VERSION}"
    ));
    let mut stems: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            Some(name.strip_suffix(".json")?.to_lowercase())
        })
        .collect();
    stems.sort();
    stems.dedup();
    let mut names: Vec<String> = PLUGINS.iter().map(|n| n.replace('-', "")).collect();
    names.sort();
    assert_eq!(names, stems);
}

/// The field tables of the plugins the data plane executes besides `openid-connect` cover
/// Kong's 3.15 schema exactly: every field, same types, same defaults, same required set.
#[test]
fn plugin_schemas_match_kong() {
    use docflow::mock::control_planes::introspection_schema as introspection;
    let (problems, schema) = crate::mock_gateway::schema_problems(
        introspection::FIELDS,
        "3.15/Oauth2Introspection.json",
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let config = &schema["properties"]["config"];
    let kong: Vec<&str> = config["properties"]
        .as_object()
        .expect("properties")
        .keys()
        .map(String::as_str)
        .collect();
    let ours: Vec<&str> = introspection::FIELDS.iter().map(|f| f.name).collect();
    assert_eq!(ours, kong, "every field, in Kong's order");
    assert_eq!(config["required"], json!(introspection::REQUIRED));

    use docflow::mock::control_planes::upstream_oauth_schema as upstream;
    let (problems, schema) =
        crate::mock_gateway::schema_problems(upstream::FIELDS, "3.15/UpstreamOauth.json");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let config = &schema["properties"]["config"];
    assert_eq!(config["required"], json!(upstream::REQUIRED));
    assert_eq!(
        upstream::FIELDS.len(),
        config["properties"].as_object().map_or(0, |p| p.len())
    );
}

/// `docflow mock coverage --json` measures the mock against every spec of the corpus: what it
/// serves counts, what it answers "not emulated" does not (405s included).
#[test]
fn mock_coverage_counts_operations_per_spec() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_docflow"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("DOCFLOW_SHARED", crate::openapi::shared_dir())
        .args(["mock", "coverage", "--json"])
        .output()
        .expect("docflow runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["gateway_version"], "3.15");
    assert_eq!(
        report["plugins_executed"],
        json!(["oauth2-introspection", "openid-connect", "upstream-oauth"])
    );
    let identity = &report["specs"]["kong-identity/v1"];
    let has = |list: &Value, op: &str| list.as_array().is_some_and(|l| l.iter().any(|o| o == op));
    assert!(
        has(&identity["implemented"], "POST /v1/auth-servers"),
        "{identity}"
    );
    assert!(has(
        &identity["not_implemented"],
        "POST /v1/auth-servers/{authServerId}/clients/{clientId}/secrets"
    ));
    let planes = &report["specs"]["control-planes/v2"];
    assert!(
        has(
            &planes["not_implemented"],
            "PATCH /v2/control-planes/{controlPlaneId}"
        ),
        "{planes}"
    );
    assert_eq!(
        report["specs"]["event-gateway/v1"]["implemented"],
        json!([])
    );
    let principals = &report["specs"]["kong-identity-principals/v2"];
    for op in [
        "POST /v2/directories",
        "GET /v2/directories",
        "DELETE /v2/directories/{directoryId}",
        "POST /v2/directories/{directoryId}/principals",
        "PATCH /v2/directories/{directoryId}/principals/{principalId}",
        "POST /v2/directories/{directoryId}/principals/{principalId}/identities",
        "DELETE /v2/directories/{directoryId}/principals/{principalId}/identities/{identityId}",
    ] {
        assert!(has(&principals["implemented"], op), "{op}: {principals}");
    }
    assert_eq!(
        principals["implemented"].as_array().map(Vec::len),
        Some(18),
        "{principals}"
    );
    assert!(has(
        &principals["not_implemented"],
        "GET /v2/directories/{directoryId}/realm-config"
    ));
}

/// Operations on an unknown id whose spec lists no 404 (`kong-identity-principals/v2`): the
/// mock answers 404 as every other operation on an unknown id does (UNVERIFIED), and this
/// test holds it to exactly that.
const SPEC_OMITS_404: &[(&str, &str)] = &[
    ("patch", "/directories/{directoryId}"),
    ("get", "/directories/{directoryId}/principals"),
    (
        "patch",
        "/directories/{directoryId}/principals/{principalId}",
    ),
    ("put", "/directories/{directoryId}/principals/{principalId}"),
];

/// Conformance of status codes: every operation the mock implements in Kong Identity v1,
/// control planes v2 and principals v2 answers, to a probe with unknown ids and an empty body, a status its
/// spec lists under `responses`.
#[tokio::test]
async fn implemented_operations_answer_statuses_their_spec_lists() -> TestResult {
    let mock = mock().await;
    let org = Org::new(&mock);
    let mut problems = Vec::new();
    let mut checked = 0;
    for file in [
        "kong-identity/v1/openapi.yaml",
        "control-planes/v2/openapi.yaml",
        "kong-identity-principals/v2/openapi.yaml",
    ] {
        let path = crate::openapi::shared_dir()
            .join("kong-docs/current-2026-08/api-specs/konnect")
            .join(file);
        let spec: Value = serde_saphyr::from_str(&std::fs::read_to_string(&path)?)?;
        let base = spec["servers"][0]["url"]
            .as_str()
            .and_then(|u| u.strip_prefix("https://us.api.konghq.com"))
            .unwrap_or("");
        for (template, item) in spec["paths"].as_object().ok_or("no paths")? {
            for method in ["get", "post", "put", "patch", "delete"] {
                let Some(op) = item.get(method) else { continue };
                let filled = template
                    .split('/')
                    .map(|s| {
                        if s.starts_with('{') {
                            "7f3c2a8e-1d4b-4c6e-9a0f-2b5d8e1c3a7f"
                        } else {
                            s
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("/");
                let verb = reqwest::Method::from_bytes(method.to_uppercase().as_bytes())?;
                let body = matches!(method, "post" | "put" | "patch").then(|| json!({}));
                let (status, headers, _) = org.send(verb, &format!("{base}{filled}"), body).await?;
                if headers.get(HEADER).is_some() {
                    continue;
                }
                checked += 1;
                let listed = op["responses"]
                    .as_object()
                    .is_some_and(|r| r.contains_key(status.as_str()) || r.contains_key("default"));
                let omitted_404 = SPEC_OMITS_404.contains(&(method, template.as_str()));
                if omitted_404 && status != StatusCode::NOT_FOUND {
                    problems.push(format!(
                        "{file}: {method} {template} answered {status}, not 404"
                    ));
                } else if !listed && !omitted_404 {
                    problems.push(format!("{file}: {method} {template} answered {status}"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(checked >= 30, "only {checked} operations checked");
    Ok(())
}
