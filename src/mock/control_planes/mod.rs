//! Control planes v2 and core entities. (Stub: to be built.)

use axum::Router;

use super::state::SharedState;

/// Control planes and core entities of every organization.
#[derive(Debug, Default)]
pub struct ControlPlaneStore {}

/// Routes mounted at `/v2`.
pub fn routes() -> Router<SharedState> {
    Router::new()
}
