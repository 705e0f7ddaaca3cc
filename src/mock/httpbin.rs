//! A built-in upstream that answers like httpbin (the Python original, whose shapes
//! `httpbin.konghq.com` and `httpbin.org` serve), so how-tos that proxy to httpbin run
//! without the internet. [`respond`] is the entry point; [`is_httpbin_host`] says which
//! service hosts it stands in for.
//!
//! `/anything…` echoes `{args, data, files, form, headers, json, method, origin, url}`;
//! `/get`, `/post`, `/put`, `/patch`, `/delete`, `/headers`, `/ip`, `/user-agent`, `/uuid`
//! and `/status/{code}` are there too. Headers print as httpbin prints them (`X-Consumer-Id`),
//! without the proxy-environment headers it hides unless `?show_env=1`.

use std::collections::BTreeMap;

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use url::Url;

/// Service hosts the built-in httpbin answers for.
pub const HOSTS: &[&str] = &["httpbin.konghq.com", "httpbin.org"];

/// Headers httpbin hides unless `show_env` is given (its `ENV_HEADERS`).
const ENV_HEADERS: &[&str] = &[
    "x-varnish",
    "x-request-start",
    "x-heroku-queue-depth",
    "x-real-ip",
    "x-forwarded-proto",
    "x-forwarded-protocol",
    "x-forwarded-ssl",
    "x-heroku-queue-wait-time",
    "x-forwarded-for",
    "x-heroku-dynos-in-use",
    "x-forwarded-port",
    "runscope-service",
];

/// Whether requests to `host` are answered by the built-in httpbin.
pub fn is_httpbin_host(host: &str) -> bool {
    HOSTS.iter().any(|h| h.eq_ignore_ascii_case(host))
}

/// `x-consumer-id` → `X-Consumer-Id`, as httpbin (Werkzeug) prints header names.
fn title_case(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => {
                    first.to_ascii_uppercase().to_string() + &chars.as_str().to_ascii_lowercase()
                }
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

fn headers_json(headers: &HeaderMap, show_env: bool) -> Map<String, Value> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in headers {
        if !show_env && ENV_HEADERS.contains(&name.as_str()) {
            continue;
        }
        out.entry(title_case(name.as_str()))
            .or_default()
            .push(String::from_utf8_lossy(value.as_bytes()).into_owned());
    }
    out.into_iter()
        .map(|(k, v)| (k, Value::String(v.join(","))))
        .collect()
}

/// Query or form pairs as httpbin shows them: one value as a string, repeated ones as a list.
fn multi_dict(pairs: Vec<(String, String)>) -> Map<String, Value> {
    let mut grouped: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in pairs {
        grouped.entry(k).or_default().push(v);
    }
    grouped
        .into_iter()
        .map(|(k, mut v)| {
            let value = if v.len() == 1 {
                Value::String(v.remove(0))
            } else {
                json!(v)
            };
            (k, value)
        })
        .collect()
}

/// The request echo of `/anything` and the method endpoints.
fn echo(method: &Method, url: &Url, headers: &HeaderMap, body: &[u8], origin: &str) -> Value {
    let show_env = url.query_pairs().any(|(k, _)| k == "show_env");
    let args = multi_dict(url.query_pairs().into_owned().collect());
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let text = String::from_utf8_lossy(body).into_owned();
    let (data, form) = if content_type.starts_with("application/x-www-form-urlencoded") {
        let pairs = serde_urlencoded::from_bytes(body).unwrap_or_default();
        (String::new(), multi_dict(pairs))
    } else {
        (text, Map::new())
    };
    let json_body = serde_json::from_slice::<Value>(body).unwrap_or(Value::Null);
    json!({
        "args": args,
        "data": data,
        "files": {},
        "form": form,
        "headers": headers_json(headers, show_env),
        "json": json_body,
        "method": method.as_str(),
        "origin": origin,
        "url": url.as_str(),
    })
}

fn json_response(status: StatusCode, body: Value) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        HeaderValue::from_static("true"),
    );
    response
}

fn not_found() -> Response {
    let html = "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2 Final//EN\">\n<title>404 Not Found</title>\n\
                <h1>Not Found</h1>\n<p>The requested URL was not found on the server.  If you \
                entered the URL manually please check your spelling and try again.</p>\n";
    let mut response = (StatusCode::NOT_FOUND, html).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// Answers a request for `url` (the upstream URL Kong would call) as httpbin would.
/// `origin` is the client address httpbin reports (from `X-Forwarded-For`).
pub fn respond(
    method: &Method,
    url: &Url,
    headers: &HeaderMap,
    body: &[u8],
    origin: &str,
) -> Response {
    let path = url.path();
    if path == "/anything" || path.starts_with("/anything/") {
        return json_response(StatusCode::OK, echo(method, url, headers, body, origin));
    }
    let method_endpoint = match path {
        "/get" => Some(Method::GET),
        "/post" => Some(Method::POST),
        "/put" => Some(Method::PUT),
        "/patch" => Some(Method::PATCH),
        "/delete" => Some(Method::DELETE),
        _ => None,
    };
    if let Some(expected) = method_endpoint {
        if *method != expected {
            return StatusCode::METHOD_NOT_ALLOWED.into_response();
        }
        let mut body = echo(method, url, headers, body, origin);
        if expected == Method::GET
            && let Value::Object(map) = &mut body
        {
            // httpbin's /get shows only these.
            map.retain(|k, _| matches!(k.as_str(), "args" | "headers" | "origin" | "url"));
        }
        return json_response(StatusCode::OK, body);
    }
    match path {
        "/headers" => json_response(
            StatusCode::OK,
            json!({ "headers": headers_json(headers, false) }),
        ),
        "/ip" => json_response(StatusCode::OK, json!({ "origin": origin })),
        "/user-agent" => json_response(
            StatusCode::OK,
            json!({ "user-agent": headers.get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok()) }),
        ),
        "/uuid" => json_response(StatusCode::OK, json!({ "uuid": uuid::Uuid::new_v4() })),
        _ => match path
            .strip_prefix("/status/")
            .and_then(|c| c.parse::<u16>().ok())
            .and_then(|c| StatusCode::from_u16(c).ok())
        {
            Some(status) => status.into_response(),
            None => not_found(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_json(response: Response) -> Value {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn anything_echoes_like_httpbin() {
        let url = Url::parse("http://httpbin.konghq.com/anything?a=1&a=2&b=x").unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("x-consumer-id", HeaderValue::from_static("c1"));
        headers.insert("x-forwarded-for", HeaderValue::from_static("127.0.0.1"));
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        let response = respond(&Method::POST, &url, &headers, br#"{"k":1}"#, "127.0.0.1");
        assert_eq!(response.status(), 200);
        let body = body_json(response).await;
        assert_eq!(body["args"], json!({"a": ["1", "2"], "b": "x"}));
        assert_eq!(body["headers"]["X-Consumer-Id"], "c1");
        assert!(body["headers"].get("X-Forwarded-For").is_none());
        assert_eq!(body["json"], json!({"k": 1}));
        assert_eq!(body["data"], r#"{"k":1}"#);
        assert_eq!(body["method"], "POST");
        assert_eq!(
            body["url"],
            "http://httpbin.konghq.com/anything?a=1&a=2&b=x"
        );
        let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "args", "data", "files", "form", "headers", "json", "method", "origin", "url"
            ]
        );
    }

    #[tokio::test]
    async fn forms_status_and_unknown_paths() {
        let url = Url::parse("http://httpbin.org/post").unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        let body = body_json(respond(&Method::POST, &url, &headers, b"x=1", "o")).await;
        assert_eq!(body["form"], json!({"x": "1"}));
        assert_eq!(body["data"], "");
        let status = Url::parse("http://httpbin.org/status/418").unwrap();
        assert_eq!(
            respond(&Method::GET, &status, &headers, b"", "o").status(),
            418
        );
        let nope = Url::parse("http://httpbin.org/nope").unwrap();
        assert_eq!(
            respond(&Method::GET, &nope, &headers, b"", "o").status(),
            404
        );
        assert!(is_httpbin_host("HTTPBIN.konghq.com"));
    }
}
