//! [`Plugin`]: the Plugin entity (`/core-entities/plugins` and the scoped variants).
//!
//! `openid-connect` is validated against [`super::oidc_schema`] and parsed once into the
//! typed configuration the data plane runs ([`OidcConfig`]). Any other plugin of the emulated
//! Gateway version ([`gateway_version::PLUGINS`]) is valid Konnect configuration, so it is
//! stored as given; a route it applies to answers the "not emulated" 501 on the data plane
//! unless the data plane executes it. A name Kong does not ship is refused as Kong refuses a
//! plugin that is not installed, unless `MockConfig::accept_unknown_plugins` is set.

use std::sync::Arc;

use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::admin_error::AdminError;
use super::core_config::{CoreConfig, Reference};
use super::fields::{Fields, PROTOCOLS};
use super::{introspection_schema, oidc_schema, upstream_oauth_schema};
use crate::mock::gateway::OidcConfig;
use crate::mock::gateway_version;

/// The plugin the mock implements.
pub const OPENID_CONNECT: &str = "openid-connect";

const KNOWN: &[&str] = &[
    "id",
    "name",
    "instance_name",
    "config",
    "enabled",
    "protocols",
    "service",
    "route",
    "consumer",
    "consumer_group",
    "ordering",
    "partials",
    "condition",
    "tags",
    "created_at",
    "updated_at",
];

/// A plugin configuration validator: the filled `config`, or Kong's schema violations.
type Validate = fn(Option<&Value>) -> Result<Map<String, Value>, AdminError>;

/// The validator of plugin `name`, for the executed plugins besides `openid-connect` (whose
/// configuration is also parsed). Other plugins are stored as given.
fn schema_of(name: &str) -> Option<Validate> {
    match name {
        introspection_schema::NAME => Some(introspection_schema::validate),
        upstream_oauth_schema::NAME => Some(upstream_oauth_schema::validate),
        _ => None,
    }
}

/// Where a plugin applies; the scoped endpoints (`/services/{id}/plugins`) fix one part.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scope {
    /// Service id.
    pub service: Option<Uuid>,
    /// Route id.
    pub route: Option<Uuid>,
    /// Consumer id.
    pub consumer: Option<Uuid>,
}

/// A plugin instance. `Debug` leaves out `config`, which may hold client secrets.
#[derive(Clone, PartialEq)]
pub struct Plugin {
    /// UUID.
    pub id: Uuid,
    /// Plugin name (`openid-connect`).
    pub name: String,
    /// Optional unique instance name.
    pub instance_name: Option<String>,
    /// The configuration as echoed (defaults filled for `openid-connect`).
    pub config: Map<String, Value>,
    /// Whether it runs.
    pub enabled: bool,
    /// Protocols it runs on.
    pub protocols: Vec<String>,
    /// Where it applies (all `None`: global).
    pub scope: Scope,
    /// Stored as given: `consumer_group`, `ordering`, `partials`.
    pub extra: [Value; 3],
    /// `condition` (Gateway 3.15): an expression deciding per request whether the plugin runs.
    /// Stored and returned; the mock's data plane does not evaluate expressions, so a route
    /// with a conditional plugin answers as not emulated.
    pub condition: Option<String>,
    /// Tags.
    pub tags: Option<Vec<String>>,
    /// Unix epoch seconds.
    pub created_at: i64,
    /// Unix epoch seconds.
    pub updated_at: i64,
    /// The parsed configuration of an `openid-connect` plugin.
    pub oidc: Option<Arc<OidcConfig>>,
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("enabled", &self.enabled)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// Kong's checks of the plugin's `name`: required, installed (unless `accept_unknown`), and
/// for `openid-connect` not scoped to a consumer or consumer group.
fn check_name(
    f: &mut Fields<'_>,
    name: Option<&str>,
    scope: &Scope,
    has_consumer: bool,
    has_consumer_group: bool,
    accept_unknown: bool,
) {
    match name {
        None => f.error("name", "required field missing"),
        Some(OPENID_CONNECT) => {
            // OpenidConnect.json has no `consumer` or `consumer_group` field: the plugin
            // is what identifies the consumer, so it cannot be scoped to one.
            if has_consumer || scope.consumer.is_some() {
                f.error("consumer", "value must be null");
            }
            if has_consumer_group {
                f.error("consumer_group", "value must be null");
            }
        }
        Some(known) if accept_unknown || gateway_version::is_known(known) => {}
        Some(other) => f.error(
            "name",
            format!("plugin '{other}' not enabled; it is either not installed or not enabled"),
        ),
    }
}

/// A plugin's stored `config` and, for `openid-connect`, the typed configuration.
type ValidatedConfig = (Map<String, Value>, Option<Arc<OidcConfig>>);

/// The plugin's `config` with its schema's defaults filled in (stored as given for a plugin
/// the mock has no schema of), and for `openid-connect` the typed configuration the data
/// plane runs. A schema error is recorded on `f` and leaves an empty config.
fn validated_config(
    f: &mut Fields<'_>,
    name: Option<&str>,
    raw_config: Option<Value>,
) -> Result<ValidatedConfig, AdminError> {
    let validated = if let Some(validate) = name.and_then(schema_of) {
        validate(raw_config.as_ref())
    } else if name == Some(OPENID_CONNECT) {
        oidc_schema::validate(raw_config.as_ref())
    } else {
        return Ok(match raw_config {
            None => (Map::new(), None),
            Some(Value::Object(map)) => (map, None),
            Some(_) => {
                f.error("config", "expected a record");
                (Map::new(), None)
            }
        });
    };
    match validated {
        Ok(filled) if name == Some(OPENID_CONNECT) => {
            let parsed =
                OidcConfig::from_config(&filled).map_err(|e| AdminError::field("config", e))?;
            Ok((filled, Some(Arc::new(parsed))))
        }
        Ok(filled) => Ok((filled, None)),
        Err(AdminError::Schema(errors)) => {
            if let Some(inner) = errors.get("config") {
                f.error("config", inner.clone());
            }
            Ok((Map::new(), None))
        }
        Err(other) => Err(other),
    }
}

impl Scope {
    /// The scope fixed by the endpoint, else the body's references resolved to ids.
    fn resolve(
        self,
        config: &CoreConfig,
        service: Option<Reference>,
        route: Option<Reference>,
        consumer: Option<Reference>,
    ) -> Result<Self, AdminError> {
        Ok(Self {
            service: match (self.service, service) {
                (Some(id), _) => Some(id),
                (None, Some(r)) => Some(config.resolve_service("service", &r)?),
                (None, None) => None,
            },
            route: match (self.route, route) {
                (Some(id), _) => Some(id),
                (None, Some(r)) => Some(config.resolve_route("route", &r)?),
                (None, None) => None,
            },
            consumer: match (self.consumer, consumer) {
                (Some(id), _) => Some(id),
                (None, Some(r)) => Some(config.resolve_consumer("consumer", &r)?),
                (None, None) => None,
            },
        })
    }
}

impl Plugin {
    /// Validates a request body. `scope` holds the part fixed by a scoped endpoint.
    pub fn parse(
        body: &Value,
        id: Option<Uuid>,
        existing: Option<&Plugin>,
        now: i64,
        config: &CoreConfig,
        scope: Scope,
        accept_unknown: bool,
    ) -> Result<Self, AdminError> {
        let mut f = Fields::new(body, KNOWN)?;
        let given_id = f.uuid("id");
        let name = f.string("name");
        let instance_name = f.name("instance_name");
        let enabled = f.boolean("enabled", true);
        let is_oidc = name.as_deref() == Some(OPENID_CONNECT);
        let allowed_protocols = if is_oidc {
            oidc_schema::PROTOCOLS
        } else {
            PROTOCOLS
        };
        let protocols = f.set_of("protocols", allowed_protocols).unwrap_or_else(|| {
            oidc_schema::PROTOCOLS
                .iter()
                .map(|p| (*p).to_owned())
                .collect()
        });
        let service = Reference::read(&mut f, "service", "name");
        let route = Reference::read(&mut f, "route", "name");
        let consumer = Reference::read(&mut f, "consumer", "username");
        let consumer_group = f.object("consumer_group");
        let extra = [
            consumer_group.clone().map_or(Value::Null, Value::Object),
            f.object("ordering").map_or(Value::Null, Value::Object),
            f.any("partials").unwrap_or(Value::Null),
        ];
        let tags = f.strings("tags");
        let condition = f.string("condition");
        let raw_config = f.any("config");
        check_name(
            &mut f,
            name.as_deref(),
            &scope,
            consumer.is_some(),
            consumer_group.is_some(),
            accept_unknown,
        );
        let (config_out, oidc) = validated_config(&mut f, name.as_deref(), raw_config)?;
        f.finish()?;
        let resolved = scope.resolve(config, service, route, consumer)?;
        Ok(Self {
            id: id.or(given_id).unwrap_or_else(Uuid::new_v4),
            name: name.unwrap_or_default(),
            instance_name,
            config: config_out,
            enabled,
            protocols,
            scope: resolved,
            extra,
            condition,
            tags,
            created_at: existing.map_or(now, |e| e.created_at),
            updated_at: now,
            oidc,
        })
    }

    /// The key Kong keeps unique among plugins: one instance per name and scope.
    pub fn unique_key(&self) -> Map<String, Value> {
        let reference = |id: Option<Uuid>| id.map_or(Value::Null, |id| json!({"id": id}));
        let mut key = Map::new();
        key.insert("consumer".into(), reference(self.scope.consumer));
        key.insert("name".into(), Value::String(self.name.clone()));
        key.insert("route".into(), reference(self.scope.route));
        key.insert("service".into(), reference(self.scope.service));
        key
    }

    /// The entity as the API returns it.
    pub fn to_json(&self) -> Value {
        let reference = |id: Option<Uuid>| id.map(|id| json!({"id": id}));
        let [consumer_group, ordering, partials] = self.extra.clone();
        json!({
            "id": self.id,
            "name": self.name,
            "instance_name": self.instance_name,
            "config": self.config,
            "enabled": self.enabled,
            "protocols": self.protocols,
            "service": reference(self.scope.service),
            "route": reference(self.scope.route),
            "consumer": reference(self.scope.consumer),
            "consumer_group": consumer_group,
            "ordering": ordering,
            "partials": partials,
            "condition": self.condition,
            "tags": self.tags,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: Value, accept_unknown: bool) -> Result<Plugin, AdminError> {
        Plugin::parse(
            &body,
            None,
            None,
            1,
            &CoreConfig::default(),
            Scope::default(),
            accept_unknown,
        )
    }

    #[test]
    fn the_published_plugin_body_is_accepted() {
        let plugin = parse(
            json!({"name": "openid-connect", "config": {"issuer": "https://i/auth",
                   "auth_methods": ["bearer"], "audience": ["http://myhttpbin.dev"]}}),
            false,
        )
        .unwrap();
        assert!(plugin.oidc.is_some());
        let json = plugin.to_json();
        assert_eq!(json["service"], Value::Null);
        assert_eq!(json["protocols"], json!(["grpc", "grpcs", "http", "https"]));
        // Gateway 3.15's default (it was `false` up to 3.13).
        assert_eq!(json["config"]["hide_credentials"], true);
    }

    #[test]
    fn unknown_plugins_are_refused_unless_configured() {
        let error = parse(json!({"name": "no-such-plugin"}), false).unwrap_err();
        assert!(
            error.body()["message"]
                .as_str()
                .unwrap()
                .contains("plugin 'no-such-plugin' not enabled")
        );
        let stored = parse(json!({"name": "no-such-plugin", "config": {"x": 1}}), true).unwrap();
        assert_eq!(stored.config["x"], 1);
        assert!(stored.oidc.is_none());
        let shipped = parse(json!({"name": "key-auth", "config": {"x": 1}}), false).unwrap();
        assert_eq!(shipped.name, "key-auth");
    }

    #[test]
    fn config_errors_nest_under_config() {
        let error = parse(
            json!({"name": "openid-connect", "config": {"nope": true}}),
            false,
        )
        .unwrap_err();
        let body = error.body();
        assert_eq!(body["fields"]["config"]["nope"], "unknown field");
        assert_eq!(body["fields"]["config"]["issuer"], "required field missing");
    }

    #[test]
    fn openid_connect_cannot_be_consumer_scoped() {
        let id = Uuid::new_v4();
        let error = Plugin::parse(
            &json!({"name": "openid-connect", "config": {"issuer": "https://i"}}),
            None,
            None,
            1,
            &CoreConfig::default(),
            Scope {
                consumer: Some(id),
                ..Scope::default()
            },
            false,
        )
        .unwrap_err();
        assert_eq!(error.body()["fields"]["consumer"], "value must be null");
    }
}
