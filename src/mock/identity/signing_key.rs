//! [`SigningKey`]: an auth server's RSA 2048 key pair with a stable `kid`, kept in aws-lc-rs's
//! parsed form (signing a token costs the RSA operation only), and its public JWK.
//!
//! Keys are generated ahead by [`super::key_pool`], since generating one takes tens of
//! milliseconds and creating an auth server should cost what creating a service costs.
//!
//! One key serves every RSA algorithm the auth server may be switched to (`RS256` … `PS512`),
//! so changing `signing_algorithm` keeps the `kid` and the JWKS entry changes only its `alg`.

use std::fmt;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{KeyPair as _, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value, json};

use crate::jws;

/// An auth server's signing key. `Debug` prints only the `kid`.
pub struct SigningKey {
    kid: String,
    pair: RsaKeyPair,
    decoding: DecodingKey,
    n: String,
    e: String,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({})", self.kid)
    }
}

/// A JWS part: base64url of the compact JSON.
fn jws_part<T: serde::Serialize>(value: &T) -> Result<String, jsonwebtoken::errors::Error> {
    let bytes = serde_json::to_vec(value)
        .map_err(|e| jsonwebtoken::errors::ErrorKind::Json(std::sync::Arc::new(e)))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The `jsonwebtoken` algorithm for a `signing_algorithm` value, if it is one of the six RSA
/// algorithms the API allows.
pub fn algorithm(name: &str) -> Option<Algorithm> {
    Some(match name {
        "RS256" => Algorithm::RS256,
        "RS384" => Algorithm::RS384,
        "RS512" => Algorithm::RS512,
        "PS256" => Algorithm::PS256,
        "PS384" => Algorithm::PS384,
        "PS512" => Algorithm::PS512,
        _ => return None,
    })
}

impl SigningKey {
    /// Generates a fresh RSA 2048 key with a UUID `kid`. CPU-bound (tens of milliseconds):
    /// take keys from [`super::key_pool`], which calls this off the request path.
    pub fn generate() -> Result<Self, String> {
        let pair = RsaKeyPair::generate(KeySize::Rsa2048)
            .map_err(|e| format!("failed to generate an RSA key: {e}"))?;
        Ok(Self::with_fresh_kid(pair))
    }

    /// A key from a PKCS#8 DER RSA private key (a bundled test key), with a fresh UUID `kid`.
    /// Parsing costs well under a millisecond, against tens for a generation.
    pub fn from_pkcs8(der: &[u8]) -> Result<Self, String> {
        let pair = RsaKeyPair::from_pkcs8(der)
            .map_err(|e| format!("not a usable PKCS#8 RSA key: {e}"))?;
        if pair.public_modulus_len() < 256 {
            return Err("the RSA key is shorter than 2048 bits".to_owned());
        }
        Ok(Self::with_fresh_kid(pair))
    }

    fn with_fresh_kid(pair: RsaKeyPair) -> Self {
        let public = pair.public_key();
        let n = public.modulus().big_endian_without_leading_zero().to_vec();
        let e = public.exponent().big_endian_without_leading_zero().to_vec();
        Self {
            kid: uuid::Uuid::new_v4().to_string(),
            decoding: DecodingKey::from_rsa_raw_components(&n, &e),
            n: URL_SAFE_NO_PAD.encode(&n),
            e: URL_SAFE_NO_PAD.encode(&e),
            pair,
        }
    }

    /// The key id in token headers and the JWKS.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public JWK, advertised for `alg`.
    pub fn jwk(&self, alg: &str) -> Value {
        json!({
            "kty": "RSA",
            "use": "sig",
            "alg": alg,
            "kid": self.kid,
            "n": self.n,
            "e": self.e,
        })
    }

    /// Signs `claims` with header `{"typ":"JWT","alg":…,"kid":…}`.
    pub fn sign(
        &self,
        alg: Algorithm,
        claims: &Map<String, Value>,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        use jsonwebtoken::errors::ErrorKind;
        let encoding = jws::signing_encoding(alg)
            .ok_or_else(|| ErrorKind::Signing(format!("`{alg:?}` is not an RSA algorithm")))?;
        let header = json!({"typ": "JWT", "alg": alg, "kid": self.kid});
        let input = format!("{}.{}", jws_part(&header)?, jws_part(claims)?);
        let mut signature = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(
                encoding,
                &SystemRandom::new(),
                input.as_bytes(),
                &mut signature,
            )
            .map_err(|e| ErrorKind::Signing(e.to_string()))?;
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }

    /// Verifies a token this key signed: RSA algorithm, matching `kid`, valid signature,
    /// `iss` equal to `issuer`, not expired (no leeway). Returns its claims.
    pub fn verify(
        &self,
        token: &str,
        issuer: &str,
    ) -> Result<Map<String, Value>, jsonwebtoken::errors::Error> {
        use jsonwebtoken::errors::ErrorKind;
        let header = jsonwebtoken::decode_header(token)?;
        if !jws::is_rsa(header.alg) {
            return Err(ErrorKind::InvalidAlgorithm.into());
        }
        if header.kid.as_deref() != Some(self.kid.as_str()) {
            return Err(ErrorKind::InvalidKeyFormat.into());
        }
        let mut validation = Validation::new(header.alg);
        validation.leeway = 0;
        validation.validate_aud = false;
        validation.validate_nbf = true;
        validation.set_issuer(&[issuer]);
        jsonwebtoken::decode::<Map<String, Value>>(token, &self.decoding, &validation)
            .map(|data| data.claims)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use super::*;

    fn key() -> &'static SigningKey {
        static KEY: OnceLock<SigningKey> = OnceLock::new();
        KEY.get_or_init(|| SigningKey::generate().unwrap())
    }

    fn claims(exp_offset: i64) -> Map<String, Value> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        json!({"iss": "https://issuer", "iat": now, "nbf": now, "exp": now + exp_offset})
            .as_object()
            .unwrap()
            .clone()
    }

    #[test]
    fn signs_and_verifies_with_every_allowed_algorithm() {
        for name in super::super::model::SIGNING_ALGORITHMS {
            let alg = algorithm(name).unwrap();
            let token = key().sign(alg, &claims(60)).unwrap();
            let header = jsonwebtoken::decode_header(&token).unwrap();
            assert_eq!(header.alg, alg);
            assert_eq!(header.typ.as_deref(), Some("JWT"));
            assert_eq!(header.kid.as_deref(), Some(key().kid()));
            assert_eq!(
                key().verify(&token, "https://issuer").unwrap()["iss"],
                "https://issuer"
            );
        }
    }

    #[test]
    fn rejects_tampering_expiry_and_foreign_issuers() {
        let token = key().sign(Algorithm::RS256, &claims(60)).unwrap();
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let mut payload = claims(60);
        payload.insert("scope".into(), json!("admin"));
        parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).unwrap());
        assert!(key().verify(&parts.join("."), "https://issuer").is_err());
        assert!(key().verify(&token, "https://other").is_err());
        let expired = key().sign(Algorithm::RS256, &claims(-1)).unwrap();
        assert!(key().verify(&expired, "https://issuer").is_err());
        assert!(key().verify("not-a-token", "https://issuer").is_err());
    }

    #[test]
    fn jwk_verifies_what_the_key_signs() {
        let token = key().sign(Algorithm::PS384, &claims(60)).unwrap();
        let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(key().jwk("PS384")).unwrap();
        let decoding = DecodingKey::from_jwk(&jwk).unwrap();
        let mut validation = Validation::new(Algorithm::PS384);
        validation.validate_aud = false;
        assert!(jsonwebtoken::decode::<Value>(&token, &decoding, &validation).is_ok());
        assert!(uuid::Uuid::parse_str(key().kid()).is_ok());
        assert!(!format!("{:?}", key()).contains(&key().n));
    }
}
