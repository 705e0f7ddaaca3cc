//! Checking a response against a step's expectations: status, JSON subset, jq predicates,
//! headers. Each failed check is a [`Mismatch`] with expected and actual values.

use serde_json::Value;

use crate::http::Received;
use crate::jq;
use crate::outcome::{CheckCode, Code, Mismatch};
use crate::scenario::model::{Expect, HeaderRule};
use crate::vars::{UndefinedVar, Vars};

/// Checks `received` against `expect`, with `status` as the expected status (the runner
/// passes a known defect's real status instead of the doc's).
pub fn check(
    expect: &Expect,
    status: Option<u16>,
    received: &Received,
    body: &Value,
    vars: &Vars,
) -> Result<Vec<Mismatch>, UndefinedVar> {
    let mut out = Vec::new();
    if let Some(expected) = status
        && expected != received.status
    {
        out.push(Mismatch {
            code: Code::Check(CheckCode::Status),
            what: "status".to_owned(),
            expected: expected.to_string(),
            actual: received.status.to_string(),
        });
    }
    if let Some(subset) = &expect.body {
        let subset = vars.render_json(subset)?;
        if let Some((path, expected, actual)) = first_difference(&subset, body, "") {
            out.push(Mismatch {
                code: Code::Check(CheckCode::Body),
                what: format!("body at `{}`", if path.is_empty() { "." } else { &path }),
                expected,
                actual,
            });
        }
    }
    for predicate in &expect.jq {
        if let Some(m) = jq_predicate(&predicate.expr, body) {
            out.push(m);
        }
    }
    for header in &expect.headers {
        let actual = received.header(&header.name);
        let (ok, expected) = match &header.rule {
            HeaderRule::Equals(t) => {
                let v = vars.render(t)?;
                (
                    actual.as_deref() == Some(v.as_str()),
                    format!("equal to `{v}`"),
                )
            }
            HeaderRule::Contains(t) => {
                let v = vars.render(t)?;
                (
                    actual.as_deref().is_some_and(|a| a.contains(&v)),
                    format!("containing `{v}`"),
                )
            }
            HeaderRule::Present => (actual.is_some(), "present".to_owned()),
            HeaderRule::Absent => (actual.is_none(), "absent".to_owned()),
        };
        if !ok {
            out.push(Mismatch {
                code: Code::Check(CheckCode::Header),
                what: format!("header `{}`", header.name),
                expected,
                actual: actual.unwrap_or_else(|| "(absent)".to_owned()),
            });
        }
    }
    Ok(out)
}

/// Runs a jq predicate; `None` when every output is truthy (and there is at least one).
pub fn jq_predicate(expr: &str, input: &Value) -> Option<Mismatch> {
    let mismatch = |actual: String| Mismatch {
        code: Code::Check(CheckCode::Jq),
        what: format!("jq `{expr}`"),
        expected: "true".to_owned(),
        actual,
    };
    let program = match jq::Program::compile(expr) {
        Ok(p) => p,
        Err(e) => return Some(mismatch(format!("compile error: {}", e.message))),
    };
    match program.run(input) {
        Ok(outputs) if !outputs.is_empty() && outputs.iter().all(jq::is_truthy) => None,
        Ok(outputs) if outputs.is_empty() => Some(mismatch("no output".to_owned())),
        Ok(outputs) => Some(mismatch(
            outputs
                .iter()
                .map(Value::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        )),
        Err(e) => Some(mismatch(format!("error: {e}"))),
    }
}

/// The first place where `actual` does not contain `expected`: objects may have extra keys;
/// arrays must have the same length, each element matching as a subset; numbers compare by
/// value. Returns `(path, expected, actual)`.
pub fn first_difference(
    expected: &Value,
    actual: &Value,
    path: &str,
) -> Option<(String, String, String)> {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => e.iter().find_map(|(k, ev)| {
            let p = format!("{path}.{k}");
            match a.get(k) {
                Some(av) => first_difference(ev, av, &p),
                None => Some((p, ev.to_string(), "(missing)".to_owned())),
            }
        }),
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                return Some((path.to_owned(), expected.to_string(), actual.to_string()));
            }
            e.iter()
                .zip(a)
                .enumerate()
                .find_map(|(i, (ev, av))| first_difference(ev, av, &format!("{path}[{i}]")))
        }
        (Value::Number(e), Value::Number(a)) if e.as_f64() == a.as_f64() => None,
        (e, a) if e == a => None,
        (e, a) => Some((path.to_owned(), e.to_string(), a.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn subset_allows_extra_keys_but_not_missing_ones() {
        let actual = json!({"id": "x", "name": "a", "data": [{"id": 1, "extra": true}]});
        assert_eq!(
            first_difference(&json!({"name": "a", "data": [{"id": 1}]}), &actual, ""),
            None
        );
        assert_eq!(
            first_difference(&json!({"name": "b"}), &actual, "")
                .unwrap()
                .0,
            ".name"
        );
        assert_eq!(
            first_difference(&json!({"nope": 1}), &actual, "")
                .unwrap()
                .2,
            "(missing)"
        );
        assert_eq!(
            first_difference(&json!({"data": []}), &actual, "")
                .unwrap()
                .0,
            ".data"
        );
        assert_eq!(first_difference(&json!(1.0), &json!(1), ""), None);
    }
}
