//! The entities of the principals API ([`Directory`], [`Principal`], [`Identity`]) and their
//! JSON representations (`KongDirectory`, `KongPrincipal`, `KongPrincipalIdentity`).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

/// Default `ttl_secs` and `negative_ttl_secs` (`DirectoryTTLSecs`).
pub const DEFAULT_TTL_SECS: u64 = 600;

/// A directory: a regional collection of principals.
#[derive(Debug, Clone, PartialEq)]
pub struct Directory {
    /// UUID.
    pub id: String,
    /// Unique in the organization, `^[a-z0-9-_]+$`.
    pub name: String,
    /// Free text (empty when not given).
    pub description: String,
    /// Control plane ids allowed to look principals up.
    pub allowed_control_planes: Vec<String>,
    /// Whether every control plane of the organization may.
    pub allow_all_control_planes: bool,
    /// Data plane cache lifetime of a found principal.
    pub ttl_secs: u64,
    /// Data plane cache lifetime of a miss.
    pub negative_ttl_secs: u64,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// `managed_by`.
    pub managed_by: BTreeMap<String, String>,
    /// Creation time.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
}

impl Directory {
    /// `KongDirectory`.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "allowed_control_planes": self.allowed_control_planes,
            "allow_all_control_planes": self.allow_all_control_planes,
            "ttl_secs": self.ttl_secs,
            "negative_ttl_secs": self.negative_ttl_secs,
            "labels": self.labels,
            "managed_by": self.managed_by,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        })
    }

    /// Whether control plane `plane` may look principals up here.
    pub fn allows(&self, plane: &str) -> bool {
        self.allow_all_control_planes || self.allowed_control_planes.iter().any(|p| p == plane)
    }
}

/// A principal: one authenticating entity of a directory.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    /// UUID.
    pub id: String,
    /// Human-readable name (not required by the spec; `null` when not given).
    pub display_name: Option<String>,
    /// Free text (empty when not given).
    pub description: String,
    /// Metadata passed to the data plane.
    pub metadata: Map<String, Value>,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// `managed_by`.
    pub managed_by: BTreeMap<String, String>,
    /// Creation time.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
}

impl Principal {
    /// `KongPrincipal`. `provisioned_by` is `konnect_user`: the mock has no Dev Portal to
    /// provision principals on a user's behalf.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "display_name": self.display_name,
            "description": self.description,
            "metadata": self.metadata,
            "labels": self.labels,
            "managed_by": self.managed_by,
            "provisioned_by": "konnect_user",
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        })
    }
}

/// The identity types, as the `type` discriminator names them.
pub const IDENTITY_TYPES: &[&str] = &[
    "oidc",
    "auth_server_client",
    "control_plane_consumer",
    "custom",
];

/// What an identity links its principal to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityKind {
    /// `oidc`: tokens of `issuer` whose claim `claim_name` is `claim_value`.
    Oidc {
        /// Token issuer.
        issuer: String,
        /// Claim name.
        claim_name: String,
        /// Claim value.
        claim_value: String,
    },
    /// `auth_server_client`: tokens a Kong Identity auth server issued to one of its clients.
    AuthServerClient {
        /// The auth server's id.
        auth_server_id: String,
        /// The client's id.
        client_id: String,
    },
    /// `control_plane_consumer`: a consumer of a control plane.
    ControlPlaneConsumer {
        /// The control plane's id.
        control_plane_id: String,
        /// The consumer's id.
        consumer_id: String,
        /// The workspace's id, if given.
        workspace_id: Option<String>,
    },
    /// `custom`: a `key`/`value` pair the plugin looks up (`principals.principal_by`).
    Custom {
        /// The identity's name.
        key: String,
        /// Its value.
        value: String,
    },
}

impl IdentityKind {
    /// The `type` discriminator.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Oidc { .. } => "oidc",
            Self::AuthServerClient { .. } => "auth_server_client",
            Self::ControlPlaneConsumer { .. } => "control_plane_consumer",
            Self::Custom { .. } => "custom",
        }
    }

    fn members(&self) -> Value {
        match self {
            Self::Oidc {
                issuer,
                claim_name,
                claim_value,
            } => json!({"issuer": issuer, "claim": {"name": claim_name, "value": claim_value}}),
            Self::AuthServerClient {
                auth_server_id,
                client_id,
            } => json!({"auth_server_id": auth_server_id, "client_id": client_id}),
            Self::ControlPlaneConsumer {
                control_plane_id,
                consumer_id,
                workspace_id,
            } => {
                let mut v =
                    json!({"control_plane_id": control_plane_id, "consumer_id": consumer_id});
                if let Some(w) = workspace_id {
                    v["workspace_id"] = json!(w);
                }
                v
            }
            Self::Custom { key, value } => json!({"key": key, "value": value}),
        }
    }
}

/// An identity of a principal.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    /// UUID.
    pub id: String,
    /// What it links to.
    pub kind: IdentityKind,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Creation time.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
}

impl Identity {
    /// `KongPrincipalIdentity` (the response variant of its type).
    pub fn to_json(&self) -> Value {
        let mut value = self.kind.members();
        value["id"] = json!(self.id);
        value["type"] = json!(self.kind.type_name());
        value["labels"] = json!(self.labels);
        value["created_at"] = json!(self.created_at);
        value["updated_at"] = json!(self.updated_at);
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_render_their_type_members() {
        let identity = Identity {
            id: "i".into(),
            kind: IdentityKind::AuthServerClient {
                auth_server_id: "a".into(),
                client_id: "c".into(),
            },
            labels: BTreeMap::new(),
            created_at: "t".into(),
            updated_at: "t".into(),
        };
        let v = identity.to_json();
        assert_eq!(v["type"], "auth_server_client");
        assert_eq!(v["client_id"], "c");
        assert_eq!(v["auth_server_id"], "a");
        let oidc = IdentityKind::Oidc {
            issuer: "i".into(),
            claim_name: "sub".into(),
            claim_value: "x".into(),
        };
        assert_eq!(
            oidc.members()["claim"],
            json!({"name": "sub", "value": "x"})
        );
    }

    #[test]
    fn directories_allow_listed_or_all_planes() {
        let mut d = Directory {
            id: "d".into(),
            name: "n".into(),
            description: String::new(),
            allowed_control_planes: vec!["cp1".into()],
            allow_all_control_planes: false,
            ttl_secs: DEFAULT_TTL_SECS,
            negative_ttl_secs: DEFAULT_TTL_SECS,
            labels: BTreeMap::new(),
            managed_by: BTreeMap::new(),
            created_at: String::new(),
            updated_at: String::new(),
        };
        assert!(d.allows("cp1"));
        assert!(!d.allows("cp2"));
        d.allow_all_control_planes = true;
        assert!(d.allows("cp2"));
    }
}
