//! [`Ordered`]: a YAML value whose mappings keep the order they are written in, so a doc
//! block's body prints back in the doc's order (`serde_json::Value` sorts keys), and
//! [`parse_yaml`], which reads YAML embedded in a markdown file and reports errors at the
//! markdown file's line.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use super::code::DocCode;
use super::diagnostic::{Diagnostic, DocLocation};

/// A YAML value with ordered mappings.
#[derive(Debug, Clone, PartialEq)]
pub enum Ordered {
    /// `~`, `null` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number.
    Number(Number),
    /// A string.
    String(String),
    /// A sequence.
    Seq(Vec<Ordered>),
    /// A mapping, in written order. Keys are strings (non-string keys are written as text).
    Map(Vec<(String, Ordered)>),
}

impl Ordered {
    /// The value as JSON (keys sorted, as `serde_json` does).
    pub fn to_json(&self) -> Value {
        match self {
            Self::Null => Value::Null,
            Self::Bool(b) => Value::Bool(*b),
            Self::Number(n) => Value::Number(n.clone()),
            Self::String(s) => Value::String(s.clone()),
            Self::Seq(items) => Value::Array(items.iter().map(Self::to_json).collect()),
            Self::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect::<Map<_, _>>(),
            ),
        }
    }

    /// A mapping's value by key.
    pub fn get(&self, key: &str) -> Option<&Ordered> {
        match self {
            Self::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// A mutable mapping value by key.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Ordered> {
        match self {
            Self::Map(entries) => entries.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string, if the value is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value as text when it is a scalar: strings as is, numbers and booleans as
    /// written (YAML `3600` in a header list is still the text `3600`).
    pub fn scalar_text(&self) -> Option<String> {
        match self {
            Self::String(s) => Some(s.clone()),
            Self::Number(n) => Some(n.to_string()),
            Self::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// A short name of the value's kind, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Bool(_) => "a boolean",
            Self::Number(_) => "a number",
            Self::String(_) => "a string",
            Self::Seq(_) => "a list",
            Self::Map(_) => "a mapping",
        }
    }
}

impl From<&Value> for Ordered {
    fn from(value: &Value) -> Self {
        match value {
            Value::Null => Self::Null,
            Value::Bool(b) => Self::Bool(*b),
            Value::Number(n) => Self::Number(n.clone()),
            Value::String(s) => Self::String(s.clone()),
            Value::Array(items) => Self::Seq(items.iter().map(Self::from).collect()),
            Value::Object(map) => Self::Map(
                map.iter()
                    .map(|(k, v)| (k.clone(), Self::from(v)))
                    .collect(),
            ),
        }
    }
}

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(OrderedVisitor)
    }
}

struct OrderedVisitor;

impl<'de> Visitor<'de> for OrderedVisitor {
    type Value = Ordered;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Ordered, E> {
        Ok(Ordered::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Ordered, E> {
        Ok(Ordered::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Ordered, E> {
        Ok(Ordered::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Ordered, E> {
        Ok(Number::from_f64(v).map_or(Ordered::Null, Ordered::Number))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Ordered, E> {
        Ok(Ordered::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Ordered, E> {
        Ok(Ordered::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Ordered, E> {
        Ok(Ordered::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Ordered, E> {
        Ok(Ordered::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Ordered, D::Error> {
        Ordered::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Ordered, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Ordered::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
        let mut entries: Vec<(String, Ordered)> = Vec::new();
        while let Some((key, value)) = map.next_entry::<Ordered, Ordered>()? {
            let key = key.scalar_text().unwrap_or_else(|| format!("{key:?}"));
            // A repeated key replaces the earlier one, as YAML loaders that allow it do.
            entries.retain(|(k, _)| *k != key);
            entries.push((key, value));
        }
        Ok(Ordered::Map(entries))
    }
}

/// Parses YAML that starts at line `first_line` of `file` (a block inside a markdown page,
/// the frontmatter, an entity example). Errors carry the markdown file's line.
pub fn parse_yaml(
    text: &str,
    file: &str,
    first_line: usize,
    what: &str,
) -> Result<Ordered, Diagnostic> {
    if text.trim().is_empty() {
        return Ok(Ordered::Null);
    }
    serde_saphyr::from_str::<Ordered>(text).map_err(|e| {
        let line = e.location().map_or(first_line, |l| {
            first_line + l.line().saturating_sub(1) as usize
        });
        let message = first_line_of(&e.without_snippet().to_string());
        Diagnostic::error(
            DocCode::BadYaml,
            DocLocation::new(file, line),
            format!("invalid YAML in {what}: {message}"),
        )
    })
}

/// The first line of a possibly multi-line message, without a trailing location suffix
/// (the diagnostic has its own).
fn first_line_of(message: &str) -> String {
    let line = message.lines().next().unwrap_or("").trim();
    let line = match line.find(" at line ") {
        Some(i) => &line[..i],
        None => line,
    };
    // The parser's advice to its own callers means nothing to a docs writer.
    line.split(", set DuplicateKeyPolicy")
        .next()
        .unwrap_or(line)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn parser_messages_lose_their_location_and_api_advice() {
        assert_eq!(
            first_line_of(
                "duplicate mapping key: a, set DuplicateKeyPolicy in Options if acceptable at line 3 column 1"
            ),
            "duplicate mapping key: a"
        );
    }

    #[test]
    fn mappings_keep_their_written_order() {
        let v = parse_yaml(
            "url: /x \nname: a\nbody:\n  z: 1\n  a: [true, 2.5]\n",
            "f.md",
            9,
            "t",
        )
        .unwrap();
        let Ordered::Map(entries) = &v else { panic!() };
        let keys: Vec<_> = entries.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["url", "name", "body"]);
        let Some(Ordered::Map(body)) = v.get("body") else {
            panic!()
        };
        assert_eq!(body[0].0, "z");
        // Trailing spaces after a plain scalar are not part of it (YAML), as in the docs'
        // `url: /v1/auth-servers/$AUTH_SERVER_ID/scopes `.
        assert_eq!(v.get("url").and_then(Ordered::as_str), Some("/x"));
        assert_eq!(
            v.to_json(),
            json!({"url": "/x", "name": "a", "body": {"z": 1, "a": [true, 2.5]}})
        );
    }

    #[test]
    fn compact_sequences_and_empty_values_parse() {
        let v = parse_yaml(
            "include_in_scopes: \n- $SCOPE_ID\nenabled: true\nx:\n",
            "f",
            1,
            "t",
        )
        .unwrap();
        assert_eq!(
            v.to_json(),
            json!({"include_in_scopes": ["$SCOPE_ID"], "enabled": true, "x": null})
        );
    }

    #[test]
    fn errors_point_at_the_markdown_line() {
        let err = parse_yaml("url: /x\nbody: [unclosed\n", "page.md", 75, "a block").unwrap_err();
        assert_eq!(err.code, DocCode::BadYaml);
        assert_eq!(err.location.file, "page.md");
        assert!((75..=77).contains(&err.location.line), "{err}");
        assert!(err.message.starts_with("invalid YAML in a block"), "{err}");
    }
}
