//! [`Vars`]: the variables of one run — from the target, the scenario's `vars:`, and captures —
//! and the rendering of templates and JSON bodies with them.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::scenario::model::Template;

/// Where a variable's value came from; decides how it is redacted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Provided by the target (`KONNECT_TOKEN`, `KONNECT_CONTROL_PLANE_URL`, …).
    Target,
    /// Written in the scenario's `vars:`.
    Scenario,
    /// Captured from a response.
    Captured,
}

/// One variable's value.
#[derive(Debug, Clone)]
pub struct VarValue {
    /// The value as text (what `$VAR` expands to).
    pub text: String,
    /// The value as JSON (a capture keeps its JSON type).
    pub json: Value,
    /// Never print it.
    pub secret: bool,
    /// Where it came from.
    pub origin: Origin,
}

/// The variables of a run.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    values: BTreeMap<String, VarValue>,
    /// Secrets seen in responses that no variable holds (a `client_secret` the scenario does
    /// not capture): never printed, redacted as `[redacted]`.
    hidden: Vec<String>,
}

/// A variable was used before it existed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndefinedVar(pub String);

impl Vars {
    /// Sets a text variable. A value that contains a secret's value is a secret too, whatever
    /// `secret` says (`Bearer $ACCESS_TOKEN` must never be printed either).
    pub fn set_text(&mut self, name: &str, text: impl Into<String>, secret: bool, origin: Origin) {
        let text = text.into();
        let secret = secret || self.contains_secret(&text);
        self.values.insert(
            name.to_owned(),
            VarValue {
                json: Value::String(text.clone()),
                text,
                secret,
                origin,
            },
        );
    }

    /// Sets a variable from a JSON value (a capture): strings expand without quotes, other
    /// values as compact JSON. As with [`Vars::set_text`], a value holding a secret is one.
    pub fn set_json(&mut self, name: &str, json: Value, secret: bool, origin: Origin) {
        let text = match &json {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let secret = secret || self.contains_secret(&text);
        self.values.insert(
            name.to_owned(),
            VarValue {
                text,
                json,
                secret,
                origin,
            },
        );
    }

    /// A variable's value.
    pub fn get(&self, name: &str) -> Option<&VarValue> {
        self.values.get(name)
    }

    /// Whether a variable exists.
    pub fn contains(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    /// Whether `text` contains the value of a secret variable or a hidden secret (a
    /// non-secret variable built from a secret, such as `Bearer $ACCESS_TOKEN`, must be
    /// treated as a secret too).
    pub fn contains_secret(&self, text: &str) -> bool {
        self.values
            .values()
            .any(|v| v.secret && !v.text.is_empty() && text.contains(v.text.as_str()))
            || self.hidden.iter().any(|h| text.contains(h.as_str()))
    }

    /// Remembers a secret seen in a response that no variable holds, so it is redacted
    /// wherever it appears later. Empty values are ignored.
    pub fn hide(&mut self, secret: String) {
        if !secret.is_empty() && !self.hidden.contains(&secret) {
            self.hidden.push(secret);
        }
    }

    /// The hidden secrets (see [`Vars::hide`]).
    pub fn hidden(&self) -> &[String] {
        &self.hidden
    }

    /// All variables, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &VarValue)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Renders a template.
    pub fn render(&self, template: &Template) -> Result<String, UndefinedVar> {
        template
            .render(|name| self.values.get(name).map(|v| v.text.as_str()))
            .map_err(UndefinedVar)
    }

    /// Renders every string in a JSON value; a string that is exactly one `$VAR` takes the
    /// variable's JSON value (so a captured number stays a number).
    pub fn render_json(&self, value: &Value) -> Result<Value, UndefinedVar> {
        Ok(match value {
            Value::String(s) => {
                let template = Template::parse(s).unwrap_or_else(|_| Template::literal(s.clone()));
                if let Some(name) = template.single_var() {
                    self.values
                        .get(name)
                        .map(|v| v.json.clone())
                        .ok_or_else(|| UndefinedVar(name.to_owned()))?
                } else {
                    Value::String(self.render(&template)?)
                }
            }
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|v| self.render_json(v))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| Ok((k.clone(), self.render_json(v)?)))
                    .collect::<Result<_, UndefinedVar>>()?,
            ),
            other => other.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn json_rendering_keeps_types_of_whole_references() {
        let mut vars = Vars::default();
        vars.set_json("N", json!(3600), false, Origin::Captured);
        vars.set_text("SCOPE_ID", "abc", false, Origin::Captured);
        let out = vars
            .render_json(&json!({"d": "$N", "s": ["$SCOPE_ID"], "t": "id-$SCOPE_ID"}))
            .unwrap();
        assert_eq!(out, json!({"d": 3600, "s": ["abc"], "t": "id-abc"}));
    }

    #[test]
    fn values_built_from_secrets_are_secrets() {
        let mut vars = Vars::default();
        vars.set_text("ACCESS_TOKEN", "eyJabc", true, Origin::Captured);
        vars.set_text("AUTH_HEADER", "Bearer eyJabc", false, Origin::Scenario);
        vars.set_json("ECHO", json!({"t": "eyJabc"}), false, Origin::Captured);
        vars.set_text("PLAIN", "Bearer", false, Origin::Scenario);
        assert!(vars.get("AUTH_HEADER").unwrap().secret);
        assert!(vars.get("ECHO").unwrap().secret);
        assert!(!vars.get("PLAIN").unwrap().secret);
    }

    #[test]
    fn undefined_variables_are_named() {
        let vars = Vars::default();
        let err = vars.render_json(&json!({"a": ["$MISSING"]})).unwrap_err();
        assert_eq!(err, UndefinedVar("MISSING".into()));
    }
}
