//! The runner: render → send → check → capture → snapshot view, teardown in reverse, always.

pub mod run;
pub mod vars;
