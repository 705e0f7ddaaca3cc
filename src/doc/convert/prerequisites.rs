//! The prerequisite steps: find the quickstart control plane, then create each
//! `prereqs.entities` example on it through the core-entities API.

use super::builder::Builder;
use super::{QUICKSTART_ID, StepNotes};
use crate::doc::code::DocCode;
use crate::doc::diagnostic::Diagnostic;
use crate::doc::entities::Entity;
use crate::doc::ordered::{Ordered, OrderedExt as _};
use crate::scenario::model::{
    Body, Destination, DocSource, Expect, Header, Request, SnapshotMode, Step, StepKeys, Template,
};

/// The entities created so far: `(singular kind, name, id variable)`.
type Created = Vec<(String, String, String)>;

impl Builder<'_> {
    /// The prerequisite steps, when the frontmatter lists entities.
    pub(super) fn prerequisites(&mut self, entities: &[Entity]) {
        let Some(first) = entities.first() else {
            return;
        };
        self.find_quickstart(&first.declared_at);
        // Services before the routes that reference them, then the other kinds.
        let order = |kind: &str| match kind {
            "services" => 0,
            "routes" => 1,
            "consumers" => 2,
            _ => 3,
        };
        let mut sorted: Vec<&Entity> = entities.iter().collect();
        sorted.sort_by_key(|e| order(&e.kind));
        let mut created = Created::new();
        for entity in sorted {
            self.create_entity(entity, &mut created);
        }
    }

    /// The step that creates one entity example on the quickstart control plane, with its
    /// cleanup; `created` learns its id variable.
    fn create_entity(&mut self, entity: &Entity, created: &mut Created) {
        let var = self.fresh_var(&format!(
            "{}_ID",
            entity.name.to_ascii_uppercase().replace('-', "_")
        ));
        let (body, comments) = self.entity_body(entity, created);
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
        self.record_prerequisite(entity, &collection, &var, created);
        self.push(
            step,
            StepNotes {
                comments,
                body: Some(body),
            },
            None,
        );
    }

    /// The entity's body as sent, with the `# inferred:` comments on it: the name gets the
    /// run suffix, and references by name to entities created before become references by id.
    fn entity_body(&mut self, entity: &Entity, created: &Created) -> (Ordered, Vec<String>) {
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
            match created.iter().find(|(k, n, _)| k == key && *n == name) {
                Some((_, _, id_var)) => {
                    *reference = serde_json::json!({ "id": format!("${id_var}") });
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
        (body, comments)
    }

    /// Remembers a created prerequisite for references: by its example's file name and by
    /// its `name` (what decK matches; `websocket-route.yml` names `example-websocket-service`).
    fn record_prerequisite(
        &mut self,
        entity: &Entity,
        collection: &str,
        var: &str,
        created: &mut Created,
    ) {
        let written = entity
            .value
            .get("name")
            .or_else(|| entity.value.get("username"))
            .and_then(Ordered::scalar_text)
            .unwrap_or_else(|| entity.name.clone());
        created.push((
            entity.singular().to_owned(),
            entity.name.clone(),
            var.to_owned(),
        ));
        if written != entity.name {
            created.push((
                entity.singular().to_owned(),
                written.clone(),
                var.to_owned(),
            ));
        }
        self.applied.push(super::deck_steps::Applied {
            identity: Some(format!("{}/{written}", entity.kind)),
            kind: entity.kind.clone(),
            name: Some(written),
            var: var.to_owned(),
            url: format!("{collection}/${var}"),
        });
    }
}
