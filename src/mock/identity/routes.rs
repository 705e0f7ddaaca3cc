//! The Kong Identity v1 router ([`routes`]), mounted at `/v1`.

use axum::Router;
use axum::response::IntoResponse;
use axum::routing::{get, post};

use super::{auth_servers, claims, clients, scopes};
use crate::mock::problem::{Family, Problem};
use crate::mock::state::SharedState;

/// Routes mounted at `/v1`. Paths outside the API answer a problem+json 404, as Konnect does
/// for unknown resources.
pub fn routes() -> Router<SharedState> {
    let server = "/auth-servers/{authServerId}";
    Router::new()
        .route(
            "/auth-servers",
            get(auth_servers::list).post(auth_servers::create),
        )
        .route(
            server,
            get(auth_servers::get)
                .patch(auth_servers::update)
                .delete(auth_servers::delete),
        )
        .route(
            &format!("{server}/scopes"),
            get(scopes::list).post(scopes::create),
        )
        .route(
            &format!("{server}/scopes/{{scopeId}}"),
            get(scopes::get)
                .patch(scopes::update)
                .delete(scopes::delete),
        )
        .route(
            &format!("{server}/claims"),
            get(claims::list).post(claims::create),
        )
        .route(
            &format!("{server}/claims/{{claimId}}"),
            get(claims::get)
                .patch(claims::update)
                .delete(claims::delete),
        )
        .route(
            &format!("{server}/clients"),
            get(clients::list).post(clients::create),
        )
        .route(
            &format!("{server}/clients/{{clientId}}"),
            get(clients::get)
                .patch(clients::update)
                .put(clients::replace)
                .delete(clients::delete),
        )
        .route(
            &format!("{server}/clients/{{clientId}}/test-claim"),
            post(clients::test_claim),
        )
        .route(
            &format!("{server}/clients/{{clientId}}/tokens"),
            get(clients::list_tokens).delete(clients::delete_tokens),
        )
        .route(
            &format!("{server}/clients/{{clientId}}/tokens/{{tokenId}}"),
            get(clients::get_token).delete(clients::delete_token),
        )
        .fallback(|| async { Problem::not_found(Family::Identity).into_response() })
}
