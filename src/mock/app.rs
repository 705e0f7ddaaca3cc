//! The composition: [`api_app`] (management API, issuers, test endpoints) and [`proxy_app`]
//! (the data plane). Each is a plain `Router` so it can be served in-process, standalone or in
//! a container alike.

use axum::Router;
use axum::middleware;

use super::state::SharedState;
use super::{control_planes, faults, gateway, identity, issuer, journal, not_emulated, principals};

/// The reserved path prefix of the test endpoints (journal, reset, faults). Konnect has no
/// path starting with `/_docflow`, so it cannot shadow a real endpoint. They need an
/// organization's token and act on that organization only.
pub const TEST_PREFIX: &str = "/_docflow";

/// The API listener: Kong Identity (`/v1`), control planes, core entities and principals
/// (`/v2`), every
/// auth server's issuer (`/identity/{issuer_id}/auth`), and the test endpoints. Any other path
/// answers the "not emulated" 501: the mock cannot tell a Konnect path it lacks from one
/// Konnect lacks, and must not pass either off as Konnect's 404.
pub fn api_app(state: SharedState) -> Router {
    Router::new()
        .nest("/v1", identity::routes())
        .nest("/v2", control_planes::routes().merge(principals::routes()))
        .nest("/identity", issuer::routes())
        .nest(TEST_PREFIX, journal::routes().merge(faults::routes()))
        .fallback(not_emulated::unimplemented_path)
        .method_not_allowed_fallback(not_emulated::unimplemented_path)
        .layer(middleware::from_fn_with_state(
            (state.clone(), "api"),
            faults::inject,
        ))
        .layer(middleware::from_fn_with_state(
            (state.clone(), "api"),
            journal::record,
        ))
        .with_state(state)
}

/// The proxy listener: the data plane serving each control plane's configuration.
pub fn proxy_app(state: SharedState) -> Router {
    gateway::routes()
        .layer(middleware::from_fn_with_state(
            (state.clone(), "proxy"),
            faults::inject,
        ))
        .layer(middleware::from_fn_with_state(
            (state.clone(), "proxy"),
            journal::record,
        ))
        .with_state(state)
}
