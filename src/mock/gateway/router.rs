//! Route matching and upstream path building, as Kong's router does for plain routes:
//! [`find_route`] and [`upstream_path`]. [`Match`] is the main type.
//!
//! Supported: `paths` as plain prefixes (Kong's prefix semantics: `/anything` also matches
//! `/anythingelse`), `methods`, `hosts` (with `*.` and `.*` wildcards), `headers` (plain
//! values), `strip_path`, `path_handling` `v0` and `v1`. Not supported: regex paths (`~…`)
//! and regex header values (`~*…`), which never match in the mock.

use axum::http::HeaderMap;

use crate::mock::control_planes::CoreConfig;
use crate::mock::control_planes::route::Route;

/// The route a request matched, and how.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Match<'a> {
    /// The route.
    pub route: &'a Route,
    /// The `paths` entry that matched (`None` when the route has no paths).
    pub path: Option<&'a str>,
}

/// The outcome of routing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Routed<'a> {
    /// A route matched.
    Route(Match<'a>),
    /// A route matched except for its protocols, which require HTTPS (Kong answers 426).
    HttpsRequired,
    /// Nothing matched (Kong answers 404 `no Route matched with those values`).
    NoMatch,
}

fn host_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    let host = host.to_ascii_lowercase();
    if let Some(suffix) = pattern.strip_prefix('*') {
        host.ends_with(suffix) && host.len() > suffix.len()
    } else if let Some(prefix) = pattern.strip_suffix('*') {
        host.starts_with(prefix) && host.len() > prefix.len()
    } else {
        pattern == host
    }
}

/// The longest plain `paths` entry that prefixes `path`; `Some(None)` when the route has no
/// paths; `None` when none matches.
fn path_match<'a>(route: &'a Route, path: &str) -> Option<Option<&'a str>> {
    let Some(paths) = &route.paths else {
        return Some(None);
    };
    paths
        .iter()
        .filter(|p| !p.starts_with('~') && path.starts_with(p.as_str()))
        .max_by_key(|p| p.len())
        .map(|p| Some(p.as_str()))
}

/// Whether the route's non-protocol criteria match; the path entry that matched.
fn criteria_match<'a>(
    route: &'a Route,
    method: &str,
    host: &str,
    path: &str,
    headers: &HeaderMap,
) -> Option<Option<&'a str>> {
    if let Some(methods) = &route.methods
        && !methods.iter().any(|m| m == method)
    {
        return None;
    }
    if let Some(hosts) = &route.hosts
        && !hosts.iter().any(|h| host_matches(h, host))
    {
        return None;
    }
    if let Some(wanted) = &route.headers {
        for (name, values) in wanted {
            let actual: Vec<String> = headers
                .get_all(name.as_str())
                .iter()
                .filter_map(|v| v.to_str().ok())
                .map(str::to_ascii_lowercase)
                .collect();
            let ok = values.as_array().is_some_and(|vs| {
                vs.iter()
                    .filter_map(|v| v.as_str())
                    .filter(|v| !v.starts_with("~*"))
                    .any(|v| actual.contains(&v.to_ascii_lowercase()))
            });
            if !ok {
                return None;
            }
        }
    }
    path_match(route, path)
}

/// How many kinds of criteria a route sets: Kong prefers routes that match on more.
fn categories(route: &Route) -> usize {
    [
        route.methods.is_some(),
        route.hosts.is_some(),
        route.paths.is_some(),
        route.headers.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count()
}

/// Routes `method host path` (plain HTTP) through `config`.
pub fn find_route<'a>(
    config: &'a CoreConfig,
    method: &str,
    host: &str,
    path: &str,
    headers: &HeaderMap,
) -> Routed<'a> {
    let host = host.rsplit_once(':').map_or(host, |(h, port)| {
        if port.bytes().all(|b| b.is_ascii_digit()) {
            h
        } else {
            host
        }
    });
    let mut best: Option<(usize, usize, i64, Match<'a>)> = None;
    let mut https_only = false;
    for route in &config.routes {
        let service_enabled = route
            .service
            .and_then(|id| config.services.iter().find(|s| s.id == id))
            .is_none_or(|s| s.enabled);
        if !service_enabled {
            continue;
        }
        let Some(path_entry) = criteria_match(route, method, host, path, headers) else {
            continue;
        };
        if !route.protocols.iter().any(|p| p == "http") {
            https_only |= route.protocols.iter().any(|p| p == "https");
            continue;
        }
        let rank = (
            categories(route),
            path_entry.map_or(0, str::len),
            // Older routes win ties, as in Kong.
            -route.created_at,
        );
        if best.as_ref().is_none_or(|(c, l, t, _)| rank > (*c, *l, *t)) {
            best = Some((
                rank.0,
                rank.1,
                rank.2,
                Match {
                    route,
                    path: path_entry,
                },
            ));
        }
    }
    match best {
        Some((_, _, _, m)) => Routed::Route(m),
        None if https_only => Routed::HttpsRequired,
        None => Routed::NoMatch,
    }
}

/// Joins the service path and what remains of the request path, as Kong's `path_handling`
/// does: `v0` joins `/s/` and `/req` into `/s/req`, `v1` keeps both slashes.
fn join(service_path: Option<&str>, remainder: &str, v0: bool) -> String {
    let Some(base) = service_path else {
        return if remainder.is_empty() {
            "/".to_owned()
        } else if remainder.starts_with('/') {
            remainder.to_owned()
        } else {
            format!("/{remainder}")
        };
    };
    if remainder.is_empty() {
        base.to_owned()
    } else if v0 && base.ends_with('/') && remainder.starts_with('/') {
        format!("{base}{}", &remainder[1..])
    } else {
        format!("{base}{remainder}")
    }
}

/// The upstream request path for `request_path` routed by `matched` to a service whose path
/// is `service_path`, and the stripped prefix (for `X-Forwarded-Prefix`), if any.
pub fn upstream_path(
    service_path: Option<&str>,
    matched: &Match<'_>,
    request_path: &str,
) -> (String, Option<String>) {
    let route = matched.route;
    let v0 = route.path_handling != "v1";
    match (route.strip_path, matched.path) {
        (true, Some(prefix)) => {
            let mut remainder = request_path[prefix.len()..].to_owned();
            // v0 keeps the slash the route path ended with (`/tv0/` + `req` → `/req`).
            if v0 && prefix.ends_with('/') && !remainder.is_empty() {
                remainder.insert(0, '/');
            }
            let stripped = prefix.trim_end_matches('/');
            let stripped = (!stripped.is_empty()).then(|| stripped.to_owned());
            (join(service_path, &remainder, v0), stripped)
        }
        _ => (join(service_path, request_path, v0), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::control_planes::service::Service;
    use serde_json::{Value, json};

    fn config(routes: &[Value]) -> CoreConfig {
        let service = Service::parse(
            &json!({"name": "s", "url": "http://httpbin.konghq.com/anything"}),
            None,
            None,
            1,
        )
        .unwrap();
        let mut config = CoreConfig {
            services: vec![service],
            ..CoreConfig::default()
        };
        for (i, body) in routes.iter().enumerate() {
            let mut body = body.clone();
            body["service"] = json!({"name": "s"});
            let route = Route::parse(&body, None, None, i as i64, &config, None).unwrap();
            config.routes.push(route);
        }
        config
    }

    fn routed<'a>(config: &'a CoreConfig, method: &str, host: &str, path: &str) -> Option<&'a str> {
        match find_route(config, method, host, path, &HeaderMap::new()) {
            Routed::Route(m) => m.route.name.as_deref(),
            _ => None,
        }
    }

    #[test]
    fn longest_prefix_wins_and_prefixes_are_not_segment_aware() {
        let c = config(&[
            json!({"name": "short", "paths": ["/a"]}),
            json!({"name": "long", "paths": ["/a/b"]}),
        ]);
        assert_eq!(routed(&c, "GET", "x", "/a/b/c"), Some("long"));
        assert_eq!(routed(&c, "GET", "x", "/a/c"), Some("short"));
        assert_eq!(routed(&c, "GET", "x", "/abc"), Some("short"));
        assert_eq!(routed(&c, "GET", "x", "/b"), None);
    }

    #[test]
    fn methods_hosts_and_more_categories() {
        let c = config(&[
            json!({"name": "any", "paths": ["/"]}),
            json!({"name": "post", "paths": ["/"], "methods": ["POST"]}),
            json!({"name": "host", "paths": ["/"], "hosts": ["*.example.com"]}),
        ]);
        assert_eq!(routed(&c, "POST", "x", "/p"), Some("post"));
        assert_eq!(
            routed(&c, "GET", "api.example.com:8000", "/p"),
            Some("host")
        );
        assert_eq!(routed(&c, "GET", "example.com", "/p"), Some("any"));
    }

    #[test]
    fn https_only_routes_answer_426() {
        let c = config(&[json!({"name": "tls", "paths": ["/"], "protocols": ["https"]})]);
        assert_eq!(
            find_route(&c, "GET", "x", "/", &HeaderMap::new()),
            Routed::HttpsRequired
        );
    }

    fn path_for(service: Option<&str>, route: Value, request: &str) -> String {
        let c = config(&[route]);
        let Routed::Route(m) = find_route(&c, "GET", "x", request, &HeaderMap::new()) else {
            panic!("no match");
        };
        upstream_path(service, &m, request).0
    }

    #[test]
    fn strip_path_and_path_handling_follow_kongs_table() {
        let strip = |p: &str| json!({"paths": [p]});
        assert_eq!(
            path_for(Some("/anything"), strip("/anything"), "/anything"),
            "/anything"
        );
        assert_eq!(
            path_for(Some("/anything"), strip("/anything"), "/anything/x"),
            "/anything/x"
        );
        assert_eq!(path_for(Some("/s"), strip("/fv0"), "/fv0req"), "/sreq");
        assert_eq!(path_for(Some("/s/"), strip("/fv0"), "/fv0req"), "/s/req");
        assert_eq!(path_for(Some("/s/"), strip("/fv0"), "/fv0/req"), "/s/req");
        assert_eq!(path_for(Some("/s"), strip("/tv0/"), "/tv0/req"), "/s/req");
        let v1 = |p: &str| json!({"paths": [p], "path_handling": "v1"});
        assert_eq!(path_for(Some("/s/"), v1("/fv1"), "/fv1/req"), "/s//req");
        assert_eq!(path_for(Some("/s"), v1("/tv1/"), "/tv1/req"), "/sreq");
        assert_eq!(path_for(None, strip("/a"), "/a"), "/");
        let keep = json!({"paths": ["/anything"], "strip_path": false});
        assert_eq!(
            path_for(Some("/anything"), keep, "/anything"),
            "/anything/anything"
        );
    }
}
