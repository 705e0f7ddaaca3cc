//! The integration tests: one binary (link time dominates on 2 cores), one module per area.

mod bench;
mod ci_trust;
mod cli;
mod doc;
mod layering;
mod mock_gateway;
mod mock_identity;
mod openapi;
mod runner;
mod scenario_load;
mod snapshot_hygiene;
mod targets;
