//! The mock's control planes, core entities and data plane over real sockets, with a small
//! local identity provider (discovery, JWKS, token, introspection) standing in for Kong
//! Identity, reached only over HTTP as the real plugin reaches it.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use docflow::mock::control_planes::oidc_schema::{FIELDS, FieldDef, FieldType, SHORTHAND};
use docflow::mock::{MockConfig, MockServer};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::openapi::{shared_dir, spec};

type TestResult = Result<(), Box<dyn std::error::Error>>;

// ---------------------------------------------------------------------------------------
// A local identity provider.
// ---------------------------------------------------------------------------------------

/// One RSA key for every test issuer in this binary (key generation is the slow part).
fn signing_key() -> &'static (EncodingKey, DecodingKey, Jwk) {
    static KEY: OnceLock<(EncodingKey, DecodingKey, Jwk)> = OnceLock::new();
    KEY.get_or_init(|| {
        use rsa::pkcs1::EncodeRsaPrivateKey as _;
        let private = rsa::PrivateKey::new(&mut rand::rng(), 2048).expect("rsa key");
        let der = private.to_pkcs1_der().expect("der");
        let encoding = EncodingKey::from_rsa_der(der.as_bytes());
        let mut jwk = Jwk::from_encoding_key(&encoding, Algorithm::RS256).expect("jwk");
        jwk.common.key_id = Some("test-key-1".into());
        let decoding = DecodingKey::from_jwk(&jwk).expect("decoding key");
        (encoding, decoding, jwk)
    })
}

/// What the token and introspection endpoints saw (no secrets).
#[derive(Debug, Clone, PartialEq)]
struct Call {
    endpoint: &'static str,
    auth: &'static str,
    scope: Option<String>,
}

struct IssuerState {
    base: String,
    calls: Mutex<Vec<Call>>,
}

/// The clients the test issuer knows: id → secret.
const CLIENTS: &[(&str, &str)] = &[("client1", "secret1"), ("client2", "secret2")];
/// The plugin's own client, for introspection.
const PLUGIN_CLIENT: (&str, &str) = ("kong", "kongsecret");
const AUDIENCE: &str = "http://myhttpbin.dev";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get("authorization")?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(encoded).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

fn mint(base: &str, client_id: &str, scope: &str) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("test-key-1".into());
    let iat = now();
    let claims = json!({
        "iss": base, "sub": client_id, "client_id": client_id, "aud": [AUDIENCE],
        "scope": scope, "iat": iat, "nbf": iat, "exp": iat + 300,
        "jti": uuid::Uuid::new_v4(),
    });
    jsonwebtoken::encode(&header, &claims, &signing_key().0).expect("sign")
}

fn oauth_error(status: AxumStatus, error: &str) -> Response {
    (status, Json(json!({ "error": error }))).into_response()
}

fn record(s: &IssuerState, endpoint: &'static str) {
    s.calls.lock().unwrap().push(Call {
        endpoint,
        auth: "none",
        scope: None,
    });
}

async fn discovery(State(s): State<Arc<IssuerState>>) -> Json<Value> {
    record(&s, "discovery");
    let b = &s.base;
    Json(json!({
        "issuer": b,
        "token_endpoint": format!("{b}/oauth/token"),
        "introspection_endpoint": format!("{b}/introspect"),
        "jwks_uri": format!("{b}/.well-known/jwks"),
        "token_endpoint_auth_methods_supported": ["none", "client_secret_basic", "client_secret_post"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic"],
    }))
}

async fn jwks(State(s): State<Arc<IssuerState>>) -> Json<Value> {
    record(&s, "jwks");
    Json(json!({ "keys": [serde_json::to_value(&signing_key().2).unwrap()] }))
}

async fn token(
    State(s): State<Arc<IssuerState>>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let (auth, credentials) = match basic_credentials(&headers) {
        Some(c) => ("client_secret_basic", Some(c)),
        None => (
            "client_secret_post",
            field("client_id").zip(field("client_secret")),
        ),
    };
    let scope = field("scope");
    s.calls.lock().unwrap().push(Call {
        endpoint: "token",
        auth,
        scope: scope.clone(),
    });
    if field("grant_type").as_deref() != Some("client_credentials") {
        return oauth_error(AxumStatus::BAD_REQUEST, "unsupported_grant_type");
    }
    let Some((id, secret)) = credentials else {
        return oauth_error(AxumStatus::UNAUTHORIZED, "invalid_client");
    };
    if !CLIENTS.contains(&(id.as_str(), secret.as_str())) {
        return oauth_error(AxumStatus::UNAUTHORIZED, "invalid_client");
    }
    let scope = scope.unwrap_or_default();
    Json(json!({
        "access_token": mint(&s.base, &id, &scope),
        "token_type": "Bearer",
        "expires_in": 299,
    }))
    .into_response()
}

async fn introspect(
    State(s): State<Arc<IssuerState>>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    s.calls.lock().unwrap().push(Call {
        endpoint: "introspect",
        auth: if headers.contains_key("authorization") {
            "client_secret_basic"
        } else {
            "none"
        },
        scope: None,
    });
    let plugin = (PLUGIN_CLIENT.0.to_owned(), PLUGIN_CLIENT.1.to_owned());
    if basic_credentials(&headers) != Some(plugin) {
        return oauth_error(AxumStatus::UNAUTHORIZED, "invalid_client");
    }
    let token = form
        .iter()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.as_str());
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[AUDIENCE]);
    match token.and_then(|t| jsonwebtoken::decode::<Value>(t, &signing_key().1, &validation).ok()) {
        Some(data) => {
            let mut body = data.claims;
            body["active"] = json!(true);
            Json(body).into_response()
        }
        None => Json(json!({ "active": false })).into_response(),
    }
}

/// A running local identity provider at `{base}` = `http://127.0.0.1:PORT/auth`.
struct TestIssuer {
    state: Arc<IssuerState>,
}

impl TestIssuer {
    async fn start() -> Result<Self, Box<dyn std::error::Error>> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}/auth", listener.local_addr()?);
        let state = Arc::new(IssuerState {
            base,
            calls: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route("/auth/.well-known/openid-configuration", get(discovery))
            .route("/auth/.well-known/jwks", get(jwks))
            .route("/auth/oauth/token", post(token))
            .route("/auth/introspect", post(introspect))
            .with_state(state.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { state })
    }

    fn base(&self) -> &str {
        &self.state.base
    }

    fn calls(&self, endpoint: &str) -> Vec<Call> {
        let calls = self.state.calls.lock().unwrap();
        calls
            .iter()
            .filter(|c| c.endpoint == endpoint)
            .cloned()
            .collect()
    }
}

// ---------------------------------------------------------------------------------------
// The mock, a control plane, and helpers.
// ---------------------------------------------------------------------------------------

struct Env {
    server: MockServer,
    issuer: TestIssuer,
    http: reqwest::Client,
    pat: String,
    cp: String,
}

struct Reply {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

async fn reply(response: reqwest::Response) -> Result<Reply, Box<dyn std::error::Error>> {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await?;
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
    };
    Ok(Reply {
        status,
        headers,
        body,
    })
}

impl Env {
    async fn start(config: MockConfig) -> Result<Self, Box<dyn std::error::Error>> {
        let server =
            MockServer::start(config, "127.0.0.1:0".parse()?, "127.0.0.1:0".parse()?).await?;
        let issuer = TestIssuer::start().await?;
        let mut env = Self {
            server,
            issuer,
            http: reqwest::Client::new(),
            pat: format!("kpat_{}", uuid::Uuid::new_v4().simple()),
            cp: String::new(),
        };
        let created = env
            .api(
                Method::POST,
                "/v2/control-planes",
                Some(json!({"name": "quickstart"})),
            )
            .await?;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        env.cp = created.body["id"].as_str().ok_or("no id")?.to_owned();
        Ok(env)
    }

    async fn api(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Reply, Box<dyn std::error::Error>> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.server.api_url))
            .bearer_auth(&self.pat);
        if let Some(body) = body {
            request = request.json(&body);
        }
        reply(request.send().await?).await
    }

    async fn core(
        &self,
        method: Method,
        rel: &str,
        body: Option<Value>,
    ) -> Result<Reply, Box<dyn std::error::Error>> {
        let path = format!("/v2/control-planes/{}/core-entities/{rel}", self.cp);
        self.api(method, &path, body).await
    }

    async fn create(&self, rel: &str, body: Value) -> Result<Value, Box<dyn std::error::Error>> {
        let r = self.core(Method::POST, rel, Some(body)).await?;
        assert_eq!(r.status, StatusCode::CREATED, "{rel}: {}", r.body);
        Ok(r.body)
    }

    /// `example-service` and `example-route`, as the docs' prerequisites define them.
    async fn example_entities(&self) -> TestResult {
        self.create(
            "services",
            json!({"name": "example-service", "url": "http://httpbin.konghq.com/anything"}),
        )
        .await?;
        self.create(
            "routes",
            json!({"name": "example-route", "paths": ["/anything"],
                   "service": {"name": "example-service"}, "protocols": ["http", "https"]}),
        )
        .await?;
        Ok(())
    }

    /// An `openid-connect` plugin on the test issuer, created at the docs' trailing-slash URL.
    async fn oidc_plugin(&self, mut config: Value) -> Result<Value, Box<dyn std::error::Error>> {
        config["issuer"] = json!(self.issuer.base());
        self.create(
            "plugins/",
            json!({"name": "openid-connect", "config": config}),
        )
        .await
    }

    /// A request to this control plane's data plane.
    async fn proxy(
        &self,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Result<Reply, Box<dyn std::error::Error>> {
        let mut request = self
            .http
            .get(format!("{}/dp/{}{path}", self.server.proxy_url, self.cp));
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        reply(request.send().await?).await
    }

    /// A token from the test issuer, fetched as a client would (client_secret_post).
    async fn token(
        &self,
        client: (&str, &str),
        scope: &str,
    ) -> Result<String, Box<dyn std::error::Error>> {
        let response = self
            .http
            .post(format!("{}/oauth/token", self.issuer.base()))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", client.0),
                ("client_secret", client.1),
                ("scope", scope),
            ])
            .send()
            .await?;
        let body: Value = response.json().await?;
        Ok(body["access_token"]
            .as_str()
            .ok_or("no access token")?
            .to_owned())
    }
}

fn basic(client: (&str, &str)) -> String {
    format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", client.0, client.1))
    )
}

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap_or("");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn assert_kong_401(reply: &Reply, realm: &str) {
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
    assert_eq!(reply.body, json!({"message": "Unauthorized"}));
    assert_eq!(
        reply.headers["www-authenticate"],
        format!("Bearer realm=\"{realm}\", error=\"invalid_token\"").as_str()
    );
}

// ---------------------------------------------------------------------------------------
// Control planes.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn control_planes_create_list_with_the_docs_encoded_filter_get_delete() -> TestResult {
    let env = Env::start(MockConfig::default()).await?;
    env.api(
        Method::POST,
        "/v2/control-planes",
        Some(json!({"name": "other"})),
    )
    .await?;
    let list = env
        .api(
            Method::GET,
            "/v2/control-planes?filter%5Bname%5D%5Bcontains%5D=quickstart",
            None,
        )
        .await?;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(
        list.body["meta"]["page"],
        json!({"number": 1, "size": 10, "total": 1})
    );
    assert_eq!(list.body["data"][0]["id"], env.cp.as_str());
    assert_eq!(list.body["data"][0]["config"]["cloud_gateway"], false);

    let duplicate = env
        .api(
            Method::POST,
            "/v2/control-planes",
            Some(json!({"name": "quickstart"})),
        )
        .await?;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    assert_eq!(
        duplicate.headers["content-type"],
        "application/problem+json"
    );
    assert!(
        duplicate.body["instance"]
            .as_str()
            .unwrap()
            .starts_with("konnect:trace:")
    );

    let unknown = env
        .api(
            Method::POST,
            "/v2/control-planes",
            Some(json!({"name": "x1", "id": "y"})),
        )
        .await?;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        unknown.body["invalid_parameters"],
        json!([{"field": "id", "reason": "property id should not exist"}])
    );

    let anonymous = env
        .http
        .get(format!("{}/v2/control-planes", env.server.api_url))
        .send()
        .await?;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    let path = format!("/v2/control-planes/{}", env.cp);
    assert_eq!(
        env.api(Method::GET, &path, None).await?.body["name"],
        "quickstart"
    );
    assert_eq!(
        env.api(Method::DELETE, &path, None).await?.status,
        StatusCode::NO_CONTENT
    );
    let gone = env.api(Method::GET, &path, None).await?;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(gone.body["status"], 404);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Core entities.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn core_entities_follow_the_admin_api() -> TestResult {
    let env = Env::start(MockConfig::default()).await?;
    env.example_entities().await?;
    let service = env
        .core(Method::GET, "services/example-service", None)
        .await?;
    assert_eq!(service.status, StatusCode::OK);
    assert_eq!(service.body["host"], "httpbin.konghq.com");
    assert_eq!(service.body["path"], "/anything");
    assert!(service.body["created_at"].is_i64());
    let routes = env.core(Method::GET, "routes", None).await?;
    assert_eq!(routes.body["next"], Value::Null);
    assert_eq!(routes.body["data"][0]["service"]["id"], service.body["id"]);
    assert_eq!(routes.body["data"][0]["strip_path"], true);

    let missing = env
        .core(
            Method::POST,
            "routes",
            Some(json!({"paths": ["/x"], "service": {"name": "nope"}})),
        )
        .await?;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(missing.body["name"], "foreign key violation");

    let unknown = env
        .core(
            Method::POST,
            "plugins/",
            Some(json!({"name": "openid-connect",
                        "config": {"issuer": "http://i", "no_such_field": 1}})),
        )
        .await?;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(unknown.body["code"], 2);
    assert_eq!(
        unknown.body["fields"],
        json!({"config": {"no_such_field": "unknown field"}})
    );

    let wrong_type = env
        .core(
            Method::POST,
            "plugins",
            Some(json!({"name": "openid-connect", "config": {"issuer": "http://i", "hide_credentials": "yes"}})),
        )
        .await?;
    assert_eq!(
        wrong_type.body["fields"]["config"]["hide_credentials"],
        "expected a boolean"
    );

    let first = env.oidc_plugin(json!({"auth_methods": ["bearer"]})).await?;
    assert_eq!(first["config"]["scopes"], json!(["openid"]));
    let second = env
        .core(
            Method::POST,
            "plugins",
            Some(json!({"name": "openid-connect", "config": {"issuer": "http://i"}})),
        )
        .await?;
    assert_eq!(second.status, StatusCode::CONFLICT);
    assert_eq!(second.body["name"], "unique constraint violation");

    let scoped = env
        .core(Method::GET, "services/example-service/plugins", None)
        .await?;
    assert_eq!(scoped.body["data"], json!([]));

    let unauthorized = env
        .http
        .get(format!(
            "{}/v2/control-planes/{}/core-entities/services",
            env.server.api_url, env.cp
        ))
        .send()
        .await?;
    assert_eq!(unauthorized.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        unauthorized.json::<Value>().await?,
        json!({"message": "Unauthorized", "status": 401})
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Data plane.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn anything_reaches_httpbin_and_unknown_paths_get_kongs_404() -> TestResult {
    let env = Env::start(MockConfig::default()).await?;
    env.example_entities().await?;
    // The root of the proxy serves the `quickstart` control plane.
    let response = env
        .http
        .get(format!("{}/anything?x=1", env.server.proxy_url))
        .send()
        .await?;
    let ok = reply(response).await?;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.body["url"], "http://httpbin.konghq.com/anything?x=1");
    assert_eq!(ok.body["args"], json!({"x": "1"}));
    assert_eq!(ok.body["method"], "GET");
    assert_eq!(ok.body["headers"]["Host"], "httpbin.konghq.com");
    assert_eq!(ok.body["headers"]["X-Forwarded-Prefix"], "/anything");
    assert!(ok.headers["via"].to_str()?.starts_with("1.1 kong/"));

    let nothing = env.proxy("/nothing", &[]).await?;
    assert_eq!(nothing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        nothing.body,
        json!({"message": "no Route matched with those values"})
    );
    Ok(())
}

#[tokio::test]
async fn bearer_tokens_are_verified_against_the_jwks() -> TestResult {
    let env = Env::start(MockConfig::default()).await?;
    env.example_entities().await?;
    env.oidc_plugin(json!({"auth_methods": ["bearer"], "audience": [AUDIENCE]}))
        .await?;
    let token = env.token(CLIENTS[0], "my-scope").await?;
    let bearer = format!("Bearer {token}");
    let ok = env
        .proxy("/anything", &[("authorization", &bearer)])
        .await?;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.body["headers"]["Authorization"], bearer.as_str());
    let again = env
        .proxy("/anything", &[("authorization", &bearer)])
        .await?;
    assert_eq!(again.status, StatusCode::OK);
    // Discovery and keys are fetched once, not per request.
    assert_eq!(env.issuer.calls("discovery").len(), 1);
    assert_eq!(env.issuer.calls("jwks").len(), 1);

    // Change the payload, keep the signature.
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut claims = claims_of(&token);
    claims["scope"] = json!("admin");
    parts[1] = URL_SAFE_NO_PAD.encode(claims.to_string());
    let tampered = format!("Bearer {}", parts.join("."));
    let denied = env
        .proxy("/anything", &[("authorization", &tampered)])
        .await?;
    assert_kong_401(&denied, "127.0.0.1");

    let none = env.proxy("/anything", &[]).await?;
    assert_kong_401(&none, "127.0.0.1");
    Ok(())
}

#[tokio::test]
async fn client_credentials_exchange_the_clients_basic_credentials() -> TestResult {
    let env = Env::start(MockConfig::default()).await?;
    env.example_entities().await?;
    env.oidc_plugin(json!({"auth_methods": ["client_credentials"],
                           "client_credentials_param_type": ["header"]}))
        .await?;
    let ok = env
        .proxy("/anything", &[("authorization", &basic(CLIENTS[0]))])
        .await?;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let upstream = ok.body["headers"]["Authorization"].as_str().unwrap_or("");
    let minted = upstream
        .strip_prefix("Bearer ")
        .ok_or("upstream got no bearer")?;
    let claims = claims_of(minted);
    assert_eq!(claims["iss"], env.issuer.base());
    assert_eq!(claims["client_id"], "client1");
    let calls = env.issuer.calls("token");
    assert_eq!(
        calls,
        vec![Call {
            endpoint: "token",
            auth: "client_secret_basic",
            scope: Some("openid".into())
        }]
    );
    // Cached: a second request does not call the token endpoint again.
    let again = env
        .proxy("/anything", &[("authorization", &basic(CLIENTS[0]))])
        .await?;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(env.issuer.calls("token").len(), 1);

    // The draft how-to's mistake: a bearer token where client credentials are expected.
    let token = env.token(CLIENTS[0], "").await?;
    let bearer = env
        .proxy(
            "/anything",
            &[("authorization", &format!("Bearer {token}"))],
        )
        .await?;
    assert_kong_401(&bearer, "127.0.0.1");

    // Credentials in the query while only the header is allowed.
    let query = env
        .proxy("/anything?client_id=client1&client_secret=secret1", &[])
        .await?;
    assert_kong_401(&query, "127.0.0.1");

    let wrong = env
        .proxy(
            "/anything",
            &[("authorization", &basic(("client1", "nope")))],
        )
        .await?;
    assert_kong_401(&wrong, "127.0.0.1");
    Ok(())
}

#[tokio::test]
async fn audience_required_is_the_real_aud_check() -> TestResult {
    let env = Env::start(MockConfig::default()).await?;
    env.example_entities().await?;
    env.oidc_plugin(json!({"auth_methods": ["bearer"],
                           "audience_required": ["http://other.example"],
                           "display_errors": true}))
        .await?;
    let token = env.token(CLIENTS[0], "my-scope").await?;
    let denied = env
        .proxy(
            "/anything",
            &[("authorization", &format!("Bearer {token}"))],
        )
        .await?;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert_eq!(
        denied.body,
        json!({"message": "Forbidden (required audience was not found [ http://myhttpbin.dev ])"})
    );
    Ok(())
}

#[tokio::test]
async fn consumer_claim_maps_clients_to_consumers() -> TestResult {
    let env = Env::start(MockConfig::default()).await?;
    env.example_entities().await?;
    let consumer = env
        .create(
            "consumers",
            json!({"username": "client1", "custom_id": "c-1"}),
        )
        .await?;
    env.oidc_plugin(
        json!({"auth_methods": ["bearer"], "consumer_claim": ["client_id"],
                           "consumer_by": ["username"]}),
    )
    .await?;
    let token = env.token(CLIENTS[0], "").await?;
    let ok = env
        .proxy(
            "/anything",
            &[
                ("authorization", &format!("Bearer {token}")),
                ("x-consumer-id", "spoofed"),
            ],
        )
        .await?;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let headers = &ok.body["headers"];
    assert_eq!(headers["X-Consumer-Id"], consumer["id"]);
    assert_eq!(headers["X-Consumer-Username"], "client1");
    assert_eq!(headers["X-Consumer-Custom-Id"], "c-1");

    let other = env.token(CLIENTS[1], "").await?;
    let denied = env
        .proxy(
            "/anything",
            &[("authorization", &format!("Bearer {other}"))],
        )
        .await?;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert_eq!(denied.body, json!({"message": "Forbidden"}));
    Ok(())
}

#[tokio::test]
async fn introspection_uses_the_plugins_own_client() -> TestResult {
    let env = Env::start(MockConfig::default()).await?;
    env.example_entities().await?;
    env.oidc_plugin(json!({"auth_methods": ["introspection"],
                           "client_id": [PLUGIN_CLIENT.0], "client_secret": [PLUGIN_CLIENT.1]}))
        .await?;
    let token = env.token(CLIENTS[0], "").await?;
    let ok = env
        .proxy(
            "/anything",
            &[("authorization", &format!("Bearer {token}"))],
        )
        .await?;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(
        env.issuer.calls("introspect")[0].auth,
        "client_secret_basic"
    );
    let inactive = env
        .proxy("/anything", &[("authorization", "Bearer not-a-token")])
        .await?;
    assert_kong_401(&inactive, "127.0.0.1");
    Ok(())
}

#[tokio::test]
async fn discovery_failure_is_kongs_500() -> TestResult {
    let env = Env::start(MockConfig::default()).await?;
    env.example_entities().await?;
    env.create(
        "plugins",
        json!({"name": "openid-connect",
               "config": {"issuer": "http://127.0.0.1:9/auth", "auth_methods": ["bearer"]}}),
    )
    .await?;
    let failed = env
        .proxy("/anything", &[("authorization", "Bearer x.y.z")])
        .await?;
    assert_eq!(failed.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        failed.body,
        json!({"message": "An unexpected error occurred"})
    );
    Ok(())
}

#[tokio::test]
async fn changes_reach_the_data_plane_after_the_propagation_delay() -> TestResult {
    let delay = Duration::from_millis(400);
    let env = Env::start(MockConfig {
        propagation_delay: delay,
        ..MockConfig::default()
    })
    .await?;
    env.example_entities().await?;
    let created = Instant::now();
    let first = env.proxy("/anything", &[]).await?;
    assert_eq!(
        first.status,
        StatusCode::NOT_FOUND,
        "visible before the delay"
    );
    let mut status = first.status;
    while status != StatusCode::OK && created.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(25)).await;
        status = env.proxy("/anything", &[]).await?.status;
    }
    assert_eq!(status, StatusCode::OK);
    assert!(created.elapsed() >= delay - Duration::from_millis(50));
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The hand-written OIDC field table against Kong's real schema.
// ---------------------------------------------------------------------------------------

fn choices(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Where each `FIELDS` entry disagrees with Kong's schema file `file` (type, enum, default),
/// and the schema itself.
pub(crate) fn schema_problems(fields: &[FieldDef], file: &str) -> (Vec<String>, Value) {
    let path = shared_dir()
        .join("kong-docs/current-2026-08/app/_schemas/gateway/plugins")
        .join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("failed to read `{}`: {e}", path.display()));
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    let mut problems = Vec::new();
    record_problems(fields, &schema["properties"]["config"], "", &mut problems);
    (problems, schema)
}

/// The problems of one record's `fields` against Kong's record `real`, recursing into nested
/// records (whose required sets must match too).
fn record_problems(fields: &[FieldDef], real: &Value, prefix: &str, problems: &mut Vec<String>) {
    let properties = &real["properties"];
    for field in fields {
        let name = format!("{prefix}{}", field.name);
        let Some(real) = properties.get(field.name) else {
            problems.push(format!("`{name}` is not in Kong's schema"));
            continue;
        };
        let kind = real["type"].as_str().unwrap_or("");
        let items = &real["items"];
        let ok = match field.kind {
            FieldType::String => kind == "string" && real.get("enum").is_none(),
            FieldType::Boolean => kind == "boolean",
            FieldType::Number => kind == "number",
            FieldType::Integer => kind == "integer",
            FieldType::StringMap => {
                kind == "object" && real["additionalProperties"]["type"] == "string"
            }
            FieldType::IntegerArray => kind == "array" && items["type"] == "integer",
            FieldType::ObjectArray => kind == "array" && items["type"] == "object",
            FieldType::PathArray => {
                kind == "array" && items["type"] == "array" && items["items"]["type"] == "string"
            }
            FieldType::Record(inner, required) => {
                let theirs = real.get("required").cloned().unwrap_or(json!([]));
                if theirs != json!(required) {
                    problems.push(format!("`{name}`: requires {required:?}, Kong {theirs}"));
                }
                record_problems(inner, real, &format!("{name}."), problems);
                let kong = real["properties"].as_object().map_or(0, |p| p.len());
                if kong != inner.len() {
                    problems.push(format!("`{name}`: {} fields, Kong has {kong}", inner.len()));
                }
                kind == "object"
            }
            FieldType::Enum(values) => {
                kind == "string" && choices(&real["enum"]) == choices(&json!(values))
            }
            FieldType::StringArray => {
                kind == "array" && items["type"] == "string" && items.get("enum").is_none()
            }
            FieldType::EnumArray(values) => {
                kind == "array" && choices(&items["enum"]) == choices(&json!(values))
            }
        };
        if !ok {
            problems.push(format!(
                "`{name}`: type {:?} but Kong has {real}",
                field.kind
            ));
        }
        let ours: Option<Value> = field
            .default
            .map(|d| serde_json::from_str(d).expect("default"));
        let theirs = real.get("default").filter(|d| !d.is_null());
        if ours.as_ref() != theirs {
            problems.push(format!(
                "`{name}`: default {ours:?} but Kong has {theirs:?}"
            ));
        }
    }
}

#[test]
fn oidc_schema_matches_kong() {
    let (problems, schema) = schema_problems(FIELDS, "3.15/OpenidConnect.json");
    assert!(
        schema["properties"]["config"]["required"] == json!(["issuer"]),
        "Kong requires exactly `issuer`"
    );
    // `consumer_claim` is a shorthand since 3.14: not a schema field, accepted all the same.
    assert_eq!(
        schema["properties"]["config"]["properties"].get(SHORTHAND),
        None
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Every field of Kong's is either emulated or answered as not emulated, never as unknown.
    let kong: BTreeSet<&str> = schema["properties"]["config"]["properties"]
        .as_object()
        .expect("config properties")
        .keys()
        .map(String::as_str)
        .collect();
    let emulated: BTreeSet<&str> = FIELDS.iter().map(|f| f.name).collect();
    let not_emulated: BTreeSet<&str> =
        docflow::mock::control_planes::oidc_not_emulated::NOT_EMULATED
            .iter()
            .copied()
            .collect();
    assert!(emulated.is_disjoint(&not_emulated));
    let listed: BTreeSet<&str> = emulated.union(&not_emulated).copied().collect();
    assert_eq!(
        listed, kong,
        "FIELDS and NOT_EMULATED together are Kong's 3.15 fields"
    );
    let mut sorted = docflow::mock::control_planes::oidc_not_emulated::NOT_EMULATED.to_vec();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        docflow::mock::control_planes::oidc_not_emulated::NOT_EMULATED,
        "sorted (looked up by binary search)"
    );
}

#[tokio::test]
async fn an_oidc_field_kong_has_but_the_mock_does_not_emulate_is_not_emulated_not_unknown()
-> TestResult {
    let env = Env::start(MockConfig::default()).await?;
    let plugins = format!("/v2/control-planes/{}/core-entities/plugins", env.cp);
    let config = |extra: (&str, Value)| {
        let mut c = json!({"issuer": "https://idp.example/"});
        c[extra.0] = extra.1;
        json!({"name": "openid-connect", "config": c})
    };
    let kong_has = env
        .api(
            Method::POST,
            &plugins,
            Some(config(("password_param_type", json!(["header"])))),
        )
        .await?;
    assert_eq!(
        kong_has.status,
        StatusCode::NOT_IMPLEMENTED,
        "{}",
        kong_has.body
    );
    assert!(kong_has.headers.contains_key("docflow-not-emulated"));
    let nobody_has = env
        .api(
            Method::POST,
            &plugins,
            Some(config(("no_such_field", json!(1)))),
        )
        .await?;
    assert_eq!(
        nobody_has.status,
        StatusCode::BAD_REQUEST,
        "{}",
        nobody_has.body
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Conformance of responses to the official specs.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn control_plane_responses_match_the_spec() -> TestResult {
    let cps = spec("konnect/control-planes/v2/openapi.yaml");
    let env = Env::start(MockConfig::default()).await?;
    let full = env
        .api(
            Method::POST,
            "/v2/control-planes",
            Some(
                json!({"name": "full", "description": "d", "labels": {"env": "test"},
                        "cluster_type": "CLUSTER_TYPE_CONTROL_PLANE",
                        "proxy_urls": [{"host": "example.com", "port": 443, "protocol": "https"}]}),
            ),
        )
        .await?;
    assert_eq!(full.status, StatusCode::CREATED, "{}", full.body);
    cps.assert_valid("ControlPlane", &full.body);
    let got = env
        .api(Method::GET, &format!("/v2/control-planes/{}", env.cp), None)
        .await?;
    cps.assert_valid("ControlPlane", &got.body);

    // ListControlPlanesResponse is an inline schema: `{meta, data}` and nothing else.
    let list = env
        .api(Method::GET, "/v2/control-planes?page%5Bsize%5D=1", None)
        .await?;
    let keys: BTreeSet<&String> = list
        .body
        .as_object()
        .ok_or("not an object")?
        .keys()
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from([&"data".to_owned(), &"meta".to_owned()])
    );
    cps.assert_valid("PaginatedMeta", &list.body["meta"]);
    assert_eq!(list.body["meta"]["page"]["total"], 2);
    assert_eq!(list.body["data"].as_array().map(Vec::len), Some(1));
    for item in list.body["data"].as_array().ok_or("no data")? {
        cps.assert_valid("ControlPlane", item);
    }

    let errors = [
        (
            Method::POST,
            "/v2/control-planes",
            Some(json!({"name": "full"})),
            "ConflictError",
        ),
        (
            Method::POST,
            "/v2/control-planes",
            Some(json!({"name": "x", "id": 1})),
            "BadRequestError",
        ),
        (
            Method::POST,
            "/v2/control-planes",
            Some(json!({})),
            "BadRequestError",
        ),
        (
            Method::POST,
            "/v2/control-planes",
            Some(json!({"name": "ab", "auth_type": "x"})),
            "BadRequestError",
        ),
        (
            Method::GET,
            "/v2/control-planes/not-a-uuid",
            None,
            "BadRequestError",
        ),
        (
            Method::GET,
            "/v2/control-planes/00000000-0000-0000-0000-000000000000",
            None,
            "NotFoundError",
        ),
    ];
    for (method, path, body, component) in errors {
        let r = env.api(method, path, body).await?;
        assert_eq!(r.headers["content-type"], "application/problem+json");
        cps.assert_valid(component, &r.body);
    }
    let anonymous = reply(
        env.http
            .get(format!("{}/v2/control-planes", env.server.api_url))
            .send()
            .await?,
    )
    .await?;
    cps.assert_valid("UnauthorizedError", &anonymous.body);
    Ok(())
}

#[tokio::test]
async fn core_entity_responses_match_the_spec() -> TestResult {
    let config = spec("konnect/control-planes-config/v2/openapi.yaml");
    let env = Env::start(MockConfig::default()).await?;
    env.example_entities().await?;
    let consumer = env
        .create(
            "consumers",
            json!({"username": "client1", "tags": ["gold"]}),
        )
        .await?;
    config.assert_valid("Consumer", &consumer);
    let plugin = env
        .oidc_plugin(json!({"auth_methods": ["bearer"], "audience": [AUDIENCE]}))
        .await?;
    config.assert_valid("Plugin", &plugin);
    for (rel, component) in [
        ("services", "Service"),
        ("routes", "Route"),
        ("routes", "RouteJson"),
        ("consumers", "Consumer"),
        ("plugins", "Plugin"),
    ] {
        let list = env.core(Method::GET, rel, None).await?;
        assert_eq!(list.status, StatusCode::OK);
        let items = list.body["data"].as_array().ok_or("no data")?;
        assert!(!items.is_empty(), "{rel} is empty");
        for item in items {
            config.assert_valid(component, item);
        }
        // The spec types `next` as a string; the Admin API (and the mock) send `null` on
        // the last page. Konnect's choice is UNVERIFIED.
        assert!(list.body["next"].is_null() || list.body["next"].is_string());
    }
    let anonymous = reply(
        env.http
            .get(format!(
                "{}/v2/control-planes/{}/core-entities/plugins",
                env.server.api_url, env.cp
            ))
            .send()
            .await?,
    )
    .await?;
    config.assert_valid("GatewayUnauthorizedError", &anonymous.body);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The how-to against the mock's own Kong Identity.
// ---------------------------------------------------------------------------------------

/// The how-to's auth server, scope, claim and client on the mock's Kong Identity:
/// `(issuer, client_id, client_secret)`.
async fn kong_identity_client(
    env: &Env,
) -> Result<(String, String, String), Box<dyn std::error::Error>> {
    let server = env
        .api(
            Method::POST,
            "/v1/auth-servers",
            Some(json!({"name": "Appointments Dev", "audience": AUDIENCE,
                        "description": "Auth server for the Appointment dev environment"})),
        )
        .await?;
    assert_eq!(server.status, StatusCode::CREATED, "{}", server.body);
    let id = server.body["id"].as_str().ok_or("no id")?;
    let scope = env
        .api(
            Method::POST,
            &format!("/v1/auth-servers/{id}/scopes"),
            Some(
                json!({"name": "my-scope", "description": "Scope to test Kong Identity",
                        "default": false, "include_in_metadata": false, "enabled": true}),
            ),
        )
        .await?;
    let scope_id = scope.body["id"].as_str().ok_or("no scope id")?;
    let claim = env
        .api(
            Method::POST,
            &format!("/v1/auth-servers/{id}/claims"),
            Some(
                json!({"name": "test-claim", "value": "test", "include_in_token": true,
                        "include_in_all_scopes": false, "include_in_scopes": [scope_id],
                        "enabled": true}),
            ),
        )
        .await?;
    assert_eq!(claim.status, StatusCode::CREATED, "{}", claim.body);
    let client = env
        .api(
            Method::POST,
            &format!("/v1/auth-servers/{id}/clients"),
            Some(
                json!({"name": "Client", "grant_types": ["client_credentials"],
                        "allow_all_scopes": false, "allow_scopes": [scope_id],
                        "access_token_duration": 3600, "id_token_duration": 3600,
                        "response_types": ["id_token", "token"]}),
            ),
        )
        .await?;
    assert_eq!(client.status, StatusCode::CREATED, "{}", client.body);
    Ok((
        server.body["issuer"]
            .as_str()
            .ok_or("no issuer")?
            .to_owned(),
        client.body["id"].as_str().ok_or("no client id")?.to_owned(),
        client.body["client_secret"]
            .as_str()
            .ok_or("no secret")?
            .to_owned(),
    ))
}

#[tokio::test]
async fn the_how_to_works_against_the_mocks_kong_identity() -> TestResult {
    let env = Env::start(MockConfig::default()).await?;
    env.example_entities().await?;
    let (issuer, client_id, client_secret) = kong_identity_client(&env).await?;
    let plugin = env
        .create(
            "plugins/",
            json!({"name": "openid-connect",
                   "config": {"issuer": issuer, "auth_methods": ["bearer"], "audience": [AUDIENCE]}}),
        )
        .await?;
    let token: Value = env
        .http
        .post(format!("{issuer}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id.as_str()),
            ("client_secret", client_secret.as_str()),
            ("scope", "my-scope"),
        ])
        .send()
        .await?
        .json()
        .await?;
    let access_token = token["access_token"].as_str().ok_or("no token")?;
    let bearer = format!("Bearer {access_token}");
    let host = url::Url::parse(&issuer)?
        .host_str()
        .unwrap_or("")
        .to_owned();
    assert_kong_401(&env.proxy("/anything", &[]).await?, &host);
    let ok = env
        .proxy("/anything", &[("authorization", &bearer)])
        .await?;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.body["headers"]["Authorization"], bearer.as_str());

    // The draft's configuration: the plugin exchanges the client's Basic credentials.
    let id = plugin["id"].as_str().ok_or("no plugin id")?;
    let deleted = env
        .core(Method::DELETE, &format!("plugins/{id}"), None)
        .await?;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    env.create(
        "plugins/",
        json!({"name": "openid-connect",
               "config": {"issuer": issuer, "client_id": [client_id], "client_secret": [client_secret],
                          "client_auth": ["client_secret_post"], "auth_methods": ["client_credentials"],
                          "audience": [AUDIENCE], "client_credentials_param_type": ["header"]}}),
    )
    .await?;
    assert_kong_401(
        &env.proxy("/anything", &[("authorization", &bearer)])
            .await?,
        &host,
    );
    let basic = basic((client_id.as_str(), client_secret.as_str()));
    let exchanged = env.proxy("/anything", &[("authorization", &basic)]).await?;
    assert_eq!(exchanged.status, StatusCode::OK, "{}", exchanged.body);
    let upstream = exchanged.body["headers"]["Authorization"]
        .as_str()
        .unwrap_or("");
    let minted = upstream
        .strip_prefix("Bearer ")
        .ok_or("no bearer upstream")?;
    assert_eq!(claims_of(minted)["client_id"], client_id.as_str());
    Ok(())
}

#[tokio::test]
async fn hide_credentials_keeps_the_token_from_the_upstream() -> TestResult {
    let env = Env::start(MockConfig::default()).await?;
    env.example_entities().await?;
    env.oidc_plugin(
        json!({"auth_methods": ["bearer"], "bearer_token_param_type": ["query"],
                           "hide_credentials": true, "upstream_access_token_header": null}),
    )
    .await?;
    let token = env.token(CLIENTS[0], "").await?;
    let ok = env
        .proxy(&format!("/anything?access_token={token}&keep=1"), &[])
        .await?;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.body["args"], json!({"keep": "1"}));
    assert!(ok.body["headers"].get("Authorization").is_none());
    // The header is not a place this plugin looks.
    let header = env
        .proxy(
            "/anything",
            &[("authorization", &format!("Bearer {token}"))],
        )
        .await?;
    assert_kong_401(&header, "127.0.0.1");
    Ok(())
}

#[tokio::test]
async fn other_upstreams_are_called_over_http() -> TestResult {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let upstream = listener.local_addr()?;
    let app = Router::new().fallback(|uri: axum::http::Uri, headers: HeaderMap| async move {
        let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        (
            AxumStatus::IM_A_TEAPOT,
            [("x-upstream", "yes")],
            Json(json!({"uri": uri.to_string(), "host": header("host"),
                        "prefix": header("x-forwarded-prefix"), "rid": header("x-kong-request-id")})),
        )
    });
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let env = Env::start(MockConfig::default()).await?;
    env.create(
        "services",
        json!({"name": "local", "url": format!("http://{upstream}/base/")}),
    )
    .await?;
    env.create(
        "routes",
        json!({"paths": ["/local"], "service": {"name": "local"}}),
    )
    .await?;
    let r = env.proxy("/local/x?y=1", &[]).await?;
    assert_eq!(r.status, StatusCode::IM_A_TEAPOT);
    assert_eq!(r.body["uri"], "/base/x?y=1");
    assert_eq!(r.body["host"], upstream.to_string());
    assert_eq!(r.body["prefix"], "/local");
    assert_eq!(r.headers["x-upstream"], "yes");
    assert_eq!(
        r.headers["x-kong-request-id"],
        r.body["rid"].as_str().unwrap_or("?")
    );

    let gone = env
        .create(
            "services",
            json!({"name": "gone", "url": "http://127.0.0.1:9/"}),
        )
        .await?;
    env.create(
        "routes",
        json!({"paths": ["/gone"], "service": {"id": gone["id"]}}),
    )
    .await?;
    let failed = env.proxy("/gone", &[]).await?;
    assert_eq!(failed.status, StatusCode::BAD_GATEWAY);
    assert_eq!(
        failed.body,
        json!({"message": "An invalid response was received from the upstream server"})
    );
    Ok(())
}

/// A door (`MockServer::open_door`) serves the same mock from another runtime's listeners:
/// what one pair creates the other sees, organizations stay apart on both, the gateway's
/// `X-Forwarded-Port` is the door's own, and dropping the door closes its listeners.
#[test]
fn a_door_serves_the_same_mock_on_its_own_runtime() -> TestResult {
    let server = MockServer::start_background(MockConfig::default())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let door = server.open_door().await?;
        assert_ne!(door.api_url, server.api_url);
        let http = reqwest::Client::new();
        let pat = format!("kpat_{}", uuid::Uuid::new_v4().simple());
        let created: Value = http
            .post(format!("{}/v2/control-planes", door.api_url))
            .bearer_auth(&pat)
            .json(&json!({"name": "quickstart"}))
            .send()
            .await?
            .json()
            .await?;
        let cp = created["id"].as_str().ok_or("no id")?.to_owned();
        let seen: Value = http
            .get(format!("{}/v2/control-planes/{cp}", server.api_url))
            .bearer_auth(&pat)
            .send()
            .await?
            .json()
            .await?;
        assert_eq!(
            seen["id"], cp,
            "the first listeners see what the door created"
        );
        let other = format!("kpat_{}", uuid::Uuid::new_v4().simple());
        let hidden = http
            .get(format!("{}/v2/control-planes/{cp}", door.api_url))
            .bearer_auth(&other)
            .send()
            .await?;
        assert_eq!(
            hidden.status(),
            StatusCode::NOT_FOUND,
            "another org sees nothing"
        );
        for (rel, body) in [
            (
                "services",
                json!({"name": "s", "url": "http://httpbin.konghq.com/anything"}),
            ),
            (
                "routes",
                json!({"name": "r", "paths": ["/anything"], "service": {"name": "s"}}),
            ),
        ] {
            let made = http
                .post(format!(
                    "{}/v2/control-planes/{cp}/core-entities/{rel}",
                    door.api_url
                ))
                .bearer_auth(&pat)
                .json(&body)
                .send()
                .await?;
            assert_eq!(made.status(), StatusCode::CREATED, "{rel}");
        }
        let echoed: Value = http
            .get(format!("{}/dp/{cp}/anything?show_env=1", door.proxy_url))
            .send()
            .await?
            .json()
            .await?;
        let port = door.proxy_url.rsplit(':').next().ok_or("no port")?;
        assert_eq!(echoed["headers"]["X-Forwarded-Port"], port);
        let url = door.api_url.clone();
        drop(door);
        // Closing is asynchronous: the listener task ends on its next poll.
        let deadline = Instant::now() + Duration::from_secs(5);
        while http
            .get(format!("{url}/v2/control-planes"))
            .send()
            .await
            .is_ok()
        {
            assert!(
                Instant::now() < deadline,
                "the door's listener is still open"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Ok(())
    })
}
