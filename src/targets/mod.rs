//! Targets: where scenarios run. [`Target`] is the main type, a closed set: the embedded mock
//! (default), the mock in a container ([`container`]), or a real Konnect organization
//! ([`konnect`]).

pub mod container;
pub mod error;
pub mod konnect;
pub mod mock;
pub mod session;

pub use error::{TargetCode, TargetError};
pub use session::Session;

use crate::scenario::model::TargetKind;

/// A target, ready to open sessions.
#[derive(Debug, Clone)]
pub enum Target {
    /// The embedded Konnect-in-a-box, shared by every scenario of the process.
    Mock(mock::MockTarget),
    /// The mock in a container, shared by every scenario and test process.
    Container(container::ContainerTarget),
    /// A real Konnect organization with the quickstart control plane.
    Konnect(konnect::KonnectTarget),
}

impl Target {
    /// Which kind of target.
    pub fn kind(&self) -> TargetKind {
        match self {
            Self::Mock(_) => TargetKind::Mock,
            Self::Container(_) => TargetKind::Container,
            Self::Konnect(_) => TargetKind::Konnect,
        }
    }

    /// The target named by `DOCFLOW_TARGET` (default `mock`).
    pub async fn from_env() -> Result<Self, TargetError> {
        let name = std::env::var("DOCFLOW_TARGET").unwrap_or_else(|_| "mock".to_owned());
        let kind = TargetKind::parse(name.trim()).ok_or_else(|| {
            TargetError::new(
                TargetCode::Unknown,
                format!("unknown target `{name}` in `DOCFLOW_TARGET` (expected `mock`, `container` or `konnect`)"),
            )
        })?;
        Self::open(kind).await
    }

    /// Opens the target of `kind`, configured by the environment: nothing for the mock, a
    /// Docker engine and the `docflow-mock` image for the container, the docs' `KONNECT_*`
    /// variables for Konnect.
    pub async fn open(kind: TargetKind) -> Result<Self, TargetError> {
        match kind {
            TargetKind::Mock => Ok(Self::Mock(mock::MockTarget::shared()?)),
            TargetKind::Container => {
                Ok(Self::Container(container::ContainerTarget::shared().await?))
            }
            TargetKind::Konnect => Ok(Self::Konnect(konnect::KonnectTarget::from_env().await?)),
        }
    }

    /// This target for scenarios running on the current tokio runtime: the embedded mock
    /// then answers them from listeners of this runtime too ([`mock::MockTarget::with_door`]);
    /// the other targets are shared as they are.
    pub async fn for_this_runtime(&self) -> Result<Self, TargetError> {
        match self {
            Self::Mock(t) => Ok(Self::Mock(t.with_door().await?)),
            other => Ok(other.clone()),
        }
    }

    /// A fresh session for one scenario run: its own organization on the mock (in-process or
    /// in a container), its own run id and labels on Konnect.
    pub async fn open_session(&self) -> Result<Session, TargetError> {
        match self {
            Self::Mock(t) => t.open_session().await,
            Self::Container(t) => t.open_session().await,
            Self::Konnect(t) => t.open_session().await,
        }
    }
}
