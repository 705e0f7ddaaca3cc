//! `/v1/auth-servers/{authServerId}/scopes[/{scopeId}]`: the create handler, and [`Scope`] as a
//! [`SubResource`] for the rest. Scope names are unique
//! per auth server (409); deleting a scope removes it from clients' `allow_scopes` and claims'
//! `include_in_scopes`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Map, Value};

use super::ids;
use super::listing::{FilterKind, Listing};
use super::model::Scope;
use super::respond::{ApiResult, body, json};
use super::store::{AuthServerEntry, StoreError};
use super::sub_resource::{SubResource, find_mut, name_conflict};
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
        name_conflict::<Scope>(entry, &name, None)?;
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

/// `…/scopes[/{scopeId}]`: list → `ScopeList`, get and PATCH → `Scope`, DELETE → 204.
impl SubResource for Scope {
    const NOUN: &'static str = "scope";
    const LISTING: Listing = LISTING;
    const UPDATE: &'static [Field] = UPDATE;

    fn all(entry: &AuthServerEntry) -> &[Self] {
        &entry.scopes
    }

    fn all_mut(entry: &mut AuthServerEntry) -> &mut Vec<Self> {
        &mut entry.scopes
    }

    fn id(&self) -> &str {
        &self.id
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn json(&self) -> Value {
        self.to_json()
    }

    fn update(
        entry: &mut AuthServerEntry,
        id: &str,
        body: &Map<String, Value>,
    ) -> Result<Value, StoreError> {
        if let Some(name) = read::string(body, "name") {
            name_conflict::<Scope>(entry, &name, Some(id))?;
        }
        let scope = find_mut::<Scope>(entry, id)?;
        if let Some(name) = read::string(body, "name") {
            scope.name = name;
        }
        if let Some(description) = read::string(body, "description") {
            scope.description = description;
        }
        if let Some(default) = read::boolean(body, "default") {
            scope.default = default;
        }
        if let Some(include) = read::boolean(body, "include_in_metadata") {
            scope.include_in_metadata = include;
        }
        if let Some(enabled) = read::boolean(body, "enabled") {
            scope.enabled = enabled;
        }
        scope.updated_at = ids::now();
        Ok(scope.to_json())
    }

    fn forget(entry: &mut AuthServerEntry, id: &str) {
        // "If the scope is included in any clients, it will be removed from those clients."
        for client in &mut entry.clients {
            client.allow_scopes.retain(|scope| scope != id);
        }
        for claim in &mut entry.claims {
            claim.include_in_scopes.retain(|scope| scope != id);
        }
    }
}
