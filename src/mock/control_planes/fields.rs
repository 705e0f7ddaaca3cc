//! [`Fields`]: reads a request body field by field the way Kong's schema validation does,
//! collecting every violation (not just the first) into one [`AdminError::Schema`].

use serde_json::{Map, Value};
use uuid::Uuid;

use super::admin_error::AdminError;

/// Every protocol Kong knows: the spec's enum for a Service's `protocol` and for a Route's and a
/// Plugin's `protocols` is this same list.
pub const PROTOCOLS: &[&str] = &[
    "grpc",
    "grpcs",
    "http",
    "https",
    "tcp",
    "tls",
    "tls_passthrough",
    "udp",
    "ws",
    "wss",
];

/// A JSON object being validated against a fixed set of known fields.
#[derive(Debug)]
pub struct Fields<'a> {
    object: &'a Map<String, Value>,
    known: &'static [&'static str],
    errors: Map<String, Value>,
}

impl<'a> Fields<'a> {
    /// Starts validating `body`, whose keys must all be in `known`.
    pub fn new(body: &'a Value, known: &'static [&'static str]) -> Result<Self, AdminError> {
        let object = body.as_object().ok_or(AdminError::BadJson)?;
        Ok(Self {
            object,
            known,
            errors: Map::new(),
        })
    }

    /// The raw value of `name`, `None` when absent or `null`.
    pub fn raw(&self, name: &str) -> Option<&'a Value> {
        self.object.get(name).filter(|v| !v.is_null())
    }

    /// Records a violation on `name`.
    pub fn error(&mut self, name: &str, message: impl Into<Value>) {
        self.errors.insert(name.to_owned(), message.into());
    }

    /// Whether a violation was recorded on `name`.
    pub fn has_error(&self, name: &str) -> bool {
        self.errors.contains_key(name)
    }

    /// An optional string.
    pub fn string(&mut self, name: &str) -> Option<String> {
        match self.raw(name)? {
            Value::String(s) => Some(s.clone()),
            _ => {
                self.error(name, "expected a string");
                None
            }
        }
    }

    /// An optional entity name (Kong's `utf8_name`: alphanumerics and `.-_~`, or non-ASCII).
    pub fn name(&mut self, name: &str) -> Option<String> {
        let value = self.string(name)?;
        match value.chars().find(|c| {
            c.is_ascii() && !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '~'))
        }) {
            Some(_) => {
                self.error(
                    name,
                    format!(
                        "invalid value '{value}': the only accepted ascii characters are \
                         alphanumerics or ., -, _, and ~"
                    ),
                );
                None
            }
            None if value.is_empty() => {
                self.error(name, "length must be at least 1");
                None
            }
            None => Some(value),
        }
    }

    /// A boolean with a default.
    pub fn boolean(&mut self, name: &str, default: bool) -> bool {
        match self.raw(name) {
            None => default,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                self.error(name, "expected a boolean");
                default
            }
        }
    }

    /// An optional boolean (`null` stays `None`).
    pub fn optional_boolean(&mut self, name: &str) -> Option<bool> {
        match self.raw(name)? {
            Value::Bool(b) => Some(*b),
            _ => {
                self.error(name, "expected a boolean");
                None
            }
        }
    }

    /// An integer in `min..=max` with a default.
    pub fn integer(&mut self, name: &str, default: i64, min: i64, max: i64) -> i64 {
        self.optional_integer(name, min, max).unwrap_or(default)
    }

    /// An optional integer in `min..=max`.
    pub fn optional_integer(&mut self, name: &str, min: i64, max: i64) -> Option<i64> {
        let value = self.raw(name)?;
        let Some(n) = value.as_i64() else {
            self.error(name, "expected an integer");
            return None;
        };
        if n < min || n > max {
            self.error(name, format!("value should be between {min} and {max}"));
            return None;
        }
        Some(n)
    }

    /// An optional array of strings.
    pub fn strings(&mut self, name: &str) -> Option<Vec<String>> {
        let Value::Array(items) = self.raw(name)? else {
            self.error(name, "expected a set");
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match item {
                Value::String(s) => out.push(s.clone()),
                _ => {
                    self.error(name, Value::Array(vec![Value::from("expected a string")]));
                    return None;
                }
            }
        }
        Some(out)
    }

    /// One of `choices`, with a default.
    pub fn one_of(&mut self, name: &str, default: &str, choices: &[&str]) -> String {
        match self.string(name) {
            None => default.to_owned(),
            Some(s) if choices.contains(&s.as_str()) => s,
            Some(_) => {
                self.error(name, format!("expected one of: {}", choices.join(", ")));
                default.to_owned()
            }
        }
    }

    /// An array whose items are each one of `choices`.
    pub fn set_of(&mut self, name: &str, choices: &[&str]) -> Option<Vec<String>> {
        let items = self.strings(name)?;
        if items.iter().any(|i| !choices.contains(&i.as_str())) {
            self.error(
                name,
                Value::Array(vec![Value::from(format!(
                    "expected one of: {}",
                    choices.join(", ")
                ))]),
            );
            return None;
        }
        Some(items)
    }

    /// An optional UUID (the entity `id`).
    pub fn uuid(&mut self, name: &str) -> Option<Uuid> {
        let value = self.string(name)?;
        match Uuid::parse_str(&value) {
            Ok(id) => Some(id),
            Err(_) => {
                self.error(name, "expected a valid UUID");
                None
            }
        }
    }

    /// An optional object, as given.
    pub fn object(&mut self, name: &str) -> Option<Map<String, Value>> {
        match self.raw(name)? {
            Value::Object(map) => Some(map.clone()),
            _ => {
                self.error(name, "expected a record");
                None
            }
        }
    }

    /// An optional value of any type, as given.
    pub fn any(&self, name: &str) -> Option<Value> {
        self.raw(name).cloned()
    }

    /// Ends validation: unknown fields become violations too.
    pub fn finish(mut self) -> Result<(), AdminError> {
        for key in self.object.keys() {
            if !self.known.contains(&key.as_str()) && !self.errors.contains_key(key) {
                self.errors
                    .insert(key.clone(), Value::from("unknown field"));
            }
        }
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(AdminError::Schema(self.errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn collects_every_violation() {
        let body = json!({"name": 5, "port": "80", "extra": true});
        let mut f = Fields::new(&body, &["name", "port"]).unwrap();
        assert_eq!(f.string("name"), None);
        assert_eq!(f.integer("port", 80, 0, 65535), 80);
        let Err(AdminError::Schema(errors)) = f.finish() else {
            panic!("expected a schema violation");
        };
        assert_eq!(errors["name"], "expected a string");
        assert_eq!(errors["port"], "expected an integer");
        assert_eq!(errors["extra"], "unknown field");
    }

    #[test]
    fn names_reject_spaces() {
        let body = json!({"name": "a b"});
        let mut f = Fields::new(&body, &["name"]).unwrap();
        assert_eq!(f.name("name"), None);
        assert!(f.finish().is_err());
    }

    #[test]
    fn a_non_object_body_is_bad_json() {
        assert_eq!(
            Fields::new(&json!([1]), &[]).unwrap_err(),
            AdminError::BadJson
        );
    }
}
