//! [`unknown_issuer`]: the answer for an issuer id that matches no auth server, or a path the
//! issuer does not serve. The real body is UNVERIFIED (a real unknown issuer host does not
//! even resolve); the mock answers a plain JSON 404.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// 404 `{"message":"Not Found"}`.
pub fn unknown_issuer() -> Response {
    (StatusCode::NOT_FOUND, Json(json!({"message": "Not Found"}))).into_response()
}
