//! [`ProxyRequest`]: the request on its way through the data plane: what plugins read
//! (headers, query arguments, form or JSON body fields) and change before it goes upstream.

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use serde_json::Value;

/// A request being proxied. Plugins change it in place.
#[derive(Debug, Clone)]
pub struct ProxyRequest {
    /// Method.
    pub method: Method,
    /// Path as the data plane sees it (after the mock's `/dp/{id}` prefix).
    pub path: String,
    /// Raw query string, without `?`.
    pub query: Option<String>,
    /// Headers.
    pub headers: HeaderMap,
    /// Body.
    pub body: Bytes,
    /// The client's address as Kong sees it.
    pub client_ip: String,
    /// The port of the proxy listener the client connected to (`X-Forwarded-Port`), when
    /// known.
    pub listener_port: Option<u16>,
}

/// How a body is encoded, for reading and removing fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Form,
    Json,
    Other,
}

impl ProxyRequest {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Sets (replaces) a header; invalid values are dropped.
    pub fn set_header(&mut self, name: &str, value: &str) {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            self.headers.insert(name, value);
        }
    }

    /// Removes a header.
    pub fn remove_header(&mut self, name: &str) {
        if let Ok(name) = HeaderName::from_bytes(name.as_bytes()) {
            self.headers.remove(name);
        }
    }

    fn query_pairs(&self) -> Vec<(String, String)> {
        serde_urlencoded::from_str(self.query.as_deref().unwrap_or("")).unwrap_or_default()
    }

    /// The first value of a query argument.
    pub fn query_arg(&self, name: &str) -> Option<String> {
        self.query_pairs()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// Removes query arguments.
    pub fn remove_query_args(&mut self, names: &[&str]) {
        let pairs: Vec<(String, String)> = self
            .query_pairs()
            .into_iter()
            .filter(|(k, _)| !names.contains(&k.as_str()))
            .collect();
        self.query = if pairs.is_empty() {
            None
        } else {
            serde_urlencoded::to_string(pairs).ok()
        };
    }

    fn body_kind(&self) -> BodyKind {
        let content_type = self
            .header(header::CONTENT_TYPE.as_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        if content_type.starts_with("application/x-www-form-urlencoded") {
            BodyKind::Form
        } else if content_type.starts_with("application/json") {
            BodyKind::Json
        } else {
            BodyKind::Other
        }
    }

    /// A form or JSON body field, as text.
    pub fn body_arg(&self, name: &str) -> Option<String> {
        match self.body_kind() {
            BodyKind::Form => serde_urlencoded::from_bytes::<Vec<(String, String)>>(&self.body)
                .ok()?
                .into_iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v),
            BodyKind::Json => match serde_json::from_slice::<Value>(&self.body)
                .ok()?
                .get(name)?
            {
                Value::String(s) => Some(s.clone()),
                Value::Null => None,
                other => Some(other.to_string()),
            },
            BodyKind::Other => None,
        }
    }

    /// Removes form or JSON body fields (re-encoding the body, fixing `Content-Length`).
    pub fn remove_body_args(&mut self, names: &[&str]) {
        let new_body = match self.body_kind() {
            BodyKind::Form => {
                let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&self.body)
                else {
                    return;
                };
                let kept: Vec<_> = pairs
                    .into_iter()
                    .filter(|(k, _)| !names.contains(&k.as_str()))
                    .collect();
                serde_urlencoded::to_string(kept).ok().map(Bytes::from)
            }
            BodyKind::Json => {
                let Ok(Value::Object(mut map)) = serde_json::from_slice::<Value>(&self.body) else {
                    return;
                };
                for name in names {
                    map.remove(*name);
                }
                serde_json::to_vec(&map).ok().map(Bytes::from)
            }
            BodyKind::Other => None,
        };
        if let Some(body) = new_body {
            self.body = body;
            self.headers.remove(header::CONTENT_LENGTH);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(content_type: &str, body: &str, query: Option<&str>) -> ProxyRequest {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(content_type).unwrap(),
        );
        ProxyRequest {
            method: Method::POST,
            path: "/".into(),
            query: query.map(str::to_owned),
            headers,
            body: Bytes::from(body.to_owned()),
            client_ip: "127.0.0.1".into(),
            listener_port: None,
        }
    }

    #[test]
    fn reads_and_removes_form_json_and_query_args() {
        let mut form = request(
            "application/x-www-form-urlencoded",
            "client_id=a&client_secret=b&x=1",
            Some("access_token=t&keep=1"),
        );
        assert_eq!(form.body_arg("client_id").as_deref(), Some("a"));
        assert_eq!(form.query_arg("access_token").as_deref(), Some("t"));
        form.remove_body_args(&["client_id", "client_secret"]);
        form.remove_query_args(&["access_token"]);
        assert_eq!(&form.body[..], b"x=1");
        assert_eq!(form.query.as_deref(), Some("keep=1"));

        let mut json = request("application/json", r#"{"access_token":"t","n":1}"#, None);
        assert_eq!(json.body_arg("access_token").as_deref(), Some("t"));
        json.remove_body_args(&["access_token"]);
        assert_eq!(&json.body[..], br#"{"n":1}"#);

        let text = request("text/plain", "access_token=t", None);
        assert_eq!(text.body_arg("access_token"), None);
    }
}
