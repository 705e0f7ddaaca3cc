//! [`Problem`]: RFC 7807 `application/problem+json` errors as the Konnect APIs send them, and
//! the Gateway-style `{"message","status"}` body the core-entities API uses for 401.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Which API family answers: the trace prefix differs (`kong:trace:` for Kong Identity,
/// `konnect:trace:` for control planes), as in the real responses in the facts sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Kong Identity (`/v1/auth-servers…`).
    Identity,
    /// Control planes (`/v2/control-planes…`).
    ControlPlanes,
}

/// A problem+json error.
#[derive(Debug, Clone)]
pub struct Problem {
    /// HTTP status.
    pub status: StatusCode,
    /// Short title (`Not Found`, `Bad Request`, `Conflict`).
    pub title: String,
    /// Human-readable detail.
    pub detail: String,
    /// 400 only: `[{field, rule, source, reason, …}]`.
    pub invalid_parameters: Option<Vec<Value>>,
    /// API family (trace prefix).
    pub family: Family,
}

impl Problem {
    /// A problem with the given status, title and detail.
    pub fn new(family: Family, status: StatusCode, title: &str, detail: impl Into<String>) -> Self {
        Self {
            status,
            title: title.to_owned(),
            detail: detail.into(),
            invalid_parameters: None,
            family,
        }
    }

    /// 404 as Kong Identity answers it: `{"status":404,"title":"Not Found","detail":"Not Found"}`.
    pub fn not_found(family: Family) -> Self {
        Self::new(family, StatusCode::NOT_FOUND, "Not Found", "Not Found")
    }

    /// 401 for a missing or unknown token.
    pub fn unauthenticated(family: Family) -> Self {
        Self::new(
            family,
            StatusCode::UNAUTHORIZED,
            "Unauthenticated",
            "A valid token is required",
        )
    }

    /// 400 with `invalid_parameters`.
    pub fn bad_request(family: Family, detail: impl Into<String>, params: Vec<Value>) -> Self {
        Self {
            invalid_parameters: Some(params),
            ..Self::new(family, StatusCode::BAD_REQUEST, "Bad Request", detail)
        }
    }

    /// 409 Conflict.
    pub fn conflict(family: Family, detail: impl Into<String>) -> Self {
        Self::new(family, StatusCode::CONFLICT, "Conflict", detail)
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let prefix = match self.family {
            Family::Identity => "kong:trace:",
            Family::ControlPlanes => "konnect:trace:",
        };
        let mut body = json!({
            "status": self.status.as_u16(),
            "title": self.title,
            "instance": format!("{prefix}{}", trace_id()),
            "detail": self.detail,
        });
        if let Some(params) = &self.invalid_parameters {
            body["invalid_parameters"] = Value::Array(params.clone());
        }
        body
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.body())).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}

/// A 19-digit trace number like the real `kong:trace:6816496025408232265`.
fn trace_id() -> u64 {
    use rand::RngExt as _;
    rand::rng().random_range(1_000_000_000_000_000_000..=9_223_372_036_854_775_807)
}

/// The Gateway-style error the core-entities API (and Kong's proxy) answers with:
/// `{"message": "...", "status": 401}`.
pub fn gateway_error(status: StatusCode, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"message": message, "status": status.as_u16()})),
    )
        .into_response()
}
