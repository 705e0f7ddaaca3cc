//! Management API authentication: `Authorization: Bearer <token>`, where each distinct token
//! is its own isolated organization ([`OrgId`]), so parallel tests never see each other.

use std::fmt;

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use super::config::TokenPolicy;
use super::problem::{Family, Problem, gateway_error};
use super::state::SharedState;

/// An organization, identified by the token that authenticates it. `Debug` never prints the
/// token.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrgId(String);

impl OrgId {
    /// The organization of `token`, if the policy accepts the token.
    pub fn from_token(token: &str, policy: TokenPolicy) -> Option<Self> {
        let token = token.trim();
        let ok = match policy {
            TokenPolicy::Any => !token.is_empty(),
            // Real PATs are `kpat_` / `spat_` followed by a long alphanumeric string; the
            // mock only insists on the prefix and a non-trivial remainder.
            TokenPolicy::PatOnly => {
                (token.starts_with("kpat_") || token.starts_with("spat_"))
                    && token.len() >= 13
                    && token
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_')
            }
        };
        ok.then(|| Self(token.to_owned()))
    }

    /// A short, stable, non-secret tag of the organization, for logs and generated hosts.
    pub fn tag(&self) -> String {
        // FNV-1a: stable across runs and platforms, and not reversible to the token in practice
        // for the purpose of log correlation.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for b in self.0.bytes() {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        format!("{hash:016x}")
    }
}

impl fmt::Debug for OrgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OrgId({})", self.tag())
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token)
}

/// Extractor for the Kong Identity and control-planes APIs: rejects with problem+json 401.
#[derive(Debug, Clone)]
pub struct ApiOrg(pub OrgId);

impl FromRequestParts<SharedState> for ApiOrg {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &SharedState) -> Result<Self, Response> {
        // Inside a nested router the path has lost its `/v1` prefix; the original URI has it.
        let path = parts
            .extensions
            .get::<axum::extract::OriginalUri>()
            .map_or_else(|| parts.uri.path(), |uri| uri.0.path());
        // Kong Identity answers `kong:trace:`, on `/v1` and on the principals' `/v2/directories`.
        let family = if path.starts_with("/v1/") || path.starts_with("/v2/directories") {
            Family::Identity
        } else {
            Family::ControlPlanes
        };
        bearer(parts)
            .and_then(|t| OrgId::from_token(t, state.config.token_policy))
            .map(ApiOrg)
            .ok_or_else(|| Problem::unauthenticated(family).into_response())
    }
}

/// Extractor for the core-entities API: rejects with the Gateway-style
/// `{"message":"Unauthorized","status":401}` (`GatewayUnauthorizedError` in the spec).
#[derive(Debug, Clone)]
pub struct CoreOrg(pub OrgId);

impl FromRequestParts<SharedState> for CoreOrg {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &SharedState) -> Result<Self, Response> {
        bearer(parts)
            .and_then(|t| OrgId::from_token(t, state.config.token_policy))
            .map(CoreOrg)
            .ok_or_else(|| gateway_error(StatusCode::UNAUTHORIZED, "Unauthorized"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pat_policy_accepts_only_pats() {
        assert!(OrgId::from_token("kpat_abcdefghijkl", TokenPolicy::PatOnly).is_some());
        assert!(OrgId::from_token("spat_abcdefghijkl", TokenPolicy::PatOnly).is_some());
        assert!(OrgId::from_token("kpat_short", TokenPolicy::PatOnly).is_none());
        assert!(OrgId::from_token("Bearer-ish", TokenPolicy::PatOnly).is_none());
        assert!(OrgId::from_token("anything", TokenPolicy::Any).is_some());
    }

    #[test]
    fn debug_hides_the_token() {
        let org = OrgId::from_token("kpat_abcdefghijkl", TokenPolicy::PatOnly).unwrap();
        assert!(!format!("{org:?}").contains("abcdefghijkl"));
    }
}
