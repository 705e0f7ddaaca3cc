//! [`OidcConfig`]: an `openid-connect` plugin's configuration, typed, as the data plane runs
//! it. Built once per plugin change from the validated, default-filled `config` object (see
//! `control_planes::oidc_schema`), never per request.

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::mock::control_planes::oidc_schema;
use crate::secret::Secret;

/// The plugin configuration the mock's data plane implements. Field meanings are Kong's.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OidcConfig {
    /// The issuer identifier or discovery URL.
    pub issuer: String,
    /// Consumer (id or username) to use when authentication fails.
    pub anonymous: Option<String>,
    /// Only passed to the authorization endpoint: not an access-token check.
    pub audience: Option<Vec<String>>,
    /// Claim path of the audience for `audience_required`.
    pub audience_claim: Vec<String>,
    /// Audiences of which one must be present (space-separated items: all of them).
    pub audience_required: Option<Vec<String>>,
    /// Enabled authentication methods.
    pub auth_methods: Vec<String>,
    /// Claim path of the groups for `X-Authenticated-Groups`.
    pub authenticated_groups_claim: Option<Vec<String>>,
    /// Where to look for a bearer token.
    pub bearer_token_param_type: Vec<String>,
    /// Match `consumer_by: username` case-insensitively.
    pub by_username_ignore_case: bool,
    /// Cache introspection results.
    pub cache_introspection: bool,
    /// Cache tokens from the token endpoint.
    pub cache_tokens: bool,
    /// Salt of the token cache key.
    pub cache_tokens_salt: Option<String>,
    /// Default cache lifetime in seconds.
    pub cache_ttl: f64,
    /// The plugin's own client authentication methods.
    pub client_auth: Option<Vec<String>>,
    /// Where to look for client credentials.
    pub client_credentials_param_type: Vec<String>,
    /// The plugin's own client ids.
    pub client_id: Option<Vec<String>>,
    /// The plugin's own client secrets.
    #[serde(deserialize_with = "secrets")]
    pub client_secret: Option<Vec<Secret>>,
    /// Consumer fields to match the claim against, in order.
    pub consumer_by: Vec<String>,
    /// Claim paths of the consumer mapping, tried in order (`consumer_claim` is their
    /// shorthand, folded in by the schema).
    pub consumer_claims: Option<Vec<Vec<String>>>,
    /// Whether a request without a mapped consumer may proceed.
    pub consumer_optional: bool,
    /// Append the reason to error messages.
    pub display_errors: bool,
    /// 403 message.
    pub forbidden_error_message: String,
    /// Remove the credential from the upstream request.
    pub hide_credentials: bool,
    /// Also introspect JWT bearer tokens.
    pub introspect_jwt_tokens: bool,
    /// Require `active: true` from introspection.
    pub introspection_check_active: bool,
    /// Overrides the discovered introspection endpoint.
    pub introspection_endpoint: Option<String>,
    /// Auth method at the introspection endpoint.
    pub introspection_endpoint_auth_method: Option<String>,
    /// `token_type_hint` sent to the introspection endpoint.
    pub introspection_hint: String,
    /// Form field carrying the token to the introspection endpoint.
    pub introspection_token_param_name: String,
    /// Other accepted `iss` values.
    pub issuers_allowed: Option<Vec<String>>,
    /// Clock leeway in seconds for `exp`, `nbf`, `iat`.
    pub leeway: f64,
    /// The Kong Identity principal lookup (`null` or absent: off).
    pub principals: Option<super::principal::Principals>,
    /// Minimum seconds between JWKS refreshes on an unknown `kid`.
    pub rediscovery_lifetime: f64,
    /// Run on CORS preflight requests.
    pub run_on_preflight: bool,
    /// Scopes sent to the token endpoint.
    pub scopes: Option<Vec<String>>,
    /// Claim path of the scopes for `scopes_required`.
    pub scopes_claim: Vec<String>,
    /// Scopes of which one must be present (space-separated items: all of them).
    pub scopes_required: Option<Vec<String>>,
    /// Overrides the discovered token endpoint.
    pub token_endpoint: Option<String>,
    /// Auth method at the token endpoint.
    pub token_endpoint_auth_method: Option<String>,
    /// 401 message.
    pub unauthorized_error_message: String,
    /// `name[:bearer]` of the upstream header carrying the access token.
    pub upstream_access_token_header: Option<String>,
    /// Claims to copy into upstream headers.
    pub upstream_headers_claims: Option<Vec<String>>,
    /// Names of those upstream headers.
    pub upstream_headers_names: Option<Vec<String>>,
    /// Check claims (`iss`, `exp`, `nbf`, `iat`).
    pub verify_claims: bool,
    /// Check signatures.
    pub verify_signature: bool,
}

fn secrets<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<Secret>>, D::Error> {
    let raw: Option<Vec<String>> = Option::deserialize(d)?;
    Ok(raw.map(|v| {
        v.into_iter()
            .map(|s| Secret::new("$OIDC_CLIENT_SECRET", s))
            .collect()
    }))
}

/// Fields whose explicit `null` turns the behaviour off in Kong's handler (it reads them
/// without a fallback). Every other `null` falls back to the default, as the handler's
/// `get_conf_arg(name, default)` calls do.
const NULL_MEANS_OFF: &[&str] = &["upstream_access_token_header"];

impl OidcConfig {
    /// Parses a validated, default-filled configuration object.
    pub fn from_config(config: &Map<String, Value>) -> Result<Self, String> {
        let mut effective = config.clone();
        for def in oidc_schema::FIELDS {
            if effective.get(def.name).is_none_or(Value::is_null)
                && !NULL_MEANS_OFF.contains(&def.name)
            {
                effective.insert(def.name.to_owned(), oidc_schema::default(def));
            }
        }
        serde_json::from_value(Value::Object(effective))
            .map_err(|e| format!("invalid configuration: {e}"))
    }

    /// Whether `method` is among `auth_methods`.
    pub fn allows(&self, method: &str) -> bool {
        self.auth_methods.iter().any(|m| m == method)
    }

    /// The plugin's own client: its first `client_id` and `client_secret`.
    pub fn own_client(&self) -> Option<(&str, &Secret)> {
        let id = self.client_id.as_ref()?.first()?;
        let secret = self.client_secret.as_ref()?.first()?;
        Some((id.as_str(), secret))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::control_planes::oidc_schema;
    use serde_json::json;

    #[test]
    fn parses_a_filled_config_and_hides_secrets_from_debug() {
        let filled = oidc_schema::validate(Some(&json!({
            "issuer": "http://i/auth", "client_id": ["id"], "client_secret": ["s3cret"]
        })))
        .unwrap();
        let config = OidcConfig::from_config(&filled).unwrap();
        assert!(config.allows("bearer"));
        assert_eq!(config.scopes.as_deref(), Some(&["openid".to_owned()][..]));
        let (id, secret) = config.own_client().unwrap();
        assert_eq!((id, secret.expose()), ("id", "s3cret"));
        assert!(!format!("{config:?}").contains("s3cret"));
    }

    #[test]
    fn explicit_nulls_fall_back_to_defaults_except_where_kong_turns_off() {
        let filled = oidc_schema::validate(Some(&json!({
            "issuer": "http://i", "audience_claim": null, "upstream_access_token_header": null
        })))
        .unwrap();
        let config = OidcConfig::from_config(&filled).unwrap();
        assert_eq!(config.audience_claim, ["aud"]);
        assert_eq!(config.upstream_access_token_header, None);
    }
}
