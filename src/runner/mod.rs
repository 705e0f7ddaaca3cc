//! The runner: render → send → check → capture → snapshot view, teardown in reverse, always.

mod attempts;
pub mod check;
mod doc_verdict;
mod failure;
pub mod prepare;
mod progress;
pub mod run;
mod step;
mod teardown;
mod tokens;
mod view;
pub mod watch;
