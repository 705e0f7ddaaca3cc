//! [`RunLabels`] and [`KonnectHooks`]: how a run marks everything it creates on a shared
//! organization, so `docflow sweep` can find leftovers, without the scenarios knowing.
//!
//! Scenarios stay doc-faithful: they send the doc's bodies. The Konnect target's client adds
//! `labels: {docflow-run: $RUN_ID, docflow-created: <unix seconds>}` to the bodies that create
//! labelled resources (auth servers, their clients, control planes) and the tags `docflow`
//! and `docflow-run-$RUN_ID` to core entities it creates (services, routes, plugins, …, which
//! have `tags`, not `labels`). It removes exactly those again from the API's responses, so a
//! scenario sees what the doc's request would have returned and snapshots are the same on
//! every target. Only `POST`s are marked: a `PUT` may replace something the run did not
//! create, and marking it would make `sweep` delete it.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};

use super::pace::{Pacer, pace_key};
use crate::http::{Prepared, Received, SendHooks};

/// Label key holding the run id; its presence is what marks a resource as docflow's.
pub const RUN_LABEL: &str = "docflow-run";
/// Label key holding the creation time (unix seconds), for APIs without `created_at`.
pub const CREATED_LABEL: &str = "docflow-created";
/// Tag on every core entity a run creates.
pub const TAG: &str = "docflow";
/// Prefix of the per-run tag (`docflow-run-{run_id}`).
pub const RUN_TAG_PREFIX: &str = "docflow-run-";

/// What the labels say about one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunLabels {
    /// The run id (`RUN_ID`).
    pub run_id: String,
    /// When the run started, unix seconds.
    pub created: u64,
}

impl RunLabels {
    /// Labels for `run_id`, created now.
    pub fn now(run_id: &str) -> Self {
        let created = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Self {
            run_id: run_id.to_owned(),
            created,
        }
    }

    /// Adds the labels to a JSON object body's `labels`, keeping the scenario's own.
    fn label(&self, body: &mut Map<String, Value>) {
        let labels = body
            .entry("labels")
            .or_insert_with(|| Value::Object(Map::new()));
        if !labels.is_object() {
            // `labels: null` (or a wrong type, which the API will refuse anyway).
            *labels = Value::Object(Map::new());
        }
        if let Value::Object(labels) = labels {
            labels.insert(RUN_LABEL.to_owned(), Value::String(self.run_id.clone()));
            labels.insert(
                CREATED_LABEL.to_owned(),
                Value::String(self.created.to_string()),
            );
        }
    }

    /// Adds the tags to a JSON object body's `tags`, keeping the scenario's own.
    fn tag(&self, body: &mut Map<String, Value>) {
        let tags = body
            .entry("tags")
            .or_insert_with(|| Value::Array(Vec::new()));
        if tags.is_null() {
            *tags = Value::Array(Vec::new());
        }
        if let Value::Array(tags) = tags {
            tags.push(Value::String(TAG.to_owned()));
            tags.push(Value::String(format!("{RUN_TAG_PREFIX}{}", self.run_id)));
        }
    }
}

/// How a creating request is marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Labels,
    Tags,
}

/// Which mark a `POST` to `path` (relative to the API URL, no query) gets, if any.
fn mark_for(path: &str) -> Option<Mark> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        ["v1", "auth-servers"]
        | ["v1", "auth-servers", _, "clients"]
        | ["v2", "control-planes"] => Some(Mark::Labels),
        ["v2", "control-planes", _, "core-entities", _, ..] => Some(Mark::Tags),
        _ => None,
    }
}

/// The Konnect target's client hooks: mark creations, pace Kong Identity, unmark responses.
#[derive(Debug)]
pub struct KonnectHooks {
    api_url: String,
    labels: RunLabels,
    pacer: Arc<Pacer>,
}

impl KonnectHooks {
    /// Hooks for requests to `api_url` made by the run `labels`.
    pub fn new(api_url: &str, labels: RunLabels, pacer: Arc<Pacer>) -> Self {
        Self {
            api_url: api_url.trim_end_matches('/').to_owned(),
            labels,
            pacer,
        }
    }

    /// The API path of `url` without its query, if `url` is on the API.
    fn api_path<'a>(&self, url: &'a str) -> Option<&'a str> {
        let rest = url.strip_prefix(&self.api_url)?;
        let path = rest.split(['?', '#']).next().unwrap_or_default();
        (path.is_empty() || path.starts_with('/')).then_some(path)
    }
}

impl SendHooks for KonnectHooks {
    fn rewrite(&self, request: &mut Prepared) {
        if !request.method.eq_ignore_ascii_case("POST") {
            return;
        }
        let Some(mark) = self.api_path(&request.url).and_then(mark_for) else {
            return;
        };
        let Some(Ok(Value::Object(mut body))) =
            request.body.as_deref().map(serde_json::from_slice::<Value>)
        else {
            return;
        };
        match mark {
            Mark::Labels => self.labels.label(&mut body),
            Mark::Tags => self.labels.tag(&mut body),
        }
        request.body = Some(Value::Object(body).to_string().into_bytes());
    }

    fn pace(&self, request: &Prepared) -> Duration {
        pace_key(&self.api_url, &request.url).map_or(Duration::ZERO, |k| self.pacer.reserve(&k))
    }

    fn received(&self, request: &Prepared, received: &mut Received) {
        if self.api_path(&request.url).is_none() || received.body.is_empty() {
            return;
        }
        let Ok(mut body) = serde_json::from_slice::<Value>(&received.body) else {
            return;
        };
        if unmark(&mut body) {
            received.body = body.to_string().into_bytes();
            received.headers.remove(reqwest::header::CONTENT_LENGTH);
        }
    }
}

/// Removes docflow's labels and tags from every `labels` object and `tags` array in `value`.
/// A `tags` array left empty becomes `null`, which is what Kong answers for an entity created
/// without tags (Admin API behaviour; UNVERIFIED for Konnect's core entities). Returns whether
/// anything changed.
pub fn unmark(value: &mut Value) -> bool {
    let mut changed = false;
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                match (key.as_str(), &mut *child) {
                    ("labels", Value::Object(labels)) => {
                        changed |= labels.remove(RUN_LABEL).is_some();
                        changed |= labels.remove(CREATED_LABEL).is_some();
                    }
                    ("tags", Value::Array(tags)) => {
                        let before = tags.len();
                        tags.retain(|t| !t.as_str().is_some_and(is_docflow_tag));
                        if tags.len() != before {
                            changed = true;
                            if tags.is_empty() {
                                *child = Value::Null;
                            }
                        }
                    }
                    _ => changed |= unmark(child),
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                changed |= unmark(item);
            }
        }
        _ => {}
    }
    changed
}

/// Whether `tag` is one docflow adds.
pub fn is_docflow_tag(tag: &str) -> bool {
    tag == TAG || tag.starts_with(RUN_TAG_PREFIX)
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderMap;
    use serde_json::json;

    use super::*;

    fn hooks() -> KonnectHooks {
        KonnectHooks::new(
            "https://us.api.konghq.com/",
            RunLabels {
                run_id: "abcd1234".into(),
                created: 1_780_000_000,
            },
            Arc::new(Pacer::new(0)),
        )
    }

    fn post(url: &str, body: Value) -> Prepared {
        Prepared {
            method: "POST".into(),
            url: url.into(),
            headers: vec![],
            body: Some(body.to_string().into_bytes()),
        }
    }

    fn body(p: &Prepared) -> Value {
        serde_json::from_slice(p.body.as_deref().unwrap()).unwrap()
    }

    #[test]
    fn labels_creations_of_labelled_resources() {
        let h = hooks();
        let mut r = post(
            "https://us.api.konghq.com/v1/auth-servers",
            json!({"name": "a", "labels": {"team": "docs"}}),
        );
        h.rewrite(&mut r);
        assert_eq!(
            body(&r)["labels"],
            json!({"team": "docs", "docflow-run": "abcd1234", "docflow-created": "1780000000"})
        );
        for url in [
            "https://us.api.konghq.com/v2/control-planes",
            "https://us.api.konghq.com/v1/auth-servers/x/clients/",
        ] {
            let mut r = post(url, json!({"name": "a"}));
            h.rewrite(&mut r);
            assert_eq!(body(&r)["labels"]["docflow-run"], "abcd1234", "{url}");
        }
    }

    #[test]
    fn tags_core_entities() {
        let h = hooks();
        let mut r = post(
            "https://us.api.konghq.com/v2/control-planes/cp/core-entities/plugins/",
            json!({"name": "openid-connect"}),
        );
        h.rewrite(&mut r);
        assert_eq!(body(&r)["tags"], json!(["docflow", "docflow-run-abcd1234"]));
        let mut r = post(
            "https://us.api.konghq.com/v2/control-planes/cp/core-entities/services",
            json!({"name": "s", "tags": ["mine"]}),
        );
        h.rewrite(&mut r);
        assert_eq!(
            body(&r)["tags"],
            json!(["mine", "docflow", "docflow-run-abcd1234"])
        );
    }

    #[test]
    fn leaves_everything_else_alone() {
        let h = hooks();
        let cases = [
            post(
                "https://us.api.konghq.com/v1/auth-servers/x/scopes",
                json!({"name": "s"}),
            ),
            post(
                "https://x.us.identity.konghq.com/auth/oauth/token",
                json!({"a": 1}),
            ),
            post("https://evil.example/v1/auth-servers", json!({"name": "a"})),
            post(
                "https://us.api.konghq.com/v1/auth-servers",
                json!(["not", "an object"]),
            ),
        ];
        for mut r in cases {
            let before = r.body.clone();
            h.rewrite(&mut r);
            assert_eq!(r.body, before, "{}", r.url);
        }
        let mut put = post(
            "https://us.api.konghq.com/v2/control-planes/cp/core-entities/plugins/p1",
            json!({"name": "x"}),
        );
        put.method = "PUT".into();
        h.rewrite(&mut put);
        assert!(body(&put).get("tags").is_none());
    }

    #[test]
    fn responses_lose_exactly_the_added_marks() {
        let h = hooks();
        let request = post("https://us.api.konghq.com/v1/auth-servers", json!({}));
        let mut received = Received {
            status: 201,
            headers: HeaderMap::new(),
            body: json!({
                "labels": {"team": "docs", "docflow-run": "abcd1234", "docflow-created": "1"},
                "data": [{"tags": ["docflow", "docflow-run-abcd1234"]}, {"tags": ["x", "docflow"]}],
            })
            .to_string()
            .into_bytes(),
            elapsed: Duration::ZERO,
            attempts: 1,
        };
        h.received(&request, &mut received);
        assert_eq!(
            received.json(),
            json!({"labels": {"team": "docs"}, "data": [{"tags": null}, {"tags": ["x"]}]})
        );
        let mut unchanged = json!({"labels": {}, "tags": ["x"]});
        assert!(!unmark(&mut unchanged));
        assert_eq!(unchanged, json!({"labels": {}, "tags": ["x"]}));
    }
}
