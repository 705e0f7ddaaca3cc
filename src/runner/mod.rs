//! The runner: render → send → check → capture → snapshot view, teardown in reverse, always.

pub mod check;
pub mod prepare;
pub mod run;
pub mod watch;
