//! [`verify`]: decodes a JWT and verifies its signature against its issuer's JWKS, found
//! through `<iss>/.well-known/openid-configuration`, before any claim is trusted or shown.
//!
//! Only asymmetric RSA algorithms are accepted (RS256/384/512, PS256/384/512): never `none`,
//! and never an HMAC algorithm, which would let a public key be used as a shared secret.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use jsonwebtoken::Algorithm;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet};
use serde_json::Value;

use crate::http::{HttpClient, Prepared};
use crate::jws::{self, RsaPublicKey};

/// Longest token accepted; anything larger is refused before decoding.
const MAX_TOKEN_LEN: usize = 16 * 1024;

/// Clock skew allowed for `exp`/`nbf`, in seconds.
const LEEWAY_SECS: u64 = 5;

/// A token whose signature verified.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedToken {
    /// The JOSE header as sent.
    pub header: Value,
    /// The claims.
    pub claims: Value,
}

pub use crate::outcome::ClaimsCode;

/// Why a token was refused. Never holds the token itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ClaimsError {
    /// Stable code (`claims::malformed`, `claims::algorithm`, `claims::discovery`,
    /// `claims::unknown_key`, `claims::signature`, `claims::expired`, …).
    pub code: ClaimsCode,
    /// Lowercase fragment.
    pub message: String,
}

fn err(code: ClaimsCode, message: impl Into<String>) -> ClaimsError {
    ClaimsError {
        code,
        message: message.into(),
    }
}

/// The algorithms docflow accepts: the RSA ones, as [`crate::jws`] defines them.
pub const ALLOWED: &[Algorithm] = &crate::jws::RSA_ALGORITHMS;

/// Decodes the parts of a compact JWS without verifying it: `(header, claims)`.
pub fn decode_unverified(token: &str) -> Result<(Value, Value), ClaimsError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(err(ClaimsCode::Malformed, "token is larger than 16 KiB"));
    }
    let parts: Vec<&str> = token.split('.').collect();
    let [header, payload, _signature] = parts.as_slice() else {
        return Err(err(
            ClaimsCode::Malformed,
            format!("expected 3 dot-separated parts, found {}", parts.len()),
        ));
    };
    let decode = |part: &str, what: &str| -> Result<Value, ClaimsError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| err(ClaimsCode::Malformed, format!("{what} is not base64url")))?;
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|_| err(ClaimsCode::Malformed, format!("{what} is not JSON")))?;
        if value.is_object() {
            Ok(value)
        } else {
            Err(err(
                ClaimsCode::Malformed,
                format!("{what} is not a JSON object"),
            ))
        }
    };
    Ok((decode(header, "header")?, decode(payload, "payload")?))
}

/// Verifies `token` against the JWKS of the issuer named in its `iss` claim. `expected_iss`,
/// when given, must equal `iss` (so a hostile token cannot make docflow fetch an arbitrary
/// URL).
pub async fn verify(
    token: &str,
    expected_iss: Option<&str>,
    http: &HttpClient,
) -> Result<VerifiedToken, ClaimsError> {
    let (header, claims) = decode_unverified(token)?;
    let alg = allowed_algorithm(&header)?;
    let iss = checked_issuer(&claims, expected_iss)?;
    let jwks = issuer_jwks(iss, http).await?;
    let key = rsa_key(signing_jwk(&jwks, &header)?)?;
    let parts = jws::split(token)
        .ok_or_else(|| err(ClaimsCode::Malformed, "the signature is not base64url"))?;
    if !key.verify(alg, parts.signing_input.as_bytes(), &parts.signature) {
        return Err(err(ClaimsCode::Signature, "signature does not verify"));
    }
    check_validity(&claims, iss, now())?;
    Ok(VerifiedToken { header, claims })
}

/// The header's `alg`, if it is one of [`ALLOWED`].
fn allowed_algorithm(header: &Value) -> Result<Algorithm, ClaimsError> {
    let alg_name = header.get("alg").and_then(Value::as_str).unwrap_or("");
    ALLOWED
        .iter()
        .copied()
        .find(|a| format!("{a:?}") == alg_name)
        .ok_or_else(|| {
            err(
                ClaimsCode::Algorithm,
                format!(
                    "algorithm `{alg_name}` is not allowed (RS256/384/512, PS256/384/512 only)"
                ),
            )
        })
}

/// The token's `iss`: the expected issuer when one is given, and an http(s) URL.
fn checked_issuer<'a>(
    claims: &'a Value,
    expected_iss: Option<&str>,
) -> Result<&'a str, ClaimsError> {
    let iss = claims
        .get("iss")
        .and_then(Value::as_str)
        .ok_or_else(|| err(ClaimsCode::Malformed, "token has no `iss` claim"))?;
    if let Some(expected) = expected_iss
        && expected.trim_end_matches('/') != iss.trim_end_matches('/')
    {
        return Err(err(
            ClaimsCode::Issuer,
            format!("`iss` is not the expected issuer `{expected}`"),
        ));
    }
    if !(iss.starts_with("http://") || iss.starts_with("https://")) {
        return Err(err(ClaimsCode::Issuer, "`iss` is not an http(s) URL"));
    }
    Ok(iss)
}

/// The issuer's JWKS, found through its discovery document, whose `issuer` must be `iss`.
async fn issuer_jwks(iss: &str, http: &HttpClient) -> Result<JwkSet, ClaimsError> {
    let discovery_url = format!(
        "{}/.well-known/openid-configuration",
        iss.trim_end_matches('/')
    );
    let discovery = get_json(http, &discovery_url).await?;
    if discovery
        .get("issuer")
        .and_then(Value::as_str)
        .map(|s| s.trim_end_matches('/'))
        != Some(iss.trim_end_matches('/'))
    {
        return Err(err(
            ClaimsCode::Discovery,
            "the discovery document's `issuer` differs from the token's `iss`",
        ));
    }
    let jwks_uri = discovery
        .get("jwks_uri")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            err(
                ClaimsCode::Discovery,
                "the discovery document has no `jwks_uri`",
            )
        })?;
    serde_json::from_value(get_json(http, jwks_uri).await?)
        .map_err(|e| err(ClaimsCode::Discovery, format!("the JWKS is not valid: {e}")))
}

/// The key the header's `kid` names (with no `kid`, the JWKS's only key).
fn signing_jwk<'a>(jwks: &'a JwkSet, header: &Value) -> Result<&'a Jwk, ClaimsError> {
    let kid = header.get("kid").and_then(Value::as_str);
    match kid {
        Some(kid) => jwks.find(kid),
        None if jwks.keys.len() == 1 => jwks.keys.first(),
        None => None,
    }
    .ok_or_else(|| {
        err(
            ClaimsCode::UnknownKey,
            format!(
                "no key with `kid` {:?} in the issuer's JWKS",
                kid.unwrap_or("")
            ),
        )
    })
}

/// The JWK's RSA key, parsed once per process: the runner verifies many tokens of the same
/// issuers, and a key is identified by its modulus and exponent, whoever serves it.
fn rsa_key(jwk: &Jwk) -> Result<Arc<RsaPublicKey>, ClaimsError> {
    type Keys = Mutex<HashMap<(String, String), Arc<RsaPublicKey>>>;
    static KEYS: OnceLock<Keys> = OnceLock::new();
    /// Enough for every issuer of a long run; beyond it the cache starts again.
    const MAX_KEYS: usize = 1024;
    let AlgorithmParameters::RSA(rsa) = &jwk.algorithm else {
        return Err(err(
            ClaimsCode::UnknownKey,
            "the JWKS key is not an RSA key",
        ));
    };
    let id = (rsa.n.clone(), rsa.e.clone());
    let keys = KEYS.get_or_init(Mutex::default);
    let mut keys = keys.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(key) = keys.get(&id) {
        return Ok(Arc::clone(key));
    }
    let key = RsaPublicKey::from_jwk_components(&rsa.n, &rsa.e)
        .map(Arc::new)
        .ok_or_else(|| {
            err(
                ClaimsCode::UnknownKey,
                "the JWKS key is unusable: `n` or `e` is not base64url",
            )
        })?;
    if keys.len() >= MAX_KEYS {
        keys.clear();
    }
    keys.insert(id, Arc::clone(&key));
    Ok(key)
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// The checks on a token whose signature verified: `exp` and `iss` present, `iss` the
/// issuer, not expired and not before `nbf`, with [`LEEWAY_SECS`].
fn check_validity(claims: &Value, iss: &str, now: i64) -> Result<(), ClaimsError> {
    let leeway = LEEWAY_SECS as i64;
    let number = |name: &str| claims.get(name).and_then(Value::as_f64).map(|n| n as i64);
    let exp = number("exp").ok_or_else(|| {
        err(
            ClaimsCode::Invalid,
            "token rejected: `exp` is missing or not a number",
        )
    })?;
    if claims.get("iss").and_then(Value::as_str) != Some(iss) {
        return Err(err(ClaimsCode::Issuer, "`iss` does not match"));
    }
    if exp < now - leeway {
        return Err(err(ClaimsCode::Expired, "token has expired"));
    }
    if let Some(nbf) = number("nbf")
        && nbf > now + leeway
    {
        return Err(err(
            ClaimsCode::NotYetValid,
            "token is not valid yet (`nbf`)",
        ));
    }
    Ok(())
}

async fn get_json(http: &HttpClient, url: &str) -> Result<Value, ClaimsError> {
    let received = http
        .send(&Prepared {
            method: "GET".to_owned(),
            url: url.to_owned(),
            headers: vec![("Accept".to_owned(), "application/json".to_owned())],
            body: None,
        })
        .await
        .map_err(|e| err(ClaimsCode::Discovery, format!("cannot fetch `{url}`: {e}")))?;
    if received.status != 200 {
        return Err(err(
            ClaimsCode::Discovery,
            format!("`{url}` answered {}", received.status),
        ));
    }
    serde_json::from_slice(&received.body).map_err(|_| {
        err(
            ClaimsCode::Discovery,
            format!("`{url}` did not answer JSON"),
        )
    })
}

/// Checks the run-varying claims before they are redacted: `exp - iat` equals `lifetime`
/// (when given), `nbf` is not after `iat`, and `jti` (when present) is a UUID.
pub fn check_time_claims(claims: &Value, lifetime: Option<u64>) -> Result<(), ClaimsError> {
    let int = |name: &str| claims.get(name).and_then(Value::as_u64);
    if let (Some(expected), Some(iat), Some(exp)) = (lifetime, int("iat"), int("exp"))
        && exp.saturating_sub(iat) != expected
    {
        return Err(err(
            ClaimsCode::Lifetime,
            format!(
                "`exp - iat` is {}s, expected {expected}s",
                exp.saturating_sub(iat)
            ),
        ));
    }
    if lifetime.is_some() && (int("iat").is_none() || int("exp").is_none()) {
        return Err(err(ClaimsCode::Lifetime, "token lacks `iat` or `exp`"));
    }
    if let (Some(nbf), Some(iat)) = (int("nbf"), int("iat"))
        && nbf > iat + LEEWAY_SECS
    {
        return Err(err(ClaimsCode::NotYetValid, "`nbf` is after `iat`"));
    }
    if let Some(jti) = claims.get("jti")
        && !jti.as_str().is_some_and(crate::redact::is_uuid)
    {
        return Err(err(ClaimsCode::Jti, "`jti` is not a UUID"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn b64(v: &Value) -> String {
        URL_SAFE_NO_PAD.encode(v.to_string())
    }

    #[test]
    fn malformed_tokens_are_refused_without_panic() {
        for t in ["", "a", "a.b", "a.b.c.d", "!!.??.x", &"a".repeat(20_000)] {
            assert_eq!(
                decode_unverified(t).unwrap_err().code,
                ClaimsCode::Malformed,
                "{t:.20}"
            );
        }
        let not_object = format!("{}.{}.s", b64(&json!([1])), b64(&json!({})));
        assert!(decode_unverified(&not_object).is_err());
    }

    #[tokio::test]
    async fn none_and_hmac_are_refused_before_any_fetch() {
        let http = HttpClient::new(std::time::Duration::from_secs(1), Default::default()).unwrap();
        for alg in ["none", "HS256", "ES256"] {
            let t = format!(
                "{}.{}.",
                b64(&json!({"alg": alg})),
                b64(&json!({"iss": "http://127.0.0.1:9/x"}))
            );
            assert_eq!(
                verify(&t, None, &http).await.unwrap_err().code,
                ClaimsCode::Algorithm
            );
        }
    }

    #[test]
    fn validity_after_the_signature() {
        let iss = "https://i";
        let ok = json!({"iss": iss, "exp": 200, "nbf": 100});
        assert!(check_validity(&ok, iss, 150).is_ok());
        assert!(check_validity(&ok, iss, 204).is_ok(), "leeway");
        let code = |claims: Value, now| check_validity(&claims, iss, now).unwrap_err().code;
        assert_eq!(code(ok.clone(), 206), "claims::expired");
        assert_eq!(code(ok, 94), "claims::not_yet_valid");
        assert_eq!(code(json!({"iss": iss}), 150), "claims::invalid");
        assert_eq!(
            code(json!({"iss": "https://j", "exp": 200}), 150),
            "claims::issuer"
        );
        assert_eq!(code(json!({"exp": 200}), 150), "claims::issuer");
    }

    #[test]
    fn time_claims_are_checked() {
        let ok = json!({"iat": 100, "exp": 3700, "nbf": 100, "jti": "370cab31-31f4-44da-b0dc-74577b8a5a81"});
        assert!(check_time_claims(&ok, Some(3600)).is_ok());
        assert_eq!(
            check_time_claims(&ok, Some(300)).unwrap_err().code,
            ClaimsCode::Lifetime
        );
        let bad_jti = json!({"iat": 1, "exp": 2, "jti": "x"});
        assert_eq!(
            check_time_claims(&bad_jti, None).unwrap_err().code,
            ClaimsCode::Jti
        );
    }
}
