//! [`OAuthError`]: RFC 6749 §5.2 error objects (`{"error","error_description"}`) as the token
//! and introspection endpoints answer them, with `Cache-Control: no-store`.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An OAuth error response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    /// HTTP status.
    pub status: StatusCode,
    /// RFC 6749 error code (`invalid_request`, `invalid_client`, …).
    pub error: &'static str,
    /// Human-readable description; never contains a secret.
    pub description: String,
    /// Whether to send `WWW-Authenticate: Basic` (the client tried HTTP Basic, RFC 6749
    /// §5.2 requires the challenge on 401).
    pub basic_challenge: bool,
}

impl OAuthError {
    fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            error,
            description: description.into(),
            basic_challenge: false,
        }
    }

    /// 400 `invalid_request`.
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    /// `invalid_client` with `status` (RFC 6749 allows 400 or 401; see
    /// `MockConfig::invalid_client_status`).
    pub fn invalid_client(status: StatusCode, basic_challenge: bool) -> Self {
        Self {
            basic_challenge: basic_challenge || status == StatusCode::UNAUTHORIZED,
            ..Self::new(status, "invalid_client", "client authentication failed")
        }
    }

    /// 400 `unsupported_grant_type`.
    pub fn unsupported_grant_type(grant_type: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            format!("grant type `{grant_type}` is not supported"),
        )
    }

    /// 400 `unauthorized_client`: the client may not use this grant type.
    pub fn unauthorized_client(grant_type: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            format!("the client is not allowed to use the `{grant_type}` grant type"),
        )
    }

    /// 400 `invalid_scope`.
    pub fn invalid_scope(scope: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            format!(
                "the requested scope `{scope}` is invalid, unknown, or not allowed for the client"
            ),
        )
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            Json(json!({"error": self.error, "error_description": self.description})),
        )
            .into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        if self.basic_challenge {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"kong-identity\""),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_client_challenges_on_401_only_unless_basic_was_used() {
        let e = OAuthError::invalid_client(StatusCode::UNAUTHORIZED, false).into_response();
        assert!(e.headers().contains_key(header::WWW_AUTHENTICATE));
        assert_eq!(e.headers()[header::CACHE_CONTROL], "no-store");
        let e = OAuthError::invalid_client(StatusCode::BAD_REQUEST, false).into_response();
        assert!(!e.headers().contains_key(header::WWW_AUTHENTICATE));
        let e = OAuthError::invalid_client(StatusCode::BAD_REQUEST, true).into_response();
        assert!(e.headers().contains_key(header::WWW_AUTHENTICATE));
    }
}
