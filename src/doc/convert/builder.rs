//! The conversion's state (`Builder`) and the helpers every part of it uses: spans,
//! templates, fresh names, adding a step.

use std::collections::{HashMap, HashSet};

use super::cleanups::CleanupRule;
use super::exports::expand_aliases;
use super::{StepNotes, TARGET_VARIABLES};
use crate::doc::blocks::{BlockKind, Extracted};
use crate::doc::code::DocCode;
use crate::doc::diagnostic::{Diagnostic, DocLocation};
use crate::doc::infer::Inference;
use crate::doc::markdown::Page;
use crate::scenario::model::{Capture, Destination, Header, Request, Span, Step, Template, VarDef};

/// The conversion in progress: the steps so far and what the doc has defined.
pub(super) struct Builder<'a> {
    /// The page being converted.
    pub(super) page: &'a Page,
    /// The heuristics in use.
    pub(super) inference: &'a Inference,
    /// Where each doc line is in the scenario's source.
    pub(super) spans: HashMap<DocLocation, Span>,
    /// The steps so far.
    pub(super) steps: Vec<Step>,
    /// One entry per step, for the YAML printer.
    pub(super) notes: Vec<StepNotes>,
    /// What undoes each step, if anything.
    pub(super) rules: Vec<Option<CleanupRule>>,
    /// The `vars:` of the scenario (plain `export`s).
    pub(super) vars: Vec<VarDef>,
    /// Problems that make the conversion fail.
    pub(super) errors: Vec<Diagnostic>,
    /// Things worth knowing.
    pub(super) warnings: Vec<Diagnostic>,
    /// Blocks that break the docs' own format.
    pub(super) defects: Vec<Diagnostic>,
    /// `export A=$B` lines so far: `A` → the value, itself expanded.
    pub(super) aliases: HashMap<String, String>,
    /// Variables the doc writes anywhere; generated names avoid them.
    pub(super) reserved: HashSet<String>,
    /// Variables defined so far.
    pub(super) defined: HashSet<String>,
    /// The step a manual export reads from.
    pub(super) last_request: Option<usize>,
    /// An authentication plugin enabled since the last gateway request.
    pub(super) pending_probe: Option<String>,
    /// Entities the page created, for references by name and re-applies.
    pub(super) applied: Vec<super::deck_steps::Applied>,
    /// See [`Conversion::command_exports`](super::Conversion::command_exports).
    pub(super) command_exports: HashMap<String, DocLocation>,
    /// The text of an `echo -n "…" | base64` the reader just ran, for the export after it.
    pub(super) pending_base64: Option<String>,
    /// Values the reader brings that the page names: manual `export X='YOUR-…'` placeholders
    /// docflow could not bind, and what the page computes from them; each with a placeholder
    /// value and why, for `vars:`.
    pub(super) reader_placeholders: HashMap<String, (String, String)>,
    /// The prose paragraph just before the current block (consecutive prose lines, kept
    /// across the exports of a shell block), for a manual export naming its field.
    pub(super) paragraph: Vec<(DocLocation, String)>,
    /// The first state-changing thing docflow did not run, if any so far.
    pub(super) unrun_config: Option<String>,
    /// See [`Conversion::after_unrun`](super::Conversion::after_unrun).
    pub(super) after_unrun: HashMap<String, String>,
}

impl<'a> Builder<'a> {
    /// A builder for `page`, with the variables the doc writes reserved.
    pub(super) fn new(page: &'a Page, extracted: &Extracted, inference: &'a Inference) -> Self {
        let mut spans = HashMap::new();
        let mut offset = 0;
        for (i, line) in page.all_lines().enumerate() {
            spans.entry(line.location()).or_insert(Span {
                line: i + 1,
                column: 1,
                offset,
                len: line.text.len(),
            });
            offset += line.text.len() + 1;
        }
        let mut reserved: HashSet<String> =
            TARGET_VARIABLES.iter().map(|s| (*s).to_owned()).collect();
        for block in &extracted.blocks {
            match &block.kind {
                BlockKind::Export(e) => {
                    reserved.insert(e.name.clone());
                }
                BlockKind::ApiRequest(r) => {
                    reserved.extend(r.captures.iter().map(|c| c.variable.clone()));
                }
                _ => {}
            }
        }
        Self {
            page,
            inference,
            spans,
            steps: Vec::new(),
            notes: Vec::new(),
            rules: Vec::new(),
            vars: Vec::new(),
            errors: Vec::new(),
            warnings: Vec::new(),
            defects: Vec::new(),
            aliases: HashMap::new(),
            reserved,
            defined: TARGET_VARIABLES.iter().map(|s| (*s).to_owned()).collect(),
            last_request: None,
            pending_probe: None,
            applied: Vec::new(),
            unrun_config: None,
            pending_base64: None,
            paragraph: Vec::new(),
            reader_placeholders: HashMap::new(),
            command_exports: HashMap::new(),
            after_unrun: HashMap::new(),
        }
    }

    /// The scenario span of a doc line.
    pub(super) fn span(&self, at: &DocLocation) -> Span {
        self.spans.get(at).copied().unwrap_or_default()
    }

    /// A template of `text`, aliases expanded; a bad one is an error at `at`.
    pub(super) fn template(&mut self, text: &str, at: &DocLocation) -> Template {
        let expanded = expand_aliases(text, &self.aliases);
        let text = expanded.as_str();
        Template::parse(text).unwrap_or_else(|e| {
            self.errors.push(Diagnostic::error(
                DocCode::BadVariable,
                at.clone(),
                format!("`{text}`: {}", e.message),
            ));
            Template::literal(text)
        })
    }

    /// The `Name: value` headers as templates. A name that is not an HTTP token (a header
    /// wrapped in curly quotes, `‘Content-Type: application/json’`) breaks the docs' format: a
    /// doc defect at `at`, and the header is not sent.
    pub(super) fn headers(&mut self, headers: &[String], at: &DocLocation) -> Vec<Header> {
        let mut out = Vec::new();
        for h in headers {
            let Some((name, value)) = h.split_once(':') else {
                continue;
            };
            let name = name.trim();
            if !is_header_name(name) {
                self.defects.push(Diagnostic::error(
                    DocCode::MalformedBlock,
                    at.clone(),
                    format!("header `{h}`: `{name}` is not a header name; a reader's request would not carry it"),
                ));
                continue;
            }
            out.push(Header {
                name: name.to_owned(),
                value: self.template(value.trim(), at),
            });
        }
        out
    }

    /// A fresh variable name, not used by the doc nor generated before.
    pub(super) fn fresh_var(&mut self, base: &str) -> String {
        let mut name = base.to_owned();
        let mut n = 2;
        while self.reserved.contains(&name) || self.defined.contains(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        self.reserved.insert(name.clone());
        name
    }

    /// A unique step name.
    pub(super) fn step_name(&self, base: &str) -> String {
        let taken = |n: &str| self.steps.iter().any(|s| s.name == n);
        if !taken(base) {
            return base.to_owned();
        }
        (2..)
            .map(|n| format!("{base}-{n}"))
            .find(|n| !taken(n))
            .unwrap_or_else(|| base.to_owned())
    }

    /// Adds a step; its captures count as defined from here on. Returns its index.
    pub(super) fn push(
        &mut self,
        step: Step,
        notes: StepNotes,
        rule: Option<CleanupRule>,
    ) -> usize {
        for c in &step.captures {
            self.defined.insert(c.variable.clone());
        }
        if let Some(unrun) = &self.unrun_config {
            self.after_unrun.insert(step.name.clone(), unrun.clone());
        }
        self.steps.push(step);
        self.notes.push(notes);
        self.rules.push(rule);
        self.steps.len() - 1
    }

    /// A capture, secret when the variable's name says so.
    pub(super) fn capture(&self, variable: &str, jq: &str, span: Span) -> Capture {
        Capture {
            variable: variable.to_owned(),
            jq: jq.to_owned(),
            secret: self.inference.is_secret(variable),
            span,
        }
    }
}

/// Whether `name` is an HTTP header name (a token, as RFC 9110 and the scenario format say).
fn is_header_name(name: &str) -> bool {
    let is_token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    !name.is_empty() && name.bytes().all(is_token)
}

/// A request with only a destination, a method and a URL; the Konnect token goes to API
/// requests, as everywhere in a converted page.
pub(super) fn bare_request(
    destination: Destination,
    method: &str,
    url: Template,
    span: Span,
) -> Request {
    Request {
        destination,
        method: method.to_owned(),
        url,
        headers: vec![],
        query: vec![],
        body: None,
        basic_auth: None,
        konnect_auth: destination == Destination::Api,
        span,
    }
}
