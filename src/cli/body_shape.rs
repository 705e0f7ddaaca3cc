//! Body shape: where two JSON bodies differ in their keys or their values' JSON types, never
//! in their values (a recording's values are placeholders, and ids differ on every run).

use serde_json::Value;

/// One line per place where `mock`'s shape differs from `recorded`'s: a key only one has, or
/// a value of another JSON type. Arrays compare element by element (at `[]`), each place
/// once.
pub(crate) fn differences(recorded: &Value, mock: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(".", recorded, mock, &mut out);
    out
}

fn walk(path: &str, recorded: &Value, mock: &Value, out: &mut Vec<String>) {
    match (recorded, mock) {
        (Value::Object(a), Value::Object(b)) => {
            // Sorted: the report does not depend on the order either side wrote its keys.
            let mut recorded: Vec<(&String, &Value)> = a.iter().collect();
            recorded.sort_by_key(|(k, _)| *k);
            for (key, value) in recorded {
                let at = join(path, key);
                match b.get(key) {
                    Some(other) => walk(&at, value, other, out),
                    None => push(
                        out,
                        format!("body `{at}`: in the recording, not from the mock"),
                    ),
                }
            }
            let mut extra: Vec<&String> = b.keys().filter(|k| !a.contains_key(*k)).collect();
            extra.sort();
            for key in extra {
                let at = join(path, key);
                push(
                    out,
                    format!("body `{at}`: from the mock, not in the recording"),
                );
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            let at = format!("{}[]", path.trim_end_matches('.'));
            for (x, y) in a.iter().zip(b) {
                walk(&at, x, y, out);
            }
        }
        (a, b) if type_name(a) != type_name(b) => push(
            out,
            format!(
                "body `{path}`: {} in the recording, {} from the mock",
                type_name(a),
                type_name(b)
            ),
        ),
        _ => {}
    }
}

/// `path.key`, or `path["key"]` for a key that is not an identifier.
fn join(path: &str, key: &str) -> String {
    let base = path.trim_end_matches('.');
    if !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        format!("{base}.{key}")
    } else {
        format!("{base}[{}]", Value::String(key.to_owned()))
    }
}

fn push(out: &mut Vec<String>, line: String) {
    if !out.contains(&line) {
        out.push(line);
    }
}

/// The JSON type's name.
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn keys_and_types_differ_values_do_not() {
        let recorded = json!({
            "id": "$ID", "n": 1, "gone": true, "data": [{"a": "x"}, {"a": "y"}],
            "odd key": null, "empty": []
        });
        let mock = json!({
            "id": "other", "n": "1", "extra": {}, "data": [{"a": 2}, {"a": 3}],
            "odd key": null, "empty": [1]
        });
        assert_eq!(
            differences(&recorded, &mock),
            [
                "body `.data[].a`: a string in the recording, a number from the mock",
                "body `.gone`: in the recording, not from the mock",
                "body `.n`: a number in the recording, a string from the mock",
                "body `.extra`: from the mock, not in the recording",
            ]
        );
        assert_eq!(differences(&recorded, &recorded), Vec::<String>::new());
        assert_eq!(
            differences(&json!({"a-b": 1}), &json!({"a-b": [2]})),
            ["body `[\"a-b\"]`: a number in the recording, an array from the mock"]
        );
        assert_eq!(
            differences(&json!([]), &json!({})),
            ["body `.`: an array in the recording, an object from the mock"]
        );
    }
}
