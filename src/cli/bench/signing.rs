//! The "signing keys parsed once" claim, measured in-process: [`measure`] signs the same
//! access-token claims with a `jsonwebtoken::EncodingKey` built once, with one built from the
//! PEM for every token, and with an RSA key parsed once into `rsa`'s own signer, as the
//! mock's `SigningKey` keeps it. [`SigningFigures`] holds the medians.
//!
//! `jsonwebtoken`'s `rust_crypto` backend keeps an RSA `EncodingKey` as DER bytes and decodes
//! them again inside every `encode`: a kept `EncodingKey` saves only the PEM step, which is
//! why the mock signs with `rsa` signers instead.

use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs1::EncodeRsaPrivateKey as _;
use rsa::signature::{SignatureEncoding as _, Signer as _};
use serde_json::{Map, Value, json};

use super::drive::percentile;
use super::report::{Kind, Report, Target, duration, ms, round2};

/// Median time per token of each variant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SigningFigures {
    /// Tokens signed per variant.
    pub(crate) signatures: usize,
    /// `EncodingKey` built once, `jsonwebtoken::encode` per token (the DER is decoded per token).
    pub(crate) stored: Duration,
    /// `EncodingKey::from_rsa_pem` and `encode` per token.
    pub(crate) parse_per_token: Duration,
    /// `rsa::pkcs1v15::SigningKey` parsed once; the same JWS built by hand per token (what the
    /// mock's `SigningKey` does).
    pub(crate) parsed_once: Duration,
}

impl SigningFigures {
    /// How much slower parsing the PEM for every token is than the stored key.
    pub(crate) fn parse_ratio(&self) -> f64 {
        ratio(self.parse_per_token, self.stored)
    }

    /// How much slower the stored `EncodingKey` is than a key parsed once.
    pub(crate) fn stored_ratio(&self) -> f64 {
        ratio(self.stored, self.parsed_once)
    }
}

impl SigningFigures {
    /// The table lines and a note on what "stored" means with `jsonwebtoken`.
    pub(crate) fn figures(&self, report: &mut Report) {
        report.figure(
            "sign_stored_ms",
            "sign, jsonwebtoken EncodingKey kept",
            format!("{:>9} per token", duration(self.stored)),
            json!(ms(self.stored)),
        );
        report.figure(
            "sign_parse_per_token_ms",
            "sign, EncodingKey from PEM per token",
            format!(
                "{:>9} per token  ({:.2}x the kept EncodingKey)",
                duration(self.parse_per_token),
                self.parse_ratio()
            ),
            json!(ms(self.parse_per_token)),
        );
        report.figure(
            "sign_parsed_once_ms",
            "sign, rsa signer kept (as the mock)",
            format!(
                "{:>9} per token  (the kept EncodingKey takes {:.2}x this)",
                duration(self.parsed_once),
                self.stored_ratio()
            ),
            json!(ms(self.parsed_once)),
        );
        report.note(
            "jsonwebtoken's rust_crypto backend keeps an RSA EncodingKey as DER bytes and \
             decodes them again inside every encode(), so a kept EncodingKey saves only the \
             PEM step; the mock keeps rsa's own signers, parsed once per auth server. The \
             RSA-2048 private-key operation dominates all three, so the saving is a few \
             percent, not a multiple",
        );
    }

    /// Parsing per token against the mock's signer parsed once (timing).
    pub(crate) fn targets(&self, report: &mut Report) {
        let times = ratio(self.parse_per_token, self.parsed_once);
        report.target(Target {
            text: format!(
                "signing with the key parsed per token vs the mock's signer parsed once: \
                 {times:.2}x slower"
            ),
            goal: "≥ 1.05x".into(),
            value: round2(times),
            kind: Kind::Timing,
            pass: times >= 1.05,
        });
    }
}

/// `a / b`, 0 when `b` is zero.
pub(crate) fn ratio(a: Duration, b: Duration) -> f64 {
    if b.is_zero() {
        0.0
    } else {
        a.as_secs_f64() / b.as_secs_f64()
    }
}

/// PEM of a PKCS#1 DER private key (`-----BEGIN RSA PRIVATE KEY-----`, 64-column lines).
fn pkcs1_pem(der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN RSA PRIVATE KEY-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str("-----END RSA PRIVATE KEY-----\n");
    pem
}

/// Claims shaped like an access token of the how-to's issuer.
fn claims() -> Map<String, Value> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = json!({
        "aud": ["http://myhttpbin.dev"],
        "client_id": "fxsn74prsnrcyskm",
        "exp": now + 3600,
        "iat": now,
        "iss": "http://127.0.0.1:8080/identity/wt3fgfqb8r7fktwe/auth",
        "jti": "2a2b6f0e-4c4e-4d53-9a43-3f7d1f8e0c11",
        "nbf": now,
        "scope": "my-scope",
        "sub": "fxsn74prsnrcyskm",
        "test-claim": "test",
    });
    match claims {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn header() -> Header {
    let mut header = Header::new(Algorithm::RS256);
    header.typ = Some("JWT".to_owned());
    header.kid = Some("6a1c3e2e-0d0b-4b5e-8f4e-8d2f0a7c9b10".to_owned());
    header
}

/// The JWS built by hand with a pre-parsed `rsa` signer.
fn sign_parsed(
    signer: &rsa::pkcs1v15::SigningKey<rsa::sha2::Sha256>,
    header: &Header,
    claims: &Map<String, Value>,
) -> Result<String, String> {
    let header = serde_json::to_vec(header).map_err(|e| format!("header: {e}"))?;
    let claims = serde_json::to_vec(claims).map_err(|e| format!("claims: {e}"))?;
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let signature = signer.sign(input.as_bytes()).to_vec();
    Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
}

/// Signs `signatures` tokens with each variant, interleaved so that a slow moment of the
/// machine hits all three alike. CPU-bound: run it on a blocking thread.
pub(crate) fn measure(signatures: usize) -> Result<SigningFigures, String> {
    let private = rsa::PrivateKey::new(&mut rand::rng(), 2048)
        .map_err(|e| format!("cannot generate an RSA key: {e}"))?;
    let der = private
        .to_pkcs1_der()
        .map_err(|e| format!("cannot encode the RSA key: {e}"))?;
    let pem = pkcs1_pem(der.as_bytes());
    let stored = EncodingKey::from_rsa_der(der.as_bytes());
    let signer = rsa::pkcs1v15::SigningKey::<rsa::sha2::Sha256>::new(private);
    let (header, claims) = (header(), claims());

    let by_stored = || jsonwebtoken::encode(&header, &claims, &stored).map_err(|e| e.to_string());
    let by_pem = || {
        let key = EncodingKey::from_rsa_pem(pem.as_bytes()).map_err(|e| e.to_string())?;
        jsonwebtoken::encode(&header, &claims, &key).map_err(|e| e.to_string())
    };
    let by_parsed = || sign_parsed(&signer, &header, &claims);

    // RS256 is deterministic: the three variants must produce the same token, or the
    // comparison would not be like for like.
    let reference = by_stored()?;
    if by_pem()? != reference || by_parsed()? != reference {
        return Err("the signing variants disagree on the same claims".to_owned());
    }
    let n = signatures.max(1);
    let mut times: [Vec<Duration>; 3] = [
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    ];
    for _ in 0..n {
        for (variant, sign) in [
            &by_stored as &dyn Fn() -> Result<String, String>,
            &by_pem,
            &by_parsed,
        ]
        .into_iter()
        .enumerate()
        {
            let started = Instant::now();
            let token = sign()?;
            times[variant].push(started.elapsed());
            std::hint::black_box(token);
        }
    }
    let [mut stored, mut pem, mut parsed] = times;
    let median = |v: &mut Vec<Duration>| {
        v.sort_unstable();
        percentile(v, 50.0)
    };
    Ok(SigningFigures {
        signatures: n,
        stored: median(&mut stored),
        parse_per_token: median(&mut pem),
        parsed_once: median(&mut parsed),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_wraps_at_64_columns() {
        let pem = pkcs1_pem(&[0u8; 100]);
        let lines: Vec<&str> = pem.lines().collect();
        assert_eq!(lines[0], "-----BEGIN RSA PRIVATE KEY-----");
        assert_eq!(lines.last(), Some(&"-----END RSA PRIVATE KEY-----"));
        assert!(lines[1..lines.len() - 1].iter().all(|l| l.len() <= 64));
        assert_eq!(lines[1].len(), 64);
    }

    #[test]
    fn ratios() {
        let f = SigningFigures {
            signatures: 1,
            stored: Duration::from_millis(2),
            parse_per_token: Duration::from_millis(4),
            parsed_once: Duration::from_millis(1),
        };
        assert!((f.parse_ratio() - 2.0).abs() < 1e-9);
        assert!((f.stored_ratio() - 2.0).abs() < 1e-9);
        assert_eq!(ratio(Duration::from_millis(1), Duration::ZERO), 0.0);
    }
}
