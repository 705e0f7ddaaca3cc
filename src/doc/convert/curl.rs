//! `curl` commands in shell blocks: requests to the proxy or to an absolute URL.

use super::StepNotes;
use super::builder::Builder;
use super::requests::{doc_step, step_base_name};
use crate::doc::blocks::Curl;
use crate::doc::code::DocCode;
use crate::doc::curl_command::{self, CurlRequest};
use crate::doc::diagnostic::{Diagnostic, DocLocation};
use crate::doc::ordered::Ordered;
use crate::scenario::model::{BasicAuth, Body, Destination, Request, Template};

/// A curl's query and body as the scenario sends them, and the body in the doc's key order
/// (for the YAML printer).
type Payload = (Vec<(String, Template)>, Option<Body>, Option<Ordered>);

impl Builder<'_> {
    /// A `curl` command: a request with the implied success status.
    pub(super) fn curl(&mut self, c: &Curl, at: &DocLocation) {
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
        let (destination, url) = curl_command::destination(&req.url);
        let url = url.to_owned();
        let mut comments = vec![format!(
            "inferred: the doc's curl states no status; success ({}) is implied",
            self.inference.implied_status
        )];
        let (query, body, ordered) = self.curl_payload(req, at);
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
        let status = Some(self.inference.implied_status);
        let step = doc_step(name, at, span, request, status, vec![]);
        let notes = StepNotes {
            comments,
            body: ordered,
        };
        let index = self.push(step, notes, None);
        self.last_request = Some(index);
    }

    /// The curl's form fields (a query with `-G`, else a form body), or its JSON or raw body.
    fn curl_payload(&mut self, req: &CurlRequest, at: &DocLocation) -> Payload {
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
                    ordered = Some(value.clone());
                    body = Some(Body::Json(self.aliased(value)));
                }
                Err(_) => body = Some(Body::Raw(self.template(json, at))),
            }
        } else if let Some(raw) = &req.raw {
            body = Some(Body::Raw(self.template(raw, at)));
        }
        (query, body, ordered)
    }
}

/// The host of a literal `http(s)://host/…` URL that is not this machine: docflow sends
/// requests only to the target (and tests never leave 127.0.0.1).
pub(super) fn external_host(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let host = parsed.host_str()?;
    (!matches!(host, "localhost" | "127.0.0.1" | "[::1]")).then(|| host.to_owned())
}
