//! The bundled test keys (`bundled_keys.txt`): RSA-2048 keys shipped with docflow so the
//! embedded mock's first auth servers cost a key parse, not a key generation. The same idea as
//! mock-oauth2-server's initial keys. They are public: only the in-process mock takes them
//! (see [`super::key_pool::KeyPool::add_bundled`]); anything reachable from the network
//! generates its own.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::signing_key::SigningKey;

const FILE: &str = include_str!("bundled_keys.txt");

/// The bundled keys, still base64 (parsed when taken: most runs use a few).
pub fn encoded() -> Vec<&'static str> {
    FILE.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect()
}

/// Parses one bundled key, with a fresh `kid`.
pub fn parse(encoded: &str) -> Result<SigningKey, String> {
    let der = STANDARD
        .decode(encoded)
        .map_err(|e| format!("a bundled key is not base64: {e}"))?;
    SigningKey::from_pkcs8(&der)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_bundled_key_parses_and_is_its_own_key_pair() {
        let keys = encoded();
        assert!(keys.len() >= 100, "{} bundled keys", keys.len());
        let moduli: HashSet<String> = keys
            .iter()
            .map(|k| parse(k).unwrap().jwk("RS256")["n"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(moduli.len(), keys.len(), "a bundled key is repeated");
    }
}
