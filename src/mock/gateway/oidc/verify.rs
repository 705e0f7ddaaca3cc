//! JWT access-token verification: [`verify`] checks the signature against the issuer's keys
//! and the standard claims Kong checks for access tokens: `iss` (must equal the discovery
//! `issuer`, a trailing slash ignored, or be in `issuers_allowed`), and `exp`, `nbf`, `iat`,
//! each only if present, with `leeway`. `aud` is not checked here: Kong checks it only
//! through `audience_required`. [`Rejection`] says why a token failed.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, Validation, decode, decode_header};
use serde_json::Value;

use super::config::OidcConfig;
use super::issuer::{KeySet, VerifyKey};
use crate::jws;

/// Why a token was rejected; the text is what `display_errors` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// The key id is not in the key set (the caller may refresh the keys and retry).
    UnknownKey,
    /// Any other failure, with its reason.
    Invalid(String),
}

/// Whether `token` has the shape of a JWS (three dot-separated parts).
pub fn looks_like_jwt(token: &str) -> bool {
    token.split('.').count() == 3
}

fn strip_slash(s: &str) -> &str {
    s.strip_suffix('/').unwrap_or(s)
}

/// Verifies `token` and returns its claims.
pub fn verify(
    token: &str,
    keys: &KeySet,
    config: &OidcConfig,
    issuer: &str,
    now: i64,
) -> Result<Value, Rejection> {
    let invalid = |reason: &str| Rejection::Invalid(reason.to_owned());
    let header = decode_header(token).map_err(|_| invalid("invalid jwt token"))?;
    let claims: Value = if config.verify_signature {
        // HMAC and `none` are never accepted: the plugin verifies with the provider's
        // published public keys (`enable_hs_signatures` is off by default).
        if matches!(
            header.alg,
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
        ) {
            return Err(invalid("invalid jwt token signing algorithm"));
        }
        let candidates: Vec<_> = match &header.kid {
            Some(kid) => keys
                .keys
                .iter()
                .filter(|k| k.kid.as_deref() == Some(kid.as_str()))
                .collect(),
            None => keys.keys.iter().collect(),
        };
        if candidates.is_empty() {
            return Err(if header.kid.is_some() {
                Rejection::UnknownKey
            } else {
                invalid("no suitable jwk was found for signature verification")
            });
        }
        // The same token and the same keys verify the same way: only a token these keys
        // never saw costs an RSA verification.
        if let Some(claims) = keys.verified.get(token) {
            claims
        } else {
            let mut validation = Validation::new(header.alg);
            validation.required_spec_claims.clear();
            validation.validate_exp = false;
            validation.validate_nbf = false;
            validation.validate_aud = false;
            validation.leeway = 0;
            let claims = candidates
                .iter()
                .filter(|k| k.alg.is_none_or(|a| a == header.alg))
                .find_map(|k| verify_with(token, k, header.alg, &validation))
                .ok_or_else(|| invalid("invalid jwt token signature"))?;
            keys.verified.insert(token, &claims);
            claims
        }
    } else {
        let payload = token.split('.').nth(1).unwrap_or("");
        URL_SAFE_NO_PAD
            .decode(payload)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| invalid("invalid jwt token"))?
    };
    if !claims.is_object() {
        return Err(invalid("invalid jwt token"));
    }
    if config.verify_claims {
        check_claims(&claims, config, issuer, now).map_err(Rejection::Invalid)?;
    }
    Ok(claims)
}

/// The claims of `token` if `key` verifies it. RSA keys use their kept aws-lc form (no key
/// parsing per token); any other key type goes through `jsonwebtoken`.
fn verify_with(
    token: &str,
    key: &VerifyKey,
    alg: Algorithm,
    validation: &Validation,
) -> Option<Value> {
    match &key.rsa {
        Some(rsa) if jws::is_rsa(alg) => {
            let parts = jws::split(token)?;
            if !rsa.verify(alg, parts.signing_input.as_bytes(), &parts.signature) {
                return None;
            }
            let payload = URL_SAFE_NO_PAD.decode(parts.payload).ok()?;
            serde_json::from_slice(&payload).ok()
        }
        _ => decode::<Value>(token, &key.key, validation)
            .ok()
            .map(|data| data.claims),
    }
}

/// A leeway in whole seconds: negative, NaN and fractions drop, huge values saturate
/// (`as` from a float saturates).
pub fn leeway_seconds(leeway: f64) -> i64 {
    if leeway.is_nan() {
        0
    } else {
        leeway.max(0.0) as i64
    }
}

/// The standard claim checks, on already trusted claims.
pub fn check_claims(
    claims: &Value,
    config: &OidcConfig,
    issuer: &str,
    now: i64,
) -> Result<(), String> {
    // Kong's leeway is a number of seconds; fractions do not matter at this resolution.
    // Every sum below saturates: claims and leeway are the client's (`exp` ≥ 2^63 or a
    // leeway of 1e300 must neither panic nor wrap into "expired").
    let leeway = leeway_seconds(config.leeway);
    if let Some(iss) = claims.get("iss") {
        let iss = iss.as_str().ok_or("invalid issuer")?;
        let allowed = strip_slash(iss) == strip_slash(issuer)
            || config
                .issuers_allowed
                .iter()
                .flatten()
                .any(|a| strip_slash(a) == strip_slash(iss));
        if !allowed {
            return Err(format!("invalid issuer ({iss})"));
        }
    }
    let number = |name: &str| -> Result<Option<i64>, String> {
        match claims.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_f64()
                .map(|n| Some(n as i64))
                .ok_or_else(|| format!("invalid {name} claim")),
        }
    };
    if let Some(exp) = number("exp")?
        && now > exp.saturating_add(leeway)
    {
        return Err("token has expired".into());
    }
    if let Some(nbf) = number("nbf")?
        && now.saturating_add(leeway) < nbf
    {
        return Err("token is not valid yet".into());
    }
    if let Some(iat) = number("iat")?
        && now.saturating_add(leeway) < iat
    {
        return Err("token was issued in the future".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::control_planes::oidc_schema;
    use serde_json::json;

    fn config(extra: Value) -> OidcConfig {
        let mut raw = json!({"issuer": "https://i.example/auth"});
        if let (Value::Object(r), Value::Object(e)) = (&mut raw, extra) {
            r.extend(e);
        }
        OidcConfig::from_config(&oidc_schema::validate(Some(&raw)).unwrap()).unwrap()
    }

    #[test]
    fn issuer_must_match_ignoring_a_trailing_slash_or_be_allowed() {
        let c = config(json!({}));
        let issuer = "https://i.example/auth";
        assert!(check_claims(&json!({"iss": "https://i.example/auth/"}), &c, issuer, 0).is_ok());
        assert!(check_claims(&json!({"iss": "https://evil/auth"}), &c, issuer, 0).is_err());
        let allowed = config(json!({"issuers_allowed": ["https://evil/auth"]}));
        assert!(check_claims(&json!({"iss": "https://evil/auth"}), &allowed, issuer, 0).is_ok());
    }

    #[test]
    fn time_claims_with_leeway_and_only_if_present() {
        let c = config(json!({}));
        let i = "https://i.example/auth";
        assert!(check_claims(&json!({}), &c, i, 100).is_ok());
        assert!(check_claims(&json!({"exp": 100}), &c, i, 100).is_ok());
        assert!(check_claims(&json!({"exp": 99}), &c, i, 100).is_err());
        assert!(check_claims(&json!({"nbf": 101}), &c, i, 100).is_err());
        assert!(check_claims(&json!({"iat": 101}), &c, i, 100).is_err());
        let lenient = config(json!({"leeway": 5}));
        assert!(check_claims(&json!({"exp": 96, "nbf": 104}), &lenient, i, 100).is_ok());
        assert!(check_claims(&json!({"exp": "soon"}), &c, i, 100).is_err());
    }

    #[test]
    fn huge_claims_and_leeway_neither_panic_nor_wrap() {
        let (c, i) = (config(json!({})), "https://issuer");
        // 2^63 and beyond saturate to "far future": valid, not expired.
        assert!(check_claims(&json!({"exp": 9.3e18}), &c, i, 100).is_ok());
        assert!(check_claims(&json!({"exp": 1e300}), &c, i, 100).is_ok());
        assert!(check_claims(&json!({"exp": u64::MAX}), &c, i, 100).is_ok());
        assert!(check_claims(&json!({"nbf": 1e300}), &c, i, 100).is_err());
        assert!(check_claims(&json!({"exp": -1e300}), &c, i, 100).is_err());
        let huge = config(json!({"leeway": 1e300}));
        assert!(check_claims(&json!({"exp": 1, "nbf": 1e18, "iat": 1e18}), &huge, i, 100).is_ok());
        assert!(check_claims(&json!({"exp": 9.3e18}), &huge, i, i64::MAX).is_ok());
    }

    #[test]
    fn shapes() {
        assert!(looks_like_jwt("a.b.c"));
        assert!(!looks_like_jwt("opaque-token"));
        let keys = KeySet {
            keys: vec![],
            fetched_at: std::time::Instant::now(),
            verified: Default::default(),
        };
        let c = config(json!({}));
        assert!(matches!(
            verify("not-a-jwt", &keys, &c, "i", 0),
            Err(Rejection::Invalid(_))
        ));
    }
}
