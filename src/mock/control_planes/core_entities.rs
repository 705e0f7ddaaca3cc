//! The core-entities API (`/v2/control-planes/{id}/core-entities/…`, spec
//! `control-planes-config/v2`): services, routes, consumers and plugins, with the scoped
//! variants (`/services/{id}/routes`, `/services/{id}/plugins`, `/routes/{id}/plugins`,
//! `/consumers/{id}/plugins`). [`dispatch`] is the one handler; [`Request`] is a parsed call.
//!
//! A trailing slash is accepted everywhere: the docs create the plugin at
//! `/core-entities/plugins/` (so does Kong's workshop), although the spec path has none.
//! That Konnect accepts it is UNVERIFIED officially; it evidently works for the docs.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::admin_error::AdminError;
use super::consumer::Consumer;
use super::control_plane::{control_plane_not_found, invalid_id, note_host};
use super::core_config::CoreConfig;
use super::plugin::{Plugin, Scope};
use super::query::Query;
use super::route::Route;
use super::service::Service;
use crate::mock::auth::{CoreOrg, OrgId};
use crate::mock::state::SharedState;
use crate::mock::{konnect_paths, not_emulated};

/// An entity collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `services`.
    Services,
    /// `routes`.
    Routes,
    /// `consumers`.
    Consumers,
    /// `plugins`.
    Plugins,
}

/// The core-entities collections of the control-planes-config v2 spec the mock does not
/// store.
const OTHER_COLLECTIONS: &[&str] = &[
    "acls",
    "basic-auth",
    "basic-auths",
    "ca_certificates",
    "certificates",
    "consumer_groups",
    "costs",
    "custom-plugins",
    "degraphql",
    "degraphql_routes",
    "graphql-rate-limiting-advanced",
    "hmac-auth",
    "hmac-auths",
    "jwt",
    "jwts",
    "key-auth",
    "key-auths",
    "key-sets",
    "keys",
    "links",
    "mtls-auth",
    "mtls-auths",
    "partials",
    "plugin-schemas",
    "schemas",
    "snis",
    "targets",
    "upstreams",
    "validate",
    "vaults",
];

/// Whether a core-entities path names a real Konnect collection the mock does not store
/// (`upstreams`, `vaults`, `consumers/{id}/acls`, …): those answer the "not emulated" 501;
/// any other unknown path keeps Kong's 404.
fn names_other_collection(rest: &str) -> bool {
    rest.split('/')
        .step_by(2)
        .any(|segment| OTHER_COLLECTIONS.contains(&segment))
}

impl Kind {
    fn parse(segment: &str) -> Option<Self> {
        Some(match segment {
            "services" => Self::Services,
            "routes" => Self::Routes,
            "consumers" => Self::Consumers,
            "plugins" => Self::Plugins,
            _ => return None,
        })
    }

    /// The collection name in URLs and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Services => "services",
            Self::Routes => "routes",
            Self::Consumers => "consumers",
            Self::Plugins => "plugins",
        }
    }

    /// The unique field a path segment may use instead of the id.
    fn alt_key(self) -> Option<&'static str> {
        match self {
            Self::Services | Self::Routes => Some("name"),
            Self::Consumers => Some("username"),
            Self::Plugins => None,
        }
    }
}

/// What a call does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// `GET /kind`.
    List,
    /// `POST /kind`.
    Create,
    /// `GET /kind/{id}`.
    Get(String),
    /// `PUT /kind/{id}`.
    Put(String),
    /// `DELETE /kind/{id}`.
    Delete(String),
}

/// A parsed core-entities call: `/{parent_kind}/{parent}/{kind}/{id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The collection acted on.
    pub kind: Kind,
    /// The parent entity of a scoped variant (`services`, id or name).
    pub parent: Option<(Kind, String)>,
    /// The operation.
    pub op: Op,
}

impl Request {
    /// Parses the path after `core-entities/` (a trailing slash is ignored). `None` if the
    /// path or method is not one the mock serves.
    pub fn parse(method: &Method, rest: &str) -> Option<Self> {
        let mut segments: Vec<&str> = rest.split('/').collect();
        if segments.last() == Some(&"") {
            segments.pop();
        }
        let (parent, tail) = match segments.as_slice() {
            [parent_kind, parent, kind, tail @ ..] => {
                let parent_kind = Kind::parse(parent_kind)?;
                let kind = Kind::parse(kind)?;
                let allowed = matches!(
                    (parent_kind, kind),
                    (Kind::Services, Kind::Routes | Kind::Plugins)
                        | (Kind::Routes | Kind::Consumers, Kind::Plugins)
                );
                if !allowed || parent.is_empty() {
                    return None;
                }
                (Some((parent_kind, (*parent).to_owned())), (kind, tail))
            }
            [kind, tail @ ..] => (None, (Kind::parse(kind)?, tail)),
            [] => return None,
        };
        let (kind, tail) = tail;
        let op = match (tail, method) {
            ([], &Method::GET) => Op::List,
            ([], &Method::POST) => Op::Create,
            ([id], &Method::GET) if !id.is_empty() => Op::Get((*id).to_owned()),
            ([id], &Method::PUT) if !id.is_empty() => Op::Put((*id).to_owned()),
            ([id], &Method::DELETE) if !id.is_empty() => Op::Delete((*id).to_owned()),
            _ => return None,
        };
        Some(Self { kind, parent, op })
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The parent's id, resolved from its id or unique name.
fn resolve_parent(
    config: &CoreConfig,
    parent: &Option<(Kind, String)>,
) -> Result<Scope, AdminError> {
    let Some((kind, key)) = parent else {
        return Ok(Scope::default());
    };
    let mut scope = Scope::default();
    match kind {
        Kind::Services => scope.service = Some(config.service(key).ok_or(AdminError::NotFound)?.id),
        Kind::Routes => scope.route = Some(config.route(key).ok_or(AdminError::NotFound)?.id),
        Kind::Consumers => {
            scope.consumer = Some(config.consumer(key).ok_or(AdminError::NotFound)?.id);
        }
        Kind::Plugins => return Err(AdminError::NotFound),
    }
    Ok(scope)
}

/// Whether an entity lies under the parent of a scoped call.
fn in_scope(config: &CoreConfig, kind: Kind, id: Uuid, scope: Scope) -> bool {
    match kind {
        Kind::Routes => scope.service.is_none_or(|s| {
            config
                .routes
                .iter()
                .any(|r| r.id == id && r.service == Some(s))
        }),
        Kind::Plugins => config.plugins.iter().any(|p| {
            p.id == id
                && scope.service.is_none_or(|s| p.scope.service == Some(s))
                && scope.route.is_none_or(|r| p.scope.route == Some(r))
                && scope.consumer.is_none_or(|c| p.scope.consumer == Some(c))
        }),
        _ => true,
    }
}

/// The entities of `kind` under `scope`, as JSON, with their tags and names for filtering.
fn entities(config: &CoreConfig, kind: Kind, scope: Scope) -> Vec<(Value, Option<String>)> {
    match kind {
        Kind::Services => config
            .services
            .iter()
            .map(|s| (s.to_json(), s.name.clone()))
            .collect(),
        Kind::Routes => config
            .routes
            .iter()
            .filter(|r| scope.service.is_none_or(|s| r.service == Some(s)))
            .map(|r| (r.to_json(), r.name.clone()))
            .collect(),
        Kind::Consumers => config
            .consumers
            .iter()
            .map(|c| (c.to_json(), c.username.clone()))
            .collect(),
        Kind::Plugins => config
            .plugins
            .iter()
            .filter(|p| {
                scope.service.is_none_or(|s| p.scope.service == Some(s))
                    && scope.route.is_none_or(|r| p.scope.route == Some(r))
                    && scope.consumer.is_none_or(|c| p.scope.consumer == Some(c))
            })
            .map(|p| (p.to_json(), Some(p.name.clone())))
            .collect(),
    }
}

/// The entity with this id (or unique name) as JSON.
fn find(config: &CoreConfig, kind: Kind, key: &str) -> Option<(Uuid, Value)> {
    match kind {
        Kind::Services => config.service(key).map(|s| (s.id, s.to_json())),
        Kind::Routes => config.route(key).map(|r| (r.id, r.to_json())),
        Kind::Consumers => config.consumer(key).map(|c| (c.id, c.to_json())),
        Kind::Plugins => config.plugin(key).map(|p| (p.id, p.to_json())),
    }
}

fn tags_match(entity: &Value, spec: &str) -> bool {
    let tags: Vec<&str> = entity["tags"]
        .as_array()
        .map(|t| t.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if spec.contains('/') {
        spec.split('/').any(|t| tags.contains(&t))
    } else {
        spec.split(',').all(|t| tags.contains(&t))
    }
}

/// A list page in the Admin API shape: `{"data": […], "next": <uri or null>, "offset"?}`.
fn list(
    config: &CoreConfig,
    kind: Kind,
    scope: Scope,
    query: &Query,
    base: &str,
) -> Result<Value, AdminError> {
    let size = match query.get("size") {
        None | Some("") => 100,
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| AdminError::field("size", "must be an integer between 1 and 1000"))?,
    };
    let start = match query.get("offset") {
        None | Some("") => 0,
        Some(raw) => URL_SAFE_NO_PAD
            .decode(raw)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.parse::<usize>().ok())
            .ok_or_else(|| AdminError::field("offset", "invalid offset"))?,
    };
    let mut items = entities(config, kind, scope);
    for (_, op, value) in query.filters().iter().filter(|(f, _, _)| f == "name") {
        items.retain(|(_, name)| {
            let name = name.as_deref().unwrap_or("");
            match op.as_str() {
                "contains" => name.contains(value.as_str()),
                _ => name == value,
            }
        });
    }
    if let Some(spec) = query.get("tags") {
        items.retain(|(entity, _)| tags_match(entity, spec));
    }
    let total = items.len();
    let data: Vec<Value> = items
        .into_iter()
        .skip(start)
        .take(size)
        .map(|(v, _)| v)
        .collect();
    let mut page = json!({ "data": data, "next": null });
    // Saturating: the offset is the client's, and a huge one means "past the end".
    if start.saturating_add(size) < total {
        let offset = URL_SAFE_NO_PAD.encode((start + size).to_string());
        page["next"] = json!(format!("{base}?offset={offset}&size={size}"));
        page["offset"] = json!(offset);
    }
    Ok(page)
}

/// `body` with the unique name from the path filled in (a `PUT /services/{name}` names the
/// entity it creates).
fn with_path_name(body: &Value, kind: Kind, key: &str) -> Value {
    let mut body = body.clone();
    if let (Some(alt), Value::Object(map)) = (kind.alt_key(), &mut body)
        && Uuid::parse_str(key).is_err()
        && map.get(alt).is_none_or(Value::is_null)
    {
        map.insert(alt.to_owned(), Value::String(key.to_owned()));
    }
    body
}

fn unique(field: &str, value: &str) -> AdminError {
    let mut key = Map::new();
    key.insert(field.to_owned(), Value::String(value.to_owned()));
    AdminError::Unique(key)
}

/// Inserts or replaces (same id) an entity, enforcing Kong's unique keys.
fn store<T: Clone>(items: &mut Vec<T>, entity: T, id: impl Fn(&T) -> Uuid) {
    match items.iter().position(|e| id(e) == id(&entity)) {
        Some(i) => items[i] = entity,
        None => items.push(entity),
    }
}

/// Creates (`key: None`) or upserts (`PUT`, key = id or unique name) one entity and returns
/// its JSON.
fn write(
    config: &mut CoreConfig,
    kind: Kind,
    scope: Scope,
    key: Option<&str>,
    body: &Value,
    accept_unknown: bool,
) -> Result<Value, AdminError> {
    let now = now();
    let existing = key.and_then(|k| find(config, kind, k)).map(|(id, _)| id);
    let id = match (key, existing) {
        (_, Some(id)) => Some(id),
        (Some(k), None) => Uuid::parse_str(k).ok(),
        (None, None) => None,
    };
    let body = match key {
        Some(k) => with_path_name(body, kind, k),
        None => body.clone(),
    };
    if key.is_none()
        && let Some(given) = body.get("id").and_then(Value::as_str)
        && find(config, kind, given).is_some_and(|(found, _)| found.to_string() == given)
    {
        return Err(unique("id", given));
    }
    let new = New {
        body: &body,
        id,
        existing,
        now,
    };
    match kind {
        Kind::Services => write_service(config, &new),
        Kind::Routes => write_route(config, &new, scope),
        Kind::Consumers => write_consumer(config, &new),
        Kind::Plugins => write_plugin(config, &new, scope, accept_unknown),
    }
}

/// One entity to validate and store.
struct New<'a> {
    /// The request body, with the path's name or id written in.
    body: &'a Value,
    /// The id it gets (the existing one's, the path's, or a new one when `None`).
    id: Option<Uuid>,
    /// The id of the entity it replaces.
    existing: Option<Uuid>,
    /// Unix epoch seconds.
    now: i64,
}

fn write_service(config: &mut CoreConfig, new: &New<'_>) -> Result<Value, AdminError> {
    let old = new
        .existing
        .and_then(|id| config.services.iter().find(|s| s.id == id));
    let service = Service::parse(new.body, new.id, old, new.now)?;
    if let Some(name) = &service.name
        && config
            .services
            .iter()
            .any(|s| s.id != service.id && s.name.as_ref() == Some(name))
    {
        return Err(unique("name", name));
    }
    let json = service.to_json();
    store(&mut config.services, service, |s| s.id);
    Ok(json)
}

fn write_route(config: &mut CoreConfig, new: &New<'_>, scope: Scope) -> Result<Value, AdminError> {
    let old = new
        .existing
        .and_then(|id| config.routes.iter().find(|r| r.id == id));
    let route = Route::parse(new.body, new.id, old, new.now, config, scope.service)?;
    if let Some(name) = &route.name
        && config
            .routes
            .iter()
            .any(|r| r.id != route.id && r.name.as_ref() == Some(name))
    {
        return Err(unique("name", name));
    }
    let json = route.to_json();
    store(&mut config.routes, route, |r| r.id);
    Ok(json)
}

fn write_consumer(config: &mut CoreConfig, new: &New<'_>) -> Result<Value, AdminError> {
    let old = new
        .existing
        .and_then(|id| config.consumers.iter().find(|c| c.id == id));
    let consumer = Consumer::parse(new.body, new.id, old, new.now)?;
    for other in config.consumers.iter().filter(|c| c.id != consumer.id) {
        if let Some(u) = &consumer.username
            && other.username.as_ref() == Some(u)
        {
            return Err(unique("username", u));
        }
        if let Some(c) = &consumer.custom_id
            && other.custom_id.as_ref() == Some(c)
        {
            return Err(unique("custom_id", c));
        }
    }
    let json = consumer.to_json();
    store(&mut config.consumers, consumer, |c| c.id);
    Ok(json)
}

fn write_plugin(
    config: &mut CoreConfig,
    new: &New<'_>,
    scope: Scope,
    accept_unknown: bool,
) -> Result<Value, AdminError> {
    let old = new
        .existing
        .and_then(|id| config.plugins.iter().find(|p| p.id == id));
    let plugin = Plugin::parse(
        new.body,
        new.id,
        old,
        new.now,
        config,
        scope,
        accept_unknown,
    )?;
    let key = plugin.unique_key();
    if config
        .plugins
        .iter()
        .any(|p| p.id != plugin.id && p.unique_key() == key)
    {
        return Err(AdminError::Unique(key));
    }
    if let Some(name) = &plugin.instance_name
        && config
            .plugins
            .iter()
            .any(|p| p.id != plugin.id && p.instance_name.as_ref() == Some(name))
    {
        return Err(unique("instance_name", name));
    }
    let json = plugin.to_json();
    store(&mut config.plugins, plugin, |p| p.id);
    Ok(json)
}

/// Deletes one entity (a missing one is not an error: 204 either way, as the spec says).
fn remove(config: &mut CoreConfig, kind: Kind, key: &str) -> Result<(), AdminError> {
    let Some((id, _)) = find(config, kind, key) else {
        return Ok(());
    };
    match kind {
        Kind::Services => {
            if config.routes.iter().any(|r| r.service == Some(id)) {
                return Err(AdminError::Referenced {
                    by: "routes".into(),
                    entity: "services".into(),
                });
            }
            config.services.retain(|s| s.id != id);
            config.plugins.retain(|p| p.scope.service != Some(id));
        }
        Kind::Routes => {
            config.routes.retain(|r| r.id != id);
            config.plugins.retain(|p| p.scope.route != Some(id));
        }
        Kind::Consumers => {
            config.consumers.retain(|c| c.id != id);
            config.plugins.retain(|p| p.scope.consumer != Some(id));
        }
        Kind::Plugins => config.plugins.retain(|p| p.id != id),
    }
    Ok(())
}

fn parse_body(body: &Bytes) -> Result<Value, AdminError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    match serde_json::from_slice(body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        _ => Err(AdminError::BadJson),
    }
}

/// `POST` (no `key`, 201) or `PUT` (200) of one entity on the control plane `cp`, published
/// after the propagation delay.
fn upsert(
    state: &SharedState,
    (org, cp): (&OrgId, Uuid),
    (kind, scope): (Kind, Scope),
    key: Option<&str>,
    body: &Bytes,
) -> Result<(StatusCode, Value), AdminError> {
    let status = if key.is_some() {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let body = parse_body(body)?;
    let accept_unknown = state.config.accept_unknown_plugins;
    state
        .control_planes
        .update(org, cp, state.config.propagation_delay, |c| {
            write(c, kind, scope, key, &body, accept_unknown)
        })
        .unwrap_or(Err(AdminError::NotFound))
        .map(|json| (status, json))
}

/// The one handler of `/v2/control-planes/{controlPlaneId}/core-entities/{*rest}`.
pub async fn dispatch(
    State(state): State<SharedState>,
    CoreOrg(org): CoreOrg,
    Path((cp, rest)): Path<(String, String)>,
    method: Method,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    note_host(&state, &headers);
    let Ok(cp_id) = Uuid::parse_str(&cp) else {
        return invalid_id();
    };
    let Some(request) = Request::parse(&method, &rest) else {
        // A collection Konnect has but the mock does not store is out of reach; a path no
        // Konnect spec has (a typo such as `/plugin/`) gets the Admin API's own 404.
        let path = format!("/v2/control-planes/{cp}/core-entities/{rest}");
        if names_other_collection(&rest) && konnect_paths::is_konnect_path(&path) {
            return not_emulated::path(&method, &path);
        }
        return AdminError::NotFound.into_response();
    };
    let Some(config) = state.control_planes.config(&org, cp_id) else {
        return control_plane_not_found();
    };
    let scope = match resolve_parent(&config, &request.parent) {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    let kind = request.kind;
    let delay = state.config.propagation_delay;
    let result = match &request.op {
        Op::List => {
            let base = format!("/v2/control-planes/{cp_id}/core-entities/{}", kind.as_str());
            list(&config, kind, scope, &Query::parse(raw.as_deref()), &base)
                .map(|page| (StatusCode::OK, page))
        }
        Op::Get(key) => match find(&config, kind, key) {
            Some((id, json)) if in_scope(&config, kind, id, scope) => Ok((StatusCode::OK, json)),
            _ => Err(AdminError::NotFound),
        },
        Op::Create | Op::Put(_) => {
            let key = match &request.op {
                Op::Put(key) => Some(key.as_str()),
                _ => None,
            };
            upsert(&state, (&org, cp_id), (kind, scope), key, &body)
        }
        Op::Delete(key) => {
            let visible =
                find(&config, kind, key).is_none_or(|(id, _)| in_scope(&config, kind, id, scope));
            if visible {
                state
                    .control_planes
                    .update(&org, cp_id, delay, |c| remove(c, kind, key))
                    .unwrap_or(Err(AdminError::NotFound))
                    .map(|()| (StatusCode::NO_CONTENT, Value::Null))
            } else {
                Ok((StatusCode::NO_CONTENT, Value::Null))
            }
        }
    };
    match result {
        Ok((StatusCode::NO_CONTENT, _)) => StatusCode::NO_CONTENT.into_response(),
        Ok((status, json)) => (status, Json(json)).into_response(),
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: Method, rest: &str) -> Option<Request> {
        Request::parse(&method, rest)
    }

    #[test]
    fn parses_paths_with_and_without_trailing_slash() {
        let plain = req(Method::POST, "plugins").unwrap();
        assert_eq!(req(Method::POST, "plugins/"), Some(plain.clone()));
        assert_eq!((plain.kind, plain.op), (Kind::Plugins, Op::Create));
        let scoped = req(Method::GET, "services/svc/plugins/").unwrap();
        assert_eq!(scoped.parent, Some((Kind::Services, "svc".into())));
        assert_eq!(scoped.op, Op::List);
        assert_eq!(
            req(Method::DELETE, "routes/r1").unwrap().op,
            Op::Delete("r1".into())
        );
        assert!(req(Method::GET, "consumers/c/routes").is_none());
        assert!(req(Method::PATCH, "services/x").is_none());
        assert!(req(Method::GET, "upstreams").is_none());
    }

    fn create(config: &mut CoreConfig, kind: Kind, body: Value) -> Result<Value, AdminError> {
        write(config, kind, Scope::default(), None, &body, false)
    }

    #[test]
    fn uniqueness_and_cascades() {
        let mut config = CoreConfig::default();
        let svc = json!({"name": "example-service", "url": "http://httpbin.konghq.com/anything"});
        create(&mut config, Kind::Services, svc.clone()).unwrap();
        assert!(matches!(
            create(&mut config, Kind::Services, svc),
            Err(AdminError::Unique(_))
        ));
        create(
            &mut config,
            Kind::Routes,
            json!({"name": "example-route", "paths": ["/anything"],
                   "service": {"name": "example-service"}}),
        )
        .unwrap();
        let oidc = json!({"name": "openid-connect", "config": {"issuer": "http://i"}});
        create(&mut config, Kind::Plugins, oidc.clone()).unwrap();
        let second = create(&mut config, Kind::Plugins, oidc).unwrap_err();
        assert_eq!(second.status(), StatusCode::CONFLICT);
        assert!(matches!(
            remove(&mut config, Kind::Services, "example-service"),
            Err(AdminError::Referenced { .. })
        ));
        remove(&mut config, Kind::Routes, "example-route").unwrap();
        remove(&mut config, Kind::Services, "example-service").unwrap();
        assert!(config.services.is_empty());
        remove(&mut config, Kind::Services, "gone").unwrap();
    }

    #[test]
    fn put_by_name_creates_then_replaces_keeping_created_at() {
        let mut config = CoreConfig::default();
        let body = json!({"host": "a.example"});
        let first = write(
            &mut config,
            Kind::Services,
            Scope::default(),
            Some("svc"),
            &body,
            false,
        )
        .unwrap();
        assert_eq!(first["name"], "svc");
        let body = json!({"host": "b.example"});
        let second = write(
            &mut config,
            Kind::Services,
            Scope::default(),
            Some("svc"),
            &body,
            false,
        )
        .unwrap();
        assert_eq!(first["id"], second["id"]);
        assert_eq!(second["host"], "b.example");
        assert_eq!(config.services.len(), 1);
    }

    #[test]
    fn lists_page_and_filter() {
        let mut config = CoreConfig::default();
        for name in ["a", "b", "c"] {
            create(
                &mut config,
                Kind::Consumers,
                json!({"username": name, "tags": [name]}),
            )
            .unwrap();
        }
        let page = list(
            &config,
            Kind::Consumers,
            Scope::default(),
            &Query::parse(Some("size=2")),
            "/base",
        )
        .unwrap();
        assert_eq!(page["data"].as_array().unwrap().len(), 2);
        let offset = page["offset"].as_str().unwrap();
        let next = list(
            &config,
            Kind::Consumers,
            Scope::default(),
            &Query::parse(Some(&format!("size=2&offset={offset}"))),
            "/base",
        )
        .unwrap();
        assert_eq!(next["data"][0]["username"], "c");
        assert_eq!(next["next"], Value::Null);
        let tagged = list(
            &config,
            Kind::Consumers,
            Scope::default(),
            &Query::parse(Some("tags=a/b")),
            "/base",
        )
        .unwrap();
        assert_eq!(tagged["data"].as_array().unwrap().len(), 2);
    }
}
