//! Small helpers shared by the Kong Identity handlers: [`ApiResult`], JSON responses, and
//! body and list-query parsing that fail as problem+json.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::listing::{ListQuery, Listing};
use super::store::StoreError;
use super::validate::{Field, parse_object};

/// What every handler returns: a response, or a problem.
pub type ApiResult = Result<Response, StoreError>;

/// A JSON response with `status`.
pub fn json(status: StatusCode, value: Value) -> ApiResult {
    Ok((status, Json(value)).into_response())
}

/// 204 No Content.
pub fn no_content() -> ApiResult {
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The validated body, or a 400 listing every problem.
pub fn body(bytes: &[u8], fields: &[Field]) -> Result<Map<String, Value>, StoreError> {
    parse_object(bytes, fields).map_err(StoreError::Invalid)
}

/// The parsed list query, or a 400 listing every problem.
pub fn list_query(raw: Option<&str>, listing: Listing) -> Result<ListQuery, StoreError> {
    ListQuery::parse(raw, listing).map_err(StoreError::Invalid)
}
