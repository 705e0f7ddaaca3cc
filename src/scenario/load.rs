//! Loading a scenario file: parse the YAML with positions, build the model, check variable
//! scopes, and return either the [`Scenario`] or every problem at once ([`LoadErrors`]).

use std::path::Path;
use std::sync::Arc;

use super::build;
use super::error::{Code, LoadError, LoadErrors};
use super::model::{Scenario, Span};
use super::node;
use super::reader::Cx;

/// Reads, parses and validates the scenario file at `path`.
pub fn load_file(path: &Path) -> Result<Scenario, LoadErrors> {
    match std::fs::read_to_string(path) {
        Ok(text) => load_str(path, &text),
        Err(e) => Err(LoadErrors::new(
            path.to_owned(),
            Arc::from(""),
            vec![LoadError::new(
                Code::Io,
                Span {
                    line: 1,
                    column: 1,
                    offset: 0,
                    len: 0,
                },
                format!("cannot read `{}`: {e}", path.display()),
            )],
        )),
    }
}

/// Parses and validates scenario `text`; `path` names it in the model and in errors.
pub fn load_str(path: &Path, text: &str) -> Result<Scenario, LoadErrors> {
    let source: Arc<str> = Arc::from(text);
    let (root, mut errors) = match node::parse(text) {
        Ok(parsed) => parsed,
        Err(e) => return Err(LoadErrors::new(path.to_owned(), source, vec![e])),
    };
    let mut cx = Cx::new(text);
    let built = build::scenario(&mut cx, &root, path, Arc::clone(&source));
    errors.append(&mut cx.errors);
    errors.extend(built.scope.check(built.targets, &cx.uses));
    if errors.is_empty() {
        Ok(built.scenario)
    } else {
        Err(LoadErrors::new(path.to_owned(), source, errors))
    }
}
