//! What a converted page leaves to the reader, for a scenario file that must stand alone:
//! the variables it uses that nothing defines (values the reader brings: an API key, a
//! `$PROXY_IP`, a client secret copied from a UI), each declared in `vars:` with a
//! placeholder; the values the reader gives (`--var NAME=VALUE`); and what a scenario file
//! cannot hold (`${salt-token}` in a body, sent as written but not a variable name).

use std::collections::HashSet;

use super::builder::Builder;
use super::{Conversion, ReaderInput, TARGET_VARIABLES};
use crate::doc::code::DocCode;
use crate::doc::diagnostic::{Diagnostic, DocLocation};
use crate::scenario::model::{Body, Span, Step, Template, VarDef};
use crate::scenario::template::is_var_name;

impl Builder<'_> {
    /// The variables steps use before anything defines them, in order of first use.
    pub(super) fn reader_inputs(&self) -> Vec<ReaderInput> {
        let mut defined: HashSet<String> =
            TARGET_VARIABLES.iter().map(|s| (*s).to_owned()).collect();
        defined.extend(self.vars.iter().map(|v| v.name.clone()));
        let mut out = Vec::new();
        for step in &self.steps {
            let mut need = |used: Vec<String>, defined: &mut HashSet<String>| {
                for name in used {
                    if defined.insert(name.clone()) {
                        out.push(self.reader_input(name, step));
                    }
                }
            };
            need(step.request.used_vars(), &mut defined);
            defined.extend(step.captures.iter().map(|c| c.variable.clone()));
            if let Some(cleanup) = &step.cleanup {
                need(cleanup.used_vars(), &mut defined);
            }
        }
        out
    }

    /// `name`, first used by `step`: the doc's own placeholder when it has one.
    fn reader_input(&self, name: String, step: &Step) -> ReaderInput {
        let used_at = step.source.as_ref().map_or_else(
            || DocLocation::new(&self.page.path, 0),
            |s| DocLocation::new(&s.file, s.line),
        );
        if let Some((placeholder, why)) = self.reader_placeholders.get(&name) {
            return ReaderInput {
                placeholder: placeholder.clone(),
                why: format!("{why}; first used at {used_at}"),
                name,
            };
        }
        let why = match self.command_exports.get(&name) {
            Some(at) => format!(
                "the page sets it with a shell command ({at}) that docflow does not run; first used at {used_at}"
            ),
            None => format!("nothing on the page defines it; first used at {used_at}"),
        };
        ReaderInput {
            placeholder: format!("YOUR-{}", name.replace('_', "-")),
            why,
            name,
        }
    }

    /// Strings of the steps' bodies that a scenario file cannot hold: `${salt-token}` is sent
    /// as written, but in a scenario `${…}` must be a variable name. An error at the step's
    /// doc line for `docflow doc scenario`.
    pub(super) fn unwritable(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for step in &self.steps {
            let Some(Body::Json(body)) = &step.request.body else {
                continue;
            };
            let at = step.source.as_ref().map_or_else(
                || DocLocation::new(&self.page.path, 0),
                |s| DocLocation::new(&s.file, s.line),
            );
            let mut strings = Vec::new();
            json_strings(body, &mut strings);
            for text in strings {
                if let Err(e) = Template::parse(text) {
                    out.push(
                        Diagnostic::error(
                            DocCode::BadVariable,
                            at.clone(),
                            format!("step `{}` sends `{text}`, which a scenario cannot hold: {}", step.name, e.message),
                        )
                        .with_help("`docflow doc run` sends it as written; in a scenario file, write the value itself or a `$NAME` variable"),
                    );
                }
            }
        }
        out
    }
}

/// Every string in a JSON value.
fn json_strings<'a>(value: &'a serde_json::Value, out: &mut Vec<&'a str>) {
    match value {
        serde_json::Value::String(s) => out.push(s),
        serde_json::Value::Array(items) => items.iter().for_each(|i| json_strings(i, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| json_strings(v, out)),
        _ => {}
    }
}

impl Conversion {
    /// Gives the value of a variable the reader brings (`--var NAME=VALUE`): it replaces the
    /// page's own definition or comes first in `vars:`, as the reader's shell has it before
    /// the page starts, and is no longer a placeholder to fill in.
    pub fn supply(&mut self, name: &str, value: &str) -> Result<(), String> {
        if !is_var_name(name) {
            return Err(format!(
                "`{name}` is not a variable name (expected `[A-Z_][A-Z0-9_]*`)"
            ));
        }
        let vars = &mut self.scenario.vars;
        match vars.iter_mut().find(|v| v.name == name) {
            Some(v) => v.value = Template::literal(value),
            None => {
                vars.insert(
                    0,
                    VarDef {
                        name: name.to_owned(),
                        value: Template::literal(value),
                        secret: crate::secret::is_secret_name(name),
                        input: None,
                        span: Span::default(),
                    },
                );
            }
        }
        self.reader_inputs.retain(|r| r.name != name);
        Ok(())
    }
}
