//! [`MockState`]: everything the mock's handlers share, behind one `Arc`.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use super::config::MockConfig;
use super::control_planes::ControlPlaneStore;
use super::faults::Faults;
use super::gateway::GatewayCache;
use super::identity::IdentityStore;
use super::journal::Journal;
use super::principals::PrincipalStore;
use crate::per_runtime::PerRuntime;

/// The pair of listeners a request came in on: the mock's first pair, or a door opened for
/// another runtime (see `MockServer::open_door`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listeners {
    /// The API listener's address.
    pub api: SocketAddr,
    /// The proxy listener's address.
    pub proxy: SocketAddr,
}

tokio::task_local! {
    /// Set around the handling of every request (`server::serve_pair`): the gateway's
    /// `X-Forwarded-Port` is the port its client connected to, and its calls to the mock's
    /// own issuers go to the API listener of the same pair, so they are answered on the
    /// runtime that serves that pair.
    static LISTENERS: Listeners;
}

impl Listeners {
    /// The pair the request being handled came in on, if it came in on one.
    pub fn current() -> Option<Self> {
        LISTENERS.try_with(|l| *l).ok()
    }

    /// Runs `future` (a request's handling) as having come in on this pair.
    pub async fn scope<F: std::future::Future>(self, future: F) -> F::Output {
        LISTENERS.scope(self, future).await
    }
}

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
    /// HTTP clients for the gateway's outbound calls (discovery, JWKS, token endpoint, upstreams).
    pub http: Outbound,
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
            http: Outbound::default(),
        })
    }
}

/// The gateway's outbound HTTP clients. Its calls go to the mock's own issuers and to
/// loopback upstreams, so a system proxy from the environment must never see them. Plain
/// `http` needs no certificates, so the client for `https` (which loads the platform's CA
/// store, a few milliseconds at every start) is built on the first `https` call. Without a
/// system CA store (a `FROM scratch` image) the platform verifier cannot start; then that
/// client trusts no certificate at all (`https` upstreams fail, plain `http` works) instead
/// of panicking, which is what `Client::default()` would do.
///
/// The `http` client is kept per tokio runtime ([`PerRuntime`]): the mock's own issuers, which
/// most of these calls go to, are answered on the runtime of the listener pair the call goes
/// to (see [`Listeners`]), so a runtime's calls stay on its thread.
#[derive(Debug, Default)]
pub struct Outbound {
    http: PerRuntime<(), reqwest::Client>,
    https: OnceLock<reqwest::Client>,
}

impl Outbound {
    /// The client for `url`.
    pub fn to(&self, url: &url::Url) -> reqwest::Client {
        if url.scheme() == "https" {
            return self
                .https
                .get_or_init(|| {
                    builder().build().unwrap_or_else(|error| {
                        tracing::warn!(%error, "no usable CA store: the gateway will not reach https upstreams");
                        without_roots()
                    })
                })
                .clone();
        }
        match self
            .http
            .get_or_build((), || Ok::<_, Infallible>(without_roots()))
        {
            Ok(client) => client,
            Err(never) => match never {},
        }
    }
}

fn builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(std::time::Duration::from_secs(10))
}

fn without_roots() -> reqwest::Client {
    builder()
        .tls_certs_only(std::iter::empty())
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}
