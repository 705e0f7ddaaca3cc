//! The plugin's HTTP calls to the identity provider, through the gateway's caches: discovery
//! and JWKS ([`issuer`], [`keys`]), the token endpoint ([`client_credentials_token`]) and
//! introspection ([`introspect`]). [`Discovery`] and [`KeySet`] are the main types.
//!
//! Nothing here is fetched per request once cached: the discovery document and the parsed
//! keys live in `GatewayCache` until a token names a key id the set lacks, which refetches
//! the JWKS at most once per `rediscovery_lifetime`.

use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::header;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use super::config::OidcConfig;
use super::outbound::outbound_url;
use super::verified::VerifiedTokens;
use crate::jws::RsaPublicKey;
use crate::limits::{PROVIDER_DOCUMENT_LIMIT, read_capped};
use crate::mock::gateway::cache::IssuerEntry;
use crate::mock::state::MockState;
use crate::secret::Secret;

/// Longest the gateway waits for an issuer's discovery document and keys (the lock and both
/// fetches), so a slow provider fails its own routes and never holds up another issuer's.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// The discovery document fields the plugin uses.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Discovery {
    /// `issuer`: what access tokens' `iss` must equal.
    pub issuer: String,
    /// `token_endpoint`.
    #[serde(default)]
    pub token_endpoint: Option<String>,
    /// `introspection_endpoint`.
    #[serde(default)]
    pub introspection_endpoint: Option<String>,
    /// `jwks_uri`.
    #[serde(default)]
    pub jwks_uri: Option<String>,
    /// `token_endpoint_auth_methods_supported`.
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Vec<String>,
    /// `introspection_endpoint_auth_methods_supported`.
    #[serde(default)]
    pub introspection_endpoint_auth_methods_supported: Vec<String>,
}

/// One verification key from the JWKS, parsed once.
#[derive(Clone)]
pub struct VerifyKey {
    /// `kid`.
    pub kid: Option<String>,
    /// `alg`, when the JWK names one.
    pub alg: Option<Algorithm>,
    /// The parsed key.
    pub key: DecodingKey,
    /// For an RSA JWK: the key in aws-lc's parsed form, kept with the key set so that each
    /// verification costs only the RSA operation.
    pub rsa: Option<Arc<RsaPublicKey>>,
}

impl std::fmt::Debug for VerifyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

/// An issuer's keys and when they were fetched.
#[derive(Debug, Clone)]
pub struct KeySet {
    /// The usable keys (JWKs of unknown types are skipped).
    pub keys: Vec<VerifyKey>,
    /// Fetch time, for the refresh rate limit.
    pub fetched_at: Instant,
    /// Tokens these keys already verified.
    pub verified: VerifiedTokens,
}

impl KeySet {
    /// Whether a key with this id is in the set.
    pub fn has(&self, kid: &str) -> bool {
        self.keys.iter().any(|k| k.kid.as_deref() == Some(kid))
    }
}

/// `<issuer>/.well-known/openid-configuration`, unless `issuer` already is a discovery URL.
pub fn discovery_url(issuer: &str) -> String {
    if issuer.contains("/.well-known/") {
        issuer.to_owned()
    } else {
        format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        )
    }
}

/// The start of the error of a fetch from a public host the mock cannot connect to (no
/// network where it runs): the rest is the host. What that provider would answer is unknown,
/// so the plugin's answer is "not emulated", not Kong's 500.
pub const UNREACHABLE: &str = "unreachable provider host: ";

async fn get_json(state: &MockState, raw_url: &str) -> Result<Value, String> {
    let url = outbound_url(state, raw_url)?;
    let host = url.host_str().unwrap_or_default().to_owned();
    let response = state
        .http
        .to(&url)
        .get(url)
        .header(header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| {
            if e.is_connect() && !crate::mock::gateway::upstream::is_local_host(&host) {
                format!("{UNREACHABLE}{host}")
            } else {
                format!("request to `{raw_url}` failed: {e}")
            }
        })?;
    if !response.status().is_success() {
        return Err(format!(
            "`{raw_url}` answered {}",
            response.status().as_u16()
        ));
    }
    let body = read_capped(response, PROVIDER_DOCUMENT_LIMIT)
        .await
        .map_err(|e| format!("`{raw_url}`: {e}"))?;
    serde_json::from_slice(&body).map_err(|_| format!("`{raw_url}` did not answer JSON"))
}

/// Parses a JWKS document, skipping keys the verifier cannot use.
pub fn parse_jwks(document: &Value) -> Result<Vec<VerifyKey>, String> {
    let keys = document
        .get("keys")
        .and_then(Value::as_array)
        .ok_or("jwks has no `keys` array")?;
    Ok(keys
        .iter()
        .filter_map(|raw| serde_json::from_value::<Jwk>(raw.clone()).ok())
        .filter_map(|jwk| {
            let key = DecodingKey::from_jwk(&jwk).ok()?;
            let alg = jwk
                .common
                .key_algorithm
                .and_then(|a| Algorithm::from_str(&a.to_string()).ok());
            let rsa = match &jwk.algorithm {
                AlgorithmParameters::RSA(rsa) => {
                    RsaPublicKey::from_jwk_components(&rsa.n, &rsa.e).map(Arc::new)
                }
                _ => None,
            };
            Some(VerifyKey {
                kid: jwk.common.key_id,
                alg,
                key,
                rsa,
            })
        })
        .collect())
}

async fn fetch_keys(state: &MockState, discovery: &Discovery) -> Result<KeySet, String> {
    let uri = discovery
        .jwks_uri
        .as_deref()
        .ok_or("discovery document has no `jwks_uri`")?;
    let keys = parse_jwks(&get_json(state, uri).await?)?;
    Ok(KeySet {
        keys,
        fetched_at: Instant::now(),
        verified: VerifiedTokens::default(),
    })
}

/// The cached discovery document and keys of the plugin's issuer, loaded on first use.
pub async fn issuer(state: &MockState, config: &OidcConfig) -> Result<Arc<IssuerEntry>, String> {
    let url = discovery_url(&config.issuer);
    if let Some(entry) = state.gateway.issuer(&url) {
        return Ok(entry);
    }
    // One lock per issuer: concurrent first requests to one issuer fetch once, and a slow
    // issuer delays only its own routes. The timeout bounds the wait for the lock and both
    // fetches.
    let lock = state.gateway.discovery_lock(&url);
    let load = async {
        let _guard = lock.lock().await;
        if let Some(entry) = state.gateway.issuer(&url) {
            return Ok(entry);
        }
        let document = get_json(state, &url).await?;
        let discovery: Discovery = serde_json::from_value(document)
            .map_err(|_| format!("`{url}` is not a discovery document"))?;
        let keys = fetch_keys(state, &discovery).await?;
        Ok(state.gateway.insert_issuer(url.clone(), discovery, keys))
    };
    tokio::time::timeout(FETCH_TIMEOUT, load)
        .await
        .unwrap_or_else(|_| Err(format!("`{url}` did not answer within {FETCH_TIMEOUT:?}")))
}

/// The issuer's keys; when `kid` is unknown, refetched first if the last fetch is at least
/// `min_interval` old.
pub async fn keys(
    state: &MockState,
    entry: &IssuerEntry,
    kid: Option<&str>,
    min_interval: Duration,
) -> Arc<KeySet> {
    let current = entry.keys();
    let Some(kid) = kid else {
        return current;
    };
    if current.has(kid) || current.fetched_at.elapsed() < min_interval {
        return current;
    }
    let Ok(_guard) = tokio::time::timeout(FETCH_TIMEOUT, entry.refresh_lock()).await else {
        return current;
    };
    let current = entry.keys();
    if current.has(kid) || current.fetched_at.elapsed() < min_interval {
        return current;
    }
    let fetched = tokio::time::timeout(FETCH_TIMEOUT, fetch_keys(state, &entry.discovery)).await;
    match fetched.unwrap_or_else(|_| Err("timed out".to_owned())) {
        Ok(fresh) => entry.set_keys(fresh),
        // A failed refresh keeps the old keys, but still counts for the rate limit.
        Err(_) => entry.set_keys(KeySet {
            keys: current.keys.clone(),
            fetched_at: Instant::now(),
            verified: current.verified.clone(),
        }),
    }
}

/// How the plugin authenticates its calls: the configured method, else the first of
/// `client_secret_basic`, `client_secret_post` the provider supports (basic when it says
/// nothing), as Kong's library does.
pub fn auth_method(configured: Option<&str>, supported: &[String]) -> String {
    if let Some(m) = configured {
        return m.to_owned();
    }
    ["client_secret_basic", "client_secret_post"]
        .into_iter()
        .find(|m| supported.is_empty() || supported.iter().any(|s| s == m))
        .unwrap_or("client_secret_basic")
        .to_owned()
}

/// A token endpoint answer.
#[derive(Debug, Clone)]
pub struct TokenResponse {
    /// The access token.
    pub access_token: Secret,
    /// `expires_in` seconds, when given.
    pub expires_in: Option<u64>,
}

/// Why a call to the provider failed: the RFC 6749 `error` when there is one.
fn failure(raw_url: &str, status: u16, body: &Value) -> String {
    match body.get("error").and_then(Value::as_str) {
        Some(error) => error.to_owned(),
        None => format!("`{raw_url}` answered {status}"),
    }
}

/// Posts `form` to the provider's endpoint `raw` (already resolved to `url`), authenticated
/// as the client with `method` (`client_secret_post` in the form, otherwise HTTP Basic), and
/// returns the JSON body of a 2xx answer.
async fn post_as_client(
    state: &MockState,
    raw: &str,
    url: Url,
    method: &str,
    (client_id, secret): (&str, &Secret),
    mut form: Vec<(&str, &str)>,
) -> Result<Value, String> {
    let mut request = state
        .http
        .to(&url)
        .post(url)
        .header(header::ACCEPT, "application/json");
    if method == "client_secret_post" {
        form.push(("client_id", client_id));
        form.push(("client_secret", secret.expose()));
    } else {
        let basic = STANDARD.encode(format!("{client_id}:{}", secret.expose()));
        request = request.header(header::AUTHORIZATION, format!("Basic {basic}"));
    }
    let response = request
        .form(&form)
        .send()
        .await
        .map_err(|e| format!("request to `{raw}` failed: {e}"))?;
    let status = response.status().as_u16();
    let body: Value = read_capped(response, PROVIDER_DOCUMENT_LIMIT)
        .await
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    if !(200..300).contains(&status) {
        return Err(failure(raw, status, &body));
    }
    Ok(body)
}

/// Posts `grant_type=client_credentials` for the client's own credentials to the token
/// endpoint, with the configured `scopes` (Kong sends them; `openid` by default).
pub async fn client_credentials_token(
    state: &MockState,
    discovery: &Discovery,
    config: &OidcConfig,
    client_id: &str,
    client_secret: &Secret,
) -> Result<TokenResponse, String> {
    let raw = config
        .token_endpoint
        .as_deref()
        .or(discovery.token_endpoint.as_deref())
        .ok_or("token endpoint was not found")?;
    let url = outbound_url(state, raw)?;
    let method = auth_method(
        config.token_endpoint_auth_method.as_deref(),
        &discovery.token_endpoint_auth_methods_supported,
    );
    let mut form: Vec<(&str, &str)> = vec![("grant_type", "client_credentials")];
    let scope = config
        .scopes
        .as_ref()
        .map(|s| s.join(" "))
        .unwrap_or_default();
    if !scope.is_empty() {
        form.push(("scope", &scope));
    }
    let body = post_as_client(state, raw, url, &method, (client_id, client_secret), form).await?;
    let access_token = body
        .get("access_token")
        .and_then(Value::as_str)
        .ok_or("token endpoint answered without an access token")?;
    Ok(TokenResponse {
        access_token: Secret::new("$ACCESS_TOKEN", access_token),
        expires_in: body.get("expires_in").and_then(Value::as_u64),
    })
}

/// Introspects `token` with the plugin's own client credentials (RFC 7662).
pub async fn introspect(
    state: &MockState,
    discovery: &Discovery,
    config: &OidcConfig,
    token: &str,
) -> Result<Value, String> {
    let raw = config
        .introspection_endpoint
        .as_deref()
        .or(discovery.introspection_endpoint.as_deref())
        .ok_or("introspection endpoint was not found")?;
    let url = outbound_url(state, raw)?;
    let (client_id, secret) = config
        .own_client()
        .ok_or("client id and secret are needed for introspection")?;
    let configured = config
        .introspection_endpoint_auth_method
        .as_deref()
        .or(config
            .client_auth
            .as_ref()
            .and_then(|a| a.first())
            .map(String::as_str));
    let method = auth_method(
        configured,
        &discovery.introspection_endpoint_auth_methods_supported,
    );
    let form = vec![
        (config.introspection_token_param_name.as_str(), token),
        ("token_type_hint", config.introspection_hint.as_str()),
    ];
    let body = post_as_client(state, raw, url, &method, (client_id, secret), form).await?;
    if body.is_object() {
        Ok(body)
    } else {
        Err(format!("`{raw}` did not answer a JSON object"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn discovery_url_appends_well_known_once() {
        assert_eq!(
            discovery_url("https://x.us.identity.konghq.com/auth/"),
            "https://x.us.identity.konghq.com/auth/.well-known/openid-configuration"
        );
        let full = "https://i/.well-known/openid-configuration";
        assert_eq!(discovery_url(full), full);
    }

    #[test]
    fn auth_method_prefers_basic_like_kong() {
        let kong_identity = vec![
            "none".to_owned(),
            "client_secret_basic".to_owned(),
            "client_secret_post".to_owned(),
        ];
        assert_eq!(auth_method(None, &kong_identity), "client_secret_basic");
        assert_eq!(
            auth_method(None, &["client_secret_post".to_owned()]),
            "client_secret_post"
        );
        assert_eq!(
            auth_method(Some("client_secret_post"), &kong_identity),
            "client_secret_post"
        );
        assert_eq!(auth_method(None, &[]), "client_secret_basic");
    }

    #[test]
    fn jwks_parsing_skips_unusable_keys() {
        let doc = json!({"keys": [
            {"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig",
             "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw",
             "e": "AQAB"},
            {"kty": "weird", "kid": "k2"}
        ]});
        let keys = parse_jwks(&doc).unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].kid.as_deref(), Some("k1"));
        assert_eq!(keys[0].alg, Some(Algorithm::RS256));
        assert!(parse_jwks(&json!({})).is_err());
    }
}
