//! Sending the request to the service: [`forward`] answers from the built-in httpbin for its
//! hosts and over real HTTP (reqwest) for any other host. [`Upstream`] is the main type.

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use url::Url;

use crate::mock::httpbin;
use crate::mock::state::MockState;

/// Hop-by-hop headers, never forwarded over a real connection.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
];

/// A request for the upstream service.
#[derive(Debug, Clone)]
pub struct Upstream {
    /// Method.
    pub method: Method,
    /// Full upstream URL (`http://httpbin.konghq.com/anything?x=1`).
    pub url: Url,
    /// Headers as Kong sends them.
    pub headers: HeaderMap,
    /// Body.
    pub body: Bytes,
    /// The client address (httpbin's `origin`).
    pub origin: String,
}

/// Why the upstream gave no response; Kong's status and message for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamFailure {
    /// 502, 503 or 504.
    pub status: StatusCode,
    /// Kong's message.
    pub message: &'static str,
}

/// Whether `host` is on the mock's own network: `localhost`, a loopback or private address.
pub(crate) fn is_local_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.eq_ignore_ascii_case("localhost") || host.ends_with(".localhost") {
        return true;
    }
    match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => ip.is_loopback() || ip.is_private() || ip.is_link_local(),
        Ok(std::net::IpAddr::V6(ip)) => ip.is_loopback() || ip.is_unique_local(),
        // A name other than `localhost` (a container's name on a private network resolves,
        // so it never reaches here as a connect error unless it is down).
        Err(_) => false,
    }
}

/// Sends `upstream` and returns the service's response.
pub async fn forward(state: &MockState, upstream: Upstream) -> Result<Response, UpstreamFailure> {
    let host = upstream.url.host_str().unwrap_or("").to_owned();
    let host = host.as_str();
    if httpbin::is_httpbin_host(host) {
        return Ok(httpbin::respond(
            &upstream.method,
            &upstream.url,
            &upstream.headers,
            &upstream.body,
            &upstream.origin,
        ));
    }
    if !matches!(upstream.url.scheme(), "http" | "https") {
        return Err(UpstreamFailure {
            status: StatusCode::BAD_GATEWAY,
            message: "An invalid response was received from the upstream server",
        });
    }
    let mut headers = upstream.headers.clone();
    for name in HOP_BY_HOP {
        headers.remove(HeaderName::from_static(name));
    }
    let sent = state
        .http
        .to(&upstream.url)
        .request(upstream.method.clone(), upstream.url.clone())
        .headers(headers)
        .body(upstream.body.clone())
        .send()
        .await;
    let response = match sent {
        Ok(r) => r,
        Err(e) if e.is_timeout() => {
            return Err(UpstreamFailure {
                status: StatusCode::GATEWAY_TIMEOUT,
                message: "The upstream server is timing out",
            });
        }
        // The mock often runs without a network (CI, a laptop offline): a public host it
        // cannot connect to says nothing about the doc, so it is not emulated, not Kong's 502.
        // A loopback or private address is the mock's own network, and its failure is real.
        Err(e) if e.is_connect() && !is_local_host(host) => {
            return Ok(crate::mock::not_emulated::upstream_unreachable(host));
        }
        Err(_) => {
            return Err(UpstreamFailure {
                status: StatusCode::BAD_GATEWAY,
                message: "An invalid response was received from the upstream server",
            });
        }
    };
    let status = response.status();
    let mut out_headers = response.headers().clone();
    for name in HOP_BY_HOP {
        out_headers.remove(HeaderName::from_static(name));
    }
    // Capped, so an upstream answering gigabytes cannot exhaust the mock.
    let body = crate::limits::read_capped(response, crate::limits::RESPONSE_LIMIT)
        .await
        .map_err(|_| UpstreamFailure {
            status: StatusCode::BAD_GATEWAY,
            message: "An invalid response was received from the upstream server",
        })?;
    let mut out = (status, body).into_response();
    out.headers_mut().extend(out_headers);
    Ok(out)
}
