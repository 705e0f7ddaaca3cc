//! Which control plane's configuration serves a proxy request: [`select`].
//!
//! - `/dp/{control_plane_id}/…` is served by that control plane, with the prefix removed
//!   before routing (so every control plane of every organization has a data plane).
//! - Anything else is served by the control plane named `MockConfig::root_control_plane`
//!   (`quickstart`) of one organization: `MockConfig::proxy_org`, else the first organization
//!   that created one, as the quickstart data plane at `KONNECT_PROXY_URL` serves its own
//!   control plane. A later organization's `quickstart` never takes the root over.

use std::sync::Arc;

use uuid::Uuid;

use crate::mock::control_planes::CoreConfig;
use crate::mock::state::MockState;

/// The path prefix that selects a control plane explicitly.
pub const DP_PREFIX: &str = "/dp/";

/// A control plane id from a `/dp/{id}` path, and the path after it (`/` at least).
pub fn split_dp_path(path: &str) -> Option<(&str, String)> {
    let rest = path.strip_prefix(DP_PREFIX)?;
    let (id, tail) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].to_owned()),
        None => (rest, "/".to_owned()),
    };
    Some((id, tail))
}

/// The control plane serving `path`, its configuration, and the path to route. `None`: no
/// control plane, so nothing can match.
pub fn select(state: &MockState, path: &str) -> Option<(Uuid, Arc<CoreConfig>, String)> {
    if let Some((id, rest)) = split_dp_path(path) {
        let id = Uuid::parse_str(id).ok()?;
        return Some((id, state.control_planes.data_plane(id)?, rest));
    }
    let (id, config) = state.control_planes.root_data_plane(
        &state.config.root_control_plane,
        state.config.proxy_org.as_ref(),
    )?;
    Some((id, config, path.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_dp_paths() {
        assert_eq!(
            split_dp_path("/dp/abc/anything/x"),
            Some(("abc", "/anything/x".into()))
        );
        assert_eq!(split_dp_path("/dp/abc"), Some(("abc", "/".into())));
        assert_eq!(split_dp_path("/anything"), None);
    }
}
