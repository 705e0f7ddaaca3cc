//! [`Pacer`]: a client-side limiter that spaces requests sharing a key (an auth server) so
//! that a run never exceeds Kong Identity's per-auth-server rate limit.
//!
//! Each request reserves the next free slot of its key and waits until then; slots are
//! `1/rate` apart. Only real Konnect hosts are paced ([`pace_key`]): a Konnect-in-a-box or
//! any other server that never asks to slow down costs no waiting, and a 429 from anyone is
//! still honoured by the client's retry (`Retry-After`). The pacer is shared by every session of the process (parallel scenarios
//! use different auth servers, so they rarely wait on each other).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Above this many keys, slots already in the past are forgotten.
const PRUNE_ABOVE: usize = 1024;

/// Spaces requests per key.
#[derive(Debug)]
pub struct Pacer {
    interval: Duration,
    next: Mutex<HashMap<String, Instant>>,
}

impl Pacer {
    /// A pacer allowing `per_second` requests per key (0 disables pacing).
    pub fn new(per_second: u32) -> Self {
        let interval = if per_second == 0 {
            Duration::ZERO
        } else {
            Duration::from_secs(1) / per_second
        };
        Self {
            interval,
            next: Mutex::new(HashMap::new()),
        }
    }

    /// Reserves the next slot for `key`; returns how long to wait for it.
    pub fn reserve(&self, key: &str) -> Duration {
        if self.interval.is_zero() {
            return Duration::ZERO;
        }
        let now = Instant::now();
        let Ok(mut next) = self.next.lock() else {
            return Duration::ZERO;
        };
        if next.len() > PRUNE_ABOVE {
            next.retain(|_, slot| *slot > now);
        }
        let slot = next.get(key).map_or(now, |t| (*t).max(now));
        next.insert(key.to_owned(), slot + self.interval);
        slot - now
    }
}

/// Host suffixes of real Konnect (production `*.konghq.com`, staging `*.konghq.tech`), the
/// only hosts whose Kong Identity calls are paced.
const KONNECT_HOST_SUFFIXES: &[&str] = &[".konghq.com", ".konghq.tech"];

/// Whether `url` is on a real Konnect host.
pub fn is_konnect_host(url: &str) -> bool {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .is_some_and(|host| KONNECT_HOST_SUFFIXES.iter().any(|s| host.ends_with(s)))
}

/// The key a request is paced under: its [`identity_key`], when it goes to a real Konnect host.
pub fn pace_key(api_url: &str, url: &str) -> Option<String> {
    identity_key(api_url, url).filter(|_| is_konnect_host(url))
}

/// The rate-limit key of a request to Kong Identity, if it is one: the auth server id of a
/// management call (`{api}/v1/auth-servers/{id}/…`), or the issuer (everything up to the
/// `/auth` path segment) of an OAuth/OIDC call (`https://{id}.us.identity.konghq.com/auth/…`,
/// or the mock's `http://127.0.0.1:…/identity/{id}/auth/…`).
pub fn identity_key(api_url: &str, url: &str) -> Option<String> {
    let without_query = url.split(['?', '#']).next().unwrap_or(url);
    if let Some(path) = without_query.strip_prefix(api_url)
        && let Some(rest) = path.strip_prefix("/v1/auth-servers/")
    {
        let id = rest.split('/').next().unwrap_or_default();
        return (!id.is_empty()).then(|| format!("auth-server:{id}"));
    }
    let parsed = url::Url::parse(without_query).ok()?;
    let segments: Vec<&str> = parsed.path_segments()?.collect();
    let auth = segments.iter().position(|s| *s == "auth")?;
    let host = parsed.host_str()?;
    let issuer_like =
        host.contains(".identity.") || segments.first().is_some_and(|s| *s == "identity");
    issuer_like.then(|| {
        format!(
            "issuer:{}/{}",
            parsed.origin().ascii_serialization(),
            segments[..=auth].join("/")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_requests_of_one_key_only() {
        let pacer = Pacer::new(10);
        assert_eq!(pacer.reserve("a"), Duration::ZERO);
        let second = pacer.reserve("a");
        assert!(second > Duration::from_millis(90) && second <= Duration::from_millis(100));
        let third = pacer.reserve("a");
        assert!(third > Duration::from_millis(190), "{third:?}");
        assert_eq!(pacer.reserve("b"), Duration::ZERO);
    }

    #[test]
    fn zero_rate_disables_pacing() {
        let pacer = Pacer::new(0);
        assert_eq!(pacer.reserve("a"), Duration::ZERO);
        assert_eq!(pacer.reserve("a"), Duration::ZERO);
    }

    #[test]
    fn paces_only_real_konnect_hosts() {
        let api = "https://us.api.konghq.com";
        assert!(pace_key(api, "https://wt3f.us.identity.konghq.com/auth/oauth/token").is_some());
        assert!(pace_key(api, "https://us.api.konghq.com/v1/auth-servers/abc/scopes").is_some());
        assert!(pace_key(api, "https://x.us.identity.konghq.tech/auth/oauth/token").is_some());
        let mock = "http://127.0.0.1:4000";
        assert_eq!(
            pace_key(mock, "http://127.0.0.1:4000/v1/auth-servers/abc/scopes"),
            None
        );
        assert_eq!(
            pace_key(mock, "http://127.0.0.1:4000/identity/wt3f/auth/oauth/token"),
            None
        );
        assert!(!is_konnect_host("https://evilkonghq.com/auth"));
        assert!(!is_konnect_host("not a url"));
    }

    #[test]
    fn keys_identity_requests() {
        let api = "https://us.api.konghq.com";
        assert_eq!(
            identity_key(
                api,
                "https://us.api.konghq.com/v1/auth-servers/abc/scopes?x=1"
            )
            .as_deref(),
            Some("auth-server:abc")
        );
        assert_eq!(
            identity_key(api, "https://us.api.konghq.com/v1/auth-servers"),
            None
        );
        assert_eq!(
            identity_key(api, "https://wt3f.us.identity.konghq.com/auth/oauth/token").as_deref(),
            Some("issuer:https://wt3f.us.identity.konghq.com/auth")
        );
        assert_eq!(
            identity_key(
                api,
                "http://127.0.0.1:4000/identity/wt3f/auth/.well-known/jwks.json"
            )
            .as_deref(),
            Some("issuer:http://127.0.0.1:4000/identity/wt3f/auth")
        );
        assert_eq!(identity_key(api, "http://localhost:8000/anything"), None);
        assert_eq!(
            identity_key(api, "https://us.api.konghq.com/v2/control-planes"),
            None
        );
    }
}
