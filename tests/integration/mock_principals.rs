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
