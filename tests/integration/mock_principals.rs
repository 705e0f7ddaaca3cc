//! Kong Identity principals v2 in the mock, over real sockets: the how-to's flow (directory,
//! principal, auth server client identity), every response against the spec's schemas,
//! conflicts, organizations' isolation, and the OIDC plugin's `principals` settings on the
//! data plane.

use docflow::mock::{MockConfig, MockServer};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::openapi::{Spec, spec};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const ORG_A: &str = "kpat_principalsorganisationa";
const ORG_B: &str = "kpat_principalsorganisationb";

fn principals_spec() -> Spec {
    spec("konnect/kong-identity-principals/v2/openapi.yaml")
}

pub(crate) async fn start(config: MockConfig) -> std::io::Result<MockServer> {
    let loopback = "127.0.0.1:0".parse().map_err(std::io::Error::other)?;
    MockServer::start(config, loopback, loopback).await
}

/// One organization's client of the management API.
pub(crate) struct Api {
    base: String,
    token: &'static str,
    http: reqwest::Client,
}

/// A response: status and JSON body (`null` when empty).
pub(crate) type Reply = (StatusCode, Value);

impl Api {
    pub(crate) fn new(mock: &MockServer, token: &'static str) -> Self {
        Self {
            base: mock.api_url.clone(),
            token,
            http: reqwest::Client::new(),
        }
    }

    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Reply, reqwest::Error> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await?;
        let status = response.status();
        let text = response.text().await?;
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }

    pub(crate) async fn post(&self, path: &str, body: Value) -> Result<Reply, reqwest::Error> {
        self.call(Method::POST, path, Some(body)).await
    }

    pub(crate) async fn get(&self, path: &str) -> Result<Reply, reqwest::Error> {
        self.call(Method::GET, path, None).await
    }

    /// `POST path body`, which must answer 201; the created entity.
    pub(crate) async fn created(&self, path: &str, body: Value) -> Result<Value, String> {
        let (status, value) = self.post(path, body).await.map_err(|e| e.to_string())?;
        if status == StatusCode::CREATED {
            Ok(value)
        } else {
            Err(format!("POST {path} answered {status}: {value:#}"))
        }
    }

    /// An auth server with one client-credentials client: `(auth server, client)`.
    pub(crate) async fn auth_server_client(&self, name: &str) -> Result<(Value, Value), String> {
        let server = self
            .created(
                "/v1/auth-servers",
                json!({"name": name, "audience": "orders-api"}),
            )
            .await?;
        let id = server["id"].as_str().unwrap_or_default();
        let client = self
            .created(
                &format!("/v1/auth-servers/{id}/clients"),
                json!({"name": "example-client", "grant_types": ["client_credentials"],
                       "response_types": ["token"], "allow_all_scopes": true}),
            )
            .await?;
        Ok((server, client))
    }

    /// The prerequisite directory and a principal in it: `(directory id, principal id)`.
    pub(crate) async fn directory_and_principal(&self) -> Result<(String, String), String> {
        let directory = self
            .created(
                "/v2/directories",
                json!({"name": "kong-identity-directory", "description": "Directory for this tutorial",
                       "allow_all_control_planes": true}),
            )
            .await?;
        let id = directory["id"].as_str().unwrap_or_default().to_owned();
        let principal = self
            .created(
                &format!("/v2/directories/{id}/principals"),
                json!({"display_name": "example-principal", "description": "Example principal"}),
            )
            .await?;
        Ok((id, principal["id"].as_str().unwrap_or_default().to_owned()))
    }
}

#[tokio::test]
async fn the_how_to_flow_answers_in_the_spec_shapes() -> TestResult {
    let mock = start(MockConfig::default()).await?;
    let api = Api::new(&mock, ORG_A);
    let spec = principals_spec();
    let (dir, principal) = api.directory_and_principal().await?;
    let (server, client) = api.auth_server_client("example-auth-server").await?;
    let identities = format!("/v2/directories/{dir}/principals/{principal}/identities");
    let identity = api
        .created(
            &identities,
            json!({"type": "auth_server_client", "auth_server_id": server["id"], "client_id": client["id"]}),
        )
        .await?;
    spec.assert_valid("KongPrincipalIdentity", &identity);
    assert_eq!(identity["client_id"], client["id"]);
    let identity_id = identity["id"].as_str().ok_or("no id")?;

    let (status, directories) = api.get("/v2/directories").await?;
    assert_eq!(status, StatusCode::OK);
    spec.assert_valid("ListKongDirectories", &directories);
    // The doc's "Get the directory name" step reads `.data[0].name`.
    assert_eq!(directories["data"][0]["name"], "kong-identity-directory");
    assert_eq!(directories["data"][0]["ttl_secs"], 600);
    assert_eq!(directories["meta"]["page"]["next"], Value::Null);

    let principal_path = format!("/v2/directories/{dir}/principals/{principal}");
    for (path, component) in [
        (format!("/v2/directories/{dir}"), "KongDirectory"),
        (
            format!("/v2/directories/{dir}/principals"),
            "ListKongPrincipals",
        ),
        (principal_path.clone(), "KongPrincipal"),
        (identities.clone(), "ListKongPrincipalIdentities"),
        (
            format!("{identities}/{identity_id}"),
            "KongPrincipalIdentity",
        ),
    ] {
        let (status, body) = api.get(&path).await?;
        assert_eq!(status, StatusCode::OK, "{path}: {body:#}");
        spec.assert_valid(component, &body);
    }
    for (method, path, body, component) in [
        (
            Method::PATCH,
            format!("/v2/directories/{dir}"),
            json!({"ttl_secs": 900, "labels": {"env": "test"}}),
            "KongDirectory",
        ),
        (
            Method::PUT,
            format!("/v2/directories/{dir}"),
            json!({"name": "renamed", "allow_all_control_planes": true}),
            "KongDirectory",
        ),
        (
            Method::PATCH,
            principal_path.clone(),
            json!({"metadata": {"tier": "gold", "groups": ["a", "b"]}, "managed_by": {"owner": "terraform"}}),
            "KongPrincipal",
        ),
        (
            Method::PUT,
            principal_path.clone(),
            json!({"display_name": "example-principal"}),
            "KongPrincipal",
        ),
        (
            Method::PATCH,
            format!("{identities}/{identity_id}"),
            json!({"labels": {"k": "v"}}),
            "KongPrincipalIdentity",
        ),
        (
            Method::PUT,
            format!("{identities}/{identity_id}"),
            json!({"type": "custom", "key": "team", "value": "orders"}),
            "KongPrincipalIdentity",
        ),
    ] {
        let (status, reply) = api.call(method.clone(), &path, Some(body)).await?;
        assert_eq!(status, StatusCode::OK, "{method} {path}: {reply:#}");
        spec.assert_valid(component, &reply);
    }
    let (_, replaced) = api.get(&format!("/v2/directories/{dir}")).await?;
    // PUT resets what it omits: the PATCHed ttl and labels are back to their defaults.
    assert_eq!(
        (replaced["name"].as_str(), replaced["ttl_secs"].as_u64()),
        (Some("renamed"), Some(600))
    );
    assert_eq!(replaced["labels"], json!({}));

    // Errors are problem+json in the spec's shapes.
    let (status, bad) = api
        .post(
            "/v2/directories",
            json!({"name": "Not Valid!", "ttl_secs": 1}),
        )
        .await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    spec.assert_valid("BadRequestError", &bad);
    assert_eq!(
        bad["invalid_parameters"].as_array().map(Vec::len),
        Some(2),
        "{bad:#}"
    );
    let (status, missing) = api
        .get(&format!(
            "{identities}/7f3c2a8e-1d4b-4c6e-9a0f-2b5d8e1c3a7f"
        ))
        .await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    spec.assert_valid("NotFoundError", &missing);
    assert!(
        missing["instance"]
            .as_str()
            .is_some_and(|i| i.starts_with("kong:trace:"))
    );

    // Deleting the directory takes its principals and identities with it.
    let (status, _) = api
        .call(Method::DELETE, &format!("/v2/directories/{dir}"), None)
        .await?;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(api.get(&principal_path).await?.0, StatusCode::NOT_FOUND);
    // A check that can fail: the schema refuses a directory without its required `ttl_secs`.
    let mut broken = replaced.clone();
    broken
        .as_object_mut()
        .ok_or("not an object")?
        .remove("ttl_secs");
    assert!(spec.validate("KongDirectory", &broken).is_err());
    Ok(())
}

#[tokio::test]
async fn conflicts_limits_and_references() -> TestResult {
    let mock = start(MockConfig::default()).await?;
    let api = Api::new(&mock, ORG_A);
    let spec = principals_spec();
    let (dir, first) = api.directory_and_principal().await?;
    // One directory per organization and region by default; a duplicate name conflicts too.
    for name in ["kong-identity-directory", "second"] {
        let (status, body) = api.post("/v2/directories", json!({"name": name})).await?;
        assert_eq!(status, StatusCode::CONFLICT, "{name}: {body:#}");
        spec.assert_valid("ConflictError", &body);
    }
    let (server, client) = api.auth_server_client("refs").await?;
    let second = api
        .created(&format!("/v2/directories/{dir}/principals"), json!({}))
        .await?;
    let link = json!({"type": "auth_server_client", "auth_server_id": server["id"], "client_id": client["id"]});
    api.created(
        &format!("/v2/directories/{dir}/principals/{first}/identities"),
        link.clone(),
    )
    .await?;
    // The same client cannot map to two principals.
    let second_id = second["id"].as_str().ok_or("no id")?;
    let (status, _) = api
        .post(
            &format!("/v2/directories/{dir}/principals/{second_id}/identities"),
            link,
        )
        .await?;
    assert_eq!(status, StatusCode::CONFLICT);
    // A client that does not exist is a missing reference.
    let (status, body) = api
        .post(
            &format!("/v2/directories/{dir}/principals/{second_id}/identities"),
            json!({"type": "auth_server_client", "auth_server_id": server["id"], "client_id": "nosuchclient"}),
        )
        .await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["invalid_parameters"][0]["rule"], "missing_reference");
    // Identity filters and pages.
    let (_, page) = api
        .get(&format!(
            "/v2/directories/{dir}/principals?page%5Bsize%5D=1"
        ))
        .await?;
    assert_eq!(page["data"].as_array().map(Vec::len), Some(1));
    let next = page["meta"]["page"]["next"]
        .as_str()
        .ok_or("no next page")?;
    let (_, rest) = api.get(next).await?;
    assert_eq!(rest["data"][0]["id"], second["id"]);
    Ok(())
}

#[tokio::test]
async fn organizations_are_isolated() -> TestResult {
    let mock = start(MockConfig::default()).await?;
    let a = Api::new(&mock, ORG_A);
    let b = Api::new(&mock, ORG_B);
    let (dir, principal) = a.directory_and_principal().await?;
    let (server, client) = a.auth_server_client("isolated").await?;
    let identities = format!("/v2/directories/{dir}/principals/{principal}/identities");
    let identity = a
        .created(
            &identities,
            json!({"type": "auth_server_client", "auth_server_id": server["id"], "client_id": client["id"]}),
        )
        .await?;
    let identity_path = format!("{identities}/{}", identity["id"].as_str().ok_or("no id")?);

    let (_, listed) = b.get("/v2/directories").await?;
    assert_eq!(listed["data"], json!([]));
    let directory_path = format!("/v2/directories/{dir}");
    let principal_path = format!("{directory_path}/principals/{principal}");
    for path in [
        &directory_path,
        &principal_path,
        &identities,
        &identity_path,
    ] {
        assert_eq!(b.get(path).await?.0, StatusCode::NOT_FOUND, "GET {path}");
        let (status, _) = b.call(Method::DELETE, path, None).await?;
        assert!(
            status == StatusCode::NOT_FOUND
                || status == StatusCode::NOT_IMPLEMENTED && path == &identities,
            "DELETE {path}: {status}"
        );
    }
    let (status, _) = b
        .call(
            Method::PATCH,
            &principal_path,
            Some(json!({"description": "x"})),
        )
        .await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Names are unique per organization only, and another organization's client cannot be
    // linked.
    let (own_dir, own_principal) = b.directory_and_principal().await?;
    let (status, body) = b
        .post(
            &format!("/v2/directories/{own_dir}/principals/{own_principal}/identities"),
            json!({"type": "auth_server_client", "auth_server_id": server["id"], "client_id": client["id"]}),
        )
        .await?;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body:#}");
    assert_eq!(body["invalid_parameters"][0]["field"], "auth_server_id");
    // Nothing of a's changed.
    assert_eq!(a.get(&identity_path).await?.0, StatusCode::OK);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The OIDC plugin's `principals` settings on the data plane.
// ---------------------------------------------------------------------------------------

/// The how-to's setup: the quickstart control plane with `example-service` and
/// `example-route`, a directory and principal, an auth server with a client linked to the
/// principal, and the how-to's `openid-connect` plugin (plus `extra` config) on the service.
/// Returns the client's `Authorization: Basic` value and the control plane id.
async fn how_to_gateway(api: &Api, extra: Value) -> Result<(String, String), String> {
    let plane = api
        .created("/v2/control-planes", json!({"name": "quickstart"}))
        .await?;
    let cp = plane["id"].as_str().unwrap_or_default().to_owned();
    let core = format!("/v2/control-planes/{cp}/core-entities");
    api.created(
        &format!("{core}/services"),
        json!({"name": "example-service", "url": "http://httpbin.konghq.com/anything"}),
    )
    .await?;
    api.created(
        &format!("{core}/routes"),
        json!({"name": "example-route", "paths": ["/anything"], "service": {"name": "example-service"}}),
    )
    .await?;
    let (dir, principal) = api.directory_and_principal().await?;
    let (server, client) = api.auth_server_client("example-auth-server").await?;
    api.created(
        &format!("/v2/directories/{dir}/principals/{principal}/identities"),
        json!({"type": "auth_server_client", "auth_server_id": server["id"], "client_id": client["id"]}),
    )
    .await?;
    let (id, secret) = (
        client["id"].as_str().unwrap_or_default(),
        client["client_secret"].as_str().unwrap_or_default(),
    );
    let mut config = json!({
        "issuer": server["issuer"], "client_id": [id], "client_secret": [secret],
        "client_auth": ["client_secret_post"], "auth_methods": ["client_credentials"],
        "client_credentials_param_type": ["header"],
        "principals": {"enabled": true, "directory": "kong-identity-directory"},
    });
    if let (Some(c), Value::Object(e)) = (config.as_object_mut(), extra) {
        for (k, v) in e {
            if k == "principals" {
                if let (Some(p), Value::Object(pe)) = (c["principals"].as_object_mut(), v) {
                    p.extend(pe);
                }
            } else {
                c.insert(k, v);
            }
        }
    }
    let plugin = api
        .created(
            &format!("{core}/plugins/"),
            json!({"name": "openid-connect", "service": {"name": "example-service"}, "config": config}),
        )
        .await?;
    // The record is echoed with Kong's defaults filled in.
    assert_eq!(plugin["config"]["principals"]["enabled"], true);
    assert_eq!(plugin["config"]["principals"]["match_consumer"], true);
    use base64::Engine as _;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
    Ok((format!("Basic {basic}"), cp))
}

async fn proxy(mock: &MockServer, authorization: Option<&str>) -> Result<Reply, reqwest::Error> {
    let mut request = reqwest::Client::new().get(format!("{}/anything", mock.proxy_url));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    let response = request.send().await?;
    let status = response.status();
    Ok((status, response.json().await.unwrap_or(Value::Null)))
}

#[tokio::test]
async fn a_linked_client_reaches_the_upstream_and_others_do_not() -> TestResult {
    let mock = start(MockConfig::default()).await?;
    let api = Api::new(&mock, ORG_A);
    let (basic, _) = how_to_gateway(&api, json!({})).await?;
    let (status, echo) = proxy(&mock, Some(&basic)).await?;
    assert_eq!(status, StatusCode::OK, "{echo:#}");
    // The client's credentials became a bearer token; the principal headers are off by default.
    let authorization = echo["headers"]["Authorization"]
        .as_str()
        .unwrap_or_default();
    assert!(authorization.starts_with("Bearer "), "{echo:#}");
    assert_eq!(echo["headers"]["X-Principal-Id"], Value::Null);
    // No credentials: 401, as the doc's last step says.
    assert_eq!(proxy(&mock, None).await?.0, StatusCode::UNAUTHORIZED);

    // A valid client of the same auth server that no principal has is refused (error_on_miss).
    let (_, servers) = api.get("/v1/auth-servers").await?;
    let server = servers["data"][0]["id"].as_str().ok_or("no server")?;
    let other = api
        .created(
            &format!("/v1/auth-servers/{server}/clients"),
            json!({"name": "unlinked", "grant_types": ["client_credentials"], "response_types": ["token"], "allow_all_scopes": true}),
        )
        .await?;
    use base64::Engine as _;
    let unlinked = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            other["id"].as_str().unwrap_or_default(),
            other["client_secret"].as_str().unwrap_or_default()
        ))
    );
    let (status, body) = proxy(&mock, Some(&unlinked)).await?;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, json!({"message": "Unauthorized"}));
    Ok(())
}

#[tokio::test]
async fn error_on_miss_off_lets_unmapped_requests_through() -> TestResult {
    let mock = start(MockConfig::default()).await?;
    let api = Api::new(&mock, ORG_A);
    // The plugin looks in a directory that does not exist: nothing ever maps.
    let (basic, _) = how_to_gateway(
        &api,
        json!({"principals": {"directory": "elsewhere", "error_on_miss": false}}),
    )
    .await?;
    assert_eq!(proxy(&mock, Some(&basic)).await?.0, StatusCode::OK);
    Ok(())
}

#[tokio::test]
async fn principal_headers_and_linked_consumers_reach_the_upstream() -> TestResult {
    let mock = start(MockConfig {
        principal_upstream_headers: true,
        ..MockConfig::default()
    })
    .await?;
    let api = Api::new(&mock, ORG_A);
    let (basic, cp) = how_to_gateway(&api, json!({})).await?;
    let consumer = api
        .created(
            &format!("/v2/control-planes/{cp}/core-entities/consumers"),
            json!({"username": "orders-team"}),
        )
        .await?;
    let (_, dirs) = api.get("/v2/directories").await?;
    let dir = dirs["data"][0]["id"].as_str().ok_or("no directory")?;
    let (_, principals) = api
        .get(&format!("/v2/directories/{dir}/principals"))
        .await?;
    let principal = principals["data"][0]["id"].as_str().ok_or("no principal")?;
    api.created(
        &format!("/v2/directories/{dir}/principals/{principal}/identities"),
        json!({"type": "control_plane_consumer", "control_plane_id": cp, "consumer_id": consumer["id"]}),
    )
    .await?;
    let (status, echo) = proxy(&mock, Some(&basic)).await?;
    assert_eq!(status, StatusCode::OK, "{echo:#}");
    assert_eq!(echo["headers"]["X-Principal-Id"], principal);
    assert_eq!(
        echo["headers"]["X-Principal-Display-Name"],
        "example-principal"
    );
    assert_eq!(echo["headers"]["X-Consumer-Username"], "orders-team");
    Ok(())
}

/// The how-to's client body sends `"login_uri": ""`: read as no login URI by default
/// (UNVERIFIED), refused as not a URI when `empty_login_uri_is_null` is off.
#[tokio::test]
async fn the_how_tos_empty_login_uri_is_a_knob() -> TestResult {
    let body = json!({"name": "example-client", "allow_all_scopes": true, "allow_scopes": [],
                      "access_token_duration": 300, "grant_types": ["client_credentials"],
                      "response_types": ["token"], "redirect_uris": [], "login_uri": ""});
    for (accept, expected) in [
        (true, StatusCode::CREATED),
        (false, StatusCode::BAD_REQUEST),
    ] {
        let mock = start(MockConfig {
            empty_login_uri_is_null: accept,
            ..MockConfig::default()
        })
        .await?;
        let api = Api::new(&mock, ORG_A);
        let server = api
            .created(
                "/v1/auth-servers",
                json!({"name": "example-auth-server", "audience": "orders-api"}),
            )
            .await?;
        let id = server["id"].as_str().ok_or("no id")?;
        let (status, reply) = api
            .post(&format!("/v1/auth-servers/{id}/clients"), body.clone())
            .await?;
        assert_eq!(status, expected, "{reply:#}");
        if accept {
            assert_eq!(reply["login_uri"], Value::Null);
        } else {
            assert_eq!(reply["invalid_parameters"][0]["field"], "login_uri");
        }
    }
    Ok(())
}
