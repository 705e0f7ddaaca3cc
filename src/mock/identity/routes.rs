//! The Kong Identity v1 router ([`routes`]), mounted at `/v1`.

use axum::Router;
use axum::routing::{get, post};

use super::model::{Claim, Client, Scope};
use super::sub_resource as sub;
use super::{auth_servers, claims, clients, scopes};
use crate::mock::not_emulated;
use crate::mock::state::SharedState;

/// Routes mounted at `/v1`. Other `/v1` paths (other Konnect APIs) answer the "not emulated"
/// 501; unknown ids in these paths answer Kong Identity's problem+json 404.
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
            get(sub::list::<Scope>).post(scopes::create),
        )
        .route(
            &format!("{server}/scopes/{{scopeId}}"),
            get(sub::get::<Scope>)
                .patch(sub::update::<Scope>)
                .delete(sub::delete::<Scope>),
        )
        .route(
            &format!("{server}/claims"),
            get(sub::list::<Claim>).post(claims::create),
        )
        .route(
            &format!("{server}/claims/{{claimId}}"),
            get(sub::get::<Claim>)
                .patch(sub::update::<Claim>)
                .delete(sub::delete::<Claim>),
        )
        .route(
            &format!("{server}/clients"),
            get(sub::list::<Client>).post(clients::create),
        )
        .route(
            &format!("{server}/clients/{{clientId}}"),
            get(sub::get::<Client>)
                .patch(sub::update::<Client>)
                .put(clients::replace)
                .delete(sub::delete::<Client>),
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
        .fallback(not_emulated::unimplemented_path)
        .method_not_allowed_fallback(not_emulated::unimplemented_path)
}
