//! The `oauth2-introspection` plugin's configuration ([`FIELDS`], every field of Kong's
//! `Oauth2Introspection.json`, Gateway 3.15) and [`validate`]. Hand-written like
//! [`super::oidc_schema`]; the integration test `mock_plugins::plugin_schemas_match_kong`
//! checks each entry's type and default against the schema file.

use serde_json::{Map, Value};

use super::admin_error::AdminError;
use super::oidc_schema::{Effect, FieldDef, FieldType, field, validate_fields};

/// The plugin's name.
pub const NAME: &str = "oauth2-introspection";

use Effect::{Implemented as I, NoEffect as N};
use FieldType::{Boolean, Enum, Integer, Number, StringArray, StringMap};

/// Every field, in Kong's (alphabetical) order. `keepalive` and `ttl` (the introspection
/// cache) have no effect: the mock introspects on every request.
pub const FIELDS: &[FieldDef] = &[
    field("anonymous", FieldType::String, Some(r#""""#), I),
    field("authorization_value", FieldType::String, None, I),
    field(
        "consumer_by",
        Enum(&["client_id", "username"]),
        Some(r#""username""#),
        I,
    ),
    field("custom_claims_forward", StringArray, Some("[]"), I),
    field("custom_introspection_headers", StringMap, Some("{}"), I),
    field("hide_credentials", Boolean, Some("true"), I),
    field("introspect_request", Boolean, Some("false"), I),
    field("introspection_url", FieldType::String, None, I),
    field("keepalive", Integer, Some("60000"), N),
    field("run_on_preflight", Boolean, Some("true"), I),
    field("timeout", Integer, Some("10000"), I),
    field("token_type_hint", FieldType::String, None, I),
    field("ttl", Number, Some("30"), N),
];

/// The fields Kong requires.
pub const REQUIRED: &[&str] = &["authorization_value", "introspection_url"];

/// Validates the plugin's `config` and fills in defaults.
pub fn validate(config: Option<&Value>) -> Result<Map<String, Value>, AdminError> {
    validate_fields(FIELDS, REQUIRED, config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_how_to_config_is_valid_and_filled() {
        let out = validate(Some(&json!({
            "introspection_url": "https://i/auth/introspect",
            "authorization_value": "Basic eDp5",
            "consumer_by": "client_id",
            "custom_claims_forward": ["Claim"],
        })))
        .unwrap();
        assert_eq!(out["hide_credentials"], true);
        assert_eq!(out["ttl"], 30);
        assert_eq!(out["anonymous"], "");
        assert_eq!(out["token_type_hint"], Value::Null);
        assert_eq!(out.len(), FIELDS.len());
    }

    #[test]
    fn required_fields_and_types_are_checked() {
        let Err(AdminError::Schema(errors)) = validate(Some(&json!({
            "consumer_by": "email", "timeout": 1.5, "custom_introspection_headers": {"a": 1}
        }))) else {
            panic!("expected a schema violation");
        };
        let config = &errors["config"];
        assert_eq!(config["introspection_url"], "required field missing");
        assert_eq!(config["authorization_value"], "required field missing");
        assert_eq!(
            config["consumer_by"],
            "expected one of: client_id, username"
        );
        assert_eq!(config["timeout"], "expected an integer");
        assert_eq!(config["custom_introspection_headers"], "expected a string");
    }
}
