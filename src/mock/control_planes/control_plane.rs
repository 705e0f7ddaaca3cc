//! [`ControlPlane`]: the control plane resource of `/v2/control-planes` (spec
//! `control-planes/v2` 2.0.2), its request validation, list filtering, and handlers.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use rand::RngExt as _;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::macros::format_description;
use uuid::Uuid;

use super::query::Query;
use super::store::CreateError;
use crate::mock::auth::ApiOrg;
use crate::mock::problem::{Family, Problem};
use crate::mock::state::SharedState;

const CLUSTER_TYPES: &[&str] = &[
    "CLUSTER_TYPE_CONTROL_PLANE",
    "CLUSTER_TYPE_K8S_INGRESS_CONTROLLER",
    "CLUSTER_TYPE_CONTROL_PLANE_GROUP",
    "CLUSTER_TYPE_SERVERLESS",
    "CLUSTER_TYPE_KAFKA_NATIVE_EVENT_PROXY",
    "CLUSTER_TYPE_SERVERLESS_V1",
];

const AUTH_TYPES: &[&str] = &["pinned_client_certs", "pki_client_certs"];

const CREATE_FIELDS: &[&str] = &[
    "name",
    "description",
    "cluster_type",
    "auth_type",
    "cloud_gateway",
    "proxy_urls",
    "labels",
];

/// Label key prefixes Konnect reserves (spec `Labels`).
const RESERVED_LABEL_PREFIXES: &[&str] = &["kong", "konnect", "mesh", "kic", "_"];

/// Page size when `page[size]` is absent. UNVERIFIED: the facts sheet's sample response
/// shows `size: 10`.
const DEFAULT_PAGE_SIZE: usize = 10;

/// A control plane.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlPlane {
    /// UUID.
    pub id: Uuid,
    /// Name, unique in the organization.
    pub name: String,
    /// Description (`""` when not given).
    pub description: String,
    /// Labels.
    pub labels: Map<String, Value>,
    /// `config.cluster_type`.
    pub cluster_type: String,
    /// `config.auth_type`.
    pub auth_type: String,
    /// `config.cloud_gateway`.
    pub cloud_gateway: bool,
    /// `config.proxy_urls`.
    pub proxy_urls: Vec<Value>,
    /// The 10 hex digits of its endpoint host names.
    pub endpoint_id: String,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last update time.
    pub updated_at: OffsetDateTime,
}

/// `2022-11-04T20:10:06.927Z`: ISO 8601 with milliseconds, as the spec's examples show.
fn timestamp(t: OffsetDateTime) -> String {
    t.format(format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    ))
    .unwrap_or_default()
}

fn invalid(field: &str, rule: Option<&str>, reason: impl Into<String>) -> Value {
    let mut item = json!({"field": field, "reason": reason.into()});
    if let Some(rule) = rule {
        item["rule"] = json!(rule);
    }
    item
}

impl ControlPlane {
    /// The resource as the API returns it (spec `ControlPlane`).
    ///
    /// UNVERIFIED: the endpoint host format follows the spec's example
    /// (`https://acfe5f253f.cp.konghq.com`); live control planes may add a region label.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "labels": self.labels,
            "config": {
                "control_plane_endpoint": format!("https://{}.cp.konghq.com", self.endpoint_id),
                "telemetry_endpoint": format!("https://{}.tp0.konghq.com", self.endpoint_id),
                "cluster_type": self.cluster_type,
                "auth_type": self.auth_type,
                "cloud_gateway": self.cloud_gateway,
                "proxy_urls": self.proxy_urls,
            },
            "created_at": timestamp(self.created_at),
            "updated_at": timestamp(self.updated_at),
        })
    }

    /// Validates a create request (spec `CreateControlPlaneRequest`, which forbids unknown
    /// properties), collecting every invalid parameter.
    pub fn from_create_request(body: &[u8]) -> Result<Self, Problem> {
        let object = create_object(body)?;
        let mut params = Vec::new();
        let name = create_name(&object, &mut params)?;
        let description = optional_string(&object, "description", &mut params).unwrap_or_default();
        if description.chars().count() > 2048 {
            params.push(
                json!({"field": "description", "rule": "max_length", "maximum": 2048,
                               "reason": "must not have more than 2048 characters"}),
            );
        }
        let cluster_type = choice(
            &object,
            ("cluster_type", CLUSTER_TYPES),
            "CLUSTER_TYPE_CONTROL_PLANE",
            &mut params,
        );
        let auth_type = choice(
            &object,
            ("auth_type", AUTH_TYPES),
            "pinned_client_certs",
            &mut params,
        );
        let cloud_gateway = match object.get("cloud_gateway") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                params.push(invalid(
                    "cloud_gateway",
                    Some("is_boolean"),
                    "must be a boolean",
                ));
                false
            }
        };
        let proxy_urls = proxy_urls(object.get("proxy_urls"), &mut params);
        let labels = labels(object.get("labels"), &mut params);
        if !params.is_empty() {
            return Err(bad_request("Invalid request", params));
        }
        let now = OffsetDateTime::now_utc();
        let mut rng = rand::rng();
        Ok(Self {
            id: Uuid::new_v4(),
            name,
            description,
            labels,
            cluster_type,
            auth_type,
            cloud_gateway,
            proxy_urls,
            endpoint_id: (0..10)
                .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16)]))
                .collect(),
            created_at: now,
            updated_at: now,
        })
    }

    /// A control plane with defaults, for tests.
    #[cfg(test)]
    pub fn new_for_test(name: &str) -> Self {
        let body = json!({ "name": name }).to_string();
        Self::from_create_request(body.as_bytes()).unwrap()
    }
}

fn proxy_urls(value: Option<&Value>, params: &mut Vec<Value>) -> Vec<Value> {
    let items = match value {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(items)) => items,
        Some(_) => {
            params.push(invalid("proxy_urls", Some("is_array"), "must be an array"));
            return Vec::new();
        }
    };
    if items.len() > 5 {
        params.push(
            json!({"field": "proxy_urls", "rule": "max_items", "maximum": 5,
                           "reason": "must not have more than 5 items"}),
        );
    }
    for (i, item) in items.iter().enumerate() {
        let ok = item.as_object().is_some_and(|o| {
            o.keys()
                .all(|k| ["host", "port", "protocol"].contains(&k.as_str()))
                && o.get("host")
                    .and_then(Value::as_str)
                    .is_some_and(|h| !h.is_empty())
                && o.get("port")
                    .and_then(Value::as_i64)
                    .is_some_and(|p| p >= 1)
                && o.get("protocol")
                    .and_then(Value::as_str)
                    .is_some_and(|p| !p.is_empty())
        });
        if !ok {
            params.push(invalid(
                &format!("proxy_urls[{i}]"),
                Some("invalid"),
                "must have a host, a port and a protocol",
            ));
        }
    }
    items.clone()
}

fn labels(value: Option<&Value>, params: &mut Vec<Value>) -> Map<String, Value> {
    let map = match value {
        None | Some(Value::Null) => return Map::new(),
        Some(Value::Object(map)) => map,
        Some(_) => {
            params.push(invalid("labels", Some("is_object"), "must be an object"));
            return Map::new();
        }
    };
    let valid_text = |s: &str| {
        !s.is_empty()
            && s.len() <= 63
            && s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
            && s.bytes().last().is_some_and(|b| b.is_ascii_alphanumeric())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
    };
    for (key, value) in map {
        let reserved = RESERVED_LABEL_PREFIXES.iter().any(|p| key.starts_with(p));
        let value_ok = value.as_str().is_some_and(valid_text);
        if reserved || !valid_text(key) || !value_ok {
            params.push(invalid(
                &format!("labels.{key}"),
                Some("is_label"),
                "must be a valid label",
            ));
        }
    }
    map.clone()
}

/// Remembers the `Host` the API was called with (see `ControlPlaneStore::api_host_seen`).
pub(super) fn note_host(state: &SharedState, headers: &HeaderMap) {
    if let Some(host) = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
    {
        state.control_planes.note_api_host(host);
    }
}

fn not_found() -> Response {
    Problem::new(
        Family::ControlPlanes,
        StatusCode::NOT_FOUND,
        "Not Found",
        "The requested control plane was not found.",
    )
    .into_response()
}

/// The answer to a path id that is not a UUID: the spec's "Invalid ID Format" example.
pub(super) fn invalid_id() -> Response {
    Problem::bad_request(
        Family::ControlPlanes,
        "Request contains invalid ID format",
        vec![invalid("id", None, "invalid ID format")],
    )
    .into_response()
}

/// `POST /v2/control-planes`.
pub async fn create(
    State(state): State<SharedState>,
    ApiOrg(org): ApiOrg,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    note_host(&state, &headers);
    let plane = match ControlPlane::from_create_request(&body) {
        Ok(p) => p,
        Err(problem) => return problem.into_response(),
    };
    match state.control_planes.create(&org, plane) {
        Ok(plane) => (StatusCode::CREATED, Json(plane.to_json())).into_response(),
        Err(CreateError::DuplicateName) => Problem::conflict(
            Family::ControlPlanes,
            "Control Plane with provided name already exists.",
        )
        .into_response(),
    }
}

/// One parsed list filter.
fn matches(plane: &ControlPlane, field: &str, op: &str, value: &str) -> Option<bool> {
    let any_of = |actual: &str| value.split(',').any(|v| v == actual);
    Some(match (field, op) {
        ("name", "eq") => plane.name == value,
        ("name", "neq") => plane.name != value,
        ("name", "contains") => plane.name.contains(value),
        ("id", "eq") => plane.id.to_string() == value,
        ("id", "oeq") => any_of(&plane.id.to_string()),
        ("cluster_type", "eq") => plane.cluster_type == value,
        ("cluster_type", "neq") => plane.cluster_type != value,
        ("cluster_type", "oeq") => any_of(&plane.cluster_type),
        ("cloud_gateway", "eq") => plane.cloud_gateway.to_string() == value,
        _ => return None,
    })
}

fn label_matches(plane: &ControlPlane, spec: &str) -> bool {
    spec.split(',')
        .filter(|s| !s.is_empty())
        .all(|term| match term.split_once(':') {
            Some((k, v)) => plane.labels.get(k).and_then(Value::as_str) == Some(v),
            None => plane.labels.contains_key(term),
        })
}

fn page_param(query: &Query, key: &str, default: usize) -> Result<usize, Problem> {
    match query.get(key) {
        None | Some("") => Ok(default),
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| {
                Problem::bad_request(
                    Family::ControlPlanes,
                    "Invalid request",
                    vec![invalid(
                        key,
                        Some("is_integer"),
                        "must be a positive integer",
                    )],
                )
            }),
    }
}

/// `GET /v2/control-planes`: `page[size]`, `page[number]`, `filter[…]`, `labels`, `sort`.
pub async fn list(
    State(state): State<SharedState>,
    ApiOrg(org): ApiOrg,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    note_host(&state, &headers);
    let query = Query::parse(raw.as_deref());
    let (size, number) = match (
        page_param(&query, "page[size]", DEFAULT_PAGE_SIZE),
        page_param(&query, "page[number]", 1),
    ) {
        (Ok(s), Ok(n)) => (s, n),
        (Err(p), _) | (_, Err(p)) => return p.into_response(),
    };
    let filters = query.filters();
    let mut planes = state.control_planes.list(&org);
    for (field, op, value) in &filters {
        if matches(&ControlPlane::placeholder(), field, op, value).is_none() {
            return Problem::bad_request(
                Family::ControlPlanes,
                "Invalid request",
                vec![invalid(
                    &format!("filter[{field}][{op}]"),
                    Some("invalid"),
                    "unsupported filter",
                )],
            )
            .into_response();
        }
        planes.retain(|p| matches(p, field, op, value).unwrap_or(false));
    }
    if let Some(spec) = query.get("labels") {
        planes.retain(|p| label_matches(p, spec));
    }
    match query.get("sort").map(str::trim) {
        None | Some("") | Some("created_at") | Some("created_at asc") => {}
        Some("created_at desc") => planes.reverse(),
        Some(_) => {
            return Problem::bad_request(
                Family::ControlPlanes,
                "Invalid request",
                vec![invalid(
                    "sort",
                    Some("invalid"),
                    "unsupported sort attribute",
                )],
            )
            .into_response();
        }
    }
    let total = planes.len();
    let data: Vec<Value> = planes
        .iter()
        .skip(size.saturating_mul(number - 1))
        .take(size)
        .map(ControlPlane::to_json)
        .collect();
    Json(json!({
        "meta": {"page": {"number": number, "size": size, "total": total}},
        "data": data,
    }))
    .into_response()
}

impl ControlPlane {
    /// A throwaway value to ask [`matches`] whether a filter is supported at all.
    fn placeholder() -> Self {
        Self {
            id: Uuid::nil(),
            name: String::new(),
            description: String::new(),
            labels: Map::new(),
            cluster_type: String::new(),
            auth_type: String::new(),
            cloud_gateway: false,
            proxy_urls: Vec::new(),
            endpoint_id: String::new(),
            created_at: OffsetDateTime::UNIX_EPOCH,
            updated_at: OffsetDateTime::UNIX_EPOCH,
        }
    }
}

/// `GET /v2/control-planes/{controlPlaneId}`.
pub async fn get(
    State(state): State<SharedState>,
    ApiOrg(org): ApiOrg,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    note_host(&state, &headers);
    let Ok(id) = Uuid::parse_str(&id) else {
        return invalid_id();
    };
    match state.control_planes.get(&org, id) {
        Some(plane) => Json(plane.to_json()).into_response(),
        None => not_found(),
    }
}

/// `DELETE /v2/control-planes/{controlPlaneId}`.
pub async fn delete(
    State(state): State<SharedState>,
    ApiOrg(org): ApiOrg,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    note_host(&state, &headers);
    let Ok(id) = Uuid::parse_str(&id) else {
        return invalid_id();
    };
    if state.control_planes.delete(&org, id) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        not_found()
    }
}

/// The 404 of a core-entities call on a control plane that does not exist (or belongs to
/// another organization). UNVERIFIED: assumed to be the control-planes API's problem+json.
pub(super) fn control_plane_not_found() -> Response {
    not_found()
}

/// A 400 `Problem` of the control planes API with its invalid parameters.
fn bad_request(detail: &str, params: Vec<Value>) -> Problem {
    Problem::bad_request(Family::ControlPlanes, detail, params)
}

/// The create request's JSON object, refused when it is not one or has a property the spec
/// does not know.
fn create_object(body: &[u8]) -> Result<Map<String, Value>, Problem> {
    let malformed = || {
        bad_request(
            "Invalid request format",
            vec![invalid("body", None, "request format is invalid")],
        )
    };
    let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(body) else {
        return Err(malformed());
    };
    let unknown: Vec<Value> = object
        .keys()
        .filter(|k| !CREATE_FIELDS.contains(&k.as_str()))
        .map(|k| invalid(k, None, format!("property {k} should not exist")))
        .collect();
    if !unknown.is_empty() {
        return Err(bad_request("Request contains unknown property", unknown));
    }
    Ok(object)
}

/// The required `name`: a blank one is refused at once, a bad one is one more invalid
/// parameter.
fn create_name(object: &Map<String, Value>, params: &mut Vec<Value>) -> Result<String, Problem> {
    let name = match object.get("name") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => {
            let chars = s.chars().count();
            if chars < 2 {
                params.push(json!({"field": "name", "rule": "min_length", "minimum": 2,
                                   "reason": "must have at least 2 characters"}));
            } else if chars > 256 {
                params.push(
                    json!({"field": "name", "rule": "max_length", "maximum": 256,
                                   "reason": "must not have more than 256 characters"}),
                );
            }
            Some(s.clone())
        }
        Some(_) => {
            params.push(invalid("name", Some("is_string"), "must be a string"));
            Some(String::new())
        }
    };
    // UNVERIFIED: the wording of the spec's "Cannot Be Blank" example.
    name.ok_or_else(|| {
        bad_request(
            "Request cannot be empty",
            vec![invalid("name", None, "cannot be blank")],
        )
    })
}

/// An optional string property; another type is an invalid parameter.
fn optional_string(
    object: &Map<String, Value>,
    key: &str,
    params: &mut Vec<Value>,
) -> Option<String> {
    match object.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            params.push(invalid(key, Some("is_string"), "must be a string"));
            None
        }
    }
}

/// An optional enum property (`(key, choices)`), `default` when absent or invalid.
fn choice(
    object: &Map<String, Value>,
    (key, choices): (&str, &[&str]),
    default: &str,
    params: &mut Vec<Value>,
) -> String {
    match optional_string(object, key, params) {
        None => default.to_owned(),
        Some(v) if choices.contains(&v.as_str()) => v,
        Some(_) => {
            params.push(json!({"field": key, "rule": "enum", "choices": choices,
                               "reason": "must be one of the allowed values"}));
            default.to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(body: Value) -> (String, Vec<Value>) {
        let problem = ControlPlane::from_create_request(body.to_string().as_bytes()).unwrap_err();
        (problem.detail, problem.invalid_parameters.unwrap())
    }

    #[test]
    fn create_defaults_match_the_spec_shape() {
        let plane = ControlPlane::new_for_test("quickstart");
        let json = plane.to_json();
        assert_eq!(json["config"]["cluster_type"], "CLUSTER_TYPE_CONTROL_PLANE");
        assert_eq!(json["config"]["auth_type"], "pinned_client_certs");
        assert_eq!(json["config"]["proxy_urls"], json!([]));
        assert_eq!(json["description"], "");
        let endpoint = json["config"]["control_plane_endpoint"].as_str().unwrap();
        let host = endpoint.strip_prefix("https://").unwrap();
        let (id, rest) = host.split_once('.').unwrap();
        assert_eq!(rest, "cp.konghq.com");
        assert!(id.len() == 10 && id.bytes().all(|b| b.is_ascii_hexdigit()));
        let telemetry = json["config"]["telemetry_endpoint"].as_str().unwrap();
        assert_eq!(telemetry, format!("https://{id}.tp0.konghq.com"));
        let created = json["created_at"].as_str().unwrap();
        assert_eq!(created.len(), "2022-11-04T20:10:06.927Z".len(), "{created}");
        assert!(created.ends_with('Z'));
    }

    #[test]
    fn unknown_property_is_reported_like_konnect() {
        let (detail, params) = params(json!({"name": "ab", "id": "x"}));
        assert_eq!(detail, "Request contains unknown property");
        assert_eq!(
            params,
            vec![json!({"field": "id", "reason": "property id should not exist"})]
        );
    }

    #[test]
    fn name_is_required_and_bounded() {
        let (_, missing) = params(json!({"description": "d"}));
        assert_eq!(missing[0]["field"], "name");
        let (_, short) = params(json!({"name": "a"}));
        assert_eq!(short[0]["rule"], "min_length");
        let (_, many) = params(json!({"name": "ok", "cluster_type": "X", "labels": {"kong": "x"}}));
        assert_eq!(many.len(), 2);
    }

    #[test]
    fn filters_match_like_konnect() {
        let plane = ControlPlane::new_for_test("my-quickstart");
        assert_eq!(
            matches(&plane, "name", "contains", "quickstart"),
            Some(true)
        );
        assert_eq!(matches(&plane, "name", "eq", "quickstart"), Some(false));
        assert_eq!(matches(&plane, "name", "neq", "quickstart"), Some(true));
        assert_eq!(matches(&plane, "name", "like", "x"), None);
        let id = plane.id.to_string();
        assert_eq!(matches(&plane, "id", "oeq", &format!("a,{id}")), Some(true));
    }
}
