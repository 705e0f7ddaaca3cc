//! Kong Identity v1: auth servers, scopes, claims, clients. (Stub: to be built.)

use axum::Router;

use super::state::SharedState;

/// Kong Identity data of every organization.
#[derive(Debug, Default)]
pub struct IdentityStore {}

/// Routes mounted at `/v1`.
pub fn routes() -> Router<SharedState> {
    Router::new()
}
