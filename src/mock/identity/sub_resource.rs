//! [`SubResource`]: what scopes, claims and clients (the collections under an auth server) have
//! in common, and the list, get, update and delete handlers written once for all three.
//!
//! Each resource keeps its own create, validation and update logic in its module
//! ([`super::scopes`], [`super::claims`], [`super::clients`]); only the shape the handlers
//! share lives here: find the server (404), find the item by id (404), render it.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde_json::{Map, Value};

use super::listing::Listing;
use super::respond::{ApiResult, body, json, list_query, no_content};
use super::store::{AuthServerEntry, StoreError};
use super::validate::Field;
use crate::mock::auth::ApiOrg;
use crate::mock::state::SharedState;

/// A collection under an auth server, addressed as `…/{collection}[/{id}]`.
pub trait SubResource: Sized + 'static {
    /// The singular noun in messages (`"scope"`).
    const NOUN: &'static str;
    /// The list endpoint's filters and sorts.
    const LISTING: Listing;
    /// The fields a PATCH body may have.
    const UPDATE: &'static [Field];

    /// The server's items, in creation order.
    fn all(entry: &AuthServerEntry) -> &[Self];
    /// The server's items, to add to or remove from.
    fn all_mut(entry: &mut AuthServerEntry) -> &mut Vec<Self>;
    /// The item's id.
    fn id(&self) -> &str;
    /// The item's name.
    fn name(&self) -> &str;
    /// The API representation (what GET, list and PATCH answer).
    fn json(&self) -> Value;
    /// Checks a validated PATCH body against the rest of the server, applies it to the item
    /// `id`, and returns the updated representation.
    fn update(
        entry: &mut AuthServerEntry,
        id: &str,
        body: &Map<String, Value>,
    ) -> Result<Value, StoreError>;
    /// Removes what still refers to the deleted item `id`; nothing by default.
    fn forget(_entry: &mut AuthServerEntry, _id: &str) {}
}

/// The item `id`, or [`StoreError::NotFound`].
pub fn find<'a, R: SubResource>(entry: &'a AuthServerEntry, id: &str) -> Result<&'a R, StoreError> {
    R::all(entry)
        .iter()
        .find(|item| item.id() == id)
        .ok_or(StoreError::NotFound)
}

/// The item `id` to change, or [`StoreError::NotFound`].
pub fn find_mut<'a, R: SubResource>(
    entry: &'a mut AuthServerEntry,
    id: &str,
) -> Result<&'a mut R, StoreError> {
    R::all_mut(entry)
        .iter_mut()
        .find(|item| item.id() == id)
        .ok_or(StoreError::NotFound)
}

/// A 409 if another item (not `except`) already has `name`, for the resources whose names are
/// unique per auth server.
pub fn name_conflict<R: SubResource>(
    entry: &AuthServerEntry,
    name: &str,
    except: Option<&str>,
) -> Result<(), StoreError> {
    if R::all(entry)
        .iter()
        .any(|item| item.name() == name && Some(item.id()) != except)
    {
        return Err(StoreError::Conflict(format!(
            "A {} with the name [{name}] already exists",
            R::NOUN
        )));
    }
    Ok(())
}

/// `GET …/{collection}` → 200 with the (filtered, sorted, paged) list.
pub async fn list<R: SubResource>(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    Path(server_id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let items = state.identity.with_server(&org, &server_id, |entry| {
        Ok(R::all(entry).iter().map(R::json).collect())
    })?;
    let query = list_query(query.as_deref(), R::LISTING)?;
    json(StatusCode::OK, query.apply(items))
}

/// `GET …/{collection}/{id}` → 200 with the item.
pub async fn get<R: SubResource>(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    Path((server_id, id)): Path<(String, String)>,
) -> ApiResult {
    let value = state
        .identity
        .with_server(&org, &server_id, |entry| find::<R>(entry, &id).map(R::json))?;
    json(StatusCode::OK, value)
}

/// `PATCH …/{collection}/{id}` → 200 with the updated item.
pub async fn update<R: SubResource>(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    Path((server_id, id)): Path<(String, String)>,
    bytes: Bytes,
) -> ApiResult {
    // A missing server or item (404) outranks a bad body (400).
    state
        .identity
        .with_server(&org, &server_id, |entry| find::<R>(entry, &id).map(|_| ()))?;
    let body = body(&bytes, R::UPDATE)?;
    let value = state
        .identity
        .with_server(&org, &server_id, |entry| R::update(entry, &id, &body))?;
    json(StatusCode::OK, value)
}

/// `DELETE …/{collection}/{id}` → 204; what referred to the item forgets it.
pub async fn delete<R: SubResource>(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    Path((server_id, id)): Path<(String, String)>,
) -> ApiResult {
    state.identity.with_server(&org, &server_id, |entry| {
        let items = R::all_mut(entry);
        let before = items.len();
        items.retain(|item| item.id() != id);
        if items.len() == before {
            return Err(StoreError::NotFound);
        }
        R::forget(entry, &id);
        Ok(())
    })?;
    no_content()
}
