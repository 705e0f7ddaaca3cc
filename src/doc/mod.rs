//! Kong docs markdown, read directly: a how-to page and its includes become located
//! [`blocks::Block`]s, a runnable [`Scenario`](crate::scenario::model::Scenario)
//! ([`convert`]), and a check that a hand-written scenario still mirrors its doc ([`drift`]).

pub mod blocks;
pub mod convert;
pub mod curl_command;
pub mod diagnostic;
pub mod drift;
pub mod emit;
pub mod entities;
pub mod frontmatter;
pub mod infer;
pub mod markdown;
pub mod ordered;
pub mod outline;
pub mod shell_words;
pub mod site;
pub mod source;

#[cfg(test)]
mod test_support;
