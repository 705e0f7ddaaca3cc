//! The OAuth 2.0 Introspection plugin (`oauth2-introspection`) on the data plane: [`access`].
//!
//! As Kong's handler does it: the token is the `access_token` query or body argument, else
//! `Authorization: Bearer|Token <token>`; `hide_credentials` removes it from where it was.
//! The plugin POSTs `token` (and `token_type_hint` when set) to `introspection_url` with
//! `Authorization: <authorization_value>`, `custom_introspection_headers` and, with
//! `introspect_request`, `X-Request-Http-Method` / `X-Request-Path`. An answer that is not 200
//! (a wrong `authorization_value`) or a transport error ends the request with 401 and the
//! introspection endpoint's body (Kong's handler exits 401 whatever it recorded); an inactive
//! token is 401 `invalid_token`; a missing one 401 `invalid_request`. With `anonymous` set, a
//! failure maps the anonymous consumer instead. Active: `consumer_by` (`username` → the
//! consumer's `username`, `client_id` → its `custom_id`) maps a consumer if one matches, and
//! the `X-Credential-*` headers (plus `custom_claims_forward`) go upstream.
//!
//! Kong caches introspection answers for `ttl` seconds; the mock introspects every request
//! (the issuer's journal shows each call).

use std::time::Duration;

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::kong_response::kong_exit_body;
use super::oidc::consumer::{consumer_headers, find_anonymous};
use super::oidc::outbound::outbound_url;
use super::request::ProxyRequest;
use crate::mock::control_planes::CoreConfig;
use crate::mock::control_planes::consumer::Consumer;
use crate::mock::state::MockState;
use crate::secret::Secret;

/// The `X-Credential-*` headers and the introspection member each one carries.
const CREDENTIAL_HEADERS: &[(&str, &str)] = &[
    ("x-credential-scope", "scope"),
    ("x-credential-client-id", "client_id"),
    ("x-credential-identifier", "username"),
    ("x-credential-token-type", "token_type"),
    ("x-credential-exp", "exp"),
    ("x-credential-iat", "iat"),
    ("x-credential-nbf", "nbf"),
    ("x-credential-sub", "sub"),
    ("x-credential-aud", "aud"),
    ("x-credential-iss", "iss"),
    ("x-credential-jti", "jti"),
];

/// Why authentication failed: the status-401 body and headers Kong sends.
struct Failure {
    body: Value,
    www_authenticate: Option<&'static str>,
}

fn text(config: &Map<String, Value>, key: &str) -> String {
    config
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

/// Runs the plugin with its validated `config` on `request`. `Err` is the response to send.
pub async fn access(
    state: &MockState,
    config: &Map<String, Value>,
    core: &CoreConfig,
    request: &mut ProxyRequest,
) -> Result<(), Response> {
    let version = &state.config.kong_version;
    if request.method == Method::OPTIONS && config["run_on_preflight"] == false {
        return Ok(());
    }
    let anonymous = text(config, "anonymous");
    match authenticate(state, config, core, request).await {
        Ok(()) => Ok(()),
        Err(failure) if anonymous.is_empty() => {
            let extra: Vec<(&'static str, String)> = failure
                .www_authenticate
                .map(|w| ("www-authenticate", w.to_owned()))
                .into_iter()
                .collect();
            Err(kong_exit_body(
                version,
                StatusCode::UNAUTHORIZED,
                &failure.body,
                &extra,
            ))
        }
        Err(_) => match find_anonymous(&core.consumers, &anonymous) {
            Some(consumer) => {
                set_consumer(request, Some(consumer));
                request.set_header("x-anonymous-consumer", "true");
                Ok(())
            }
            None => Err(kong_exit_body(
                version,
                StatusCode::INTERNAL_SERVER_ERROR,
                &json!(format!("anonymous consumer \"{anonymous}\" not found")),
                &[],
            )),
        },
    }
}

async fn authenticate(
    state: &MockState,
    config: &Map<String, Value>,
    core: &CoreConfig,
    request: &mut ProxyRequest,
) -> Result<(), Failure> {
    let Some(token) = take_token(request, config["hide_credentials"] == true) else {
        return Err(Failure {
            body: json!({"error": "invalid_request", "error_description": "The access token is missing"}),
            www_authenticate: Some(r#"Bearer realm="service""#),
        });
    };
    let credential = match introspect(state, config, request, &token).await {
        Ok(credential) => credential,
        // Kong passes the endpoint's body (or the transport error) on as the 401's body.
        Err(body) => {
            return Err(Failure {
                body: Value::String(body),
                www_authenticate: None,
            });
        }
    };
    if credential.get("active") != Some(&Value::Bool(true)) {
        return Err(Failure {
            body: json!({"error": "invalid_token", "error_description": "The access token is invalid or has expired"}),
            www_authenticate: Some(
                r#"Bearer realm="service" error="invalid_token" error_description="The access token is invalid or has expired""#,
            ),
        });
    }
    let consumer_by = text(config, "consumer_by");
    let key = credential.get(&consumer_by).and_then(Value::as_str);
    let consumer = key.and_then(|key| {
        core.consumers.iter().find(|c| match consumer_by.as_str() {
            "client_id" => c.custom_id.as_deref() == Some(key),
            _ => c.username.as_deref() == Some(key),
        })
    });
    // Kong sets the consumer headers only when one matched; a client's own pass through.
    if consumer.is_some() {
        set_consumer(request, consumer);
    }
    for (header, member) in CREDENTIAL_HEADERS {
        set_or_remove(request, header, credential.get(*member));
    }
    request.remove_header("x-anonymous-consumer");
    let forward = config["custom_claims_forward"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for claim in forward.iter().filter_map(Value::as_str) {
        let header = format!("x-credential-{}", claim.replace('_', "-"));
        set_or_remove(request, &header, credential.get(claim));
    }
    Ok(())
}

/// The token: `access_token` in the query or body first, then `Authorization`. With `hide`,
/// it is removed from where it was.
fn take_token(request: &mut ProxyRequest, hide: bool) -> Option<Secret> {
    let argument = request
        .query_arg("access_token")
        .or_else(|| request.body_arg("access_token"));
    let token = match argument {
        Some(token) => {
            if hide {
                request.remove_query_args(&["access_token"]);
                if request.method != Method::GET {
                    request.remove_body_args(&["access_token"]);
                }
            }
            token
        }
        None => {
            let value = request.header("authorization")?.to_owned();
            let parts: Vec<&str> = value.split_whitespace().collect();
            let [scheme, token] = parts.as_slice() else {
                return None;
            };
            if !scheme.eq_ignore_ascii_case("bearer") && !scheme.eq_ignore_ascii_case("token") {
                return None;
            }
            let token = (*token).to_owned();
            if hide {
                request.remove_header("authorization");
            }
            token
        }
    };
    (!token.is_empty()).then(|| Secret::new("$ACCESS_TOKEN", token))
}

/// POSTs the token to `introspection_url`. `Err` is the body (or error) to pass on.
async fn introspect(
    state: &MockState,
    config: &Map<String, Value>,
    request: &ProxyRequest,
    token: &Secret,
) -> Result<Value, String> {
    let url = outbound_url(state, &text(config, "introspection_url"))?;
    let mut form = vec![("token", token.expose().to_owned())];
    if let Some(hint) = config["token_type_hint"].as_str() {
        form.push(("token_type_hint", hint.to_owned()));
    }
    let timeout = config["timeout"].as_u64().unwrap_or(10_000);
    let mut outbound = state
        .http
        .to(&url)
        .post(url)
        .timeout(Duration::from_millis(timeout))
        .header("accept", "application/json")
        .form(&form);
    if let Some(value) = config["authorization_value"].as_str() {
        outbound = outbound.header("authorization", value);
    }
    if config["introspect_request"] == true {
        outbound = outbound
            .header("x-request-http-method", request.method.as_str())
            .header("x-request-path", request.path.as_str());
    }
    if let Some(headers) = config["custom_introspection_headers"].as_object() {
        for (name, value) in headers {
            if let Some(value) = value.as_str() {
                outbound = outbound.header(name.replace('_', "-"), value);
            }
        }
    }
    let response = outbound
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?;
    let ok = response.status() == reqwest::StatusCode::OK;
    let body = response
        .text()
        .await
        .map_err(|e| e.without_url().to_string())?;
    if !ok {
        return Err(body);
    }
    serde_json::from_str(&body).map_err(|_| "invalid introspection response".to_owned())
}

fn set_consumer(request: &mut ProxyRequest, consumer: Option<&Consumer>) {
    for (name, value) in consumer_headers(consumer) {
        set_or_remove(request, name, value.map(Value::String).as_ref());
    }
}

/// Sets a header from an introspection member (numbers as their text, arrays joined with
/// `, ` as repeated header values read), or removes it when the member is absent, as
/// `ngx.req.set_header(name, nil)` does.
fn set_or_remove(request: &mut ProxyRequest, name: &str, value: Option<&Value>) {
    let text = match value {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        Some(other) => Some(other.to_string()),
    };
    match text {
        Some(text) => request.set_header(name, &text),
        None => request.remove_header(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Bytes;
    use axum::http::{HeaderMap, HeaderValue};

    fn request(authorization: Option<&str>, query: Option<&str>) -> ProxyRequest {
        let mut headers = HeaderMap::new();
        if let Some(value) = authorization {
            headers.insert("authorization", HeaderValue::from_str(value).unwrap());
        }
        ProxyRequest {
            method: Method::GET,
            path: "/anything".into(),
            query: query.map(str::to_owned),
            headers,
            body: Bytes::new(),
            client_ip: "127.0.0.1".into(),
            listener_port: None,
        }
    }

    #[test]
    fn the_token_comes_from_the_query_first_then_bearer_or_token() {
        let mut r = request(Some("Bearer abc"), Some("access_token=q&x=1"));
        assert_eq!(take_token(&mut r, true).unwrap().expose(), "q");
        assert_eq!(r.query.as_deref(), Some("x=1"));
        assert_eq!(r.header("authorization"), Some("Bearer abc"));
        let mut r = request(Some("token abc"), None);
        assert_eq!(take_token(&mut r, false).unwrap().expose(), "abc");
        assert_eq!(r.header("authorization"), Some("token abc"));
        assert_eq!(take_token(&mut r, true).unwrap().expose(), "abc");
        assert!(r.header("authorization").is_none());
        assert!(take_token(&mut request(Some("Basic abc"), None), true).is_none());
        assert!(take_token(&mut request(Some("Bearer a b"), None), true).is_none());
    }

    #[test]
    fn members_become_header_text() {
        let mut r = request(None, None);
        set_or_remove(&mut r, "x-credential-aud", Some(&json!(["a", "b"])));
        set_or_remove(&mut r, "x-credential-exp", Some(&json!(17)));
        assert_eq!(r.header("x-credential-aud"), Some("a, b"));
        assert_eq!(r.header("x-credential-exp"), Some("17"));
        set_or_remove(&mut r, "x-credential-exp", None);
        assert!(r.header("x-credential-exp").is_none());
    }
}
