//! Konnect-in-a-box: an embedded mock of the Konnect API, Kong Identity's issuers and
//! principals, and a data plane running the OpenID Connect plugin. [`server::MockServer`] is the main type.
//!
//! One composition ([`app::api_app`], [`app::proxy_app`]) serves three ways: in-process on
//! `127.0.0.1:0` (the default `mock` target), standalone with `docflow mock serve`, and in a
//! container built from the same binary.

pub mod app;
pub mod auth;
pub mod config;
pub mod control_planes;
pub mod faults;
pub mod gateway;
pub mod gateway_version;
pub mod httpbin;
pub mod identity;
pub mod issuer;
pub mod journal;
pub mod konnect_paths;
pub mod not_emulated;
pub mod principals;
pub mod problem;
pub mod redact_request;
pub mod request_org;
pub mod server;
pub mod state;

pub use config::MockConfig;
pub use server::MockServer;
