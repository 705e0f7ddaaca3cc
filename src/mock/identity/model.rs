//! The Kong Identity entities as the mock stores them ([`AuthServer`], [`Scope`], [`Claim`],
//! [`Client`], [`IssuedToken`]) and their JSON renderings, with exactly the keys of the real
//! responses (facts §2.3) and of the current spec.
//!
//! Keys come out in alphabetical order, as in the real responses, because `serde_json`'s map
//! is a `BTreeMap` (the `preserve_order` feature is off; a test below guards that).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::template::Template;
use crate::secret::Secret;

/// `signing_algorithm` values (`Algorithm` in the spec); the first is the default.
pub const SIGNING_ALGORITHMS: &[&str] = &["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"];
/// `grant_types` values (`GrantType`; `authorization_code` was removed after July 2025).
pub const GRANT_TYPES: &[&str] = &["implicit", "client_credentials"];
/// `response_types` values (`ResponseType`).
pub const RESPONSE_TYPES: &[&str] = &["none", "token", "code", "id_token"];
/// `token_endpoint_auth_method` values; the first is the default.
pub const TOKEN_ENDPOINT_AUTH_METHODS: &[&str] = &["client_secret_post", "none"];
/// Token durations: the spec's default, minimum and maximum, in seconds.
pub const DEFAULT_TOKEN_DURATION: u64 = 300;
/// Minimum `access_token_duration` / `id_token_duration`.
pub const MIN_TOKEN_DURATION: i64 = 60;
/// Maximum `access_token_duration` / `id_token_duration` (30 days at HEAD).
pub const MAX_TOKEN_DURATION: i64 = 2_592_000;

/// An auth server.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthServer {
    /// UUID.
    pub id: String,
    /// The 16-character id in its issuer URL; the key of the issuer routes.
    pub issuer_id: String,
    /// Unique per organization.
    pub name: String,
    /// Description (`""` when not given).
    pub description: String,
    /// Becomes the tokens' `aud` (as a one-element array).
    pub audience: String,
    /// One of [`SIGNING_ALGORITHMS`].
    pub signing_algorithm: String,
    /// `{base}/identity/{issuer_id}/auth`; becomes the tokens' `iss`.
    pub issuer: String,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// CORS origins, when the client set them. Real 2025 responses had no such key; the
    /// current spec lists it as optional, so it is echoed only once set (UNVERIFIED).
    pub trusted_origins: Option<Vec<String>>,
    /// Creation timestamp.
    pub created_at: String,
    /// Last update timestamp.
    pub updated_at: String,
}

impl AuthServer {
    /// `issuer` + `/.well-known/openid-configuration`.
    pub fn metadata_uri(&self) -> String {
        format!("{}/.well-known/openid-configuration", self.issuer)
    }

    /// `issuer` + `/.well-known/jwks`.
    pub fn jwks_uri(&self) -> String {
        format!("{}/.well-known/jwks", self.issuer)
    }

    /// The API representation. `jwks_uri` is in the current spec (read-only) though the real
    /// 2025 responses predate it; the mock follows the current spec.
    pub fn to_json(&self) -> Value {
        let mut value = json!({
            "audience": self.audience,
            "created_at": self.created_at,
            "description": self.description,
            "id": self.id,
            "issuer": self.issuer,
            "jwks_uri": self.jwks_uri(),
            "labels": self.labels,
            "metadata_uri": self.metadata_uri(),
            "name": self.name,
            "signing_algorithm": self.signing_algorithm,
            "updated_at": self.updated_at,
        });
        if let Some(origins) = &self.trusted_origins {
            value["trusted_origins"] = json!(origins);
        }
        value
    }
}

/// A scope of an auth server.
#[derive(Debug, Clone, PartialEq)]
pub struct Scope {
    /// UUID.
    pub id: String,
    /// Unique per auth server; what clients request.
    pub name: String,
    /// Description (`""` when not given).
    pub description: String,
    /// Granted without being requested (if the client may have it).
    pub default: bool,
    /// Listed in the discovery document's `scopes_supported`.
    pub include_in_metadata: bool,
    /// Disabled scopes cannot be requested or granted.
    pub enabled: bool,
    /// Creation timestamp.
    pub created_at: String,
    /// Last update timestamp.
    pub updated_at: String,
}

impl Scope {
    /// The API representation.
    pub fn to_json(&self) -> Value {
        json!({
            "created_at": self.created_at,
            "default": self.default,
            "description": self.description,
            "enabled": self.enabled,
            "id": self.id,
            "include_in_metadata": self.include_in_metadata,
            "name": self.name,
            "updated_at": self.updated_at,
        })
    }
}

/// A claim of an auth server. Names are not unique.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    /// UUID.
    pub id: String,
    /// The claim's name in tokens.
    pub name: String,
    /// The value as written (possibly templated).
    pub value: String,
    /// `value`, parsed when the claim was written.
    pub template: Template,
    /// Put in access tokens (otherwise only `/userinfo` would serve it).
    pub include_in_token: bool,
    /// Included whatever scopes were granted.
    pub include_in_all_scopes: bool,
    /// Scope ids whose grant includes the claim.
    pub include_in_scopes: Vec<String>,
    /// Disabled claims are never included.
    pub enabled: bool,
    /// Creation timestamp.
    pub created_at: String,
    /// Last update timestamp.
    pub updated_at: String,
}

impl Claim {
    /// The API representation.
    pub fn to_json(&self) -> Value {
        json!({
            "created_at": self.created_at,
            "enabled": self.enabled,
            "id": self.id,
            "include_in_all_scopes": self.include_in_all_scopes,
            "include_in_scopes": self.include_in_scopes,
            "include_in_token": self.include_in_token,
            "name": self.name,
            "updated_at": self.updated_at,
            "value": self.value,
        })
    }
}

/// An OAuth client of an auth server. `Debug` never prints the secret.
#[derive(Debug, Clone, PartialEq)]
pub struct Client {
    /// The OAuth `client_id` (16 lowercase alphanumeric characters when generated).
    pub id: String,
    /// The client secret.
    pub secret: Secret,
    /// Unique per auth server.
    pub name: String,
    /// Subset of [`GRANT_TYPES`].
    pub grant_types: Vec<String>,
    /// Redirect URIs for interactive flows.
    pub redirect_uris: Vec<String>,
    /// Login page for interactive flows.
    pub login_uri: Option<String>,
    /// Access token lifetime in seconds.
    pub access_token_duration: u64,
    /// ID token lifetime in seconds.
    pub id_token_duration: u64,
    /// May request every scope of the server.
    pub allow_all_scopes: bool,
    /// Scope ids the client may request.
    pub allow_scopes: Vec<String>,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Subset of [`RESPONSE_TYPES`].
    pub response_types: Vec<String>,
    /// One of [`TOKEN_ENDPOINT_AUTH_METHODS`].
    pub token_endpoint_auth_method: String,
    /// Creation timestamp.
    pub created_at: String,
    /// Last update timestamp.
    pub updated_at: String,
}

impl Client {
    /// The API representation, without the secret (GET, list, PATCH, PUT).
    pub fn to_json(&self) -> Value {
        json!({
            "access_token_duration": self.access_token_duration,
            "allow_all_scopes": self.allow_all_scopes,
            "allow_scopes": self.allow_scopes,
            "created_at": self.created_at,
            "grant_types": self.grant_types,
            "id": self.id,
            "id_token_duration": self.id_token_duration,
            "labels": self.labels,
            "login_uri": self.login_uri,
            "name": self.name,
            "redirect_uris": self.redirect_uris,
            "response_types": self.response_types,
            "token_endpoint_auth_method": self.token_endpoint_auth_method,
            "updated_at": self.updated_at,
        })
    }

    /// The create response (`CreatedClient`): the representation plus `client_secret`, the
    /// only time the secret is shown.
    pub fn to_created_json(&self) -> Value {
        let mut value = self.to_json();
        value["client_secret"] = json!(self.secret.expose());
        value
    }

    /// Whether the client may be granted the scope with id `scope_id`.
    pub fn may_use_scope(&self, scope_id: &str) -> bool {
        self.allow_all_scopes || self.allow_scopes.iter().any(|s| s == scope_id)
    }
}

/// A token the issuer minted, kept so introspection can tell revoked tokens from live ones
/// and the `/tokens` endpoints can list them.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuedToken {
    /// The token's `jti`.
    pub id: String,
    /// The client it was issued to.
    pub client_id: String,
    /// Names of the granted scopes.
    pub granted_scope_names: Vec<String>,
    /// Issue timestamp.
    pub created_at: String,
    /// Expiry timestamp.
    pub expires_at: String,
    /// `exp`, for pruning.
    pub exp: i64,
}

impl IssuedToken {
    /// The API representation (`Token` in the spec).
    pub fn to_json(&self) -> Value {
        json!({
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "granted_scope_names": self.granted_scope_names,
            "id": self.id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server() -> AuthServer {
        AuthServer {
            id: "836fda4d-612c-4faf-9c45-284a0ecd637a".into(),
            issuer_id: "wt3fgfqb8r7fktwe".into(),
            name: "AuthN_Server_1".into(),
            description: "AuthN Server 1".into(),
            audience: "http://myhttpbin.dev".into(),
            signing_algorithm: "RS256".into(),
            issuer: "http://127.0.0.1:1/identity/wt3fgfqb8r7fktwe/auth".into(),
            labels: BTreeMap::new(),
            trusted_origins: None,
            created_at: "2025-09-23T13:04:47.789958Z".into(),
            updated_at: "2025-09-23T13:04:47.789958Z".into(),
        }
    }

    #[test]
    fn auth_server_keys_are_the_real_ones_in_alphabetical_order() {
        let text = serde_json::to_string(&server().to_json()).unwrap();
        let value: serde_json::Map<String, Value> = serde_json::from_str(&text).unwrap();
        let keys: Vec<&str> = value.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "audience",
                "created_at",
                "description",
                "id",
                "issuer",
                "jwks_uri",
                "labels",
                "metadata_uri",
                "name",
                "signing_algorithm",
                "updated_at"
            ]
        );
        // Serialised order, not just map order: guards against `preserve_order` sneaking in.
        assert!(text.starts_with(r#"{"audience":"#), "{text}");
        assert_eq!(
            value["metadata_uri"],
            "http://127.0.0.1:1/identity/wt3fgfqb8r7fktwe/auth/.well-known/openid-configuration"
        );
    }

    #[test]
    fn trusted_origins_only_once_set() {
        let mut s = server();
        assert!(s.to_json().get("trusted_origins").is_none());
        s.trusted_origins = Some(vec!["https://example.com".into()]);
        assert_eq!(
            s.to_json()["trusted_origins"],
            json!(["https://example.com"])
        );
    }

    #[test]
    fn client_secret_only_in_the_created_form() {
        let client = Client {
            id: "fxsn74prsnrcyskm".into(),
            secret: Secret::new("$CLIENT_SECRET", "8vbywkjyj1zxcgsujljnuge1"),
            name: "client1".into(),
            grant_types: vec!["client_credentials".into()],
            redirect_uris: vec![],
            login_uri: None,
            access_token_duration: 3600,
            id_token_duration: 3600,
            allow_all_scopes: false,
            allow_scopes: vec![],
            labels: BTreeMap::new(),
            response_types: vec!["id_token".into(), "token".into()],
            token_endpoint_auth_method: "client_secret_post".into(),
            created_at: "2025-09-23T13:07:23.691662Z".into(),
            updated_at: "2025-09-23T13:07:23.691662Z".into(),
        };
        assert!(client.to_json().get("client_secret").is_none());
        assert_eq!(client.to_json()["login_uri"], Value::Null);
        assert_eq!(
            client.to_created_json()["client_secret"],
            "8vbywkjyj1zxcgsujljnuge1"
        );
        assert!(!format!("{client:?}").contains("8vbywkjyj1zxcgsujljnuge1"));
    }
}
