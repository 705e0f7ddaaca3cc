//! [`TargetError`]: a target could not be opened or could not start a session; its
//! [`TargetCode`] says why.

/// Why a target could not be opened. The string form (`target::no_docker`) is stable; tests,
/// the harness and tools match on it, not on the prose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TargetCode {
    /// The Konnect API answered an unexpected error status.
    Api,
    /// A target setting is not valid.
    BadConfig,
    /// The token does not look like a Konnect token.
    BadToken,
    /// A URL setting is not a valid http(s) URL.
    BadUrl,
    /// The container did not start or did not become ready.
    ContainerStart,
    /// The Docker engine refused a request.
    Docker,
    /// The token may not do this (403).
    Forbidden,
    /// A request to the target failed in transport.
    Http,
    /// The embedded mock did not start.
    MockStart,
    /// The named control plane does not exist.
    NoControlPlane,
    /// No Docker engine is reachable.
    NoDocker,
    /// The container image is not present.
    NoImage,
    /// The target's settings are absent.
    NotConfigured,
    /// A session could not be opened.
    Session,
    /// The token was refused (401).
    Unauthorized,
    /// The target name is not known.
    Unknown,
}

impl TargetCode {
    /// The stable name, `target::<kind>`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Api => "target::api",
            Self::BadConfig => "target::bad_config",
            Self::BadToken => "target::bad_token",
            Self::BadUrl => "target::bad_url",
            Self::ContainerStart => "target::container_start",
            Self::Docker => "target::docker",
            Self::Forbidden => "target::forbidden",
            Self::Http => "target::http",
            Self::MockStart => "target::mock_start",
            Self::NoControlPlane => "target::no_control_plane",
            Self::NoDocker => "target::no_docker",
            Self::NoImage => "target::no_image",
            Self::NotConfigured => "target::not_configured",
            Self::Session => "target::session",
            Self::Unauthorized => "target::unauthorized",
            Self::Unknown => "target::unknown",
        }
    }
}

impl std::fmt::Display for TargetCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for TargetCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// A target problem, with a stable [`TargetCode`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TargetError {
    /// Stable code.
    pub code: TargetCode,
    /// Lowercase fragment; never holds a secret.
    pub message: String,
}

impl TargetError {
    /// A new error.
    pub fn new(code: TargetCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}
