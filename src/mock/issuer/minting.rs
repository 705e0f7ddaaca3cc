//! Minting rules, pure and unit-tested: which scopes a client-credentials request is granted
//! ([`grant_scopes`]), which custom claims a token carries ([`claim_applies`]), and the
//! access token's claims ([`access_token_claims`]).

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::mock::identity::{AuthServer, Claim, Client, Scope, TemplateContext};

/// The scope every issuer advertises in `scopes_supported` without it being defined.
pub const OPENID: &str = "openid";

/// Registered claims a custom claim may not override.
const REGISTERED: &[&str] = &[
    "iss",
    "sub",
    "aud",
    "exp",
    "nbf",
    "iat",
    "jti",
    "client_id",
    "scope",
];

/// A granted scope: its name, and its id unless it is the implicit `openid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Granted {
    /// Scope name, as it appears in the token's `scope`.
    pub name: String,
    /// Scope id (`None` for the implicit `openid`).
    pub id: Option<String>,
}

/// The scopes granted for `requested` (the space-separated `scope` parameter): each
/// requested scope must exist, be enabled and be allowed for the client, otherwise `Err` names
/// it (`invalid_scope`); then every enabled `default` scope the client is allowed is added.
/// Requested scopes come first in request order, then defaults in creation order.
///
/// `openid` is advertised by every issuer, so with `implicit_openid` requesting it is accepted
/// even without a scope of that name (UNVERIFIED for the client-credentials grant; see
/// `MockConfig::implicit_openid_scope`).
pub fn grant_scopes(
    requested: &str,
    client: &Client,
    scopes: &[Scope],
    implicit_openid: bool,
) -> Result<Vec<Granted>, String> {
    let mut granted: Vec<Granted> = Vec::new();
    for name in requested.split_whitespace() {
        if granted.iter().any(|g| g.name == name) {
            continue;
        }
        match scopes.iter().find(|s| s.name == name) {
            Some(scope) if scope.enabled && client.may_use_scope(&scope.id) => {
                granted.push(Granted {
                    name: scope.name.clone(),
                    id: Some(scope.id.clone()),
                })
            }
            None if implicit_openid && name == OPENID => granted.push(Granted {
                name: OPENID.to_owned(),
                id: None,
            }),
            _ => return Err(name.to_owned()),
        }
    }
    for scope in scopes {
        if scope.default
            && scope.enabled
            && client.may_use_scope(&scope.id)
            && !granted.iter().any(|g| g.name == scope.name)
        {
            granted.push(Granted {
                name: scope.name.clone(),
                id: Some(scope.id.clone()),
            });
        }
    }
    Ok(granted)
}

/// Whether `claim` goes into an access token granting `granted`: enabled, included in tokens,
/// and either in all scopes or bound to a granted scope (facts §2.4).
pub fn claim_applies(claim: &Claim, granted: &[Granted]) -> bool {
    claim.enabled
        && claim.include_in_token
        && (claim.include_in_all_scopes
            || claim
                .include_in_scopes
                .iter()
                .any(|id| granted.iter().any(|g| g.id.as_deref() == Some(id))))
}

/// The access token's claims: `aud` (an array holding the audience), `client_id`, `sub` (the
/// client id), `iss`, `iat` = `nbf` = now, `exp` = now + `access_token_duration`, `jti`,
/// `scope` (space-separated, `""` when none), plus the applicable custom claims. A custom
/// claim never overrides a registered one; a later claim of the same name wins over an
/// earlier one.
pub fn access_token_claims(
    server: &AuthServer,
    client: &Client,
    claims: &[Claim],
    granted: &[Granted],
    now: OffsetDateTime,
    jti: &str,
) -> Map<String, Value> {
    let iat = now.unix_timestamp();
    let exp = iat.saturating_add(i64::try_from(client.access_token_duration).unwrap_or(i64::MAX));
    let scope: Vec<&str> = granted.iter().map(|g| g.name.as_str()).collect();
    let mut token = Map::new();
    let ctx = TemplateContext {
        server,
        client,
        now,
    };
    for claim in claims.iter().filter(|c| claim_applies(c, granted)) {
        if !REGISTERED.contains(&claim.name.as_str()) {
            token.insert(claim.name.clone(), claim.template.render_value(&ctx));
        }
    }
    let registered = json!({
        "aud": [server.audience],
        "client_id": client.id,
        "exp": exp,
        "iat": iat,
        "iss": server.issuer,
        "jti": jti,
        "nbf": iat,
        "scope": scope.join(" "),
        "sub": client.id,
    });
    if let Value::Object(registered) = registered {
        token.extend(registered);
    }
    token
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::mock::identity::Template;
    use crate::secret::Secret;

    fn scope(id: &str, name: &str, default: bool, enabled: bool) -> Scope {
        Scope {
            id: id.into(),
            name: name.into(),
            description: String::new(),
            default,
            include_in_metadata: false,
            enabled,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    fn client(allow_all: bool, allow: &[&str]) -> Client {
        Client {
            id: "fxsn74prsnrcyskm".into(),
            secret: Secret::new("$CLIENT_SECRET", "s"),
            name: "Client".into(),
            grant_types: vec!["client_credentials".into()],
            redirect_uris: vec![],
            login_uri: None,
            access_token_duration: 3600,
            id_token_duration: 3600,
            allow_all_scopes: allow_all,
            allow_scopes: allow.iter().map(|s| (*s).to_owned()).collect(),
            labels: BTreeMap::new(),
            response_types: vec![],
            token_endpoint_auth_method: "client_secret_post".into(),
            created_at: "2025-09-23T13:07:23.691662Z".into(),
            updated_at: "2025-09-23T13:07:23.691662Z".into(),
        }
    }

    fn claim(name: &str, value: &str, all: bool, scopes: &[&str]) -> Claim {
        Claim {
            id: format!("claim-{name}"),
            name: name.into(),
            value: value.into(),
            template: Template::parse(value).unwrap(),
            include_in_token: true,
            include_in_all_scopes: all,
            include_in_scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            enabled: true,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    fn names(granted: &[Granted]) -> Vec<&str> {
        granted.iter().map(|g| g.name.as_str()).collect()
    }

    fn scopes() -> Vec<Scope> {
        vec![
            scope("s1", "my-scope", false, true),
            scope("s2", "other", false, true),
            scope("s3", "always", true, true),
            scope("s4", "off", false, false),
            scope("s5", "off-default", true, false),
        ]
    }

    #[test]
    fn grants_requested_allowed_scopes_then_allowed_defaults() {
        let c = client(false, &["s1", "s3", "s4", "s5"]);
        assert_eq!(
            names(&grant_scopes("my-scope", &c, &scopes(), true).unwrap()),
            ["my-scope", "always"]
        );
        assert_eq!(
            names(&grant_scopes("", &c, &scopes(), true).unwrap()),
            ["always"]
        );
        assert_eq!(
            names(&grant_scopes("always my-scope my-scope", &c, &scopes(), true).unwrap()),
            ["always", "my-scope"]
        );
        // A default scope the client may not use is not granted.
        let c = client(false, &["s1"]);
        assert_eq!(
            names(&grant_scopes("", &c, &scopes(), true).unwrap()),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn refuses_unknown_disallowed_or_disabled_scopes() {
        let c = client(false, &["s1", "s4"]);
        assert_eq!(
            grant_scopes("nope", &c, &scopes(), true),
            Err("nope".to_owned())
        );
        assert_eq!(
            grant_scopes("my-scope other", &c, &scopes(), true),
            Err("other".to_owned())
        );
        assert_eq!(
            grant_scopes("off", &c, &scopes(), true),
            Err("off".to_owned())
        );
        let all = client(true, &[]);
        assert_eq!(
            names(&grant_scopes("other", &all, &scopes(), true).unwrap()),
            ["other", "always"]
        );
        assert_eq!(
            grant_scopes("off", &all, &scopes(), true),
            Err("off".to_owned())
        );
    }

    #[test]
    fn openid_is_implicitly_known() {
        let c = client(false, &[]);
        assert_eq!(
            grant_scopes("openid", &c, &scopes(), false),
            Err("openid".to_owned())
        );
        let granted = grant_scopes("openid", &c, &scopes(), true).unwrap();
        assert_eq!(
            granted,
            [Granted {
                name: "openid".into(),
                id: None
            }]
        );
    }

    #[test]
    fn claim_inclusion_rule() {
        let granted = [Granted {
            name: "my-scope".into(),
            id: Some("s1".into()),
        }];
        assert!(claim_applies(&claim("c", "v", false, &["s1"]), &granted));
        assert!(!claim_applies(&claim("c", "v", false, &["s2"]), &granted));
        assert!(claim_applies(&claim("c", "v", true, &[]), &granted));
        assert!(claim_applies(&claim("c", "v", true, &[]), &[]));
        assert!(!claim_applies(&claim("c", "v", false, &["s1"]), &[]));
        let mut disabled = claim("c", "v", true, &[]);
        disabled.enabled = false;
        assert!(!claim_applies(&disabled, &granted));
        let mut userinfo_only = claim("c", "v", true, &[]);
        userinfo_only.include_in_token = false;
        assert!(!claim_applies(&userinfo_only, &granted));
    }

    #[test]
    fn token_claims_match_the_observed_token() {
        let server = AuthServer {
            id: "836fda4d-612c-4faf-9c45-284a0ecd637a".into(),
            issuer_id: "wt3fgfqb8r7fktwe".into(),
            name: "Appointments Dev".into(),
            description: String::new(),
            audience: "http://myhttpbin.dev".into(),
            signing_algorithm: "RS256".into(),
            issuer: "http://h/identity/wt3fgfqb8r7fktwe/auth".into(),
            labels: BTreeMap::new(),
            trusted_origins: None,
            created_at: "2025-09-23T13:04:47.789958Z".into(),
            updated_at: "2025-09-23T13:04:47.789958Z".into(),
        };
        let c = client(false, &["s1"]);
        let claims = [
            claim("test-claim", "test", false, &["s1"]),
            claim("n", "42", true, &[]),
            claim("sub", "hijack", true, &[]),
            claim("unbound", "x", false, &["s2"]),
        ];
        let granted = grant_scopes("my-scope", &c, &scopes(), true).unwrap();
        let now = time::macros::datetime!(2025-09-23 13:11:05 UTC);
        let token = access_token_claims(&server, &c, &claims, &granted, now, "jti-1");
        assert_eq!(
            Value::Object(token),
            json!({
                "aud": ["http://myhttpbin.dev"],
                "client_id": "fxsn74prsnrcyskm",
                "exp": 1_758_636_665,
                "iat": 1_758_633_065,
                "iss": "http://h/identity/wt3fgfqb8r7fktwe/auth",
                "jti": "jti-1",
                "n": 42,
                "nbf": 1_758_633_065,
                "scope": "my-scope",
                "sub": "fxsn74prsnrcyskm",
                "test-claim": "test",
            })
        );
        let none = access_token_claims(&server, &c, &[], &[], now, "jti-2");
        assert_eq!(none["scope"], "");
    }
}
