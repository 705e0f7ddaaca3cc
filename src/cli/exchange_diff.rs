//! Where the mock's answer differs from a recorded one: status, the headers that matter
//! ([`RECORDED_HEADERS`]), body shape. Values are compared only for headers, and there
//! redacted and normalised on both sides (a realm's host, ids, a content type's parameters
//! do not count).

use docflow::http::Received;
use docflow::outcome::NOT_EMULATED_HEADER;
use docflow::redact::{Redactor, normalize};
use serde_json::{Value, json};

use super::body_shape;
use super::record_ids::IdNamer;
use super::recording::{RECORDED_HEADERS, RecordedBody, RecordedResponse};

/// One line per difference between the recorded answer and the mock's.
pub(crate) fn differences(
    recorded: &RecordedResponse,
    mock: &Received,
    redactor: &Redactor,
) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(reason) = mock.header(NOT_EMULATED_HEADER)
        && recorded.header(NOT_EMULATED_HEADER).is_none()
    {
        let reason = redactor.text(&reason);
        out.push(format!(
            "not emulated by the mock ({reason}): status {} in the recording, {} from the mock",
            recorded.status, mock.status
        ));
        return out;
    }
    if recorded.status != mock.status {
        out.push(format!(
            "status: {} in the recording, {} from the mock",
            recorded.status, mock.status
        ));
    }
    for name in RECORDED_HEADERS {
        let theirs = recorded.header(name).map(comparable(name));
        let ours = mock
            .header(name)
            .map(|v| IdNamer::default().text(&redactor.text(&v)))
            .map(|v| comparable(name)(&v));
        match (theirs, ours) {
            (Some(a), Some(b)) if a != b => out.push(format!(
                "header `{name}`: `{a}` in the recording, `{b}` from the mock"
            )),
            (Some(a), None) => out.push(format!(
                "header `{name}`: `{a}` in the recording, absent from the mock"
            )),
            (None, Some(b)) => out.push(format!(
                "header `{name}`: absent from the recording, `{b}` from the mock"
            )),
            _ => {}
        }
    }
    out.extend(body_differences(recorded.body.as_ref(), mock));
    out
}

/// A header's value as compared: a content type's media type only; the realm normalised
/// (it names the issuer's host, which differs per target); ids without their numbers.
fn comparable(name: &str) -> impl Fn(&str) -> String + '_ {
    move |value| {
        if name == "content-type" {
            return value
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
        }
        let normalized = normalize(&json!({ name: value }));
        let value = normalized[name].as_str().unwrap_or(value);
        without_id_numbers(value)
    }
}

/// `[id:3]` → `[id]`: the numbering depends on how many ids came before.
fn without_id_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("[id:") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 4..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && after[digits..].starts_with(']') {
            out.push_str("[id]");
            rest = &after[digits + 1..];
        } else {
            out.push_str("[id:");
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The body's differences: of kind (none, JSON, text), then of shape.
fn body_differences(recorded: Option<&RecordedBody>, mock: &Received) -> Vec<String> {
    let ours = if mock.body.is_empty() {
        None
    } else {
        Some(serde_json::from_slice::<Value>(&mock.body).map_err(|_| ()))
    };
    match (recorded, ours) {
        (None, None) => vec![],
        (Some(RecordedBody::Json(a)), Some(Ok(b))) => body_shape::differences(a, &b),
        (Some(RecordedBody::Text(_) | RecordedBody::Form(_)), Some(Err(()))) => vec![],
        (theirs, ours) => vec![format!(
            "body: {} in the recording, {} from the mock",
            match theirs {
                None => "none",
                Some(RecordedBody::Json(_)) => "JSON",
                Some(_) => "text",
            },
            match ours {
                None => "none",
                Some(Ok(_)) => "JSON",
                Some(Err(())) => "text",
            }
        )],
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use reqwest::header::{HeaderMap, HeaderValue};

    use super::*;

    fn received(status: u16, headers: &[(&'static str, &'static str)], body: &str) -> Received {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, HeaderValue::from_static(value));
        }
        Received {
            status,
            headers: map,
            body: body.as_bytes().to_vec(),
            elapsed: Duration::ZERO,
            attempts: 1,
        }
    }

    fn recorded(
        status: u16,
        headers: &[(&str, &str)],
        body: Option<RecordedBody>,
    ) -> RecordedResponse {
        RecordedResponse {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            body,
        }
    }

    #[test]
    fn equal_shapes_and_normalised_headers_do_not_differ() {
        let theirs = recorded(
            401,
            &[
                ("content-type", "application/json"),
                (
                    "www-authenticate",
                    "Bearer realm=\"[id:2].us.identity.konghq.com\"",
                ),
                ("location", "/v1/x/[id:7]"),
            ],
            Some(RecordedBody::Json(json!({"message": "Unauthorized"}))),
        );
        let ours = received(
            401,
            &[
                ("content-type", "application/json; charset=utf-8"),
                ("www-authenticate", "Bearer realm=\"127.0.0.1\""),
                ("location", "/v1/x/8c1f0a7e-1b2c-4d5e-8f90-0123456789ab"),
            ],
            r#"{"message": "no"}"#,
        );
        assert_eq!(
            differences(&theirs, &ours, &Redactor::new()),
            Vec::<String>::new()
        );
    }

    #[test]
    fn status_headers_and_body_kind_differ_one_line_each() {
        let theirs = recorded(
            201,
            &[("content-type", "application/json"), ("location", "/a")],
            Some(RecordedBody::Json(json!({"id": "$ID"}))),
        );
        let ours = received(
            400,
            &[
                ("content-type", "application/problem+json"),
                ("www-authenticate", "Basic"),
            ],
            "",
        );
        assert_eq!(
            differences(&theirs, &ours, &Redactor::new()),
            [
                "status: 201 in the recording, 400 from the mock",
                "header `content-type`: `application/json` in the recording, `application/problem+json` from the mock",
                "header `www-authenticate`: absent from the recording, `Basic` from the mock",
                "header `location`: `/a` in the recording, absent from the mock",
                "body: JSON in the recording, none from the mock",
            ]
        );
    }

    #[test]
    fn what_the_mock_does_not_emulate_is_said_once() {
        let theirs = recorded(200, &[], None);
        let ours = received(501, &[(NOT_EMULATED_HEADER, "plugin `x`")], "{}");
        assert_eq!(
            differences(&theirs, &ours, &Redactor::new()),
            [
                "not emulated by the mock (plugin `x`): status 200 in the recording, 501 from the mock"
            ]
        );
    }

    #[test]
    fn id_numbers_do_not_count() {
        assert_eq!(
            without_id_numbers("/a/[id:12]/b/[id:x]"),
            "/a/[id]/b/[id:x]"
        );
    }
}
