//! `/v1/auth-servers/{authServerId}/claims[/{claimId}]`: the create handler, and [`Claim`] as a
//! [`SubResource`] for the rest. Claim names are not
//! unique. A `value` is parsed as a [`Template`] when written, so an unsupported template is a
//! 400 at once rather than a surprise at token time.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Map, Value};

use super::ids;
use super::listing::{FilterKind, Listing};
use super::model::Claim;
use super::respond::{ApiResult, body, json};
use super::store::{AuthServerEntry, StoreError};
use super::sub_resource::{SubResource, find_mut};
use super::template::Template;
use super::validate::{Field, InvalidParam, Kind, read};
use crate::mock::auth::ApiOrg;
use crate::mock::state::SharedState;

const CREATE: &[Field] = &[
    Field::required("name", Kind::Str { min_len: 1 }),
    Field::required("value", Kind::Str { min_len: 1 }),
    Field::optional("include_in_token", Kind::Bool),
    Field::optional("include_in_all_scopes", Kind::Bool),
    Field::optional("include_in_scopes", Kind::UuidList),
    Field::optional("enabled", Kind::Bool),
];

const UPDATE: &[Field] = &[
    Field::optional("name", Kind::Str { min_len: 1 }),
    Field::optional("value", Kind::Str { min_len: 1 }),
    Field::optional("include_in_token", Kind::Bool),
    Field::optional("include_in_all_scopes", Kind::Bool),
    Field::optional("include_in_scopes", Kind::UuidList),
    Field::optional("enabled", Kind::Bool),
];

const LISTING: Listing = Listing {
    filters: &[("name", FilterKind::EqOrContains), ("id", FilterKind::Eq)],
    sorts: &["created_at", "updated_at", "name"],
};

/// Parses a template-valued field, as a 400 problem when unsupported.
pub fn parse_template(field: &str, value: &str) -> Result<Template, InvalidParam> {
    Template::parse(value).map_err(|e| {
        InvalidParam::new(field, "invalid", format!("unsupported claim template: {e}"))
    })
}

/// Checks what the schema cannot: the template and the scope references.
fn check_semantics(
    entry: &AuthServerEntry,
    body: &Map<String, Value>,
) -> Result<Option<Template>, StoreError> {
    let mut problems = Vec::new();
    let template = match read::string(body, "value") {
        Some(value) => match parse_template("value", &value) {
            Ok(t) => Some(t),
            Err(p) => {
                problems.push(p);
                None
            }
        },
        None => None,
    };
    if let Some(ids) = read::strings(body, "include_in_scopes") {
        problems.extend(entry.unknown_scope_ids("include_in_scopes", &ids));
    }
    if problems.is_empty() {
        Ok(template)
    } else {
        Err(StoreError::Invalid(problems))
    }
}

/// `POST …/claims` → 201 `Claim`.
pub async fn create(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    Path(server_id): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    state.identity.with_server(&org, &server_id, |_| Ok(()))?;
    let body = body(&bytes, CREATE)?;
    let value = state.identity.with_server(&org, &server_id, |entry| {
        // `value` is required, so the template is always there once the body is valid.
        let template = check_semantics(entry, &body)?.unwrap_or_default();
        let now = ids::now();
        let claim = Claim {
            id: ids::uuid(),
            name: read::string(&body, "name").unwrap_or_default(),
            value: read::string(&body, "value").unwrap_or_default(),
            template,
            include_in_token: read::boolean(&body, "include_in_token").unwrap_or(false),
            include_in_all_scopes: read::boolean(&body, "include_in_all_scopes").unwrap_or(false),
            include_in_scopes: read::strings(&body, "include_in_scopes").unwrap_or_default(),
            enabled: read::boolean(&body, "enabled").unwrap_or(true),
            created_at: now.clone(),
            updated_at: now,
        };
        let value = claim.to_json();
        entry.claims.push(claim);
        Ok(value)
    })?;
    json(StatusCode::CREATED, value)
}

/// `…/claims[/{claimId}]`: list → `ClaimList`, get and PATCH → `Claim`, DELETE → 204.
impl SubResource for Claim {
    const NOUN: &'static str = "claim";
    const LISTING: Listing = LISTING;
    const UPDATE: &'static [Field] = UPDATE;

    fn all(entry: &AuthServerEntry) -> &[Self] {
        &entry.claims
    }

    fn all_mut(entry: &mut AuthServerEntry) -> &mut Vec<Self> {
        &mut entry.claims
    }

    fn id(&self) -> &str {
        &self.id
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn json(&self) -> Value {
        self.to_json()
    }

    fn update(
        entry: &mut AuthServerEntry,
        id: &str,
        body: &Map<String, Value>,
    ) -> Result<Value, StoreError> {
        let template = check_semantics(entry, body)?;
        let claim = find_mut::<Claim>(entry, id)?;
        if let Some(name) = read::string(body, "name") {
            claim.name = name;
        }
        if let (Some(value), Some(template)) = (read::string(body, "value"), template) {
            claim.value = value;
            claim.template = template;
        }
        if let Some(include) = read::boolean(body, "include_in_token") {
            claim.include_in_token = include;
        }
        if let Some(include) = read::boolean(body, "include_in_all_scopes") {
            claim.include_in_all_scopes = include;
        }
        if let Some(scopes) = read::strings(body, "include_in_scopes") {
            claim.include_in_scopes = scopes;
        }
        if let Some(enabled) = read::boolean(body, "enabled") {
            claim.enabled = enabled;
        }
        claim.updated_at = ids::now();
        Ok(claim.to_json())
    }
}
