//! One test per `scenarios/*.yaml` (rstest `#[files]`; `build.rs` re-runs the glob when the
//! folder changes), against the target named by `DOCFLOW_TARGET` (default: the embedded mock).

use std::path::PathBuf;

use docflow::harness::{Verdict, test_scenario_file};
use rstest::rstest;

#[rstest]
#[test_attr(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn scenario(#[files("scenarios/*.yaml")] path: PathBuf) {
    match test_scenario_file(&path).await {
        Ok(Verdict::Passed(_)) => {}
        Ok(Verdict::Skipped(reason)) => println!("skipped: {reason}"),
        Err(report) => panic!("\n{report}"),
    }
}
