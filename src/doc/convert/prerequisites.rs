//! The prerequisite steps: find the quickstart control plane, then create each
//! `prereqs.entities` example on it through the core-entities API.

use super::builder::{Builder, bare_request};
use super::{QUICKSTART_ID, StepNotes};
use crate::doc::code::DocCode;
use crate::doc::diagnostic::Diagnostic;
use crate::doc::entities::Entity;
use crate::doc::ordered::Ordered;
use crate::scenario::model::{
    Body, Destination, DocSource, Expect, Header, JqCheck, Request, SnapshotMode, Step, StepKeys,
    Template,
};

/// The entities created so far: `(singular kind, name, id variable)`.
type Created = Vec<(String, String, String)>;

impl Builder<'_> {
    /// The prerequisite steps, when the frontmatter lists entities.
    pub(super) fn prerequisites(&mut self, entities: &[Entity]) {
        let Some(first) = entities.first() else {
            return;
        };
        self.find_quickstart(first);
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

    /// The step that finds the quickstart control plane and captures its id.
    fn find_quickstart(&mut self, first: &Entity) {
        let span = self.span(&first.declared_at);
        let url = self.template(
            "/v2/control-planes?filter%5Bname%5D%5Beq%5D=$DECK_KONNECT_CONTROL_PLANE_NAME",
            &first.declared_at,
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
        created.push((entity.singular().to_owned(), entity.name.clone(), var));
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
        (body, comments)
    }
}
