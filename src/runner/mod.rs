//! The runner: render → send → check → capture → snapshot view, teardown in reverse, always.

pub mod check;
pub mod harness;
pub mod prepare;
pub mod result;
pub mod run;
pub mod vars;
