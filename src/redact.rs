//! [`Redactor`]: replaces every secret and run-varying value before anything is printed,
//! stored or snapshotted.
//!
//! Three layers, in order:
//! 1. by value: secrets, captured values and the target's URLs become their variable name
//!    (`$CLIENT_SECRET`, `$AUTH_SERVER_ID`, `$KONNECT_CONTROL_PLANE_URL`), so a snapshot reads
//!    like the doc and holds on every target; a credential seen under a secret key
//!    (`client_secret`, `access_token`, …) that no variable holds becomes `[redacted]`
//!    wherever it appears afterwards ([`secret_values`], `Vars::hide`);
//! 2. by shape, checked first: timestamps, UUIDs, trace ids, token lifetimes become
//!    placeholders only when they have the expected shape (anything else stays visible so a
//!    snapshot diff shows it);
//! 3. a safety net: anything that looks like a JWT becomes `[jwt]`, and any string under a
//!    secret key that nothing replaced becomes `[redacted]`.

use std::sync::{Arc, OnceLock};

use serde_json::Value;

use crate::vars::{Origin, Vars};

mod encoded;

/// Keys whose string values are credentials wherever they appear in a JSON body, whether or
/// not the scenario captures them (a response's `client_secret` is a secret even when no
/// variable holds it).
const SECRET_KEYS: &[&str] = &[
    "client_secret",
    "secret",
    "access_token",
    "refresh_token",
    "id_token",
    "token",
    "password",
    "private_key",
    "api_key",
];

/// Shortest value under a [`SECRET_KEYS`] key that is remembered and replaced by value
/// elsewhere; shorter ones would mangle unrelated text (they are still masked in place).
const MIN_HIDDEN_LEN: usize = 8;

/// What a credential under a secret key becomes when no variable names it.
pub const REDACTED: &str = "[redacted]";

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
    /// Secret values, also looked for inside base64 runs of any text (values derived from
    /// secrets, such as Basic credentials, are secrets too).
    secrets: Vec<String>,
    /// What looking for them in base64 needs, built on first use after the last secret.
    compiled: OnceLock<Arc<encoded::Secrets>>,
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

    /// Replaces the secret `value` anywhere, with its URL- and base64-encoded forms, and any
    /// base64 run that decodes to text holding it.
    pub fn add_secret(&mut self, value: &str, placeholder: &str) {
        self.add(value, placeholder);
        for encoded in encoded::encodings(value).iter() {
            self.add(encoded, placeholder);
        }
        if !value.is_empty() && !self.secrets.iter().any(|s| s == value) {
            self.secrets.push(value.to_owned());
            self.compiled = OnceLock::new();
        }
    }

    /// Adds a rule after every rule at least as long (the order sorting by length, longest
    /// first, would give, equal lengths in the order added).
    fn push(&mut self, value: &str, placeholder: &str, how: Match) {
        if value.is_empty() || self.rules.iter().any(|(v, _, h)| v == value && *h == how) {
            return;
        }
        let at = self.rules.partition_point(|r| r.0.len() >= value.len());
        self.rules
            .insert(at, (value.to_owned(), placeholder.to_owned(), how));
    }

    /// The secrets, ready for looking in base64.
    fn compiled(&self) -> &encoded::Secrets {
        self.compiled
            .get_or_init(|| encoded::Secrets::of(&self.secrets))
    }

    /// A redactor for the current variables: secrets and captures by value, target URLs by
    /// value, the control plane name as a whole string.
    pub fn from_vars(vars: &Vars) -> Self {
        let mut redactor = Self::new();
        for (name, value) in vars.iter().filter(|(_, v)| v.secret) {
            redactor.add_secret(&value.text, &format!("${name}"));
        }
        // After the variables, so a captured secret keeps its `$NAME`.
        for hidden in vars.hidden() {
            redactor.add_secret(hidden, REDACTED);
        }
        for (name, value) in vars.iter().filter(|(_, v)| !v.secret) {
            let placeholder = format!("${name}");
            let text = value.text.as_str();
            // A value encoded from secrets (`… | @base64`, URL-encoding) is a secret too.
            if encoded::reveals(text, redactor.compiled()) {
                redactor.add_secret(text, &placeholder);
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

    /// Whether `text` is or holds a secret (by value, or encoded): printing it would leak one.
    pub fn hides(&self, text: &str) -> bool {
        self.secrets
            .iter()
            .any(|s| !s.is_empty() && text.contains(s.as_str()))
            || encoded::reveals(text, self.compiled())
    }

    /// Redacts a text.
    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_owned();
        // A value longer than the text (as it is now, after the rules before) cannot be in
        // it: a length check is cheap, building a substring search for each rule is not.
        for (value, placeholder, how) in &self.rules {
            if value.len() > out.len() {
                continue;
            }
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
        mask_jwts(&encoded::mask(&out, self.compiled()))
    }

    /// Redacts every string (and object key) inside a JSON value by value; then, as a
    /// safety net, a string under a secret key (`client_secret`, `access_token`, …) that no
    /// rule replaced becomes `[redacted]`.
    pub fn json(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.text(s)),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.json(v)).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| {
                        let v = if is_secret_key(k) {
                            self.secret_json(v)
                        } else {
                            self.json(v)
                        };
                        (self.text(k), v)
                    })
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// A value under a secret key: its strings, and those of its arrays (the OIDC plugin's
    /// `client_secret` is a list), are masked unless already placeholders.
    fn secret_json(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(mask_unredacted(&self.text(s))),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.secret_json(v)).collect())
            }
            other => self.json(other),
        }
    }
}

/// Whether a JSON key names a credential.
fn is_secret_key(key: &str) -> bool {
    // Bytes, not a lowercased copy: every key of every body comes through here.
    let ends_with = |suffix: &str| {
        key.len() >= suffix.len()
            && key.as_bytes()[key.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
    };
    SECRET_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
        || ends_with("_secret")
        || ends_with("_password")
}

/// A redacted string under a secret key: kept when it is already a placeholder (`$NAME`,
/// `[jwt]`, `[redacted]`), replaced otherwise.
fn mask_unredacted(text: &str) -> String {
    let placeholder = text.is_empty()
        || text == REDACTED
        || text == "[jwt]"
        || (text.starts_with('$')
            && text[1..]
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'));
    if placeholder {
        text.to_owned()
    } else {
        REDACTED.to_owned()
    }
}

/// The credentials in a response body: string values under secret keys, long enough to be
/// replaced by value wherever they appear (see [`Vars::hide`]).
pub fn secret_values(value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    collect_secret_values(value, &mut out);
    out
}

fn collect_secret_values(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if is_secret_key(k) {
                    collect_secret_strings(v, out);
                } else {
                    collect_secret_values(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_secret_values(v, out)),
        _ => {}
    }
}

/// The strings of a value under a secret key (directly or in its arrays).
fn collect_secret_strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) if s.len() >= MIN_HIDDEN_LEN => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| collect_secret_strings(v, out)),
        other => collect_secret_values(other, out),
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
    if key.is_some_and(|k| k.eq_ignore_ascii_case("www-authenticate")) {
        return normalize_realm(s);
    }
    s.to_owned()
}

/// Kong's `WWW-Authenticate: Bearer realm="<issuer host>", …` names the issuer's host, which
/// differs per target (`127.0.0.1` on the mock, `<id>.us.identity.konghq.com` on Konnect); a
/// non-empty realm becomes `[realm]`, an empty one stays visible.
fn normalize_realm(header: &str) -> String {
    let Some(start) = header.find("realm=\"") else {
        return header.to_owned();
    };
    let value_start = start + "realm=\"".len();
    match header[value_start..].find('"') {
        Some(len) if len > 0 => format!(
            "{}[realm]{}",
            &header[..value_start],
            &header[value_start + len..]
        ),
        _ => header.to_owned(),
    }
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
    fn uncaptured_credentials_are_masked_by_key_and_remembered_by_value() {
        let body = json!({
            "id": "c1",
            "client_secret": "8vbywkjyj1zxcgsujljnuge1",
            "nested": [{"access_token": "opaque-token-value", "token_type": "Bearer"}],
            "password": "short",
            "known": "x",
            "config": {"client_secret": ["listed-secret-value"], "client_id": ["c1"]}
        });
        let mut vars = Vars::default();
        vars.set_text("KNOWN_SECRET", "opaque-token-value", true, Origin::Captured);
        for secret in secret_values(&body) {
            vars.hide(secret);
        }
        let r = Redactor::from_vars(&vars);
        assert_eq!(
            r.json(&body),
            json!({
                "id": "c1",
                "client_secret": "[redacted]",
                "nested": [{"access_token": "$KNOWN_SECRET", "token_type": "Bearer"}],
                "password": "[redacted]",
                "known": "x",
                "config": {"client_secret": ["[redacted]"], "client_id": ["c1"]}
            })
        );
        assert_eq!(r.text("listed-secret-value"), "[redacted]");
        // Remembered by value, so a mismatch's text is redacted too.
        assert_eq!(
            r.text("expected x, got \"8vbywkjyj1zxcgsujljnuge1\""),
            "expected x, got \"[redacted]\""
        );
        assert!(vars.contains_secret("Basic 8vbywkjyj1zxcgsujljnuge1"));
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
    fn realms_are_normalised_only_when_present() {
        let v = json!({"www-authenticate": "Bearer realm=\"127.0.0.1\", error=\"invalid_token\""});
        assert_eq!(
            normalize(&v),
            json!({"www-authenticate": "Bearer realm=\"[realm]\", error=\"invalid_token\""})
        );
        let empty = json!({"www-authenticate": "Bearer realm=\"\""});
        assert_eq!(normalize(&empty), empty);
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
