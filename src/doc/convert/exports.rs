//! `export` lines: plain values become `vars:`, `export A=$B` an alias, and a manual
//! `export X='YOUR-…'` a capture on the request before it.

use std::collections::HashMap;

use super::builder::Builder;
use crate::doc::code::DocCode;
use crate::doc::diagnostic::{Diagnostic, DocLocation};
use crate::scenario::model::Capture;

impl Builder<'_> {
    /// A manual `export X='YOUR-…'`: a capture on the request before it, by the inference's rules.
    pub(super) fn manual_export(&mut self, variable: &str, value: &str, at: &DocLocation) {
        let Some(index) = self.last_request else {
            self.warnings.push(
                Diagnostic::warning(
                    DocCode::ExportWithoutRequest,
                    at.clone(),
                    format!("cannot bind placeholder `{variable}`: `export {variable}='{value}'` comes before any request, so there is no response to take it from; the rest of the page still runs"),
                )
                .with_help(format!("define `{variable}` in the scenario's `vars:` instead")),
            );
            return;
        };
        if self.steps[index]
            .captures
            .iter()
            .any(|c| c.variable == variable)
        {
            self.notes[index]
                .comments
                .push(format!("the doc's manual `export {variable}='{value}'` ({at}) is covered by the block's own capture"));
            return;
        }
        let Some(rule) = self.inference.capture_rule(variable).cloned() else {
            let step = self.steps[index].name.clone();
            self.warnings.push(
                Diagnostic::warning(
                    DocCode::UnknownExport,
                    at.clone(),
                    format!(
                        "cannot bind placeholder `{variable}`: manual `export {variable}='{value}'` after step `{step}`: docflow does not know where `{variable}` is in that response; the rest of the page still runs"
                    ),
                )
                .with_help(format!(
                    "add a capture rule: `--capture {variable}=<jq>` (for example `--capture {variable}=.id`), or a `capture:` to the doc's block"
                )),
            );
            return;
        };
        let span = self.span(at);
        let capture = Capture {
            secret: rule.secret,
            ..self.capture(&rule.variable, &rule.jq, span)
        };
        self.steps[index].captures.push(capture);
        self.defined.insert(variable.to_owned());
        self.notes[index].comments.push(format!(
            "inferred: the doc's manual `export {variable}='{value}'` ({at}) is `{}` of this response",
            rule.jq
        ));
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
