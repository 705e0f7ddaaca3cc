//! The converter's side of decK applies: each entity of an `{% entity_examples %}` block (see
//! [`deck_apply`](crate::doc::deck_apply)) becomes a core-entities request on the quickstart
//! control plane, with the capture of its id and its cleanup; an entity the page applied
//! before is updated in place, as decK does.

use super::builder::{Builder, bare_request};
use super::requests::doc_step;
use super::{QUICKSTART_ID, StepNotes};
use crate::doc::blocks::EntityExamples;
use crate::doc::code::DocCode;
use crate::doc::deck_apply::{self, EntityOp};
use crate::doc::diagnostic::Diagnostic;
use crate::doc::diagnostic::DocLocation;
use crate::doc::infer::AUTH_PLUGINS;
use crate::doc::ordered::{Ordered, OrderedExt as _};
use crate::doc::shell_eval::{self, Part};
use crate::scenario::model::{
    Body, Destination, Expect, Header, JqCheck, Request, SnapshotMode, Step, StepKeys, Template,
};

/// Where core entities live on the quickstart control plane.
const CORE_ENTITIES: &str = "/v2/control-planes/$QUICKSTART_ID/core-entities";

/// An entity the page created, by decK's kind and name.
#[derive(Debug, Clone)]
pub(super) struct Applied {
    /// decK's identity of it (`plugins/acl service=s`), if decK matches it on re-apply.
    pub(super) identity: Option<String>,
    /// decK's kind (`services`).
    pub(super) kind: String,
    /// Its name as written (no run suffix).
    pub(super) name: Option<String>,
    /// The variable its id is captured into.
    pub(super) var: String,
    /// Its URL (`…/core-entities/plugins/$PLUGIN_ID`).
    pub(super) url: String,
}

impl Builder<'_> {
    /// The lookup of the quickstart control plane the Konnect prerequisites create, once per
    /// page, before the first request that needs `$QUICKSTART_ID`.
    pub(super) fn find_quickstart(&mut self, at: &DocLocation) {
        if self.defined.contains(QUICKSTART_ID) {
            return;
        }
        let span = self.span(at);
        let url = self.template(
            "/v2/control-planes?filter%5Bname%5D%5Beq%5D=$DECK_KONNECT_CONTROL_PLANE_NAME",
            at,
        );
        let request = bare_request(Destination::Api, "GET", url, span);
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
    }

    /// An `{% entity_examples %}` block: what `deck gateway apply` would create or update.
    pub(super) fn entity_examples(&mut self, block: &EntityExamples, at: &DocLocation) {
        self.find_quickstart(at);
        for name in &block.undefined {
            self.warnings.push(Diagnostic::warning(
                DocCode::UndefinedVariable,
                at.clone(),
                format!("`${{{name}}}` is not among the block's `variables`; sent as written"),
            ));
        }
        self.deck_env_aliases(&block.entities);
        let plan = deck_apply::plan(&block.entities);
        for u in plan.untranslated {
            let message = format!(
                "not run: {} in `{{% entity_examples %}}`: {}",
                u.what, u.reason
            );
            self.note_unrun_config(at, &message);
            self.warnings
                .push(Diagnostic::warning(DocCode::NotRun, at.clone(), message));
        }
        for op in plan.ops {
            self.apply_op(op, at);
        }
    }

    /// The site writes an entity's variable as `$NAME` on the Konnect tab and as decK's
    /// `DECK_NAME` environment variable on the decK tab, which is what the page exports
    /// (`export DECK_DIRECTORY_NAME`): a `$NAME` nothing defines reads `$DECK_NAME`.
    fn deck_env_aliases(&mut self, entities: &Ordered) {
        let mut names = Vec::new();
        collect_vars(entities, &mut names);
        for name in names {
            let deck = format!("DECK_{name}");
            if !self.defined.contains(&name)
                && !self.aliases.contains_key(&name)
                && (self.defined.contains(&deck) || self.aliases.contains_key(&deck))
            {
                let value = self
                    .aliases
                    .get(&deck)
                    .cloned()
                    .unwrap_or(format!("${deck}"));
                self.aliases.insert(name, value);
            }
        }
    }

    /// One entity of an apply as a step.
    fn apply_op(&mut self, op: EntityOp, at: &DocLocation) {
        let span = self.span(at);
        let mut comments = vec![format!(
            "decK apply of the `{{% entity_examples %}}` at {at}; docflow sends it through the API"
        )];
        let body = self.resolve_references(&op, at, &mut comments);
        let collection = match &op.parent {
            Some(parent) => match self.find_applied(&parent.kind, &parent.name) {
                Some(a) => format!("{}/{}", a.url, op.collection),
                None => format!(
                    "{CORE_ENTITIES}/{}/{}/{}",
                    parent.kind, parent.name, op.collection
                ),
            },
            None => format!("{CORE_ENTITIES}/{}", op.collection),
        };
        let existing = op
            .identity
            .as_ref()
            .and_then(|id| {
                self.applied
                    .iter()
                    .find(|a| a.identity.as_ref() == Some(id))
            })
            .cloned();
        let label = op.name.clone().unwrap_or_else(|| op.kind.clone());
        let singular = op.collection.trim_end_matches('s');
        let (method, url, status, var) = match &existing {
            Some(a) => {
                comments.push(
                    "decK updates an entity the page applied before: `PUT` by its id".to_owned(),
                );
                ("PUT", a.url.clone(), 200, None)
            }
            None => {
                let base = format!("{singular}_{label}_ID")
                    .to_ascii_uppercase()
                    .replace(|c: char| !c.is_ascii_alphanumeric(), "_");
                let var = self.fresh_var(&base);
                ("POST", collection.clone(), 201, Some(var))
            }
        };
        let request = Request {
            destination: Destination::Api,
            method: method.to_owned(),
            url: self.template(&url, at),
            headers: vec![Header {
                name: "Content-Type".to_owned(),
                value: Template::literal("application/json"),
            }],
            query: vec![],
            body: Some(Body::Json(self.aliased(body.to_json()))),
            basic_auth: None,
            konnect_auth: true,
            span,
        };
        let verb = if existing.is_some() {
            "update"
        } else {
            "create"
        };
        let name = self.step_name(&step_slug(&format!("{verb}-{singular}-{label}")));
        let captures = var
            .as_ref()
            .map(|v| vec![self.capture(v, ".id", span)])
            .unwrap_or_default();
        let mut step = doc_step(name, at, span, request.clone(), Some(status), captures);
        if let Some(var) = &var {
            let entity_url = format!("{collection}/${var}");
            step.cleanup = Some(Request {
                method: "DELETE".to_owned(),
                url: self.template(&entity_url, at),
                headers: vec![],
                body: None,
                ..request
            });
            comments.push("inferred: cleanup deletes what this step creates".to_owned());
            self.applied.push(Applied {
                identity: op.identity.clone(),
                kind: op.kind.clone(),
                name: op.name.clone(),
                var: var.clone(),
                url: entity_url,
            });
        }
        if op.kind == "plugins"
            && op
                .name
                .as_deref()
                .is_some_and(|n| AUTH_PLUGINS.contains(&n))
            && self.inference.probe_auth_plugins
        {
            self.pending_probe = op.name.clone();
        }
        let index = self.push(
            step,
            StepNotes {
                comments,
                body: Some(body),
            },
            None,
        );
        self.last_request = Some(index);
    }

    /// The body with references by name turned into references by the captured id; service
    /// and route names get the run suffix, as the prerequisites' do.
    fn resolve_references(
        &mut self,
        op: &EntityOp,
        at: &DocLocation,
        comments: &mut Vec<String>,
    ) -> Ordered {
        let mut body = op.body.clone();
        if matches!(op.kind.as_str(), "services" | "routes")
            && let Some(Ordered::String(name)) = body.get_mut("name")
        {
            name.push_str("-$RUN_ID");
            comments.push(
                "inferred: `-$RUN_ID` appended to the name, so runs never collide".to_owned(),
            );
        }
        for r in &op.references {
            let replacement = match self.find_applied(&r.kind, &r.name) {
                Some(a) => serde_json::json!({ "id": format!("${}", a.var) }),
                None => {
                    // decK fails on a reference to nothing; the reader has the entity from a
                    // step docflow did not run (a prerequisite page, an include), so what
                    // follows depends on it.
                    self.note_unrun_config(
                        at,
                        &format!(
                            "`{}: {}`, which the page does not create (made by a step docflow did not run)",
                            r.field, r.name
                        ),
                    );
                    self.warnings.push(Diagnostic::warning(
                        DocCode::UnknownReference,
                        at.clone(),
                        format!(
                            "`{}: {}` names no entity the page created; sent by name",
                            r.field, r.name
                        ),
                    ));
                    serde_json::json!({ "name": r.name })
                }
            };
            if let Some(slot) = body.get_mut(&r.field) {
                *slot = replacement;
            }
        }
        body
    }

    /// The entity of `kind` named `name` the page created.
    pub(super) fn find_applied(&self, kind: &str, name: &str) -> Option<&Applied> {
        self.applied
            .iter()
            .rev()
            .find(|a| a.kind == kind && a.name.as_deref() == Some(name))
    }

    /// Records that something changing the target's state was not run: every step after it
    /// may depend on it (see `Conversion::after_unrun`).
    pub(super) fn note_unrun_config(&mut self, at: &DocLocation, what: &str) {
        if self.unrun_config.is_none() {
            self.unrun_config = Some(format!("{what} ({at})"));
        }
    }
}

/// Every `$VAR` in the strings of `value`.
fn collect_vars(value: &Ordered, out: &mut Vec<String>) {
    match value {
        Ordered::String(s) => {
            out.extend(shell_eval::parts(s).into_iter().filter_map(|p| match p {
                Part::Var(v) => Some(v),
                Part::Text(_) => None,
            }))
        }
        Ordered::Array(items) => items.iter().for_each(|v| collect_vars(v, out)),
        Ordered::Object(fields) => fields.values().for_each(|v| collect_vars(v, out)),
        _ => {}
    }
}

/// A step name from free text: lowercase letters, digits and single `-`, as the scenario
/// format requires (`create-key-auth-keyauth_credentials` → `…-keyauth-credentials`).
fn step_slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}
