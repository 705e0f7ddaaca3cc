//! `POST /identity/{issuer_id}/auth/oauth/token`: the client-credentials grant.
//!
//! The response is `{"access_token","token_type":"Bearer","expires_in","scope"}` with
//! `expires_in` one less than `access_token_duration` (the real issuer answered 299 for 300,
//! facts §2.4) and `scope` present only when some scope was granted (no `scope` key was seen
//! when none was requested). Errors are RFC 6749 objects with `Cache-Control: no-store`.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jsonwebtoken::Algorithm;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::client_auth::{self, Method};
use super::form::{param, parse_form};
use super::minting::{access_token_claims, grant_scopes};
use super::not_found::unknown_issuer;
use super::oauth_error::OAuthError;
use crate::mock::identity::signing_key::algorithm;
use crate::mock::identity::{IssuedToken, SigningKey, ids};
use crate::mock::state::SharedState;

/// The only grant type the mock implements.
const CLIENT_CREDENTIALS: &str = "client_credentials";

/// What to sign, decided under the store lock and signed outside it.
struct Plan {
    claims: Map<String, Value>,
    key: Arc<SigningKey>,
    alg: Algorithm,
    expires_in: u64,
    scope: String,
}

/// The handler.
pub async fn token(
    State(state): State<SharedState>,
    Path(issuer_id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    // An unknown issuer is a 404 whatever the request holds.
    if state.identity.with_issuer(&issuer_id, |_| ()).is_none() {
        return unknown_issuer();
    }
    let plan = match plan(&state, &issuer_id, &headers, &bytes) {
        Ok(Some(plan)) => plan,
        Ok(None) => return unknown_issuer(),
        Err(error) => return error.into_response(),
    };
    let (key, alg, claims) = (plan.key, plan.alg, plan.claims);
    let signed = off_the_workers(move || key.sign(alg, &claims).map_err(|e| e.to_string())).await;
    let access_token = match signed {
        Ok(token) => token,
        Err(error) => {
            tracing::error!(%error, "failed to sign an access token");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(json!({"error": "server_error", "error_description": "failed to sign the token"})),
            )
                .into_response();
        }
    };
    // Konnect's key order (`preserve_order`): access_token, token_type, expires_in, scope.
    let mut body = json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": plan.expires_in,
    });
    if !plan.scope.is_empty() {
        body["scope"] = json!(plan.scope);
    }
    let mut response = Json(body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// Authenticates the client and decides the token; `Ok(None)` for an unknown issuer.
fn plan(
    state: &SharedState,
    issuer_id: &str,
    headers: &HeaderMap,
    bytes: &[u8],
) -> Result<Option<Plan>, OAuthError> {
    let form = parse_form(bytes)?;
    let grant_type = param(&form, "grant_type")
        .filter(|g| !g.is_empty())
        .ok_or_else(|| OAuthError::invalid_request("missing `grant_type`"))?
        .to_owned();
    let credentials = client_auth::from_request(headers, &form)?;
    // RFC 6749 §5.2: a client that tried HTTP Basic gets 401; otherwise the configured status
    // (the real one is UNVERIFIED).
    let invalid_client_status = match credentials.method {
        Method::Basic => StatusCode::UNAUTHORIZED,
        Method::Post => StatusCode::from_u16(state.config.invalid_client_status)
            .unwrap_or(StatusCode::UNAUTHORIZED),
    };
    let invalid_client =
        OAuthError::invalid_client(invalid_client_status, credentials.method == Method::Basic);
    let requested = param(&form, "scope").unwrap_or_default().to_owned();
    let now = OffsetDateTime::now_utc();
    let jti = uuid::Uuid::new_v4().to_string();
    state
        .identity
        .with_issuer(issuer_id, |entry| {
            let client = entry
                .client(&credentials.client_id)
                .filter(|c| credentials.authenticates(c))
                .ok_or(invalid_client)?;
            if grant_type != CLIENT_CREDENTIALS {
                return Err(OAuthError::unsupported_grant_type(&grant_type));
            }
            if !client.grant_types.iter().any(|g| g == CLIENT_CREDENTIALS) {
                return Err(OAuthError::unauthorized_client(CLIENT_CREDENTIALS));
            }
            let granted = grant_scopes(
                &requested,
                client,
                &entry.scopes,
                state.config.implicit_openid_scope,
            )
            .map_err(|scope| OAuthError::invalid_scope(&scope))?;
            let claims =
                access_token_claims(&entry.server, client, &entry.claims, &granted, now, &jti);
            let duration = i64::try_from(client.access_token_duration).unwrap_or(i64::MAX);
            let expires_at = now + time::Duration::seconds(duration);
            let scope_names: Vec<String> = granted.into_iter().map(|g| g.name).collect();
            let issued = IssuedToken {
                id: jti.clone(),
                client_id: client.id.clone(),
                granted_scope_names: scope_names.clone(),
                created_at: ids::timestamp(now),
                expires_at: ids::timestamp(expires_at),
                exp: now.unix_timestamp().saturating_add(duration),
            };
            let plan = Plan {
                claims,
                key: Arc::clone(&entry.key),
                alg: algorithm(&entry.server.signing_algorithm).unwrap_or(Algorithm::RS256),
                expires_in: client.access_token_duration.saturating_sub(1),
                scope: scope_names.join(" "),
            };
            entry.remember_token(issued, now.unix_timestamp());
            Ok(plan)
        })
        .transpose()
}

/// Runs a CPU-bound job (an RSA-2048 signature, a few hundred microseconds) where it stalls no
/// other connection: on a blocking thread when the runtime has several workers (the standalone
/// mock, the container), in place on a single-threaded runtime (a `docflow run` lane, whose
/// other tasks are that lane's own scenarios, which wait for the answer anyway; handing the
/// job to another thread and back costs two thread wake-ups).
async fn off_the_workers<T: Send + 'static>(
    job: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    use tokio::runtime::{Handle, RuntimeFlavor};
    if Handle::current().runtime_flavor() == RuntimeFlavor::CurrentThread {
        return job();
    }
    tokio::task::spawn_blocking(job)
        .await
        .unwrap_or_else(|e| Err(format!("signing task failed: {e}")))
}
