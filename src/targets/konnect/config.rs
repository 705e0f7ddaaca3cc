//! [`KonnectConfig`]: the real Konnect target's settings, read from the variables the docs
//! themselves tell the reader to export (`KONNECT_TOKEN`, `KONNECT_CONTROL_PLANE_URL`,
//! `KONNECT_PROXY_URL`, `DECK_KONNECT_CONTROL_PLANE_NAME`), checked before any request.

use std::time::Duration;

use crate::http::RetryPolicy;
use crate::secret::Secret;
use crate::targets::error::{TargetCode, TargetError};

/// The docs' default API URL (`app/_data/konnect_api_request.yml`: `region: us`).
pub const DEFAULT_API_URL: &str = "https://us.api.konghq.com";

/// The quickstart data plane's proxy (`KONNECT_PROXY_URL='http://localhost:8000'`).
pub const DEFAULT_PROXY_URL: &str = "http://localhost:8000";

/// The control plane the quickstart script creates.
pub const DEFAULT_CONTROL_PLANE: &str = "quickstart";

/// Default per-request timeout on a real network.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Retries on a real network: more patient than the mock's, so a `Retry-After` of up to 30s
/// is honoured in full rather than cut short.
pub const DEFAULT_RETRY: RetryPolicy = RetryPolicy {
    max_attempts: 6,
    base_delay: Duration::from_millis(250),
    max_delay: Duration::from_secs(30),
};

/// Requests per second per auth server the client allows itself. Kong Identity allows 100 per
/// auth server (`app/kong-identity/auth-servers.md`); the management API and the issuer are
/// paced separately (their ids differ), so each gets half to stay under the limit together.
pub const DEFAULT_IDENTITY_RATE: u32 = 50;

/// Where and how to reach a real Konnect organization.
#[derive(Debug, Clone)]
pub struct KonnectConfig {
    /// `KONNECT_TOKEN`: a personal (`kpat_…`) or system account (`spat_…`) access token.
    pub token: Secret,
    /// `KONNECT_CONTROL_PLANE_URL`, no trailing slash. Kong Identity lives on the same
    /// regional host, so the region of this URL is the identity region too.
    pub api_url: String,
    /// `KONNECT_PROXY_URL`, no trailing slash: the quickstart data plane.
    pub proxy_url: String,
    /// `DECK_KONNECT_CONTROL_PLANE_NAME`: the control plane the quickstart created.
    pub control_plane_name: String,
    /// Per-request timeout (`DOCFLOW_HTTP_TIMEOUT`, seconds).
    pub timeout: Duration,
    /// Retries of 429s, 5xx and connection errors (`DOCFLOW_HTTP_ATTEMPTS` sets the count).
    pub retry: RetryPolicy,
    /// Requests per second per auth server (client-side pacing).
    pub identity_rate: u32,
}

impl KonnectConfig {
    /// A checked configuration with defaults for everything but the token and URLs.
    pub fn new(token: &str, api_url: &str, proxy_url: &str) -> Result<Self, TargetError> {
        Ok(Self {
            token: check_token(token)?,
            api_url: check_api_url(api_url)?,
            proxy_url: check_url("KONNECT_PROXY_URL", proxy_url)?,
            control_plane_name: DEFAULT_CONTROL_PLANE.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            retry: DEFAULT_RETRY,
            identity_rate: DEFAULT_IDENTITY_RATE,
        })
    }

    /// The configuration from the process environment.
    pub fn from_env() -> Result<Self, TargetError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// The configuration from `lookup` (the environment, or a map in tests). A missing
    /// `KONNECT_TOKEN` is `target::not_configured`, so test runs without one skip.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, TargetError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let token = get("KONNECT_TOKEN").ok_or_else(|| {
            TargetError::new(
                TargetCode::NotConfigured,
                "`KONNECT_TOKEN` is not set: export a Konnect personal access token (`kpat_…`) \
                 or system account token (`spat_…`) to run on real Konnect",
            )
        })?;
        let api_url = get("KONNECT_CONTROL_PLANE_URL").unwrap_or_else(|| DEFAULT_API_URL.into());
        let proxy_url = get("KONNECT_PROXY_URL").unwrap_or_else(|| DEFAULT_PROXY_URL.into());
        let mut config = Self::new(&token, &api_url, &proxy_url)?;
        if let Some(name) = get("DECK_KONNECT_CONTROL_PLANE_NAME") {
            config.control_plane_name = name.trim().to_owned();
        }
        if let Some(text) = get("DOCFLOW_HTTP_TIMEOUT") {
            config.timeout = Duration::from_secs(parse_count("DOCFLOW_HTTP_TIMEOUT", &text)?);
        }
        if let Some(text) = get("DOCFLOW_HTTP_ATTEMPTS") {
            let attempts = parse_count("DOCFLOW_HTTP_ATTEMPTS", &text)?;
            config.retry.max_attempts = u32::try_from(attempts).unwrap_or(u32::MAX);
        }
        Ok(config)
    }

    /// The region in the API host (`us` for `https://us.api.konghq.com`), if it is a Konnect
    /// host.
    pub fn region(&self) -> Option<String> {
        let host = url::Url::parse(&self.api_url).ok()?.host_str()?.to_owned();
        let region = host.strip_suffix(".api.konghq.com")?;
        (!region.contains('.')).then(|| region.to_owned())
    }
}

/// Refuses anything but a PAT or system account token, before any request, and never repeats
/// the value.
fn check_token(token: &str) -> Result<Secret, TargetError> {
    let token = token.trim();
    if token.is_empty() {
        return Err(TargetError::new(
            TargetCode::NotConfigured,
            "`KONNECT_TOKEN` is empty",
        ));
    }
    if !(token.starts_with("kpat_") || token.starts_with("spat_")) {
        return Err(TargetError::new(
            TargetCode::BadToken,
            "`KONNECT_TOKEN` is not a Konnect access token: it must start with `kpat_` \
             (personal) or `spat_` (system account); the value is not shown",
        ));
    }
    Ok(Secret::new("$KONNECT_TOKEN", token))
}

fn check_url(name: &str, text: &str) -> Result<String, TargetError> {
    let text = text.trim().trim_end_matches('/');
    let parsed = url::Url::parse(text).map_err(|e| {
        TargetError::new(
            TargetCode::BadUrl,
            format!("`{name}` is not a URL (`{text}`): {e}"),
        )
    })?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(TargetError::new(
            TargetCode::BadUrl,
            format!("`{name}` must be an http(s) URL with a host, not `{text}`"),
        ));
    }
    Ok(text.to_owned())
}

/// The identity API is regional only (facts §2, §7.14): `global.api.konghq.com` would answer
/// 404 to every `/v1/auth-servers` call, so it is refused up front.
fn check_api_url(text: &str) -> Result<String, TargetError> {
    let url = check_url("KONNECT_CONTROL_PLANE_URL", text)?;
    let host = url::Url::parse(&url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default();
    if host == "global.api.konghq.com" {
        return Err(TargetError::new(
            TargetCode::BadUrl,
            "`KONNECT_CONTROL_PLANE_URL` is the global host, but Kong Identity and control \
             planes are regional: use e.g. `https://us.api.konghq.com`",
        ));
    }
    Ok(url)
}

fn parse_count(name: &str, text: &str) -> Result<u64, TargetError> {
    text.trim()
        .parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            TargetError::new(
                TargetCode::BadConfig,
                format!(
                    "`{name}` must be a positive whole number, not `{}`",
                    text.trim()
                ),
            )
        })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn missing_token_is_not_configured() {
        let e = KonnectConfig::from_lookup(lookup(&[])).unwrap_err();
        assert_eq!(e.code, TargetCode::NotConfigured);
    }

    #[test]
    fn refuses_other_tokens_without_showing_them() {
        for token in [
            "Bearer abcdef",
            "eyJhbGciOi.x.y",
            "KPAT_abcdef",
            "pat_secretvalue",
        ] {
            let e = KonnectConfig::from_lookup(lookup(&[("KONNECT_TOKEN", token)])).unwrap_err();
            assert_eq!(e.code, TargetCode::BadToken, "{token}");
            assert!(!e.message.contains(token), "{}", e.message);
        }
    }

    #[test]
    fn defaults_follow_the_docs() {
        let c =
            KonnectConfig::from_lookup(lookup(&[("KONNECT_TOKEN", "spat_abcdefghijkl")])).unwrap();
        assert_eq!(c.api_url, DEFAULT_API_URL);
        assert_eq!(c.proxy_url, DEFAULT_PROXY_URL);
        assert_eq!(c.control_plane_name, "quickstart");
        assert_eq!(c.region().as_deref(), Some("us"));
        assert!(!format!("{c:?}").contains("abcdefghijkl"));
    }

    #[test]
    fn reads_overrides_and_trims_slashes() {
        let c = KonnectConfig::from_lookup(lookup(&[
            ("KONNECT_TOKEN", "kpat_abcdefghijkl"),
            ("KONNECT_CONTROL_PLANE_URL", "https://eu.api.konghq.com/"),
            ("KONNECT_PROXY_URL", "http://127.0.0.1:18000/"),
            ("DECK_KONNECT_CONTROL_PLANE_NAME", "staging-cp"),
            ("DOCFLOW_HTTP_ATTEMPTS", "8"),
            ("DOCFLOW_HTTP_TIMEOUT", "90"),
        ]))
        .unwrap();
        assert_eq!(c.api_url, "https://eu.api.konghq.com");
        assert_eq!(c.region().as_deref(), Some("eu"));
        assert_eq!(c.proxy_url, "http://127.0.0.1:18000");
        assert_eq!(c.control_plane_name, "staging-cp");
        assert_eq!(c.retry.max_attempts, 8);
        assert_eq!(c.timeout, Duration::from_secs(90));
    }

    #[test]
    fn refuses_the_global_host_and_non_urls() {
        let e = KonnectConfig::new(
            "kpat_abcdefghijkl",
            "https://global.api.konghq.com",
            DEFAULT_PROXY_URL,
        )
        .unwrap_err();
        assert_eq!(e.code, TargetCode::BadUrl);
        let e = KonnectConfig::new("kpat_abcdefghijkl", "us.api.konghq.com", DEFAULT_PROXY_URL)
            .unwrap_err();
        assert_eq!(e.code, TargetCode::BadUrl);
        let e = KonnectConfig::from_lookup(lookup(&[
            ("KONNECT_TOKEN", "kpat_abcdefghijkl"),
            ("DOCFLOW_HTTP_ATTEMPTS", "zero"),
        ]))
        .unwrap_err();
        assert_eq!(e.code, TargetCode::BadConfig);
    }
}
