//! The Upstream OAuth plugin (`upstream-oauth`) on the data plane: [`access`].
//!
//! As Kong's handler does it: a token cached for this `config.oauth` (the key is the whole
//! `oauth` record, so plugins configured alike share tokens) is reused; otherwise the plugin
//! POSTs to `oauth.token_endpoint` (`grant_type`, `scope` joined with spaces, `audience`,
//! `username`/`password`, `token_post_args`, `token_headers`; client credentials in the body
//! for `client_secret_post`, as HTTP Basic for `client_secret_basic`, not at all for `none`)
//! and caches the answer for `expires_in - cache.eagerly_expire` seconds (at least
//! [`MIN_TTL`]), or `cache.default_ttl` without `expires_in`. The token goes upstream as
//! `<behavior.upstream_access_token_header_name>: <token_type or Bearer> <access_token>`.
//! Any IdP failure (status >= 400, no `access_token`, transport error) ends the request with
//! the configured `behavior.idp_error_response_*` (502 and
//! `{ "code": "502", "message": "Failed to authenticate request to upstream" }` by default).
//! An upstream status listed in `behavior.purge_token_on_upstream_status_codes` forgets the
//! cached token ([`after_upstream`]).

use std::time::{Duration, Instant};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};

use super::oidc::outbound::outbound_url;
use super::request::ProxyRequest;
use crate::mock::state::MockState;
use crate::secret::Secret;

/// Kong's shortest cache lifetime for a token (`cache.constants.MIN_TTL`).
pub const MIN_TTL: u64 = 1;

fn record<'a>(config: &'a Map<String, Value>, name: &str) -> &'a Map<String, Value> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    config
        .get(name)
        .and_then(Value::as_object)
        .unwrap_or_else(|| EMPTY.get_or_init(Map::new))
}

fn text<'a>(record: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    record.get(key).and_then(Value::as_str)
}

/// The cache key of a plugin's `config.oauth`.
fn cache_key(state: &MockState, config: &Map<String, Value>) -> u64 {
    state.gateway.key((
        "upstream-oauth",
        Value::Object(record(config, "oauth").clone()).to_string(),
    ))
}

/// Runs the plugin with its validated `config` on `request`. `Err` is the response to send.
pub async fn access(
    state: &MockState,
    config: &Map<String, Value>,
    request: &mut ProxyRequest,
) -> Result<(), Response> {
    let key = cache_key(state, config);
    let value = match state.gateway.token(key) {
        Some(value) => value,
        None => {
            let (value, ttl) = fetch_token(state, config)
                .await
                .map_err(|_| idp_error(record(config, "behavior")))?;
            state
                .gateway
                .put_token(key, value.clone(), Instant::now() + ttl);
            value
        }
    };
    let name = text(
        record(config, "behavior"),
        "upstream_access_token_header_name",
    )
    .unwrap_or("Authorization");
    request.set_header(name, value.expose());
    Ok(())
}

/// After the upstream answered `status`: forgets the cached token when the status is one of
/// `behavior.purge_token_on_upstream_status_codes`.
pub fn after_upstream(state: &MockState, config: &Map<String, Value>, status: u16) {
    let purge = record(config, "behavior")
        .get("purge_token_on_upstream_status_codes")
        .and_then(Value::as_array)
        .is_some_and(|codes| codes.iter().any(|c| c.as_u64() == Some(u64::from(status))));
    if purge {
        state.gateway.drop_token(cache_key(state, config));
    }
}

/// Asks the IdP for a token: the header value to send upstream and how long to cache it.
/// `Err` says why (for the log only: the client sees the configured IdP error).
async fn fetch_token(
    state: &MockState,
    config: &Map<String, Value>,
) -> Result<(Secret, Duration), String> {
    let oauth = record(config, "oauth");
    let client = record(config, "client");
    let url = outbound_url(state, text(oauth, "token_endpoint").unwrap_or(""))?;
    let id = text(oauth, "client_id").unwrap_or("");
    let secret = text(oauth, "client_secret").unwrap_or("");
    let method = text(client, "auth_method").unwrap_or("client_secret_post");
    let form = token_form(oauth, method == "client_secret_post");
    let timeout = client
        .get("timeout")
        .and_then(Value::as_u64)
        .unwrap_or(10_000);
    let mut outbound = state
        .http
        .to(&url)
        .post(url)
        .timeout(Duration::from_millis(timeout))
        .form(&form);
    for (name, value) in record(oauth, "token_headers") {
        if let Some(value) = value.as_str() {
            outbound = outbound.header(name.as_str(), value);
        }
    }
    if method == "client_secret_basic" {
        let basic = STANDARD.encode(format!("{id}:{secret}"));
        outbound = outbound.header("authorization", format!("Basic {basic}"));
    }
    let response = outbound
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?;
    let status = response.status().as_u16();
    if status >= 400 {
        return Err(format!("unexpected response from the IdP: {status}"));
    }
    let body: Value = response
        .json()
        .await
        .map_err(|e| e.without_url().to_string())?;
    let token = body["access_token"]
        .as_str()
        .ok_or("no `access_token` in the IdP's answer")?;
    let token_type = body["token_type"].as_str().unwrap_or("Bearer");
    Ok((
        Secret::new("$UPSTREAM_TOKEN", format!("{token_type} {token}")),
        Duration::from_secs(token_ttl(record(config, "cache"), &body)),
    ))
}

/// The token request's form: `token_post_args`, the client's credentials when they go in
/// the body (`client_secret_post`), the grant and its user, the scopes and audience.
fn token_form(oauth: &Map<String, Value>, credentials_in_body: bool) -> Vec<(String, String)> {
    let mut form: Vec<(String, String)> = record(oauth, "token_post_args")
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
        .collect();
    if credentials_in_body {
        let id = text(oauth, "client_id").unwrap_or("");
        let secret = text(oauth, "client_secret").unwrap_or("");
        form.push(("client_id".into(), id.to_owned()));
        form.push(("client_secret".into(), secret.to_owned()));
    }
    for key in ["grant_type", "username", "password"] {
        if let Some(value) = text(oauth, key) {
            form.push((key.to_owned(), value.to_owned()));
        }
    }
    for (key, field) in [("scope", "scopes"), ("audience", "audience")] {
        let values: Vec<&str> = oauth
            .get(field)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if !values.is_empty() {
            form.push((key.to_owned(), values.join(" ")));
        }
    }
    form
}

/// How long to cache the token: its `expires_in` less `eagerly_expire` (at least
/// `MIN_TTL`), else the `default_ttl`.
fn token_ttl(cache: &Map<String, Value>, body: &Value) -> u64 {
    match body["expires_in"].as_u64() {
        Some(expires_in) => {
            let eager = cache
                .get("eagerly_expire")
                .and_then(Value::as_u64)
                .unwrap_or(5);
            expires_in.saturating_sub(eager).max(MIN_TTL)
        }
        None => cache
            .get("default_ttl")
            .and_then(Value::as_f64)
            .map_or(3600, |t| t as u64),
    }
}

/// The configured answer to an IdP failure: `idp_error_response_status_code`, the body
/// template with `{{status}}` and `{{message}}` filled in, and its content type.
fn idp_error(behavior: &Map<String, Value>) -> Response {
    let status = behavior
        .get("idp_error_response_status_code")
        .and_then(Value::as_u64)
        .unwrap_or(502);
    let message = text(behavior, "idp_error_response_message").unwrap_or("");
    let body = text(behavior, "idp_error_response_body_template")
        .unwrap_or("")
        .replace("{{status}}", &status.to_string())
        .replace("{{message}}", message);
    let status = u16::try_from(status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::BAD_GATEWAY);
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.remove(header::CONTENT_TYPE);
    if let Some(value) = text(behavior, "idp_error_response_content_type")
        .filter(|t| !t.is_empty())
        .and_then(|t| HeaderValue::from_str(t).ok())
    {
        headers.insert(header::CONTENT_TYPE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::control_planes::upstream_oauth_schema::validate;
    use serde_json::json;

    #[tokio::test]
    async fn the_idp_error_follows_the_defaults() {
        let config = validate(Some(&json!({"oauth": {"token_endpoint": "http://x"}}))).unwrap();
        let response = idp_error(record(&config, "behavior"));
        assert_eq!(response.status(), 502);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "application/json; charset=utf-8"
        );
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        assert_eq!(
            std::str::from_utf8(&body).unwrap(),
            r#"{ "code": "502", "message": "Failed to authenticate request to upstream" }"#
        );
    }
}
