//! [`Engine`]: the Docker engine as the container target needs it — reachable or not, whether
//! the locally built image exists, and the host ports of a running mock container.
//!
//! It talks to the engine with bollard (re-exported by testcontainers), negotiating the API
//! version so older engines work too.

use std::time::Duration;

use testcontainers::bollard::Docker;
use testcontainers::bollard::errors::Error as BollardError;
use testcontainers::bollard::models::ContainerInspectResponse;
use testcontainers::bollard::query_parameters::RemoveContainerOptionsBuilder;

use crate::targets::error::{TargetCode, TargetError};

/// The image the container target runs; `docflow image build` makes it.
pub const IMAGE_NAME: &str = "docflow-mock";
/// The tag the container target runs.
pub const IMAGE_TAG: &str = "latest";
/// The command that builds the image, for error messages.
pub const BUILD_COMMAND: &str = "cargo run -- image build";
/// The mock's API port inside the container.
pub const API_PORT: u16 = 8080;
/// The mock's proxy port inside the container.
pub const PROXY_PORT: u16 = 8000;
/// Label on every container the target starts (value: the image id).
pub const LABEL: &str = "io.docflow.mock";

/// How long the engine may take to answer a ping.
const PING_TIMEOUT: Duration = Duration::from_secs(5);

/// A reachable Docker engine.
#[derive(Debug, Clone)]
pub struct Engine {
    docker: Docker,
}

/// A running mock container's endpoints, as seen from the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// `http://127.0.0.1:{mapped api port}`.
    pub api_url: String,
    /// `http://127.0.0.1:{mapped proxy port}`.
    pub proxy_url: String,
}

/// What `DOCKER_HOST` points at, or the default socket, for messages.
pub fn docker_host() -> String {
    std::env::var("DOCKER_HOST")
        .ok()
        .filter(|h| !h.trim().is_empty())
        .unwrap_or_else(|| "/var/run/docker.sock".to_owned())
}

fn no_docker(cause: impl std::fmt::Display) -> TargetError {
    TargetError::new(
        TargetCode::NoDocker,
        format!("no Docker engine at {}: {cause}", docker_host()),
    )
}

impl Engine {
    /// Connects to the engine at `DOCKER_HOST` (default: the local socket) and pings it.
    /// Failing that is `target::no_docker`.
    pub async fn connect() -> Result<Self, TargetError> {
        let docker = Docker::connect_with_defaults().map_err(no_docker)?;
        let docker = tokio::time::timeout(PING_TIMEOUT, async {
            let docker = docker.negotiate_version().await?;
            docker.ping().await?;
            Ok::<_, BollardError>(docker)
        })
        .await
        .map_err(|_| no_docker("no answer within 5s"))?
        .map_err(no_docker)?;
        Ok(Self { docker })
    }

    /// The id (`sha256:…`) of the image `name:tag`, or `target::no_image` with the build
    /// command. The image is never pulled: there is no registry for it.
    pub async fn image_id(&self, name: &str, tag: &str) -> Result<String, TargetError> {
        let reference = format!("{name}:{tag}");
        match self.docker.inspect_image(&reference).await {
            Ok(image) => image.id.ok_or_else(|| {
                TargetError::new(
                    TargetCode::Docker,
                    format!("the engine reported image `{reference}` without an id"),
                )
            }),
            Err(BollardError::DockerResponseServerError {
                status_code: 404, ..
            }) => Err(TargetError::new(
                TargetCode::NoImage,
                format!(
                    "image `{reference}` is not built (it is never pulled): build it with \
                     `{BUILD_COMMAND}`"
                ),
            )),
            Err(e) => Err(TargetError::new(
                TargetCode::Docker,
                format!("cannot inspect image `{reference}`: {e}"),
            )),
        }
    }

    /// The container named `name`, if it exists.
    pub async fn inspect(
        &self,
        name: &str,
    ) -> Result<Option<ContainerInspectResponse>, TargetError> {
        match self.docker.inspect_container(name, None).await {
            Ok(c) => Ok(Some(c)),
            Err(BollardError::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(None),
            Err(e) => Err(TargetError::new(
                TargetCode::Docker,
                format!("cannot inspect container `{name}`: {e}"),
            )),
        }
    }

    /// Removes the container `name`, ignoring failures (it may be going away by itself).
    pub async fn remove(&self, name: &str) {
        let options = RemoveContainerOptionsBuilder::new().force(true).build();
        if let Err(e) = self.docker.remove_container(name, Some(options)).await {
            tracing::debug!(container = %name, error = %e, "could not remove a container");
        }
    }
}

/// Whether the container is running.
pub fn is_running(container: &ContainerInspectResponse) -> bool {
    container
        .state
        .as_ref()
        .and_then(|s| s.running)
        .unwrap_or(false)
}

/// The host endpoints of a running mock container, from its port bindings.
pub fn endpoints(container: &ContainerInspectResponse) -> Option<Endpoints> {
    let ports = container.network_settings.as_ref()?.ports.as_ref()?;
    let host_port = |port: u16| -> Option<u16> {
        ports
            .get(&format!("{port}/tcp"))?
            .as_ref()?
            .iter()
            // Bound to 127.0.0.1 by the target; an IPv6 binding is not usable as 127.0.0.1.
            .filter(|b| b.host_ip.as_deref().is_none_or(|ip| !ip.contains(':')))
            .find_map(|b| b.host_port.as_deref()?.parse().ok())
    };
    Some(Endpoints {
        api_url: format!("http://127.0.0.1:{}", host_port(API_PORT)?),
        proxy_url: format!("http://127.0.0.1:{}", host_port(PROXY_PORT)?),
    })
}

/// The name every process gives the mock container of one image, so that test processes
/// (nextest runs each test in its own) share it instead of starting one each.
pub fn container_name(image_id: &str) -> String {
    let hex = image_id.strip_prefix("sha256:").unwrap_or(image_id);
    format!("docflow-mock-{}", &hex[..hex.len().min(12)])
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use testcontainers::bollard::models::{NetworkSettings, PortBinding};

    use super::*;

    fn binding(ip: &str, port: &str) -> PortBinding {
        PortBinding {
            host_ip: Some(ip.into()),
            host_port: Some(port.into()),
        }
    }

    #[test]
    fn reads_mapped_ports() {
        let ports = HashMap::from([
            (
                "8080/tcp".to_owned(),
                Some(vec![binding("::", "1"), binding("127.0.0.1", "32772")]),
            ),
            (
                "8000/tcp".to_owned(),
                Some(vec![binding("127.0.0.1", "32773")]),
            ),
        ]);
        let container = ContainerInspectResponse {
            network_settings: Some(NetworkSettings {
                ports: Some(ports),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(
            endpoints(&container),
            Some(Endpoints {
                api_url: "http://127.0.0.1:32772".into(),
                proxy_url: "http://127.0.0.1:32773".into(),
            })
        );
        assert_eq!(endpoints(&ContainerInspectResponse::default()), None);
    }

    #[test]
    fn names_containers_by_image() {
        assert_eq!(
            container_name("sha256:f4339d4d2da2dd34d03fb1ecbe5f915e"),
            "docflow-mock-f4339d4d2da2"
        );
        assert_eq!(container_name("abc"), "docflow-mock-abc");
    }
}
