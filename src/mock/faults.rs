//! [`Faults`]: injected failures for tests of retries and robustness.
//!
//! `POST /_docflow/faults` with `{"method":"POST","path":"/v1/auth-servers","status":503,
//! "times":2}` makes the next two matching requests fail. A rule can answer a status (with an
//! optional `retry_after` header, e.g. for 429), add a delay before the real handler runs, or
//! drop the connection. `path` matches exactly, or as a prefix when it ends with `*`.

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

use super::state::SharedState;

/// One fault rule.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
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
    /// Adds a rule.
    pub fn add(&self, rule: FaultRule) {
        if let Ok(mut rules) = self.rules.lock() {
            rules.push(rule);
        }
    }

    /// Removes every rule.
    pub fn clear(&self) {
        if let Ok(mut rules) = self.rules.lock() {
            rules.clear();
        }
    }

    /// The active rules.
    pub fn rules(&self) -> Vec<FaultRule> {
        self.rules.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// Takes one use of the first rule matching the request, if any.
    fn take(&self, method: &str, path: &str) -> Option<FaultRule> {
        let mut rules = self.rules.lock().ok()?;
        let index = rules.iter().position(|r| r.matches(method, path))?;
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
pub async fn inject(State(state): State<SharedState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    if path.starts_with(super::app::TEST_PREFIX) {
        return next.run(request).await;
    }
    let Some(rule) = state.faults.take(request.method().as_str(), &path) else {
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

/// `POST /_docflow/faults` adds a rule; `GET /_docflow/faults` lists them.
pub fn routes() -> Router<SharedState> {
    Router::new().route(
        "/faults",
        post(
            |State(state): State<SharedState>, Json(rule): Json<FaultRule>| async move {
                state.faults.add(rule);
                StatusCode::CREATED
            },
        )
        .get(|State(state): State<SharedState>| async move {
            Json(json!({ "data": state.faults.rules() }))
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(path: &str, times: u32) -> FaultRule {
        FaultRule {
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
        faults.add(rule("/v1/auth-servers", 2));
        assert!(faults.take("POST", "/v1/auth-servers").is_some());
        assert!(faults.take("GET", "/v1/auth-servers").is_none());
        assert!(faults.take("POST", "/v1/auth-servers").is_some());
        assert!(faults.take("POST", "/v1/auth-servers").is_none());
    }

    #[test]
    fn star_matches_prefix() {
        let faults = Faults::default();
        faults.add(rule("/v2/*", 1));
        assert!(faults.take("POST", "/v2/control-planes").is_some());
    }
}
