//! The "not emulated" contract: what the mock answers where it does not know what Konnect
//! would do, so a client can tell the mock's gaps from Konnect's answers.
//!
//! Every such answer is HTTP 501 (no Konnect or Kong Gateway answer to a configured route or a
//! documented API path uses 501), carries the header [`HEADER`] with a short reason, and has an
//! `application/problem+json` body whose `title` is [`TITLE`] and whose `detail` names the
//! plugin or the method and path. The runner turns such a step into *out of reach*, never a
//! failure or a doc defect.
//!
//! Two cases use it:
//! - an API path no handler serves but some Konnect API has ([`unimplemented_path`], the API
//!   listener's fallback, and core entities the mock does not store; a versioned path no
//!   Konnect spec has gets Konnect's 404 instead, see [`super::konnect_paths`]), and
//! - a route whose applicable plugins include one the data plane does not execute
//!   ([`plugin`]). The control plane accepts such a plugin (it is valid Konnect
//!   configuration); only calling a route it applies to answers 501.

use axum::extract::OriginalUri;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::konnect_paths;
use super::problem::{Family, Problem};

/// The header marking a not-emulated answer; its value is a short reason.
pub const HEADER: &str = "docflow-not-emulated";

/// The problem's `title`.
pub const TITLE: &str = "not emulated by docflow's mock";

/// A 501 problem+json with [`HEADER`] set to `reason` and `detail` as given.
pub fn response(reason: &str, detail: &str) -> Response {
    let body = json!({
        "status": 501,
        "title": TITLE,
        "detail": detail,
    });
    let mut response = (StatusCode::NOT_IMPLEMENTED, axum::Json(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    // The reason is ours and ASCII; a value that is not a valid header still marks the answer.
    let value = HeaderValue::from_str(reason).unwrap_or(HeaderValue::from_static("not emulated"));
    headers.insert(HeaderName::from_static(HEADER), value);
    response
}

/// The answer for a method and path the mock does not implement.
pub fn path(method: &Method, path: &str) -> Response {
    response(
        "api path not implemented",
        &format!("`{method} {path}` is not implemented by docflow's mock"),
    )
}

/// Router fallback for the request's method and full path (as sent, before any nesting
/// stripped its prefix): Konnect's own 404 when no Konnect API has that path (a typo in a
/// doc's URL is then a doc defect, as on Konnect), else [`path`]: Konnect has it and the mock
/// does not emulate it. UNVERIFIED: the 404's body for a path no API routes; the facts sheet's
/// example 404 (`{"status":404,"title":"Not Found","detail":"Not Found"}`) is for a missing
/// resource. The status is what the docs' checks compare.
pub async fn unimplemented_path(method: Method, OriginalUri(uri): OriginalUri) -> Response {
    let requested = uri.path();
    if konnect_paths::is_versioned_api(requested) && !konnect_paths::is_konnect_path(requested) {
        let family = if requested.starts_with("/v1/") {
            Family::Identity
        } else {
            Family::ControlPlanes
        };
        return Problem::not_found(family).into_response();
    }
    path(&method, requested)
}

/// The data plane's answer for a route with plugin `name`, which it does not execute.
pub fn plugin(name: &str) -> Response {
    response(
        &format!("plugin {name} not executed"),
        &format!("plugin `{name}` is not executed by docflow's mock data plane"),
    )
}

/// The data plane's answer when a public upstream host cannot be reached from where the mock
/// runs (no network): what that service would answer is unknown.
pub fn upstream_unreachable(host: &str) -> Response {
    response(
        &format!("upstream {host} unreachable"),
        &format!("upstream `{host}` cannot be reached from docflow's mock (no network to it)"),
    )
}

/// The data plane's answer for a route with a plugin that has a `condition`: the mock does not
/// evaluate Kong's expressions, so it cannot tell whether the plugin would run.
pub fn plugin_condition(name: &str) -> Response {
    response(
        &format!("plugin {name} condition not evaluated"),
        &format!(
            "plugin `{name}` has a `condition`, which docflow's mock data plane does not evaluate"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body(response: Response) -> serde_json::Value {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn a_path_answer_names_method_and_path() {
        let response = path(&Method::POST, "/v1/event-gateways");
        assert_eq!(response.status(), StatusCode::NOT_IMPLEMENTED);
        assert_eq!(response.headers()[HEADER], "api path not implemented");
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        let body = body(response).await;
        assert_eq!(body["title"], TITLE);
        assert_eq!(
            body["detail"],
            "`POST /v1/event-gateways` is not implemented by docflow's mock"
        );
    }

    #[tokio::test]
    async fn a_plugin_answer_names_the_plugin() {
        let response = plugin("rate-limiting");
        assert_eq!(
            response.headers()[HEADER],
            "plugin rate-limiting not executed"
        );
        assert!(
            body(response).await["detail"]
                .as_str()
                .unwrap()
                .contains("`rate-limiting`")
        );
    }
}
