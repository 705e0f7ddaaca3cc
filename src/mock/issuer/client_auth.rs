//! [`ClientCredentials`]: who a token or introspection request says it is, from HTTP Basic
//! (`client_secret_basic`, RFC 6749 §2.3.1: form-encoded id and secret) or form parameters
//! (`client_secret_post`), and the secret check.

use axum::http::{HeaderMap, header};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::oauth_error::OAuthError;
use crate::mock::identity::Client;

/// How the client presented its credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `Authorization: Basic`.
    Basic,
    /// `client_id` / `client_secret` form parameters.
    Post,
}

/// The presented credentials. `Debug` never prints the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientCredentials {
    /// The client id.
    pub client_id: String,
    secret: Option<String>,
    /// How they were presented.
    pub method: Method,
}

impl std::fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.client_id)
            .field("method", &self.method)
            .finish_non_exhaustive()
    }
}

/// An `Authorization: Basic` header that does not decode to `id:secret`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MalformedBasic;

/// The `Authorization: Basic` credentials, if that header is present. `Err` if it is Basic
/// but malformed.
pub fn basic(headers: &HeaderMap) -> Result<Option<(String, String)>, MalformedBasic> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| MalformedBasic)?;
    let Some((scheme, encoded)) = value.split_once(' ') else {
        return Ok(None);
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(None);
    }
    let decoded = STANDARD
        .decode(encoded.trim())
        .map_err(|_| MalformedBasic)?;
    let decoded = String::from_utf8(decoded).map_err(|_| MalformedBasic)?;
    let (id, secret) = decoded.split_once(':').ok_or(MalformedBasic)?;
    // RFC 6749 §2.3.1: both parts are form-urlencoded before Basic encoding. Most clients
    // send plain values, which decode to themselves unless they contain `%` or `+`.
    let form_decode = |s: &str| {
        serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={s}"))
            .ok()
            .and_then(|mut v| v.pop())
            .map_or_else(|| s.to_owned(), |(_, v)| v)
    };
    Ok(Some((form_decode(id), form_decode(secret))))
}

/// The credentials of a request: Basic or form, never both (RFC 6749 §2.3.1). A malformed
/// Basic header is `invalid_client` (401: RFC 6749 §5.2 wants 401 when Basic was tried).
pub fn from_request(
    headers: &HeaderMap,
    form: &[(String, String)],
) -> Result<ClientCredentials, OAuthError> {
    let param = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let basic = basic(headers).map_err(|MalformedBasic| {
        OAuthError::invalid_client(axum::http::StatusCode::UNAUTHORIZED, true)
    })?;
    match basic {
        Some((id, secret)) => {
            if param("client_secret").is_some() {
                return Err(OAuthError::invalid_request(
                    "the client used more than one authentication method",
                ));
            }
            if param("client_id").is_some_and(|form_id| form_id != id) {
                return Err(OAuthError::invalid_request(
                    "`client_id` differs from the Basic credentials",
                ));
            }
            Ok(ClientCredentials {
                client_id: id,
                secret: Some(secret),
                method: Method::Basic,
            })
        }
        None => {
            let client_id = param("client_id")
                .filter(|id| !id.is_empty())
                .ok_or_else(|| OAuthError::invalid_request("missing `client_id`"))?;
            Ok(ClientCredentials {
                client_id,
                secret: param("client_secret"),
                method: Method::Post,
            })
        }
    }
}

impl ClientCredentials {
    /// Credentials presented with HTTP Basic.
    pub fn basic(client_id: String, secret: String) -> Self {
        Self {
            client_id,
            secret: Some(secret),
            method: Method::Basic,
        }
    }

    /// Whether these credentials authenticate `client`. A client with
    /// `token_endpoint_auth_method: none` is public and needs no secret.
    pub fn authenticates(&self, client: &Client) -> bool {
        if client.id != self.client_id {
            return false;
        }
        match &self.secret {
            Some(secret) => constant_time_eq(secret.as_bytes(), client.secret.expose().as_bytes()),
            None => client.token_endpoint_auth_method == "none",
        }
    }
}

/// Compares without an early exit, so timing does not reveal a prefix of the secret.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderValue, StatusCode};

    use super::*;

    fn headers(authorization: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(authorization).unwrap(),
        );
        h
    }

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn basic_credentials_are_decoded() {
        let h = headers(&format!("Basic {}", STANDARD.encode("abc:s%3Acret")));
        let creds = from_request(&h, &[]).unwrap();
        assert_eq!(creds.client_id, "abc");
        assert_eq!(creds.secret.as_deref(), Some("s:cret"));
        assert_eq!(creds.method, Method::Basic);
        assert!(!format!("{creds:?}").contains("cret"));
    }

    #[test]
    fn post_credentials_and_missing_client_id() {
        let creds = from_request(
            &HeaderMap::new(),
            &form(&[("client_id", "abc"), ("client_secret", "s")]),
        )
        .unwrap();
        assert_eq!(
            (creds.client_id.as_str(), creds.method),
            ("abc", Method::Post)
        );
        let err = from_request(&HeaderMap::new(), &form(&[("client_secret", "s")])).unwrap_err();
        assert_eq!(err.error, "invalid_request");
    }

    #[test]
    fn two_methods_at_once_are_refused() {
        let h = headers(&format!("Basic {}", STANDARD.encode("abc:s")));
        let err = from_request(&h, &form(&[("client_secret", "s")])).unwrap_err();
        assert_eq!(err.error, "invalid_request");
        let err = from_request(&h, &form(&[("client_id", "other")])).unwrap_err();
        assert_eq!(err.error, "invalid_request");
    }

    #[test]
    fn malformed_basic_is_invalid_client_with_a_challenge() {
        let err = from_request(&headers("Basic !!!"), &[]).unwrap_err();
        assert_eq!(
            (err.error, err.status),
            ("invalid_client", StatusCode::UNAUTHORIZED)
        );
        assert!(err.basic_challenge);
    }

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
