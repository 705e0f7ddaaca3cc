//! The `upstream-oauth` plugin's configuration: [`FIELDS`] and its nested records, every field
//! of Kong's `UpstreamOauth.json` (Gateway 3.15), generated once from that file and kept in
//! step with it by the integration test `mock_not_emulated::plugin_schemas_match_kong` (same
//! fields in the same order, types, defaults, required sets), and [`validate`].
//!
//! What the data plane implements (`Effect::Implemented`): every `oauth` and `behavior` field,
//! `client.auth_method` (`client_secret_post`, `client_secret_basic`, `none`) and
//! `client.timeout`, and the cache's `default_ttl` and `eagerly_expire`. Transport tuning,
//! proxies and the Redis strategy are accepted and echoed without effect (the mock caches in
//! memory).

use serde_json::{Map, Value};

use super::admin_error::AdminError;
use super::oidc_schema::{Effect, FieldDef, FieldType, field, validate_fields};

/// The plugin's name.
pub const NAME: &str = "upstream-oauth";

/// The fields Kong requires at the top of `config`.
pub const REQUIRED: &[&str] = &["oauth"];

use Effect::{Implemented as I, NoEffect as N};
use FieldType::{
    Boolean, Enum, Integer, IntegerArray, Number, ObjectArray, Record, StringArray, StringMap,
};

/// `config.behavior`.
pub const BEHAVIOR_FIELDS: &[FieldDef] = &[
    field(
        "idp_error_response_body_template",
        FieldType::String,
        Some(r#""{ \"code\": \"{{status}}\", \"message\": \"{{message}}\" }""#),
        I,
    ),
    field(
        "idp_error_response_content_type",
        FieldType::String,
        Some(r#""application/json; charset=utf-8""#),
        I,
    ),
    field(
        "idp_error_response_message",
        FieldType::String,
        Some(r#""Failed to authenticate request to upstream""#),
        I,
    ),
    field("idp_error_response_status_code", Integer, Some(r#"502"#), I),
    field(
        "purge_token_on_upstream_status_codes",
        IntegerArray,
        Some(r#"[401]"#),
        I,
    ),
    field(
        "upstream_access_token_header_name",
        FieldType::String,
        Some(r#""Authorization""#),
        I,
    ),
];

/// `config.cache.memory`.
pub const CACHE_MEMORY_FIELDS: &[FieldDef] = &[field(
    "dictionary_name",
    FieldType::String,
    Some(r#""kong_db_cache""#),
    N,
)];

/// `config.cache.redis.cloud_authentication`.
pub const CACHE_REDIS_CLOUD_AUTHENTICATION_FIELDS: &[FieldDef] = &[
    field("auth_provider", Enum(&["aws", "azure", "gcp"]), None, N),
    field("aws_access_key_id", FieldType::String, None, N),
    field("aws_assume_role_arn", FieldType::String, None, N),
    field("aws_cache_name", FieldType::String, None, N),
    field("aws_is_serverless", Boolean, Some(r#"true"#), N),
    field("aws_region", FieldType::String, None, N),
    field("aws_role_session_name", FieldType::String, None, N),
    field("aws_secret_access_key", FieldType::String, None, N),
    field("azure_client_id", FieldType::String, None, N),
    field("azure_client_secret", FieldType::String, None, N),
    field("azure_tenant_id", FieldType::String, None, N),
    field("gcp_service_account_json", FieldType::String, None, N),
];

/// `config.cache.redis`.
pub const CACHE_REDIS_FIELDS: &[FieldDef] = &[
    field(
        "cloud_authentication",
        Record(CACHE_REDIS_CLOUD_AUTHENTICATION_FIELDS, &[]),
        None,
        I,
    ),
    field("cluster_max_redirections", Integer, Some(r#"5"#), N),
    field("cluster_nodes", ObjectArray, None, N),
    field("connect_timeout", Integer, Some(r#"2000"#), N),
    field("connection_is_proxied", Boolean, Some(r#"false"#), N),
    field("database", Integer, Some(r#"0"#), N),
    field("host", FieldType::String, Some(r#""127.0.0.1""#), N),
    field("keepalive_backlog", Integer, None, N),
    field("keepalive_pool_size", Integer, Some(r#"256"#), N),
    field("password", FieldType::String, None, N),
    field("port", Integer, Some(r#"6379"#), N),
    field("read_timeout", Integer, Some(r#"2000"#), N),
    field("send_timeout", Integer, Some(r#"2000"#), N),
    field("sentinel_master", FieldType::String, None, N),
    field("sentinel_nodes", ObjectArray, None, N),
    field("sentinel_password", FieldType::String, None, N),
    field("sentinel_role", Enum(&["any", "master", "slave"]), None, N),
    field("sentinel_username", FieldType::String, None, N),
    field("server_name", FieldType::String, None, N),
    field("ssl", Boolean, Some(r#"false"#), N),
    field("ssl_verify", Boolean, Some(r#"true"#), N),
    field("username", FieldType::String, None, N),
];

/// `config.cache`.
pub const CACHE_FIELDS: &[FieldDef] = &[
    field("default_ttl", Number, Some(r#"3600"#), I),
    field("eagerly_expire", Integer, Some(r#"5"#), I),
    field("memory", Record(CACHE_MEMORY_FIELDS, &[]), None, I),
    field("redis", Record(CACHE_REDIS_FIELDS, &[]), None, I),
    field(
        "strategy",
        Enum(&["memory", "redis"]),
        Some(r#""memory""#),
        N,
    ),
];

/// `config.client`.
pub const CLIENT_FIELDS: &[FieldDef] = &[
    field(
        "auth_method",
        Enum(&[
            "client_secret_basic",
            "client_secret_jwt",
            "client_secret_post",
            "none",
        ]),
        Some(r#""client_secret_post""#),
        I,
    ),
    field(
        "client_secret_jwt_alg",
        Enum(&["HS256", "HS512"]),
        Some(r#""HS512""#),
        N,
    ),
    field("http_proxy", FieldType::String, None, N),
    field("http_proxy_authorization", FieldType::String, None, N),
    field("http_version", Number, Some(r#"1.1"#), N),
    field("https_proxy", FieldType::String, None, N),
    field("https_proxy_authorization", FieldType::String, None, N),
    field("keep_alive", Boolean, Some(r#"true"#), N),
    field("no_proxy", FieldType::String, None, N),
    field("ssl_verify", Boolean, Some(r#"true"#), N),
    field("timeout", Integer, Some(r#"10000"#), I),
];

/// `config.oauth`.
pub const OAUTH_FIELDS: &[FieldDef] = &[
    field("audience", StringArray, Some(r#"[]"#), I),
    field("client_id", FieldType::String, None, I),
    field("client_secret", FieldType::String, None, I),
    field(
        "grant_type",
        Enum(&["client_credentials", "password"]),
        Some(r#""client_credentials""#),
        I,
    ),
    field("password", FieldType::String, None, I),
    field("scopes", StringArray, Some(r#"["openid"]"#), I),
    field("token_endpoint", FieldType::String, None, I),
    field("token_headers", StringMap, None, I),
    field("token_post_args", StringMap, None, I),
    field("username", FieldType::String, None, I),
];

/// Every field of `config`, in Kong's (alphabetical) order.
pub const FIELDS: &[FieldDef] = &[
    field("behavior", Record(BEHAVIOR_FIELDS, &[]), None, I),
    field("cache", Record(CACHE_FIELDS, &[]), None, I),
    field("client", Record(CLIENT_FIELDS, &[]), None, I),
    field("oauth", Record(OAUTH_FIELDS, &["token_endpoint"]), None, I),
];

/// Validates the plugin's `config` and fills in defaults, nested records included.
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
            "oauth": {"token_endpoint": "https://i/auth/oauth/token", "grant_type": "client_credentials",
                      "client_id": "id", "client_secret": "s", "scopes": ["Scope"]},
            "behavior": {"upstream_access_token_header_name": "Authorization"},
        })))
        .unwrap();
        assert_eq!(out["behavior"]["idp_error_response_status_code"], 502);
        assert_eq!(
            out["behavior"]["purge_token_on_upstream_status_codes"],
            json!([401])
        );
        assert_eq!(out["cache"]["strategy"], "memory");
        assert_eq!(out["cache"]["redis"]["port"], 6379);
        assert_eq!(out["client"]["auth_method"], "client_secret_post");
        assert_eq!(out["oauth"]["audience"], json!([]));
        assert_eq!(out["oauth"]["username"], Value::Null);
    }

    #[test]
    fn nested_errors_nest() {
        let Err(AdminError::Schema(errors)) = validate(Some(&json!({
            "oauth": {"grant_type": "implicit"}, "client": {"timeout": "soon"}, "nope": 1
        }))) else {
            panic!("expected a schema violation");
        };
        let config = &errors["config"];
        assert_eq!(config["oauth"]["token_endpoint"], "required field missing");
        assert_eq!(
            config["oauth"]["grant_type"],
            "expected one of: client_credentials, password"
        );
        assert_eq!(config["client"]["timeout"], "expected an integer");
        assert_eq!(config["nope"], "unknown field");
        let Err(AdminError::Schema(errors)) = validate(Some(&json!({}))) else {
            panic!("expected a schema violation");
        };
        assert_eq!(errors["config"]["oauth"], "required field missing");
    }
}
