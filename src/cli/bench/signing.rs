//! The signing yardsticks, measured in-process on one core: [`measure`] runs a bare RS256 sign
//! loop with aws-lc-rs (the crypto the mock's issuer uses) and the mock's own
//! `SigningKey::sign` (header, claims, base64url and the same RSA operation), interleaved so a
//! slow moment of the machine hits both alike. [`openssl_sign_rate`] asks `openssl speed` for
//! its RSA-2048 sign rate on one core, when `openssl` is on the `PATH`. The token endpoint's
//! rate is held against these in [`SigningFigures::targets`].

use std::process::Command;
use std::time::{Duration, Instant};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use jsonwebtoken::Algorithm;
use serde_json::{Map, Value, json};

use docflow::mock::identity::SigningKey;

use super::report::{Kind, Report, Target, duration, round2};

/// Signing rates on one core.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SigningFigures {
    /// Signatures per variant.
    pub(crate) signatures: usize,
    /// Time of one bare RS256 signature of a token-sized message (aws-lc-rs, key parsed once).
    pub(crate) bare: Duration,
    /// Time of one `SigningKey::sign` (the whole JWS, as the token endpoint signs it).
    pub(crate) mock: Duration,
    /// `openssl speed rsa2048` signatures per second on one core, when `openssl` ran.
    pub(crate) openssl_per_second: Option<f64>,
}

/// Per second, for a time per operation.
fn rate(per_op: Duration) -> f64 {
    if per_op.is_zero() {
        0.0
    } else {
        1.0 / per_op.as_secs_f64()
    }
}

impl SigningFigures {
    /// Bare signatures per second on one core.
    pub(crate) fn bare_per_second(&self) -> f64 {
        rate(self.bare)
    }

    /// The table lines.
    pub(crate) fn figures(&self, report: &mut Report) {
        report.figure(
            "sign_bare_per_second",
            "sign, bare RS256 loop (aws-lc-rs, 1 core)",
            format!(
                "{:>8.0} sig/s   {:>9} per signature",
                self.bare_per_second(),
                duration(self.bare)
            ),
            json!(round2(self.bare_per_second())),
        );
        report.figure(
            "sign_mock_per_second",
            "sign, the mock's SigningKey (whole JWS)",
            format!(
                "{:>8.0} tok/s   {:.2}x the bare loop",
                rate(self.mock),
                ratio(self.bare, self.mock)
            ),
            json!(round2(rate(self.mock))),
        );
        if let Some(openssl) = self.openssl_per_second {
            report.figure(
                "sign_openssl_per_second",
                "sign, `openssl speed rsa2048` (1 core)",
                format!("{openssl:>8.0} sig/s"),
                json!(round2(openssl)),
            );
        }
    }

    /// The token endpoint's rate (`tokens_per_second`, measured over HTTP in the same run)
    /// against the bare loop and `openssl speed` (timing).
    pub(crate) fn targets(&self, report: &mut Report, tokens_per_second: f64) {
        let bare = tokens_per_second / self.bare_per_second().max(f64::MIN_POSITIVE);
        report.target(Target {
            text: format!(
                "token endpoint vs the bare RS256 sign loop on one core: {bare:.2}x the rate"
            ),
            goal: "≥ 0.7x".into(),
            value: round2(bare),
            kind: Kind::Timing,
            pass: bare >= 0.7,
        });
        if let Some(openssl) = self.openssl_per_second {
            let times = tokens_per_second / openssl.max(f64::MIN_POSITIVE);
            report.target(Target {
                text: format!(
                    "token endpoint vs `openssl speed rsa2048` on one core: {times:.2}x the rate"
                ),
                goal: "≥ 0.5x".into(),
                value: round2(times),
                kind: Kind::Timing,
                pass: times >= 0.5,
            });
        }
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

/// Signs `signatures` times with each variant, interleaved, and keeps the medians.
/// CPU-bound: run it on a blocking thread.
pub(crate) fn measure(signatures: usize) -> Result<SigningFigures, String> {
    let pair = RsaKeyPair::generate(KeySize::Rsa2048)
        .map_err(|e| format!("cannot generate an RSA key: {e}"))?;
    let key = SigningKey::generate()?;
    let claims = claims();
    let message = key
        .sign(Algorithm::RS256, &claims)
        .map_err(|e| format!("the mock's key cannot sign: {e}"))?;
    let message = message.rsplit_once('.').map_or("", |(input, _)| input);
    let rng = SystemRandom::new();
    let mut out = vec![0; pair.public_modulus_len()];
    let n = signatures.max(1);
    let (mut bare, mut mock) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        let started = Instant::now();
        pair.sign(&RSA_PKCS1_SHA256, &rng, message.as_bytes(), &mut out)
            .map_err(|e| format!("the bare loop cannot sign: {e}"))?;
        bare.push(started.elapsed());
        std::hint::black_box(&out);
        let started = Instant::now();
        let token = key
            .sign(Algorithm::RS256, &claims)
            .map_err(|e| format!("the mock's key cannot sign: {e}"))?;
        mock.push(started.elapsed());
        std::hint::black_box(token);
    }
    Ok(SigningFigures {
        signatures: n,
        bare: median(&mut bare),
        mock: median(&mut mock),
        openssl_per_second: openssl_sign_rate(),
    })
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort_unstable();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

/// `openssl speed -seconds 1 rsa2048` on one core: its `sign/s`, or `None` when `openssl` is
/// missing or prints something else.
pub(crate) fn openssl_sign_rate() -> Option<f64> {
    let output = Command::new("openssl")
        .args(["speed", "-seconds", "1", "rsa2048"])
        .output()
        .ok()?;
    parse_openssl_speed(&String::from_utf8_lossy(&output.stdout))
}

/// The `sign/s` column of `openssl speed`'s `rsa 2048 bits` line.
fn parse_openssl_speed(text: &str) -> Option<f64> {
    let line = text.lines().find(|l| l.starts_with("rsa 2048 bits"))?;
    let numbers: Vec<f64> = line
        .split_whitespace()
        .filter_map(|w| w.trim_end_matches('s').parse().ok())
        .collect();
    // `rsa 2048 bits 0.000782s 0.000020s 1278.8 49348.4`: 2048, sign, verify, sign/s, verify/s.
    numbers.get(3).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_openssl_speed() {
        let text = "                  sign    verify    sign/s verify/s\n\
                    rsa 2048 bits 0.000782s 0.000020s   1278.8  49348.4\n";
        assert_eq!(parse_openssl_speed(text), Some(1278.8));
        assert_eq!(parse_openssl_speed("nothing"), None);
    }

    #[test]
    fn ratios_and_rates() {
        assert!((ratio(Duration::from_millis(2), Duration::from_millis(1)) - 2.0).abs() < 1e-9);
        assert_eq!(ratio(Duration::from_millis(1), Duration::ZERO), 0.0);
        assert!((rate(Duration::from_millis(2)) - 500.0).abs() < 1e-9);
        let mut times = [3, 1, 2].map(Duration::from_millis);
        assert_eq!(median(&mut times), Duration::from_millis(2));
    }
}
