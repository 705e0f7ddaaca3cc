//! The Kong Identity mock over real sockets: the how-to's flow end to end (auth server, scope,
//! claim, client, token verified against the JWKS fetched over HTTP), the management API's
//! errors, organizations' isolation, the issuer's OAuth errors and introspection, and every
//! response body's conformance to the spec's schemas.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use docflow::mock::{MockConfig, MockServer};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{DecodingKey, Validation};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::openapi::{Spec, spec};

const ORG_A: &str = "kpat_identityorganisationa";
const ORG_B: &str = "kpat_identityorganisationb";
const AUDIENCE: &str = "http://myhttpbin.dev";

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A token request's form, and the status and `error` it must get.
type FormCase<'a> = (Vec<(&'a str, &'a str)>, StatusCode, &'a str);

fn identity_spec() -> Spec {
    spec("konnect/kong-identity/v1/openapi.yaml")
}

/// A response, read whole.
#[derive(Debug)]
struct Reply {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Reply {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    fn str(&self, pointer: &str) -> String {
        self.body
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no string at `{pointer}` in {:#}", self.body))
            .to_owned()
    }
}

async fn read(response: reqwest::Response) -> Result<Reply, reqwest::Error> {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await?;
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Ok(Reply {
        status,
        headers,
        body,
    })
}

/// A management API client for one organization.
struct Api {
    base: String,
    token: Option<&'static str>,
    http: reqwest::Client,
}

impl Api {
    fn new(mock: &MockServer, token: Option<&'static str>) -> Self {
        Self {
            base: mock.api_url.clone(),
            token,
            http: reqwest::Client::new(),
        }
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Reply, reqwest::Error> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = self.token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        read(request.send().await?).await
    }

    async fn post(&self, path: &str, body: Value) -> Result<Reply, reqwest::Error> {
        self.call(Method::POST, path, Some(body)).await
    }

    async fn get(&self, path: &str) -> Result<Reply, reqwest::Error> {
        self.call(Method::GET, path, None).await
    }

    async fn delete(&self, path: &str) -> Result<Reply, reqwest::Error> {
        self.call(Method::DELETE, path, None).await
    }

    /// Creates an auth server named `name`; returns its body.
    async fn auth_server(&self, name: &str) -> Result<Value, reqwest::Error> {
        let reply = self
            .post(
                "/v1/auth-servers",
                json!({"name": name, "audience": AUDIENCE, "description": "Auth server for the Appointment dev environment"}),
            )
            .await?;
        assert_eq!(reply.status, StatusCode::CREATED, "{:#}", reply.body);
        Ok(reply.body)
    }
}

async fn start() -> std::io::Result<MockServer> {
    MockServer::start(
        MockConfig::default(),
        "127.0.0.1:0".parse().map_err(std::io::Error::other)?,
        "127.0.0.1:0".parse().map_err(std::io::Error::other)?,
    )
    .await
}

fn is_lower_alnum(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// The how-to's data: auth server, `my-scope`, `test-claim` = `test` bound to it, a client
/// allowed that scope. Returns (server, scope, client) bodies.
async fn how_to_setup(api: &Api, name: &str) -> Result<(Value, Value, Value), reqwest::Error> {
    let server = api.auth_server(name).await?;
    let id = server["id"].as_str().unwrap_or_default().to_owned();
    let scope = api
        .post(
            &format!("/v1/auth-servers/{id}/scopes"),
            json!({"name": "my-scope", "description": "Scope to test Kong Identity",
                   "default": false, "include_in_metadata": false, "enabled": true}),
        )
        .await?;
    assert_eq!(scope.status, StatusCode::CREATED, "{:#}", scope.body);
    let scope_id = scope.str("/id");
    let claim = api
        .post(
            &format!("/v1/auth-servers/{id}/claims"),
            json!({"name": "test-claim", "value": "test", "include_in_token": true,
                   "include_in_all_scopes": false, "include_in_scopes": [scope_id], "enabled": true}),
        )
        .await?;
    assert_eq!(claim.status, StatusCode::CREATED, "{:#}", claim.body);
    let client = api
        .post(
            &format!("/v1/auth-servers/{id}/clients"),
            json!({"name": "Client", "grant_types": ["client_credentials"], "allow_all_scopes": false,
                   "allow_scopes": [scope_id], "access_token_duration": 3600, "id_token_duration": 3600,
                   "response_types": ["id_token", "token"]}),
        )
        .await?;
    assert_eq!(client.status, StatusCode::CREATED, "{:#}", client.body);
    Ok((server, scope.body, client.body))
}

/// The issuer, client id and client secret in the how-to's server and client bodies.
fn credentials<'a>(
    server: &'a Value,
    client: &'a Value,
) -> Result<(&'a str, &'a str, &'a str), &'static str> {
    Ok((
        server["issuer"].as_str().ok_or("no issuer")?,
        client["id"].as_str().ok_or("no client id")?,
        client["client_secret"].as_str().ok_or("no client secret")?,
    ))
}

/// A `client_credentials` token request with the credentials in the form, and `scope` if any.
async fn client_credentials(
    http: &reqwest::Client,
    issuer: &str,
    client_id: &str,
    secret: &str,
    scope: Option<&str>,
) -> Result<Reply, reqwest::Error> {
    let mut form = vec![
        ("grant_type", "client_credentials"),
        ("client_id", client_id),
        ("client_secret", secret),
    ];
    form.extend(scope.map(|scope| ("scope", scope)));
    token_request(http, issuer, &form).await
}

/// The issuer's discovery document.
async fn discovery(http: &reqwest::Client, issuer: &str) -> Result<Reply, reqwest::Error> {
    read(
        http.get(format!("{issuer}/.well-known/openid-configuration"))
            .send()
            .await?,
    )
    .await
}

async fn token_request(
    http: &reqwest::Client,
    issuer: &str,
    form: &[(&str, &str)],
) -> Result<Reply, reqwest::Error> {
    read(
        http.post(format!("{issuer}/oauth/token"))
            .form(form)
            .send()
            .await?,
    )
    .await
}

/// Verifies `token` with the key the issuer's JWKS (fetched over HTTP, via discovery) holds.
async fn verify(
    http: &reqwest::Client,
    issuer: &str,
    token: &str,
) -> Result<Value, Box<dyn std::error::Error>> {
    let discovery = discovery(http, issuer).await?;
    assert_eq!(discovery.status, StatusCode::OK);
    let jwks_uri = discovery.str("/jwks_uri");
    let jwks: JwkSet = http.get(jwks_uri).send().await?.json().await?;
    let header = jsonwebtoken::decode_header(token)?;
    let kid = header.kid.ok_or("token has no kid")?;
    let jwk = jwks.find(&kid).ok_or("kid not in the JWKS")?;
    let mut validation = Validation::new(header.alg);
    validation.set_audience(&[AUDIENCE]);
    validation.set_issuer(&[issuer]);
    validation.leeway = 0;
    let data = jsonwebtoken::decode::<Value>(token, &DecodingKey::from_jwk(jwk)?, &validation)?;
    Ok(data.claims)
}

#[tokio::test]
async fn how_to_flow_mints_a_token_that_verifies_against_the_jwks() -> TestResult {
    let mock = start().await?;
    let api = Api::new(&mock, Some(ORG_A));
    let (server, _, client) = how_to_setup(&api, "Appointments Dev").await?;

    let (issuer, client_id, secret) = credentials(&server, &client)?;
    let issuer_id = issuer
        .strip_prefix(&format!("{}/identity/", mock.api_url))
        .and_then(|rest| rest.strip_suffix("/auth"))
        .ok_or_else(|| format!("unexpected issuer `{issuer}`"))?;
    assert!(is_lower_alnum(issuer_id, 16), "{issuer_id}");
    assert_eq!(
        server["metadata_uri"],
        format!("{issuer}/.well-known/openid-configuration")
    );
    assert_eq!(server["jwks_uri"], format!("{issuer}/.well-known/jwks"));
    assert_eq!(server["signing_algorithm"], "RS256");
    assert_eq!(server["labels"], json!({}));

    assert!(is_lower_alnum(client_id, 16), "{client_id}");
    assert!(is_lower_alnum(secret, 24));
    assert_eq!(client["token_endpoint_auth_method"], "client_secret_post");
    assert_eq!(client["login_uri"], Value::Null);
    assert_eq!(client["redirect_uris"], json!([]));

    let http = reqwest::Client::new();
    let reply = client_credentials(&http, issuer, client_id, secret, Some("my-scope")).await?;
    assert_eq!(reply.status, StatusCode::OK, "{:#}", reply.body);
    assert_eq!(reply.header("cache-control"), "no-store");
    let keys: Vec<&String> = reply
        .body
        .as_object()
        .ok_or("not an object")?
        .keys()
        .collect();
    // Konnect's order (shared/facts/konnect.md, "Token response").
    assert_eq!(keys, ["access_token", "token_type", "expires_in", "scope"]);
    assert_eq!(reply.body["token_type"], "Bearer");
    assert_eq!(reply.body["expires_in"], 3599);
    assert_eq!(reply.body["scope"], "my-scope");
    let token = reply.str("/access_token");

    let claims = verify(&http, issuer, &token).await?;
    assert_eq!(claims["aud"], json!([AUDIENCE]));
    assert_eq!(claims["sub"], client_id);
    assert_eq!(claims["client_id"], client_id);
    assert_eq!(claims["iss"], issuer);
    assert_eq!(claims["scope"], "my-scope");
    assert_eq!(claims["test-claim"], "test");
    let iat = claims["iat"].as_i64().ok_or("no iat")?;
    assert_eq!(claims["exp"].as_i64(), Some(iat + 3600));
    assert_eq!(claims["nbf"].as_i64(), Some(iat));
    let jti = claims["jti"].as_str().ok_or("no jti")?;
    assert_eq!(uuid::Uuid::parse_str(jti)?.get_version_num(), 4);
    let header = jsonwebtoken::decode_header(&token)?;
    assert_eq!(header.typ.as_deref(), Some("JWT"));
    assert!(uuid::Uuid::parse_str(header.kid.as_deref().unwrap_or_default()).is_ok());

    // Tampering with the payload breaks the signature.
    let parts: Vec<&str> = token.split('.').collect();
    let mut payload: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1])?)?;
    payload["scope"] = json!("admin");
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload)?),
        parts[2]
    );
    assert!(verify(&http, issuer, &forged).await.is_err());

    // The secret is shown once: never on GET or list.
    let server_id = server["id"].as_str().ok_or("no id")?;
    let got = api
        .get(&format!("/v1/auth-servers/{server_id}/clients/{client_id}"))
        .await?;
    assert_eq!(got.status, StatusCode::OK);
    assert!(got.body.get("client_secret").is_none());
    let listed = api
        .get(&format!("/v1/auth-servers/{server_id}/clients"))
        .await?;
    assert!(!listed.body.to_string().contains(secret));
    Ok(())
}

#[tokio::test]
async fn basic_auth_introspection_and_revocation() -> TestResult {
    let mock = start().await?;
    let api = Api::new(&mock, Some(ORG_A));
    let (server, _, client) = how_to_setup(&api, "Introspection").await?;
    let (issuer, client_id, secret) = credentials(&server, &client)?;
    let server_id = server["id"].as_str().ok_or("no id")?;
    let http = reqwest::Client::new();

    // client_secret_basic, no scope requested: no `scope` key, `scope: ""` in the token, no
    // scope-bound claim.
    let reply = read(
        http.post(format!("{issuer}/oauth/token"))
            .basic_auth(client_id, Some(secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await?,
    )
    .await?;
    assert_eq!(reply.status, StatusCode::OK, "{:#}", reply.body);
    assert!(reply.body.get("scope").is_none(), "{:#}", reply.body);
    let token = reply.str("/access_token");
    let claims = verify(&http, issuer, &token).await?;
    assert_eq!(claims["scope"], "");
    assert!(claims.get("test-claim").is_none());

    let introspect = |token: String| {
        let http = http.clone();
        let url = format!("{issuer}/introspect");
        async move {
            read(
                http.post(url)
                    .basic_auth(client_id, Some(secret))
                    .form(&[("token", token)])
                    .send()
                    .await?,
            )
            .await
        }
    };
    let active = introspect(token.clone()).await?;
    assert_eq!(active.status, StatusCode::OK);
    assert_eq!(active.body["active"], true);
    assert_eq!(active.body["client_id"], client_id);
    assert_eq!(active.body["token_type"], "Bearer");
    assert_eq!(active.body["aud"], json!([AUDIENCE]));
    assert_eq!(
        introspect("garbage".to_owned()).await?.body,
        json!({"active": false})
    );

    // The token is listed under the client, and revoking it makes it inactive.
    let jti = claims["jti"].as_str().ok_or("no jti")?;
    let tokens = api
        .get(&format!(
            "/v1/auth-servers/{server_id}/clients/{client_id}/tokens"
        ))
        .await?;
    assert_eq!(tokens.body["data"][0]["id"], jti);
    identity_spec().assert_valid("TokenList", &tokens.body);
    let revoked = api
        .delete(&format!(
            "/v1/auth-servers/{server_id}/clients/{client_id}/tokens/{jti}"
        ))
        .await?;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    assert_eq!(introspect(token).await?.body, json!({"active": false}));

    // Introspection wants Basic client authentication.
    let anonymous = read(
        http.post(format!("{issuer}/introspect"))
            .form(&[("token", "x")])
            .send()
            .await?,
    )
    .await?;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.body["error"], "invalid_client");
    assert!(anonymous.header("www-authenticate").starts_with("Basic"));
    Ok(())
}

#[tokio::test]
async fn token_endpoint_errors_are_rfc6749_objects() -> TestResult {
    let mock = start().await?;
    let api = Api::new(&mock, Some(ORG_A));
    let (server, _, client) = how_to_setup(&api, "Errors").await?;
    let (issuer, client_id, secret) = credentials(&server, &client)?;
    let http = reqwest::Client::new();
    let cc = ("grant_type", "client_credentials");

    let cases: Vec<FormCase<'_>> = vec![
        (
            vec![cc, ("client_id", client_id), ("client_secret", "wrong")],
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            vec![cc, ("client_id", "nosuchclient"), ("client_secret", secret)],
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            vec![("client_id", client_id), ("client_secret", secret)],
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            vec![cc, ("client_secret", secret)],
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            vec![
                ("grant_type", "password"),
                ("client_id", client_id),
                ("client_secret", secret),
            ],
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
        ),
        (
            vec![
                cc,
                ("client_id", client_id),
                ("client_secret", secret),
                ("scope", "nope"),
            ],
            StatusCode::BAD_REQUEST,
            "invalid_scope",
        ),
    ];
    for (form, status, error) in cases {
        let reply = token_request(&http, issuer, &form).await?;
        assert_eq!(
            (reply.status, reply.body["error"].as_str()),
            (status, Some(error)),
            "{form:?}"
        );
        assert!(reply.body["error_description"].is_string());
        assert_eq!(reply.header("cache-control"), "no-store");
        assert!(
            !reply.body.to_string().contains(secret),
            "an error echoed the secret"
        );
    }
    let basic = read(
        http.post(format!("{issuer}/oauth/token"))
            .basic_auth(client_id, Some("wrong"))
            .form(&[cc])
            .send()
            .await?,
    )
    .await?;
    assert_eq!(basic.status, StatusCode::UNAUTHORIZED);
    assert!(basic.header("www-authenticate").starts_with("Basic"));

    let unknown = token_request(
        &http,
        &format!("{}/identity/nosuchissuer0000/auth", mock.api_url),
        &[cc],
    )
    .await?;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    Ok(())
}

#[tokio::test]
async fn management_api_needs_a_token() -> TestResult {
    let mock = start().await?;
    for token in [None, Some("not-a-pat")] {
        let reply = Api::new(&mock, token).get("/v1/auth-servers").await?;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.header("content-type"), "application/problem+json");
        assert_eq!(reply.body["title"], "Unauthenticated");
        // Kong Identity's instances are `kong:trace:…` (control planes use `konnect:trace:`).
        let instance = reply.str("/instance");
        let digits = instance
            .strip_prefix("kong:trace:")
            .ok_or_else(|| format!("unexpected instance `{instance}`"))?;
        assert!(
            digits.len() >= 15 && digits.bytes().all(|b| b.is_ascii_digit()),
            "{instance}"
        );
        identity_spec().assert_valid("BaseError", &reply.body);
    }
    Ok(())
}

#[tokio::test]
async fn duplicate_names_conflict_but_claims_may_repeat() -> TestResult {
    let mock = start().await?;
    let api = Api::new(&mock, Some(ORG_A));
    let (server, _, _) = how_to_setup(&api, "Appointments Dev").await?;
    let id = server["id"].as_str().ok_or("no id")?;
    let spec = identity_spec();

    let again = api
        .post(
            "/v1/auth-servers",
            json!({"name": "Appointments Dev", "audience": "x"}),
        )
        .await?;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.body["title"], "Conflict");
    spec.assert_valid("ConflictError", &again.body);

    let scope = api
        .post(
            &format!("/v1/auth-servers/{id}/scopes"),
            json!({"name": "my-scope"}),
        )
        .await?;
    assert_eq!(scope.status, StatusCode::CONFLICT);
    let client = api
        .post(
            &format!("/v1/auth-servers/{id}/clients"),
            json!({"name": "Client", "grant_types": ["client_credentials"], "response_types": ["token"]}),
        )
        .await?;
    assert_eq!(client.status, StatusCode::CONFLICT);
    let claim = api
        .post(
            &format!("/v1/auth-servers/{id}/claims"),
            json!({"name": "test-claim", "value": "again"}),
        )
        .await?;
    assert_eq!(claim.status, StatusCode::CREATED);

    // Renaming into a taken name conflicts too.
    let other = api.auth_server("Other").await?;
    let other_id = other["id"].as_str().ok_or("no id")?;
    let rename = api
        .call(
            Method::PATCH,
            &format!("/v1/auth-servers/{other_id}"),
            Some(json!({"name": "Appointments Dev"})),
        )
        .await?;
    assert_eq!(rename.status, StatusCode::CONFLICT);
    Ok(())
}

#[tokio::test]
async fn invalid_bodies_report_every_problem_at_once() -> TestResult {
    let mock = start().await?;
    let api = Api::new(&mock, Some(ORG_A));
    let spec = identity_spec();

    let reply = api
        .post(
            "/v1/auth-servers",
            json!({"id": "mine", "name": "n", "signing_algorithm": "HS256"}),
        )
        .await?;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.header("content-type"), "application/problem+json");
    assert_eq!(reply.body["title"], "Bad Request");
    spec.assert_valid("BadRequestError", &reply.body);
    let params = reply.body["invalid_parameters"]
        .as_array()
        .ok_or("no invalid_parameters")?;
    let got: Vec<(&str, &str)> = params
        .iter()
        .map(|p| {
            (
                p["field"].as_str().unwrap_or_default(),
                p["rule"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("id", "unknown_property"),
            ("audience", "required"),
            ("signing_algorithm", "enum")
        ]
    );
    assert_eq!(params[0]["reason"], "property id should not exist");
    assert_eq!(
        params[2]["choices"],
        json!(["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"])
    );
    assert!(params.iter().all(|p| p["source"] == "body"));

    let malformed = read(
        reqwest::Client::new()
            .post(format!("{}/v1/auth-servers", mock.api_url))
            .bearer_auth(ORG_A)
            .header("content-type", "application/json")
            .body("{\"name\": ")
            .send()
            .await?,
    )
    .await?;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed.body["invalid_parameters"][0]["field"], "body");
    spec.assert_valid("BadRequestError", &malformed.body);

    let server = api.auth_server("Validation").await?;
    let id = server["id"].as_str().ok_or("no id")?;
    let client = api
        .post(
            &format!("/v1/auth-servers/{id}/clients"),
            json!({"name": 5, "grant_types": ["authorization_code"], "response_types": ["token"],
                   "access_token_duration": 59, "allow_scopes": ["c5e12516-182c-4928-ae04-05374b3b1cca"]}),
        )
        .await?;
    assert_eq!(client.status, StatusCode::BAD_REQUEST);
    spec.assert_valid("BadRequestError", &client.body);
    let rules: Vec<&str> = client.body["invalid_parameters"]
        .as_array()
        .ok_or("no invalid_parameters")?
        .iter()
        .filter_map(|p| p["rule"].as_str())
        .collect();
    assert_eq!(rules, ["type", "enum", "min"]);
    // Schema-valid but referring to a scope that does not exist.
    let client = api
        .post(
            &format!("/v1/auth-servers/{id}/clients"),
            json!({"name": "c", "grant_types": ["client_credentials"], "response_types": ["token"],
                   "allow_scopes": ["c5e12516-182c-4928-ae04-05374b3b1cca"]}),
        )
        .await?;
    assert_eq!(client.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        client.body["invalid_parameters"][0]["rule"],
        "missing_reference"
    );

    let claim = api
        .post(
            &format!("/v1/auth-servers/{id}/claims"),
            json!({"name": "c", "value": "${ env \"HOME\" }"}),
        )
        .await?;
    assert_eq!(claim.status, StatusCode::BAD_REQUEST);
    spec.assert_valid("BadRequestError", &claim.body);
    assert!(claim.str("/invalid_parameters/0/reason").contains("`env`"));
    Ok(())
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_404() -> TestResult {
    let mock = start().await?;
    let api = Api::new(&mock, Some(ORG_A));
    let spec = identity_spec();
    let server = api.auth_server("Lookups").await?;
    let id = server["id"].as_str().ok_or("no id")?;
    for path in [
        "/v1/auth-servers/d32d905a-ed33-46a3-a093-d8f536af9a8a".to_owned(),
        "/v1/auth-servers/not-a-uuid".to_owned(),
        format!("/v1/auth-servers/{id}/scopes/nope"),
        format!("/v1/auth-servers/{id}/claims/07d05309-45cc-4b37-92fb-1524846deec3"),
        format!("/v1/auth-servers/{id}/clients/nope"),
    ] {
        let reply = api.get(&path).await?;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(reply.body["detail"], "Not Found");
        spec.assert_valid("NotFoundError", &reply.body);
    }
    // A path no Konnect API has is Konnect's 404 (a doc's typo is a doc defect)…
    let other = api.get("/v1/no-such-resource").await?;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    assert_eq!(other.body["detail"], "Not Found");
    // …and one Konnect has but the mock lacks is the mock's "not emulated".
    let lacking = api.get("/v1/event-gateways").await?;
    assert_eq!(lacking.status, StatusCode::NOT_IMPLEMENTED);
    assert_eq!(lacking.body["title"], "not emulated by docflow's mock");
    Ok(())
}

#[tokio::test]
async fn delete_refuses_a_non_empty_server_unless_forced() -> TestResult {
    let mock = start().await?;
    let api = Api::new(&mock, Some(ORG_A));
    let (server, _, _) = how_to_setup(&api, "Appointments Dev").await?;
    let id = server["id"].as_str().ok_or("no id")?;
    let issuer = server["issuer"].as_str().ok_or("no issuer")?;

    let refused = api.delete(&format!("/v1/auth-servers/{id}")).await?;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    identity_spec().assert_valid("BadRequestError", &refused.body);
    assert_eq!(refused.body["invalid_parameters"][0]["field"], "force");
    assert_eq!(refused.body["invalid_parameters"][0]["source"], "query");

    // Kong's own test cleanup: look the server up by name, then force-delete it.
    let found = api
        .get("/v1/auth-servers?filter%5Bname%5D%5Beq%5D=Appointments%20Dev")
        .await?;
    assert_eq!(found.body["data"][0]["id"], id);
    assert_eq!(
        found.body["meta"]["page"],
        json!({"number": 1, "size": 10, "total": 1})
    );
    let forced = api
        .delete(&format!("/v1/auth-servers/{id}?force=true"))
        .await?;
    assert_eq!(forced.status, StatusCode::NO_CONTENT);
    assert_eq!(
        api.get(&format!("/v1/auth-servers/{id}")).await?.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        api.get(&format!("/v1/auth-servers/{id}/clients"))
            .await?
            .status,
        StatusCode::NOT_FOUND
    );
    let discovery = reqwest::get(format!("{issuer}/.well-known/openid-configuration")).await?;
    assert_eq!(discovery.status(), StatusCode::NOT_FOUND);

    // An empty server goes without force.
    let empty = api.auth_server("Empty").await?;
    let empty_id = empty["id"].as_str().ok_or("no id")?;
    assert_eq!(
        api.delete(&format!("/v1/auth-servers/{empty_id}"))
            .await?
            .status,
        StatusCode::NO_CONTENT
    );
    Ok(())
}

#[tokio::test]
async fn organizations_are_isolated() -> TestResult {
    let mock = start().await?;
    let a = Api::new(&mock, Some(ORG_A));
    let b = Api::new(&mock, Some(ORG_B));
    let server = a.auth_server("Shared Name").await?;
    let id = server["id"].as_str().ok_or("no id")?;

    let listed = b.get("/v1/auth-servers").await?;
    assert_eq!(listed.body["data"], json!([]));
    assert_eq!(listed.body["meta"]["page"]["total"], 0);
    assert_eq!(
        b.get(&format!("/v1/auth-servers/{id}")).await?.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        b.delete(&format!("/v1/auth-servers/{id}?force=true"))
            .await?
            .status,
        StatusCode::NOT_FOUND
    );
    // Names are unique per organization only.
    b.auth_server("Shared Name").await?;
    assert_eq!(
        a.get("/v1/auth-servers").await?.body["meta"]["page"]["total"],
        1
    );
    Ok(())
}

#[tokio::test]
async fn templates_scopes_and_discovery() -> TestResult {
    let mock = start().await?;
    let api = Api::new(&mock, Some(ORG_A));
    let (server, scope, client) = how_to_setup(&api, "Templates").await?;
    let id = server["id"].as_str().ok_or("no id")?;
    let (issuer, client_id, secret) = credentials(&server, &client)?;

    for (name, value) in [
        (
            "who",
            r#"${ .Client.Name | upper }-${ .AuthServer.Audience }"#,
        ),
        (
            "env",
            r#"${ .Client.Labels.environment | default "production" }"#,
        ),
        ("json", r#"{"a": [1, 2]}"#),
        ("n", "42"),
    ] {
        let claim = api
            .post(
                &format!("/v1/auth-servers/{id}/claims"),
                json!({"name": name, "value": value, "include_in_token": true, "include_in_all_scopes": true}),
            )
            .await?;
        assert_eq!(claim.status, StatusCode::CREATED, "{:#}", claim.body);
    }
    let tested = api
        .post(
            &format!("/v1/auth-servers/{id}/clients/{client_id}/test-claim"),
            json!({"id": "${ .Client.ID }", "uuid": "${ uuidv4 }"}),
        )
        .await?;
    assert_eq!(tested.status, StatusCode::OK);
    assert_eq!(tested.body["id"], client_id);

    // A default scope the client may use is granted without being requested; one shown in
    // metadata appears in the discovery document.
    let default_scope = api
        .post(
            &format!("/v1/auth-servers/{id}/scopes"),
            json!({"name": "always", "default": true, "include_in_metadata": true}),
        )
        .await?;
    let default_id = default_scope.str("/id");
    let allow = api
        .call(
            Method::PATCH,
            &format!("/v1/auth-servers/{id}/clients/{client_id}"),
            Some(json!({"allow_scopes": [scope["id"], default_id]})),
        )
        .await?;
    assert_eq!(allow.status, StatusCode::OK, "{:#}", allow.body);

    let http = reqwest::Client::new();
    let reply = client_credentials(&http, issuer, client_id, secret, Some("my-scope")).await?;
    assert_eq!(reply.body["scope"], "my-scope always");
    let claims = verify(&http, issuer, &reply.str("/access_token")).await?;
    assert_eq!(claims["who"], format!("CLIENT-{AUDIENCE}"));
    assert_eq!(claims["env"], "production");
    assert_eq!(claims["json"], json!({"a": [1, 2]}));
    assert_eq!(claims["n"], 42);
    assert_eq!(claims["test-claim"], "test");

    let discovery = discovery(&http, issuer).await?;
    assert_eq!(
        discovery.body["scopes_supported"],
        json!(["openid", "always"])
    );
    assert_eq!(
        discovery.body["token_endpoint"],
        format!("{issuer}/oauth/token")
    );
    assert_eq!(
        discovery.body["id_token_signing_alg_values_supported"],
        json!(["RS256"])
    );
    let keys: Vec<&String> = discovery
        .body
        .as_object()
        .ok_or("not an object")?
        .keys()
        .collect();
    assert_eq!(keys.len(), 19, "{keys:?}");
    Ok(())
}

#[tokio::test]
async fn put_creates_a_client_with_the_given_id_and_secret() -> TestResult {
    let mock = start().await?;
    let api = Api::new(&mock, Some(ORG_A));
    let server = api.auth_server("Bring your own").await?;
    let id = server["id"].as_str().ok_or("no id")?;
    let issuer = server["issuer"].as_str().ok_or("no issuer")?;
    let body = json!({"name": "Mine", "client_secret": "my-own-secret", "grant_types": ["client_credentials"],
                      "response_types": ["token"], "access_token_duration": 60});
    let path = format!("/v1/auth-servers/{id}/clients/my-client");
    let created = api.call(Method::PUT, &path, Some(body.clone())).await?;
    assert_eq!(created.status, StatusCode::CREATED, "{:#}", created.body);
    assert_eq!(created.body["id"], "my-client");
    assert!(created.body.get("client_secret").is_none());
    identity_spec().assert_valid("Client", &created.body);
    let replaced = api.call(Method::PUT, &path, Some(body)).await?;
    assert_eq!(replaced.status, StatusCode::OK);
    assert_eq!(replaced.body["created_at"], created.body["created_at"]);

    let reply = client_credentials(
        &reqwest::Client::new(),
        issuer,
        "my-client",
        "my-own-secret",
        None,
    )
    .await?;
    assert_eq!(reply.status, StatusCode::OK, "{:#}", reply.body);
    assert_eq!(reply.body["expires_in"], 59);
    Ok(())
}

#[tokio::test]
async fn every_identity_response_conforms_to_the_spec() -> TestResult {
    let mock = start().await?;
    let api = Api::new(&mock, Some(ORG_A));
    let spec = identity_spec();
    let server = api
        .post(
            "/v1/auth-servers",
            json!({"name": "Conformance", "audience": AUDIENCE, "signing_algorithm": "PS256",
                   "labels": {"env": "test"}, "trusted_origins": ["https://example.com"]}),
        )
        .await?;
    assert_eq!(server.status, StatusCode::CREATED);
    spec.assert_valid("AuthServer", &server.body);
    let id = server.str("/id");
    let base = format!("/v1/auth-servers/{id}");

    let scope = api
        .post(&format!("{base}/scopes"), json!({"name": "s"}))
        .await?;
    spec.assert_valid("Scope", &scope.body);
    let scope_id = scope.str("/id");
    let claim = api
        .post(
            &format!("{base}/claims"),
            json!({"name": "c", "value": "v", "include_in_scopes": [scope_id]}),
        )
        .await?;
    spec.assert_valid("Claim", &claim.body);
    let claim_id = claim.str("/id");
    let client = api
        .post(
            &format!("{base}/clients"),
            json!({"name": "c", "grant_types": ["client_credentials"], "response_types": ["token"],
                   "redirect_uris": ["https://client.com/callback"], "login_uri": "https://client.com/login",
                   "allow_scopes": [scope_id], "labels": {"team": "a"}}),
        )
        .await?;
    assert_eq!(client.status, StatusCode::CREATED, "{:#}", client.body);
    spec.assert_valid("CreatedClient", &client.body);
    let client_id = client.str("/id");

    for (path, component) in [
        ("/v1/auth-servers".to_owned(), "AuthServerList"),
        (base.clone(), "AuthServer"),
        (format!("{base}/scopes"), "ScopeList"),
        (format!("{base}/scopes/{scope_id}"), "Scope"),
        (format!("{base}/claims"), "ClaimList"),
        (format!("{base}/claims/{claim_id}"), "Claim"),
        (format!("{base}/clients"), "ClientList"),
        (format!("{base}/clients/{client_id}"), "Client"),
        (format!("{base}/clients/{client_id}/tokens"), "TokenList"),
    ] {
        let reply = api.get(&path).await?;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        spec.assert_valid(component, &reply.body);
    }
    for (path, body, component) in [
        (
            base.clone(),
            json!({"description": "d", "labels": {"env": null}}),
            "AuthServer",
        ),
        (
            format!("{base}/scopes/{scope_id}"),
            json!({"enabled": false}),
            "Scope",
        ),
        (
            format!("{base}/claims/{claim_id}"),
            json!({"value": "${ uuidv4 }"}),
            "Claim",
        ),
        (
            format!("{base}/clients/{client_id}"),
            json!({"login_uri": null}),
            "Client",
        ),
    ] {
        let reply = api.call(Method::PATCH, &path, Some(body)).await?;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {:#}", reply.body);
        spec.assert_valid(component, &reply.body);
    }
    // A check that can fail: the schema refuses a response missing a required key.
    let mut broken = server.body.clone();
    broken
        .as_object_mut()
        .ok_or("not an object")?
        .remove("issuer");
    assert!(spec.validate("AuthServer", &broken).is_err());
    Ok(())
}
