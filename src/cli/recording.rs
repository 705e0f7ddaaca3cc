//! The recording format of `docflow run --record DIR`, read back by `docflow mock verify DIR`:
//! one `<scenario>.jsonl` per scenario, one [`Recorded`] exchange per line, in the order they
//! were sent (each step's settled answer, then the cleanups in the order they ran).
//!
//! Everything in it is redacted: the target's base URLs, secrets and captured values are
//! their `$NAME` (as the scenario names them), so a replay renders the request with its own
//! values; ids the target generated that no capture names are `[id:N]`, numbered in order of
//! first appearance within the scenario; a credential nothing names is `[redacted]`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The recording format's version, on every line; a reader refuses other versions.
pub(crate) const VERSION: u32 = 1;

/// Response headers recorded and compared: the ones a doc reader relies on, and the mock's
/// own not-emulated mark (`docflow-not-emulated`).
pub(crate) const RECORDED_HEADERS: &[&str] = &[
    "content-type",
    "www-authenticate",
    "location",
    docflow::outcome::NOT_EMULATED_HEADER,
];

/// One recorded exchange: a line of a recording.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct Recorded {
    /// [`VERSION`].
    pub(crate) version: u32,
    /// The scenario's name.
    pub(crate) scenario: String,
    /// The step's name (for a cleanup, the step it undoes).
    pub(crate) step: String,
    /// Whether this is a cleanup.
    #[serde(default)]
    pub(crate) cleanup: bool,
    /// The target it was recorded on (`konnect`, `mock`, `container`).
    pub(crate) target: String,
    /// What was sent.
    pub(crate) request: RecordedRequest,
    /// The captures the step made from the answer, for the replay to make from its own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) captures: Vec<RecordedCapture>,
    /// The step's `retry:`: the replay polls until the recorded status, as the run did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) retry: Option<RecordedRetry>,
    /// What came back.
    pub(crate) response: RecordedResponse,
}

/// A recorded request.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecordedRequest {
    /// Upper-case method.
    pub(crate) method: String,
    /// The URL, its base a placeholder (`$KONNECT_CONTROL_PLANE_URL/v1/auth-servers`).
    pub(crate) url: String,
    /// Every header sent, in order, except Basic credentials (see `basic_auth`).
    #[serde(default)]
    pub(crate) headers: Vec<(String, String)>,
    /// `Authorization: Basic` credentials, decoded so that their placeholders can be
    /// rendered and encoded again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) basic_auth: Option<BasicCredentials>,
    /// The body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) body: Option<RecordedBody>,
}

/// Decoded Basic credentials.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct BasicCredentials {
    /// The user (`$CLIENT_ID`).
    pub(crate) username: String,
    /// The password (`$CLIENT_SECRET`).
    pub(crate) password: String,
}

/// A body as the exchange carried it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum RecordedBody {
    /// A JSON document.
    Json(Value),
    /// `application/x-www-form-urlencoded` fields, decoded.
    Form(Vec<(String, String)>),
    /// Anything else, as text.
    Text(String),
}

/// A capture of the step (`capture:` in the scenario).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecordedCapture {
    /// The variable.
    pub(crate) variable: String,
    /// The jq program over the answer's body.
    pub(crate) jq: String,
    /// Whether the value is a secret (the replay hides it in what it prints).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) secret: bool,
}

/// A step's `retry:`, in milliseconds.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecordedRetry {
    /// Give up after this long.
    pub(crate) timeout_ms: u64,
    /// Wait between attempts.
    pub(crate) interval_ms: u64,
}

/// A recorded response.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecordedResponse {
    /// Status code.
    pub(crate) status: u16,
    /// The [`RECORDED_HEADERS`] it had, lowercase names.
    #[serde(default)]
    pub(crate) headers: Vec<(String, String)>,
    /// The body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) body: Option<RecordedBody>,
}

impl RecordedResponse {
    /// The value of a recorded header.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The file of `scenario` in the recording folder `dir`.
pub(crate) fn scenario_file(dir: &Path, scenario: &str) -> PathBuf {
    let safe: String = scenario
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    dir.join(format!("{safe}.jsonl"))
}

/// Reads one recording file: its exchanges in order, or `file:line: …` for the first line
/// that is not a [`Recorded`] of this [`VERSION`].
pub(crate) fn read_file(path: &Path) -> Result<Vec<Recorded>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read the recording: {e}", path.display()))?;
    let mut out = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = format!("{}:{}", path.display(), index + 1);
        let recorded: Recorded = serde_json::from_str(line)
            .map_err(|e| format!("{at}: not a recorded exchange: {e}"))?;
        if recorded.version != VERSION {
            return Err(format!(
                "{at}: recording version {} (this docflow reads `{VERSION}`)",
                recorded.version
            ));
        }
        out.push(recorded);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_line_round_trips_and_other_versions_are_refused_with_a_position() {
        let recorded = Recorded {
            version: VERSION,
            scenario: "s".into(),
            step: "create".into(),
            cleanup: false,
            target: "konnect".into(),
            request: RecordedRequest {
                method: "POST".into(),
                url: "$KONNECT_CONTROL_PLANE_URL/v1/auth-servers".into(),
                headers: vec![("Authorization".into(), "Bearer $KONNECT_TOKEN".into())],
                basic_auth: None,
                body: Some(RecordedBody::Json(json!({"name": "x"}))),
            },
            captures: vec![RecordedCapture {
                variable: "AUTH_SERVER_ID".into(),
                jq: ".id".into(),
                secret: false,
            }],
            retry: None,
            response: RecordedResponse {
                status: 201,
                headers: vec![("content-type".into(), "application/json".into())],
                body: Some(RecordedBody::Json(json!({"id": "$AUTH_SERVER_ID"}))),
            },
        };
        let dir = std::env::temp_dir().join(format!("docflow-rec-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = scenario_file(&dir, "a/b c");
        assert!(path.ends_with("a_b_c.jsonl"));
        let line = serde_json::to_string(&recorded).unwrap();
        std::fs::write(&path, format!("{line}\n\n")).unwrap();
        assert_eq!(read_file(&path).unwrap(), vec![recorded]);

        let old = line.replacen("\"version\":1", "\"version\":9", 1);
        std::fs::write(&path, format!("{line}\n{old}\n")).unwrap();
        let error = read_file(&path).unwrap_err();
        assert!(
            error.ends_with(":2: recording version 9 (this docflow reads `1`)"),
            "{error}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
