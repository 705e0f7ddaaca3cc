//! [`Faults`]: injected failures for tests of retries and robustness.
//!
//! `POST /_docflow/faults` with `{"method":"POST","path":"/v1/auth-servers","status":503,
//! "times":2}` makes the next two matching requests fail. A rule can answer a status (with an
//! optional `retry_after` header, e.g. for 429), add a delay before the real handler runs, or
//! drop the connection. `path` matches exactly, or as a prefix when it ends with `*`.
//!
//! Rules belong to the organization whose token added them and apply only to that
//! organization's requests (its API calls, its issuers, its data planes).

use std::sync::Mutex;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::auth::{ApiOrg, OrgId};
use super::request_org::request_org;
use super::state::SharedState;

/// Most rules one organization may have at a time.
pub const MAX_RULES: usize = 100;

/// Longest delay a rule may add (a minute: longer only ties up the mock).
pub const MAX_DELAY_MS: u64 = 60_000;

/// One fault rule.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// The organization the rule applies to (set from the caller's token).
    #[serde(skip)]
    pub org: Option<OrgId>,
    /// Method to match (any when absent).
    #[serde(default)]
    pub method: Option<String>,
    /// Path to match; a trailing `*` matches a prefix.
    pub path: String,
    /// Answer this status instead of running the handler.
    #[serde(default)]
    pub status: Option<u16>,
    /// `Retry-After` seconds to send with `status`.
    #[serde(default)]
    pub retry_after: Option<u64>,
    /// Wait this many milliseconds before answering.
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// Drop the connection instead of answering.
    #[serde(default)]
    pub drop: bool,
    /// How many matching requests the rule applies to (default 1).
    #[serde(default = "one")]
    pub times: u32,
}

fn one() -> u32 {
    1
}

impl FaultRule {
    fn matches(&self, method: &str, path: &str) -> bool {
        let method_ok = self
            .method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method));
        let path_ok = match self.path.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => self.path == path,
        };
        method_ok && path_ok
    }
}

/// The active fault rules.
#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<Vec<FaultRule>>,
}

impl Faults {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<FaultRule>> {
        self.rules.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a rule; `false` when its organization already has [`MAX_RULES`].
    pub fn add(&self, rule: FaultRule) -> bool {
        let mut rules = self.lock();
        if rules.iter().filter(|r| r.org == rule.org).count() >= MAX_RULES {
            return false;
        }
        rules.push(rule);
        true
    }

    /// Removes every rule.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// Removes the rules of one organization.
    pub fn clear_org(&self, org: &OrgId) {
        self.lock().retain(|r| r.org.as_ref() != Some(org));
    }

    /// The active rules of `org`.
    pub fn rules(&self, org: &OrgId) -> Vec<FaultRule> {
        self.lock()
            .iter()
            .filter(|r| r.org.as_ref() == Some(org))
            .cloned()
            .collect()
    }

    fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// Takes one use of the first rule of `org` matching the request, if any.
    fn take(&self, org: Option<&OrgId>, method: &str, path: &str) -> Option<FaultRule> {
        let org = org?;
        let mut rules = self.lock();
        let index = rules
            .iter()
            .position(|r| r.org.as_ref() == Some(org) && r.matches(method, path))?;
        let rule = rules[index].clone();
        if rules[index].times <= 1 {
            rules.remove(index);
        } else {
            rules[index].times -= 1;
        }
        Some(rule)
    }
}

/// Middleware applying the first matching rule.
pub async fn inject(
    State((state, listener)): State<(SharedState, &'static str)>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    if path.starts_with(super::app::TEST_PREFIX) || state.faults.is_empty() {
        return next.run(request).await;
    }
    let org = request_org(&state, listener, &path, request.headers());
    let Some(rule) = state
        .faults
        .take(org.as_ref(), request.method().as_str(), &path)
    else {
        return next.run(request).await;
    };
    if let Some(ms) = rule.delay_ms {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    if rule.drop {
        // A body stream that fails at once makes hyper abort the connection: the client sees
        // a transport error, as with a dropped connection.
        let failing = futures_lite_error();
        return Response::builder()
            .status(StatusCode::OK)
            .body(Body::from_stream(failing))
            .unwrap_or_default();
    }
    match rule.status.and_then(|s| StatusCode::from_u16(s).ok()) {
        Some(status) => {
            let mut response = (
                status,
                Json(json!({
                    "status": status.as_u16(),
                    "title": status.canonical_reason().unwrap_or("Error"),
                    "detail": "injected fault",
                })),
            )
                .into_response();
            response.headers_mut().insert(
                axum::http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/problem+json"),
            );
            if let Some(secs) = rule.retry_after
                && let Ok(v) = HeaderValue::from_str(&secs.to_string())
            {
                response
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, v);
            }
            response
        }
        None => next.run(request).await,
    }
}

fn futures_lite_error()
-> impl futures_core_stream::Stream<Item = Result<axum::body::Bytes, std::io::Error>> {
    futures_core_stream::once_err()
}

/// A one-item stream that yields an error, without pulling in a stream crate.
mod futures_core_stream {
    use std::pin::Pin;
    use std::task::{Context, Poll};

    pub(super) use futures_core::Stream;

    pub(super) struct OnceErr(bool);

    pub(super) fn once_err() -> OnceErr {
        OnceErr(false)
    }

    impl Stream for OnceErr {
        type Item = Result<axum::body::Bytes, std::io::Error>;

        fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            if self.0 {
                Poll::Ready(None)
            } else {
                self.0 = true;
                Poll::Ready(Some(Err(std::io::Error::other(
                    "injected dropped connection",
                ))))
            }
        }
    }
}

/// `POST /_docflow/faults`: adds a rule for the caller's organization.
async fn add_rule(
    State(state): State<SharedState>,
    ApiOrg(org): ApiOrg,
    Json(mut rule): Json<FaultRule>,
) -> Response {
    if rule.delay_ms.is_some_and(|ms| ms > MAX_DELAY_MS) {
        let detail = format!("`delay_ms` is at most {MAX_DELAY_MS}");
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"status": 400, "detail": detail})),
        )
            .into_response();
    }
    rule.org = Some(org);
    if state.faults.add(rule) {
        StatusCode::CREATED.into_response()
    } else {
        let detail = format!("an organization has at most {MAX_RULES} fault rules");
        (
            StatusCode::TOO_MANY_REQUESTS,
            Json(json!({"status": 429, "detail": detail})),
        )
            .into_response()
    }
}

/// `POST /_docflow/faults` adds a rule; `GET /_docflow/faults` lists them (the caller's
/// organization's only).
pub fn routes() -> Router<SharedState> {
    Router::new().route(
        "/faults",
        post(add_rule).get(
            |State(state): State<SharedState>, ApiOrg(org): ApiOrg| async move {
                Json(json!({ "data": state.faults.rules(&org) }))
            },
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(token: &str) -> OrgId {
        OrgId::from_token(token, crate::mock::config::TokenPolicy::Any).unwrap()
    }

    fn rule(path: &str, times: u32) -> FaultRule {
        FaultRule {
            org: Some(org("a")),
            method: Some("POST".into()),
            path: path.into(),
            status: Some(503),
            retry_after: None,
            delay_ms: None,
            drop: false,
            times,
        }
    }

    #[test]
    fn rules_apply_n_times_then_expire() {
        let faults = Faults::default();
        let a = Some(org("a"));
        faults.add(rule("/v1/auth-servers", 2));
        assert!(
            faults
                .take(a.as_ref(), "POST", "/v1/auth-servers")
                .is_some()
        );
        assert!(faults.take(a.as_ref(), "GET", "/v1/auth-servers").is_none());
        assert!(
            faults
                .take(a.as_ref(), "POST", "/v1/auth-servers")
                .is_some()
        );
        assert!(
            faults
                .take(a.as_ref(), "POST", "/v1/auth-servers")
                .is_none()
        );
    }

    #[test]
    fn star_matches_prefix() {
        let faults = Faults::default();
        faults.add(rule("/v2/*", 1));
        assert!(
            faults
                .take(Some(&org("a")), "POST", "/v2/control-planes")
                .is_some()
        );
    }

    #[test]
    fn rules_apply_to_their_organization_only() {
        let faults = Faults::default();
        faults.add(rule("/v2/*", 1));
        assert!(faults.take(Some(&org("b")), "POST", "/v2/x").is_none());
        assert!(faults.take(None, "POST", "/v2/x").is_none());
        faults.clear_org(&org("b"));
        assert_eq!(faults.rules(&org("a")).len(), 1);
        faults.clear_org(&org("a"));
        assert!(faults.is_empty());
    }

    #[test]
    fn an_organization_has_a_bounded_number_of_rules() {
        let faults = Faults::default();
        for _ in 0..MAX_RULES {
            assert!(faults.add(rule("/x", 1)));
        }
        assert!(!faults.add(rule("/x", 1)));
    }
}
