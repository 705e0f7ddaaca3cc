//! [`TargetError`]: a target could not be opened or could not start a session.

/// A target problem, with a stable code (`target::no_docker`, `target::bad_token`, …).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TargetError {
    /// Stable code.
    pub code: &'static str,
    /// Lowercase fragment; never holds a secret.
    pub message: String,
}

impl TargetError {
    /// A new error.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}
