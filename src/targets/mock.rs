//! [`MockTarget`]: the embedded Konnect-in-a-box, started once per process on `127.0.0.1:0`.
//!
//! Each session is its own organization (a fresh `kpat_…` token), so scenarios running in
//! parallel never see each other. A session does what the docs' quickstart script does on a
//! real org: it creates the control plane `quickstart`, whose data plane the mock serves under
//! `{proxy}/dp/{control_plane_id}`.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use super::error::{TargetCode, TargetError};
use super::session::{Session, new_run_id, random_alnum};
use crate::http::{HttpClient, Prepared, RetryPolicy};
use crate::mock::identity::key_pool::KeyPool;
use crate::mock::server::Door;
use crate::mock::{MockConfig, MockServer};
use crate::scenario::model::TargetKind;
use crate::secret::Secret;

/// The name the quickstart script gives its control plane.
pub const QUICKSTART: &str = "quickstart";

/// The embedded mock, shared by the whole process.
#[derive(Debug, Clone)]
pub struct MockTarget {
    server: &'static MockServer,
    /// Where this handle's sessions send their requests, when not to the mock's first
    /// listeners (see [`MockTarget::with_door`]).
    door: Option<Arc<Door>>,
}

/// Signing keys the process's pool keeps ready for the embedded mock.
const SEEDED_KEYS: usize = 8;

static SHARED: OnceLock<Result<MockServer, String>> = OnceLock::new();

impl MockTarget {
    /// The process-wide mock, started on first use.
    pub fn shared() -> Result<Self, TargetError> {
        let server = SHARED.get_or_init(|| {
            // Scenarios running in parallel each create auth servers: keep keys for them ready.
            // This mock listens on loopback for this process only, so it may start with the
            // bundled test keys: a fresh process then never waits for an RSA key generation.
            KeyPool::global().add_bundled();
            KeyPool::global().seed(SEEDED_KEYS);
            let propagation_delay = propagation_delay_from_env()?;
            MockServer::start_background(MockConfig {
                propagation_delay,
                ..MockConfig::default()
            })
            .map_err(|e| e.to_string())
        });
        match server {
            Ok(server) => Ok(Self { server, door: None }),
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

    /// The same mock, its sessions served by listeners of the current tokio runtime (a
    /// [`Door`]), open while a clone of the returned handle is. The mock's state (its
    /// organizations and entities) is the one every handle shares.
    pub async fn with_door(&self) -> Result<Self, TargetError> {
        let door = self.server.open_door().await.map_err(|e| {
            TargetError::new(
                TargetCode::MockStart,
                format!("cannot open listeners of the embedded mock: {e}"),
            )
        })?;
        Ok(Self {
            server: self.server,
            door: Some(Arc::new(door)),
        })
    }

    /// A fresh organization with its quickstart control plane.
    pub async fn open_session(&self) -> Result<Session, TargetError> {
        let (api_url, proxy_url) = match &self.door {
            Some(door) => (&door.api_url, &door.proxy_url),
            None => (&self.server.api_url, &self.server.proxy_url),
        };
        session_on(TargetKind::Mock, api_url, proxy_url).await
    }
}

/// The variable that gives the embedded mock a propagation delay, so a step that polls
/// nothing after a configuration change fails (CI runs the scenarios once with it).
pub const PROPAGATION_DELAY_VAR: &str = "DOCFLOW_MOCK_PROPAGATION_DELAY";

/// The embedded mock's propagation delay from [`PROPAGATION_DELAY_VAR`]: `2s` exactly, or
/// `1s..4s`, picked at random once per process (each test process of a nextest run gets its
/// own, the jitter CI sees across shards). Unset: none.
fn propagation_delay_from_env() -> Result<Duration, String> {
    match std::env::var(PROPAGATION_DELAY_VAR) {
        Ok(text) if !text.trim().is_empty() => {
            parse_delay(&text).map_err(|e| format!("`{PROPAGATION_DELAY_VAR}`: {e}"))
        }
        _ => Ok(Duration::ZERO),
    }
}

/// Parses `2s` or `1s..4s` into a delay (a random one within the range).
fn parse_delay(text: &str) -> Result<Duration, String> {
    use rand::RngExt as _;
    let Some((low, high)) = text.split_once("..") else {
        return crate::duration::parse_duration(text);
    };
    let (low, high) = (
        crate::duration::parse_duration(low)?,
        crate::duration::parse_duration(high)?,
    );
    if low > high {
        return Err(format!("`{}` is an empty range", text.trim()));
    }
    let millis = rand::rng().random_range(low.as_millis()..=high.as_millis());
    Ok(Duration::from_millis(
        u64::try_from(millis).unwrap_or(u64::MAX),
    ))
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    #[test]
    fn propagation_delays_are_exact_or_within_their_range() {
        assert_eq!(super::parse_delay("2s"), Ok(Duration::from_secs(2)));
        for _ in 0..20 {
            let d = super::parse_delay("1s..3s").unwrap();
            assert!((1000..=3000).contains(&d.as_millis()), "{d:?}");
        }
        assert!(
            super::parse_delay("3s..1s")
                .unwrap_err()
                .contains("empty range")
        );
        assert!(super::parse_delay("2").is_err());
    }
}
