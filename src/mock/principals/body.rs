//! Request bodies of the principals API: the fields of each body ([`Field`] tables
//! transcribed from the spec's `*Body` schemas) and the checks a table cannot say (a
//! directory name's pattern, an identity's members per `type`).

use serde_json::{Map, Value};

use super::model::{IDENTITY_TYPES, IdentityKind};
use crate::mock::identity::StoreError;
use crate::mock::identity::validate::{Field, InvalidParam, Kind, parse_object, read};

const TTL: Kind = Kind::Int {
    min: 300,
    max: 86_400,
};
const TEXT: Kind = Kind::Text { max_len: 255 };

/// `CreateDirectoryBody` and `ReplaceDirectoryBody` (the same schema).
pub const DIRECTORY: &[Field] = &[
    Field::required("name", Kind::Str { min_len: 1 }),
    Field::optional("description", TEXT),
    Field::optional("allowed_control_planes", Kind::UuidList),
    Field::optional("allow_all_control_planes", Kind::Bool),
    Field::optional("ttl_secs", TTL),
    Field::optional("negative_ttl_secs", TTL),
    Field::optional("labels", Kind::Labels { update: false }),
    Field::optional("managed_by", Kind::ManagedBy { update: false }),
];

/// `UpdateDirectoryBody`: no `description` or `managed_by` (`additionalProperties: false`).
pub const DIRECTORY_UPDATE: &[Field] = &[
    Field::optional("name", Kind::Str { min_len: 1 }),
    Field::optional("allowed_control_planes", Kind::UuidList),
    Field::optional("allow_all_control_planes", Kind::Bool),
    Field::optional("ttl_secs", TTL),
    Field::optional("negative_ttl_secs", TTL),
    Field::optional("labels", Kind::Labels { update: false }),
];

/// `CreatePrincipalBody` and `ReplacePrincipalBody`: every field optional.
pub const PRINCIPAL: &[Field] = &[
    Field::optional("display_name", TEXT),
    Field::optional("description", TEXT),
    Field::optional("metadata", Kind::Metadata).nullable(),
    Field::optional("labels", Kind::Labels { update: false }),
    Field::optional("managed_by", Kind::ManagedBy { update: false }),
];

/// `UpdatePrincipalBody`: `managed_by` is a `ManagedByUpdate` (a `null` value removes a key).
pub const PRINCIPAL_UPDATE: &[Field] = &[
    Field::optional("display_name", TEXT),
    Field::optional("description", TEXT),
    Field::optional("metadata", Kind::Metadata).nullable(),
    Field::optional("labels", Kind::Labels { update: false }),
    Field::optional("managed_by", Kind::ManagedBy { update: true }),
];

/// The members of every identity type (`KongPrincipalIdentityBody`'s variants).
const IDENTITY_MEMBERS: [Field; 10] = [
    Field::optional("issuer", Kind::Str { min_len: 1 }),
    Field::optional("claim", Kind::Object),
    Field::optional("auth_server_id", Kind::Str { min_len: 1 }),
    Field::optional("client_id", Kind::Str { min_len: 1 }),
    Field::optional("control_plane_id", Kind::Str { min_len: 1 }),
    Field::optional("consumer_id", Kind::Str { min_len: 1 }),
    Field::optional("workspace_id", Kind::Str { min_len: 1 }),
    Field::optional("key", Kind::Str { min_len: 1 }),
    Field::optional("value", Kind::Str { min_len: 1 }),
    Field::optional("labels", Kind::Labels { update: false }),
];

/// `KongPrincipalIdentityBody` (create and replace): `type` and its members.
pub const IDENTITY: &[Field] = &[
    Field::required("type", Kind::Enum(IDENTITY_TYPES)),
    IDENTITY_MEMBERS[0],
    IDENTITY_MEMBERS[1],
    IDENTITY_MEMBERS[2],
    IDENTITY_MEMBERS[3],
    IDENTITY_MEMBERS[4],
    IDENTITY_MEMBERS[5],
    IDENTITY_MEMBERS[6],
    IDENTITY_MEMBERS[7],
    IDENTITY_MEMBERS[8],
    IDENTITY_MEMBERS[9],
];

/// `UpdatePrincipalIdentityBody`: the members, no `type` (it cannot change).
pub const IDENTITY_UPDATE: &[Field] = &IDENTITY_MEMBERS;

/// The validated body, or a 400 listing every problem.
pub fn parse(bytes: &[u8], fields: &[Field]) -> Result<Map<String, Value>, StoreError> {
    let (body, mut problems) = match parse_object(bytes, fields) {
        Ok(body) => (body, Vec::new()),
        // Still check what the table cannot, so every problem is reported at once.
        Err(problems) => (
            serde_json::from_slice::<Map<String, Value>>(bytes).unwrap_or_default(),
            problems,
        ),
    };
    if let Some(name) = body.get("name").and_then(Value::as_str) {
        // `DirectoryName`: `^[a-z0-9-_]+$`, at most 255 characters.
        let pattern_ok = name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !name.is_empty() && !pattern_ok {
            problems.push(InvalidParam::new(
                "name",
                "matches_regex",
                "must match the pattern ^[a-z0-9-_]+$",
            ));
        }
        if name.chars().count() > 255 {
            problems.push(InvalidParam::too_long("name", 255));
        }
    }
    if body
        .get("allowed_control_planes")
        .and_then(Value::as_array)
        .is_some_and(|a| a.len() > 32)
    {
        problems.push(InvalidParam::above_maximum("allowed_control_planes", 32));
    }
    if problems.is_empty() {
        Ok(body)
    } else {
        Err(StoreError::Invalid(problems))
    }
}

/// The identity a validated create or replace body describes: its `type`'s required
/// members must be present (`required` each); members of other types are ignored, as the
/// spec's variants allow additional properties.
pub fn identity_kind(body: &Map<String, Value>) -> Result<IdentityKind, StoreError> {
    let kind_name = read::string(body, "type").unwrap_or_default();
    let needed: &[&str] = match kind_name.as_str() {
        "oidc" => &["issuer", "claim"],
        "auth_server_client" => &["auth_server_id", "client_id"],
        "control_plane_consumer" => &["control_plane_id", "consumer_id"],
        _ => &["key", "value"],
    };
    let mut problems: Vec<InvalidParam> = needed
        .iter()
        .filter(|n| !body.contains_key(**n))
        .map(|n| InvalidParam::required(n))
        .collect();
    let claim = body.get("claim").and_then(Value::as_object);
    if kind_name == "oidc"
        && let Some(claim) = claim
    {
        problems.extend(claim_problems(claim, true));
    }
    if kind_name == "auth_server_client"
        && let Some(id) = read::string(body, "auth_server_id")
        && !crate::mock::identity::ids::is_uuid(&id)
    {
        problems.push(InvalidParam::new(
            "auth_server_id",
            "is_uuid",
            "must be a valid UUID",
        ));
    }
    if !problems.is_empty() {
        return Err(StoreError::Invalid(problems));
    }
    let s = |name: &str| read::string(body, name).unwrap_or_default();
    let claim_member = |name: &str| {
        claim
            .and_then(|c| c.get(name))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    Ok(match kind_name.as_str() {
        "oidc" => IdentityKind::Oidc {
            issuer: s("issuer"),
            claim_name: claim_member("name"),
            claim_value: claim_member("value"),
        },
        "auth_server_client" => IdentityKind::AuthServerClient {
            auth_server_id: s("auth_server_id"),
            client_id: s("client_id"),
        },
        "control_plane_consumer" => IdentityKind::ControlPlaneConsumer {
            control_plane_id: s("control_plane_id"),
            consumer_id: s("consumer_id"),
            workspace_id: read::string(body, "workspace_id"),
        },
        _ => IdentityKind::Custom {
            key: s("key"),
            value: s("value"),
        },
    })
}

/// Problems of an OIDC `claim` object: `name` and `value` strings (both required on create).
fn claim_problems(claim: &Map<String, Value>, required: bool) -> Vec<InvalidParam> {
    let mut problems = Vec::new();
    for key in claim.keys().filter(|k| *k != "name" && *k != "value") {
        problems.push(InvalidParam::unknown_property(&format!("claim.{key}")));
    }
    for member in ["name", "value"] {
        let field = format!("claim.{member}");
        match claim.get(member) {
            None if required => problems.push(InvalidParam::required(&field)),
            None | Some(Value::String(_)) => {}
            Some(_) => problems.push(InvalidParam::wrong_type(&field, "a string")),
        }
    }
    problems
}

/// Applies a validated `UpdatePrincipalIdentityBody` to `kind`: only the members of its own
/// type are applied, as the spec says.
pub fn update_kind(kind: &mut IdentityKind, body: &Map<String, Value>) -> Result<(), StoreError> {
    if let Some(claim) = body.get("claim").and_then(Value::as_object) {
        let problems = claim_problems(claim, false);
        if !problems.is_empty() {
            return Err(StoreError::Invalid(problems));
        }
    }
    let set = |target: &mut String, name: &str| {
        if let Some(v) = read::string(body, name) {
            *target = v;
        }
    };
    match kind {
        IdentityKind::Oidc {
            issuer,
            claim_name,
            claim_value,
        } => {
            set(issuer, "issuer");
            if let Some(claim) = body.get("claim").and_then(Value::as_object) {
                read_into(claim, "name", claim_name);
                read_into(claim, "value", claim_value);
            }
        }
        IdentityKind::AuthServerClient {
            auth_server_id,
            client_id,
        } => {
            set(auth_server_id, "auth_server_id");
            set(client_id, "client_id");
        }
        IdentityKind::ControlPlaneConsumer {
            control_plane_id,
            consumer_id,
            workspace_id,
        } => {
            set(control_plane_id, "control_plane_id");
            set(consumer_id, "consumer_id");
            if let Some(w) = read::string(body, "workspace_id") {
                *workspace_id = Some(w);
            }
        }
        IdentityKind::Custom { key, value } => {
            set(key, "key");
            set(value, "value");
        }
    }
    Ok(())
}

fn read_into(map: &Map<String, Value>, name: &str, target: &mut String) {
    if let Some(v) = map.get(name).and_then(Value::as_str) {
        v.clone_into(target);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problems(bytes: &str, fields: &[Field]) -> Vec<(String, &'static str)> {
        match parse(bytes.as_bytes(), fields) {
            Err(StoreError::Invalid(p)) => p.into_iter().map(|p| (p.field, p.rule)).collect(),
            other => panic!("expected a 400, got {other:?}"),
        }
    }

    #[test]
    fn directory_bodies_follow_the_spec() {
        assert!(
            parse(
                br#"{"name":"kong-identity-directory","allow_all_control_planes":true}"#,
                DIRECTORY
            )
            .is_ok()
        );
        let found = problems(
            r#"{"name":"Bad Name","ttl_secs":10,"description":"d","extra":1}"#,
            DIRECTORY_UPDATE,
        );
        assert!(
            found.contains(&("name".into(), "matches_regex")),
            "{found:?}"
        );
        assert!(found.contains(&("ttl_secs".into(), "min")), "{found:?}");
        // `UpdateDirectoryBody` has no description.
        assert!(
            found.contains(&("description".into(), "unknown_property")),
            "{found:?}"
        );
        assert!(
            found.contains(&("extra".into(), "unknown_property")),
            "{found:?}"
        );
        assert_eq!(problems("{}", DIRECTORY), [("name".to_owned(), "required")]);
    }

    #[test]
    fn identities_need_their_types_members() {
        let body = parse(
            br#"{"type":"auth_server_client","client_id":"c"}"#,
            IDENTITY,
        )
        .unwrap();
        let Err(StoreError::Invalid(p)) = identity_kind(&body) else {
            panic!("accepted an identity without auth_server_id");
        };
        assert_eq!(p[0].field, "auth_server_id");
        let body = parse(
            br#"{"type":"oidc","issuer":"https://i","claim":{"name":"sub","value":"x"}}"#,
            IDENTITY,
        )
        .unwrap();
        let mut kind = identity_kind(&body).unwrap();
        assert_eq!(kind.type_name(), "oidc");
        let update = parse(
            br#"{"claim":{"value":"y"},"client_id":"ignored"}"#,
            IDENTITY_UPDATE,
        )
        .unwrap();
        update_kind(&mut kind, &update).unwrap();
        assert_eq!(
            kind,
            IdentityKind::Oidc {
                issuer: "https://i".into(),
                claim_name: "sub".into(),
                claim_value: "y".into()
            }
        );
        let bad = parse(
            br#"{"type":"oidc","issuer":"i","claim":{"name":1}}"#,
            IDENTITY,
        )
        .unwrap();
        assert!(identity_kind(&bad).is_err());
        assert!(
            parse(
                &serde_json::to_vec(&json!({"type": "nope"})).unwrap(),
                IDENTITY
            )
            .is_err()
        );
    }
}
