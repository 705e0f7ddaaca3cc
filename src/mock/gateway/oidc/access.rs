//! The `openid-connect` plugin's access phase: [`access`] authenticates the request with
//! the enabled methods, authorizes it (`scopes_required`, `audience_required`), maps it to a
//! Kong Identity principal (`principals`, see [`super::principal`]) and a consumer, and sets
//! the upstream headers; or answers as Kong does ([`Failure`]).
//!
//! Methods implemented: `bearer` (JWT verified against the JWKS), `introspection` (opaque
//! tokens, or JWTs when `bearer` is off, via the provider's introspection endpoint with the
//! plugin's own client) and `client_credentials` (the client's own id and secret exchanged
//! at the token endpoint; the minted token goes upstream). `authorization_code`, `session`,
//! `password`, `refresh_token`, `kong_oauth2` and `userinfo` are accepted in configuration
//! but never authenticate in the mock: where real Kong would start an authorization code
//! flow (a redirect), the mock answers 401.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::http::{Method, StatusCode};
use axum::response::Response;
use jsonwebtoken::decode_header;
use serde_json::{Map, Value};
use url::Url;
use uuid::Uuid;

use super::claims::{find_claim, listing, satisfies};
use super::config::OidcConfig;
use super::consumer::{consumer_headers, find_anonymous, find_consumer};
use super::credentials::{find_bearer, find_client_credentials, hide};
use super::issuer::{self, client_credentials_token, introspect};
use super::principal;
use super::verify::{Rejection, looks_like_jwt, verify};
use crate::mock::control_planes::CoreConfig;
use crate::mock::control_planes::consumer::Consumer;
use crate::mock::gateway::cache::IssuerEntry;
use crate::mock::gateway::kong_response::kong_exit;
use crate::mock::gateway::request::ProxyRequest;
use crate::mock::principals::Principal;
use crate::mock::state::MockState;
use crate::secret::Secret;

/// Why the plugin refused a request, with the reason `display_errors` appends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// 401: no usable credential, or an invalid one.
    Unauthorized(String),
    /// 403: authenticated, but not authorized.
    Forbidden(String),
    /// 500: discovery or another provider call failed unexpectedly.
    Unexpected(String),
    /// The provider's public host cannot be reached from where the mock runs: not emulated.
    ProviderUnreachable(String),
}

/// A successful authentication.
#[derive(Debug)]
struct Authenticated {
    access_token: Secret,
    /// Claims of the access token, or the introspection result.
    claims: Value,
    consumer: Option<Consumer>,
    /// The Kong Identity principal (`principals.enabled`).
    principal: Option<Principal>,
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Seconds from configuration as a `Duration` (negative or absurd values are clamped).
fn seconds(value: f64) -> Duration {
    if value.is_finite() && value > 0.0 {
        Duration::from_secs_f64(value.min(1e9))
    } else {
        Duration::ZERO
    }
}

fn is_preflight(request: &ProxyRequest) -> bool {
    request.method == Method::OPTIONS
        && request.header("origin").is_some()
        && request.header("access-control-request-method").is_some()
}

/// The response Kong gives for `failure`.
///
/// 401 carries `WWW-Authenticate: Bearer realm="<issuer host>", error="invalid_token"`, as
/// observed on Kong 3.11 (facts §6); that the same header is sent when no credential was
/// given at all is UNVERIFIED. The 403 and 500 bodies follow Kong's source
/// (`{"message":"Forbidden"}`, `{"message":"An unexpected error occurred"}`) and are
/// UNVERIFIED on current versions.
pub fn respond(version: &str, config: &OidcConfig, failure: &Failure) -> Response {
    let realm = Url::parse(&config.issuer)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "kong".to_owned());
    let with_reason = |message: &str, reason: &str| {
        if config.display_errors && !reason.is_empty() {
            format!("{message} ({reason})")
        } else {
            message.to_owned()
        }
    };
    match failure {
        Failure::Unauthorized(reason) => kong_exit(
            version,
            StatusCode::UNAUTHORIZED,
            &with_reason(&config.unauthorized_error_message, reason),
            &[(
                "www-authenticate",
                format!("Bearer realm=\"{realm}\", error=\"invalid_token\""),
            )],
        ),
        Failure::Forbidden(reason) => kong_exit(
            version,
            StatusCode::FORBIDDEN,
            &with_reason(&config.forbidden_error_message, reason),
            &[("www-authenticate", format!("Bearer realm=\"{realm}\""))],
        ),
        Failure::ProviderUnreachable(host) => crate::mock::not_emulated::response(
            &format!("provider {host} unreachable"),
            &format!(
                "the OpenID Connect provider `{host}` cannot be reached from docflow's mock (no network to it)"
            ),
        ),
        Failure::Unexpected(reason) => kong_exit(
            version,
            StatusCode::INTERNAL_SERVER_ERROR,
            &with_reason("An unexpected error occurred", reason),
            &[],
        ),
    }
}

/// Runs the plugin on `request`: `Ok` lets it through (headers set), `Err` is the answer.
/// `plane` is the control plane whose configuration serves the request (for the
/// principal lookup).
pub async fn access(
    state: &MockState,
    config: &OidcConfig,
    core: &CoreConfig,
    plane: Uuid,
    request: &mut ProxyRequest,
) -> Result<(), Response> {
    if !config.run_on_preflight && is_preflight(request) {
        return Ok(());
    }
    match authenticate(state, config, core, plane, request).await {
        Ok(auth) => {
            apply(config, request, &auth);
            if state.config.principal_upstream_headers {
                set_principal(request, auth.principal.as_ref());
            }
            Ok(())
        }
        Err(Failure::Unauthorized(_) | Failure::Forbidden(_)) if config.anonymous.is_some() => {
            let anonymous = config.anonymous.as_deref().unwrap_or("");
            match find_anonymous(&core.consumers, anonymous) {
                Some(consumer) => {
                    set_consumer(request, Some(consumer));
                    request.set_header("x-anonymous-consumer", "true");
                    Ok(())
                }
                None => Err(respond(
                    &state.config.kong_version,
                    config,
                    &Failure::Unexpected("anonymous consumer was not found".into()),
                )),
            }
        }
        Err(failure) => {
            // Reasons never hold credentials: they name claims, endpoints and RFC 6749 codes.
            tracing::debug!(?failure, "openid-connect refused the request");
            Err(respond(&state.config.kong_version, config, &failure))
        }
    }
}

async fn authenticate(
    state: &MockState,
    config: &OidcConfig,
    core: &CoreConfig,
    plane: Uuid,
    request: &mut ProxyRequest,
) -> Result<Authenticated, Failure> {
    let entry = issuer::issuer(state, config).await.map_err(|e| {
        match e.strip_prefix(issuer::UNREACHABLE) {
            Some(host) => Failure::ProviderUnreachable(host.to_owned()),
            None => Failure::Unexpected(e),
        }
    })?;
    let now = now();
    let bearer_enabled =
        config.allows("bearer") || config.allows("introspection") || config.allows("kong_oauth2");
    let bearer = bearer_enabled
        .then(|| find_bearer(request, &config.bearer_token_param_type))
        .flatten();
    let (access_token, claims) = if let Some(bearer) = bearer {
        if config.hide_credentials {
            hide(request, bearer.location, false);
        }
        let token = bearer.token;
        let claims = bearer_claims(state, &entry, config, token.expose(), now).await?;
        (token, claims)
    } else if let Some(credentials) = config
        .allows("client_credentials")
        .then(|| find_client_credentials(request, &config.client_credentials_param_type))
        .flatten()
    {
        if config.hide_credentials {
            hide(request, credentials.location, true);
        }
        exchange(
            state,
            &entry,
            config,
            &credentials.client_id,
            &credentials.client_secret,
            now,
        )
        .await?
    } else {
        return Err(Failure::Unauthorized(
            "no suitable authorization credentials were provided".into(),
        ));
    };
    authorize(config, &claims)?;
    let mapped = match config.principals.as_ref().filter(|p| p.enabled) {
        Some(settings) => {
            principal::map(state, settings, core, plane, &claims).map_err(Failure::Unauthorized)?
        }
        None => None,
    };
    let (principal, linked) = mapped.map_or((None, None), |m| (Some(m.principal), m.consumer));
    let consumer = consumer_of(config, core, &claims, linked)?;
    Ok(Authenticated {
        access_token,
        claims,
        consumer,
        principal,
    })
}

/// The claims of a bearer token: a JWT's verified claims (introspected too when
/// `introspect_jwt_tokens`), or the introspection result of an opaque token.
async fn bearer_claims(
    state: &MockState,
    entry: &IssuerEntry,
    config: &OidcConfig,
    token: &str,
    now: i64,
) -> Result<Value, Failure> {
    if config.allows("bearer") && looks_like_jwt(token) {
        let claims = verify_token(state, entry, config, token, now)
            .await
            .map_err(Failure::Unauthorized)?;
        if config.introspect_jwt_tokens {
            let result = introspect_token(state, entry, config, token, now)
                .await
                .map_err(Failure::Unauthorized)?;
            if result.get("active") != Some(&Value::Bool(true)) {
                return Err(Failure::Unauthorized(
                    "jwt bearer token is not active anymore or has been revoked".into(),
                ));
            }
        }
        Ok(claims)
    } else if config.allows("introspection") {
        let result = introspect_token(state, entry, config, token, now)
            .await
            .map_err(Failure::Unauthorized)?;
        if config.introspection_check_active && result.get("active") != Some(&Value::Bool(true)) {
            return Err(Failure::Unauthorized("token is not active".into()));
        }
        let leeway = super::verify::leeway_seconds(config.leeway);
        if let Some(exp) = result.get("exp").and_then(Value::as_i64)
            && now > exp.saturating_add(leeway)
        {
            return Err(Failure::Unauthorized("token has expired".into()));
        }
        Ok(result)
    } else {
        Err(Failure::Unauthorized(
            "opaque bearer token was provided but introspection is not enabled".into(),
        ))
    }
}

/// The consumer the request runs as: the one linked to the principal, else the one the
/// first of `consumer_claims` the token has names (`consumer_optional` lets none match).
fn consumer_of(
    config: &OidcConfig,
    core: &CoreConfig,
    claims: &Value,
    linked: Option<Consumer>,
) -> Result<Option<Consumer>, Failure> {
    // The first of `consumer_claims` the token has is the one mapped.
    let claim_path = config.consumer_claims.as_ref().and_then(|paths| {
        paths
            .iter()
            .find(|p| find_claim(claims, p).is_some())
            .or_else(|| paths.first())
    });
    match claim_path {
        // A consumer linked to the principal overrides the claim mapping (`match_consumer`).
        _ if linked.is_some() => Ok(linked),
        Some(path) if !path.is_empty() => {
            match find_consumer(&core.consumers, claims, config, path) {
                Ok(c) => Ok(Some(c.clone())),
                Err(_) if config.consumer_optional => Ok(None),
                Err(reason) if reason == "kong consumer was not found" => {
                    Err(Failure::Forbidden(reason))
                }
                Err(reason) => Err(Failure::Forbidden(format!(
                    "kong consumer was not found ({reason})"
                ))),
            }
        }
        _ => Ok(None),
    }
}

/// Verifies a JWT, refetching the keys once when it names an unknown key.
async fn verify_token(
    state: &MockState,
    entry: &IssuerEntry,
    config: &OidcConfig,
    token: &str,
    now: i64,
) -> Result<Value, String> {
    let issuer = entry.discovery.issuer.as_str();
    let min_interval = seconds(config.rediscovery_lifetime);
    match verify(token, &entry.keys(), config, issuer, now) {
        Ok(claims) => Ok(claims),
        Err(Rejection::Invalid(reason)) => Err(reason),
        Err(Rejection::UnknownKey) => {
            let kid = decode_header(token).ok().and_then(|h| h.kid);
            let keys = issuer::keys(state, entry, kid.as_deref(), min_interval).await;
            match verify(token, &keys, config, issuer, now) {
                Ok(claims) => Ok(claims),
                Err(Rejection::Invalid(reason)) => Err(reason),
                Err(Rejection::UnknownKey) => {
                    Err("no suitable jwk was found for signature verification".into())
                }
            }
        }
    }
}

/// Introspects a token, through the cache when `cache_introspection` is on.
async fn introspect_token(
    state: &MockState,
    entry: &IssuerEntry,
    config: &OidcConfig,
    token: &str,
    now: i64,
) -> Result<Value, String> {
    let key = state.gateway.key(("introspection", &config.issuer, token));
    if config.cache_introspection
        && let Some(cached) = state.gateway.introspection(key)
    {
        return Ok(cached);
    }
    let result = introspect(state, &entry.discovery, config, token).await?;
    if config.cache_introspection && result.get("active") == Some(&Value::Bool(true)) {
        let mut ttl = seconds(config.cache_ttl);
        if let Some(exp) = result.get("exp").and_then(Value::as_i64) {
            let left = u64::try_from(exp.saturating_sub(now)).unwrap_or(0);
            ttl = ttl.min(Duration::from_secs(left));
        }
        if let Some(until) = Instant::now().checked_add(ttl) {
            state.gateway.put_introspection(key, result.clone(), until);
        }
    }
    Ok(result)
}

/// The client-credentials grant: the client's own credentials are exchanged at the token
/// endpoint (through the token cache when `cache_tokens` is on) and the token verified.
async fn exchange(
    state: &MockState,
    entry: &IssuerEntry,
    config: &OidcConfig,
    client_id: &str,
    client_secret: &Secret,
    now: i64,
) -> Result<(Secret, Value), Failure> {
    let key = state.gateway.key((
        "client_credentials",
        &config.issuer,
        &config.token_endpoint,
        client_id,
        client_secret.expose(),
        &config.scopes,
        &config.cache_tokens_salt,
    ));
    let cached = config
        .cache_tokens
        .then(|| state.gateway.token(key))
        .flatten();
    let token = match cached {
        Some(token) => token,
        None => {
            let response =
                client_credentials_token(state, &entry.discovery, config, client_id, client_secret)
                    .await
                    .map_err(Failure::Unauthorized)?;
            if config.cache_tokens {
                // `expires_in` is the provider's: bounded like `cache_ttl`, so the sum
                // cannot overflow `Instant`.
                let ttl = response.expires_in.map_or_else(
                    || seconds(config.cache_ttl),
                    |s| Duration::from_secs(s.min(1_000_000_000)),
                );
                if let Some(until) = Instant::now().checked_add(ttl) {
                    state
                        .gateway
                        .put_token(key, response.access_token.clone(), until);
                }
            }
            response.access_token
        }
    };
    if !looks_like_jwt(token.expose()) {
        return Ok((token, Value::Object(Map::new())));
    }
    match verify_token(state, entry, config, token.expose(), now).await {
        Ok(claims) => Ok((token, claims)),
        Err(reason) => {
            state.gateway.drop_token(key);
            Err(Failure::Unauthorized(reason))
        }
    }
}

/// `scopes_required` then `audience_required`, as Kong checks them.
fn authorize(config: &OidcConfig, claims: &Value) -> Result<(), Failure> {
    let checks = [
        ("scopes", &config.scopes_required, &config.scopes_claim),
        (
            "audience",
            &config.audience_required,
            &config.audience_claim,
        ),
    ];
    for (what, required, claim) in checks {
        let Some(required) = required.as_ref().filter(|r| !r.is_empty()) else {
            continue;
        };
        let Some(present) = find_claim(claims, claim) else {
            return Err(Failure::Forbidden(format!(
                "{what} required but no {what} found"
            )));
        };
        if !satisfies(required, &present) {
            let noun = if what == "scopes" {
                "required scopes were not found"
            } else {
                "required audience was not found"
            };
            return Err(Failure::Forbidden(format!("{noun} {}", listing(&present))));
        }
    }
    Ok(())
}

fn set_consumer(request: &mut ProxyRequest, consumer: Option<&Consumer>) {
    for (name, value) in consumer_headers(consumer) {
        match value {
            Some(v) => request.set_header(name, &v),
            None => request.remove_header(name),
        }
    }
    request.remove_header("x-anonymous-consumer");
}

/// `X-Principal-Id` and `X-Principal-Display-Name` of the mapped principal (the mock's own
/// names, see `MockConfig::principal_upstream_headers`); removed when there is none, so a
/// client cannot send its own.
fn set_principal(request: &mut ProxyRequest, principal: Option<&Principal>) {
    let id = principal.map(|p| p.id.clone());
    let name = principal.and_then(|p| p.display_name.clone());
    for (header, value) in [("x-principal-id", id), ("x-principal-display-name", name)] {
        match value {
            Some(v) => request.set_header(header, &v),
            None => request.remove_header(header),
        }
    }
}

/// A claim value as an upstream header value: arrays joined by `, `.
fn header_value(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => Some(
            items
                .iter()
                .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        other => Some(other.to_string()),
    }
}

/// Sets the upstream headers of an authenticated request.
fn apply(config: &OidcConfig, request: &mut ProxyRequest, auth: &Authenticated) {
    set_consumer(request, auth.consumer.as_ref());
    if auth.consumer.is_none()
        && let Some(path) = &config.authenticated_groups_claim
        && let Some(groups) = find_claim(&auth.claims, path)
    {
        let groups: Vec<&str> = groups.split_whitespace().collect();
        request.set_header("x-authenticated-groups", &groups.join(", "));
    }
    if let (Some(claims), Some(names)) = (
        &config.upstream_headers_claims,
        &config.upstream_headers_names,
    ) {
        for (claim, name) in claims.iter().zip(names) {
            if let Some(value) = auth.claims.get(claim.as_str()).and_then(header_value) {
                request.set_header(name, &value);
            }
        }
    }
    if let Some(spec) = config
        .upstream_access_token_header
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        let (name, kind) = spec.split_once(':').unwrap_or((spec, ""));
        let value = if kind.eq_ignore_ascii_case("bearer") {
            format!("Bearer {}", auth.access_token.expose())
        } else {
            auth.access_token.expose().to_owned()
        };
        request.set_header(name, &value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::control_planes::oidc_schema;
    use axum::body::Bytes;
    use axum::http::HeaderMap;
    use serde_json::json;

    fn config(extra: Value) -> OidcConfig {
        let mut raw = json!({"issuer": "http://127.0.0.1:9/identity/x/auth"});
        if let (Value::Object(r), Value::Object(e)) = (&mut raw, extra) {
            r.extend(e);
        }
        OidcConfig::from_config(&oidc_schema::validate(Some(&raw)).unwrap()).unwrap()
    }

    fn request() -> ProxyRequest {
        ProxyRequest {
            method: Method::GET,
            path: "/anything".into(),
            query: None,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            client_ip: "127.0.0.1".into(),
            listener_port: None,
        }
    }

    #[test]
    fn authorization_checks_scopes_then_audience() {
        let c = config(json!({"scopes_required": ["my-scope"],
                              "audience_required": ["http://myhttpbin.dev"]}));
        let ok = json!({"scope": "my-scope", "aud": ["http://myhttpbin.dev"]});
        assert_eq!(authorize(&c, &ok), Ok(()));
        let wrong_aud = json!({"scope": "my-scope", "aud": ["http://other"]});
        assert_eq!(
            authorize(&c, &wrong_aud),
            Err(Failure::Forbidden(
                "required audience was not found [ http://other ]".into()
            ))
        );
        assert_eq!(
            authorize(&c, &json!({"aud": "http://myhttpbin.dev"})),
            Err(Failure::Forbidden(
                "scopes required but no scopes found".into()
            ))
        );
        // `audience` alone checks nothing: it only goes to the authorization endpoint.
        let audience_only = config(json!({"audience": ["http://myhttpbin.dev"]}));
        assert_eq!(authorize(&audience_only, &json!({"aud": ["x"]})), Ok(()));
    }

    #[test]
    fn applies_token_consumer_and_claim_headers() {
        let c = config(json!({"upstream_headers_claims": ["client_id"],
                              "upstream_headers_names": ["x-client"]}));
        let consumer = Consumer::parse(&json!({"username": "u"}), None, None, 1).unwrap();
        let mut r = request();
        r.set_header("x-consumer-custom-id", "spoofed");
        r.set_header("x-anonymous-consumer", "true");
        let auth = Authenticated {
            access_token: Secret::new("$T", "tok"),
            claims: json!({"client_id": "abc"}),
            consumer: Some(consumer.clone()),
            principal: None,
        };
        apply(&c, &mut r, &auth);
        assert_eq!(r.header("authorization"), Some("Bearer tok"));
        assert_eq!(r.header("x-consumer-username"), Some("u"));
        assert_eq!(
            r.header("x-consumer-id"),
            Some(consumer.id.to_string().as_str())
        );
        assert_eq!(r.header("x-consumer-custom-id"), None);
        assert_eq!(r.header("x-anonymous-consumer"), None);
        assert_eq!(r.header("x-client"), Some("abc"));
    }

    #[tokio::test]
    async fn errors_look_like_kong() {
        let c = config(json!({"display_errors": true}));
        let r = respond("3.11", &c, &Failure::Unauthorized("bad".into()));
        assert_eq!(r.status(), 401);
        assert_eq!(
            r.headers()["www-authenticate"],
            "Bearer realm=\"127.0.0.1\", error=\"invalid_token\""
        );
        let body = axum::body::to_bytes(r.into_body(), 1024).await.unwrap();
        assert_eq!(&body[..], br#"{"message":"Unauthorized (bad)"}"#);
        let quiet = config(json!({}));
        let r = respond("3.11", &quiet, &Failure::Forbidden("why".into()));
        let body = axum::body::to_bytes(r.into_body(), 1024).await.unwrap();
        assert_eq!(&body[..], br#"{"message":"Forbidden"}"#);
        let r = respond("3.11", &quiet, &Failure::Unexpected("x".into()));
        assert_eq!(r.status(), 500);
    }
}
