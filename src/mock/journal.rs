//! [`Journal`]: every request both listeners received (method, path, redacted headers, body),
//! per organization. `GET /_docflow/journal` pages through the caller's organization's entries
//! and `POST /_docflow/reset` clears its entries and fault rules; both need the organization's
//! token, and neither ever shows or touches another organization's data.
//!
//! The journal is a ring buffer bounded in entries and in bytes, and each entry is redacted
//! before it is cut, so it never holds a secret and never grows without bound.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Json;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Query, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::auth::{ApiOrg, OrgId};
use super::redact_request;
use super::request_org::request_org;
use super::state::SharedState;

/// The most entries kept; older ones are dropped so a long-running mock stays bounded
/// (`docflow bench` names it: the journal dominates the mock's memory growth until full).
pub const CAPACITY: usize = 10_000;

/// The most bytes of recorded text kept across all entries; older entries are dropped first.
pub const BYTE_CAPACITY: usize = 32 * 1024 * 1024;

/// Largest body kept in an entry (after redaction).
const BODY_LIMIT: usize = 16 * 1024;

/// Largest path and query kept in an entry (after redaction).
const PATH_LIMIT: usize = 4 * 1024;

/// Largest request body the mock accepts at all.
const REQUEST_LIMIT: usize = 4 * 1024 * 1024;

/// Most entries one `GET /_docflow/journal` answers.
pub const PAGE_LIMIT: usize = 1_000;

/// One recorded request.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// The organization the request belongs to (never serialized).
    #[serde(skip)]
    pub org: Option<OrgId>,
    /// Position in the journal since the mock started (`?after=` pages by it).
    pub seq: u64,
    /// `api` or `proxy`.
    pub listener: &'static str,
    /// HTTP method.
    pub method: String,
    /// Path and query, with credential parameters redacted, truncated.
    pub path: String,
    /// Headers, with credentials replaced by `[redacted]`.
    pub headers: Vec<(String, String)>,
    /// Body as text (lossy UTF-8), with form and JSON secrets redacted, then truncated.
    pub body: String,
    /// Response status.
    pub status: u16,
}

impl Entry {
    /// Approximate bytes held by the entry.
    fn size(&self) -> usize {
        let headers: usize = self.headers.iter().map(|(k, v)| k.len() + v.len()).sum();
        128 + self.method.len() + self.path.len() + self.body.len() + headers
    }
}

#[derive(Debug, Default)]
struct Ring {
    entries: VecDeque<Entry>,
    bytes: usize,
}

/// The request journal.
#[derive(Debug, Default)]
pub struct Journal {
    ring: Mutex<Ring>,
    /// Requests recorded since start, never reset: `mock serve --exit-when-idle` watches it.
    recorded: AtomicU64,
}

impl Journal {
    fn lock(&self) -> std::sync::MutexGuard<'_, Ring> {
        self.ring.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A copy of every entry, oldest first (in-process inspection only).
    pub fn entries(&self) -> Vec<Entry> {
        self.lock().entries.iter().cloned().collect()
    }

    /// Up to `limit` entries of `org` after position `after`, oldest first, and the position
    /// to continue from when there are more.
    pub fn page(&self, org: &OrgId, after: u64, limit: usize) -> (Vec<Entry>, Option<u64>) {
        let ring = self.lock();
        let mut mine = ring
            .entries
            .iter()
            .filter(|e| e.seq > after && e.org.as_ref() == Some(org));
        let page: Vec<Entry> = mine.by_ref().take(limit).cloned().collect();
        let more = mine.next().is_some();
        let next = page.last().filter(|_| more).map(|e| e.seq);
        (page, next)
    }

    /// Forgets every entry.
    pub fn clear(&self) {
        let mut ring = self.lock();
        ring.entries.clear();
        ring.bytes = 0;
    }

    /// Forgets the entries of one organization.
    pub fn clear_org(&self, org: &OrgId) {
        let mut ring = self.lock();
        ring.entries.retain(|e| e.org.as_ref() != Some(org));
        ring.bytes = ring.entries.iter().map(Entry::size).sum();
    }

    /// How many requests were recorded since the mock started (not reset by `clear`).
    pub fn recorded(&self) -> u64 {
        self.recorded.load(Ordering::Relaxed)
    }

    fn push(&self, mut entry: Entry) {
        entry.seq = self.recorded.fetch_add(1, Ordering::Relaxed) + 1;
        let size = entry.size();
        let mut ring = self.lock();
        while !ring.entries.is_empty()
            && (ring.entries.len() >= CAPACITY || ring.bytes + size > BYTE_CAPACITY)
        {
            if let Some(old) = ring.entries.pop_front() {
                ring.bytes -= old.size();
            }
        }
        ring.bytes += size;
        ring.entries.push_back(entry);
    }
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
        org: request_org(&state, listener, &path, &parts.headers),
        seq: 0,
        listener,
        method: parts.method.to_string(),
        path: parts.uri.path_and_query().map_or_else(
            || redact_request::truncate(path.clone(), PATH_LIMIT),
            |p| redact_request::query(p.as_str(), PATH_LIMIT),
        ),
        headers: redact_request::headers(&parts.headers),
        body: redact_request::body(&bytes, BODY_LIMIT),
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

/// `GET /_docflow/journal` query: `after` (a `seq`, default 0) and `limit` (default and
/// maximum [`PAGE_LIMIT`]).
#[derive(Debug, Deserialize)]
struct PageQuery {
    #[serde(default)]
    after: u64,
    #[serde(default)]
    limit: Option<usize>,
}

async fn read_page(
    State(state): State<SharedState>,
    ApiOrg(org): ApiOrg,
    Query(query): Query<PageQuery>,
) -> Json<Value> {
    let limit = query.limit.unwrap_or(PAGE_LIMIT).clamp(1, PAGE_LIMIT);
    let (data, next) = state.journal.page(&org, query.after, limit);
    let next = next.map(|after| format!("/_docflow/journal?after={after}&limit={limit}"));
    Json(json!({ "data": data, "next": next }))
}

/// `GET /_docflow/journal` and `POST /_docflow/reset`, for the caller's organization.
pub fn routes() -> Router<SharedState> {
    Router::new().route("/journal", get(read_page)).route(
        "/reset",
        post(
            |State(state): State<SharedState>, ApiOrg(org): ApiOrg| async move {
                state.journal.clear_org(&org);
                state.faults.clear_org(&org);
                axum::http::StatusCode::NO_CONTENT
            },
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::config::TokenPolicy;

    fn entry(org: &OrgId, path: String, body: String) -> Entry {
        Entry {
            org: Some(org.clone()),
            seq: 0,
            listener: "api",
            method: "GET".into(),
            path,
            headers: vec![],
            body,
            status: 200,
        }
    }

    fn org(token: &str) -> OrgId {
        OrgId::from_token(token, TokenPolicy::Any).unwrap()
    }

    #[test]
    fn journal_is_bounded_in_entries() {
        let journal = Journal::default();
        let a = org("a");
        for i in 0..CAPACITY + 5 {
            journal.push(entry(&a, format!("/{i}"), String::new()));
        }
        let entries = journal.entries();
        assert_eq!(entries.len(), CAPACITY);
        assert_eq!(entries[0].path, "/5");
        assert_eq!(journal.recorded(), (CAPACITY + 5) as u64);
        journal.clear();
        assert_eq!(journal.recorded(), (CAPACITY + 5) as u64);
    }

    #[test]
    fn journal_is_bounded_in_bytes() {
        let journal = Journal::default();
        let a = org("a");
        let body = "x".repeat(BODY_LIMIT);
        for i in 0..CAPACITY {
            journal.push(entry(&a, format!("/{i}"), body.clone()));
        }
        let held: usize = journal.entries().iter().map(Entry::size).sum();
        assert!(held <= BYTE_CAPACITY, "{held}");
        assert!(journal.entries().len() < CAPACITY);
    }

    #[test]
    fn pages_and_resets_are_per_organization() {
        let journal = Journal::default();
        let (a, b) = (org("a"), org("b"));
        for i in 0..5 {
            journal.push(entry(&a, format!("/a{i}"), String::new()));
            journal.push(entry(&b, format!("/b{i}"), String::new()));
        }
        let (first, next) = journal.page(&a, 0, 3);
        assert_eq!(first.len(), 3);
        assert!(first.iter().all(|e| e.path.starts_with("/a")));
        let (rest, end) = journal.page(&a, next.unwrap(), 3);
        assert_eq!(rest.len(), 2);
        assert_eq!(end, None);
        journal.clear_org(&a);
        assert!(journal.page(&a, 0, 10).0.is_empty());
        assert_eq!(journal.page(&b, 0, 10).0.len(), 5);
    }
}
