//! What lets a nightly job trust docflow's green: a target that was asked for and cannot open
//! fails (exit 3) instead of passing having sent nothing, and SIGTERM (CI cancellation,
//! nextest's `terminate-after`) mid-run cleans up everything the run created and exits 143.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use docflow::harness::{TargetChoice, test_scenario_file_on};
use docflow::mock::config::TokenPolicy;
use docflow::mock::{MockConfig, MockServer};
use docflow::scenario::model::TargetKind;
use docflow::targets::session::random_alnum;
use serde_json::{Value, json};

const SCENARIO: &str = "scenarios/konnect-identity-oidc.yaml";

fn docflow() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_docflow"));
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    for name in [
        "KONNECT_TOKEN",
        "KONNECT_CONTROL_PLANE_URL",
        "KONNECT_PROXY_URL",
        "DECK_KONNECT_CONTROL_PLANE_NAME",
        "DOCFLOW_TARGET",
        "DOCFLOW_REQUIRE_DOCKER",
    ] {
        command.env_remove(name);
    }
    command.env("NO_COLOR", "1");
    command
}

#[test]
fn an_asked_konnect_target_without_a_token_fails_the_run() {
    let output = docflow()
        .args(["run", "--target", "konnect", SCENARIO])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("error[target::not_configured]: `KONNECT_TOKEN` is not set"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&output.stdout).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_asked_konnect_target_without_a_token_fails_the_test() {
    // The harness reads `KONNECT_TOKEN` from this process; a developer with a real token set
    // would reach Konnect here, so that case is left to the CLI test above.
    if std::env::var_os("KONNECT_TOKEN").is_some() {
        return;
    }
    let verdict = test_scenario_file_on(
        Path::new(SCENARIO),
        TargetChoice::Asked(TargetKind::Konnect),
        false,
    )
    .await;
    let message = verdict.expect_err("an asked-for target that cannot open must fail");
    assert!(message.contains("target::not_configured"), "{message}");
    assert!(
        message.contains("the `konnect` target was asked for"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scenario_for_other_targets_is_reported_not_applicable() {
    let dir = std::env::temp_dir().join(format!("docflow-na-{}", random_alnum(8)));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("konnect-only.yaml");
    std::fs::write(
        &file,
        "targets: [konnect]\nsteps:\n  - name: list\n    url: /v1/auth-servers\n    status_code: 200\n",
    )
    .unwrap();
    let output = docflow().arg("run").arg(&file).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("not applicable: scenario runs only on `konnect`"),
        "{stdout}"
    );
    assert!(
        stdout.contains("scenarios: 0 passed, 0 failed, 1 not applicable"),
        "{stdout}"
    );
}

/// Sends one request to the mock's API as `token`; the status and the JSON body (`null` when
/// the body is not JSON).
pub(crate) async fn call(
    method: &str,
    url: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
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

/// An organization on the mock served over real sockets, with its `quickstart` control plane
/// and a 20 s propagation delay: a scenario's gateway call is still polling when a test
/// interrupts it, with everything before it created.
pub(crate) struct DelayedOrg {
    /// The mock; dropping it stops it.
    pub(crate) server: MockServer,
    /// The organization's personal access token.
    pub(crate) token: String,
    /// The API's base URL (`KONNECT_CONTROL_PLANE_URL`).
    pub(crate) api: String,
    /// The id of the `quickstart` control plane.
    pub(crate) cp: String,
}

impl DelayedOrg {
    /// Starts the mock and creates the control plane.
    pub(crate) async fn start() -> Self {
        let server = MockServer::start_background(MockConfig {
            token_policy: TokenPolicy::PatOnly,
            propagation_delay: Duration::from_secs(20),
            ..MockConfig::default()
        })
        .expect("mock starts");
        let token = format!("kpat_{}", random_alnum(32));
        let api = server.api_url.clone();
        let (status, cp) = call(
            "POST",
            &format!("{api}/v2/control-planes"),
            &token,
            Some(json!({"name": "quickstart"})),
        )
        .await;
        assert_eq!(status, 201, "{cp}");
        let cp = cp["id"].as_str().unwrap().to_owned();
        Self {
            server,
            token,
            api,
            cp,
        }
    }

    /// The data plane's URL for this organization (`KONNECT_PROXY_URL`).
    pub(crate) fn proxy_url(&self) -> String {
        format!("{}/dp/{}", self.server.proxy_url, self.cp)
    }

    /// Asserts that nothing the OIDC how-to creates is left: no auth server, plugin, route or
    /// service.
    pub(crate) async fn assert_empty(&self, context: &str) {
        let (api, token, cp) = (&self.api, &self.token, &self.cp);
        let (_, servers) = call("GET", &format!("{api}/v1/auth-servers"), token, None).await;
        assert_eq!(servers["data"], json!([]), "{servers}\n{context}");
        for kind in ["plugins", "routes", "services"] {
            let url = format!("{api}/v2/control-planes/{cp}/core-entities/{kind}");
            let (status, list) = call("GET", &url, token, None).await;
            assert_eq!(status, 200, "{list}");
            assert_eq!(
                list["data"],
                json!([]),
                "{kind} left after SIGTERM: {list}\n{context}"
            );
        }
    }
}

/// Sends `signal` to `pid` with the system's `kill` (the crate forbids `unsafe`).
pub(crate) fn kill(signal: &str, pid: u32) {
    let status = Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_run_cleans_up_everything_and_exits_143() {
    // Served over real sockets with a propagation delay, so `call-gateway` is still polling
    // when the signal comes, with a service, a route, an auth server and a plugin created.
    let DelayedOrg {
        server,
        token,
        api,
        cp,
    } = DelayedOrg::start().await;
    let mut child = docflow()
        .args(["run", "--target", "konnect", SCENARIO])
        .env("KONNECT_TOKEN", &token)
        .env("KONNECT_CONTROL_PLANE_URL", &api)
        .env("KONNECT_PROXY_URL", format!("{}/dp/{cp}", server.proxy_url))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    // Live progress: the step lines and the polling note arrive while the scenario runs.
    let stdout = child.stdout.take().unwrap();
    let (lines_tx, lines) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(90);
    while !seen
        .iter()
        .any(|l: &String| l.starts_with("  wait   gateway-refuses-no-token"))
    {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => seen.push(line),
            Err(_) => panic!("no polling line before the deadline:\n{}", seen.join("\n")),
        }
    }
    assert!(
        seen.iter()
            .any(|l| l.starts_with("  ok     enable-oidc-plugin")),
        "{}",
        seen.join("\n")
    );
    kill("-TERM", child.id());
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    reader.join().unwrap();
    seen.extend(lines.try_iter());
    let stdout = seen.join("\n");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(143), "{stdout}\n{stderr}");
    assert!(stderr.contains("interrupted by signal 15"), "{stderr}");
    assert!(stdout.contains("interrupted by signal 15"), "{stdout}");
    assert!(
        stdout.contains("ok     cleanup create-auth-server"),
        "{stdout}"
    );

    let (_, servers) = call("GET", &format!("{api}/v1/auth-servers"), &token, None).await;
    assert_eq!(servers["data"], json!([]), "{servers}");
    for kind in ["plugins", "routes", "services"] {
        let url = format!("{api}/v2/control-planes/{cp}/core-entities/{kind}");
        let (status, list) = call("GET", &url, &token, None).await;
        assert_eq!(status, 200, "{list}");
        assert_eq!(list["data"], json!([]), "{kind} left after SIGTERM: {list}");
    }
}

/// A stub API: `/clients` hands out a client whose id and secret the test knows; `/echo`
/// answers the request's headers and JSON body, as httpbin's `/anything` does.
async fn stub(client_id: String, secret: String) -> String {
    use axum::Json;
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::post;
    let app = axum::Router::new()
        .route(
            "/clients",
            post(move || async move {
                (
                    StatusCode::CREATED,
                    Json(json!({"id": client_id, "client_secret": secret})),
                )
            }),
        )
        .route(
            "/echo",
            post(|headers: HeaderMap, Json(body): Json<Value>| async move {
                let headers: serde_json::Map<String, Value> = headers
                    .iter()
                    .map(|(k, v)| {
                        let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
                        (k.as_str().to_owned(), Value::String(v))
                    })
                    .collect();
                Json(json!({"headers": headers, "json": body}))
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn base64_of_client_id_and_secret_appears_in_no_output() {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use docflow::http::{HttpClient, RetryPolicy};
    use docflow::secret::Secret;
    use docflow::targets::Session;

    let client_id = format!("client-{}", random_alnum(10));
    let secret = random_alnum(24);
    let basic = STANDARD.encode(format!("{client_id}:{secret}"));
    let url = stub(client_id.clone(), secret.clone()).await;
    let session = Session {
        kind: TargetKind::Mock,
        api_url: url.clone(),
        proxy_url: url,
        token: Secret::new("$KONNECT_TOKEN", format!("kpat_{}", random_alnum(40))),
        control_plane_name: "quickstart".to_owned(),
        run_id: random_alnum(8),
        http: HttpClient::new(Duration::from_secs(10), RetryPolicy::default()).unwrap(),
    };
    let scenario = docflow::load_file(Path::new("tests/fixtures/ci/derived-secret.yaml")).unwrap();
    let report = docflow::run_scenario(&scenario, &session).await;
    let full = docflow::report::terminal::full(&report);
    assert_eq!(report.failures.len(), 1, "{full}");
    assert_eq!(
        report.failures[0].step.as_deref(),
        Some("fail-with-basic"),
        "{full}"
    );
    let echoed = report.steps[1].view.as_ref().expect("a view").to_string();
    let outputs = [
        ("report::full", full),
        ("report (Debug)", format!("{report:#?}")),
        (
            "junit",
            docflow::report::junit::junit_xml(std::slice::from_ref(&report), &[]),
        ),
        ("exports", report.failures[0].exports.join("\n")),
        ("curl", report.failures[0].curl.clone().unwrap_or_default()),
        ("view of `echo-basic`", echoed.clone()),
    ];
    for (name, text) in &outputs {
        assert!(
            !text.contains(&basic),
            "the Basic credentials leaked into {name}:\n{text}"
        );
        assert!(
            !text.contains(&secret),
            "the client secret leaked into {name}:\n{text}"
        );
    }
    assert!(
        report.failures[0]
            .exports
            .contains(&"export BASIC_AUTH=…  # secret: set it yourself".to_owned()),
        "{:?}",
        report.failures[0].exports
    );
    assert!(echoed.contains("Basic $BASIC_AUTH"), "{echoed}");
}

#[test]
fn a_missing_retry_fails_under_the_ci_propagation_delay() {
    let text = std::fs::read_to_string(SCENARIO).unwrap();
    let retry = "    retry: {timeout: 30s, interval: 250ms}\n";
    assert!(text.contains(retry), "the scenario polls its gateway call");
    let dir = std::env::temp_dir().join(format!("docflow-delay-{}", random_alnum(8)));
    std::fs::create_dir_all(&dir).unwrap();
    let without_retry = dir.join("konnect-identity-oidc.yaml");
    // `doc.root` is relative to the file: point it back at the shared docs.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let text = text
        .replace(retry, "")
        .replace("root: ../", &format!("root: {}/../", root.display()));
    std::fs::write(&without_retry, text).unwrap();

    let output = docflow()
        .arg("run")
        .arg(&without_retry)
        .env("DOCFLOW_MOCK_PROPAGATION_DELAY", "1s..2s")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("konnect-identity-oidc: step `gateway-refuses-no-token`"),
        "{stdout}"
    );

    // The scenario as written polls, and passes under the same delay.
    let output = docflow()
        .args(["run", SCENARIO])
        .env("DOCFLOW_MOCK_PROPAGATION_DELAY", "1s..2s")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
}

#[test]
fn junit_shows_a_scenario_that_fails_to_load_and_one_not_applicable() {
    let dir = std::env::temp_dir().join(format!("docflow-junit-{}", random_alnum(8)));
    std::fs::create_dir_all(&dir).unwrap();
    let not_for_mock = dir.join("konnect-only.yaml");
    std::fs::write(
        &not_for_mock,
        "targets: [konnect]\nsteps:\n  - name: list\n    url: /v1/auth-servers\n",
    )
    .unwrap();
    let junit = dir.join("junit.xml");
    let output = docflow()
        .args(["run", "tests/fixtures/invalid/three-mistakes.yaml"])
        .arg(&not_for_mock)
        .arg("--junit")
        .arg(&junit)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.contains("tests/fixtures/invalid/three-mistakes.yaml (does not load)"),
        "{stdout}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("tests=\"2\" skipped=\"1\" failures=\"1\" errors=\"0\""),
        "{xml}"
    );
    assert!(
        xml.contains(
            "<testsuite name=\"three-mistakes\" tests=\"1\" skipped=\"0\" errors=\"0\" failures=\"1\""
        ),
        "{xml}"
    );
    assert!(
        xml.contains("<failure message=\"tests/fixtures/invalid/three-mistakes.yaml:")
            && xml.contains("type=\"load\">"),
        "{xml}"
    );
    assert!(xml.contains("scenario::unknown_field"), "{xml}");
    assert!(
        xml.contains("<skipped message=\"not applicable: scenario runs only on `konnect`\"/>"),
        "{xml}"
    );
}

/// `docflow doc run` handles SIGTERM as `docflow run` does: the page's cleanups run in reverse,
/// nothing is left on the organization, and the exit code is 143.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_doc_run_cleans_up_everything_and_exits_143() {
    let DelayedOrg {
        server,
        token,
        api,
        cp,
    } = DelayedOrg::start().await;
    let page = crate::doc::shared()
        .join("kong-docs/current-2026-08/app/_how-tos/gateway/configure-kong-identity-oidc.md");
    let child = docflow()
        .args(["doc", "run", "--target", "konnect"])
        .arg(&page)
        .env("KONNECT_TOKEN", &token)
        .env("KONNECT_CONTROL_PLANE_URL", &api)
        .env("KONNECT_PROXY_URL", format!("{}/dp/{cp}", server.proxy_url))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    // The plugin is the last thing the page creates before its gateway call, which then polls
    // for 20 s: the signal comes with everything created.
    let plugins = format!("{api}/v2/control-planes/{cp}/core-entities/plugins");
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let (_, list) = call("GET", &plugins, &token, None).await;
        if list["data"].as_array().is_some_and(|d| !d.is_empty()) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the page never created its plugin"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    kill("-TERM", child.id());
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(143), "{stdout}\n{stderr}");
    assert!(stderr.contains("interrupted by signal 15"), "{stderr}");
    assert!(stdout.contains("interrupted by signal 15"), "{stdout}");
    assert!(
        stdout.contains("ok     cleanup create-auth-server"),
        "{stdout}"
    );
    let (_, servers) = call("GET", &format!("{api}/v1/auth-servers"), &token, None).await;
    assert_eq!(servers["data"], json!([]), "{servers}");
    for kind in ["plugins", "routes", "services"] {
        let url = format!("{api}/v2/control-planes/{cp}/core-entities/{kind}");
        let (status, list) = call("GET", &url, &token, None).await;
        assert_eq!(status, 200, "{list}");
        assert_eq!(list["data"], json!([]), "{kind} left after SIGTERM: {list}");
    }
}
