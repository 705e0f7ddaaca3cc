//! docflow integration tests: one binary, one module per concern.

mod scenario_load;
