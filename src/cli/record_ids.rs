//! [`IdNamer`]: the ids a target generated that no capture names (UUIDs anywhere, the value
//! of an id key, the issuer's host label) become `[id:N]` in a recording, numbered in order
//! of first appearance within a scenario, so the same id reads the same everywhere in it and
//! no generated id is left in clear.

use serde_json::Value;

/// Numbers the ids of one scenario's recording.
#[derive(Debug, Default)]
pub(crate) struct IdNamer {
    seen: Vec<String>,
}

/// The domain whose hosts carry generated labels: an issuer's
/// `https://<id>.<region>.identity.konghq.com/auth`, a control plane's
/// `https://<id>.cp.konghq.com`.
const KONG_DOMAIN: &str = ".konghq.com";

impl IdNamer {
    /// `[id:N]` for `id`.
    fn name(&mut self, id: &str) -> String {
        let n = match self.seen.iter().position(|s| s == id) {
            Some(i) => i + 1,
            None => {
                self.seen.push(id.to_owned());
                self.seen.len()
            }
        };
        format!("[id:{n}]")
    }

    /// Names the UUIDs and 32-digit hex ids inside `text`, and generated host labels.
    pub(crate) fn text(&mut self, text: &str) -> String {
        let text = self.hex_ids(text, 36, docflow::redact::is_uuid);
        let text = self.hex_ids(&text, 32, |s| s.bytes().all(|b| b.is_ascii_hexdigit()));
        self.generated_hosts(&text)
    }

    /// Names every run of exactly `len` characters that `is_id` accepts, bounded by
    /// characters that are neither hex digits nor `-`.
    fn hex_ids(&mut self, text: &str, len: usize, is_id: impl Fn(&str) -> bool) -> String {
        let bytes = text.as_bytes();
        let outside = |b: &u8| !(b.is_ascii_hexdigit() || *b == b'-');
        let mut out = String::with_capacity(text.len());
        let (mut i, mut copied) = (0, 0);
        while i + len <= bytes.len() {
            let bounded = i == 0 || outside(&bytes[i - 1]);
            let ends = bytes.get(i + len).is_none_or(outside);
            match std::str::from_utf8(&bytes[i..i + len]) {
                Ok(candidate) if bounded && ends && is_id(candidate) => {
                    out.push_str(&text[copied..i]);
                    out.push_str(&self.name(candidate));
                    i += len;
                    copied = i;
                }
                _ => i += 1,
            }
        }
        out.push_str(&text[copied..]);
        out
    }

    /// Names the first label of a `*.konghq.com` host when it looks generated.
    fn generated_hosts(&mut self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(at) = rest.find("://") {
            let host_start = at + 3;
            out.push_str(&rest[..host_start]);
            let after = &rest[host_start..];
            let host_len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-')))
                .unwrap_or(after.len());
            let host = &after[..host_len];
            match host.split_once('.') {
                Some((label, domain)) if host.ends_with(KONG_DOMAIN) && is_generated(label) => {
                    let name = self.name(label);
                    out.push_str(&format!("{name}.{domain}"));
                }
                _ => out.push_str(host),
            }
            rest = &after[host_len..];
        }
        out.push_str(rest);
        out
    }

    /// Names the ids in a JSON value: in every string, and the whole value of an id key
    /// (`id`, `*_id`, `sub`, `jti`) unless it is already a placeholder.
    pub(crate) fn json(&mut self, value: &Value) -> Value {
        self.json_at(None, value)
    }

    fn json_at(&mut self, key: Option<&str>, value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                // Ids are numbered walking keys in sorted order, so the numbers do not depend
                // on the order a target writes its keys in; the body keeps its own order.
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                let named: std::collections::HashMap<&String, Value> = keys
                    .into_iter()
                    .map(|k| (k, self.json_at(Some(k), &map[k])))
                    .collect();
                Value::Object(map.keys().map(|k| (k.clone(), named[k].clone())).collect())
            }
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.json_at(key, v)).collect())
            }
            Value::String(s) if key.is_some_and(is_id_key) && !is_placeholder(s) => {
                Value::String(self.name(s))
            }
            Value::String(s) => Value::String(self.text(s)),
            other => other.clone(),
        }
    }
}

/// Whether a host label looks generated (`wt3fgfqb8r7fktwe`, `8206279bfc`), not a name
/// (`us`, `api`, `httpbin`).
fn is_generated(label: &str) -> bool {
    label.len() >= 8
        && label.bytes().all(|b| b.is_ascii_alphanumeric())
        && label.bytes().any(|b| b.is_ascii_digit())
}

/// Whether a JSON key holds an id (`id`, `client_id`, `X-Kong-Request-Id`).
fn is_id_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    matches!(key.as_str(), "id" | "sub" | "jti") || key.ends_with("_id") || key.ends_with("-id")
}

/// Whether a string is already a placeholder (`$NAME`, `[id:3]`, `[redacted]`) or empty.
fn is_placeholder(s: &str) -> bool {
    s.is_empty() || s.starts_with('$') || (s.starts_with('[') && s.ends_with(']'))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn ids_are_numbered_by_first_appearance_and_placeholders_stay() {
        // JSON objects are visited in key order (`X-…` before `client_id` before `id`).
        let mut ids = IdNamer::default();
        let a = "8c1f0a7e-1b2c-4d5e-8f90-0123456789ab";
        let b = "00000000-1b2c-4d5e-8f90-0123456789ab";
        assert_eq!(
            ids.text(&format!("/v1/x/{a}/y/{b}?again={a}")),
            "/v1/x/[id:1]/y/[id:2]?again=[id:1]"
        );
        // Not a UUID on its own: part of a longer hex run.
        assert_eq!(ids.text(&format!("f{a}")), format!("f{a}"));
        assert_eq!(
            ids.text("https://wt3fgfqb8r7fktwe.us.identity.konghq.com/auth and http://h:1/x"),
            "https://[id:3].us.identity.konghq.com/auth and http://h:1/x"
        );
        assert_eq!(
            ids.text("https://us.api.konghq.com http://httpbin.konghq.com/x"),
            "https://us.api.konghq.com http://httpbin.konghq.com/x"
        );
        assert_eq!(
            ids.json(&json!({
                "id": "abc", "client_id": ["$CLIENT_ID", "k2"], "sub": "abc",
                "name": "n", "count": 3, "owner": {"id": "[id:1]"},
                "X-Kong-Request-Id": "r1", "trace": "795984ba1a7746b7b23a88e18ab57f5b"
            })),
            json!({
                "id": "[id:6]", "client_id": ["$CLIENT_ID", "[id:5]"], "sub": "[id:6]",
                "name": "n", "count": 3, "owner": {"id": "[id:1]"},
                "X-Kong-Request-Id": "[id:4]", "trace": "[id:7]"
            })
        );
    }
}
