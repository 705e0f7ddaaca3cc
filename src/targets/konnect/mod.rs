//! The `konnect` target: a real Konnect organization. [`KonnectTarget`] is the main type.
//!
//! - [`config`]: the docs' variables (`KONNECT_TOKEN`, `KONNECT_CONTROL_PLANE_URL`, …), checked
//!   before any request;
//! - [`target`]: checks the quickstart control plane, opens sessions;
//! - [`labels`]: marks what a run creates and hides the marks from scenarios;
//! - [`pace`]: keeps under Kong Identity's per-auth-server rate limit;
//! - [`api`]: the target's own calls; [`sweep`]: deletes what killed runs left behind.

pub mod api;
pub mod config;
pub mod labels;
pub mod pace;
pub mod sweep;
pub mod target;

pub use api::KonnectApi;
pub use config::KonnectConfig;
pub use sweep::{SweepAction, SweepOptions, SweepReport, sweep};
pub use target::KonnectTarget;
