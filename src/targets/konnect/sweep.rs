//! [`sweep`]: deletes what docflow runs left behind on a shared organization — and only that.
//!
//! A resource is docflow's when it carries the `docflow-run` label (auth servers, control
//! planes) or the `docflow` tag (core entities in any control plane). Of those, the ones
//! created before the cut-off are deleted: core entities first (plugins, routes, services,
//! consumers, in that order, because routes hold services), then auth servers (with
//! `?force=true`, which takes their clients, scopes and claims), then control planes.
//! Unlabelled resources are never touched, whatever their age.

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::api::KonnectApi;
use super::labels::{CREATED_LABEL, RUN_LABEL, RUN_TAG_PREFIX, TAG, is_docflow_tag};
use crate::targets::error::TargetError;

/// Core entity collections swept, in deletion order.
pub const CORE_KINDS: &[&str] = &["plugins", "routes", "services", "consumers"];

/// What to sweep.
#[derive(Debug, Clone, Copy)]
pub struct SweepOptions {
    /// Resources created strictly before this instant are deleted.
    pub cutoff: OffsetDateTime,
    /// List what would be deleted, delete nothing.
    pub dry_run: bool,
}

/// What happened to one docflow resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SweepAction {
    /// Deleted.
    Deleted,
    /// Would be deleted (dry run).
    WouldDelete,
    /// Kept: created after the cut-off, or its age is unknown.
    Kept(String),
    /// The delete failed.
    Failed(String),
}

/// One docflow resource found by the sweep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweptItem {
    /// `auth server`, `control plane`, or the core entity kind (`plugin`, …).
    pub kind: String,
    /// Its id.
    pub id: String,
    /// Its name, if it has one.
    pub name: Option<String>,
    /// The run that created it.
    pub run: Option<String>,
    /// When it was created.
    pub created: Option<OffsetDateTime>,
    /// What the sweep did.
    pub action: SweepAction,
    /// The API path it lives at.
    pub path: String,
}

/// Everything the sweep found, in the order it acted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// The docflow resources, deleted or kept.
    pub items: Vec<SweptItem>,
    /// Lists that could not be read (e.g. a control plane type without core entities);
    /// nothing in them was deleted.
    pub warnings: Vec<String>,
}

impl SweepReport {
    /// How many items had `action`'s kind.
    pub fn count(&self, matches: impl Fn(&SweepAction) -> bool) -> usize {
        self.items.iter().filter(|i| matches(&i.action)).count()
    }

    /// Whether every delete succeeded.
    pub fn ok(&self) -> bool {
        self.count(|a| matches!(a, SweepAction::Failed(_))) == 0
    }
}

/// Finds docflow's resources older than the cut-off and deletes them (unless `dry_run`).
/// Failing to list control planes or auth servers aborts the sweep; failing to list one
/// control plane's core entities is a warning (nothing in it is deleted). A failed delete is
/// reported and the sweep goes on.
pub async fn sweep(api: &KonnectApi, options: SweepOptions) -> Result<SweepReport, TargetError> {
    let mut report = SweepReport::default();
    let control_planes = api.list_all("/v2/control-planes").await?;
    let auth_servers = api.list_all("/v1/auth-servers").await?;

    let mut candidates = Vec::new();
    for cp in &control_planes {
        let Some(cp_id) = cp["id"].as_str() else {
            continue;
        };
        for kind in CORE_KINDS {
            let base = format!("/v2/control-planes/{cp_id}/core-entities/{kind}");
            // The `tags` filter narrows the listing; the check below does not rely on it.
            let entities = match api.list_core(&format!("{base}?tags={TAG}")).await {
                Ok(entities) => entities,
                Err(e) => {
                    report.warnings.push(e.message);
                    continue;
                }
            };
            for entity in entities {
                if !has_docflow_tag(&entity) {
                    continue;
                }
                let Some(id) = entity["id"].as_str() else {
                    continue;
                };
                candidates.push(SweptItem {
                    kind: singular(kind).to_owned(),
                    id: id.to_owned(),
                    name: entity["name"].as_str().map(str::to_owned),
                    run: run_tag(&entity),
                    created: created_at(&entity),
                    action: SweepAction::Kept(String::new()),
                    path: format!("{base}/{id}"),
                });
            }
        }
    }
    for (kind, items, path) in [
        ("auth server", &auth_servers, "/v1/auth-servers"),
        ("control plane", &control_planes, "/v2/control-planes"),
    ] {
        for item in items.iter().filter(|i| has_docflow_label(i)) {
            let Some(id) = item["id"].as_str() else {
                continue;
            };
            let force = if kind == "auth server" {
                "?force=true"
            } else {
                ""
            };
            candidates.push(SweptItem {
                kind: kind.to_owned(),
                id: id.to_owned(),
                name: item["name"].as_str().map(str::to_owned),
                run: item["labels"][RUN_LABEL].as_str().map(str::to_owned),
                created: created_at(item),
                action: SweepAction::Kept(String::new()),
                path: format!("{path}/{id}{force}"),
            });
        }
    }

    for mut item in candidates {
        item.action = match item.created {
            None => SweepAction::Kept("unknown creation time".to_owned()),
            Some(created) if created >= options.cutoff => {
                SweepAction::Kept("newer than the cut-off".to_owned())
            }
            Some(_) if options.dry_run => SweepAction::WouldDelete,
            Some(_) => match api.delete(&item.path).await {
                Ok(_) => SweepAction::Deleted,
                Err(e) => SweepAction::Failed(e.message),
            },
        };
        report.items.push(item);
    }
    Ok(report)
}

fn singular(kind: &str) -> &str {
    kind.strip_suffix('s').unwrap_or(kind)
}

/// Whether `item` has the `docflow-run` label.
pub fn has_docflow_label(item: &Value) -> bool {
    item["labels"]
        .as_object()
        .is_some_and(|l| l.contains_key(RUN_LABEL))
}

fn has_docflow_tag(entity: &Value) -> bool {
    entity["tags"]
        .as_array()
        .is_some_and(|tags| tags.iter().any(|t| t.as_str() == Some(TAG)))
}

fn run_tag(entity: &Value) -> Option<String> {
    entity["tags"].as_array()?.iter().find_map(|t| {
        t.as_str()
            .filter(|t| is_docflow_tag(t))
            .and_then(|t| t.strip_prefix(RUN_TAG_PREFIX))
            .map(str::to_owned)
    })
}

/// The creation time: `created_at` (ISO-8601 on the platform APIs, unix seconds on core
/// entities), else the `docflow-created` label.
pub fn created_at(item: &Value) -> Option<OffsetDateTime> {
    match &item["created_at"] {
        Value::String(s) => OffsetDateTime::parse(s, &Rfc3339).ok(),
        Value::Number(n) => n
            .as_i64()
            .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok()),
        _ => None,
    }
    .or_else(|| {
        item["labels"][CREATED_LABEL]
            .as_str()
            .and_then(|s| s.parse::<i64>().ok())
            .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reads_creation_times_of_both_apis() {
        let iso = created_at(&json!({"created_at": "2025-09-23T13:04:47.789958Z"})).unwrap();
        assert_eq!(iso.unix_timestamp(), 1_758_632_687);
        let unix = created_at(&json!({"created_at": 1_758_632_687})).unwrap();
        assert_eq!(unix.unix_timestamp(), 1_758_632_687);
        let label = created_at(&json!({"labels": {"docflow-created": "1758632687"}})).unwrap();
        assert_eq!(label.unix_timestamp(), 1_758_632_687);
        assert_eq!(created_at(&json!({"created_at": "yesterday"})), None);
    }

    #[test]
    fn recognises_only_docflow_marks() {
        assert!(has_docflow_label(
            &json!({"labels": {"docflow-run": "abc"}})
        ));
        assert!(!has_docflow_label(
            &json!({"labels": {"env": "docflow-run"}})
        ));
        assert!(!has_docflow_label(&json!({"labels": null})));
        assert!(has_docflow_tag(&json!({"tags": ["x", "docflow"]})));
        assert!(!has_docflow_tag(&json!({"tags": ["docflow-run-abc"]})));
        assert!(!has_docflow_tag(&json!({"tags": null})));
        assert_eq!(
            run_tag(&json!({"tags": ["docflow", "docflow-run-abc"]})).as_deref(),
            Some("abc")
        );
    }
}
