//! The snapshot view of a step: what `snapshots/` records of its answer.

use serde_json::{Map, Value, json};

use crate::http::Received;
use crate::jq;
use crate::redact::{Redactor, normalize};
use crate::scenario::model::{SnapshotMode, Step, display_url};

/// Response headers kept in snapshots: the ones a doc reader relies on and that do not vary
/// between targets.
pub const SNAPSHOT_HEADERS: &[&str] = &[
    "content-type",
    "www-authenticate",
    "location",
    "cache-control",
];

/// The snapshot view of a step: request line, status, allow-listed headers, body (or its jq
/// projection), verified tokens. Redacted by value, then normalised by shape.
pub(super) fn view(
    step: &Step,
    received: &Received,
    body: &Value,
    tokens: Vec<(String, Value)>,
    redactor: &Redactor,
) -> Option<Value> {
    let body = match &step.snapshot {
        SnapshotMode::Off => return None,
        SnapshotMode::Full => body.clone(),
        SnapshotMode::Jq(expr) => match jq::Program::compile(expr)
            .map_err(|e| e.message)
            .and_then(|p| p.run(body))
        {
            Ok(mut values) if values.len() == 1 => values.remove(0),
            Ok(values) => Value::Array(values),
            Err(e) => json!({ "snapshot jq error": e }),
        },
    };
    let mut headers = Map::new();
    for name in SNAPSHOT_HEADERS {
        if let Some(value) = received.header(name) {
            headers.insert((*name).to_owned(), Value::String(value));
        }
    }
    let mut view = json!({
        "request": format!("{} {}", step.request.method, display_url(&step.request)),
        "status": received.status,
        "headers": headers,
        "body": body,
    });
    if !tokens.is_empty() {
        view["tokens"] = Value::Object(tokens.into_iter().collect());
    }
    Some(normalize(&redactor.json(&view)))
}
