//! Checking a response against a step's expectations: status, JSON subset, jq predicates,
//! headers. Each failed check is a [`Mismatch`] with expected and actual values, and every one
//! is reported: a body subset that differs in three places is three mismatches, so one run
//! shows everything to fix.

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
        for (path, expected, actual) in differences(&subset, body) {
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

/// Every place where `actual` does not contain `expected`, in the expected value's order:
/// objects may have extra keys; arrays must have the same length (else the array is one
/// difference), each element matching as a subset; numbers compare by value. Each is
/// `(path, expected, actual)`, the path `` for the root.
pub fn differences(expected: &Value, actual: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    collect_differences(expected, actual, "", &mut out);
    out
}

fn collect_differences(
    expected: &Value,
    actual: &Value,
    path: &str,
    out: &mut Vec<(String, String, String)>,
) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            // Keys in sorted order, whatever order the scenario writes them in (serde_json's
            // `preserve_order` keeps that): the report lists differences by path.
            let mut keys: Vec<(&String, &Value)> = e.iter().collect();
            keys.sort_unstable_by_key(|(k, _)| *k);
            for (k, ev) in keys {
                let p = format!("{path}.{k}");
                match a.get(k) {
                    Some(av) => collect_differences(ev, av, &p, out),
                    None => out.push((p, ev.to_string(), "(missing)".to_owned())),
                }
            }
        }
        (Value::Array(e), Value::Array(a)) if e.len() == a.len() => {
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                collect_differences(ev, av, &format!("{path}[{i}]"), out);
            }
        }
        (Value::Number(e), Value::Number(a)) if e.as_f64() == a.as_f64() => {}
        (e, a) if e == a => {}
        (e, a) => out.push((path.to_owned(), e.to_string(), a.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn paths(expected: &Value, actual: &Value) -> Vec<String> {
        differences(expected, actual)
            .into_iter()
            .map(|d| d.0)
            .collect()
    }

    #[test]
    fn subset_allows_extra_keys_but_not_missing_ones() {
        let actual = json!({"id": "x", "name": "a", "data": [{"id": 1, "extra": true}]});
        assert!(paths(&json!({"name": "a", "data": [{"id": 1}]}), &actual).is_empty());
        assert_eq!(paths(&json!({"name": "b"}), &actual), [".name"]);
        assert_eq!(differences(&json!({"nope": 1}), &actual)[0].2, "(missing)");
        assert_eq!(paths(&json!({"data": []}), &actual), [".data"]);
        assert!(paths(&json!(1.0), &json!(1)).is_empty());
        assert_eq!(paths(&json!(1), &json!(2)), [""]);
    }

    #[test]
    fn every_difference_is_reported_not_only_the_first() {
        let actual = json!({"name": "a", "port": 80, "data": [{"id": 1}, {"id": 2}]});
        let expected = json!({
            "name": "b",
            "port": 80,
            "missing": true,
            "data": [{"id": 9}, {"id": 8}],
        });
        let found = differences(&expected, &actual);
        assert_eq!(
            found,
            [
                (".data[0].id".to_owned(), "9".to_owned(), "1".to_owned()),
                (".data[1].id".to_owned(), "8".to_owned(), "2".to_owned()),
                (
                    ".missing".to_owned(),
                    "true".to_owned(),
                    "(missing)".to_owned()
                ),
                (".name".to_owned(), "\"b\"".to_owned(), "\"a\"".to_owned()),
            ]
        );
    }

    #[test]
    fn a_body_check_gives_one_mismatch_per_difference() {
        let expect = Expect {
            body: Some(json!({"name": "b", "port": 81})),
            ..Expect::default()
        };
        let received = Received {
            status: 200,
            headers: reqwest::header::HeaderMap::new(),
            body: Vec::new(),
            elapsed: std::time::Duration::ZERO,
            attempts: 1,
        };
        let body = json!({"name": "a", "port": 80});
        let mismatches = check(&expect, Some(201), &received, &body, &Vars::default()).unwrap();
        let whats: Vec<_> = mismatches.iter().map(|m| m.what.as_str()).collect();
        assert_eq!(whats, ["status", "body at `.name`", "body at `.port`"]);
    }
}
