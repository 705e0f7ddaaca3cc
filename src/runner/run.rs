//! Running a scenario. (Stub: to be built.)

/// Runs a scenario.
pub fn run_scenario() {}
