//! Redaction of what the mock records about a request: [`body`], [`headers`] and [`query`].
//! Every form, JSON, query and header field whose name or value is a credential is replaced
//! by `[redacted]`, and only then is anything truncated, so a cut can never keep a secret
//! that redaction would have caught.

use axum::http::HeaderMap;
use serde_json::Value;

use crate::secret::is_secret_name;

/// What replaces a credential.
pub const REDACTED: &str = "[redacted]";

/// Whether a field, parameter or header named `name` holds a credential: the one secret-name
/// rule (`client_secret`, `X-Client-Secret`, `access_token`, `x-api-key`, …) plus the HTTP
/// credential headers.
pub fn is_secret_field(name: &str) -> bool {
    is_secret_name(name)
        || matches!(
            name.to_ascii_lowercase().as_str(),
            "authorization" | "proxy-authorization" | "cookie" | "set-cookie" | "assertion"
        )
}

/// A value that is a credential whatever it is called: a Konnect access token, a JWT, or an
/// HTTP credential scheme (custom headers sometimes carry them).
pub fn looks_secret(value: &str) -> bool {
    let v = value.trim();
    v.contains("kpat_")
        || v.contains("spat_")
        || v.contains("eyJ")
        || v.starts_with("Bearer ")
        || v.starts_with("Basic ")
}

/// The body as text with every credential redacted (JSON, else form), then cut to `limit`
/// bytes at a character boundary.
pub fn body(bytes: &[u8], limit: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let redacted = match serde_json::from_str::<Value>(&text) {
        Ok(mut value) => {
            json(&mut value);
            value.to_string()
        }
        Err(_) if text.contains('=') => form(&text),
        Err(_) if looks_secret(&text) => REDACTED.to_owned(),
        Err(_) => text.into_owned(),
    };
    truncate(redacted, limit)
}

/// A form (or any `name=value` text, spaces and all) with credential values redacted.
fn form(text: &str) -> String {
    url::form_urlencoded::parse(text.trim().as_bytes())
        .map(|(k, v)| {
            let v = if is_secret_field(&k) || looks_secret(&v) {
                REDACTED.into()
            } else {
                v
            };
            format!("{k}={v}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Redacts credentials in a JSON value, by key and by value.
pub fn json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if is_secret_field(k) && !v.is_null() {
                    *v = Value::String(REDACTED.to_owned());
                } else {
                    json(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(json),
        Value::String(s) if looks_secret(s) => *s = REDACTED.to_owned(),
        _ => {}
    }
}

/// Headers with credentials redacted, by name and by value.
pub fn headers(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            let text = String::from_utf8_lossy(v.as_bytes());
            let value = if is_secret_field(k.as_str()) || looks_secret(&text) {
                REDACTED.to_owned()
            } else {
                truncate(text.into_owned(), 1024)
            };
            (k.as_str().to_owned(), value)
        })
        .collect()
}

/// A path and query with credential parameters redacted, then cut to `limit` bytes.
pub fn query(path_and_query: &str, limit: usize) -> String {
    let Some((path, query)) = path_and_query.split_once('?') else {
        return truncate(path_and_query.to_owned(), limit);
    };
    let redacted: Vec<String> = query
        .split('&')
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name_text = percent_encoding::percent_decode_str(name).decode_utf8_lossy();
            let decoded = percent_encoding::percent_decode_str(value).decode_utf8_lossy();
            if is_secret_field(&name_text) || looks_secret(&decoded) {
                format!("{name}={REDACTED}")
            } else {
                pair.to_owned()
            }
        })
        .collect();
    truncate(format!("{path}?{}", redacted.join("&")), limit)
}

/// `text` cut to at most `limit` bytes at a character boundary, marked when cut.
pub fn truncate(mut text: String, limit: usize) -> String {
    if text.len() <= limit {
        return text;
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push_str("…[truncated]");
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_form_and_json_secrets() {
        let form = body(
            b"grant_type=client_credentials&client_secret=s3cret&client_id=abc",
            1024,
        );
        assert!(!form.contains("s3cret"), "{form}");
        assert!(form.contains("client_id=abc"));
        let json = body(br#"{"config":{"client_secret":["s3cret"]}}"#, 1024);
        assert!(!json.contains("s3cret"), "{json}");
    }

    #[test]
    fn a_form_with_a_space_is_still_redacted() {
        let form = body(b"scope=a b&client_secret=s3cret", 1024);
        assert!(!form.contains("s3cret"), "{form}");
        assert!(form.contains("scope=a b"), "{form}");
    }

    #[test]
    fn redaction_happens_before_truncation() {
        // A secret past the cut used to survive when the cut made the JSON unparseable.
        let padding = "x".repeat(20_000);
        let text = format!(r#"{{"pad":"{padding}","client_secret":"s3cret-value"}}"#);
        let json = body(text.as_bytes(), 16 * 1024);
        assert!(!json.contains("s3cret"), "secret kept");
        assert!(json.len() <= 16 * 1024 + 20);
        let form_text = format!("pad={padding}&client_secret=s3cret-value");
        let form = body(form_text.as_bytes(), 100);
        assert!(!form.contains("s3cret"));
        // A secret straddling the cut of an unparseable body.
        let raw = format!("{}client_secret=s3cret-value", "y ".repeat(10));
        assert!(!body(raw.as_bytes(), 25).contains("s3cret"));
    }

    #[test]
    fn redacts_credentials_in_queries_and_custom_headers() {
        assert_eq!(
            query("/anything?client_id=abc&client_secret=s3cret&x=1", 1024),
            "/anything?client_id=abc&client_secret=[redacted]&x=1"
        );
        assert_eq!(
            query("/a?t=eyJhbGciOi.eyJzdWIi.sig", 1024),
            "/a?t=[redacted]"
        );
        let mut map = HeaderMap::new();
        map.insert("x-token", "kpat_abcdefghijkl".parse().unwrap());
        map.insert("x-client-secret", "plain-s3cret".parse().unwrap());
        map.insert("x-plain", "hello".parse().unwrap());
        let redacted = headers(&map);
        assert!(redacted.contains(&("x-token".to_owned(), REDACTED.to_owned())));
        assert!(redacted.contains(&("x-client-secret".to_owned(), REDACTED.to_owned())));
        assert!(redacted.contains(&("x-plain".to_owned(), "hello".to_owned())));
    }

    #[test]
    fn truncates_at_a_char_boundary() {
        assert_eq!(truncate("héllo".into(), 2), "h…[truncated]");
    }
}
