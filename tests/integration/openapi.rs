//! Test support: validate JSON against an OpenAPI 3.0 component schema ([`Spec`]), with the
//! Kong docs' API specs under `shared/kong-docs/current-2026-08/api-specs/`.
//!
//! OpenAPI 3.0 schemas are close to JSON Schema but not equal; the translation handles what
//! the Kong specs use: `nullable` (to a `null` type, enum value or `anyOf` branch),
//! `$ref: '#/components/schemas/X'` (to `#/$defs/X`) and the boolean `exclusiveMinimum` /
//! `exclusiveMaximum` of draft 4. Formats (`uuid`, `date-time`, `uri`) are validated.
//!
//! The conformance tests of the Kong Identity mock that use it are in `mock_identity.rs`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Map, Value, json};

/// Environment variable naming the directory that holds `kong-docs/` (the project's
/// `shared/`), when it is not `../shared` next to the crate.
pub(crate) const SHARED_ENV: &str = "DOCFLOW_SHARED";

/// A loaded OpenAPI spec. Cheap to clone; each file is parsed once per test binary.
#[derive(Clone)]
pub(crate) struct Spec {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    /// `components.schemas`, translated to JSON Schema 2020-12.
    defs: Map<String, Value>,
}

impl std::fmt::Debug for Spec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Spec({})", self.inner.path.display())
    }
}

/// The directory holding `kong-docs/`: `$DOCFLOW_SHARED`, else `{CARGO_MANIFEST_DIR}/../shared`.
pub(crate) fn shared_dir() -> PathBuf {
    let dir = match std::env::var_os(SHARED_ENV) {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"),
    };
    assert!(
        dir.join("kong-docs").is_dir(),
        "the Kong docs are not at `{}`: set `{SHARED_ENV}` to the directory holding `kong-docs/` \
         (for example `{SHARED_ENV}=/work/shared`)",
        dir.display()
    );
    dir
}

/// The spec at `kong-docs/current-2026-08/api-specs/<rel>`, e.g.
/// `konnect/kong-identity/v1/openapi.yaml`. Panics with the path if it cannot be read.
pub(crate) fn spec(rel: &str) -> Spec {
    static CACHE: OnceLock<Mutex<HashMap<String, Spec>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    if let Some(spec) = cache.lock().unwrap().get(rel) {
        return spec.clone();
    }
    let path = shared_dir()
        .join("kong-docs/current-2026-08/api-specs")
        .join(rel);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("failed to read spec `{}`: {e}", path.display()));
    let document: Value = serde_saphyr::from_str(&text)
        .unwrap_or_else(|e| panic!("failed to parse spec `{}`: {e}", path.display()));
    let schemas = document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .unwrap_or_else(|| panic!("spec `{}` has no `components.schemas`", path.display()));
    let defs = schemas
        .iter()
        .map(|(name, schema)| (name.clone(), translate(schema)))
        .collect();
    let spec = Spec {
        inner: Arc::new(Inner { path, defs }),
    };
    cache.lock().unwrap().insert(rel.to_owned(), spec.clone());
    spec
}

impl Spec {
    /// Validates `value` against `#/components/schemas/<component>`; every violation is
    /// returned as `<instance path>: <message>`. Panics if the component does not exist.
    pub(crate) fn validate(&self, component: &str, value: &Value) -> Result<(), Vec<String>> {
        assert!(
            self.inner.defs.contains_key(component),
            "spec `{}` has no schema `{component}`",
            self.inner.path.display()
        );
        let root = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$defs": self.inner.defs,
            "$ref": format!("#/$defs/{component}"),
        });
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&root)
            .unwrap_or_else(|e| panic!("schema `{component}` does not compile: {e}"));
        let errors: Vec<String> = validator
            .iter_errors(value)
            .map(|e| format!("`{}`: {e}", e.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Like [`Spec::validate`], panicking with every violation and the value.
    #[track_caller]
    pub(crate) fn assert_valid(&self, component: &str, value: &Value) {
        if let Err(errors) = self.validate(component, value) {
            panic!(
                "response does not match `{component}`:\n  {}\nvalue: {value:#}",
                errors.join("\n  ")
            );
        }
    }
}

/// Translates one OpenAPI 3.0 schema object to JSON Schema 2020-12.
fn translate(schema: &Value) -> Value {
    let Value::Object(object) = schema else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in object {
        let translated = match key.as_str() {
            "$ref" => match value.as_str() {
                Some(r) => Value::String(r.replace("#/components/schemas/", "#/$defs/")),
                None => value.clone(),
            },
            "properties" | "patternProperties" => Value::Object(
                value
                    .as_object()
                    .map(|props| {
                        props
                            .iter()
                            .map(|(k, v)| (k.clone(), translate(v)))
                            .collect()
                    })
                    .unwrap_or_default(),
            ),
            "items" | "additionalProperties" | "not" => translate(value),
            "allOf" | "anyOf" | "oneOf" => Value::Array(
                value
                    .as_array()
                    .map(|items| items.iter().map(translate).collect())
                    .unwrap_or_default(),
            ),
            "nullable" | "exclusiveMinimum" | "exclusiveMaximum" if value.is_boolean() => continue,
            _ => value.clone(),
        };
        out.insert(key.clone(), translated);
    }
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if object.get(exclusive) == Some(&Value::Bool(true))
            && let Some(limit) = out.remove(bound)
        {
            out.insert(exclusive.to_owned(), limit);
        }
    }
    if object.get("nullable") == Some(&Value::Bool(true)) {
        return nullable(out);
    }
    Value::Object(out)
}

/// Makes a translated schema also accept `null`.
fn nullable(mut schema: Map<String, Value>) -> Value {
    if let Some(Value::Array(choices)) = schema.get_mut("enum")
        && !choices.contains(&Value::Null)
    {
        choices.push(Value::Null);
    }
    match schema.get("type").cloned() {
        Some(Value::String(t)) => {
            schema.insert("type".to_owned(), json!([t, "null"]));
            Value::Object(schema)
        }
        Some(Value::Array(mut types)) => {
            if !types.contains(&json!("null")) {
                types.push(json!("null"));
            }
            schema.insert("type".to_owned(), Value::Array(types));
            Value::Object(schema)
        }
        _ if schema.contains_key("enum") => Value::Object(schema),
        _ => json!({"anyOf": [Value::Object(schema), {"type": "null"}]}),
    }
}

#[cfg(test)]
mod translation {
    use super::*;

    #[test]
    fn nullable_refs_and_exclusive_bounds() {
        let t = translate(&json!({
            "type": "object",
            "properties": {
                "login_uri": {"type": "string", "format": "uri", "nullable": true},
                "rule": {"type": "string", "enum": ["a"], "nullable": true},
                "nullable": {"type": "boolean"},
                "thing": {"$ref": "#/components/schemas/Thing"},
                "n": {"type": "integer", "minimum": 0, "exclusiveMinimum": true},
            },
            "allOf": [{"$ref": "#/components/schemas/Base", "nullable": true}],
        }));
        assert_eq!(
            t["properties"]["login_uri"]["type"],
            json!(["string", "null"])
        );
        assert_eq!(t["properties"]["rule"]["enum"], json!(["a", null]));
        assert_eq!(t["properties"]["nullable"], json!({"type": "boolean"}));
        assert_eq!(t["properties"]["thing"]["$ref"], "#/$defs/Thing");
        assert_eq!(
            t["properties"]["n"],
            json!({"type": "integer", "exclusiveMinimum": 0})
        );
        assert_eq!(
            t["allOf"][0],
            json!({"anyOf": [{"$ref": "#/$defs/Base"}, {"type": "null"}]})
        );
    }

    #[test]
    fn validates_against_the_identity_spec() {
        let spec = spec("konnect/kong-identity/v1/openapi.yaml");
        let not_found = json!({
            "status": 404, "title": "Not Found",
            "instance": "kong:trace:6816496025408232265", "detail": "Not Found"
        });
        assert_eq!(spec.validate("NotFoundError", &not_found), Ok(()));
        let errors = spec
            .validate(
                "NotFoundError",
                &json!({"status": "404", "title": "Not Found"}),
            )
            .unwrap_err();
        assert!(errors.len() >= 2, "{errors:?}");
        let bad_login = json!({
            "id": "x", "name": "n", "grant_types": ["password"], "redirect_uris": [],
            "login_uri": null, "allow_all_scopes": false, "allow_scopes": [],
            "access_token_duration": 10, "id_token_duration": 300, "labels": {},
            "response_types": ["token"], "created_at": "now", "updated_at": "2025-09-23T13:07:23.691662Z"
        });
        let errors = spec.validate("Client", &bad_login).unwrap_err().join("\n");
        for path in ["/grant_types/0", "/access_token_duration", "/created_at"] {
            assert!(errors.contains(path), "{errors}");
        }
    }
}

/// The mock's checked-in table of Konnect API paths (`src/mock/konnect_paths.txt`) is exactly
/// what the corpus's specs say: every path of every `api-specs/konnect/**/openapi.yaml`, with
/// the server's base path, parameters written `{}`.
#[test]
fn the_mock_knows_every_konnect_path_of_the_corpus() {
    let root = shared_dir().join("kong-docs/current-2026-08/api-specs/konnect");
    let mut specs = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n == "openapi.yaml") {
                specs.push(path);
            }
        }
    }
    assert!(specs.len() >= 20, "found only {} specs", specs.len());
    let mut expected = std::collections::BTreeSet::new();
    for spec in &specs {
        let text = std::fs::read_to_string(spec).unwrap();
        let doc: serde_json::Value =
            serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", spec.display()));
        let base = doc["servers"][0]["url"]
            .as_str()
            .and_then(|u| url::Url::parse(u).ok())
            .map(|u| u.path().trim_end_matches('/').to_owned())
            .unwrap_or_default();
        for path in doc["paths"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(p, _)| p)
        {
            let joined = format!("{base}{path}");
            let normal: Vec<String> = joined
                .split('/')
                .map(|s| {
                    if s.starts_with('{') && s.ends_with('}') {
                        "{}".to_owned()
                    } else {
                        s.to_owned()
                    }
                })
                .collect();
            let normal = normal.join("/");
            let normal = normal.trim_end_matches('/');
            expected.insert(if normal.is_empty() {
                "/".to_owned()
            } else {
                normal.to_owned()
            });
        }
    }
    let table: std::collections::BTreeSet<String> = docflow::mock::konnect_paths::table()
        .map(str::to_owned)
        .collect();
    let missing: Vec<_> = expected.difference(&table).collect();
    let extra: Vec<_> = table.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "src/mock/konnect_paths.txt is stale: missing {missing:?}, extra {extra:?}"
    );
}
