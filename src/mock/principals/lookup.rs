//! [`PrincipalStore::lookup`]: what a data plane asks Kong Identity after a plugin
//! authenticated a request: which principal of a named directory has one of the wanted
//! identities.

use super::model::{Identity, IdentityKind, Principal};
use super::store::PrincipalStore;
use crate::mock::auth::OrgId;

/// One identity a request can be mapped by, in the order the plugin tries them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Wanted {
    /// A token a Kong Identity auth server issued to one of its clients.
    AuthServerClient {
        /// The auth server's id.
        auth_server_id: String,
        /// The client's id.
        client_id: String,
    },
    /// A token of `issuer` with claim `claim` equal to `value`.
    Oidc {
        /// Token issuer.
        issuer: String,
        /// Claim name.
        claim: String,
        /// Claim value.
        value: String,
    },
    /// A `custom` identity.
    Custom {
        /// Identity name.
        key: String,
        /// Its value.
        value: String,
    },
}

impl Wanted {
    fn matches(&self, kind: &IdentityKind) -> bool {
        match (self, kind) {
            (
                Self::AuthServerClient {
                    auth_server_id,
                    client_id,
                },
                IdentityKind::AuthServerClient {
                    auth_server_id: a,
                    client_id: c,
                },
            ) => auth_server_id == a && client_id == c,
            (
                Self::Oidc {
                    issuer,
                    claim,
                    value,
                },
                IdentityKind::Oidc {
                    issuer: i,
                    claim_name,
                    claim_value,
                },
            ) => issuer == i && claim == claim_name && value == claim_value,
            (Self::Custom { key, value }, IdentityKind::Custom { key: k, value: v }) => {
                key == k && value == v
            }
            _ => false,
        }
    }
}

/// The answer of a lookup.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    /// No directory of that name, or one the control plane may not use.
    NoDirectory,
    /// No principal has any wanted identity; the data plane caches the miss this long.
    Missing {
        /// `negative_ttl_secs` of the directory.
        negative_ttl_secs: u64,
    },
    /// The principal, its identities, and how long the data plane caches it.
    Found {
        /// The principal (boxed: the other variants are small).
        principal: Box<Principal>,
        /// All its identities (a `control_plane_consumer` one maps a consumer).
        identities: Vec<Identity>,
        /// `ttl_secs` of the directory.
        ttl_secs: u64,
    },
}

impl PrincipalStore {
    /// The principal of directory `directory` (by name) of `org` that has one of `wanted`
    /// (tried in order), for control plane `plane`.
    pub fn lookup(&self, org: &OrgId, directory: &str, plane: &str, wanted: &[Wanted]) -> Lookup {
        self.with_org(org, |dirs| {
            let Some(entry) = dirs
                .iter()
                .find(|d| d.directory.name == directory && d.directory.allows(plane))
            else {
                return Lookup::NoDirectory;
            };
            for want in wanted {
                if let Some(found) = entry
                    .principals
                    .iter()
                    .find(|p| p.identities.iter().any(|i| want.matches(&i.kind)))
                {
                    return Lookup::Found {
                        principal: Box::new(found.principal.clone()),
                        identities: found.identities.clone(),
                        ttl_secs: entry.directory.ttl_secs,
                    };
                }
            }
            Lookup::Missing {
                negative_ttl_secs: entry.directory.negative_ttl_secs,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::config::TokenPolicy;
    use crate::mock::principals::model::{DEFAULT_TTL_SECS, Directory};
    use crate::mock::principals::store::PrincipalEntry;

    fn setup() -> (PrincipalStore, OrgId) {
        let store = PrincipalStore::default();
        let org = OrgId::from_token("a", TokenPolicy::Any).unwrap();
        let directory = Directory {
            id: "d".into(),
            name: "dir".into(),
            description: String::new(),
            allowed_control_planes: vec!["cp1".into()],
            allow_all_control_planes: false,
            ttl_secs: DEFAULT_TTL_SECS,
            negative_ttl_secs: 300,
            labels: Default::default(),
            managed_by: Default::default(),
            created_at: String::new(),
            updated_at: String::new(),
        };
        store.insert_directory(&org, directory, 1).unwrap();
        store
            .with_directory(&org, "d", |d| {
                d.principals.push(PrincipalEntry {
                    principal: Principal {
                        id: "p".into(),
                        display_name: Some("example-principal".into()),
                        description: String::new(),
                        metadata: Default::default(),
                        labels: Default::default(),
                        managed_by: Default::default(),
                        created_at: String::new(),
                        updated_at: String::new(),
                    },
                    identities: vec![Identity {
                        id: "i".into(),
                        kind: IdentityKind::AuthServerClient {
                            auth_server_id: "as".into(),
                            client_id: "c".into(),
                        },
                        labels: Default::default(),
                        created_at: String::new(),
                        updated_at: String::new(),
                    }],
                });
                Ok(())
            })
            .unwrap();
        (store, org)
    }

    #[test]
    fn finds_by_identity_in_an_allowed_directory_only() {
        let (store, org) = setup();
        let want = |c: &str| Wanted::AuthServerClient {
            auth_server_id: "as".into(),
            client_id: c.into(),
        };
        let Lookup::Found { principal, .. } = store.lookup(&org, "dir", "cp1", &[want("c")]) else {
            panic!("the linked client was not found");
        };
        assert_eq!(principal.id, "p");
        assert_eq!(
            store.lookup(&org, "dir", "cp1", &[want("other")]),
            Lookup::Missing {
                negative_ttl_secs: 300
            }
        );
        assert_eq!(
            store.lookup(&org, "dir", "cp2", &[want("c")]),
            Lookup::NoDirectory
        );
        assert_eq!(
            store.lookup(&org, "nope", "cp1", &[want("c")]),
            Lookup::NoDirectory
        );
        let other = OrgId::from_token("b", TokenPolicy::Any).unwrap();
        assert_eq!(
            store.lookup(&other, "dir", "cp1", &[want("c")]),
            Lookup::NoDirectory
        );
    }
}
