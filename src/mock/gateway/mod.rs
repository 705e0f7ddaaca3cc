//! The data plane: the proxy listener serving each control plane's configuration, with the
//! OpenID Connect plugin. [`GatewayCache`] is the main type (held in `MockState`);
//! [`routes`] is the proxy listener's router.
//!
//! Which control plane serves a request ([`select`]): a request under
//! `/dp/{control_plane_id}/…` is served by that control plane (the prefix is removed before
//! routing); any other request is served by the control plane named
//! `MockConfig::root_control_plane` (`quickstart`) of one organization (`MockConfig::proxy_org`,
//! else the first that created it), as the quickstart data plane at `KONNECT_PROXY_URL` serves
//! its own control plane.
//!
//! A request is routed ([`router`]), the applicable plugins run ([`plugins`], [`oidc`]),
//! and it is forwarded ([`upstream`]) to the built-in httpbin for `httpbin.konghq.com` and
//! `httpbin.org`, or over real HTTP to any other host. Configuration changes reach the
//! data plane after `MockConfig::propagation_delay`.

pub mod cache;
pub mod introspection;
pub mod kong_response;
pub mod oidc;
pub mod plugins;
pub mod proxy;
pub mod request;
pub mod router;
pub mod select;
pub mod upstream;
pub mod upstream_oauth;

pub use cache::GatewayCache;
pub use oidc::OidcConfig;
pub use proxy::routes;
