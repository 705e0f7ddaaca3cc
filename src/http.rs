//! [`HttpClient`]: sends prepared requests with timeouts and bounded, safe retries.
//!
//! A 429 is retried after its `Retry-After` (any method: the server did not process it);
//! 500/502/503/504 and connection errors are retried with jittered exponential backoff for
//! idempotent methods only, since repeating a `POST` could create a resource twice.
//!
//! A target can attach [`SendHooks`] to its client: rewrite a request before it is sent (the
//! Konnect target labels what a run creates), pace requests (Kong Identity's per-auth-server
//! rate limit), and rewrite a response before the caller sees it.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};

use crate::per_runtime::PerRuntime;

/// A fully rendered request, ready to send.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Upper-case method.
    pub method: String,
    /// Absolute URL.
    pub url: String,
    /// Headers in order.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Option<Vec<u8>>,
}

/// A received response.
#[derive(Debug, Clone)]
pub struct Received {
    /// Status code.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// Body bytes.
    pub body: Vec<u8>,
    /// Time from sending to the end of the body, for the last attempt.
    pub elapsed: Duration,
    /// How many attempts it took.
    pub attempts: u32,
}

impl Received {
    /// The body parsed as JSON, or `null` when empty, or the text as a JSON string.
    pub fn json(&self) -> serde_json::Value {
        if self.body.is_empty() {
            return serde_json::Value::Null;
        }
        serde_json::from_slice(&self.body).unwrap_or_else(|_| {
            serde_json::Value::String(String::from_utf8_lossy(&self.body).into_owned())
        })
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    }
}

/// A request could not be sent or its response not read.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct TransportError {
    /// Lowercase fragment, without secrets (reqwest's messages include the URL, which holds no
    /// secret in docflow: tokens travel in headers and bodies only).
    pub message: String,
    /// Attempts made.
    pub attempts: u32,
}

/// Retry policy for transport-level failures.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Most attempts in all.
    pub max_attempts: u32,
    /// First backoff.
    pub base_delay: Duration,
    /// Longest single wait (also caps `Retry-After`).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(10),
        }
    }
}

/// What a target adds around every request its client sends. Every method has a no-op
/// default, so a hook implements only what it needs.
pub trait SendHooks: Send + Sync + fmt::Debug {
    /// Rewrites `request` once, before the first attempt; retries send the rewritten request.
    fn rewrite(&self, _request: &mut Prepared) {}

    /// How long to wait before an attempt of `request` (a client-side rate limiter reserves
    /// its slot here). Called before every attempt, retries included.
    fn pace(&self, _request: &Prepared) -> Duration {
        Duration::ZERO
    }

    /// Rewrites the final response to `request` before the caller sees it.
    fn received(&self, _request: &Prepared, _received: &mut Received) {}
}

/// Which kind of URL a client serves: building one for `https` loads the platform's TLS roots
/// (a few milliseconds of certificate parsing), which a run against the embedded mock never
/// needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Http,
    Https,
}

impl Scheme {
    fn of(url: &str) -> Self {
        if url
            .get(..6)
            .is_some_and(|s| s.eq_ignore_ascii_case("https:"))
        {
            Self::Https
        } else {
            Self::Http
        }
    }
}

fn build_reqwest(timeout: Duration, scheme: Scheme) -> Result<reqwest::Client, TransportError> {
    let builder = match scheme {
        Scheme::Https => reqwest::Client::builder(),
        // No roots: this client is only ever given `http:` URLs (redirects are not followed).
        Scheme::Http => reqwest::Client::builder().tls_certs_only(Vec::new()),
    };
    builder
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| TransportError {
            message: format!("cannot build the http client: {e}"),
            attempts: 0,
        })
}

/// The process's reqwest client for `timeout` on the current tokio runtime, built on first
/// use: building one loads the TLS roots and starts an empty connection pool, which every
/// scenario would otherwise pay for. Kept per runtime ([`PerRuntime`]); outside a runtime a
/// fresh client is built.
fn shared_reqwest(timeout: Duration, scheme: Scheme) -> Result<reqwest::Client, TransportError> {
    static CLIENTS: PerRuntime<(Duration, Scheme), reqwest::Client> = PerRuntime::new();
    CLIENTS.get_or_build((timeout, scheme), || build_reqwest(timeout, scheme))
}

/// An HTTP client with timeouts, the retry policy and optional [`SendHooks`].
#[derive(Debug, Clone)]
pub struct HttpClient {
    /// For `http:` URLs; `https:` ones get the shared TLS client when first sent.
    client: reqwest::Client,
    timeout: Duration,
    policy: RetryPolicy,
    hooks: Option<Arc<dyn SendHooks>>,
}

impl HttpClient {
    /// A client with the given per-request timeout. Within a tokio runtime, clients with the
    /// same timeout share one connection pool and TLS setup (see [`shared_reqwest`]).
    pub fn new(timeout: Duration, policy: RetryPolicy) -> Result<Self, TransportError> {
        Ok(Self {
            client: shared_reqwest(timeout, Scheme::Http)?,
            timeout,
            policy,
            hooks: None,
        })
    }

    /// The same client with `hooks` around every request.
    pub fn with_hooks(mut self, hooks: Arc<dyn SendHooks>) -> Self {
        self.hooks = Some(hooks);
        self
    }

    /// The retry policy.
    pub fn policy(&self) -> RetryPolicy {
        self.policy
    }

    /// Sends `request`, retrying as the policy allows.
    pub async fn send(&self, request: &Prepared) -> Result<Received, TransportError> {
        let Some(hooks) = &self.hooks else {
            return self.send_with_retries(request, None).await;
        };
        let mut rewritten = request.clone();
        hooks.rewrite(&mut rewritten);
        let mut received = self
            .send_with_retries(&rewritten, Some(hooks.as_ref()))
            .await?;
        hooks.received(&rewritten, &mut received);
        Ok(received)
    }

    async fn send_with_retries(
        &self,
        request: &Prepared,
        hooks: Option<&dyn SendHooks>,
    ) -> Result<Received, TransportError> {
        let idempotent = matches!(
            request.method.as_str(),
            "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS"
        );
        let mut attempt = 0;
        loop {
            attempt += 1;
            if let Some(wait) = hooks.map(|h| h.pace(request))
                && !wait.is_zero()
            {
                tokio::time::sleep(wait).await;
            }
            let started = Instant::now();
            let outcome = self.send_once(request).await;
            let last = attempt >= self.policy.max_attempts;
            match outcome {
                Ok((status, headers, body)) => {
                    let retry_after = headers
                        .get(RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(Duration::from_secs);
                    let wait = match status {
                        429 => Some(retry_after.unwrap_or_else(|| self.backoff(attempt))),
                        500 | 502..=504 if idempotent => {
                            Some(retry_after.unwrap_or_else(|| self.backoff(attempt)))
                        }
                        _ => None,
                    };
                    match wait {
                        Some(wait) if !last => {
                            tracing::debug!(status, attempt, ?wait, "retrying");
                            tokio::time::sleep(wait.min(self.policy.max_delay)).await;
                        }
                        _ => {
                            return Ok(Received {
                                status,
                                headers,
                                body,
                                elapsed: started.elapsed(),
                                attempts: attempt,
                            });
                        }
                    }
                }
                Err(message) => {
                    if idempotent && !last {
                        tracing::debug!(%message, attempt, "retrying after a transport error");
                        tokio::time::sleep(self.backoff(attempt)).await;
                    } else {
                        return Err(TransportError {
                            message,
                            attempts: attempt,
                        });
                    }
                }
            }
        }
    }

    /// `base * 2^(attempt-1)`, capped, with up to 25% random jitter so that parallel test
    /// processes hitting the same outage do not retry in lockstep.
    fn backoff(&self, attempt: u32) -> Duration {
        use rand::RngExt as _;
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        let delay = self
            .policy
            .base_delay
            .saturating_mul(factor)
            .min(self.policy.max_delay);
        let jitter = rand::rng().random_range(0.0..0.25);
        delay.mul_f64(1.0 + jitter).min(self.policy.max_delay)
    }

    async fn send_once(&self, request: &Prepared) -> Result<(u16, HeaderMap, Vec<u8>), String> {
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|_| format!("invalid method `{}`", request.method))?;
        let mut headers = HeaderMap::new();
        for (name, value) in &request.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("invalid header name `{name}`"))?;
            let value = HeaderValue::from_str(value)
                .map_err(|_| format!("invalid value for header `{name}`"))?;
            headers.append(name, value);
        }
        let client = match Scheme::of(&request.url) {
            Scheme::Http => self.client.clone(),
            Scheme::Https => shared_reqwest(self.timeout, Scheme::Https).map_err(|e| e.message)?,
        };
        let mut builder = client.request(method, &request.url).headers(headers);
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        let response = builder.send().await.map_err(describe)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = match crate::limits::read_capped(response, crate::limits::RESPONSE_LIMIT).await {
            Ok(body) => body,
            Err(crate::limits::ReadError::TooLarge(too_large)) => return Err(too_large.to_string()),
            Err(crate::limits::ReadError::Transport(error)) => return Err(describe(error)),
        };
        Ok((status, headers, body))
    }
}

/// A reqwest error as a lowercase fragment with its cause chain.
fn describe(error: reqwest::Error) -> String {
    use std::error::Error as _;
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else if error.is_body() || error.is_decode() {
        "connection broke while reading the response"
    } else {
        "request failed"
    };
    let mut text = kind.to_owned();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicU32, Ordering};

    use axum::Router;
    use axum::http::StatusCode;
    use axum::routing::any;

    use super::*;

    /// Serves `statuses` in order (then 200) on every path; returns the base URL and the
    /// request counter.
    async fn serve(statuses: Vec<u16>) -> (String, Arc<AtomicU32>) {
        let count = Arc::new(AtomicU32::new(0));
        let seen = Arc::clone(&count);
        let app = Router::new().fallback(any(move |body: String| {
            let n = seen.fetch_add(1, Ordering::SeqCst) as usize;
            let status = statuses.get(n).copied().unwrap_or(200);
            async move {
                (
                    StatusCode::from_u16(status).unwrap(),
                    [("retry-after", "0")],
                    body,
                )
            }
        }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (format!("http://{addr}"), count)
    }

    fn client() -> HttpClient {
        HttpClient::new(
            Duration::from_secs(5),
            RetryPolicy {
                max_attempts: 4,
                base_delay: Duration::from_millis(1),
                max_delay: Duration::from_millis(20),
            },
        )
        .unwrap()
    }

    fn request(method: &str, url: &str) -> Prepared {
        Prepared {
            method: method.into(),
            url: url.into(),
            headers: vec![],
            body: Some(b"{}".to_vec()),
        }
    }

    #[tokio::test]
    async fn retries_5xx_of_idempotent_requests_only() {
        let (url, count) = serve(vec![500, 503, 200]).await;
        let got = client().send(&request("GET", &url)).await.unwrap();
        assert_eq!((got.status, got.attempts), (200, 3));
        assert_eq!(count.load(Ordering::SeqCst), 3);

        let (url, count) = serve(vec![503]).await;
        let got = client().send(&request("POST", &url)).await.unwrap();
        assert_eq!((got.status, got.attempts), (503, 1));
        assert_eq!(count.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn retries_429_of_any_method_and_gives_up_after_the_budget() {
        let (url, _) = serve(vec![429, 201]).await;
        let got = client().send(&request("POST", &url)).await.unwrap();
        assert_eq!((got.status, got.attempts), (201, 2));

        let (url, count) = serve(vec![503; 10]).await;
        let got = client().send(&request("DELETE", &url)).await.unwrap();
        assert_eq!((got.status, got.attempts), (503, 4));
        assert_eq!(count.load(Ordering::SeqCst), 4);
    }

    #[derive(Debug, Default)]
    struct Recorder {
        paced: AtomicU32,
        seen: Mutex<Vec<String>>,
    }

    impl SendHooks for Recorder {
        fn rewrite(&self, request: &mut Prepared) {
            request.body = Some(b"rewritten".to_vec());
        }

        fn pace(&self, _request: &Prepared) -> Duration {
            self.paced.fetch_add(1, Ordering::SeqCst);
            Duration::from_millis(1)
        }

        fn received(&self, request: &Prepared, received: &mut Received) {
            if let Ok(mut seen) = self.seen.lock() {
                seen.push(String::from_utf8_lossy(request.body.as_deref().unwrap()).into());
            }
            received.body = b"seen".to_vec();
        }
    }

    #[tokio::test]
    async fn hooks_rewrite_once_pace_every_attempt_and_see_the_answer() {
        let (url, _) = serve(vec![503]).await;
        let hooks = Arc::new(Recorder::default());
        let http = client().with_hooks(hooks.clone());
        let got = http.send(&request("PUT", &url)).await.unwrap();
        assert_eq!(got.attempts, 2);
        assert_eq!(got.body, b"seen");
        assert_eq!(hooks.paced.load(Ordering::SeqCst), 2);
        assert_eq!(*hooks.seen.lock().unwrap(), ["rewritten"]);
    }

    #[test]
    fn only_https_urls_need_the_client_with_tls_roots() {
        assert_eq!(Scheme::of("https://us.api.konghq.com/v2"), Scheme::Https);
        assert_eq!(Scheme::of("HTTPS://x"), Scheme::Https);
        assert_eq!(Scheme::of("http://127.0.0.1:1/v2"), Scheme::Http);
        assert_eq!(Scheme::of("htt"), Scheme::Http);
    }

    #[test]
    fn backoff_grows_with_bounded_jitter() {
        let http = HttpClient::new(
            Duration::from_secs(1),
            RetryPolicy {
                max_attempts: 10,
                base_delay: Duration::from_millis(100),
                max_delay: Duration::from_secs(1),
            },
        )
        .unwrap();
        for _ in 0..20 {
            let first = http.backoff(1);
            assert!(first >= Duration::from_millis(100) && first <= Duration::from_millis(125));
            let third = http.backoff(3);
            assert!(third >= Duration::from_millis(400) && third <= Duration::from_millis(500));
            assert!(http.backoff(9) <= Duration::from_secs(1));
        }
    }
}
