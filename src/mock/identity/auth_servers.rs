//! Handlers of `/v1/auth-servers` and `/v1/auth-servers/{authServerId}`: create (with a fresh
//! signing key and issuer URL), list, get, update, delete (`?force=true` cascades).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};

use super::ids;
use super::key_pool::KeyPool;
use super::listing::{FilterKind, Listing};
use super::model::{AuthServer, SIGNING_ALGORITHMS};
use super::respond::{ApiResult, body, json, list_query, no_content};
use super::signing_key::SigningKey;
use super::store::{AuthServerEntry, StoreError, name_conflict};
use super::validate::{Field, InvalidParam, Kind, read};
use crate::mock::auth::ApiOrg;
use crate::mock::state::SharedState;

const CREATE: &[Field] = &[
    Field::required("name", Kind::Str { min_len: 1 }),
    Field::optional("description", Kind::Str { min_len: 0 }),
    Field::required("audience", Kind::Str { min_len: 1 }),
    Field::optional("signing_algorithm", Kind::Enum(SIGNING_ALGORITHMS)),
    Field::optional("labels", Kind::Labels { update: false }),
    Field::optional("trusted_origins", Kind::UriList { max_items: 16 }),
];

const UPDATE: &[Field] = &[
    Field::optional("name", Kind::Str { min_len: 1 }),
    Field::optional("description", Kind::Str { min_len: 0 }),
    Field::optional("audience", Kind::Str { min_len: 1 }),
    Field::optional("signing_algorithm", Kind::Enum(SIGNING_ALGORITHMS)),
    Field::optional("labels", Kind::Labels { update: true }).nullable(),
    Field::optional("trusted_origins", Kind::UriList { max_items: 16 }),
];

const LISTING: Listing = Listing {
    filters: &[
        ("name", FilterKind::EqOrContains),
        ("description", FilterKind::EqOrContains),
        ("audience", FilterKind::EqOrContains),
        ("id", FilterKind::Eq),
        ("labels", FilterKind::Labels),
    ],
    sorts: &["created_at", "updated_at", "name", "audience"],
};

/// The base URL clients see the API at: `public_api_url` if configured, else the request's
/// `Host` (what a client, or a port-mapped container's client, used), else the bound address.
fn public_base(state: &SharedState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.config.public_api_url {
        return url.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && !h.contains(['/', ' ', '@']))
        .map(str::to_owned)
        .or_else(|| state.api_addr.get().map(ToString::to_string))
        .unwrap_or_else(|| "127.0.0.1".to_owned());
    format!("http://{host}")
}

/// `POST /v1/auth-servers` → 201 `AuthServer`.
pub async fn create(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    headers: HeaderMap,
    bytes: Bytes,
) -> ApiResult {
    let body = body(&bytes, CREATE)?;
    let name = read::string(&body, "name").unwrap_or_default();
    // Refuse a duplicate before spending a key generation on it; checked again on insert.
    if let Some(conflict) = state
        .identity
        .with_org(&org, |servers| name_conflict(servers, &name, None))
    {
        return Err(conflict);
    }
    let key = match KeyPool::global().try_take() {
        Some(key) => key,
        // The pool ran dry (a burst of creates): generate this one off the async workers.
        None => tokio::task::spawn_blocking(SigningKey::generate)
            .await
            .map_err(|e| internal(&format!("key generation task failed: {e}")))?
            .map_err(|e| internal(&e))?,
    };
    let issuer_id = ids::issuer_id();
    let now = ids::now();
    let server = AuthServer {
        id: ids::uuid(),
        issuer: format!(
            "{}/identity/{issuer_id}/auth",
            public_base(&state, &headers)
        ),
        issuer_id,
        name,
        description: read::string(&body, "description").unwrap_or_default(),
        audience: read::string(&body, "audience").unwrap_or_default(),
        signing_algorithm: read::string(&body, "signing_algorithm")
            .unwrap_or_else(|| SIGNING_ALGORITHMS[0].to_owned()),
        labels: read::labels(&body, "labels").unwrap_or_default(),
        trusted_origins: read::strings(&body, "trusted_origins"),
        created_at: now.clone(),
        updated_at: now,
    };
    let value = server.to_json();
    state
        .identity
        .insert_server(&org, AuthServerEntry::new(server, Arc::new(key)))?;
    json(StatusCode::CREATED, value)
}

/// An unexpected failure of the mock itself (only key generation can fail).
fn internal(detail: &str) -> StoreError {
    tracing::error!(detail, "kong identity mock internal error");
    StoreError::Internal(detail.to_owned())
}

/// `GET /v1/auth-servers` → 200 `AuthServerList`.
pub async fn list(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let query = list_query(query.as_deref(), LISTING)?;
    let items = state.identity.with_org(&org, |servers| {
        servers.iter().map(|e| e.server.to_json()).collect()
    });
    json(StatusCode::OK, query.apply(items))
}

/// `GET /v1/auth-servers/{authServerId}` → 200 `AuthServer`.
pub async fn get(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    Path(id): Path<String>,
) -> ApiResult {
    let value = state
        .identity
        .with_server(&org, &id, |entry| Ok(entry.server.to_json()))?;
    json(StatusCode::OK, value)
}

/// `PATCH /v1/auth-servers/{authServerId}` → 200 `AuthServer`.
pub async fn update(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let body = body(&bytes, UPDATE)?;
    let value = state.identity.with_org(&org, |servers| {
        if let Some(name) = read::string(&body, "name")
            && let Some(conflict) = name_conflict(servers, &name, Some(&id))
        {
            return Err(conflict);
        }
        let entry = servers
            .iter_mut()
            .find(|e| e.server.id == id)
            .ok_or(StoreError::NotFound)?;
        let server = &mut entry.server;
        if let Some(name) = read::string(&body, "name") {
            server.name = name;
        }
        if let Some(description) = read::string(&body, "description") {
            server.description = description;
        }
        if let Some(audience) = read::string(&body, "audience") {
            server.audience = audience;
        }
        if let Some(alg) = read::string(&body, "signing_algorithm") {
            server.signing_algorithm = alg;
        }
        read::merge_labels(&body, "labels", &mut server.labels);
        if let Some(origins) = read::strings(&body, "trusted_origins") {
            server.trusted_origins = Some(origins);
        }
        server.updated_at = ids::now();
        Ok(server.to_json())
    })?;
    json(StatusCode::OK, value)
}

/// `DELETE /v1/auth-servers/{authServerId}?force=true|false` → 204.
pub async fn delete(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let pairs: BTreeMap<String, String> =
        serde_urlencoded::from_str(query.as_deref().unwrap_or("")).unwrap_or_default();
    let force = match pairs.get("force").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            return Err(StoreError::Invalid(vec![
                InvalidParam::not_in_enum("force", &["true", "false"]).in_source("query"),
            ]));
        }
    };
    state.identity.delete_server(&org, &id, force)?;
    no_content()
}
