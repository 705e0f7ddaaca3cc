//! [`setup`]: the how-to's flow through the public API, as `scenarios/konnect-identity-oidc.yaml`
//! runs it (control plane, service, route, auth server, scope, claim, client, OIDC plugin with
//! `bearer`, one token), plus what the unknown-`kid` bench needs: a second auth server whose
//! tokens the first one's JWKS does not know, and a route whose plugin has a short
//! `rediscovery_lifetime`. [`Flow`] is what the benches use.

use std::time::Duration;

use serde_json::{Value, json};

use docflow::secret::Secret;

use super::api::Api;
use super::journal::issuer_path;

/// The how-to's audience.
const AUDIENCE: &str = "http://myhttpbin.dev";

/// The path of the route whose plugin refreshes keys quickly.
pub(crate) const KID_PATH: &str = "/kid";

/// Everything the benches need from the setup. Secrets stay [`Secret`]s.
#[derive(Debug)]
pub(crate) struct Flow {
    /// The auth server's issuer URL.
    pub(crate) issuer: String,
    /// Its path on the API listener, for counting fetches in the journal.
    pub(crate) issuer_path: String,
    /// The client's id.
    pub(crate) client_id: String,
    /// The client's secret.
    pub(crate) client_secret: Secret,
    /// An access token of the how-to's client.
    pub(crate) access_token: Secret,
    /// An access token of another auth server: its `kid` is not in the first one's JWKS.
    pub(crate) foreign_token: Secret,
    /// Proxy path of the same route on a control plane without any plugin (the yardstick of
    /// the OIDC plugin's cost).
    pub(crate) plain_path: String,
    /// Management API calls made.
    pub(crate) calls: usize,
}

fn text(value: &Value, field: &str, what: &str) -> Result<String, String> {
    value
        .get(field)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("{what} answered without `{field}`"))
}

/// `client_credentials` at `issuer`'s token endpoint, the client's secret in the form as the
/// how-to sends it.
pub(crate) fn token_request(
    http: &reqwest::Client,
    issuer: &str,
    client_id: &str,
    client_secret: &Secret,
    scope: Option<&str>,
) -> reqwest::RequestBuilder {
    let mut form = vec![
        ("grant_type", "client_credentials"),
        ("client_id", client_id),
        ("client_secret", client_secret.expose()),
    ];
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    http.post(format!("{issuer}/oauth/token")).form(&form)
}

async fn token(
    api: &Api,
    issuer: &str,
    client_id: &str,
    client_secret: &Secret,
    scope: Option<&str>,
) -> Result<Secret, String> {
    let response = token_request(&api.http, issuer, client_id, client_secret, scope)
        .send()
        .await
        .map_err(|e| format!("the token request failed: {e}"))?;
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if status != 200 {
        return Err(format!("the token endpoint answered {status}"));
    }
    Ok(Secret::new(
        "$ACCESS_TOKEN",
        text(&body, "access_token", "the token endpoint")?,
    ))
}

/// Creates an auth server with the how-to's audience.
async fn auth_server(api: &Api, name: &str) -> Result<Value, String> {
    api.create(
        "/v1/auth-servers",
        json!({
                "name": name,
                "audience": AUDIENCE,
                "description": "Auth server for the Appointment dev environment",
        }),
    )
    .await
}

/// Runs the setup; every call must answer as the how-to expects.
pub(crate) async fn setup(api: &Api, rediscovery: Duration) -> Result<Flow, String> {
    let plane = api
        .create("/v2/control-planes", json!({"name": "quickstart"}))
        .await?;
    let cp = text(&plane, "id", "`POST /v2/control-planes`")?;
    let entities = format!("/v2/control-planes/{cp}/core-entities");
    let service = api
        .create(
            &format!("{entities}/services"),
            json!({"name": "example-service", "url": "http://httpbin.konghq.com/anything"}),
        )
        .await?;
    let service_id = text(&service, "id", "`POST …/services`")?;
    let route = json!({
        "name": "example-route",
        "paths": ["/anything"],
        "service": {"id": service_id},
        "protocols": ["http", "https"],
    });
    api.create(&format!("{entities}/routes"), route).await?;

    let plain_path = plain_route(api).await?;

    let server = auth_server(api, "Appointments Dev").await?;
    let server_id = text(&server, "id", "`POST /v1/auth-servers`")?;
    let issuer = text(&server, "issuer", "`POST /v1/auth-servers`")?;
    let base = format!("/v1/auth-servers/{server_id}");
    let scope = api
        .create(
            &format!("{base}/scopes"),
            json!({
                "name": "my-scope",
                "description": "Scope to test Kong Identity",
                "default": false,
                "include_in_metadata": false,
                "enabled": true,
            }),
        )
        .await?;
    let scope_id = text(&scope, "id", "`POST …/scopes`")?;
    api.create(
        &format!("{base}/claims"),
        json!({
            "name": "test-claim",
            "value": "test",
            "include_in_token": true,
            "include_in_all_scopes": false,
            "include_in_scopes": [scope_id],
            "enabled": true,
        }),
    )
    .await?;
    let client = api
        .create(
            &format!("{base}/clients"),
            json!({
                "name": "Client",
                "grant_types": ["client_credentials"],
                "allow_all_scopes": false,
                "allow_scopes": [scope_id],
                "access_token_duration": 3600,
                "id_token_duration": 3600,
                "response_types": ["id_token", "token"],
            }),
        )
        .await?;
    let client_id = text(&client, "id", "`POST …/clients`")?;
    let client_secret = Secret::new(
        "$CLIENT_SECRET",
        text(&client, "client_secret", "`POST …/clients`")?,
    );
    api.create(
        &format!("{entities}/plugins"),
        json!({
            "name": "openid-connect",
            "config": {"issuer": issuer, "auth_methods": ["bearer"], "audience": [AUDIENCE]},
        }),
    )
    .await?;
    let access_token = token(api, &issuer, &client_id, &client_secret, Some("my-scope")).await?;

    // The unknown-`kid` bench: another auth server (its own key), and a route whose plugin
    // trusts the first issuer but may refresh its keys every `rediscovery` instead of 30 s.
    let other = auth_server(api, "Another Server").await?;
    let other_id = text(&other, "id", "`POST /v1/auth-servers`")?;
    let other_issuer = text(&other, "issuer", "`POST /v1/auth-servers`")?;
    let other_client = api
        .create(
            &format!("/v1/auth-servers/{other_id}/clients"),
            json!({"name": "Other", "grant_types": ["client_credentials"], "response_types": ["token"]}),
        )
        .await?;
    let other_secret = Secret::new(
        "$OTHER_SECRET",
        text(&other_client, "client_secret", "`POST …/clients`")?,
    );
    let other_client_id = text(&other_client, "id", "`POST …/clients`")?;
    let foreign_token = token(api, &other_issuer, &other_client_id, &other_secret, None).await?;
    let kid_route = api
        .create(
            &format!("{entities}/routes"),
            json!({"name": "kid-route", "paths": [KID_PATH], "service": {"id": service_id}}),
        )
        .await?;
    let kid_route_id = text(&kid_route, "id", "`POST …/routes`")?;
    api.create(
        &format!("{entities}/plugins"),
        json!({
            "name": "openid-connect",
            "route": {"id": kid_route_id},
            "config": {
                "issuer": issuer,
                "auth_methods": ["bearer"],
                "rediscovery_lifetime": rediscovery.as_secs_f64(),
            },
        }),
    )
    .await?;

    Ok(Flow {
        issuer_path: issuer_path(&issuer)?,
        issuer,
        client_id,
        client_secret,
        access_token,
        foreign_token,
        plain_path,
        calls: api.calls(),
    })
}

/// The how-to's service and route on a second control plane with no plugin; its proxy path.
async fn plain_route(api: &Api) -> Result<String, String> {
    let plane = api
        .create("/v2/control-planes", json!({"name": "plain"}))
        .await?;
    let cp = text(&plane, "id", "`POST /v2/control-planes`")?;
    let entities = format!("/v2/control-planes/{cp}/core-entities");
    let service = api
        .create(
            &format!("{entities}/services"),
            json!({"name": "example-service", "url": "http://httpbin.konghq.com/anything"}),
        )
        .await?;
    let service_id = text(&service, "id", "`POST …/services`")?;
    api.create(
        &format!("{entities}/routes"),
        json!({"name": "example-route", "paths": ["/anything"], "service": {"id": service_id}}),
    )
    .await?;
    Ok(format!("/dp/{cp}/anything"))
}
