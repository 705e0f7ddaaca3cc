//! Request-body validation that reports every problem at once as Konnect's
//! `invalid_parameters` ([`InvalidParam`]), driven by a small declarative description of each
//! body ([`Field`], [`Kind`]) transcribed from the Kong Identity OpenAPI spec.
//!
//! Bodies are parsed from raw bytes here, never by axum's `Json` extractor, so malformed JSON,
//! wrong types and unknown properties all answer with the same problem+json shape.
//!
//! The rule names are those of the spec's `InvalidRules` enum (`required`, `unknown_property`,
//! `type`, `is_uuid`, `is_label`, `missing_reference`, `invalid`) plus the dedicated shapes for
//! `enum` (with `choices`), `min`/`min_length` (with `minimum`) and `max` (with `maximum`). The
//! exact `reason` wording of the real API is UNVERIFIED; the 404/401 bodies and the
//! "property id should not exist" reason are from observed responses.

use serde_json::{Map, Value, json};

use super::ids;
use crate::mock::problem::{Family, Problem};

/// One entry of a 400's `invalid_parameters`.
#[derive(Debug, Clone, PartialEq)]
pub struct InvalidParam {
    /// The offending field (`name`, `grant_types[1]`, `body`, `force`).
    pub field: String,
    /// The rule it broke.
    pub rule: &'static str,
    /// Where the field was: `body`, `query` or `path`.
    pub source: &'static str,
    /// Human-readable reason.
    pub reason: String,
    /// The rule's extra member (`choices`, `minimum`, `maximum`), if it has one (boxed: most
    /// parameters have none, and it keeps `Result<_, InvalidParam>` small).
    pub extra: Option<Box<(&'static str, Value)>>,
}

impl InvalidParam {
    /// A body parameter breaking `rule`.
    pub fn new(field: impl Into<String>, rule: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            rule,
            source: "body",
            reason: reason.into(),
            extra: None,
        }
    }

    /// The same parameter, found in `source` (`query`, `path`) instead of the body.
    pub fn in_source(mut self, source: &'static str) -> Self {
        self.source = source;
        self
    }

    /// A required field is missing.
    pub fn required(field: &str) -> Self {
        Self::new(field, "required", "is a required field")
    }

    /// A property the schema does not have.
    pub fn unknown_property(field: &str) -> Self {
        Self::new(
            field,
            "unknown_property",
            format!("property {field} should not exist"),
        )
    }

    /// A value of the wrong JSON type.
    pub fn wrong_type(field: &str, expected: &str) -> Self {
        Self::new(field, "type", format!("must be {expected}"))
    }

    /// A value outside an enum.
    pub fn not_in_enum(field: &str, choices: &[&str]) -> Self {
        Self {
            extra: Some(Box::new(("choices", json!(choices)))),
            ..Self::new(
                field,
                "enum",
                format!("must be one of [{}]", choices.join(", ")),
            )
        }
    }

    /// A number below its minimum.
    pub fn below_minimum(field: &str, minimum: i64) -> Self {
        Self {
            extra: Some(Box::new(("minimum", json!(minimum)))),
            ..Self::new(
                field,
                "min",
                format!("must be greater than or equal to {minimum}"),
            )
        }
    }

    /// A number above its maximum.
    pub fn above_maximum(field: &str, maximum: i64) -> Self {
        Self {
            extra: Some(Box::new(("maximum", json!(maximum)))),
            ..Self::new(
                field,
                "max",
                format!("must be less than or equal to {maximum}"),
            )
        }
    }

    /// A string shorter than its minimum length.
    pub fn too_short(field: &str, minimum: usize) -> Self {
        Self {
            extra: Some(Box::new(("minimum", json!(minimum)))),
            ..Self::new(
                field,
                "min_length",
                format!("must have at least {minimum} characters"),
            )
        }
    }

    /// A string longer than its maximum length.
    pub fn too_long(field: &str, maximum: usize) -> Self {
        Self {
            extra: Some(Box::new(("maximum", json!(maximum)))),
            ..Self::new(
                field,
                "max_length",
                format!("must not have more than {maximum} characters"),
            )
        }
    }

    /// The JSON form, with keys as the spec's `InvalidParameter*` schemas name them.
    pub fn to_json(&self) -> Value {
        let mut value = json!({
            "field": self.field,
            "rule": self.rule,
            "source": self.source,
            "reason": self.reason,
        });
        if let Some(extra) = &self.extra {
            let (key, extra) = &**extra;
            value[*key] = extra.clone();
        }
        value
    }
}

/// The 400 problem for `params` (all of them, in one response).
pub fn bad_request(params: &[InvalidParam]) -> Problem {
    // A body that is not JSON at all gets the control-planes API's documented detail
    // ("Invalid request format"); everything else the `kong:trace` family's documented
    // "Invalid Parameters" (control-planes-config spec examples). The real Kong Identity
    // detail is UNVERIFIED.
    let detail = if params
        .iter()
        .any(|p| p.field == "body" && p.rule == "invalid")
    {
        "Invalid request format"
    } else if params.iter().all(|p| p.rule == "unknown_property") {
        "Request contains unknown property"
    } else {
        "Invalid Parameters"
    };
    Problem::bad_request(
        Family::Identity,
        detail,
        params.iter().map(InvalidParam::to_json).collect(),
    )
}

/// What a field holds, with the constraints the spec puts on it.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// A string of at least `min_len` characters.
    Str {
        /// Minimum length (`minLength`).
        min_len: usize,
    },
    /// A boolean.
    Bool,
    /// An integer in `min..=max`.
    Int {
        /// `minimum`.
        min: i64,
        /// `maximum`.
        max: i64,
    },
    /// A string from a fixed set.
    Enum(&'static [&'static str]),
    /// An array of unique strings from a fixed set.
    EnumList(&'static [&'static str]),
    /// An array of unique UUID strings.
    UuidList,
    /// An absolute `https` URI without a fragment (`login_uri`).
    HttpsUri,
    /// An array of absolute `https` URIs without fragments (`redirect_uris`).
    HttpsUriList,
    /// An array of at most `max_items` unique absolute URIs (`trusted_origins`).
    UriList {
        /// Maximum number of items.
        max_items: usize,
    },
    /// A labels object: at most 50 string values; `update` allows `null` values (which
    /// remove the label), as `LabelsUpdate` does.
    Labels {
        /// Whether values may be `null`.
        update: bool,
    },
    /// A string of at most `max_len` characters (`maxLength`), empty allowed.
    Text {
        /// Maximum length.
        max_len: usize,
    },
    /// A `ManagedBy` object: at most 5 keys of 1 to 63 characters starting with a letter or
    /// digit, label-like string values; `update` allows `null` values (`ManagedByUpdate`).
    ManagedBy {
        /// Whether values may be `null`.
        update: bool,
    },
    /// `KongIdentityMetadata`: at most 50 keys whose values are booleans, strings, integers
    /// or arrays of unique strings or unique integers.
    Metadata,
    /// Any JSON object; its members are checked by the handler.
    Object,
}

/// One property of a request body.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// Property name.
    pub name: &'static str,
    /// What it holds.
    pub kind: Kind,
    /// Whether it must be present.
    pub required: bool,
    /// Whether `null` is accepted.
    pub nullable: bool,
}

impl Field {
    /// An optional, non-nullable field.
    pub const fn optional(name: &'static str, kind: Kind) -> Self {
        Self {
            name,
            kind,
            required: false,
            nullable: false,
        }
    }

    /// A required, non-nullable field.
    pub const fn required(name: &'static str, kind: Kind) -> Self {
        Self {
            required: true,
            ..Self::optional(name, kind)
        }
    }

    /// The same field, accepting `null`.
    pub const fn nullable(self) -> Self {
        Self {
            nullable: true,
            ..self
        }
    }
}

/// Parses `body` as a JSON object and checks it against `fields`; every problem is reported.
/// An empty body counts as `{}`.
pub fn parse_object(
    body: &[u8],
    fields: &[Field],
) -> Result<Map<String, Value>, Vec<InvalidParam>> {
    let object = parse_json_object(body)?;
    let mut problems = Vec::new();
    for key in object.keys() {
        if !fields.iter().any(|f| f.name == key) {
            problems.push(InvalidParam::unknown_property(key));
        }
    }
    for field in fields {
        match object.get(field.name) {
            None if field.required => problems.push(InvalidParam::required(field.name)),
            None => {}
            Some(Value::Null) if field.nullable => {}
            Some(value) => check(field.name, field.kind, value, &mut problems),
        }
    }
    if problems.is_empty() {
        Ok(object)
    } else {
        Err(problems)
    }
}

/// Parses `body` as a JSON object whose every value is a string (the test-claim body: claim
/// name → template).
pub fn parse_string_map(body: &[u8]) -> Result<Map<String, Value>, Vec<InvalidParam>> {
    let object = parse_json_object(body)?;
    let problems: Vec<InvalidParam> = object
        .iter()
        .filter(|(_, v)| !v.is_string())
        .map(|(k, _)| InvalidParam::wrong_type(k, "a string"))
        .collect();
    if problems.is_empty() {
        Ok(object)
    } else {
        Err(problems)
    }
}

fn parse_json_object(body: &[u8]) -> Result<Map<String, Value>, Vec<InvalidParam>> {
    let value: Value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Map::new())
    } else {
        serde_json::from_slice(body).map_err(|e| {
            vec![InvalidParam::new(
                "body",
                "invalid",
                format!(
                    "request format is invalid: {} at line {} column {}",
                    json_error_kind(&e),
                    e.line(),
                    e.column()
                ),
            )]
        })?
    };
    match value {
        Value::Object(object) => Ok(object),
        _ => Err(vec![InvalidParam::wrong_type("body", "an object")]),
    }
}

/// serde_json's error category, without echoing any of the body (it may hold a secret).
fn json_error_kind(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Eof => "unexpected end of input",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "invalid data",
        serde_json::error::Category::Io => "read error",
    }
}

fn check(name: &str, kind: Kind, value: &Value, problems: &mut Vec<InvalidParam>) {
    match kind {
        Kind::Str { min_len } => match value.as_str() {
            None => problems.push(InvalidParam::wrong_type(name, "a string")),
            Some(s) if s.chars().count() < min_len => {
                problems.push(InvalidParam::too_short(name, min_len));
            }
            Some(_) => {}
        },
        Kind::Bool => {
            if !value.is_boolean() {
                problems.push(InvalidParam::wrong_type(name, "a boolean"));
            }
        }
        Kind::Int { min, max } => match value.as_i64() {
            None => problems.push(InvalidParam::wrong_type(name, "an integer")),
            Some(n) if n < min => problems.push(InvalidParam::below_minimum(name, min)),
            Some(n) if n > max => problems.push(InvalidParam::above_maximum(name, max)),
            Some(_) => {}
        },
        Kind::Enum(choices) => match value.as_str() {
            Some(s) if choices.contains(&s) => {}
            _ => problems.push(InvalidParam::not_in_enum(name, choices)),
        },
        Kind::EnumList(choices) => each_unique_string(name, value, problems, |field, s| {
            (!choices.contains(&s)).then(|| InvalidParam::not_in_enum(field, choices))
        }),
        Kind::UuidList => each_unique_string(name, value, problems, |field, s| {
            (!ids::is_uuid(s)).then(|| InvalidParam::new(field, "is_uuid", "must be a valid UUID"))
        }),
        Kind::HttpsUri => match value.as_str() {
            None => problems.push(InvalidParam::wrong_type(name, "a string")),
            Some(s) => problems.extend(https_uri_problem(name, s)),
        },
        Kind::HttpsUriList => {
            each_unique_string(name, value, problems, https_uri_problem);
        }
        Kind::UriList { max_items } => {
            if value.as_array().is_some_and(|a| a.len() > max_items) {
                problems.push(InvalidParam {
                    extra: Some(Box::new(("maximum", json!(max_items)))),
                    ..InvalidParam::new(
                        name,
                        "max_items",
                        format!("must not have more than {max_items} items"),
                    )
                });
            }
            each_unique_string(name, value, problems, |field, s| {
                url::Url::parse(s)
                    .is_err()
                    .then(|| InvalidParam::new(field, "invalid", "must be an absolute URI"))
            });
        }
        Kind::Labels { update } => check_labels(name, value, update, problems),
        Kind::Text { max_len } => match value.as_str() {
            None => problems.push(InvalidParam::wrong_type(name, "a string")),
            Some(s) if s.chars().count() > max_len => {
                problems.push(InvalidParam::too_long(name, max_len));
            }
            Some(_) => {}
        },
        Kind::ManagedBy { update } => check_managed_by(name, value, update, problems),
        Kind::Metadata => check_metadata(name, value, problems),
        Kind::Object => {
            if !value.is_object() {
                problems.push(InvalidParam::wrong_type(name, "an object"));
            }
        }
    }
}

fn check_managed_by(name: &str, value: &Value, update: bool, problems: &mut Vec<InvalidParam>) {
    let Some(map) = value.as_object() else {
        problems.push(InvalidParam::wrong_type(name, "an object"));
        return;
    };
    if map.len() > 5 {
        problems.push(InvalidParam::new(
            name,
            "invalid",
            "must not have more than 5 keys",
        ));
    }
    for (key, v) in map {
        let field = format!("{name}.{key}");
        let key_ok = key.chars().count() <= 63
            && key
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric());
        if !key_ok {
            problems.push(InvalidParam::new(
                &field,
                "invalid",
                "keys must be 1 to 63 characters starting with a letter or digit",
            ));
        }
        match v {
            Value::Null if update => {}
            Value::String(s) if is_label_value(s) => {}
            Value::String(_) => problems.push(InvalidParam::new(
                &field,
                "matches_regex",
                "values must be 1 to 63 letters, digits, '-', '.' or '_', starting and ending with a letter or digit",
            )),
            _ => problems.push(InvalidParam::wrong_type(&field, "a string")),
        }
    }
}

fn check_metadata(name: &str, value: &Value, problems: &mut Vec<InvalidParam>) {
    let Some(map) = value.as_object() else {
        problems.push(InvalidParam::wrong_type(name, "an object"));
        return;
    };
    if map.len() > 50 {
        problems.push(InvalidParam::new(
            name,
            "invalid",
            "must not have more than 50 keys",
        ));
    }
    for (key, v) in map {
        let ok = match v {
            Value::Bool(_) | Value::String(_) => true,
            Value::Number(n) => n.is_i64() || n.is_u64(),
            Value::Array(items) => {
                let strings = items.iter().all(Value::is_string);
                let integers = items.iter().all(|i| i.is_i64() || i.is_u64());
                let unique = items
                    .iter()
                    .enumerate()
                    .all(|(i, x)| !items[..i].contains(x));
                items.len() <= 255 && (strings || integers) && unique
            }
            _ => false,
        };
        if !ok {
            problems.push(InvalidParam::new(
                format!("{name}.{key}"),
                "type",
                "must be a boolean, a string, an integer, or an array of unique strings or unique integers",
            ));
        }
    }
}

fn https_uri_problem(field: &str, s: &str) -> Option<InvalidParam> {
    match url::Url::parse(s) {
        Err(_) => Some(InvalidParam::new(
            field,
            "invalid",
            "must be an absolute URI",
        )),
        Ok(u) if u.scheme() != "https" => Some(InvalidParam::new(
            field,
            "invalid",
            "must use the https scheme",
        )),
        Ok(u) if u.fragment().is_some() => Some(InvalidParam::new(
            field,
            "invalid",
            "must not include a fragment",
        )),
        Ok(_) => None,
    }
}

/// Checks an array of unique strings, each with `item`.
fn each_unique_string(
    name: &str,
    value: &Value,
    problems: &mut Vec<InvalidParam>,
    item: impl Fn(&str, &str) -> Option<InvalidParam>,
) {
    let Some(array) = value.as_array() else {
        problems.push(InvalidParam::wrong_type(name, "an array"));
        return;
    };
    for (i, v) in array.iter().enumerate() {
        let field = format!("{name}[{i}]");
        match v.as_str() {
            None => problems.push(InvalidParam::wrong_type(&field, "a string")),
            Some(s) => {
                if let Some(p) = item(&field, s) {
                    problems.push(p);
                } else if array[..i].contains(v) {
                    problems.push(InvalidParam::new(
                        &field,
                        "invalid",
                        "must not repeat an earlier item",
                    ));
                }
            }
        }
    }
}

const LABEL_RESERVED_PREFIXES: &[&str] = &["kong", "konnect", "mesh", "kic", "_"];

fn check_labels(name: &str, value: &Value, update: bool, problems: &mut Vec<InvalidParam>) {
    let Some(labels) = value.as_object() else {
        problems.push(InvalidParam::wrong_type(name, "an object"));
        return;
    };
    if labels.len() > 50 {
        problems.push(InvalidParam::new(
            name,
            "is_label",
            "must not have more than 50 labels",
        ));
    }
    for (key, v) in labels {
        let field = format!("{name}.{key}");
        if key.is_empty()
            || key.chars().count() > 63
            || LABEL_RESERVED_PREFIXES.iter().any(|p| key.starts_with(p))
        {
            problems.push(InvalidParam::new(
                &field,
                "is_label",
                "keys must be 1 to 63 characters and must not start with kong, konnect, mesh, kic or _",
            ));
        }
        match v {
            Value::Null if update => {}
            Value::String(s) if is_label_value(s) => {}
            Value::String(_) => problems.push(InvalidParam::new(
                &field,
                "is_label",
                "values must be 1 to 63 letters, digits, '-', '.' or '_', starting and ending with a letter or digit",
            )),
            _ => problems.push(InvalidParam::wrong_type(&field, "a string")),
        }
    }
}

/// `^[a-z0-9A-Z]{1}([a-z0-9A-Z-._]*[a-z0-9A-Z]+)?$`, 1 to 63 characters.
fn is_label_value(s: &str) -> bool {
    let bytes = s.as_bytes();
    let edge_ok = |b: Option<&u8>| b.is_some_and(u8::is_ascii_alphanumeric);
    (1..=63).contains(&bytes.len())
        && edge_ok(bytes.first())
        && edge_ok(bytes.last())
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
}

/// Typed reads of a validated body. Each returns `None` when the field is absent (or, for
/// the `Option` variants, when it is `null`); the types were checked by [`parse_object`].
pub mod read {
    use std::collections::BTreeMap;

    use serde_json::{Map, Value};

    /// A string field.
    pub fn string(body: &Map<String, Value>, name: &str) -> Option<String> {
        body.get(name)?.as_str().map(str::to_owned)
    }

    /// A boolean field.
    pub fn boolean(body: &Map<String, Value>, name: &str) -> Option<bool> {
        body.get(name)?.as_bool()
    }

    /// An integer field.
    pub fn integer(body: &Map<String, Value>, name: &str) -> Option<u64> {
        body.get(name)?.as_u64()
    }

    /// An array of strings.
    pub fn strings(body: &Map<String, Value>, name: &str) -> Option<Vec<String>> {
        body.get(name)?.as_array().map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
    }

    /// A nullable field: `None` when absent, `Some(None)` when `null`.
    pub fn nullable_string(body: &Map<String, Value>, name: &str) -> Option<Option<String>> {
        body.get(name).map(|v| v.as_str().map(str::to_owned))
    }

    /// A labels object, replacing the current labels.
    pub fn labels(body: &Map<String, Value>, name: &str) -> Option<BTreeMap<String, String>> {
        body.get(name)?.as_object().map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
    }

    /// Applies a `LabelsUpdate` to `current`: `null` clears every label, a `null` value
    /// removes that label, other values are set. Merge semantics are UNVERIFIED; they are
    /// what the nullable values in the spec suggest.
    pub fn merge_labels(
        body: &Map<String, Value>,
        name: &str,
        current: &mut BTreeMap<String, String>,
    ) {
        match body.get(name) {
            None => {}
            Some(Value::Null) => current.clear(),
            Some(Value::Object(m)) => {
                for (k, v) in m {
                    match v.as_str() {
                        Some(s) => {
                            current.insert(k.clone(), s.to_owned());
                        }
                        None => {
                            current.remove(k);
                        }
                    }
                }
            }
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALGS: &[&str] = &["RS256", "PS256"];
    const FIELDS: &[Field] = &[
        Field::required("name", Kind::Str { min_len: 1 }),
        Field::required("audience", Kind::Str { min_len: 1 }),
        Field::optional("signing_algorithm", Kind::Enum(ALGS)),
        Field::optional("duration", Kind::Int { min: 60, max: 100 }),
        Field::optional("scopes", Kind::UuidList),
        Field::optional("login_uri", Kind::HttpsUri).nullable(),
        Field::optional("labels", Kind::Labels { update: false }),
    ];

    fn rules(result: Result<Map<String, Value>, Vec<InvalidParam>>) -> Vec<(String, &'static str)> {
        result
            .unwrap_err()
            .into_iter()
            .map(|p| (p.field, p.rule))
            .collect()
    }

    #[test]
    fn reports_every_problem_at_once() {
        let got = rules(parse_object(
            br#"{"id":"x","name":"n","signing_algorithm":"HS256"}"#,
            FIELDS,
        ));
        assert_eq!(
            got,
            vec![
                ("id".to_owned(), "unknown_property"),
                ("audience".to_owned(), "required"),
                ("signing_algorithm".to_owned(), "enum"),
            ]
        );
    }

    #[test]
    fn enum_problems_carry_choices() {
        let params = parse_object(
            br#"{"name":"n","audience":"a","signing_algorithm":1}"#,
            FIELDS,
        )
        .unwrap_err();
        assert_eq!(params[0].to_json()["choices"], json!(["RS256", "PS256"]));
    }

    #[test]
    fn types_ranges_and_formats() {
        let got = rules(parse_object(
            br#"{"name":3,"audience":"","duration":59,"scopes":["nope", 4],
                "login_uri":"http://x.test/#f","labels":{"kong-x":"v","ok":"-bad"}}"#,
            FIELDS,
        ));
        assert_eq!(
            got,
            vec![
                ("name".to_owned(), "type"),
                ("audience".to_owned(), "min_length"),
                ("duration".to_owned(), "min"),
                ("scopes[0]".to_owned(), "is_uuid"),
                ("scopes[1]".to_owned(), "type"),
                ("login_uri".to_owned(), "invalid"),
                ("labels.kong-x".to_owned(), "is_label"),
                ("labels.ok".to_owned(), "is_label"),
            ]
        );
        let got = rules(parse_object(
            br#"{"name":"n","audience":"a","duration":101}"#,
            FIELDS,
        ));
        assert_eq!(got, vec![("duration".to_owned(), "max")]);
    }

    #[test]
    fn duplicates_in_unique_arrays_are_refused() {
        let id = "836fda4d-612c-4faf-9c45-284a0ecd637a";
        let body = format!(r#"{{"name":"n","audience":"a","scopes":["{id}","{id}"]}}"#);
        let got = rules(parse_object(body.as_bytes(), FIELDS));
        assert_eq!(got, vec![("scopes[1]".to_owned(), "invalid")]);
    }

    #[test]
    fn malformed_json_and_non_objects() {
        let params = parse_object(br#"{"name": "#, FIELDS).unwrap_err();
        assert_eq!(
            (params[0].field.as_str(), params[0].rule),
            ("body", "invalid")
        );
        assert!(params[0].reason.contains("line 1"), "{}", params[0].reason);
        let got = rules(parse_object(b"[1]", FIELDS));
        assert_eq!(got, vec![("body".to_owned(), "type")]);
    }

    #[test]
    fn malformed_json_reason_never_echoes_the_body() {
        let params = parse_object(br#"{"client_secret": s3cr3t}"#, FIELDS).unwrap_err();
        assert!(!params[0].reason.contains("s3cr3t"), "{}", params[0].reason);
    }

    #[test]
    fn null_only_where_nullable_and_empty_body_is_empty_object() {
        assert!(parse_object(br#"{"name":"n","audience":"a","login_uri":null}"#, FIELDS).is_ok());
        let got = rules(parse_object(br#"{"name":null,"audience":"a"}"#, FIELDS));
        assert_eq!(got, vec![("name".to_owned(), "type")]);
        let got = rules(parse_object(b"  ", FIELDS));
        assert_eq!(
            got,
            vec![
                ("name".to_owned(), "required"),
                ("audience".to_owned(), "required")
            ]
        );
    }

    #[test]
    fn detail_names_the_kind_of_problem() {
        let unknown = [InvalidParam::unknown_property("id")];
        assert_eq!(
            bad_request(&unknown).detail,
            "Request contains unknown property"
        );
        let mixed = [
            InvalidParam::unknown_property("id"),
            InvalidParam::required("name"),
        ];
        assert_eq!(bad_request(&mixed).detail, "Invalid Parameters");
    }

    #[test]
    fn label_values_follow_the_pattern() {
        assert!(is_label_value("a"));
        assert!(is_label_value("prod-1.x_y"));
        assert!(!is_label_value("-a"));
        assert!(!is_label_value("a-"));
        assert!(!is_label_value(""));
        assert!(!is_label_value(&"a".repeat(64)));
    }

    #[test]
    fn merge_labels_sets_removes_and_clears() {
        let mut current = read::labels(
            json!({"labels":{"a":"1","b":"2"}}).as_object().unwrap(),
            "labels",
        )
        .unwrap();
        read::merge_labels(
            json!({"labels":{"a":null,"c":"3"}}).as_object().unwrap(),
            "labels",
            &mut current,
        );
        assert_eq!(current.keys().collect::<Vec<_>>(), ["b", "c"]);
        read::merge_labels(
            json!({"labels":null}).as_object().unwrap(),
            "labels",
            &mut current,
        );
        assert!(current.is_empty());
    }
}
