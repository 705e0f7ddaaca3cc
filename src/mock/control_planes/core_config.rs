//! [`CoreConfig`]: one control plane's core entities, the unit the data plane receives.
//! Also [`Reference`], a foreign key as written in a request (`{"id": …}` or `{"name": …}`).

use serde_json::{Map, Value};
use uuid::Uuid;

use super::admin_error::AdminError;
use super::consumer::Consumer;
use super::fields::Fields;
use super::plugin::Plugin;
use super::route::Route;
use super::service::Service;

/// The core entities of one control plane. Cloned on every change and published as an
/// immutable snapshot, so the data plane never sees a half-applied change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CoreConfig {
    /// Services, oldest first.
    pub services: Vec<Service>,
    /// Routes, oldest first.
    pub routes: Vec<Route>,
    /// Consumers, oldest first.
    pub consumers: Vec<Consumer>,
    /// Plugins, oldest first.
    pub plugins: Vec<Plugin>,
}

/// A foreign key as written in a request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    /// `{"id": "…"}`.
    Id(Uuid),
    /// `{"name": "…"}` (services, routes) or `{"username": "…"}` (consumers).
    Name(String),
}

impl Reference {
    /// Reads the foreign key `name` (`service`, `route`, `consumer`) from `f`. The unique
    /// field that may stand in for the id is `alt` (`name` or `username`).
    pub fn read(f: &mut Fields<'_>, name: &str, alt: &str) -> Option<Self> {
        let object = f.object(name)?;
        let mut errors = Map::new();
        for key in object.keys() {
            if key != "id" && key != alt {
                errors.insert(key.clone(), Value::from("unknown field"));
            }
        }
        let reference = match (object.get("id"), object.get(alt)) {
            (Some(Value::String(id)), _) => match Uuid::parse_str(id) {
                Ok(id) => Some(Self::Id(id)),
                Err(_) => {
                    errors.insert("id".into(), Value::from("expected a valid UUID"));
                    None
                }
            },
            (None | Some(Value::Null), Some(Value::String(alt_value))) => {
                Some(Self::Name(alt_value.clone()))
            }
            (Some(_), _) => {
                errors.insert("id".into(), Value::from("expected a string"));
                None
            }
            _ => {
                errors.insert("id".into(), Value::from("required field missing"));
                None
            }
        };
        if errors.is_empty() {
            reference
        } else {
            f.error(name, Value::Object(errors));
            None
        }
    }

    /// The key as echoed in a foreign key error.
    fn key(&self, alt: &str) -> Map<String, Value> {
        let mut key = Map::new();
        match self {
            Self::Id(id) => key.insert("id".into(), Value::String(id.to_string())),
            Self::Name(name) => key.insert(alt.into(), Value::String(name.clone())),
        };
        key
    }
}

impl CoreConfig {
    /// The id of the service `reference` names, or a foreign key error on `field`.
    pub fn resolve_service(&self, field: &str, reference: &Reference) -> Result<Uuid, AdminError> {
        self.services
            .iter()
            .find(|s| match reference {
                Reference::Id(id) => s.id == *id,
                Reference::Name(name) => s.name.as_deref() == Some(name),
            })
            .map(|s| s.id)
            .ok_or_else(|| foreign(field, reference, "name", "services"))
    }

    /// The id of the route `reference` names.
    pub fn resolve_route(&self, field: &str, reference: &Reference) -> Result<Uuid, AdminError> {
        self.routes
            .iter()
            .find(|r| match reference {
                Reference::Id(id) => r.id == *id,
                Reference::Name(name) => r.name.as_deref() == Some(name),
            })
            .map(|r| r.id)
            .ok_or_else(|| foreign(field, reference, "name", "routes"))
    }

    /// The id of the consumer `reference` names.
    pub fn resolve_consumer(&self, field: &str, reference: &Reference) -> Result<Uuid, AdminError> {
        self.consumers
            .iter()
            .find(|c| match reference {
                Reference::Id(id) => c.id == *id,
                Reference::Name(name) => c.username.as_deref() == Some(name),
            })
            .map(|c| c.id)
            .ok_or_else(|| foreign(field, reference, "username", "consumers"))
    }

    /// A service by id or name (the API's `{ServiceId}` path parameter accepts both).
    pub fn service(&self, id_or_name: &str) -> Option<&Service> {
        let id = Uuid::parse_str(id_or_name).ok();
        self.services
            .iter()
            .find(|s| Some(s.id) == id || s.name.as_deref() == Some(id_or_name))
    }

    /// A route by id or name.
    pub fn route(&self, id_or_name: &str) -> Option<&Route> {
        let id = Uuid::parse_str(id_or_name).ok();
        self.routes
            .iter()
            .find(|r| Some(r.id) == id || r.name.as_deref() == Some(id_or_name))
    }

    /// A consumer by id or username.
    pub fn consumer(&self, id_or_username: &str) -> Option<&Consumer> {
        let id = Uuid::parse_str(id_or_username).ok();
        self.consumers
            .iter()
            .find(|c| Some(c.id) == id || c.username.as_deref() == Some(id_or_username))
    }

    /// A plugin by id.
    pub fn plugin(&self, id: &str) -> Option<&Plugin> {
        let id = Uuid::parse_str(id).ok()?;
        self.plugins.iter().find(|p| p.id == id)
    }
}

fn foreign(field: &str, reference: &Reference, alt: &str, entity: &str) -> AdminError {
    AdminError::ForeignKey {
        field: field.to_owned(),
        key: reference.key(alt),
        entity: entity.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_id_and_name_references() {
        let id = Uuid::new_v4();
        let body = json!({"a": {"id": id.to_string()}, "b": {"name": "svc"}, "c": {"x": 1}});
        let mut f = Fields::new(&body, &["a", "b", "c"]).unwrap();
        assert_eq!(
            Reference::read(&mut f, "a", "name"),
            Some(Reference::Id(id))
        );
        assert_eq!(
            Reference::read(&mut f, "b", "name"),
            Some(Reference::Name("svc".into()))
        );
        assert_eq!(Reference::read(&mut f, "c", "name"), None);
        let Err(AdminError::Schema(errors)) = f.finish() else {
            panic!("expected a schema violation");
        };
        assert_eq!(errors["c"]["x"], "unknown field");
    }

    #[test]
    fn unresolved_reference_is_a_foreign_key_error() {
        let config = CoreConfig::default();
        let error = config
            .resolve_service("service", &Reference::Name("nope".into()))
            .unwrap_err();
        assert_eq!(error.body()["fields"]["service"]["name"], "nope");
        assert_eq!(error.status(), axum::http::StatusCode::BAD_REQUEST);
    }
}
