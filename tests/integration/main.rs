//! Integration tests: one binary (link time dominates on two cores), one module per area.

mod mock_identity;
mod openapi;
