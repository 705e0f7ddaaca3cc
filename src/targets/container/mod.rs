//! The `container` target: Konnect-in-a-box in a container built from the same `docflow`
//! binary (`docflow image build`), started with testcontainers. [`ContainerTarget`] is the
//! main type; [`engine`] talks to Docker; [`target`] explains the container's lifecycle.

pub mod engine;
pub mod target;

pub use engine::{BUILD_COMMAND, IMAGE_NAME, IMAGE_TAG};
pub use target::{ContainerTarget, READY_LINE};
