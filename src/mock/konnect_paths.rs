//! Which API paths Konnect has at all: every path of every Konnect OpenAPI spec in the docs
//! corpus (`api-specs/konnect/**/openapi.yaml`, servers' base path included), with each
//! `{parameter}` written `{}`. [`is_konnect_path`] is the main function.
//!
//! The table is checked in (`konnect_paths.txt`) because the mock must answer alike in its
//! `FROM scratch` container, where the corpus is absent; an integration test regenerates it
//! from the corpus and fails when it is stale. It lets the mock tell "Konnect has this path
//! and the mock does not emulate it" (501, out of reach) from "Konnect has no such path"
//! (404, what Konnect answers a typo in a doc's URL).

/// The table: one path template a line.
const TABLE: &str = include_str!("konnect_paths.txt");

/// The checked-in table's lines, for the staleness test.
pub fn table() -> impl Iterator<Item = &'static str> {
    TABLE.lines().filter(|l| !l.is_empty())
}

/// Whether `path` (as requested, without query) is a path of some Konnect API: it matches a
/// template segment by segment, `{}` matching any one non-empty segment. A trailing slash is
/// ignored, as Konnect's router does for the docs' `/plugins/`.
pub fn is_konnect_path(path: &str) -> bool {
    let wanted: Vec<&str> = split(path);
    table().any(|template| {
        let t = split(template);
        t.len() == wanted.len()
            && t.iter()
                .zip(&wanted)
                .all(|(t, w)| *t == *w || (*t == "{}" && !w.is_empty()))
    })
}

/// Whether `path` is under a versioned API prefix (`/v1/…`, `/v2/…`, `/api/v2/…`): only there
/// does an unknown path get Konnect's 404; elsewhere (issuers, test endpoints) the mock keeps
/// saying it does not emulate it.
pub fn is_versioned_api(path: &str) -> bool {
    let segments = split(path);
    let first = match segments.first() {
        Some(&"api") => segments.get(1),
        other => other,
    };
    first.is_some_and(|s| {
        s.len() >= 2 && s.starts_with('v') && s[1..].bytes().all(|b| b.is_ascii_digit())
    })
}

fn split(path: &str) -> Vec<&str> {
    path.trim_matches('/').split('/').collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_paths_match_with_any_ids() {
        assert!(is_konnect_path("/v1/auth-servers"));
        assert!(is_konnect_path("/v1/auth-servers/abc/clients/def"));
        assert!(is_konnect_path(
            "/v2/control-planes/cp1/core-entities/plugins/"
        ));
        assert!(is_konnect_path(
            "/v2/control-planes/cp1/core-entities/plugins"
        ));
    }

    #[test]
    fn typos_and_unknown_paths_do_not() {
        assert!(!is_konnect_path(
            "/v2/control-planes/cp1/core-entities/plugin/"
        ));
        assert!(!is_konnect_path("/v1/auth-server"));
        assert!(!is_konnect_path("/v1/auth-servers/abc/clients/def/nope/x"));
        assert!(!is_konnect_path(
            "/v2/control-planes//core-entities/plugins"
        ));
    }

    #[test]
    fn only_versioned_api_paths_are_judged() {
        assert!(is_versioned_api("/v2/control-planes"));
        assert!(is_versioned_api("/api/v2/applications"));
        assert!(!is_versioned_api("/identity/x/auth/oauth/token"));
        assert!(!is_versioned_api("/_docflow/journal"));
        assert!(!is_versioned_api("/vx/thing"));
    }
}
