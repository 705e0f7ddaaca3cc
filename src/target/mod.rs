//! Targets: where scenarios run. [`Target`] is the main type, a closed set: the embedded mock
//! (default), the mock in a container, or a real Konnect organization.

pub mod error;
pub mod mock;
pub mod session;

pub use error::TargetError;
pub use session::Session;

use crate::scenario::model::TargetKind;

/// A target, ready to open sessions.
#[derive(Debug, Clone)]
pub enum Target {
    /// The embedded Konnect-in-a-box, shared by every scenario of the process.
    Mock(mock::MockTarget),
}

impl Target {
    /// Which kind of target.
    pub fn kind(&self) -> TargetKind {
        match self {
            Self::Mock(_) => TargetKind::Mock,
        }
    }

    /// The target named by `DOCFLOW_TARGET` (default `mock`).
    pub async fn from_env() -> Result<Self, TargetError> {
        let name = std::env::var("DOCFLOW_TARGET").unwrap_or_else(|_| "mock".to_owned());
        let kind = TargetKind::parse(name.trim()).ok_or_else(|| {
            TargetError::new(
                "target::unknown",
                format!("unknown target `{name}` in `DOCFLOW_TARGET` (expected `mock`, `container` or `konnect`)"),
            )
        })?;
        Self::open(kind).await
    }

    /// Opens the target of `kind`.
    pub async fn open(kind: TargetKind) -> Result<Self, TargetError> {
        match kind {
            TargetKind::Mock => Ok(Self::Mock(mock::MockTarget::shared()?)),
            TargetKind::Container | TargetKind::Konnect => Err(TargetError::new(
                "target::unsupported",
                format!(
                    "target `{}` is not available in this build yet",
                    kind.as_str()
                ),
            )),
        }
    }

    /// A fresh session for one scenario run (its own organization on the mock).
    pub async fn open_session(&self) -> Result<Session, TargetError> {
        match self {
            Self::Mock(t) => t.open_session().await,
        }
    }
}
