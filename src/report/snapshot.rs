//! Snapshots with insta: every step's redacted view and the doc defect report of a run, named
//! `<scenario>@<step>` (never insta's auto-names, which collide in rstest cases) under the
//! top-level `snapshots/`, with the scenario file as `input_file`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use serde_json::{Value, json};

use crate::outcome::ScenarioReport;

/// The folder holding the snapshots: `DOCFLOW_SNAPSHOTS`, or `snapshots/` at the crate root.
pub fn snapshot_dir() -> PathBuf {
    std::env::var_os("DOCFLOW_SNAPSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("snapshots"))
}

/// The snapshot name of a step.
pub fn snapshot_name(scenario: &str, step: &str) -> String {
    format!("{scenario}@{step}")
}

/// The defect report as snapshotted: the list a reviewer reads, without response excerpts.
pub fn defects_view(report: &ScenarioReport) -> Value {
    json!({
        "doc_defects": report.defects.iter().map(|d| json!({
            "step": d.step,
            "doc": d.doc,
            "doc_says": d.doc_says,
            "actual": d.actual,
            "known": d.known,
        })).collect::<Vec<_>>()
    })
}

/// Asserts every snapshot of `report`; checks them all before failing, so one review shows
/// every change. The error lists the snapshots that differ.
pub fn assert_snapshots(report: &ScenarioReport) -> Result<(), String> {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(snapshot_dir());
    settings.set_input_file(&report.path);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_sort_maps(true);
    settings.set_omit_expression(true);
    let mut views: Vec<(String, Value)> = report
        .steps
        .iter()
        .filter_map(|s| Some((snapshot_name(&report.scenario, &s.name), s.view.clone()?)))
        .collect();
    if report.verifies_doc {
        views.push((
            snapshot_name(&report.scenario, "defects"),
            defects_view(report),
        ));
    }
    let mut differing = Vec::new();
    for (name, view) in views {
        let result = catch_unwind(AssertUnwindSafe(|| {
            settings.bind(|| insta::assert_yaml_snapshot!(name.as_str(), view));
        }));
        if result.is_err() {
            differing.push(name);
        }
    }
    if differing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "snapshot mismatch in {}: {}\n  help: review with `cargo insta review` (never hand-edit `.snap` files); with `CI=true` insta never writes snapshots",
            report.scenario,
            differing
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}
