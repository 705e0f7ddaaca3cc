//! [`convert`]: a how-to, run as written. The page's blocks become a
//! [`Scenario`] in reading order; the result is a
//! [`Conversion`] (the scenario, per-step notes for the YAML printer, warnings).
//!
//! What it produces, in order:
//!
//! 1. **Prerequisites** (only when the frontmatter has `prereqs.entities`): find the
//!    quickstart control plane (`GET /v2/control-planes?filter[name][eq]=$DECK_KONNECT_CONTROL_PLANE_NAME`),
//!    then create each entity example on it through the core-entities API, its name suffixed
//!    with `-$RUN_ID`, references by name (`service: {name: example-service}`) turned into
//!    references by the id just captured, each with a cleanup. The docs apply them with decK;
//!    the API does the same without a decK binary. Their `source` is the example file's line 1.
//! 2. **Doc steps**, each with its `source` (`file:line` of the block), its `status_code` as
//!    the doc's claim:
//!    - `{% konnect_api_request %}` → a Konnect API request (`capture` and `extract_body`
//!      kept as captures);
//!    - `{% validation request-check %}` → a gateway proxy request (`unauthorized-check`
//!      too, 401 unless it says otherwise);
//!    - `curl` in a shell block → an absolute-URL request (a `$KONNECT_PROXY_URL/…` URL goes
//!      to the proxy), form fields from `-d`, with the implied success status.
//!
//! Then the heuristics of [`Inference`] (guesses, documented there; each one shows as an
//! `# inferred:` comment in `docflow doc scenario`):
//!
//! - a manual `export NAME='YOUR-…'` becomes a capture on the request before it;
//! - auth server names get ` $RUN_ID` appended (they are unique per organization and region);
//! - creating an auth server registers `DELETE /v1/auth-servers/$AUTH_SERVER_ID?force=true`
//!   (which removes its scopes, claims and clients too), creating a core entity (a plugin)
//!   registers its `DELETE`, capturing the id when the doc does not;
//! - a trailing "Access the Gateway service…" heading with no request becomes a proxy `GET`
//!   of the example route's first path with `Authorization: Bearer $ACCESS_TOKEN` and the
//!   implied success status, its `source` at the heading;
//! - before the first gateway request after an authentication plugin is enabled, a probe
//!   step (no `source`) waits until an unauthenticated request answers 401.
//!
//! Spans point into [`Scenario::source`](crate::scenario::model::Scenario::source), the
//! page's frontmatter followed by its expanded body; `source` holds the real `file:line`.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::blocks::{ApiRequest, Block, BlockKind, Curl, Extracted, Validation};
use super::code::DocCode;
use super::diagnostic::{Diagnostic, DocLocation};
use super::entities::Entity;
use super::infer::{AUTH_PLUGINS, Inference};
use super::markdown::Page;
use super::ordered::Ordered;
use crate::scenario::model::{
    BasicAuth, Body, Capture, Destination, DocRef, DocSource, Expect, Header, JqCheck, Request,
    Retry, Scenario, SnapshotMode, Span, Step, StepKeys, Template, VarDef,
};

/// Variables a target provides (the quickstart script's exports, plus `RUN_ID`).
pub use crate::scenario::TARGET_VARS as TARGET_VARIABLES;

/// The variable the prerequisite step captures the quickstart control plane's id into.
pub const QUICKSTART_ID: &str = "QUICKSTART_ID";

/// How long the enforcement probe retries.
pub const PROBE_RETRY: Retry = Retry {
    timeout: Duration::from_secs(30),
    interval: Duration::from_millis(250),
    backoff: 1.5,
};

/// A converted page.
#[derive(Debug, Clone)]
pub struct Conversion {
    /// The runnable scenario.
    pub scenario: Scenario,
    /// One entry per step, for the YAML printer.
    pub notes: Vec<StepNotes>,
    /// Blocks skipped and other things worth knowing.
    pub warnings: Vec<Diagnostic>,
    /// Doc defects found without running anything: blocks that break the docs' own format.
    pub defects: Vec<Diagnostic>,
    /// The page's `min_version.gateway`.
    pub min_gateway: Option<String>,
}

/// What the YAML printer needs beyond the model.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StepNotes {
    /// `# inferred: …` comments: what the step adds to the doc, and why.
    pub comments: Vec<String>,
    /// The JSON body in the doc's key order.
    pub body: Option<Ordered>,
}

/// Converts an extracted page.
pub fn convert(
    page: &Page,
    extracted: &Extracted,
    inference: &Inference,
) -> Result<Conversion, Vec<Diagnostic>> {
    let mut b = Builder::new(page, extracted, inference);
    b.prerequisites(&extracted.entities);
    let blocks = &extracted.blocks;
    for (i, block) in blocks.iter().enumerate() {
        b.block(block, &blocks[i + 1..], &extracted.entities);
    }
    b.cleanups();
    b.finish()
}

/// What undoes a step.
#[derive(Debug, Clone)]
enum CleanupRule {
    /// `DELETE /v1/auth-servers/$ID?force=true`.
    AuthServer,
    /// `DELETE <collection>/$ID` for a core entity (`plugin`).
    CoreEntity {
        collection: String,
        singular: String,
    },
}

impl CleanupRule {
    /// The variable name for the id, when the doc captures none.
    fn id_variable(&self) -> String {
        match self {
            Self::AuthServer => "AUTH_SERVER_ID".to_owned(),
            Self::CoreEntity { singular, .. } => {
                format!("{}_ID", singular.to_ascii_uppercase().replace('-', "_"))
            }
        }
    }

    /// The cleanup URL, given the id's variable.
    fn url(&self, var: &str) -> String {
        match self {
            Self::AuthServer => format!("/v1/auth-servers/${var}?force=true"),
            Self::CoreEntity { collection, .. } => format!("{collection}/${var}"),
        }
    }
}

struct Builder<'a> {
    page: &'a Page,
    inference: &'a Inference,
    spans: HashMap<DocLocation, Span>,
    steps: Vec<Step>,
    notes: Vec<StepNotes>,
    rules: Vec<Option<CleanupRule>>,
    vars: Vec<VarDef>,
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
    defects: Vec<Diagnostic>,
    /// `export A=$B` lines so far: `A` → the value, itself expanded.
    aliases: HashMap<String, String>,
    /// Variables the doc writes anywhere; generated names avoid them.
    reserved: HashSet<String>,
    /// Variables defined so far.
    defined: HashSet<String>,
    /// The step a manual export reads from.
    last_request: Option<usize>,
    /// An authentication plugin enabled since the last gateway request.
    pending_probe: Option<String>,
}

impl<'a> Builder<'a> {
    fn new(page: &'a Page, extracted: &Extracted, inference: &'a Inference) -> Self {
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
        }
    }

    fn span(&self, at: &DocLocation) -> Span {
        self.spans.get(at).copied().unwrap_or_default()
    }

    fn template(&mut self, text: &str, at: &DocLocation) -> Template {
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

    fn headers(&mut self, headers: &[String], at: &DocLocation) -> Vec<Header> {
        headers
            .iter()
            .filter_map(|h| {
                let (name, value) = h.split_once(':')?;
                Some(Header {
                    name: name.trim().to_owned(),
                    value: self.template(value.trim(), at),
                })
            })
            .collect()
    }

    /// A fresh variable name, not used by the doc nor generated before.
    fn fresh_var(&mut self, base: &str) -> String {
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
    fn step_name(&self, base: &str) -> String {
        let taken = |n: &str| self.steps.iter().any(|s| s.name == n);
        if !taken(base) {
            return base.to_owned();
        }
        (2..)
            .map(|n| format!("{base}-{n}"))
            .find(|n| !taken(n))
            .unwrap_or_else(|| base.to_owned())
    }

    fn push(&mut self, step: Step, notes: StepNotes, rule: Option<CleanupRule>) -> usize {
        for c in &step.captures {
            self.defined.insert(c.variable.clone());
        }
        self.steps.push(step);
        self.notes.push(notes);
        self.rules.push(rule);
        self.steps.len() - 1
    }

    fn capture(&self, variable: &str, jq: &str, span: Span) -> Capture {
        Capture {
            variable: variable.to_owned(),
            jq: jq.to_owned(),
            secret: self.inference.is_secret(variable),
            span,
        }
    }

    fn prerequisites(&mut self, entities: &[Entity]) {
        let Some(first) = entities.first() else {
            return;
        };
        let span = self.span(&first.declared_at);
        let request = Request {
            destination: Destination::Api,
            method: "GET".to_owned(),
            url: self.template(
                "/v2/control-planes?filter%5Bname%5D%5Beq%5D=$DECK_KONNECT_CONTROL_PLANE_NAME",
                &first.declared_at,
            ),
            headers: vec![],
            query: vec![],
            body: None,
            basic_auth: None,
            konnect_auth: true,
            span,
        };
        let step = Step {
            keys: StepKeys::default(),
            name: self.step_name("find-quickstart-control-plane"),
            span,
            source: None,
            targets: vec![],
            request,
            expect: Expect {
                status: Some(200),
                jq: vec![JqCheck {
                    expr: ".data | length == 1".to_owned(),
                    span,
                }],
                ..Expect::default()
            },
            captures: vec![self.capture(QUICKSTART_ID, ".data[0].id", span)],
            retry: None,
            cleanup: None,
            tokens: vec![],
            snapshot: SnapshotMode::Off,
            defect: None,
        };
        let notes = StepNotes {
            comments: vec![
                "prerequisite: the control plane the quickstart script creates (`app/_includes/prereqs/products/konnect.md`)".to_owned(),
            ],
            body: None,
        };
        self.push(step, notes, None);

        // Services before the routes that reference them, then the other kinds.
        let order = |kind: &str| match kind {
            "services" => 0,
            "routes" => 1,
            "consumers" => 2,
            _ => 3,
        };
        let mut sorted: Vec<&Entity> = entities.iter().collect();
        sorted.sort_by_key(|e| order(&e.kind));
        let mut ids: Vec<(String, String, String)> = Vec::new(); // (singular kind, name, var)
        for entity in sorted {
            let var = self.fresh_var(&format!(
                "{}_ID",
                entity.name.to_ascii_uppercase().replace('-', "_")
            ));
            let mut body = entity.value.clone();
            let mut comments = vec![format!(
                "prerequisite: `prereqs.entities.{}` ({}); the docs apply it with decK, docflow through the API",
                entity.kind, entity.declared_at
            )];
            if let Some(Ordered::String(name)) = body.get_mut("name") {
                name.push_str("-$RUN_ID");
                comments.push(
                    "inferred: `-$RUN_ID` appended to the name, so runs never collide".to_owned(),
                );
            }
            for key in ["service", "route", "consumer"] {
                let Some(reference) = body.get_mut(key) else {
                    continue;
                };
                let Some(name) = reference
                    .get("name")
                    .and_then(Ordered::as_str)
                    .map(str::to_owned)
                else {
                    continue;
                };
                match ids.iter().find(|(k, n, _)| k == key && *n == name) {
                    Some((_, _, id_var)) => {
                        *reference = Ordered::Map(vec![("id".to_owned(), Ordered::String(format!("${id_var}")))]);
                        comments.push(format!(
                            "inferred: `{key}: {{name: {name}}}` becomes a reference by id (the name carries the run suffix)"
                        ));
                    }
                    None => self.warnings.push(Diagnostic::warning(
                        DocCode::UnknownReference,
                        entity.location(),
                        format!("`{key}: {{name: {name}}}` names no entity of the prerequisites; sent as written"),
                    )),
                }
            }
            let at = entity.location();
            let span = self.span(&entity.declared_at);
            let collection = format!(
                "/v2/control-planes/${QUICKSTART_ID}/core-entities/{}",
                entity.kind
            );
            let request = Request {
                destination: Destination::Api,
                method: "POST".to_owned(),
                url: self.template(&collection, &at),
                headers: vec![Header {
                    name: "Content-Type".to_owned(),
                    value: Template::literal("application/json"),
                }],
                query: vec![],
                body: Some(Body::Json(body.to_json())),
                basic_auth: None,
                konnect_auth: true,
                span,
            };
            let cleanup = Request {
                method: "DELETE".to_owned(),
                url: self.template(&format!("{collection}/${var}"), &at),
                headers: vec![],
                body: None,
                ..request.clone()
            };
            let step = Step {
                keys: StepKeys::default(),
                name: self.step_name(&format!("create-{}", entity.name)),
                span,
                source: Some(DocSource {
                    file: entity.file.clone(),
                    line: 1,
                }),
                targets: vec![],
                request,
                expect: Expect {
                    status: Some(201),
                    ..Expect::default()
                },
                captures: vec![self.capture(&var, ".id", span)],
                retry: None,
                cleanup: Some(cleanup),
                tokens: vec![],
                snapshot: SnapshotMode::Off,
                defect: None,
            };
            ids.push((entity.singular().to_owned(), entity.name.clone(), var));
            self.push(
                step,
                StepNotes {
                    comments,
                    body: Some(body),
                },
                None,
            );
        }
    }

    fn block(&mut self, block: &Block, rest: &[Block], entities: &[Entity]) {
        let at = &block.location;
        match &block.kind {
            BlockKind::ApiRequest(r) => self.api_request(r, at),
            BlockKind::Validation(v) => self.validation(v, at),
            BlockKind::Curl(c) => self.curl(c, at),
            BlockKind::Export(e) if e.placeholder => self.manual_export(&e.name, &e.value, at),
            BlockKind::Export(e) => {
                if e.value.contains("$(") || e.value.contains('`') {
                    self.warnings.push(Diagnostic::warning(
                        DocCode::ShellSkipped,
                        at.clone(),
                        format!(
                            "`export {}=…` runs a command; docflow does not run shell commands",
                            e.name
                        ),
                    ));
                } else if e.value.contains('$') {
                    // `export A=$B` is an assignment in page order: later uses of `$A`
                    // read whatever `$B` holds when they run.
                    let value = expand_aliases(&e.value, &self.aliases);
                    self.aliases.insert(e.name.clone(), value);
                } else if !self.defined.contains(&e.name) {
                    let value = self.template(&e.value, at);
                    self.vars.push(VarDef {
                        name: e.name.clone(),
                        value,
                        secret: self.inference.is_secret(&e.name),
                        span: self.span(at),
                    });
                    self.defined.insert(e.name.clone());
                }
            }
            BlockKind::Shell(s) => self.warnings.push(Diagnostic::warning(
                DocCode::ShellSkipped,
                at.clone(),
                format!(
                    "shell command `{}` is not a request; docflow does not run it",
                    first_words(&s.text)
                ),
            )),
            BlockKind::Heading(h) if self.inference.implies_gateway_call(&h.text) => {
                let answered = rest
                    .iter()
                    .take_while(|b| !matches!(&b.kind, BlockKind::Heading(n) if n.level <= h.level))
                    .any(|b| b.kind.is_request());
                if !answered {
                    self.implied_gateway_call(&h.text, at, entities);
                }
            }
            BlockKind::NotRun(n) => self.warnings.push(Diagnostic::warning(
                DocCode::NotRun,
                at.clone(),
                format!("not run: `{}`: {}", n.construct, n.reason),
            )),
            BlockKind::Malformed(m) => self.defects.push(Diagnostic::error(
                DocCode::MalformedBlock,
                at.clone(),
                m.problem.clone(),
            )),
            BlockKind::Heading(_) | BlockKind::Prose(_) => {}
        }
    }

    fn api_request(&mut self, r: &ApiRequest, at: &DocLocation) {
        let span = self.span(at);
        let mut comments = Vec::new();
        let mut body = r.body.clone();
        let is_auth_server =
            r.method == "POST" && r.url.trim().trim_end_matches('/') == "/v1/auth-servers";
        if is_auth_server
            && let Some(Ordered::String(name)) = body.as_mut().and_then(|b| b.get_mut("name"))
        {
            name.push_str(" $RUN_ID");
            comments.push(
                "inferred: ` $RUN_ID` appended to the name: auth server names are unique per organization and region".to_owned(),
            );
        }
        if r.region.as_deref().is_some_and(|region| region != "us") {
            self.warnings.push(Diagnostic::warning(
                DocCode::Region,
                at.clone(),
                format!(
                    "the block sets `region: {}`; docflow sends it to the target's API URL",
                    r.region.as_deref().unwrap_or_default()
                ),
            ));
        }
        let json_body = match (&body, &r.body_cmd) {
            (Some(b), _) => Some(Body::Json(self.aliased(b.to_json()))),
            (None, Some(raw)) => Some(Body::Raw(self.template(raw, at))),
            (None, None) => None,
        };
        let mut captures: Vec<Capture> = Vec::new();
        for c in &r.captures {
            match captures.iter().find(|x| x.variable == c.variable) {
                Some(existing) if existing.jq != c.jq => self.warnings.push(Diagnostic::warning(
                    DocCode::CaptureConflict,
                    at.clone(),
                    format!(
                        "`{}` is captured twice, with `{}` and `{}`; the first is used",
                        c.variable, existing.jq, c.jq
                    ),
                )),
                Some(_) => {}
                None => captures.push(self.capture(&c.variable, &c.jq, span)),
            }
        }
        let rule = if is_auth_server {
            Some(CleanupRule::AuthServer)
        } else {
            core_entity_collection(&r.method, &r.url).map(|(collection, singular)| {
                CleanupRule::CoreEntity {
                    collection,
                    singular,
                }
            })
        };
        if let Some(CleanupRule::CoreEntity { singular, .. }) = &rule
            && singular == "plugin"
            && let Some(name) = body
                .as_ref()
                .and_then(|b| b.get("name"))
                .and_then(Ordered::as_str)
            && AUTH_PLUGINS.contains(&name)
            && self.inference.probe_auth_plugins
        {
            self.pending_probe = Some(name.to_owned());
        }
        let request = Request {
            destination: Destination::Api,
            method: r.method.clone(),
            url: self.template(&r.url, at),
            headers: self.headers(&r.headers, at),
            query: vec![],
            body: json_body,
            basic_auth: None,
            konnect_auth: true,
            span,
        };
        if r.status_code.is_none() {
            self.warnings.push(Diagnostic::warning(
                DocCode::NoStatus,
                at.clone(),
                "the block has no `status_code`, so it claims nothing and its status is not checked",
            ));
        }
        let name = self.step_name(&step_base_name(&r.method, &r.url, Destination::Api));
        let step = doc_step(name, at, span, request, r.status_code, captures);
        let index = self.push(step, StepNotes { comments, body }, rule);
        self.last_request = Some(index);
    }

    fn validation(&mut self, v: &Validation, at: &DocLocation) {
        let status = match (v.kind.as_str(), v.status_code) {
            ("request-check", s) => s,
            ("unauthorized-check", s) => Some(s.unwrap_or(401)),
            (other, _) => {
                self.warnings.push(Diagnostic::warning(
                    DocCode::ValidationSkipped,
                    at.clone(),
                    format!("`{{% validation {other} %}}` is not supported; skipped"),
                ));
                return;
            }
        };
        let span = self.span(at);
        let body = v.body.clone();
        let request = Request {
            destination: Destination::Proxy,
            method: v.method.clone(),
            url: self.template(&v.url, at),
            headers: self.headers(&v.headers, at),
            query: vec![],
            body: body.as_ref().map(|b| Body::Json(self.aliased(b.to_json()))),
            basic_auth: None,
            konnect_auth: false,
            span,
        };
        let mut comments = Vec::new();
        if v.status_code.is_none() {
            comments.push(format!(
                "inferred: `{}` expects {} when it states no status",
                v.kind,
                status.unwrap_or(401)
            ));
        }
        self.before_gateway_call(&v.url, at);
        let step = doc_step(
            self.step_name("call-gateway"),
            at,
            span,
            request,
            status,
            vec![],
        );
        let index = self.push(step, StepNotes { comments, body }, None);
        self.last_request = Some(index);
    }

    fn curl(&mut self, c: &Curl, at: &DocLocation) {
        let span = self.span(at);
        let req = &c.request;
        if let Some(host) = external_host(&req.url) {
            self.warnings.push(Diagnostic::warning(
                DocCode::NotRun,
                at.clone(),
                format!(
                    "not run: `curl {}`: sends a request to `{host}`, outside the target",
                    req.url
                ),
            ));
            return;
        }
        let (destination, url) = if let Some(path) = req.url.strip_prefix("$KONNECT_PROXY_URL") {
            (Destination::Proxy, path.to_owned())
        } else if let Some(path) = req.url.strip_prefix("${KONNECT_PROXY_URL}") {
            (Destination::Proxy, path.to_owned())
        } else {
            (Destination::Absolute, req.url.clone())
        };
        let mut comments = vec![format!(
            "inferred: the doc's curl states no status; success ({}) is implied",
            self.inference.implied_status
        )];
        let form: Vec<(String, Template)> = req
            .form
            .iter()
            .map(|(k, v)| (k.clone(), self.template(v, at)))
            .collect();
        let mut query = Vec::new();
        let mut body = None;
        let mut ordered = None;
        if req.get {
            query = form;
        } else if !form.is_empty() {
            body = Some(Body::Form(form));
        }
        if let Some(json) = &req.json {
            match serde_json::from_str::<serde_json::Value>(json) {
                Ok(value) => {
                    ordered = Some(Ordered::from(&value));
                    body = Some(Body::Json(self.aliased(value)));
                }
                Err(_) => body = Some(Body::Raw(self.template(json, at))),
            }
        } else if let Some(raw) = &req.raw {
            body = Some(Body::Raw(self.template(raw, at)));
        }
        let basic_auth = req.basic_auth.as_ref().map(|(u, p)| BasicAuth {
            username: self.template(u, at),
            password: self.template(p, at),
        });
        let headers: Vec<String> = req
            .headers
            .iter()
            .map(|(n, v)| format!("{n}: {v}"))
            .collect();
        let request = Request {
            destination,
            method: req.method.clone(),
            url: self.template(&url, at),
            headers: self.headers(&headers, at),
            query,
            body,
            basic_auth,
            konnect_auth: false,
            span,
        };
        if c.piped {
            comments.push(
                "the doc pipes the output into another command; docflow checks the response itself"
                    .to_owned(),
            );
        }
        if destination == Destination::Proxy {
            self.before_gateway_call(&url, at);
        }
        let name = self.step_name(&step_base_name(&req.method, &url, destination));
        let step = doc_step(
            name,
            at,
            span,
            request,
            Some(self.inference.implied_status),
            vec![],
        );
        let index = self.push(
            step,
            StepNotes {
                comments,
                body: ordered,
            },
            None,
        );
        self.last_request = Some(index);
    }

    fn manual_export(&mut self, variable: &str, value: &str, at: &DocLocation) {
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

    fn implied_gateway_call(&mut self, heading: &str, at: &DocLocation, entities: &[Entity]) {
        let path = entities
            .iter()
            .filter(|e| e.kind == "routes")
            .find_map(|e| match e.value.get("paths") {
                Some(Ordered::Seq(paths)) => {
                    paths.first().and_then(Ordered::as_str).map(str::to_owned)
                }
                _ => None,
            });
        let Some(path) = path else {
            self.warnings.push(Diagnostic::warning(
                DocCode::ImpliedStepSkipped,
                at.clone(),
                format!("heading \"{heading}\" implies a gateway request, but the prerequisites have no route with a path; skipped"),
            ));
            return;
        };
        let span = self.span(at);
        let mut comments = vec![format!(
            "inferred: the doc ends with \"{heading}\" and no request; a reader calls the example route with the token (implied success, {})",
            self.inference.implied_status
        )];
        let mut headers = Vec::new();
        if self.defined.contains("ACCESS_TOKEN") {
            headers.push("Authorization: Bearer $ACCESS_TOKEN".to_owned());
        } else {
            comments.push(
                "no `ACCESS_TOKEN` is defined before this step, so no token is sent".to_owned(),
            );
        }
        let request = Request {
            destination: Destination::Proxy,
            method: "GET".to_owned(),
            url: Template::literal(path.clone()),
            headers: self.headers(&headers, at),
            query: vec![],
            body: None,
            basic_auth: None,
            konnect_auth: false,
            span,
        };
        self.before_gateway_call(&path, at);
        let step = doc_step(
            self.step_name("call-gateway"),
            at,
            span,
            request,
            Some(self.inference.implied_status),
            vec![],
        );
        let index = self.push(
            step,
            StepNotes {
                comments,
                body: None,
            },
            None,
        );
        self.last_request = Some(index);
    }

    /// Inserts the enforcement probe before a gateway request, if a plugin is pending.
    fn before_gateway_call(&mut self, path: &str, at: &DocLocation) {
        let Some(plugin) = self.pending_probe.take() else {
            return;
        };
        let span = self.span(at);
        let request = Request {
            destination: Destination::Proxy,
            method: "GET".to_owned(),
            url: self.template(path, at),
            headers: vec![],
            query: vec![],
            body: None,
            basic_auth: None,
            konnect_auth: false,
            span,
        };
        let step = Step {
            keys: StepKeys::default(),
            name: self.step_name(&format!("gateway-enforces-{plugin}")),
            span,
            source: None,
            targets: vec![],
            request,
            expect: Expect {
                status: Some(401),
                ..Expect::default()
            },
            captures: vec![],
            retry: Some(PROBE_RETRY),
            cleanup: None,
            tokens: vec![],
            snapshot: SnapshotMode::Off,
            defect: None,
        };
        let notes = StepNotes {
            comments: vec![format!(
                "inferred, not in the doc: wait until the gateway enforces `{plugin}` (configuration takes seconds to reach a real data plane)"
            )],
            body: None,
        };
        self.push(step, notes, None);
    }

    /// Registers the cleanups, capturing ids the doc does not.
    fn cleanups(&mut self) {
        for index in 0..self.steps.len() {
            let Some(rule) = self.rules[index].clone() else {
                continue;
            };
            let base = rule.id_variable();
            let existing = self.steps[index]
                .captures
                .iter()
                .find(|c| c.jq.trim() == ".id")
                .map(|c| c.variable.clone());
            let var = match existing {
                Some(v) => v,
                None => {
                    let var = self.fresh_var(&base);
                    let span = self.steps[index].span;
                    let capture = self.capture(&var, ".id", span);
                    self.steps[index].captures.push(capture);
                    self.defined.insert(var.clone());
                    self.notes[index].comments.push(format!(
                        "inferred: `{var}` (`.id`) is captured for the cleanup"
                    ));
                    var
                }
            };
            let span = self.steps[index].span;
            let url = rule.url(&var);
            let at = self.steps[index]
                .source
                .as_ref()
                .map(|s| DocLocation::new(&s.file, s.line))
                .unwrap_or_else(|| DocLocation::new(&self.page.path, 0));
            let cleanup = Request {
                destination: Destination::Api,
                method: "DELETE".to_owned(),
                url: self.template(&url, &at),
                headers: vec![],
                query: vec![],
                body: None,
                basic_auth: None,
                konnect_auth: true,
                span,
            };
            self.notes[index].comments.push(match rule {
                CleanupRule::AuthServer => "inferred: cleanup deletes the auth server with its scopes, claims and clients (`force=true`)".to_owned(),
                CleanupRule::CoreEntity { .. } => "inferred: cleanup deletes what this step creates".to_owned(),
            });
            self.steps[index].cleanup = Some(cleanup);
        }
    }

    /// Warns about variables a step uses before anything defines them: the run would stop
    /// there with `run::undefined_variable`.
    fn undefined_variables(&mut self) {
        let mut defined: HashSet<String> =
            TARGET_VARIABLES.iter().map(|s| (*s).to_owned()).collect();
        defined.extend(self.vars.iter().map(|v| v.name.clone()));
        for step in &self.steps {
            let mut used: Vec<String> = Request::used_vars(&step.request);
            used.dedup();
            for var in used {
                if !defined.contains(&var) {
                    let at = step.source.as_ref().map_or_else(
                        || DocLocation::new(&self.page.path, 0),
                        |s| DocLocation::new(&s.file, s.line),
                    );
                    self.warnings.push(
                        Diagnostic::warning(
                            DocCode::UndefinedVariable,
                            at,
                            format!("step `{}` uses `${var}`, which nothing before it defines", step.name),
                        )
                        .with_help(format!(
                            "if the doc exports it by hand, add a capture rule: `--capture {var}=<jq>`"
                        )),
                    );
                    defined.insert(var);
                }
            }
            defined.extend(step.captures.iter().map(|c| c.variable.clone()));
        }
    }

    fn finish(mut self) -> Result<Conversion, Vec<Diagnostic>> {
        if !self.errors.is_empty() {
            return Err(self.errors);
        }
        self.undefined_variables();
        let page = self.page;
        let name = std::path::Path::new(&page.path)
            .file_stem()
            .map_or_else(|| page.path.clone(), |s| s.to_string_lossy().into_owned());
        let title = page
            .frontmatter
            .title
            .clone()
            .unwrap_or_else(|| name.clone());
        let scenario = Scenario {
            name,
            path: PathBuf::from(&page.path),
            source: Arc::from(page.expanded_text()),
            description: Some(format!(
                "\"{title}\", run as written: every block of the doc in order, with the doc's own status codes (converted by `docflow doc scenario`)."
            )),
            doc: Some(DocRef {
                file: page.path.clone(),
                root: Some(page.root.path().display().to_string()),
                span: Span::default(),
            }),
            targets: vec![],
            vars: self.vars,
            steps: self.steps,
        };
        Ok(Conversion {
            scenario,
            notes: self.notes,
            warnings: self.warnings,
            defects: self.defects,
            min_gateway: page.frontmatter.min_gateway.clone(),
        })
    }
}

/// A doc step: `source` at the block, the doc's status as the expectation.
fn doc_step(
    name: String,
    at: &DocLocation,
    span: Span,
    request: Request,
    status: Option<u16>,
    captures: Vec<Capture>,
) -> Step {
    Step {
        keys: StepKeys::default(),
        name,
        span,
        source: Some(DocSource {
            file: at.file.clone(),
            line: at.line,
        }),
        targets: vec![],
        request,
        expect: Expect {
            status,
            ..Expect::default()
        },
        captures,
        retry: None,
        cleanup: None,
        tokens: vec![],
        snapshot: SnapshotMode::Off,
        defect: None,
    }
}

/// For a `POST` to a core-entities collection (`…/core-entities/plugins/`,
/// `…/core-entities/services/$ID/plugins`): the collection URL without a trailing slash, and
/// the entity kind in the singular.
fn core_entity_collection(method: &str, url: &str) -> Option<(String, String)> {
    if method != "POST" {
        return None;
    }
    let path = url
        .trim()
        .split('?')
        .next()
        .unwrap_or("")
        .trim_end_matches('/');
    if !path.contains("/core-entities/") {
        return None;
    }
    let last = path.rsplit('/').next()?;
    if last.is_empty() || last.contains('$') {
        return None;
    }
    Some((
        path.to_owned(),
        last.strip_suffix('s').unwrap_or(last).to_owned(),
    ))
}

/// A readable step name from the method and the last literal path segment:
/// `POST /v1/auth-servers` → `create-auth-server`, `GET /v2/control-planes?…` →
/// `get-control-planes`, `POST $ISSUER_URL/oauth/token` → `get-token`, proxy requests →
/// `call-gateway`. Names only need to be unique and readable.
fn step_base_name(method: &str, url: &str, destination: Destination) -> String {
    if destination == Destination::Proxy {
        return "call-gateway".to_owned();
    }
    let path = url.trim().split('?').next().unwrap_or("");
    let segment = path
        .split('/')
        .rev()
        .find(|s| !s.is_empty() && !s.contains('$') && !s.contains(':'))
        .unwrap_or("request")
        .to_ascii_lowercase();
    if segment == "token" {
        return "get-token".to_owned();
    }
    let singular = segment.strip_suffix('s').unwrap_or(&segment);
    match method {
        "POST" => format!("create-{singular}"),
        "GET" => format!("get-{segment}"),
        "PUT" | "PATCH" => format!("update-{singular}"),
        "DELETE" => format!("delete-{singular}"),
        other => format!("{}-{segment}", other.to_ascii_lowercase()),
    }
}

fn first_words(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().take(4).collect();
    let mut out = words.join(" ");
    if text.split_whitespace().count() > 4 {
        out.push_str(" …");
    }
    out
}

impl Builder<'_> {
    /// A JSON body with the page's `export A=$B` aliases expanded in its strings.
    fn aliased(&self, mut value: serde_json::Value) -> serde_json::Value {
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
fn expand_aliases(text: &str, aliases: &HashMap<String, String>) -> String {
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

/// The host of a literal `http(s)://host/…` URL that is not this machine: docflow sends
/// requests only to the target (and tests never leave 127.0.0.1).
fn external_host(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let host = parsed.host_str()?;
    (!matches!(host, "localhost" | "127.0.0.1" | "[::1]")).then(|| host.to_owned())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::doc::blocks::extract;
    use crate::doc::code::Code;
    use crate::doc::markdown::load_page;
    use crate::doc::test_support::TempRoot;

    const PAGE: &str = "---\ntitle: T\nworks_on: [konnect]\nprereqs:\n  entities:\n    routes:\n      - r\n    services:\n      - s\n---\n\
{% konnect_api_request %}\nurl: /v1/auth-servers\nstatus_code: 200\nmethod: POST\nbody:\n  name: \"Dev\"\n  audience: a\n{% endkonnect_api_request %}\n\
```sh\nexport AUTH_SERVER_ID='YOUR-AUTH-SERVER-ID'\nexport ISSUER_URL='YOUR-ISSUER-URL'\n```\n\
{% konnect_api_request %}\nurl: /v2/control-planes/$CONTROL_PLANE_ID/core-entities/plugins/\nstatus_code: 201\nmethod: POST\nbody:\n  name: openid-connect\n  config:\n    issuer: $ISSUER_URL\n{% endkonnect_api_request %}\n\
```sh\ncurl -X POST \"$ISSUER_URL/oauth/token\" \\\n  -d \"grant_type=client_credentials\"\n```\n\
```sh\nexport ACCESS_TOKEN='YOUR-ACCESS-TOKEN'\n```\n\
## Access the Gateway service using the token \nAccess it.\n";

    fn files(page: &str) -> TempRoot {
        TempRoot::new(&[
            ("app/p.md", page),
            (
                "app/_data/entity_examples/gateway/services/s.yml",
                "name: s\nurl: http://h/anything\n",
            ),
            (
                "app/_data/entity_examples/gateway/routes/r.yml",
                "name: r\npaths:\n  - /anything\nservice: \n  name: s\n",
            ),
        ])
    }

    fn convert_text(page: &str, inference: &Inference) -> Result<Conversion, Vec<Diagnostic>> {
        let tmp = files(page);
        let page = load_page(&tmp.root(), "app/p.md").unwrap();
        let x = extract(&page).unwrap();
        convert(&page, &x, inference)
    }

    #[test]
    fn a_page_becomes_prerequisites_doc_steps_and_inferences() {
        let c = convert_text(PAGE, &Inference::default()).unwrap();
        let s = &c.scenario;
        let steps: Vec<_> = s
            .steps
            .iter()
            .map(|st| {
                format!(
                    "{} {} {} {:?} {}",
                    st.name,
                    st.request.method,
                    st.request.url.raw,
                    st.expect.status,
                    st.source
                        .as_ref()
                        .map_or("-".to_owned(), |d| format!("{}:{}", d.file, d.line))
                )
            })
            .collect();
        assert_eq!(
            steps,
            [
                "find-quickstart-control-plane GET /v2/control-planes?filter%5Bname%5D%5Beq%5D=$DECK_KONNECT_CONTROL_PLANE_NAME Some(200) -",
                "create-s POST /v2/control-planes/$QUICKSTART_ID/core-entities/services Some(201) app/_data/entity_examples/gateway/services/s.yml:1",
                "create-r POST /v2/control-planes/$QUICKSTART_ID/core-entities/routes Some(201) app/_data/entity_examples/gateway/routes/r.yml:1",
                "create-auth-server POST /v1/auth-servers Some(200) app/p.md:11",
                "create-plugin POST /v2/control-planes/$CONTROL_PLANE_ID/core-entities/plugins/ Some(201) app/p.md:23",
                "get-token POST $ISSUER_URL/oauth/token Some(200) app/p.md:33",
                "gateway-enforces-openid-connect GET /anything Some(401) -",
                "call-gateway GET /anything Some(200) app/p.md:39",
            ]
        );
        // Entities: run suffix, reference by id, cleanup.
        let Some(Body::Json(route)) = &s.steps[2].request.body else {
            panic!()
        };
        assert_eq!(
            route,
            &json!({"name": "r-$RUN_ID", "paths": ["/anything"], "service": {"id": "$S_ID"}})
        );
        assert_eq!(
            s.steps[2].cleanup.as_ref().unwrap().url.raw,
            "/v2/control-planes/$QUICKSTART_ID/core-entities/routes/$R_ID"
        );
        // Auth server: name suffix, manual exports as captures, cleanup.
        let auth = &s.steps[3];
        let Some(Body::Json(body)) = &auth.request.body else {
            panic!()
        };
        assert_eq!(body["name"], "Dev $RUN_ID");
        let caps: Vec<_> = auth
            .captures
            .iter()
            .map(|c| (c.variable.as_str(), c.jq.as_str()))
            .collect();
        assert_eq!(caps, [("AUTH_SERVER_ID", ".id"), ("ISSUER_URL", ".issuer")]);
        assert_eq!(
            auth.cleanup.as_ref().unwrap().url.raw,
            "/v1/auth-servers/$AUTH_SERVER_ID?force=true"
        );
        // Plugin: id captured for its cleanup, trailing slash dropped.
        let plugin = &s.steps[4];
        assert_eq!(plugin.captures[0].variable, "PLUGIN_ID");
        assert_eq!(
            plugin.cleanup.as_ref().unwrap().url.raw,
            "/v2/control-planes/$CONTROL_PLANE_ID/core-entities/plugins/$PLUGIN_ID"
        );
        // Token: form body, implied 200, secret capture.
        let token = &s.steps[5];
        assert_eq!(token.request.destination, Destination::Absolute);
        let Some(Body::Form(form)) = &token.request.body else {
            panic!()
        };
        assert_eq!(form[0].0, "grant_type");
        assert_eq!(token.captures[0].variable, "ACCESS_TOKEN");
        assert!(token.captures[0].secret);
        // The implied call: bearer token, at the heading.
        let call = &s.steps[7];
        assert_eq!(call.request.destination, Destination::Proxy);
        assert_eq!(call.request.headers[0].value.raw, "Bearer $ACCESS_TOKEN");
        assert_eq!(s.steps[6].retry, Some(PROBE_RETRY));
        // Spans point into the expanded text.
        let line = s.source.lines().nth(call.span.line - 1).unwrap();
        assert!(line.starts_with("## Access the Gateway"), "{line}");
        assert_eq!(&s.source[call.span.offset..call.span.offset + 2], "##");
        assert_eq!(c.notes.len(), s.steps.len());
        assert!(
            c.notes[3]
                .comments
                .iter()
                .any(|n| n.contains("unique per organization"))
        );
    }

    #[test]
    fn unknown_manual_exports_are_located_errors_naming_the_fix() {
        let page = "---\ntitle: T\n---\n{% konnect_api_request %}\nurl: /x\n{% endkonnect_api_request %}\n```sh\nexport WIDGET_ID='YOUR-WIDGET-ID'\n```\n```sh\nexport EARLY='YOUR-X'\n```\n";
        let errors = convert_text(page, &Inference::default()).unwrap().warnings;
        let errors: Vec<_> = errors
            .iter()
            .filter(|w| {
                matches!(
                    w.code,
                    Code::Doc(
                        DocCode::BareExport
                            | DocCode::UnknownExport
                            | DocCode::ExportWithoutRequest
                    )
                )
            })
            .collect();
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].code, DocCode::UnknownExport);
        assert_eq!(errors[1].location, DocLocation::new("app/p.md", 11));
        assert_eq!(errors[0].location, DocLocation::new("app/p.md", 8));
        assert!(
            errors[0]
                .help
                .as_deref()
                .unwrap()
                .contains("--capture WIDGET_ID=")
        );
        let mut inf = Inference::default();
        inf.add_capture("WIDGET_ID=.id").unwrap();
        inf.add_capture("EARLY=.x").unwrap();
        let c = convert_text(page, &inf).unwrap();
        assert_eq!(c.scenario.steps[0].captures.len(), 2);
        let before = "---\ntitle: T\n---\n```sh\nexport AUTH_SERVER_ID='YOUR-ID'\n```\n";
        let warnings = convert_text(before, &Inference::default())
            .unwrap()
            .warnings;
        assert_eq!(warnings[0].code, DocCode::ExportWithoutRequest);
        assert!(
            warnings[0]
                .message
                .starts_with("cannot bind placeholder `AUTH_SERVER_ID`")
        );
    }

    #[test]
    fn exports_of_variables_are_assignments_in_page_order_and_external_curls_are_not_run() {
        let page = "---\ntitle: T\n---\n{% konnect_api_request %}\nurl: /x\ncapture:\n  - variable: B\n    jq: .id\n{% endkonnect_api_request %}\n```sh\nexport A=$B\nexport C=\"${A}:x\"\ncurl -X POST \"$KONNECT_PROXY_URL/y\" --json '{\"v\": \"$C\"}'\ncurl https://get.konghq.com/x\n```\n";
        let c = convert_text(page, &Inference::default()).unwrap();
        assert_eq!(c.scenario.steps.len(), 2, "{:?}", c.scenario.steps);
        let Some(Body::Json(body)) = &c.scenario.steps[1].request.body else {
            panic!("{:?}", c.scenario.steps[1])
        };
        assert_eq!(body["v"], "$B:x");
        let skipped: Vec<_> = c
            .warnings
            .iter()
            .filter(|w| w.code == DocCode::NotRun)
            .collect();
        assert_eq!(skipped.len(), 1);
        assert!(
            skipped[0].message.contains("`get.konghq.com`"),
            "{skipped:?}"
        );
        assert_eq!(skipped[0].location, DocLocation::new("app/p.md", 14));
    }

    #[test]
    fn a_heading_followed_by_its_request_implies_nothing() {
        let page = "---\ntitle: T\nprereqs:\n  entities:\n    routes: [r]\n    services: [s]\n---\n## Access the Gateway service\n{% validation request-check %}\nurl: /anything\nstatus_code: 200\n{% endvalidation %}\n";
        let c = convert_text(page, &Inference::default()).unwrap();
        let names: Vec<_> = c.scenario.steps.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "find-quickstart-control-plane",
                "create-s",
                "create-r",
                "call-gateway"
            ]
        );
        assert_eq!(c.scenario.steps[3].source.as_ref().unwrap().line, 9);
    }

    #[test]
    fn undefined_variables_and_missing_statuses_are_warnings() {
        let page = "---\ntitle: T\n---\n{% konnect_api_request %}\nurl: /v1/x/$NOWHERE/y\n{% endkonnect_api_request %}\n";
        let c = convert_text(page, &Inference::default()).unwrap();
        let codes: Vec<_> = c
            .warnings
            .iter()
            .map(|w| (w.code, w.location.line))
            .collect();
        assert_eq!(
            codes,
            [
                (Code::Doc(DocCode::NoStatus), 4),
                (Code::Doc(DocCode::UndefinedVariable), 4)
            ]
        );
        assert!(c.warnings[1].message.contains("`$NOWHERE`"));
        // The test page uses `$CONTROL_PLANE_ID` and never exports it.
        let c = convert_text(PAGE, &Inference::default()).unwrap();
        let undefined: Vec<_> = c
            .warnings
            .iter()
            .filter(|w| w.code == DocCode::UndefinedVariable)
            .map(|w| w.location.to_string())
            .collect();
        assert_eq!(undefined, ["app/p.md:23"]);
    }

    #[test]
    fn names_and_collections() {
        assert_eq!(
            step_base_name("POST", "/v1/auth-servers/$A/scopes ", Destination::Api),
            "create-scope"
        );
        assert_eq!(
            step_base_name("GET", "/v2/control-planes?filter=x", Destination::Api),
            "get-control-planes"
        );
        assert_eq!(
            step_base_name("POST", "$ISSUER_URL/oauth/token", Destination::Absolute),
            "get-token"
        );
        assert_eq!(
            core_entity_collection("POST", "/v2/control-planes/$C/core-entities/plugins/"),
            Some((
                "/v2/control-planes/$C/core-entities/plugins".to_owned(),
                "plugin".to_owned()
            ))
        );
        assert_eq!(
            core_entity_collection("GET", "/v2/control-planes/$C/core-entities/plugins"),
            None
        );
    }
}
