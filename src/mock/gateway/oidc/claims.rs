//! Claim lookup and the required-values check, as Kong's plugin does them: [`find_claim`]
//! follows a claim path and flattens arrays into a space-separated string; [`satisfies`]
//! checks `scopes_required` / `audience_required` (items are alternatives; the
//! space-separated words of one item are all required).

use serde_json::Value;

/// The value at `path` in `claims` as text (arrays joined by spaces), if present.
pub fn find_claim(claims: &Value, path: &[String]) -> Option<String> {
    let mut value = claims;
    for key in path {
        value = value.get(key.as_str())?;
    }
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => Some(
            items
                .iter()
                .map(|i| match i {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(" "),
        ),
        other => Some(other.to_string()),
    }
}

/// Whether `present` (a space-separated set) satisfies one of `required`.
pub fn satisfies(required: &[String], present: &str) -> bool {
    let present: Vec<&str> = present.split_whitespace().collect();
    required.iter().any(|alternative| {
        let words: Vec<&str> = alternative.split_whitespace().collect();
        !words.is_empty() && words.iter().all(|w| present.contains(w))
    })
}

/// `[ a, b ]`, the way Kong lists found values in its error reasons.
pub fn listing(present: &str) -> String {
    format!(
        "[ {} ]",
        present.split_whitespace().collect::<Vec<_>>().join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn path(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn finds_nested_and_flattens_arrays() {
        let claims = json!({"aud": ["http://myhttpbin.dev", "x"], "scope": "a b",
                            "realm": {"roles": ["r"]}, "n": 5});
        assert_eq!(
            find_claim(&claims, &path(&["aud"])).unwrap(),
            "http://myhttpbin.dev x"
        );
        assert_eq!(
            find_claim(&claims, &path(&["realm", "roles"])).unwrap(),
            "r"
        );
        assert_eq!(find_claim(&claims, &path(&["n"])).unwrap(), "5");
        assert_eq!(find_claim(&claims, &path(&["missing"])), None);
    }

    #[test]
    fn required_items_are_or_and_words_are_and() {
        let required = path(&["a b", "c"]);
        assert!(satisfies(&required, "b a"));
        assert!(satisfies(&required, "c"));
        assert!(!satisfies(&required, "a"));
        assert!(!satisfies(&path(&["http://myhttpbin.dev"]), "http://other"));
        assert_eq!(listing("a  b"), "[ a, b ]");
    }
}
