//! Each auth server's issuer, at `/identity/{issuer_id}/auth`: discovery, JWKS, the
//! client-credentials token endpoint and introspection. [`routes`] is the main item; the
//! minting rules live in [`minting`].
//!
//! The real issuer is a host per auth server (`https://{issuer_id}.us.identity.konghq.com/auth`);
//! the mock puts the issuer id in the path instead so one listener serves every issuer, and
//! the issuer URL stays whatever the client used to reach the mock.

pub mod client_auth;
pub mod discovery;
pub mod form;
pub mod introspect;
pub mod minting;
pub mod not_found;
pub mod oauth_error;
pub mod routes;
pub mod token;

pub use routes::routes;
