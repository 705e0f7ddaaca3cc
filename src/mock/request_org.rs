//! [`request_org`]: the organization a request to either listener belongs to, so the journal,
//! the fault rules and the test endpoints act on one organization only.
//!
//! - management API (`/v1`, `/v2`, `/_docflow`): the organization of its bearer token;
//! - an issuer (`/identity/{issuer_id}/…`): the organization owning that auth server;
//! - the proxy: the organization of the control plane serving it (`/dp/{id}` or the root).

use axum::http::HeaderMap;
use uuid::Uuid;

use super::auth::OrgId;
use super::gateway::select::split_dp_path;
use super::state::MockState;

/// The organization of a request, if one can be told.
pub fn request_org(
    state: &MockState,
    listener: &str,
    path: &str,
    headers: &HeaderMap,
) -> Option<OrgId> {
    if listener == "proxy" {
        if let Some((id, _)) = split_dp_path(path) {
            return state.control_planes.org_of(Uuid::parse_str(id).ok()?);
        }
        return state.control_planes.root_org(
            &state.config.root_control_plane,
            state.config.proxy_org.as_ref(),
        );
    }
    if let Some(rest) = path.strip_prefix("/identity/") {
        let issuer_id = rest.split('/').next().unwrap_or_default();
        return state.identity.org_of_issuer(issuer_id);
    }
    bearer_org(state, headers)
}

/// The organization of the request's `Authorization: Bearer` token, if the policy accepts it.
pub fn bearer_org(state: &MockState, headers: &HeaderMap) -> Option<OrgId> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    OrgId::from_token(token, state.config.token_policy)
}
