//! docflow proves that documentation flows work, end to end.
//!
//! A how-to such as "create an auth server, a scope, a claim, a client; enable the OIDC
//! plugin; get a token; call the gateway" becomes a scenario file that docflow runs against
//! a target and snapshots. The pipeline is visible in the modules:
//!
//! ```text
//! scenarios/*.yaml ─┐                      docs markdown (how-to + includes)
//!                   ▼                                ▼
//!   scenario: load + validate (pure; every error at once, with file:line:col)   doc
//!                   ▼
//!   target: endpoints and credentials (embedded mock | container | real Konnect)
//!                   ▼
//!   runner: per step render → send → check → capture; teardown in reverse, always
//!                   ▼              └─ claims: decode + verify JWTs against the issuer's JWKS
//!   redact: every secret and run-varying value replaced before anything is printed or stored
//!                   ▼
//!   snapshot (insta) and report (terminal lines, diagnostics, curl reproductions, defects)
//! ```
//!
//! [`mock`] is Konnect-in-a-box: Kong Identity, control planes, and a data plane running the
//! OpenID Connect plugin, served over real sockets.

pub mod claims;
pub mod curl;
pub mod doc;
pub mod harness;
pub mod http;
pub mod jq;
pub mod jws;
pub mod mock;
pub mod outcome;
pub mod redact;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod secret;
pub mod targets;
pub mod vars;

pub use runner::run::{run_scenario, run_scenario_until};
pub use scenario::load::{load_file, load_str};
pub use scenario::model::Scenario;
pub use targets::Target;
