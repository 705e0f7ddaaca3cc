//! [`KonnectTarget`]: a real Konnect organization, set up the way the docs' prerequisites
//! leave it (a `quickstart` control plane with a local data plane), shared with other users.
//!
//! The target never creates the control plane: it checks that the quickstart's exists and
//! says how to create it if not. Each session gets a fresh run id; its client labels what the
//! run creates ([`super::labels`]), paces Kong Identity ([`super::pace`]), honours 429
//! `Retry-After` and retries 5xx and connection errors of idempotent requests
//! ([`crate::http`]). Teardown is the runner's cleanup, in reverse, also after a failure;
//! `docflow sweep` removes what a killed run left behind.

use std::sync::{Arc, OnceLock};

use super::api::{KonnectApi, encode};
use super::config::KonnectConfig;
use super::labels::{KonnectHooks, RunLabels};
use super::pace::Pacer;
use crate::http::HttpClient;
use crate::scenario::model::TargetKind;
use crate::targets::error::{TargetCode, TargetError};
use crate::targets::session::{Session, new_run_id};

/// The quickstart command of the docs' prerequisites, for the error when it was not run.
pub const QUICKSTART_COMMAND: &str =
    "curl -Ls https://get.konghq.com/quickstart | bash -s -- -k $KONNECT_TOKEN --deck-output";

/// A connected Konnect organization.
#[derive(Debug, Clone)]
pub struct KonnectTarget {
    config: Arc<KonnectConfig>,
    control_plane_id: String,
    pacer: Arc<Pacer>,
}

/// The process's pacers, one per rate.
type Pacers = std::sync::Mutex<Vec<(u32, Arc<Pacer>)>>;

/// One pacer per process and rate, so parallel scenarios share the per-auth-server budget.
fn shared_pacer(rate: u32) -> Arc<Pacer> {
    static PACERS: OnceLock<Pacers> = OnceLock::new();
    let pacers = PACERS.get_or_init(Default::default);
    let Ok(mut pacers) = pacers.lock() else {
        return Arc::new(Pacer::new(rate));
    };
    if let Some((_, pacer)) = pacers.iter().find(|(r, _)| *r == rate) {
        return Arc::clone(pacer);
    }
    let pacer = Arc::new(Pacer::new(rate));
    pacers.push((rate, Arc::clone(&pacer)));
    pacer
}

impl KonnectTarget {
    /// The target configured by the environment (`KONNECT_TOKEN`, …).
    pub async fn from_env() -> Result<Self, TargetError> {
        Self::connect(KonnectConfig::from_env()?).await
    }

    /// Checks that the organization has the quickstart control plane.
    pub async fn connect(config: KonnectConfig) -> Result<Self, TargetError> {
        let api = KonnectApi::new(&config)?;
        let name = &config.control_plane_name;
        let found = api
            .get(&format!(
                "/v2/control-planes?filter%5Bname%5D%5Beq%5D={}",
                encode(name)
            ))
            .await?;
        let id = found["data"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|cp| cp["name"].as_str() == Some(name.as_str()))
            .and_then(|cp| cp["id"].as_str())
            .map(str::to_owned)
            .ok_or_else(|| {
                TargetError::new(
                    TargetCode::NoControlPlane,
                    format!(
                        "no control plane named `{name}` in the organization at {}: run the \
                         docs' quickstart first (`{QUICKSTART_COMMAND}`) or set \
                         `DECK_KONNECT_CONTROL_PLANE_NAME`",
                        config.api_url
                    ),
                )
            })?;
        let pacer = shared_pacer(config.identity_rate);
        Ok(Self {
            config: Arc::new(config),
            control_plane_id: id,
            pacer,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &KonnectConfig {
        &self.config
    }

    /// The quickstart control plane's id.
    pub fn control_plane_id(&self) -> &str {
        &self.control_plane_id
    }

    /// A session with a fresh run id, whose client labels what the run creates.
    pub async fn open_session(&self) -> Result<Session, TargetError> {
        let run_id = new_run_id();
        let hooks = KonnectHooks::new(
            &self.config.api_url,
            RunLabels::now(&run_id),
            Arc::clone(&self.pacer),
        );
        let http = HttpClient::new(self.config.timeout, self.config.retry)
            .map_err(|e| TargetError::new(TargetCode::Http, e.message))?
            .with_hooks(Arc::new(hooks));
        Ok(Session {
            kind: TargetKind::Konnect,
            api_url: self.config.api_url.clone(),
            proxy_url: self.config.proxy_url.clone(),
            token: self.config.token.clone(),
            control_plane_name: self.config.control_plane_name.clone(),
            run_id,
            http,
        })
    }
}
