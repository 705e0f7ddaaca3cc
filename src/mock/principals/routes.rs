//! The principals v2 router ([`routes`]), merged into the `/v2` router.

use axum::Router;
use axum::routing::get;

use super::{directories, identities, members};
use crate::mock::not_emulated;
use crate::mock::state::SharedState;

/// The routes under `/v2/directories`. Paths of the spec the mock lacks (`realm-config`,
/// `api-keys`, `basic-auths`, `passwords`) fall through to the "not emulated" 501.
pub fn routes() -> Router<SharedState> {
    let directory = "/directories/{directoryId}";
    let principal = "/directories/{directoryId}/principals/{principalId}";
    Router::new()
        .route(
            "/directories",
            get(directories::list).post(directories::create),
        )
        .route(
            directory,
            get(directories::get)
                .patch(directories::update)
                .put(directories::replace)
                .delete(directories::delete),
        )
        .route(
            &format!("{directory}/principals"),
            get(members::list).post(members::create),
        )
        .route(
            principal,
            get(members::get)
                .patch(members::update)
                .put(members::replace)
                .delete(members::delete),
        )
        .route(
            &format!("{principal}/identities"),
            get(identities::list).post(identities::create),
        )
        .route(
            &format!("{principal}/identities/{{identityId}}"),
            get(identities::get)
                .put(identities::replace)
                .patch(identities::update)
                .delete(identities::delete),
        )
        // A method the path does not serve here is one the mock lacks, not Konnect's 405.
        .method_not_allowed_fallback(not_emulated::unimplemented_path)
}
