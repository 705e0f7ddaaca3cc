//! The integration tests: one binary (link time dominates on 2 cores), one module per area.

mod doc;
mod mock_gateway;
mod mock_identity;
mod openapi;
mod scenario_load;
