//! Targets. (Stub: to be built.)

/// A target.
#[derive(Debug)]
pub enum Target {}
