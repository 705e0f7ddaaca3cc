//! [`MockServer`]: binds both listeners and serves the mock until shut down.

use std::io;
use std::net::SocketAddr;
use std::thread;

use axum::extract::Request;
use axum::middleware::{self, Next};
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::app::{api_app, proxy_app};
use super::config::MockConfig;
use super::state::{Listeners, MockState, SharedState};

/// The line `docflow mock serve` prints once both listeners accept connections.
pub const READY_LINE: &str = "docflow mock ready";

/// A running mock: its two base URLs and the handle that stops it.
#[derive(Debug)]
pub struct MockServer {
    /// Base URL of the API listener (`http://127.0.0.1:PORT`), the `KONNECT_CONTROL_PLANE_URL`.
    pub api_url: String,
    /// Base URL of the proxy listener (`http://127.0.0.1:PORT`).
    pub proxy_url: String,
    /// The shared state, for in-process inspection.
    pub state: SharedState,
    stop: watch::Sender<bool>,
}

impl MockServer {
    /// Binds `api_addr` and `proxy_addr` (port 0 picks a free port) and serves on the current
    /// tokio runtime until [`MockServer::stop`] or drop.
    pub async fn start(
        config: MockConfig,
        api_addr: SocketAddr,
        proxy_addr: SocketAddr,
    ) -> io::Result<Self> {
        let api = TcpListener::bind(api_addr).await?;
        let proxy = TcpListener::bind(proxy_addr).await?;
        let api_local = api.local_addr()?;
        let proxy_local = proxy.local_addr()?;
        let state = MockState::new(config);
        let _ = state.api_addr.set(api_local);
        let _ = state.proxy_addr.set(proxy_local);
        let stop = serve_pair(&state, api, proxy, api_local, proxy_local);
        Ok(Self {
            api_url: format!("http://{}", display_addr(api_local)),
            proxy_url: format!("http://{}", display_addr(proxy_local)),
            state,
            stop,
        })
    }

    /// Starts the mock on `127.0.0.1:0` on a dedicated runtime thread that lives as long as
    /// the process, so tests with their own short-lived runtimes can share one mock.
    pub fn start_background(config: MockConfig) -> io::Result<Self> {
        let (tx, rx) = std::sync::mpsc::channel();
        thread::Builder::new()
            .name("docflow-mock".to_owned())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
                    match Self::start(config, loopback, loopback).await {
                        Ok(server) => {
                            let mut stopped = server.stop.subscribe();
                            let _ = tx.send(Ok(server));
                            let _ = stopped.wait_for(|s| *s).await;
                        }
                        Err(e) => {
                            let _ = tx.send(Err(e));
                        }
                    }
                });
            })?;
        rx.recv()
            .map_err(|_| io::Error::other("mock thread exited before it was ready"))?
    }

    /// Opens a [`Door`]: two more listeners on `127.0.0.1:0` serving this same mock (the same
    /// organizations and entities) from tasks of the current tokio runtime, for as long as the
    /// door is kept. `docflow run` gives each of its runtime threads a door, so a scenario's
    /// requests are answered on the thread that sends them: on loopback, handing every
    /// request to another thread and back cost more than answering it.
    pub async fn open_door(&self) -> io::Result<Door> {
        let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
        let api = TcpListener::bind(loopback).await?;
        let proxy = TcpListener::bind(loopback).await?;
        let (api_local, proxy_local) = (api.local_addr()?, proxy.local_addr()?);
        let stop = serve_pair(&self.state, api, proxy, api_local, proxy_local);
        Ok(Door {
            api_url: format!("http://{api_local}"),
            proxy_url: format!("http://{proxy_local}"),
            stop,
        })
    }

    /// Stops both listeners (in-flight requests finish first).
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// More listeners of a running mock, served on the runtime that opened them (see
/// [`MockServer::open_door`]); dropping it closes them (in-flight requests finish first).
#[derive(Debug)]
pub struct Door {
    /// Base URL of this door's API listener.
    pub api_url: String,
    /// Base URL of this door's proxy listener.
    pub proxy_url: String,
    stop: watch::Sender<bool>,
}

impl Drop for Door {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Serves `state` on both listeners from tasks of the current runtime until the returned
/// sender says stop (or is dropped).
fn serve_pair(
    state: &SharedState,
    api: TcpListener,
    proxy: TcpListener,
    api_local: SocketAddr,
    proxy_local: SocketAddr,
) -> watch::Sender<bool> {
    let (stop, stopped) = watch::channel(false);
    let pair = Listeners {
        api: api_local,
        proxy: proxy_local,
    };
    let scoped =
        middleware::from_fn(move |request: Request, next: Next| pair.scope(next.run(request)));
    for (listener, app) in [
        (api, api_app(state.clone()).layer(scoped.clone())),
        (proxy, proxy_app(state.clone()).layer(scoped)),
    ] {
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            // A dropped sender stops the listener too.
            let shutdown = async move {
                let _ = stopped.wait_for(|s| *s).await;
            };
            // Connect info gives the gateway the client's address (httpbin's `origin`,
            // `X-Forwarded-For`), as a real data plane sees it.
            let service = app.into_make_service_with_connect_info::<SocketAddr>();
            if let Err(error) = axum::serve(listener, service)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::error!(%error, "mock listener failed");
            }
        });
    }
    stop
}

/// `0.0.0.0` is not a connectable address; show it as `127.0.0.1`.
fn display_addr(addr: SocketAddr) -> SocketAddr {
    if addr.ip().is_unspecified() {
        SocketAddr::from(([127, 0, 0, 1], addr.port()))
    } else {
        addr
    }
}
