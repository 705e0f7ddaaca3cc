//! The runner. (Stub: to be built.)

pub mod run;
