//! Handlers of `/v1/auth-servers/{authServerId}/scopes[/{scopeId}]`. Scope names are unique
//! per auth server (409); deleting a scope removes it from clients' `allow_scopes` and claims'
//! `include_in_scopes`.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde_json::{Map, Value};

use super::ids;
use super::listing::{FilterKind, Listing};
use super::model::Scope;
use super::respond::{ApiResult, body, json, list_query, no_content};
use super::store::{AuthServerEntry, StoreError};
use super::validate::{Field, Kind, read};
use crate::mock::auth::ApiOrg;
use crate::mock::state::SharedState;

const CREATE: &[Field] = &[
    Field::required("name", Kind::Str { min_len: 1 }),
    Field::optional("description", Kind::Str { min_len: 0 }),
    Field::optional("default", Kind::Bool),
    Field::optional("include_in_metadata", Kind::Bool),
    Field::optional("enabled", Kind::Bool),
];

const UPDATE: &[Field] = &[
    Field::optional("name", Kind::Str { min_len: 1 }),
    Field::optional("description", Kind::Str { min_len: 0 }),
    Field::optional("default", Kind::Bool),
    Field::optional("include_in_metadata", Kind::Bool),
    Field::optional("enabled", Kind::Bool),
];

const LISTING: Listing = Listing {
    filters: &[("name", FilterKind::EqOrContains), ("id", FilterKind::Eq)],
    sorts: &["created_at", "updated_at", "name"],
};

fn name_conflict(
    entry: &AuthServerEntry,
    name: &str,
    except: Option<&str>,
) -> Result<(), StoreError> {
    if entry
        .scopes
        .iter()
        .any(|s| s.name == name && Some(s.id.as_str()) != except)
    {
        return Err(StoreError::Conflict(format!(
            "A scope with the name [{name}] already exists"
        )));
    }
    Ok(())
}

/// `POST …/scopes` → 201 `Scope`.
pub async fn create(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    Path(server_id): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    // The server's existence is checked first, as a 404 outranks a bad body.
    state.identity.with_server(&org, &server_id, |_| Ok(()))?;
    let body = body(&bytes, CREATE)?;
    let value = state.identity.with_server(&org, &server_id, |entry| {
        let name = read::string(&body, "name").unwrap_or_default();
        name_conflict(entry, &name, None)?;
        let now = ids::now();
        let scope = Scope {
            id: ids::uuid(),
            name,
            description: read::string(&body, "description").unwrap_or_default(),
            default: read::boolean(&body, "default").unwrap_or(false),
            include_in_metadata: read::boolean(&body, "include_in_metadata").unwrap_or(false),
            enabled: read::boolean(&body, "enabled").unwrap_or(true),
            created_at: now.clone(),
            updated_at: now,
        };
        let value = scope.to_json();
        entry.scopes.push(scope);
        Ok(value)
    })?;
    json(StatusCode::CREATED, value)
}

/// `GET …/scopes` → 200 `ScopeList`.
pub async fn list(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    Path(server_id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let items = state.identity.with_server(&org, &server_id, |entry| {
        Ok(entry.scopes.iter().map(Scope::to_json).collect())
    })?;
    let query = list_query(query.as_deref(), LISTING)?;
    json(StatusCode::OK, query.apply(items))
}

/// `GET …/scopes/{scopeId}` → 200 `Scope`.
pub async fn get(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    Path((server_id, scope_id)): Path<(String, String)>,
) -> ApiResult {
    let value = state.identity.with_server(&org, &server_id, |entry| {
        entry
            .scope(&scope_id)
            .map(Scope::to_json)
            .ok_or(StoreError::NotFound)
    })?;
    json(StatusCode::OK, value)
}

/// `PATCH …/scopes/{scopeId}` → 200 `Scope`.
pub async fn update(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    Path((server_id, scope_id)): Path<(String, String)>,
    bytes: Bytes,
) -> ApiResult {
    state.identity.with_server(&org, &server_id, |entry| {
        entry
            .scope(&scope_id)
            .map(|_| ())
            .ok_or(StoreError::NotFound)
    })?;
    let body: Map<String, Value> = body(&bytes, UPDATE)?;
    let value = state.identity.with_server(&org, &server_id, |entry| {
        if let Some(name) = read::string(&body, "name") {
            name_conflict(entry, &name, Some(&scope_id))?;
        }
        let scope = entry
            .scopes
            .iter_mut()
            .find(|s| s.id == scope_id)
            .ok_or(StoreError::NotFound)?;
        if let Some(name) = read::string(&body, "name") {
            scope.name = name;
        }
        if let Some(description) = read::string(&body, "description") {
            scope.description = description;
        }
        if let Some(default) = read::boolean(&body, "default") {
            scope.default = default;
        }
        if let Some(include) = read::boolean(&body, "include_in_metadata") {
            scope.include_in_metadata = include;
        }
        if let Some(enabled) = read::boolean(&body, "enabled") {
            scope.enabled = enabled;
        }
        scope.updated_at = ids::now();
        Ok(scope.to_json())
    })?;
    json(StatusCode::OK, value)
}

/// `DELETE …/scopes/{scopeId}` → 204.
pub async fn delete(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    Path((server_id, scope_id)): Path<(String, String)>,
) -> ApiResult {
    state.identity.with_server(&org, &server_id, |entry| {
        let before = entry.scopes.len();
        entry.scopes.retain(|s| s.id != scope_id);
        if entry.scopes.len() == before {
            return Err(StoreError::NotFound);
        }
        // "If the scope is included in any clients, it will be removed from those clients."
        for client in &mut entry.clients {
            client.allow_scopes.retain(|id| *id != scope_id);
        }
        for claim in &mut entry.claims {
            claim.include_in_scopes.retain(|id| *id != scope_id);
        }
        Ok(())
    })?;
    no_content()
}
