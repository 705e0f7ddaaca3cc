//! [`handle`]: one proxied request, end to end: select the control plane, route, run the
//! plugins, build the upstream request as Kong does (`Host`, `X-Forwarded-*`,
//! `X-Real-IP`, `X-Kong-Request-Id`), forward it, and add Kong's response headers.

use std::net::SocketAddr;
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::any;
use url::Url;
use uuid::Uuid;

use super::kong_response::{decorate_proxied, kong_exit, request_id};
use super::oidc;
use super::plugins::applicable;
use super::request::ProxyRequest;
use super::router::{Match, Routed, find_route, upstream_path};
use super::select::select;
use super::upstream::{Upstream, forward};
use super::{introspection, upstream_oauth};
use crate::mock::control_planes::core_config::CoreConfig;
use crate::mock::control_planes::introspection_schema::NAME as INTROSPECTION;
use crate::mock::control_planes::plugin::{OPENID_CONNECT, Plugin};
use crate::mock::control_planes::service::Service;
use crate::mock::control_planes::upstream_oauth_schema::NAME as UPSTREAM_OAUTH;
use crate::mock::not_emulated;
use crate::mock::state::{Listeners, SharedState};

/// Largest request body the data plane reads.
const BODY_LIMIT: usize = 4 * 1024 * 1024;

/// Kong's 404 when no route matches.
pub const NO_ROUTE: &str = "no Route matched with those values";

fn set(headers: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        headers.insert(HeaderName::from_static(name), v);
    }
}

/// The upstream `Host`: the service host, with its port unless it is the default.
fn service_authority(service: &Service) -> String {
    let default = match service.protocol.as_str() {
        "https" | "grpcs" | "wss" | "tls" => 443,
        _ => 80,
    };
    if service.port == default {
        service.host.clone()
    } else {
        format!("{}:{}", service.host, service.port)
    }
}

/// The headers Kong sends upstream.
fn upstream_headers(
    request: &ProxyRequest,
    service: &Service,
    preserve_host: bool,
    original_path: &str,
    prefix: Option<&str>,
    proxy_port: u16,
    request_id: &str,
) -> HeaderMap {
    let mut headers = request.headers.clone();
    let client_host = request.header("host").unwrap_or("").to_owned();
    let forwarded_host = client_host
        .rsplit_once(':')
        .map_or(client_host.as_str(), |(h, _)| h)
        .to_owned();
    if !preserve_host {
        set(&mut headers, "host", &service_authority(service));
    }
    // Kong trusts no client-sent X-Forwarded-* by default (`trusted_ips` is empty), so the
    // chain starts at the connecting address whatever the client sent.
    set(&mut headers, "x-forwarded-for", &request.client_ip);
    set(&mut headers, "x-forwarded-proto", "http");
    set(&mut headers, "x-forwarded-host", &forwarded_host);
    set(&mut headers, "x-forwarded-port", &proxy_port.to_string());
    set(&mut headers, "x-forwarded-path", original_path);
    match prefix {
        Some(p) => set(&mut headers, "x-forwarded-prefix", p),
        None => {
            headers.remove("x-forwarded-prefix");
        }
    }
    set(&mut headers, "x-real-ip", &request.client_ip);
    set(&mut headers, "x-kong-request-id", request_id);
    // Kong keeps upstream connections alive; httpbin shows the header.
    headers.insert(header::CONNECTION, HeaderValue::from_static("keep-alive"));
    headers
}

/// Whether the data plane executes plugin `name`; a route with any other plugin answers the
/// "not emulated" 501.
pub fn executes(name: &str) -> bool {
    EXECUTED.contains(&name)
}

/// The plugins the data plane executes, with Kong's `PRIORITY` (higher runs first).
pub const EXECUTED: &[&str] = &[INTROSPECTION, OPENID_CONNECT, UPSTREAM_OAUTH];

/// Kong's handler priorities of the executed plugins.
fn priority(name: &str) -> u32 {
    match name {
        INTROSPECTION => 1700,
        OPENID_CONNECT => 1050,
        UPSTREAM_OAUTH => 760,
        _ => 0,
    }
}

/// `plugins` in the order Kong runs them: by priority, highest first.
fn by_priority(mut plugins: Vec<&Plugin>) -> Vec<&Plugin> {
    plugins.sort_by_key(|p| std::cmp::Reverse(priority(&p.name)));
    plugins
}

/// The proxy listener's routes: every path goes to [`handle`].
pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/", any(handle))
        .route("/{*path}", any(handle))
}

/// The proxy listener's one handler: Kong's phases in order — route, access (the plugins),
/// proxy to the upstream, header filter.
pub async fn handle(State(state): State<SharedState>, request: Request) -> Response {
    let started = Instant::now();
    let version = state.config.kong_version.clone();
    let client_ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "127.0.0.1".to_owned(), |c| c.0.ip().to_string());
    let listener_port = Listeners::current().map(|l| l.proxy.port());
    let (parts, body) = request.into_parts();
    let Ok(body): Result<Bytes, _> = axum::body::to_bytes(body, BODY_LIMIT).await else {
        return kong_exit(
            &version,
            StatusCode::PAYLOAD_TOO_LARGE,
            "Request size limit exceeded",
            &[],
        );
    };
    let Some((plane, config, path)) = select(&state, parts.uri.path()) else {
        return kong_exit(&version, StatusCode::NOT_FOUND, NO_ROUTE, &[]);
    };
    let (matched, service) = match route(&config, &parts, &path) {
        Ok(routed) => routed,
        Err(unrouted) => return unrouted.response(&version),
    };
    let mut proxied = ProxyRequest {
        method: parts.method.clone(),
        path: path.clone(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers.clone(),
        body,
        client_ip,
        listener_port,
    };
    let plugins = match access(&state, &config, plane, &matched, &mut proxied).await {
        Ok(plugins) => plugins,
        Err(response) => return response,
    };
    let request_id = request_id();
    let upstream = match upstream(&state, service, &matched, &proxied, &request_id) {
        Ok(upstream) => upstream,
        Err(()) => {
            return kong_exit(
                &version,
                StatusCode::BAD_GATEWAY,
                "An invalid response was received from the upstream server",
                &[],
            );
        }
    };
    let proxy_ms = started.elapsed().as_millis();
    let upstream_started = Instant::now();
    match forward(&state, upstream).await {
        Ok(mut response) => {
            let upstream_ms = upstream_started.elapsed().as_millis();
            // Kong's header_filter phase.
            for plugin in plugins.iter().filter(|p| p.name == UPSTREAM_OAUTH) {
                upstream_oauth::after_upstream(&state, &plugin.config, response.status().as_u16());
            }
            decorate_proxied(
                response.headers_mut(),
                &version,
                &request_id,
                upstream_ms,
                proxy_ms,
            );
            response
        }
        Err(failure) => kong_exit(&version, failure.status, failure.message, &[]),
    }
}

/// Why a request reaches no service.
enum Unrouted {
    /// No route matches.
    NoRoute,
    /// A route matches except for its protocols, which require HTTPS.
    HttpsRequired,
    /// The route has no service.
    NoService,
}

impl Unrouted {
    /// Kong's answer.
    fn response(self, version: &str) -> Response {
        match self {
            Self::NoRoute => kong_exit(version, StatusCode::NOT_FOUND, NO_ROUTE, &[]),
            Self::HttpsRequired => kong_exit(
                version,
                StatusCode::UPGRADE_REQUIRED,
                "Please use HTTPS protocol",
                &[
                    ("connection", "Upgrade".into()),
                    ("upgrade", "TLS/1.2, HTTP/1.1".into()),
                ],
            ),
            // UNVERIFIED wording: a route without a service cannot be proxied.
            Self::NoService => kong_exit(
                version,
                StatusCode::SERVICE_UNAVAILABLE,
                "no Service found with those values",
                &[],
            ),
        }
    }
}

/// The route the request matches and its service.
fn route<'a>(
    config: &'a CoreConfig,
    parts: &Parts,
    path: &str,
) -> Result<(Match<'a>, &'a Service), Unrouted> {
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let matched = match find_route(config, parts.method.as_str(), host, path, &parts.headers) {
        Routed::Route(m) => m,
        Routed::HttpsRequired => return Err(Unrouted::HttpsRequired),
        Routed::NoMatch => return Err(Unrouted::NoRoute),
    };
    let service = matched
        .route
        .service
        .and_then(|id| config.services.iter().find(|s| s.id == id))
        .ok_or(Unrouted::NoService)?;
    Ok((matched, service))
}

/// Kong's access phase: the route's plugins, highest priority first, each of which may
/// change the request or answer instead of the upstream. Returns the plugins that ran.
async fn access<'a>(
    state: &SharedState,
    config: &'a CoreConfig,
    plane: Uuid,
    matched: &Match<'_>,
    proxied: &mut ProxyRequest,
) -> Result<Vec<&'a Plugin>, Response> {
    let plugins = applicable(config, matched.route);
    // Nothing runs when one plugin cannot: a partial run would answer what no Kong answers.
    if let Some(unknown) = plugins.iter().find(|p| !executes(&p.name)) {
        return Err(not_emulated::plugin(&unknown.name));
    }
    if let Some(conditional) = plugins.iter().find(|p| p.condition.is_some()) {
        return Err(not_emulated::plugin_condition(&conditional.name));
    }
    let plugins = by_priority(plugins);
    for plugin in &plugins {
        match plugin.name.as_str() {
            OPENID_CONNECT => match &plugin.oidc {
                Some(oidc_config) => oidc::access(state, oidc_config, config, plane, proxied).await,
                None => Ok(()),
            },
            INTROSPECTION => introspection::access(state, &plugin.config, config, proxied).await,
            UPSTREAM_OAUTH => upstream_oauth::access(state, &plugin.config, proxied).await,
            _ => Ok(()),
        }?;
    }
    Ok(plugins)
}

/// The request to the service as Kong sends it; `Err` when its URL does not parse.
fn upstream(
    state: &SharedState,
    service: &Service,
    matched: &Match<'_>,
    proxied: &ProxyRequest,
    request_id: &str,
) -> Result<Upstream, ()> {
    let (upath, prefix) = upstream_path(service.path.as_deref(), matched, &proxied.path);
    let proxy_port = proxied
        .listener_port
        .or_else(|| state.proxy_addr.get().map(SocketAddr::port))
        .unwrap_or(8000);
    let headers = upstream_headers(
        proxied,
        service,
        matched.route.preserve_host,
        &proxied.path,
        prefix.as_deref(),
        proxy_port,
        request_id,
    );
    let mut raw_url = format!(
        "{}://{}{}",
        service.protocol,
        service_authority(service),
        upath
    );
    if let Some(q) = &proxied.query {
        raw_url.push('?');
        raw_url.push_str(q);
    }
    let url = Url::parse(&raw_url).map_err(|_| ())?;
    Ok(Upstream {
        method: proxied.method.clone(),
        url,
        headers,
        body: proxied.body.clone(),
        origin: proxied.client_ip.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Method;
    use serde_json::json;

    #[test]
    fn upstream_headers_follow_kong() {
        let service = Service::parse(
            &json!({"url": "http://httpbin.konghq.com/anything"}),
            None,
            None,
            1,
        )
        .unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("localhost:8000"));
        headers.insert("x-forwarded-for", HeaderValue::from_static("6.6.6.6"));
        let request = ProxyRequest {
            method: Method::GET,
            path: "/anything".into(),
            query: None,
            headers,
            body: Bytes::new(),
            client_ip: "10.0.0.1".into(),
            listener_port: None,
        };
        let h = upstream_headers(
            &request,
            &service,
            false,
            "/anything",
            Some("/anything"),
            8000,
            "rid",
        );
        assert_eq!(h["host"], "httpbin.konghq.com");
        assert_eq!(h["x-forwarded-for"], "10.0.0.1");
        assert_eq!(h["x-forwarded-host"], "localhost");
        assert_eq!(h["x-forwarded-port"], "8000");
        assert_eq!(h["x-forwarded-prefix"], "/anything");
        assert_eq!(h["x-kong-request-id"], "rid");
        let kept = upstream_headers(&request, &service, true, "/anything", None, 8000, "rid");
        assert_eq!(kept["host"], "localhost:8000");
        assert!(kept.get("x-forwarded-prefix").is_none());
    }
}
