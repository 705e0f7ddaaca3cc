//! Secrets in disguise: values derived from a secret by URL-encoding or base64 (standard or
//! URL-safe, padded or not) — the docs' own `(.id + ":" + .client_secret) | @base64` Basic
//! credentials. Concatenation and JSON are plain substrings, which the by-value rules catch;
//! these need decoding.
//!
//! Decoding every base64-looking run of every string was a tenth of a run's CPU time, so a
//! run is decoded only when it holds a *signature* of a secret ([`Secrets`]): base64 works on
//! 3-byte groups, so whatever surrounds a secret, the groups that lie wholly inside it encode
//! to one of three fixed strings per alphabet (one for each offset of the secret in its
//! group). A run that decodes to text holding the secret always contains one of them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use aho_corasick::{AhoCorasick, AhoCorasickKind};
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

/// Secrets whose [`encodings`] are kept: each step's redactor encodes every secret again.
const KEEP_ENCODINGS: usize = 512;

/// The encoded forms of `secret` that differ from it: URL-encoded (path and form styles) and
/// base64 of the secret alone. Kept per secret, the last [`KEEP_ENCODINGS`] of them.
pub(super) fn encodings(secret: &str) -> Arc<[String]> {
    type Kept = Mutex<HashMap<String, Arc<[String]>>>;
    static KEPT: OnceLock<Kept> = OnceLock::new();
    let kept = KEPT.get_or_init(Kept::default);
    if let Some(found) = kept
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(secret)
    {
        return Arc::clone(found);
    }
    let built: Arc<[String]> = encode(secret).into();
    let mut kept = kept.lock().unwrap_or_else(PoisonError::into_inner);
    if kept.len() >= KEEP_ENCODINGS {
        kept.clear();
    }
    kept.insert(secret.to_owned(), Arc::clone(&built));
    built
}

fn encode(secret: &str) -> Vec<String> {
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

/// The secrets looked for in decoded text, with the signatures that say where decoding may
/// find them. Built once per list of secrets ([`Secrets::of`]).
#[derive(Debug)]
pub(super) struct Secrets {
    list: Vec<String>,
    /// The base64 signatures of every secret long enough to look for; `None` when there is
    /// none.
    signatures: Option<AhoCorasick>,
    /// A secret holds U+FFFD, which lossy decoding can make up: every run is decoded then.
    decode_every_run: bool,
}

/// Lists of secrets whose [`Secrets`] are kept: a run's variables change a little at each
/// step, and the same lists come back with every scenario.
const KEEP_LISTS: usize = 32;

impl Secrets {
    /// The [`Secrets`] of `list`, built on first use and kept for the next caller.
    pub(super) fn of(list: &[String]) -> Arc<Self> {
        static KEPT: Mutex<Vec<Arc<Secrets>>> = Mutex::new(Vec::new());
        let mut kept = KEPT.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = kept.iter().find(|s| s.list == list) {
            return Arc::clone(found);
        }
        let built = Arc::new(Self::build(list));
        if kept.len() >= KEEP_LISTS {
            kept.remove(0);
        }
        kept.push(Arc::clone(&built));
        built
    }

    fn build(list: &[String]) -> Self {
        let mut patterns = Vec::new();
        let mut decode_every_run = false;
        for secret in list.iter().filter(|s| s.len() >= MIN_SECRET_LEN) {
            decode_every_run |= secret.contains(char::REPLACEMENT_CHARACTER);
            patterns.extend(signatures(secret.as_bytes()));
        }
        patterns.sort_unstable();
        patterns.dedup();
        // The lists change at most steps, so the matcher is built often and searches a few
        // short strings: the NFA builds fastest.
        let signatures = (!patterns.is_empty())
            .then(|| {
                AhoCorasick::builder()
                    .kind(Some(AhoCorasickKind::NoncontiguousNFA))
                    .build(&patterns)
                    .ok()
            })
            .flatten();
        // A matcher that cannot be built (never, for these few short patterns) means
        // decoding everything, as before signatures.
        decode_every_run |= signatures.is_none() && !patterns.is_empty();
        Self {
            list: list.to_vec(),
            signatures,
            decode_every_run,
        }
    }

    /// Whether some run of `text` may decode to a secret; `false` is certain.
    fn may_hide_one(&self, text: &str) -> bool {
        self.decode_every_run || self.signatures.as_ref().is_some_and(|s| s.is_match(text))
    }
}

/// Longest signature, in 3-byte groups: a text holding a signature holds its start too, and
/// short patterns keep the matcher small when the secrets are long (tokens).
const SIGNATURE_GROUPS: usize = 2;

/// The base64 strings (both alphabets) of the first whole 3-byte groups of `secret` starting
/// at each offset 0, 1 and 2: one of them is inside any base64 text whose decoding holds it.
fn signatures(secret: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for offset in 0..3 {
        let rest = &secret[offset.min(secret.len())..];
        let whole = &rest[..(rest.len() / 3).min(SIGNATURE_GROUPS) * 3];
        if !whole.is_empty() {
            out.push(STANDARD.encode(whole));
            out.push(URL_SAFE.encode(whole));
        }
    }
    out
}

/// Whether `text`, once URL- or base64-decoded, holds one of `secrets`.
pub(super) fn reveals(text: &str, secrets: &Secrets) -> bool {
    let decoded = percent_decode_str(text).decode_utf8_lossy();
    holds(&decoded, &secrets.list) || mask(text, secrets) != text
}

/// Replaces every run of base64 characters that decodes to text holding a secret by
/// `[redacted]`.
pub(super) fn mask(text: &str, secrets: &Secrets) -> String {
    if !secrets.may_hide_one(text) {
        return text.to_owned();
    }
    let secrets = secrets.list.as_slice();
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

    fn secret_list() -> Vec<String> {
        vec!["s3cr3t-value/with+chars".to_owned()]
    }

    fn secrets() -> Arc<Secrets> {
        Secrets::of(&secret_list())
    }

    #[test]
    fn base64_of_id_colon_secret_is_masked_in_any_alphabet_and_padding() {
        let basic = format!("client-1234:{}", secret_list()[0]);
        for encoded in [STANDARD.encode(&basic), URL_SAFE.encode(&basic)] {
            let line = format!("Authorization: Basic {encoded}");
            assert_eq!(mask(&line, &secrets()), "Authorization: Basic [redacted]");
            let unpadded = encoded.trim_end_matches('=');
            assert!(reveals(unpadded, &secrets()));
        }
    }

    #[test]
    fn url_encoded_secrets_are_revealed_and_plain_text_is_kept() {
        let encoded = utf8_percent_encode(&secret_list()[0], NON_ALPHANUMERIC).to_string();
        assert!(reveals(&format!("client_secret={encoded}"), &secrets()));
        assert!(encodings(&secret_list()[0]).contains(&encoded));
        let plain = "an ordinary sentence with /paths/and-words_12345678";
        assert_eq!(mask(plain, &secrets()), plain);
        assert!(!reveals(plain, &secrets()));
    }

    /// The signatures are a shortcut, never a blind spot: for secrets of every length mod 3,
    /// at every offset in the encoded text, in both alphabets, padded or not, whole or after
    /// a `/`, masking gives what decoding every run gives.
    #[test]
    fn signatures_find_every_secret_decoding_finds() {
        let list: Vec<String> = [
            "abcdef",
            "abcdefg",
            "abcdefgh",
            "s3cr3t-value/with+chars",
            "ünï©ødé-sécret",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        let fast = Secrets::of(&list);
        let every_run = Secrets {
            list: list.clone(),
            signatures: None,
            decode_every_run: true,
        };
        let mut masked = 0;
        for secret in &list {
            for prefix in ["", "a", "ab", "abc", "client-1234:"] {
                for suffix in ["", "x", "xy", ":tail"] {
                    let plain = format!("{prefix}{secret}{suffix}");
                    for engine in [&STANDARD, &URL_SAFE] {
                        let encoded = engine.encode(&plain);
                        for text in [
                            encoded.clone(),
                            encoded.trim_end_matches('=').to_owned(),
                            format!("Basic {encoded}"),
                            format!("/v1/path/{encoded}"),
                        ] {
                            assert!(fast.may_hide_one(&text), "{plain:?} in {text:?}");
                            let reference = mask(&text, &every_run);
                            assert_eq!(mask(&text, &fast), reference, "{text:?}");
                            masked += usize::from(reference.contains("[redacted]"));
                        }
                    }
                }
            }
        }
        // Runs shorter than `MIN_RUN_LEN` are never decoded; every other case is masked.
        assert!(masked > 700, "{masked} masked");
        let plain = "aGVsbG8gd29ybGQgdGhpcyBpcyBub3QgYSBzZWNyZXQ=";
        assert!(!fast.may_hide_one(plain));
        assert_eq!(mask(plain, &fast), plain);
    }

    #[test]
    fn a_secret_holding_the_replacement_character_decodes_every_run() {
        let secrets = Secrets::of(&["ab\u{FFFD}cdefg".to_owned()]);
        assert!(secrets.may_hide_one("anything at all"));
        let none = Secrets::of(&[]);
        assert!(!none.may_hide_one("YWJjZGVmZ2hp"));
    }
}
