//! `GET …/auth/.well-known/openid-configuration` and `GET …/auth/.well-known/jwks`: the
//! discovery document with exactly the keys of the real one (facts §2.4) and the JWKS holding
//! the auth server's key.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::not_found::unknown_issuer;
use crate::mock::identity::AuthServerEntry;
use crate::mock::state::SharedState;

/// The discovery document of `entry`. Endpoints the mock does not serve (authorize, userinfo,
/// revoke, end_session, device_authorization) are still advertised, as the real issuer does.
pub fn openid_configuration(entry: &AuthServerEntry) -> Value {
    let issuer = &entry.server.issuer;
    let mut scopes = vec![super::minting::OPENID.to_owned()];
    scopes.extend(
        entry
            .scopes
            .iter()
            // Whether disabled scopes are listed is UNVERIFIED; they cannot be requested, so
            // the mock leaves them out.
            .filter(|s| s.include_in_metadata && s.enabled && s.name != super::minting::OPENID)
            .map(|s| s.name.clone()),
    );
    let auth_methods = json!(["none", "client_secret_basic", "client_secret_post"]);
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/oauth/token"),
        "introspection_endpoint": format!("{issuer}/introspect"),
        "userinfo_endpoint": format!("{issuer}/userinfo"),
        "revocation_endpoint": format!("{issuer}/revoke"),
        "end_session_endpoint": format!("{issuer}/end_session"),
        "device_authorization_endpoint": format!("{issuer}/device_authorization"),
        "jwks_uri": entry.server.jwks_uri(),
        "scopes_supported": scopes,
        "response_types_supported": ["code", "id_token", "id_token token"],
        "grant_types_supported": [
            "authorization_code",
            "implicit",
            "client_credentials",
            "urn:ietf:params:oauth:grant-type:jwt-bearer"
        ],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [entry.server.signing_algorithm],
        "token_endpoint_auth_methods_supported": auth_methods,
        "revocation_endpoint_auth_methods_supported": auth_methods,
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic"],
        "ui_locales_supported": ["en"],
        "request_uri_parameter_supported": false,
    })
}

/// The JWKS of `entry`: its one key, advertised for the current signing algorithm.
pub fn jwks(entry: &AuthServerEntry) -> Value {
    json!({"keys": [entry.key.jwk(&entry.server.signing_algorithm)]})
}

/// `GET /identity/{issuer_id}/auth/.well-known/openid-configuration`.
pub async fn get_openid_configuration(
    State(state): State<SharedState>,
    Path(issuer_id): Path<String>,
) -> Response {
    match state
        .identity
        .with_issuer(&issuer_id, |e| openid_configuration(e))
    {
        Some(doc) => Json(doc).into_response(),
        None => unknown_issuer(),
    }
}

/// `GET /identity/{issuer_id}/auth/.well-known/jwks`.
pub async fn get_jwks(State(state): State<SharedState>, Path(issuer_id): Path<String>) -> Response {
    match state.identity.with_issuer(&issuer_id, |e| jwks(e)) {
        Some(doc) => Json(doc).into_response(),
        None => unknown_issuer(),
    }
}
