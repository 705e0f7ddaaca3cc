//! `{% validation %}` blocks: gateway proxy requests.

use super::StepNotes;
use super::builder::Builder;
use super::requests::doc_step;
use crate::doc::blocks::Validation;
use crate::doc::code::DocCode;
use crate::doc::diagnostic::{Diagnostic, DocLocation};
use crate::doc::ordered::OrderedExt as _;
use crate::scenario::model::{Body, Destination, Request};

impl Builder<'_> {
    /// A `{% validation %}` block: a proxy request (`request-check`, `unauthorized-check`).
    pub(super) fn validation(&mut self, v: &Validation, at: &DocLocation) {
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
}
