//! The data plane: routes, services, plugins, the OpenID Connect plugin. (Stub: to be built.)

use axum::Router;

use super::state::SharedState;

/// The gateway's caches.
#[derive(Debug, Default)]
pub struct GatewayCache {}

/// The proxy listener's routes.
pub fn routes() -> Router<SharedState> {
    Router::new()
}
