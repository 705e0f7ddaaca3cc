//! Kong Identity principals v2 (`/v2/directories…`): directories, their principals, and each
//! principal's identities, per organization. [`PrincipalStore`] is the main type; [`routes`]
//! the router; [`PrincipalStore::lookup`] is what the data plane's `principals` settings ask.
//!
//! Shapes follow `kong-identity-principals/v2/openapi.yaml` (0.0.5): problem+json errors with
//! `kong:trace:` instances, every invalid parameter at once, cursor-paged lists
//! (`meta.page.{size, next, previous}`).
//!
//! Not implemented (they answer the "not emulated" 501): a directory's `realm-config`, and
//! principals' credentials (`api-keys`, `basic-auths`, `passwords`).

pub mod body;
pub mod cursor;
pub mod directories;
pub mod identities;
pub mod lookup;
pub mod members;
pub mod model;
pub mod routes;
pub mod store;

pub use lookup::{Lookup, Wanted};
pub use model::{Directory, Identity, IdentityKind, Principal};
pub use routes::routes;
pub use store::PrincipalStore;
