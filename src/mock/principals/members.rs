//! Handlers of `/v2/directories/{directoryId}/principals` and
//! `/v2/directories/{directoryId}/principals/{principalId}`: create, list, get, update
//! (PATCH), replace (PUT), delete.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde_json::{Map, Value};

use super::body::{PRINCIPAL, PRINCIPAL_UPDATE, parse};
use super::cursor::{CursorQuery, FilterKind, Listing};
use super::model::Principal;
use super::store::PrincipalEntry;
use crate::mock::auth::ApiOrg;
use crate::mock::identity::StoreError;
use crate::mock::identity::ids;
use crate::mock::identity::respond::{ApiResult, json, no_content};
use crate::mock::identity::validate::read;
use crate::mock::state::SharedState;

const LISTING: Listing = Listing {
    filters: &[
        ("display_name", FilterKind::EqOrContains),
        ("description", FilterKind::EqOrContains),
        ("id", FilterKind::Eq),
        ("labels", FilterKind::Labels),
    ],
    sorts: &["display_name", "created_at", "updated_at"],
};

/// The `metadata` of a body: an object, or `{}` for `null` or absent.
fn metadata(body: &Map<String, Value>) -> Option<Map<String, Value>> {
    match body.get("metadata")? {
        Value::Object(m) => Some(m.clone()),
        _ => Some(Map::new()),
    }
}

/// Fills `principal` from a validated create or replace body (omitted fields reset).
fn fill(principal: &mut Principal, body: &Map<String, Value>) {
    principal.display_name = read::string(body, "display_name");
    principal.description = read::string(body, "description").unwrap_or_default();
    principal.metadata = metadata(body).unwrap_or_default();
    principal.labels = read::labels(body, "labels").unwrap_or_default();
    principal.managed_by = read::labels(body, "managed_by").unwrap_or_default();
}

/// `POST /v2/directories/{directoryId}/principals` → 201 `KongPrincipal`.
pub async fn create(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    Path(directory): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let body = parse(&bytes, PRINCIPAL)?;
    let now = ids::now();
    let mut principal = Principal {
        id: ids::uuid(),
        display_name: None,
        description: String::new(),
        metadata: Map::new(),
        labels: Default::default(),
        managed_by: Default::default(),
        created_at: now.clone(),
        updated_at: now,
    };
    fill(&mut principal, &body);
    let value = principal.to_json();
    state.principals.with_directory(&org, &directory, |d| {
        d.principals.push(PrincipalEntry {
            principal,
            identities: Vec::new(),
        });
        Ok(())
    })?;
    json(StatusCode::CREATED, value)
}

/// `GET /v2/directories/{directoryId}/principals` → 200 `ListKongPrincipals`. An unknown
/// directory is a 404, which the spec does not list here (UNVERIFIED, as for every
/// operation on an unknown id).
pub async fn list(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    Path(directory): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let query = CursorQuery::parse(query.as_deref(), LISTING).map_err(StoreError::Invalid)?;
    let items = state.principals.with_directory(&org, &directory, |d| {
        Ok(d.principals.iter().map(|p| p.principal.to_json()).collect())
    })?;
    let path = format!("/v2/directories/{directory}/principals");
    json(StatusCode::OK, query.apply(items, &path))
}

/// `GET /v2/directories/{directoryId}/principals/{principalId}` → 200 `KongPrincipal`.
pub async fn get(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    Path((directory, id)): Path<(String, String)>,
) -> ApiResult {
    let value = state
        .principals
        .with_principal(&org, &directory, &id, |p| Ok(p.principal.to_json()))?;
    json(StatusCode::OK, value)
}

fn change(
    state: &SharedState,
    org: &crate::mock::auth::OrgId,
    (directory, id): (String, String),
    bytes: &[u8],
    replace: bool,
) -> ApiResult {
    let body = parse(bytes, if replace { PRINCIPAL } else { PRINCIPAL_UPDATE })?;
    let value = state
        .principals
        .with_principal(org, &directory, &id, |entry| {
            let p = &mut entry.principal;
            if replace {
                fill(p, &body);
            } else {
                if let Some(name) = read::string(&body, "display_name") {
                    p.display_name = Some(name);
                }
                if let Some(description) = read::string(&body, "description") {
                    p.description = description;
                }
                if let Some(metadata) = metadata(&body) {
                    p.metadata = metadata;
                }
                if let Some(labels) = read::labels(&body, "labels") {
                    p.labels = labels;
                }
                read::merge_labels(&body, "managed_by", &mut p.managed_by);
            }
            p.updated_at = ids::now();
            Ok(p.to_json())
        })?;
    json(StatusCode::OK, value)
}

/// `PATCH /v2/directories/{directoryId}/principals/{principalId}` → 200 `KongPrincipal`
/// (404 for an unknown id, not listed by the spec: UNVERIFIED).
pub async fn update(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    Path(ids): Path<(String, String)>,
    bytes: Bytes,
) -> ApiResult {
    change(&state, &org, ids, &bytes, false)
}

/// `PUT /v2/directories/{directoryId}/principals/{principalId}` → 200 `KongPrincipal`
/// (404 for an unknown id, not listed by the spec: UNVERIFIED).
pub async fn replace(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    Path(ids): Path<(String, String)>,
    bytes: Bytes,
) -> ApiResult {
    change(&state, &org, ids, &bytes, true)
}

/// `DELETE /v2/directories/{directoryId}/principals/{principalId}` → 204, with its
/// identities.
pub async fn delete(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    Path((directory, id)): Path<(String, String)>,
) -> ApiResult {
    state.principals.with_directory(&org, &directory, |d| {
        let index = d
            .principals
            .iter()
            .position(|p| p.principal.id == id)
            .ok_or(StoreError::NotFound)?;
        d.principals.remove(index);
        Ok(())
    })?;
    no_content()
}
