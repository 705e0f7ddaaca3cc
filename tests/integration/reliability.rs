//! The reliability suite (issue 11): what a hostile caller could do to the mock and the
//! runner, each finding reproduced over real sockets on 127.0.0.1. Test endpoints per
//! organization and authenticated, a journal that never holds a secret and stays bounded,
//! a root data plane that another organization cannot take over, per-issuer discovery locks,
//! and a bounded load test. Each test prints its counts (cases tried, failures).

use std::time::{Duration, Instant};

use docflow::mock::{MockConfig, MockServer};
use docflow::targets::session::random_alnum;
use reqwest::Method;
use serde_json::{Value, json};

/// A fresh organization's token.
pub(crate) fn pat() -> String {
    format!("kpat_rel{}", random_alnum(24))
}

/// A mock on 127.0.0.1 with default settings.
pub(crate) async fn mock() -> MockServer {
    let loopback = "127.0.0.1:0".parse().expect("address");
    MockServer::start(MockConfig::default(), loopback, loopback)
        .await
        .expect("mock starts")
}

/// A client that never uses a system proxy (everything is loopback).
pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// `method url` with an optional bearer token and JSON body: status and JSON body.
pub(crate) async fn call(
    method: Method,
    url: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = client().request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("the mock answers");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// One organization's gateway flow on a mock: its quickstart control plane with an
/// `/anything` route, an auth server with scope `my-scope`, a client, and (optionally) the
/// OIDC plugin requiring audience and scope.
pub(crate) struct Flow {
    pub(crate) token: String,
    pub(crate) control_plane: String,
    pub(crate) issuer: String,
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
}

impl Flow {
    pub(crate) async fn create(mock: &MockServer, token: &str, plugin: Option<Value>) -> Self {
        Self::create_on(mock, token, "quickstart", plugin).await
    }

    /// The same on a control plane named `control_plane`.
    pub(crate) async fn create_on(
        mock: &MockServer,
        token: &str,
        control_plane: &str,
        plugin: Option<Value>,
    ) -> Self {
        let api = &mock.api_url;
        let t = Some(token);
        let (status, cp) = call(
            Method::POST,
            &format!("{api}/v2/control-planes"),
            t,
            Some(json!({"name": control_plane})),
        )
        .await;
        assert_eq!(status, 201, "{cp}");
        let cp = cp["id"].as_str().expect("id").to_owned();
        let core = format!("{api}/v2/control-planes/{cp}/core-entities");
        let (status, service) = call(
            Method::POST,
            &format!("{core}/services"),
            t,
            Some(json!({"name": "s", "url": "http://httpbin.konghq.com/anything"})),
        )
        .await;
        assert_eq!(status, 201, "{service}");
        let (status, route) = call(
            Method::POST,
            &format!("{core}/routes"),
            t,
            Some(json!({"name": "r", "paths": ["/anything"], "service": {"id": service["id"]}})),
        )
        .await;
        assert_eq!(status, 201, "{route}");
        let (status, server) = call(
            Method::POST,
            &format!("{api}/v1/auth-servers"),
            t,
            Some(json!({"name": format!("s {}", random_alnum(6)), "audience": "http://myhttpbin.dev"})),
        )
        .await;
        assert_eq!(status, 201, "{server}");
        let server_id = server["id"].as_str().expect("id");
        let issuer = server["issuer"].as_str().expect("issuer").to_owned();
        let (status, scope) = call(
            Method::POST,
            &format!("{api}/v1/auth-servers/{server_id}/scopes"),
            t,
            Some(json!({"name": "my-scope", "enabled": true})),
        )
        .await;
        assert_eq!(status, 201, "{scope}");
        let (status, client) = call(
            Method::POST,
            &format!("{api}/v1/auth-servers/{server_id}/clients"),
            t,
            Some(json!({
                "name": "c", "grant_types": ["client_credentials"], "allow_all_scopes": false,
                "allow_scopes": [scope["id"]], "access_token_duration": 3600,
                "id_token_duration": 3600, "response_types": ["id_token", "token"],
            })),
        )
        .await;
        assert_eq!(status, 201, "{client}");
        if let Some(mut config) = plugin {
            config["issuer"] = json!(issuer);
            let (status, plugin) = call(
                Method::POST,
                &format!("{core}/plugins"),
                t,
                Some(json!({"name": "openid-connect", "config": config})),
            )
            .await;
            assert_eq!(status, 201, "{plugin}");
        }
        Self {
            token: token.to_owned(),
            control_plane: cp,
            issuer,
            client_id: client["id"].as_str().expect("id").to_owned(),
            client_secret: client["client_secret"].as_str().expect("secret").to_owned(),
        }
    }

    /// A token from the issuer's token endpoint, for `my-scope`.
    pub(crate) async fn access_token(&self) -> String {
        let response = client()
            .post(format!("{}/oauth/token", self.issuer))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", &self.client_id),
                ("client_secret", &self.client_secret),
                ("scope", "my-scope"),
            ])
            .send()
            .await
            .expect("token endpoint answers");
        assert_eq!(response.status().as_u16(), 200);
        let body: Value = response.json().await.expect("json");
        body["access_token"].as_str().expect("token").to_owned()
    }
}

/// The OIDC plugin configuration the attack matrix and the isolation tests use.
pub(crate) fn strict_plugin() -> Value {
    json!({
        "auth_methods": ["bearer"],
        "audience_required": ["http://myhttpbin.dev"],
        "scopes_required": ["my-scope"],
    })
}

/// Every journal entry of the organization, following `next`.
async fn journal(mock: &MockServer, token: &str) -> Vec<Value> {
    let mut entries = Vec::new();
    let mut next = Some("/_docflow/journal?limit=50".to_owned());
    while let Some(path) = next.take() {
        let (status, body) = call(
            Method::GET,
            &format!("{}{path}", mock.api_url),
            Some(token),
            None,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let page = body["data"].as_array().expect("data");
        assert!(page.len() <= 50);
        entries.extend(page.iter().cloned());
        next = body["next"].as_str().map(str::to_owned);
    }
    entries
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_endpoints_need_a_token_and_act_on_the_callers_organization_only() {
    let mock = mock().await;
    let api = &mock.api_url;
    let (a, b) = (pat(), pat());
    let mut tried = 0;

    // Without a token (or with a non-PAT one): refused.
    for (method, path, body) in [
        (Method::GET, "/_docflow/journal", None),
        (Method::POST, "/_docflow/reset", None),
        (Method::GET, "/_docflow/faults", None),
        (
            Method::POST,
            "/_docflow/faults",
            Some(json!({"path": "/v1/*", "status": 503})),
        ),
    ] {
        for token in [None, Some("not-a-pat")] {
            let (status, _) =
                call(method.clone(), &format!("{api}{path}"), token, body.clone()).await;
            assert_eq!(status, 401, "{method} {path} with {token:?}");
            tried += 1;
        }
    }

    // B injects a fault on every path: it hits B's requests only.
    let (status, _) = call(
        Method::POST,
        &format!("{api}/_docflow/faults"),
        Some(&b),
        Some(json!({"path": "/v2/*", "status": 503, "times": 100})),
    )
    .await;
    assert_eq!(status, 201);
    let list = |token: String| {
        let url = format!("{api}/v2/control-planes");
        async move { call(Method::GET, &url, Some(&token), None).await.0 }
    };
    assert_eq!(list(a.clone()).await, 200, "B's fault reached A");
    assert_eq!(list(b.clone()).await, 503);
    let (_, a_faults) = call(
        Method::GET,
        &format!("{api}/_docflow/faults"),
        Some(&a),
        None,
    )
    .await;
    assert_eq!(a_faults["data"], json!([]), "A sees B's rules");
    tried += 3;

    // Each journal holds its own organization's requests only.
    let a_entries = journal(&mock, &a).await;
    let b_entries = journal(&mock, &b).await;
    assert_eq!(a_entries.len(), 1, "{a_entries:?}");
    assert_eq!(a_entries[0]["status"], 200);
    assert_eq!(b_entries.len(), 1, "{b_entries:?}");
    assert_eq!(b_entries[0]["status"], 503);
    tried += 2;

    // B's reset clears B's journal and rules, never A's.
    let (status, _) = call(
        Method::POST,
        &format!("{api}/_docflow/reset"),
        Some(&b),
        None,
    )
    .await;
    assert_eq!(status, 204);
    assert!(journal(&mock, &b).await.is_empty());
    assert_eq!(list(b.clone()).await, 200, "B's rule survived its reset");
    assert_eq!(
        journal(&mock, &a).await.len(),
        1,
        "B's reset cleared A's journal"
    );
    tried += 3;

    // Pages are bounded and follow `next`.
    for _ in 0..120 {
        list(a.clone()).await;
    }
    let (_, first) = call(
        Method::GET,
        &format!("{api}/_docflow/journal"),
        Some(&a),
        None,
    )
    .await;
    assert_eq!(
        first["next"],
        Value::Null,
        "121 entries fit one default page"
    );
    assert_eq!(journal(&mock, &a).await.len(), 121);
    tried += 2;
    println!("reliability: test endpoints: {tried} cases tried, 0 failures");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_journal_never_holds_a_secret() {
    let mock = mock().await;
    let token = pat();
    let flow = Flow::create(&mock, &token, None).await;
    let secret = &flow.client_secret;
    let http = client();
    let token_url = format!("{}/oauth/token", flow.issuer);
    let padding = "p".repeat(20_000);
    // Each request carries the secret somewhere the old journal kept it.
    let sends: Vec<reqwest::RequestBuilder> =
        vec![
        // A form with a space in a value (was kept raw).
        http.post(&token_url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "grant_type=client_credentials&scope=my scope&client_id={}&client_secret={secret}",
                flow.client_id
            )),
        // A secret past the 16 KiB cut of a JSON body (was cut before redaction).
        http.post(format!("{}/v1/auth-servers", mock.api_url))
            .bearer_auth(&token)
            .json(&json!({"name": padding, "client_secret": secret})),
        // A secret past the cut of a form body.
        http.post(&token_url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("pad={padding}&client_secret={secret}")),
        // Custom headers.
        http.get(format!("{}/dp/{}/anything", mock.proxy_url, flow.control_plane))
            .header("X-Client-Secret", secret.as_str())
            .header("X-Api-Key", secret.as_str()),
        // The query.
        http.get(format!(
            "{}/dp/{}/anything?client_secret={secret}&password={secret}",
            mock.proxy_url, flow.control_plane
        )),
        // Basic credentials.
        http.post(&token_url)
            .basic_auth(&flow.client_id, Some(secret))
            .form(&[("grant_type", "client_credentials")]),
    ];
    let cases = sends.len();
    for send in sends {
        send.send().await.expect("answers");
    }
    let entries = journal(&mock, &token).await;
    let text = serde_json::to_string(&entries).expect("json");
    assert!(entries.len() >= cases, "{} entries", entries.len());
    assert!(
        !text.contains(secret.as_str()),
        "a secret reached the journal"
    );
    assert!(!text.contains(&token), "the PAT reached the journal");
    assert!(text.contains("[redacted]"));
    println!("reliability: journal redaction: {cases} cases tried, 0 failures");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_organization_cannot_take_over_the_root_data_plane() {
    let mock = mock().await;
    // The victim: a quickstart whose `/anything` needs a token.
    let victim = Flow::create(&mock, &pat(), Some(json!({"auth_methods": ["bearer"]}))).await;
    let root = format!("{}/anything", mock.proxy_url);
    let before = client().get(&root).send().await.expect("answers");
    assert_eq!(before.status().as_u16(), 401);
    // The attacker: its own `quickstart` with an open `/anything`, created later.
    let attacker = Flow::create(&mock, &pat(), None).await;
    let after = client().get(&root).send().await.expect("answers");
    assert_eq!(
        after.status().as_u16(),
        401,
        "the attacker's quickstart took over the root"
    );
    // The victim's token still works at the root, and the attacker has its own data plane.
    let token = victim.access_token().await;
    let ok = client()
        .get(&root)
        .bearer_auth(&token)
        .send()
        .await
        .expect("answers");
    assert_eq!(ok.status().as_u16(), 200);
    let own = client()
        .get(format!(
            "{}/dp/{}/anything",
            mock.proxy_url, attacker.control_plane
        ))
        .send()
        .await
        .expect("answers");
    assert_eq!(own.status().as_u16(), 200);
    println!("reliability: root data plane: 4 cases tried, 0 failures");
}

/// A server that accepts connections and never answers.
async fn black_hole() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    format!("http://{addr}/auth")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_issuer_does_not_delay_another_organizations_gateway() {
    let mock = mock().await;
    // The slow organization's plugin points at an issuer that never answers.
    let slow = Flow::create(&mock, &pat(), None).await;
    let slow_issuer = black_hole().await;
    let plugins = format!(
        "{}/v2/control-planes/{}/core-entities/plugins",
        mock.api_url, slow.control_plane
    );
    let (status, body) = call(
        Method::POST,
        &plugins,
        Some(&slow.token),
        Some(json!({"name": "openid-connect", "config": {"issuer": slow_issuer, "auth_methods": ["bearer"]}})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let stuck_url = format!("{}/dp/{}/anything", mock.proxy_url, slow.control_plane);
    let stuck = tokio::spawn(async move {
        client()
            .get(stuck_url)
            .bearer_auth("eyJhbGciOiJSUzI1NiJ9.e30.x")
            .send()
            .await
            .map(|r| r.status().as_u16())
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Meanwhile another organization's first gateway call (its own discovery) is prompt.
    let fast = Flow::create(&mock, &pat(), Some(strict_plugin())).await;
    let token = fast.access_token().await;
    let started = Instant::now();
    let response = client()
        .get(format!(
            "{}/dp/{}/anything",
            mock.proxy_url, fast.control_plane
        ))
        .bearer_auth(&token)
        .send()
        .await
        .expect("answers");
    let took = started.elapsed();
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        took < Duration::from_secs(3),
        "delayed by another issuer: {took:?}"
    );
    // The stuck call is still waiting on its own issuer (it ends at the fetch timeout).
    assert!(!stuck.is_finished(), "the black hole answered");
    stuck.abort();
    println!(
        "reliability: per-issuer locks: 2 cases tried, 0 failures (other org waited {took:?})"
    );
}

/// Resident memory of this process in KiB (Linux), if known.
pub(crate) fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bounded_load_test() {
    const CONCURRENCY: usize = 50;
    const BUDGET: Duration = Duration::from_secs(8);
    let mock = mock().await;
    let flow = Flow::create(&mock, &pat(), Some(strict_plugin())).await;
    let token = flow.access_token().await;
    let gateway = format!("{}/dp/{}/anything", mock.proxy_url, flow.control_plane);
    // Warm up, then measure memory around the load.
    let warm = client()
        .get(&gateway)
        .bearer_auth(&token)
        .send()
        .await
        .expect("answers");
    assert_eq!(warm.status().as_u16(), 200);
    let before = rss_kib();
    let started = Instant::now();
    let mut workers = Vec::new();
    for i in 0..CONCURRENCY {
        let (gateway, token, mock_api, pat) = (
            gateway.clone(),
            token.clone(),
            mock.api_url.clone(),
            flow.token.clone(),
        );
        workers.push(tokio::spawn(async move {
            let http = client();
            let (mut sent, mut failed) = (0u64, Vec::new());
            while started.elapsed() < BUDGET {
                // Mostly gateway calls with token checks; some API reads and journal pages.
                let (what, result) = match (i + sent as usize) % 10 {
                    0 => (
                        "api",
                        http.get(format!("{mock_api}/v2/control-planes"))
                            .bearer_auth(&pat)
                            .send()
                            .await,
                    ),
                    1 => (
                        "journal",
                        http.get(format!("{mock_api}/_docflow/journal?limit=20"))
                            .bearer_auth(&pat)
                            .send()
                            .await,
                    ),
                    _ => (
                        "gateway",
                        http.get(&gateway).bearer_auth(&token).send().await,
                    ),
                };
                sent += 1;
                match result {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                    }
                    Ok(r) => failed.push(format!("{what}: {}", r.status())),
                    Err(e) => failed.push(format!("{what}: {e}")),
                }
            }
            (sent, failed)
        }));
    }
    let (mut sent, mut failures) = (0, Vec::new());
    for worker in workers {
        let (n, f) = worker.await.expect("joins");
        sent += n;
        failures.extend(f);
    }
    let after = rss_kib();
    let grew = after.zip(before).map(|(a, b)| a.saturating_sub(b));
    println!(
        "reliability: load: {sent} requests from {CONCURRENCY} clients in {:?}, {} failures, \
         memory grew {grew:?} KiB",
        started.elapsed(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{:?}",
        &failures[..failures.len().min(10)]
    );
    assert!(sent >= CONCURRENCY as u64, "{sent}");
    // The journal is bounded (10,000 entries, 32 MiB), so growth stays well under it plus
    // the clients' buffers.
    if let Some(grew) = grew {
        assert!(grew < 256 * 1024, "memory grew {grew} KiB");
    }
}

/// A server answering every request with `size` bytes of JSON-ish text, streamed.
async fn huge_server(size: usize) -> String {
    use axum::body::Body;
    let app = axum::Router::new().fallback(move || async move {
        let chunk = vec![b' '; 64 * 1024];
        let chunks = size / chunk.len() + 1;
        let stream = futures_stream(chunk, chunks);
        axum::response::Response::builder()
            .header("content-type", "application/json")
            .body(Body::from_stream(stream))
            .expect("response")
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

/// `count` copies of `chunk` as a body stream.
fn futures_stream(
    chunk: Vec<u8>,
    count: usize,
) -> impl futures_core::Stream<Item = Result<axum::body::Bytes, std::io::Error>> {
    struct Repeat(axum::body::Bytes, usize);
    impl futures_core::Stream for Repeat {
        type Item = Result<axum::body::Bytes, std::io::Error>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            if self.1 == 0 {
                return std::task::Poll::Ready(None);
            }
            self.1 -= 1;
            std::task::Poll::Ready(Some(Ok(self.0.clone())))
        }
    }
    Repeat(axum::body::Bytes::from(chunk), count)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runner_refuses_a_huge_response() {
    use docflow::http::{HttpClient, Prepared, RetryPolicy};
    let base = huge_server(64 * 1024 * 1024).await;
    let http = HttpClient::new(
        Duration::from_secs(30),
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        },
    )
    .expect("client");
    let error = http
        .send(&Prepared {
            method: "GET".into(),
            url: format!("{base}/big"),
            headers: vec![],
            body: None,
        })
        .await
        .expect_err("over the cap");
    assert!(error.message.contains("limit"), "{}", error.message);
    println!("reliability: runner response cap: 1 case tried, 0 failures");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_refuses_a_huge_discovery_document() {
    let mock = mock().await;
    let base = huge_server(8 * 1024 * 1024).await;
    let flow = Flow::create(&mock, &pat(), None).await;
    let plugins = format!(
        "{}/v2/control-planes/{}/core-entities/plugins",
        mock.api_url, flow.control_plane
    );
    let (status, body) = call(
        Method::POST,
        &plugins,
        Some(&flow.token),
        Some(json!({"name": "openid-connect", "config": {"issuer": format!("{base}/auth"), "auth_methods": ["bearer"]}})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let response = client()
        .get(format!(
            "{}/dp/{}/anything",
            mock.proxy_url, flow.control_plane
        ))
        .bearer_auth("eyJhbGciOiJSUzI1NiJ9.e30.x")
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status().as_u16(), 500);
    println!("reliability: gateway download cap: 1 case tried, 0 failures");
}
