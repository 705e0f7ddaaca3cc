//! [`Secret`]: a value that must never be printed, logged, snapshotted or reported, and
//! [`is_secret_name`], the one rule for which variable names hold secrets.

use std::fmt;

/// A secret value (PAT, client secret, access token). `Debug` and `Display` print a
/// placeholder; only [`Secret::expose`] gives the value, at the point it is sent.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    value: String,
    label: String,
}

impl Secret {
    /// Wraps `value`; `label` is what prints instead (`$KONNECT_TOKEN`).
    pub fn new(label: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            label: label.into(),
        }
    }

    /// The secret value, for sending it where it belongs.
    pub fn expose(&self) -> &str {
        &self.value
    }

    /// The placeholder printed instead of the value.
    pub fn label(&self) -> &str {
        &self.label
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.label)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn never_prints_the_value() {
        let s = Secret::new("$KONNECT_TOKEN", "kpat_supersecret");
        assert_eq!(
            format!("{s} {s:?}"),
            "$KONNECT_TOKEN Secret($KONNECT_TOKEN)"
        );
        assert_eq!(s.expose(), "kpat_supersecret");
    }
}

/// Words that make a variable a secret when one `_`-separated part of its name is the word,
/// its plural, or ends with it (`CLIENT_SECRET`, `ACCESS_TOKEN`, `APIKEY`, `DB_PASSWORD`,
/// `BASIC_CREDENTIALS`, `KONNECT_PAT`), but not when the word only starts a longer part
/// (`TOKENIZER_URL`, `PATH`).
const SECRET_WORDS: [&str; 6] = ["SECRET", "TOKEN", "PASSWORD", "KEY", "CREDENTIAL", "PAT"];

/// Whether a variable holds a secret, by its name (case-insensitive). The one rule for the
/// scenario loader, the doc reader and redaction.
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    upper
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|part| {
            let singular = part.strip_suffix('S').unwrap_or(part);
            SECRET_WORDS
                .iter()
                .any(|w| part.ends_with(w) || singular.ends_with(w))
        })
}

#[cfg(test)]
mod name_tests {
    use super::is_secret_name;

    #[test]
    fn secret_names() {
        for name in [
            "CLIENT_SECRET",
            "ACCESS_TOKEN",
            "API_KEY",
            "DB_PASSWORD",
            "KONNECT_PAT",
            "KONNECT_TOKEN",
            "CREDENTIALS",
            "client_secret",
            "APIKEY",
            "CLIENT_SECRETS",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "CLIENT_ID",
            "ISSUER_URL",
            "PATH",
            "AUTH_SERVER_ID",
            "RUN_ID",
            "TOKENIZER_URL",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
    }
}
