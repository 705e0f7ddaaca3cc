//! Gateway steps the doc implies: the call a closing "Access the Gateway service…" heading
//! describes, and the probe that waits until an authentication plugin is enforced.

use super::builder::{Builder, bare_request};
use super::requests::doc_step;
use super::{PROBE_RETRY, StepNotes};
use crate::doc::code::DocCode;
use crate::doc::diagnostic::{Diagnostic, DocLocation};
use crate::doc::entities::Entity;
use crate::doc::ordered::Ordered;
use crate::scenario::model::{
    Destination, Expect, Request, SnapshotMode, Step, StepKeys, Template,
};

impl Builder<'_> {
    /// The proxy `GET` a heading implies, with the token when there is one.
    pub(super) fn implied_gateway_call(
        &mut self,
        heading: &str,
        at: &DocLocation,
        entities: &[Entity],
    ) {
        let path = entities
            .iter()
            .filter(|e| e.kind == "routes")
            .find_map(|e| match e.value.get("paths") {
                Some(Ordered::Array(paths)) => {
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
            headers: self.headers(&headers, at),
            ..bare_request(
                Destination::Proxy,
                "GET",
                Template::literal(path.clone()),
                span,
            )
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
    pub(super) fn before_gateway_call(&mut self, path: &str, at: &DocLocation) {
        let Some(plugin) = self.pending_probe.take() else {
            return;
        };
        if self.unrun_config.is_some() {
            // The gateway's configuration depends on something docflow did not run: the
            // probe would wait for an answer nothing guarantees, and the gateway steps after
            // it are out of reach anyway.
            return;
        }
        let span = self.span(at);
        let url = self.template(path, at);
        let request = bare_request(Destination::Proxy, "GET", url, span);
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
}
