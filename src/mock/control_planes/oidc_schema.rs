//! The `openid-connect` plugin's configuration fields the mock knows ([`FIELDS`]), and
//! [`validate`], which checks a plugin's `config` against them and fills in defaults.
//!
//! This is a hand-written subset of Kong's schema (`OpenidConnect.json`, Gateway 3.15, the
//! version the data plane emulates). Nothing is copied from the schema file: the integration
//! test `mock_gateway::oidc_schema_matches_kong` checks every entry here against the real file
//! (same type, same enum, same default), so the table cannot drift silently.
//!
//! Since 3.14 `consumer_claim` is a shorthand of `consumer_claims` (the plugin's changelog:
//! "retaining and supporting the existing `consumer_claim` as a shorthand configuration"):
//! it is not in the schema file; [`validate`] accepts it, stores it as the one path of
//! `consumer_claims`, and echoes it back (as Kong's shorthand fields are echoed; that Konnect
//! does so is UNVERIFIED).
//!
//! A field Kong has but this table lacks ([`NOT_EMULATED`]) is answered as not emulated (501
//! with the not-emulated header), never as Kong's `unknown field`, which only a field Kong
//! does not have gets; add it here (with the scenario that needs it) to emulate it.

use serde_json::{Map, Value};

use super::admin_error::AdminError;
use super::oidc_not_emulated::NOT_EMULATED;

/// The type of a configuration field, as Kong's schema declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// `string`.
    String,
    /// `boolean`.
    Boolean,
    /// `number` (integers and decimals).
    Number,
    /// `integer`.
    Integer,
    /// `object` whose values are strings (`custom_introspection_headers`).
    StringMap,
    /// `array` of `integer`.
    IntegerArray,
    /// `array` of `object`, stored as given (Redis `cluster_nodes`).
    ObjectArray,
    /// A nested record: its fields and the ones it requires. Absent, it is filled with its
    /// fields' defaults, as Kong fills nested records.
    Record(&'static [FieldDef], &'static [&'static str]),
    /// `string` restricted to the listed values.
    Enum(&'static [&'static str]),
    /// `array` of `string`.
    StringArray,
    /// `array` of `string`, each one of the listed values.
    EnumArray(&'static [&'static str]),
    /// `array` of `array` of `string`: claim paths (`consumer_claims`).
    PathArray,
}

/// What the mock's data plane does with a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// The data plane implements the field's behaviour.
    Implemented,
    /// Accepted, validated, echoed, but without effect in the mock (transport tuning,
    /// caching knobs, or, for `audience`, a value that only reaches the authorization
    /// endpoint, which no bearer or client-credentials flow calls).
    NoEffect,
}

/// One configuration field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldDef {
    /// The field name under `config`.
    pub name: &'static str,
    /// Its type.
    pub kind: FieldType,
    /// Its default as JSON text (`None`: no default, echoed as `null`).
    pub default: Option<&'static str>,
    /// Whether the mock implements it.
    pub effect: Effect,
}

/// `auth_methods` (and `disable_session`) values.
pub const AUTH_METHODS: &[&str] = &[
    "authorization_code",
    "bearer",
    "client_credentials",
    "introspection",
    "kong_oauth2",
    "password",
    "refresh_token",
    "session",
    "userinfo",
];

/// Client authentication methods (`client_auth`, `*_endpoint_auth_method`).
pub const CLIENT_AUTH: &[&str] = &[
    "client_secret_basic",
    "client_secret_jwt",
    "client_secret_post",
    "none",
    "private_key_jwt",
    "self_signed_tls_client_auth",
    "tls_client_auth",
];

/// A field definition (for the tables of each plugin's schema).
pub const fn field(
    name: &'static str,
    kind: FieldType,
    default: Option<&'static str>,
    effect: Effect,
) -> FieldDef {
    FieldDef {
        name,
        kind,
        default,
        effect,
    }
}

use Effect::{Implemented as I, NoEffect as N};
use FieldType::{Boolean, EnumArray, Number, StringArray};

/// `principals` (3.15): the Kong Identity principal lookup after token verification.
/// `match_consumer_groups` has no effect: the mock has no consumer groups.
pub const PRINCIPALS: &[FieldDef] = &[
    field("directory", FieldType::String, Some(r#""default""#), I),
    field("enabled", Boolean, Some("false"), I),
    field("error_on_miss", Boolean, Some("true"), I),
    field("match_consumer", Boolean, Some("true"), I),
    field("match_consumer_groups", Boolean, Some("true"), N),
    field("principal_by", FieldType::String, None, I),
    field("principal_claim", StringArray, None, I),
];

/// The fields the mock knows, in Kong's (alphabetical) order.
pub const FIELDS: &[FieldDef] = &[
    field("anonymous", FieldType::String, None, I),
    field("audience", StringArray, None, N),
    field("audience_claim", StringArray, Some(r#"["aud"]"#), I),
    field("audience_required", StringArray, None, I),
    field(
        "auth_methods",
        EnumArray(AUTH_METHODS),
        Some(
            r#"["authorization_code","bearer","client_credentials","introspection","kong_oauth2","password","refresh_token","session","userinfo"]"#,
        ),
        I,
    ),
    field("authenticated_groups_claim", StringArray, None, I),
    field(
        "bearer_token_param_type",
        EnumArray(&["body", "cookie", "header", "query"]),
        Some(r#"["body","header","query"]"#),
        I,
    ),
    field("by_username_ignore_case", Boolean, Some("false"), I),
    field("cache_introspection", Boolean, Some("true"), I),
    field("cache_tokens", Boolean, Some("true"), I),
    field("cache_tokens_salt", FieldType::String, None, I),
    field("cache_ttl", Number, Some("3600"), I),
    field("client_auth", EnumArray(CLIENT_AUTH), None, I),
    field(
        "client_credentials_param_type",
        EnumArray(&["body", "header", "query"]),
        Some(r#"["body","header","query"]"#),
        I,
    ),
    field("client_id", StringArray, None, I),
    field("client_secret", StringArray, None, I),
    field(
        "consumer_by",
        EnumArray(&["custom_id", "id", "username"]),
        Some(r#"["custom_id","username"]"#),
        I,
    ),
    field("consumer_claims", FieldType::PathArray, None, I),
    field("consumer_optional", Boolean, Some("false"), I),
    field("credential_claim", StringArray, Some(r#"["sub"]"#), N),
    field("display_errors", Boolean, Some("false"), I),
    field(
        "forbidden_error_message",
        FieldType::String,
        Some(r#""Forbidden""#),
        I,
    ),
    field("hide_credentials", Boolean, Some("true"), I),
    field("http_version", Number, Some("1.1"), N),
    field("introspect_jwt_tokens", Boolean, Some("false"), I),
    field("introspection_check_active", Boolean, Some("true"), I),
    field("introspection_endpoint", FieldType::String, None, I),
    field(
        "introspection_endpoint_auth_method",
        FieldType::Enum(CLIENT_AUTH),
        None,
        I,
    ),
    field(
        "introspection_hint",
        FieldType::String,
        Some(r#""access_token""#),
        I,
    ),
    field(
        "introspection_token_param_name",
        FieldType::String,
        Some(r#""token""#),
        I,
    ),
    field("issuer", FieldType::String, None, I),
    field("issuers_allowed", StringArray, None, I),
    field("keepalive", Boolean, Some("true"), N),
    field("leeway", Number, Some("0"), I),
    field("principals", FieldType::Record(PRINCIPALS, &[]), None, I),
    field("rediscovery_lifetime", Number, Some("30"), I),
    field("run_on_preflight", Boolean, Some("true"), I),
    field("scopes", StringArray, Some(r#"["openid"]"#), I),
    field("scopes_claim", StringArray, Some(r#"["scope"]"#), I),
    field("scopes_required", StringArray, None, I),
    field("ssl_verify", Boolean, Some("true"), N),
    field("timeout", Number, Some("10000"), N),
    field("token_endpoint", FieldType::String, None, I),
    field(
        "token_endpoint_auth_method",
        FieldType::Enum(CLIENT_AUTH),
        None,
        I,
    ),
    field(
        "unauthorized_error_message",
        FieldType::String,
        Some(r#""Unauthorized""#),
        I,
    ),
    field(
        "upstream_access_token_header",
        FieldType::String,
        Some(r#""authorization:bearer""#),
        I,
    ),
    field("upstream_headers_claims", StringArray, None, I),
    field("upstream_headers_names", StringArray, None, I),
    field("verify_claims", Boolean, Some("true"), I),
    field("verify_signature", Boolean, Some("true"), I),
];

/// The protocols an `openid-connect` plugin may run on (and its default).
pub const PROTOCOLS: &[&str] = &["grpc", "grpcs", "http", "https"];

/// The default of a field, `null` when it has none.
pub fn default(def: &FieldDef) -> Value {
    def.default
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or(Value::Null)
}

/// The violation of `value` against `kind`, if any (Kong's wording).
pub fn check(kind: FieldType, value: &Value) -> Option<Value> {
    let expected_one_of = |choices: &[&str]| format!("expected one of: {}", choices.join(", "));
    match (kind, value) {
        (_, Value::Null) => None,
        (FieldType::String, Value::String(_)) => None,
        (FieldType::String, _) => Some("expected a string".into()),
        (FieldType::Boolean, Value::Bool(_)) => None,
        (FieldType::Boolean, _) => Some("expected a boolean".into()),
        (FieldType::Number, Value::Number(_)) => None,
        (FieldType::Number, _) => Some("expected a number".into()),
        (FieldType::Integer, Value::Number(n)) if n.is_i64() || n.is_u64() => None,
        (FieldType::Integer, _) => Some("expected an integer".into()),
        (FieldType::StringMap, Value::Object(map)) if map.values().all(Value::is_string) => None,
        (FieldType::StringMap, Value::Object(_)) => Some("expected a string".into()),
        (FieldType::StringMap, _) => Some("expected a map".into()),
        (FieldType::IntegerArray, Value::Array(items)) => {
            let bad = |i: &Value| !(i.is_i64() || i.is_u64());
            items
                .iter()
                .any(bad)
                .then(|| "expected an array of integers".into())
        }
        (FieldType::ObjectArray, Value::Array(items)) => items
            .iter()
            .any(|i| !i.is_object())
            .then(|| "expected an array of records".into()),
        (FieldType::IntegerArray | FieldType::ObjectArray, _) => Some("expected an array".into()),
        // Records are checked field by field in `validate_record`.
        (FieldType::Record(..), Value::Object(_)) => None,
        (FieldType::Record(..), _) => Some("expected a record".into()),
        (FieldType::Enum(choices), Value::String(s)) if choices.contains(&s.as_str()) => None,
        (FieldType::Enum(choices), _) => Some(expected_one_of(choices).into()),
        (FieldType::StringArray | FieldType::EnumArray(_), Value::Array(items)) => {
            let item_error = |item: &Value| match (kind, item) {
                (FieldType::EnumArray(choices), Value::String(s)) => {
                    (!choices.contains(&s.as_str())).then(|| expected_one_of(choices))
                }
                (_, Value::String(_)) => None,
                _ => Some("expected a string".to_owned()),
            };
            let errors: Vec<Value> = items
                .iter()
                .map(|i| item_error(i).map_or(Value::Null, Value::from))
                .collect();
            errors
                .iter()
                .any(|e| !e.is_null())
                .then_some(Value::Array(errors))
        }
        (FieldType::StringArray | FieldType::EnumArray(_), _) => Some("expected an array".into()),
        (FieldType::PathArray, Value::Array(items)) => {
            let path_ok = |p: &Value| p.as_array().is_some_and(|a| a.iter().all(Value::is_string));
            (!items.iter().all(path_ok)).then(|| "expected an array of arrays of strings".into())
        }
        (FieldType::PathArray, _) => Some("expected an array".into()),
    }
}

/// Validates an `openid-connect` plugin's `config` and returns it with every known field
/// present: the given value, or the default, or `null`.
///
/// Konnect echoes the full configuration with defaults filled in; exactly which fields it
/// echoes (Kong's ~200 or fewer) is UNVERIFIED. The mock echoes the fields in [`FIELDS`].
pub fn validate(config: Option<&Value>) -> Result<Map<String, Value>, AdminError> {
    let Some(Value::Object(given)) = config else {
        return validate_fields(FIELDS, &["issuer"], config);
    };
    if let Some(field) = given
        .keys()
        .find(|k| NOT_EMULATED.binary_search(&k.as_str()).is_ok())
    {
        return Err(AdminError::NotEmulated(format!(
            "`config.{field}` of the `openid-connect` plugin"
        )));
    }
    let mut given = given.clone();
    let shorthand = given.remove(SHORTHAND).unwrap_or(Value::Null);
    if let Some(error) = check(FieldType::StringArray, &shorthand) {
        let mut fields = Map::new();
        fields.insert(
            "config".into(),
            Value::Object([(SHORTHAND.to_owned(), error)].into_iter().collect()),
        );
        return Err(AdminError::Schema(fields));
    }
    if !shorthand.is_null() && given.get("consumer_claims").is_none_or(Value::is_null) {
        given.insert("consumer_claims".into(), Value::Array(vec![shorthand]));
    }
    let mut out = validate_fields(FIELDS, &["issuer"], Some(&Value::Object(given)))?;
    let echoed = out["consumer_claims"]
        .get(0)
        .cloned()
        .unwrap_or(Value::Null);
    out.insert(SHORTHAND.to_owned(), echoed);
    Ok(out)
}

/// The shorthand of `consumer_claims` (see the module documentation).
pub const SHORTHAND: &str = "consumer_claim";

/// Validates a plugin's `config` against `fields` (unknown keys, types, the `required` ones
/// present) and returns it with every field present: the given value, the default, or `null`.
/// Errors nest under `config`, as Kong's schema violations do.
pub fn validate_fields(
    fields: &[FieldDef],
    required: &[&str],
    config: Option<&Value>,
) -> Result<Map<String, Value>, AdminError> {
    let empty = Map::new();
    let given = match config {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(map)) => map,
        Some(_) => return Err(AdminError::field("config", "expected a record")),
    };
    let (out, errors) = validate_record(fields, required, given);
    if errors.is_empty() {
        Ok(out)
    } else {
        let mut fields = Map::new();
        fields.insert("config".into(), Value::Object(errors));
        Err(AdminError::Schema(fields))
    }
}

/// One record: the filled record and its errors (nested records' errors nest by field name).
fn validate_record(
    fields: &[FieldDef],
    required: &[&str],
    given: &Map<String, Value>,
) -> (Map<String, Value>, Map<String, Value>) {
    let mut errors = Map::new();
    for key in given.keys() {
        if !fields.iter().any(|f| f.name == key) {
            errors.insert(key.clone(), Value::from("unknown field"));
        }
    }
    let mut out = Map::new();
    for def in fields {
        // An absent field gets its default; an explicit `null` stays `null`, as in Kong
        // (its schema fills defaults only for missing fields).
        let value = match (def.kind, given.get(def.name)) {
            (FieldType::Record(inner, inner_required), Some(Value::Object(map))) => {
                let (filled, inner_errors) = validate_record(inner, inner_required, map);
                if !inner_errors.is_empty() {
                    errors.insert(def.name.to_owned(), Value::Object(inner_errors));
                }
                Value::Object(filled)
            }
            // A missing record is filled with its defaults, unless it is itself required.
            (FieldType::Record(inner, _), None) if !required.contains(&def.name) => {
                Value::Object(validate_record(inner, &[], &Map::new()).0)
            }
            (_, Some(v)) => v.clone(),
            (_, None) => default(def),
        };
        if let Some(error) = check(def.kind, &value) {
            errors.insert(def.name.to_owned(), error);
        }
        out.insert(def.name.to_owned(), value);
    }
    for name in required {
        if out.get(*name).is_none_or(Value::is_null) {
            errors.insert((*name).to_owned(), Value::from("required field missing"));
        }
    }
    (out, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config_errors(config: Value) -> Map<String, Value> {
        match validate(Some(&config)) {
            Err(AdminError::Schema(fields)) => fields["config"].as_object().unwrap().clone(),
            other => panic!("expected a schema violation, got {other:?}"),
        }
    }

    #[test]
    fn the_published_how_to_config_is_valid_and_filled() {
        let config = json!({"issuer": "https://x.us.identity.konghq.com/auth",
                            "auth_methods": ["bearer"], "audience": ["http://myhttpbin.dev"]});
        let out = validate(Some(&config)).unwrap();
        assert_eq!(out["auth_methods"], json!(["bearer"]));
        assert_eq!(out["scopes"], json!(["openid"]));
        assert_eq!(out["consumer_by"], json!(["custom_id", "username"]));
        assert_eq!(out["upstream_access_token_header"], "authorization:bearer");
        assert_eq!(out["consumer_claim"], Value::Null);
        assert_eq!(out["hide_credentials"], true);
        // Every field, and the shorthand echoed.
        assert_eq!(out.len(), FIELDS.len() + 1);
        let explicit = validate(Some(&json!({"issuer": "i", "scopes": null}))).unwrap();
        assert_eq!(explicit["scopes"], Value::Null);
    }

    #[test]
    fn the_consumer_claim_shorthand_becomes_consumer_claims() {
        let out = validate(Some(
            &json!({"issuer": "i", "consumer_claim": ["client_id"]}),
        ))
        .unwrap();
        assert_eq!(out["consumer_claims"], json!([["client_id"]]));
        assert_eq!(out["consumer_claim"], json!(["client_id"]));
        let both = validate(Some(&json!({"issuer": "i", "consumer_claim": ["a"],
                                           "consumer_claims": [["b"], ["c"]]})))
        .unwrap();
        assert_eq!(both["consumer_claims"], json!([["b"], ["c"]]));
        assert_eq!(both["consumer_claim"], json!(["b"]));
        let errors = config_errors(json!({"issuer": "i", "consumer_claim": "client_id"}));
        assert_eq!(errors["consumer_claim"], "expected an array");
        let errors = config_errors(json!({"issuer": "i", "consumer_claims": ["flat"]}));
        assert_eq!(
            errors["consumer_claims"],
            "expected an array of arrays of strings"
        );
    }

    #[test]
    fn unknown_fields_wrong_types_and_missing_issuer() {
        let errors = config_errors(json!({"foo": 1, "display_errors": "yes",
                                          "auth_methods": ["bearer", "magic"]}));
        assert_eq!(errors["foo"], "unknown field");
        assert_eq!(errors["display_errors"], "expected a boolean");
        assert_eq!(errors["auth_methods"][0], Value::Null);
        assert!(
            errors["auth_methods"][1]
                .as_str()
                .unwrap()
                .starts_with("expected one of")
        );
        assert_eq!(errors["issuer"], "required field missing");
    }

    #[test]
    fn table_is_sorted_unique_and_defaults_parse() {
        for pair in FIELDS.windows(2) {
            assert!(
                pair[0].name < pair[1].name,
                "{} then {}",
                pair[0].name,
                pair[1].name
            );
        }
        for def in FIELDS {
            if let Some(d) = def.default {
                let value: Value = serde_json::from_str(d).unwrap();
                assert_eq!(check(def.kind, &value), None, "default of {}", def.name);
            }
        }
    }
}
