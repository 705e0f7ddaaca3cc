//! [`IdentityStore`]: every organization's auth servers ([`AuthServerEntry`]: the server, its
//! signing key, scopes, claims, clients and issued tokens) behind one `std::sync::Mutex`, plus
//! the index from issuer id to auth server that the public issuer routes use.
//!
//! The lock is only ever held inside the synchronous closures passed to the accessors, so it
//! is never held across an `.await`, and never while generating keys or signing tokens.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::response::{IntoResponse, Response};

use super::model::{AuthServer, Claim, Client, IssuedToken, Scope};
use super::signing_key::SigningKey;
use super::validate::{InvalidParam, bad_request};
use crate::mock::auth::OrgId;
use crate::mock::problem::{Family, Problem};

/// How many issued tokens an auth server remembers (oldest forgotten first), so a long-lived
/// mock does not grow without bound.
const MAX_REMEMBERED_TOKENS: usize = 10_000;

/// One auth server and everything under it.
#[derive(Debug, Clone)]
pub struct AuthServerEntry {
    /// The auth server.
    pub server: AuthServer,
    /// Its signing key (shared, so minting can happen outside the lock).
    pub key: Arc<SigningKey>,
    /// Scopes, in creation order.
    pub scopes: Vec<Scope>,
    /// Claims, in creation order.
    pub claims: Vec<Claim>,
    /// Clients, in creation order.
    pub clients: Vec<Client>,
    /// Tokens minted and not revoked, oldest first.
    pub tokens: Vec<IssuedToken>,
}

impl AuthServerEntry {
    /// A fresh entry with nothing under it.
    pub fn new(server: AuthServer, key: Arc<SigningKey>) -> Self {
        Self {
            server,
            key,
            scopes: Vec::new(),
            claims: Vec::new(),
            clients: Vec::new(),
            tokens: Vec::new(),
        }
    }

    /// The scope with id `id`.
    pub fn scope(&self, id: &str) -> Option<&Scope> {
        self.scopes.iter().find(|s| s.id == id)
    }

    /// The client with id `id`.
    pub fn client(&self, id: &str) -> Option<&Client> {
        self.clients.iter().find(|c| c.id == id)
    }

    /// Remembers a minted token, forgetting expired ones and the oldest beyond the bound.
    pub fn remember_token(&mut self, token: IssuedToken, now: i64) {
        self.tokens.retain(|t| t.exp > now);
        if self.tokens.len() >= MAX_REMEMBERED_TOKENS {
            self.tokens.remove(0);
        }
        self.tokens.push(token);
    }

    /// Whether the token `jti` was minted here and not revoked.
    pub fn token_is_live(&self, jti: &str) -> bool {
        self.tokens.iter().any(|t| t.id == jti)
    }

    /// A `missing_reference` problem for each id in `ids` that is not a scope of this server.
    pub fn unknown_scope_ids(&self, field: &str, ids: &[String]) -> Vec<InvalidParam> {
        ids.iter()
            .enumerate()
            .filter(|(_, id)| self.scope(id).is_none())
            .map(|(i, _)| {
                InvalidParam::new(
                    format!("{field}[{i}]"),
                    "missing_reference",
                    "must be the id of a scope of this auth server",
                )
            })
            .collect()
    }
}

/// Why a store operation failed; renders as the matching problem+json.
#[derive(Debug, Clone, PartialEq)]
pub enum StoreError {
    /// 404 (unknown or malformed id).
    NotFound,
    /// 409 with a detail.
    Conflict(String),
    /// 400 with invalid parameters.
    Invalid(Vec<InvalidParam>),
    /// 500: something the mock itself failed at (key generation).
    Internal(String),
}

impl IntoResponse for StoreError {
    fn into_response(self) -> Response {
        match self {
            Self::NotFound => Problem::not_found(Family::Identity).into_response(),
            Self::Conflict(detail) => Problem::conflict(Family::Identity, detail).into_response(),
            Self::Invalid(params) => bad_request(&params).into_response(),
            Self::Internal(detail) => Problem::new(
                Family::Identity,
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "Internal Server Error",
                detail,
            )
            .into_response(),
        }
    }
}

#[derive(Debug, Default)]
struct Inner {
    orgs: HashMap<OrgId, Vec<AuthServerEntry>>,
    /// issuer id → (organization, auth server id).
    issuers: HashMap<String, (OrgId, String)>,
}

/// Kong Identity data of every organization.
#[derive(Debug, Default)]
pub struct IdentityStore {
    inner: Mutex<Inner>,
}

impl IdentityStore {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic in another handler must not take the whole mock down with it; the data is
        // still consistent because every mutation is a single step.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `f` on the organization's auth servers (creation order).
    pub fn with_org<R>(&self, org: &OrgId, f: impl FnOnce(&mut Vec<AuthServerEntry>) -> R) -> R {
        let mut inner = self.lock();
        f(inner.orgs.entry(org.clone()).or_default())
    }

    /// Runs `f` on one auth server of the organization; [`StoreError::NotFound`] if there is
    /// no such server.
    pub fn with_server<R>(
        &self,
        org: &OrgId,
        server_id: &str,
        f: impl FnOnce(&mut AuthServerEntry) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let mut inner = self.lock();
        let entry = inner
            .orgs
            .get_mut(org)
            .and_then(|servers| servers.iter_mut().find(|e| e.server.id == server_id))
            .ok_or(StoreError::NotFound)?;
        f(entry)
    }

    /// Adds an auth server, refusing a duplicate name in the organization (409).
    pub fn insert_server(&self, org: &OrgId, entry: AuthServerEntry) -> Result<(), StoreError> {
        let mut inner = self.lock();
        if inner.issuers.contains_key(&entry.server.issuer_id) {
            // 36^16 ids make this practically impossible; refuse rather than shadow an issuer.
            return Err(StoreError::Conflict(
                "issuer id collision, retry".to_owned(),
            ));
        }
        let servers = inner.orgs.entry(org.clone()).or_default();
        if let Some(conflict) = name_conflict(servers, &entry.server.name, None) {
            return Err(conflict);
        }
        let issuer_id = entry.server.issuer_id.clone();
        let server_id = entry.server.id.clone();
        servers.push(entry);
        inner.issuers.insert(issuer_id, (org.clone(), server_id));
        Ok(())
    }

    /// Deletes an auth server. Without `force` it must have no scopes, claims or clients
    /// (400, modelled on the documented config-store refusal: field `force`, source `query`).
    pub fn delete_server(
        &self,
        org: &OrgId,
        server_id: &str,
        force: bool,
    ) -> Result<(), StoreError> {
        let mut inner = self.lock();
        let servers = inner.orgs.get_mut(org).ok_or(StoreError::NotFound)?;
        let index = servers
            .iter()
            .position(|e| e.server.id == server_id)
            .ok_or(StoreError::NotFound)?;
        let entry = &servers[index];
        let has_children =
            !(entry.scopes.is_empty() && entry.claims.is_empty() && entry.clients.is_empty());
        if has_children && !force {
            let reason = format!(
                "This auth server has {} scope(s), {} claim(s) and {} client(s). These must be \
                 individually removed before deletion or the force=true query param can be used \
                 to automatically delete associated entities.",
                entry.scopes.len(),
                entry.claims.len(),
                entry.clients.len()
            );
            return Err(StoreError::Invalid(vec![
                InvalidParam::new("force", "required", reason).in_source("query"),
            ]));
        }
        let removed = servers.remove(index);
        inner.issuers.remove(&removed.server.issuer_id);
        Ok(())
    }

    /// Runs `f` on the auth server whose issuer id is `issuer_id` (for the public issuer
    /// routes, which have no organization); `None` if there is none.
    pub fn with_issuer<R>(
        &self,
        issuer_id: &str,
        f: impl FnOnce(&mut AuthServerEntry) -> R,
    ) -> Option<R> {
        let mut inner = self.lock();
        let (org, server_id) = inner.issuers.get(issuer_id)?.clone();
        let entry = inner
            .orgs
            .get_mut(&org)?
            .iter_mut()
            .find(|e| e.server.id == server_id)?;
        Some(f(entry))
    }

    /// The organization owning the auth server whose issuer id is `issuer_id`.
    pub fn org_of_issuer(&self, issuer_id: &str) -> Option<OrgId> {
        self.lock()
            .issuers
            .get(issuer_id)
            .map(|(org, _)| org.clone())
    }

    /// The auth server with issuer id `issuer_id` and its signing key, for other mock code
    /// (for instance to verify a token in-process).
    pub fn auth_server_by_issuer_id(
        &self,
        issuer_id: &str,
    ) -> Option<(AuthServer, Arc<SigningKey>)> {
        self.with_issuer(issuer_id, |e| (e.server.clone(), Arc::clone(&e.key)))
    }

    /// The auth server whose `issuer` URL is exactly `issuer`, with its signing key.
    pub fn auth_server_by_issuer_url(&self, issuer: &str) -> Option<(AuthServer, Arc<SigningKey>)> {
        let issuer_id = issuer_id_of(issuer)?;
        self.auth_server_by_issuer_id(issuer_id)
            .filter(|(server, _)| server.issuer == issuer)
    }
}

/// The issuer id in an issuer URL `…/identity/{issuer_id}/auth`.
pub fn issuer_id_of(issuer: &str) -> Option<&str> {
    let path = issuer.trim_end_matches('/').strip_suffix("/auth")?;
    let (_, id) = path.rsplit_once("/identity/")?;
    (!id.is_empty() && !id.contains('/')).then_some(id)
}

/// A 409 if another server (not `except`) already has `name`.
pub fn name_conflict(
    servers: &[AuthServerEntry],
    name: &str,
    except: Option<&str>,
) -> Option<StoreError> {
    servers
        .iter()
        .any(|e| e.server.name == name && Some(e.server.id.as_str()) != except)
        .then(|| {
            StoreError::Conflict(format!(
                "An auth server with the name [{name}] already exists"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuer_id_from_url() {
        assert_eq!(
            issuer_id_of("http://127.0.0.1:9/identity/wt3fgfqb8r7fktwe/auth"),
            Some("wt3fgfqb8r7fktwe")
        );
        assert_eq!(issuer_id_of("http://h/identity/x/auth/"), Some("x"));
        assert_eq!(issuer_id_of("http://h/identity//auth"), None);
        assert_eq!(
            issuer_id_of("https://wt3fgfqb8r7fktwe.us.identity.konghq.com/auth"),
            None
        );
    }

    fn org(token: &str) -> OrgId {
        OrgId::from_token(token, crate::mock::config::TokenPolicy::Any).unwrap()
    }

    fn entry(name: &str, issuer_id: &str) -> AuthServerEntry {
        static KEY: std::sync::OnceLock<Arc<SigningKey>> = std::sync::OnceLock::new();
        let key = KEY.get_or_init(|| Arc::new(SigningKey::generate().unwrap()));
        let server = AuthServer {
            id: super::super::ids::uuid(),
            issuer_id: issuer_id.into(),
            name: name.into(),
            description: String::new(),
            audience: "aud".into(),
            signing_algorithm: "RS256".into(),
            issuer: format!("http://h/identity/{issuer_id}/auth"),
            labels: Default::default(),
            trusted_origins: None,
            created_at: String::new(),
            updated_at: String::new(),
        };
        AuthServerEntry::new(server, Arc::clone(key))
    }

    #[test]
    fn names_are_unique_per_organization_and_issuers_are_indexed() {
        let store = IdentityStore::default();
        let (a, b) = (org("a"), org("b"));
        store.insert_server(&a, entry("Dev", "issuera")).unwrap();
        assert!(matches!(
            store.insert_server(&a, entry("Dev", "issuerb")),
            Err(StoreError::Conflict(_))
        ));
        store.insert_server(&b, entry("Dev", "issuerc")).unwrap();
        let (server, _) = store.auth_server_by_issuer_id("issuera").unwrap();
        assert_eq!(server.name, "Dev");
        assert!(
            store
                .auth_server_by_issuer_url("http://h/identity/issuerc/auth")
                .is_some()
        );
        assert!(
            store
                .auth_server_by_issuer_url("http://other/identity/issuerc/auth")
                .is_none()
        );
        assert!(store.auth_server_by_issuer_id("issuerb").is_none());
    }

    #[test]
    fn delete_needs_force_when_children_exist_and_drops_the_issuer() {
        let store = IdentityStore::default();
        let a = org("a");
        let mut e = entry("Dev", "issuerd");
        let id = e.server.id.clone();
        e.scopes.push(Scope {
            id: "s".into(),
            name: "s".into(),
            description: String::new(),
            default: false,
            include_in_metadata: false,
            enabled: true,
            created_at: String::new(),
            updated_at: String::new(),
        });
        store.insert_server(&a, e).unwrap();
        let Err(StoreError::Invalid(params)) = store.delete_server(&a, &id, false) else {
            panic!("a server with a scope was deleted without force");
        };
        assert_eq!(
            (params[0].field.as_str(), params[0].source),
            ("force", "query")
        );
        assert!(
            params[0].reason.contains("1 scope(s)"),
            "{}",
            params[0].reason
        );
        // Another organization cannot see it, let alone delete it.
        assert_eq!(
            store.delete_server(&org("b"), &id, true),
            Err(StoreError::NotFound)
        );
        store.delete_server(&a, &id, true).unwrap();
        assert!(store.auth_server_by_issuer_id("issuerd").is_none());
        assert_eq!(
            store.with_server(&a, &id, |_| Ok(())),
            Err(StoreError::NotFound)
        );
    }

    #[test]
    fn unknown_servers_are_not_found() {
        let store = IdentityStore::default();
        let org = OrgId::from_token(
            "kpat_abcdefghijkl",
            crate::mock::config::TokenPolicy::PatOnly,
        )
        .unwrap();
        assert_eq!(
            store.with_server(&org, "nope", |_| Ok(())),
            Err(StoreError::NotFound)
        );
        assert_eq!(
            store.delete_server(&org, "nope", true),
            Err(StoreError::NotFound)
        );
        assert!(store.auth_server_by_issuer_id("nope").is_none());
    }
}
