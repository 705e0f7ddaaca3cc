//! [`Ordered`]: a YAML value whose mappings keep the order they are written in, so a doc
//! block's body prints back in the doc's order — `serde_json::Value` with serde_json's
//! `preserve_order` feature — with [`OrderedExt`] for what the doc reader asks of a value, and
//! [`parse_yaml`], which reads YAML embedded in a markdown file and reports errors at the
//! markdown file's line.

use serde_json::Value;

use super::code::DocCode;
use super::diagnostic::{Diagnostic, DocLocation};

/// A YAML value with ordered mappings (`Ordered::Object` keeps the written order).
pub type Ordered = Value;

/// What the doc reader asks of a value beyond `serde_json::Value`'s own `get`, `get_mut` and
/// `as_str`.
pub trait OrderedExt {
    /// The value as text when it is a scalar: strings as is, numbers and booleans as
    /// written (YAML `3600` in a header list is still the text `3600`).
    fn scalar_text(&self) -> Option<String>;

    /// A short name of the value's kind, for error messages.
    fn kind(&self) -> &'static str;

    /// The value as JSON (a copy; it already is JSON, with its mappings in written order).
    fn to_json(&self) -> Value;
}

impl OrderedExt for Value {
    fn scalar_text(&self) -> Option<String> {
        match self {
            Self::String(s) => Some(s.clone()),
            Self::Number(n) => Some(n.to_string()),
            Self::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Bool(_) => "a boolean",
            Self::Number(_) => "a number",
            Self::String(_) => "a string",
            Self::Array(_) => "a list",
            Self::Object(_) => "a mapping",
        }
    }

    fn to_json(&self) -> Value {
        self.clone()
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
        return Ok(Value::Null);
    }
    serde_saphyr::from_str::<Value>(text).map_err(|e| {
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
        let Ordered::Object(entries) = &v else {
            panic!()
        };
        let keys: Vec<_> = entries.keys().map(String::as_str).collect();
        assert_eq!(keys, ["url", "name", "body"]);
        let Some(Ordered::Object(body)) = v.get("body") else {
            panic!()
        };
        assert_eq!(body.keys().next().map(String::as_str), Some("z"));
        // Trailing spaces after a plain scalar are not part of it (YAML), as in the docs'
        // `url: /v1/auth-servers/$AUTH_SERVER_ID/scopes `.
        assert_eq!(v.get("url").and_then(Ordered::as_str), Some("/x"));
        assert_eq!(
            v.to_json(),
            json!({"url": "/x", "name": "a", "body": {"z": 1, "a": [true, 2.5]}})
        );
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"{"url":"/x","name":"a","body":{"z":1,"a":[true,2.5]}}"#
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

    #[test]
    fn scalar_keys_are_their_text_in_written_order() {
        let v = parse_yaml("1: a\ntrue: b\n2.5: c\n", "f", 1, "t").unwrap();
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"{"1":"a","true":"b","2.5":"c"}"#
        );
    }

    #[test]
    fn a_repeated_key_is_an_error_at_its_line() {
        let err = parse_yaml("a: 1\nb: 2\na: 3\n", "page.md", 10, "a block").unwrap_err();
        assert_eq!(err.code, DocCode::BadYaml);
        assert_eq!(err.location.line, 12, "{err}");
        assert!(
            err.message
                .starts_with("invalid YAML in a block: duplicate mapping key: a"),
            "{err}"
        );
    }

    #[test]
    fn kinds_and_scalar_text() {
        let v = json!({"n": 3600, "b": false, "s": "x", "l": [], "m": {}, "z": null});
        let kinds: Vec<_> = ["n", "b", "s", "l", "m", "z"]
            .iter()
            .map(|k| v[k].kind())
            .collect();
        assert_eq!(
            kinds,
            [
                "a number",
                "a boolean",
                "a string",
                "a list",
                "a mapping",
                "null"
            ]
        );
        assert_eq!(v["n"].scalar_text().as_deref(), Some("3600"));
        assert_eq!(v["b"].scalar_text().as_deref(), Some("false"));
        assert_eq!(v["l"].scalar_text(), None);
    }

    #[test]
    fn a_string_and_a_number_key_of_the_same_text_are_one_key_the_last_wins() {
        let v = parse_yaml("'1': a\n1: b\n", "f", 1, "t").unwrap();
        assert_eq!(v, json!({"1": "b"}));
    }

    /// Before `preserve_order`, such a key became the Rust debug text of the value (`Null`,
    /// `Seq([…])`); no page of the docs corpus has one. Now it is a located error.
    #[test]
    fn null_and_collection_keys_are_errors_at_their_line() {
        for text in ["a: 1\n~: d\n", "a: 1\n[x, y]: 1\n", "a: 1\n{k: v}: 2\n"] {
            let err = parse_yaml(text, "page.md", 5, "a block").unwrap_err();
            assert_eq!(err.code, DocCode::BadYaml, "{text}");
            assert!((5..=6).contains(&err.location.line), "{text}: {err}");
        }
    }
}
