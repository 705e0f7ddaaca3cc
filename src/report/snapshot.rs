//! Snapshots with insta: every step's redacted view and the doc defect report of a run, named
//! `<scenario>@<step>` (never insta's auto-names, which collide in rstest cases) under the
//! top-level `snapshots/`, with the scenario file as `input_file`. [`assert_snapshots`] is what
//! a `cargo test` case does; [`check_snapshots`] is what `docflow run` does, with the same names,
//! files and insta rules (a difference writes `.snap.new` for `cargo insta review`, never with
//! `CI=true`), plus updating in place.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::snapshot_cache;
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
    let differing = differing_snapshots(report, &snapshot_dir());
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

/// The names of `report`'s snapshots in `dir` that are missing or differ, each asserted with
/// insta (which writes a `.snap.new` beside it unless `CI=true` or `INSTA_UPDATE=no`).
fn differing_snapshots(report: &ScenarioReport, dir: &Path) -> Vec<String> {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(dir);
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
        let file = dir.join(format!("{}.snap", name.replace(['/', '\\'], "__")));
        if settings.bind(|| snapshot_cache::matches_stored(&file, &view)) {
            continue;
        }
        let result = catch_unwind(AssertUnwindSafe(|| {
            settings.bind(|| insta::assert_yaml_snapshot!(name.as_str(), view));
        }));
        if result.is_err() {
            differing.push(name);
        }
    }
    differing
}

/// What `docflow run --snapshots` does with a passing scenario's snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotMode {
    /// Compare them, as `cargo test` does (the default).
    Check,
    /// Write the ones that are missing or differ (refused with `CI=true`).
    Update,
    /// Leave them alone.
    Skip,
}

/// How the snapshots of one scenario compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotCheck {
    /// Not compared (`--snapshots skip`).
    Skipped,
    /// The scenario has no snapshot in the folder: nothing to compare, nothing written.
    Untracked,
    /// Every snapshot matched.
    Matched,
    /// These were written (`--snapshots update`).
    Updated(Vec<String>),
    /// These are missing or differ; in update mode, also those that could not be written.
    Differ(Vec<String>),
}

/// Compares (or updates) the snapshots of a passing `report` in `dir`. A scenario with no
/// snapshot there at all is [`SnapshotCheck::Untracked`] unless updating, so a scenario
/// nobody recorded (a quick file in `/tmp`) does not fail for it.
pub fn check_snapshots(report: &ScenarioReport, dir: &Path, mode: SnapshotMode) -> SnapshotCheck {
    if mode == SnapshotMode::Skip {
        return SnapshotCheck::Skipped;
    }
    if mode == SnapshotMode::Check && !is_tracked(&report.scenario, dir) {
        return SnapshotCheck::Untracked;
    }
    let differing = differing_snapshots(report, dir);
    if differing.is_empty() {
        return SnapshotCheck::Matched;
    }
    if mode == SnapshotMode::Check {
        return SnapshotCheck::Differ(differing);
    }
    let (updated, failed): (Vec<String>, Vec<String>) = differing
        .into_iter()
        .partition(|name| accept_new(dir, name));
    if failed.is_empty() {
        SnapshotCheck::Updated(updated)
    } else {
        SnapshotCheck::Differ(failed)
    }
}

/// Whether `dir` holds any `<scenario>@….snap`.
fn is_tracked(scenario: &str, dir: &Path) -> bool {
    let prefix = snapshot_name(scenario, "");
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.filter_map(Result::ok).any(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.starts_with(&prefix) && name.ends_with(".snap")
        })
    })
}

/// Accepts the `.snap.new` insta wrote for `name` as its `.snap`, as `cargo insta accept`
/// does (insta's own loader and writer, which drop the volatile metadata).
fn accept_new(dir: &Path, name: &str) -> bool {
    let new = dir.join(format!("{name}.snap.new"));
    let Ok(snapshot) = insta::Snapshot::from_file(&new) else {
        return false;
    };
    let saved = snapshot.save(&dir.join(format!("{name}.snap"))).is_ok();
    saved && std::fs::remove_file(&new).is_ok()
}
