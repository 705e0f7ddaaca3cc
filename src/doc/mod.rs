//! Kong docs markdown, read directly. A how-to page and its includes become located
//! [`Block`](blocks::Block)s; a page becomes a runnable
//! [`Scenario`](crate::scenario::model::Scenario) ("run it as written"); a hand-written
//! scenario is checked against the doc it mirrors. The main entry points, in pipeline order:
//!
//! | step | function | CLI |
//! | --- | --- | --- |
//! | read a page, expand includes (every line keeps its file:line) | [`markdown::load_page`] | |
//! | list its blocks | [`blocks::extract`], [`outline::render`] | `docflow doc steps` |
//! | convert it (heuristics in [`infer`]) | [`convert::convert`] | |
//! | print the conversion as a scenario file | [`emit::scenario_yaml`] | `docflow doc scenario` |
//! | run it on a target; disagreements are doc defects at file:line | [`convert::convert`] + [`crate::run_scenario`] | `docflow doc run` |
//! | check its sentences that name a method and an endpoint against its requests (statically) | [`prose_check::check`] (in [`convert::convert`]) | `docflow doc run` |
//! | check a scenario still mirrors its doc | [`drift::check`] | `docflow doc check` |
//!
//! Everything here is synchronous and reads files only. Problems are
//! [`Diagnostic`](diagnostic::Diagnostic)s located at a `file:line` inside the docs root;
//! bad input never panics.

pub mod blocks;
pub mod code;
pub mod convert;
pub mod curl_command;
pub mod deck_apply;
pub mod diagnostic;
pub mod drift;
pub mod emit;
pub mod entities;
pub mod frontmatter;
pub mod infer;
pub mod liquid;
pub mod markdown;
pub mod ordered;
pub mod outline;
pub mod prose_check;
pub mod prose_claims;
pub mod shell_eval;
pub mod shell_words;
pub mod site;
pub mod source;
pub mod verdict;

#[cfg(test)]
mod test_support;
