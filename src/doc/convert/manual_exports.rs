//! A manual `export X='YOUR-…'`: the reader copies a value from a response above. It becomes
//! a capture on the step whose response holds it, chosen by meaning (see `binding`), or a
//! warning naming the placeholder and the `--capture` that binds it; the page runs on.

use super::binding::{self, Meaning, ProseField, Resource};
use super::builder::Builder;
use crate::doc::code::DocCode;
use crate::doc::diagnostic::{Diagnostic, DocLocation};
use crate::doc::infer::CaptureRule;

/// The step a manual export reads from, and why.
struct Source {
    index: usize,
    /// What its response is, if its URL says.
    resource: Option<Resource>,
    /// Why this step, for the `# inferred:` comment.
    why: String,
}

/// The field of the response, and why; or why docflow cannot tell.
enum Field {
    Found { jq: String, why: String },
    Unknown { message: String, help: String },
}

impl Builder<'_> {
    /// A manual `export X='YOUR-…'`: a capture on the earlier step whose response holds it.
    pub(super) fn manual_export(&mut self, variable: &str, value: &str, at: &DocLocation) {
        // Right after `echo -n "$A:$B" | base64`, the reader exports what it printed.
        if let Some(text) = self.pending_base64.take()
            && self.inference.capture_rule(variable).is_none()
            && self.bind_base64(variable, &text, at)
        {
            return;
        }
        let Some(last) = self.last_request else {
            self.reader_brings(variable, value, at);
            self.warnings.push(
                Diagnostic::warning(
                    DocCode::ExportWithoutRequest,
                    at.clone(),
                    format!("cannot bind placeholder `{variable}`: `export {variable}='{value}'` comes before any request, so there is no response to take it from; the rest of the page still runs"),
                )
                .with_help(format!("define `{variable}` in the scenario's `vars:` instead, or give it with `--var {variable}=VALUE`")),
            );
            return;
        };
        if self.covered(last, variable, value, at) {
            return;
        }
        let meaning = Meaning::of(variable);
        let rule = self.inference.capture_rule(variable).cloned();
        let prose = self.prose_field(&meaning);
        let Some(source) = self.source_of(&meaning, rule.as_ref(), &prose, last) else {
            self.unbound(variable, value, at, &meaning, last);
            return;
        };
        if source.index != last && self.covered(source.index, variable, value, at) {
            return;
        }
        match self.field_of(variable, &meaning, rule.as_ref(), &prose, &source) {
            Field::Found { jq, why } => {
                let capture = self.capture(variable, &jq, self.span(at));
                self.steps[source.index].captures.push(capture);
                self.defined.insert(variable.to_owned());
                self.notes[source.index].comments.push(format!(
                    "inferred: the doc's manual `export {variable}='{value}'` ({at}) is `{jq}` of this response (step `{}`): {}; {why}",
                    self.steps[source.index].name, source.why
                ));
            }
            Field::Unknown { message, help } => {
                self.reader_brings(variable, value, at);
                self.warnings.push(
                    Diagnostic::warning(
                        DocCode::UnknownExport,
                        at.clone(),
                        format!("cannot bind placeholder `{variable}`: {message}; the rest of the page still runs"),
                    )
                    .with_help(help),
                );
            }
        }
    }

    /// Records `variable` as a value the reader brings, its placeholder the doc's.
    fn reader_brings(&mut self, variable: &str, value: &str, at: &DocLocation) {
        let why =
            format!("the doc's placeholder ({at}), which docflow cannot take from a response");
        self.reader_placeholders
            .insert(variable.to_owned(), (value.to_owned(), why));
    }

    /// Whether step `index` already captures `variable` (the block's own `capture`); noted.
    fn covered(&mut self, index: usize, variable: &str, value: &str, at: &DocLocation) -> bool {
        let covered = self.steps[index]
            .captures
            .iter()
            .any(|c| c.variable == variable);
        if covered {
            self.notes[index].comments.push(format!(
                "the doc's manual `export {variable}='{value}'` ({at}) is covered by the block's own capture"
            ));
        }
        covered
    }

    /// What the paragraph before the export says about the field, and where it starts.
    fn prose_field(&self, meaning: &Meaning) -> (ProseField, String) {
        let prose: Vec<String> = self.paragraph.iter().map(|(_, t)| t.clone()).collect();
        let at = self
            .paragraph
            .first()
            .map_or_else(String::new, |(at, _)| at.to_string());
        (binding::prose_field(&prose, meaning), at)
    }

    /// The step whose response holds the variable: the latest one best named by its noun (or
    /// its rule's resource); the last request for a `--capture` rule naming no resource, or
    /// when the prose names a field spelling the whole variable that the best match is not
    /// all about (`output_file_id` of a batch, not of the file).
    fn source_of(
        &self,
        meaning: &Meaning,
        rule: Option<&CaptureRule>,
        prose: &(ProseField, String),
        last: usize,
    ) -> Option<Source> {
        let from = rule.and_then(|r| r.from.as_deref());
        let noun = from.map_or_else(
            || meaning.noun.clone(),
            |f| Meaning::of(&f.replace('-', "_")).words,
        );
        let resource_of = |i: usize| {
            let step = &self.steps[i];
            Resource::of(&step.request.method, &step.request.url.raw)
        };
        // Latest wins among the best: `rev()` puts it first, and a later equal score does not
        // replace it.
        let best = (0..self.steps.len())
            .rev()
            .filter_map(|i| {
                let resource = resource_of(i)?;
                let score = resource.score(&noun);
                (score > 0).then_some((score, i, resource))
            })
            .fold(None::<(usize, usize, Resource)>, |best, c| match &best {
                Some(b) if b.0 >= c.0 => best,
                _ => Some(c),
            });
        let last_source = |why: String| Source {
            index: last,
            resource: resource_of(last),
            why,
        };
        if let (ProseField::Named(name), Some((score, ..))) = (&prose.0, &best)
            && rule.is_none()
            && *score < noun.len()
            && binding::spells(name, &meaning.noun)
        {
            return Some(last_source(format!(
                "the last request: `{name}` names the {} another object refers to",
                meaning.noun.join(" ")
            )));
        }
        if let Some((_, index, resource)) = best {
            let why = format!(
                "`{}` is about `{}`, as {} says",
                step_line(&self.steps[index]),
                resource.words.join(" "),
                meaning_name(meaning, rule)
            );
            return Some(Source {
                index,
                resource: Some(resource),
                why,
            });
        }
        // A `--capture` rule without a noun match: the request just before, as the doc reads.
        rule.filter(|r| r.from.is_none()).map(|_| {
            last_source(
                "the last request before the export (no earlier request names it)".to_owned(),
            )
        })
    }

    /// Where in `source`'s response the value is: `--capture`, then docflow's table, then the
    /// field the prose names, then the variable's kind.
    fn field_of(
        &self,
        variable: &str,
        meaning: &Meaning,
        rule: Option<&CaptureRule>,
        prose: &(ProseField, String),
        source: &Source,
    ) -> Field {
        if let Some(rule) = rule {
            let why = match rule.from {
                None => format!("`--capture {variable}={}`", rule.jq),
                Some(_) => format!("docflow's rule for `{variable}`"),
            };
            return Field::Found {
                jq: rule.jq.clone(),
                why,
            };
        }
        let where_prose = &prose.1;
        let step = &self.steps[source.index];
        match &prose.0 {
            ProseField::Named(name) => {
                let jq = match &source.resource {
                    Some(r) => binding::jq_of(name, r),
                    None => format!(".{name}"),
                };
                Field::Found {
                    jq,
                    why: format!("the prose ({where_prose}) names `{name}`"),
                }
            }
            ProseField::Ambiguous(names) => Field::Unknown {
                message: format!(
                    "the prose ({where_prose}) names {}, each as much like `{variable}`, for step `{}`",
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(" and "),
                    step.name
                ),
                help: format!(
                    "bind it: `--capture {variable}=.{}`, or another field",
                    names[0]
                ),
            },
            ProseField::None => match source
                .resource
                .as_ref()
                .and_then(|r| binding::field(meaning, r))
            {
                Some(jq) => {
                    let shape = if source.resource.as_ref().is_some_and(|r| r.list) {
                        "a list: its first item"
                    } else {
                        "one object"
                    };
                    Field::Found {
                        jq,
                        why: format!("the response is {shape}"),
                    }
                }
                None => Field::Unknown {
                    message: format!(
                        "step `{}` ({}) answers it, but docflow does not know which field of its response holds `{variable}`",
                        step.name,
                        step_line(step)
                    ),
                    help: format!(
                        "bind it: `--capture {variable}=<jq>` (for example `--capture {variable}=.id`)"
                    ),
                },
            },
        }
    }

    /// The warning for a placeholder no earlier request names: how to bind it.
    fn unbound(
        &mut self,
        variable: &str,
        value: &str,
        at: &DocLocation,
        meaning: &Meaning,
        last: usize,
    ) {
        self.reader_brings(variable, value, at);
        let step = &self.steps[last];
        let suggested = Resource::of(&step.request.method, &step.request.url.raw)
            .and_then(|r| binding::field(meaning, &r))
            .unwrap_or_else(|| "<jq>".to_owned());
        let thing = if meaning.noun.is_empty() {
            format!("`{variable}`")
        } else {
            format!("`{}`", meaning.noun.join(" "))
        };
        self.warnings.push(
            Diagnostic::warning(
                DocCode::UnknownExport,
                at.clone(),
                format!(
                    "cannot bind placeholder `{variable}`: manual `export {variable}='{value}'`, but no request before it is about {thing} (the last one is step `{}`, `{}`); the rest of the page still runs",
                    step.name,
                    step_line(step)
                ),
            )
            .with_help(format!(
                "if it is in that response: `--capture {variable}={suggested}`; if the reader brings it: `--var {variable}=VALUE`"
            )),
        );
    }
}

/// The name whose noun matched: the rule's resource, else the variable.
fn meaning_name(meaning: &Meaning, rule: Option<&CaptureRule>) -> String {
    match rule.and_then(|r| r.from.as_deref()) {
        Some(from) => format!(
            "docflow's rule for `{}` (`{from}`)",
            rule.map_or("", |r| r.variable.as_str())
        ),
        None => format!("`{}`", meaning.name),
    }
}

/// `METHOD url` of a step, for messages.
fn step_line(step: &crate::scenario::model::Step) -> String {
    format!("{} {}", step.request.method, step.request.url.raw)
}
