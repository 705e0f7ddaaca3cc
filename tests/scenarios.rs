//! One test per `scenarios/*.yaml` and `scenarios/*.yml` (rstest `#[files]`; `build.rs`
//! re-runs the glob when the folder changes), against the target named by `DOCFLOW_TARGET`
//! (default: the embedded mock). A target that was asked for and cannot open fails every test;
//! a scenario not for this target prints `not applicable: …` past the output capture.

use std::path::PathBuf;

use docflow::harness::{Verdict, test_scenario_file};
use rstest::rstest;

#[rstest]
#[test_attr(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn scenario(
    #[files("scenarios/*.yaml")]
    #[files("scenarios/*.yml")]
    path: PathBuf,
) {
    match test_scenario_file(&path).await {
        Ok(Verdict::Passed(_) | Verdict::Skipped(_) | Verdict::NotApplicable(_)) => {}
        Err(report) => panic!("\n{report}"),
    }
}
