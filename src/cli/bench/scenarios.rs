//! Scenario loading speed: [`measure`] reads, parses and validates every scenario file of a
//! folder, several rounds, as `docflow validate` and `docflow run` do before anything runs.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::json;

use super::report::{Report, round2};
use crate::cli::files::scenario_files;

/// The outcome of the scenario-loading bench.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LoadFigures {
    /// Files per round.
    pub(crate) files: usize,
    /// Rounds.
    pub(crate) rounds: usize,
    /// Total wall time.
    pub(crate) wall: Duration,
    /// Files that did not load in the first round (errors are not timed apart: they are
    /// part of validating).
    pub(crate) invalid: usize,
}

impl LoadFigures {
    /// Files loaded and validated per second.
    pub(crate) fn per_second(&self) -> f64 {
        let secs = self.wall.as_secs_f64();
        if secs > 0.0 {
            (self.files * self.rounds) as f64 / secs
        } else {
            0.0
        }
    }
}

impl LoadFigures {
    /// The table line.
    pub(crate) fn figures(&self, report: &mut Report) {
        report.figure(
            "scenario_files_per_second",
            format!(
                "scenarios: {} files x {} loads + validations",
                self.files, self.rounds
            ),
            format!(
                "{:>8.0} files/s  ({} invalid)",
                self.per_second(),
                self.invalid
            ),
            json!(round2(self.per_second())),
        );
    }
}

/// Loads every scenario file in `folder`, `rounds` times. CPU-bound: run it on a blocking
/// thread.
pub(crate) fn measure(folder: &Path, rounds: usize) -> Result<LoadFigures, String> {
    let files: Vec<PathBuf> = scenario_files(&[folder.to_owned()])?;
    if files.is_empty() {
        return Err(format!(
            "no `*.yaml` scenario files in `{}`",
            folder.display()
        ));
    }
    let invalid = files
        .iter()
        .filter(|f| docflow::load_file(f).is_err())
        .count();
    let rounds = rounds.max(1);
    let started = Instant::now();
    for _ in 0..rounds {
        for file in &files {
            std::hint::black_box(docflow::load_file(file).is_ok());
        }
    }
    Ok(LoadFigures {
        files: files.len(),
        rounds,
        wall: started.elapsed(),
        invalid,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_the_projects_scenarios() {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let figures = measure(&folder, 1).unwrap();
        assert!(figures.files >= 1);
        assert_eq!(figures.invalid, 0);
        assert!(figures.per_second() > 0.0);
        assert!(measure(Path::new("/nonexistent-docflow-folder"), 1).is_err());
    }
}
