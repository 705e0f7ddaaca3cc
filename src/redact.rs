//! [`Redactor`]: replaces every secret and run-varying value before anything is printed,
//! stored or snapshotted.
//!
//! Three layers, in order:
//! 1. by value: secrets, captured values and the target's URLs become their variable name
//!    (`$CLIENT_SECRET`, `$AUTH_SERVER_ID`, `$KONNECT_CONTROL_PLANE_URL`), so a snapshot reads
//!    like the doc and holds on every target;
//! 2. by shape, checked first: timestamps, UUIDs, trace ids, token lifetimes become
//!    placeholders only when they have the expected shape (anything else stays visible so a
//!    snapshot diff shows it);
//! 3. a safety net: anything that looks like a JWT becomes `[jwt]`.

use serde_json::Value;

use crate::runner::vars::{Origin, Vars};

/// Shortest captured value replaced by value; shorter ones (`"us"`, `true`) would mangle
/// unrelated text. Secrets are always replaced, whatever their length.
const MIN_CAPTURED_LEN: usize = 6;

/// How a value is matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Match {
    /// Anywhere inside a string.
    Substring,
    /// Only a whole string.
    Whole,
}

/// Replaces known values by their placeholders.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// `(value, placeholder, how)`, longest value first so `$ISSUER_URL` wins over the host
    /// inside it.
    rules: Vec<(String, String, Match)>,
}

impl Redactor {
    /// An empty redactor.
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces `value` anywhere it appears with `placeholder`.
    pub fn add(&mut self, value: &str, placeholder: &str) {
        self.push(value, placeholder, Match::Substring);
    }

    /// Replaces a string equal to `value` with `placeholder`.
    pub fn add_whole(&mut self, value: &str, placeholder: &str) {
        self.push(value, placeholder, Match::Whole);
    }

    fn push(&mut self, value: &str, placeholder: &str, how: Match) {
        if value.is_empty() || self.rules.iter().any(|(v, _, h)| v == value && *h == how) {
            return;
        }
        self.rules
            .push((value.to_owned(), placeholder.to_owned(), how));
        self.rules.sort_by_key(|r| std::cmp::Reverse(r.0.len()));
    }

    /// A redactor for the current variables: secrets and captures by value, target URLs by
    /// value, the control plane name as a whole string.
    pub fn from_vars(vars: &Vars) -> Self {
        let mut redactor = Self::new();
        for (name, value) in vars.iter() {
            let placeholder = format!("${name}");
            let text = value.text.as_str();
            if value.secret {
                redactor.add(text, &placeholder);
                continue;
            }
            match value.origin {
                Origin::Captured if text.len() >= MIN_CAPTURED_LEN => {
                    redactor.add(text, &placeholder)
                }
                Origin::Captured => redactor.add_whole(text, &placeholder),
                Origin::Target if name == "DECK_KONNECT_CONTROL_PLANE_NAME" => {
                    redactor.add_whole(text, &placeholder)
                }
                Origin::Target => redactor.add(text.trim_end_matches('/'), &placeholder),
                Origin::Scenario => {}
            }
        }
        redactor
    }

    /// Redacts a text.
    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (value, placeholder, how) in &self.rules {
            match how {
                Match::Substring => {
                    if out.contains(value.as_str()) {
                        out = out.replace(value.as_str(), placeholder);
                    }
                }
                Match::Whole => {
                    if out == *value {
                        out = placeholder.clone();
                    }
                }
            }
        }
        mask_jwts(&out)
    }

    /// Redacts every string (and object key) inside a JSON value, by value only.
    pub fn json(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.text(s)),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.json(v)).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (self.text(k), self.json(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

/// Replaces run-varying values by placeholders after checking their shape (layer 2). Used
/// for snapshots, where the same file must hold on every run and target.
pub fn normalize(value: &Value) -> Value {
    normalize_at(None, value)
}

fn normalize_at(key: Option<&str>, value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), normalize_at(Some(k), v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| normalize_at(key, v)).collect()),
        Value::String(s) => Value::String(normalize_string(key, s)),
        Value::Number(n) => match key {
            Some("created_at" | "updated_at") if n.is_u64() => json_str("[timestamp]"),
            Some("iat" | "exp" | "nbf" | "auth_time") if n.is_u64() => {
                json_str(&format!("[{}]", key.unwrap_or_default()))
            }
            Some("expires_in") if n.as_u64().is_some_and(|s| s > 0) => json_str("[expires_in]"),
            _ => value.clone(),
        },
        other => other.clone(),
    }
}

fn json_str(s: &str) -> Value {
    Value::String(s.to_owned())
}

fn normalize_string(key: Option<&str>, s: &str) -> String {
    if is_uuid(s) {
        return "[uuid]".to_owned();
    }
    if is_rfc3339(s) {
        return "[timestamp]".to_owned();
    }
    for prefix in ["kong:trace:", "konnect:trace:"] {
        if let Some(rest) = s.strip_prefix(prefix)
            && !rest.is_empty()
            && rest.bytes().all(|b| b.is_ascii_digit())
        {
            return format!("{prefix}[trace]");
        }
    }
    if matches!(key, Some("control_plane_endpoint" | "telemetry_endpoint"))
        && s.starts_with("https://")
    {
        return "[endpoint]".to_owned();
    }
    if key == Some("kid") && !s.is_empty() {
        return "[kid]".to_owned();
    }
    s.to_owned()
}

/// Whether `s` is a hyphenated UUID.
pub fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn is_rfc3339(s: &str) -> bool {
    s.len() >= 20
        && s.as_bytes().get(4) == Some(&b'-')
        && s.as_bytes().get(10) == Some(&b'T')
        && time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).is_ok()
}

/// Replaces anything shaped like a compact JWS (`eyJ….eyJ….sig`) with `[jwt]`.
fn mask_jwts(text: &str) -> String {
    if !text.contains("eyJ") {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("eyJ") {
        out.push_str(&rest[..start]);
        let candidate = &rest[start..];
        let len = candidate
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            .count();
        let token = &candidate[..len];
        if token.split('.').count() == 3 && token.split('.').nth(1).is_some_and(|p| p.len() > 2) {
            out.push_str("[jwt]");
        } else {
            out.push_str(token);
        }
        // `len` is at least 3: "eyJ" itself is alphanumeric.
        rest = &candidate[len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn longest_value_wins_and_secrets_of_any_length_go() {
        let mut vars = Vars::default();
        vars.set_text(
            "KONNECT_CONTROL_PLANE_URL",
            "http://127.0.0.1:4000",
            false,
            Origin::Target,
        );
        vars.set_text(
            "ISSUER_URL",
            "http://127.0.0.1:4000/identity/abc/auth",
            false,
            Origin::Captured,
        );
        vars.set_text("CLIENT_SECRET", "s3c", true, Origin::Captured);
        let r = Redactor::from_vars(&vars);
        assert_eq!(
            r.text("http://127.0.0.1:4000/identity/abc/auth/.well-known/jwks?x=s3c"),
            "$ISSUER_URL/.well-known/jwks?x=$CLIENT_SECRET"
        );
        assert_eq!(
            r.text("http://127.0.0.1:4000/v1"),
            "$KONNECT_CONTROL_PLANE_URL/v1"
        );
    }

    #[test]
    fn short_captures_only_match_whole_strings() {
        let mut vars = Vars::default();
        vars.set_text("N", "abc", false, Origin::Captured);
        let r = Redactor::from_vars(&vars);
        assert_eq!(r.json(&json!(["abc", "xabcx"])), json!(["$N", "xabcx"]));
    }

    #[test]
    fn jwts_are_masked_even_when_unknown() {
        let r = Redactor::new();
        let t = "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln and eyJ alone";
        assert_eq!(r.text(t), "Bearer [jwt] and eyJ alone");
    }

    #[test]
    fn normalize_checks_shape_before_replacing() {
        let v = json!({
            "id": "836fda4d-612c-4faf-9c45-284a0ecd637a",
            "created_at": "2025-09-23T13:04:47.789958Z",
            "updated_at": "not a time",
            "instance": "kong:trace:6816496025408232265",
            "iat": 1758633065,
            "nested": [{"created_at": 1700000000}]
        });
        assert_eq!(
            normalize(&v),
            json!({
                "id": "[uuid]",
                "created_at": "[timestamp]",
                "updated_at": "not a time",
                "instance": "kong:trace:[trace]",
                "iat": "[iat]",
                "nested": [{"created_at": "[timestamp]"}]
            })
        );
    }
}
