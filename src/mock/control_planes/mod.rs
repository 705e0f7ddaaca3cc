//! Control planes v2 and their core entities: [`ControlPlaneStore`] is the main type.
//!
//! - `/v2/control-planes` ([`control_plane`]): create, list (paged, filtered), get, delete,
//!   answered in the shapes of the `control-planes/v2` spec with problem+json errors.
//! - `/v2/control-planes/{id}/core-entities/…` ([`core_entities`]): services, routes,
//!   consumers, plugins, in the Kong Admin API's shapes (Unix-epoch timestamps,
//!   `{data, next}` lists, [`admin_error`] bodies).
//! - Every change reaches the data plane after `MockConfig::propagation_delay`
//!   ([`store`]).

pub mod admin_error;
pub mod api;
pub mod consumer;
pub mod control_plane;
pub mod core_config;
pub mod core_entities;
pub mod fields;
pub mod introspection_schema;
pub mod oidc_not_emulated;
pub mod oidc_schema;
pub mod plugin;
pub mod query;
pub mod route;
pub mod service;
pub mod store;
pub mod upstream_oauth_schema;

pub use api::routes;
pub use core_config::CoreConfig;
pub use store::ControlPlaneStore;
