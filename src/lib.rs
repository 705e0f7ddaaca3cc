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

// Konnect-in-a-box and what it depends on: built alone with `--features mock-server`.
pub mod duration;
pub mod jws;
pub mod limits;
pub mod mock;
pub mod per_runtime;
pub mod secret;

// The harness, layered bottom-up (see CONTRIBUTING.md and the layering test).
#[cfg(feature = "harness")]
pub mod claims;
#[cfg(feature = "harness")]
pub mod curl;
#[cfg(feature = "harness")]
pub mod doc;
#[cfg(feature = "harness")]
pub mod harness;
#[cfg(feature = "harness")]
pub mod http;
#[cfg(feature = "harness")]
pub mod jq;
#[cfg(feature = "harness")]
pub mod outcome;
#[cfg(feature = "harness")]
pub mod redact;
#[cfg(feature = "harness")]
pub mod report;
#[cfg(feature = "harness")]
pub mod runner;
#[cfg(feature = "harness")]
pub mod scenario;
#[cfg(feature = "harness")]
pub mod signals;
#[cfg(feature = "harness")]
pub mod targets;
#[cfg(feature = "harness")]
pub mod vars;

#[cfg(feature = "harness")]
pub use runner::run::{run_scenario, run_scenario_until};
#[cfg(feature = "harness")]
pub use scenario::load::{load_file, load_str};
#[cfg(feature = "harness")]
pub use scenario::model::Scenario;
#[cfg(feature = "harness")]
pub use targets::Target;
