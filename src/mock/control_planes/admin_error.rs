//! [`AdminError`]: the core-entities API's errors, in the Kong Admin API format.
//!
//! UNVERIFIED for Konnect: the control-planes-config spec documents only the 401 body
//! (`{"message","status"}`). Kong's Admin API answers schema violations with
//! `{"code":2,"name":"schema violation","message":"…","fields":{…}}` and uniqueness conflicts
//! with `{"code":5,"name":"unique constraint violation",…}`; the facts sheet (§3.2) expects
//! Konnect to do the same. Every error body of the core-entities API is built here, so a
//! correction after a real observation touches this one file.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::mock::problem::gateway_error;

/// Kong's error codes (`kong/db/errors.lua`).
const CODE_SCHEMA_VIOLATION: u16 = 2;
const CODE_FOREIGN_KEY_VIOLATION: u16 = 4;
const CODE_UNIQUE_VIOLATION: u16 = 5;

/// An error of the core-entities API.
#[derive(Debug, Clone, PartialEq)]
pub enum AdminError {
    /// 400: field errors, keyed like the entity (`{"config": {"issuer": "required field missing"}}`).
    Schema(Map<String, Value>),
    /// 409: another entity already has this unique key (`{"name": "example-service"}`).
    Unique(Map<String, Value>),
    /// 400: a reference to an entity that does not exist.
    ForeignKey {
        /// The referencing field (`service`).
        field: String,
        /// The reference as given (`{"id": "…"}` or `{"name": "…"}`).
        key: Map<String, Value>,
        /// The referenced collection (`services`).
        entity: String,
    },
    /// 400: deleting an entity that others still reference.
    Referenced {
        /// The referencing collection (`routes`).
        by: String,
        /// The referenced collection (`services`).
        entity: String,
    },
    /// 400: the body is not a JSON object.
    BadJson,
    /// 404.
    NotFound,
    /// 501 with the not-emulated header: Kong has this (a plugin field), the mock does not
    /// emulate it, so it must not answer as if Kong had refused. The detail names it.
    NotEmulated(String),
}

impl AdminError {
    /// A schema violation on one top-level field.
    pub fn field(name: &str, message: impl Into<String>) -> Self {
        let mut fields = Map::new();
        fields.insert(name.to_owned(), Value::String(message.into()));
        Self::Schema(fields)
    }

    /// The response status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unique(_) => StatusCode::CONFLICT,
            Self::NotEmulated(_) => StatusCode::NOT_IMPLEMENTED,
            Self::NotFound => StatusCode::NOT_FOUND,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// The response body.
    pub fn body(&self) -> Value {
        match self {
            Self::Schema(fields) => {
                let mut parts = Vec::new();
                flatten("", &Value::Object(fields.clone()), &mut parts);
                let message = match parts.len() {
                    1 => format!("schema violation ({})", parts[0]),
                    n => format!("{n} schema violations ({})", parts.join("; ")),
                };
                json!({
                    "code": CODE_SCHEMA_VIOLATION,
                    "name": "schema violation",
                    "message": message,
                    "fields": fields,
                })
            }
            Self::Unique(key) => json!({
                "code": CODE_UNIQUE_VIOLATION,
                "name": "unique constraint violation",
                "message": format!("UNIQUE violation detected on '{}'", lua_table(key)),
                "fields": key,
            }),
            Self::ForeignKey { field, key, entity } => json!({
                "code": CODE_FOREIGN_KEY_VIOLATION,
                "name": "foreign key violation",
                "message": format!(
                    "the foreign key '{}' does not reference an existing '{entity}' entity.",
                    lua_table(key)
                ),
                "fields": { field.as_str(): key },
            }),
            Self::Referenced { by, entity } => json!({
                "code": CODE_FOREIGN_KEY_VIOLATION,
                "name": "foreign key violation",
                "message": format!("an existing '{by}' entity references this '{entity}' entity"),
                "fields": { "@referenced_by": by },
            }),
            Self::BadJson => json!({ "message": "Cannot parse JSON body" }),
            Self::NotFound => json!({ "message": "Not found", "status": 404 }),
            Self::NotEmulated(what) => json!({ "message": format!("{what} is not emulated") }),
        }
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        if let Self::NotEmulated(what) = &self {
            return crate::mock::not_emulated::response(
                "plugin field not emulated",
                &format!("{what} is not emulated by docflow's mock"),
            );
        }
        if self == Self::NotFound {
            // The same Gateway-style shape as the documented 401 (`{"message","status"}`).
            return gateway_error(StatusCode::NOT_FOUND, "Not found");
        }
        (self.status(), axum::Json(self.body())).into_response()
    }
}

/// `a.b: message` lines of nested field errors, in key order.
fn flatten(prefix: &str, value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, inner, out);
            }
        }
        Value::Array(items) => {
            for item in items.iter().filter(|i| !i.is_null()) {
                flatten(prefix, item, out);
            }
        }
        Value::String(message) => out.push(format!("{prefix}: {message}")),
        other => out.push(format!("{prefix}: {other}")),
    }
}

/// A key rendered as Kong renders it in messages: `{name="example-service"}`.
fn lua_table(key: &Map<String, Value>) -> String {
    let parts: Vec<String> = key
        .iter()
        .map(|(k, v)| match v {
            Value::String(s) => format!("{k}=\"{s}\""),
            Value::Null => format!("{k}=null"),
            Value::Object(inner) => format!("{k}={}", lua_table(inner)),
            other => format!("{k}={other}"),
        })
        .collect();
    format!("{{{}}}", parts.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_violation_reads_like_kong() {
        let body = AdminError::field("name", "expected a string").body();
        assert_eq!(body["code"], 2);
        assert_eq!(
            body["message"],
            "schema violation (name: expected a string)"
        );
        assert_eq!(body["fields"]["name"], "expected a string");
    }

    #[test]
    fn nested_violations_are_counted_and_dotted() {
        let mut config = Map::new();
        config.insert("foo".into(), json!("unknown field"));
        config.insert("issuer".into(), json!("required field missing"));
        let mut fields = Map::new();
        fields.insert("config".into(), Value::Object(config));
        let body = AdminError::Schema(fields).body();
        assert_eq!(
            body["message"],
            "2 schema violations (config.foo: unknown field; config.issuer: required field missing)"
        );
    }

    #[test]
    fn unique_violation_is_409_with_the_key() {
        let mut key = Map::new();
        key.insert("name".into(), json!("example-service"));
        let error = AdminError::Unique(key);
        assert_eq!(error.status(), StatusCode::CONFLICT);
        assert_eq!(
            error.body()["message"],
            "UNIQUE violation detected on '{name=\"example-service\"}'"
        );
    }
}
