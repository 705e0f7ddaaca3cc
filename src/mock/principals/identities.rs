//! Handlers of `/v2/directories/{directoryId}/principals/{principalId}/identities` and
//! `…/identities/{identityId}`: create, list, get, replace (PUT), update (PATCH), delete.
//!
//! Two rules the spec does not state, both UNVERIFIED: an identity links one principal only
//! (the same identity on another principal of the directory is a 409, else the data plane
//! could not map a token to one principal), and an `auth_server_client` identity must name
//! an auth server of the organization and one of its clients (a 400 `missing_reference`
//! otherwise; `MockConfig::check_identity_references` turns that off).

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;

use super::body::{IDENTITY, IDENTITY_UPDATE, identity_kind, parse, update_kind};
use super::cursor::{CursorQuery, FilterKind, Listing};
use super::model::{Identity, IdentityKind};
use super::store::DirectoryEntry;
use crate::mock::auth::{ApiOrg, OrgId};
use crate::mock::identity::StoreError;
use crate::mock::identity::ids;
use crate::mock::identity::respond::{ApiResult, json, no_content};
use crate::mock::identity::validate::{InvalidParam, read};
use crate::mock::state::{MockState, SharedState};

const LISTING: Listing = Listing {
    filters: &[("type", FilterKind::AnyOf)],
    sorts: &["created_at", "updated_at", "type"],
};

/// A 409 if another identity (not `except`) of the directory already is `kind`.
fn taken(
    directory: &DirectoryEntry,
    kind: &IdentityKind,
    except: Option<&str>,
) -> Result<(), StoreError> {
    let clash = directory
        .principals
        .iter()
        .flat_map(|p| &p.identities)
        .any(|i| i.kind == *kind && Some(i.id.as_str()) != except);
    if clash {
        return Err(StoreError::Conflict(format!(
            "An identity of type [{}] with these values already exists in this directory",
            kind.type_name()
        )));
    }
    Ok(())
}

/// A 400 `missing_reference` if an `auth_server_client` identity names no client of the
/// organization's auth servers.
fn check_references(state: &MockState, org: &OrgId, kind: &IdentityKind) -> Result<(), StoreError> {
    let IdentityKind::AuthServerClient {
        auth_server_id,
        client_id,
    } = kind
    else {
        return Ok(());
    };
    if !state.config.check_identity_references {
        return Ok(());
    }
    let server = state.identity.with_server(org, auth_server_id, |entry| {
        Ok(entry.client(client_id).is_some())
    });
    let problem = match server {
        Ok(true) => return Ok(()),
        Ok(false) => InvalidParam::new(
            "client_id",
            "missing_reference",
            "must be the id of a client of the auth server",
        ),
        Err(_) => InvalidParam::new(
            "auth_server_id",
            "missing_reference",
            "must be the id of an auth server of the organization",
        ),
    };
    Err(StoreError::Invalid(vec![problem]))
}

/// `POST …/identities` → 201 `KongPrincipalIdentity`.
pub async fn create(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    Path((directory, principal)): Path<(String, String)>,
    bytes: Bytes,
) -> ApiResult {
    let body = parse(&bytes, IDENTITY)?;
    // The path first: an unknown directory or principal is a 404 whatever the body says.
    state
        .principals
        .with_principal(&org, &directory, &principal, |_| Ok(()))?;
    let kind = identity_kind(&body)?;
    check_references(&state, &org, &kind)?;
    let now = ids::now();
    let identity = Identity {
        id: ids::uuid(),
        kind,
        labels: read::labels(&body, "labels").unwrap_or_default(),
        created_at: now.clone(),
        updated_at: now,
    };
    let value = identity.to_json();
    state.principals.with_directory(&org, &directory, |d| {
        taken(d, &identity.kind, None)?;
        d.principal_mut(&principal)?.identities.push(identity);
        Ok(())
    })?;
    json(StatusCode::CREATED, value)
}

/// `GET …/identities` → 200 `ListKongPrincipalIdentities`.
pub async fn list(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    Path((directory, principal)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let query = CursorQuery::parse(query.as_deref(), LISTING).map_err(StoreError::Invalid)?;
    let items = state
        .principals
        .with_principal(&org, &directory, &principal, |p| {
            Ok(p.identities.iter().map(Identity::to_json).collect())
        })?;
    let path = format!("/v2/directories/{directory}/principals/{principal}/identities");
    json(StatusCode::OK, query.apply(items, &path))
}

/// `GET …/identities/{identityId}` → 200 `KongPrincipalIdentity`.
pub async fn get(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    Path((directory, principal, id)): Path<(String, String, String)>,
) -> ApiResult {
    let value = state
        .principals
        .with_principal(&org, &directory, &principal, |p| {
            p.identities
                .iter()
                .find(|i| i.id == id)
                .map(Identity::to_json)
                .ok_or(StoreError::NotFound)
        })?;
    json(StatusCode::OK, value)
}

/// `PUT` (replace, `type` may change) or `PATCH` (members of the identity's own type).
fn change(
    state: &MockState,
    org: &OrgId,
    (directory, principal, id): (String, String, String),
    bytes: &[u8],
    replace: bool,
) -> ApiResult {
    let body = parse(bytes, if replace { IDENTITY } else { IDENTITY_UPDATE })?;
    let current = state
        .principals
        .with_principal(org, &directory, &principal, |p| {
            p.identities
                .iter()
                .find(|i| i.id == id)
                .map(|i| i.kind.clone())
                .ok_or(StoreError::NotFound)
        })?;
    let kind = if replace {
        identity_kind(&body)?
    } else {
        let mut kind = current;
        update_kind(&mut kind, &body)?;
        kind
    };
    check_references(state, org, &kind)?;
    let value = state.principals.with_directory(org, &directory, |d| {
        taken(d, &kind, Some(&id))?;
        let identity = d
            .principal_mut(&principal)?
            .identities
            .iter_mut()
            .find(|i| i.id == id)
            .ok_or(StoreError::NotFound)?;
        identity.kind = kind;
        if replace {
            identity.labels = read::labels(&body, "labels").unwrap_or_default();
        } else if let Some(labels) = read::labels(&body, "labels") {
            identity.labels = labels;
        }
        identity.updated_at = ids::now();
        Ok(identity.to_json())
    })?;
    json(StatusCode::OK, value)
}

/// `PUT …/identities/{identityId}` → 200 `KongPrincipalIdentity`.
pub async fn replace(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    Path(ids): Path<(String, String, String)>,
    bytes: Bytes,
) -> ApiResult {
    change(&state, &org, ids, &bytes, true)
}

/// `PATCH …/identities/{identityId}` → 200 `KongPrincipalIdentity`.
pub async fn update(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    Path(ids): Path<(String, String, String)>,
    bytes: Bytes,
) -> ApiResult {
    change(&state, &org, ids, &bytes, false)
}

/// `DELETE …/identities/{identityId}` → 204.
pub async fn delete(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    Path((directory, principal, id)): Path<(String, String, String)>,
) -> ApiResult {
    state
        .principals
        .with_principal(&org, &directory, &principal, |p| {
            let index = p
                .identities
                .iter()
                .position(|i| i.id == id)
                .ok_or(StoreError::NotFound)?;
            p.identities.remove(index);
            Ok(())
        })?;
    no_content()
}
