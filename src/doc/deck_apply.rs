//! [`plan`]: what `deck gateway apply` does with an `{% entity_examples %}` block (or a page's
//! `prereqs.entities`), as the Konnect core-entities requests a reader of the Konnect tab
//! would send. The docs render every entity example as a decK pipe; docflow sends the same
//! entities through the control plane's API, in decK's order, without a decK binary.
//!
//! The plan is pure: entities in dependency order, each with the collection it is created in,
//! its references by name (`service: example-service`) left for the converter to turn into the
//! ids it captured, and what it cannot translate (a kind the Konnect API has no collection
//! for) listed with the reason, never dropped.

use std::collections::HashMap;

use super::ordered::{Ordered, OrderedExt as _};

/// One entity to create (or, when the page applied it before, to update).
#[derive(Debug, Clone, PartialEq)]
pub struct EntityOp {
    /// decK's name of the kind (`services`, `plugins`, `keyauth_credentials`).
    pub kind: String,
    /// The collection under `core-entities/`: `plugins`, or `key-auth` under its parent.
    pub collection: &'static str,
    /// The consumer, service or upstream a nested entity belongs to (its collection under
    /// `core-entities/<parent>/$ID/`).
    pub parent: Option<Reference>,
    /// The entity's `name` (or a consumer's `username`), as written.
    pub name: Option<String>,
    /// What makes two applies the same entity for decK (kind and name; a plugin's name and
    /// scope); `None` for entities decK never matches (credentials, memberships).
    pub identity: Option<String>,
    /// The body, nested entities and references removed.
    pub body: Ordered,
    /// The references to other entities by name, to be sent by id.
    pub references: Vec<Reference>,
}

/// A reference by name from one entity to another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The field holding it (`service`), or the parent's kind for a nested entity.
    pub field: String,
    /// decK's kind of the entity named (`services`).
    pub kind: String,
    /// The name written.
    pub name: String,
}

/// An entity docflow cannot send through the Konnect API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Untranslated {
    /// What it is (`oauth2_credentials of consumer jsmith`).
    pub what: String,
    /// Why.
    pub reason: String,
}

/// The plan of one apply.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// The entities, in the order decK creates them.
    pub ops: Vec<EntityOp>,
    /// What cannot be sent.
    pub untranslated: Vec<Untranslated>,
}

/// decK's order of top-level kinds: what others reference comes first, plugins last.
const ORDER: &[&str] = &[
    "vaults",
    "certificates",
    "ca_certificates",
    "services",
    "routes",
    "upstreams",
    "consumer_groups",
    "consumers",
    "plugins",
];

/// Top-level kinds and their collection under `core-entities/`.
const COLLECTIONS: &[(&str, &str)] = &[
    ("vaults", "vaults"),
    ("certificates", "certificates"),
    ("ca_certificates", "ca_certificates"),
    ("services", "services"),
    ("routes", "routes"),
    ("upstreams", "upstreams"),
    ("consumer_groups", "consumer_groups"),
    ("consumers", "consumers"),
    ("plugins", "plugins"),
];

/// Nested kinds: (parent kind, decK key, collection under `core-entities/<parent>/$ID/`).
/// Routes and plugins nested in a service, and plugins nested in a route or consumer, are
/// created in their top-level collection with a reference to the parent instead, as decK does.
const NESTED: &[(&str, &str, &str)] = &[
    ("consumers", "keyauth_credentials", "key-auth"),
    ("consumers", "basicauth_credentials", "basic-auth"),
    ("consumers", "hmacauth_credentials", "hmac-auth"),
    ("consumers", "jwt_secrets", "jwt"),
    ("consumers", "acls", "acls"),
    ("consumers", "mtls_auth_credentials", "mtls-auth"),
    ("consumers", "groups", "consumer_groups"),
    ("upstreams", "targets", "targets"),
];

/// Fields that reference another entity by name, and that entity's kind.
const REFERENCE_FIELDS: &[(&str, &str)] = &[
    ("service", "services"),
    ("route", "routes"),
    ("consumer", "consumers"),
    ("consumer_group", "consumer_groups"),
];

/// Whether a bare reference is an id (a variable or a UUID) rather than a name.
fn is_id(text: &str) -> bool {
    text.starts_with('$') || uuid::Uuid::parse_str(text).is_ok()
}

/// The singular of a top-level kind, the field a nested entity's reference to it uses.
fn singular(kind: &str) -> &str {
    kind.strip_suffix('s').unwrap_or(kind)
}

/// The plan for an `entities:` mapping (`{services: [...], plugins: [...]}`).
pub fn plan(entities: &Ordered) -> Plan {
    let mut plan = Plan::default();
    let Ordered::Object(kinds) = entities else {
        plan.untranslated.push(Untranslated {
            what: "`entities`".to_owned(),
            reason: format!("must be a mapping of kinds, not {}", entities.kind()),
        });
        return plan;
    };
    let mut sorted: Vec<(&String, &Ordered)> = kinds.iter().collect();
    sorted.sort_by_key(|(kind, _)| ORDER.iter().position(|k| k == kind).unwrap_or(ORDER.len()));
    let mut deferred_plugins = Vec::new();
    for (kind, list) in sorted {
        let Some(collection) = COLLECTIONS.iter().find(|(k, _)| k == kind).map(|(_, c)| *c) else {
            plan.untranslated.push(Untranslated {
                what: format!("`{kind}`"),
                reason: "docflow knows no Konnect API collection for this decK kind".to_owned(),
            });
            continue;
        };
        for entity in items(list) {
            top_level(kind, collection, entity, &mut plan, &mut deferred_plugins);
        }
    }
    plan.ops.extend(deferred_plugins);
    plan
}

fn items(list: &Ordered) -> Vec<&Ordered> {
    match list {
        Ordered::Array(items) => items.iter().collect(),
        Ordered::Null => vec![],
        other => vec![other],
    }
}

/// One top-level entity, its nested children after it (plugins deferred to the end).
fn top_level(
    kind: &str,
    collection: &'static str,
    entity: &Ordered,
    plan: &mut Plan,
    deferred_plugins: &mut Vec<EntityOp>,
) {
    let mut body = entity.clone();
    let name = entity_name(kind, entity);
    let mut children: Vec<(String, Ordered)> = Vec::new();
    if let Ordered::Object(fields) = &mut body {
        fields.retain(|key, value| {
            let nested = matches!(value, Ordered::Array(_))
                && (NESTED.iter().any(|(p, k, _)| *p == kind && k == key)
                    || matches!(key.as_str(), "routes" | "plugins")
                    || key.ends_with("_credentials"));
            if nested {
                children.push((key.clone(), value.clone()));
            }
            !nested
        });
    }
    let this = new_op(kind, collection, None, body);
    if kind == "plugins" {
        deferred_plugins.push(this);
    } else {
        plan.ops.push(this);
    }
    let parent = |field: &str| Reference {
        field: field.to_owned(),
        kind: kind.to_owned(),
        name: name.clone().unwrap_or_default(),
    };
    for (key, list) in children {
        for child in items(&list) {
            match key.as_str() {
                "routes" | "plugins" => {
                    let mut child = child.clone();
                    set_reference(&mut child, singular(kind), name.as_deref());
                    let child_op = new_op(
                        &key,
                        if key == "routes" { "routes" } else { "plugins" },
                        None,
                        child,
                    );
                    if key == "plugins" {
                        deferred_plugins.push(child_op);
                    } else {
                        plan.ops.push(child_op);
                    }
                }
                _ => match NESTED.iter().find(|(p, k, _)| *p == kind && *k == key) {
                    Some((_, _, nested)) => {
                        let body = membership_body(&key, child);
                        let mut child_op = new_op(&key, nested, Some(parent(singular(kind))), body);
                        child_op.identity = None;
                        plan.ops.push(child_op);
                    }
                    None => plan.untranslated.push(Untranslated {
                        what: format!(
                            "`{key}` of {} `{}`",
                            singular(kind),
                            name.as_deref().unwrap_or("?")
                        ),
                        reason: "the Konnect API has no collection for it under its parent"
                            .to_owned(),
                    }),
                },
            }
        }
    }
}

/// A consumer's `groups: [{name: gold}]` entry becomes the membership request's body
/// (`{group: gold}`); other nested entities are sent as written.
fn membership_body(key: &str, child: &Ordered) -> Ordered {
    if key != "groups" {
        return child.clone();
    }
    let group = child
        .get("name")
        .or_else(|| child.get("id"))
        .cloned()
        .unwrap_or_else(|| child.clone());
    serde_json::json!({ "group": group })
}

/// Writes `{field: name}` into a nested route or plugin, the reference to its parent.
fn set_reference(child: &mut Ordered, field: &str, parent_name: Option<&str>) {
    let (Ordered::Object(fields), Some(name)) = (child, parent_name) else {
        return;
    };
    // Written last, as before: `shift_remove` keeps the other fields' order.
    fields.shift_remove(field);
    fields.insert(field.to_owned(), Ordered::String(name.to_owned()));
}

/// The entity's name as decK matches it: `name`, a consumer's `username`, a vault's `prefix`.
fn entity_name(kind: &str, entity: &Ordered) -> Option<String> {
    let key = match kind {
        "consumers" => "username",
        "vaults" => "prefix",
        _ => "name",
    };
    entity
        .get(key)
        .or_else(|| entity.get("custom_id"))
        .and_then(Ordered::scalar_text)
}

/// Builds an op: references by name pulled out, the identity decK would match on.
fn new_op(
    kind: &str,
    collection: &'static str,
    parent: Option<Reference>,
    mut body: Ordered,
) -> EntityOp {
    let name = entity_name(kind, &body);
    let mut references = Vec::new();
    for (field, target) in REFERENCE_FIELDS {
        let Some(value) = body.get(field) else {
            continue;
        };
        let named = match value {
            Ordered::String(n) if !is_id(n) => Some(n.clone()),
            Ordered::Object(_) if value.get("id").is_none() => {
                value.get("name").and_then(Ordered::scalar_text)
            }
            _ => None,
        };
        match named {
            Some(n) => references.push(Reference {
                field: (*field).to_owned(),
                kind: (*target).to_owned(),
                name: n,
            }),
            None => {
                // An id written as a bare string (`service: $SERVICE_ID`): the API wants
                // `{id: …}`.
                if let Some(slot) = body.get_mut(field)
                    && let Ordered::String(_) = slot
                {
                    *slot = serde_json::json!({ "id": slot.clone() });
                }
            }
        }
    }
    let identity = match kind {
        "plugins" => Some(format!(
            "plugins/{}{}",
            name.as_deref().unwrap_or("?"),
            references
                .iter()
                .map(|r| format!(" {}={}", r.field, r.name))
                .collect::<String>()
        )),
        _ => name.as_ref().map(|n| format!("{kind}/{n}")),
    };
    EntityOp {
        kind: kind.to_owned(),
        collection,
        parent,
        name,
        identity,
        body,
        references,
    }
}

/// Substitutes the block's `variables:` (`${issuer}` → its `value`, `$ISSUER`) and decK's
/// environment references (`${{ env "DECK_X" }}` → `$DECK_X`) in every string of `value`.
/// Returns the names of `${…}` placeholders the block does not define.
pub fn substitute(value: &mut Ordered, variables: &HashMap<String, String>) -> Vec<String> {
    let mut missing = Vec::new();
    walk_strings(value, &mut |s| {
        *s = substitute_text(s, variables, &mut missing);
    });
    missing.sort();
    missing.dedup();
    missing
}

fn walk_strings(value: &mut Ordered, f: &mut dyn FnMut(&mut String)) {
    match value {
        Ordered::String(s) => f(s),
        Ordered::Array(items) => items.iter_mut().for_each(|v| walk_strings(v, f)),
        Ordered::Object(fields) => fields.values_mut().for_each(|v| walk_strings(v, f)),
        _ => {}
    }
}

fn substitute_text(
    text: &str,
    variables: &HashMap<String, String>,
    missing: &mut Vec<String>,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        if let Some(inner) = after.strip_prefix('{') {
            // decK: `${{ env "DECK_X" }}`.
            if let Some(end) = inner.find("}}") {
                let expr = inner[..end].trim();
                if let Some(var) = expr
                    .strip_prefix("env")
                    .map(|v| v.trim().trim_matches('"'))
                    .filter(|v| !v.is_empty())
                {
                    out.push('$');
                    out.push_str(var);
                    rest = &inner[end + 2..];
                    continue;
                }
            }
        } else if let Some(end) = after.find('}') {
            let name = &after[..end];
            if let Some(value) = variables.get(name) {
                out.push_str(value);
            } else {
                missing.push(name.to_owned());
                out.push_str(&rest[start..start + 2 + end + 1]);
            }
            rest = &after[end + 1..];
            continue;
        }
        out.push_str("${");
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The block's `variables:` mapping (`issuer: {value: $ISSUER}`) as name → value.
pub fn variables(block: &Ordered) -> HashMap<String, String> {
    let Some(Ordered::Object(vars)) = block.get("variables") else {
        return HashMap::new();
    };
    vars.iter()
        .filter_map(|(name, def)| {
            let value = def.get("value").and_then(Ordered::scalar_text)?;
            Some((name.clone(), value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::ordered::parse_yaml;

    fn yaml(text: &str) -> Ordered {
        parse_yaml(text, "t.md", 1, "a test").unwrap()
    }

    fn summary(plan: &Plan) -> Vec<String> {
        plan.ops
            .iter()
            .map(|o| {
                format!(
                    "{} {}{} refs[{}] id={}",
                    o.collection,
                    o.parent
                        .as_ref()
                        .map_or(String::new(), |p| format!("under {}:{} ", p.kind, p.name)),
                    o.name.as_deref().unwrap_or("-"),
                    o.references
                        .iter()
                        .map(|r| format!("{}={}", r.field, r.name))
                        .collect::<Vec<_>>()
                        .join(","),
                    o.identity.as_deref().unwrap_or("-"),
                )
            })
            .collect()
    }

    #[test]
    fn kinds_follow_decks_order_with_plugins_last_and_nested_entities_under_their_parent() {
        let plan = plan(&yaml(
            "plugins:\n  - name: acl\n    service: example-service\n    config: {deny: [openid]}\n\
consumers:\n  - username: jsmith\n    basicauth_credentials:\n      - username: jsmith\n        password: p\n    groups:\n      - name: gold\n\
services:\n  - name: s\n    url: http://h\n    routes:\n      - name: r\n        paths: [/x]\n    plugins:\n      - name: key-auth\n",
        ));
        assert_eq!(
            summary(&plan),
            [
                "services s refs[] id=services/s",
                "routes r refs[service=s] id=routes/r",
                "consumers jsmith refs[] id=consumers/jsmith",
                "basic-auth under consumers:jsmith - refs[] id=-",
                "consumer_groups under consumers:jsmith - refs[] id=-",
                "plugins key-auth refs[service=s] id=plugins/key-auth service=s",
                "plugins acl refs[service=example-service] id=plugins/acl service=example-service",
            ]
        );
        assert_eq!(
            plan.ops[4].body.to_json(),
            serde_json::json!({"group": "gold"})
        );
        assert!(
            plan.ops[0].body.get("routes").is_none(),
            "nested routes leave the body"
        );
        assert!(plan.untranslated.is_empty());
    }

    #[test]
    fn what_the_api_cannot_take_is_listed_not_dropped() {
        let plan = plan(&yaml(
            "cloned_plugins:\n  - name: x\nconsumers:\n  - username: c\n    oauth2_credentials:\n      - name: app\n",
        ));
        let what: Vec<_> = plan.untranslated.iter().map(|u| u.what.as_str()).collect();
        assert_eq!(
            what,
            ["`oauth2_credentials` of consumer `c`", "`cloned_plugins`"]
        );
        assert_eq!(summary(&plan), ["consumers c refs[] id=consumers/c"]);
    }

    #[test]
    fn block_variables_and_deck_env_references_are_substituted() {
        let block = yaml(
            "entities:\n  plugins:\n    - name: openid-connect\n      config:\n        issuer: ${issuer}\n        client_id:\n          - ${client-id}\n        key: ${{ env \"DECK_API_KEY\" }}\n        other: ${nope}\nvariables:\n  issuer:\n    value: $ISSUER\n  client-id:\n    value: $CLIENT_ID\n",
        );
        let vars = variables(&block);
        let mut entities = block.get("entities").unwrap().clone();
        let missing = substitute(&mut entities, &vars);
        assert_eq!(missing, ["nope"]);
        assert_eq!(
            entities.get("plugins").unwrap().to_json()[0]["config"],
            serde_json::json!({"issuer": "$ISSUER", "client_id": ["$CLIENT_ID"], "key": "$DECK_API_KEY", "other": "${nope}"})
        );
    }

    #[test]
    fn ids_written_as_strings_become_references_by_id_only_when_they_are_not_names() {
        let plan = plan(&yaml(
            "routes:\n  - name: r\n    service:\n      id: 1234\n  - name: r2\n    service: $SERVICE_ID\n",
        ));
        assert!(plan.ops[0].references.is_empty());
        assert_eq!(
            plan.ops[0].body.get("service").unwrap().to_json(),
            serde_json::json!({"id": 1234})
        );
        assert!(plan.ops[1].references.is_empty());
        assert_eq!(
            plan.ops[1].body.get("service").unwrap().to_json(),
            serde_json::json!({"id": "$SERVICE_ID"})
        );
    }
}
