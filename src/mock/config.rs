//! [`MockConfig`]: the knobs of Konnect-in-a-box, including every behaviour whose real
//! counterpart is UNVERIFIED (see `shared/facts/konnect.md`).

use std::time::Duration;

use super::gateway_version::GATEWAY_VERSION;

/// Which bearer tokens the management API accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenPolicy {
    /// Personal (`kpat_…`) and system account (`spat_…`) access tokens only, as Konnect does.
    /// Each distinct token is its own organization.
    #[default]
    PatOnly,
    /// Any non-empty bearer token; each distinct token is its own organization.
    Any,
}

/// Configuration of the mock.
#[derive(Debug, Clone)]
pub struct MockConfig {
    /// How long configuration takes to reach the data plane (0 in-process by default).
    pub propagation_delay: Duration,
    /// Which management API tokens are valid.
    pub token_policy: TokenPolicy,
    /// Public base URL of the API listener, used in issuer URLs. `None` takes it from each
    /// request's `Host` header, which is what a client (or a port-mapped container) sees.
    pub public_api_url: Option<String>,
    /// The region this mock pretends to be (`us`), used in generated host names.
    pub region: String,
    /// Name of the control plane whose configuration the proxy serves at its root
    /// (`KONNECT_PROXY_URL=http://localhost:8000`), as the quickstart data plane does.
    /// Every control plane is also served under `/dp/{control_plane_id}/` on the proxy.
    pub root_control_plane: String,
    /// The organization whose `root_control_plane` the proxy serves at its root
    /// (`mock serve --proxy-org`); `None`: the first organization that created one.
    pub proxy_org: Option<super::auth::OrgId>,
    /// Status of the token endpoint's `invalid_client` error. RFC 6749 allows 400 or 401;
    /// the real Kong Identity answer was not observed (UNVERIFIED), 401 is the likelier.
    pub invalid_client_status: u16,
    /// Whether the core-entities API accepts plugin names Kong Gateway does not ship. Kong
    /// answers 400 for a plugin that is not installed, and so does the mock by default; every
    /// plugin of the emulated version is accepted. `true` stores any name as given (config
    /// unvalidated); like every plugin the data plane does not execute, a route it applies to
    /// then answers the "not emulated" 501.
    pub accept_unknown_plugins: bool,
    /// The Kong Gateway version the data plane claims in `Via` and `Server` headers.
    pub kong_version: String,
    /// Whether a token request may ask for `openid` without a scope of that name (it is then
    /// granted). Every issuer advertises `openid` in `scopes_supported`, and the OIDC plugin's
    /// `client_credentials` flow sends `scope=openid` by default; what Kong Identity answers to
    /// it is UNVERIFIED. `false` makes it an `invalid_scope` like any unknown scope.
    pub implicit_openid_scope: bool,
    /// Whether an issuer's `/introspect` answer for an active token carries the token's
    /// custom claims besides RFC 7662's members. The OAuth 2.0 Introspection how-to forwards a
    /// custom claim with `custom_claims_forward`, which needs them; Kong Identity's real
    /// answer was not observed (UNVERIFIED).
    pub introspection_custom_claims: bool,
    /// How many principals directories an organization may hold. The docs say "up to one
    /// directory per region by default"; the status and body of the refusal are UNVERIFIED
    /// (the mock answers 409).
    pub directories_per_org: usize,
    /// Whether an `auth_server_client` identity must name an auth server of the
    /// organization and one of its clients (else 400 `missing_reference`). Whether Konnect
    /// checks this is UNVERIFIED.
    pub check_identity_references: bool,
    /// Whether the data plane tells the upstream which principal an `openid-connect`
    /// plugin with `principals.enabled` mapped the request to, in `X-Principal-Id` and
    /// `X-Principal-Display-Name`. The docs name no such headers (the principal is set in
    /// the request context for other plugins), so this is off by default and the header
    /// names are the mock's own (UNVERIFIED).
    pub principal_upstream_headers: bool,
    /// Whether a client's `"login_uri": ""` (create, replace) is read as `null` instead of
    /// refused as not a URI (the spec says `format: uri`). The OAuth clients how-to sends it;
    /// Kong Identity's answer is UNVERIFIED.
    pub empty_login_uri_is_null: bool,
}

impl Default for MockConfig {
    fn default() -> Self {
        Self {
            propagation_delay: Duration::ZERO,
            token_policy: TokenPolicy::PatOnly,
            public_api_url: None,
            region: "us".to_owned(),
            root_control_plane: "quickstart".to_owned(),
            proxy_org: None,
            invalid_client_status: 401,
            accept_unknown_plugins: false,
            kong_version: format!("{GATEWAY_VERSION}.0.0-enterprise-edition"),
            implicit_openid_scope: true,
            introspection_custom_claims: true,
            directories_per_org: 1,
            check_identity_references: true,
            principal_upstream_headers: false,
            empty_login_uri_is_null: true,
        }
    }
}
