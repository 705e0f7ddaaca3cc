//! What a run leaves for people and tools: the terminal report and diagnostics ([`terminal`]),
//! JUnit ([`junit`]) and the insta snapshots ([`snapshot`]). Reads the [`crate::outcome`]
//! model; never runs anything.

pub mod junit;
pub mod snapshot;
pub mod snapshot_cache;
pub mod terminal;
