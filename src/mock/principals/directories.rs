//! Handlers of `/v2/directories` and `/v2/directories/{directoryId}`: create, list, get,
//! update (PATCH), replace (PUT), delete.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde_json::{Map, Value};

use super::body::{DIRECTORY, DIRECTORY_UPDATE, parse};
use super::cursor::{CursorQuery, FilterKind, Listing};
use super::model::{DEFAULT_TTL_SECS, Directory};
use super::store::name_conflict;
use crate::mock::auth::ApiOrg;
use crate::mock::identity::StoreError;
use crate::mock::identity::ids;
use crate::mock::identity::respond::{ApiResult, json, no_content};
use crate::mock::identity::validate::read;
use crate::mock::state::SharedState;

const LISTING: Listing = Listing {
    filters: &[("name", FilterKind::EqOrContains)],
    sorts: &["name", "created_at", "updated_at"],
};

/// Fills `directory` from a validated create or replace body: omitted fields get their
/// defaults, as "replace" says.
fn fill(directory: &mut Directory, body: &Map<String, Value>) {
    directory.name = read::string(body, "name").unwrap_or_default();
    directory.description = read::string(body, "description").unwrap_or_default();
    directory.allowed_control_planes =
        read::strings(body, "allowed_control_planes").unwrap_or_default();
    directory.allow_all_control_planes =
        read::boolean(body, "allow_all_control_planes").unwrap_or(false);
    directory.ttl_secs = read::integer(body, "ttl_secs").unwrap_or(DEFAULT_TTL_SECS);
    directory.negative_ttl_secs =
        read::integer(body, "negative_ttl_secs").unwrap_or(DEFAULT_TTL_SECS);
    directory.labels = read::labels(body, "labels").unwrap_or_default();
    directory.managed_by = read::labels(body, "managed_by").unwrap_or_default();
}

/// `POST /v2/directories` → 201 `KongDirectory`.
pub async fn create(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    bytes: Bytes,
) -> ApiResult {
    let body = parse(&bytes, DIRECTORY)?;
    let now = ids::now();
    let mut directory = Directory {
        id: ids::uuid(),
        name: String::new(),
        description: String::new(),
        allowed_control_planes: Vec::new(),
        allow_all_control_planes: false,
        ttl_secs: DEFAULT_TTL_SECS,
        negative_ttl_secs: DEFAULT_TTL_SECS,
        labels: Default::default(),
        managed_by: Default::default(),
        created_at: now.clone(),
        updated_at: now,
    };
    fill(&mut directory, &body);
    let value = directory.to_json();
    state
        .principals
        .insert_directory(&org, directory, state.config.directories_per_org)?;
    json(StatusCode::CREATED, value)
}

/// `GET /v2/directories` → 200 `ListKongDirectories`.
pub async fn list(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let query = CursorQuery::parse(query.as_deref(), LISTING).map_err(StoreError::Invalid)?;
    let items = state.principals.with_org(&org, |dirs| {
        dirs.iter().map(|d| d.directory.to_json()).collect()
    });
    json(StatusCode::OK, query.apply(items, "/v2/directories"))
}

/// `GET /v2/directories/{directoryId}` → 200 `KongDirectory`.
pub async fn get(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    Path(id): Path<String>,
) -> ApiResult {
    let value = state
        .principals
        .with_directory(&org, &id, |d| Ok(d.directory.to_json()))?;
    json(StatusCode::OK, value)
}

/// `PATCH` (partial) or `PUT` (replace) of a directory → 200 `KongDirectory`. An unknown
/// directory is a 404, which the spec does not list for these two operations (UNVERIFIED:
/// it is what every other operation on an unknown id answers).
fn change(
    state: &SharedState,
    org: &crate::mock::auth::OrgId,
    id: &str,
    bytes: &[u8],
    replace: bool,
) -> ApiResult {
    let body = parse(bytes, if replace { DIRECTORY } else { DIRECTORY_UPDATE })?;
    let value = state.principals.with_org(org, |dirs| {
        if let Some(name) = read::string(&body, "name")
            && let Some(conflict) = name_conflict(dirs, &name, Some(id))
        {
            return Err(conflict);
        }
        let entry = dirs
            .iter_mut()
            .find(|d| d.directory.id == id)
            .ok_or(StoreError::NotFound)?;
        let d = &mut entry.directory;
        if replace {
            fill(d, &body);
        } else {
            if let Some(name) = read::string(&body, "name") {
                d.name = name;
            }
            if let Some(planes) = read::strings(&body, "allowed_control_planes") {
                d.allowed_control_planes = planes;
            }
            if let Some(all) = read::boolean(&body, "allow_all_control_planes") {
                d.allow_all_control_planes = all;
            }
            if let Some(ttl) = read::integer(&body, "ttl_secs") {
                d.ttl_secs = ttl;
            }
            if let Some(ttl) = read::integer(&body, "negative_ttl_secs") {
                d.negative_ttl_secs = ttl;
            }
            if let Some(labels) = read::labels(&body, "labels") {
                d.labels = labels;
            }
        }
        d.updated_at = ids::now();
        Ok(d.to_json())
    })?;
    json(StatusCode::OK, value)
}

/// `PATCH /v2/directories/{directoryId}` → 200 `KongDirectory`.
pub async fn update(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    change(&state, &org, &id, &bytes, false)
}

/// `PUT /v2/directories/{directoryId}` → 200 `KongDirectory`.
pub async fn replace(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    change(&state, &org, &id, &bytes, true)
}

/// `DELETE /v2/directories/{directoryId}` → 204. The directory goes with its principals
/// whatever `force` says: the spec lists no refusal (no 400 or 409) for this operation, and
/// what Konnect answers `force=false` on a non-empty directory is UNVERIFIED.
pub async fn delete(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    Path(id): Path<String>,
) -> ApiResult {
    state.principals.delete_directory(&org, &id)?;
    no_content()
}
