//! [`ContainerTarget`]: the mock running in a container built from the same binary, one per
//! image on the Docker engine, shared by every scenario and every test process.
//!
//! Lifecycle. A `static` is never dropped, so the container cannot be stopped "when the tests
//! end"; instead it stops itself:
//! - it runs `docflow mock serve --exit-when-idle 120s`: once no request has reached it for
//!   two minutes, the mock exits;
//! - it is created with Docker's auto-remove, so an exited container disappears;
//! - it carries the label `io.docflow.mock=<image id>` and the name
//!   `docflow-mock-<image id prefix>`; a process that finds it running (nextest starts one
//!   process per test) reuses it instead of starting another, and two processes racing to
//!   create it settle on one (the loser gets a name conflict and reuses the winner's).
//!
//! So a failing or killed test process leaves at most one idle container behind, for two
//! minutes. Scenarios stay isolated because each session is its own organization
//! ([`session_on`]). The container is started from a dedicated runtime thread that lives as
//! long as the process, like [`MockServer::start_background`](crate::mock::MockServer), so a
//! short-lived `#[tokio::test]` runtime cannot take the Docker client with it.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use testcontainers::bollard::errors::Error as BollardError;
use testcontainers::bollard::models::PortBinding;
use testcontainers::core::client::ClientError;
use testcontainers::core::{IntoContainerPort as _, WaitFor};
use testcontainers::runners::AsyncRunner as _;
use testcontainers::{ContainerAsync, GenericImage, ImageExt as _, TestcontainersError};
use tokio::sync::OnceCell;

use super::engine::{
    API_PORT, Endpoints, Engine, IMAGE_NAME, IMAGE_TAG, LABEL, PROXY_PORT, container_name,
    endpoints, is_running,
};
use crate::scenario::model::TargetKind;
use crate::targets::error::{TargetCode, TargetError};
use crate::targets::mock::session_on;
use crate::targets::session::Session;

pub use crate::mock::server::READY_LINE;

/// How long the mock in the container waits without a request before it exits.
pub const IDLE_EXIT: &str = "120s";

/// How long starting (or waiting for another process's) container may take.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The mock in a container, reachable on mapped `127.0.0.1` ports.
#[derive(Debug, Clone)]
pub struct ContainerTarget {
    name: String,
    endpoints: Endpoints,
}

static SHARED: OnceCell<Result<ContainerTarget, TargetError>> = OnceCell::const_new();

impl ContainerTarget {
    /// The process-wide container target: reuses the running container of the current image
    /// or starts it, on first use. A missing engine is `target::no_docker`, a missing image
    /// `target::no_image`; either is remembered for the rest of the process.
    pub async fn shared() -> Result<Self, TargetError> {
        SHARED.get_or_init(start_on_own_thread).await.clone()
    }

    /// The container's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Base URL of the mock's API, as the host sees it.
    pub fn api_url(&self) -> &str {
        &self.endpoints.api_url
    }

    /// Base URL of the mock's data plane, as the host sees it.
    pub fn proxy_url(&self) -> &str {
        &self.endpoints.proxy_url
    }

    /// A fresh organization with its quickstart control plane.
    pub async fn open_session(&self) -> Result<Session, TargetError> {
        session_on(
            TargetKind::Container,
            &self.endpoints.api_url,
            &self.endpoints.proxy_url,
        )
        .await
    }
}

/// Runs [`ensure`] on a thread whose runtime lives as long as the process, and keeps the
/// testcontainers handle there (dropping it would remove the container under the tests).
async fn start_on_own_thread() -> Result<ContainerTarget, TargetError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name("docflow-container".to_owned())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = tx.send(Err(TargetError::new(
                        TargetCode::ContainerStart,
                        format!("cannot start a runtime for the container target: {e}"),
                    )));
                    return;
                }
            };
            runtime.block_on(async move {
                match ensure().await {
                    Ok((target, handle)) => {
                        let _ = tx.send(Ok(target));
                        let _handle = handle;
                        std::future::pending::<()>().await;
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                    }
                }
            });
        });
    if let Err(e) = spawned {
        return Err(TargetError::new(
            TargetCode::ContainerStart,
            format!("cannot start the container target's thread: {e}"),
        ));
    }
    rx.await.unwrap_or_else(|_| {
        Err(TargetError::new(
            TargetCode::ContainerStart,
            "the container target's thread ended before the container was ready",
        ))
    })
}

/// Reuses the running mock container of the current image, or starts it.
async fn ensure() -> Result<(ContainerTarget, Option<ContainerAsync<GenericImage>>), TargetError> {
    let engine = Engine::connect().await?;
    let image_id = engine.image_id(IMAGE_NAME, IMAGE_TAG).await?;
    let name = container_name(&image_id);
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        match engine.inspect(&name).await? {
            Some(existing) if is_running(&existing) => {
                if let Some(endpoints) = endpoints(&existing)
                    && answers(&endpoints).await
                {
                    tracing::debug!(container = %name, "reusing the running mock container");
                    return Ok((ContainerTarget { name, endpoints }, None));
                }
                // Another process is starting it: wait for its mock to answer.
            }
            Some(existing) => {
                // Exited and not (yet) auto-removed: it is ours by name and label, clear it.
                let ours = existing
                    .config
                    .as_ref()
                    .and_then(|c| c.labels.as_ref())
                    .is_some_and(|l| l.contains_key(LABEL));
                if ours {
                    engine.remove(&name).await;
                }
            }
            None => match start(&name, &image_id).await {
                Ok(container) => {
                    let endpoints = engine
                        .inspect(&name)
                        .await?
                        .as_ref()
                        .and_then(endpoints)
                        .ok_or_else(|| {
                            TargetError::new(
                                TargetCode::ContainerStart,
                                format!("container `{name}` started without its port mappings"),
                            )
                        })?;
                    return Ok((ContainerTarget { name, endpoints }, Some(container)));
                }
                Err(Started::Conflict) => {}
                Err(Started::Failed(e)) => return Err(e),
            },
        }
        if Instant::now() > deadline {
            return Err(TargetError::new(
                TargetCode::ContainerStart,
                format!(
                    "container `{name}` exists but its mock did not answer within {}s; \
                     remove it with `docker rm -f {name}`",
                    START_TIMEOUT.as_secs()
                ),
            ));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Why [`start`] did not start a container.
enum Started {
    /// Another process created the container first.
    Conflict,
    /// Anything else.
    Failed(TargetError),
}

/// Starts the mock container and waits for its ready line.
async fn start(name: &str, image_id: &str) -> Result<ContainerAsync<GenericImage>, Started> {
    let loopback = |port: u16| {
        (
            format!("{port}/tcp"),
            Some(vec![PortBinding {
                host_ip: Some("127.0.0.1".to_owned()),
                // Empty: the engine picks a free host port.
                host_port: Some(String::new()),
            }]),
        )
    };
    let bindings: HashMap<_, _> = [loopback(API_PORT), loopback(PROXY_PORT)].into();
    let request = GenericImage::new(IMAGE_NAME, IMAGE_TAG)
        .with_exposed_port(API_PORT.tcp())
        .with_exposed_port(PROXY_PORT.tcp())
        .with_wait_for(WaitFor::message_on_stdout(READY_LINE))
        .with_container_name(name)
        .with_label(LABEL, image_id)
        .with_cmd(["--exit-when-idle", IDLE_EXIT])
        .with_startup_timeout(START_TIMEOUT)
        .with_host_config_modifier(move |host| {
            host.auto_remove = Some(true);
            // Tests bind 127.0.0.1 only: no port of the mock is published on other interfaces.
            host.publish_all_ports = Some(false);
            host.port_bindings = Some(bindings.clone());
        });
    request.start().await.map_err(|e| match e {
        TestcontainersError::Client(ClientError::CreateContainer(
            BollardError::DockerResponseServerError {
                status_code: 409, ..
            },
        )) => Started::Conflict,
        other => Started::Failed(TargetError::new(
            TargetCode::ContainerStart,
            format!(
                "cannot start container `{name}` from `{IMAGE_NAME}:{IMAGE_TAG}`: {other} \
                 (see its output with `docker run --rm {IMAGE_NAME}:{IMAGE_TAG}`)"
            ),
        )),
    })
}

/// Whether the mock's API answers at all. The probe is a journaled request, so it also
/// restarts the mock's idle countdown before the first session.
async fn answers(endpoints: &Endpoints) -> bool {
    let Ok(client) = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
    else {
        return false;
    };
    client
        .get(format!("{}/v2/control-planes", endpoints.api_url))
        .send()
        .await
        .is_ok()
}
