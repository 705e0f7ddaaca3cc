//! `docflow bench`: speed and memory figures of the embedded mock, measured in one run over
//! real sockets and printed with the targets they are held to. [`BenchArgs`] are its options;
//! [`run::bench`] drives the phases.
//!
//! Figures that compare two timings are ratios measured in the same process minutes apart, so
//! a shared, noisy machine slows both sides alike; they are informational. Only counted
//! targets (issuer fetches, JWKS refetches, unexpected statuses) decide the exit code.

mod api;
mod args;
mod drive;
mod gateway;
mod hurl;
mod journal;
mod memory;
mod process;
mod report;
mod run;
mod scenarios;
mod setup;
mod signing;
mod standalone;
mod tavern;
mod unknown_kid;

pub(crate) use args::BenchArgs;
pub(crate) use run::bench;
