//! [`Api`]: the management API as the how-to calls it (a personal access token, JSON bodies),
//! plus the mock's test endpoints (journal, reset).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

use docflow::secret::Secret;

/// A client of one mock's API listener. The token is a [`Secret`]: never printed.
#[derive(Debug, Clone)]
pub(crate) struct Api {
    /// The HTTP client every bench request goes through (keep-alive connections).
    pub(crate) http: reqwest::Client,
    /// Base URL of the API listener.
    pub(crate) base: String,
    token: Secret,
    calls: Arc<AtomicUsize>,
}

/// The HTTP client for the bench: no system proxy (everything is loopback), a timeout so a
/// stuck request fails the run instead of hanging it.
pub(crate) fn client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(256)
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

impl Api {
    /// A client for `base`, authenticated as a fresh organization.
    pub(crate) fn new(http: reqwest::Client, base: &str) -> Self {
        Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            token: Secret::new("$KONNECT_TOKEN", "kpat_docflowbench0123456789abcdef"),
            calls: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Management API calls made so far (test endpoints not counted).
    pub(crate) fn calls(&self) -> usize {
        self.calls.load(Ordering::Relaxed)
    }

    /// Sends `method path` with an optional JSON body; `Err` unless it answers `want`.
    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        want: u16,
    ) -> Result<Value, String> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let url = format!("{}{path}", self.base);
        let mut request = self
            .http
            .request(method.clone(), &url)
            .bearer_auth(self.token.expose());
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| format!("`{method} {path}` failed: {e}"))?;
        let status = response.status().as_u16();
        let value: Value = response.json().await.unwrap_or(Value::Null);
        if status != want {
            // Only the problem's human-readable parts: a body may echo a secret.
            let why = ["detail", "message", "title"]
                .iter()
                .find_map(|k| value.get(k).and_then(Value::as_str))
                .unwrap_or("");
            return Err(format!(
                "`{method} {path}` answered {status}, expected {want} {why}"
            ));
        }
        Ok(value)
    }

    /// `POST path` with a JSON body, expecting 201.
    pub(crate) async fn create(&self, path: &str, body: Value) -> Result<Value, String> {
        self.call(Method::POST, path, Some(body), 201).await
    }

    /// `POST /_docflow/reset`: empties the organization's journal.
    pub(crate) async fn reset_journal(&self) -> Result<(), String> {
        let response = self
            .http
            .post(format!("{}/_docflow/reset", self.base))
            .bearer_auth(self.token.expose())
            .send()
            .await
            .map_err(|e| format!("`POST /_docflow/reset` failed: {e}"))?;
        match response.status().as_u16() {
            204 => Ok(()),
            s => Err(format!("`POST /_docflow/reset` answered {s}")),
        }
    }

    /// `GET /_docflow/journal`: the organization's entries, oldest first, every page.
    pub(crate) async fn journal(&self) -> Result<Vec<Value>, String> {
        let mut entries = Vec::new();
        let mut next = Some("/_docflow/journal".to_owned());
        while let Some(path) = next.take() {
            let response = self
                .http
                .get(format!("{}{path}", self.base))
                .bearer_auth(self.token.expose())
                .send()
                .await
                .map_err(|e| format!("`GET /_docflow/journal` failed: {e}"))?;
            let mut body: Value = response
                .json()
                .await
                .map_err(|_| "`GET /_docflow/journal` did not answer JSON".to_owned())?;
            match body.get_mut("data").map(Value::take) {
                Some(Value::Array(page)) => entries.extend(page),
                _ => return Err("`GET /_docflow/journal` has no `data` array".to_owned()),
            }
            next = body.get("next").and_then(Value::as_str).map(str::to_owned);
        }
        Ok(entries)
    }
}
