//! Kong Identity v1 (`/v1/auth-servers…`): auth servers, scopes, claims, clients and their
//! tokens, per organization. [`IdentityStore`] is the main type; [`routes`] the router.
//!
//! Shapes follow the current spec (`kong-identity/v1/openapi.yaml`, "Konnect Sliver" 1.0.2)
//! and the real responses in the facts sheet (§2): alphabetical keys, microsecond `Z`
//! timestamps, 16-character client ids and 24-character secrets, problem+json errors with
//! `kong:trace:` instances, and every invalid parameter reported at once.
//!
//! Each auth server gets its own RSA 2048 [`SigningKey`] (from [`key_pool`]) at creation and an issuer URL
//! `{base}/identity/{issuer_id}/auth` served by [`crate::mock::issuer`]. Claim values may be
//! templates; [`template`] documents the supported subset.
//!
//! Not implemented: the client `secrets` endpoints (one secret per client; rotate it with
//! PATCH or PUT), usage limits (50 auth servers, 5,000 clients).

pub mod auth_servers;
pub mod bundled_keys;
pub mod claims;
pub mod clients;
pub mod ids;
pub mod key_pool;
pub mod listing;
pub mod model;
pub mod respond;
pub mod routes;
pub mod scopes;
pub mod signing_key;
pub mod store;
pub mod sub_resource;
pub mod template;
pub mod validate;

pub use model::{AuthServer, Claim, Client, IssuedToken, Scope};
pub use routes::routes;
pub use signing_key::SigningKey;
pub use store::{AuthServerEntry, IdentityStore, StoreError};
pub use template::{Template, TemplateContext};
