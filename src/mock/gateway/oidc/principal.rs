//! The `openid-connect` plugin's `principals` settings (Gateway 3.15): after the token is
//! verified, [`map`] asks Kong Identity which principal of `principals.directory` the
//! request belongs to, as the schema's descriptions say:
//!
//! - `principal_by` and `principal_claim`: a `custom` identity named `principal_by` whose
//!   value is that claim's;
//! - `principal_claim` alone: an `oidc` identity of the token's issuer with that claim;
//! - neither: an `oidc` identity on `sub`. A token of a Kong Identity auth server also maps
//!   by an `auth_server_client` identity (its `client_id` claim, else `sub`), tried first:
//!   the OAuth clients how-to links the client that way with the plugin's defaults.
//!   The order of the two is UNVERIFIED.
//!
//! A miss is a 401 with `error_on_miss` (the default), else the request goes on without a
//! principal. A principal with a `control_plane_consumer` identity of this control plane
//! sets that consumer with `match_consumer` (overriding `consumer_claim`). Lookups are cached
//! for the directory's `ttl_secs`, misses for its `negative_ttl_secs`. What reaches the
//! upstream about the principal itself is not documented; see
//! `MockConfig::principal_upstream_headers`.

use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::claims::find_claim;
use crate::mock::control_planes::CoreConfig;
use crate::mock::control_planes::consumer::Consumer;
use crate::mock::principals::{IdentityKind, Lookup, Principal, Wanted};
use crate::mock::state::MockState;

/// `config.principals`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Principals {
    /// The directory (by name) to look principals up in.
    pub directory: String,
    /// Whether to look up at all.
    pub enabled: bool,
    /// Refuse (401) a request no principal matches.
    pub error_on_miss: bool,
    /// Set the consumer a principal is linked to.
    pub match_consumer: bool,
    /// Custom identity name (`type=custom` lookup).
    pub principal_by: Option<String>,
    /// Claim path of the lookup value.
    pub principal_claim: Option<Vec<String>>,
}

/// A request mapped to a principal.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapped {
    /// The principal.
    pub principal: Principal,
    /// The consumer it is linked to on this control plane, with `match_consumer`.
    pub consumer: Option<Consumer>,
}

/// The identities to look for, in order, from the verified token's claims.
pub fn wanted(state: &MockState, settings: &Principals, claims: &Value) -> Vec<Wanted> {
    let issuer = claims
        .get("iss")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match (&settings.principal_by, &settings.principal_claim) {
        (Some(key), Some(path)) => find_claim(claims, path)
            .map(|value| Wanted::Custom {
                key: key.clone(),
                value,
            })
            .into_iter()
            .collect(),
        (_, Some(path)) => find_claim(claims, path)
            .map(|value| Wanted::Oidc {
                issuer: issuer.to_owned(),
                claim: path.join("."),
                value,
            })
            .into_iter()
            .collect(),
        (_, None) => {
            let sub = claims.get("sub").and_then(Value::as_str);
            let client = claims.get("client_id").and_then(Value::as_str).or(sub);
            let server = state.identity.auth_server_by_issuer_url(issuer);
            let by_client =
                server
                    .zip(client)
                    .map(|((server, _), client)| Wanted::AuthServerClient {
                        auth_server_id: server.id,
                        client_id: client.to_owned(),
                    });
            let by_sub = sub.map(|sub| Wanted::Oidc {
                issuer: issuer.to_owned(),
                claim: "sub".to_owned(),
                value: sub.to_owned(),
            });
            by_client.into_iter().chain(by_sub).collect()
        }
    }
}

/// Looks the request's principal up (through the cache). `Ok(None)`: no principal, and
/// `error_on_miss` is off; `Err`: the reason of the 401.
pub fn map(
    state: &MockState,
    settings: &Principals,
    core: &CoreConfig,
    plane: Uuid,
    claims: &Value,
) -> Result<Option<Mapped>, String> {
    let wanted = wanted(state, settings, claims);
    let key = state
        .gateway
        .key(("principal", plane, &settings.directory, &wanted));
    let lookup = match state.gateway.principal(key) {
        Some(cached) => cached,
        None => {
            let lookup = match state.control_planes.org_of(plane) {
                Some(org) => {
                    state
                        .principals
                        .lookup(&org, &settings.directory, &plane.to_string(), &wanted)
                }
                None => Lookup::NoDirectory,
            };
            let ttl = match &lookup {
                Lookup::Found { ttl_secs, .. } => Some(*ttl_secs),
                Lookup::Missing { negative_ttl_secs } => Some(*negative_ttl_secs),
                Lookup::NoDirectory => None,
            };
            if let Some(until) =
                ttl.and_then(|t| Instant::now().checked_add(Duration::from_secs(t)))
            {
                state.gateway.put_principal(key, lookup.clone(), until);
            }
            lookup
        }
    };
    match lookup {
        Lookup::Found {
            principal,
            identities,
            ..
        } => {
            let consumer = settings
                .match_consumer
                .then(|| linked_consumer(core, plane, &identities))
                .flatten();
            Ok(Some(Mapped {
                principal: *principal,
                consumer,
            }))
        }
        Lookup::Missing { .. } | Lookup::NoDirectory if settings.error_on_miss => {
            Err("principal was not found".to_owned())
        }
        Lookup::Missing { .. } | Lookup::NoDirectory => Ok(None),
    }
}

/// The consumer of this control plane a `control_plane_consumer` identity names.
fn linked_consumer(
    core: &CoreConfig,
    plane: Uuid,
    identities: &[crate::mock::principals::Identity],
) -> Option<Consumer> {
    identities.iter().find_map(|i| match &i.kind {
        IdentityKind::ControlPlaneConsumer {
            control_plane_id,
            consumer_id,
            ..
        } if *control_plane_id == plane.to_string() => core
            .consumers
            .iter()
            .find(|c| c.id.to_string() == *consumer_id)
            .cloned(),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::MockConfig;
    use crate::mock::state::MockState;
    use serde_json::json;

    fn settings(by: Option<&str>, claim: Option<&[&str]>) -> Principals {
        Principals {
            directory: "default".into(),
            enabled: true,
            error_on_miss: true,
            match_consumer: true,
            principal_by: by.map(str::to_owned),
            principal_claim: claim.map(|c| c.iter().map(|s| (*s).to_owned()).collect()),
        }
    }

    #[test]
    fn the_settings_choose_the_identity_type() {
        let state = MockState::new(MockConfig::default());
        let claims = json!({"iss": "https://idp", "sub": "u1", "team": {"id": "t7"}});
        assert_eq!(
            wanted(
                &state,
                &settings(Some("team"), Some(&["team", "id"])),
                &claims
            ),
            [Wanted::Custom {
                key: "team".into(),
                value: "t7".into()
            }]
        );
        assert_eq!(
            wanted(&state, &settings(None, Some(&["team", "id"])), &claims),
            [Wanted::Oidc {
                issuer: "https://idp".into(),
                claim: "team.id".into(),
                value: "t7".into()
            }]
        );
        // Not a Kong Identity issuer of the mock: only the `sub` lookup.
        assert_eq!(
            wanted(&state, &settings(None, None), &claims),
            [Wanted::Oidc {
                issuer: "https://idp".into(),
                claim: "sub".into(),
                value: "u1".into()
            }]
        );
        assert!(wanted(&state, &settings(None, Some(&["nope"])), &claims).is_empty());
    }

    #[test]
    fn a_miss_refuses_only_with_error_on_miss() {
        let state = MockState::new(MockConfig::default());
        let core = CoreConfig::default();
        let claims = json!({"iss": "https://idp", "sub": "u1"});
        let mut s = settings(None, None);
        assert_eq!(
            map(&state, &s, &core, Uuid::nil(), &claims),
            Err("principal was not found".to_owned())
        );
        s.error_on_miss = false;
        assert_eq!(map(&state, &s, &core, Uuid::nil(), &claims), Ok(None));
    }
}
