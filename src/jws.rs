//! RSA JWS primitives on aws-lc-rs, shared by the mock (signing, the gateway's verification)
//! and the runner's token checks: the six RSA algorithms' parameters ([`signing_encoding`],
//! [`verification_params`]), a compact token's parts ([`split`]), and [`RsaPublicKey`], a
//! public key parsed once per algorithm and kept, so verifying a token costs the RSA
//! operation only (building the key from `n` and `e` per token is what `jsonwebtoken` does).

use std::fmt;
use std::sync::OnceLock;

use aws_lc_rs::signature::{
    self, ParsedPublicKey, RsaEncoding, RsaParameters, RsaPublicKeyComponents,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;

/// The six RSA algorithms in a fixed order (the index of a parsed key's slot): the only ones
/// docflow signs with or accepts.
pub const RSA_ALGORITHMS: [Algorithm; 6] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
];

/// Whether `alg` is one of the six RSA algorithms (RS256 … PS512).
pub fn is_rsa(alg: Algorithm) -> bool {
    RSA_ALGORITHMS.contains(&alg)
}

/// The aws-lc-rs signing encoding of an RSA algorithm (PSS salts as long as the digest, as
/// RFC 7518 §3.5 requires).
pub fn signing_encoding(alg: Algorithm) -> Option<&'static dyn RsaEncoding> {
    Some(match alg {
        Algorithm::RS256 => &signature::RSA_PKCS1_SHA256,
        Algorithm::RS384 => &signature::RSA_PKCS1_SHA384,
        Algorithm::RS512 => &signature::RSA_PKCS1_SHA512,
        Algorithm::PS256 => &signature::RSA_PSS_SHA256,
        Algorithm::PS384 => &signature::RSA_PSS_SHA384,
        Algorithm::PS512 => &signature::RSA_PSS_SHA512,
        _ => return None,
    })
}

/// The aws-lc-rs verification parameters of an RSA algorithm (2048 to 8192-bit keys).
pub fn verification_params(alg: Algorithm) -> Option<&'static RsaParameters> {
    Some(match alg {
        Algorithm::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
        Algorithm::RS384 => &signature::RSA_PKCS1_2048_8192_SHA384,
        Algorithm::RS512 => &signature::RSA_PKCS1_2048_8192_SHA512,
        Algorithm::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
        Algorithm::PS384 => &signature::RSA_PSS_2048_8192_SHA384,
        Algorithm::PS512 => &signature::RSA_PSS_2048_8192_SHA512,
        _ => return None,
    })
}

/// A compact JWS split for verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parts<'a> {
    /// `header.payload`, the bytes the signature covers.
    pub signing_input: &'a str,
    /// The payload, still base64url.
    pub payload: &'a str,
    /// The decoded signature.
    pub signature: Vec<u8>,
}

/// Splits a compact JWS into what its signature covers and the decoded signature; `None` when
/// it is not three base64url parts.
pub fn split(token: &str) -> Option<Parts<'_>> {
    let (signing_input, signature) = token.rsplit_once('.')?;
    let (_header, payload) = signing_input.split_once('.')?;
    if payload.contains('.') {
        return None;
    }
    let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
    Some(Parts {
        signing_input,
        payload,
        signature,
    })
}

/// An RSA public key from a JWK's `n` and `e`, parsed into aws-lc's form the first time each
/// algorithm uses it and kept for every later verification.
pub struct RsaPublicKey {
    n: Vec<u8>,
    e: Vec<u8>,
    parsed: [OnceLock<Option<ParsedPublicKey>>; 6],
}

impl fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RsaPublicKey({} bits)", self.n.len() * 8)
    }
}

impl RsaPublicKey {
    /// A key from big-endian `n` and `e`.
    pub fn new(n: &[u8], e: &[u8]) -> Self {
        // Leading zero bytes are legal in a JWK but refused by aws-lc's component parser.
        let trim = |b: &[u8]| {
            let start = b.iter().position(|&x| x != 0).unwrap_or(b.len());
            b[start..].to_vec()
        };
        Self {
            n: trim(n),
            e: trim(e),
            parsed: Default::default(),
        }
    }

    /// A key from a JWK's base64url `n` and `e`; `None` when either is not base64url.
    pub fn from_jwk_components(n: &str, e: &str) -> Option<Self> {
        let n = URL_SAFE_NO_PAD.decode(n).ok()?;
        let e = URL_SAFE_NO_PAD.decode(e).ok()?;
        Some(Self::new(&n, &e))
    }

    /// The modulus, big-endian without leading zeros.
    pub fn modulus(&self) -> &[u8] {
        &self.n
    }

    /// The exponent, big-endian without leading zeros.
    pub fn exponent(&self) -> &[u8] {
        &self.e
    }

    /// Whether `signature` is `alg`'s valid signature of `message` by this key. A key aws-lc
    /// refuses (too short, inconsistent) verifies nothing.
    pub fn verify(&self, alg: Algorithm, message: &[u8], signature: &[u8]) -> bool {
        let Some(slot) = RSA_ALGORITHMS.iter().position(|a| *a == alg) else {
            return false;
        };
        let Some(params) = verification_params(alg) else {
            return false;
        };
        let parsed = self.parsed[slot].get_or_init(|| {
            RsaPublicKeyComponents {
                n: self.n.as_slice(),
                e: self.e.as_slice(),
            }
            .to_parsed_public_key(params)
            .ok()
        });
        parsed
            .as_ref()
            .is_some_and(|key| key.verify_sig(message, signature).is_ok())
    }
}

#[cfg(test)]
mod tests {
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::rsa::KeySize;
    use aws_lc_rs::signature::{KeyPair as _, RsaKeyPair};

    use super::*;

    fn key_pair() -> &'static RsaKeyPair {
        static KEY: OnceLock<RsaKeyPair> = OnceLock::new();
        KEY.get_or_init(|| RsaKeyPair::generate(KeySize::Rsa2048).unwrap())
    }

    fn sign(alg: Algorithm, message: &[u8]) -> Vec<u8> {
        let pair = key_pair();
        let mut out = vec![0; pair.public_modulus_len()];
        pair.sign(
            signing_encoding(alg).unwrap(),
            &SystemRandom::new(),
            message,
            &mut out,
        )
        .unwrap();
        out
    }

    fn public() -> RsaPublicKey {
        let public = key_pair().public_key();
        let mut n = vec![0];
        n.extend_from_slice(public.modulus().big_endian_without_leading_zero());
        RsaPublicKey::new(&n, public.exponent().big_endian_without_leading_zero())
    }

    #[test]
    fn verifies_every_rsa_algorithm_and_nothing_else() {
        let key = public();
        for alg in RSA_ALGORITHMS {
            let signature = sign(alg, b"a.b");
            assert!(key.verify(alg, b"a.b", &signature), "{alg:?}");
            assert!(!key.verify(alg, b"a.c", &signature), "{alg:?}");
        }
        let rs256 = sign(Algorithm::RS256, b"a.b");
        assert!(!key.verify(Algorithm::RS384, b"a.b", &rs256));
        assert!(!key.verify(Algorithm::HS256, b"a.b", &rs256));
        assert!(is_rsa(Algorithm::PS512) && !is_rsa(Algorithm::ES256));
    }

    #[test]
    fn unusable_keys_verify_nothing() {
        let short = RsaPublicKey::new(&[0xc3; 64], &[1, 0, 1]);
        assert!(!short.verify(Algorithm::RS256, b"a.b", &[0; 64]));
        assert!(RsaPublicKey::from_jwk_components("!!", "AQAB").is_none());
        assert!(!format!("{short:?}").contains("c3"));
    }

    #[test]
    fn splits_compact_tokens_only() {
        let parts = split("aGk.cGF5.AQID").unwrap();
        assert_eq!(parts.signing_input, "aGk.cGF5");
        assert_eq!(parts.payload, "cGF5");
        assert_eq!(parts.signature, [1, 2, 3]);
        assert!(split("a.b").is_none());
        assert!(split("a.b.c.AQID").is_none());
        assert!(split("a.b.!!").is_none());
    }
}
