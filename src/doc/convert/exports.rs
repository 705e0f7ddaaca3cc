//! `export` lines: plain values become `vars:`, `export A=$B` an alias, and `export X=$(…)`
//! is evaluated when it is a common idiom (a manual `export X='YOUR-…'` is
//! `manual_exports`).

use std::collections::HashMap;

use super::builder::Builder;
use crate::doc::code::DocCode;
use crate::doc::diagnostic::{Diagnostic, DocLocation};
use crate::doc::shell_eval::{self, Evaluated, Part};
use crate::scenario::model::{Capture, Template, VarDef};

impl Builder<'_> {
    /// `export NAME=value` that is not a placeholder: a generated value (`$(openssl rand …)`)
    /// or an encoding of captured ones (`$(echo -n "$A:$B" | base64)`) is evaluated; another
    /// command is listed as not run; `$B` makes an alias; anything else is a variable.
    pub(super) fn plain_export(&mut self, name: &str, value: &str, at: &DocLocation) {
        if let Some(command) = shell_eval::command_substitution(value) {
            match shell_eval::evaluate(command) {
                Some(Evaluated::Literal(generated)) => {
                    // Generated per run, like a secret it never reaches a snapshot.
                    self.define_var(name, Template::literal(&generated), true, at);
                    return;
                }
                Some(Evaluated::Base64Of(text)) if self.bind_base64(name, &text, at) => return,
                _ => {}
            }
        }
        if value.contains("$(") || value.contains('`') {
            // A command on a value the reader brings (a client secret copied from a UI) makes
            // a value the reader brings too: out of reach, not docflow's gap.
            let brought = shell_eval::parts(value).into_iter().find_map(|p| match p {
                Part::Var(v) if self.reader_placeholders.contains_key(&v) => Some(v),
                _ => None,
            });
            let message = match &brought {
                Some(v) => {
                    let why = format!(
                        "the page computes it ({at}) with a shell command on `${v}`, a value the reader brings"
                    );
                    let placeholder = format!("YOUR-{}", name.replace('_', "-"));
                    self.reader_placeholders
                        .insert(name.to_owned(), (placeholder, why));
                    format!(
                        "`export {name}=…` runs a command on `${v}`, a value the reader brings; docflow does not run shell commands"
                    )
                }
                None => {
                    self.command_exports.insert(name.to_owned(), at.clone());
                    format!("`export {name}=…` runs a command; docflow does not run shell commands")
                }
            };
            self.warnings.push(Diagnostic::warning(
                DocCode::ShellSkipped,
                at.clone(),
                message,
            ));
        } else if value.contains('$') {
            // `export A=$B` is an assignment in page order: later uses of `$A` read whatever
            // `$B` holds when they run.
            let value = expand_aliases(value, &self.aliases);
            self.aliases.insert(name.to_owned(), value);
        } else if !self.defined.contains(name) {
            let value = self.template(value, at);
            let secret = self.inference.is_secret(name);
            self.define_var(name, value, secret, at);
        }
    }

    fn define_var(&mut self, name: &str, value: Template, secret: bool, at: &DocLocation) {
        self.vars.push(VarDef {
            name: name.to_owned(),
            value,
            secret,
            input: None,
            span: self.span(at),
        });
        self.defined.insert(name.to_owned());
    }

    /// Binds `variable` to the base64 of `text` (`$CLIENT_ID:$CLIENT_SECRET`): a capture on the
    /// step that captures every variable of it, computed from that step's response. `false`
    /// when no single step holds them all.
    pub(super) fn bind_base64(&mut self, variable: &str, text: &str, at: &DocLocation) -> bool {
        let mut step = None;
        let mut pieces = Vec::new();
        for part in shell_eval::parts(&expand_aliases(text, &self.aliases)) {
            match part {
                Part::Text(t) => pieces.push(serde_json::Value::String(t).to_string()),
                Part::Var(v) => {
                    let Some((index, jq)) = self.capture_of(&v) else {
                        return false;
                    };
                    if step.is_some_and(|s| s != index) {
                        return false;
                    }
                    step = Some(index);
                    pieces.push(format!("({jq})"));
                }
            }
        }
        let Some(index) = step else { return false };
        let jq = format!("[{}] | join(\"\") | @base64", pieces.join(", "));
        let span = self.span(at);
        let capture = Capture {
            secret: true,
            ..self.capture(variable, &jq, span)
        };
        self.steps[index].captures.push(capture);
        self.defined.insert(variable.to_owned());
        self.notes[index].comments.push(format!(
            "inferred: `{variable}` ({at}) is the base64 of `{text}`, from this response"
        ));
        true
    }

    /// The step that captures `variable`, and its jq program.
    fn capture_of(&self, variable: &str) -> Option<(usize, String)> {
        self.steps.iter().enumerate().rev().find_map(|(i, s)| {
            s.captures
                .iter()
                .find(|c| c.variable == variable)
                .map(|c| (i, c.jq.clone()))
        })
    }

    /// A JSON body with the page's `export A=$B` aliases expanded in its strings.
    pub(super) fn aliased(&self, mut value: serde_json::Value) -> serde_json::Value {
        fn walk(v: &mut serde_json::Value, aliases: &HashMap<String, String>) {
            match v {
                serde_json::Value::String(s) => *s = expand_aliases(s, aliases),
                serde_json::Value::Array(items) => items.iter_mut().for_each(|i| walk(i, aliases)),
                serde_json::Value::Object(map) => map.values_mut().for_each(|i| walk(i, aliases)),
                _ => {}
            }
        }
        walk(&mut value, &self.aliases);
        value
    }
}

/// `text` with every `$A` / `${A}` of an alias replaced by its value.
pub(super) fn expand_aliases(text: &str, aliases: &HashMap<String, String>) -> String {
    if aliases.is_empty() || !text.contains('$') {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, len) = if let Some(inner) = after.strip_prefix('{') {
            let end = inner.find('}').unwrap_or(inner.len());
            (&inner[..end], end + 2)
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        match aliases.get(name) {
            Some(value) => out.push_str(value),
            None => out.push_str(&rest[i..i + 1 + len.min(after.len())]),
        }
        rest = &rest[(i + 1 + len).min(rest.len())..];
    }
    out.push_str(rest);
    out
}
