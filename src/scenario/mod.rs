//! Scenario files: load, validate, and the model the runner executes.

pub mod load;
pub mod model;
pub mod template;
