//! Scenario files: load, validate, and the model the runner executes.
//!
//! The pipeline: `node` parses the YAML into a tree with positions, `build` (with
//! `request`, `capture` and `checks`) walks it into the [`model`], recording every problem,
//! `scope` checks that each `$VAR` is defined where it is used, and [`load`] returns the
//! [`model::Scenario`] or all the [`LoadErrors`]. [`raw`] mirrors the format as serde
//! structs, the source of the JSON Schema ([`schema`]).

mod build;
mod capture;
mod checks;
pub mod error;
pub mod load;
pub mod model;
pub(crate) mod node;
pub mod raw;
mod reader;
mod request;
pub mod schema;
pub mod scope;
pub mod template;

pub use error::{Code, LoadError, LoadErrors};
pub use scope::{TARGET_VARS, is_secret_name};
