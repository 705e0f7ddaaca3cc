//! Responses the data plane itself produces ([`kong_exit`]) and the headers Kong adds to
//! proxied ones ([`decorate_proxied`]).
//!
//! Kong's own bodies are `{"message": "…"}` with `Content-Type: application/json;
//! charset=utf-8`. Headers: `Server: kong/<version>`, `X-Kong-Response-Latency` and
//! `X-Kong-Request-Id` on Kong's responses; `Via: 1.1 kong/<version>`,
//! `X-Kong-Upstream-Latency`, `X-Kong-Proxy-Latency` and `X-Kong-Request-Id` on proxied
//! ones. These follow Kong Gateway 3.x defaults; whether Konnect-managed data planes change
//! them is UNVERIFIED.

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use uuid::Uuid;

/// A request id as Kong prints it: 32 lowercase hex digits.
pub fn request_id() -> String {
    Uuid::new_v4().simple().to_string()
}

fn insert(headers: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(HeaderName::from_static(name), value);
    }
}

/// A response Kong produces itself (`kong.response.exit`): status, `{"message": …}`, and
/// `extra` headers such as `WWW-Authenticate`.
pub fn kong_exit(
    version: &str,
    status: StatusCode,
    message: &str,
    extra: &[(&'static str, String)],
) -> Response {
    let mut response = (status, axum::Json(json!({ "message": message }))).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    insert(headers, "server", &format!("kong/{version}"));
    insert(headers, "x-kong-response-latency", "0");
    insert(headers, "x-kong-request-id", &request_id());
    for (name, value) in extra {
        insert(headers, name, value);
    }
    response
}

/// A response Kong produces itself with a body that is not `{"message": …}`: a JSON object
/// (`kong.response.exit(401, {error = …})`) or, for a string, the text as is.
pub fn kong_exit_body(
    version: &str,
    status: StatusCode,
    body: &serde_json::Value,
    extra: &[(&'static str, String)],
) -> Response {
    let text = match body {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let mut response = (status, text).into_response();
    let headers = response.headers_mut();
    // UNVERIFIED for a string body: Kong sends it as is; its content type is assumed JSON
    // (the bodies the mock's plugins pass on are an identity provider's JSON errors).
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    insert(headers, "server", &format!("kong/{version}"));
    insert(headers, "x-kong-response-latency", "0");
    insert(headers, "x-kong-request-id", &request_id());
    for (name, value) in extra {
        insert(headers, name, value);
    }
    response
}

/// Adds Kong's headers to a proxied response.
pub fn decorate_proxied(
    headers: &mut HeaderMap,
    version: &str,
    request_id: &str,
    upstream_ms: u128,
    proxy_ms: u128,
) {
    insert(headers, "via", &format!("1.1 kong/{version}"));
    insert(headers, "x-kong-upstream-latency", &upstream_ms.to_string());
    insert(headers, "x-kong-proxy-latency", &proxy_ms.to_string());
    insert(headers, "x-kong-request-id", request_id);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exits_carry_kong_headers() {
        let r = kong_exit(
            "3.11.0.0",
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            &[("www-authenticate", "Bearer realm=\"x\"".into())],
        );
        assert_eq!(r.status(), 401);
        assert_eq!(r.headers()["server"], "kong/3.11.0.0");
        assert_eq!(r.headers()["www-authenticate"], "Bearer realm=\"x\"");
        assert_eq!(r.headers()["x-kong-request-id"].len(), 32);
    }
}
