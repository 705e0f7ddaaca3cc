//! The scenario file format as plain serde structs: the mirror of the YAML that the JSON
//! Schema is generated from. [`Scenario`] is the main type.
//!
//! The loader does not deserialize into these types: it walks the YAML tree itself so that
//! it can report every problem of a file at once, with positions (see `load`). The key
//! lists the loader checks against (`*_KEYS`) live next to each struct, and tests hold the
//! two together: the keys equal the schema's properties, and every valid fixture
//! deserializes into these structs and validates against the schema.
//!
//! Doc comments here become `description`s in the schema, which editors show on hover.

use std::borrow::Cow;
use std::collections::BTreeMap;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde_json::Value;

/// Keys of [`Scenario`].
pub(crate) const SCENARIO_KEYS: &[&str] = &["description", "doc", "targets", "vars", "steps"];

/// A docflow scenario: the HTTP steps of a how-to and what each must answer.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "docflow scenario")]
pub struct Scenario {
    /// What the scenario proves, in a sentence.
    pub description: Option<String>,
    /// The documentation page this scenario verifies.
    pub doc: Option<Doc>,
    /// Targets the scenario can run on; all when absent.
    #[schemars(length(min = 1))]
    pub targets: Option<Vec<Target>>,
    /// Variables (`NAME: value`, `NAME: {value, secret: true}` for a secret whose name
    /// does not say so, or `NAME: {input: PLACEHOLDER}` for a value the reader brings),
    /// defined in order; values may use target variables and earlier variables as `$NAME` or
    /// `${NAME}`.
    pub vars: Option<BTreeMap<VarName, VarValue>>,
    /// The steps, run in order.
    #[schemars(length(min = 1))]
    pub steps: Vec<Step>,
}

/// Keys of [`Doc`].
pub(crate) const DOC_KEYS: &[&str] = &["file", "root"];

/// The documentation page a scenario verifies.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Doc {
    /// Path of the page inside the docs root (`app/_how-tos/gateway/configure-kong-identity-oidc.md`).
    pub file: String,
    /// The docs root, relative to the scenario file.
    pub root: Option<String>,
}

/// A target.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// The embedded Konnect-in-a-box.
    Mock,
    /// The same mock in a container.
    Container,
    /// A real Konnect organization.
    Konnect,
}

/// A variable name, `[A-Z_][A-Z0-9_]*`.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(transparent)]
pub struct VarName(pub String);

impl JsonSchema for VarName {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "VarName".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "pattern": "^[A-Z_][A-Z0-9_]*$" })
    }
}

/// Text that may hold `$VAR` / `${VAR}` references. Plain numbers and booleans are taken
/// as written.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Text(pub String);

impl JsonSchema for Text {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Text".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": ["string", "number", "boolean"] })
    }
}

/// A variable's value: the text, the text marked as a secret, or a value the reader brings.
// `serde(untagged)` is for the schema only: serde's untagged enums ask the format for "any"
// value, and a plain `3600` would then not be text; the `Deserialize` below reads scalars as
// text, as `Text` does.
#[derive(Debug, JsonSchema)]
#[serde(untagged)]
pub enum VarValue {
    /// The value (a secret if the name contains `SECRET`, `TOKEN`, `PASSWORD`, `KEY`, …).
    Text(Text),
    /// The value, with `secret: true` when it is a secret whatever its name; or `input:`.
    Marked(Var),
}

impl<'de> Deserialize<'de> for VarValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = VarValue;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a value, {value, secret} or {input, secret}")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<VarValue, E> {
                Ok(VarValue::Text(Text(v.to_owned())))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<VarValue, E> {
                Ok(VarValue::Text(Text(v.to_string())))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<VarValue, E> {
                Ok(VarValue::Text(Text(v.to_string())))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<VarValue, E> {
                Ok(VarValue::Text(Text(v.to_string())))
            }

            fn visit_bool<E: de::Error>(self, v: bool) -> Result<VarValue, E> {
                Ok(VarValue::Text(Text(v.to_string())))
            }

            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<VarValue, A::Error> {
                Var::deserialize(de::value::MapAccessDeserializer::new(map)).map(VarValue::Marked)
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// Keys of [`Var`].
pub(crate) const VAR_KEYS: &[&str] = &["value", "input", "secret"];

/// A variable written as a mapping: `value` or `input`, not both.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("oneOf" = [{"required": ["value"]}, {"required": ["input"]}]))]
pub struct Var {
    /// The value, which may use earlier variables.
    #[serde(default)]
    #[schemars(with = "Text")]
    pub value: Option<Text>,
    /// A value the reader brings (an API key, a client secret copied from a UI): the doc's
    /// placeholder, for people only; it is never sent. Unless `docflow run --var NAME=VALUE`
    /// gives the value, every step needing the variable is out of reach.
    #[serde(default)]
    #[schemars(with = "Text")]
    pub input: Option<Text>,
    /// `true`: the value is a secret, redacted everywhere as `$NAME` like a secret-named one
    /// (a name that already says secret stays one).
    pub secret: Option<bool>,
}

/// Keys of [`Step`].
pub(crate) const STEP_KEYS: &[&str] = &[
    "name",
    "source",
    "targets",
    "url",
    "method",
    "status_code",
    "headers",
    "body",
    "capture",
    "jq",
    "extract_body",
    "region",
    "indent",
    "display_headers",
    "to",
    "auth",
    "query",
    "form",
    "basic_auth",
    "expect",
    "retry",
    "cleanup",
    "token",
    "snapshot",
    "defect",
];

/// One step: a request (the keys of the docs' `{% konnect_api_request %}` block, pasted
/// unchanged, plus docflow's), what to expect, what to capture.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Unique name in the file, used in snapshot names.
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9-]*$"))]
    pub name: String,
    /// Where the step comes from in the docs root: `file:line`.
    #[schemars(regex(pattern = r"^.+:[0-9]+$"))]
    pub source: Option<String>,
    /// Targets this step runs on; all of the scenario's when absent.
    #[schemars(length(min = 1))]
    pub targets: Option<Vec<Target>>,
    /// Path under the destination's base URL, or an absolute URL (`$ISSUER_URL/oauth/token`).
    pub url: Text,
    /// HTTP method, any case; `GET` when absent.
    #[schemars(regex(pattern = r"^[A-Za-z]+$"))]
    pub method: Option<String>,
    /// The exact status the response must have.
    #[schemars(range(min = 100, max = 599))]
    pub status_code: Option<u16>,
    /// Request headers as `'Name: value'` strings.
    pub headers: Option<Vec<Text>>,
    /// JSON body, written as YAML; strings may use `$VARS`.
    pub body: Option<Value>,
    /// Values to keep as variables: a list of `{variable, jq}`, or (the docs' older form)
    /// one variable name with a step-level `jq`.
    pub capture: Option<CaptureField>,
    /// The jq program for the single-variable form of `capture`.
    pub jq: Option<String>,
    /// Body fields to keep as variables (`name` is a dotted path like `data[0].id`).
    pub extract_body: Option<Vec<Extract>>,
    /// Konnect region of the docs block; informational.
    pub region: Option<String>,
    /// Indentation of the docs' rendering; ignored.
    pub indent: Option<u64>,
    /// A `{% validation request-check %}` key; ignored.
    pub display_headers: Option<bool>,
    /// Where the request goes: `api` (Konnect API), `proxy` (the gateway) or `url` (an
    /// absolute URL). Default: `url` when the url starts with `$` or `http(s)://`, else `api`.
    pub to: Option<To>,
    /// For `to: api`: `konnect` (the default) adds `Authorization: Bearer $KONNECT_TOKEN`;
    /// `none` sends no Konnect credentials, to test unauthenticated calls.
    pub auth: Option<Auth>,
    /// Query parameters.
    pub query: Option<BTreeMap<String, Text>>,
    /// Form fields, sent as `application/x-www-form-urlencoded`; not with `body`.
    pub form: Option<BTreeMap<String, Text>>,
    /// HTTP basic authentication.
    pub basic_auth: Option<BasicAuth>,
    /// What the response must look like.
    pub expect: Option<Expect>,
    /// Retry until the expectations hold.
    pub retry: Option<Retry>,
    /// The request that undoes this step, run in reverse order at the end.
    pub cleanup: Option<Cleanup>,
    /// JWTs to decode, verify against their issuer and check.
    pub token: Option<Vec<Token>>,
    /// What to snapshot: `full` (default), `off`, or `{jq: program}`.
    pub snapshot: Option<Snapshot>,
    /// The doc's expectation here is known to be wrong.
    pub defect: Option<Defect>,
}

/// Keys of [`Capture`].
pub(crate) const CAPTURE_KEYS: &[&str] = &["variable", "jq", "secret"];

/// A value to keep as a variable.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Capture {
    /// Variable name.
    pub variable: VarName,
    /// jq program over the response body; it must yield a non-null value.
    pub jq: String,
    /// `true`: the value is a secret, redacted everywhere as `$VARIABLE` like a secret-named
    /// one (a name that already says secret stays one).
    pub secret: Option<bool>,
}

/// `capture:` as a list of `{variable, jq}` or a single variable name.
#[derive(Debug)]
pub enum CaptureField {
    /// The docs' older form: one variable, with the step-level `jq`.
    Variable(String),
    /// A list of captures.
    List(Vec<Capture>),
}

impl<'de> Deserialize<'de> for CaptureField {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CaptureField;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a variable name or a list of {variable, jq}")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<CaptureField, E> {
                Ok(CaptureField::Variable(v.to_owned()))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<CaptureField, A::Error> {
                let mut list = Vec::new();
                while let Some(c) = seq.next_element()? {
                    list.push(c);
                }
                Ok(CaptureField::List(list))
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl JsonSchema for CaptureField {
    fn schema_name() -> Cow<'static, str> {
        "CaptureField".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let list = generator.subschema_for::<Vec<Capture>>();
        json_schema!({
            "oneOf": [
                { "type": "string", "pattern": "^[A-Z_][A-Z0-9_]*$" },
                list,
            ]
        })
    }
}

/// Keys of [`Extract`].
pub(crate) const EXTRACT_KEYS: &[&str] = &["name", "variable"];

/// A body field to keep as a variable.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Extract {
    /// Dotted path into the body: `id`, `data[0].id`.
    pub name: String,
    /// Variable name.
    pub variable: VarName,
}

/// Where a request goes.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum To {
    /// The Konnect API of the target.
    Api,
    /// The gateway proxy of the target.
    Proxy,
    /// An absolute URL.
    Url,
}

/// Which credentials the runner adds to a Konnect API call.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Auth {
    /// `Authorization: Bearer $KONNECT_TOKEN`.
    Konnect,
    /// None.
    None,
}

/// Keys of [`BasicAuth`].
pub(crate) const BASIC_AUTH_KEYS: &[&str] = &["username", "password"];

/// HTTP basic credentials.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BasicAuth {
    /// User name (an OAuth `client_id`).
    pub username: Text,
    /// Password (an OAuth `client_secret`).
    pub password: Text,
}

/// Keys of [`Expect`].
pub(crate) const EXPECT_KEYS: &[&str] = &["body", "jq", "headers"];

/// What a response must look like (the status is the step's `status_code`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// JSON subset of the body: extra keys allowed, arrays compared whole.
    pub body: Option<Value>,
    /// jq predicates over the body that must yield `true`.
    pub jq: Option<Vec<String>>,
    /// Header checks by name (case-insensitive).
    pub headers: Option<BTreeMap<String, HeaderRule>>,
}

/// Keys of the mapping forms of [`HeaderRule`].
pub(crate) const HEADER_RULE_KEYS: &[&str] = &["equals", "contains"];

/// What a response header must be.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum HeaderRule {
    /// Equal to.
    Equals(Text),
    /// Contains.
    Contains(Text),
    /// Present with any value.
    Present,
    /// Absent.
    Absent,
}

/// Keys of [`Retry`].
pub(crate) const RETRY_KEYS: &[&str] = &["timeout", "interval", "backoff"];

/// Retry a step until its expectations hold.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Retry {
    /// Give up after this long (`10s`).
    pub timeout: DurationText,
    /// First wait between attempts; `200ms` when absent.
    pub interval: Option<DurationText>,
    /// Multiplier applied to the wait after each attempt; `1.5` when absent.
    #[schemars(range(min = 1.0))]
    pub backoff: Option<f64>,
}

/// A duration: `200ms`, `10s`, `1.5s`, `1m`, `1h`.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct DurationText(pub String);

impl JsonSchema for DurationText {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "pattern": crate::duration::DURATION_PATTERN })
    }
}

/// Keys of [`Cleanup`].
pub(crate) const CLEANUP_KEYS: &[&str] = &["method", "url", "to", "auth", "headers", "query"];

/// The request that undoes a step.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cleanup {
    /// HTTP method, any case; `DELETE` when absent.
    #[schemars(regex(pattern = r"^[A-Za-z]+$"))]
    pub method: Option<String>,
    /// As the step's `url`; may use the step's own captures.
    pub url: Text,
    /// As the step's `to`.
    pub to: Option<To>,
    /// As the step's `auth`.
    pub auth: Option<Auth>,
    /// As the step's `headers`.
    pub headers: Option<Vec<Text>>,
    /// As the step's `query`.
    pub query: Option<BTreeMap<String, Text>>,
}

/// Keys of [`Token`].
pub(crate) const TOKEN_KEYS: &[&str] = &["variable", "header", "claims", "lifetime", "jq"];

/// A JWT to decode, verify against its issuer's JWKS, and check.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Token {
    /// Variable holding the token (`ACCESS_TOKEN`).
    pub variable: VarName,
    /// Subset the verified header must match (`{alg: RS256, typ: JWT}`).
    pub header: Option<Value>,
    /// Subset the verified claims must match; strings may use `$VARS`.
    pub claims: Option<Value>,
    /// Expected `exp - iat`, in seconds.
    pub lifetime: Option<u64>,
    /// jq predicates over the claims.
    pub jq: Option<Vec<String>>,
}

/// Keys of the mapping form of [`Snapshot`].
pub(crate) const SNAPSHOT_KEYS: &[&str] = &["jq"];

/// What to snapshot for a step.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Snapshot {
    /// Status, allow-listed headers and the whole body.
    Full,
    /// Nothing.
    Off,
    /// Status, allow-listed headers and this jq program's output over the body.
    Jq(String),
}

/// Keys of [`Defect`].
pub(crate) const DEFECT_KEYS: &[&str] = &["reason", "status"];

/// The doc's expectation for a step is known to be wrong, and what really happens.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Defect {
    /// Why the doc is wrong, in a sentence.
    pub reason: String,
    /// The status the target really answers.
    #[schemars(range(min = 100, max = 599))]
    pub status: Option<u16>,
}
