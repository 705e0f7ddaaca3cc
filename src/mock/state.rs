//! [`MockState`]: everything the mock's handlers share, behind one `Arc`.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use super::config::MockConfig;
use super::control_planes::ControlPlaneStore;
use super::faults::Faults;
use super::gateway::GatewayCache;
use super::identity::IdentityStore;
use super::journal::Journal;
use super::principals::PrincipalStore;

/// Shared state of one mock instance.
#[derive(Debug)]
pub struct MockState {
    /// The configuration it was started with.
    pub config: MockConfig,
    /// Kong Identity: auth servers, scopes, claims, clients, keys, per organization.
    pub identity: IdentityStore,
    /// Kong Identity principals: directories, principals, identities, per organization.
    pub principals: PrincipalStore,
    /// Control planes and their core entities, per organization.
    pub control_planes: ControlPlaneStore,
    /// The gateway's caches (issuer discovery documents, JWKS, plugin tokens).
    pub gateway: GatewayCache,
    /// Request journal of both listeners.
    pub journal: Journal,
    /// Injected faults.
    pub faults: Faults,
    /// The address the API listener is bound to, for the gateway's calls to the mock's own
    /// issuers (inside a container the public address is not reachable from inside).
    pub api_addr: OnceLock<SocketAddr>,
    /// The address the proxy listener is bound to.
    pub proxy_addr: OnceLock<SocketAddr>,
    /// HTTP client for the gateway's outbound calls (discovery, JWKS, token endpoint, upstreams).
    pub http: reqwest::Client,
}

/// The state as handlers receive it.
pub type SharedState = Arc<MockState>;

impl MockState {
    /// Fresh state for `config`.
    pub fn new(config: MockConfig) -> SharedState {
        Arc::new(Self {
            config,
            identity: IdentityStore::default(),
            principals: PrincipalStore::default(),
            control_planes: ControlPlaneStore::default(),
            gateway: GatewayCache::default(),
            journal: Journal::default(),
            faults: Faults::default(),
            api_addr: OnceLock::new(),
            proxy_addr: OnceLock::new(),
            http: gateway_client(),
        })
    }
}

/// The gateway's outbound client. Its calls go to the mock's own issuers and to loopback
/// upstreams, so a system proxy from the environment must never see them. Without a system
/// CA store (a `FROM scratch` image) the platform verifier cannot start; then the client
/// trusts no certificate at all (`https` upstreams fail, plain `http` works) instead of
/// panicking, which is what `Client::default()` would do.
fn gateway_client() -> reqwest::Client {
    let builder = || {
        reqwest::Client::builder()
            .no_proxy()
            .timeout(std::time::Duration::from_secs(10))
    };
    builder().build().unwrap_or_else(|error| {
        tracing::warn!(%error, "no usable CA store: the gateway will not reach https upstreams");
        builder()
            .tls_certs_only(std::iter::empty())
            .build()
            .unwrap_or_else(|_| reqwest::Client::new())
    })
}
