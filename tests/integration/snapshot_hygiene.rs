//! The checked-in snapshots hold no token, secret or captured id value: everything run-varying
//! or secret reached them as a `$VARIABLE` or a `[placeholder]`.

use std::path::Path;

fn snapshot_files() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "snap") {
            let text = std::fs::read_to_string(&path).unwrap();
            out.push((path.display().to_string(), text));
        }
    }
    assert!(
        out.len() >= 10,
        "expected the scenario snapshots in {}",
        dir.display()
    );
    out
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
        .filter(|w| !w.is_empty())
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Kong Identity's generated client ids (16) and secrets (24) are lowercase alphanumeric with
/// digits; a word of that shape with at least one digit and one letter is a leaked value.
fn is_generated_credential(s: &str) -> bool {
    (s.len() == 16 || s.len() == 24)
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && s.bytes().any(|b| b.is_ascii_digit())
        && s.bytes().any(|b| b.is_ascii_lowercase())
}

#[test]
fn snapshots_hold_no_secret_token_or_id_value() {
    for (path, text) in snapshot_files() {
        assert!(
            !text.contains("kpat_") && !text.contains("spat_"),
            "{path}: a Konnect token"
        );
        assert!(!text.contains("eyJ"), "{path}: something shaped like a JWT");
        assert!(
            !text.contains("127.0.0.1"),
            "{path}: the mock's address (must be a variable)"
        );
        for word in words(&text) {
            assert!(!is_uuid(word), "{path}: a raw UUID `{word}`");
            assert!(
                !is_generated_credential(word),
                "{path}: a generated client id or secret `{word}`"
            );
        }
    }
}

#[test]
fn the_checks_above_would_catch_leaks() {
    assert!(is_uuid("836fda4d-612c-4faf-9c45-284a0ecd637a"));
    assert!(is_generated_credential("fxsn74prsnrcyskm"));
    assert!(is_generated_credential("8vbywkjyj1zxcgsujljnuge1"));
    assert!(!is_generated_credential("client_credentials"));
    assert!(!is_generated_credential("openid-connect"));
}
