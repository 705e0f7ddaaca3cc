//! Finding credentials in a request where the configuration allows them:
//! [`find_bearer`] (`bearer_token_param_type`) and [`find_client_credentials`]
//! (`client_credentials_param_type`), and [`hide`], which removes what was found
//! (`hide_credentials`). [`Location`] records where a credential was.
//!
//! - Bearer: `header` is `Authorization: Bearer …`, or an `access_token` / `x_access_token`
//!   header; `query` is the `access_token` argument; `body` the `access_token` form or JSON
//!   field. `cookie` needs `bearer_token_cookie_name`, which the mock does not model.
//! - Client credentials: `header` is `Authorization: Basic base64(id:secret)`; `query` the
//!   `client_id` and `client_secret` arguments; `body` the same form or JSON fields. A
//!   `Grant-Type` header or `grant_type` argument, when present, must be
//!   `client_credentials` (Kong's `get_credentials`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::mock::gateway::request::ProxyRequest;
use crate::secret::Secret;

/// Where a credential was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// In `Authorization`.
    Authorization,
    /// In a dedicated header (`access_token`, `x_access_token`).
    Header(&'static str),
    /// In the query string.
    Query,
    /// In the form or JSON body.
    Body,
}

/// A bearer token and where it was.
#[derive(Debug, Clone)]
pub struct Bearer {
    /// The token.
    pub token: Secret,
    /// Where it was.
    pub location: Location,
}

/// Client credentials and where they were.
#[derive(Debug, Clone)]
pub struct ClientCredentials {
    /// `client_id`.
    pub client_id: String,
    /// `client_secret`.
    pub client_secret: Secret,
    /// Where they were.
    pub location: Location,
}

fn authorization(request: &ProxyRequest, scheme: &str) -> Option<String> {
    let value = request.header("authorization")?.trim();
    let (given, rest) = value.split_once(' ')?;
    let rest = rest.trim();
    (given.eq_ignore_ascii_case(scheme) && !rest.is_empty()).then(|| rest.to_owned())
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.is_empty())
}

/// The bearer token, looking in `param_types` order.
pub fn find_bearer(request: &ProxyRequest, param_types: &[String]) -> Option<Bearer> {
    let found = |token: String, location| {
        Some(Bearer {
            token: Secret::new("$ACCESS_TOKEN", token),
            location,
        })
    };
    for location in param_types {
        match location.as_str() {
            "header" => {
                if let Some(t) = authorization(request, "bearer") {
                    return found(t, Location::Authorization);
                }
                for name in ["access_token", "x_access_token"] {
                    let dashed = name.replace('_', "-");
                    let value = request.header(name).or_else(|| request.header(&dashed));
                    if let Some(t) = non_empty(value.map(str::to_owned)) {
                        return found(t, Location::Header(name));
                    }
                }
            }
            "query" => {
                if let Some(t) = non_empty(request.query_arg("access_token")) {
                    return found(t, Location::Query);
                }
            }
            "body" => {
                if let Some(t) = non_empty(request.body_arg("access_token")) {
                    return found(t, Location::Body);
                }
            }
            _ => {}
        }
    }
    None
}

/// Client credentials, looking in `param_types` order.
pub fn find_client_credentials(
    request: &ProxyRequest,
    param_types: &[String],
) -> Option<ClientCredentials> {
    let grant_ok = |g: Option<String>| g.is_none_or(|g| g == "client_credentials");
    let found = |id: String, secret: String, location| {
        Some(ClientCredentials {
            client_id: id,
            client_secret: Secret::new("$CLIENT_SECRET", secret),
            location,
        })
    };
    for location in param_types {
        match location.as_str() {
            "header" => {
                let grant = request
                    .header("grant-type")
                    .or_else(|| request.header("grant_type"))
                    .map(str::to_owned);
                let decoded = authorization(request, "basic")
                    .and_then(|b| STANDARD.decode(b).ok())
                    .and_then(|b| String::from_utf8(b).ok());
                if let Some((id, secret)) = decoded.as_deref().and_then(|d| d.split_once(':'))
                    && !id.is_empty()
                    && !secret.is_empty()
                    && grant_ok(grant)
                {
                    return found(id.to_owned(), secret.to_owned(), Location::Authorization);
                }
            }
            "query" => {
                if let (Some(id), Some(secret)) = (
                    non_empty(request.query_arg("client_id")),
                    non_empty(request.query_arg("client_secret")),
                ) && grant_ok(request.query_arg("grant_type"))
                {
                    return found(id, secret, Location::Query);
                }
            }
            "body" => {
                if let (Some(id), Some(secret)) = (
                    non_empty(request.body_arg("client_id")),
                    non_empty(request.body_arg("client_secret")),
                ) && grant_ok(request.body_arg("grant_type"))
                {
                    return found(id, secret, Location::Body);
                }
            }
            _ => {}
        }
    }
    None
}

/// Removes a found credential from the request (`hide_credentials`).
pub fn hide(request: &mut ProxyRequest, location: Location, client_credentials: bool) {
    match (location, client_credentials) {
        (Location::Authorization, true) => {
            request.remove_header("authorization");
            request.remove_header("grant-type");
            request.remove_header("grant_type");
        }
        (Location::Authorization, false) => request.remove_header("authorization"),
        (Location::Header(name), _) => {
            request.remove_header(name);
            request.remove_header(&name.replace('_', "-"));
        }
        (Location::Query, true) => {
            request.remove_query_args(&["client_id", "client_secret", "grant_type"]);
        }
        (Location::Query, false) => request.remove_query_args(&["access_token"]),
        (Location::Body, true) => {
            request.remove_body_args(&["client_id", "client_secret", "grant_type"]);
        }
        (Location::Body, false) => request.remove_body_args(&["access_token"]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Bytes;
    use axum::http::{HeaderMap, HeaderValue, Method};

    fn request(headers: &[(&str, &str)], query: Option<&str>, form: &str) -> ProxyRequest {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.insert(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        if !form.is_empty() {
            map.insert(
                "content-type",
                HeaderValue::from_static("application/x-www-form-urlencoded"),
            );
        }
        ProxyRequest {
            method: Method::GET,
            path: "/".into(),
            query: query.map(str::to_owned),
            headers: map,
            body: Bytes::from(form.to_owned()),
            client_ip: "127.0.0.1".into(),
            listener_port: None,
        }
    }

    fn types(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn bearer_only_where_allowed() {
        let r = request(
            &[("authorization", "Bearer abc")],
            Some("access_token=q"),
            "",
        );
        let b = find_bearer(&r, &types(&["header", "query"])).unwrap();
        assert_eq!(
            (b.token.expose(), b.location),
            ("abc", Location::Authorization)
        );
        let q = find_bearer(&r, &types(&["query"])).unwrap();
        assert_eq!((q.token.expose(), q.location), ("q", Location::Query));
        assert!(find_bearer(&r, &types(&["body"])).is_none());
        let basic = request(&[("authorization", "Basic eDp5")], None, "");
        assert!(find_bearer(&basic, &types(&["header"])).is_none());
        let dashed = request(&[("x-access-token", "d")], None, "");
        assert_eq!(
            find_bearer(&dashed, &types(&["header"]))
                .unwrap()
                .token
                .expose(),
            "d"
        );
    }

    #[test]
    fn client_credentials_only_where_allowed() {
        let basic = STANDARD.encode("id:secret");
        let header = request(&[("authorization", &format!("Basic {basic}"))], None, "");
        let c = find_client_credentials(&header, &types(&["header"])).unwrap();
        assert_eq!(
            (c.client_id.as_str(), c.client_secret.expose()),
            ("id", "secret")
        );
        let query = request(&[], Some("client_id=a&client_secret=b"), "");
        assert!(find_client_credentials(&query, &types(&["header"])).is_none());
        assert_eq!(
            find_client_credentials(&query, &types(&["query"]))
                .unwrap()
                .location,
            Location::Query
        );
        let body = request(&[], None, "client_id=a&client_secret=b&grant_type=password");
        assert!(find_client_credentials(&body, &types(&["body"])).is_none());
        let bearer = request(&[("authorization", "Bearer t")], None, "");
        assert!(find_client_credentials(&bearer, &types(&["header", "query", "body"])).is_none());
    }

    #[test]
    fn hiding_removes_the_credential() {
        let mut r = request(
            &[("authorization", "Bearer abc")],
            Some("access_token=q&x=1"),
            "",
        );
        hide(&mut r, Location::Authorization, false);
        hide(&mut r, Location::Query, false);
        assert!(r.header("authorization").is_none());
        assert_eq!(r.query.as_deref(), Some("x=1"));
    }
}
