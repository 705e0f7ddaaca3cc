//! [`MockTarget`]: the embedded Konnect-in-a-box, started once per process on `127.0.0.1:0`.
//!
//! Each session is its own organization (a fresh `kpat_…` token), so scenarios running in
//! parallel never see each other. A session does what the docs' quickstart script does on a
//! real org: it creates the control plane `quickstart`, whose data plane the mock serves under
//! `{proxy}/dp/{control_plane_id}`.

use std::sync::OnceLock;
use std::time::Duration;

use super::error::{TargetCode, TargetError};
use super::session::{Session, new_run_id, random_alnum};
use crate::http::{HttpClient, Prepared, RetryPolicy};
use crate::mock::identity::key_pool::KeyPool;
use crate::mock::{MockConfig, MockServer};
use crate::scenario::model::TargetKind;
use crate::secret::Secret;

/// The name the quickstart script gives its control plane.
pub const QUICKSTART: &str = "quickstart";

/// The embedded mock, shared by the whole process.
#[derive(Debug, Clone, Copy)]
pub struct MockTarget {
    server: &'static MockServer,
}

/// Signing keys the process's pool keeps ready for the embedded mock.
const SEEDED_KEYS: usize = 8;

static SHARED: OnceLock<Result<MockServer, String>> = OnceLock::new();

impl MockTarget {
    /// The process-wide mock, started on first use.
    pub fn shared() -> Result<Self, TargetError> {
        let server = SHARED.get_or_init(|| {
            // Scenarios running in parallel each create auth servers: keep keys for them ready.
            KeyPool::global().seed(SEEDED_KEYS);
            MockServer::start_background(MockConfig::default()).map_err(|e| e.to_string())
        });
        match server {
            Ok(server) => Ok(Self { server }),
            Err(e) => Err(TargetError::new(
                TargetCode::MockStart,
                format!("cannot start the embedded mock: {e}"),
            )),
        }
    }

    /// The running mock.
    pub fn server(&self) -> &'static MockServer {
        self.server
    }

    /// A fresh organization with its quickstart control plane.
    pub async fn open_session(&self) -> Result<Session, TargetError> {
        session_on(
            TargetKind::Mock,
            &self.server.api_url,
            &self.server.proxy_url,
        )
        .await
    }
}

/// Opens a session on a mock reachable at `api_url` / `proxy_url` (in-process or in a
/// container): a new organization, and its `quickstart` control plane.
pub async fn session_on(
    kind: TargetKind,
    api_url: &str,
    proxy_url: &str,
) -> Result<Session, TargetError> {
    let http = HttpClient::new(Duration::from_secs(30), RetryPolicy::default())
        .map_err(|e| TargetError::new(TargetCode::Http, e.message))?;
    let token = Secret::new(
        "$KONNECT_TOKEN",
        format!("kpat_docflow{}", random_alnum(32)),
    );
    let created = http
        .send(&Prepared {
            method: "POST".to_owned(),
            url: format!("{api_url}/v2/control-planes"),
            headers: vec![
                (
                    "Authorization".to_owned(),
                    format!("Bearer {}", token.expose()),
                ),
                ("Content-Type".to_owned(), "application/json".to_owned()),
            ],
            body: Some(
                serde_json::json!({"name": QUICKSTART})
                    .to_string()
                    .into_bytes(),
            ),
        })
        .await
        .map_err(|e| {
            TargetError::new(
                TargetCode::Session,
                format!("cannot create the quickstart control plane: {e}"),
            )
        })?;
    let id = (created.status == 201)
        .then(|| created.json()["id"].as_str().map(str::to_owned))
        .flatten()
        .ok_or_else(|| {
            TargetError::new(
                TargetCode::Session,
                format!(
                    "creating the quickstart control plane answered {}",
                    created.status
                ),
            )
        })?;
    Ok(Session {
        kind,
        api_url: api_url.trim_end_matches('/').to_owned(),
        proxy_url: format!("{}/dp/{id}", proxy_url.trim_end_matches('/')),
        token,
        control_plane_name: QUICKSTART.to_owned(),
        run_id: new_run_id(),
        http,
    })
}
