//! [`check`]: does a scenario still mirror its doc? Every step with `source: file:line` is
//! compared with the doc block that starts at that line today, field by field; every doc
//! block no step names is reported as uncovered. The result is a [`DriftReport`].
//!
//! What counts as "the same" (the differences a scenario is allowed, and why):
//!
//! - URLs and values are trimmed (the docs' YAML has trailing spaces: `…/scopes `);
//! - a scenario value may carry a run suffix the doc does not: ` $RUN_ID`, `-$RUN_ID`,
//!   `_$RUN_ID` (or `${RUN_ID}`) at the end of a string, because names such as auth servers
//!   must be unique per organization and region, and entity names per control plane;
//! - an entity example's reference by name (`service: {name: example-service}`) may be a
//!   reference by id in the scenario (`service: {id: $SERVICE_ID}`), since the name carries
//!   the suffix;
//! - headers compare by name case-insensitively and regardless of order; form fields
//!   regardless of order;
//! - a scenario may capture more than the doc's block (the doc's manual exports), but every
//!   `capture`/`extract_body` of the block must be there with the same jq;
//! - a `curl` block states no status: the scenario's must be the implied success status, and
//!   a heading that implies a request (see [`Inference`]) must still have no request under it.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::blocks::{
    ApiRequest, Block, BlockKind, Curl, DocCapture, EntityExamples, Extracted, Validation, extract,
};
use super::code::DriftCode;
use super::curl_command::{self, CurlRequest};
use super::diagnostic::{Diagnostic, DocLocation};
use super::entities::Entity;
use super::infer::Inference;
use super::markdown::load_page;
use super::ordered::{Ordered, OrderedExt as _};
use super::outline::summary;
use super::source::DocsRoot;
use crate::scenario::model::{Body, Destination, Request, Scenario, Step};

/// The environment variable that overrides every scenario's docs root.
pub const DOCS_ROOT_ENV: &str = "DOCFLOW_DOCS_ROOT";

/// The result of checking one scenario against its doc.
#[derive(Debug, Clone)]
pub struct DriftReport {
    /// The scenario's name.
    pub scenario: String,
    /// The scenario file.
    pub path: PathBuf,
    /// The doc page, relative to the docs root.
    pub doc: String,
    /// The docs root used.
    pub root: PathBuf,
    /// How many steps name a `source`.
    pub checked: usize,
    /// Where the scenario and the doc disagree.
    pub drifts: Vec<Drift>,
    /// Doc blocks no step covers.
    pub uncovered: Vec<Uncovered>,
    /// Things worth knowing about the doc (skipped blocks).
    pub warnings: Vec<Diagnostic>,
}

impl DriftReport {
    /// Whether the scenario mirrors the doc: no drift, nothing uncovered.
    pub fn is_clean(&self) -> bool {
        self.drifts.is_empty() && self.uncovered.is_empty()
    }

    /// The report as text: one line per drift and uncovered block, then a verdict.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let head = format!("{} ({} → {})", self.scenario, self.path.display(), self.doc);
        if self.is_clean() {
            let _ = writeln!(
                out,
                "{head}: no drift ({} steps with `source` checked, every doc block covered)",
                self.checked
            );
            return out;
        }
        let _ = writeln!(out, "{head}: DRIFT (docs root `{}`)", self.root.display());
        for d in &self.drifts {
            let _ = writeln!(out, "  {}  step `{}`: `{}` differs", d.doc, d.step, d.field);
            let _ = writeln!(out, "      doc:      {}", d.doc_value);
            let _ = writeln!(out, "      scenario: {}", d.scenario_value);
        }
        for u in &self.uncovered {
            let _ = writeln!(out, "  {}  not covered: {}", u.location, u.what);
        }
        let _ = writeln!(
            out,
            "  help: update the scenario to mirror the doc (each doc block needs a step with `source: file:line`)"
        );
        out
    }
}

/// One field where a step and its doc block disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    /// The step.
    pub step: String,
    /// The doc block's `file:line` (the step's `source`).
    pub doc: DocLocation,
    /// The field (`status_code`, `url`, `body.name`, `header content-type`, `source`, …).
    pub field: String,
    /// What the doc says.
    pub doc_value: String,
    /// What the scenario says.
    pub scenario_value: String,
}

/// A doc block no step names as its `source`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uncovered {
    /// Where it is.
    pub location: DocLocation,
    /// What it is.
    pub what: String,
}

/// The docs root of a scenario: `override_root` (from [`DOCS_ROOT_ENV`]) if given, else
/// `doc.root` relative to the scenario file.
pub fn resolve_root(
    scenario: &Scenario,
    override_root: Option<&Path>,
) -> Result<DocsRoot, Diagnostic> {
    if let Some(root) = override_root {
        return DocsRoot::open(root);
    }
    let at = DocLocation::new(
        scenario.path.display().to_string(),
        scenario.doc.as_ref().map_or(0, |d| d.span.line),
    );
    let Some(doc) = &scenario.doc else {
        return Err(Diagnostic::error(
            DriftCode::NoDoc,
            at,
            "the scenario has no `doc:`, so there is no doc to compare with",
        ));
    };
    let Some(root) = &doc.root else {
        return Err(
            Diagnostic::error(DriftCode::NoRoot, at, "`doc:` names no `root:`").with_help(format!(
                "add `root:` (relative to the scenario file) or set `{DOCS_ROOT_ENV}`"
            )),
        );
    };
    let base = scenario.path.parent().unwrap_or(Path::new(""));
    DocsRoot::open(base.join(root)).map_err(|e| Diagnostic { location: at, ..e })
}

/// Checks `scenario` against its doc; the docs root comes from [`DOCS_ROOT_ENV`] or the
/// scenario's `doc.root`.
pub fn check(scenario: &Scenario) -> Result<DriftReport, Vec<Diagnostic>> {
    let env = std::env::var_os(DOCS_ROOT_ENV).map(PathBuf::from);
    let root = resolve_root(scenario, env.as_deref()).map_err(|e| vec![e])?;
    check_with_root(scenario, &root)
}

/// Checks `scenario` against its doc under `root`.
pub fn check_with_root(
    scenario: &Scenario,
    root: &DocsRoot,
) -> Result<DriftReport, Vec<Diagnostic>> {
    let Some(doc) = &scenario.doc else {
        return Err(vec![Diagnostic::error(
            DriftCode::NoDoc,
            DocLocation::new(scenario.path.display().to_string(), 0),
            "the scenario has no `doc:`, so there is no doc to compare with",
        )]);
    };
    let page = load_page(root, &doc.file).map_err(|e| vec![e])?;
    let extracted = extract(&page)?;
    let inference = Inference::default();
    let mut report = DriftReport {
        scenario: scenario.name.clone(),
        path: scenario.path.clone(),
        doc: doc.file.clone(),
        root: root.path().to_path_buf(),
        checked: 0,
        drifts: Vec::new(),
        uncovered: Vec::new(),
        warnings: extracted.warnings.clone(),
    };
    for step in &scenario.steps {
        let Some(source) = &step.source else { continue };
        report.checked += 1;
        let at = DocLocation::new(&source.file, source.line);
        let mut cmp = Compare {
            step,
            at: &at,
            out: &mut report.drifts,
        };
        cmp.step_against_doc(&extracted, &inference, root);
    }
    report.uncovered = uncovered(scenario, &extracted, &inference);
    Ok(report)
}

struct Compare<'a> {
    step: &'a Step,
    at: &'a DocLocation,
    out: &'a mut Vec<Drift>,
}

impl Compare<'_> {
    fn drift(
        &mut self,
        field: impl Into<String>,
        doc: impl Into<String>,
        scenario: impl Into<String>,
    ) {
        self.out.push(Drift {
            step: self.step.name.clone(),
            doc: self.at.clone(),
            field: field.into(),
            doc_value: doc.into(),
            scenario_value: scenario.into(),
        });
    }

    fn step_against_doc(&mut self, extracted: &Extracted, inference: &Inference, root: &DocsRoot) {
        if let Some(entity) = extracted.entities.iter().find(|e| e.file == self.at.file) {
            if self.at.line != 1 {
                self.drift("source", format!("{}:1", entity.file), self.at.to_string());
            }
            self.entity(entity);
            return;
        }
        let Some(block) = extracted.at(self.at) else {
            if self
                .at
                .file
                .starts_with(super::entities::ENTITY_EXAMPLES_DIR)
                && root.exists(&self.at.file)
            {
                self.drift(
                    "prereqs.entities",
                    "the page's `prereqs.entities` does not list this entity example",
                    self.at.file.clone(),
                );
                return;
            }
            let nearest = nearest_request(extracted, self.at);
            self.drift(
                "source",
                match nearest {
                    Some(b) => format!(
                        "no block starts here; the nearest request in this file is at line {}: {} {}",
                        b.location.line,
                        b.kind.label(),
                        summary(&b.kind)
                    ),
                    None => "no block starts here, and the file has no request".to_owned(),
                },
                self.at.to_string(),
            );
            return;
        };
        match &block.kind {
            BlockKind::ApiRequest(r) => self.api_request(r),
            BlockKind::Validation(v) => self.validation(v),
            BlockKind::Curl(c) => self.curl(c, inference),
            BlockKind::EntityExamples(e) => self.entity_examples(e),
            BlockKind::Heading(h) if inference.implies_gateway_call(&h.text) => {
                let after: Vec<&Block> = extracted
                    .blocks
                    .iter()
                    .skip_while(|b| b.location != *self.at)
                    .skip(1)
                    .take_while(|b| !matches!(&b.kind, BlockKind::Heading(n) if n.level <= h.level))
                    .filter(|b| b.kind.is_request())
                    .collect();
                if let Some(first) = after.first() {
                    self.drift(
                        "source",
                        format!(
                            "the doc now has a request under this heading, at {}",
                            first.location
                        ),
                        format!("{} (an implied step)", self.at),
                    );
                } else {
                    self.status(Some(inference.implied_status), "(none: implied success)");
                    self.destination(Destination::Proxy);
                }
            }
            other => self.drift(
                "source",
                format!("a {} block: {}", other.label(), summary(other)),
                "a request",
            ),
        }
    }

    /// A step mirroring an `{% entity_examples %}` block: decK's apply of one of its
    /// entities, sent to the control plane's core entities.
    fn entity_examples(&mut self, e: &EntityExamples) {
        self.destination(Destination::Api);
        let request = &self.step.request;
        let applies = matches!(request.method.as_str(), "POST" | "PUT" | "PATCH")
            && request.url.raw.contains("/core-entities/");
        if !applies {
            self.drift(
                "request",
                format!(
                    "the doc applies {}",
                    summary(&BlockKind::EntityExamples(e.clone()))
                ),
                format!("{} {}", request.method, request.url.raw),
            );
        }
    }

    fn destination(&mut self, doc: Destination) {
        let actual = self.step.request.destination;
        if actual != doc {
            self.drift("to", destination_name(doc), destination_name(actual));
        }
    }

    fn url(&mut self, doc: &str, request: &Request) {
        let doc = doc.trim();
        let scenario = strip_run_id(request.url.raw.trim());
        if doc != scenario {
            self.drift("url", doc, request.url.raw.trim());
        }
    }

    fn method(&mut self, doc: &str, request: &Request) {
        if !doc.eq_ignore_ascii_case(&request.method) {
            self.drift("method", doc, request.method.clone());
        }
    }

    fn status(&mut self, doc: Option<u16>, none: &str) {
        let scenario = self.step.expect.status;
        if doc != scenario {
            let show =
                |s: Option<u16>, none: &str| s.map_or_else(|| none.to_owned(), |s| s.to_string());
            let doc_text = match doc {
                Some(s) if none.starts_with("(none: implied") => {
                    format!("{s} (implied: the doc states none)")
                }
                other => show(other, "(none)"),
            };
            self.drift("status_code", doc_text, show(scenario, "(none)"));
        }
    }

    fn headers(&mut self, doc: &[String], request: &Request) {
        let norm = |name: &str, value: &str| {
            format!(
                "{}: {}",
                name.trim().to_ascii_lowercase(),
                strip_run_id(value.trim())
            )
        };
        let doc_set: BTreeSet<String> = doc
            .iter()
            .filter_map(|h| h.split_once(':'))
            .map(|(n, v)| norm(n, v))
            .collect();
        let scenario_set: BTreeSet<String> = request
            .headers
            .iter()
            .map(|h| norm(&h.name, &h.value.raw))
            .collect();
        if doc_set != scenario_set {
            let join = |s: &BTreeSet<String>| {
                if s.is_empty() {
                    "(none)".to_owned()
                } else {
                    s.iter()
                        .map(|h| format!("'{h}'"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            };
            self.drift("headers", join(&doc_set), join(&scenario_set));
        }
    }

    fn json_body(&mut self, doc: Option<&Value>, request: &Request) {
        match (doc, &request.body) {
            (None, None) => {}
            (Some(doc), Some(Body::Json(scenario))) => {
                let mut diffs = Vec::new();
                json_diff(doc, &strip_run_ids(scenario), "body", &mut diffs);
                for (path, d, s) in diffs {
                    self.drift(path, d, s);
                }
            }
            (Some(doc), other) => self.drift("body", compact(doc), body_kind(other.as_ref())),
            (None, Some(other)) => self.drift("body", "(none)", body_kind(Some(other))),
        }
    }

    fn captures(&mut self, doc: &[DocCapture]) {
        for c in doc {
            let found = self.step.captures.iter().find(|s| s.variable == c.variable);
            match found {
                Some(s) if norm_jq(&s.jq) == norm_jq(&c.jq) => {}
                Some(s) => self.drift(
                    format!("capture {}", c.variable),
                    c.jq.clone(),
                    s.jq.clone(),
                ),
                None => self.drift(
                    format!("capture {}", c.variable),
                    c.jq.clone(),
                    "(not captured)",
                ),
            }
        }
    }

    fn api_request(&mut self, r: &ApiRequest) {
        let request = &self.step.request;
        self.destination(Destination::Api);
        self.url(&r.url, request);
        self.method(&r.method, request);
        self.status(r.status_code, "(none)");
        self.headers(&r.headers, request);
        match (&r.body, &r.body_cmd) {
            (None, Some(raw)) => match &request.body {
                Some(Body::Raw(t)) if t.raw.trim() == raw.trim() => {}
                other => self.drift("body_cmd", raw.clone(), body_kind(other.as_ref())),
            },
            (body, _) => self.json_body(body.as_ref().map(Ordered::to_json).as_ref(), request),
        }
        self.captures(&r.captures);
    }

    fn validation(&mut self, v: &Validation) {
        let request = &self.step.request;
        self.destination(Destination::Proxy);
        self.url(&v.url, request);
        self.method(&v.method, request);
        let doc_status = match v.kind.as_str() {
            "unauthorized-check" => Some(v.status_code.unwrap_or(401)),
            _ => v.status_code,
        };
        self.status(doc_status, "(none)");
        self.headers(&v.headers, request);
        self.json_body(v.body.as_ref().map(|b| b.to_json()).as_ref(), request);
    }

    /// Compares a `curl` with the step: destination, URL, method, implied status, headers,
    /// form or query fields, body, Basic credentials.
    fn curl(&mut self, c: &Curl, inference: &Inference) {
        let request = &self.step.request;
        let doc = &c.request;
        let (destination, url) = curl_command::destination(&doc.url);
        self.destination(destination);
        self.url(url, request);
        self.method(&doc.method, request);
        self.status(Some(inference.implied_status), "(none: implied success)");
        let headers: Vec<String> = doc
            .headers
            .iter()
            .map(|(n, v)| format!("{n}: {v}"))
            .collect();
        self.headers(&headers, request);
        self.curl_fields(doc, request);
        self.curl_body(doc, request);
        self.curl_basic_auth(doc, request);
    }

    /// The curl's `-d` fields against the step's form (or query, with `-G`).
    fn curl_fields(&mut self, doc: &CurlRequest, request: &Request) {
        let fields = |pairs: &mut dyn Iterator<Item = (String, String)>| -> BTreeSet<String> {
            pairs
                .map(|(k, v)| format!("{k}={}", strip_run_id(v.trim())))
                .collect()
        };
        let doc_form = fields(&mut doc.form.iter().cloned());
        let (scenario_form, where_) = if doc.get {
            (
                fields(
                    &mut request
                        .query
                        .iter()
                        .map(|(k, v)| (k.clone(), v.raw.clone())),
                ),
                "query",
            )
        } else {
            match &request.body {
                Some(Body::Form(f)) => (
                    fields(&mut f.iter().map(|(k, v)| (k.clone(), v.raw.clone()))),
                    "form",
                ),
                _ => (BTreeSet::new(), "form"),
            }
        };
        if doc_form != scenario_form {
            let join = |s: &BTreeSet<String>| {
                if s.is_empty() {
                    "(none)".to_owned()
                } else {
                    s.iter().cloned().collect::<Vec<_>>().join(", ")
                }
            };
            self.drift(where_, join(&doc_form), join(&scenario_form));
        }
    }

    /// The curl's JSON or raw body against the step's.
    fn curl_body(&mut self, doc: &CurlRequest, request: &Request) {
        if let Some(json) = &doc.json {
            match serde_json::from_str::<Value>(json) {
                Ok(v) => self.json_body(Some(&v), request),
                Err(_) => match &request.body {
                    Some(Body::Raw(t)) if t.raw.trim() == json.trim() => {}
                    other => self.drift("body", json.clone(), body_kind(other.as_ref())),
                },
            }
        } else if let Some(raw) = &doc.raw {
            match &request.body {
                Some(Body::Raw(t)) if t.raw.trim() == raw.trim() => {}
                other => self.drift("body", raw.clone(), body_kind(other.as_ref())),
            }
        }
    }

    /// The curl's `-u` against the step's `basic_auth`.
    fn curl_basic_auth(&mut self, doc: &CurlRequest, request: &Request) {
        let doc_basic = doc.basic_auth.as_ref().map(|(u, p)| format!("{u}:{p}"));
        let scenario_basic = request
            .basic_auth
            .as_ref()
            .map(|b| format!("{}:{}", b.username.raw, b.password.raw));
        if doc_basic != scenario_basic {
            self.drift(
                "basic_auth",
                doc_basic.unwrap_or_else(|| "(none)".to_owned()),
                scenario_basic.unwrap_or_else(|| "(none)".to_owned()),
            );
        }
    }

    fn entity(&mut self, entity: &Entity) {
        let doc = entity.value.to_json();
        match &self.step.request.body {
            Some(Body::Json(scenario)) => {
                let mut scenario = strip_run_ids(scenario);
                // A reference by name in the example may be a reference by id here.
                if let (Value::Object(d), Value::Object(s)) = (&doc, &mut scenario) {
                    for key in ["service", "route", "consumer"] {
                        let by_name = d.get(key).and_then(|v| v.get("name")).is_some();
                        let by_id = s.get(key).and_then(Value::as_object).is_some_and(|o| {
                            o.len() == 1
                                && o.get("id")
                                    .and_then(Value::as_str)
                                    .is_some_and(|id| id.starts_with('$'))
                        });
                        if by_name
                            && by_id
                            && let Some(v) = d.get(key)
                        {
                            s.insert(key.to_owned(), v.clone());
                        }
                    }
                }
                let mut diffs = Vec::new();
                json_diff(&doc, &scenario, "body", &mut diffs);
                for (path, d, s) in diffs {
                    self.drift(path, d, s);
                }
            }
            other => self.drift("body", compact(&doc), body_kind(other.as_ref())),
        }
    }
}

/// Doc blocks (and entity examples, implied steps and manual exports) no step covers.
fn uncovered(scenario: &Scenario, extracted: &Extracted, inference: &Inference) -> Vec<Uncovered> {
    let sources: BTreeSet<DocLocation> = scenario
        .steps
        .iter()
        .filter_map(|s| s.source.as_ref().map(|d| DocLocation::new(&d.file, d.line)))
        .collect();
    let captured: BTreeSet<&str> = scenario
        .steps
        .iter()
        .flat_map(|s| s.captures.iter().map(|c| c.variable.as_str()))
        .chain(scenario.vars.iter().map(|v| v.name.as_str()))
        .collect();
    let mut out = Vec::new();
    for e in &extracted.entities {
        if !sources.iter().any(|s| s.file == e.file) {
            out.push(Uncovered {
                location: e.location(),
                what: format!(
                    "entity example `{}` (`prereqs.entities.{}`, {})",
                    e.name, e.kind, e.declared_at
                ),
            });
        }
    }
    for (i, b) in extracted.blocks.iter().enumerate() {
        let what = match &b.kind {
            k if k.is_request() => Some(format!("{} {}", k.label(), summary(k))),
            BlockKind::Heading(h) if inference.implies_gateway_call(&h.text) => {
                let answered = extracted.blocks[i + 1..]
                    .iter()
                    .take_while(|n| !matches!(&n.kind, BlockKind::Heading(x) if x.level <= h.level))
                    .any(|n| n.kind.is_request());
                (!answered).then(|| format!("heading \"{}\" implies a gateway request", h.text))
            }
            BlockKind::Export(e) if e.placeholder && !captured.contains(e.name.as_str()) => {
                out.push(Uncovered {
                    location: b.location.clone(),
                    what: format!(
                        "manual `export {}='{}'`: no step captures `{}`",
                        e.name, e.value, e.name
                    ),
                });
                None
            }
            _ => None,
        };
        if let Some(what) = what
            && !sources.contains(&b.location)
        {
            out.push(Uncovered {
                location: b.location.clone(),
                what,
            });
        }
    }
    out
}

fn nearest_request<'a>(extracted: &'a Extracted, at: &DocLocation) -> Option<&'a Block> {
    extracted
        .blocks
        .iter()
        .filter(|b| b.location.file == at.file && b.kind.is_request())
        .min_by_key(|b| b.location.line.abs_diff(at.line))
}

fn destination_name(d: Destination) -> &'static str {
    match d {
        Destination::Api => "api (the Konnect API)",
        Destination::Proxy => "proxy (the gateway)",
        Destination::Absolute => "url (an absolute URL)",
    }
}

fn body_kind(body: Option<&Body>) -> String {
    match body {
        None => "(none)".to_owned(),
        Some(Body::Json(v)) => compact(v),
        Some(Body::Form(f)) => format!(
            "form: {}",
            f.iter()
                .map(|(k, v)| format!("{k}={}", v.raw))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Some(Body::Raw(t)) => format!("raw: {}", t.raw),
    }
}

fn compact(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// jq programs compare without surrounding whitespace.
fn norm_jq(jq: &str) -> &str {
    jq.trim()
}

/// A scenario string without its run suffix (see the module docs).
pub fn strip_run_id(text: &str) -> &str {
    for suffix in [
        " $RUN_ID",
        "-$RUN_ID",
        "_$RUN_ID",
        " ${RUN_ID}",
        "-${RUN_ID}",
        "_${RUN_ID}",
    ] {
        if let Some(stripped) = text.strip_suffix(suffix) {
            return stripped;
        }
    }
    text
}

fn strip_run_ids(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(strip_run_id(s).to_owned()),
        Value::Array(items) => Value::Array(items.iter().map(strip_run_ids).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), strip_run_ids(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Every leaf where `doc` and `scenario` differ: `(path, doc, scenario)`.
fn json_diff(doc: &Value, scenario: &Value, path: &str, out: &mut Vec<(String, String, String)>) {
    match (doc, scenario) {
        (Value::Object(d), Value::Object(s)) => {
            let keys: BTreeSet<&String> = d.keys().chain(s.keys()).collect();
            for k in keys {
                let p = format!("{path}.{k}");
                match (d.get(k), s.get(k)) {
                    (Some(a), Some(b)) => json_diff(a, b, &p, out),
                    (Some(a), None) => out.push((p, compact(a), "(absent)".to_owned())),
                    (None, Some(b)) => out.push((p, "(absent)".to_owned(), compact(b))),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(d), Value::Array(s)) if d.len() == s.len() => {
            for (i, (a, b)) in d.iter().zip(s).enumerate() {
                json_diff(a, b, &format!("{path}[{i}]"), out);
            }
        }
        (a, b) if a == b => {}
        (a, b) => out.push((path.to_owned(), compact(a), compact(b))),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::doc::blocks::extract;
    use crate::doc::code::DocCode;
    use crate::doc::convert::convert;
    use crate::doc::test_support::TempRoot;
    use crate::scenario::model::{DocSource, Template};

    const PAGE: &str = "---\ntitle: T\nprereqs:\n  entities:\n    services: [s]\n    routes: [r]\n---\n\
{% konnect_api_request %}\nurl: /v1/auth-servers/$AUTH_SERVER_ID/scopes \nstatus_code: 201\nmethod: POST\nheaders:\n  - 'Content-Type: application/json'\nbody:\n  name: \"Appointments\"\n  enabled: true\nextract_body:\n  - name: id\n    variable: SCOPE_ID\n{% endkonnect_api_request %}\n\
```sh\ncurl -X POST \"$ISSUER_URL/oauth/token\" \\\n  -d \"grant_type=client_credentials\" \\\n  -d \"scope=my-scope\"\n```\n\
```sh\nexport ACCESS_TOKEN='YOUR-ACCESS-TOKEN'\n```\n\
## Access the Gateway service using the token \n";

    fn root(page: &str) -> TempRoot {
        TempRoot::with_page(page)
    }

    fn converted(tmp: &TempRoot) -> Scenario {
        let page = load_page(&tmp.root(), "app/p.md").unwrap();
        let x = extract(&page).unwrap();
        convert(&page, &x, &Inference::default()).unwrap().scenario
    }

    #[test]
    fn a_converted_scenario_has_no_drift_against_its_own_doc() {
        let tmp = root(PAGE);
        let scenario = converted(&tmp);
        let report = check_with_root(&scenario, &tmp.root()).unwrap();
        assert!(report.is_clean(), "{}", report.render());
        // entities (2), the scope, the token curl, the implied call
        assert_eq!(report.checked, 5);
        assert!(report.render().contains("no drift"));
    }

    #[test]
    fn a_changed_doc_is_drift_field_by_field() {
        let tmp = root(PAGE);
        let scenario = converted(&tmp);
        // The doc changes after the scenario was written.
        let changed = PAGE
            .replace("status_code: 201", "status_code: 200")
            .replace("name: \"Appointments\"", "name: \"Other\"")
            .replace("scope=my-scope", "scope=Scope");
        let tmp2 = TempRoot::new(&[
            ("app/p.md", &changed),
            (
                "app/_data/entity_examples/gateway/services/s.yml",
                "name: s\nurl: http://h/get\n",
            ),
            (
                "app/_data/entity_examples/gateway/routes/r.yml",
                "name: r\npaths:\n  - /anything\nservice: \n  name: s\n",
            ),
        ]);
        let report = check_with_root(&scenario, &tmp2.root()).unwrap();
        let got: Vec<_> = report
            .drifts
            .iter()
            .map(|d| {
                format!(
                    "{} {} {} | {}",
                    d.doc, d.field, d.doc_value, d.scenario_value
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                "app/_data/entity_examples/gateway/services/s.yml:1 body.url \"http://h/get\" | \"http://h/anything\"",
                "app/p.md:8 status_code 200 | 201",
                "app/p.md:8 body.name \"Other\" | \"Appointments\"",
                "app/p.md:22 form grant_type=client_credentials, scope=Scope | grant_type=client_credentials, scope=my-scope",
            ]
        );
        assert!(!report.is_clean());
        let text = report.render();
        assert!(
            text.contains("app/p.md:8  step `create-scope`: `status_code` differs"),
            "{text}"
        );
    }

    #[test]
    fn moved_blocks_and_new_blocks_are_reported() {
        let tmp = root(PAGE);
        let mut scenario = converted(&tmp);
        // A step whose source points at nothing; remove the token step's coverage.
        scenario.steps.retain(|s| s.name != "get-token");
        let scope = scenario
            .steps
            .iter_mut()
            .find(|s| s.name == "create-scope")
            .unwrap();
        scope.source = Some(DocSource {
            file: "app/p.md".into(),
            line: 9,
        });
        let report = check_with_root(&scenario, &tmp.root()).unwrap();
        assert_eq!(report.drifts.len(), 1, "{}", report.render());
        assert_eq!(report.drifts[0].field, "source");
        assert!(
            report.drifts[0].doc_value.contains("at line 8"),
            "{}",
            report.drifts[0].doc_value
        );
        let uncovered: Vec<_> = report
            .uncovered
            .iter()
            .map(|u| u.location.to_string())
            .collect();
        // the scope block, the curl, and the manual export nobody captures any more
        assert_eq!(uncovered, ["app/p.md:8", "app/p.md:22", "app/p.md:27"]);
    }

    #[test]
    fn run_suffixes_and_references_by_id_are_allowed() {
        assert_eq!(strip_run_id("Appointments Dev $RUN_ID"), "Appointments Dev");
        assert_eq!(strip_run_id("example-service-$RUN_ID"), "example-service");
        assert_eq!(strip_run_id("x_${RUN_ID}"), "x");
        assert_eq!(strip_run_id("$RUN_ID-x"), "$RUN_ID-x");
        let tmp = root(PAGE);
        let mut scenario = converted(&tmp);
        let route = scenario
            .steps
            .iter_mut()
            .find(|s| s.name == "create-r")
            .unwrap();
        route.request.body = Some(Body::Json(
            json!({"name": "r-$RUN_ID", "paths": ["/anything"], "service": {"id": "$SVC"}, "protocols": ["http"]}),
        ));
        route.request.url =
            Template::parse(" /v2/control-planes/$QUICKSTART_ID/core-entities/routes ").unwrap();
        let report = check_with_root(&scenario, &tmp.root()).unwrap();
        let fields: Vec<_> = report.drifts.iter().map(|d| d.field.as_str()).collect();
        assert_eq!(fields, ["body.protocols"]);
    }

    #[test]
    fn roots_resolve_relative_to_the_scenario_or_from_the_override() {
        let tmp = root(PAGE);
        std::fs::create_dir_all(tmp.0.join("scenarios")).unwrap();
        let mut scenario = converted(&tmp);
        scenario.path = tmp.0.join("scenarios/x.yaml");
        scenario.doc.as_mut().unwrap().root = Some("..".into());
        assert_eq!(
            resolve_root(&scenario, None).unwrap().path(),
            tmp.0.join("scenarios/..")
        );
        assert_eq!(resolve_root(&scenario, Some(&tmp.0)).unwrap().path(), tmp.0);
        scenario.doc.as_mut().unwrap().root = Some("nope".into());
        let err = resolve_root(&scenario, None).unwrap_err();
        assert_eq!(err.code, DocCode::MissingRoot);
        scenario.doc = None;
        assert_eq!(
            resolve_root(&scenario, None).unwrap_err().code,
            DriftCode::NoDoc
        );
    }
}
