//! [`routes`]: the `/v2` router of control planes and core entities.

use axum::Router;
use axum::routing::{any, get};

use super::control_plane;
use super::core_entities;
use crate::mock::not_emulated;
use crate::mock::state::SharedState;

/// Routes mounted at `/v2`.
pub fn routes() -> Router<SharedState> {
    Router::new()
        .route(
            "/control-planes",
            get(control_plane::list).post(control_plane::create),
        )
        .route(
            "/control-planes/{id}",
            get(control_plane::get).delete(control_plane::delete),
        )
        .route(
            "/control-planes/{id}/core-entities/{*rest}",
            any(core_entities::dispatch),
        )
        // A method the path does not serve here is one the mock lacks, not Konnect's 405.
        .method_not_allowed_fallback(not_emulated::unimplemented_path)
}
