//! Plain paths (`.id`, `.data[0].id`, `.`), the most common scenario jq by far: [`Path`]
//! follows one straight over the JSON value, without an evaluation thread or a conversion of
//! the whole input to jaq values.
//!
//! This is only a shortcut: [`Path::follow`] answers when jq would return one value without
//! error and leaves everything else (an error, a value past the output caps) to jaq, so
//! every message and every limit stays jaq's.

use serde_json::Value;

use super::{MAX_OUTPUT_BYTES, MAX_OUTPUT_DEPTH};

/// One step of a plain path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// `.name`: an object's field (`null` when absent or on `null`).
    Field(String),
    /// `[n]`: an array's element (`null` when out of range or on `null`).
    Index(usize),
}

/// A jq program that is only field names and non-negative indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Path {
    segments: Vec<Segment>,
}

impl Path {
    /// The path `expr` spells, if it is a plain one (`.`, `.a`, `.a.b`, `.a[0]`, `.[0].a`).
    pub(super) fn parse(expr: &str) -> Option<Self> {
        let rest = expr.trim().strip_prefix('.')?;
        let mut segments = Vec::new();
        let mut rest = rest;
        // Right after the leading dot, a name or `[n]` may follow directly.
        let mut after_dot = true;
        while !rest.is_empty() {
            if let Some(inner) = rest.strip_prefix('[') {
                let end = inner.find(']')?;
                let digits = &inner[..end];
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                segments.push(Segment::Index(digits.parse().ok()?));
                rest = &inner[end + 1..];
                after_dot = false;
                continue;
            }
            let name_start = if after_dot {
                rest
            } else {
                rest.strip_prefix('.')?
            };
            let len = name_len(name_start)?;
            segments.push(Segment::Field(name_start[..len].to_owned()));
            rest = &name_start[len..];
            after_dot = false;
        }
        Some(Self { segments })
    }

    /// The value jq would output, when it would output exactly that one value without error.
    pub(super) fn follow<'v>(&self, input: &'v Value) -> Option<&'v Value> {
        const NULL: &Value = &Value::Null;
        let mut at = input;
        for segment in &self.segments {
            at = match (segment, at) {
                (_, Value::Null) => NULL,
                (Segment::Field(name), Value::Object(map)) => map.get(name).unwrap_or(NULL),
                (Segment::Index(i), Value::Array(items)) => items.get(*i).unwrap_or(NULL),
                // jq refuses to index anything else: jaq says how.
                _ => return None,
            };
        }
        Some(at)
    }
}

/// Whether jaq's conversion of `value` to JSON would stay within the output caps: the same
/// count as `to_json` (8 bytes a value, plus the bytes of every string and key).
pub(super) fn within_caps(value: &Value) -> bool {
    fn walk(value: &Value, depth: usize, bytes: &mut usize) -> bool {
        *bytes += 8;
        if depth > MAX_OUTPUT_DEPTH || *bytes > MAX_OUTPUT_BYTES {
            return false;
        }
        match value {
            Value::String(s) => {
                *bytes += s.len();
                *bytes <= MAX_OUTPUT_BYTES
            }
            Value::Array(items) => items.iter().all(|v| walk(v, depth + 1, bytes)),
            Value::Object(map) => map.iter().all(|(k, v)| {
                *bytes += k.len();
                walk(v, depth + 1, bytes)
            }),
            Value::Null | Value::Bool(_) | Value::Number(_) => true,
        }
    }
    walk(value, 0, &mut 0)
}

/// Length of the identifier `text` starts with (jq's `[A-Za-z_][A-Za-z0-9_]*`).
fn name_len(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    if !bytes
        .first()
        .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
    {
        return None;
    }
    Some(
        bytes
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
            .count(),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn only_plain_paths_are_recognised() {
        for plain in [
            ".",
            ".id",
            " .id ",
            ".data[0].id",
            ".[0]",
            ".[0].a",
            ".a_b.c9",
            ".a[1][2]",
        ] {
            assert!(Path::parse(plain).is_some(), "{plain}");
        }
        for other in [
            "", "id", "..", ".a.", ".a..b", ".[-1]", ".[]", ".a?", ".\"a\"", ".[\"a\"]", ".a | .b",
            ".a,.b", ".9a", ".a [0]", ".a[0", "length",
        ] {
            assert_eq!(Path::parse(other), None, "{other}");
        }
    }

    #[test]
    fn follows_like_jq_and_leaves_errors_to_jaq() {
        let input = json!({"id": "x", "data": [{"id": 1}], "n": null, "s": "str"});
        let follow = |expr: &str| Path::parse(expr).unwrap().follow(&input).cloned();
        assert_eq!(follow("."), Some(input.clone()));
        assert_eq!(follow(".id"), Some(json!("x")));
        assert_eq!(follow(".data[0].id"), Some(json!(1)));
        assert_eq!(follow(".data[5]"), Some(json!(null)));
        assert_eq!(follow(".missing.deeper[3]"), Some(json!(null)));
        assert_eq!(follow(".n.x"), Some(json!(null)));
        assert_eq!(follow(".s.x"), None);
        assert_eq!(follow(".data.id"), None);
        assert_eq!(follow(".[0]"), None);
    }

    #[test]
    fn caps_count_as_the_jaq_conversion_does() {
        assert!(within_caps(&json!({"a": ["x", 1, null]})));
        let long = "x".repeat(MAX_OUTPUT_BYTES);
        assert!(!within_caps(&json!(long)));
        let mut deep = json!(1);
        for _ in 0..=MAX_OUTPUT_DEPTH {
            deep = json!([deep]);
        }
        assert!(!within_caps(&deep));
    }
}
