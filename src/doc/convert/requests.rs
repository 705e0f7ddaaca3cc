//! `{% konnect_api_request %}` blocks, and what every doc step shares: its `source`,
//! its expected status, its name.

use super::StepNotes;
use super::builder::Builder;
use super::cleanups::{CleanupRule, core_entity_collection};
use crate::doc::blocks::ApiRequest;
use crate::doc::code::DocCode;
use crate::doc::diagnostic::{Diagnostic, DocLocation};
use crate::doc::infer::AUTH_PLUGINS;
use crate::doc::ordered::{Ordered, OrderedExt as _};
use crate::scenario::model::{
    Body, Capture, Destination, DocSource, Expect, Request, SnapshotMode, Span, Step, StepKeys,
};

impl Builder<'_> {
    /// A `{% konnect_api_request %}` block: a Konnect API request.
    pub(super) fn api_request(&mut self, r: &ApiRequest, at: &DocLocation) {
        if r.url.contains("$QUICKSTART_ID") {
            // A `{% control_plane_request %}`: on the quickstart control plane.
            self.find_quickstart(at);
        }
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
        let captures = self.api_captures(r, at, span);
        let rule = self.api_cleanup_rule(r, is_auth_server, body.as_ref());
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

    /// The block's `capture` and `extract_body` captures; a variable captured twice with
    /// different programs keeps the first, with a warning.
    fn api_captures(&mut self, r: &ApiRequest, at: &DocLocation, span: Span) -> Vec<Capture> {
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
        captures
    }

    /// What undoes the request, if it creates something; an authentication plugin it enables
    /// makes the next gateway request wait for enforcement.
    fn api_cleanup_rule(
        &mut self,
        r: &ApiRequest,
        is_auth_server: bool,
        body: Option<&Ordered>,
    ) -> Option<CleanupRule> {
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
            && let Some(name) = body.and_then(|b| b.get("name")).and_then(Ordered::as_str)
            && AUTH_PLUGINS.contains(&name)
            && self.inference.probe_auth_plugins
        {
            self.pending_probe = Some(name.to_owned());
        }
        rule
    }
}

/// A doc step: `source` at the block, the doc's status as the expectation.
pub(super) fn doc_step(
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

/// A readable step name from the method and the last literal path segment:
/// `POST /v1/auth-servers` → `create-auth-server`, `GET /v2/control-planes?…` →
/// `get-control-planes`, `POST $ISSUER_URL/oauth/token` → `get-token`, proxy requests →
/// `call-gateway`. Names only need to be unique and readable.
pub(super) fn step_base_name(method: &str, url: &str, destination: Destination) -> String {
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
