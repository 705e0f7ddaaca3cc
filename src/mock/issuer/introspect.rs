//! `POST /identity/{issuer_id}/auth/introspect`: RFC 7662 token introspection, with the
//! introspecting client authenticated by HTTP Basic (the only method the discovery document
//! lists). A token is active when this issuer's key verifies it, it has not expired, its client
//! still exists and it was not revoked.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::client_auth::{self, ClientCredentials};
use super::form::{param, parse_form};
use super::not_found::unknown_issuer;
use super::oauth_error::OAuthError;
use crate::mock::identity::AuthServerEntry;
use crate::mock::state::SharedState;

/// The handler.
pub async fn introspect(
    State(state): State<SharedState>,
    Path(issuer_id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    if state.identity.with_issuer(&issuer_id, |_| ()).is_none() {
        return unknown_issuer();
    }
    let unauthorized = || OAuthError::invalid_client(StatusCode::UNAUTHORIZED, true);
    let credentials = match client_auth::basic(&headers) {
        Ok(Some((client_id, secret))) => ClientCredentials::basic(client_id, secret),
        Ok(None) | Err(_) => return unauthorized().into_response(),
    };
    let form = match parse_form(&bytes) {
        Ok(form) => form,
        Err(error) => return error.into_response(),
    };
    let token = param(&form, "token").unwrap_or_default().to_owned();
    let outcome = state.identity.with_issuer(&issuer_id, |entry| {
        entry
            .client(&credentials.client_id)
            .filter(|c| credentials.authenticates(c))
            .ok_or_else(unauthorized)?;
        if token.is_empty() {
            return Err(OAuthError::invalid_request("missing `token`"));
        }
        Ok(introspection(
            entry,
            &token,
            state.config.introspection_custom_claims,
        ))
    });
    let body = match outcome {
        None => return unknown_issuer(),
        Some(Err(error)) => return error.into_response(),
        Some(Ok(body)) => body,
    };
    let mut response = Json(body).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The RFC 7662 answer for `token`: the standard members when active (and, with
/// `custom_claims`, the token's other claims), `{"active":false}` otherwise (never saying
/// why, as RFC 7662 §2.2 advises).
pub fn introspection(entry: &AuthServerEntry, token: &str, custom_claims: bool) -> Value {
    let Ok(claims) = entry.key.verify(token, &entry.server.issuer) else {
        return json!({"active": false});
    };
    let live = claims
        .get("jti")
        .and_then(Value::as_str)
        .is_some_and(|jti| entry.token_is_live(jti));
    let client_exists = claims
        .get("client_id")
        .and_then(Value::as_str)
        .is_some_and(|id| entry.client(id).is_some());
    if !live || !client_exists {
        return json!({"active": false});
    }
    let mut body = Map::new();
    body.insert("active".to_owned(), Value::Bool(true));
    for key in [
        "scope",
        "client_id",
        "sub",
        "aud",
        "iss",
        "exp",
        "iat",
        "nbf",
        "jti",
    ] {
        if let Some(value) = claims.get(key) {
            body.insert(key.to_owned(), value.clone());
        }
    }
    body.insert("token_type".to_owned(), json!("Bearer"));
    if custom_claims {
        for (key, value) in &claims {
            body.entry(key.clone()).or_insert_with(|| value.clone());
        }
    }
    Value::Object(body)
}
