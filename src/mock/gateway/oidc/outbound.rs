//! [`outbound_url`]: where the plugin's calls to an identity provider really go.
//!
//! The mock's issuer URLs are `{public base}/identity/{issuer_id}/auth`, where the public
//! base is what the client used to reach the API (`http://localhost:32768` when a container
//! port is mapped). From inside a container that address is not reachable, so a URL of one
//! of the mock's own issuers is sent to the API listener's bound address instead (the API
//! listener of the pair the request came in on), over a real socket like any other call. A
//! URL is the mock's own when its path starts with `/identity/` and its authority is a
//! loopback or unspecified address, `localhost`, the configured `public_api_url`, or a `Host`
//! the management API was called with.

use std::net::IpAddr;

use url::Url;

use crate::mock::state::{Listeners, MockState};

/// The mock's issuers live under this path on the API listener.
const ISSUER_PATH: &str = "/identity/";

fn is_local_host(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified())
}

fn authority(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        _ => String::new(),
    }
}

/// The URL to call for `raw`.
pub fn outbound_url(state: &MockState, raw: &str) -> Result<Url, String> {
    let mut url = Url::parse(raw).map_err(|_| "invalid url".to_owned())?;
    if !url.path().starts_with(ISSUER_PATH) {
        return Ok(url);
    }
    // The API listener of the pair this request came in on: a door's calls stay on its own
    // runtime.
    let Some(api) = Listeners::current()
        .map(|l| l.api)
        .or_else(|| state.api_addr.get().copied())
    else {
        return Ok(url);
    };
    let host = url.host_str().unwrap_or("");
    let public = state
        .config
        .public_api_url
        .as_deref()
        .and_then(|p| Url::parse(p).ok())
        .map(|p| authority(&p));
    let own = is_local_host(host)
        || public.as_deref() == Some(authority(&url).as_str())
        || state.control_planes.api_host_seen(&authority(&url));
    if own {
        let api_host = if api.ip().is_unspecified() {
            "127.0.0.1".to_owned()
        } else {
            api.ip().to_string()
        };
        // `set_scheme` from https to http is refused by `url`; rebuild instead.
        let mut rebuilt = format!("http://{api_host}:{}{}", api.port(), url.path());
        if let Some(q) = url.query() {
            rebuilt.push('?');
            rebuilt.push_str(q);
        }
        url = Url::parse(&rebuilt).map_err(|_| "invalid url".to_owned())?;
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::config::MockConfig;
    use crate::mock::state::MockState;

    #[test]
    fn own_issuer_urls_go_to_the_api_listener() {
        let state = MockState::new(MockConfig {
            public_api_url: Some("https://konnect.example:8443".into()),
            ..MockConfig::default()
        });
        state.api_addr.set("0.0.0.0:9001".parse().unwrap()).unwrap();
        state
            .control_planes
            .note_api_host("host.docker.internal:32768");
        let cases = [
            (
                "http://localhost:32768/identity/a/auth/.well-known/jwks",
                true,
            ),
            (
                "https://konnect.example:8443/identity/a/auth/oauth/token",
                true,
            ),
            ("http://host.docker.internal:32768/identity/a/auth", true),
            ("http://elsewhere.example/identity/a/auth", false),
            ("http://127.0.0.1:5000/other", false),
        ];
        for (raw, rewritten) in cases {
            let out = outbound_url(&state, raw).unwrap();
            assert_eq!(
                out.as_str().starts_with("http://127.0.0.1:9001/identity/"),
                rewritten,
                "{raw}"
            );
        }
    }
}
