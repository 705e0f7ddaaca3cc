//! Identifier and timestamp formats of Kong Identity: UUID entity ids, 16-character issuer and
//! client ids, 24-character client secrets, and microsecond ISO-8601 timestamps
//! ([`timestamp`]).
//!
//! The client id and secret formats come from the samples in the facts sheet (§2.3:
//! `fxsn74prsnrcyskm`, `8vbywkjyj1zxcgsujljnuge1`); beyond those samples they are UNVERIFIED.

use rand::RngExt as _;
use time::OffsetDateTime;
use time::macros::format_description;

const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// `len` random lowercase alphanumeric characters.
pub fn lower_alnum(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(LOWER_ALNUM[rng.random_range(0..LOWER_ALNUM.len())]))
        .collect()
}

/// A fresh entity id (auth servers, scopes, claims): a UUID v4.
pub fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The id in an issuer URL (`wt3fgfqb8r7fktwe` in `https://wt3fgfqb8r7fktwe.us.identity…`).
pub fn issuer_id() -> String {
    lower_alnum(16)
}

/// A generated OAuth client id, like the real `fxsn74prsnrcyskm`.
pub fn client_id() -> String {
    lower_alnum(16)
}

/// A generated client secret, like the real `8vbywkjyj1zxcgsujljnuge1`.
pub fn client_secret() -> String {
    lower_alnum(24)
}

/// Whether `s` is a UUID in the canonical lowercase hyphenated form the API returns.
pub fn is_uuid(s: &str) -> bool {
    uuid::Uuid::try_parse(s).is_ok_and(|u| u.hyphenated().to_string() == s)
}

/// Whether `s` is an acceptable client id (`ClientId` in the spec: `[-_\w]+`, 1 to 36
/// characters).
pub fn is_client_id(s: &str) -> bool {
    (1..=36).contains(&s.len())
        && s.chars()
            .all(|c| c == '-' || c == '_' || c.is_ascii_alphanumeric())
}

/// `t` as Kong Identity writes timestamps: `2025-09-23T13:04:47.789958Z` (always six
/// fractional digits, UTC).
pub fn timestamp(t: OffsetDateTime) -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
    t.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

/// The current time as a [`timestamp`].
pub fn now() -> String {
    timestamp(OffsetDateTime::now_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_lower_alnum(s: &str) -> bool {
        s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    }

    #[test]
    fn generated_ids_have_the_observed_shapes() {
        let issuer = issuer_id();
        assert_eq!(issuer.len(), 16);
        assert!(is_lower_alnum(&issuer), "{issuer}");
        let client = client_id();
        assert_eq!(client.len(), 16);
        assert!(is_lower_alnum(&client) && is_client_id(&client));
        let secret = client_secret();
        assert_eq!(secret.len(), 24);
        assert!(is_lower_alnum(&secret));
        assert_ne!(client_id(), client, "ids must be random");
        assert!(is_uuid(&uuid()));
    }

    #[test]
    fn uuid_check_wants_the_canonical_form() {
        assert!(is_uuid("836fda4d-612c-4faf-9c45-284a0ecd637a"));
        assert!(!is_uuid("836FDA4D-612C-4FAF-9C45-284A0ECD637A"));
        assert!(!is_uuid("836fda4d612c4faf9c45284a0ecd637a"));
        assert!(!is_uuid("not-a-uuid"));
    }

    #[test]
    fn client_id_pattern_matches_the_spec() {
        assert!(is_client_id("kYa9iQFU5xPDSIUH9z1z"));
        assert!(is_client_id("my-client_1"));
        assert!(!is_client_id(""));
        assert!(!is_client_id("has space"));
        assert!(!is_client_id(&"a".repeat(37)));
    }

    #[test]
    fn timestamps_have_microseconds_and_z() {
        let t = time::macros::datetime!(2025-09-23 13:04:47.789958 UTC);
        assert_eq!(timestamp(t), "2025-09-23T13:04:47.789958Z");
        let t = time::macros::datetime!(2025-09-23 13:04:47 UTC);
        assert_eq!(timestamp(t), "2025-09-23T13:04:47.000000Z");
    }
}
