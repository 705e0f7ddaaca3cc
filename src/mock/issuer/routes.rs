//! The issuer router ([`routes`]), mounted at `/identity`: each auth server's public
//! endpoints under `/identity/{issuer_id}/auth`.

use axum::Router;
use axum::routing::{get, post};

use super::{discovery, introspect, not_found, token};
use crate::mock::state::SharedState;

/// Routes mounted at `/identity`. No bearer token is needed: these are the issuer's public
/// OAuth endpoints.
pub fn routes() -> Router<SharedState> {
    Router::new()
        .route(
            "/{issuer_id}/auth/.well-known/openid-configuration",
            get(discovery::get_openid_configuration),
        )
        .route(
            "/{issuer_id}/auth/.well-known/jwks",
            get(discovery::get_jwks),
        )
        .route("/{issuer_id}/auth/oauth/token", post(token::token))
        .route("/{issuer_id}/auth/introspect", post(introspect::introspect))
        .fallback(|| async { not_found::unknown_issuer() })
}
