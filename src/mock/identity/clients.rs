//! `/v1/auth-servers/{authServerId}/clients[/{clientId}]`: create (the only response with
//! `client_secret`), replace with PUT (updates, or creates a client with the given id and
//! secret), `test-claim`, and the client's `tokens`; [`Client`] as a [`SubResource`] for list,
//! get, update (may set a new secret) and delete (revokes its tokens).
//!
//! Client names are unique per auth server (409). `allow_scopes` must name scopes of the same
//! server (400 `missing_reference`).

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::claims::parse_template;
use super::ids;
use super::listing::{FilterKind, Listing};
use super::model::{
    Client, DEFAULT_TOKEN_DURATION, GRANT_TYPES, IssuedToken, MAX_TOKEN_DURATION,
    MIN_TOKEN_DURATION, RESPONSE_TYPES, TOKEN_ENDPOINT_AUTH_METHODS,
};
use super::respond::{ApiResult, body, json, list_query, no_content};
use super::store::{AuthServerEntry, StoreError};
use super::sub_resource::{SubResource, find, find_mut, name_conflict};
use super::template::TemplateContext;
use super::validate::{Field, InvalidParam, Kind, parse_string_map, read};
use crate::mock::auth::ApiOrg;
use crate::mock::state::SharedState;
use crate::secret::Secret;

const DURATION: Kind = Kind::Int {
    min: MIN_TOKEN_DURATION,
    max: MAX_TOKEN_DURATION,
};

const CREATE: &[Field] = &[
    Field::required("name", Kind::Str { min_len: 1 }),
    Field::required("grant_types", Kind::EnumList(GRANT_TYPES)),
    Field::required("response_types", Kind::EnumList(RESPONSE_TYPES)),
    Field::optional("redirect_uris", Kind::HttpsUriList),
    Field::optional("login_uri", Kind::HttpsUri).nullable(),
    Field::optional("access_token_duration", DURATION),
    Field::optional("id_token_duration", DURATION),
    Field::optional("allow_all_scopes", Kind::Bool),
    Field::optional("allow_scopes", Kind::UuidList),
    Field::optional("labels", Kind::Labels { update: false }),
    Field::optional(
        "token_endpoint_auth_method",
        Kind::Enum(TOKEN_ENDPOINT_AUTH_METHODS),
    ),
];

const UPDATE: &[Field] = &[
    Field::optional("name", Kind::Str { min_len: 1 }),
    Field::optional("client_secret", Kind::Str { min_len: 1 }),
    Field::optional("grant_types", Kind::EnumList(GRANT_TYPES)),
    Field::optional("response_types", Kind::EnumList(RESPONSE_TYPES)),
    Field::optional("redirect_uris", Kind::HttpsUriList),
    Field::optional("login_uri", Kind::HttpsUri).nullable(),
    Field::optional("access_token_duration", DURATION),
    Field::optional("id_token_duration", DURATION),
    Field::optional("allow_all_scopes", Kind::Bool),
    Field::optional("allow_scopes", Kind::UuidList),
    Field::optional(
        "token_endpoint_auth_method",
        Kind::Enum(TOKEN_ENDPOINT_AUTH_METHODS),
    ),
    Field::optional("labels", Kind::Labels { update: true }).nullable(),
];

const REPLACE: &[Field] = &[
    Field::required("name", Kind::Str { min_len: 1 }),
    Field::required("client_secret", Kind::Str { min_len: 1 }),
    Field::required("grant_types", Kind::EnumList(GRANT_TYPES)),
    Field::required("response_types", Kind::EnumList(RESPONSE_TYPES)),
    Field::optional("redirect_uris", Kind::HttpsUriList),
    Field::optional("login_uri", Kind::HttpsUri).nullable(),
    Field::optional("access_token_duration", DURATION),
    Field::optional("id_token_duration", DURATION),
    Field::optional("allow_all_scopes", Kind::Bool),
    Field::optional("allow_scopes", Kind::UuidList),
    Field::optional(
        "token_endpoint_auth_method",
        Kind::Enum(TOKEN_ENDPOINT_AUTH_METHODS),
    ),
    Field::optional("labels", Kind::Labels { update: false }),
];

const LISTING: Listing = Listing {
    filters: &[
        ("name", FilterKind::EqOrContains),
        ("id", FilterKind::Eq),
        ("labels", FilterKind::Labels),
    ],
    sorts: &["created_at", "updated_at", "name"],
};

const TOKEN_LISTING: Listing = Listing {
    filters: &[("id", FilterKind::Eq)],
    sorts: &["created_at", "expires_at"],
};

/// The label secrets carry in `Debug` output.
const SECRET_LABEL: &str = "$CLIENT_SECRET";

fn check_scopes(entry: &AuthServerEntry, body: &Map<String, Value>) -> Result<(), StoreError> {
    let problems = read::strings(body, "allow_scopes")
        .map(|ids| entry.unknown_scope_ids("allow_scopes", &ids))
        .unwrap_or_default();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Invalid(problems))
    }
}

/// The body with `"login_uri": ""` read as `null`, when `MockConfig::empty_login_uri_is_null`
/// says so (the OAuth clients how-to sends an empty `login_uri`; whether Kong Identity
/// accepts it is UNVERIFIED: the spec's `format: uri` refuses it, a form's empty field
/// suggests it is sent and accepted). Anything else is left for validation as sent.
fn empty_login_uri_as_null<'a>(state: &SharedState, bytes: &'a [u8]) -> std::borrow::Cow<'a, [u8]> {
    if !state.config.empty_login_uri_is_null {
        return bytes.into();
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(mut body)) if body.get("login_uri") == Some(&Value::from("")) => {
            body.insert("login_uri".into(), Value::Null);
            serde_json::to_vec(&body).map_or(bytes.into(), Into::into)
        }
        _ => bytes.into(),
    }
}

/// A client from a create or replace body, with every default of the spec.
fn from_body(body: &Map<String, Value>, id: String, secret: String, created_at: String) -> Client {
    Client {
        id,
        secret: Secret::new(SECRET_LABEL, secret),
        name: read::string(body, "name").unwrap_or_default(),
        grant_types: read::strings(body, "grant_types").unwrap_or_default(),
        redirect_uris: read::strings(body, "redirect_uris").unwrap_or_default(),
        login_uri: read::nullable_string(body, "login_uri").flatten(),
        access_token_duration: read::integer(body, "access_token_duration")
            .unwrap_or(DEFAULT_TOKEN_DURATION),
        id_token_duration: read::integer(body, "id_token_duration")
            .unwrap_or(DEFAULT_TOKEN_DURATION),
        allow_all_scopes: read::boolean(body, "allow_all_scopes").unwrap_or(false),
        allow_scopes: read::strings(body, "allow_scopes").unwrap_or_default(),
        labels: read::labels(body, "labels").unwrap_or_default(),
        response_types: read::strings(body, "response_types").unwrap_or_default(),
        token_endpoint_auth_method: read::string(body, "token_endpoint_auth_method")
            .unwrap_or_else(|| TOKEN_ENDPOINT_AUTH_METHODS[0].to_owned()),
        updated_at: created_at.clone(),
        created_at,
    }
}

/// `POST …/clients` → 201 `CreatedClient` (with `client_secret`, shown this once).
pub async fn create(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    Path(server_id): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    state.identity.with_server(&org, &server_id, |_| Ok(()))?;
    let body = body(&empty_login_uri_as_null(&state, &bytes), CREATE)?;
    let value = state.identity.with_server(&org, &server_id, |entry| {
        check_scopes(entry, &body)?;
        name_conflict::<Client>(
            entry,
            &read::string(&body, "name").unwrap_or_default(),
            None,
        )?;
        let mut id = ids::client_id();
        while entry.client(&id).is_some() {
            id = ids::client_id();
        }
        let client = from_body(&body, id, ids::client_secret(), ids::now());
        let value = client.to_created_json();
        entry.clients.push(client);
        Ok(value)
    })?;
    json(StatusCode::CREATED, value)
}

/// `…/clients[/{clientId}]`: list → `ClientList`, get and PATCH (which may set a new secret) →
/// `Client`, never with the secret; DELETE → 204, revoking the client's tokens.
impl SubResource for Client {
    const NOUN: &'static str = "client";
    const LISTING: Listing = LISTING;
    const UPDATE: &'static [Field] = UPDATE;

    fn all(entry: &AuthServerEntry) -> &[Self] {
        &entry.clients
    }

    fn all_mut(entry: &mut AuthServerEntry) -> &mut Vec<Self> {
        &mut entry.clients
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
        check_scopes(entry, body)?;
        if let Some(name) = read::string(body, "name") {
            name_conflict::<Client>(entry, &name, Some(id))?;
        }
        let client = find_mut::<Client>(entry, id)?;
        apply_update(client, body);
        Ok(client.to_json())
    }

    fn forget(entry: &mut AuthServerEntry, id: &str) {
        entry.tokens.retain(|t| t.client_id != id);
    }
}

fn apply_update(client: &mut Client, body: &Map<String, Value>) {
    if let Some(name) = read::string(body, "name") {
        client.name = name;
    }
    if let Some(secret) = read::string(body, "client_secret") {
        client.secret = Secret::new(SECRET_LABEL, secret);
    }
    if let Some(v) = read::strings(body, "grant_types") {
        client.grant_types = v;
    }
    if let Some(v) = read::strings(body, "response_types") {
        client.response_types = v;
    }
    if let Some(v) = read::strings(body, "redirect_uris") {
        client.redirect_uris = v;
    }
    if let Some(v) = read::nullable_string(body, "login_uri") {
        client.login_uri = v;
    }
    if let Some(v) = read::integer(body, "access_token_duration") {
        client.access_token_duration = v;
    }
    if let Some(v) = read::integer(body, "id_token_duration") {
        client.id_token_duration = v;
    }
    if let Some(v) = read::boolean(body, "allow_all_scopes") {
        client.allow_all_scopes = v;
    }
    if let Some(v) = read::strings(body, "allow_scopes") {
        client.allow_scopes = v;
    }
    if let Some(v) = read::string(body, "token_endpoint_auth_method") {
        client.token_endpoint_auth_method = v;
    }
    read::merge_labels(body, "labels", &mut client.labels);
    client.updated_at = ids::now();
}

/// `PUT …/clients/{clientId}` → 200 `Client` when it replaced one, 201 `Client` when it
/// created one with this id and the given secret (the doc's "specify one yourself").
pub async fn replace(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    Path((server_id, client_id)): Path<(String, String)>,
    bytes: Bytes,
) -> ApiResult {
    state.identity.with_server(&org, &server_id, |_| Ok(()))?;
    let body = body(&empty_login_uri_as_null(&state, &bytes), REPLACE)?;
    if !ids::is_client_id(&client_id) {
        return Err(StoreError::Invalid(vec![
            InvalidParam::new(
                "clientId",
                "matches_regex",
                "must be 1 to 36 letters, digits, '-' or '_'",
            )
            .in_source("path"),
        ]));
    }
    let (status, value) = state.identity.with_server(&org, &server_id, |entry| {
        check_scopes(entry, &body)?;
        name_conflict::<Client>(
            entry,
            &read::string(&body, "name").unwrap_or_default(),
            Some(&client_id),
        )?;
        let secret = read::string(&body, "client_secret").unwrap_or_default();
        match entry.clients.iter_mut().find(|c| c.id == client_id) {
            Some(existing) => {
                let mut client = from_body(
                    &body,
                    client_id.clone(),
                    secret,
                    existing.created_at.clone(),
                );
                client.updated_at = ids::now();
                *existing = client;
                Ok((StatusCode::OK, existing.to_json()))
            }
            None => {
                let client = from_body(&body, client_id.clone(), secret, ids::now());
                let value = client.to_json();
                entry.clients.push(client);
                Ok((StatusCode::CREATED, value))
            }
        }
    })?;
    json(status, value)
}

/// `POST …/clients/{clientId}/test-claim` → 200: each template in the body rendered for this
/// client, typed as it would be in a token.
pub async fn test_claim(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    Path((server_id, client_id)): Path<(String, String)>,
    bytes: Bytes,
) -> ApiResult {
    state.identity.with_server(&org, &server_id, |entry| {
        find::<Client>(entry, &client_id).map(|_| ())
    })?;
    let templates = parse_string_map(&bytes).map_err(StoreError::Invalid)?;
    let mut parsed = Vec::new();
    let mut problems = Vec::new();
    for (name, value) in &templates {
        match parse_template(name, value.as_str().unwrap_or_default()) {
            Ok(template) => parsed.push((name.clone(), template)),
            Err(problem) => problems.push(problem),
        }
    }
    if !problems.is_empty() {
        return Err(StoreError::Invalid(problems));
    }
    let result = state.identity.with_server(&org, &server_id, |entry| {
        let client = entry.client(&client_id).ok_or(StoreError::NotFound)?;
        let ctx = TemplateContext {
            server: &entry.server,
            client,
            now: OffsetDateTime::now_utc(),
        };
        Ok(parsed
            .iter()
            .map(|(name, t)| (name.clone(), t.render_value(&ctx)))
            .collect::<Map<String, Value>>())
    })?;
    json(StatusCode::OK, Value::Object(result))
}

fn client_tokens<'a>(
    entry: &'a AuthServerEntry,
    client_id: &'a str,
) -> Result<impl Iterator<Item = &'a IssuedToken>, StoreError> {
    entry.client(client_id).ok_or(StoreError::NotFound)?;
    let now = OffsetDateTime::now_utc().unix_timestamp();
    Ok(entry
        .tokens
        .iter()
        .filter(move |t| t.client_id == client_id && t.exp > now))
}

/// `GET …/clients/{clientId}/tokens` → 200 `TokenList` (live tokens only).
pub async fn list_tokens(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    Path((server_id, client_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let items = state.identity.with_server(&org, &server_id, |entry| {
        Ok(client_tokens(entry, &client_id)?
            .map(IssuedToken::to_json)
            .collect())
    })?;
    let query = list_query(query.as_deref(), TOKEN_LISTING)?;
    json(StatusCode::OK, query.apply(items))
}

/// `GET …/clients/{clientId}/tokens/{tokenId}` → 200 `Token`.
pub async fn get_token(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    Path((server_id, client_id, token_id)): Path<(String, String, String)>,
) -> ApiResult {
    let value = state.identity.with_server(&org, &server_id, |entry| {
        client_tokens(entry, &client_id)?
            .find(|t| t.id == token_id)
            .map(IssuedToken::to_json)
            .ok_or(StoreError::NotFound)
    })?;
    json(StatusCode::OK, value)
}

/// `DELETE …/clients/{clientId}/tokens` → 204: revokes every token of the client.
pub async fn delete_tokens(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    Path((server_id, client_id)): Path<(String, String)>,
) -> ApiResult {
    state.identity.with_server(&org, &server_id, |entry| {
        entry.client(&client_id).ok_or(StoreError::NotFound)?;
        entry.tokens.retain(|t| t.client_id != client_id);
        Ok(())
    })?;
    no_content()
}

/// `DELETE …/clients/{clientId}/tokens/{tokenId}` → 204: revokes one token.
pub async fn delete_token(
    ApiOrg(org): ApiOrg,
    State(state): State<SharedState>,
    Path((server_id, client_id, token_id)): Path<(String, String, String)>,
) -> ApiResult {
    state.identity.with_server(&org, &server_id, |entry| {
        entry.client(&client_id).ok_or(StoreError::NotFound)?;
        let before = entry.tokens.len();
        entry
            .tokens
            .retain(|t| !(t.client_id == client_id && t.id == token_id));
        if entry.tokens.len() == before {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
    })?;
    no_content()
}
