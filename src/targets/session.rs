//! [`Session`]: one scenario's view of a target — endpoints, credentials, run id.

use crate::http::HttpClient;
use crate::scenario::model::TargetKind;
use crate::secret::Secret;
use crate::vars::{Origin, Vars};

/// Everything a scenario run needs from its target.
#[derive(Debug, Clone)]
pub struct Session {
    /// Which target.
    pub kind: TargetKind,
    /// Konnect API base URL (`KONNECT_CONTROL_PLANE_URL`), no trailing slash.
    pub api_url: String,
    /// Data plane base URL (`KONNECT_PROXY_URL`), no trailing slash.
    pub proxy_url: String,
    /// The Konnect token (`KONNECT_TOKEN`).
    pub token: Secret,
    /// The quickstart control plane's name (`DECK_KONNECT_CONTROL_PLANE_NAME`).
    pub control_plane_name: String,
    /// Unique per run (`RUN_ID`): lowercase alphanumeric, for names that must be unique.
    pub run_id: String,
    /// The HTTP client.
    pub http: HttpClient,
}

impl Session {
    /// The target's variables, as the docs name them.
    pub fn vars(&self) -> Vars {
        let mut vars = Vars::default();
        vars.set_text("KONNECT_TOKEN", self.token.expose(), true, Origin::Target);
        vars.set_text(
            "KONNECT_CONTROL_PLANE_URL",
            &self.api_url,
            false,
            Origin::Target,
        );
        vars.set_text("KONNECT_PROXY_URL", &self.proxy_url, false, Origin::Target);
        vars.set_text(
            "DECK_KONNECT_CONTROL_PLANE_NAME",
            &self.control_plane_name,
            false,
            Origin::Target,
        );
        vars.set_text("RUN_ID", &self.run_id, false, Origin::Target);
        vars
    }
}

/// A fresh run id: 8 lowercase alphanumeric characters.
pub fn new_run_id() -> String {
    random_alnum(8)
}

/// `len` random lowercase alphanumeric characters.
pub fn random_alnum(len: usize) -> String {
    use rand::RngExt as _;
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}
