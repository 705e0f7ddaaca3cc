//! [`Journal`]: every request both listeners received (method, path, redacted headers, body),
//! readable at `GET /_docflow/journal` and cleared by `POST /_docflow/reset`.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Json;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::{Value, json};

use super::state::SharedState;

/// The most entries kept; older ones are dropped so a long-running mock stays bounded.
const CAPACITY: usize = 10_000;

/// Largest body kept in an entry.
const BODY_LIMIT: usize = 16 * 1024;

/// Largest request body the mock accepts at all.
const REQUEST_LIMIT: usize = 4 * 1024 * 1024;

/// One recorded request.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// `api` or `proxy`.
    pub listener: &'static str,
    /// HTTP method.
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Headers, with credentials replaced by `[redacted]`.
    pub headers: Vec<(String, String)>,
    /// Body as text (lossy UTF-8), with form and JSON secrets redacted, truncated.
    pub body: String,
    /// Response status.
    pub status: u16,
}

/// The request journal.
#[derive(Debug, Default)]
pub struct Journal {
    entries: Mutex<Vec<Entry>>,
    /// Requests recorded since start, never reset: `mock serve --exit-when-idle` watches it.
    recorded: AtomicU64,
}

impl Journal {
    /// A copy of the entries, oldest first.
    pub fn entries(&self) -> Vec<Entry> {
        self.entries.lock().map(|e| e.clone()).unwrap_or_default()
    }

    /// Forgets every entry.
    pub fn clear(&self) {
        if let Ok(mut e) = self.entries.lock() {
            e.clear();
        }
    }

    /// How many requests were recorded since the mock started (not reset by `clear`).
    pub fn recorded(&self) -> u64 {
        self.recorded.load(Ordering::Relaxed)
    }

    fn push(&self, entry: Entry) {
        self.recorded.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut e) = self.entries.lock() {
            if e.len() >= CAPACITY {
                e.remove(0);
            }
            e.push(entry);
        }
    }
}

/// Headers whose values are credentials.
fn is_secret_header(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "authorization" | "proxy-authorization" | "cookie" | "set-cookie" | "x-api-key"
    )
}

/// Form and JSON fields whose values are credentials.
const SECRET_FIELDS: &[&str] = &[
    "client_secret",
    "access_token",
    "refresh_token",
    "id_token",
    "token",
    "password",
];

/// Redacts credentials in a request body (form or JSON).
pub fn redact_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(BODY_LIMIT)]).into_owned();
    if let Ok(mut value) = serde_json::from_str::<Value>(&text) {
        redact_json(&mut value);
        return value.to_string();
    }
    if text.contains('=') && !text.contains(' ') {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&text).unwrap_or_default();
        if !pairs.is_empty() {
            return pairs
                .into_iter()
                .map(|(k, v)| {
                    let v = if SECRET_FIELDS.contains(&k.as_str()) {
                        "[redacted]".to_owned()
                    } else {
                        v
                    };
                    format!("{k}={v}")
                })
                .collect::<Vec<_>>()
                .join("&");
        }
    }
    text
}

fn redact_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if SECRET_FIELDS.contains(&k.as_str()) {
                    *v = json!("[redacted]");
                } else {
                    redact_json(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}

fn redact_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            let text = String::from_utf8_lossy(v.as_bytes());
            let value = if is_secret_header(k.as_str()) || looks_secret(&text) {
                "[redacted]".to_owned()
            } else {
                text.into_owned()
            };
            (k.as_str().to_owned(), value)
        })
        .collect()
}

/// A value that is a credential whatever it is called: a Konnect access token, a JWT, or an
/// HTTP credential scheme (custom headers sometimes carry them).
fn looks_secret(value: &str) -> bool {
    let v = value.trim();
    v.contains("kpat_")
        || v.contains("spat_")
        || v.contains("eyJ")
        || v.starts_with("Bearer ")
        || v.starts_with("Basic ")
}

/// Redacts credential query parameters (`client_secret=…`, `access_token=…`) and any value
/// that looks like a credential.
fn redact_query(path_and_query: &str) -> String {
    let Some((path, query)) = path_and_query.split_once('?') else {
        return path_and_query.to_owned();
    };
    let redacted: Vec<String> = query
        .split('&')
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let decoded = percent_encoding::percent_decode_str(value).decode_utf8_lossy();
            if SECRET_FIELDS.contains(&name) || looks_secret(&decoded) {
                format!("{name}=[redacted]")
            } else {
                pair.to_owned()
            }
        })
        .collect();
    format!("{path}?{}", redacted.join("&"))
}

/// Middleware that records each request and its response status.
pub async fn record(
    State((state, listener)): State<(SharedState, &'static str)>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    // The journal does not record reads of itself, so reading it does not change it.
    if path.starts_with(super::app::TEST_PREFIX) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let bytes: Bytes = match axum::body::to_bytes(body, REQUEST_LIMIT).await {
        Ok(b) => b,
        Err(_) => {
            return super::problem::Problem::new(
                super::problem::Family::ControlPlanes,
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                "Payload Too Large",
                "request body too large",
            )
            .into_response_owned();
        }
    };
    let mut entry = Entry {
        listener,
        method: parts.method.to_string(),
        path: parts
            .uri
            .path_and_query()
            .map(|p| redact_query(p.as_str()))
            .unwrap_or(path),
        headers: redact_headers(&parts.headers),
        body: redact_body(&bytes),
        status: 0,
    };
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    entry.status = response.status().as_u16();
    state.journal.push(entry);
    response
}

impl super::problem::Problem {
    /// Converts into a response (helper for middleware that cannot use `?`).
    pub fn into_response_owned(self) -> Response {
        axum::response::IntoResponse::into_response(self)
    }
}

/// `GET /_docflow/journal` and `POST /_docflow/reset`.
pub fn routes() -> Router<SharedState> {
    Router::new()
        .route(
            "/journal",
            get(|State(state): State<SharedState>| async move {
                Json(json!({ "data": state.journal.entries() }))
            }),
        )
        .route(
            "/reset",
            post(|State(state): State<SharedState>| async move {
                state.journal.clear();
                state.faults.clear();
                axum::http::StatusCode::NO_CONTENT
            }),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_form_and_json_secrets() {
        let form = redact_body(b"grant_type=client_credentials&client_secret=s3cret&client_id=abc");
        assert!(!form.contains("s3cret"), "{form}");
        assert!(form.contains("client_id=abc"));
        let json = redact_body(br#"{"config":{"client_secret":["s3cret"]}}"#);
        assert!(!json.contains("s3cret"), "{json}");
    }

    #[test]
    fn redacts_credentials_in_queries_and_custom_headers() {
        assert_eq!(
            redact_query("/anything?client_id=abc&client_secret=s3cret&x=1"),
            "/anything?client_id=abc&client_secret=[redacted]&x=1"
        );
        assert_eq!(
            redact_query("/a?t=eyJhbGciOi.eyJzdWIi.sig"),
            "/a?t=[redacted]"
        );
        let mut headers = HeaderMap::new();
        headers.insert("x-token", "kpat_abcdefghijkl".parse().unwrap());
        headers.insert("x-plain", "hello".parse().unwrap());
        let redacted = redact_headers(&headers);
        assert!(redacted.contains(&("x-token".to_owned(), "[redacted]".to_owned())));
        assert!(redacted.contains(&("x-plain".to_owned(), "hello".to_owned())));
    }

    #[test]
    fn journal_is_bounded() {
        let journal = Journal::default();
        for i in 0..CAPACITY + 5 {
            journal.push(Entry {
                listener: "api",
                method: "GET".into(),
                path: format!("/{i}"),
                headers: vec![],
                body: String::new(),
                status: 200,
            });
        }
        let entries = journal.entries();
        assert_eq!(entries.len(), CAPACITY);
        assert_eq!(entries[0].path, "/5");
        assert_eq!(journal.recorded(), (CAPACITY + 5) as u64);
        journal.clear();
        assert_eq!(journal.recorded(), (CAPACITY + 5) as u64);
    }
}
