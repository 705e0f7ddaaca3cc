//! The OpenID Connect plugin (`openid-connect`) as the data plane runs it. [`OidcConfig`] is
//! the main type; [`access`] is the plugin's access phase.
//!
//! The plugin talks to identity providers only over HTTP, like the real one: discovery,
//! JWKS, token and introspection endpoints ([`issuer`]), with the mock's own issuers reached
//! through the API listener's address ([`outbound`]).

pub mod access;
pub mod claims;
pub mod config;
pub mod consumer;
pub mod credentials;
pub mod issuer;
pub mod outbound;
pub mod principal;
pub mod verified;
pub mod verify;

pub use access::access;
pub use config::OidcConfig;
