//! Counting what the gateway fetched from an issuer, from the mock's request journal:
//! [`IssuerFetches`].

use serde_json::Value;

/// How many times the API listener served one issuer's discovery document and JWKS.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct IssuerFetches {
    /// `GET …/.well-known/openid-configuration`.
    pub(crate) discovery: usize,
    /// `GET …/.well-known/jwks`.
    pub(crate) jwks: usize,
}

impl IssuerFetches {
    /// Both together.
    pub(crate) fn total(self) -> usize {
        self.discovery + self.jwks
    }
}

/// The issuer's path on the API listener (`/identity/{issuer_id}/auth`) from its URL.
pub(crate) fn issuer_path(issuer: &str) -> Result<String, String> {
    let url = url::Url::parse(issuer).map_err(|_| format!("issuer `{issuer}` is not a URL"))?;
    Ok(url.path().trim_end_matches('/').to_owned())
}

/// Counts the fetches of the issuer at `issuer_path` among journal `entries`.
pub(crate) fn issuer_fetches(entries: &[Value], issuer_path: &str) -> IssuerFetches {
    let discovery = format!("{issuer_path}/.well-known/openid-configuration");
    let jwks = format!("{issuer_path}/.well-known/jwks");
    let mut counts = IssuerFetches::default();
    for entry in entries {
        if entry.get("listener").and_then(Value::as_str) != Some("api")
            || entry.get("method").and_then(Value::as_str) != Some("GET")
        {
            continue;
        }
        let path = entry.get("path").and_then(Value::as_str).unwrap_or("");
        let path = path.split('?').next().unwrap_or(path);
        if path == discovery {
            counts.discovery += 1;
        } else if path == jwks {
            counts.jwks += 1;
        }
    }
    counts
}

/// How many entries came from `listener` (`api` or `proxy`).
pub(crate) fn count_listener(entries: &[Value], listener: &str) -> usize {
    entries
        .iter()
        .filter(|e| e.get("listener").and_then(Value::as_str) == Some(listener))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn counts_only_the_issuers_own_fetches_on_the_api_listener() {
        let path = issuer_path("http://127.0.0.1:1234/identity/abc/auth").unwrap();
        assert_eq!(path, "/identity/abc/auth");
        let entries = vec![
            json!({"listener": "api", "method": "GET", "path": "/identity/abc/auth/.well-known/openid-configuration"}),
            json!({"listener": "api", "method": "GET", "path": "/identity/abc/auth/.well-known/jwks"}),
            json!({"listener": "api", "method": "GET", "path": "/identity/abc/auth/.well-known/jwks?x=1"}),
            json!({"listener": "api", "method": "GET", "path": "/identity/other/auth/.well-known/jwks"}),
            json!({"listener": "proxy", "method": "GET", "path": "/identity/abc/auth/.well-known/jwks"}),
            json!({"listener": "api", "method": "POST", "path": "/identity/abc/auth/oauth/token"}),
        ];
        let counts = issuer_fetches(&entries, &path);
        assert_eq!(
            counts,
            IssuerFetches {
                discovery: 1,
                jwks: 2
            }
        );
        assert_eq!(counts.total(), 3);
        assert_eq!(count_listener(&entries, "proxy"), 1);
        assert!(issuer_path("not a url").is_err());
    }
}
