//! The integration tests: one binary (link time dominates on 2 cores), one module per area.

mod bench;
mod ci_nextest;
mod ci_trust;
mod cli;
mod doc;
mod doc_corpus;
mod doc_mutation;
mod doc_reach;
mod doc_scenario_run;
mod fuzz;
mod jwt_attacks;
mod layering;
mod marked_secrets;
mod mock_gateway;
mod mock_identity;
mod mock_not_emulated;
mod mock_principals;
mod openapi;
mod record_verify;
mod reliability;
mod run_jobs;
mod runner;
mod scenario_load;
mod snapshot_hygiene;
mod targets;
