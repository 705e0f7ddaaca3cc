//! Secrets in disguise: values derived from a secret by URL-encoding or base64 (standard or
//! URL-safe, padded or not) — the docs' own `(.id + ":" + .client_secret) | @base64` Basic
//! credentials. Concatenation and JSON are plain substrings, which the by-value rules catch;
//! these need decoding.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// Shortest secret looked for inside decoded text; shorter ones would match by chance.
const MIN_SECRET_LEN: usize = 6;

/// Shortest run of base64 characters worth decoding (`a:bcdefg` encodes to 12).
const MIN_RUN_LEN: usize = 12;

const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);

/// The encoded forms of `secret` that differ from it: URL-encoded (path and form styles) and
/// base64 of the secret alone.
pub(super) fn encodings(secret: &str) -> Vec<String> {
    let mut out = vec![
        utf8_percent_encode(secret, NON_ALPHANUMERIC).to_string(),
        url::form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
        STANDARD.encode(secret).trim_end_matches('=').to_owned(),
        URL_SAFE.encode(secret).trim_end_matches('=').to_owned(),
    ];
    out.retain(|e| e != secret);
    out.dedup();
    out
}

/// Whether `text`, once URL- or base64-decoded, holds one of `secrets`.
pub(super) fn reveals(text: &str, secrets: &[String]) -> bool {
    let decoded = percent_decode_str(text).decode_utf8_lossy();
    holds(&decoded, secrets) || mask(text, secrets) != text
}

/// Replaces every run of base64 characters that decodes to text holding a secret by
/// `[redacted]`.
pub(super) fn mask(text: &str, secrets: &[String]) -> String {
    if !secrets.iter().any(|s| s.len() >= MIN_SECRET_LEN) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(is_base64_char) {
        out.push_str(&rest[..start]);
        let run = &rest[start..];
        let len = run.find(|c| !is_base64_char(c)).unwrap_or(run.len());
        let padded = len + run[len..].len() - run[len..].trim_start_matches('=').len();
        let candidate = &run[..len];
        if len >= MIN_RUN_LEN && candidate_reveals(candidate, secrets) {
            out.push_str(super::REDACTED);
        } else {
            out.push_str(&run[..padded]);
        }
        rest = &run[padded..];
    }
    out.push_str(rest);
    out
}

fn is_base64_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '-' | '_')
}

/// Whether a run decodes (as a whole, or after its last `/`, as in a URL path) to a secret.
fn candidate_reveals(run: &str, secrets: &[String]) -> bool {
    let tail = run.rsplit('/').next().unwrap_or(run);
    [run, tail].iter().any(|part| {
        [&STANDARD, &URL_SAFE].iter().any(|engine| {
            engine
                .decode(part)
                .is_ok_and(|bytes| holds(&String::from_utf8_lossy(&bytes), secrets))
        })
    })
}

fn holds(text: &str, secrets: &[String]) -> bool {
    secrets
        .iter()
        .any(|s| s.len() >= MIN_SECRET_LEN && text.contains(s.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets() -> Vec<String> {
        vec!["s3cr3t-value/with+chars".to_owned()]
    }

    #[test]
    fn base64_of_id_colon_secret_is_masked_in_any_alphabet_and_padding() {
        let basic = format!("client-1234:{}", secrets()[0]);
        for encoded in [STANDARD.encode(&basic), URL_SAFE.encode(&basic)] {
            let line = format!("Authorization: Basic {encoded}");
            assert_eq!(mask(&line, &secrets()), "Authorization: Basic [redacted]");
            let unpadded = encoded.trim_end_matches('=');
            assert!(reveals(unpadded, &secrets()));
        }
    }

    #[test]
    fn url_encoded_secrets_are_revealed_and_plain_text_is_kept() {
        let encoded = utf8_percent_encode(&secrets()[0], NON_ALPHANUMERIC).to_string();
        assert!(reveals(&format!("client_secret={encoded}"), &secrets()));
        assert!(encodings(&secrets()[0]).contains(&encoded));
        let plain = "an ordinary sentence with /paths/and-words_12345678";
        assert_eq!(mask(plain, &secrets()), plain);
        assert!(!reveals(plain, &secrets()));
    }
}
