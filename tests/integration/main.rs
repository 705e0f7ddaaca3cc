//! Integration tests: one binary, one module per area.

mod mock_gateway;
