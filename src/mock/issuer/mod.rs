//! Each auth server's issuer: discovery, JWKS, token, introspection. (Stub: to be built.)

use axum::Router;

use super::state::SharedState;

/// Routes mounted at `/identity`.
pub fn routes() -> Router<SharedState> {
    Router::new()
}
