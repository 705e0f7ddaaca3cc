//! [`Secret`]: a value that must never be printed, logged, snapshotted or reported.

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
